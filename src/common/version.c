#include <sysv/ipc.h>

const char *sysv_version(void)
{
    return SYSV_VERSION_STRING;
}
