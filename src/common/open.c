/* The get operation shared by every module: flags, mode, and SYSV_OWNED. */
#include <errno.h>
#include <sys/ipc.h>
#include <unistd.h>

#include "internal.h"

int sysv__get_flags(int flags, mode_t mode, int *kflags)
{
    if (kflags == NULL || (flags & ~SYSV__GET_FLAGS) != 0)
        return -EINVAL;
    /* IPC_EXCL alone is ignored by the kernel; asking for it without
       SYSV_CREATE is a mistake worth reporting. */
    if ((flags & SYSV_EXCL) && !(flags & SYSV_CREATE))
        return -EINVAL;
    /* The execute bits mean nothing to IPC, and anything above 0777 would
       reach the kernel's flag bits (IPC_CREAT is 01000). */
    if ((mode & ~(mode_t)0777) != 0)
        return -EINVAL;
    if (mode == 0)
        mode = SYSV_MODE_DEFAULT;

    int k = (int)mode;
    if (flags & SYSV_CREATE)
        k |= IPC_CREAT;
    if (flags & SYSV_EXCL)
        k |= IPC_EXCL;
    *kflags = k;
    return 0;
}

int sysv__check_owned(sysv_kind kind, int id)
{
    sysv_entry e;
    int rc = sysv__stat_any(kind, id, &e);
    if (rc < 0)
        return rc;
    return e.perm.cuid == geteuid() ? 0 : -EPERM;
}

int sysv__open(sysv_kind kind, key_t key, int flags, mode_t mode,
               int (*get)(key_t key, int kflags, void *arg), void *arg)
{
    int kflags;
    int rc = sysv__get_flags(flags, mode, &kflags);
    if (rc < 0)
        return rc;
    if (sysv__kind(kind) == NULL || get == NULL)
        return -EINVAL;

    int id = get(key, kflags, arg);
    if (id == -EACCES && (flags & SYSV_OWNED) && key != SYSV_KEY_PRIVATE) {
        /* The mode bits refused us. If another user made the object, say
           so (-EPERM): that is the squatting SYSV_OWNED exists to catch. */
        int other = sysv__kind(kind)->get(key, 0);
        if (other >= 0 && sysv__check_owned(kind, other) == -EPERM)
            return -EPERM;
        return -EACCES;
    }
    if (id < 0)
        return id;
    /* The object stays: it was not ours to remove. */
    if (flags & SYSV_OWNED) {
        rc = sysv__check_owned(kind, id);
        if (rc < 0)
            return rc;
    }
    return id;
}
