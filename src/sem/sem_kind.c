/* Semaphore sets' entry in the common layer's per-kind table. */
#include <errno.h>
#include <string.h>
#include <sys/sem.h>

#include "../common/internal.h"
#include "semun.h"

static int sem_get(key_t key, int kflags)
{
    /* nsems 0 opens an existing set of any size. */
    int id = semget(key, 0, kflags);
    return id < 0 ? -errno : id;
}

static int sem_stat(int id_or_index, enum sysv__stat_how how, sysv_entry *out)
{
    static const int cmd[] = {
        [SYSV__BY_ID] = IPC_STAT, [SYSV__BY_INDEX_ANY] = SEM_STAT_ANY, [SYSV__BY_INDEX] = SEM_STAT};
    struct semid_ds ds;
    memset(&ds, 0, sizeof(ds));
    union sysv__semun arg = {.buf = &ds};
    int rc = semctl(id_or_index, 0, cmd[how], arg);
    if (rc < 0)
        return -errno;
    int id = how == SYSV__BY_ID ? id_or_index : rc;

    memset(out, 0, sizeof(*out));
    out->kind = SYSV_SEM;
    out->id = id;
    sysv__perm_from_kernel(&ds.sem_perm, &out->perm);
    out->count = ds.sem_nsems;
    out->atime = ds.sem_otime;
    out->ctime = ds.sem_ctime;
    return id;
}

static int sem_set_perm(int id, const sysv_perm *in)
{
    /* IPC_SET on a set reads only uid, gid and mode (see shm_set_perm). */
    struct semid_ds ds;
    memset(&ds, 0, sizeof(ds));
    sysv__perm_to_kernel(in, &ds.sem_perm);
    union sysv__semun arg = {.buf = &ds};
    return semctl(id, 0, IPC_SET, arg) < 0 ? -errno : 0;
}

static int sem_rmid(int id)
{
    return semctl(id, 0, IPC_RMID) < 0 ? -errno : 0;
}

static int sem_max_index(void)
{
    struct seminfo info;
    union sysv__semun arg = {.info = &info};
    int rc = semctl(0, 0, SEM_INFO, arg);
    return rc < 0 ? -errno : rc;
}

static int sem_limits(sysv_limits *out)
{
    struct seminfo info;
    memset(&info, 0, sizeof(info));
    union sysv__semun arg = {.info = &info};
    if (semctl(0, 0, IPC_INFO, arg) < 0)
        return -errno;
    out->semmsl = (size_t)info.semmsl;
    out->semmns = (size_t)info.semmns;
    out->semopm = (size_t)info.semopm;
    out->semvmx = (size_t)info.semvmx;
    out->semmni = (size_t)info.semmni;
    return 0;
}

const sysv__kind_ops sysv__sem_ops = {
    .kind = SYSV_SEM,
    .get = sem_get,
    .stat = sem_stat,
    .set_perm = sem_set_perm,
    .rmid = sem_rmid,
    .max_index = sem_max_index,
    .limits = sem_limits,
};
