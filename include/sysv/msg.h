/*
 * libsysv: message queues (msgget, msgsnd, msgrcv, msgctl).
 *
 * A queue holds typed messages in the kernel: a sender adds one with a
 * type (a long > 0) and a payload; a receiver takes the first message, the
 * first of one type, or the most urgent by type (see sysv_msg_recv). The
 * kernel keeps at most qbytes bytes in a queue (16384 by default) and at most
 * msgmax bytes in one message (8192 by default); sysv_limits_get tells both.
 *
 *     sysv_msgq q = SYSV_MSGQ_INIT;
 *     sysv_msg_open(&q, key, SYSV_CREATE, 0600);                 msgget
 *     sysv_msg_send(&q, 1, "job", 3, 0, NULL);                   msgsnd
 *     n = sysv_msg_recv(&q, 0, buf, sizeof(buf), &type, 0, NULL);  msgrcv
 *     sysv_msg_remove(&q);                                       IPC_RMID
 *
 * Messages travel in the kernel's own form, { long mtype; char mtext[]; },
 * so a program that calls msgsnd/msgrcv directly, Perl's IPC::Msg or
 * Python's sysv_ipc on the same queue sees exactly what was sent.
 *
 * Waiting: with timeout NULL a call blocks in the kernel as long as it
 * must; SYSV_NOWAIT never blocks; a timeout makes the call return
 * -ETIMEDOUT once it has passed, having sent or taken nothing. The kernel
 * has no timed msgsnd/msgrcv, so a timed call tries without blocking,
 * retries for 50 us (yielding the CPU, so a quick reply is taken at once),
 * then sleeps between tries (20 us, doubling to 2 ms): it returns about a tenth
 * of a millisecond after its deadline (the scheduler permitting), costs
 * about a percent of one core while it waits, and may see a message up to
 * 2 ms after it arrives.
 *
 * Signals: a handler that runs while a call waits (blocked in the kernel,
 * or sleeping between tries) makes it return -EINTR, or go on waiting
 * with the time left when SYSV_RESTART is given; no message is lost or
 * taken twice either way. A queue removed under a waiting call gives
 * -EIDRM.
 */
#ifndef SYSV_MSG_H
#define SYSV_MSG_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include <sysv/ipc.h>

#ifdef __cplusplus
extern "C" {
#endif

struct timespec;

/* A queue as this process knows it. Initialise with SYSV_MSGQ_INIT. */
typedef struct sysv_msgq {
    int id;    /* read-only: the msqid, -1 when not open */
    key_t key; /* read-only: the key it was opened with */
} sysv_msgq;

#define SYSV_MSGQ_INIT                                                                             \
    {                                                                                              \
        -1, 0                                                                                      \
    }

/* sysv_msg_recv: with type > 0, take the first message of any OTHER type
   (MSG_EXCEPT). */
#define SYSV_MSG_EXCEPT 0x0100
/* sysv_msg_recv: take a message longer than the buffer anyway, cut to the
   buffer's size; the rest is lost (MSG_NOERROR). */
#define SYSV_MSG_TRUNCATE 0x0200

/* Opens the queue with this key; SYSV_CREATE creates it when missing,
   SYSV_EXCL insists on creating it, SYSV_OWNED refuses a queue another user
   made. mode gives a new queue's permissions (0: SYSV_MODE_DEFAULT, 0600)
   and, for an existing one, the access asked for (0200 to send only).
   Sets q->id to -1 first.
   Errors: -EINVAL (q NULL, unknown flags, mode outside 0777); -ENOENT;
   -EEXIST; -EACCES; -EPERM (SYSV_OWNED); -ENOSPC (too many queues). */
SYSV_API int sysv_msg_open(sysv_msgq *q, key_t key, int flags, mode_t mode);

/* Fills the handle for the queue with this id (a msqid that ipcs printed or
   another process passed on), without a get operation; q->key comes from
   the kernel. Needs no read permission: each call checks its own access.
   Sets q->id to -1 first.
   Errors: -EINVAL (q NULL, id negative, no such queue); -EIDRM. */
SYSV_API int sysv_msg_open_id(sysv_msgq *q, int id);

/* Sends len bytes of data as one message of this type (> 0). Blocks while
   the queue is full, unless SYSV_NOWAIT (-EAGAIN) or until the timeout
   (-ETIMEDOUT, nothing sent). flags: SYSV_NOWAIT, SYSV_RESTART.
   Messages up to 8 KiB are sent without any heap allocation.
   Errors: -EINVAL (q NULL or not open, type <= 0, data NULL, unknown flags,
   bad timeout, no such queue); -EMSGSIZE (len above the kernel's msgmax, or
   above the queue's capacity, which could never hold it); -EAGAIN;
   -ETIMEDOUT; -EINTR; -EIDRM (removed while waiting); -EACCES (no write
   permission); -ENOMEM. */
SYSV_API int sysv_msg_send(const sysv_msgq *q, long type, const void *data, size_t len, int flags,
                           const struct timespec *timeout);

/* Takes one message and copies its payload to buf. Which message, as in the
   textbook:
     type == 0   the first message in the queue
     type  > 0   the first message of exactly that type
                 (with SYSV_MSG_EXCEPT: the first of any other type)
     type  < 0   the first message of the lowest type that is <= |type|
                 (so types work as priorities: 1 is the most urgent)
   Messages of one type come out in the order they were sent. Returns the
   payload's length and sets *got_type (got_type may be NULL). A message
   longer than cap gives -E2BIG and stays queued, unless SYSV_MSG_TRUNCATE:
   then cap bytes are returned and the rest is lost; sysv_msg_peek tells a
   message's length first. flags: SYSV_NOWAIT, SYSV_RESTART,
   SYSV_MSG_EXCEPT, SYSV_MSG_TRUNCATE.
   Errors: -EINVAL (q or buf NULL, not open, unknown flags, SYSV_MSG_EXCEPT
   without a type > 0, bad timeout, no such queue); -ENOMSG
   (SYSV_NOWAIT and nothing matches); -ETIMEDOUT; -E2BIG; -EINTR; -EIDRM;
   -EACCES (no read permission); -ENOMEM. */
SYSV_API ssize_t sysv_msg_recv(const sysv_msgq *q, long type, void *buf, size_t cap, long *got_type,
                               int flags, const struct timespec *timeout);

/* Reads the message at position index (0 = the head, the next that type 0
   would take) without taking it (MSG_COPY). Copies at most cap bytes and
   returns the message's full length, as snprintf does: buf may be NULL when
   cap is 0, to learn the length. Never blocks.
   Errors: -EINVAL (q NULL or not open, buf NULL with cap > 0, no such
   queue); -ENOMSG (no message at that position); -ENOSYS (the kernel was
   built without MSG_COPY, CONFIG_CHECKPOINT_RESTORE); -EACCES; -ENOMEM. */
SYSV_API ssize_t sysv_msg_peek(const sysv_msgq *q, size_t index, void *buf, size_t cap,
                               long *got_type);

/* What IPC_STAT tells of a queue (what ipcs -q shows). */
typedef struct sysv_msg_status {
    sysv_perm perm;
    unsigned long qnum;         /* messages queued */
    size_t cbytes, qbytes;      /* bytes queued; capacity in bytes */
    pid_t lspid, lrpid;         /* last sender; last receiver */
    time_t stime, rtime, ctime; /* last send, last receive, last change */
} sysv_msg_status;

/* Fills *out from IPC_STAT. Needs read permission (root passes).
   Errors: -EINVAL (id negative, out NULL, no such queue); -EACCES; -EIDRM. */
SYSV_API int sysv_msg_stat(int id, sysv_msg_status *out);

/* Sets the queue's capacity in bytes (msg_qbytes, by IPC_SET), keeping its
   owner and mode. Raising it above the kernel's msgmnb needs privilege
   (CAP_SYS_RESOURCE).
   Errors: -EINVAL (id negative, qbytes 0, no such queue); -EPERM (not owner
   or creator, or above msgmnb without privilege); -EIDRM. */
SYSV_API int sysv_msg_set_capacity(int id, size_t qbytes);

/* Removes the queue at once (IPC_RMID): its messages are discarded and
   callers waiting on it get -EIDRM. Sets q->id to -1.
   Errors: -EINVAL (q NULL or not open, no such queue); -EPERM (not owner or
   creator); -EIDRM. */
SYSV_API int sysv_msg_remove(sysv_msgq *q);

#ifdef __cplusplus
}
#endif

#endif /* SYSV_MSG_H */
