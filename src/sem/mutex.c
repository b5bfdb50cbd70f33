/* The crash-safe mutex: one semaphore taken with SEM_UNDO, and the
   holder's pid in two more that the undo leaves alone.

   State, as the values of the set's three semaphores:
     FREE  LO HI
     1     0  0    free
     0     pid     held by pid (LO = pid & 0x7fff, HI = pid >> 15)
     1     pid     free, because pid died holding it: the kernel undid its
                   take of FREE, but LO and HI were set without SEM_UNDO

   Every change is one atomic semop, so no process sees a state between:
     lock    FREE -1 (undo), LO == 0, HI == 0, LO += me, HI += me
     unlock  LO == me, HI == me, FREE == 0, LO -= me, HI -= me, FREE +1 (undo)
     recover FREE -1 (undo), LO == dead, HI == dead, LO, HI := me
   A semop can test "== v" as "-v, then wait for zero" (the kernel applies
   operations on the same semaphore in order) and put v back with "+v".
   The tests carry IPC_NOWAIT, so a lock that finds FREE at 1 but a dead
   holder's pid fails at once with EAGAIN instead of waiting: that is the
   slow path, which reads the values and recovers, reporting EOWNERDEAD to
   the one process whose recover succeeds. Because recover checks the dead
   pid it read, two processes that saw the same death cannot both recover. */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <unistd.h>

#include <sysv/mutex.h>

#include "sem_private.h"
#include "semun.h"

enum { FREE = 0, LO = 1, HI = 2 };

/* getpid() is a system call in glibc, and lock and unlock each aim for one
   system call, so the pid is cached and forgotten in a child after fork. */
static pid_t cached_pid;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void forget_pid(void)
{
    __atomic_store_n(&cached_pid, 0, __ATOMIC_RELAXED);
}

static void watch_forks(void)
{
    /* Without the handler a child would act with its parent's pid; should
       registration fail, no pid is ever cached. */
    if (pthread_atfork(NULL, NULL, forget_pid) != 0)
        __atomic_store_n(&cached_pid, -1, __ATOMIC_RELAXED);
}

static pid_t self(void)
{
    pid_t pid = __atomic_load_n(&cached_pid, __ATOMIC_RELAXED);
    if (pid > 0)
        return pid;
    (void)pthread_once(&atfork_once, watch_forks);
    pid = getpid();
    if (__atomic_load_n(&cached_pid, __ATOMIC_RELAXED) == 0)
        __atomic_store_n(&cached_pid, pid, __ATOMIC_RELAXED);
    return pid;
}

static short pid_lo(pid_t pid)
{
    return (short)(pid & 0x7fff);
}

static short pid_hi(pid_t pid)
{
    return (short)(pid >> 15);
}

static int check_mutex(const sysv_mutex *m)
{
    if (m == NULL || m->set.id < 0 || m->set.nsems != SYSV_MUTEX_NSEMS)
        return -EINVAL;
    return 0;
}

/* A set that no semop has touched (sem_otime 0) was not made by
   sysv_mutex_open, whose creator runs one: its creator died before setting
   the values, or another tool made it. All zero, it would be locked with
   no holder for ever; one semop makes it free, if it is all zero still
   (another opener may have done so first). Failing, it stays as it is:
   an opener without write permission could not lock it anyway. */
static void adopt(const sysv_mutex *m)
{
    sysv_entry e;
    if (sysv__stat_any(SYSV_SEM, m->set.id, &e) < 0 || e.atime != 0)
        return;
    struct sembuf ops[] = {
        {FREE, 0, IPC_NOWAIT},
        {LO, 0, IPC_NOWAIT},
        {HI, 0, IPC_NOWAIT},
        {FREE, 1, 0},
    };
    (void)semop(m->set.id, ops, sizeof(ops) / sizeof(ops[0]));
}

int sysv_mutex_open(sysv_mutex *m, key_t key, int flags, mode_t mode)
{
    static const unsigned short unlocked[SYSV_MUTEX_NSEMS] = {1, 0, 0};
    if (m == NULL)
        return -EINVAL;
    int created = 0;
    int rc = sysv__sem_open(&m->set, key, SYSV_MUTEX_NSEMS, unlocked, flags, mode, &created);
    if (rc < 0)
        return rc;
    if (m->set.nsems != SYSV_MUTEX_NSEMS) {
        m->set.id = -1; /* not a mutex: the handle stays unopened */
        m->set.nsems = 0;
        return -EINVAL;
    }
    if (!created)
        adopt(m);
    return 0;
}

/* Takes a lock whose last holder died (its pid is dead_lo, dead_hi), never
   waiting: -EOWNERDEAD when this process took it, -EAGAIN when the state
   was no longer that (someone else recovered first). */
static int recover(const sysv_mutex *m, pid_t me, unsigned short dead_lo, unsigned short dead_hi)
{
    struct sembuf ops[] = {
        {FREE, -1, SEM_UNDO | IPC_NOWAIT},
        {LO, (short)-dead_lo, IPC_NOWAIT},
        {LO, 0, IPC_NOWAIT},
        {HI, (short)-dead_hi, IPC_NOWAIT},
        {HI, 0, IPC_NOWAIT},
        {LO, pid_lo(me), 0},
        {HI, pid_hi(me), 0},
    };
    int rc = sysv__semop(m->set.id, ops, sizeof(ops) / sizeof(ops[0]), 0, NULL);
    return rc == 0 ? -EOWNERDEAD : rc;
}

static int take(sysv_mutex *m, int nowait, const struct timespec *timeout)
{
    int rc = check_mutex(m);
    if (rc == 0)
        rc = sysv__timeout_check(timeout);
    if (rc < 0)
        return rc;
    sysv__deadline d;
    const sysv__deadline *dp = NULL;
    if (timeout != NULL && !nowait) {
        rc = sysv__deadline_start(&d, timeout);
        if (rc < 0)
            return rc;
        dp = &d;
    }

    pid_t me = self();
    for (int round = 0;; round++) {
        struct sembuf ops[] = {
            {FREE, -1, (short)(SEM_UNDO | (nowait ? IPC_NOWAIT : 0))},
            {LO, 0, IPC_NOWAIT},
            {HI, 0, IPC_NOWAIT},
            {LO, pid_lo(me), 0},
            {HI, pid_hi(me), 0},
        };
        /* SYSV_RESTART: a handler does not end the wait, which goes on
           with the time left. */
        rc = sysv__semop(m->set.id, ops, sizeof(ops) / sizeof(ops[0]), SYSV_RESTART, dp);
        if (rc == 0)
            return 0;
        if (rc == -EINVAL && round > 0)
            return -EIDRM; /* the id was good in the rounds before */
        if (rc != -EAGAIN && rc != -ETIMEDOUT)
            return rc;

        /* Held (trylock), a dead holder's pid in the way, or time up: the
           values tell which. */
        unsigned short v[SYSV_MUTEX_NSEMS] = {0, 0, 0};
        union sysv__semun arg = {.array = v};
        if (semctl(m->set.id, 0, GETALL, arg) < 0)
            return errno == EINVAL ? -EIDRM : -errno;
        if (v[FREE] == 1 && (v[LO] != 0 || v[HI] != 0)) {
            rc = recover(m, me, v[LO], v[HI]);
            if (rc == -EINVAL)
                return -EIDRM; /* GETALL has just read the set */
            if (rc != -EAGAIN)
                return rc;
            continue;
        }
        struct timespec left;
        if (rc == -ETIMEDOUT || (dp != NULL && sysv__deadline_left(dp, &left) < 0))
            return -ETIMEDOUT;
        if (nowait && v[FREE] == 0)
            return -EBUSY;
        /* The state changed between the semop and the read: again. */
    }
}

int sysv_mutex_lock(sysv_mutex *m, const struct timespec *timeout)
{
    return take(m, 0, timeout);
}

int sysv_mutex_trylock(sysv_mutex *m)
{
    return take(m, 1, NULL);
}

int sysv_mutex_unlock(sysv_mutex *m)
{
    int rc = check_mutex(m);
    if (rc < 0)
        return rc;
    pid_t me = self();
    struct sembuf ops[] = {
        {LO, (short)-pid_lo(me), IPC_NOWAIT},
        {LO, 0, IPC_NOWAIT},
        {HI, (short)-pid_hi(me), IPC_NOWAIT},
        {HI, 0, IPC_NOWAIT},
        {FREE, 0, IPC_NOWAIT},
        {FREE, 1, SEM_UNDO},
    };
    rc = sysv__semop(m->set.id, ops, sizeof(ops) / sizeof(ops[0]), 0, NULL);
    /* One of the tests failed: the pid is not ours, or the lock is free
       (our pid may be a dead holder's, reused). */
    return rc == -EAGAIN ? -EPERM : rc;
}

int sysv_mutex_remove(sysv_mutex *m)
{
    int rc = check_mutex(m);
    if (rc < 0)
        return rc;
    return sysv_sem_remove(&m->set);
}
