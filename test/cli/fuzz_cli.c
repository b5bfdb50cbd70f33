/*
 * fuzz_cli: throws random argument vectors at sysv(1) and checks that none
 * of them crashes it, trips a sanitizer, leaks, exits with a status sysv(1)
 * does not document, or hangs past Ctrl-C.
 *
 *   fuzz_cli [--iterations N] [--seed S] [--only I] [--verbose]
 *   fuzz_cli --replay ARG...
 *
 * Every vector runs sysv_cli_main() in a forked child (no exec), so the
 * code under test is the very code of the installed command. Vectors create
 * and remove IPC objects, `rm --all` among them, so the program first moves
 * into an IPC namespace of its own and never touches anyone else's objects;
 * the namespace goes away with the program.
 *
 * A child passes when it exits 0, 1, 2, 3, 4 or 130 (cli.h). A child still
 * running after a second gets SIGINT, as from Ctrl-C, and passes too if
 * that ends it (by the handler of a waiting command, or the default action
 * when a loaded machine merely made it slow); one still running two
 * seconds later has hung. The child's stdout goes to /dev/null; its stderr
 * goes to a memory file that is read back only when it failed, for the
 * sanitizer's report. Under AddressSanitizer the program re-executes itself
 * once so that its sanitizer options (distinct exit statuses, leak
 * checking) are read at startup.
 *
 * The vector of iteration I depends only on the seed and I, so a failure
 * printed as "seed S iteration I" is rerun by `--seed S --only I`; the
 * argv is also printed quoted for the shell, for `--replay`.
 *
 * Exit status: 0 no failure, 1 failures (or a broken setup), 77 when no
 * private IPC namespace can be had (ctest's "skipped").
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* LeakSanitizer's entry points, when a sanitizer runtime is linked in
   (weak: null otherwise, as in test/support/harness.c). */
extern int __lsan_do_recoverable_leak_check(void) __attribute__((weak));
/* From <sanitizer/allocator_interface.h>, which GCC does not install: the
   bytes the program has allocated and not yet freed. */
extern size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

/* ---- Settings ------------------------------------------------------------ */

#define DEFAULT_ITERATIONS 3000
#define MAX_ITERATIONS 100000000ULL
#define PARALLEL 4                 /* children at once */
#define INTERRUPT_MS 1000          /* a child still running this long gets SIGINT */
#define KILL_MS 2000               /* ... and this long after that is a hang */
#define CHECK_EVERY 100            /* iterations between checks of the fixtures */
#define MAX_ARGS 400               /* the longest vector, argv[0] included */
#define CAPTURE_BYTES (256 * 1024) /* how much of a failed child's stderr to read */
#define EXCERPT_LINES 25           /* ... and how many lines of it to show */

#define EXIT_SKIP 77
#define ASAN_EXIT 86
#define UBSAN_EXIT 87
#define CHILD_SETUP_EXIT 125 /* the child could not set up its stdio */

#define ASAN_OURS "exitcode=86:detect_leaks=1:abort_on_error=0"
#define UBSAN_OURS "halt_on_error=1:exitcode=87:print_stacktrace=1"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Small helpers ------------------------------------------------------- */

static void die(const char *what)
{
    (void)fprintf(stderr, "fuzz_cli: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n > 0 ? n : 1);
    if (p == NULL) {
        (void)fprintf(stderr, "fuzz_cli: out of memory\n");
        exit(1);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = xmalloc(n);
    memcpy(p, s, n);
    return p;
}

static long long now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        die("clock_gettime");
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes all of data to fd; 0 or -1 (errno set). */
static int write_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Writes text to a /proc file in one write(), as the kernel wants for the
   id maps. 0, or -1 with errno set. */
static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = write_all(fd, text, strlen(text));
    int saved = errno;
    if (close(fd) != 0 && rc == 0)
        return -1;
    errno = saved;
    return rc;
}

/* A decimal number, digits only (no sign, no space, nothing after), at
   most max. Returns 0 or -1. */
static int parse_u64(const char *s, unsigned long long max, unsigned long long *out)
{
    if (s == NULL || *s == '\0')
        return -1;
    unsigned long long v = 0;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (max - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* Prints s as one shell word: '...' when it is plain, else bash's $'...'
   with every byte that is not printable ASCII as \xHH, so that the line
   can be pasted back into a shell and shows what the bytes were. */
static void print_shell_word(FILE *f, const char *s)
{
    int plain = 1;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        if (*p < 0x20 || *p >= 0x7f || *p == '\'')
            plain = 0;
    if (plain) {
        (void)fprintf(f, "'%s'", s);
        return;
    }
    (void)fputs("$'", f);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '\\' || *p == '\'')
            (void)fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            (void)fprintf(f, "\\x%02x", *p);
        else
            (void)fputc(*p, f);
    }
    (void)fputc('\'', f);
}

/* ---- Random numbers ------------------------------------------------------ */

/* splitmix64: tiny, and good enough to pick grammar productions. Each
   iteration gets its own stream derived from (seed, iteration), so that
   one iteration can be regenerated without the ones before it. */
struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void rng_init(struct rng *r, uint64_t seed, uint64_t iteration)
{
    r->s = seed ^ (iteration * 0xD1B54A32D192ED03ULL);
    (void)rng_next(r);
}

static size_t rnd(struct rng *r, size_t n)
{
    return n == 0 ? 0 : (size_t)(rng_next(r) % n);
}

static int chance(struct rng *r, unsigned percent)
{
    return rnd(r, 100) < percent;
}

#define PICK(r, pool) ((pool)[rnd((r), NELEM(pool))])

/* ---- Strings ------------------------------------------------------------- */

struct sbuf {
    char *p;
    size_t n, cap;
};

static void sb_putc(struct sbuf *b, char c)
{
    if (b->n + 2 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        char *bigger = realloc(b->p, cap);
        if (bigger == NULL) {
            (void)fprintf(stderr, "fuzz_cli: out of memory\n");
            exit(1);
        }
        b->p = bigger;
        b->cap = cap;
    }
    b->p[b->n++] = c;
    b->p[b->n] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
    while (*s != '\0')
        sb_putc(b, *s++);
}

static char *sb_take(struct sbuf *b)
{
    if (b->p == NULL)
        return xstrdup("");
    return b->p;
}

/* ---- The grammar's words ------------------------------------------------- */

static const char *const commands[] = {"ls",     "show", "mk",   "rm",   "chmod", "chown",
                                       "qbytes", "send", "recv", "peek", "sem",   "shm"};
static const char *const bad_commands[] = {
    "help", "--help", "-h",       "--version", "-V",     "LS", "l",  "lss",
    "rm ",  "mkdir",  "shm-read", "sem-op",    "-",      "--", "-x", "--bogus",
    "",     "sem op", "\xff",     "show\n",    "--vers", "-hV"};
static const char *const sem_verbs[] = {"op", "get", "set", "setall"};
static const char *const shm_verbs[] = {"read", "write"};
static const char *const bad_verbs[] = {"",   "OP",     "ops", "read", "write",   "op ",  "-",
                                        "--", "--help", "-h",  "-x",   "get\x01", "setal"};

static const char *const kinds[] = {"shm", "msg", "sem", "queue", "segment", "set"};
static const char *const bad_kinds[] = {"bogus", "",         "SHM", "sem ", "shmmsg",  "-",
                                        "sem\n", "segments", "q",   "all",  "\xc3\xa9"};

/* Objects that the fixtures make real (ids 0..3 of each kind, and their
   keys), and the malformed or absent ones. */
static const char *const good_objects[] = {
    "0",        "1",    "2",    "3",    "0x1234", "name:jobs",  "path:/etc/hosts:65",
    "key:4660", "id:2", "id:0", "id:1", "id:3",   "0x00001234", "0X1234"};
static const char *const bad_objects[] = {"4",
                                          "32768",
                                          "32769",
                                          "2147483647",
                                          "2147483648",
                                          "4294967296",
                                          "18446744073709551616",
                                          "99999999999999999999999",
                                          "-1",
                                          "-0",
                                          "-2147483648",
                                          "+1",
                                          " 1",
                                          "1 ",
                                          "01",
                                          "00",
                                          "0x",
                                          "0x0",
                                          "0xffffffff",
                                          "0x100000000",
                                          "0x-1",
                                          "0xg",
                                          "name:",
                                          "name:JOBS",
                                          "path:/etc/hosts",
                                          "path:/etc/hosts:0",
                                          "path:/etc/hosts:256",
                                          "path:/etc/hosts:-1",
                                          "path:/nonexistent:1",
                                          "path::1",
                                          "path:",
                                          "key:",
                                          "key:-1",
                                          "key:0",
                                          "key:4294967296",
                                          "key:0x1234",
                                          "id:",
                                          "id:-1",
                                          "id:0x1",
                                          "id:abc",
                                          "id:2147483648",
                                          "private",
                                          "PRIVATE",
                                          "",
                                          "id:id:1",
                                          "key:key:1",
                                          "0\n",
                                          "1\t",
                                          "\x1b[31m",
                                          "\xc3\xa9",
                                          "\xff\xfe",
                                          "name:j\xc3\xb6\x62s",
                                          "path:/etc/hosts:65:1",
                                          "path:/:1",
                                          "path:/etc:0x41"};

/* Each value pool comes in two halves: words the command's parser takes
   (not necessarily sensible: 1T, 9223372036854775807), and words it must
   refuse. */
static const char *const good_sizes[] = {"4K",
                                         "1M",
                                         "0",
                                         "4096",
                                         "1",
                                         "16K",
                                         "8192",
                                         "65536",
                                         "1k",
                                         "1G",
                                         "1T",
                                         "4KiB",
                                         "1MiB",
                                         "1GiB",
                                         "17179869184",
                                         "9223372036854775807",
                                         "18446744073709551615",
                                         "100",
                                         "3",
                                         "64K",
                                         "2M",
                                         "4095",
                                         "4097",
                                         "16384",
                                         "1024T",
                                         "00"};
static const char *const bad_sizes[] = {"-1",   "18446744073709551616",
                                        "1Q",   "4KB",
                                        "",     "16777216T",
                                        "0x10", " 4",
                                        "4 ",   "K",
                                        "1m",   "4kib",
                                        "1.5K", "+4"};
/* Segment sizes for mk: small ones, or too big for any kernel. Reading a
   gigabyte segment to /dev/null is instant in a plain build, but under
   AddressSanitizer (which checks the shadow of every byte written) it
   takes most of a second per gigabyte, so made ones are kept small. */
static const char *const good_segment_sizes[] = {"4K",
                                                 "1",
                                                 "4096",
                                                 "16K",
                                                 "64K",
                                                 "1M",
                                                 "4097",
                                                 "100",
                                                 "3",
                                                 "2M",
                                                 "8192",
                                                 "1k",
                                                 "18446744073709551615"};
static const char *const bad_segment_sizes[] = {
    "0", "-1", "18446744073709551616", "1Q", "4KB", "", "1.5K", "K"};
static const char *const good_durations[] = {
    "10ms",        "0.5s",          "1m",  "2.5", "20ms", "0",     "0s",  "0ms", "1440m", "86400",
    "0.000000001", "0.0000000001s", "5ms", "1ms", "0.02", "1.5ms", "0.5m"};
static const char *const bad_durations[] = {"25h",
                                            "-1s",
                                            ".5s",
                                            "1e3",
                                            "abc",
                                            "1441m",
                                            "86401",
                                            "1.",
                                            "",
                                            "99999999999999999999ms",
                                            "18446744073709551615",
                                            "1h",
                                            "2.5S",
                                            "1 s",
                                            "86400.000000001s",
                                            "5 ms",
                                            "ms"};
static const char *const short_waits[] = {"20ms", "1ms",   "5ms",  "10ms", "0",
                                          "0ms",  "0.01s", "0.02", "30ms", "0.001"};
static const char *const good_modes[] = {"600", "0777", "0",   "0640", "644", "0000",
                                         "400", "0600", "777", "7",    "06"};
static const char *const bad_modes[] = {"0800",  "77777", "7777",  "1777", "",     "-600",
                                        "0o600", "rw",    "06000", "8",    "777 ", "0x1ff"};
static const char *const good_specs[] = {
    "0-1u",  "1+2n",    "0-1u,1+2n", "0=0",     "0+1",     "1-1n", "2+32767", "0-1un",
    "0-1nu", "0+1,0-1", "0-1n,1-1n", "00000+1", "0+00001", "2-1",  "1+1",     "0+1u",
    "0=0u",  "0=0n",    "0+1n,2-1n", "9-1",     "65535+1", "0-5n", "1=0",     "2=0n"};
static const char *const bad_specs[] = {"0=5",      "0+0",     "0-1uu",    "0-99999", ",,",
                                        "0-",       "x",       "",         "-1+1",    "0-0",
                                        "0 +1",     "0+1,",    "0+1,,0-1", "0+1 ",    "0+1x",
                                        "012345+1", "65536+1", "999999+1", "2+32768", "0+1U"};
static const char *const good_value_lists[] = {"1,0,5",   "0",     "1,2,3", "32767,32767,32767",
                                               "1,2,3,4", "0,0,0", "1,1,1", "0,0",
                                               "1",       "5,0",   "1,0,2", "0,1"};
static const char *const bad_value_lists[] = {
    "32768", "", "1,,2", ",", "-1", " 1,2,3", "1,2,3,", "0x1,0,0", "99999999999999999999", "1;2;3"};
static const char *const good_types[] = {
    "1", "0", "-1", "-9223372036854775807", "9223372036854775807", "2", "-5", "7", "3"};
static const char *const bad_types[] = {
    "-9223372036854775808", "9223372036854775808", "abc", "", "+1", "1.5", "0x1", "--1"};
static const char *const good_counts[] = {"1", "2", "3", "100", "9223372036854775807"};
static const char *const bad_counts[] = {"0", "-1", "9223372036854775808", "x", ""};
static const char *const good_indexes[] = {
    "0", "1", "2", "3", "100", "9223372036854775807", "65536", "32768", "00", "4"};
static const char *const bad_indexes[] = {"-1", "x", "", "1.0", "9223372036854775808"};
static const char *const good_sem_values[] = {"0", "1", "32767", "5", "00001"};
static const char *const bad_sem_values[] = {"32768", "-1", "x", ""};
static const char *const good_sem_counts[] = {"1", "3", "32000", "2", "250", "1024"};
static const char *const bad_sem_counts[] = {"0", "32001", "-1", "", "x"};
static const char *const good_owners[] = {"0",     "root", "root:root",      ":0",
                                          ":root", "0:0",  "65534:65534",    "daemon",
                                          "0:",    "1:",   "nobody:nogroup", "4294967294"};
static const char *const bad_owners[] = {
    "4294967295",      "4294967296",       ":",  "",  "nosuchuser",
    "nosuchuser:root", "root:nosuchgroup", "::", ":x"};
static const char *const good_files[] = {"/dev/null", "/etc/hosts", "/proc/self/status",
                                         "/etc/shadow"};
static const char *const bad_files[] = {"/nonexistent", "/", "", "/etc", "/proc/self/mem"};
static const char *const good_keys[] = {"0x1234",     "name:jobs", "path:/etc/hosts:65", "private",
                                        "4660",       "0x0",       "0x7fffffff",         "0x5678",
                                        "0xffffffff", "name:x"};
static const char *const bad_keys[] = {
    "", "0x100000000", "jobs", "-1", "name:", "path:/nonexistent:1", "key:4660", "0x", "path:"};
static const char *const good_names[] = {
    "jobs", "a", "\xc3\xa9t\xc3\xa9", "with space", "name:jobs", "/", "-", "\x01"};
static const char *const bad_names[] = {""};
static const char *const good_pathkeys[] = {"/etc/hosts:65", "/:1", "/etc/hosts:255"};
static const char *const bad_pathkeys[] = {
    "/etc/hosts", "/nonexistent:1", "/etc/hosts:0",     "/etc/hosts:256",
    ":1",         "/etc/hosts:-1",  "/etc/hosts:65:65", ""};
static const char *const datas[] = {"hello",    "",  "h\xc3\xa9llo", "\t",     "a b c",
                                    "\xff\xfe", "-", "--",           "0x1234", "\x1b[2J"};

static const char *const utf8_bits[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9d\x84\x9e",
                                        "\xe6\x97\xa5"};
static const char *const bad_utf8_bits[] = {
    "\xc3", "\xed\xa0\x80", "\xf8\x88\x80\x80\x80", "\xc0\xaf", "\xff",
    "\xfe", "\x80",         "\xf4\x90\x80\x80"};

/* ---- Values -------------------------------------------------------------- */

/* Random bytes of every sort: ASCII, digits, option punctuation, UTF-8
   good and bad, control characters, grammar words. Usually short,
   sometimes a few kilobytes. */
static char *gen_junk(struct rng *r)
{
    struct sbuf b = {NULL, 0, 0};
    size_t size_class = rnd(r, 100);
    size_t len = size_class < 70   ? rnd(r, 12)
                 : size_class < 95 ? rnd(r, 64)
                 : size_class < 99 ? 256 + rnd(r, 256)
                                   : 4096 + rnd(r, 4096);
    while (b.n < len) {
        switch (rnd(r, 10)) {
        case 0:
        case 1:
        case 2:
        case 3:
            sb_putc(&b, (char)(0x20 + rnd(r, 0x5f)));
            break;
        case 4:
            sb_putc(&b, (char)('0' + rnd(r, 10)));
            break;
        case 5:
            sb_putc(&b, "-,:=+.xu n"[rnd(r, 10)]);
            break;
        case 6:
            sb_puts(&b, PICK(r, utf8_bits));
            break;
        case 7:
            sb_puts(&b, PICK(r, bad_utf8_bits));
            break;
        case 8:
            sb_putc(&b, (char)(chance(r, 90) ? 1 + rnd(r, 31) : 0x7f));
            break;
        default:
            sb_puts(&b, chance(r, 50) ? PICK(r, kinds) : PICK(r, good_objects));
            break;
        }
    }
    return sb_take(&b);
}

/* Long strings, most of them shaped like an object or a number. */
static char *gen_long(struct rng *r)
{
    static const char *const prefixes[] = {"", "", "name:", "path:/", "0x", "id:", "key:", "-"};
    struct sbuf b = {NULL, 0, 0};
    const char *prefix = PICK(r, prefixes);
    sb_puts(&b, prefix);
    size_t len = chance(r, 50) ? 60 + rnd(r, 300) : 4000 + rnd(r, 6000);
    const char *fill = "a";
    if (strcmp(prefix, "0x") == 0)
        fill = "f";
    else if (strcmp(prefix, "id:") == 0 || strcmp(prefix, "key:") == 0 ||
             strcmp(prefix, "-") == 0 || chance(r, 30))
        fill = "9"; /* a number far too big */
    for (size_t i = 0; i < len; i++)
        sb_puts(&b, fill);
    if (strcmp(prefix, "path:/") == 0)
        sb_puts(&b, ":1");
    return sb_take(&b);
}

/* A small damage to a valid-looking string: cut it, extend it, change a
   byte, double it, or put a dash in front. */
static char *mutate(struct rng *r, const char *s)
{
    size_t n = strlen(s);
    struct sbuf b = {NULL, 0, 0};
    switch (rnd(r, 6)) {
    case 0: /* cut */
        for (size_t i = 0, cut = rnd(r, n + 1); i < cut; i++)
            sb_putc(&b, s[i]);
        break;
    case 1: /* a byte more at the end */
        sb_puts(&b, s);
        sb_putc(&b, "0-,:x\xff\x01 "[rnd(r, 8)]);
        break;
    case 2: /* a byte replaced */
        sb_puts(&b, s);
        if (n > 0)
            b.p[rnd(r, n)] = "09-+,:=.\xc3 "[rnd(r, 11)];
        break;
    case 3: /* doubled */
        sb_puts(&b, s);
        sb_puts(&b, s);
        break;
    case 4:
        sb_putc(&b, '-');
        sb_puts(&b, s);
        break;
    default: /* a byte inserted */
        for (size_t i = 0, at = rnd(r, n + 1); i <= n; i++) {
            if (i == at)
                sb_putc(&b, "5,:u\x80"[rnd(r, 5)]);
            if (i < n)
                sb_putc(&b, s[i]);
        }
        break;
    }
    return sb_take(&b);
}

/* How often, in percent, a piece of the current vector is malformed. Set
   per vector: some vectors are almost all well-formed, so that they get
   past parsing to the objects; others are mostly damage. */
static unsigned malformed = 15;

static int bad_piece(struct rng *r)
{
    return chance(r, malformed);
}

/* A value: from the good half, or (as often as the vector is malformed)
   from the bad half, junk, a long string, or a good one damaged. */
static char *from_pools(struct rng *r, const char *const *good, size_t ngood,
                        const char *const *bad, size_t nbad)
{
    if (!bad_piece(r))
        return xstrdup(good[rnd(r, ngood)]);
    size_t roll = rnd(r, 100);
    if (roll < 50)
        return xstrdup(bad[rnd(r, nbad)]);
    if (roll < 70)
        return gen_junk(r);
    if (roll < 80)
        return gen_long(r);
    return mutate(r, good[rnd(r, ngood)]);
}

#define FROM_POOLS(r, name)                                                                        \
    from_pools((r), good_##name, NELEM(good_##name), bad_##name, NELEM(bad_##name))

static char *gen_kind(struct rng *r)
{
    if (!chance(r, malformed / 2))
        return xstrdup(PICK(r, kinds));
    return chance(r, 75) ? xstrdup(PICK(r, bad_kinds)) : gen_junk(r);
}

static char *gen_object(struct rng *r)
{
    if (!bad_piece(r))
        return xstrdup(PICK(r, good_objects));
    size_t roll = rnd(r, 100);
    if (roll < 70)
        return xstrdup(PICK(r, bad_objects));
    if (roll < 85)
        return gen_junk(r);
    return chance(r, 50) ? gen_long(r) : mutate(r, PICK(r, good_objects));
}

/* A list of n semaphore values, comma-separated: for --init and setall
   when the count is meant to match. */
static char *gen_value_list(struct rng *r, size_t n)
{
    struct sbuf b = {NULL, 0, 0};
    for (size_t i = 0; i < n; i++) {
        char num[16];
        (void)snprintf(num, sizeof(num), "%s%zu", i > 0 ? "," : "", rnd(r, 4));
        sb_puts(&b, num);
    }
    return sb_take(&b);
}

/* What an option's value is. */
enum arg {
    A_NONE,
    A_SIZE,
    A_DURATION,
    A_TYPE,
    A_COUNT,
    A_INDEX,
    A_FILE,
    A_KEY,
    A_NAME,
    A_PATHKEY,
    A_MODE,
    A_VALUES
};

static char *gen_value(struct rng *r, enum arg a)
{
    switch (a) {
    case A_SIZE:
        return FROM_POOLS(r, sizes);
    case A_DURATION:
        return FROM_POOLS(r, durations);
    case A_TYPE:
        return FROM_POOLS(r, types);
    case A_COUNT:
        return FROM_POOLS(r, counts);
    case A_INDEX:
        return FROM_POOLS(r, indexes);
    case A_FILE:
        /* /dev/zero is endless input: rarely, since only the bound on the
           input's size makes it end. */
        return chance(r, 2) ? xstrdup("/dev/zero") : FROM_POOLS(r, files);
    case A_KEY:
        return FROM_POOLS(r, keys);
    case A_NAME:
        return FROM_POOLS(r, names);
    case A_PATHKEY:
        return FROM_POOLS(r, pathkeys);
    case A_MODE:
        return FROM_POOLS(r, modes);
    case A_VALUES:
        return FROM_POOLS(r, value_lists);
    case A_NONE:
        break;
    }
    return gen_junk(r);
}

/* ---- Vectors ------------------------------------------------------------- */

enum input_kind { IN_NULL, IN_PIPE, IN_MEMFD };

struct vec {
    int argc;
    char *argv[MAX_ARGS + 1];
    unsigned char *input; /* standard input's bytes (IN_PIPE, IN_MEMFD) */
    size_t input_len;
    enum input_kind input_kind;
};

static void vec_free(struct vec *v)
{
    for (int i = 0; i < v->argc; i++)
        free(v->argv[i]);
    free(v->input);
    memset(v, 0, sizeof(*v));
}

/* Inserts s (taken over) at position at; drops it when the vector is
   full. */
static void vec_insert(struct vec *v, int at, char *s)
{
    if (v->argc >= MAX_ARGS) {
        free(s);
        return;
    }
    memmove(&v->argv[at + 1], &v->argv[at], (size_t)(v->argc - at) * sizeof(v->argv[0]));
    v->argv[at] = s;
    v->argc++;
    v->argv[v->argc] = NULL;
}

static void vec_add(struct vec *v, char *s)
{
    vec_insert(v, v->argc, s);
}

static void vec_addc(struct vec *v, const char *s)
{
    vec_add(v, xstrdup(s));
}

static void vec_remove(struct vec *v, int at)
{
    free(v->argv[at]);
    memmove(&v->argv[at], &v->argv[at + 1], (size_t)(v->argc - at) * sizeof(v->argv[0]));
    v->argc--;
}

/* ---- Options ------------------------------------------------------------- */

/* One option of a command, as its getopt tables have it. */
struct optdef {
    char shortc; /* 0: long only */
    enum arg arg;
    const char *longname;
};

static const struct optdef ls_opts[] = {
    {'t', A_NONE, "time"}, {'p', A_NONE, "pid"},    {'c', A_NONE, "creator"},
    {'m', A_NONE, "mine"}, {'l', A_NONE, "limits"}, {'u', A_NONE, "summary"},
    {0, A_NONE, "json"},   {0, A_NONE, "raw"},      {0, A_NONE, "noheadings"}};
static const struct optdef output_opts[] = {
    {0, A_NONE, "json"}, {0, A_NONE, "raw"}, {0, A_NONE, "noheadings"}};
static const struct optdef mk_opts[] = {{'k', A_KEY, "key"},      {'n', A_NAME, "name"},
                                        {'P', A_PATHKEY, "path"}, {'M', A_MODE, "mode"},
                                        {'x', A_NONE, "excl"},    {'i', A_VALUES, "init"}};
static const struct optdef rm_opts[] = {{'a', A_NONE, "all"}, {'m', A_NONE, "mine"}};
static const struct optdef send_opts[] = {{'t', A_TYPE, "type"}, {'f', A_FILE, "file"}};
static const struct optdef recv_opts[] = {{'t', A_TYPE, "type"},   {'e', A_TYPE, "except"},
                                          {'n', A_COUNT, "count"}, {'s', A_SIZE, "size"},
                                          {0, A_NONE, "truncate"}, {'q', A_NONE, "quiet"},
                                          {0, A_NONE, "json"}};
static const struct optdef peek_opts[] = {{'i', A_INDEX, "index"}, {'a', A_NONE, "all"},
                                          {'q', A_NONE, "quiet"},  {0, A_NONE, "json"},
                                          {0, A_NONE, "raw"},      {0, A_NONE, "noheadings"}};
static const struct optdef shm_read_opts[] = {{'o', A_SIZE, "offset"}, {'l', A_SIZE, "length"}};
static const struct optdef shm_write_opts[] = {{'o', A_SIZE, "offset"}, {'f', A_FILE, "file"}};
static const struct optdef wait_opts[] = {{0, A_NONE, "nowait"}, {0, A_DURATION, "timeout"}};
/* Options no command has, or has in another form. */
static const struct optdef foreign_opts[] = {
    {'z', A_NONE, "bogus"}, {'Z', A_SIZE, "zap"},  {'t', A_NONE, "time"}, {'k', A_KEY, "key"},
    {'a', A_NONE, "all"},   {'s', A_SIZE, "size"}, {0, A_NONE, "help"},   {'h', A_NONE, "he"}};

/* Puts one option (and its value) into the vector at a random place after
   the command's words: getopt permutes, so options go anywhere. The
   spellings: -X VALUE, -XVALUE, --long VALUE, --long=VALUE, an unambiguous
   or ambiguous prefix of the long name, a flag with a value it does not
   take, and (rarely) the value missing. */
static void add_option(struct rng *r, struct vec *v, int base, const struct optdef *d, char *value)
{
    char *first = NULL, *second = NULL;
    size_t form = rnd(r, 100);
    int missing = value != NULL && chance(r, malformed / 3);
    if (missing) {
        free(value);
        value = NULL;
    }
    if (d->shortc != 0 && form < 35) {
        char flag[3] = {'-', d->shortc, '\0'};
        if (value != NULL && chance(r, 40)) {
            struct sbuf b = {NULL, 0, 0};
            sb_puts(&b, flag);
            sb_puts(&b, value);
            free(value);
            value = NULL;
            first = sb_take(&b);
        } else {
            first = xstrdup(flag);
            second = value;
        }
    } else {
        struct sbuf b = {NULL, 0, 0};
        sb_puts(&b, "--");
        size_t len = strlen(d->longname);
        if (form >= 90 && len > 2) /* a prefix */
            len = 1 + rnd(r, len - 1);
        for (size_t i = 0; i < len; i++)
            sb_putc(&b, d->longname[i]);
        if (value != NULL && chance(r, 50)) {
            sb_putc(&b, '=');
            sb_puts(&b, value);
            free(value);
            value = NULL;
        } else if (value == NULL && d->arg == A_NONE && chance(r, malformed / 4)) {
            sb_puts(&b, "=1"); /* a value for a flag */
        }
        first = sb_take(&b);
        second = value;
    }
    if (base > v->argc)
        base = v->argc;
    int at = base + (int)rnd(r, (size_t)(v->argc - base) + 1);
    if (missing && chance(r, 60))
        at = v->argc; /* at the very end, where getopt sees it missing */
    if (second != NULL)
        vec_insert(v, at, second);
    vec_insert(v, at, first);
}

/* Up to max options of the table, each with a value from its pool. */
static void add_options(struct rng *r, struct vec *v, int base, const struct optdef *table,
                        size_t n, size_t max)
{
    size_t k = rnd(r, max + 1);
    for (size_t i = 0; i < k; i++) {
        const struct optdef *d = &table[rnd(r, n)];
        add_option(r, v, base, d, d->arg == A_NONE ? NULL : gen_value(r, d->arg));
    }
    if (chance(r, malformed / 4)) { /* an option that is not this command's */
        const struct optdef *d = &foreign_opts[rnd(r, NELEM(foreign_opts))];
        add_option(r, v, base, d, d->arg == A_NONE ? NULL : gen_value(r, d->arg));
    }
}

#define ADD_OPTIONS(r, v, base, table, max)                                                        \
    add_options((r), (v), (base), (table), NELEM(table), (max))

/* The options of a command that may block. Usually --nowait or a short
   --timeout, so that the run stays fast; sometimes any duration, both
   (a usage error), or neither, which leaves a blocked command to the
   SIGINT after a second. */
static void add_wait(struct rng *r, struct vec *v, int base)
{
    size_t roll = rnd(r, 100);
    if (roll < 52) {
        add_option(r, v, base, &wait_opts[0], NULL);
    } else if (roll < 87) {
        add_option(r, v, base, &wait_opts[1], xstrdup(PICK(r, short_waits)));
    } else if (roll < 92) {
        add_option(r, v, base, &wait_opts[1], gen_value(r, A_DURATION));
    } else if (roll < 95) {
        add_option(r, v, base, &wait_opts[0], NULL);
        add_option(r, v, base, &wait_opts[1], xstrdup(PICK(r, short_waits)));
    }
    /* else: neither */
}

/* Random bytes for standard input: sometimes nothing (/dev/null), else
   up to 20000 bytes (past msgmax and the small segments) through a pipe
   or a file. */
static void gen_input(struct rng *r, struct vec *v)
{
    if (chance(r, 25)) {
        v->input_kind = IN_NULL;
        return;
    }
    size_t roll = rnd(r, 100);
    size_t len = roll < 50 ? rnd(r, 65) : roll < 85 ? rnd(r, 4097) : 4097 + rnd(r, 16000);
    v->input = xmalloc(len);
    v->input_len = len;
    int text = chance(r, 40);
    for (size_t i = 0; i < len; i++)
        v->input[i] = text ? (unsigned char)(0x20 + rnd(r, 0x5f)) : (unsigned char)rnd(r, 256);
    v->input_kind = len <= 4096 && chance(r, 60) ? IN_PIPE : IN_MEMFD;
}

/* ---- Commands ------------------------------------------------------------ */

static char *gen_data(struct rng *r)
{
    size_t roll = rnd(r, 100);
    if (roll < 40)
        return xstrdup(PICK(r, datas));
    if (roll < 80)
        return gen_junk(r);
    struct sbuf b = {NULL, 0, 0};
    size_t len = roll < 90 ? 8000 + rnd(r, 400) : 16000 + rnd(r, 1000);
    for (size_t i = 0; i < len; i++)
        sb_putc(&b, (char)('a' + i % 26));
    return sb_take(&b);
}

/* How many operands a "many arguments" vector gets. */
static size_t many(struct rng *r)
{
    return 100 + rnd(r, 201);
}

static void gen_ls(struct rng *r, struct vec *v)
{
    if (chance(r, 50))
        vec_add(v, gen_kind(r));
    if (chance(r, malformed / 3))
        vec_add(v, gen_kind(r)); /* one kind too many */
    ADD_OPTIONS(r, v, 2, ls_opts, 3);
}

static void gen_show(struct rng *r, struct vec *v)
{
    vec_add(v, gen_kind(r));
    vec_add(v, gen_object(r));
    ADD_OPTIONS(r, v, 2, output_opts, 2);
}

static void gen_mk(struct rng *r, struct vec *v)
{
    char *kind = gen_kind(r);
    int is_shm = strcmp(kind, "shm") == 0 || strcmp(kind, "segment") == 0;
    int is_sem = strcmp(kind, "sem") == 0 || strcmp(kind, "set") == 0;
    vec_add(v, kind);
    char *n_text = NULL;
    if (is_shm || (!is_sem && chance(r, 10)))
        vec_add(v, FROM_POOLS(r, segment_sizes));
    if (is_sem || chance(r, 5)) {
        n_text = FROM_POOLS(r, sem_counts);
        vec_add(v, xstrdup(n_text));
    }
    /* A key option or two (two is a usage error), a mode, --excl. */
    size_t nkeys = chance(r, 55) ? 1 : chance(r, 10) ? 2 : 0;
    for (size_t i = 0; i < nkeys; i++) {
        const struct optdef *d = &mk_opts[rnd(r, 3)];
        add_option(r, v, 2, d, gen_value(r, d->arg));
    }
    if (chance(r, 40))
        add_option(r, v, 2, &mk_opts[3], gen_value(r, A_MODE));
    if (chance(r, 20))
        add_option(r, v, 2, &mk_opts[4], NULL);
    if (chance(r, is_sem ? 35 : 5)) {
        /* --init: usually as many values as N, when N is small. */
        unsigned long long n;
        char *init = n_text != NULL && parse_u64(n_text, 64, &n) == 0 && chance(r, 70)
                         ? gen_value_list(r, (size_t)n)
                         : gen_value(r, A_VALUES);
        add_option(r, v, 2, &mk_opts[5], init);
    }
    free(n_text);
}

static void gen_rm(struct rng *r, struct vec *v)
{
    if (chance(r, 8)) {
        add_option(r, v, 2, &rm_opts[0], NULL);
        if (chance(r, 50))
            vec_add(v, gen_kind(r));
        if (chance(r, 40))
            add_option(r, v, 2, &rm_opts[1], NULL);
        return;
    }
    vec_add(v, gen_kind(r));
    size_t n = chance(r, 3) ? many(r) : 1 + rnd(r, 3);
    for (size_t i = 0; i < n; i++)
        vec_add(v, gen_object(r));
    if (chance(r, 5))
        add_option(r, v, 2, &rm_opts[1], NULL); /* --mine without --all */
}

static void gen_chmod(struct rng *r, struct vec *v)
{
    vec_add(v, gen_kind(r));
    vec_add(v, gen_object(r));
    vec_add(v, FROM_POOLS(r, modes));
}

static void gen_chown(struct rng *r, struct vec *v)
{
    vec_add(v, gen_kind(r));
    vec_add(v, gen_object(r));
    vec_add(v, FROM_POOLS(r, owners));
}

static void gen_qbytes(struct rng *r, struct vec *v)
{
    vec_add(v, gen_object(r));
    vec_add(v, FROM_POOLS(r, sizes));
}

static void gen_send(struct rng *r, struct vec *v)
{
    vec_add(v, gen_object(r));
    int with_data = chance(r, 55);
    if (with_data)
        vec_add(v, gen_data(r));
    if (chance(r, 40))
        add_option(r, v, 2, &send_opts[0], gen_value(r, A_TYPE));
    if (chance(r, with_data ? 5 : 20))
        add_option(r, v, 2, &send_opts[1], gen_value(r, A_FILE));
    add_wait(r, v, 2);
    if (!with_data)
        gen_input(r, v);
}

static void gen_recv(struct rng *r, struct vec *v)
{
    vec_add(v, gen_object(r));
    ADD_OPTIONS(r, v, 2, recv_opts, 4);
    add_wait(r, v, 2);
}

static void gen_peek(struct rng *r, struct vec *v)
{
    vec_add(v, gen_object(r));
    ADD_OPTIONS(r, v, 2, peek_opts, 3);
}

static void gen_sem(struct rng *r, struct vec *v)
{
    const char *verb = chance(r, malformed / 3) ? PICK(r, bad_verbs) : PICK(r, sem_verbs);
    vec_addc(v, verb);
    vec_add(v, gen_object(r));
    if (strcmp(verb, "op") == 0) {
        size_t n = chance(r, 3) ? many(r) : 1 + (chance(r, 80) ? 0 : rnd(r, 3));
        for (size_t i = 0; i < n; i++)
            vec_add(v, FROM_POOLS(r, specs));
        if (chance(r, 2)) { /* past SEM_MAX_OPS operations in one word */
            struct sbuf b = {NULL, 0, 0};
            for (size_t i = 0, k = 1000 + rnd(r, 100); i < k; i++)
                sb_puts(&b, i > 0 ? ",0+1" : "0+1");
            vec_add(v, sb_take(&b));
        }
        add_wait(r, v, 3);
    } else if (strcmp(verb, "get") == 0) {
        if (chance(r, 60))
            vec_add(v, FROM_POOLS(r, indexes));
    } else if (strcmp(verb, "set") == 0) {
        vec_add(v, FROM_POOLS(r, indexes));
        vec_add(v, FROM_POOLS(r, sem_values));
    } else if (strcmp(verb, "setall") == 0) {
        vec_add(v, chance(r, 30) ? gen_value_list(r, 1 + rnd(r, 4)) : gen_value(r, A_VALUES));
    } else {
        for (size_t i = 0, n = rnd(r, 3); i < n; i++)
            vec_add(v, gen_junk(r));
    }
    if (chance(r, malformed / 3))
        vec_add(v, gen_junk(r)); /* one operand too many */
}

static void gen_shm(struct rng *r, struct vec *v)
{
    const char *verb = chance(r, malformed / 3) ? PICK(r, bad_verbs) : PICK(r, shm_verbs);
    vec_addc(v, verb);
    vec_add(v, gen_object(r));
    if (strcmp(verb, "read") == 0) {
        ADD_OPTIONS(r, v, 3, shm_read_opts, 2);
    } else {
        ADD_OPTIONS(r, v, 3, shm_write_opts, 2);
        gen_input(r, v);
    }
    if (chance(r, malformed / 3))
        vec_add(v, gen_object(r)); /* one operand too many */
}

/* help, --help, --version and the command groups without a verb. */
static void gen_help(struct rng *r, struct vec *v)
{
    static const char *const firsts[] = {"help",      "help", "--help", "-h",
                                         "--version", "-V",   "sem",    "shm"};
    const char *first = PICK(r, firsts);
    vec_addc(v, first);
    size_t n = rnd(r, 4);
    for (size_t i = 0; i < n; i++) {
        size_t roll = rnd(r, 100);
        if (roll < 40)
            vec_addc(v, PICK(r, commands));
        else if (roll < 60)
            vec_addc(v, chance(r, 50) ? PICK(r, sem_verbs) : PICK(r, shm_verbs));
        else if (roll < 80)
            vec_addc(v, PICK(r, bad_verbs));
        else if (roll < 95)
            vec_add(v, gen_junk(r));
        else
            vec_add(v, gen_long(r));
    }
}

/* A vector of nothing but junk and grammar words in any order. */
static void gen_chaos(struct rng *r, struct vec *v)
{
    size_t n = chance(r, 10) ? many(r) : 1 + rnd(r, 6);
    for (size_t i = 0; i < n; i++) {
        switch (rnd(r, 8)) {
        case 0:
            vec_addc(v, PICK(r, commands));
            break;
        case 1:
            vec_addc(v, PICK(r, bad_commands));
            break;
        case 2:
            vec_add(v, gen_kind(r));
            break;
        case 3:
            vec_add(v, gen_object(r));
            break;
        case 4: {
            const struct optdef *d = &recv_opts[rnd(r, NELEM(recv_opts))];
            add_option(r, v, 1, d, d->arg == A_NONE ? NULL : gen_value(r, d->arg));
            break;
        }
        default:
            vec_add(v, gen_junk(r));
            break;
        }
    }
}

/* Damage to a whole vector: words dropped, doubled, swapped, replaced
   by junk, "--" thrown in. argv[0] stays. */
static void damage(struct rng *r, struct vec *v)
{
    for (size_t k = 0, n = 1 + rnd(r, 3); k < n; k++) {
        if (v->argc < 2) {
            vec_add(v, gen_junk(r));
            continue;
        }
        int at = 1 + (int)rnd(r, (size_t)(v->argc - 1));
        switch (rnd(r, 6)) {
        case 0:
            vec_remove(v, at);
            break;
        case 1:
            vec_insert(v, at, xstrdup(v->argv[at]));
            break;
        case 2: {
            int other = 1 + (int)rnd(r, (size_t)(v->argc - 1));
            char *t = v->argv[at];
            v->argv[at] = v->argv[other];
            v->argv[other] = t;
            break;
        }
        case 3: {
            char *s = mutate(r, v->argv[at]);
            free(v->argv[at]);
            v->argv[at] = s;
            break;
        }
        case 4:
            vec_insert(v, at, xstrdup("--"));
            break;
        default:
            vec_insert(v, at, gen_junk(r));
            break;
        }
    }
}

/* Iteration i's vector: the same for the same (seed, i). */
/* Each command's argument generator, by the command's name (commands[]). */
static const struct {
    const char *name;
    void (*gen)(struct rng *r, struct vec *v);
} generators[] = {
    {"ls", gen_ls},       {"show", gen_show},   {"mk", gen_mk},         {"rm", gen_rm},
    {"chmod", gen_chmod}, {"chown", gen_chown}, {"qbytes", gen_qbytes}, {"send", gen_send},
    {"recv", gen_recv},   {"peek", gen_peek},   {"sem", gen_sem},       {"shm", gen_shm},
};

static void gen_vector(uint64_t seed, unsigned long long i, struct vec *v)
{
    struct rng r;
    rng_init(&r, seed, i);
    memset(v, 0, sizeof(*v));
    vec_addc(v, "sysv");
    size_t style = rnd(&r, 100);
    malformed = style < 40 ? 3 : style < 80 ? 15 : 40;
    size_t roll = rnd(&r, 100);
    if (roll < 1)
        return; /* no command at all */
    if (roll < 5) {
        gen_chaos(&r, v);
        return;
    }
    if (roll < 10) {
        gen_help(&r, v);
        return;
    }
    size_t which = rnd(&r, NELEM(commands) + 4); /* sem and shm twice as often */
    const char *cmd = commands[which < NELEM(commands) ? which : NELEM(commands) - 2 + which % 2];
    vec_addc(v, cmd);
    for (size_t k = 0; k < NELEM(generators); k++)
        if (strcmp(cmd, generators[k].name) == 0)
            generators[k].gen(&r, v);
    if (chance(&r, 2))
        add_option(&r, v, 2, &foreign_opts[6], NULL); /* --help anywhere */
    if (chance(&r, malformed / 2))
        damage(&r, v);
    if (chance(&r, 2)) /* a long tail of junk */
        for (size_t k = 0, n = many(&r); k < n; k++)
            vec_add(v, chance(&r, 50) ? gen_object(&r) : gen_junk(&r));
}

/* ---- The namespace ------------------------------------------------------- */

/* Moves into an IPC namespace of our own, in a user namespace too when
   that is what it takes. Returns 0, or -1 after saying why not. */
static int enter_private_namespace(void)
{
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWIPC) == 0)
        return 0;
    int first = errno;
    if (first != EPERM) {
        (void)fprintf(stderr,
                      "fuzz_cli: skipped: cannot make a private IPC namespace "
                      "(unshare(CLONE_NEWIPC): %s)\n",
                      strerror(first));
        return -1;
    }
    if (unshare(CLONE_NEWUSER | CLONE_NEWIPC) != 0) {
        (void)fprintf(stderr,
                      "fuzz_cli: skipped: cannot make a private IPC namespace: "
                      "unshare(CLONE_NEWIPC): %s, and unshare(CLONE_NEWUSER | CLONE_NEWIPC): "
                      "%s (unprivileged user namespaces disabled?)\n",
                      strerror(first), strerror(errno));
        return -1;
    }
    /* Map ourselves to root in the new user namespace: it owns the new IPC
       namespace, so we may do everything there. setgroups must be denied
       before an unprivileged process may write gid_map. */
    char map[64];
    if (write_file("/proc/self/setgroups", "deny") != 0 && errno != ENOENT) {
        (void)fprintf(stderr, "fuzz_cli: skipped: /proc/self/setgroups: %s\n", strerror(errno));
        return -1;
    }
    (void)snprintf(map, sizeof(map), "0 %lu 1", (unsigned long)uid);
    if (write_file("/proc/self/uid_map", map) != 0) {
        (void)fprintf(stderr, "fuzz_cli: skipped: /proc/self/uid_map: %s\n", strerror(errno));
        return -1;
    }
    (void)snprintf(map, sizeof(map), "0 %lu 1", (unsigned long)gid);
    if (write_file("/proc/self/gid_map", map) != 0) {
        (void)fprintf(stderr, "fuzz_cli: skipped: /proc/self/gid_map: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

enum kind { KIND_SHM, KIND_MSG, KIND_SEM, NKINDS };
static const char *const kind_names[NKINDS] = {"shm", "msg", "sem"};

/* The ids /proc/sysvipc lists for a kind (this namespace's objects):
   the second column of every line after the header. Returns the count,
   or -1 with errno set. *ids is malloc'ed. */
static int list_ids(enum kind kind, int **ids)
{
    char path[64];
    (void)snprintf(path, sizeof(path), "/proc/sysvipc/%s", kind_names[kind]);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    int n = 0, room = 0, lineno = 0;
    *ids = NULL;
    while (getline(&line, &cap, f) >= 0) {
        if (lineno++ == 0)
            continue; /* the header */
        /* "       key      shmid ...": the key, then the id, in decimal. */
        char *end, *id_end;
        (void)strtol(line, &end, 10);
        errno = 0;
        long id = strtol(end, &id_end, 10);
        if (end == line || id_end == end || errno != 0 || id < 0 || id > INT_MAX)
            continue;
        if (n == room) {
            room = room ? room * 2 : 64;
            int *bigger = realloc(*ids, (size_t)room * sizeof(int));
            if (bigger == NULL) {
                (void)fprintf(stderr, "fuzz_cli: out of memory\n");
                exit(1);
            }
            *ids = bigger;
        }
        (*ids)[n++] = (int)id;
    }
    int err = ferror(f) ? errno : 0;
    free(line);
    if (fclose(f) != 0 && err == 0)
        err = errno;
    if (err != 0) {
        free(*ids);
        *ids = NULL;
        errno = err;
        return -1;
    }
    return n;
}

static int remove_object(enum kind kind, int id)
{
    switch (kind) {
    case KIND_SHM:
        return shmctl(id, IPC_RMID, NULL);
    case KIND_MSG:
        return msgctl(id, IPC_RMID, NULL);
    default:
        return semctl(id, 0, IPC_RMID);
    }
}

/* Walks every object of the namespace, removing each when remove is set.
   Returns how many there were, or -1 when a list could not be read; *failed
   counts removals that failed (other than "already gone"). */
static int walk_objects(int remove, int *failed)
{
    int total = 0, unreadable = 0;
    *failed = 0;
    for (int k = 0; k < NKINDS; k++) {
        int *ids;
        int n = list_ids((enum kind)k, &ids);
        if (n < 0) {
            (void)fprintf(stderr, "fuzz_cli: /proc/sysvipc/%s: %s\n", kind_names[k],
                          strerror(errno));
            unreadable = 1;
            continue;
        }
        for (int i = 0; remove && i < n; i++) {
            if (remove_object((enum kind)k, ids[i]) != 0 && errno != EINVAL && errno != EIDRM) {
                (void)fprintf(stderr, "fuzz_cli: cannot remove %s id %d: %s\n", kind_names[k],
                              ids[i], strerror(errno));
                (*failed)++;
            }
        }
        free(ids);
        total += n;
    }
    return unreadable ? -1 : total;
}

/* How many objects the namespace holds, of every kind; -1 on error. */
static int count_objects(void)
{
    int failed;
    return walk_objects(0, &failed);
}

/* Removes every object of the namespace. Returns the number of failed
   removals (other than "already gone") and unreadable lists. */
static int remove_everything(void)
{
    int failed;
    int n = walk_objects(1, &failed);
    return failed + (n < 0);
}

/* ---- Fixtures ------------------------------------------------------------ */

/* Real objects for the vectors to find: ids 0 to 3 of each kind (the
   kernel's *_next_id makes the ids what we want), with keys 0x1234,
   private, name:jobs and path:/etc/hosts:65 as the library derives them.
   Segments hold some bytes, queues some messages (text, binary, UTF-8),
   sets some non-zero values, so that reads, receives and takes find
   something. */
#define NFIXTURES_PER_KIND 4

struct fixture {
    enum kind kind;
    int want_id;
    key_t key;
    int id; /* -1: not made yet */
};

static struct fixture fixtures[NKINDS * NFIXTURES_PER_KIND];
static int next_id_broken; /* the *_next_id sysctls cannot be written */

static void fixtures_init(void)
{
    key_t fixture_keys[NFIXTURES_PER_KIND] = {0x1234, IPC_PRIVATE, 0x00c0ffee, 0x00beef00};
    key_t k;
    if (sysv_key_parse("name:jobs", &k) == 0)
        fixture_keys[2] = k;
    if (sysv_key_parse("path:/etc/hosts:65", &k) == 0)
        fixture_keys[3] = k;
    for (int kind = 0; kind < NKINDS; kind++) {
        for (int i = 0; i < NFIXTURES_PER_KIND; i++) {
            struct fixture *f = &fixtures[kind * NFIXTURES_PER_KIND + i];
            f->kind = (enum kind)kind;
            f->want_id = i;
            f->key = fixture_keys[i];
            f->id = -1;
        }
    }
}

/* Asks the kernel to give the next object of this kind this id. Failing
   is no disaster (the fixture gets another id), so it is said once. */
static void set_next_id(enum kind kind, int id)
{
    if (next_id_broken)
        return;
    char path[64], text[16];
    (void)snprintf(path, sizeof(path), "/proc/sys/kernel/%s_next_id", kind_names[kind]);
    (void)snprintf(text, sizeof(text), "%d", id);
    if (write_file(path, text) != 0) {
        (void)fprintf(stderr,
                      "fuzz_cli: note: cannot write %s (%s): the fixtures get whatever ids the "
                      "kernel gives, and ids 0..3 may name nothing\n",
                      path, strerror(errno));
        next_id_broken = 1;
    }
}

static const size_t shm_sizes[NFIXTURES_PER_KIND] = {4096, 4096, 1, 65536};
static const int set_sizes[NFIXTURES_PER_KIND] = {3, 1, 3, 2};

/* Sends the fixture messages (without blocking: a full queue is left as
   it is). */
static void fill_queue(int id)
{
    static const struct {
        long type;
        const char *text;
        size_t len;
    } msgs[] = {
        {1, "hello", 5},
        {2, "\xff\xfe\x00\x01 binary", 11},
        {7, "h\xc3\xa9llo \xe2\x82\xac", 10},
    };
    for (size_t i = 0; i < NELEM(msgs); i++) {
        struct {
            long mtype;
            char mtext[32];
        } m;
        m.mtype = msgs[i].type;
        memcpy(m.mtext, msgs[i].text, msgs[i].len);
        if (msgsnd(id, &m, msgs[i].len, IPC_NOWAIT) != 0 && errno != EAGAIN && errno != EINVAL &&
            errno != EIDRM)
            (void)fprintf(stderr, "fuzz_cli: msgsnd to fixture queue %d: %s\n", id,
                          strerror(errno));
    }
}

/* semctl's fourth argument (the caller defines union semun). */
union semarg {
    struct semid_ds *buf;
    unsigned short *array;
};

/* Whether the fixture's object is there: by its key, or for a private
   one by its id. */
static int fixture_alive(struct fixture *f)
{
    if (f->key != IPC_PRIVATE) {
        int id = f->kind == KIND_SHM   ? shmget(f->key, 0, 0)
                 : f->kind == KIND_MSG ? msgget(f->key, 0)
                                       : semget(f->key, 0, 0);
        if (id >= 0) {
            f->id = id;
            return 1;
        }
        int err = errno;
        if (err != ENOENT)
            (void)fprintf(stderr, "fuzz_cli: looking up fixture %s key 0x%08x: %s\n",
                          kind_names[f->kind], (unsigned)f->key, strerror(err));
        return err != ENOENT; /* a lookup that failed otherwise: leave it be */
    }
    if (f->id < 0)
        return 0;
    int rc;
    if (f->kind == KIND_SHM) {
        struct shmid_ds ds;
        rc = shmctl(f->id, IPC_STAT, &ds);
    } else if (f->kind == KIND_MSG) {
        struct msqid_ds ds;
        rc = msgctl(f->id, IPC_STAT, &ds);
    } else {
        struct semid_ds ds;
        union semarg arg;
        arg.buf = &ds;
        rc = semctl(f->id, 0, IPC_STAT, arg);
    }
    return rc == 0 || (errno != EINVAL && errno != EIDRM);
}

static void fixture_create(struct fixture *f)
{
    int i = f->want_id;
    int flags = IPC_CREAT | IPC_EXCL | 0600;
    set_next_id(f->kind, f->want_id);
    int id;
    if (f->kind == KIND_SHM)
        id = shmget(f->key, shm_sizes[i], flags);
    else if (f->kind == KIND_MSG)
        id = msgget(f->key, flags);
    else
        id = semget(f->key, set_sizes[i], flags);
    if (id < 0) {
        /* EEXIST: a child made one with this key in between; fine. */
        if (errno != EEXIST)
            (void)fprintf(stderr, "fuzz_cli: cannot make fixture %s %d: %s\n", kind_names[f->kind],
                          f->want_id, strerror(errno));
        return;
    }
    f->id = id;
    if (f->kind == KIND_SHM) {
        void *p = shmat(id, NULL, 0);
        if (p == (void *)-1) {
            (void)fprintf(stderr, "fuzz_cli: shmat fixture %d: %s\n", id, strerror(errno));
            return;
        }
        /* Text, then every byte value: invalid UTF-8 and NULs included. */
        static const char text[] = "fuzz_cli fixture segment\n";
        unsigned char *bytes = p;
        size_t n = shm_sizes[i];
        for (size_t k = 0; k < n; k++)
            bytes[k] = k < sizeof(text) - 1 ? (unsigned char)text[k] : (unsigned char)k;
        if (shmdt(p) != 0)
            (void)fprintf(stderr, "fuzz_cli: shmdt fixture %d: %s\n", id, strerror(errno));
    } else if (f->kind == KIND_MSG) {
        if (i != 2) /* name:jobs's queue stays empty: recv and peek find nothing */
            fill_queue(id);
    } else {
        static unsigned short values[NFIXTURES_PER_KIND][3] = {
            {1, 0, 2}, {0, 0, 0}, {1, 1, 1}, {5, 0, 0}};
        union semarg arg;
        arg.array = values[i];
        if (semctl(id, 0, SETALL, arg) != 0)
            (void)fprintf(stderr, "fuzz_cli: SETALL fixture %d: %s\n", id, strerror(errno));
    }
}

/* Gives a set whose values the vectors have all taken one unit each
   again. A set a vector has made bigger or smaller is left alone. */
static void refill_set(int id)
{
    unsigned short vals[3];
    struct semid_ds ds;
    union semarg arg;
    arg.buf = &ds;
    if (semctl(id, 0, IPC_STAT, arg) != 0 || ds.sem_nsems != 3)
        return;
    arg.array = vals;
    if (semctl(id, 0, GETALL, arg) != 0) {
        (void)fprintf(stderr, "fuzz_cli: GETALL fixture %d: %s\n", id, strerror(errno));
        return;
    }
    if (vals[0] != 0 || vals[1] != 0 || vals[2] != 0)
        return;
    unsigned short ones[3] = {1, 1, 1};
    arg.array = ones;
    if (semctl(id, 0, SETALL, arg) != 0)
        (void)fprintf(stderr, "fuzz_cli: SETALL fixture %d: %s\n", id, strerror(errno));
}

/* Makes the fixtures a vector removed again, and tops the queues up. */
static void fixtures_check(void)
{
    for (size_t n = 0; n < NELEM(fixtures); n++) {
        struct fixture *f = &fixtures[n];
        if (!fixture_alive(f)) {
            fixture_create(f);
            continue;
        }
        if (f->kind == KIND_MSG && f->want_id != 2) {
            struct msqid_ds ds;
            if (msgctl(f->id, IPC_STAT, &ds) == 0 && ds.msg_qnum < 2)
                fill_queue(f->id);
        }
        if (f->kind == KIND_SEM && f->want_id == 0)
            refill_set(f->id); /* so that takes find units again */
    }
}

/* ---- Running vectors ----------------------------------------------------- */

/* A running child. */
struct slot {
    pid_t pid; /* 0: free */
    unsigned long long iteration;
    struct vec vec;
    long long started, interrupted_at; /* ms; interrupted_at 0: no SIGINT yet */
    int killed;                        /* SIGKILL sent: it hung */
    int errfd;                         /* its stderr, kept for the report */
};

struct stats {
    unsigned long long runs;
    unsigned long long exits[256];
    unsigned long long signals[NSIG];
    unsigned long long interrupted; /* got the SIGINT after a second */
    unsigned long long hangs;
    unsigned long long failures;
};

/* Global, so that the vectors of the other slots stay reachable when a
   child's LeakSanitizer looks for leaks. */
static struct slot slots[PARALLEL];
static struct stats stats;
static uint64_t seed;
static int verbose_one; /* --only: show the outcome even when it passes */
static int verbose;     /* --verbose: one line per vector */

/* The pointer array the child hands the command. sysv_cli_main stores
   into it (argv[1] becomes the command's name), so it gets a copy: the
   slot's own array keeps pointing at every string, and LeakSanitizer does
   not take our strings for the command's leaks. */
static char **child_argv;

/* The child: stdin from the vector (or /dev/null), stdout to /dev/null,
   stderr to the slot's capture file; then the command, and exit() with
   its status so that stdio is flushed and LeakSanitizer runs. */
static void run_child(struct vec *v, int errfd, const sigset_t *mask)
{
    if (sigprocmask(SIG_SETMASK, mask, NULL) != 0)
        _exit(CHILD_SETUP_EXIT);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0)
        _exit(CHILD_SETUP_EXIT);
    int in = null;
    if (v->input_kind == IN_PIPE) {
        /* At most 4096 bytes: they fit the pipe, so writing cannot block. */
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0 || write_all(p[1], v->input, v->input_len) != 0 ||
            close(p[1]) != 0)
            _exit(CHILD_SETUP_EXIT);
        in = p[0];
    } else if (v->input_kind == IN_MEMFD) {
        in = memfd_create("fuzz_cli-stdin", MFD_CLOEXEC);
        if (in < 0 || write_all(in, v->input, v->input_len) != 0 || lseek(in, 0, SEEK_SET) != 0)
            _exit(CHILD_SETUP_EXIT);
    }
    if (dup2(in, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
        dup2(errfd, STDERR_FILENO) < 0)
        _exit(CHILD_SETUP_EXIT);
    child_argv = malloc((size_t)(v->argc + 1) * sizeof(char *));
    if (child_argv == NULL)
        _exit(CHILD_SETUP_EXIT);
    memcpy(child_argv, v->argv, (size_t)(v->argc + 1) * sizeof(char *));
    if (__sanitizer_get_current_allocated_bytes == NULL)
        exit(sysv_cli_main(v->argc, child_argv));
    /* LeakSanitizer's check at exit() costs tens of milliseconds (it
       scans the runtimes' megabytes of globals): most of a child's time.
       A leak is a block the command allocated and still holds, so it
       shows as more live heap than before the command; when there is
       none, the check has nothing to find, and _exit() skips it (after
       flushing stdio, as exit() would). */
    size_t live_before = __sanitizer_get_current_allocated_bytes();
    int rc = sysv_cli_main(v->argc, child_argv);
    if (__sanitizer_get_current_allocated_bytes() <= live_before) {
        (void)fflush(NULL); /* exit() too ignores what this says */
        _exit(rc);
    }
    exit(rc);
}

static void print_argv(FILE *f, const struct vec *v)
{
    for (int i = 1; i < v->argc; i++) {
        (void)fputc(' ', f);
        print_shell_word(f, v->argv[i]);
    }
}

/* What a failed child wrote on stderr, read back for the report. The
   command's own messages come first (one per object, for a long `rm`), so
   a sanitizer's report may be far in. */
struct captured {
    char *text;
    size_t len;
    const char *report; /* where a sanitizer's report starts, or NULL */
    const char *tool;   /* whose report it is */
};

static void read_captured(int fd, struct captured *c)
{
    static const struct {
        const char *marker, *tool;
    } markers[] = {
        {"ERROR: AddressSanitizer", "AddressSanitizer"},
        {"ERROR: LeakSanitizer", "LeakSanitizer"},
        {"runtime error:", "UBSan"},
        {"ERROR: UndefinedBehaviorSanitizer", "UBSan"},
    };
    memset(c, 0, sizeof(*c));
    c->text = xmalloc(CAPTURE_BYTES + 1);
    ssize_t n = pread(fd, c->text, CAPTURE_BYTES, 0);
    if (n < 0) {
        (void)printf("  (cannot read its stderr: %s)\n", strerror(errno));
        n = 0;
    }
    c->len = (size_t)n;
    c->text[c->len] = '\0';
    for (size_t i = 0; i < NELEM(markers); i++) {
        const char *at = memmem(c->text, c->len, markers[i].marker, strlen(markers[i].marker));
        if (at != NULL && (c->report == NULL || at < c->report)) {
            c->report = at;
            c->tool = markers[i].tool;
        }
    }
    if (c->report != NULL) /* from the start of its line */
        while (c->report > c->text && c->report[-1] != '\n')
            c->report--;
}

/* Up to max lines from p (at most end), indented, with bytes that are
   not printable escaped. Returns where it stopped. */
static const char *print_lines(const char *p, const char *end, int max)
{
    int lines = 0, at_start = 1;
    for (; p < end && lines < max; p++) {
        unsigned char c = (unsigned char)*p;
        if (at_start) {
            (void)fputs("  | ", stdout);
            at_start = 0;
        }
        if (c == '\n') {
            (void)fputc('\n', stdout);
            lines++;
            at_start = 1;
        } else if (c == '\t' || (c >= 0x20 && c < 0x7f)) {
            (void)fputc(c, stdout);
        } else {
            (void)printf("\\x%02x", c);
        }
    }
    if (!at_start)
        (void)fputc('\n', stdout);
    return p;
}

/* The first lines of the child's stderr; when a sanitizer reported, its
   report's first lines too, wherever they are. */
static void print_excerpt(const struct captured *c)
{
    const char *end = c->text + c->len;
    if (c->len == 0) {
        (void)printf("  (nothing on stderr)\n");
        return;
    }
    (void)printf("  stderr (first lines):\n");
    if (c->report == NULL) {
        (void)print_lines(c->text, end, EXCERPT_LINES);
        return;
    }
    const char *stop = print_lines(c->text, c->report, 4);
    if (stop < c->report)
        (void)printf("  | ...\n");
    (void)print_lines(c->report, end, EXCERPT_LINES);
}

/* Says what became of a child, counts it, and reports a failure. */
static void judge(struct slot *s, int status)
{
    char what[256];
    int failed = 0;
    stats.runs++;
    if (s->interrupted_at != 0)
        stats.interrupted++;
    if (WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        stats.exits[code]++;
        switch (code) {
        case CLI_OK:
        case CLI_FAILED:
        case CLI_USAGE:
        case CLI_EMPTY:
        case CLI_TIMEOUT:
        case CLI_INTR:
            (void)snprintf(what, sizeof(what), "exit status %d", code);
            break;
        case ASAN_EXIT:
            (void)snprintf(what, sizeof(what),
                           "exit status %d: an AddressSanitizer or LeakSanitizer report", code);
            failed = 1;
            break;
        case UBSAN_EXIT:
            (void)snprintf(what, sizeof(what), "exit status %d: a UBSan report", code);
            failed = 1;
            break;
        case CHILD_SETUP_EXIT:
            (void)snprintf(what, sizeof(what),
                           "exit status %d: the child could not set up its stdio "
                           "(or the command exited %d)",
                           code, code);
            failed = 1;
            break;
        default:
            (void)snprintf(what, sizeof(what), "exit status %d, which sysv(1) does not document",
                           code);
            failed = 1;
            break;
        }
    } else if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig > 0 && sig < NSIG)
            stats.signals[sig]++;
        failed = 1;
        if (s->killed) {
            stats.hangs++;
            (void)snprintf(what, sizeof(what),
                           "hang: still running %d ms after SIGINT (sent at %d ms), killed",
                           KILL_MS, INTERRUPT_MS);
        } else if (sig == SIGINT && s->interrupted_at != 0) {
            /* Slow (a loaded machine), not waiting, and Ctrl-C ended it
               the default way: what Ctrl-C should do. */
            failed = 0;
            (void)snprintf(what, sizeof(what),
                           "still running after %d ms, ended by the SIGINT sent then",
                           INTERRUPT_MS);
        } else {
            (void)snprintf(what, sizeof(what), "killed by signal %d (%s)%s", sig, strsignal(sig),
                           WCOREDUMP(status) ? ", core dumped" : "");
        }
    } else {
        (void)snprintf(what, sizeof(what), "unexpected wait status 0x%x", (unsigned)status);
        failed = 1;
    }
    if (failed)
        stats.failures++;
    struct captured cap = {NULL, 0, NULL, NULL};
    if (failed || verbose_one)
        read_captured(s->errfd, &cap);
    if (failed && cap.report != NULL && WIFSIGNALED(status)) {
        /* A report that took long to print (symbolizing under load) may
           have met the SIGINT: say what it was. */
        size_t used = strlen(what);
        (void)snprintf(what + used, sizeof(what) - used, "; stderr holds a %s report", cap.tool);
    }
    if (verbose) {
        (void)printf("%llu: %s:", s->iteration, what);
        print_argv(stdout, &s->vec);
        (void)printf("\n");
    }
    if (!failed && !verbose_one) {
        free(cap.text);
        return;
    }

    if (failed)
        (void)printf("FAILURE %llu: seed %llu iteration %llu: %s\n", stats.failures,
                     (unsigned long long)seed, s->iteration, what);
    else
        (void)printf("seed %llu iteration %llu: %s\n", (unsigned long long)seed, s->iteration,
                     what);
    (void)printf("  argv: sysv");
    print_argv(stdout, &s->vec);
    (void)printf("\n");
    if (s->vec.input_kind != IN_NULL) {
        (void)printf("  stdin: %zu random byte(s) through a %s; first ones:", s->vec.input_len,
                     s->vec.input_kind == IN_PIPE ? "pipe" : "file");
        for (size_t i = 0; i < s->vec.input_len && i < 24; i++)
            (void)printf(" %02x", s->vec.input[i]);
        (void)printf("\n");
    }
    if (s->interrupted_at != 0)
        (void)printf("  it got SIGINT after %lld ms\n", s->interrupted_at - s->started);
    (void)printf("  rerun:  fuzz_cli --seed %llu --only %llu\n", (unsigned long long)seed,
                 s->iteration);
    (void)printf("  replay: fuzz_cli --replay");
    print_argv(stdout, &s->vec);
    (void)printf("\n");
    print_excerpt(&cap);
    free(cap.text);
    (void)fflush(stdout);
}

static int running_count(void)
{
    int n = 0;
    for (int i = 0; i < PARALLEL; i++)
        n += slots[i].pid != 0;
    return n;
}

/* Reaps every child that has ended. */
static void reap(void)
{
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid == 0 || (pid < 0 && errno == ECHILD))
            return;
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            die("waitpid");
        }
        for (int i = 0; i < PARALLEL; i++) {
            struct slot *s = &slots[i];
            if (s->pid != pid)
                continue;
            judge(s, status);
            if (close(s->errfd) != 0)
                die("close");
            vec_free(&s->vec);
            s->pid = 0;
            break;
        }
    }
}

/* Sends SIGINT to children past their second, SIGKILL to those that
   ignored it; returns ms until the next such deadline (at most 250). */
static long long police(void)
{
    long long now = now_ms(), wait = 250;
    for (int i = 0; i < PARALLEL; i++) {
        struct slot *s = &slots[i];
        if (s->pid == 0 || s->killed)
            continue;
        long long deadline;
        if (s->interrupted_at == 0) {
            deadline = s->started + INTERRUPT_MS;
            if (now >= deadline) {
                if (kill(s->pid, SIGINT) != 0 && errno != ESRCH)
                    die("kill");
                s->interrupted_at = now;
                deadline = now + KILL_MS;
            }
        } else {
            deadline = s->interrupted_at + KILL_MS;
            if (now >= deadline) {
                if (kill(s->pid, SIGKILL) != 0 && errno != ESRCH)
                    die("kill");
                s->killed = 1;
                continue;
            }
        }
        if (deadline - now < wait)
            wait = deadline - now;
    }
    return wait < 1 ? 1 : wait;
}

/* Waits until at most max children run. SIGCHLD is blocked and taken
   with sigtimedwait, which also wakes us for the deadlines. */
static void wait_until_at_most(int max, const sigset_t *chld)
{
    for (;;) {
        reap();
        long long wait = police();
        if (running_count() <= max)
            return;
        struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
        if (sigtimedwait(chld, NULL, &ts) < 0 && errno != EAGAIN && errno != EINTR)
            die("sigtimedwait");
    }
}

static void start_child(unsigned long long iteration, const sigset_t *old_mask)
{
    struct slot *s = NULL;
    for (int i = 0; i < PARALLEL && s == NULL; i++)
        if (slots[i].pid == 0)
            s = &slots[i];
    if (s == NULL) {
        (void)fprintf(stderr, "fuzz_cli: no free slot\n");
        exit(1);
    }
    gen_vector(seed, iteration, &s->vec);
    s->iteration = iteration;
    s->interrupted_at = 0;
    s->killed = 0;
    s->errfd = memfd_create("fuzz_cli-stderr", MFD_CLOEXEC);
    if (s->errfd < 0)
        die("memfd_create");
    /* Nothing of ours may sit in a stdio buffer: the child's exit() would
       write it a second time. */
    if (fflush(NULL) != 0)
        die("fflush");
    s->started = now_ms();
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0)
        run_child(&s->vec, s->errfd, old_mask);
    s->pid = pid;
}

/* ---- Sanitizer options --------------------------------------------------- */

static void append_env(const char *name, const char *ours)
{
    const char *old = getenv(name);
    struct sbuf b = {NULL, 0, 0};
    if (old != NULL && old[0] != '\0') {
        sb_puts(&b, old);
        sb_putc(&b, ':');
    }
    sb_puts(&b, ours); /* last, so that ours win where both set a flag */
    char *value = sb_take(&b);
    if (setenv(name, value, 1) != 0)
        die("setenv");
    free(value);
}

/* The sanitizers read their options when the process starts, so the
   options we need (distinct exit codes, leak checking, no abort) take
   effect only in a fresh image of ourselves. */
static void reexec_with_sanitizer_options(char **argv)
{
    if (getenv("FUZZ_CLI_REEXEC") != NULL)
        return;
    append_env("ASAN_OPTIONS", ASAN_OURS);
    append_env("UBSAN_OPTIONS", UBSAN_OURS);
    if (setenv("FUZZ_CLI_REEXEC", "1", 1) != 0)
        die("setenv");
    execv("/proc/self/exe", argv);
    (void)fprintf(stderr,
                  "fuzz_cli: note: cannot re-execute /proc/self/exe (%s): the sanitizer "
                  "options are not in effect\n",
                  strerror(errno));
}

/* ---- main ---------------------------------------------------------------- */

static void usage(FILE *f)
{
    (void)fprintf(f,
                  "usage: fuzz_cli [--iterations N] [--seed S] [--only I] [--verbose]\n"
                  "       fuzz_cli --replay ARG...\n"
                  "Runs N (default %d) random argument vectors through sysv_cli_main, each in\n"
                  "a forked child, in a private IPC namespace; fails on a crash, a sanitizer\n"
                  "report, an undocumented exit status, or a hang past SIGINT.\n"
                  "  --seed S      the vectors' seed (default: from the clock; printed)\n"
                  "  --only I      run iteration I of that seed alone, and show its outcome\n"
                  "  --verbose     print every vector with its outcome\n"
                  "  --replay ...  run `sysv ARG...` once in this process, in the namespace\n"
                  "                with the fixtures, on the real stdin/stdout/stderr\n"
                  "Exit: 0 no failure, 1 failures, 77 no private IPC namespace (skip).\n",
                  DEFAULT_ITERATIONS);
}

/* Takes the value of --name VALUE or --name=VALUE at argv[*i]; NULL when
   argv[*i] is not this option. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (argv[*i] == NULL || strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        (void)fprintf(stderr, "fuzz_cli: %s needs a value\n", name);
        exit(2);
    }
    return argv[++*i];
}

/* Creates the fixtures and says what the namespace holds. */
static void setup_namespace(void)
{
    int n = count_objects();
    if (n < 0)
        exit(1);
    if (n != 0) {
        (void)fprintf(stderr,
                      "fuzz_cli: the new IPC namespace is not empty (%d object(s)): refusing "
                      "to run\n",
                      n);
        exit(1);
    }
    fixtures_init();
    fixtures_check();
}

/* A leak check in the parent before the first fork. The check reads the
   sanitizer runtime's large, mostly untouched tables; done once here, the
   pages are mapped when the children inherit them, and each child's own
   check at exit() no longer pays a page fault per page (most of a child's
   run time otherwise, on a virtual machine with costly faults). */
static void warm_up_leak_checker(void)
{
    if (__lsan_do_recoverable_leak_check != NULL && __lsan_do_recoverable_leak_check() != 0)
        (void)fprintf(stderr, "fuzz_cli: note: LeakSanitizer found leaks in fuzz_cli itself "
                              "before the first vector\n");
}

static int replay(int argc, char **argv)
{
    /* argv[0] of the command is "sysv"; the rest are the arguments. */
    char **args = xmalloc((size_t)(argc + 2) * sizeof(char *));
    args[0] = xstrdup("sysv");
    for (int i = 0; i < argc; i++)
        args[i + 1] = argv[i];
    args[argc + 1] = NULL;
    int rc = sysv_cli_main(argc + 1, args);
    if (fflush(stdout) != 0)
        (void)fprintf(stderr, "fuzz_cli: flushing stdout: %s\n", strerror(errno));
    (void)fprintf(stderr, "fuzz_cli: replay: exit status %d\n", rc);
    free(args[0]);
    free(args);
    return rc;
}

int main(int argc, char **argv)
{
    reexec_with_sanitizer_options(argv);

    unsigned long long iterations = DEFAULT_ITERATIONS, only = 0, value;
    int have_seed = 0, have_only = 0, replay_at = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--replay") == 0) {
            replay_at = i + 1;
            break;
        } else if (strcmp(argv[i], "--verbose") == 0) {
            verbose = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if ((v = option_value(argc, argv, &i, "--iterations")) != NULL) {
            if (parse_u64(v, MAX_ITERATIONS, &iterations) != 0 || iterations == 0) {
                (void)fprintf(stderr, "fuzz_cli: bad --iterations '%s': a number from 1 to %llu\n",
                              v, MAX_ITERATIONS);
                return 2;
            }
        } else if ((v = option_value(argc, argv, &i, "--seed")) != NULL) {
            if (parse_u64(v, UINT64_MAX, &value) != 0) {
                (void)fprintf(stderr, "fuzz_cli: bad --seed '%s': a decimal number below 2^64\n",
                              v);
                return 2;
            }
            seed = value;
            have_seed = 1;
        } else if ((v = option_value(argc, argv, &i, "--only")) != NULL) {
            if (parse_u64(v, UINT64_MAX - 1, &only) != 0) {
                (void)fprintf(stderr, "fuzz_cli: bad --only '%s': an iteration number\n", v);
                return 2;
            }
            have_only = 1;
        } else {
            (void)fprintf(stderr, "fuzz_cli: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (replay_at == 0 && have_only && !have_seed) {
        (void)fprintf(stderr, "fuzz_cli: --only needs the --seed of the run\n");
        return 2;
    }

    if (enter_private_namespace() != 0)
        return EXIT_SKIP;
    setup_namespace();

    if (replay_at != 0)
        return replay(argc - replay_at, argv + replay_at);

    if (!have_seed) {
        struct timespec ts;
        if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
            die("clock_gettime");
        seed = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    }
    unsigned long long first = have_only ? only : 0;
    unsigned long long last = have_only ? only + 1 : iterations;
    verbose_one = have_only;
    (void)printf("fuzz_cli: seed %llu, %llu iteration(s)%s\n", (unsigned long long)seed,
                 last - first, next_id_broken ? " (fixture ids not pinned)" : "");

    /* SIGCHLD stays blocked in the parent: sigtimedwait takes it, so no
       handler can race the deadlines. Children get the old mask back. */
    sigset_t chld, old_mask;
    if (sigemptyset(&chld) != 0 || sigaddset(&chld, SIGCHLD) != 0 ||
        sigprocmask(SIG_BLOCK, &chld, &old_mask) != 0)
        die("sigprocmask");

    warm_up_leak_checker();
    long long t0 = now_ms();
    for (unsigned long long it = first; it < last; it++) {
        wait_until_at_most(PARALLEL - 1, &chld);
        if ((it - first) % CHECK_EVERY == 0)
            fixtures_check();
        start_child(it, &old_mask);
        if ((it - first + 1) % 1000 == 0 && it + 1 < last)
            (void)printf("fuzz_cli: %llu iterations, %llu failure(s) so far\n", it - first + 1,
                         stats.failures);
    }
    wait_until_at_most(0, &chld);
    long long elapsed = now_ms() - t0;

    /* Leave the namespace empty, and make sure it is. */
    int cleanup_failed = remove_everything();
    int left = count_objects();
    if (left != 0) {
        (void)printf("fuzz_cli: %d object(s) left in the namespace after the cleanup\n", left);
        cleanup_failed++;
    }

    (void)printf("fuzz_cli: summary: seed %llu, %llu iteration(s) in %lld.%03lld s\n",
                 (unsigned long long)seed, stats.runs, elapsed / 1000, elapsed % 1000);
    for (int code = 0; code < 256; code++)
        if (stats.exits[code] > 0)
            (void)printf("  exit %3d: %llu\n", code, stats.exits[code]);
    for (int sig = 1; sig < NSIG; sig++)
        if (stats.signals[sig] > 0)
            (void)printf("  signal %d (%s): %llu\n", sig, strsignal(sig), stats.signals[sig]);
    (void)printf("  got SIGINT after %d ms: %llu; hangs past SIGINT: %llu\n", INTERRUPT_MS,
                 stats.interrupted, stats.hangs);
    (void)printf("  failures: %llu\n", stats.failures);
    (void)printf("  namespace left empty: %s\n", cleanup_failed == 0 ? "yes" : "NO");
    return stats.failures == 0 && cleanup_failed == 0 ? 0 : 1;
}
