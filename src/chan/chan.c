/*
 * The message channel (<sysv/chan.h>): a ring of records in one segment,
 * five semaphores beside it.
 *
 * Layout of the segment: a 256-byte header (one cache line of constants,
 * one written only by the writer, one only by the reader, one of sleep
 * flags), then the ring, a power of two of bytes. Positions are 64-bit
 * byte counts that only grow; a position's place in the ring is
 * pos & (capacity - 1).
 *
 * A record is a 16-byte header and the payload, padded to 16 bytes:
 *     commit (8 bytes)  pos ^ salt, stored last, with release order
 *     len    (4 bytes)  payload bytes, or PAD_LEN for a padding record
 *     check  (4 bytes)  ~len
 * The reader takes the record at its position only when commit equals
 * that position xor the channel's salt. Stale bytes there (an older lap's
 * header, payload, a dead writer's half-written record) were written for
 * another position, so they never match: a message is delivered whole or
 * not at all. A record that does not fit before the ring's end is
 * preceded by a padding record that sends the reader to the next lap.
 *
 * Semaphores:
 *   SEM_WRITER, SEM_READER  1 = the role is free; a holder takes it with
 *                           -1 and SEM_UNDO, so the kernel frees it at the
 *                           holder's death
 *   SEM_RBELL, SEM_WBELL    where the reader / writer sleeps; the other
 *                           side posts only when the sleep flag says so.
 *                           Taking a role also runs +1 then -1 (SEM_UNDO)
 *                           on the peer's bell: nothing changes now, but at
 *                           the holder's death the kernel's undo posts it,
 *                           so a sleeping peer wakes and looks again
 *   SEM_INIT                a lock (SEM_UNDO) around opening the segment
 *                           and writing its header, so two creators never
 *                           both initialise it
 *
 * Sleeping follows the usual flag-then-recheck pattern: the sleeper sets
 * its flag, fences, and looks at the ring once more before semop; the
 * other side publishes, fences, and posts only when it sees the flag
 * (taking it with an exchange, so one sleep gets one post). A post nobody
 * consumed leaves a unit on the bell: the next sleep returns at once, looks
 * again, and sleeps properly. Spurious wakeups cost a loop, never a
 * message.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <sys/sem.h>
#include <time.h>
#include <unistd.h>

#include <sysv/chan.h>
#include <sysv/sem.h>
#include <sysv/shm.h>

#include "../common/internal.h"
#include "../sem/sem_private.h"
#include "chan_private.h"

/* ---- Small helpers ---------------------------------------------------------- */

static struct chan_shared *shared(const sysv_chan *c)
{
    return (struct chan_shared *)c->base;
}

static unsigned char *ring(const sysv_chan *c)
{
    return (unsigned char *)c->base + CHAN_HEADER;
}

static struct chan_rec *rec_at(const sysv_chan *c, uint64_t pos)
{
    return (struct chan_rec *)(void *)(ring(c) + (pos & (c->capacity - 1)));
}

static uint64_t rec_size(size_t len)
{
    return REC_HDR + (((uint64_t)len + REC_ALIGN - 1) & ~(uint64_t)(REC_ALIGN - 1));
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#endif
}

static long ns_since(const struct timespec *start)
{
    struct timespec now;
    (void)clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - start->tv_sec) * 1000000000L + (now.tv_nsec - start->tv_nsec);
}

static int check_open(const sysv_chan *c)
{
    return c == NULL || c->shmid < 0 || c->base == NULL || c->capacity == 0 ? -EINVAL : 0;
}

/* One semop on the channel's set. EINVAL from a set that was good when
   the handle was opened means it has been removed. */
static int chan_semop(const sysv_chan *c, struct sembuf *ops, size_t nops, int flags,
                      const sysv__deadline *deadline)
{
    int rc = sysv__semop(c->semid, ops, nops, flags, deadline);
    return rc == -EINVAL ? -EIDRM : rc;
}

static void post(const sysv_chan *c, unsigned short bell)
{
    struct sembuf op = {bell, 1, 0};
    /* Nothing to do about a failure: the set is gone (the sleeper gets
       EIDRM) or the bell is at SEMVMX (the sleeper wakes anyway). */
    (void)chan_semop(c, &op, 1, 0, NULL);
}

/* Wakes the peer if its flag says it sleeps, taking the flag so that one
   sleep gets one post. Call after publishing. */
static void wake_if_sleeping(const sysv_chan *c, uint32_t *flag, unsigned short bell)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(flag, __ATOMIC_RELAXED) != 0 &&
        __atomic_exchange_n(flag, 0, __ATOMIC_SEQ_CST) != 0)
        post(c, bell);
}

/* ---- Opening -------------------------------------------------------------- */

static size_t round_capacity(size_t capacity)
{
    size_t ring_bytes = CHAN_MIN_RING;
    while (ring_bytes < capacity) {
        if (ring_bytes > SIZE_MAX / 4)
            return 0;
        ring_bytes *= 2;
    }
    return ring_bytes;
}

static uint64_t new_salt(void)
{
    uint64_t salt = 0;
    if (getrandom(&salt, sizeof(salt), GRND_NONBLOCK) != (ssize_t)sizeof(salt)) {
        /* No entropy yet (early boot): the salt only has to differ from
           what stale bytes could hold, not to be secret. */
        struct timespec t;
        (void)clock_gettime(CLOCK_REALTIME, &t);
        salt = ((uint64_t)t.tv_sec << 32) ^ (uint64_t)t.tv_nsec ^ ((uint64_t)getpid() << 17);
    }
    return salt | 1; /* never 0: a zeroed ring must not look committed */
}

/* Opens or creates the segment and sets up its header, holding SEM_INIT.
   On success c->shmid, c->base, c->capacity and c->salt are set. */
static int open_segment(sysv_chan *c, key_t key, size_t capacity, int flags, mode_t mode,
                        int created)
{
    struct sembuf lock = {SEM_INIT, -1, SEM_UNDO};
    struct sembuf unlock = {SEM_INIT, 1, SEM_UNDO};
    sysv__deadline deadline;
    const struct timespec patience = {INIT_WAIT_MS / 1000, (INIT_WAIT_MS % 1000) * 1000000L};
    int rc = sysv__deadline_start(&deadline, &patience);
    if (rc == 0)
        rc = chan_semop(c, &lock, 1, SYSV_RESTART, &deadline);
    if (rc < 0)
        return rc;

    size_t ring_bytes = capacity > 0 ? round_capacity(capacity) : 0;
    sysv_shm shm = SYSV_SHM_INIT;
    if (capacity > 0 && (ring_bytes == 0 || ring_bytes > SIZE_MAX - CHAN_HEADER))
        rc = -EINVAL;
    else
        rc = sysv_shm_open(&shm, key, capacity > 0 ? CHAN_HEADER + ring_bytes : 0,
                           flags & (SYSV_CREATE | SYSV_EXCL | SYSV_OWNED), mode);
    if (rc == 0)
        rc = sysv_shm_attach(&shm, 0);
    if (rc == 0 && shm.size < CHAN_HEADER + CHAN_MIN_RING)
        rc = -EINVAL; /* not a channel's segment */
    if (rc == 0) {
        struct chan_shared *h = shm.addr;
        uint64_t magic = __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE);
        if (magic == 0) {
            /* New (or its creator died before this point): the ring is
               the largest power of two the segment holds. */
            size_t have = shm.size - CHAN_HEADER;
            size_t cap = CHAN_MIN_RING;
            while (cap <= have / 2)
                cap *= 2;
            memset(h, 0, sizeof(*h));
            h->capacity = cap;
            h->salt = new_salt();
            h->version = CHAN_VERSION;
            __atomic_store_n(&h->magic, CHAN_MAGIC, __ATOMIC_RELEASE);
        } else if (magic != CHAN_MAGIC || h->version != CHAN_VERSION ||
                   h->capacity < CHAN_MIN_RING || (h->capacity & (h->capacity - 1)) != 0 ||
                   h->capacity > shm.size - CHAN_HEADER) {
            rc = -EINVAL; /* someone else's segment under this key */
        }
        if (rc == 0 && capacity > h->capacity)
            rc = -EINVAL;
        if (rc == 0) {
            c->shmid = shm.id;
            c->base = shm.addr;
            c->capacity = (size_t)h->capacity;
            c->salt = h->salt;
        }
    }
    if (rc < 0 && shm.addr != NULL)
        (void)sysv_shm_detach(&shm);
    if (rc < 0 && created && (key == SYSV_KEY_PRIVATE || sysv_lookup(SYSV_SHM, key) == -ENOENT)) {
        /* This call made the set for a channel it could not make, and no
           segment exists: nobody can have a channel on it. Removed while
           SEM_INIT is held, so no other opener got past it; one waiting
           for it gets EIDRM. A set that found a segment stays. */
        (void)sysv_remove(SYSV_SEM, c->semid);
        return rc;
    }
    (void)chan_semop(c, &unlock, 1, SYSV_RESTART, NULL);
    return rc;
}

/* The writer's role was held by a process that died: advance over the
   records it committed without publishing wpos, and count the record it
   left half written. */
static void repair_writer(sysv_chan *c)
{
    struct chan_shared *h = shared(c);
    uint64_t pos = __atomic_load_n(&h->wpos, __ATOMIC_ACQUIRE);
    uint64_t limit = __atomic_load_n(&h->rpos, __ATOMIC_ACQUIRE) + c->capacity;
    while (pos < limit) {
        const struct chan_rec *r = rec_at(c, pos);
        if (__atomic_load_n(&r->commit, __ATOMIC_ACQUIRE) != (pos ^ c->salt))
            break;
        if (r->len == PAD_LEN) {
            pos += c->capacity - (pos & (c->capacity - 1));
        } else {
            pos += rec_size(r->len);
            h->sent++;
        }
    }
    __atomic_store_n(&h->wpos, pos, __ATOMIC_RELEASE);
    if (__atomic_load_n(&h->writing, __ATOMIC_RELAXED) != 0) {
        h->repairs++;
        __atomic_store_n(&h->writing, 0, __ATOMIC_RELAXED);
    }
}

int sysv_chan_open(sysv_chan *c, key_t key, size_t capacity, int flags, mode_t mode)
{
    if (c == NULL)
        return -EINVAL;
    const sysv_chan init = SYSV_CHAN_INIT;
    *c = init;
    const int roles = SYSV_CHAN_WRITER | SYSV_CHAN_READER;
    const int role = flags & roles;
    if ((flags & ~(roles | SYSV_CREATE | SYSV_EXCL | SYSV_OWNED)) != 0 ||
        (role != SYSV_CHAN_WRITER && role != SYSV_CHAN_READER) || mode > 0777 ||
        ((flags & SYSV_CREATE) && capacity == 0))
        return -EINVAL;

    if (capacity > 0) {
        size_t ring_bytes = round_capacity(capacity);
        if (ring_bytes == 0 || ring_bytes > SIZE_MAX - CHAN_HEADER)
            return -EINVAL;
    }

    const unsigned short values[CHAN_NSEMS] = {1, 1, 0, 0, 1};
    sysv_semset set = SYSV_SEMSET_INIT;
    int created = 0;
    int rc = sysv__sem_open(&set, key, CHAN_NSEMS, values,
                            flags & (SYSV_CREATE | SYSV_EXCL | SYSV_OWNED), mode, &created);
    if (rc < 0)
        return rc;
    if (set.nsems != CHAN_NSEMS)
        return -EINVAL; /* a set of another shape: not a channel's */
    c->semid = set.id;
    c->key = key;

    rc = open_segment(c, key, capacity, flags, mode, created);
    if (rc < 0) {
        c->semid = -1;
        return rc;
    }

    /* Take the role (free is 1), and arm the undo that posts the peer's
       bell at our death: +1 then -1 leaves the value as it was and the
       semadj at +1. */
    const int writer = role == SYSV_CHAN_WRITER;
    unsigned short bell = writer ? SEM_RBELL : SEM_WBELL;
    struct sembuf take[3] = {
        {writer ? SEM_WRITER : SEM_READER, -1, IPC_NOWAIT | SEM_UNDO},
        {bell, 1, 0},
        {bell, -1, SEM_UNDO},
    };
    rc = chan_semop(c, take, 3, SYSV_RESTART, NULL);
    if (rc == -ERANGE) {
        /* The bell is at SEMVMX (posts nobody took): -1 then +1 arms the
           same undo without passing the maximum. */
        take[1] = (struct sembuf){bell, -1, IPC_NOWAIT | SEM_UNDO};
        take[2] = (struct sembuf){bell, 1, 0};
        rc = chan_semop(c, take, 3, SYSV_RESTART, NULL);
    }
    if (rc < 0) {
        sysv_shm shm = {c->shmid, key, 0, c->base, 0};
        (void)sysv_shm_detach(&shm);
        *c = init;
        return rc == -EAGAIN ? -EBUSY : rc;
    }

    struct chan_shared *h = shared(c);
    c->role = role;
    /* A record's length is 32 bits, and PAD_LEN is taken. */
    c->max_message = c->capacity / 4 < PAD_LEN - 1 ? c->capacity / 4 : PAD_LEN - 1;
    if (writer) {
        if (__atomic_load_n(&h->writer_pid, __ATOMIC_ACQUIRE) != 0)
            repair_writer(c); /* the last writer died holding the role */
        c->pos = __atomic_load_n(&h->wpos, __ATOMIC_ACQUIRE);
        c->limit = __atomic_load_n(&h->rpos, __ATOMIC_ACQUIRE) + c->capacity;
        __atomic_store_n(&h->writer_pid, (int32_t)getpid(), __ATOMIC_RELEASE);
        __atomic_store_n(&h->ever_writer, 1, __ATOMIC_RELEASE);
    } else {
        c->pos = __atomic_load_n(&h->rpos, __ATOMIC_ACQUIRE);
        __atomic_store_n(&h->reader_pid, (int32_t)getpid(), __ATOMIC_RELEASE);
    }
    return 0;
}

/* ---- Waiting ---------------------------------------------------------------- */

/* Waits until ready(c, end) or an error: spins briefly, then sleeps on
   bell with the sleep flag raised. gone(c), when not NULL, is asked before
   each sleep and ends the wait with its error (the reader's -EPIPE). */
static int wait_for(const sysv_chan *c, uint64_t end, int (*ready)(const sysv_chan *, uint64_t),
                    int (*gone)(const sysv_chan *), uint32_t *flag, unsigned short bell, int flags,
                    const sysv__deadline *deadline)
{
    if (!(flags & SYSV_NOWAIT)) {
        struct timespec start;
        (void)clock_gettime(CLOCK_MONOTONIC, &start);
        for (unsigned i = 1;; i++) {
            if (ready(c, end))
                return 0;
            cpu_relax();
            if ((i & 63) == 0 && ns_since(&start) > SPIN_NS)
                break;
        }
    }
    if (flags & SYSV_NOWAIT) {
        /* No sleep, so no flag: a post for a sleeper that never sleeps
           would only pile up on the bell. */
        if (ready(c, end))
            return 0;
        int rc = gone != NULL ? gone(c) : 0;
        /* gone() read the role after the writer left: anything it
           committed before is visible now. */
        if (ready(c, end))
            return 0;
        return rc < 0 ? rc : -EAGAIN;
    }
    for (;;) {
        __atomic_store_n(flag, 1, __ATOMIC_SEQ_CST);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        int rc = ready(c, end) ? 1 : 0;
        if (rc == 0 && gone != NULL) {
            rc = gone(c);
            if (rc < 0 && ready(c, end))
                rc = 1; /* it sent, then left: take what it sent first */
        }
        if (rc == 0) {
            struct sembuf sleep_op = {bell, -1, 0};
            rc = chan_semop(c, &sleep_op, 1, flags & SYSV_RESTART, deadline);
        }
        (void)__atomic_exchange_n(flag, 0, __ATOMIC_SEQ_CST);
        if (rc == 1)
            return 0;
        if (rc < 0)
            return rc;
        if (ready(c, end))
            return 0;
    }
}

/* The ring has room up to position end. */
static int writer_has_room(const sysv_chan *c, uint64_t end)
{
    return end <= __atomic_load_n(&shared(c)->rpos, __ATOMIC_ACQUIRE) + c->capacity;
}

static int reader_has_data(const sysv_chan *c, uint64_t unused)
{
    (void)unused;
    return __atomic_load_n(&rec_at(c, c->pos)->commit, __ATOMIC_ACQUIRE) == (c->pos ^ c->salt);
}

/* -EPIPE when a writer was here and none holds the role now. */
static int writer_gone(const sysv_chan *c)
{
    if (__atomic_load_n(&shared(c)->ever_writer, __ATOMIC_ACQUIRE) == 0)
        return 0;
    int v = semctl(c->semid, SEM_WRITER, GETVAL);
    if (v < 0)
        return errno == EINVAL || errno == EIDRM ? -EIDRM : -errno;
    return v > 0 ? -EPIPE : 0;
}

/* ---- Sending and receiving ------------------------------------------------------ */

int sysv_chan_send(sysv_chan *c, const void *data, size_t len, int flags,
                   const struct timespec *timeout)
{
    if (check_open(c) < 0 || (data == NULL && len > 0) ||
        (flags & ~(SYSV_NOWAIT | SYSV_RESTART)) != 0 || sysv__timeout_check(timeout) < 0)
        return -EINVAL;
    if (c->role != SYSV_CHAN_WRITER)
        return -EPERM;
    if (len > c->max_message)
        return -EMSGSIZE;

    const uint64_t size = rec_size(len);
    uint64_t off = c->pos & (c->capacity - 1);
    uint64_t pad = off + size > c->capacity ? c->capacity - off : 0;
    const uint64_t end = c->pos + pad + size;
    if (end > c->limit) {
        /* Not known to fit: look at where the reader is (the one load of
           its cache line in a while), and wait if it is too close. */
        if (!writer_has_room(c, end)) {
            sysv__deadline deadline;
            if (timeout != NULL && sysv__deadline_start(&deadline, timeout) < 0)
                return -EINVAL;
            int rc = wait_for(c, end, writer_has_room, NULL, &shared(c)->writer_sleeps, SEM_WBELL,
                              flags, timeout != NULL ? &deadline : NULL);
            if (rc < 0)
                return rc;
        }
        c->limit = __atomic_load_n(&shared(c)->rpos, __ATOMIC_ACQUIRE) + c->capacity;
    }

    struct chan_shared *h = shared(c);
    __atomic_store_n(&h->writing, 1, __ATOMIC_RELAXED);
    if (pad > 0) {
        struct chan_rec *p = rec_at(c, c->pos);
        p->len = PAD_LEN;
        p->check = ~PAD_LEN;
        __atomic_store_n(&p->commit, c->pos ^ c->salt, __ATOMIC_RELEASE);
        c->pos += pad;
    }
    struct chan_rec *r = rec_at(c, c->pos);
    if (len > 0)
        memcpy(r + 1, data, len);
    r->len = (uint32_t)len;
    r->check = ~(uint32_t)len;
    __atomic_store_n(&r->commit, c->pos ^ c->salt, __ATOMIC_RELEASE);
    c->pos += size;
    __atomic_store_n(&h->wpos, c->pos, __ATOMIC_RELEASE);
    __atomic_store_n(&h->sent, h->sent + 1, __ATOMIC_RELAXED);
    __atomic_store_n(&h->writing, 0, __ATOMIC_RELAXED);
    wake_if_sleeping(c, &h->reader_sleeps, SEM_RBELL);
    return 0;
}

ssize_t sysv_chan_recv(sysv_chan *c, void *buf, size_t cap, int flags,
                       const struct timespec *timeout)
{
    if (check_open(c) < 0 || buf == NULL || (flags & ~(SYSV_NOWAIT | SYSV_RESTART)) != 0 ||
        sysv__timeout_check(timeout) < 0)
        return -EINVAL;
    if (c->role != SYSV_CHAN_READER)
        return -EPERM;

    struct chan_shared *h = shared(c);
    sysv__deadline deadline;
    int started = 0;
    for (;;) {
        const struct chan_rec *r = rec_at(c, c->pos);
        if (__atomic_load_n(&r->commit, __ATOMIC_ACQUIRE) != (c->pos ^ c->salt)) {
            if (timeout != NULL && !started) {
                if (sysv__deadline_start(&deadline, timeout) < 0)
                    return -EINVAL;
                started = 1;
            }
            int rc = wait_for(c, 0, reader_has_data, writer_gone, &h->reader_sleeps, SEM_RBELL,
                              flags, timeout != NULL ? &deadline : NULL);
            if (rc < 0)
                return rc;
            continue;
        }
        uint32_t len = r->len;
        if (r->check != ~len)
            return -EBADMSG;
        if (len == PAD_LEN) {
            c->pos += c->capacity - (c->pos & (c->capacity - 1));
            __atomic_store_n(&h->rpos, c->pos, __ATOMIC_RELEASE);
            /* Room freed: a writer may be waiting for it. */
            wake_if_sleeping(c, &h->writer_sleeps, SEM_WBELL);
            continue;
        }
        if (len > c->max_message)
            return -EBADMSG;
        if (len > cap)
            return -E2BIG;
        memcpy(buf, r + 1, len);
        /* Taken: the place moves only after the copy, and before return. */
        c->pos += rec_size(len);
        __atomic_store_n(&h->rpos, c->pos, __ATOMIC_RELEASE);
        __atomic_store_n(&h->received, h->received + 1, __ATOMIC_RELAXED);
        wake_if_sleeping(c, &h->writer_sleeps, SEM_WBELL);
        return (ssize_t)len;
    }
}

size_t sysv_chan_max_message(const sysv_chan *c)
{
    return check_open(c) < 0 ? 0 : c->max_message;
}

/* ---- Status, closing, removing ---------------------------------------------------- */

/* The status from a header and the role semaphores of set semid. */
static int fill_status(const struct chan_shared *h, size_t capacity, int semid,
                       sysv_chan_status *out)
{
    int wfree = semctl(semid, SEM_WRITER, GETVAL);
    int rfree = wfree < 0 ? -1 : semctl(semid, SEM_READER, GETVAL);
    if (wfree < 0 || rfree < 0)
        return errno == EINVAL || errno == EIDRM ? -EIDRM : -errno;
    memset(out, 0, sizeof(*out));
    uint64_t wpos = __atomic_load_n(&h->wpos, __ATOMIC_ACQUIRE);
    uint64_t rpos = __atomic_load_n(&h->rpos, __ATOMIC_ACQUIRE);
    out->capacity = capacity;
    out->used = wpos >= rpos ? (size_t)(wpos - rpos) : 0;
    out->sent = __atomic_load_n(&h->sent, __ATOMIC_RELAXED);
    out->received = __atomic_load_n(&h->received, __ATOMIC_RELAXED);
    out->queued = out->sent >= out->received ? (unsigned long)(out->sent - out->received) : 0;
    out->writer = wfree == 0 ? (pid_t)__atomic_load_n(&h->writer_pid, __ATOMIC_RELAXED) : 0;
    out->reader = rfree == 0 ? (pid_t)__atomic_load_n(&h->reader_pid, __ATOMIC_RELAXED) : 0;
    out->repairs = (unsigned long)__atomic_load_n(&h->repairs, __ATOMIC_RELAXED);
    return 0;
}

int sysv_chan_stat(const sysv_chan *c, sysv_chan_status *out)
{
    if (check_open(c) < 0 || out == NULL)
        return -EINVAL;
    return fill_status(shared(c), c->capacity, c->semid, out);
}

int sysv_chan_inspect(key_t key, sysv_chan_status *out)
{
    if (out == NULL || key == SYSV_KEY_PRIVATE)
        return -EINVAL;
    int semid = sysv_lookup(SYSV_SEM, key);
    if (semid < 0)
        return semid;
    sysv_shm shm = SYSV_SHM_INIT;
    int rc = sysv_lookup(SYSV_SHM, key);
    if (rc >= 0)
        rc = sysv_shm_open_id(&shm, rc);
    if (rc >= 0)
        rc = sysv_shm_attach(&shm, SYSV_SHM_RDONLY);
    if (rc < 0)
        return rc;
    const struct chan_shared *h = shm.addr;
    if (shm.size < CHAN_HEADER + CHAN_MIN_RING ||
        __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != CHAN_MAGIC || h->version != CHAN_VERSION ||
        h->capacity > shm.size - CHAN_HEADER)
        rc = -EINVAL;
    else
        rc = fill_status(h, (size_t)h->capacity, semid, out);
    (void)sysv_shm_detach(&shm);
    return rc == -EIDRM ? -ENOENT : rc;
}

static void detach(sysv_chan *c)
{
    sysv_shm shm = {c->shmid, c->key, CHAN_HEADER + c->capacity, c->base, 0};
    (void)sysv_shm_detach(&shm);
    const sysv_chan init = SYSV_CHAN_INIT;
    *c = init;
}

int sysv_chan_close(sysv_chan *c)
{
    if (check_open(c) < 0 || (c->role != SYSV_CHAN_WRITER && c->role != SYSV_CHAN_READER))
        return -EINVAL;
    struct chan_shared *h = shared(c);
    const int writer = c->role == SYSV_CHAN_WRITER;
    if (writer)
        __atomic_store_n(&h->writer_pid, 0, __ATOMIC_RELEASE);
    else
        __atomic_store_n(&h->reader_pid, 0, __ATOMIC_RELEASE);
    /* Give the role back and post the peer's bell, both with SEM_UNDO so
       the adjustments taken at open are cancelled. */
    unsigned short bell = writer ? SEM_RBELL : SEM_WBELL;
    struct sembuf give = {writer ? SEM_WRITER : SEM_READER, 1, SEM_UNDO};
    struct sembuf ring_bell = {bell, 1, SEM_UNDO};
    /* Separately: a bell at SEMVMX (ERANGE) must not keep the role. Such
       a bell wakes its sleeper anyway; its undo, left armed, is capped by
       the kernel at exit. Errors: the set is gone, nothing to give. */
    (void)chan_semop(c, &give, 1, SYSV_RESTART, NULL);
    (void)chan_semop(c, &ring_bell, 1, SYSV_RESTART, NULL);
    detach(c);
    return 0;
}

int sysv_chan_remove(sysv_chan *c)
{
    if (check_open(c) < 0)
        return -EINVAL;
    int rc = sysv_remove(SYSV_SEM, c->semid);
    if (rc == -EPERM)
        return rc;
    int shm_rc = sysv_remove(SYSV_SHM, c->shmid);
    if (rc == 0 && shm_rc == -EPERM)
        rc = shm_rc;
    detach(c);
    return rc == -EPERM ? rc : 0;
}
