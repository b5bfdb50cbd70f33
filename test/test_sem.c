/* Semaphore sets (src/sem/sem.c): race-free creation, atomic operations,
   SEM_UNDO, waiting, signals and removal, on real sets and real
   processes. */
#include <errno.h>

#include <sysv/sysv.h>

#include "harness.h"

TEST(sem_handles_never_opened_are_refused)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    CHECK_ERR(sysv_sem_remove(&s), EINVAL);
    CHECK_ERR(sysv_sem_post(&s, 0, 0), EINVAL);
}
