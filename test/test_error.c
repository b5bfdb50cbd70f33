/* Error names and words, kind names, version. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <sysv/sysv.h>

#include "harness.h"

/* Every code a libsysv function is documented to return. */
static const struct {
    int code;
    const char *name;
} codes[] = {
    {EPERM, "EPERM"},
    {ENOENT, "ENOENT"},
    {EINTR, "EINTR"},
    {E2BIG, "E2BIG"},
    {EAGAIN, "EAGAIN"},
    {ENOMEM, "ENOMEM"},
    {EACCES, "EACCES"},
    {EFAULT, "EFAULT"},
    {EBUSY, "EBUSY"},
    {EEXIST, "EEXIST"},
    {ENOTDIR, "ENOTDIR"},
    {EINVAL, "EINVAL"},
    {EMFILE, "EMFILE"},
    {ENOSPC, "ENOSPC"},
    {EPIPE, "EPIPE"},
    {ERANGE, "ERANGE"},
    {ENAMETOOLONG, "ENAMETOOLONG"},
    {ENOSYS, "ENOSYS"},
    {ELOOP, "ELOOP"},
    {ENOMSG, "ENOMSG"},
    {EIDRM, "EIDRM"},
    {EOVERFLOW, "EOVERFLOW"},
    {EMSGSIZE, "EMSGSIZE"},
    {ETIMEDOUT, "ETIMEDOUT"},
    {EOWNERDEAD, "EOWNERDEAD"},
    {ENOTRECOVERABLE, "ENOTRECOVERABLE"},
};
#define NCODES (sizeof(codes) / sizeof(codes[0]))

TEST(errname_names_every_documented_code)
{
    for (size_t i = 0; i < NCODES; i++) {
        CHECK_STR_EQ(sysv_errname(codes[i].code), codes[i].name);
        CHECK_STR_EQ(sysv_errname(-codes[i].code), codes[i].name);
    }
}

TEST(strerror_has_words_for_every_documented_code)
{
    for (size_t i = 0; i < NCODES; i++) {
        const char *w = sysv_strerror(-codes[i].code);
        CHECK(w != NULL);
        CHECK(strcmp(w, "unknown error") != 0);
        CHECK(strlen(w) > 8);
        CHECK(sysv_strerror(codes[i].code) == w); /* -x and x alike */
        /* No two codes share their words. */
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(w, sysv_strerror(codes[j].code)) != 0);
    }
}

TEST(strerror_words_speak_of_ipc)
{
    CHECK(strstr(sysv_strerror(-EIDRM), "removed") != NULL);
    CHECK(strstr(sysv_strerror(-ENOMSG), "message") != NULL);
    CHECK(strstr(sysv_strerror(-EEXIST), "exists") != NULL);
    CHECK(strstr(sysv_strerror(-ETIMEDOUT), "timeout") != NULL);
}

TEST(zero_and_unknown_codes_are_never_null)
{
    CHECK_STR_EQ(sysv_strerror(0), "success");
    CHECK_STR_EQ(sysv_errname(0), "OK");
    static const int odd[] = {9999, -9999, INT_MIN, INT_MAX, 4096, -4096};
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        CHECK_STR_EQ(sysv_strerror(odd[i]), "unknown error");
        CHECK_STR_EQ(sysv_errname(odd[i]), "EUNKNOWN");
    }
    /* Every value in errno's range gets some text. */
    for (int e = -200; e <= 200; e++) {
        CHECK(sysv_strerror(e) != NULL);
        CHECK(sysv_errname(e) != NULL);
    }
}

TEST(kind_names_are_those_of_ipcs)
{
    CHECK_STR_EQ(sysv_kind_name(SYSV_SHM), "shm");
    CHECK_STR_EQ(sysv_kind_name(SYSV_MSG), "msg");
    CHECK_STR_EQ(sysv_kind_name(SYSV_SEM), "sem");
    CHECK_STR_EQ(sysv_kind_name((sysv_kind)0), "unknown");
    CHECK_STR_EQ(sysv_kind_name((sysv_kind)4), "unknown");
    CHECK_STR_EQ(sysv_kind_name((sysv_kind)-1), "unknown");
}

TEST(version_of_library_matches_headers)
{
    CHECK_STR_EQ(sysv_version(), SYSV_VERSION_STRING);
    CHECK_EQ(SYSV_VERSION_HEX,
             (SYSV_VERSION_MAJOR << 16) | (SYSV_VERSION_MINOR << 8) | SYSV_VERSION_PATCH);
    char expect[32];
    snprintf(expect, sizeof(expect), "%d.%d.%d", SYSV_VERSION_MAJOR, SYSV_VERSION_MINOR,
             SYSV_VERSION_PATCH);
    CHECK_STR_EQ(sysv_version(), expect);
}
