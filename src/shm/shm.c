/* Shared memory segments: open, attach, bounds-checked access, removal. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/shm.h>

#include "../common/internal.h"
#include "shm_private.h"

static int shm_get_sized(key_t key, int kflags, void *arg)
{
    /* The size is the kernel's check too: an existing segment smaller than
       it gives EINVAL, and 0 accepts any existing segment. */
    int id = shmget(key, *(const size_t *)arg, kflags);
    return id < 0 ? -errno : id;
}

static void shm_reset(sysv_shm *shm, key_t key)
{
    shm->id = -1;
    shm->key = key;
    shm->size = 0;
    shm->addr = NULL;
    shm->attach_flags = 0;
}

/* Completes a handle from the kernel's record of segment id. The real size:
   the caller may have passed 0, or less than the segment holds. A caller
   who may only write still learns it through SHM_STAT_ANY. */
static int shm_fill(sysv_shm *shm, int id)
{
    /* Set first: should the read fail (a security module, a kernel before
       4.17), the caller can still remove a segment it just created. */
    shm->id = id;
    sysv_entry e;
    int rc = sysv__stat_any(SYSV_SHM, id, &e);
    if (rc < 0)
        return rc;
    shm->key = e.perm.key;
    shm->size = e.size;
    return 0;
}

int sysv_shm_open(sysv_shm *shm, key_t key, size_t size, int flags, mode_t mode)
{
    if (shm == NULL)
        return -EINVAL;
    shm_reset(shm, key);
    int id = sysv__open(SYSV_SHM, key, flags, mode, shm_get_sized, &size);
    if (id < 0)
        return id;
    return shm_fill(shm, id);
}

int sysv_shm_open_id(sysv_shm *shm, int id)
{
    if (shm == NULL)
        return -EINVAL;
    shm_reset(shm, SYSV_KEY_PRIVATE);
    if (id < 0)
        return -EINVAL;
    int rc = shm_fill(shm, id);
    if (rc < 0)
        shm->id = -1; /* nothing was opened: the id names no segment */
    return rc;
}

int sysv_shm_attach(sysv_shm *shm, int attach_flags)
{
    if (shm == NULL || shm->id < 0 || (attach_flags & ~SYSV_SHM_RDONLY) != 0)
        return -EINVAL;
    /* A second shmat would lose the first address, and the mapping with it
       until exit. */
    if (shm->addr != NULL)
        return -EBUSY;
    if (shm->size == 0) {
        /* A handle filled in by hand (an id from sysv_lookup): learn the
           size, or every read and write would be out of range. */
        sysv_entry e;
        int rc = sysv__stat_any(SYSV_SHM, shm->id, &e);
        if (rc < 0)
            return rc;
        shm->size = e.size;
    }
    void *addr = shmat(shm->id, NULL, (attach_flags & SYSV_SHM_RDONLY) ? SHM_RDONLY : 0);
    if (addr == (void *)-1)
        return -errno;
    shm->addr = addr;
    shm->attach_flags = attach_flags;
    return 0;
}

int sysv_shm_detach(sysv_shm *shm)
{
    if (shm == NULL || shm->addr == NULL)
        return -EINVAL;
    if (shmdt(shm->addr) < 0)
        return -errno;
    shm->addr = NULL;
    shm->attach_flags = 0;
    return 0;
}

/* 0 when [offset, offset + len) lies in the attached segment. Written so
   that no sum can wrap: offset is checked first, then len against what is
   left after it. */
static int check_range(const sysv_shm *shm, size_t offset, const void *buf, size_t len)
{
    if (shm == NULL || shm->addr == NULL || buf == NULL)
        return -EINVAL;
    if (offset > shm->size || len > shm->size - offset)
        return -ERANGE;
    return 0;
}

int sysv_shm_read(const sysv_shm *shm, size_t offset, void *dst, size_t len)
{
    int rc = check_range(shm, offset, dst, len);
    if (rc < 0)
        return rc;
    memcpy(dst, (const char *)shm->addr + offset, len);
    return 0;
}

int sysv_shm_write(sysv_shm *shm, size_t offset, const void *src, size_t len)
{
    int rc = check_range(shm, offset, src, len);
    if (rc < 0)
        return rc;
    if (shm->attach_flags & SYSV_SHM_RDONLY)
        return -EACCES;
    memcpy((char *)shm->addr + offset, src, len);
    return 0;
}

int sysv_shm_remove(sysv_shm *shm)
{
    if (shm == NULL || shm->id < 0)
        return -EINVAL;
    if (shmctl(shm->id, IPC_RMID, NULL) < 0)
        return -errno;
    shm->id = -1;
    return 0;
}

void sysv__shm_status_from_ds(const struct shmid_ds *ds, sysv_shm_status *out)
{
    memset(out, 0, sizeof(*out));
    sysv__perm_from_kernel(&ds->shm_perm, &out->perm);
    out->size = ds->shm_segsz;
    out->nattch = ds->shm_nattch;
    out->cpid = ds->shm_cpid;
    out->lpid = ds->shm_lpid;
    out->atime = ds->shm_atime;
    out->dtime = ds->shm_dtime;
    out->ctime = ds->shm_ctime;
    /* The kernel keeps these two above the permission bits. */
    out->removed = (ds->shm_perm.mode & SHM_DEST) != 0;
    out->locked = (ds->shm_perm.mode & SHM_LOCKED) != 0;
}

int sysv_shm_stat(int id, sysv_shm_status *out)
{
    if (id < 0 || out == NULL)
        return -EINVAL;
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) < 0)
        return -errno;
    sysv__shm_status_from_ds(&ds, out);
    return 0;
}
