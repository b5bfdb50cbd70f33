/*
 * Private declarations shared by libsysv's folders (src/common and the
 * modules). Nothing here is exported from libsysv.so: the library is built
 * with hidden visibility and these carry no SYSV_API. Tests linked against
 * the static library may call them.
 */
#ifndef SYSV_INTERNAL_H
#define SYSV_INTERNAL_H

#include <stdint.h>
#include <sys/ipc.h>
#include <sys/types.h>
#include <time.h>

#include <sysv/ipc.h>

/* ---- Get operations: flags and SYSV_OWNED ------------------------------ */

/* The flags every *_open accepts. */
#define SYSV__GET_FLAGS (SYSV_CREATE | SYSV_EXCL | SYSV_OWNED)

/* Turns SYSV_CREATE / SYSV_EXCL and a mode into the flag word of shmget,
   msgget and semget. flags may hold only SYSV__GET_FLAGS (a module masks its
   own flags out first); SYSV_EXCL needs SYSV_CREATE; mode may hold only the
   nine permission bits, and 0 stands for SYSV_MODE_DEFAULT.
   Returns 0 and sets *kflags, or -EINVAL. */
int sysv__get_flags(int flags, mode_t mode, int *kflags);

/* -EPERM unless the object's creator (cuid) is the caller's effective uid;
   0 when it is; another negative errno when the object cannot be read. */
int sysv__check_owned(sysv_kind kind, int id);

/* The whole get operation as every module performs it: validates the flags
   (sysv__get_flags), calls get(key, kflags, arg), which makes the kernel call
   and returns an id or a negative errno, and enforces SYSV_OWNED on the
   result. Returns the id or a negative errno. */
int sysv__open(sysv_kind kind, key_t key, int flags, mode_t mode,
               int (*get)(key_t key, int kflags, void *arg), void *arg);

/* ---- Per-kind operations ----------------------------------------------- */

/* How sysv__kind_ops.stat finds the object. */
enum sysv__stat_how {
    SYSV__BY_ID,        /* IPC_STAT on an id */
    SYSV__BY_INDEX_ANY, /* *_STAT_ANY on a slot index: no read permission needed */
    SYSV__BY_INDEX      /* *_STAT on a slot index, for kernels before 4.17 */
};

/* What the kind-generic code in src/common needs from each module: the few
   calls whose arguments differ by kind. One table per kind, defined in
   src/<kind>/, so sysv_perm_get, sysv_lookup, sysv_remove and sysv_list are
   each written once. Every function returns a negative errno on failure. */
typedef struct sysv__kind_ops {
    sysv_kind kind;
    /* shmget/msgget/semget with this key and flag word: the id. */
    int (*get)(key_t key, int kflags);
    /* IPC_STAT (or *_STAT by index) into a sysv_entry: the object's id. */
    int (*stat)(int id_or_index, enum sysv__stat_how how, sysv_entry *out);
    /* IPC_SET of uid, gid and mode, keeping every other settable field. */
    int (*set_perm)(int id, const sysv_perm *in);
    /* IPC_RMID. */
    int (*rmid)(int id);
    /* *_INFO: the highest slot index in use (0 when none). */
    int (*max_index)(void);
    /* IPC_INFO: fills this kind's fields of *out. */
    int (*limits)(sysv_limits *out);
} sysv__kind_ops;

extern const sysv__kind_ops sysv__shm_ops;
extern const sysv__kind_ops sysv__msg_ops;
extern const sysv__kind_ops sysv__sem_ops;

/* The table for a kind, or NULL when the kind is unknown. */
const sysv__kind_ops *sysv__kind(sysv_kind kind);

/* IPC_STAT by id, falling back to *_STAT_ANY when the caller has no read
   permission, so that the owner can be checked anyway. *_STAT_ANY takes a
   slot index, but the kernel keeps only an id's index bits, so the id
   itself names its slot; the id it returns confirms the object is the
   same. Returns 0 or a negative errno. */
int sysv__stat_any(sysv_kind kind, int id, sysv_entry *out);

/* struct ipc_perm to sysv_perm (mode keeps only the nine permission bits). */
void sysv__perm_from_kernel(const struct ipc_perm *in, sysv_perm *out);
/* Copies uid, gid and mode into a struct ipc_perm about to go to IPC_SET. */
void sysv__perm_to_kernel(const sysv_perm *in, struct ipc_perm *out);

/* ---- Blocking calls: timeouts, SYSV_NOWAIT, SYSV_RESTART (wait.c) ------- */

/* -EINVAL unless timeout is NULL or a valid relative interval (tv_sec >= 0,
   0 <= tv_nsec < 1e9); 0 otherwise. Call it before any system call. */
int sysv__timeout_check(const struct timespec *timeout);

/* An absolute point on CLOCK_MONOTONIC. */
typedef struct sysv__deadline {
    struct timespec at;
} sysv__deadline;

/* Now plus a checked timeout (saturating, never wrapping). 0 or -errno. */
int sysv__deadline_start(sysv__deadline *d, const struct timespec *timeout);

/* The time left until the deadline in *left, or -ETIMEDOUT once it has
   passed: what semtimedop needs when it is restarted after a signal. */
int sysv__deadline_left(const sysv__deadline *d, struct timespec *left);

/* One try of a blocking operation: the kernel call with IPC_NOWAIT when
   nowait is set, without it otherwise. Returns its result or a negative
   errno. */
typedef ssize_t (*sysv__attempt_fn)(void *arg, int nowait);

/* Runs a blocking operation under the conventions of every libsysv call:
     SYSV_NOWAIT     one attempt that does not block;
     timeout NULL    one blocking attempt, repeated after -EINTR only with
                     SYSV_RESTART (and only then);
     a timeout       attempts that do not block, with sleeps between them,
                     until one does not return -would_block (the errno the
                     attempt gives when it would have blocked: EAGAIN,
                     ENOMSG) or the deadline passes (-ETIMEDOUT). A signal
                     handler that runs during a sleep gives -EINTR unless
                     SYSV_RESTART. wait.c explains the design and its bounds.
   flags may hold other bits; only SYSV_NOWAIT and SYSV_RESTART are read. */
ssize_t sysv__wait(sysv__attempt_fn attempt, void *arg, int flags, const struct timespec *timeout,
                   int would_block);

/* ---- Keys -------------------------------------------------------------- */

/* 32-bit FNV-1a of len bytes. */
uint32_t sysv__fnv1a(const void *data, size_t len);
/* A 32-bit pattern as a key_t, without relying on implementation-defined
   conversions; 0 (IPC_PRIVATE) becomes 0x811c9dc5. */
key_t sysv__key_from_hash(uint32_t h);

#endif /* SYSV_INTERNAL_H */
