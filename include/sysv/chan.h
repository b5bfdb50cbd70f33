/*
 * libsysv: a message channel in shared memory, between one writer and one
 * reader process at a time, that survives the death of either.
 *
 * Messages of any size up to sysv_chan_max_message go through a ring of
 * bytes in one System V segment. While both sides are awake a message
 * costs no system call: the writer publishes it with one atomic store and
 * the reader sees it in shared memory. A side that must wait (the reader
 * on an empty ring, the writer on a full one) spins for a few tens of
 * microseconds, then sleeps on a semaphore, and is woken only when the
 * other side sees that it sleeps.
 *
 *     sysv_chan w = SYSV_CHAN_INIT, r = SYSV_CHAN_INIT;
 *     sysv_chan_open(&w, key, 1 << 20, SYSV_CHAN_WRITER | SYSV_CREATE, 0600);
 *     sysv_chan_send(&w, "job", 3, 0, NULL);
 *     ... in the reader process:
 *     sysv_chan_open(&r, key, 0, SYSV_CHAN_READER, 0);
 *     n = sysv_chan_recv(&r, buf, sizeof(buf), 0, NULL);
 *     sysv_chan_close(&r);                ... and at the very end:
 *     sysv_chan_remove(&w);
 *
 * Death is proven by the kernel, never guessed from a timeout. Each role is
 * a semaphore taken with SEM_UNDO, which the kernel gives back when its
 * holder ends, SIGKILL included, and the same undo wakes the other side if
 * it sleeps. So:
 *   - opening a role that a live process holds is -EBUSY, at once;
 *   - opening a role whose holder died takes it over; a dead writer's
 *     half-written message is discarded first (counted in `repairs`), never
 *     delivered: a message becomes visible only when its header is stored,
 *     last, with its 64-bit ring position;
 *   - a reader blocked on an empty ring whose writer closes or dies wakes
 *     at once, and gets -EPIPE once it has taken every message left;
 *   - the reader's position lives in the segment and moves only after a
 *     message is copied out, so a new reader resumes where a dead one
 *     stopped: a reader killed inside sysv_chan_recv may lose the one
 *     message it was taking (or, killed before it moved, leave it for the
 *     next reader), never more, and a message recv returned is never
 *     delivered twice.
 *
 * The channel uses one segment and one set of five semaphores, both with
 * the key given (SYSV_KEY_PRIVATE: new ones, known to this process only).
 * Roles do not pass across fork(): a child opens its own.
 */
#ifndef SYSV_CHAN_H
#define SYSV_CHAN_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include <sysv/ipc.h>

#ifdef __cplusplus
extern "C" {
#endif

struct timespec;

/* A channel as this process sees it, through one role. Initialise with
   SYSV_CHAN_INIT; every field is read-only. */
typedef struct sysv_chan {
    int shmid;                /* the segment; -1 when not open */
    int semid;                /* the semaphore set */
    key_t key;                /* the key it was opened with */
    int role;                 /* SYSV_CHAN_WRITER or SYSV_CHAN_READER; 0 when not open */
    void *base;               /* where the segment is attached */
    size_t capacity;          /* ring bytes */
    size_t max_message;       /* the longest message */
    unsigned long long pos;   /* this role's place in the ring */
    unsigned long long limit; /* writer: how far it may write before it
                                 looks at the reader's place again */
    unsigned long long salt;  /* the channel's, mixed into record headers */
} sysv_chan;

#define SYSV_CHAN_INIT                                                                             \
    {                                                                                              \
        -1, -1, 0, 0, NULL, 0, 0, 0, 0, 0                                                          \
    }

/* sysv_chan_open: the role to take, exactly one of them. */
#define SYSV_CHAN_WRITER 0x10000
#define SYSV_CHAN_READER 0x20000

/* Opens the channel with this key in one role, creating it with
   SYSV_CREATE (only creating it with SYSV_EXCL too).
   capacity: the ring's size in bytes when creating, rounded up to a power
   of two of at least 1024; 0 opens an existing channel whatever its size,
   and a capacity above an existing channel's is -EINVAL. flags: exactly
   one of SYSV_CHAN_WRITER, SYSV_CHAN_READER, plus SYSV_CREATE, SYSV_EXCL,
   SYSV_OWNED. mode as for the other *_open calls (0: 0600).
   When the role's last holder died without closing, it is taken over:
   for the writer's role the channel is repaired first (a half-written
   message discarded, counted in repairs). One process may hold both roles
   through two handles. Sets c->shmid to -1 first.
   Errors: -EINVAL (c NULL, no role or both, unknown flags, mode outside
   0777, capacity 0 with SYSV_CREATE, above the kernel's limits, or above
   an existing channel's; a segment that is not a channel); -EBUSY (a live
   process holds that role); -ENOENT; -EEXIST; -EACCES; -EPERM
   (SYSV_OWNED); -ETIMEDOUT (another process was creating it and did not
   finish); -ENOSPC, -ENOMEM (kernel limits). */
SYSV_API int sysv_chan_open(sysv_chan *c, key_t key, size_t capacity, int flags, mode_t mode);

/* Writer only. Copies len bytes into the ring as one message (len 0 is a
   message too), waiting while the ring has no room for it. flags:
   SYSV_NOWAIT, SYSV_RESTART.
   Errors: -EINVAL (c NULL or not open, data NULL with len > 0, unknown
   flags, bad timeout); -EPERM (a reader's handle); -EMSGSIZE (len above
   sysv_chan_max_message); -EAGAIN (SYSV_NOWAIT and full); -ETIMEDOUT;
   -EINTR; -EIDRM (removed). */
SYSV_API int sysv_chan_send(sysv_chan *c, const void *data, size_t len, int flags,
                            const struct timespec *timeout);

/* Reader only. Takes the next message into buf and returns its length,
   waiting while the ring is empty. flags: SYSV_NOWAIT, SYSV_RESTART.
   Errors: -EINVAL (c or buf NULL, not open, unknown flags, bad timeout);
   -EPERM (a writer's handle); -E2BIG (the next message is longer than
   cap: it stays, and sysv_chan_max_message bounds every message);
   -EPIPE (the ring is empty and the writer has closed or died: nothing
   can come until a new writer opens; a channel no writer ever opened just
   waits); -EAGAIN (SYSV_NOWAIT and empty); -ETIMEDOUT; -EINTR; -EIDRM;
   -EBADMSG (the ring's contents make no sense: something other than
   libsysv wrote into the segment). */
SYSV_API ssize_t sysv_chan_recv(sysv_chan *c, void *buf, size_t cap, int flags,
                                const struct timespec *timeout);

/* The longest message the channel takes: at least capacity / 4. 0 when c
   is NULL or not open. */
SYSV_API size_t sysv_chan_max_message(const sysv_chan *c);

/* What an operator wants to know of a channel. */
typedef struct sysv_chan_status {
    size_t capacity, used;             /* ring bytes; bytes holding messages */
    unsigned long queued;              /* messages waiting */
    unsigned long long sent, received; /* since the channel was made */
    pid_t writer, reader;              /* holders of the roles; 0 when free */
    unsigned long repairs;             /* dead writers' partial messages discarded */
} sysv_chan_status;

/* Fills *out from the segment and the role semaphores. A role whose holder
   died shows 0 (free).
   Errors: -EINVAL (c or out NULL, c not open); -EIDRM. */
SYSV_API int sysv_chan_stat(const sysv_chan *c, sysv_chan_status *out);

/* The same status for the channel with this key, without opening it or
   taking a role: for operators and tools (sysv ls chan). The segment is
   attached read-only for the length of the call.
   Errors: -EINVAL (out NULL, key SYSV_KEY_PRIVATE, or the key's segment is
   not a channel's); -ENOENT (no segment or no semaphore set has this key);
   -EACCES (no read permission on either). */
SYSV_API int sysv_chan_inspect(key_t key, sysv_chan_status *out);

/* Gives up the role, wakes a peer that sleeps for it (a reader then gets
   -EPIPE once the ring is empty), detaches, and leaves the handle as
   SYSV_CHAN_INIT. The channel stays for the next holder.
   Errors: -EINVAL (c NULL or not open). */
SYSV_API int sysv_chan_close(sysv_chan *c);

/* Removes the channel's segment and semaphore set (IPC_RMID), gives up the
   role, detaches, and leaves the handle as SYSV_CHAN_INIT (a second
   remove is -EINVAL). A peer blocked in send or recv wakes with -EIDRM;
   the memory goes at its last detach.
   Errors: -EINVAL (c NULL or not open); -EPERM (not the owner or creator:
   nothing removed, the handle stays open). */
SYSV_API int sysv_chan_remove(sysv_chan *c);

#ifdef __cplusplus
}
#endif

#endif /* SYSV_CHAN_H */
