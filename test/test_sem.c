/* Semaphore sets (src/sem/sem.c): race-free creation, atomic operations,
   SEM_UNDO, waiting, signals and removal, on real sets and real
   processes. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sem.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "harness.h"
#include "ipcscan.h"
#include "process.h"
#include "sem/sem_private.h"
#include "sem/semun.h"

#define CHILD_MS 30000

/* A blocked untimed wait sleeps in semop(2), which glibc makes with the
   semtimedop system call on x86_64 (glibc 2.36 here: /proc/PID/syscall
   shows 220) and with semop on other ABIs; a timed wait is always
   semtimedop. sysv_sem_open, waiting for a creator, naps in nanosleep(3):
   clock_nanosleep in current glibc, nanosleep in older ones. */
#ifdef SYS_semop
#define NR_SEMOP SYS_semop
#else
#define NR_SEMOP SYS_semtimedop
#endif
#ifdef SYS_nanosleep
#define NR_NANOSLEEP SYS_nanosleep
#else
#define NR_NANOSLEEP SYS_clock_nanosleep
#endif

static void make(sysv_semset *s, int nsems, const unsigned short *init)
{
    CHECK_OK(sysv_sem_open(s, SYSV_KEY_PRIVATE, nsems, init, SYSV_CREATE, 0600));
    h_track(SYSV_SEM, s->id);
    CHECK_EQ(s->nsems, nsems);
}

static void drop(sysv_semset *s)
{
    CHECK_OK(sysv_sem_remove(s));
    CHECK_EQ(s->id, -1);
}

/* EXPECT_VALUES(&s, 1, 0, 7): the set holds exactly these values. */
#define EXPECT_VALUES(s, ...)                                                                      \
    expect_values(__FILE__, __LINE__, (s), (const unsigned short[]){__VA_ARGS__},                  \
                  sizeof((const unsigned short[]){__VA_ARGS__}) / sizeof(unsigned short))

static void expect_values(const char *file, int line, const sysv_semset *s,
                          const unsigned short *want, size_t n)
{
    unsigned short got[16];
    if (n > 16 || (size_t)s->nsems != n)
        h_fail(file, line, "the set holds %d semaphores, %zu values expected", s->nsems, n);
    int rc = sysv_sem_get_all(s, got);
    if (rc < 0)
        h_fail(file, line, "sysv_sem_get_all: %s", sysv_errname(rc));
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i])
            h_fail(file, line, "semaphore %zu is %u, expected %u", i, got[i], want[i]);
}

static int ncnt(const sysv_semset *s, int index)
{
    int n = -1;
    CHECK_OK(sysv_sem_waiters(s, index, &n, NULL));
    return n;
}

static int zcnt(const sysv_semset *s, int index)
{
    int z = -1;
    CHECK_OK(sysv_sem_waiters(s, index, NULL, &z));
    return z;
}

static sysv_sem_status status_of(int id)
{
    sysv_sem_status st;
    CHECK_OK(sysv_sem_stat(id, &st));
    return st;
}

static void raw_remove(int id)
{
    CHECK_OK(semctl(id, 0, IPC_RMID));
}

/* Whether pid has ended (a zombie not yet reaped). */
static int ended(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *paren = strrchr(buf, ')');
    return paren == NULL || paren[1] == '\0' || paren[2] == 'Z' || paren[2] == 'X';
}

/* h_wait_syscall for a call that shows as either of two numbers; fails at
   once if the process ends instead. */
static void wait_in_either(pid_t pid, long a, long b)
{
    long long deadline = h_now_ms() + CHILD_MS;
    for (;;) {
        long nr = h_syscall_of(pid);
        if (nr == a || nr == b)
            return;
        if (ended(pid))
            h_fail(__FILE__, __LINE__, "process %ld ended instead of blocking in system call %ld",
                   (long)pid, a);
        if (h_now_ms() > deadline)
            h_fail(__FILE__, __LINE__, "process %ld not blocked in system call %ld or %ld (in %ld)",
                   (long)pid, a, b, nr);
        /* Polls a condition with a deadline; orders nothing by time. */
        poll(NULL, 0, 1);
    }
}

/* Returns once pid is blocked in the kernel in a wait without a timeout. */
static void wait_blocked(pid_t pid)
{
    wait_in_either(pid, NR_SEMOP, SYS_semtimedop);
}

/* ... in a wait with a timeout (given to the kernel: semtimedop). */
static void wait_blocked_timed(pid_t pid)
{
    h_wait_syscall(pid, SYS_semtimedop, CHILD_MS);
}

/* ... in either, as timeout says. */
static void wait_blocked_as(pid_t pid, const struct timespec *timeout)
{
    if (timeout == NULL)
        wait_blocked(pid);
    else
        wait_blocked_timed(pid);
}

/* ---- creating and opening ---------------------------------------------- */

/* A new set has the values asked for, the mode asked for and a sem_otime
   already set; opening by key finds it at its real size. */
TEST(sem_open_creates_with_the_initial_values_and_opens_by_key)
{
    key_t key = h_key();
    const unsigned short init[3] = {1, 0, 32767};
    sysv_semset s = {.id = 99};
    CHECK_OK(sysv_sem_open(&s, key, 3, init, SYSV_CREATE | SYSV_EXCL, 0640));
    h_track(SYSV_SEM, s.id);
    CHECK_EQ(s.key, key);
    CHECK_EQ(s.nsems, 3);
    EXPECT_VALUES(&s, 1, 0, 32767);
    sysv_sem_status st = status_of(s.id);
    CHECK_EQ(st.perm.mode, 0640); /* the execute bits of the making are gone */
    CHECK_EQ(st.perm.key, key);
    CHECK_EQ(st.nsems, 3);
    CHECK(st.otime != 0); /* the creator's semop that changes nothing */

    sysv_semset again = {.id = 99};
    CHECK_ERR(sysv_sem_open(&again, key, 3, init, SYSV_CREATE | SYSV_EXCL, 0640), EEXIST);
    CHECK_EQ(again.id, -1);
    CHECK_OK(sysv_sem_open(&again, key, 1, NULL, 0, 0)); /* a least size */
    CHECK_EQ(again.id, s.id);
    CHECK_EQ(again.nsems, 3);
    CHECK_OK(sysv_sem_open(&again, key, 0, NULL, 0, 0)); /* any size */
    CHECK_EQ(again.nsems, 3);
    CHECK_ERR(sysv_sem_open(&again, key, 4, NULL, 0, 0), EINVAL); /* larger than the set */
    CHECK_EQ(again.id, -1);
    /* SYSV_CREATE on a set that exists opens it; init is not applied. */
    const unsigned short other[3] = {9, 9, 9};
    CHECK_OK(sysv_sem_open(&again, key, 3, other, SYSV_CREATE, 0640));
    CHECK_EQ(again.id, s.id);
    EXPECT_VALUES(&s, 1, 0, 32767);
    drop(&s);
    CHECK_ERR(sysv_sem_open(&again, key, 0, NULL, 0, 0), ENOENT);
    CHECK_EQ(again.id, -1);
}

/* NULL init: all zero; mode 0: SYSV_MODE_DEFAULT. */
TEST(sem_open_without_values_starts_at_zero_with_the_default_mode)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    CHECK_OK(sysv_sem_open(&s, SYSV_KEY_PRIVATE, 4, NULL, SYSV_CREATE, 0));
    h_track(SYSV_SEM, s.id);
    EXPECT_VALUES(&s, 0, 0, 0, 0);
    sysv_sem_status st = status_of(s.id);
    CHECK_EQ(st.perm.mode, SYSV_MODE_DEFAULT);
    CHECK_EQ(st.nsems, 4);
    CHECK(st.otime != 0);
    drop(&s);
}

/* The creator's no-op semop goes down then up when the first value is
   already semvmx: the values stay exactly as asked. */
TEST(sem_open_initialises_a_first_value_of_semvmx)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    make(&s, 2, (const unsigned short[]){32767, 32767});
    EXPECT_VALUES(&s, 32767, 32767);
    CHECK(status_of(s.id).otime != 0);
    drop(&s);
}

/* SYSV_KEY_PRIVATE makes a new set each time, SYSV_CREATE or not. */
TEST(sem_open_with_the_private_key_always_makes_a_new_set)
{
    sysv_semset a = SYSV_SEMSET_INIT, b = SYSV_SEMSET_INIT;
    CHECK_OK(sysv_sem_open(&a, SYSV_KEY_PRIVATE, 1, (const unsigned short[]){4}, 0, 0));
    h_track(SYSV_SEM, a.id);
    CHECK_OK(sysv_sem_open(&b, SYSV_KEY_PRIVATE, 1, (const unsigned short[]){5}, 0, 0));
    h_track(SYSV_SEM, b.id);
    CHECK(a.id != b.id);
    EXPECT_VALUES(&a, 4);
    EXPECT_VALUES(&b, 5);
    drop(&a);
    drop(&b);
}

/* ---- the initialisation race ------------------------------------------- */

#define RACERS 14
#define RACE_ROUNDS 32

/* A racer's exit status: what it saw. */
enum { RACE_OPENED = 0, RACE_CREATED = 2, RACE_WRONG = 3 };

struct race {
    key_t key;
    h_gate ready, go;
};

static const unsigned short race_init[3] = {5, 7, 9};

static void racer(void *arg)
{
    struct race *r = arg;
    h_gate_open(&r->ready);
    h_gate_pass(&r->go, CHILD_MS);
    sysv_semset s = SYSV_SEMSET_INIT;
    int created = -1;
    CHECK_OK(sysv__sem_open(&s, r->key, 3, race_init, SYSV_CREATE, 0600, &created));
    /* Before anything else: an opener must never see the values unset. */
    unsigned short got[3] = {0, 0, 0};
    CHECK_OK(sysv_sem_get_all(&s, got));
    if (created)
        h_track(SYSV_SEM, s.id);
    int right = memcmp(got, race_init, sizeof(got)) == 0;
    /* _exit: these hundreds of processes allocate nothing, and LeakSanitizer's
       check at exit would cost ~25 ms each. */
    _exit(!right ? RACE_WRONG : created ? RACE_CREATED : RACE_OPENED);
}

/* Processes released at once on a fresh key: exactly one creates the set,
   and none of the others ever reads values that are not yet in place. On
   two cores an opener lands inside the creator's few system calls only by
   chance (a few per run); a test below holds that window open (ptrace). */
TEST_MULTIPROC(sem_open_race_has_one_creator_and_no_reader_sees_unset_values)
{
    int creators = 0, wrong = 0, failed = 0, bad_rounds = 0;
    for (int round = 0; round < RACE_ROUNDS; round++) {
        struct race r;
        r.key = h_key();
        h_gate_init(&r.ready);
        h_gate_init(&r.go);
        pid_t pid[RACERS];
        for (int i = 0; i < RACERS; i++)
            pid[i] = h_fork(racer, &r);
        for (int i = 0; i < RACERS; i++)
            h_gate_pass(&r.ready, CHILD_MS);
        /* One write opens the gate for every racer at once (RACERS calls
           of h_gate_open would let them through one by one). */
        char all[RACERS];
        memset(all, 'g', sizeof(all));
        CHECK_EQ(write(r.go.fd[1], all, sizeof(all)), RACERS);
        int round_creators = 0;
        for (int i = 0; i < RACERS; i++) {
            int st = h_wait(pid[i], CHILD_MS);
            round_creators += st == RACE_CREATED;
            wrong += st == RACE_WRONG;
            failed += st != RACE_CREATED && st != RACE_WRONG && st != RACE_OPENED;
        }
        creators += round_creators;
        bad_rounds += round_creators != 1;

        sysv_semset s = SYSV_SEMSET_INIT;
        CHECK_OK(sysv_sem_open(&s, r.key, 3, NULL, 0, 0));
        EXPECT_VALUES(&s, 5, 7, 9);
        drop(&s);
        for (int i = 0; i < 2; i++) {
            close(r.ready.fd[i]);
            close(r.go.fd[i]);
        }
    }
    printf("%d rounds of %d processes: %d creators, %d wrong reads, %d failed opens\n", RACE_ROUNDS,
           RACERS, creators, wrong, failed);
    CHECK_EQ(failed, 0);
    CHECK_EQ(wrong, 0);
    CHECK_EQ(bad_rounds, 0);
    CHECK_EQ(creators, RACE_ROUNDS);
}

/* ---- sets made by other tools, and sets being made ----------------------- */

static void run_ipcmk(void *arg)
{
    int *fd = arg;
    if (dup2(fd[1], STDOUT_FILENO) < 0)
        _exit(126);
    close(fd[0]);
    close(fd[1]);
    execlp("ipcmk", "ipcmk", "-S", "2", (char *)NULL);
    _exit(127);
}

/* ipcmk never runs a semop (sem_otime stays 0) and gives mode 0644: the
   set opens at once, at its real size. */
TEST_MULTIPROC(sem_open_takes_a_set_made_by_ipcmk_at_once)
{
    int fd[2];
    CHECK_OK(pipe(fd));
    pid_t pid = h_fork(run_ipcmk, fd);
    close(fd[1]);
    int st = h_wait(pid, CHILD_MS);
    if (st == 127)
        h_skip("ipcmk (util-linux) cannot be run here");
    CHECK_EQ(st, 0);
    char out[256];
    ssize_t n = read(fd[0], out, sizeof(out) - 1);
    close(fd[0]);
    CHECK(n > 0);
    out[n] = '\0';
    int id = -1;
    if (sscanf(out, "Semaphore id: %d", &id) != 1)
        h_fail(__FILE__, __LINE__, "unexpected ipcmk output: %s", out);
    h_track(SYSV_SEM, id);
    sysv_sem_status made = status_of(id);
    CHECK_EQ(made.otime, 0);
    CHECK_EQ(made.perm.mode, 0644);
    CHECK_EQ(made.nsems, 2);
    CHECK(made.perm.key != SYSV_KEY_PRIVATE);

    sysv_semset s = SYSV_SEMSET_INIT;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_OK(sysv_sem_open(&s, made.perm.key, 0, NULL, 0, 0));
    long long ms = h_elapsed_ms(&t0);
    printf("opened ipcmk's set in %lld ms\n", ms);
    CHECK(ms < 300);
    CHECK_EQ(s.id, id);
    CHECK_EQ(s.nsems, 2);
    EXPECT_VALUES(&s, 0, 0);
    CHECK_EQ(status_of(id).otime, 0); /* opening ran no semop */
    drop(&s);
}

/* A raw semget + SETVAL (no semop ever) opens at once with SYSV_CREATE,
   and keeps its value: an existing set is never initialised again. */
TEST(sem_open_takes_a_raw_set_at_once_and_keeps_its_value)
{
    key_t key = h_key();
    int id = h_sem(key, 1, 0600);
    union sysv__semun arg = {.val = 4};
    CHECK_OK(semctl(id, 0, SETVAL, arg));
    CHECK_EQ(status_of(id).otime, 0);

    sysv_semset s = SYSV_SEMSET_INIT;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_OK(sysv_sem_open(&s, key, 1, NULL, SYSV_CREATE, 0600));
    CHECK_EQ(s.id, id);
    CHECK_OK(sysv_sem_open(&s, key, 1, (const unsigned short[]){1}, SYSV_CREATE, 0600));
    long long ms = h_elapsed_ms(&t0);
    CHECK(ms < 300);
    CHECK_EQ(s.id, id);
    CHECK_EQ(s.nsems, 1);
    EXPECT_VALUES(&s, 4);
    CHECK_EQ(semctl(id, 0, GETVAL), 4);
    CHECK_EQ(status_of(id).otime, 0);
    drop(&s);
}

/* Waits until the wall clock reads `at`. The opener judges a set's age by
   whole seconds of sem_ctime, so a test of that judgement must know where
   in a second the set was made: this waits for the clock, not for another
   process. */
static void sleep_until(time_t sec, long nsec)
{
    struct timespec at = {sec, nsec};
    while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &at, NULL) == EINTR)
        ;
}

/* A set left as a libsysv creator leaves it between semget and its first
   semop (all execute bits, sem_otime 0), by a creator that died there.
   While it is fresh, an opener waits SYSV_SEM_INIT_WAIT_MS, not less and
   not much more, then gives -ETIMEDOUT, having changed nothing; once it
   has not changed for over a second, it opens at once. */
TEST(sem_open_times_out_on_a_fresh_unfinished_set_and_takes_it_once_stale)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_nsec > 500000000L)               /* 20 ms past the edge: the kernel's */
        sleep_until(now.tv_sec + 1, 20000000L); /* seconds lag by a tick */
    key_t key = h_key();
    int id = h_sem(key, 1, 0711);
    union sysv__semun arg = {.val = 6};
    CHECK_OK(semctl(id, 0, SETVAL, arg));
    sysv_sem_status made = status_of(id);

    /* Made in the first half of its second: for the next 1.5 s at least
       it is "moments old" to the opener. */
    sysv_semset s = {.id = 5};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_ERR(sysv_sem_open(&s, key, 1, NULL, SYSV_CREATE, 0600), ETIMEDOUT);
    long long us = h_elapsed_us(&t0);
    printf("gave up after %lld ms (bound %d ms)\n", us / 1000, SYSV_SEM_INIT_WAIT_MS);
    CHECK_EQ(s.id, -1);
    CHECK(us >= SYSV_SEM_INIT_WAIT_MS * 1000LL);
    CHECK(us < (SYSV_SEM_INIT_WAIT_MS + 500) * 1000LL);
    sysv_sem_status st = status_of(id);
    CHECK_EQ(st.perm.mode, 0711);
    CHECK_EQ(st.otime, 0);
    CHECK_EQ(st.ctime, made.ctime);

    /* Two of the kernel's whole seconds after the last change. */
    sleep_until(made.ctime + 2, 50000000L);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_OK(sysv_sem_open(&s, key, 1, NULL, 0, 0));
    CHECK(h_elapsed_ms(&t0) < 300);
    CHECK_EQ(s.id, id);
    EXPECT_VALUES(&s, 6);
    drop(&s);
}

/* Steps 2 to 4 of the creator's protocol (sem.c), by hand, on a set made
   raw with mode 0711: SETALL, a semop that changes nothing, IPC_SET. */
static void finish_as_creator(int id, unsigned short *values, int mode)
{
    union sysv__semun arg = {.array = values};
    CHECK_OK(semctl(id, 0, SETALL, arg));
    struct sembuf touch[2] = {{0, 1, IPC_NOWAIT}, {0, -1, IPC_NOWAIT}};
    CHECK_OK(semop(id, touch, 2));
    struct semid_ds ds;
    arg.buf = &ds;
    CHECK_OK(semctl(id, 0, IPC_STAT, arg));
    ds.sem_perm.mode = (unsigned short)mode;
    CHECK_OK(semctl(id, 0, IPC_SET, arg));
}

static void patient_opener(void *arg)
{
    const key_t *key = arg;
    sysv_semset s = SYSV_SEMSET_INIT;
    CHECK_OK(sysv_sem_open(&s, *key, 2, NULL, 0, 0));
    CHECK_EQ(s.nsems, 2);
    EXPECT_VALUES(&s, 3, 8);
}

/* An opener that finds a set being initialised waits for its creator, and
   sees the values the creator put in. The parent plays the creator's part
   by hand: SETALL, a semop that changes nothing, IPC_SET of the mode. */
TEST_MULTIPROC(sem_open_waits_for_a_creator_and_sees_its_values)
{
    key_t key = h_key();
    int id = h_sem(key, 2, 0711); /* as a libsysv creator's semget makes it */
    pid_t pid = h_fork(patient_opener, &key);
    wait_in_either(pid, NR_NANOSLEEP, SYS_clock_nanosleep); /* in its wait loop */

    finish_as_creator(id, (unsigned short[]){3, 8}, 0600);

    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    raw_remove(id);
}

/* Sets that other tools made with execute bits, fresh and never touched by
   a semop, open at once: only mode 0711 exactly is the creator's mark. */
TEST(sem_open_takes_fresh_foreign_sets_whatever_their_mode)
{
    static const int modes[] = {0777, 0755, 0751, 0700, 0600};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        key_t key = h_key();
        int id = h_sem(key, 1, modes[i]);
        sysv_semset s = SYSV_SEMSET_INIT;
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        CHECK_OK(sysv_sem_open(&s, key, 1, NULL, 0, 0));
        CHECK(h_elapsed_ms(&t0) < 200);
        CHECK_EQ(s.id, id);
        CHECK_EQ(status_of(id).otime, 0);
        drop(&s);
    }
}

static void other_users_opener(void *arg)
{
    const key_t *key = arg;
    h_drop_privileges();
    sysv_semset s = SYSV_SEMSET_INIT;
    CHECK_OK(sysv_sem_open(&s, *key, 1, NULL, 0, 0));
    EXPECT_VALUES(&s, 4);
}

/* While a creator works the set's mode shuts out other users, whose semget
   says EACCES. Such an opener waits for the creator like any other, then
   opens with the mode the creator put. */
TEST_MULTIPROC(another_user_waits_for_a_creator_and_then_opens)
{
    h_need_root();
    key_t key = h_key();
    int id = h_sem(key, 1, 0711);
    pid_t pid = h_fork(other_users_opener, &key);
    wait_in_either(pid, NR_NANOSLEEP, SYS_clock_nanosleep);

    finish_as_creator(id, (unsigned short[]){4}, 0666);

    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    raw_remove(id);
}

#if defined(__x86_64__)
#define HELD_OPENERS 3

static void traced_creator(void *arg)
{
    const key_t *key = arg;
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
        _exit(77);
    raise(SIGSTOP); /* the parent takes over here */
    sysv_semset s = SYSV_SEMSET_INIT;
    int created = -1;
    CHECK_OK(sysv__sem_open(&s, *key, 3, race_init, SYSV_CREATE, 0600, &created));
    h_track(SYSV_SEM, s.id);
    CHECK_EQ(created, 1);
    EXPECT_VALUES(&s, 5, 7, 9);
}

static void held_opener(void *arg)
{
    const key_t *key = arg;
    sysv_semset s = SYSV_SEMSET_INIT;
    int created = -1;
    CHECK_OK(sysv__sem_open(&s, *key, 3, race_init, SYSV_CREATE, 0600, &created));
    CHECK_EQ(created, 0);
    EXPECT_VALUES(&s, 5, 7, 9);
}

/* Runs the traced process pid until it enters semctl(..., cmd, ...). */
static void run_to_semctl(pid_t pid, int cmd)
{
    int sig = 0;
    for (;;) {
        CHECK_OK(ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig));
        int st;
        CHECK_EQ(waitpid(pid, &st, 0), pid);
        CHECK(WIFSTOPPED(st));
        sig = 0;
        if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
            sig = WSTOPSIG(st); /* a signal for it: deliver it */
            continue;
        }
        struct user_regs_struct regs;
        CHECK_OK(ptrace(PTRACE_GETREGS, pid, NULL, &regs));
        /* rax is -ENOSYS at a system call's entry, its result at the exit. */
        if (regs.orig_rax == SYS_semctl && (int)regs.rdx == cmd && (long)regs.rax == -ENOSYS)
            return;
    }
}
#endif

/* The real libsysv creator, held (by ptrace) between its semget and its
   SETALL, the heart of the initialisation race: processes that open the
   set then wait for it instead of reading its zeros, and see the
   creator's values once it goes on. The race test reaches this window
   only by chance; this holds it open. */
TEST_MULTIPROC(sem_open_waits_for_a_real_creator_held_before_its_setall)
{
#if !defined(__x86_64__)
    h_skip("reading system call arguments (ptrace) is written for x86_64 only");
#else
    key_t key = h_key();
    pid_t c = h_fork(traced_creator, &key);
    int st;
    CHECK_EQ(waitpid(c, &st, 0), c);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
        h_skip("ptrace is not permitted here");
    CHECK(WIFSTOPPED(st));
    CHECK_OK(ptrace(PTRACE_SETOPTIONS, c, NULL, (void *)(long)PTRACE_O_TRACESYSGOOD));
    run_to_semctl(c, SETALL);
    int id = h_track(SYSV_SEM, semget(key, 0, 0));
    CHECK(id >= 0);
    sysv_sem_status made = status_of(id);
    CHECK_EQ(made.otime, 0);
    CHECK_EQ(made.perm.mode, 0711); /* 0600 asked, plus the mark */
    CHECK_EQ(semctl(id, 0, GETVAL), 0);

    pid_t o[HELD_OPENERS];
    for (int i = 0; i < HELD_OPENERS; i++)
        o[i] = h_fork(held_opener, &key);
    for (int i = 0; i < HELD_OPENERS; i++)
        wait_in_either(o[i], NR_NANOSLEEP, SYS_clock_nanosleep);
    CHECK_OK(ptrace(PTRACE_DETACH, c, NULL, NULL));
    CHECK_EQ(h_wait(c, CHILD_MS), 0);
    for (int i = 0; i < HELD_OPENERS; i++)
        CHECK_EQ(h_wait(o[i], CHILD_MS), 0);
    CHECK_EQ(status_of(id).perm.mode, 0600);
    raw_remove(id);
#endif
}

/* ---- values, pids, status, removal ------------------------------------- */

/* Values round-trip through set/get and set_all/get_all, and nothing goes
   past semvmx: -ERANGE, with nothing changed. */
TEST(sem_values_round_trip_and_stay_within_semvmx)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    make(&s, 3, NULL);
    CHECK_OK(sysv_sem_set(&s, 1, 42));
    CHECK_EQ(sysv_sem_get(&s, 1), 42);
    CHECK_OK(sysv_sem_set(&s, 2, 32767));
    CHECK_EQ(sysv_sem_get(&s, 2), 32767);
    CHECK_ERR(sysv_sem_set(&s, 0, 32768), ERANGE);
    CHECK_ERR(sysv_sem_set(&s, 0, INT_MAX), ERANGE);
    CHECK_ERR(sysv_sem_set(&s, 0, -1), EINVAL);
    CHECK_ERR(sysv_sem_set(&s, 0, INT_MIN), EINVAL);
    EXPECT_VALUES(&s, 0, 42, 32767);
    CHECK_ERR(sysv_sem_post(&s, 2, 0), ERANGE);
    CHECK_ERR(sysv_sem_post(&s, 2, SYSV_UNDO), ERANGE);
    EXPECT_VALUES(&s, 0, 42, 32767);

    CHECK_OK(sysv_sem_set_all(&s, (const unsigned short[]){7, 0, 32767}));
    EXPECT_VALUES(&s, 7, 0, 32767);
    CHECK_ERR(sysv_sem_set_all(&s, (const unsigned short[]){1, 32768, 2}), ERANGE);
    CHECK_ERR(sysv_sem_set_all(&s, (const unsigned short[]){1, 2, 65535}), ERANGE);
    EXPECT_VALUES(&s, 7, 0, 32767);

    /* wait and post act on the index they name, and only on it. */
    CHECK_OK(sysv_sem_wait(&s, 0, 0, NULL));
    CHECK_OK(sysv_sem_post(&s, 1, 0));
    EXPECT_VALUES(&s, 6, 1, 32767);
    drop(&s);
}

static void poster(void *arg)
{
    CHECK_OK(sysv_sem_post(arg, 1, 0));
}

/* GETPID: 0 until someone operates; the last semop, or SETVAL, names the
   process. */
TEST_MULTIPROC(sem_pid_names_the_last_process_to_operate)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    make(&s, 2, NULL);
    CHECK_EQ(sysv_sem_pid(&s, 0), getpid()); /* the creator's no-op semop */
    CHECK_EQ(sysv_sem_pid(&s, 1), 0);
    pid_t pid = h_fork(poster, &s);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    CHECK_EQ(sysv_sem_pid(&s, 1), pid);
    CHECK_EQ(sysv_sem_pid(&s, 0), getpid());
    EXPECT_VALUES(&s, 0, 1);
    CHECK_OK(sysv_sem_set(&s, 1, 5));
    CHECK_EQ(sysv_sem_pid(&s, 1), getpid());
    drop(&s);
}

/* IPC_STAT: size, mode, owner and creator; sem_otime 0 until a semop. */
TEST(sem_stat_reports_size_mode_owners_and_times)
{
    int id = h_sem(SYSV_KEY_PRIVATE, 2, 0640);
    sysv_sem_status st = status_of(id);
    CHECK_EQ(st.nsems, 2);
    CHECK_EQ(st.perm.mode, 0640);
    CHECK_EQ(st.perm.key, SYSV_KEY_PRIVATE);
    CHECK_EQ(st.perm.uid, geteuid());
    CHECK_EQ(st.perm.cuid, geteuid());
    CHECK_EQ(st.perm.gid, getegid());
    CHECK_EQ(st.perm.cgid, getegid());
    CHECK_EQ(st.otime, 0);
    CHECK(st.ctime != 0);

    sysv_semset s = SYSV_SEMSET_INIT;
    CHECK_OK(sysv_sem_open_id(&s, id));
    CHECK_OK(sysv_sem_post(&s, 1, 0));
    CHECK(status_of(id).otime >= st.ctime);

    CHECK_ERR(sysv_sem_stat(-1, &st), EINVAL);
    CHECK_ERR(sysv_sem_stat(id, NULL), EINVAL);
    drop(&s);
    CHECK_ERR(sysv_sem_stat(id, &st), EINVAL); /* gone */
}

/* Removal clears the handle, frees the key at once, and a second removal
   (or any call on a stale copy of the handle) is -EINVAL. */
TEST(sem_remove_clears_the_handle_and_frees_the_key)
{
    key_t key = h_key();
    sysv_semset s = SYSV_SEMSET_INIT;
    CHECK_OK(sysv_sem_open(&s, key, 2, NULL, SYSV_CREATE | SYSV_EXCL, 0));
    h_track(SYSV_SEM, s.id);
    sysv_semset stale = s;
    drop(&s);
    CHECK_ERR(sysv_sem_remove(&s), EINVAL);
    CHECK_ERR(sysv_sem_remove(&stale), EINVAL);
    CHECK_ERR(sysv_sem_get(&stale, 0), EINVAL);
    CHECK_ERR(sysv_sem_post(&stale, 0, 0), EINVAL);
    CHECK_ERR(sysv_lookup(SYSV_SEM, key), ENOENT);
    CHECK_OK(sysv_sem_open(&s, key, 1, NULL, SYSV_CREATE | SYSV_EXCL, 0));
    h_track(SYSV_SEM, s.id);
    CHECK(s.id != stale.id);
    drop(&s);
}

/* A handle made from an id alone: size and key come from the kernel. */
TEST(sem_open_id_fills_the_handle_from_the_kernel)
{
    key_t key = h_key();
    int id = h_sem(key, 3, 0600);
    sysv_semset s = {.id = 77};
    CHECK_OK(sysv_sem_open_id(&s, id));
    CHECK_EQ(s.id, id);
    CHECK_EQ(s.key, key);
    CHECK_EQ(s.nsems, 3);
    CHECK_OK(sysv_sem_post(&s, 2, 0));
    EXPECT_VALUES(&s, 0, 0, 1);
    drop(&s);
    CHECK_ERR(sysv_sem_open_id(&s, id), EINVAL); /* gone */
    CHECK_EQ(s.id, -1);
    s.id = 77;
    CHECK_ERR(sysv_sem_open_id(&s, -5), EINVAL);
    CHECK_EQ(s.id, -1);
    CHECK_ERR(sysv_sem_open_id(NULL, id), EINVAL);
}

/* ---- bad input ----------------------------------------------------------- */

/* A handle never opened, or none at all, is refused by every call. */
static void refused_by_every_call(sysv_semset *h)
{
    struct sembuf op = {0, 1, 0};
    unsigned short v[1] = {0};
    int n = 0, z = 0;
    CHECK_ERR(sysv_sem_op(h, &op, 1, 0, NULL), EINVAL);
    CHECK_ERR(sysv_sem_op(h, &op, 1, SYSV_NOWAIT, &(struct timespec){1, 0}), EINVAL);
    CHECK_ERR(sysv_sem_wait(h, 0, 0, NULL), EINVAL);
    CHECK_ERR(sysv_sem_wait(h, 0, SYSV_NOWAIT, NULL), EINVAL);
    CHECK_ERR(sysv_sem_post(h, 0, 0), EINVAL);
    CHECK_ERR(sysv_sem_wait_zero(h, 0, 0, NULL), EINVAL);
    CHECK_ERR(sysv_sem_get(h, 0), EINVAL);
    CHECK_ERR(sysv_sem_set(h, 0, 1), EINVAL);
    CHECK_ERR(sysv_sem_get_all(h, v), EINVAL);
    CHECK_ERR(sysv_sem_set_all(h, v), EINVAL);
    CHECK_ERR(sysv_sem_pid(h, 0), EINVAL);
    CHECK_ERR(sysv_sem_waiters(h, 0, &n, &z), EINVAL);
    CHECK_ERR(sysv_sem_remove(h), EINVAL);
}

TEST(sem_handles_never_opened_are_refused)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    refused_by_every_call(&s);
    refused_by_every_call(NULL);
    CHECK_EQ(s.id, -1);
}

/* A zeroed handle (id 0 is a real set), or any handle without semaphores,
   was never opened: no call on it reaches the kernel, not even with a live
   set under its id, which stays exactly as it was. */
TEST(sem_zeroed_handles_never_reach_the_kernel)
{
    sysv_semset live = SYSV_SEMSET_INIT;
    make(&live, 1, (const unsigned short[]){1});
    sysv_semset zeroed;
    memset(&zeroed, 0, sizeof(zeroed));
    refused_by_every_call(&zeroed);
    sysv_semset hollow = {live.id, live.key, 0};
    refused_by_every_call(&hollow);
    EXPECT_VALUES(&live, 1);
    CHECK_EQ(sysv_sem_pid(&live, 0), getpid());
    drop(&live);
}

/* sysv_sem_open's arguments are checked: -EINVAL, nothing made, and the
   handle's id is -1 after every failure. */
TEST(sem_open_rejects_bad_arguments)
{
    key_t key = h_key();
    sysv_limits lim;
    CHECK_OK(sysv_limits_get(&lim));
    sysv_semset s = {.id = 7};
    CHECK_ERR(sysv_sem_open(NULL, key, 1, NULL, SYSV_CREATE, 0), EINVAL);
    CHECK_ERR(sysv_sem_open(&s, key, 0, NULL, SYSV_CREATE, 0), EINVAL);
    CHECK_EQ(s.id, -1);
    s.id = 7;
    CHECK_ERR(sysv_sem_open(&s, SYSV_KEY_PRIVATE, 0, NULL, 0, 0),
              EINVAL); /* creates: needs a size */
    CHECK_EQ(s.id, -1);
    CHECK_ERR(sysv_sem_open(&s, key, -1, NULL, SYSV_CREATE, 0), EINVAL);
    CHECK_ERR(sysv_sem_open(&s, key, -1, NULL, 0, 0), EINVAL);
    CHECK_ERR(sysv_sem_open(&s, key, INT_MIN, NULL, SYSV_CREATE, 0), EINVAL);
    CHECK_ERR(sysv_sem_open(&s, key, (int)lim.semmsl + 1, NULL, SYSV_CREATE, 0), EINVAL);
    CHECK_ERR(sysv_sem_open(&s, key, 1, NULL, SYSV_CREATE, 01000), EINVAL);
    CHECK_ERR(sysv_sem_open(&s, key, 1, NULL, SYSV_CREATE, 04600), EINVAL);
    CHECK_ERR(sysv_sem_open(&s, key, 1, NULL, SYSV_CREATE | 0x40000000, 0), EINVAL);
    CHECK_ERR(sysv_sem_open(&s, key, 1, NULL, SYSV_CREATE | SYSV_NOWAIT, 0), EINVAL);
    CHECK_ERR(sysv_sem_open(&s, key, 1, NULL, SYSV_CREATE | SYSV_RESTART, 0), EINVAL);
    CHECK_ERR(sysv_sem_open(&s, key, 1, NULL, SYSV_CREATE | SYSV_UNDO, 0), EINVAL);
    CHECK_ERR(sysv_sem_open(&s, key, 1, NULL, SYSV_EXCL, 0), EINVAL); /* EXCL needs CREATE */
    CHECK_EQ(s.id, -1);
    CHECK_ERR(sysv_lookup(SYSV_SEM, key), ENOENT);
    CHECK_ERR(sysv_sem_open(&s, key, 1, NULL, 0, 0), ENOENT);
    CHECK_EQ(s.id, -1);
}

static int count_sets(void)
{
    h_obj objs[256];
    int n = h_scan(objs, 256);
    CHECK(n >= 0 && n <= 256);
    int sets = 0;
    for (int i = 0; i < n; i++)
        sets += objs[i].kind == SYSV_SEM;
    return sets;
}

/* An initial value above semvmx is -ERANGE before anything is made: no
   set is left under the key, nor anywhere else. */
TEST(sem_open_refuses_init_above_semvmx_and_leaves_nothing)
{
    key_t key = h_key();
    int before = count_sets();
    sysv_semset s = {.id = 3};
    CHECK_ERR(sysv_sem_open(&s, key, 3, (const unsigned short[]){1, 32768, 2}, SYSV_CREATE, 0600),
              ERANGE);
    CHECK_EQ(s.id, -1);
    CHECK_ERR(sysv_lookup(SYSV_SEM, key), ENOENT);
    errno = 0;
    CHECK_EQ(semget(key, 0, 0), -1);
    CHECK_EQ(errno, ENOENT);
    CHECK_ERR(sysv_sem_open(&s, SYSV_KEY_PRIVATE, 1, (const unsigned short[]){65535}, 0, 0),
              ERANGE);
    CHECK_EQ(s.id, -1);
    if (h_hermetic()) /* otherwise other programs may make sets meanwhile */
        CHECK_EQ(count_sets(), before);
}

/* Indexes outside the set, flags a call does not take and bad timeouts
   are -EINVAL, and change nothing. */
TEST(sem_calls_reject_bad_indexes_flags_and_timeouts)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    make(&s, 2, (const unsigned short[]){1, 1});
    int n, z;
    const int bad_index[] = {-1, 2, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof(bad_index) / sizeof(bad_index[0]); i++) {
        int x = bad_index[i];
        CHECK_ERR(sysv_sem_wait(&s, x, SYSV_NOWAIT, NULL), EINVAL);
        CHECK_ERR(sysv_sem_post(&s, x, 0), EINVAL);
        CHECK_ERR(sysv_sem_wait_zero(&s, x, SYSV_NOWAIT, NULL), EINVAL);
        CHECK_ERR(sysv_sem_get(&s, x), EINVAL);
        CHECK_ERR(sysv_sem_set(&s, x, 0), EINVAL);
        CHECK_ERR(sysv_sem_pid(&s, x), EINVAL);
        CHECK_ERR(sysv_sem_waiters(&s, x, &n, &z), EINVAL);
    }

    const int bad_flags[] = {0x40000000, SYSV_CREATE, SYSV_EXCL, SYSV_OWNED, 0x0100};
    struct sembuf op = {0, -1, 0};
    for (size_t i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
        int f = bad_flags[i];
        CHECK_ERR(sysv_sem_wait(&s, 0, f, NULL), EINVAL);
        CHECK_ERR(sysv_sem_post(&s, 0, f), EINVAL);
        CHECK_ERR(sysv_sem_wait_zero(&s, 0, f, NULL), EINVAL);
        CHECK_ERR(sysv_sem_op(&s, &op, 1, f, NULL), EINVAL);
    }
    /* A post never blocks: it takes neither SYSV_NOWAIT nor SYSV_RESTART. */
    CHECK_ERR(sysv_sem_post(&s, 0, SYSV_NOWAIT), EINVAL);
    CHECK_ERR(sysv_sem_post(&s, 0, SYSV_RESTART), EINVAL);

    const struct timespec bad_time[] = {
        {0, 1000000000L}, {0, -1}, {-1, 0}, {-1, 999999999L}, {0, LONG_MAX}};
    for (size_t i = 0; i < sizeof(bad_time) / sizeof(bad_time[0]); i++) {
        const struct timespec *t = &bad_time[i];
        CHECK_ERR(sysv_sem_wait(&s, 0, 0, t), EINVAL);
        CHECK_ERR(sysv_sem_wait(&s, 0, SYSV_NOWAIT, t), EINVAL);
        CHECK_ERR(sysv_sem_wait_zero(&s, 0, 0, t), EINVAL);
        CHECK_ERR(sysv_sem_op(&s, &op, 1, 0, t), EINVAL);
    }

    CHECK_ERR(sysv_sem_waiters(&s, 0, NULL, NULL), EINVAL);
    CHECK_ERR(sysv_sem_get_all(&s, NULL), EINVAL);
    CHECK_ERR(sysv_sem_set_all(&s, NULL), EINVAL);
    /* GETALL and SETALL move as many values as the set holds: a handle
       whose size disagrees with the kernel's is refused, so that the
       caller's array is never overrun. */
    unsigned short one[1] = {0};
    sysv_semset narrow = s;
    narrow.nsems = 1;
    CHECK_ERR(sysv_sem_get_all(&narrow, one), EINVAL);
    CHECK_ERR(sysv_sem_set_all(&narrow, one), EINVAL);
    EXPECT_VALUES(&s, 1, 1);
    drop(&s);
}

/* Bad operation lists are -EINVAL and nothing of them is done, not even
   the good operations before the bad one. */
TEST(sem_op_rejects_bad_operations_and_changes_nothing)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    make(&s, 2, (const unsigned short[]){1, 1});
    struct sembuf good = {1, -1, 0};
    CHECK_ERR(sysv_sem_op(&s, NULL, 1, 0, NULL), EINVAL);
    CHECK_ERR(sysv_sem_op(&s, &good, 0, 0, NULL), EINVAL);
    struct sembuf past[2] = {{1, -1, 0}, {2, 1, 0}};
    CHECK_ERR(sysv_sem_op(&s, past, 2, SYSV_NOWAIT, NULL), EINVAL);
    struct sembuf far[2] = {{1, -1, 0}, {USHRT_MAX, 1, 0}};
    CHECK_ERR(sysv_sem_op(&s, far, 2, 0, NULL), EINVAL);
    const short bad_flg[] = {0x0100, SEM_UNDO | 0x4000, (short)0x8000, IPC_CREAT};
    for (size_t i = 0; i < sizeof(bad_flg) / sizeof(bad_flg[0]); i++) {
        struct sembuf ops[2] = {{1, -1, 0}, {0, -1, bad_flg[i]}};
        CHECK_ERR(sysv_sem_op(&s, ops, 2, SYSV_NOWAIT, NULL), EINVAL);
    }
    /* A handle that claims more semaphores than the set has: the kernel's
       EFBIG is -EINVAL too. */
    sysv_semset wide = s;
    wide.nsems = 3;
    struct sembuf third[2] = {{1, -1, 0}, {2, 1, 0}};
    CHECK_ERR(sysv_sem_op(&wide, third, 2, SYSV_NOWAIT, NULL), EINVAL);
    EXPECT_VALUES(&s, 1, 1);
    drop(&s);
}

/* ops is read, never written: the flags SYSV_UNDO and SYSV_NOWAIT add go
   to a copy, on the stack or (for long lists) on the heap. */
TEST(sem_op_leaves_the_callers_operations_unchanged)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    make(&s, 2, (const unsigned short[]){1, 0});
    struct sembuf ops[2] = {{0, -1, 0}, {1, 1, SEM_UNDO}}, copy[2];
    memcpy(copy, ops, sizeof(ops));
    CHECK_OK(sysv_sem_op(&s, ops, 2, SYSV_NOWAIT | SYSV_UNDO, NULL));
    CHECK(memcmp(ops, copy, sizeof(ops)) == 0);
    EXPECT_VALUES(&s, 0, 1);
    CHECK_ERR(sysv_sem_op(&s, ops, 2, SYSV_NOWAIT | SYSV_UNDO, NULL), EAGAIN);
    CHECK(memcmp(ops, copy, sizeof(ops)) == 0);
    CHECK_ERR(sysv_sem_op(&s, ops, 2, SYSV_UNDO, &(struct timespec){0, 1000000}), ETIMEDOUT);
    CHECK(memcmp(ops, copy, sizeof(ops)) == 0);

    struct sembuf many[40], many_copy[40];
    for (size_t i = 0; i < 40; i++)
        many[i] = (struct sembuf){(unsigned short)(i % 2), 1, 0};
    memcpy(many_copy, many, sizeof(many));
    CHECK_OK(sysv_sem_op(&s, many, 40, SYSV_NOWAIT | SYSV_UNDO, NULL));
    CHECK(memcmp(many, many_copy, sizeof(many)) == 0);
    EXPECT_VALUES(&s, 20, 21);
    drop(&s);
}

/* Lists up to semopm operations run whole (the copy with added flags goes
   to the heap); one more is -E2BIG, with nothing done. */
TEST(sem_op_takes_lists_up_to_semopm_and_refuses_longer)
{
    sysv_limits lim;
    CHECK_OK(sysv_limits_get(&lim));
    size_t n = lim.semopm;
    CHECK(n >= 1 && n <= 32767);
    struct sembuf *ops = calloc(n + 1, sizeof(*ops));
    CHECK(ops != NULL);
    for (size_t i = 0; i <= n; i++)
        ops[i] = (struct sembuf){0, 1, 0};
    sysv_semset s = SYSV_SEMSET_INIT;
    make(&s, 1, NULL);
    CHECK_ERR(sysv_sem_op(&s, ops, n + 1, SYSV_NOWAIT, NULL), E2BIG);
    CHECK_EQ(sysv_sem_get(&s, 0), 0);
    CHECK_OK(sysv_sem_op(&s, ops, n, SYSV_NOWAIT, NULL));
    CHECK_EQ(sysv_sem_get(&s, 0), (int)n);
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ(ops[i].sem_flg, 0);
        ops[i].sem_op = -1;
    }
    CHECK_OK(sysv_sem_op(&s, ops, n, SYSV_UNDO, NULL));
    CHECK_EQ(sysv_sem_get(&s, 0), 0);
    free(ops);
    drop(&s);
}

/* ---- atomicity ----------------------------------------------------------- */

/* Two operations, the second of which cannot proceed: SYSV_NOWAIT (or an
   operation's own IPC_NOWAIT) gives -EAGAIN, a value that would pass
   semvmx gives -ERANGE, and the first operation is not done either. */
TEST(sem_op_nowait_does_nothing_when_one_operation_cannot_proceed)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    make(&s, 3, (const unsigned short[]){2, 0, 5});
    struct sembuf ops[2] = {{0, -1, 0}, {1, -1, 0}};
    CHECK_ERR(sysv_sem_op(&s, ops, 2, SYSV_NOWAIT, NULL), EAGAIN);
    CHECK_ERR(sysv_sem_op(&s, ops, 2, SYSV_NOWAIT | SYSV_UNDO, NULL), EAGAIN);
    EXPECT_VALUES(&s, 2, 0, 5);
    struct sembuf own[2] = {{0, -1, 0}, {1, -1, IPC_NOWAIT}};
    CHECK_ERR(sysv_sem_op(&s, own, 2, 0, NULL), EAGAIN);
    EXPECT_VALUES(&s, 2, 0, 5);
    CHECK_OK(sysv_sem_set(&s, 2, 32767));
    struct sembuf over[2] = {{0, -1, 0}, {2, 1, 0}};
    CHECK_ERR(sysv_sem_op(&s, over, 2, SYSV_NOWAIT, NULL), ERANGE);
    EXPECT_VALUES(&s, 2, 0, 32767);
    CHECK_EQ(ncnt(&s, 0) + ncnt(&s, 1), 0);
    /* Once every operation can proceed, all of them are done. */
    CHECK_OK(sysv_sem_post(&s, 1, 0));
    CHECK_OK(sysv_sem_op(&s, ops, 2, SYSV_NOWAIT, NULL));
    EXPECT_VALUES(&s, 1, 0, 32767);
    drop(&s);
}

/* The same with a timeout: -ETIMEDOUT after the time, nothing done, and
   nothing left waiting in the kernel. */
TEST(sem_op_timeout_does_nothing_when_one_operation_cannot_proceed)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    make(&s, 2, (const unsigned short[]){2, 0});
    struct sembuf ops[2] = {{0, -1, 0}, {1, -1, 0}};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_ERR(sysv_sem_op(&s, ops, 2, 0, &(struct timespec){0, 20000000}), ETIMEDOUT);
    CHECK(h_elapsed_us(&t0) >= 20000);
    EXPECT_VALUES(&s, 2, 0);
    CHECK_ERR(sysv_sem_op(&s, ops, 2, SYSV_UNDO, &(struct timespec){0, 0}), ETIMEDOUT);
    EXPECT_VALUES(&s, 2, 0);
    CHECK_EQ(ncnt(&s, 0) + ncnt(&s, 1), 0);
    drop(&s);
}

struct multi {
    sysv_semset s;
    const struct timespec *timeout;
};

static void multi_taker(void *arg)
{
    struct multi *m = arg;
    struct sembuf ops[2] = {{0, -1, 0}, {1, -1, 0}};
    CHECK_OK(sysv_sem_op(&m->s, ops, 2, 0, m->timeout));
}

/* A process blocked on two operations takes nothing while only one can
   proceed, and both once the second unit comes. */
static void multi_op_waits_for_all(const struct timespec *timeout)
{
    struct multi m = {SYSV_SEMSET_INIT, timeout};
    make(&m.s, 2, NULL);
    pid_t pid = h_fork(multi_taker, &m);
    wait_blocked_as(pid, timeout);
    CHECK_OK(sysv_sem_post(&m.s, 0, 0));
    /* The kernel retried the pair and it still cannot proceed. */
    wait_blocked_as(pid, timeout);
    EXPECT_VALUES(&m.s, 1, 0);
    CHECK_EQ(h_wait_for(pid, 0), -ETIMEDOUT);
    CHECK_OK(sysv_sem_post(&m.s, 1, 0));
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    EXPECT_VALUES(&m.s, 0, 0);
    CHECK_EQ(sysv_sem_pid(&m.s, 0), pid);
    CHECK_EQ(sysv_sem_pid(&m.s, 1), pid);
    drop(&m.s);
}

TEST_MULTIPROC(blocked_sem_op_proceeds_only_when_every_operation_can)
{
    multi_op_waits_for_all(NULL);
}

TEST_MULTIPROC(timed_sem_op_proceeds_only_when_every_operation_can)
{
    multi_op_waits_for_all(&(struct timespec){20, 0});
}

/* ---- SEM_UNDO -------------------------------------------------------------- */

struct holder {
    sysv_semset s;
    int flags;
    h_gate took, go;
};

static void take_and_exit(void *arg)
{
    struct holder *h = arg;
    CHECK_OK(sysv_sem_wait(&h->s, 0, h->flags, NULL));
    CHECK_EQ(sysv_sem_get(&h->s, 0), 0);
}

/* A unit taken with SYSV_UNDO comes back when its holder exits; the
   exit-time undo counts as the holder's operation. */
TEST_MULTIPROC(undo_gives_a_unit_back_when_its_holder_exits)
{
    struct holder h = {SYSV_SEMSET_INIT, SYSV_UNDO, {{0}}, {{0}}};
    make(&h.s, 1, (const unsigned short[]){1});
    pid_t pid = h_fork(take_and_exit, &h);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    CHECK_EQ(sysv_sem_get(&h.s, 0), 1);
    CHECK_EQ(sysv_sem_pid(&h.s, 0), pid);
    drop(&h.s);
}

/* Without SYSV_UNDO the unit stays taken after its holder exits. */
TEST_MULTIPROC(without_undo_a_unit_taken_stays_taken)
{
    struct holder h = {SYSV_SEMSET_INIT, 0, {{0}}, {{0}}};
    make(&h.s, 1, (const unsigned short[]){1});
    pid_t pid = h_fork(take_and_exit, &h);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    CHECK_EQ(sysv_sem_get(&h.s, 0), 0);
    CHECK_EQ(sysv_sem_pid(&h.s, 0), pid);
    drop(&h.s);
}

static void take_and_hang(void *arg)
{
    struct holder *h = arg;
    CHECK_OK(sysv_sem_wait(&h->s, 0, SYSV_UNDO, NULL));
    h_gate_open(&h->took);
    for (;;)
        pause();
}

/* SIGKILL, which no handler sees, still gives the unit back. */
TEST_MULTIPROC(undo_gives_a_unit_back_when_its_holder_is_killed)
{
    struct holder h = {SYSV_SEMSET_INIT, SYSV_UNDO, {{0}}, {{0}}};
    make(&h.s, 1, (const unsigned short[]){1});
    h_gate_init(&h.took);
    pid_t pid = h_fork(take_and_hang, &h);
    h_gate_pass(&h.took, CHILD_MS);
    CHECK_EQ(sysv_sem_get(&h.s, 0), 0);
    CHECK_OK(kill(pid, SIGKILL));
    CHECK_EQ(h_wait(pid, CHILD_MS), 128 + SIGKILL);
    CHECK_EQ(sysv_sem_get(&h.s, 0), 1);
    CHECK_EQ(sysv_sem_pid(&h.s, 0), pid);
    drop(&h.s);
}

static void ops_with_and_without_undo(void *arg)
{
    struct holder *h = arg;
    /* SYSV_UNDO on the call: both operations are undone at exit. */
    struct sembuf both[2] = {{0, -1, 0}, {1, 2, 0}};
    CHECK_OK(sysv_sem_op(&h->s, both, 2, SYSV_UNDO, NULL));
    /* SEM_UNDO in one sem_flg: only that operation is. */
    struct sembuf one[2] = {{2, -1, SEM_UNDO}, {3, 1, 0}};
    CHECK_OK(sysv_sem_op(&h->s, one, 2, 0, NULL));
    EXPECT_VALUES(&h->s, 0, 2, 0, 1);
}

/* SYSV_UNDO in sysv_sem_op's flags covers every operation of the call;
   SEM_UNDO in a sem_flg covers that operation alone. */
TEST_MULTIPROC(undo_in_flags_covers_every_operation_and_in_sem_flg_only_its_own)
{
    struct holder h = {SYSV_SEMSET_INIT, 0, {{0}}, {{0}}};
    make(&h.s, 4, (const unsigned short[]){1, 0, 1, 0});
    pid_t pid = h_fork(ops_with_and_without_undo, &h);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    EXPECT_VALUES(&h.s, 1, 0, 1, 1);
    drop(&h.s);
}

static void take_both_and_wait(void *arg)
{
    struct holder *h = arg;
    struct sembuf both[2] = {{0, -1, 0}, {1, -1, 0}};
    CHECK_OK(sysv_sem_op(&h->s, both, 2, SYSV_UNDO, NULL));
    h_gate_open(&h->took);
    h_gate_pass(&h->go, CHILD_MS);
}

/* SETVAL clears every process's undo for that semaphore (only), SETALL
   for the whole set: what the holder took is not given back after. */
TEST_MULTIPROC(setting_values_cancels_the_undo_of_their_holders)
{
    struct holder h = {SYSV_SEMSET_INIT, 0, {{0}}, {{0}}};
    make(&h.s, 2, (const unsigned short[]){1, 1});
    h_gate_init(&h.took);
    h_gate_init(&h.go);
    pid_t pid = h_fork(take_both_and_wait, &h);
    h_gate_pass(&h.took, CHILD_MS);
    CHECK_OK(sysv_sem_set(&h.s, 0, 5));
    h_gate_open(&h.go);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    EXPECT_VALUES(&h.s, 5, 1); /* 0: cleared; 1: given back */

    pid = h_fork(take_both_and_wait, &h);
    h_gate_pass(&h.took, CHILD_MS);
    EXPECT_VALUES(&h.s, 4, 0);
    CHECK_OK(sysv_sem_set_all(&h.s, (const unsigned short[]){2, 2}));
    h_gate_open(&h.go);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    EXPECT_VALUES(&h.s, 2, 2);
    drop(&h.s);
}

static void post_with_undo_and_wait(void *arg)
{
    struct holder *h = arg;
    CHECK_OK(sysv_sem_post(&h->s, 0, SYSV_UNDO));
    h_gate_open(&h->took);
    h_gate_pass(&h->go, CHILD_MS);
}

/* An undo that would take a value below 0 stops at 0 (the kernel clamps
   it): a post with SYSV_UNDO whose unit someone else took. */
TEST_MULTIPROC(undo_at_exit_stops_at_zero)
{
    struct holder h = {SYSV_SEMSET_INIT, 0, {{0}}, {{0}}};
    make(&h.s, 1, NULL);
    h_gate_init(&h.took);
    h_gate_init(&h.go);
    pid_t pid = h_fork(post_with_undo_and_wait, &h);
    h_gate_pass(&h.took, CHILD_MS);
    CHECK_OK(sysv_sem_wait(&h.s, 0, SYSV_NOWAIT, NULL));
    h_gate_open(&h.go);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    CHECK_EQ(sysv_sem_get(&h.s, 0), 0);
    drop(&h.s);
}

/* ---- waiting: zero, counts, timeouts ------------------------------------ */

struct waiter {
    sysv_semset s;
    int index;
    const struct timespec *timeout;
};

static void taker(void *arg)
{
    struct waiter *w = arg;
    CHECK_OK(sysv_sem_wait(&w->s, w->index, 0, w->timeout));
}

static void zero_waiter(void *arg)
{
    struct waiter *w = arg;
    CHECK_OK(sysv_sem_wait_zero(&w->s, w->index, 0, w->timeout));
}

/* Processes waiting for zero (one timed, one not) are counted by GETZCNT,
   not GETNCNT, stay blocked while the value is above 0 and go once it
   is 0. */
TEST_MULTIPROC(wait_zero_returns_once_the_value_reaches_zero)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    make(&s, 1, (const unsigned short[]){2});
    struct waiter untimed = {s, 0, NULL}, timed = {s, 0, &(struct timespec){20, 0}};
    pid_t a = h_fork(zero_waiter, &untimed);
    pid_t b = h_fork(zero_waiter, &timed);
    wait_blocked(a);
    wait_blocked_timed(b);
    int n = -1, z = -1;
    CHECK_OK(sysv_sem_waiters(&s, 0, &n, &z));
    CHECK_EQ(n, 0);
    CHECK_EQ(z, 2);
    CHECK_OK(sysv_sem_wait(&s, 0, SYSV_NOWAIT, NULL)); /* 2 -> 1: not yet */
    wait_blocked(a);
    wait_blocked_timed(b);
    CHECK_EQ(zcnt(&s, 0), 2);
    CHECK_EQ(h_wait_for(a, 0), -ETIMEDOUT);
    CHECK_EQ(h_wait_for(b, 0), -ETIMEDOUT);
    CHECK_OK(sysv_sem_wait(&s, 0, SYSV_NOWAIT, NULL)); /* 1 -> 0 */
    CHECK_EQ(h_wait(a, CHILD_MS), 0);
    CHECK_EQ(h_wait(b, CHILD_MS), 0);
    CHECK_EQ(zcnt(&s, 0), 0);
    CHECK_EQ(sysv_sem_get(&s, 0), 0);
    /* On a 0 value it does not wait at all (SYSV_UNDO: accepted, no-op). */
    CHECK_OK(sysv_sem_wait_zero(&s, 0, SYSV_UNDO, NULL));
    drop(&s);
}

/* GETNCNT counts exactly the processes blocked in sysv_sem_wait (timed or
   not), per semaphore; each post hands its unit to one of them. */
TEST_MULTIPROC(waiters_counts_each_process_blocked_in_wait)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    make(&s, 2, NULL);
    struct waiter w[3] = {{s, 0, NULL}, {s, 0, NULL}, {s, 0, &(struct timespec){20, 0}}};
    pid_t pid[3];
    for (int i = 0; i < 3; i++)
        pid[i] = h_fork(taker, &w[i]);
    for (int i = 0; i < 3; i++)
        wait_blocked_as(pid[i], w[i].timeout);
    int n = -1, z = -1;
    CHECK_OK(sysv_sem_waiters(&s, 0, &n, &z));
    CHECK_EQ(n, 3);
    CHECK_EQ(z, 0);
    CHECK_OK(sysv_sem_waiters(&s, 1, &n, &z));
    CHECK_EQ(n, 0);
    CHECK_EQ(z, 0);
    for (int left = 2; left >= 0; left--) {
        CHECK_OK(sysv_sem_post(&s, 0, 0));
        /* The post itself gave the unit to a waiter and dequeued it. */
        CHECK_EQ(sysv_sem_get(&s, 0), 0);
        CHECK_EQ(ncnt(&s, 0), left);
    }
    for (int i = 0; i < 3; i++)
        CHECK_EQ(h_wait(pid[i], CHILD_MS), 0);
    CHECK_EQ(ncnt(&s, 0), 0);
    CHECK_EQ(sysv_sem_get(&s, 0), 0);
    drop(&s);
}

/* A 50 ms wait on a value of 0 gives -ETIMEDOUT: never before 50 ms, and
   within a bound; the same for wait_zero on a value above 0. */
TEST(timed_wait_times_out_never_early)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    make(&s, 2, (const unsigned short[]){0, 1});
    const struct timespec t50 = {0, 50000000};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_ERR(sysv_sem_wait(&s, 0, 0, &t50), ETIMEDOUT);
    long long us = h_elapsed_us(&t0);
    printf("wait timed out after %lld us (asked 50000)\n", us);
    CHECK(us >= 50000);
    CHECK(us < 50000 + 2000000);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_ERR(sysv_sem_wait_zero(&s, 1, 0, &t50), ETIMEDOUT);
    us = h_elapsed_us(&t0);
    printf("wait_zero timed out after %lld us (asked 50000)\n", us);
    CHECK(us >= 50000);
    CHECK(us < 50000 + 2000000);
    EXPECT_VALUES(&s, 0, 1);
    CHECK_EQ(ncnt(&s, 0) + zcnt(&s, 1), 0);
    drop(&s);
}

/* A zero timeout is one try: -ETIMEDOUT, not -EAGAIN; SYSV_NOWAIT is
   -EAGAIN, with or without a timeout, at once; an operation's own
   IPC_NOWAIT is -EAGAIN under a timeout too. */
TEST(zero_timeout_is_etimedout_and_nowait_is_eagain)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    make(&s, 2, (const unsigned short[]){0, 1});
    const struct timespec zero = {0, 0}, five = {5, 0};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_ERR(sysv_sem_wait(&s, 0, 0, &zero), ETIMEDOUT);
    CHECK_ERR(sysv_sem_wait(&s, 0, SYSV_NOWAIT, NULL), EAGAIN);
    CHECK_ERR(sysv_sem_wait(&s, 0, SYSV_NOWAIT, &five), EAGAIN);
    CHECK_ERR(sysv_sem_wait_zero(&s, 1, 0, &zero), ETIMEDOUT);
    CHECK_ERR(sysv_sem_wait_zero(&s, 1, SYSV_NOWAIT, NULL), EAGAIN);
    CHECK_ERR(sysv_sem_wait_zero(&s, 1, SYSV_NOWAIT, &five), EAGAIN);
    struct sembuf own = {0, -1, IPC_NOWAIT};
    CHECK_ERR(sysv_sem_op(&s, &own, 1, 0, &five), EAGAIN);
    /* The operation's own IPC_NOWAIT speaks under a zero timeout too, and
       survives the flags a call adds to it; SYSV_NOWAIT wins over any
       timeout. */
    CHECK_ERR(sysv_sem_op(&s, &own, 1, 0, &zero), EAGAIN);
    CHECK_ERR(sysv_sem_op(&s, &own, 1, SYSV_UNDO, &five), EAGAIN);
    CHECK_ERR(sysv_sem_wait(&s, 0, SYSV_NOWAIT, &zero), EAGAIN);
    CHECK(h_elapsed_ms(&t0) < 1000); /* none of them waited out the 5 s */
    EXPECT_VALUES(&s, 0, 1);

    /* What can proceed does, under a zero timeout too. */
    CHECK_OK(sysv_sem_wait(&s, 1, 0, &zero));
    CHECK_OK(sysv_sem_wait_zero(&s, 1, 0, &zero));
    CHECK_OK(sysv_sem_wait_zero(&s, 0, SYSV_NOWAIT, NULL));
    EXPECT_VALUES(&s, 0, 0);
    drop(&s);
}

static void timed_taker(void *arg)
{
    struct waiter *w = arg;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_OK(sysv_sem_wait(&w->s, 0, 0, w->timeout));
    CHECK(h_elapsed_ms(&t0) < 10000); /* released, not timed out */
}

/* A timed wait ends as soon as another process posts: 0, unit taken. */
TEST_MULTIPROC(timed_wait_is_released_early_by_a_post)
{
    struct waiter w = {SYSV_SEMSET_INIT, 0, &(struct timespec){20, 0}};
    make(&w.s, 1, NULL);
    pid_t pid = h_fork(timed_taker, &w);
    wait_blocked_timed(pid);
    CHECK_EQ(ncnt(&w.s, 0), 1);
    CHECK_OK(sysv_sem_post(&w.s, 0, 0));
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    CHECK_EQ(sysv_sem_get(&w.s, 0), 0);
    CHECK_EQ(ncnt(&w.s, 0), 0);
    drop(&w.s);
}

/* ---- signals --------------------------------------------------------------- */

/* The child's handler counts and tells the parent through a pipe. */
static volatile sig_atomic_t handled;
static int handled_fd = -1;
static void on_signal(int sig)
{
    (void)sig;
    handled++;
    if (handled_fd >= 0 && write(handled_fd, "s", 1) < 0) {
        /* nothing to do in a handler */
    }
}

/* A handler without SA_RESTART, as a daemon's SIGTERM handler often is
   (semop is never restarted anyway). */
static void install(h_gate *told, void (*handler)(int))
{
    handled_fd = told->fd[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
}

static void install_handler(h_gate *told)
{
    install(told, on_signal);
}

static void block_sigusr1(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK_OK(sigprocmask(SIG_BLOCK, &set, NULL));
}

struct sigcase {
    sysv_semset s;
    h_gate ready, told;
    const struct timespec *timeout;
};

/* Starts fn in a child that installs its handler, and returns once the
   handler is in place. */
static pid_t start_waiter(struct sigcase *c, void (*fn)(void *))
{
    h_gate_init(&c->ready);
    h_gate_init(&c->told);
    pid_t pid = h_fork(fn, c);
    h_gate_pass(&c->ready, CHILD_MS);
    return pid;
}

static void interrupted_waiter(void *arg)
{
    struct sigcase *c = arg;
    install_handler(&c->told);
    h_gate_open(&c->ready);
    CHECK_ERR(sysv_sem_wait(&c->s, 0, 0, c->timeout), EINTR);
    CHECK_EQ(handled, 1);
    /* Nothing taken, and no longer queued in the kernel. */
    CHECK_EQ(sysv_sem_get(&c->s, 0), 0);
    CHECK_EQ(ncnt(&c->s, 0), 0);
}

static void interrupt_waiter(const struct timespec *timeout)
{
    struct sigcase c = {SYSV_SEMSET_INIT, {{0}}, {{0}}, timeout};
    make(&c.s, 1, NULL);
    pid_t pid = start_waiter(&c, interrupted_waiter);
    wait_blocked_as(pid, timeout);
    CHECK_OK(kill(pid, SIGUSR1));
    h_gate_pass(&c.told, CHILD_MS);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    /* A unit posted now stays: no wait of the child's was left behind. */
    CHECK_OK(sysv_sem_post(&c.s, 0, 0));
    CHECK_EQ(sysv_sem_get(&c.s, 0), 1);
    drop(&c.s);
}

/* A handler that runs while a wait blocks ends it: -EINTR, nothing taken. */
TEST_MULTIPROC(signal_interrupts_a_blocked_wait_with_eintr)
{
    interrupt_waiter(NULL);
}

TEST_MULTIPROC(signal_interrupts_a_timed_wait_with_eintr)
{
    interrupt_waiter(&(struct timespec){20, 0});
}

static void restarting_waiter(void *arg)
{
    struct sigcase *c = arg;
    install_handler(&c->told);
    h_gate_open(&c->ready);
    CHECK_OK(sysv_sem_wait(&c->s, 0, SYSV_RESTART, c->timeout));
    CHECK_EQ(handled, 3);
}

static void restart_waiter(const struct timespec *timeout)
{
    struct sigcase c = {SYSV_SEMSET_INIT, {{0}}, {{0}}, timeout};
    make(&c.s, 1, NULL);
    pid_t pid = start_waiter(&c, restarting_waiter);
    for (int i = 0; i < 3; i++) {
        /* Blocked (again): the handler ran and the call went on waiting. */
        wait_blocked_as(pid, timeout);
        CHECK_OK(kill(pid, SIGUSR1));
        h_gate_pass(&c.told, CHILD_MS);
    }
    wait_blocked_as(pid, timeout);
    CHECK_EQ(ncnt(&c.s, 0), 1);
    CHECK_OK(sysv_sem_post(&c.s, 0, 0));
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    CHECK_EQ(sysv_sem_get(&c.s, 0), 0);
    drop(&c.s);
}

/* With SYSV_RESTART a wait survives the signals and takes a later post. */
TEST_MULTIPROC(restart_keeps_a_blocked_wait_waiting_after_signals)
{
    restart_waiter(NULL);
}

TEST_MULTIPROC(restart_keeps_a_timed_wait_waiting_after_signals)
{
    restart_waiter(&(struct timespec){20, 0});
}

#define STRETCH_US 400000LL

static void stretched_waiter(void *arg)
{
    struct sigcase *c = arg;
    install_handler(&c->told);
    h_gate_open(&c->ready);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = sysv_sem_wait(&c->s, 0, SYSV_RESTART, c->timeout);
    long long us = h_elapsed_us(&t0);
    block_sigusr1();
    printf("timed out after %lld ms, through %d signals\n", us / 1000, (int)handled);
    CHECK_ERR(rc, ETIMEDOUT);
    CHECK(handled >= 1);
    CHECK(us >= STRETCH_US);
    CHECK(us < STRETCH_US + 1500000);
}

/* With SYSV_RESTART a timed wait goes on with the time left, not a new
   timeout: signals every few milliseconds do not keep it waiting past its
   deadline. */
TEST_MULTIPROC(restart_does_not_extend_a_timed_wait)
{
    struct sigcase c = {SYSV_SEMSET_INIT, {{0}}, {{0}}, &(struct timespec){0, STRETCH_US * 1000}};
    make(&c.s, 1, NULL);
    pid_t pid = start_waiter(&c, stretched_waiter);
    wait_blocked_timed(pid);
    CHECK_OK(kill(pid, SIGUSR1));
    h_gate_pass(&c.told, CHILD_MS);
    long long give_up = h_now_ms() + 5000;
    int rc;
    while ((rc = h_wait_for(pid, 2)) == -ETIMEDOUT && h_now_ms() < give_up)
        if (h_syscall_of(pid) == SYS_semtimedop)
            (void)kill(pid, SIGUSR1); /* it may have just ended: harmless */
    if (rc == -ETIMEDOUT)
        h_fail(__FILE__, __LINE__, "the wait outlived its timeout by seconds under signals");
    CHECK_EQ(rc, 0);
    CHECK_EQ(sysv_sem_get(&c.s, 0), 0);
    drop(&c.s);
}

/* A handler that, after telling the parent, waits for its word before it
   returns: the parent acts while the call is between two tries. */
static int hold_fd = -1;
static void on_signal_then_hold(int sig)
{
    on_signal(sig);
    char c;
    if (hold_fd >= 0 && read(hold_fd, &c, 1) < 0) {
        /* nothing to do in a handler */
    }
}

struct held_restart {
    sysv_semset s;
    h_gate ready, told, go;
    const struct timespec *timeout;
};

static void restarting_into_a_removed_set(void *arg)
{
    struct held_restart *c = arg;
    hold_fd = c->go.fd[0];
    install(&c->told, on_signal_then_hold);
    h_gate_open(&c->ready);
    CHECK_ERR(sysv_sem_wait(&c->s, 0, SYSV_RESTART, c->timeout), EIDRM);
    CHECK_EQ(handled, 1);
}

/* A set removed while a SYSV_RESTART call is between the signal and its
   next try: the kernel then says EINVAL (no such id), which the call
   reports as what it is, -EIDRM. */
static void remove_before_restart(const struct timespec *timeout)
{
    struct held_restart c = {SYSV_SEMSET_INIT, {{0}}, {{0}}, {{0}}, timeout};
    make(&c.s, 1, NULL);
    h_gate_init(&c.ready);
    h_gate_init(&c.told);
    h_gate_init(&c.go);
    pid_t pid = h_fork(restarting_into_a_removed_set, &c);
    h_gate_pass(&c.ready, CHILD_MS);
    wait_blocked_as(pid, timeout);
    CHECK_OK(kill(pid, SIGUSR1));
    h_gate_pass(&c.told, CHILD_MS); /* its handler runs, and holds */
    drop(&c.s);
    h_gate_open(&c.go);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
}

TEST_MULTIPROC(restart_into_a_set_removed_meanwhile_gives_eidrm)
{
    remove_before_restart(NULL);
}

TEST_MULTIPROC(timed_restart_into_a_set_removed_meanwhile_gives_eidrm)
{
    remove_before_restart(&(struct timespec){20, 0});
}

/* ---- removal under waiting calls ----------------------------------------- */

struct orphan {
    sysv_semset s;
    int zero, flags;
    const struct timespec *timeout;
};

static void orphaned_waiter(void *arg)
{
    struct orphan *o = arg;
    int rc = o->zero ? sysv_sem_wait_zero(&o->s, 1, o->flags, o->timeout)
                     : sysv_sem_wait(&o->s, 0, o->flags, o->timeout);
    CHECK_ERR(rc, EIDRM);
}

/* Every process waiting on a set that is removed wakes with -EIDRM:
   waits and waits for zero, timed or not, with SYSV_RESTART or not. */
TEST_MULTIPROC(removal_wakes_every_waiter_with_eidrm)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    make(&s, 2, (const unsigned short[]){0, 1});
    const struct timespec twenty = {20, 0};
    struct orphan o[4] = {{s, 0, 0, NULL},
                          {s, 0, SYSV_RESTART, &twenty},
                          {s, 1, SYSV_RESTART, NULL},
                          {s, 1, 0, &twenty}};
    pid_t pid[4];
    for (int i = 0; i < 4; i++)
        pid[i] = h_fork(orphaned_waiter, &o[i]);
    for (int i = 0; i < 4; i++)
        wait_blocked_as(pid[i], o[i].timeout);
    CHECK_EQ(ncnt(&s, 0), 2);
    CHECK_EQ(zcnt(&s, 1), 2);
    drop(&s);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(h_wait(pid[i], CHILD_MS), 0);
}

/* ---- permissions ------------------------------------------------------------ */

struct foreign {
    key_t key;
    int id;
};

static void stranger_is_refused(void *arg)
{
    struct foreign *f = arg;
    h_drop_privileges();
    sysv_semset s = {.id = 5};
    CHECK_ERR(sysv_sem_open(&s, f->key, 0, NULL, 0, 0), EACCES);
    CHECK_EQ(s.id, -1);
    CHECK_ERR(sysv_sem_open(&s, f->key, 0, NULL, 0, 0400), EACCES);
    CHECK_ERR(sysv_sem_open(&s, f->key, 1, NULL, SYSV_CREATE, 0600), EACCES);
    /* Someone else made it: SYSV_OWNED says so rather than EACCES. */
    CHECK_ERR(sysv_sem_open(&s, f->key, 0, NULL, SYSV_OWNED, 0), EPERM);
    sysv_sem_status st;
    CHECK_ERR(sysv_sem_stat(f->id, &st), EACCES);
    /* By id the handle fills, but nothing can be done through it. */
    CHECK_OK(sysv_sem_open_id(&s, f->id));
    CHECK_EQ(s.nsems, 1);
    CHECK_ERR(sysv_sem_get(&s, 0), EACCES);
    CHECK_ERR(sysv_sem_post(&s, 0, 0), EACCES);
    CHECK_ERR(sysv_sem_wait(&s, 0, SYSV_NOWAIT, NULL), EACCES);
    CHECK_ERR(sysv_sem_set(&s, 0, 0), EACCES);
    CHECK_ERR(sysv_sem_remove(&s), EPERM);
    CHECK_EQ(s.id, f->id);
}

/* A 0600 set of root's is closed to another user: -EACCES to open, read
   or change, -EPERM to remove. */
TEST_MULTIPROC(set_with_mode_0600_is_closed_to_another_user)
{
    h_need_root();
    struct foreign f = {h_key(), -1};
    sysv_semset s = SYSV_SEMSET_INIT;
    CHECK_OK(sysv_sem_open(&s, f.key, 1, (const unsigned short[]){1}, SYSV_CREATE, 0600));
    h_track(SYSV_SEM, s.id);
    f.id = s.id;
    CHECK_EQ(h_wait(h_fork(stranger_is_refused, &f), CHILD_MS), 0);
    EXPECT_VALUES(&s, 1);
    drop(&s);
}

static void reader_only_reads(void *arg)
{
    struct foreign *f = arg;
    h_drop_privileges();
    sysv_semset s = SYSV_SEMSET_INIT;
    CHECK_ERR(sysv_sem_open(&s, f->key, 0, NULL, 0, 0), EACCES); /* asks for rw */
    CHECK_OK(sysv_sem_open(&s, f->key, 0, NULL, 0, 0400));
    CHECK_EQ(s.id, f->id);
    EXPECT_VALUES(&s, 2);
    CHECK_EQ(ncnt(&s, 0), 0);
    CHECK_EQ(status_of(s.id).perm.mode, 0644);
    /* Waiting for zero only reads: allowed, and the value is not 0. */
    CHECK_ERR(sysv_sem_wait_zero(&s, 0, SYSV_NOWAIT, NULL), EAGAIN);
    CHECK_ERR(sysv_sem_post(&s, 0, 0), EACCES);
    CHECK_ERR(sysv_sem_wait(&s, 0, SYSV_NOWAIT, NULL), EACCES);
    CHECK_ERR(sysv_sem_set(&s, 0, 0), EACCES);
    CHECK_ERR(sysv_sem_set_all(&s, (const unsigned short[]){0}), EACCES);
    EXPECT_VALUES(&s, 2);
}

/* Mode 0644: another user opens it asking for read only (mode 0400),
   reads every value and changes none. */
TEST_MULTIPROC(read_access_reads_values_but_cannot_change_them)
{
    h_need_root();
    struct foreign f = {h_key(), -1};
    sysv_semset s = SYSV_SEMSET_INIT;
    CHECK_OK(sysv_sem_open(&s, f.key, 1, (const unsigned short[]){2}, SYSV_CREATE, 0644));
    h_track(SYSV_SEM, s.id);
    f.id = s.id;
    CHECK_EQ(h_wait(h_fork(reader_only_reads, &f), CHILD_MS), 0);
    EXPECT_VALUES(&s, 2);
    drop(&s);
}

static void make_read_only_set(void *arg)
{
    struct foreign *f = arg;
    h_drop_privileges();
    sysv_semset s = SYSV_SEMSET_INIT;
    CHECK_OK(sysv_sem_open(&s, f->key, 2, (const unsigned short[]){3, 4}, SYSV_CREATE | SYSV_EXCL,
                           0400));
    h_track(SYSV_SEM, s.id);
    EXPECT_VALUES(&s, 3, 4);
    CHECK_EQ(status_of(s.id).perm.mode, 0400);
    CHECK_ERR(sysv_sem_post(&s, 0, 0), EACCES);
    drop(&s); /* its creator may remove it, whatever the mode */
}

/* A creator asking for mode 0400 still gets its values in (it holds read
   and write until they are), then has only what it asked for. Run as an
   unprivileged user, where the mode is enforced. */
TEST_MULTIPROC(creator_sets_its_values_even_with_mode_0400)
{
    h_need_root();
    struct foreign f = {h_key(), -1};
    CHECK_EQ(h_wait(h_fork(make_read_only_set, &f), CHILD_MS), 0);
    CHECK_ERR(sysv_lookup(SYSV_SEM, f.key), ENOENT);
}

static void make_as_nobody(void *arg)
{
    struct foreign *f = arg;
    h_drop_privileges();
    sysv_semset s = SYSV_SEMSET_INIT;
    CHECK_OK(sysv_sem_open(&s, f->key, 1, NULL, SYSV_CREATE | SYSV_EXCL, 0666));
    h_track(SYSV_SEM, s.id);
    CHECK_OK(sysv_sem_open(&s, f->key, 1, NULL, SYSV_OWNED, 0)); /* its own */
}

/* SYSV_OWNED refuses a set another user made (a squatter), even to root,
   who could otherwise use it; the set is left alone. */
TEST_MULTIPROC(owned_refuses_a_set_another_user_made)
{
    h_need_root();
    struct foreign f = {h_key(), -1};
    CHECK_EQ(h_wait(h_fork(make_as_nobody, &f), CHILD_MS), 0);
    sysv_semset s = {.id = 4};
    CHECK_ERR(sysv_sem_open(&s, f.key, 0, NULL, SYSV_OWNED, 0), EPERM);
    CHECK_EQ(s.id, -1);
    CHECK_ERR(sysv_sem_open(&s, f.key, 1, NULL, SYSV_CREATE | SYSV_OWNED, 0600), EPERM);
    CHECK_EQ(s.id, -1);
    CHECK_OK(sysv_sem_open(&s, f.key, 0, NULL, 0, 0));
    CHECK_EQ(status_of(s.id).perm.cuid, H_NOBODY);
    drop(&s);
}

/* ---- interoperation with semop / semctl called directly ------------------ */

static void raw_taker(void *arg)
{
    const sysv_semset *s = arg;
    struct sembuf op = {1, -2, 0};
    CHECK_OK(semop(s->id, &op, 1));
}

/* A set made by the library serves raw semop and semctl: values agree,
   and a raw waiter is released by the library's post. */
TEST_MULTIPROC(raw_semop_works_on_a_set_made_by_the_library)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    make(&s, 2, (const unsigned short[]){3, 1});
    CHECK_EQ(semctl(s.id, 0, GETVAL), 3);
    CHECK_EQ(semctl(s.id, 1, GETVAL), 1);
    struct sembuf op = {0, -1, 0};
    CHECK_OK(semop(s.id, &op, 1));
    CHECK_EQ(sysv_sem_get(&s, 0), 2);

    pid_t pid = h_fork(raw_taker, &s); /* needs 2 on semaphore 1, which has 1 */
    wait_blocked(pid);
    CHECK_EQ(ncnt(&s, 1), 1);
    CHECK_OK(sysv_sem_post(&s, 1, 0));
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    EXPECT_VALUES(&s, 2, 0);
    CHECK_EQ(sysv_sem_pid(&s, 1), pid);
    drop(&s);
}

static void library_taker(void *arg)
{
    const sysv_semset *s = arg;
    CHECK_OK(sysv_sem_wait(s, 1, 0, NULL));
}

/* A set made with raw calls serves the library: a handle by id, values
   set raw and read by the library and the other way round, and a library
   waiter released by a raw semop. */
TEST_MULTIPROC(library_works_on_a_set_made_with_raw_calls)
{
    int id = h_sem(SYSV_KEY_PRIVATE, 2, 0600);
    union sysv__semun arg = {.val = 5};
    CHECK_OK(semctl(id, 0, SETVAL, arg));
    sysv_semset s = SYSV_SEMSET_INIT;
    CHECK_OK(sysv_sem_open_id(&s, id));
    CHECK_EQ(s.nsems, 2);
    CHECK_EQ(sysv_sem_get(&s, 0), 5);
    CHECK_OK(sysv_sem_wait(&s, 0, 0, NULL));
    CHECK_EQ(semctl(id, 0, GETVAL), 4);

    pid_t pid = h_fork(library_taker, &s);
    wait_blocked(pid);
    CHECK_EQ(semctl(id, 1, GETNCNT), 1);
    struct sembuf op = {1, 1, 0};
    CHECK_OK(semop(id, &op, 1));
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    CHECK_EQ(semctl(id, 1, GETVAL), 0);
    CHECK_EQ(semctl(id, 1, GETPID), pid);
    drop(&s);
}
