/* sysv(1): see main.c for the commands and cli.h for how they fit. */
#include "cli.h"

int main(int argc, char **argv)
{
    return sysv_cli_main(argc, argv);
}
