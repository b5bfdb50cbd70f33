/*
 * libsysv: shared memory segments (shmget, shmat, shmdt, shmctl).
 *
 * A segment is memory that several processes map at once: what one writes,
 * the others see at once, with no system call per access. The life of one,
 * as the textbook tells it:
 *
 *     sysv_shm shm = SYSV_SHM_INIT;
 *     sysv_shm_open(&shm, key, 4096, SYSV_CREATE, 0600);  shmget
 *     sysv_shm_attach(&shm, 0);                           shmat: shm.addr
 *     sysv_shm_write(&shm, 0, "hello", 6);                (or use shm.addr)
 *     sysv_shm_detach(&shm);                              shmdt
 *     sysv_shm_remove(&shm);                              shmctl(IPC_RMID)
 *
 * Removal does not free a segment that is still attached somewhere: the
 * kernel marks it, takes its key away at once (so the same key can make a
 * new segment), and frees the memory at the last detach.
 *
 * The segment holds bytes, not objects: the library never orders accesses
 * between processes. Guard shared data with a semaphore or the mutex
 * (<sysv/sem.h>, <sysv/mutex.h>), and store offsets, not pointers, in it:
 * each process may see the segment at a different address.
 */
#ifndef SYSV_SHM_H
#define SYSV_SHM_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include <sysv/ipc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A segment as this process knows it. The caller owns the struct; the
   library only fills it. Initialise it with SYSV_SHM_INIT. */
typedef struct sysv_shm {
    int id;           /* read-only: the shmid, -1 when not open */
    key_t key;        /* read-only: the key it was opened with */
    size_t size;      /* read-only: the segment's real size (shm_segsz), also
                         when it was opened with size 0 */
    void *addr;       /* read-only: where this process sees it; NULL until
                         attached */
    int attach_flags; /* read-only: the flags of the current attachment */
} sysv_shm;

#define SYSV_SHM_INIT                                                                              \
    {                                                                                              \
        -1, 0, 0, NULL, 0                                                                          \
    }

/* sysv_shm_attach: map the segment read-only (SHM_RDONLY). */
#define SYSV_SHM_RDONLY 0x1000

/* Opens the segment with this key, creating it with SYSV_CREATE (and only
   creating it with SYSV_EXCL as well). size is the segment's size when it is
   created; 0 opens an existing segment whatever its size. shm->size is the
   segment's real size either way. mode gives the permissions of a new
   segment (0: SYSV_MODE_DEFAULT) and, for an existing one, the access this
   caller asks for: the default asks for read and write, 0400 for reading
   only. Sets shm->id to -1 first, so a handle stays safe to clean up (and
   forgets any attachment the handle had: detach first). In the rare case
   that the segment was opened but its size could not be read, shm->id is
   set and the error returned, so the caller can still remove it.
   Errors: -EINVAL (shm NULL, unknown flags, mode outside 0777, size 0 or
   outside the kernel's limits for a new segment, or an existing segment
   smaller than size); -ENOENT (no segment and no SYSV_CREATE); -EEXIST
   (SYSV_EXCL and it exists); -EACCES (mode asks for access the segment's
   mode refuses); -EPERM (SYSV_OWNED and another user made it); -ENOSPC,
   -ENOMEM (kernel limits). */
SYSV_API int sysv_shm_open(sysv_shm *shm, key_t key, size_t size, int flags, mode_t mode);

/* Fills the handle for the segment with this id (a shmid that ipcs printed
   or another process passed on), without a get operation: shm->size and
   shm->key come from the kernel (the key is 0 once the segment is marked
   for removal; such a segment can still be attached by id). Needs no read
   permission; sysv_shm_attach checks the access. Sets shm->id to -1 first.
   Errors: -EINVAL (shm NULL, id negative, no such segment); -EIDRM. */
SYSV_API int sysv_shm_open_id(sysv_shm *shm, int id);

/* Maps the segment into this process (shmat) and sets shm->addr; with
   SYSV_SHM_RDONLY the mapping is read-only and sysv_shm_write refuses it.
   A segment already marked for removal can still be attached by id.
   Errors: -EINVAL (shm NULL or not open, unknown flags, no such segment);
   -EBUSY (this handle is already attached: detach first); -EACCES (the
   segment's mode refuses the access); -EIDRM; -ENOMEM; -EMFILE (too many
   attachments in this process). */
SYSV_API int sysv_shm_attach(sysv_shm *shm, int attach_flags);

/* Unmaps the segment (shmdt) and sets shm->addr to NULL. Pointers into the
   segment are invalid afterwards. The last detach of a removed segment
   frees it.
   Errors: -EINVAL (shm NULL or not attached: a cleanup path may call this
   on any handle). */
SYSV_API int sysv_shm_detach(sysv_shm *shm);

/* Copies len bytes at offset in the segment to dst. Every byte must lie in
   the segment (offset + len <= shm->size, computed without overflow). Works
   after sysv_shm_remove as long as this process is attached.
   Errors: -EINVAL (shm or dst NULL, not attached); -ERANGE (any byte past
   the end). */
SYSV_API int sysv_shm_read(const sysv_shm *shm, size_t offset, void *dst, size_t len);

/* Copies len bytes from src to offset in the segment, bounds-checked as
   sysv_shm_read.
   Errors: -EINVAL (shm or src NULL, not attached); -ERANGE (past the end);
   -EACCES (attached with SYSV_SHM_RDONLY: the kernel would answer SIGSEGV). */
SYSV_API int sysv_shm_write(sysv_shm *shm, size_t offset, const void *src, size_t len);

/* Marks the segment for removal (IPC_RMID) and sets shm->id to -1. The
   memory lives on while any process is attached (this one keeps shm->addr
   and may go on reading and writing), but the key is free at once: opening
   it again with SYSV_CREATE makes a new segment.
   Errors: -EINVAL (shm NULL or not open, no such segment); -EPERM (not the
   owner or creator); -EIDRM. */
SYSV_API int sysv_shm_remove(sysv_shm *shm);

/* What IPC_STAT tells of a segment (what ipcs -m shows). */
typedef struct sysv_shm_status {
    sysv_perm perm;
    size_t size;                /* shm_segsz: the size asked for at creation */
    unsigned long nattch;       /* attachments in all processes */
    pid_t cpid, lpid;           /* creator; last shmat or shmdt */
    time_t atime, dtime, ctime; /* last attach, last detach, last change */
    int removed;                /* 1: marked for removal (SHM_DEST), still attached */
    int locked;                 /* 1: SHM_LOCK in force, kept in RAM */
} sysv_shm_status;

/* Fills *out from IPC_STAT. Needs read permission (root passes).
   Errors: -EINVAL (id negative, out NULL, no such segment); -EACCES;
   -EIDRM. */
SYSV_API int sysv_shm_stat(int id, sysv_shm_status *out);

#ifdef __cplusplus
}
#endif

#endif /* SYSV_SHM_H */
