/*
 * libsysv: a lock between processes that survives its holder's death.
 *
 * A mutex is a semaphore set of SYSV_MUTEX_NSEMS semaphores that any
 * process can open by key. A process that dies while holding it (exit,
 * crash, SIGKILL) does not leave it locked forever: the kernel undoes its
 * hold (SEM_UNDO). The next sysv_mutex_lock then returns -EOWNERDEAD, once,
 * with the lock held, so that the new holder can repair what the dead one
 * left half done:
 *
 *     sysv_mutex m = SYSV_MUTEX_INIT;
 *     sysv_mutex_open(&m, key, SYSV_CREATE, 0600);
 *     int rc = sysv_mutex_lock(&m, NULL);
 *     if (rc == -EOWNERDEAD)
 *         repair(shared);             the lock is held: repair, then go on
 *     else if (rc < 0)
 *         fail(rc);                   not held
 *     shared->count++;
 *     sysv_mutex_unlock(&m);
 *
 * The set's semaphores: 0 is 1 when the lock is free and 0 when it is held
 * (taken with SEM_UNDO); 1 and 2 hold the holder's pid (pid & 0x7fff and
 * pid >> 15), 0 when nobody holds it. The kernel's undo at a holder's death
 * frees semaphore 0 but leaves its pid in 1 and 2: that is how the next
 * holder learns of the death. Taking and giving back the lock are each one
 * semop (one system call) when nobody died.
 *
 * The holder is a process, not a thread. Threads of one process share its
 * pid and its SEM_UNDO state, so: any thread of the holding process may
 * unlock; a thread that ends while holding the lock does not release it
 * (only the end of the whole process does); and a thread that locks it
 * again while its own process holds it waits for itself (use a pthread
 * mutex inside the process, this one between processes). A child made by
 * fork() does not hold its parent's lock. The library caches its pid and
 * forgets it in pthread_atfork's child handler, so a child made without
 * it (_Fork, vfork, a raw clone or fork system call) must exec, or not
 * touch the mutex, before it exits. Setting the set's values by hand
 * (sysv_sem_set, semctl SETALL) clears the undo record and breaks the
 * protection: don't. Processes that share a mutex must see one another's
 * pids (one pid namespace).
 */
#ifndef SYSV_MUTEX_H
#define SYSV_MUTEX_H

#include <sys/types.h>
#include <time.h>

#include <sysv/ipc.h>
#include <sysv/sem.h>

#ifdef __cplusplus
extern "C" {
#endif

struct timespec;

/* A mutex as this process knows it. Initialise with SYSV_MUTEX_INIT. */
typedef struct sysv_mutex {
    sysv_semset set; /* read-only: the set behind it */
} sysv_mutex;

#define SYSV_MUTEX_INIT                                                                            \
    {                                                                                              \
        SYSV_SEMSET_INIT                                                                           \
    }

/* How many semaphores a mutex's set holds. */
#define SYSV_MUTEX_NSEMS 3

/* Opens the mutex with this key, creating it unlocked with SYSV_CREATE
   (and only creating it with SYSV_EXCL as well), without the
   initialisation race (see sysv_sem_open). mode as for sysv_sem_open; the
   default 0600 lets only the owner's processes use it. Sets m->set.id to -1
   first. A set of SYSV_MUTEX_NSEMS semaphores that no process has ever
   operated on, all 0 (its creator died before setting the values, or
   ipcmk -S 3 made it), is made free rather than left locked with no
   holder.
   Errors: those of sysv_sem_open; -EINVAL also when the key names a set
   that is not SYSV_MUTEX_NSEMS semaphores. */
SYSV_API int sysv_mutex_open(sysv_mutex *m, key_t key, int flags, mode_t mode);

/* Takes the lock, waiting while another process holds it: forever with
   timeout NULL, or for at most *timeout. A signal handler does not end the
   wait (as with pthread_mutex_lock); use a timeout to bound it.
   Returns 0 when the lock is taken, or -EOWNERDEAD when it is taken and
   its previous holder died holding it: reported to one process, once per
   death. The data it guarded may be half updated: repair it before
   unlocking. If the repairer dies too, the next holder is told again.
   Errors (the lock is not held): -EINVAL (m NULL or not open, bad
   timeout); -ETIMEDOUT; -EIDRM (removed while waiting); -EACCES. */
SYSV_API int sysv_mutex_lock(sysv_mutex *m, const struct timespec *timeout);

/* Takes the lock if it is free, without waiting. Returns 0, or
   -EOWNERDEAD as sysv_mutex_lock.
   Errors: -EBUSY (another process holds it, or this one does); -EINVAL;
   -EIDRM; -EACCES. */
SYSV_API int sysv_mutex_trylock(sysv_mutex *m);

/* Releases the lock, waking one waiter.
   Errors: -EPERM (this process does not hold it: it is free, or another
   process holds it; nothing changes); -EINVAL (m NULL or not open);
   -EIDRM; -EACCES. */
SYSV_API int sysv_mutex_unlock(sysv_mutex *m);

/* Removes the mutex's set (IPC_RMID) and sets m->set.id to -1; processes
   waiting for it wake with -EIDRM.
   Errors: -EINVAL (m NULL or not open); -EPERM (not the owner or
   creator). */
SYSV_API int sysv_mutex_remove(sysv_mutex *m);

#ifdef __cplusplus
}
#endif

#endif /* SYSV_MUTEX_H */
