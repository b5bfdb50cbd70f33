/* Built against an installed libsysv by test/install/check.sh. */
#include <stdio.h>
#include <string.h>

#include <sysv/sysv.h>

int main(void)
{
    key_t key;
    char text[SYSV_KEY_STRLEN];
    sysv_limits limits;
    if (strcmp(sysv_version(), SYSV_VERSION_STRING) != 0) {
        fprintf(stderr, "headers %s, library %s\n", SYSV_VERSION_STRING, sysv_version());
        return 1;
    }
    if (sysv_key_name("jobs", &key) != 0 || sysv_key_format(key, text, sizeof(text)) != 0 ||
        strcmp(text, "0xe407107d") != 0) {
        fprintf(stderr, "unexpected key for \"jobs\": %s\n", text);
        return 1;
    }
    int rc = sysv_limits_get(&limits);
    if (rc < 0) {
        fprintf(stderr, "sysv_limits_get: %s\n", sysv_strerror(rc));
        return 1;
    }
    printf("consumer: libsysv %s, name:jobs = %s, msgmax %zu\n", sysv_version(), text,
           limits.msgmax);
    return 0;
}
