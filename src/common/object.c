/* Kind-generic operations on any IPC object: permission record, lookup,
   removal, listing. The per-kind calls come from the tables in src/<kind>/. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

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
    return ops->stat(id, SYSV__BY_INDEX_ANY, out) == id ? 0 : -EACCES;
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
    /* (uid_t)-1 and (gid_t)-1 name nobody (chown's "leave it"): the kernel
       would say EINVAL too, but only after its owner check. */
    if (in->uid == (uid_t)-1 || in->gid == (gid_t)-1)
        return -EINVAL;
    return ops->set_perm(id, in);
}

int sysv_lookup(sysv_kind kind, key_t key)
{
    const sysv__kind_ops *ops = sysv__kind(kind);
    if (ops == NULL)
        return -EINVAL;
    /* No existing object has the key IPC_PRIVATE, and a get with it would
       create one instead of finding one. */
    if (key == SYSV_KEY_PRIVATE)
        return -ENOENT;
    return ops->get(key, 0);
}

int sysv_remove(sysv_kind kind, int id)
{
    const sysv__kind_ops *ops = sysv__kind(kind);
    if (ops == NULL || id < 0)
        return -EINVAL;
    return ops->rmid(id);
}

/* A growing array of entries: sysv_list takes a snapshot first, so that it
   can give the objects in id order and so that fn may remove objects (the
   kernel's slots would shift under a live walk). */
struct entries {
    sysv_entry *v;
    size_t n, cap;
};

static int push(struct entries *es, const sysv_entry *e)
{
    if (es->n == es->cap) {
        size_t cap = es->cap ? es->cap * 2 : 64;
        if (cap > SIZE_MAX / sizeof(*es->v))
            return -ENOMEM;
        sysv_entry *v = realloc(es->v, cap * sizeof(*v));
        if (v == NULL)
            return -ENOMEM;
        es->v = v;
        es->cap = cap;
    }
    es->v[es->n++] = *e;
    return 0;
}

/* Every used slot of one kind. *_STAT_ANY lists objects the caller cannot
   read, as ipcs does; where the kernel predates it (EINVAL on every slot),
   plain *_STAT still lists the readable ones. */
static int gather(const sysv__kind_ops *ops, struct entries *es)
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
        int rc = push(es, &e);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The kernel hands out slots cyclically; a slot reused after a wrap gets a
   higher sequence number, so slot order and id order can differ. */
static int by_kind_then_id(const void *a, const void *b)
{
    const sysv_entry *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

int sysv_list(sysv_kind kind, int (*fn)(const sysv_entry *entry, void *arg), void *arg)
{
    if (fn == NULL || (kind != 0 && sysv__kind(kind) == NULL))
        return -EINVAL;
    static const sysv_kind all[] = {SYSV_SHM, SYSV_MSG, SYSV_SEM};
    struct entries es = {NULL, 0, 0};
    int rc = 0;
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]) && rc == 0; i++)
        if (kind == 0 || kind == all[i])
            rc = gather(sysv__kind(all[i]), &es);
    if (rc == 0 && es.n > 1)
        qsort(es.v, es.n, sizeof(*es.v), by_kind_then_id);
    for (size_t i = 0; i < es.n && rc == 0; i++)
        rc = fn(&es.v[i], arg);
    free(es.v);
    return rc;
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
