/*
 * The message channel (<sysv/chan.h>): order, sizes, wrap-around, full and
 * empty, bad input, roles, and death on either side proven by the kernel:
 * writers and readers killed with SIGKILL at random points, many times.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "chan/chan_private.h"
#include "harness.h"

#define CHILD_MS 20000
#define SLEEPS_IN SYS_semtimedop /* glibc's semop is semtimedop on x86_64 */

/* Creates the channel with this key in one role, and records its segment
   and set for the harness's leak check. */
static void create_chan(sysv_chan *c, key_t key, size_t capacity, int role)
{
    CHECK_OK(sysv_chan_open(c, key, capacity, role | SYSV_CREATE | SYSV_EXCL, 0600));
    h_track(SYSV_SHM, c->shmid);
    h_track(SYSV_SEM, c->semid);
}

/* Opens a writer (creating) and a reader on a new key, both in this
   process: one process may hold both roles through two handles. */
static key_t open_pair(sysv_chan *w, sysv_chan *r, size_t capacity)
{
    key_t key = h_key();
    create_chan(w, key, capacity, SYSV_CHAN_WRITER);
    CHECK_OK(sysv_chan_open(r, key, 0, SYSV_CHAN_READER, 0));
    return key;
}

/* A message that says which it is and checks itself: generation, sequence
   number, a length derived from both, and a checksum over the rest. */
struct stamp {
    uint32_t gen, seq, len, sum;
};

static size_t stamped_len(uint32_t gen, uint32_t seq, size_t max)
{
    return sizeof(struct stamp) + (size_t)((gen * 2654435761u + seq * 40503u) % (max - 16));
}

static uint32_t checksum(const unsigned char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static size_t make_stamped(unsigned char *buf, uint32_t gen, uint32_t seq, size_t max)
{
    size_t len = stamped_len(gen, seq, max);
    struct stamp s = {gen, seq, (uint32_t)len, 0};
    for (size_t i = sizeof(s); i < len; i++)
        buf[i] = (unsigned char)(seq + i * 7 + gen);
    s.sum = checksum(buf + sizeof(s), len - sizeof(s));
    memcpy(buf, &s, sizeof(s));
    return len;
}

/* 1 when buf holds a whole, uncorrupted stamped message. */
static int stamped_ok(const unsigned char *buf, size_t n, struct stamp *out)
{
    if (n < sizeof(*out))
        return 0;
    memcpy(out, buf, sizeof(*out));
    return out->len == n && checksum(buf + sizeof(*out), n - sizeof(*out)) == out->sum;
}

/* ---- Bad input --------------------------------------------------------------- */

TEST(chan_init_handle_is_refused_everywhere)
{
    sysv_chan c = SYSV_CHAN_INIT;
    char buf[8];
    sysv_chan_status st;
    CHECK_ERR(sysv_chan_send(&c, "x", 1, 0, NULL), EINVAL);
    CHECK_ERR(sysv_chan_recv(&c, buf, sizeof(buf), 0, NULL), EINVAL);
    CHECK_EQ(sysv_chan_max_message(&c), 0);
    CHECK_EQ(sysv_chan_max_message(NULL), 0);
    CHECK_ERR(sysv_chan_stat(&c, &st), EINVAL);
    CHECK_ERR(sysv_chan_close(&c), EINVAL);
    CHECK_ERR(sysv_chan_remove(&c), EINVAL);
    CHECK_ERR(sysv_chan_send(NULL, "x", 1, 0, NULL), EINVAL);
    CHECK_ERR(sysv_chan_recv(NULL, buf, 1, 0, NULL), EINVAL);
    CHECK_ERR(sysv_chan_open(NULL, h_key(), 4096, SYSV_CHAN_WRITER | SYSV_CREATE, 0), EINVAL);
}

TEST(chan_open_refuses_bad_roles_flags_and_sizes)
{
    sysv_chan c = SYSV_CHAN_INIT;
    key_t key = h_key();
    CHECK_ERR(sysv_chan_open(&c, key, 4096, SYSV_CREATE, 0), EINVAL); /* no role */
    CHECK_ERR(sysv_chan_open(&c, key, 4096, SYSV_CHAN_WRITER | SYSV_CHAN_READER | SYSV_CREATE, 0),
              EINVAL);
    CHECK_ERR(sysv_chan_open(&c, key, 0, SYSV_CHAN_WRITER | SYSV_CREATE, 0), EINVAL);
    CHECK_ERR(sysv_chan_open(&c, key, 4096, SYSV_CHAN_WRITER | SYSV_CREATE | 0x40, 0), EINVAL);
    CHECK_ERR(sysv_chan_open(&c, key, 4096, SYSV_CHAN_WRITER | SYSV_CREATE, 01000), EINVAL);
    CHECK_ERR(sysv_chan_open(&c, key, (size_t)-1, SYSV_CHAN_WRITER | SYSV_CREATE, 0), EINVAL);
    CHECK_ERR(sysv_chan_open(&c, key, 0, SYSV_CHAN_READER, 0), ENOENT);
    CHECK_EQ(c.shmid, -1);
    CHECK_EQ(c.role, 0);

    sysv_chan w = SYSV_CHAN_INIT, r = SYSV_CHAN_INIT;
    open_pair(&w, &r, 4096);
    CHECK_EQ(w.capacity, 4096);
    CHECK(sysv_chan_max_message(&w) >= w.capacity / 4);
    /* An existing channel: a larger capacity is refused, a smaller one
       opens it as it is; EXCL refuses it. */
    CHECK_ERR(sysv_chan_close(&r), 0);
    CHECK_ERR(sysv_chan_open(&r, w.key, 8192, SYSV_CHAN_READER, 0), EINVAL);
    CHECK_ERR(sysv_chan_open(&r, w.key, 4096, SYSV_CHAN_READER | SYSV_CREATE | SYSV_EXCL, 0),
              EEXIST);
    CHECK_OK(sysv_chan_open(&r, w.key, 1000, SYSV_CHAN_READER, 0));
    CHECK_EQ(r.capacity, 4096);
    /* Wrong role for the call. */
    char buf[16];
    CHECK_ERR(sysv_chan_send(&r, "x", 1, 0, NULL), EPERM);
    CHECK_ERR(sysv_chan_recv(&w, buf, sizeof(buf), SYSV_NOWAIT, NULL), EPERM);
    CHECK_ERR(sysv_chan_send(&w, NULL, 1, 0, NULL), EINVAL);
    CHECK_ERR(sysv_chan_recv(&r, NULL, 1, 0, NULL), EINVAL);
    CHECK_ERR(sysv_chan_send(&w, "x", 1, SYSV_UNDO, NULL), EINVAL);
    struct timespec bad = {0, 1000000000L};
    CHECK_ERR(sysv_chan_recv(&r, buf, sizeof(buf), 0, &bad), EINVAL);
    CHECK_OK(sysv_chan_close(&r));
    CHECK_OK(sysv_chan_remove(&w));
    CHECK_ERR(sysv_chan_remove(&w), EINVAL);
}

TEST(chan_a_segment_that_is_not_a_channel_is_refused)
{
    key_t key = h_key();
    int sem = h_sem(key, 5, 0600); /* the right shape of set, free roles... */
    unsigned short free_roles[5] = {1, 1, 0, 0, 1};
    CHECK_OK(semctl(sem, 0, SETALL, free_roles));
    int shm = h_shm(key, 8192, 0600);
    void *p = shmat(shm, NULL, 0);
    CHECK(p != (void *)-1);
    memset(p, 0xab, 8192); /* ...but someone else's bytes */
    CHECK_OK(shmdt(p));
    sysv_chan c = SYSV_CHAN_INIT;
    CHECK_ERR(sysv_chan_open(&c, key, 0, SYSV_CHAN_READER, 0), EINVAL);
    CHECK_EQ(c.shmid, -1);
    CHECK_OK(shmctl(shm, IPC_RMID, NULL));
    CHECK_OK(semctl(sem, 0, IPC_RMID));
}

/* ---- Order, sizes, wrap-around ------------------------------------------------ */

TEST(chan_every_size_from_0_to_max_in_order)
{
    sysv_chan w = SYSV_CHAN_INIT, r = SYSV_CHAN_INIT;
    open_pair(&w, &r, 4096);
    size_t max = sysv_chan_max_message(&w);
    unsigned char out[4096], in[4096];
    for (size_t len = 0; len <= max; len++) {
        for (size_t i = 0; i < len; i++)
            out[i] = (unsigned char)(len * 31 + i);
        CHECK_OK(sysv_chan_send(&w, out, len, SYSV_NOWAIT, NULL));
        ssize_t n = sysv_chan_recv(&r, in, sizeof(in), SYSV_NOWAIT, NULL);
        CHECK_EQ(n, (ssize_t)len);
        CHECK(memcmp(in, out, len) == 0);
    }
    CHECK_ERR(sysv_chan_send(&w, out, max + 1, 0, NULL), EMSGSIZE);
    CHECK_ERR(sysv_chan_recv(&r, in, sizeof(in), SYSV_NOWAIT, NULL), EAGAIN);
    sysv_chan_status st;
    CHECK_OK(sysv_chan_stat(&w, &st));
    CHECK_EQ(st.sent, max + 1);
    CHECK_EQ(st.received, max + 1);
    CHECK_EQ(st.queued, 0);
    CHECK_EQ(st.used, 0);
    CHECK_EQ(st.writer, getpid());
    CHECK_EQ(st.reader, getpid());
    CHECK_EQ(st.repairs, 0);
    CHECK_OK(sysv_chan_close(&r));
    CHECK_OK(sysv_chan_remove(&w));
}

TEST(chan_wraps_around_many_laps_with_mixed_sizes)
{
    sysv_chan w = SYSV_CHAN_INIT, r = SYSV_CHAN_INIT;
    open_pair(&w, &r, 1024);
    size_t max = sysv_chan_max_message(&w);
    unsigned char buf[1024], in[1024];
    uint32_t next_send = 0, next_recv = 0;
    /* Fill until full, drain part, repeat: the ring laps ~100 times and
       every message is checked. */
    while (next_recv < 5000) {
        for (;;) {
            size_t len = make_stamped(buf, 1, next_send, max);
            int rc = sysv_chan_send(&w, buf, len, SYSV_NOWAIT, NULL);
            if (rc == -EAGAIN)
                break;
            CHECK_OK(rc);
            next_send++;
        }
        for (int k = 0; k < 3 + (int)(next_recv % 5); k++) {
            ssize_t n = sysv_chan_recv(&r, in, sizeof(in), SYSV_NOWAIT, NULL);
            if (n == -EAGAIN)
                break;
            struct stamp s;
            CHECK(n >= 0 && stamped_ok(in, (size_t)n, &s));
            CHECK_EQ(s.seq, next_recv);
            next_recv++;
        }
    }
    sysv_chan_status st;
    CHECK_OK(sysv_chan_stat(&r, &st));
    CHECK_EQ(st.queued, next_send - next_recv);
    CHECK(st.used <= st.capacity && (st.used == 0) == (st.queued == 0));
    CHECK_OK(sysv_chan_close(&r));
    CHECK_OK(sysv_chan_remove(&w));
}

TEST(chan_too_small_a_buffer_leaves_the_message)
{
    sysv_chan w = SYSV_CHAN_INIT, r = SYSV_CHAN_INIT;
    open_pair(&w, &r, 4096);
    CHECK_OK(sysv_chan_send(&w, "0123456789", 10, 0, NULL));
    char small[4], big[16];
    CHECK_ERR(sysv_chan_recv(&r, small, sizeof(small), 0, NULL), E2BIG);
    CHECK_EQ(sysv_chan_recv(&r, big, sizeof(big), 0, NULL), 10);
    CHECK(memcmp(big, "0123456789", 10) == 0);
    CHECK_OK(sysv_chan_close(&r));
    CHECK_OK(sysv_chan_remove(&w));
}

TEST(chan_full_and_empty_with_nowait_and_timeouts)
{
    sysv_chan w = SYSV_CHAN_INIT, r = SYSV_CHAN_INIT;
    open_pair(&w, &r, 1024);
    char buf[256] = {0};
    int sent = 0;
    while (sysv_chan_send(&w, buf, 100, SYSV_NOWAIT, NULL) == 0)
        sent++;
    CHECK(sent >= 8);
    CHECK_ERR(sysv_chan_send(&w, buf, 100, SYSV_NOWAIT, NULL), EAGAIN);
    struct timespec t0, wait = {0, 50 * 1000000L};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_ERR(sysv_chan_send(&w, buf, 100, 0, &wait), ETIMEDOUT);
    CHECK(h_elapsed_ms(&t0) >= 50);
    for (int i = 0; i < sent; i++)
        CHECK_EQ(sysv_chan_recv(&r, buf, sizeof(buf), 0, NULL), 100);
    CHECK_ERR(sysv_chan_recv(&r, buf, sizeof(buf), SYSV_NOWAIT, NULL), EAGAIN);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_ERR(sysv_chan_recv(&r, buf, sizeof(buf), 0, &wait), ETIMEDOUT);
    CHECK(h_elapsed_ms(&t0) >= 50);
    struct timespec zero = {0, 0};
    CHECK_ERR(sysv_chan_recv(&r, buf, sizeof(buf), 0, &zero), ETIMEDOUT);
    CHECK_OK(sysv_chan_close(&r));
    CHECK_OK(sysv_chan_remove(&w));
}

/* ---- Roles -------------------------------------------------------------------- */

static void try_writer_role(void *arg)
{
    sysv_chan c = SYSV_CHAN_INIT;
    CHECK_ERR(sysv_chan_open(&c, *(key_t *)arg, 0, SYSV_CHAN_WRITER, 0), EBUSY);
    CHECK_ERR(sysv_chan_open(&c, *(key_t *)arg, 0, SYSV_CHAN_READER, 0), EBUSY);
}

TEST_MULTIPROC(chan_a_live_holder_makes_the_role_busy)
{
    sysv_chan w = SYSV_CHAN_INIT, r = SYSV_CHAN_INIT;
    key_t key = open_pair(&w, &r, 4096);
    sysv_chan again = SYSV_CHAN_INIT;
    CHECK_ERR(sysv_chan_open(&again, key, 0, SYSV_CHAN_WRITER, 0), EBUSY);
    CHECK_ERR(sysv_chan_open(&again, key, 0, SYSV_CHAN_READER, 0), EBUSY);
    CHECK_EQ(h_wait(h_fork(try_writer_role, &key), CHILD_MS), 0);
    /* Closed, the role is free for the next. */
    CHECK_OK(sysv_chan_close(&r));
    CHECK_OK(sysv_chan_open(&r, key, 0, SYSV_CHAN_READER, 0));
    CHECK_OK(sysv_chan_close(&r));
    CHECK_OK(sysv_chan_remove(&w));
}

TEST(chan_epipe_only_after_a_writer_was_there_and_left)
{
    key_t key = h_key();
    sysv_chan r = SYSV_CHAN_INIT, w = SYSV_CHAN_INIT;
    create_chan(&r, key, 4096, SYSV_CHAN_READER);
    char buf[16];
    /* No writer ever: just empty. */
    CHECK_ERR(sysv_chan_recv(&r, buf, sizeof(buf), SYSV_NOWAIT, NULL), EAGAIN);
    CHECK_OK(sysv_chan_open(&w, key, 0, SYSV_CHAN_WRITER, 0));
    CHECK_OK(sysv_chan_send(&w, "last", 4, 0, NULL));
    CHECK_OK(sysv_chan_close(&w));
    /* What was sent still comes; then EPIPE, also when waiting. */
    CHECK_EQ(sysv_chan_recv(&r, buf, sizeof(buf), 0, NULL), 4);
    CHECK_ERR(sysv_chan_recv(&r, buf, sizeof(buf), 0, NULL), EPIPE);
    CHECK_ERR(sysv_chan_recv(&r, buf, sizeof(buf), SYSV_NOWAIT, NULL), EPIPE);
    /* A new writer: no longer EPIPE. */
    CHECK_OK(sysv_chan_open(&w, key, 0, SYSV_CHAN_WRITER, 0));
    CHECK_ERR(sysv_chan_recv(&r, buf, sizeof(buf), SYSV_NOWAIT, NULL), EAGAIN);
    CHECK_OK(sysv_chan_close(&w));
    CHECK_OK(sysv_chan_remove(&r));
}

/* ---- Death -------------------------------------------------------------------- */

struct peer {
    key_t key;
    h_gate ready;
    int expect;
};

static void hold_writer_forever(void *arg)
{
    struct peer *p = arg;
    sysv_chan w = SYSV_CHAN_INIT;
    CHECK_OK(sysv_chan_open(&w, p->key, 0, SYSV_CHAN_WRITER, 0));
    h_gate_open(&p->ready);
    for (;;)
        pause();
}

static void block_in_recv(void *arg)
{
    struct peer *p = arg;
    sysv_chan r = SYSV_CHAN_INIT;
    char buf[16];
    CHECK_OK(sysv_chan_open(&r, p->key, 0, SYSV_CHAN_READER, 0));
    CHECK_ERR(sysv_chan_recv(&r, buf, sizeof(buf), 0, NULL), p->expect);
}

TEST_MULTIPROC(chan_writer_death_wakes_a_blocked_reader_with_epipe)
{
    key_t key = h_key();
    sysv_chan c = SYSV_CHAN_INIT;
    create_chan(&c, key, 4096, SYSV_CHAN_READER);
    CHECK_OK(sysv_chan_close(&c)); /* the reader's role goes to the child */
    struct peer p = {key, {{-1, -1}}, EPIPE};
    h_gate_init(&p.ready);
    pid_t writer = h_fork(hold_writer_forever, &p);
    h_gate_pass(&p.ready, CHILD_MS);
    pid_t reader = h_fork(block_in_recv, &p);
    h_wait_syscall(reader, SLEEPS_IN, CHILD_MS);

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_OK(kill(writer, SIGKILL));
    CHECK_EQ(h_wait(reader, CHILD_MS), 0);
    long long us = h_elapsed_us(&t0);
    CHECK_EQ(h_wait(writer, CHILD_MS), 128 + SIGKILL);
    printf("reader woke with EPIPE %lld us after the writer's SIGKILL\n", us);
    CHECK(us < 1000000); /* woken by the kernel's undo, not by a timeout */

    CHECK_OK(sysv_chan_open(&c, key, 0, SYSV_CHAN_READER, 0));
    CHECK_OK(sysv_chan_remove(&c));
}

TEST_MULTIPROC(chan_remove_wakes_a_blocked_reader_with_eidrm)
{
    key_t key = h_key();
    sysv_chan w = SYSV_CHAN_INIT;
    create_chan(&w, key, 4096, SYSV_CHAN_WRITER);
    struct peer p = {key, {{-1, -1}}, EIDRM};
    pid_t reader = h_fork(block_in_recv, &p);
    h_wait_syscall(reader, SLEEPS_IN, CHILD_MS);
    int shmid = w.shmid;
    CHECK_OK(sysv_chan_remove(&w));
    CHECK_EQ(w.shmid, -1);
    CHECK_EQ(h_wait(reader, CHILD_MS), 0);
    sysv_perm perm;
    CHECK(sysv_perm_get(SYSV_SHM, shmid, &perm) < 0); /* gone at the last detach */
}

/* A writer that dies half way through a record: its bytes are in the
   ring, its header is not. Played by hand, so the point is exact. */
static void die_mid_record(void *arg)
{
    struct peer *p = arg;
    sysv_chan w = SYSV_CHAN_INIT;
    CHECK_OK(sysv_chan_open(&w, p->key, 0, SYSV_CHAN_WRITER, 0));
    for (int i = 0; i < 3; i++)
        CHECK_OK(sysv_chan_send(&w, "whole", 5, 0, NULL));
    struct chan_shared *h = w.base;
    unsigned char *ring = (unsigned char *)w.base + CHAN_HEADER;
    __atomic_store_n(&h->writing, 1, __ATOMIC_RELAXED);
    memset(ring + (w.pos & (w.capacity - 1)) + REC_HDR, 'X', 40); /* payload, no header */
    /* A header from an older lap in the slot must not parse either. */
    struct chan_rec stale = {(w.pos - w.capacity) ^ w.salt, 40, ~40u};
    memcpy(ring + (w.pos & (w.capacity - 1)), &stale, sizeof(stale));
    raise(SIGKILL);
}

TEST_MULTIPROC(chan_a_dead_writers_half_record_is_discarded_and_counted)
{
    key_t key = h_key();
    sysv_chan r = SYSV_CHAN_INIT, w = SYSV_CHAN_INIT;
    create_chan(&r, key, 4096, SYSV_CHAN_READER);
    struct peer p = {key, {{-1, -1}}, 0};
    CHECK_EQ(h_wait(h_fork(die_mid_record, &p), CHILD_MS), 128 + SIGKILL);
    sysv_chan_status st;
    CHECK_OK(sysv_chan_stat(&r, &st));
    CHECK_EQ(st.writer, 0); /* the kernel freed the role */
    CHECK_OK(sysv_chan_open(&w, key, 0, SYSV_CHAN_WRITER, 0));
    CHECK_OK(sysv_chan_stat(&r, &st));
    CHECK_EQ(st.repairs, 1);
    CHECK_OK(sysv_chan_send(&w, "after", 5, 0, NULL));
    char buf[64];
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(sysv_chan_recv(&r, buf, sizeof(buf), SYSV_NOWAIT, NULL), 5);
        CHECK(memcmp(buf, "whole", 5) == 0);
    }
    CHECK_EQ(sysv_chan_recv(&r, buf, sizeof(buf), SYSV_NOWAIT, NULL), 5);
    CHECK(memcmp(buf, "after", 5) == 0);
    CHECK_ERR(sysv_chan_recv(&r, buf, sizeof(buf), SYSV_NOWAIT, NULL), EAGAIN);
    CHECK_OK(sysv_chan_close(&w));
    CHECK_OK(sysv_chan_remove(&r));
}

/* ---- Soak: writers and readers killed at random points ------------------------ */

#define SOAK_KILLS 1000
#define MAX_GENS (SOAK_KILLS + 2)

/* What the processes tell each other outside the channel (an anonymous
   shared mapping): how many sends returned 0, per writer generation. */
struct ledger {
    uint32_t acked[MAX_GENS];
    uint32_t taken; /* reader soak: messages recv returned */
    uint32_t last_seq;
    uint32_t stop;          /* reader soak: the writer stops */
    uint32_t kills;         /* reader soak: readers killed so far */
    uint32_t kills_at_last; /* ... when the last message was recorded */
};

struct soak {
    key_t key;
    struct ledger *ledger;
    uint32_t gen;
    uint32_t count; /* messages to send, 0: until killed */
};

static void soak_writer(void *arg)
{
    struct soak *s = arg;
    sysv_chan w = SYSV_CHAN_INIT;
    unsigned char buf[4096];
    CHECK_OK(sysv_chan_open(&w, s->key, 0, SYSV_CHAN_WRITER, 0));
    size_t max = sysv_chan_max_message(&w);
    for (uint32_t seq = 0; s->count == 0 || seq < s->count; seq++) {
        size_t len = make_stamped(buf, s->gen, seq, max);
        CHECK_OK(sysv_chan_send(&w, buf, len, 0, NULL));
        __atomic_store_n(&s->ledger->acked[s->gen], seq + 1, __ATOMIC_RELEASE);
    }
    CHECK_OK(sysv_chan_close(&w));
}

/* Reads until the last generation's last message; checks every message
   whole, each generation's sequence gapless and increasing, and that every
   acknowledged send arrived. */
static void soak_reader(void *arg)
{
    struct soak *s = arg;
    sysv_chan r = SYSV_CHAN_INIT;
    unsigned char buf[4096];
    CHECK_OK(sysv_chan_open(&r, s->key, 0, SYSV_CHAN_READER, 0));
    uint32_t gen = 0, next = 0, total = 0;
    for (;;) {
        ssize_t n = sysv_chan_recv(&r, buf, sizeof(buf), SYSV_RESTART, NULL);
        if (n == -EPIPE)
            continue; /* between a dead writer and the next: wait for it */
        CHECK(n >= 0);
        struct stamp st;
        CHECK(stamped_ok(buf, (size_t)n, &st)); /* never torn or corrupted */
        if (st.gen != gen) {
            CHECK(st.gen > gen);
            /* Every send the previous writers saw succeed has arrived. */
            for (uint32_t g = gen; g < st.gen; g++)
                CHECK(__atomic_load_n(&s->ledger->acked[g], __ATOMIC_ACQUIRE) <=
                      (g == gen ? next : 0));
            gen = st.gen;
            next = 0;
        }
        CHECK_EQ(st.seq, next); /* no gap, no duplicate */
        next++;
        total++;
        if (gen == s->gen && next == s->count)
            break;
    }
    printf("reader: %u messages from %u writers, all whole, in order, none twice\n", total,
           gen + 1);
    CHECK_OK(sysv_chan_close(&r));
}

static struct ledger *new_ledger(void)
{
    struct ledger *l =
        mmap(NULL, sizeof(*l), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(l != MAP_FAILED);
    return l;
}

TEST_MULTIPROC(chan_soak_writers_killed_at_random_points)
{
    key_t key = h_key();
    sysv_chan c = SYSV_CHAN_INIT;
    create_chan(&c, key, 16384, SYSV_CHAN_READER);
    CHECK_OK(sysv_chan_close(&c));
    struct ledger *ledger = new_ledger();
    struct soak rs = {key, ledger, SOAK_KILLS, 200};
    pid_t reader = h_fork(soak_reader, &rs);

    unsigned seed = (unsigned)getpid();
    for (uint32_t gen = 0; gen < SOAK_KILLS; gen++) {
        struct soak ws = {key, ledger, gen, 0};
        pid_t writer = h_fork(soak_writer, &ws);
        /* Kill it once it has sent a random number of messages (0..40),
           at whatever point of its send loop it then is. */
        uint32_t target = (uint32_t)(rand_r(&seed) % 41);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        while (__atomic_load_n(&ledger->acked[gen], __ATOMIC_ACQUIRE) < target &&
               h_elapsed_ms(&t0) < CHILD_MS)
            sched_yield();
        CHECK_OK(kill(writer, SIGKILL));
        CHECK_EQ(h_wait(writer, CHILD_MS), 128 + SIGKILL);
    }
    struct soak last = {key, ledger, SOAK_KILLS, 200};
    CHECK_EQ(h_wait(h_fork(soak_writer, &last), CHILD_MS), 0);
    CHECK_EQ(h_wait(reader, 120000), 0);

    CHECK_OK(sysv_chan_open(&c, key, 0, SYSV_CHAN_READER, 0));
    sysv_chan_status st;
    CHECK_OK(sysv_chan_stat(&c, &st));
    printf("%d writers killed with SIGKILL; %lu half-written messages discarded\n", SOAK_KILLS,
           st.repairs);
    CHECK(st.repairs <= SOAK_KILLS);
    CHECK_EQ(st.queued, 0);
    CHECK_OK(sysv_chan_remove(&c));
    CHECK_OK(munmap(ledger, sizeof(*ledger)));
}

/* The reader side: readers killed at random points while a writer
   streams; each new reader resumes at the dead one's committed place. A
   reader killed inside recv may lose the one message it was taking, never
   more, and none comes twice. */
static void stream_until_stopped(void *arg)
{
    struct soak *s = arg;
    sysv_chan w = SYSV_CHAN_INIT;
    unsigned char buf[128];
    CHECK_OK(sysv_chan_open(&w, s->key, 0, SYSV_CHAN_WRITER, 0));
    uint32_t seq = 0;
    while (!__atomic_load_n(&s->ledger->stop, __ATOMIC_ACQUIRE)) {
        CHECK_OK(sysv_chan_send(&w, buf, make_stamped(buf, 0, seq, 64), SYSV_RESTART, NULL));
        seq++;
    }
    __atomic_store_n(&s->ledger->acked[0], seq, __ATOMIC_RELEASE);
    CHECK_OK(sysv_chan_close(&w)); /* the last reader ends on EPIPE */
}

static void soak_killable_reader(void *arg)
{
    struct soak *s = arg;
    sysv_chan r = SYSV_CHAN_INIT;
    unsigned char buf[4096];
    CHECK_OK(sysv_chan_open(&r, s->key, 0, SYSV_CHAN_READER, 0));
    const uint32_t kills = __atomic_load_n(&s->ledger->kills, __ATOMIC_ACQUIRE);
    for (;;) {
        ssize_t n = sysv_chan_recv(&r, buf, sizeof(buf), 0, NULL);
        if (n == -EPIPE)
            break;
        struct stamp st;
        CHECK(n >= 0 && stamped_ok(buf, (size_t)n, &st));
        uint32_t taken = __atomic_load_n(&s->ledger->taken, __ATOMIC_ACQUIRE);
        uint32_t expected =
            taken == 0 ? 0 : __atomic_load_n(&s->ledger->last_seq, __ATOMIC_ACQUIRE) + 1;
        /* Each reader killed since the last message was recorded may have
           taken one inside recv: no more are missing, and none comes
           twice. */
        CHECK(st.seq >= expected);
        CHECK(st.seq - expected <=
              kills - __atomic_load_n(&s->ledger->kills_at_last, __ATOMIC_ACQUIRE));
        __atomic_store_n(&s->ledger->kills_at_last, kills, __ATOMIC_RELEASE);
        __atomic_store_n(&s->ledger->last_seq, st.seq, __ATOMIC_RELEASE);
        __atomic_store_n(&s->ledger->taken, taken + 1, __ATOMIC_RELEASE);
    }
    CHECK_OK(sysv_chan_close(&r));
}

TEST_MULTIPROC(chan_soak_readers_killed_at_random_points)
{
    key_t key = h_key();
    sysv_chan c = SYSV_CHAN_INIT;
    create_chan(&c, key, 4096, SYSV_CHAN_READER);
    CHECK_OK(sysv_chan_close(&c));
    struct ledger *ledger = new_ledger();
    struct soak rs = {key, ledger, 0, 0};
    pid_t writer = h_fork(stream_until_stopped, &rs);

    unsigned seed = (unsigned)getpid();
    const int kills = SOAK_KILLS / 2;
    for (int k = 0; k < kills; k++) {
        uint32_t target =
            __atomic_load_n(&ledger->taken, __ATOMIC_ACQUIRE) + (uint32_t)(rand_r(&seed) % 30);
        pid_t reader = h_fork(soak_killable_reader, &rs);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        while (__atomic_load_n(&ledger->taken, __ATOMIC_ACQUIRE) < target &&
               h_elapsed_ms(&t0) < CHILD_MS)
            sched_yield();
        CHECK_OK(kill(reader, SIGKILL));
        CHECK_EQ(h_wait(reader, CHILD_MS), 128 + SIGKILL);
        __atomic_store_n(&ledger->kills, (uint32_t)k + 1, __ATOMIC_RELEASE);
    }
    __atomic_store_n(&ledger->stop, 1, __ATOMIC_RELEASE);
    CHECK_EQ(h_wait(h_fork(soak_killable_reader, &rs), 120000), 0);
    CHECK_EQ(h_wait(writer, CHILD_MS), 0);
    uint32_t sent = ledger->acked[0], taken = ledger->taken;
    printf("%d readers killed with SIGKILL while a writer streamed; %u of %u messages "
           "returned, %u lost inside a killed recv\n",
           kills, taken, sent, sent - taken);
    CHECK_EQ(ledger->last_seq, sent - 1); /* the last sent arrived */
    CHECK(sent - taken <= (uint32_t)kills);
    CHECK_OK(sysv_chan_open(&c, key, 0, SYSV_CHAN_READER, 0));
    CHECK_OK(sysv_chan_remove(&c));
    CHECK_OK(munmap(ledger, sizeof(*ledger)));
}

/* Both peers killed after the channel was removed: nothing is left. */
static void attach_and_wait(void *arg)
{
    struct peer *p = arg;
    sysv_chan c = SYSV_CHAN_INIT;
    CHECK_OK(sysv_chan_open(&c, p->key, 0, p->expect, 0));
    h_gate_open(&p->ready);
    for (;;)
        pause();
}

TEST_MULTIPROC(chan_nothing_left_when_both_peers_die_after_remove)
{
    key_t key = h_key();
    sysv_chan c = SYSV_CHAN_INIT;
    CHECK_OK(sysv_chan_open(&c, key, 4096, SYSV_CHAN_WRITER | SYSV_CREATE | SYSV_EXCL, 0600));
    int shmid = h_track(SYSV_SHM, c.shmid), semid = h_track(SYSV_SEM, c.semid);
    CHECK_OK(sysv_chan_close(&c));
    struct peer w = {key, {{-1, -1}}, SYSV_CHAN_WRITER}, r = {key, {{-1, -1}}, SYSV_CHAN_READER};
    h_gate_init(&w.ready);
    h_gate_init(&r.ready);
    pid_t pw = h_fork(attach_and_wait, &w), pr = h_fork(attach_and_wait, &r);
    h_gate_pass(&w.ready, CHILD_MS);
    h_gate_pass(&r.ready, CHILD_MS);
    CHECK_ERR(sysv_chan_open(&c, key, 0, SYSV_CHAN_READER, 0), EBUSY);
    /* Both roles are held, so an operator removes it by ids (sysv rm). */
    CHECK_OK(sysv_remove(SYSV_SEM, semid));
    CHECK_OK(sysv_remove(SYSV_SHM, shmid));
    CHECK_OK(kill(pw, SIGKILL));
    CHECK_OK(kill(pr, SIGKILL));
    CHECK_EQ(h_wait(pw, CHILD_MS), 128 + SIGKILL);
    CHECK_EQ(h_wait(pr, CHILD_MS), 128 + SIGKILL);
    sysv_perm perm;
    CHECK(sysv_perm_get(SYSV_SHM, shmid, &perm) < 0);
    CHECK(sysv_perm_get(SYSV_SEM, semid, &perm) < 0);
}

TEST(chan_inspect_reads_the_status_without_a_role)
{
    sysv_chan w = SYSV_CHAN_INIT, r = SYSV_CHAN_INIT;
    key_t key = open_pair(&w, &r, 4096);
    CHECK_OK(sysv_chan_send(&w, "abc", 3, 0, NULL));
    sysv_chan_status a, b;
    CHECK_OK(sysv_chan_stat(&w, &a));
    CHECK_OK(sysv_chan_inspect(key, &b));
    CHECK_EQ(b.capacity, a.capacity);
    CHECK_EQ(b.used, a.used);
    CHECK_EQ(b.queued, 1);
    CHECK_EQ(b.sent, 1);
    CHECK_EQ(b.writer, getpid());
    CHECK_EQ(b.reader, getpid());
    CHECK_ERR(sysv_chan_inspect(key, NULL), EINVAL);
    CHECK_ERR(sysv_chan_inspect(SYSV_KEY_PRIVATE, &b), EINVAL);
    CHECK_ERR(sysv_chan_inspect(h_key(), &b), ENOENT);
    CHECK_OK(sysv_chan_close(&r));
    CHECK_OK(sysv_chan_remove(&w));
    CHECK_ERR(sysv_chan_inspect(key, &b), ENOENT);
    /* A segment and a set under one key that are not a channel. */
    key_t other = h_key();
    int sem = h_sem(other, 5, 0600), shm = h_shm(other, 8192, 0600);
    CHECK_ERR(sysv_chan_inspect(other, &b), EINVAL);
    CHECK_OK(shmctl(shm, IPC_RMID, NULL));
    CHECK_OK(semctl(sem, 0, IPC_RMID));
}

/* Posts that no sleeper takes (every writer's close rings the reader's
   bell) pile up to SEMVMX: opening and closing must go on working, and a
   closed writer's role must be free. */
TEST(chan_roles_still_work_with_a_full_doorbell)
{
    sysv_chan w = SYSV_CHAN_INIT, r = SYSV_CHAN_INIT;
    key_t key = open_pair(&w, &r, 4096);
    CHECK_OK(sysv_chan_close(&w));
    for (int i = 0; i < 32800; i++) {
        CHECK_OK(sysv_chan_open(&w, key, 0, SYSV_CHAN_WRITER, 0));
        CHECK_OK(sysv_chan_close(&w));
    }
    CHECK_EQ(semctl(r.semid, SEM_RBELL, GETVAL), 32767);
    CHECK_OK(sysv_chan_open(&w, key, 0, SYSV_CHAN_WRITER, 0));
    CHECK_OK(sysv_chan_send(&w, "x", 1, 0, NULL));
    CHECK_OK(sysv_chan_close(&w));
    sysv_chan_status st;
    CHECK_OK(sysv_chan_stat(&r, &st));
    CHECK_EQ(st.writer, 0);
    char buf[8];
    CHECK_EQ(sysv_chan_recv(&r, buf, sizeof(buf), 0, NULL), 1);
    CHECK_ERR(sysv_chan_recv(&r, buf, sizeof(buf), 0, NULL), EPIPE);
    CHECK_OK(sysv_chan_remove(&r));
}

/* A writer that sends one message and leaves at once, while the reader
   waits in recv: the reader gets the message, never EPIPE first (the
   writer may leave between the reader's look at the ring and its look at
   the role). */
struct hit_and_run {
    key_t key;
    h_gate go, opened, send;
    int rounds;
};

static void send_one_and_leave(void *arg)
{
    struct hit_and_run *h = arg;
    for (int i = 0; i < h->rounds; i++) {
        h_gate_pass(&h->go, CHILD_MS);
        sysv_chan w = SYSV_CHAN_INIT;
        CHECK_OK(sysv_chan_open(&w, h->key, 0, SYSV_CHAN_WRITER, 0));
        h_gate_open(&h->opened);
        h_gate_pass(&h->send, CHILD_MS);
        CHECK_OK(sysv_chan_send(&w, &i, sizeof(i), 0, NULL));
        CHECK_OK(sysv_chan_close(&w));
    }
}

TEST_MULTIPROC(chan_epipe_never_comes_before_the_last_message)
{
    key_t key = h_key();
    sysv_chan r = SYSV_CHAN_INIT;
    create_chan(&r, key, 4096, SYSV_CHAN_READER);
    struct hit_and_run h = {key, {{-1, -1}}, {{-1, -1}}, {{-1, -1}}, 2000};
    h_gate_init(&h.go);
    h_gate_init(&h.opened);
    h_gate_init(&h.send);
    pid_t writer = h_fork(send_one_and_leave, &h);
    for (int i = 0; i < h.rounds; i++) {
        h_gate_open(&h.go);
        h_gate_pass(&h.opened, CHILD_MS); /* the writer holds its role */
        h_gate_open(&h.send);             /* it sends and leaves while we wait */
        int got = -1;
        CHECK_EQ(sysv_chan_recv(&r, &got, sizeof(got), 0, NULL), (ssize_t)sizeof(got));
        CHECK_EQ(got, i);
    }
    CHECK_EQ(h_wait(writer, CHILD_MS), 0);
    char buf[8];
    CHECK_ERR(sysv_chan_recv(&r, buf, sizeof(buf), 0, NULL), EPIPE);
    CHECK_OK(sysv_chan_remove(&r));
}
