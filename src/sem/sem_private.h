/* Private to src/sem: what sem.c and mutex.c share. */
#ifndef SYSV_SEM_PRIVATE_H
#define SYSV_SEM_PRIVATE_H

#include <stddef.h>
#include <sys/sem.h>

#include <sysv/sem.h>

#include "../common/internal.h"

/* The largest value a semaphore can hold: the kernel's SEMVMX, a constant
   of its ABI (not a tunable), also reported by IPC_INFO as semvmx. */
#define SYSV__SEMVMX 32767

/* sysv_sem_open, telling whether this call created (and initialised) the
   set: *created is 1 then, 0 when it opened an existing one. Tests use it
   to count creators in the initialisation race. */
int sysv__sem_open(sysv_semset *s, key_t key, int nsems, const unsigned short *init, int flags,
                   mode_t mode, int *created);

/* Runs one semop under the library's conventions, on operations already
   checked and carrying their final sem_flg: deadline NULL blocks without
   a limit (semop); otherwise semtimedop gets the time left, and a call
   restarted after a signal (SYSV_RESTART in flags) gets what is left then.
   EAGAIN becomes -ETIMEDOUT when it came from the deadline, and stays
   -EAGAIN when an operation with IPC_NOWAIT would have blocked. Returns 0
   or a negative errno. */
int sysv__semop(int id, struct sembuf *ops, size_t nops, int flags, const sysv__deadline *deadline);

#endif /* SYSV_SEM_PRIVATE_H */
