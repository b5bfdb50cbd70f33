/* Keys: ftok, the name hash, parsing and formatting. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "common/internal.h"
#include "harness.h"

/* A scratch directory with one file in it, removed by the test. */
struct scratch {
    char dir[64];
    char file[128];
};

static void make_scratch(struct scratch *s, const char *name)
{
    snprintf(s->dir, sizeof(s->dir), "/tmp/sysv-test-key-XXXXXX");
    CHECK(mkdtemp(s->dir) != NULL);
    snprintf(s->file, sizeof(s->file), "%s/%s", s->dir, name);
    int fd = open(s->file, O_CREAT | O_WRONLY | O_EXCL, 0600);
    CHECK(fd >= 0);
    close(fd);
}

static void drop_scratch(struct scratch *s)
{
    unlink(s->file);
    CHECK_OK(rmdir(s->dir));
}

/* ftok's arithmetic (glibc): project id, then 8 bits of the device, then
   16 bits of the inode. */
static key_t expected_ftok(const char *path, int proj)
{
    struct stat st;
    CHECK_OK(stat(path, &st));
    uint32_t k = ((uint32_t)proj & 0xffu) << 24 | ((uint32_t)st.st_dev & 0xffu) << 16 |
                 ((uint32_t)st.st_ino & 0xffffu);
    return (key_t)(int32_t)k;
}

TEST(key_path_is_ftok)
{
    struct scratch s;
    make_scratch(&s, "lab");
    key_t k;
    CHECK_OK(sysv_key_path(s.file, 'A', &k));
    CHECK_EQ(k, ftok(s.file, 'A'));
    CHECK_EQ(k, expected_ftok(s.file, 'A'));
    CHECK_OK(sysv_key_path(s.file, 1, &k));
    CHECK_EQ(k, expected_ftok(s.file, 1));
    CHECK_OK(sysv_key_path(s.file, 255, &k));
    CHECK_EQ(k, expected_ftok(s.file, 255));
    drop_scratch(&s);
}

TEST(key_path_rejects_proj_id_outside_1_to_255)
{
    key_t k = 1234;
    CHECK_ERR(sysv_key_path("/", 0, &k), EINVAL);
    CHECK_ERR(sysv_key_path("/", 256, &k), EINVAL);
    CHECK_ERR(sysv_key_path("/", -1, &k), EINVAL);
    CHECK_ERR(sysv_key_path("/", INT_MAX, &k), EINVAL);
    CHECK_ERR(sysv_key_path("/", INT_MIN, &k), EINVAL);
    CHECK_EQ(k, 1234); /* untouched on failure */
}

TEST(key_path_rejects_null_arguments)
{
    key_t k;
    CHECK_ERR(sysv_key_path(NULL, 1, &k), EINVAL);
    CHECK_ERR(sysv_key_path("/", 1, NULL), EINVAL);
}

TEST(key_path_reports_path_errors)
{
    key_t k;
    CHECK_ERR(sysv_key_path("/nonexistent/libsysv/path", 1, &k), ENOENT);
    CHECK_ERR(sysv_key_path("", 1, &k), ENOENT);
    struct scratch s;
    make_scratch(&s, "plain");
    char below[160];
    snprintf(below, sizeof(below), "%s/below", s.file);
    CHECK_ERR(sysv_key_path(below, 1, &k), ENOTDIR);
    drop_scratch(&s);
}

TEST(key_path_changes_when_the_file_is_replaced)
{
    /* An editor saves by writing a new file and renaming it over the old
       one: a new inode, so (unless its low 16 bits match) a new key. */
    struct scratch s;
    make_scratch(&s, "config");
    key_t before, after;
    CHECK_OK(sysv_key_path(s.file, 'K', &before));
    struct stat st_before, st_after;
    CHECK_OK(stat(s.file, &st_before));

    char fresh[160];
    snprintf(fresh, sizeof(fresh), "%s/config.new", s.dir);
    int fd = open(fresh, O_CREAT | O_WRONLY | O_EXCL, 0600);
    CHECK(fd >= 0);
    close(fd);
    CHECK_OK(rename(fresh, s.file));
    CHECK_OK(stat(s.file, &st_after));
    CHECK(st_after.st_ino != st_before.st_ino);

    CHECK_OK(sysv_key_path(s.file, 'K', &after));
    CHECK_EQ(after, expected_ftok(s.file, 'K'));
    if ((st_after.st_ino & 0xffff) != (st_before.st_ino & 0xffff))
        CHECK(after != before);
    else
        CHECK_EQ(after, before); /* ftok's known blind spot */

    /* Deleted: no key at all. */
    CHECK_OK(unlink(s.file));
    CHECK_ERR(sysv_key_path(s.file, 'K', &after), ENOENT);
    drop_scratch(&s);
}

TEST(key_name_is_fnv1a_of_the_name)
{
    key_t k;
    CHECK_OK(sysv_key_name("a", &k));
    CHECK_EQ((uint32_t)k, 0xe40c292cu);
    CHECK_OK(sysv_key_name("foobar", &k));
    CHECK_EQ((uint32_t)k, 0xbf9cf968u);
    CHECK_OK(sysv_key_name("jobs", &k));
    CHECK_EQ((uint32_t)k, 0xe407107du);
    key_t again;
    CHECK_OK(sysv_key_name("jobs", &again));
    CHECK_EQ(again, k);
    CHECK_OK(sysv_key_name("jobz", &again));
    CHECK(again != k);
}

TEST(key_name_never_yields_ipc_private)
{
    CHECK_EQ(sysv__key_from_hash(0), (key_t)(int32_t)0x811c9dc5u);
    CHECK(sysv__key_from_hash(0) != SYSV_KEY_PRIVATE);
    CHECK_EQ(sysv__key_from_hash(1), 1);
    CHECK_EQ(sysv__key_from_hash(0xffffffffu), -1);
    CHECK_EQ(sysv__key_from_hash(0x80000000u), INT32_MIN);
    CHECK_EQ(sysv__key_from_hash(0x7fffffffu), INT32_MAX);
    CHECK_EQ(sysv__fnv1a("", 0), 0x811c9dc5u);
}

TEST(key_name_rejects_null_and_empty)
{
    key_t k = 7;
    CHECK_ERR(sysv_key_name(NULL, &k), EINVAL);
    CHECK_ERR(sysv_key_name("", &k), EINVAL);
    CHECK_ERR(sysv_key_name("jobs", NULL), EINVAL);
    CHECK_EQ(k, 7);
}

TEST(key_parse_reads_numbers)
{
    key_t k;
    CHECK_OK(sysv_key_parse("0x1f2e", &k));
    CHECK_EQ(k, 0x1f2e);
    CHECK_OK(sysv_key_parse("0X1F2E", &k));
    CHECK_EQ(k, 0x1f2e);
    CHECK_OK(sysv_key_parse("4660", &k));
    CHECK_EQ(k, 4660);
    CHECK_OK(sysv_key_parse("0xffffffff", &k));
    CHECK_EQ(k, -1);
    CHECK_OK(sysv_key_parse("4294967295", &k));
    CHECK_EQ(k, -1);
    CHECK_OK(sysv_key_parse("-1", &k));
    CHECK_EQ(k, -1);
    CHECK_OK(sysv_key_parse("-2147483648", &k));
    CHECK_EQ(k, INT32_MIN);
    CHECK_OK(sysv_key_parse("0x80000000", &k));
    CHECK_EQ(k, INT32_MIN);
    CHECK_OK(sysv_key_parse("2345", &k)); /* the textbook's key */
    CHECK_EQ(k, 2345);
    CHECK_OK(sysv_key_parse("0", &k));
    CHECK_EQ(k, SYSV_KEY_PRIVATE);
    CHECK_OK(sysv_key_parse("private", &k));
    CHECK_EQ(k, SYSV_KEY_PRIVATE);
    CHECK_OK(sysv_key_parse("IPC_PRIVATE", &k));
    CHECK_EQ(k, SYSV_KEY_PRIVATE);
}

TEST(key_parse_reads_names_and_paths)
{
    key_t k, want;
    CHECK_OK(sysv_key_parse("name:jobs", &k));
    CHECK_OK(sysv_key_name("jobs", &want));
    CHECK_EQ(k, want);

    struct scratch s;
    make_scratch(&s, "a:b"); /* a colon in the path itself */
    char text[200];
    snprintf(text, sizeof(text), "path:%s:65", s.file);
    CHECK_OK(sysv_key_parse(text, &k));
    CHECK_OK(sysv_key_path(s.file, 65, &want));
    CHECK_EQ(k, want);
    snprintf(text, sizeof(text), "path:%s:A", s.file); /* ftok(path, 'A') */
    CHECK_OK(sysv_key_parse(text, &k));
    CHECK_EQ(k, want);
    snprintf(text, sizeof(text), "path:%s:0x41", s.file);
    CHECK_OK(sysv_key_parse(text, &k));
    CHECK_EQ(k, want);
    drop_scratch(&s);

    CHECK_ERR(sysv_key_parse("path:/nonexistent/libsysv:1", &k), ENOENT);
}

TEST(key_parse_rejects_text_that_does_not_parse)
{
    static const char *bad[] = {
        "",
        "0x",
        "0xg",
        "0x12g",
        "12abc",
        " 12",
        "12 ",
        "+12",
        "-",
        "--1",
        "1.5",
        "0x-1",
        "0x100000000",
        "4294967296",
        "-2147483649",
        "99999999999999999999",
        "name:",
        "path:",
        "path:/etc/hosts",
        "path:/etc/hosts:",
        "path:/etc/hosts:0",
        "path:/etc/hosts:256",
        "path:/etc/hosts:AB",
        "path:/etc/hosts:-1",
        "path::1",
        "Name:jobs",
        "jobs",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        key_t k = 99;
        int rc = sysv_key_parse(bad[i], &k);
        if (rc != -EINVAL)
            h_fail(__FILE__, __LINE__, "sysv_key_parse(\"%s\") = %d (%s), want -EINVAL", bad[i], rc,
                   sysv_errname(rc));
        CHECK_EQ(k, 99);
    }
    key_t k;
    CHECK_ERR(sysv_key_parse(NULL, &k), EINVAL);
    CHECK_ERR(sysv_key_parse("0x1", NULL), EINVAL);
}

TEST(key_parse_rejects_a_path_longer_than_path_max)
{
    size_t n = PATH_MAX + 16;
    char *text = malloc(n + 16);
    CHECK(text != NULL);
    memcpy(text, "path:", 5);
    memset(text + 5, 'x', n);
    memcpy(text + 5 + n, ":1", 3);
    key_t k;
    CHECK_ERR(sysv_key_parse(text, &k), ENAMETOOLONG);
    free(text);
}

TEST(key_format_prints_as_ipcs_does)
{
    char buf[SYSV_KEY_STRLEN];
    CHECK_EQ(sysv_key_format(0x1f2e, buf, sizeof(buf)), 0);
    CHECK_STR_EQ(buf, "0x00001f2e");
    CHECK_EQ(sysv_key_format(-1, buf, sizeof(buf)), 0);
    CHECK_STR_EQ(buf, "0xffffffff");
    CHECK_EQ(sysv_key_format(SYSV_KEY_PRIVATE, buf, sizeof(buf)), 0);
    CHECK_STR_EQ(buf, "0x00000000");
    CHECK_EQ(sysv_key_format(INT32_MIN, buf, sizeof(buf)), 0);
    CHECK_STR_EQ(buf, "0x80000000");
}

TEST(key_format_refuses_a_short_buffer)
{
    char buf[16];
    memset(buf, 'z', sizeof(buf));
    CHECK_ERR(sysv_key_format(0x1f2e, buf, 10), EINVAL);
    CHECK_EQ(buf[0], '\0');
    CHECK_EQ(buf[1], 'z'); /* nothing written past what was allowed */
    CHECK_ERR(sysv_key_format(0x1f2e, buf, 0), EINVAL);
    CHECK_ERR(sysv_key_format(0x1f2e, NULL, 11), EINVAL);
}

TEST(key_format_and_parse_round_trip)
{
    static const key_t keys[] = {1, 2345, 0x1f2e, -1, INT32_MIN, INT32_MAX, 0x5e001234};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char buf[SYSV_KEY_STRLEN];
        key_t back;
        CHECK_EQ(sysv_key_format(keys[i], buf, sizeof(buf)), 0);
        CHECK_OK(sysv_key_parse(buf, &back));
        CHECK_EQ(back, keys[i]);
    }
}

/* xorshift32: a fixed sequence, so a failure can be replayed. */
static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

TEST(key_parse_survives_hostile_text)
{
    /* Prefixes that reach every branch, then random bytes (any byte but
       NUL), under the sanitizers: no crash, no read past the text, and
       every answer 0 or a negative errno. */
    static const char *prefixes[] = {"", "0x", "-", "path:", "path:/tmp:", "name:", "0X", "4"};
    static const char alphabet[] = "0123456789abcdefxX:-/.pathnme \t\xff";
    uint32_t state = 0x5eed1234u;
    char text[96];
    for (int round = 0; round < 20000; round++) {
        const char *p = prefixes[next_random(&state) % 8];
        size_t n = strlen(p);
        memcpy(text, p, n);
        size_t extra = next_random(&state) % 24;
        for (size_t i = 0; i < extra; i++) {
            uint32_t r = next_random(&state);
            text[n + i] =
                (r & 1) ? alphabet[(r >> 1) % (sizeof(alphabet) - 1)] : (char)(1 + (r >> 1) % 255);
        }
        text[n + extra] = '\0';
        key_t k = 0;
        int rc = sysv_key_parse(text, &k);
        CHECK(rc == 0 || (rc < 0 && rc >= -4095));
        if (rc == 0) { /* whatever parsed, formats */
            char buf[SYSV_KEY_STRLEN];
            CHECK_EQ(sysv_key_format(k, buf, sizeof(buf)), 0);
        }
    }
}
