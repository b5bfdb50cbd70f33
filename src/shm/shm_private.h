/* Private to src/shm: what shm.c and shm_kind.c share. */
#ifndef SYSV_SHM_PRIVATE_H
#define SYSV_SHM_PRIVATE_H

#include <sys/shm.h>

#include <sysv/shm.h>

/* struct shmid_ds as a sysv_shm_status, SHM_DEST and SHM_LOCKED included. */
void sysv__shm_status_from_ds(const struct shmid_ds *ds, sysv_shm_status *out);

#endif /* SYSV_SHM_PRIVATE_H */
