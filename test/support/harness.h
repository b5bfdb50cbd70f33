/*
 * The libsysv test harness.
 *
 * A test program is a set of TEST() functions; the harness supplies main().
 * `test_x` runs them all, `test_x NAME...` runs some, `test_x --list` lists
 * them (CMake registers one ctest per TEST, read from the source).
 *
 * Every test runs in a forked child, in its own process group, with a
 * deadline (SYSV_TEST_TIMEOUT seconds, default 60): a hung test is killed
 * and fails, and so do processes it leaves running. A failed CHECK ends the
 * process it runs in with status 1 (in a test's own child too: the test
 * sees that through h_wait).
 *
 * Leak check: the program first moves into a private IPC namespace (as
 * root directly, otherwise through a user namespace), which starts empty,
 * so after each test every object in it is one the test left: all are
 * counted, removed and reported as a failure. Where no namespace can be
 * had, objects recorded with h_track() (and by the h_shm/h_msg/h_sem
 * helpers) are checked instead, and the suite-level check (ctest's
 * leakcheck fixture) reports the rest.
 */
#ifndef SYSV_TEST_HARNESS_H
#define SYSV_TEST_HARNESS_H

#include <stddef.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <sysv/ipc.h>

typedef void (*h_test_fn)(void);
void h_register(const char *name, h_test_fn fn);

/* TEST(name) { ... }: a test that runs in one process (ctest label "unit").
   TEST_MULTIPROC(name) { ... }: one that forks (label "multiproc"). */
#define TEST(name)                                                                                 \
    static void name(void);                                                                        \
    __attribute__((constructor)) static void h_register_##name(void)                               \
    {                                                                                              \
        h_register(#name, name);                                                                   \
    }                                                                                              \
    static void name(void)
#define TEST_MULTIPROC(name) TEST(name)

/* ---- Checks: on failure, print and end this process with status 1 ------ */

__attribute__((noreturn, format(printf, 3, 4))) void h_fail(const char *file, int line,
                                                            const char *fmt, ...);
__attribute__((noreturn)) void h_fail_eq(const char *file, int line, const char *a, const char *b,
                                         long long va, long long vb);
__attribute__((noreturn)) void h_fail_str(const char *file, int line, const char *a, const char *b,
                                          const char *va, const char *vb);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            h_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond);                                 \
    } while (0)

/* Compares as long long; a negative value is also shown as its errno name. */
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long h_a_ = (long long)(a), h_b_ = (long long)(b);                                    \
        if (h_a_ != h_b_)                                                                          \
            h_fail_eq(__FILE__, __LINE__, #a, #b, h_a_, h_b_);                                     \
    } while (0)

/* expr returned exactly 0. */
#define CHECK_OK(expr) CHECK_EQ(expr, 0)
/* expr returned a negative errno: CHECK_ERR(sysv_remove(...), EINVAL). */
#define CHECK_ERR(expr, err) CHECK_EQ(expr, -(err))
/* expr returned a non-negative result (an id, a length); yields it. */
#define CHECK_NONNEG(expr) h_check_nonneg((long long)(expr), #expr, __FILE__, __LINE__)
long long h_check_nonneg(long long v, const char *expr, const char *file, int line);

#define CHECK_STR_EQ(a, b)                                                                         \
    do {                                                                                           \
        const char *h_a_ = (a), *h_b_ = (b);                                                       \
        if (h_a_ == NULL || h_b_ == NULL || strcmp(h_a_, h_b_) != 0)                               \
            h_fail_str(__FILE__, __LINE__, #a, #b, h_a_, h_b_);                                    \
    } while (0)

/* Ends this test as skipped (exit 77, ctest's SKIP_RETURN_CODE), printing
   why on its own line. Only for a reason outside the code under test. */
__attribute__((noreturn, format(printf, 1, 2))) void h_skip(const char *fmt, ...);

/* ---- Processes --------------------------------------------------------- */

/* Forks a child that runs fn(arg) and exits 0 (1 if a CHECK failed in it). */
pid_t h_fork(void (*fn)(void *arg), void *arg);

/* Waits for a child for at most timeout_ms. Returns its exit status, or
   128 + the signal that killed it. Past the deadline the child is killed
   with SIGKILL and the test fails. */
int h_wait(pid_t pid, int timeout_ms);

/* As h_wait, but past the deadline returns -ETIMEDOUT with the child still
   running (for tests that expect a child to stay blocked). */
int h_wait_for(pid_t pid, int timeout_ms);

/* A one-way signal between processes: a pipe. Make it before fork; one side
   calls h_gate_open, the other h_gate_pass, which returns once the gate was
   opened (one byte per opening) and fails the test after timeout_ms. Use it
   to order events instead of sleeping. */
typedef struct h_gate {
    int fd[2];
} h_gate;
void h_gate_init(h_gate *g);
void h_gate_open(h_gate *g);
void h_gate_pass(h_gate *g, int timeout_ms);

/* Waits until process pid sleeps inside system call nr (SYS_msgrcv,
   SYS_semop, ...), read from /proc/PID/syscall: the way to know that a
   child has really blocked before signalling it or removing what it waits
   on. Fails the test after timeout_ms. */
void h_wait_syscall(pid_t pid, long nr, int timeout_ms);

/* The system call pid sleeps in now, from /proc/PID/syscall; -1 while it
   runs or when it cannot be read. For tests that accept one of several. */
long h_syscall_of(pid_t pid);

/* Microseconds and milliseconds of CLOCK_MONOTONIC since *since. */
long long h_elapsed_us(const struct timespec *since);
long long h_elapsed_ms(const struct timespec *since);

/* Skips the test unless it runs as root (needed to become another user). */
void h_need_root(void);

/* In a child: make the kernel's permission checks apply. As root, become
   the user "nobody" (uid and gid 65534); otherwise the process is already
   unprivileged and nothing changes. Tests that need a second user call
   h_need_root() first. */
void h_drop_privileges(void);
#define H_NOBODY ((uid_t)65534)

/* ---- IPC objects ------------------------------------------------------- */

/* Records an object this test made, so that a leak is found and removed
   even without a private namespace. Returns id. */
int h_track(sysv_kind kind, int id);

/* A key unique to this run of this program (and never IPC_PRIVATE). */
key_t h_key(void);

/* Makes and records an object with raw system calls (IPC_CREAT | IPC_EXCL
   unless key is IPC_PRIVATE), the way the textbook does; fails the test if
   the kernel says no. Return the id. */
int h_shm(key_t key, size_t size, int mode);
int h_msg(key_t key, int mode);
int h_sem(key_t key, int nsems, int mode);

/* Whether the program runs in its own IPC namespace (root). */
int h_hermetic(void);

#endif /* SYSV_TEST_HARNESS_H */
