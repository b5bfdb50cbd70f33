/*
 * Wrapper overhead: each libsysv call against the raw call a careful
 * programmer would write for the same job, in one process, on the same
 * kernel object (so the two differ only by the library).
 *
 * What "the same job" means per case:
 *   msg      sysv_msg_send + sysv_msg_recv, type 1 out, the first message
 *            back, against msgsnd + msgrcv. The raw code keeps its payload
 *            in the kernel's { long mtype; char mtext[]; } buffer, as raw
 *            code does; libsysv takes a plain buffer, so it copies the
 *            payload into that layout and back out. "raw+copy" is the raw
 *            code made to do those two copies too: it separates the cost
 *            of the API's shape from the cost of the wrapper's code.
 *   semop    sysv_sem_op with two operations (move a unit from semaphore 0
 *            to 1, then back) against semop with the same arrays.
 *   postwait sysv_sem_post + sysv_sem_wait against semop +1 and semop -1.
 *   shm      sysv_shm_write / sysv_shm_read of 64 B and 4 KiB against
 *            memcpy into (out of) the attached segment. The length is a
 *            run-time value on both sides, so both call libc's memcpy; a
 *            compile-time 64 would let the compiler inline the raw copy,
 *            which no library call can match.
 *   mutex    an uncontended sysv_mutex_lock + sysv_mutex_unlock against
 *            the two semops they make (src/sem/mutex.c): the same sembuf
 *            arrays, built once with this process's pid.
 */
#include <errno.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <unistd.h>

#include "bench.h"

#define MSG_MAX 8192 /* Linux's default msgmax: the largest case */
#define SHM_SIZE 4096

/* A compiler barrier: the copies in the loops below must each happen,
   although nothing reads their result. */
#define CLOBBER() __asm__ __volatile__("" ::: "memory")

struct kmsg {
    long mtype;
    char mtext[MSG_MAX];
};

/* The objects and buffers of the wrapper cases: one case runs at a time. */
typedef struct wctx {
    size_t size;
    sysv_msgq q;
    sysv_semset s;
    sysv_shm shm;
    sysv_mutex m;
    struct kmsg sbuf, rbuf;
    char data[MSG_MAX], out[MSG_MAX];
    struct sembuf move_there[2], move_back[2];
    struct sembuf lock_ops[5], unlock_ops[6];
} wctx;

static wctx W = {
    .q = SYSV_MSGQ_INIT, .s = SYSV_SEMSET_INIT, .shm = SYSV_SHM_INIT, .m = SYSV_MUTEX_INIT};

/* ---- message queue ------------------------------------------------------ */

static int msg_setup(bench_group *g)
{
    W.size = g->size;
    memset(W.data, 'm', sizeof(W.data));
    memset(W.sbuf.mtext, 'm', sizeof(W.sbuf.mtext));
    W.sbuf.mtype = 1;
    int rc = sysv_msg_open(&W.q, SYSV_KEY_PRIVATE, SYSV_CREATE, 0600);
    if (rc == 0)
        objects_track(SYSV_MSG, W.q.id);
    return rc;
}

static void msg_teardown(bench_group *g)
{
    (void)g;
    int id = W.q.id;
    if (id >= 0 && sysv_msg_remove(&W.q) == 0)
        objects_forget(SYSV_MSG, id);
}

static int got_all(ssize_t got, size_t want)
{
    if (got < 0)
        return (int)got;
    return (size_t)got == want ? 0 : -EPROTO;
}

static int msg_lib(void *arg, long n)
{
    wctx *w = arg;
    long type;
    for (long i = 0; i < n; i++) {
        int rc = sysv_msg_send(&w->q, 1, w->data, w->size, 0, NULL);
        if (rc < 0)
            return rc;
        rc = got_all(sysv_msg_recv(&w->q, 0, w->out, w->size, &type, 0, NULL), w->size);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int msg_raw(void *arg, long n)
{
    wctx *w = arg;
    for (long i = 0; i < n; i++) {
        if (msgsnd(w->q.id, &w->sbuf, w->size, 0) < 0)
            return -errno;
        ssize_t got = msgrcv(w->q.id, &w->rbuf, w->size, 0, 0);
        if (got < 0)
            return -errno;
        if ((size_t)got != w->size)
            return -EPROTO;
    }
    return 0;
}

static int msg_raw_copy(void *arg, long n)
{
    wctx *w = arg;
    for (long i = 0; i < n; i++) {
        memcpy(w->sbuf.mtext, w->data, w->size);
        if (msgsnd(w->q.id, &w->sbuf, w->size, 0) < 0)
            return -errno;
        ssize_t got = msgrcv(w->q.id, &w->rbuf, w->size, 0, 0);
        if (got < 0)
            return -errno;
        if ((size_t)got != w->size)
            return -EPROTO;
        memcpy(w->out, w->rbuf.mtext, (size_t)got);
        CLOBBER();
    }
    return 0;
}

/* ---- semaphores ------------------------------------------------------------ */

static int sem_setup_values(const unsigned short *init, int nsems)
{
    int rc = sysv_sem_open(&W.s, SYSV_KEY_PRIVATE, nsems, init, SYSV_CREATE, 0600);
    if (rc == 0)
        objects_track(SYSV_SEM, W.s.id);
    return rc;
}

static void sem_teardown(bench_group *g)
{
    (void)g;
    int id = W.s.id;
    if (id >= 0 && sysv_sem_remove(&W.s) == 0)
        objects_forget(SYSV_SEM, id);
}

static int semop_setup(bench_group *g)
{
    (void)g;
    static const unsigned short init[2] = {1, 0};
    /* Move the unit from 0 to 1, then back: two operations per call, and
       never a wait. */
    W.move_there[0] = (struct sembuf){0, -1, 0};
    W.move_there[1] = (struct sembuf){1, 1, 0};
    W.move_back[0] = (struct sembuf){1, -1, 0};
    W.move_back[1] = (struct sembuf){0, 1, 0};
    return sem_setup_values(init, 2);
}

static int semop_lib(void *arg, long n)
{
    wctx *w = arg;
    for (long i = 0; i < n; i++) {
        int rc = sysv_sem_op(&w->s, w->move_there, 2, 0, NULL);
        if (rc == 0)
            rc = sysv_sem_op(&w->s, w->move_back, 2, 0, NULL);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int semop_raw(void *arg, long n)
{
    wctx *w = arg;
    for (long i = 0; i < n; i++) {
        if (semop(w->s.id, w->move_there, 2) < 0 || semop(w->s.id, w->move_back, 2) < 0)
            return -errno;
    }
    return 0;
}

static int postwait_setup(bench_group *g)
{
    (void)g;
    static const unsigned short init[1] = {0};
    return sem_setup_values(init, 1);
}

static int postwait_lib(void *arg, long n)
{
    wctx *w = arg;
    for (long i = 0; i < n; i++) {
        int rc = sysv_sem_post(&w->s, 0, 0);
        if (rc == 0)
            rc = sysv_sem_wait(&w->s, 0, 0, NULL);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int postwait_raw(void *arg, long n)
{
    wctx *w = arg;
    struct sembuf post = {0, 1, 0}, wait = {0, -1, 0};
    for (long i = 0; i < n; i++) {
        if (semop(w->s.id, &post, 1) < 0 || semop(w->s.id, &wait, 1) < 0)
            return -errno;
    }
    return 0;
}

/* ---- shared memory ------------------------------------------------------------ */

static int shm_setup(bench_group *g)
{
    W.size = g->size;
    memset(W.data, 's', sizeof(W.data));
    int rc = sysv_shm_open(&W.shm, SYSV_KEY_PRIVATE, SHM_SIZE, SYSV_CREATE, 0600);
    if (rc < 0)
        return rc;
    int id = W.shm.id;
    objects_track(SYSV_SHM, id);
    rc = sysv_shm_attach(&W.shm, 0);
    /* Removed at once: the attachment keeps the memory until the detach,
       and no exit path can leave the segment behind. */
    if (sysv_shm_remove(&W.shm) == 0)
        objects_forget(SYSV_SHM, id);
    return rc;
}

static void shm_teardown(bench_group *g)
{
    (void)g;
    (void)sysv_shm_detach(&W.shm); /* -EINVAL when never attached: fine */
}

static int shm_write_lib(void *arg, long n)
{
    wctx *w = arg;
    for (long i = 0; i < n; i++) {
        int rc = sysv_shm_write(&w->shm, 0, w->data, w->size);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int shm_write_raw(void *arg, long n)
{
    wctx *w = arg;
    for (long i = 0; i < n; i++) {
        memcpy(w->shm.addr, w->data, w->size);
        CLOBBER();
    }
    return 0;
}

static int shm_read_lib(void *arg, long n)
{
    wctx *w = arg;
    for (long i = 0; i < n; i++) {
        int rc = sysv_shm_read(&w->shm, 0, w->out, w->size);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int shm_read_raw(void *arg, long n)
{
    wctx *w = arg;
    for (long i = 0; i < n; i++) {
        memcpy(w->out, w->shm.addr, w->size);
        CLOBBER();
    }
    return 0;
}

/* ---- mutex ------------------------------------------------------------------------ */

static int mutex_setup(bench_group *g)
{
    (void)g;
    int rc = sysv_mutex_open(&W.m, SYSV_KEY_PRIVATE, SYSV_CREATE, 0600);
    if (rc < 0)
        return rc;
    objects_track(SYSV_SEM, W.m.set.id);
    /* What src/sem/mutex.c passes to its one semop per lock and unlock
       when nobody died: semaphores FREE (0), LO (1), HI (2); the pid split
       into its low 15 bits and the rest. */
    pid_t me = getpid();
    short lo = (short)(me & 0x7fff), hi = (short)(me >> 15);
    struct sembuf lock[5] = {
        {0, -1, SEM_UNDO}, {1, 0, IPC_NOWAIT}, {2, 0, IPC_NOWAIT}, {1, lo, 0}, {2, hi, 0}};
    struct sembuf unlock[6] = {{1, (short)-lo, IPC_NOWAIT}, {1, 0, IPC_NOWAIT},
                               {2, (short)-hi, IPC_NOWAIT}, {2, 0, IPC_NOWAIT},
                               {0, 0, IPC_NOWAIT},          {0, 1, SEM_UNDO}};
    memcpy(W.lock_ops, lock, sizeof(lock));
    memcpy(W.unlock_ops, unlock, sizeof(unlock));
    return 0;
}

static void mutex_teardown(bench_group *g)
{
    (void)g;
    int id = W.m.set.id;
    if (id >= 0 && sysv_mutex_remove(&W.m) == 0)
        objects_forget(SYSV_SEM, id);
}

static int mutex_lib(void *arg, long n)
{
    wctx *w = arg;
    for (long i = 0; i < n; i++) {
        int rc = sysv_mutex_lock(&w->m, NULL);
        if (rc == 0)
            rc = sysv_mutex_unlock(&w->m);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int mutex_raw(void *arg, long n)
{
    wctx *w = arg;
    for (long i = 0; i < n; i++) {
        if (semop(w->m.set.id, w->lock_ops, 5) < 0 || semop(w->m.set.id, w->unlock_ops, 6) < 0)
            return -errno;
    }
    return 0;
}

/* ---- the table ---------------------------------------------------------------------- */

typedef struct wcase {
    const char *id;
    const char *title;
    size_t size;
    int calls; /* library calls per iteration */
    int (*setup)(bench_group *g);
    void (*teardown)(bench_group *g);
    bench_run_fn lib, raw, raw_copy;
} wcase;

static const wcase wcases[] = {
    {"msg-64", "msg send+recv", 64, 2, msg_setup, msg_teardown, msg_lib, msg_raw, msg_raw_copy},
    {"msg-8192", "msg send+recv", 8192, 2, msg_setup, msg_teardown, msg_lib, msg_raw, msg_raw_copy},
    {"semop", "sem_op x2 (2 ops each)", 0, 2, semop_setup, sem_teardown, semop_lib, semop_raw,
     NULL},
    {"sem-postwait", "sem post+wait", 0, 2, postwait_setup, sem_teardown, postwait_lib,
     postwait_raw, NULL},
    {"mutex", "mutex lock+unlock", 0, 2, mutex_setup, mutex_teardown, mutex_lib, mutex_raw, NULL},
    {"shm-write-64", "shm write", 64, 1, shm_setup, shm_teardown, shm_write_lib, shm_write_raw,
     NULL},
    {"shm-read-64", "shm read", 64, 1, shm_setup, shm_teardown, shm_read_lib, shm_read_raw, NULL},
    {"shm-write-4096", "shm write", 4096, 1, shm_setup, shm_teardown, shm_write_lib, shm_write_raw,
     NULL},
    {"shm-read-4096", "shm read", 4096, 1, shm_setup, shm_teardown, shm_read_lib, shm_read_raw,
     NULL},
};

int wrap_groups(bench_group *groups, int max)
{
    int n = 0;
    for (size_t i = 0; i < sizeof(wcases) / sizeof(wcases[0]) && n < max; i++) {
        const wcase *c = &wcases[i];
        bench_group *g = &groups[n++];
        memset(g, 0, sizeof(*g));
        snprintf(g->id, sizeof(g->id), "wrap/%s", c->id);
        snprintf(g->title, sizeof(g->title), "%s", c->title);
        g->section = SEC_WRAP;
        g->size = c->size;
        g->calls = c->calls;
        g->setup = c->setup;
        g->teardown = c->teardown;
        g->ctx = &W;
        bench_add_variant(g, "libsysv", 1, c->lib, &W);
        bench_add_variant(g, "raw", 0, c->raw, &W);
        g->ref = 1;
        if (c->raw_copy != NULL)
            bench_add_variant(g, "raw+copy", 0, c->raw_copy, &W);
    }
    return n;
}
