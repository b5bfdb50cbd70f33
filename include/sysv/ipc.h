/*
 * libsysv: the common layer shared by shared memory, message queues and
 * semaphore sets: error codes, keys, get-operation flags, the permission
 * record (struct ipc_perm), and kind-generic lookup, removal and listing.
 *
 * Conventions for every libsysv function:
 *   - 0 or a non-negative result on success, a negative errno on failure
 *     (-EINVAL, -EACCES, -EIDRM, ...); errno is never left for the caller.
 *     sysv_strerror() and sysv_errname() turn any such code into words.
 *   - Bad arguments (NULL pointers, sizes out of range, an index past the
 *     set, unknown flag bits) give -EINVAL before any system call.
 *   - Blocking calls take `const struct timespec *timeout`, a relative
 *     interval; NULL waits forever, expiry is -ETIMEDOUT. SYSV_NOWAIT never
 *     blocks (-EAGAIN); without SYSV_RESTART a signal handler that runs
 *     makes the call return -EINTR, and no message or unit is lost or taken
 *     twice. An object removed while a call waits on it gives -EIDRM.
 *   - Handles are small structs the caller owns. Initialise them with their
 *     *_INIT macro (id -1: id 0 is a real IPC id); every *_open sets id -1
 *     before anything can fail, and *_remove / sysv_shm_detach on a handle
 *     never opened return -EINVAL without a system call, so one cleanup path
 *     is always safe.
 *   - Objects are created with mode SYSV_MODE_DEFAULT (0600) unless the
 *     caller passes a wider mode; the umask does not apply to IPC objects.
 *   - No hidden global state: every function is thread-safe.
 */
#ifndef SYSV_IPC_H
#define SYSV_IPC_H

#include <stddef.h>
#include <sys/ipc.h>
#include <sys/types.h>

#include <sysv/version.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the exported surface: the library is built with hidden visibility,
   so only what carries SYSV_API appears in libsysv.so's dynamic symbols. */
#if defined(__GNUC__)
#define SYSV_API __attribute__((visibility("default")))
#else
#define SYSV_API
#endif

struct timespec;

/* The three kinds of System V IPC object. */
typedef enum sysv_kind { SYSV_SHM = 1, SYSV_MSG = 2, SYSV_SEM = 3 } sysv_kind;

/* "shm", "msg" or "sem" (the names ipcs and ipcrm use); "unknown" for any
   other value. Never NULL. */
SYSV_API const char *sysv_kind_name(sysv_kind kind);

/* ---- Errors ------------------------------------------------------------ */

/* Plain words for an error code, said about IPC where that helps ("the IPC
   object was removed"). Takes -EIDRM and EIDRM alike; 0 is "success"; an
   unknown code gives "unknown error". Never NULL, never a buffer to free. */
SYSV_API const char *sysv_strerror(int err);

/* The errno's symbolic name: "EIDRM", "ETIMEDOUT"; -x and x alike; "OK" for
   0 and "EUNKNOWN" for a code libsysv does not know. Never NULL. */
SYSV_API const char *sysv_errname(int err);

/* ---- Keys -------------------------------------------------------------- */

/* IPC_PRIVATE: a get operation with this key always makes a new object.
   "Private" names only that: anyone who learns the id and passes the mode
   bits can use the object. */
#define SYSV_KEY_PRIVATE ((key_t)IPC_PRIVATE)

/* The key ftok(3) derives from an existing file and a project id, as the
   textbook does: ftok("/some/file", 'A'). Only the low 16 bits of the inode
   and 8 bits of the device enter the key, so two files can share one, and a
   file that is deleted and made again usually gets a new key.
   Errors: -EINVAL (NULL argument, proj_id outside 1..255); -ENOENT (no such
   path); -EACCES, -ENOTDIR, -ELOOP, -ENAMETOOLONG as stat(2) reports them. */
SYSV_API int sysv_key_path(const char *path, int proj_id, key_t *out);

/* A key derived from a name alone, the same on every machine and in every
   libsysv version: the 32-bit FNV-1a hash of the name's bytes, with the one
   value that would be IPC_PRIVATE (0) replaced by 0x811c9dc5 (FNV's offset
   basis). Two programs that agree on "jobs" meet on the same object.
   Errors: -EINVAL (NULL argument or empty name). */
SYSV_API int sysv_key_name(const char *name, key_t *out);

/* Parses a key written as text, strictly (no spaces, no trailing junk):
     "0x1f2e"               hexadecimal, as ipcs prints keys (up to 0xffffffff)
     "4660", "-1"           decimal (a key_t, or its unsigned 32-bit spelling)
     "path:/etc/hosts:65"   sysv_key_path("/etc/hosts", 65); the project id may
                            also be one character that is not a digit:
                            "path:/tmp/lab:A" is ftok("/tmp/lab", 'A')
     "name:jobs"            sysv_key_name("jobs")
     "private"              SYSV_KEY_PRIVATE
   Errors: -EINVAL (NULL, text that does not parse, a number out of range);
   for "path:", whatever sysv_key_path returns (-ENOENT, ...). */
SYSV_API int sysv_key_parse(const char *text, key_t *out);

/* Writes the key as ipcs prints it, "0x00001f2e": 10 characters and a NUL,
   so cap must be at least SYSV_KEY_STRLEN (11). Returns 0.
   Errors: -EINVAL (buf NULL, or cap below 11: buf then holds "" if
   cap > 0). */
SYSV_API int sysv_key_format(key_t key, char *buf, size_t cap);

/* Room for sysv_key_format's text and its NUL. */
#define SYSV_KEY_STRLEN 11

/* ---- Flags ------------------------------------------------------------- */

/* Get-operation flags, taken by sysv_shm_open, sysv_msg_open, sysv_sem_open
   and sysv_mutex_open. */
#define SYSV_CREATE 0x0001 /* IPC_CREAT: create the object when the key has none */
#define SYSV_EXCL 0x0002   /* with SYSV_CREATE: -EEXIST when it already exists */
#define SYSV_OWNED                                                                                 \
    0x0004 /* open only an object whose creator (cuid) is the                                      \
              caller's effective uid: -EPERM otherwise (defends                                    \
              against another user pre-creating a guessed key) */

/* Flags shared by blocking calls. */
#define SYSV_NOWAIT 0x0010 /* never block: -EAGAIN (or the call's documented code) */
#define SYSV_RESTART                                                                               \
    0x0020 /* after a signal handler ran, go on waiting for the                                    \
              time left instead of returning -EINTR */

/* Each module's own flags take distinct bits too, so that a flag given to a
   call that does not take it is always detected (-EINVAL):
     0x0100-0x0800  message queues (SYSV_MSG_EXCEPT, SYSV_MSG_TRUNCATE)
     0x1000-0x8000  semaphores (SYSV_UNDO), shared memory (SYSV_SHM_RDONLY)
     0x10000-...    the channel's role flags */

/* The mode new objects get when the caller has no reason to share them:
   read and write for the owner only. A mode of 0 passed to an *_open call
   means this default. */
#define SYSV_MODE_DEFAULT 0600

/* ---- The permission record (struct ipc_perm) --------------------------- */

typedef struct sysv_perm {
    key_t key;
    uid_t uid, cuid; /* owner, creator */
    gid_t gid, cgid;
    mode_t mode; /* the low 9 permission bits */
    unsigned short seq;
} sysv_perm;

/* The object's permission record (IPC_STAT). Needs read permission on the
   object (root passes).
   Errors: -EINVAL (unknown kind, negative id, out NULL, or no object with
   that id); -EIDRM (removed); -EACCES (no read permission). */
SYSV_API int sysv_perm_get(sysv_kind kind, int id, sysv_perm *out);

/* Sets the object's owner uid, gid and mode from *in (IPC_SET); the other
   fields of *in are ignored. Read, modify, write: sysv_perm_get first.
   Only the owner, the creator or a privileged process may do it. It needs
   no read permission, so an owner who set mode 0 can undo it. For a queue
   the capacity (msg_qbytes) is kept.
   Errors: -EINVAL (unknown kind, negative id, in NULL, mode bits outside
   0777, uid or gid (uid_t)-1 / (gid_t)-1 or otherwise unmapped, no such
   object); -EPERM (not owner or creator; for a queue also when its
   capacity is above a lowered msgmnb); -EACCES (a queue on a kernel before
   4.17, or a security module refusing the read); -EIDRM. */
SYSV_API int sysv_perm_set(sysv_kind kind, int id, const sysv_perm *in);

/* The id of the existing object with this key, without creating anything.
   Errors: -ENOENT (no object has this key: SYSV_KEY_PRIVATE never finds
   one, and a removed segment that is still attached no longer has one);
   -EINVAL (unknown kind). */
SYSV_API int sysv_lookup(sysv_kind kind, key_t key);

/* Removes the object (IPC_RMID). A queue or set goes at once, and processes
   blocked on it get -EIDRM; a segment goes at its last detach.
   Errors: -EINVAL (unknown kind, negative id, no such object); -EPERM (not
   owner or creator); -EIDRM. */
SYSV_API int sysv_remove(sysv_kind kind, int id);

/* ---- Listing: what ipcs shows ------------------------------------------ */

typedef struct sysv_entry {
    sysv_kind kind;
    int id;
    sysv_perm perm;
    size_t size;                /* shm: segment bytes; msg: bytes queued; sem: 0 */
    unsigned long count;        /* shm: attached processes; msg: messages queued;
                                   sem: semaphores in the set */
    pid_t cpid, lpid;           /* shm: creator, last attach/detach;
                                   msg: last sender, last receiver; sem: 0 */
    time_t atime, dtime, ctime; /* shm: attach, detach, change;
                                   msg: send, receive, change;
                                   sem: last semop, 0, change */
} sysv_entry;

/* Calls fn(entry, arg) for each object of that kind (0: every kind: shm,
   then msg, then sem, each by id) visible in this IPC namespace, as ipcs lists
   them. Objects the caller cannot read are listed too (Linux 4.17 and
   later). The list is a snapshot taken before the first call, so fn may
   remove objects. Stops early when fn returns non-zero, and returns that
   value; 0 when every object was seen.
   Errors: -EINVAL (unknown kind, fn NULL); -ENOMEM; others from the kernel. */
SYSV_API int sysv_list(sysv_kind kind, int (*fn)(const sysv_entry *entry, void *arg), void *arg);

/* ---- Kernel limits (IPC_INFO) ------------------------------------------ */

typedef struct sysv_limits {
    size_t shmmax, shmmin, shmall, shmmni, shmseg; /* shmall counts pages */
    size_t msgmax, msgmnb, msgmni;
    size_t semmsl, semmns, semopm, semvmx, semmni;
} sysv_limits;

/* The limits in force in this IPC namespace (what ipcs -l prints).
   Errors: -EINVAL (out NULL); others from the kernel. */
SYSV_API int sysv_limits_get(sysv_limits *out);

/* ---- Version ----------------------------------------------------------- */

/* The version of the library actually loaded ("0.1.0"), which may differ
   from SYSV_VERSION_STRING, the one compiled against. */
SYSV_API const char *sysv_version(void);

#ifdef __cplusplus
}
#endif

#endif /* SYSV_IPC_H */
