/* Kind-generic operations on any IPC object: permission record, lookup,
   removal, listing. The per-kind calls come from the tables in src/<kind>/. */
#include <errno.h>

#include "internal.h"

const sysv__kind_ops *sysv__kind(sysv_kind kind)
{
    switch (kind) {
    case SYSV_SHM:
        return &sysv__shm_ops;
    case SYSV_MSG:
        return &sysv__msg_ops;
    case SYSV_SEM:
        return &sysv__sem_ops;
    }
    return NULL;
}

void sysv__perm_from_kernel(const struct ipc_perm *in, sysv_perm *out)
{
    out->key = in->__key;
    out->uid = in->uid;
    out->gid = in->gid;
    out->cuid = in->cuid;
    out->cgid = in->cgid;
    /* shm keeps SHM_DEST and SHM_LOCKED above the permission bits. */
    out->mode = (mode_t)(in->mode & 0777);
    out->seq = in->__seq;
}

void sysv__perm_to_kernel(const sysv_perm *in, struct ipc_perm *out)
{
    out->uid = in->uid;
    out->gid = in->gid;
    out->mode = in->mode;
}

int sysv__stat_any(sysv_kind kind, int id, sysv_entry *out)
{
    const sysv__kind_ops *ops = sysv__kind(kind);
    if (ops == NULL || id < 0 || out == NULL)
        return -EINVAL;
    int rc = ops->stat(id, SYSV__BY_ID, out);
    if (rc != -EACCES)
        return rc < 0 ? rc : 0;
    /* The slot index is the id's low bits: 15 of them, or 24 under the
       ipcmni_extend boot option. The id read back confirms the slot. */
    static const int index_bits[] = {15, 24};
    for (size_t i = 0; i < sizeof(index_bits) / sizeof(index_bits[0]); i++) {
        int index = id & ((1 << index_bits[i]) - 1);
        if (ops->stat(index, SYSV__BY_INDEX_ANY, out) == id)
            return 0;
    }
    return -EACCES;
}

int sysv_perm_get(sysv_kind kind, int id, sysv_perm *out)
{
    const sysv__kind_ops *ops = sysv__kind(kind);
    if (ops == NULL || id < 0 || out == NULL)
        return -EINVAL;
    sysv_entry e;
    int rc = ops->stat(id, SYSV__BY_ID, &e);
    if (rc < 0)
        return rc;
    *out = e.perm;
    return 0;
}

int sysv_perm_set(sysv_kind kind, int id, const sysv_perm *in)
{
    const sysv__kind_ops *ops = sysv__kind(kind);
    if (ops == NULL || id < 0 || in == NULL || (in->mode & ~(mode_t)0777) != 0)
        return -EINVAL;
    return ops->set_perm(id, in);
}

int sysv_lookup(sysv_kind kind, key_t key)
{
    const sysv__kind_ops *ops = sysv__kind(kind);
    /* A get with IPC_PRIVATE would create a new object, not find one. */
    if (ops == NULL || key == SYSV_KEY_PRIVATE)
        return -EINVAL;
    return ops->get(key, 0);
}

int sysv_remove(sysv_kind kind, int id)
{
    const sysv__kind_ops *ops = sysv__kind(kind);
    if (ops == NULL || id < 0)
        return -EINVAL;
    return ops->rmid(id);
}

/* Visits every used slot of one kind. *_STAT_ANY lists objects the caller
   cannot read, as ipcs does; where the kernel predates it (EINVAL on every
   slot), plain *_STAT still lists the readable ones. */
static int list_kind(const sysv__kind_ops *ops, int (*fn)(const sysv_entry *, void *), void *arg)
{
    int max = ops->max_index();
    if (max < 0)
        return max;
    for (int index = 0; index <= max; index++) {
        sysv_entry e;
        int id = ops->stat(index, SYSV__BY_INDEX_ANY, &e);
        if (id == -EINVAL)
            id = ops->stat(index, SYSV__BY_INDEX, &e);
        /* An empty slot, one removed since *_INFO, or one we may not read. */
        if (id == -EINVAL || id == -EIDRM || id == -EACCES)
            continue;
        if (id < 0)
            return id;
        int stop = fn(&e, arg);
        if (stop != 0)
            return stop;
    }
    return 0;
}

int sysv_list(sysv_kind kind, int (*fn)(const sysv_entry *entry, void *arg), void *arg)
{
    if (fn == NULL)
        return -EINVAL;
    if (kind != 0) {
        const sysv__kind_ops *ops = sysv__kind(kind);
        return ops == NULL ? -EINVAL : list_kind(ops, fn, arg);
    }
    static const sysv_kind all[] = {SYSV_SHM, SYSV_MSG, SYSV_SEM};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        int rc = list_kind(sysv__kind(all[i]), fn, arg);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int sysv_limits_get(sysv_limits *out)
{
    if (out == NULL)
        return -EINVAL;
    sysv_limits l = {0};
    static const sysv_kind all[] = {SYSV_SHM, SYSV_MSG, SYSV_SEM};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        int rc = sysv__kind(all[i])->limits(&l);
        if (rc < 0)
            return rc;
    }
    *out = l;
    return 0;
}
