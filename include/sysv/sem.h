/*
 * libsysv: semaphore sets (semget, semop, semtimedop, semctl).
 *
 * A set holds nsems counters, each a value from 0 to semvmx (32767). A
 * process takes units with a negative operation (P, "wait": it sleeps while
 * the value would go below 0), gives them back with a positive one (V,
 * "post"), or waits for a value to reach 0. Several operations given to one
 * sysv_sem_op happen together or not at all. The textbook's critical
 * section:
 *
 *     sysv_semset s = SYSV_SEMSET_INIT;
 *     unsigned short one = 1;
 *     sysv_sem_open(&s, key, 1, &one, SYSV_CREATE, 0600);   semget + SETALL
 *     sysv_sem_wait(&s, 0, SYSV_UNDO, NULL);                 p(): semop -1
 *     ... the critical section ...
 *     sysv_sem_post(&s, 0, SYSV_UNDO);                       v(): semop +1
 *     sysv_sem_remove(&s);                                   IPC_RMID
 *
 * SYSV_UNDO (SEM_UNDO) makes the kernel keep, per process and semaphore, the
 * sum of what the process changed (its semadj) and take it back when the
 * process ends, however it ends (exit, a crash, SIGKILL): a process that
 * dies inside the critical section does not keep the unit forever. Use it
 * on both the P and the V of a pair, or on neither. Setting a value
 * (sysv_sem_set, sysv_sem_set_all) clears every process's semadj for it.
 * For a lock that also tells the next holder that its previous holder died,
 * see <sysv/mutex.h>.
 *
 * Waiting: with timeout NULL a call blocks in the kernel as long as it
 * must; SYSV_NOWAIT never blocks (-EAGAIN); a timeout is passed to the
 * kernel (semtimedop), which wakes the caller at once when the operation
 * can proceed and returns -ETIMEDOUT once the time has passed, having
 * changed nothing. A signal handler that runs while a call waits makes it
 * return -EINTR, with nothing taken, or go on waiting with the time left
 * when SYSV_RESTART is given. The kernel also ends a waiting semop with
 * EINTR when the process is stopped and continued (SIGSTOP or Ctrl-Z, then
 * SIGCONT), with no handler at all: a program that must not see that
 * passes SYSV_RESTART. A set removed under a waiting call gives -EIDRM.
 */
#ifndef SYSV_SEM_H
#define SYSV_SEM_H

#include <stddef.h>
#include <sys/sem.h>
#include <sys/types.h>
#include <time.h>

#include <sysv/ipc.h>

#ifdef __cplusplus
extern "C" {
#endif

struct timespec;

/* A set as this process knows it. Initialise with SYSV_SEMSET_INIT. A
   handle is open once sysv_sem_open or sysv_sem_open_id has filled it (id
   >= 0 and nsems >= 1); every call refuses any other with -EINVAL without
   a system call, a zeroed struct included (id 0 is a real set). */
typedef struct sysv_semset {
    int id;    /* read-only: the semid, -1 when not open */
    key_t key; /* read-only: the key it was opened with */
    int nsems; /* read-only: how many semaphores the set holds (its real
                  size, also when it was opened with nsems 0) */
} sysv_semset;

#define SYSV_SEMSET_INIT                                                                           \
    {                                                                                              \
        -1, 0, 0                                                                                   \
    }

/* sysv_sem_op, sysv_sem_wait, sysv_sem_post, sysv_sem_wait_zero: take the
   operation with SEM_UNDO, so the kernel reverts it when this process
   ends. */
#define SYSV_UNDO 0x2000

/* How long sysv_sem_open waits, at most, for another process that is
   initialising the set: in milliseconds. */
#define SYSV_SEM_INIT_WAIT_MS 1000

/* Opens the set with this key, creating it with SYSV_CREATE (and only
   creating it with SYSV_EXCL as well).

   Creating: the set gets nsems semaphores with the values in init (an array
   of nsems values; NULL: all 0), and no process that opens it through
   libsysv sees it before the values are in place. semget and the setting of
   the values are two system calls, so the creator makes the set with mode
   0711 (read and write for itself, nothing for others, and the execute
   bits, which grant nothing for IPC objects: no other tool makes sets that
   way), sets the values, runs one semop that changes nothing (so the
   kernel's sem_otime is no longer 0, the mark of W. R. Stevens' protocol)
   and puts the mode it was asked for. An opener that finds sem_otime 0 and
   mode 0711 waits, up to SYSV_SEM_INIT_WAIT_MS, then -ETIMEDOUT. Sets made
   by tools that never run a semop (ipcmk, Python's sysv_ipc, a raw semget
   + SETVAL) open at once: their mode is another, or, if it is 0711, they
   have not changed for over a second. The one case this cannot tell: a
   creator stopped for over a second before it sets the values (SIGSTOP, a
   debugger) looks abandoned, and its set is then opened with all values 0.

   Opening: nsems is the least size the caller needs (0: any) and init is
   not used (though with SYSV_CREATE its values are checked first); s->nsems is the set's real size
   either way. mode gives the permissions of a new set (0: SYSV_MODE_DEFAULT) and, for an existing
   one, the access this caller asks for (0400 to read values only).
   Sets s->id to -1 first, so the handle is always safe to clean up.

   Errors: -EINVAL (s NULL, unknown flags, mode outside 0777, nsems
   negative, 0 with SYSV_CREATE, above semmsl, or larger than the existing
   set); -ERANGE (a value in init above semvmx: nothing is left behind);
   -ENOENT (no set and no SYSV_CREATE); -EEXIST (SYSV_EXCL and it exists);
   -EACCES; -EPERM (SYSV_OWNED and another user made it); -ETIMEDOUT (its
   creator did not finish initialising it in time); -ENOSPC (kernel
   limits). */
SYSV_API int sysv_sem_open(sysv_semset *s, key_t key, int nsems, const unsigned short *init,
                           int flags, mode_t mode);

/* Fills the handle for the set with this id (a semid that ipcs printed or
   another process passed on), without a get operation or the wait for
   initialisation: s->nsems and s->key come from the kernel. Sets s->id to
   -1 first. Errors: -EINVAL (s NULL, id negative, no such set); -EIDRM. */
SYSV_API int sysv_sem_open_id(sysv_semset *s, int id);

/* Performs nops operations on the set atomically: all of them, or none
   (semop; semtimedop with a timeout). Each struct sembuf names a semaphore
   (sem_num), an operation (sem_op: < 0 takes units, > 0 gives them, 0
   waits for zero) and flags (sem_flg: SEM_UNDO, IPC_NOWAIT, nothing else).
   ops is read, never changed. flags: SYSV_UNDO adds SEM_UNDO to every
   operation; SYSV_NOWAIT adds IPC_NOWAIT; SYSV_RESTART as described at the
   top of this header.
   Returns 0 when every operation was done.
   Errors: -EINVAL (s NULL or not open, ops NULL, nops 0, a sem_num past the
   set, unknown flags in flags or in a sem_flg, a bad timeout); -EAGAIN
   (SYSV_NOWAIT, or an operation with IPC_NOWAIT, would have blocked);
   -ETIMEDOUT; -EINTR; -EIDRM; -ERANGE (a value would pass semvmx, or a
   semadj its range); -E2BIG (more operations than semopm); -EACCES;
   -ENOMEM. Nothing has changed after any error. */
SYSV_API int sysv_sem_op(const sysv_semset *s, struct sembuf *ops, size_t nops, int flags,
                         const struct timespec *timeout);

/* P: takes one unit from semaphore index, waiting while its value is 0.
   flags: SYSV_UNDO, SYSV_NOWAIT, SYSV_RESTART. Errors as sysv_sem_op. */
SYSV_API int sysv_sem_wait(const sysv_semset *s, int index, int flags,
                           const struct timespec *timeout);

/* V: gives one unit to semaphore index, waking a waiter. Never blocks.
   flags: SYSV_UNDO (pair it with a P that used it). Errors as sysv_sem_op;
   -ERANGE when the value is already semvmx. */
SYSV_API int sysv_sem_post(const sysv_semset *s, int index, int flags);

/* Waits until semaphore index is 0 (semop with sem_op 0), e.g. until every
   worker has posted its "done" unit back down. flags: SYSV_NOWAIT,
   SYSV_RESTART (SYSV_UNDO is accepted and changes nothing). Errors as
   sysv_sem_op. */
SYSV_API int sysv_sem_wait_zero(const sysv_semset *s, int index, int flags,
                                const struct timespec *timeout);

/* The value of semaphore index (GETVAL), >= 0. Needs read permission.
   Errors: -EINVAL (s NULL or not open, index outside the set); -EACCES;
   -EIDRM. */
SYSV_API int sysv_sem_get(const sysv_semset *s, int index);

/* Sets semaphore index to value (SETVAL), waking the waiters it lets
   through; every process's semadj for it is cleared. Needs write
   permission.
   Errors: -EINVAL (s NULL or not open, index outside the set, value
   negative); -ERANGE (value above semvmx, 32767); -EACCES; -EIDRM. */
SYSV_API int sysv_sem_set(const sysv_semset *s, int index, int value);

/* Copies every value of the set (GETALL) to values, which must hold
   s->nsems entries. Errors: -EINVAL (s NULL or not open, values NULL,
   s->nsems not the set's size); -EACCES; -EIDRM. */
SYSV_API int sysv_sem_get_all(const sysv_semset *s, unsigned short *values);

/* Sets every value of the set at once (SETALL) from values (s->nsems
   entries); clears every process's semadj in the set.
   Errors: -EINVAL (as sysv_sem_get_all); -ERANGE (a value above semvmx:
   nothing changed); -EACCES; -EIDRM. */
SYSV_API int sysv_sem_set_all(const sysv_semset *s, const unsigned short *values);

/* The pid of the last process to operate on semaphore index (GETPID): its
   last semop, its exit-time undo, or a SETVAL/SETALL. 0 when none has.
   Errors: as sysv_sem_get. */
SYSV_API int sysv_sem_pid(const sysv_semset *s, int index);

/* How many processes wait on semaphore index: for its value to increase
   (GETNCNT, into *ncnt) and for it to become zero (GETZCNT, into *zcnt).
   Either pointer may be NULL when that count is not wanted, not both.
   Errors: as sysv_sem_get. */
SYSV_API int sysv_sem_waiters(const sysv_semset *s, int index, int *ncnt, int *zcnt);

/* What IPC_STAT tells of a set (what ipcs -s shows). */
typedef struct sysv_sem_status {
    sysv_perm perm;
    int nsems;
    time_t otime, ctime; /* last semop (0: none yet), last change */
} sysv_sem_status;

/* Fills *out from IPC_STAT. Needs read permission (root passes).
   Errors: -EINVAL (id negative, out NULL, no such set); -EACCES; -EIDRM. */
SYSV_API int sysv_sem_stat(int id, sysv_sem_status *out);

/* Removes the set (IPC_RMID) and sets s->id to -1. Every process waiting on
   it wakes with -EIDRM; the key is free at once.
   Errors: -EINVAL (s NULL or not open, no such set); -EPERM (not the
   owner or creator); -EIDRM. */
SYSV_API int sysv_sem_remove(sysv_semset *s);

#ifdef __cplusplus
}
#endif

#endif /* SYSV_SEM_H */
