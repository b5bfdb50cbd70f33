/* Message queues: open, send, receive with type selection, peek, status.
   Timeouts, SYSV_NOWAIT and SYSV_RESTART come from sysv__wait (wait.c). */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>

#include "../common/internal.h"
#include "msg_private.h"

/* Payloads up to this size travel through a buffer on the stack: Linux's
   default msgmax, so with default limits no message costs a heap
   allocation. */
#define STACK_PAYLOAD 8192

/* The kernel's message layout. */
struct kmsg {
    long mtype;
    char mtext[];
};
struct kmsg_small {
    long mtype;
    char mtext[STACK_PAYLOAD];
};

static struct kmsg *kmsg_alloc(size_t payload)
{
    if (payload > SIZE_MAX - offsetof(struct kmsg, mtext))
        return NULL;
    return malloc(offsetof(struct kmsg, mtext) + payload);
}

/* The kernel's msgmax, read only on error paths (one IPC_INFO). */
static size_t msgmax(void)
{
    sysv_limits lim;
    return sysv__msg_ops.limits(&lim) == 0 ? lim.msgmax : (size_t)INT_MAX;
}

static int get_queue(key_t key, int kflags, void *arg)
{
    (void)arg;
    return sysv__msg_ops.get(key, kflags);
}

int sysv_msg_open(sysv_msgq *q, key_t key, int flags, mode_t mode)
{
    if (q == NULL)
        return -EINVAL;
    q->id = -1;
    q->key = key;
    int id = sysv__open(SYSV_MSG, key, flags, mode, get_queue, NULL);
    if (id < 0)
        return id;
    q->id = id;
    return 0;
}

int sysv_msg_open_id(sysv_msgq *q, int id)
{
    if (q == NULL)
        return -EINVAL;
    q->id = -1;
    q->key = SYSV_KEY_PRIVATE;
    sysv_entry e;
    int rc = sysv__stat_any(SYSV_MSG, id, &e); /* -EINVAL for a negative id */
    if (rc < 0)
        return rc;
    q->id = id;
    q->key = e.perm.key;
    return 0;
}

/* ---- send -------------------------------------------------------------- */

struct send_op {
    int id;
    const struct kmsg *msg;
    size_t len;
    int tries;
};

/* msgsnd says EINVAL for a payload above msgmax and for a queue that is
   gone: tell them apart here, off the path that succeeds. */
static ssize_t send_einval(const struct send_op *op)
{
    if (op->len > msgmax())
        return -EMSGSIZE;
    /* The queue existed at the first try (or that try would have said
       EINVAL): it was removed while we waited between tries. */
    return op->tries > 1 ? -EIDRM : -EINVAL;
}

/* A message larger than the queue's capacity waits for room that can
   never come; say so instead of EAGAIN, or blocking, for ever. Read only
   when the queue is found full, on the first try. */
static ssize_t send_full(const struct send_op *op)
{
    struct msqid_ds ds;
    if (op->tries == 1 && sysv__msg_read(op->id, &ds) == 0 && op->len > ds.msg_qbytes)
        return -EMSGSIZE;
    return -EAGAIN;
}

static ssize_t send_attempt(void *arg, int nowait)
{
    struct send_op *op = arg;
    op->tries++;
    if (msgsnd(op->id, op->msg, op->len, nowait ? IPC_NOWAIT : 0) == 0)
        return 0;
    int rc = -errno;
    if (rc == -EINVAL)
        return send_einval(op);
    if (rc == -EAGAIN)
        return send_full(op);
    return rc;
}

int sysv_msg_send(const sysv_msgq *q, long type, const void *data, size_t len, int flags,
                  const struct timespec *timeout)
{
    if (q == NULL || q->id < 0 || type <= 0 || data == NULL)
        return -EINVAL;
    if ((flags & ~(SYSV_NOWAIT | SYSV_RESTART)) != 0 || sysv__timeout_check(timeout) < 0)
        return -EINVAL;
    /* msgmax is an int in the kernel: nothing longer can be a message. */
    if (len > (size_t)INT_MAX)
        return -EMSGSIZE;

    struct kmsg_small small;
    struct kmsg *msg = (struct kmsg *)(void *)&small;
    if (len > STACK_PAYLOAD) {
        /* Past the default limit: ask for the real one before allocating
           and copying what the kernel may refuse anyway. */
        if (len > msgmax())
            return -EMSGSIZE;
        msg = kmsg_alloc(len);
        if (msg == NULL)
            return -ENOMEM;
    }
    msg->mtype = type;
    memcpy(msg->mtext, data, len);

    struct send_op op = {q->id, msg, len, 0};
    int rc = -EAGAIN;
    if (!(flags & SYSV_NOWAIT) && timeout == NULL) {
        /* Before blocking, one try that does not: it costs nothing when
           the queue has room, and when it is full it finds a message that
           could never fit (send_full), which would otherwise block for
           ever. */
        rc = (int)send_attempt(&op, 1);
    }
    if (rc == -EAGAIN)
        rc = (int)sysv__wait(send_attempt, &op, flags, timeout, EAGAIN);
    if (msg != (struct kmsg *)(void *)&small)
        free(msg);
    return rc;
}

/* ---- receive ----------------------------------------------------------- */

struct recv_op {
    int id;
    long type;
    int kflags;
    size_t cap;        /* the caller's buffer */
    struct kmsg *msg;  /* where the kernel writes: the stack, or heap */
    size_t room;       /* payload bytes msg holds */
    struct kmsg *heap; /* to free */
    int tries;
};

/* A message longer than the stack buffer but within the caller's cap: move
   to a heap buffer as large as any message can be, and try again. */
static int grow(struct recv_op *op)
{
    size_t room = msgmax();
    if (room > op->cap)
        room = op->cap;
    if (room <= op->room)
        return -E2BIG; /* msgmax was lowered under a queued message */
    free(op->heap);    /* a smaller one, if msgmax grew while we waited */
    op->heap = kmsg_alloc(room);
    if (op->heap == NULL)
        return -ENOMEM;
    op->msg = op->heap;
    op->room = room;
    return 0;
}

static ssize_t recv_attempt(void *arg, int nowait)
{
    struct recv_op *op = arg;
    op->tries++;
    for (;;) {
        ssize_t n =
            msgrcv(op->id, op->msg, op->room, op->type, op->kflags | (nowait ? IPC_NOWAIT : 0));
        if (n >= 0)
            return n;
        int rc = -errno;
        if (rc == -E2BIG && op->room < op->cap) {
            rc = grow(op);
            if (rc == 0)
                continue;
        }
        /* EINVAL after a first try that found the queue: it was removed
           while we slept between tries (a blocked msgrcv says EIDRM). */
        if (rc == -EINVAL && op->tries > 1)
            return -EIDRM;
        return rc;
    }
}

ssize_t sysv_msg_recv(const sysv_msgq *q, long type, void *buf, size_t cap, long *got_type,
                      int flags, const struct timespec *timeout)
{
    const int known = SYSV_NOWAIT | SYSV_RESTART | SYSV_MSG_EXCEPT | SYSV_MSG_TRUNCATE;
    if (q == NULL || q->id < 0 || buf == NULL || (flags & ~known) != 0)
        return -EINVAL;
    /* The kernel ignores MSG_EXCEPT unless type > 0: a mistake worth
       naming. (type LONG_MIN, which has no absolute value, the kernel
       reads as -LONG_MAX: any type, lowest first.) */
    if ((flags & SYSV_MSG_EXCEPT) && type <= 0)
        return -EINVAL;
    if (sysv__timeout_check(timeout) < 0)
        return -EINVAL;

    struct kmsg_small small;
    struct recv_op op = {
        .id = q->id,
        .type = type,
        .kflags = ((flags & SYSV_MSG_EXCEPT) ? MSG_EXCEPT : 0) |
                  ((flags & SYSV_MSG_TRUNCATE) ? MSG_NOERROR : 0),
        .cap = cap > (size_t)INT_MAX ? (size_t)INT_MAX : cap,
        .msg = (struct kmsg *)(void *)&small,
        .room = STACK_PAYLOAD,
    };
    if (op.cap <= STACK_PAYLOAD) {
        op.room = op.cap;
    } else if (flags & SYSV_MSG_TRUNCATE) {
        /* Truncation must happen at cap, not at the stack buffer's size;
           no message is longer than msgmax, so no buffer need be. */
        size_t room = msgmax();
        op.room = room < op.cap ? room : op.cap;
        op.heap = kmsg_alloc(op.room);
        if (op.heap == NULL)
            return -ENOMEM;
        op.msg = op.heap;
    }

    ssize_t n = sysv__wait(recv_attempt, &op, flags, timeout, ENOMSG);
    if (n >= 0) {
        memcpy(buf, op.msg->mtext, (size_t)n);
        if (got_type != NULL)
            *got_type = op.msg->mtype;
    }
    free(op.heap);
    return n;
}

/* ---- peek -------------------------------------------------------------- */

ssize_t sysv_msg_peek(const sysv_msgq *q, size_t index, void *buf, size_t cap, long *got_type)
{
    if (q == NULL || q->id < 0 || (buf == NULL && cap > 0))
        return -EINVAL;
    if (index > (size_t)LONG_MAX)
        return -ENOMSG;

    /* MSG_COPY cannot truncate (with MSG_NOERROR the kernel says EINVAL),
       so the copy goes to a buffer that holds any message, and then at
       most cap bytes of it to the caller. MSG_COPY must have IPC_NOWAIT. */
    struct kmsg_small small;
    struct kmsg *msg = (struct kmsg *)(void *)&small;
    struct kmsg *heap = NULL;
    size_t room = STACK_PAYLOAD;
    const int kflags = MSG_COPY | IPC_NOWAIT;
    ssize_t n = msgrcv(q->id, msg, room, (long)index, kflags);
    if (n < 0 && errno == E2BIG) {
        room = msgmax();
        heap = kmsg_alloc(room);
        if (heap == NULL)
            return -ENOMEM;
        msg = heap;
        n = msgrcv(q->id, msg, room, (long)index, kflags);
    }
    if (n < 0) {
        n = -errno;
    } else {
        if (cap > 0)
            memcpy(buf, msg->mtext, (size_t)n < cap ? (size_t)n : cap);
        if (got_type != NULL)
            *got_type = msg->mtype;
    }
    free(heap);
    return n;
}

/* ---- control ----------------------------------------------------------- */

void sysv__msg_status_from_ds(const struct msqid_ds *ds, sysv_msg_status *out)
{
    memset(out, 0, sizeof(*out));
    sysv__perm_from_kernel(&ds->msg_perm, &out->perm);
    out->qnum = ds->msg_qnum;
    out->cbytes = ds->__msg_cbytes;
    out->qbytes = ds->msg_qbytes;
    out->lspid = ds->msg_lspid;
    out->lrpid = ds->msg_lrpid;
    out->stime = ds->msg_stime;
    out->rtime = ds->msg_rtime;
    out->ctime = ds->msg_ctime;
}

int sysv_msg_stat(int id, sysv_msg_status *out)
{
    if (id < 0 || out == NULL)
        return -EINVAL;
    struct msqid_ds ds;
    if (msgctl(id, IPC_STAT, &ds) < 0)
        return -errno;
    sysv__msg_status_from_ds(&ds, out);
    return 0;
}

int sysv_msg_set_capacity(int id, size_t qbytes)
{
    /* A capacity of 0 could never hold a message, not even an empty one. */
    if (id < 0 || qbytes == 0)
        return -EINVAL;
    struct msqid_ds ds;
    int rc = sysv__msg_read(id, &ds);
    if (rc < 0)
        return rc;
    ds.msg_qbytes = qbytes; /* an unsigned long, as size_t is on Linux */
    return msgctl(id, IPC_SET, &ds) < 0 ? -errno : 0;
}

int sysv_msg_remove(sysv_msgq *q)
{
    if (q == NULL || q->id < 0)
        return -EINVAL;
    int rc = sysv__msg_ops.rmid(q->id);
    if (rc == 0)
        q->id = -1;
    return rc;
}
