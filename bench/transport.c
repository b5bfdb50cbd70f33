/*
 * The transports: one row of function pointers each (bench_transports at
 * the bottom). A two-process case only ever calls open, after_fork, send,
 * recv and close, so a new transport is one row and its functions.
 *
 * Every transport carries bytes from a plain buffer to a plain buffer, as
 * an application holds them: the raw SysV queue therefore copies the
 * payload into its { long mtype; char mtext[]; } buffer and back out, as
 * libsysv does internally, and the two differ only by the wrapper.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

/* The long timeout of the timed variants: long enough never to expire, so
   what is measured is the cost of asking for one. */
static const struct timespec ten_s = {10, 0};

struct msgbuf_big {
    long mtype;
    char mtext[];
};

void chan_init(chan *c)
{
    memset(c, 0, sizeof(*c));
    for (int d = 0; d < 2; d++) {
        c->fd[d][0] = c->fd[d][1] = -1;
        c->mq[d] = (mqd_t)-1;
    }
    c->q = (sysv_msgq)SYSV_MSGQ_INIT;
    c->s = (sysv_semset)SYSV_SEMSET_INIT;
    c->shm = (sysv_shm)SYSV_SHM_INIT;
    c->ch[0] = c->ch[1] = (sysv_chan)SYSV_CHAN_INIT;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        (void)close(*fd);
    *fd = -1;
}

void chan_drop(chan *c)
{
    for (int d = 0; d < 2; d++) {
        close_fd(&c->fd[d][0]);
        close_fd(&c->fd[d][1]);
        if (c->mq[d] != (mqd_t)-1)
            (void)mq_close(c->mq[d]);
        c->mq[d] = (mqd_t)-1;
    }
    if (c->shm.addr != NULL)
        (void)sysv_shm_detach(&c->shm);
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* ---- SysV message queue: libsysv and raw ------------------------------------ */

/* One queue carries both directions: mtype 1 + dir, and each side takes
   only its own type, as the textbook's client-server does. */

static size_t msgq_max(void)
{
    sysv_limits lim;
    return sysv_limits_get(&lim) == 0 ? lim.msgmax : 0;
}

static int msgq_open(chan *c, size_t cap)
{
    c->cap = cap;
    c->kbuf = malloc(sizeof(struct msgbuf_big) + cap);
    if (c->kbuf == NULL)
        return -ENOMEM;
    int rc = sysv_msg_open(&c->q, SYSV_KEY_PRIVATE, SYSV_CREATE, 0600);
    if (rc == 0)
        objects_track(SYSV_MSG, c->q.id);
    return rc;
}

static void msgq_close(chan *c)
{
    int id = c->q.id;
    if (id >= 0 && sysv_msg_remove(&c->q) == 0)
        objects_forget(SYSV_MSG, id);
    free(c->kbuf);
    c->kbuf = NULL;
}

static int lib_msg_send_t(chan *c, int dir, const void *buf, size_t len,
                          const struct timespec *timeout)
{
    return sysv_msg_send(&c->q, 1 + dir, buf, len, 0, timeout);
}

static int lib_msg_recv_t(chan *c, int dir, void *buf, size_t len, const struct timespec *timeout)
{
    ssize_t got = sysv_msg_recv(&c->q, 1 + dir, buf, len, NULL, 0, timeout);
    if (got < 0)
        return (int)got;
    return (size_t)got == len ? 0 : -EPROTO;
}

static int lib_msg_send(chan *c, int dir, const void *buf, size_t len)
{
    return lib_msg_send_t(c, dir, buf, len, NULL);
}

static int lib_msg_recv(chan *c, int dir, void *buf, size_t len)
{
    return lib_msg_recv_t(c, dir, buf, len, NULL);
}

static int lib_msg_send_10s(chan *c, int dir, const void *buf, size_t len)
{
    return lib_msg_send_t(c, dir, buf, len, &ten_s);
}

static int lib_msg_recv_10s(chan *c, int dir, void *buf, size_t len)
{
    return lib_msg_recv_t(c, dir, buf, len, &ten_s);
}

static int raw_msg_send(chan *c, int dir, const void *buf, size_t len)
{
    c->kbuf->mtype = 1 + dir;
    memcpy(c->kbuf->mtext, buf, len);
    return msgsnd(c->q.id, c->kbuf, len, 0) < 0 ? -errno : 0;
}

static int raw_msg_recv(chan *c, int dir, void *buf, size_t len)
{
    ssize_t got = msgrcv(c->q.id, c->kbuf, len, 1 + dir, 0);
    if (got < 0)
        return -errno;
    if ((size_t)got != len)
        return -EPROTO;
    memcpy(buf, c->kbuf->mtext, len);
    return 0;
}

/* ---- pipes and sockets ------------------------------------------------------------ */

static size_t stream_max(void)
{
    return BENCH_MAX_SIZE;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0)
            return -errno;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EPIPE; /* the other side is gone */
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int pipe_open(chan *c, size_t cap)
{
    c->cap = cap;
    if (pipe2(c->fd[0], O_CLOEXEC) < 0 || pipe2(c->fd[1], O_CLOEXEC) < 0)
        return -errno;
    return 0;
}

/* The parent writes direction 0 and reads direction 1; the child the
   opposite. Each closes the ends it does not use, so that the death of one
   side is an EOF or EPIPE on the other. */
static void pipe_after_fork(chan *c)
{
    int mine_w = c->side == 0 ? 0 : 1; /* the direction this side writes */
    close_fd(&c->fd[mine_w][0]);
    close_fd(&c->fd[1 - mine_w][1]);
}

static int pipe_send(chan *c, int dir, const void *buf, size_t len)
{
    return write_all(c->fd[dir][1], buf, len);
}

static int pipe_recv(chan *c, int dir, void *buf, size_t len)
{
    return read_all(c->fd[dir][0], buf, len);
}

static void fds_close(chan *c)
{
    chan_drop(c);
}

/* A socket pair: fd[0][0] is the parent's end, fd[0][1] the child's. */
static int sock_open(chan *c, size_t cap, int type)
{
    c->cap = cap;
    return socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, c->fd[0]) < 0 ? -errno : 0;
}

static int stream_open(chan *c, size_t cap)
{
    return sock_open(c, cap, SOCK_STREAM);
}

static int seqpacket_open(chan *c, size_t cap)
{
    return sock_open(c, cap, SOCK_SEQPACKET);
}

static void sock_after_fork(chan *c)
{
    close_fd(&c->fd[0][1 - c->side]);
}

static int stream_send(chan *c, int dir, const void *buf, size_t len)
{
    (void)dir; /* one socket carries both directions */
    return write_all(c->fd[0][c->side], buf, len);
}

static int stream_recv(chan *c, int dir, void *buf, size_t len)
{
    (void)dir;
    return read_all(c->fd[0][c->side], buf, len);
}

/* SOCK_SEQPACKET keeps message boundaries: one send, one recv. */
static int seqpacket_send(chan *c, int dir, const void *buf, size_t len)
{
    (void)dir;
    ssize_t n = send(c->fd[0][c->side], buf, len, 0);
    if (n < 0)
        return -errno;
    return (size_t)n == len ? 0 : -EPROTO;
}

static int seqpacket_recv(chan *c, int dir, void *buf, size_t len)
{
    (void)dir;
    ssize_t n = recv(c->fd[0][c->side], buf, len, 0);
    if (n < 0)
        return -errno;
    if (n == 0)
        return -EPIPE;
    return (size_t)n == len ? 0 : -EPROTO;
}

/* ---- POSIX message queues ------------------------------------------------------------ */

/* A queue holds at most msg_max messages of msgsize_max bytes
   (/proc/sys/fs/mqueue; 10 and 8192 by default), and an unprivileged
   process cannot ask for more. */
static size_t mq_max(void)
{
    long v = bench_proc_long("/proc/sys/fs/mqueue/msgsize_max");
    return v > 0 ? min_size((size_t)v, BENCH_MAX_SIZE) : 0;
}

static int mq_open_one(chan *c, int dir, size_t cap)
{
    /* Unique (pid, counter) and unlinked at once: the name exists for a
       few microseconds, the descriptors keep the queue, and no exit path
       can leave it behind. */
    static unsigned serial;
    char name[64];
    snprintf(name, sizeof(name), "/sysv-bench.%ld.%u", (long)getpid(), serial++);
    long maxmsg = bench_proc_long("/proc/sys/fs/mqueue/msg_max");
    struct mq_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.mq_maxmsg = maxmsg > 0 && maxmsg < 10 ? maxmsg : 10;
    attr.mq_msgsize = (long)cap;
    c->mq[dir] = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
    if (c->mq[dir] == (mqd_t)-1)
        return -errno;
    return mq_unlink(name) < 0 ? -errno : 0;
}

static int mq_open_both(chan *c, size_t cap)
{
    c->cap = cap;
    int rc = mq_open_one(c, 0, cap);
    if (rc == 0)
        rc = mq_open_one(c, 1, cap);
    return rc;
}

static int mq_send_one(chan *c, int dir, const void *buf, size_t len)
{
    return mq_send(c->mq[dir], buf, len, 0) < 0 ? -errno : 0;
}

static int mq_recv_one(chan *c, int dir, void *buf, size_t len)
{
    ssize_t n = mq_receive(c->mq[dir], buf, c->cap, NULL);
    if (n < 0)
        return -errno;
    return (size_t)n == len ? 0 : -EPROTO;
}

/* ---- the textbook's bounded buffer in shared memory ------------------------------------ */

/* One ring per direction in one libsysv segment, and three semaphores per
   ring in one set: EMPTY counts free slots, FULL counts messages, MUTEX
   guards the ring's indices (taken with SYSV_UNDO, as the textbook does,
   so a producer that dies inside does not keep it). A message costs each
   side four semops; the copy into and out of the segment is the only
   other work. */
#define RING_SLOTS 16

enum { EMPTY = 0, FULL = 1, MUTEX = 2 };

struct ring_hdr {
    unsigned in, out; /* next slot to fill, next to drain (under MUTEX) */
};

static size_t ring_slot_bytes(const chan *c)
{
    return (sizeof(size_t) + c->cap + 63) & ~(size_t)63;
}

static size_t ring_bytes(const chan *c)
{
    return 64 + RING_SLOTS * ring_slot_bytes(c);
}

static size_t ring_off(const chan *c, int dir)
{
    return (size_t)dir * ring_bytes(c);
}

static int ring_open(chan *c, size_t cap)
{
    static const unsigned short init[6] = {RING_SLOTS, 0, 1, RING_SLOTS, 0, 1};
    c->cap = cap;
    int rc = sysv_shm_open(&c->shm, SYSV_KEY_PRIVATE, 2 * ring_bytes(c), SYSV_CREATE, 0600);
    if (rc < 0)
        return rc;
    int id = c->shm.id;
    objects_track(SYSV_SHM, id);
    rc = sysv_shm_attach(&c->shm, 0);
    /* Removed at once: parent and child keep it through their attachments
       (fork copies them), and no exit path can leave it behind. */
    if (sysv_shm_remove(&c->shm) == 0)
        objects_forget(SYSV_SHM, id);
    if (rc < 0)
        return rc;
    memset(c->shm.addr, 0, c->shm.size);
    rc = sysv_sem_open(&c->s, SYSV_KEY_PRIVATE, 6, init, SYSV_CREATE, 0600);
    if (rc == 0)
        objects_track(SYSV_SEM, c->s.id);
    return rc;
}

static void sem_close(chan *c)
{
    int id = c->s.id;
    if (id >= 0 && sysv_sem_remove(&c->s) == 0)
        objects_forget(SYSV_SEM, id);
}

static void ring_close(chan *c)
{
    sem_close(c);
    chan_drop(c);
}

static int ring_send(chan *c, int dir, const void *buf, size_t len)
{
    const int base = 3 * dir;
    struct ring_hdr *r = (struct ring_hdr *)(void *)((char *)c->shm.addr + ring_off(c, dir));
    int rc = sysv_sem_wait(&c->s, base + EMPTY, 0, NULL);
    if (rc == 0)
        rc = sysv_sem_wait(&c->s, base + MUTEX, SYSV_UNDO, NULL);
    if (rc < 0)
        return rc;
    size_t slot = ring_off(c, dir) + 64 + r->in * ring_slot_bytes(c);
    rc = sysv_shm_write(&c->shm, slot, &len, sizeof(len));
    if (rc == 0)
        rc = sysv_shm_write(&c->shm, slot + sizeof(len), buf, len);
    r->in = (r->in + 1) % RING_SLOTS;
    int rc2 = sysv_sem_post(&c->s, base + MUTEX, SYSV_UNDO);
    if (rc == 0)
        rc = rc2;
    if (rc == 0)
        rc = sysv_sem_post(&c->s, base + FULL, 0);
    return rc;
}

static int ring_recv(chan *c, int dir, void *buf, size_t len)
{
    const int base = 3 * dir;
    struct ring_hdr *r = (struct ring_hdr *)(void *)((char *)c->shm.addr + ring_off(c, dir));
    int rc = sysv_sem_wait(&c->s, base + FULL, 0, NULL);
    if (rc == 0)
        rc = sysv_sem_wait(&c->s, base + MUTEX, SYSV_UNDO, NULL);
    if (rc < 0)
        return rc;
    size_t slot = ring_off(c, dir) + 64 + r->out * ring_slot_bytes(c);
    size_t got = 0;
    rc = sysv_shm_read(&c->shm, slot, &got, sizeof(got));
    if (rc == 0 && got != len)
        rc = -EPROTO;
    if (rc == 0)
        rc = sysv_shm_read(&c->shm, slot + sizeof(got), buf, len);
    r->out = (r->out + 1) % RING_SLOTS;
    int rc2 = sysv_sem_post(&c->s, base + MUTEX, SYSV_UNDO);
    if (rc == 0)
        rc = rc2;
    if (rc == 0)
        rc = sysv_sem_post(&c->s, base + EMPTY, 0);
    return rc;
}

/* ---- a semaphore pair: ping-pong with no payload --------------------------------------- */

/* Semaphore dir is "your turn" for the side that receives in direction
   dir: send posts it, recv waits for it. */

static size_t signal_only(void)
{
    return 0;
}

static int pair_open(chan *c, size_t cap)
{
    static const unsigned short init[2] = {0, 0};
    c->cap = cap;
    int rc = sysv_sem_open(&c->s, SYSV_KEY_PRIVATE, 2, init, SYSV_CREATE, 0600);
    if (rc == 0)
        objects_track(SYSV_SEM, c->s.id);
    return rc;
}

static int lib_sem_post(chan *c, int dir, const void *buf, size_t len)
{
    (void)buf;
    (void)len;
    return sysv_sem_post(&c->s, dir, 0);
}

static int lib_sem_wait(chan *c, int dir, void *buf, size_t len)
{
    (void)buf;
    (void)len;
    return sysv_sem_wait(&c->s, dir, 0, NULL);
}

static int lib_sem_wait_10s(chan *c, int dir, void *buf, size_t len)
{
    (void)buf;
    (void)len;
    return sysv_sem_wait(&c->s, dir, 0, &ten_s);
}

static int raw_sem_post(chan *c, int dir, const void *buf, size_t len)
{
    (void)buf;
    (void)len;
    struct sembuf op = {(unsigned short)dir, 1, 0};
    return semop(c->s.id, &op, 1) < 0 ? -errno : 0;
}

static int raw_sem_wait(chan *c, int dir, void *buf, size_t len)
{
    (void)buf;
    (void)len;
    struct sembuf op = {(unsigned short)dir, -1, 0};
    return semop(c->s.id, &op, 1) < 0 ? -errno : 0;
}

static int raw_sem_wait_10s(chan *c, int dir, void *buf, size_t len)
{
    (void)buf;
    (void)len;
    struct sembuf op = {(unsigned short)dir, -1, 0};
    return semtimedop(c->s.id, &op, 1, &ten_s) < 0 ? -errno : 0;
}

/* ---- the table ------------------------------------------------------------------------- */

/* ---- The shared-memory channel (sysv_chan) --------------------------------- */

/* One channel per direction. Roles belong to processes (SEM_UNDO), so the
   parent creates both, holding the writer's role of direction 0 and the
   reader's of direction 1, and the child takes the other two by key after
   the fork. */

#define CHAN_RING (1u << 20)

static size_t chan_max(void)
{
    return CHAN_RING / 4;
}

static int chan_open(chan *c, size_t cap)
{
    static unsigned serial;
    c->cap = cap;
    for (int d = 0; d < 2; d++) {
        char name[64];
        (void)snprintf(name, sizeof(name), "sysv-bench-chan-%ld-%u-%d", (long)getpid(), serial, d);
        int rc = sysv_key_name(name, &c->chkey[d]);
        int role = d == 0 ? SYSV_CHAN_WRITER : SYSV_CHAN_READER;
        if (rc == 0)
            rc = sysv_chan_open(&c->ch[d], c->chkey[d], CHAN_RING, role | SYSV_CREATE | SYSV_EXCL,
                                0600);
        if (rc < 0)
            return rc;
        objects_track(SYSV_SHM, c->ch[d].shmid);
        objects_track(SYSV_SEM, c->ch[d].semid);
    }
    serial++;
    return 0;
}

static void chan_after_fork(chan *c)
{
    if (c->side == 0)
        return;
    /* The child: the copies it inherited are the parent's roles. */
    for (int d = 0; d < 2; d++) {
        if (c->ch[d].base != NULL)
            (void)shmdt(c->ch[d].base);
        int role = d == 0 ? SYSV_CHAN_READER : SYSV_CHAN_WRITER;
        if (sysv_chan_open(&c->ch[d], c->chkey[d], 0, role, 0) < 0)
            c->ch[d] = (sysv_chan)SYSV_CHAN_INIT; /* send/recv then say EINVAL */
    }
}

static int chan_send(chan *c, int dir, const void *buf, size_t len)
{
    return sysv_chan_send(&c->ch[dir], buf, len, 0, NULL);
}

static int chan_recv(chan *c, int dir, void *buf, size_t len)
{
    ssize_t got = sysv_chan_recv(&c->ch[dir], buf, c->cap, 0, NULL);
    if (got < 0)
        return (int)got;
    return (size_t)got == len ? 0 : -EPROTO;
}

static void chan_close(chan *c)
{
    for (int d = 0; d < 2; d++) {
        int shmid = c->ch[d].shmid, semid = c->ch[d].semid;
        if (shmid >= 0 && sysv_chan_remove(&c->ch[d]) == 0) {
            objects_forget(SYSV_SHM, shmid);
            objects_forget(SYSV_SEM, semid);
        }
    }
}

const transport bench_transports[] = {
    /* Against the alternatives (ping-pong and stream). The first is the
       reference the others' ratios are taken against. */
    {"libsysv-msg", "SysV queue through libsysv: sysv_msg_send / sysv_msg_recv",
     T_ALT | T_TIMED_MSG, 1, msgq_max, msgq_open, NULL, lib_msg_send, lib_msg_recv, msgq_close},
    {"sysv-msg", "SysV queue, raw msgsnd / msgrcv", T_ALT | T_TIMED_MSG, 0, msgq_max, msgq_open,
     NULL, raw_msg_send, raw_msg_recv, msgq_close},
    {"pipe", "two pipes, read / write", T_ALT, 0, stream_max, pipe_open, pipe_after_fork, pipe_send,
     pipe_recv, fds_close},
    {"unix-stream", "socketpair(AF_UNIX, SOCK_STREAM)", T_ALT, 0, stream_max, stream_open,
     sock_after_fork, stream_send, stream_recv, fds_close},
    {"unix-seqpacket", "socketpair(AF_UNIX, SOCK_SEQPACKET)", T_ALT, 0, stream_max, seqpacket_open,
     sock_after_fork, seqpacket_send, seqpacket_recv, fds_close},
    {"posix-mq", "POSIX queues, mq_send / mq_receive", T_ALT, 0, mq_max, mq_open_both, NULL,
     mq_send_one, mq_recv_one, fds_close},
    {"shm-ring", "bounded buffer in a libsysv segment, semaphores empty/full/mutex", T_ALT, 1,
     stream_max, ring_open, NULL, ring_send, ring_recv, ring_close},
    {"libsysv-chan", "sysv_chan_send / sysv_chan_recv: the shared-memory channel", T_ALT, 1,
     chan_max, chan_open, chan_after_fork, chan_send, chan_recv, chan_close},

    /* Timed calls: the same job with timeout NULL, a 10 s timeout, raw. */
    {"libsysv-msg-10s", "sysv_msg_send / sysv_msg_recv with a 10 s timeout", T_TIMED_MSG, 1,
     msgq_max, msgq_open, NULL, lib_msg_send_10s, lib_msg_recv_10s, msgq_close},
    {"sem-raw", "semop +1 / semop -1", T_TIMED_SEM, 0, signal_only, pair_open, NULL, raw_sem_post,
     raw_sem_wait, sem_close},
    {"sem-raw-10s", "semop +1 / semtimedop -1, 10 s", T_TIMED_SEM, 0, signal_only, pair_open, NULL,
     raw_sem_post, raw_sem_wait_10s, sem_close},
    {"libsysv-sem", "sysv_sem_post / sysv_sem_wait", T_TIMED_SEM, 1, signal_only, pair_open, NULL,
     lib_sem_post, lib_sem_wait, sem_close},
    {"libsysv-sem-10s", "sysv_sem_post / sysv_sem_wait with a 10 s timeout", T_TIMED_SEM, 1,
     signal_only, pair_open, NULL, lib_sem_post, lib_sem_wait_10s, sem_close},
};

const size_t bench_ntransports = sizeof(bench_transports) / sizeof(bench_transports[0]);
