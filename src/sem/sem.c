/* Semaphore sets: race-free creation, atomic operations with timeouts,
   and the semctl commands. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sem.h>
#include <time.h>

#include "../common/internal.h"
#include "sem_private.h"
#include "semun.h"

/* ---- Creation without the initialisation race ----------------------------

   semget makes a set and semctl(SETALL) gives it values: two system calls,
   and a process that opens the key between them would use a set whose
   values are not yet what its creator meant. The protocol:

   Creator (the one process whose IPC_CREAT | IPC_EXCL succeeds):
     1. semget with mode 0711, INIT_MODE, whatever mode was asked for: read
        and write for the owner (steps 2 and 3 need them, also when the mode
        asked for is 0400), nothing for anyone else while the values are not
        in, and the three execute bits, which grant nothing for IPC objects.
        No other tool makes sets that way, so the mode tells an opener that
        a libsysv creator is at work;
     2. SETALL with the initial values (skipped for all-zero values: Linux
        makes new sets zeroed);
     3. one semop that changes nothing, so the kernel's sem_otime is no
        longer 0: the mark of W. R. Stevens' protocol (UNP vol. 2), which
        other programs that follow it wait for;
     4. IPC_SET to the mode asked for.
   If a step fails, the creator removes the set and returns the error: no
   half-made set is left under the key.

   Opener (any other process): after semget, reads the set (IPC_STAT, or
   SEM_STAT_ANY without read permission) until it is ready:
     - sem_otime != 0: step 3 is done (or the set has been in use);
     - its mode is not exactly INIT_MODE: not a libsysv creator's set in the
       making (ipcmk, Python's sysv_ipc, a raw semget + SETVAL, whatever
       their modes, 0777 included);
     - sem_ctime more than a second old: mode 0711 but nobody is working on
       it (another tool asked for 0711, or a creator that died or stalled
       half way), so waiting longer would change nothing.
   It polls (50 us, doubling to 10 ms) for up to SYSV_SEM_INIT_WAIT_MS, then
   gives -ETIMEDOUT. While the mode is INIT_MODE another user's semget gets
   EACCES; such an opener finds the set with a semget that asks for no
   access, waits the same way, and asks again. A set removed while it waits
   (a creator whose step 2 failed) sends it back to the get operation.

   The limit: nothing tells a creator stopped between steps 1 and 2 for
   over a second (SIGSTOP, a debugger) from an abandoned set, so an opener
   then takes the set with its values unset, and the creator's late SETALL
   overwrites what others did meanwhile. */

#define INIT_MODE 0711

struct get_arg {
    int nsems;
    int created;
};

static int semget_errno(key_t key, int nsems, int kflags)
{
    int id = semget(key, nsems, kflags);
    return id < 0 ? -errno : id;
}

static int is_ready(const sysv_entry *e)
{
    if (e->atime != 0 || e->perm.mode != INIT_MODE)
        return 1;
    time_t now = time(NULL);
    return now != (time_t)-1 && now - e->ctime > 1;
}

/* The opener's side of the protocol for set id. 0 with *nsems set,
   -ETIMEDOUT, or the error of reading the set (-EINVAL, -EIDRM once it is
   removed). */
static int await_ready(int id, int *nsems)
{
    const struct timespec limit = {SYSV_SEM_INIT_WAIT_MS / 1000,
                                   (SYSV_SEM_INIT_WAIT_MS % 1000) * 1000000L};
    sysv__deadline d;
    int rc = sysv__deadline_start(&d, &limit);
    if (rc < 0)
        return rc;
    long pause_ns = 50000;
    for (;;) {
        sysv_entry e;
        rc = sysv__stat_any(SYSV_SEM, id, &e);
        if (rc < 0)
            return rc;
        if (is_ready(&e)) {
            *nsems = (int)e.count;
            return 0;
        }
        struct timespec left = {0, 0};
        if (sysv__deadline_left(&d, &left) < 0)
            return -ETIMEDOUT;
        if (left.tv_sec > 0 || left.tv_nsec > pause_ns)
            left = (struct timespec){0, pause_ns};
        /* A signal cuts a nap short; the loop reads the set again. */
        (void)nanosleep(&left, NULL);
        if (pause_ns < 10000000L)
            pause_ns *= 2;
    }
}

/* semget of an existing set. EACCES may only mean that its creator has not
   finished (the mode is INIT_MODE until then): wait for that, then ask
   again, so the answer comes from the mode the creator asked for. */
static int open_existing(key_t key, int nsems, int kflags)
{
    int id = semget_errno(key, nsems, kflags);
    if (id != -EACCES)
        return id;
    int any = semget_errno(key, 0, 0); /* asks for no access */
    sysv_entry e;
    if (any < 0 || sysv__stat_any(SYSV_SEM, any, &e) < 0 || is_ready(&e))
        return -EACCES;
    int size = 0;
    int rc = await_ready(any, &size);
    return rc < 0 ? rc : semget_errno(key, nsems, kflags);
}

/* The get operation with IPC_CREAT split in two, so the caller learns
   whether it created the set: exclusive creation first, opening on EEXIST,
   and again while the set vanishes in between. */
static int get_set(key_t key, int kflags, void *varg)
{
    struct get_arg *a = varg;
    /* An open asks only for read and write: the kernel would refuse an
       execute bit that the set's mode lacks. */
    int open_flags = kflags & ~(IPC_CREAT | IPC_EXCL | 0111);
    a->created = 0;
    if (!(kflags & IPC_CREAT) && key != IPC_PRIVATE)
        return open_existing(key, a->nsems, open_flags);

    int make_flags = (kflags & ~0777) | IPC_EXCL | INIT_MODE;
    for (int round = 0; round < 100; round++) {
        int id = semget_errno(key, a->nsems, make_flags);
        if (id >= 0) {
            a->created = 1;
            return id;
        }
        if (id != -EEXIST || (kflags & IPC_EXCL))
            return id;
        id = open_existing(key, a->nsems, open_flags);
        if (id != -ENOENT)
            return id;
        /* Removed between the two calls: try to create it again. */
    }
    return -EAGAIN;
}

/* Steps 2 to 4 of the protocol; s->nsems is set from the kernel. */
static int initialise(sysv_semset *s, int nsems, const unsigned short *init, mode_t mode)
{
    int any = 0;
    for (int i = 0; init != NULL && i < nsems; i++)
        any |= init[i] != 0;
    if (any) {
        union sysv__semun arg = {.array = (unsigned short *)(uintptr_t)init};
        if (semctl(s->id, 0, SETALL, arg) < 0)
            return -errno;
    }

    /* +1 then -1 (or the other way round at semvmx) on semaphore 0: the
       value ends where it was, and the kernel records an operation. */
    short first = (init != NULL && init[0] == SYSV__SEMVMX) ? -1 : 1;
    struct sembuf touch[2] = {{0, first, IPC_NOWAIT}, {0, (short)-first, IPC_NOWAIT}};
    if (semop(s->id, touch, 2) < 0)
        return -errno;

    struct semid_ds ds;
    memset(&ds, 0, sizeof(ds));
    union sysv__semun arg = {.buf = &ds};
    if (semctl(s->id, 0, IPC_STAT, arg) < 0)
        return -errno;
    ds.sem_perm.mode = mode == 0 ? SYSV_MODE_DEFAULT : mode;
    if (semctl(s->id, 0, IPC_SET, arg) < 0)
        return -errno;
    s->nsems = (int)ds.sem_nsems;
    return 0;
}

int sysv__sem_open(sysv_semset *s, key_t key, int nsems, const unsigned short *init, int flags,
                   mode_t mode, int *created)
{
    if (created != NULL)
        *created = 0;
    if (s == NULL)
        return -EINVAL;
    s->id = -1;
    s->key = key;
    s->nsems = 0;
    /* IPC_PRIVATE always makes a new set, with or without SYSV_CREATE. */
    int creating = (flags & SYSV_CREATE) || key == SYSV_KEY_PRIVATE;
    if (nsems < 0 || (nsems == 0 && creating))
        return -EINVAL;
    for (int i = 0; init != NULL && creating && i < nsems; i++)
        if (init[i] > SYSV__SEMVMX)
            return -ERANGE;

    for (int round = 0;; round++) {
        struct get_arg a = {nsems, 0};
        int id = sysv__open(SYSV_SEM, key, flags, mode, get_set, &a);
        if (id < 0)
            return id;
        s->id = id;
        if (a.created) {
            int rc = initialise(s, nsems, init, mode);
            if (rc < 0) {
                (void)sysv__sem_ops.rmid(id);
                s->id = -1;
                return rc;
            }
            if (created != NULL)
                *created = 1;
            return 0;
        }
        int rc = await_ready(id, &s->nsems);
        if (rc == 0)
            return 0;
        s->id = -1;
        /* Removed while we waited: its creator failed, or someone removed
           it; the get operation decides what comes next. */
        if ((rc != -EINVAL && rc != -EIDRM) || round >= 8)
            return rc;
    }
}

int sysv_sem_open(sysv_semset *s, key_t key, int nsems, const unsigned short *init, int flags,
                  mode_t mode)
{
    return sysv__sem_open(s, key, nsems, init, flags, mode, NULL);
}

int sysv_sem_open_id(sysv_semset *s, int id)
{
    if (s == NULL)
        return -EINVAL;
    s->id = -1;
    s->key = SYSV_KEY_PRIVATE;
    s->nsems = 0;
    sysv_entry e;
    int rc = sysv__stat_any(SYSV_SEM, id, &e); /* -EINVAL for a negative id */
    if (rc < 0)
        return rc;
    s->id = id;
    s->key = e.perm.key;
    s->nsems = (int)e.count;
    return 0;
}

/* ---- semop ------------------------------------------------------------ */

/* Operations copied to the stack when flags add to their sem_flg; more
   than this are rare enough to be copied to the heap. */
#define STACK_OPS 32

int sysv__semop(int id, struct sembuf *ops, size_t nops, int flags, const sysv__deadline *deadline)
{
    for (int tries = 1;; tries++) {
        int rc;
        int had_time = 0;
        if (deadline == NULL) {
            rc = semop(id, ops, nops);
        } else {
            /* Past the deadline (a zero timeout, or a restart that came
               late): one last try that does not sleep. */
            struct timespec left = {0, 0};
            had_time = sysv__deadline_left(deadline, &left) == 0;
            rc = semtimedop(id, ops, nops, &left);
        }
        if (rc == 0)
            return 0;
        int err = errno;
        switch (err) {
        case EAGAIN: {
            if (deadline == NULL)
                return -EAGAIN;
            /* semtimedop says EAGAIN for its timeout and for an operation
               with IPC_NOWAIT alike. Without such an operation it is the
               timeout; with one, it is the timeout only if the call began
               with time left and used it up (a zero timeout never began
               with any, so an IPC_NOWAIT operation says -EAGAIN there). */
            /* Only this path needs to know (not the one that succeeds). */
            int nowait_op = 0;
            for (size_t i = 0; i < nops; i++)
                nowait_op |= (ops[i].sem_flg & IPC_NOWAIT) != 0;
            struct timespec left;
            if (!nowait_op || (had_time && sysv__deadline_left(deadline, &left) < 0))
                return -ETIMEDOUT;
            return -EAGAIN;
        }
        case EINTR:
            if (!(flags & SYSV_RESTART))
                return -EINTR;
            continue;
        case EFBIG: /* sem_num past the set: a bad argument */
            return -EINVAL;
        case EINVAL:
            /* The id was good on the first try: the set went away. */
            return tries > 1 ? -EIDRM : -EINVAL;
        default:
            return -err;
        }
    }
}

/* An open handle has an id and at least one semaphore. Id 0 is a real
   set, so the count is what tells a zeroed (never opened) handle from one
   that sysv_sem_open filled: no call on it reaches the kernel. */
static int check_open(const sysv_semset *s)
{
    return s == NULL || s->id < 0 || s->nsems <= 0 ? -EINVAL : 0;
}

static int check_index(const sysv_semset *s, int index)
{
    if (check_open(s) < 0 || index < 0 || index >= s->nsems)
        return -EINVAL;
    return 0;
}

/* The kernel's semopm, read only for long operation lists (IPC_INFO). */
static size_t semopm(void)
{
    sysv_limits lim;
    /* 500 is the kernel's default, should IPC_INFO fail. */
    return sysv__sem_ops.limits(&lim) == 0 ? lim.semopm : 500;
}

int sysv_sem_op(const sysv_semset *s, struct sembuf *ops, size_t nops, int flags,
                const struct timespec *timeout)
{
    if (check_open(s) < 0 || ops == NULL || nops == 0 ||
        (flags & ~(SYSV_UNDO | SYSV_NOWAIT | SYSV_RESTART)) != 0)
        return -EINVAL;
    int rc = sysv__timeout_check(timeout);
    if (rc < 0)
        return rc;
    /* Refuse a count the kernel would refuse before reading that many
       entries of a caller's array. */
    if (nops > STACK_OPS && nops > semopm())
        return -E2BIG;
    for (size_t i = 0; i < nops; i++) {
        if ((ops[i].sem_flg & ~(SEM_UNDO | IPC_NOWAIT)) != 0)
            return -EINVAL;
        if (ops[i].sem_num >= (unsigned short)s->nsems)
            return -EINVAL;
    }

    short add =
        (short)(((flags & SYSV_UNDO) ? SEM_UNDO : 0) | ((flags & SYSV_NOWAIT) ? IPC_NOWAIT : 0));
    struct sembuf stack[STACK_OPS];
    struct sembuf *run = ops;
    if (add != 0) {
        /* The caller's array stays as it was: copy, then add the flags. */
        run = nops <= STACK_OPS ? stack : malloc(nops * sizeof(*run));
        if (run == NULL)
            return -ENOMEM;
        for (size_t i = 0; i < nops; i++) {
            run[i] = ops[i];
            run[i].sem_flg = (short)(run[i].sem_flg | add);
        }
    }

    sysv__deadline d;
    const sysv__deadline *dp = NULL;
    if (timeout != NULL && !(flags & SYSV_NOWAIT)) {
        rc = sysv__deadline_start(&d, timeout);
        dp = &d;
    }
    if (rc == 0)
        rc = sysv__semop(s->id, run, nops, flags, dp);
    if (run != ops && run != stack)
        free(run);
    return rc;
}

/* One operation on one semaphore, for wait, post and wait_zero. */
static int one_op(const sysv_semset *s, int index, short op, int flags, int allowed,
                  const struct timespec *timeout)
{
    if (check_index(s, index) < 0 || (flags & ~allowed) != 0)
        return -EINVAL;
    struct sembuf sb = {(unsigned short)index, op, 0};
    return sysv_sem_op(s, &sb, 1, flags, timeout);
}

int sysv_sem_wait(const sysv_semset *s, int index, int flags, const struct timespec *timeout)
{
    return one_op(s, index, -1, flags, SYSV_UNDO | SYSV_NOWAIT | SYSV_RESTART, timeout);
}

int sysv_sem_post(const sysv_semset *s, int index, int flags)
{
    return one_op(s, index, 1, flags, SYSV_UNDO, NULL);
}

int sysv_sem_wait_zero(const sysv_semset *s, int index, int flags, const struct timespec *timeout)
{
    return one_op(s, index, 0, flags, SYSV_UNDO | SYSV_NOWAIT | SYSV_RESTART, timeout);
}

/* ---- semctl ----------------------------------------------------------- */

/* A semctl command on one semaphore that returns a count or a value. */
static int ctl_index(const sysv_semset *s, int index, int cmd)
{
    if (check_index(s, index) < 0)
        return -EINVAL;
    int rc = semctl(s->id, index, cmd);
    return rc < 0 ? -errno : rc;
}

int sysv_sem_get(const sysv_semset *s, int index)
{
    return ctl_index(s, index, GETVAL);
}

int sysv_sem_pid(const sysv_semset *s, int index)
{
    return ctl_index(s, index, GETPID);
}

int sysv_sem_waiters(const sysv_semset *s, int index, int *ncnt, int *zcnt)
{
    if (check_index(s, index) < 0 || (ncnt == NULL && zcnt == NULL))
        return -EINVAL;
    if (ncnt != NULL) {
        int n = ctl_index(s, index, GETNCNT);
        if (n < 0)
            return n;
        *ncnt = n;
    }
    if (zcnt != NULL) {
        int z = ctl_index(s, index, GETZCNT);
        if (z < 0)
            return z;
        *zcnt = z;
    }
    return 0;
}

int sysv_sem_set(const sysv_semset *s, int index, int value)
{
    if (check_index(s, index) < 0 || value < 0)
        return -EINVAL;
    if (value > SYSV__SEMVMX)
        return -ERANGE;
    union sysv__semun arg = {.val = value};
    return semctl(s->id, index, SETVAL, arg) < 0 ? -errno : 0;
}

/* GETALL and SETALL read or write as many values as the set holds, so the
   handle's count is checked against the kernel's before either. */
static int check_all(const sysv_semset *s, const unsigned short *values)
{
    if (check_open(s) < 0 || values == NULL)
        return -EINVAL;
    sysv_entry e;
    int rc = sysv__stat_any(SYSV_SEM, s->id, &e);
    if (rc < 0)
        return rc;
    return e.count == (size_t)s->nsems ? 0 : -EINVAL;
}

int sysv_sem_get_all(const sysv_semset *s, unsigned short *values)
{
    int rc = check_all(s, values);
    if (rc < 0)
        return rc;
    union sysv__semun arg = {.array = values};
    return semctl(s->id, 0, GETALL, arg) < 0 ? -errno : 0;
}

int sysv_sem_set_all(const sysv_semset *s, const unsigned short *values)
{
    int rc = check_all(s, values);
    if (rc < 0)
        return rc;
    for (int i = 0; i < s->nsems; i++)
        if (values[i] > SYSV__SEMVMX)
            return -ERANGE;
    union sysv__semun arg = {.array = (unsigned short *)(uintptr_t)values};
    return semctl(s->id, 0, SETALL, arg) < 0 ? -errno : 0;
}

int sysv_sem_stat(int id, sysv_sem_status *out)
{
    if (id < 0 || out == NULL)
        return -EINVAL;
    struct semid_ds ds;
    memset(&ds, 0, sizeof(ds));
    union sysv__semun arg = {.buf = &ds};
    if (semctl(id, 0, IPC_STAT, arg) < 0)
        return -errno;
    memset(out, 0, sizeof(*out));
    sysv__perm_from_kernel(&ds.sem_perm, &out->perm);
    out->nsems = (int)ds.sem_nsems;
    out->otime = ds.sem_otime;
    out->ctime = ds.sem_ctime;
    return 0;
}

int sysv_sem_remove(sysv_semset *s)
{
    if (check_open(s) < 0)
        return -EINVAL;
    int rc = sysv__sem_ops.rmid(s->id);
    if (rc < 0)
        return rc;
    s->id = -1;
    return 0;
}
