/* Shared memory's entry in the common layer's per-kind table. */
#include <errno.h>
#include <string.h>
#include <sys/shm.h>

#include "../common/internal.h"
#include "shm_private.h"

static int shm_get(key_t key, int kflags)
{
    /* Size 0 opens an existing segment of any size. */
    int id = shmget(key, 0, kflags);
    return id < 0 ? -errno : id;
}

static int shm_stat(int id_or_index, enum sysv__stat_how how, sysv_entry *out)
{
    static const int cmd[] = {
        [SYSV__BY_ID] = IPC_STAT, [SYSV__BY_INDEX_ANY] = SHM_STAT_ANY, [SYSV__BY_INDEX] = SHM_STAT};
    struct shmid_ds ds;
    int rc = shmctl(id_or_index, cmd[how], &ds);
    if (rc < 0)
        return -errno;
    int id = how == SYSV__BY_ID ? id_or_index : rc;

    sysv_shm_status st;
    sysv__shm_status_from_ds(&ds, &st);
    memset(out, 0, sizeof(*out));
    out->kind = SYSV_SHM;
    out->id = id;
    out->perm = st.perm;
    out->size = st.size;
    out->count = st.nattch;
    out->cpid = st.cpid;
    out->lpid = st.lpid;
    out->atime = st.atime;
    out->dtime = st.dtime;
    out->ctime = st.ctime;
    return id;
}

static int shm_set_perm(int id, const sysv_perm *in)
{
    /* IPC_SET on a segment reads only uid, gid and mode: no IPC_STAT
       needed, so an owner who locked everyone out (mode 0) can fix it. */
    struct shmid_ds ds;
    memset(&ds, 0, sizeof(ds));
    sysv__perm_to_kernel(in, &ds.shm_perm);
    return shmctl(id, IPC_SET, &ds) < 0 ? -errno : 0;
}

static int shm_rmid(int id)
{
    return shmctl(id, IPC_RMID, NULL) < 0 ? -errno : 0;
}

static int shm_max_index(void)
{
    struct shm_info info;
    int rc = shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info);
    return rc < 0 ? -errno : rc;
}

static int shm_limits(sysv_limits *out)
{
    struct shminfo info;
    if (shmctl(0, IPC_INFO, (struct shmid_ds *)(void *)&info) < 0)
        return -errno;
    out->shmmax = info.shmmax;
    out->shmmin = info.shmmin;
    out->shmall = info.shmall;
    out->shmmni = info.shmmni;
    out->shmseg = info.shmseg;
    return 0;
}

const sysv__kind_ops sysv__shm_ops = {
    .kind = SYSV_SHM,
    .get = shm_get,
    .stat = shm_stat,
    .set_perm = shm_set_perm,
    .rmid = shm_rmid,
    .max_index = shm_max_index,
    .limits = shm_limits,
};
