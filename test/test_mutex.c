/* The crash-safe mutex (src/sem/mutex.c): exclusion, owner death,
   trylock and unlock rules, on real processes. */
#include <errno.h>

#include <sysv/sysv.h>

#include "harness.h"

TEST(mutex_handles_never_opened_are_refused)
{
    sysv_mutex m = SYSV_MUTEX_INIT;
    CHECK_ERR(sysv_mutex_lock(&m, NULL), EINVAL);
    CHECK_ERR(sysv_mutex_remove(&m), EINVAL);
}
