/* The test runner: see harness.h for what it promises. */
#include "harness.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipcscan.h"
#include "process.h"

#define MAX_TESTS 512
#define MAX_TRACKED 4096
#define SKIP_STATUS 77

static struct {
    const char *name;
    h_test_fn fn;
} tests[MAX_TESTS];
static int ntests;

/* Shared with every process a test forks, so that objects recorded in a
   child reach the runner. */
static struct ledger {
    int n;
    unsigned key_counter;
    struct {
        sysv_kind kind;
        int id;
    } obj[MAX_TRACKED];
} * ledger;

static int hermetic;
static pid_t runner_pid;

void h_register(const char *name, h_test_fn fn)
{
    if (ntests == MAX_TESTS) {
        fprintf(stderr, "harness: more than %d tests\n", MAX_TESTS);
        abort();
    }
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    ntests++;
}

/* ---- Checks ------------------------------------------------------------- */

/* Present when built with AddressSanitizer (LeakSanitizer's check). */
extern void __lsan_do_leak_check(void) __attribute__((weak));

static __attribute__((noreturn)) void end_process(int status)
{
    fflush(NULL);
    /* _exit skips the leak check LeakSanitizer runs at exit(): run it here,
       so that memory a test leaks fails it (LeakSanitizer then ends the
       process with its own status). Only after success: a failed check
       leaves by the shortest way, leaks and all. */
    if (status == 0 && __lsan_do_leak_check != NULL)
        __lsan_do_leak_check();
    _exit(status);
}

void h_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: [pid %ld] ", file, line, (long)getpid());
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    end_process(1);
}

static void describe(char *buf, size_t cap, long long v)
{
    if (v < 0 && v >= -4095)
        snprintf(buf, cap, "%lld (%s)", v, sysv_errname((int)v));
    else
        snprintf(buf, cap, "%lld (0x%llx)", v, (unsigned long long)v);
}

void h_fail_eq(const char *file, int line, const char *a, const char *b, long long va, long long vb)
{
    char da[64], db[64];
    describe(da, sizeof(da), va);
    describe(db, sizeof(db), vb);
    h_fail(file, line, "CHECK_EQ(%s, %s) failed: %s != %s", a, b, da, db);
}

void h_fail_str(const char *file, int line, const char *a, const char *b, const char *va,
                const char *vb)
{
    h_fail(file, line, "CHECK_STR_EQ(%s, %s) failed: \"%s\" != \"%s\"", a, b, va ? va : "(null)",
           vb ? vb : "(null)");
}

long long h_check_nonneg(long long v, const char *expr, const char *file, int line)
{
    if (v < 0) {
        char d[64];
        describe(d, sizeof(d), v);
        h_fail(file, line, "CHECK_NONNEG(%s) failed: %s", expr, d);
    }
    return v;
}

void h_skip(const char *fmt, ...)
{
    va_list ap;
    printf("SKIP: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    end_process(SKIP_STATUS);
}

/* ---- Processes ------------------------------------------------------------ */

pid_t h_fork(void (*fn)(void *arg), void *arg)
{
    fflush(NULL); /* or buffered output is printed twice */
    pid_t pid = fork();
    if (pid < 0)
        h_fail(__FILE__, __LINE__, "fork: %s", strerror(errno));
    if (pid == 0) {
        fn(arg);
        end_process(0);
    }
    return pid;
}

int h_wait_for(pid_t pid, int timeout_ms)
{
    int status;
    int rc = h_wait_deadline(pid, timeout_ms, &status);
    if (rc < 0)
        return rc;
    return h_decode_status(status);
}

int h_wait(pid_t pid, int timeout_ms)
{
    int rc = h_wait_for(pid, timeout_ms);
    if (rc == -ETIMEDOUT) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        h_fail(__FILE__, __LINE__, "child %ld still running after %d ms: killed", (long)pid,
               timeout_ms);
    }
    if (rc < 0)
        h_fail(__FILE__, __LINE__, "waitpid(%ld): %s", (long)pid, sysv_errname(rc));
    return rc;
}

void h_gate_init(h_gate *g)
{
    if (pipe(g->fd) < 0)
        h_fail(__FILE__, __LINE__, "pipe: %s", strerror(errno));
}

void h_gate_open(h_gate *g)
{
    char c = 'g';
    ssize_t n;
    while ((n = write(g->fd[1], &c, 1)) < 0 && errno == EINTR)
        ;
    if (n != 1)
        h_fail(__FILE__, __LINE__, "gate write: %s", strerror(errno));
}

void h_gate_pass(h_gate *g, int timeout_ms)
{
    struct pollfd p = {.fd = g->fd[0], .events = POLLIN};
    long long deadline = h_now_ms() + timeout_ms;
    for (;;) {
        long long left = deadline - h_now_ms();
        int rc = poll(&p, 1, left > 0 ? (int)left : 0);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            h_fail(__FILE__, __LINE__, "gate poll: %s", strerror(errno));
        if (rc == 0)
            h_fail(__FILE__, __LINE__, "gate not opened within %d ms", timeout_ms);
        break;
    }
    char c;
    ssize_t n;
    while ((n = read(g->fd[0], &c, 1)) < 0 && errno == EINTR)
        ;
    if (n != 1)
        h_fail(__FILE__, __LINE__, "gate read: the other side closed it or failed (%zd)", n);
}

long long h_elapsed_us(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000000LL + (now.tv_nsec - since->tv_nsec) / 1000;
}

long long h_elapsed_ms(const struct timespec *since)
{
    return h_elapsed_us(since) / 1000;
}

long h_syscall_of(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/syscall", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    long nr = -1;
    if (fscanf(f, "%ld", &nr) != 1) /* "running" */
        nr = -1;
    fclose(f);
    return nr;
}

void h_wait_syscall(pid_t pid, long nr, int timeout_ms)
{
    long long deadline = h_now_ms() + timeout_ms;
    for (;;) {
        long now_in = h_syscall_of(pid);
        if (now_in == nr)
            return;
        if (h_now_ms() > deadline)
            h_fail(__FILE__, __LINE__,
                   "process %ld not blocked in system call %ld within %d ms (in %ld)", (long)pid,
                   nr, timeout_ms, now_in);
        /* Polls a condition with a deadline; orders nothing by time. */
        poll(NULL, 0, 1);
    }
}

void h_need_root(void)
{
    if (geteuid() != 0)
        h_skip("needs root, to run a child as another user (uid %u here)", (unsigned)geteuid());
}

void h_drop_privileges(void)
{
    if (geteuid() != 0)
        return; /* not root, and no capabilities: nothing to drop */
    if (setgroups(0, NULL) != 0 || setgid(H_NOBODY) != 0 || setuid(H_NOBODY) != 0)
        h_fail(__FILE__, __LINE__, "dropping to uid %u: %s", (unsigned)H_NOBODY, strerror(errno));
    if (getuid() != H_NOBODY || geteuid() != H_NOBODY || getegid() != H_NOBODY)
        h_fail(__FILE__, __LINE__, "still privileged after setuid");
    /* A uid change makes the process non-dumpable, which stops
       LeakSanitizer from inspecting it at exit. */
    (void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

/* ---- IPC objects ---------------------------------------------------------- */

int h_track(sysv_kind kind, int id)
{
    if (id < 0)
        return id;
    int slot = __atomic_fetch_add(&ledger->n, 1, __ATOMIC_SEQ_CST);
    if (slot >= MAX_TRACKED)
        h_fail(__FILE__, __LINE__, "more than %d tracked objects", MAX_TRACKED);
    ledger->obj[slot].kind = kind;
    ledger->obj[slot].id = id;
    return id;
}

key_t h_key(void)
{
    /* 0x5e, then 14 bits of the runner's pid and a 10-bit counter. In a
       shared namespace two programs may still meet on a key (pid_max can
       exceed 2^14), so a key some object already has is passed over. */
    for (;;) {
        unsigned n = __atomic_fetch_add(&ledger->key_counter, 1, __ATOMIC_SEQ_CST);
        unsigned k = 0x5e000000u | ((unsigned)runner_pid & 0x3fffu) << 10 | (n & 0x3ffu);
        key_t key = (key_t)(int)k;
        if (hermetic || (shmget(key, 0, 0) < 0 && msgget(key, 0) < 0 && semget(key, 0, 0) < 0))
            return key;
    }
}

static int get_flags(key_t key, int mode)
{
    return key == IPC_PRIVATE ? mode : (mode | IPC_CREAT | IPC_EXCL);
}

int h_shm(key_t key, size_t size, int mode)
{
    int id = shmget(key, size, get_flags(key, mode));
    if (id < 0)
        h_fail(__FILE__, __LINE__, "shmget: %s", strerror(errno));
    return h_track(SYSV_SHM, id);
}

int h_msg(key_t key, int mode)
{
    int id = msgget(key, get_flags(key, mode));
    if (id < 0)
        h_fail(__FILE__, __LINE__, "msgget: %s", strerror(errno));
    return h_track(SYSV_MSG, id);
}

int h_sem(key_t key, int nsems, int mode)
{
    int id = semget(key, nsems, get_flags(key, mode));
    if (id < 0)
        h_fail(__FILE__, __LINE__, "semget: %s", strerror(errno));
    return h_track(SYSV_SEM, id);
}

int h_hermetic(void)
{
    return hermetic;
}

/* ---- The runner ------------------------------------------------------------- */

/* Removes what a finished test left in the kernel; returns how many. */
static int sweep(const char *name)
{
    int left = 0;
    if (hermetic) {
        /* The namespace started empty: everything in it is the test's. */
        h_obj objs[1024];
        int n = h_scan(objs, 1024);
        if (n < 0) {
            fprintf(stderr, "%s: cannot read /proc/sysvipc: %s\n", name, sysv_errname(n));
            return 1;
        }
        for (int i = 0; i < n && i < 1024; i++) {
            fprintf(stderr, "%s: left %s id %d (key 0x%08x) in the kernel: removed\n", name,
                    sysv_kind_name(objs[i].kind), objs[i].id, (unsigned)objs[i].key);
            h_rmid(objs[i].kind, objs[i].id);
        }
        left = n;
    } else {
        int n = ledger->n < MAX_TRACKED ? ledger->n : MAX_TRACKED;
        for (int i = 0; i < n; i++) {
            if (h_exists(ledger->obj[i].kind, ledger->obj[i].id)) {
                fprintf(stderr, "%s: left %s id %d in the kernel: removed\n", name,
                        sysv_kind_name(ledger->obj[i].kind), ledger->obj[i].id);
                h_rmid(ledger->obj[i].kind, ledger->obj[i].id);
                left++;
            }
        }
    }
    ledger->n = 0;
    return left;
}

enum outcome { PASSED, FAILED, SKIPPED };

static enum outcome run_one(int i, int timeout_s)
{
    const char *name = tests[i].name;
    long long t0 = h_now_ms();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "%s: fork: %s\n", name, strerror(errno));
        return FAILED;
    }
    if (pid == 0) {
        setpgid(0, 0);
        tests[i].fn();
        end_process(0);
    }
    setpgid(pid, pid); /* also here, so the group exists before we kill it */

    int status = 0, code;
    int rc = h_wait_deadline(pid, timeout_s * 1000, &status);
    if (rc == -ETIMEDOUT) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        fprintf(stderr, "%s: still running after %d s: killed\n", name, timeout_s);
        code = 1;
    } else {
        code = rc < 0 ? 1 : h_decode_status(status);
    }
    int strays = h_reap_group(pid); /* we are a child subreaper */
    int left = sweep(name);
    double ms = (double)(h_now_ms() - t0);

    enum outcome out = code == 0 ? PASSED : code == SKIP_STATUS ? SKIPPED : FAILED;
    if (code > 128)
        fprintf(stderr, "%s: killed by signal %d\n", name, code - 128);
    if (strays > 0) {
        fprintf(stderr, "%s: left %d process(es) running: killed\n", name, strays);
        out = FAILED;
    }
    if (left > 0 && out != FAILED) {
        fprintf(stderr, "%s: leaked %d IPC object(s)\n", name, left);
        out = FAILED;
    }
    printf("%-4s %s (%.0f ms)\n",
           out == PASSED    ? "ok"
           : out == SKIPPED ? "skip"
                            : "FAIL",
           name, ms);
    return out;
}

int main(int argc, char **argv)
{
    ledger = mmap(NULL, sizeof(*ledger), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (ledger == MAP_FAILED) {
        perror("harness: mmap");
        return 1;
    }
    runner_pid = getpid();
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (int i = 0; i < ntests; i++)
            printf("%s\n", tests[i].name);
        return 0;
    }
    int timeout_s = 60;
    const char *t = getenv("SYSV_TEST_TIMEOUT");
    if (t != NULL && atoi(t) > 0)
        timeout_s = atoi(t);

    char why[128];
    int ns = h_private_ipc_namespace(why, sizeof(why));
    if (ns < 0) {
        fprintf(stderr, "%s: setting up a user namespace failed half-way: %s\n", argv[0], why);
        return 1;
    }
    hermetic = ns > 0;
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    if (ns > 0)
        printf("# %s: private IPC namespace%s: every object left behind is counted\n", argv[0],
               ns == 1 ? " (through a user namespace)" : "");
    else
        printf("# %s: shared IPC namespace (%s): tracked objects are checked for leaks\n", argv[0],
               why);

    for (int a = 1; a < argc; a++) {
        int known = 0;
        for (int i = 0; i < ntests && !known; i++)
            known = strcmp(argv[a], tests[i].name) == 0;
        if (!known) {
            fprintf(stderr, "%s: no test named %s (--list shows them)\n", argv[0], argv[a]);
            return 1;
        }
    }

    int passed = 0, failed = 0, skipped = 0;
    for (int i = 0; i < ntests; i++) {
        /* selftest_* cases check the harness by failing on purpose: they
           run only when named. */
        int selected = argc == 1 && strncmp(tests[i].name, "selftest_", 9) != 0;
        for (int a = 1; a < argc && !selected; a++)
            selected = strcmp(argv[a], tests[i].name) == 0;
        if (!selected)
            continue;
        switch (run_one(i, timeout_s)) {
        case PASSED:
            passed++;
            break;
        case FAILED:
            failed++;
            break;
        case SKIPPED:
            skipped++;
            break;
        }
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    if (failed > 0)
        return 1;
    return passed == 0 ? SKIP_STATUS : 0;
}
