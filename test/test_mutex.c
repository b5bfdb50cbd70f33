/* The crash-safe mutex (src/sem/mutex.c): exclusion, owner death,
   trylock and unlock rules, timeouts, signals and removal, on real
   processes and real semaphore sets. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "harness.h"

#define CHILD_MS 30000

/* What /proc/PID/syscall shows for a process asleep in a lock, timed or
   not: glibc (2.31 and later) makes semop a semtimedop without a timeout,
   so an untimed lock sleeps in SYS_semtimedop as well (seen on x86_64). */
#define SLEEPS_IN SYS_semtimedop

static const struct timespec long_wait = {20, 0};

static void make(sysv_mutex *m)
{
    CHECK_OK(sysv_mutex_open(m, SYSV_KEY_PRIVATE, SYSV_CREATE, 0));
    h_track(SYSV_SEM, m->set.id);
}

static void drop(sysv_mutex *m)
{
    CHECK_OK(sysv_mutex_remove(m));
    CHECK_EQ(m->set.id, -1);
}

/* The set's values as the header describes them: semaphore 0 is 1 when
   the lock is free, 1 and 2 hold a pid (the holder's, or a dead one's). */
static void expect_state(const sysv_mutex *m, int free, pid_t pid)
{
    unsigned short v[SYSV_MUTEX_NSEMS];
    CHECK_OK(sysv_sem_get_all(&m->set, v));
    CHECK_EQ(v[0], free);
    CHECK_EQ(v[1], pid & 0x7fff);
    CHECK_EQ(v[2], pid >> 15);
}

static void expect_free(const sysv_mutex *m)
{
    expect_state(m, 1, 0);
}

static void expect_held_by(const sysv_mutex *m, pid_t pid)
{
    expect_state(m, 0, pid);
}

/* Zeroed shared memory that children forked afterwards see too. The
   segment is marked for removal at once: it lives while attached, and
   nothing is left behind whatever fails. */
static void *shared(sysv_shm *shm, size_t size)
{
    CHECK_OK(sysv_shm_open(shm, SYSV_KEY_PRIVATE, size, SYSV_CREATE, 0));
    h_track(SYSV_SHM, shm->id);
    CHECK_OK(sysv_shm_attach(shm, 0));
    CHECK_OK(sysv_shm_remove(shm));
    memset(shm->addr, 0, size);
    return shm->addr;
}

/* A child that holds the lock: start_holder returns once it does. */
struct holder {
    sysv_mutex m;
    h_gate held, release;
};

static void holder_init(struct holder *h)
{
    h->m = (sysv_mutex)SYSV_MUTEX_INIT;
    make(&h->m);
    h_gate_init(&h->held);
    h_gate_init(&h->release);
}

static void hold_until_released(void *arg)
{
    struct holder *h = arg;
    CHECK_OK(sysv_mutex_lock(&h->m, NULL));
    h_gate_open(&h->held);
    h_gate_pass(&h->release, CHILD_MS);
    CHECK_OK(sysv_mutex_unlock(&h->m));
}

static void hold_until_killed(void *arg)
{
    struct holder *h = arg;
    CHECK_OK(sysv_mutex_lock(&h->m, NULL));
    h_gate_open(&h->held);
    for (;;)
        pause();
}

static pid_t start_holder(struct holder *h, void (*fn)(void *))
{
    pid_t pid = h_fork(fn, h);
    h_gate_pass(&h->held, CHILD_MS);
    expect_held_by(&h->m, pid);
    return pid;
}

static void kill_child(pid_t pid)
{
    CHECK_OK(kill(pid, SIGKILL));
    CHECK_EQ(h_wait(pid, CHILD_MS), 128 + SIGKILL);
}

/* A child that waits for the lock and checks what its lock returns; when
   that took the lock, it unlocks. */
struct waiter {
    sysv_mutex *m;
    const struct timespec *timeout;
    int expect;
    int *got; /* shared memory for what lock returned, or NULL */
};

static void wait_for_lock(void *arg)
{
    const struct waiter *w = arg;
    int rc = sysv_mutex_lock(w->m, w->timeout);
    if (w->got != NULL)
        *w->got = rc;
    else
        CHECK_EQ(rc, w->expect);
    if (rc == 0 || rc == -EOWNERDEAD) {
        expect_held_by(w->m, getpid());
        CHECK_OK(sysv_mutex_unlock(w->m));
    }
}

/* ---- open -------------------------------------------------------------- */

/* A new mutex is unlocked and private to its owner (0600 by default); a
   key names one mutex: EXCL refuses it once it exists, a plain open or a
   second CREATE finds the same set. */
TEST(open_makes_one_unlocked_mutex_per_key_with_mode_0600)
{
    key_t key = h_key();
    sysv_mutex m = SYSV_MUTEX_INIT, again = SYSV_MUTEX_INIT;
    CHECK_OK(sysv_mutex_open(&m, key, SYSV_CREATE | SYSV_EXCL, 0));
    h_track(SYSV_SEM, m.set.id);
    CHECK_EQ(m.set.key, key);
    CHECK_EQ(m.set.nsems, SYSV_MUTEX_NSEMS);
    sysv_sem_status st;
    CHECK_OK(sysv_sem_stat(m.set.id, &st));
    CHECK_EQ(st.perm.mode, 0600);
    CHECK_EQ(st.nsems, SYSV_MUTEX_NSEMS);
    expect_free(&m);

    again.set.id = 12345;
    CHECK_ERR(sysv_mutex_open(&again, key, SYSV_CREATE | SYSV_EXCL, 0), EEXIST);
    CHECK_EQ(again.set.id, -1);
    CHECK_OK(sysv_mutex_open(&again, key, 0, 0));
    CHECK_EQ(again.set.id, m.set.id);
    CHECK_OK(sysv_mutex_open(&again, key, SYSV_CREATE, 0));
    CHECK_EQ(again.set.id, m.set.id);
    expect_free(&m); /* a second CREATE did not set the values again */

    CHECK_OK(sysv_mutex_trylock(&again));
    expect_held_by(&m, getpid());
    CHECK_ERR(sysv_mutex_trylock(&m), EBUSY); /* one lock, two handles */
    CHECK_OK(sysv_mutex_unlock(&m));
    expect_free(&m);

    sysv_mutex other = SYSV_MUTEX_INIT;
    CHECK_OK(sysv_mutex_open(&other, h_key(), SYSV_CREATE | SYSV_EXCL, 0640));
    h_track(SYSV_SEM, other.set.id);
    CHECK_OK(sysv_sem_stat(other.set.id, &st));
    CHECK_EQ(st.perm.mode, 0640);
    drop(&other);

    drop(&m);
    CHECK_ERR(sysv_mutex_open(&again, key, 0, 0), ENOENT);
    CHECK_EQ(again.set.id, -1);
}

#define OPENERS 4

struct opening {
    key_t key;
    h_gate go;
    int *ids; /* shared: the set each opener found, appended under the lock */
    int *n;
};

static void open_and_append(void *arg)
{
    struct opening *o = arg;
    h_gate_pass(&o->go, CHILD_MS);
    sysv_mutex m = SYSV_MUTEX_INIT;
    CHECK_OK(sysv_mutex_open(&m, o->key, SYSV_CREATE, 0));
    /* Initialised before anyone could use it: free or held by a sibling,
       never stuck at 0 nor a dead holder's. */
    CHECK_OK(sysv_mutex_lock(&m, &(struct timespec){10, 0}));
    o->ids[*o->n] = m.set.id;
    ++*o->n;
    CHECK_OK(sysv_mutex_unlock(&m));
}

/* Processes that race to create a mutex by key all get the same one, and
   it is unlocked for each of them. */
TEST_MULTIPROC(open_by_key_from_several_processes_gives_one_mutex)
{
    sysv_shm shm = SYSV_SHM_INIT;
    int *mem = shared(&shm, (OPENERS + 1) * sizeof(int));
    struct opening o = {h_key(), {{0}}, mem, mem + OPENERS};
    h_gate_init(&o.go);
    pid_t pid[OPENERS];
    for (int i = 0; i < OPENERS; i++)
        pid[i] = h_fork(open_and_append, &o);
    for (int i = 0; i < OPENERS; i++)
        h_gate_open(&o.go);
    for (int i = 0; i < OPENERS; i++)
        CHECK_EQ(h_wait(pid[i], CHILD_MS), 0);

    sysv_mutex m = SYSV_MUTEX_INIT;
    CHECK_OK(sysv_mutex_open(&m, o.key, 0, 0));
    h_track(SYSV_SEM, m.set.id);
    CHECK_EQ(*o.n, OPENERS);
    for (int i = 0; i < OPENERS; i++)
        CHECK_EQ(o.ids[i], m.set.id);
    expect_free(&m);
    drop(&m);
    CHECK_OK(sysv_shm_detach(&shm));
}

/* A key that names a semaphore set of another size is no mutex: EINVAL,
   with or without CREATE, and the set is left as it was. */
TEST(open_refuses_a_key_naming_a_set_of_another_size)
{
    const int sizes[] = {1, 2, 4};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        key_t key = h_key();
        int id = h_sem(key, sizes[i], 0600);
        sysv_mutex m = {{7, 0, 0}};
        CHECK_ERR(sysv_mutex_open(&m, key, 0, 0), EINVAL);
        CHECK_EQ(m.set.id, -1);
        CHECK_ERR(sysv_mutex_open(&m, key, SYSV_CREATE, 0), EINVAL);
        CHECK_EQ(m.set.id, -1);
        CHECK_ERR(sysv_mutex_open(&m, key, SYSV_CREATE | SYSV_EXCL, 0), EEXIST);
        CHECK_EQ(m.set.id, -1);

        sysv_semset s = SYSV_SEMSET_INIT;
        CHECK_OK(sysv_sem_open_id(&s, id));
        CHECK_EQ(s.nsems, sizes[i]);
        unsigned short v[4] = {9, 9, 9, 9};
        CHECK_OK(sysv_sem_get_all(&s, v));
        for (int k = 0; k < sizes[i]; k++)
            CHECK_EQ(v[k], 0);
        CHECK_OK(sysv_sem_remove(&s));
    }
}

/* A set of three semaphores that nobody has operated on, all 0 (its
   creator died before setting the values, or ipcmk -S 3 made it), would be
   locked with no holder for ever: opening it as a mutex makes it free. A
   mutex in use is never touched that way. */
TEST(a_three_semaphore_set_never_operated_on_opens_free)
{
    key_t key = h_key();
    int id = h_sem(key, 3, 0600);
    sysv_mutex m = SYSV_MUTEX_INIT;
    CHECK_OK(sysv_mutex_open(&m, key, 0, 0));
    CHECK_EQ(m.set.id, id);
    expect_free(&m);
    CHECK_OK(sysv_mutex_lock(&m, NULL));
    sysv_mutex again = SYSV_MUTEX_INIT;
    CHECK_OK(sysv_mutex_open(&again, key, 0, 0)); /* held: stays held */
    expect_held_by(&m, getpid());
    CHECK_OK(sysv_mutex_unlock(&m));
    drop(&m);
}

/* The states the header's table describes, set by hand: a dead holder
   whose pid has only a high half (a multiple of 32768) is still a death,
   and a dead holder whose pid is now ours cannot be unlocked by us. */
TEST(states_written_by_hand_read_as_the_header_says)
{
    sysv_mutex m = SYSV_MUTEX_INIT;
    make(&m);
    CHECK_OK(sysv_sem_set_all(&m.set, (const unsigned short[]){1, 0, 1}));
    CHECK_ERR(sysv_mutex_trylock(&m), EOWNERDEAD);
    expect_held_by(&m, getpid());
    CHECK_OK(sysv_mutex_unlock(&m));

    pid_t me = getpid();
    unsigned short mine[] = {1, (unsigned short)(me & 0x7fff), (unsigned short)(me >> 15)};
    CHECK_OK(sysv_sem_set_all(&m.set, mine));
    CHECK_ERR(sysv_mutex_unlock(&m), EPERM);
    expect_state(&m, 1, me);
    /* A zero timeout still finds the death. */
    CHECK_ERR(sysv_mutex_lock(&m, &(struct timespec){0, 0}), EOWNERDEAD);
    CHECK_OK(sysv_mutex_unlock(&m));
    expect_free(&m);

    /* A handle that claims a mutex on a set of another size is refused. */
    sysv_mutex wide = m;
    wide.set.nsems = 4;
    CHECK_ERR(sysv_mutex_trylock(&wide), EINVAL);
    CHECK_ERR(sysv_mutex_remove(&wide), EINVAL);
    drop(&m);
}

/* ---- pids above 32767 --------------------------------------------------- */

/* Sets the next pid the current pid namespace hands out. */
static int next_pid(pid_t pid)
{
    FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "w");
    if (f == NULL)
        return -1;
    int ok = fprintf(f, "%ld", (long)(pid - 1)) > 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static pid_t fork_with_pid(pid_t want, void (*fn)(void *), void *arg)
{
    CHECK_OK(next_pid(want));
    pid_t pid = h_fork(fn, arg);
    CHECK_EQ(pid, want);
    return pid;
}

static void intrude(void *arg)
{
    struct holder *h = arg;
    CHECK_ERR(sysv_mutex_unlock(&h->m), EPERM);
    CHECK_ERR(sysv_mutex_trylock(&h->m), EBUSY);
}

static void lock_then_unlock(void *arg)
{
    struct holder *h = arg;
    CHECK_OK(sysv_mutex_lock(&h->m, NULL));
    expect_held_by(&h->m, getpid());
    CHECK_OK(sysv_mutex_unlock(&h->m));
}

/* Runs as pid 1 of a new pid namespace whose pid_max allows pids with a
   high half: a holder of pid 40000 (halves 7232 and 1) is told apart from
   pids 72768 and 7232, which share its low half, and from 65536, whose low
   half is 0. */
static void high_pid_scenario(void *arg)
{
    struct holder *h = arg;
    /* A /proc of this namespace, in a mount namespace of its own: the
       pids in /proc must be the pids the processes here have (LeakSanitizer
       reads /proc/PID/task). */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("proc", "/proc", "proc", 0, NULL) != 0)
        _exit(77);
    FILE *f = fopen("/proc/sys/kernel/pid_max", "w");
    if (f == NULL || fprintf(f, "200000") < 0 || fclose(f) != 0)
        _exit(77); /* this kernel keeps pid_max for the whole machine */
    pid_t holder = fork_with_pid(40000, hold_until_killed, h);
    h_gate_pass(&h->held, CHILD_MS);
    expect_held_by(&h->m, holder);
    CHECK_EQ(h_wait(fork_with_pid(72768, intrude, h), CHILD_MS), 0);
    CHECK_EQ(h_wait(fork_with_pid(7232, intrude, h), CHILD_MS), 0);
    expect_held_by(&h->m, holder);
    kill_child(holder);
    CHECK_ERR(sysv_mutex_lock(&h->m, &long_wait), EOWNERDEAD);
    expect_held_by(&h->m, getpid());
    CHECK_OK(sysv_mutex_unlock(&h->m));
    CHECK_EQ(h_wait(fork_with_pid(65536, lock_then_unlock, h), CHILD_MS), 0);
    expect_free(&h->m);
}

static void in_new_pid_namespace(void *arg)
{
    if (unshare(CLONE_NEWPID | CLONE_NEWNS) != 0)
        _exit(77);
    int st = h_wait(h_fork(high_pid_scenario, arg), CHILD_MS);
    _exit(st);
}

/* The holder's pid is kept in two 15-bit halves. This machine's pid_max
   (32768) leaves the high half 0 for every process, so the test makes
   pids above it in a pid namespace of its own (Linux 6.14 and later keep
   pid_max per namespace). */
TEST_MULTIPROC(holders_with_pids_above_32767_are_told_apart)
{
    h_need_root();
    struct holder h;
    holder_init(&h);
    int st = h_wait(h_fork(in_new_pid_namespace, &h), CHILD_MS);
    if (st == 77)
        h_skip("no pid namespace with its own /proc and pid_max (Linux 6.14) here");
    CHECK_EQ(st, 0);
    expect_free(&h.m);
    drop(&h.m);
}

/* ---- bad input --------------------------------------------------------- */

/* NULL, never-opened, not-a-mutex and removed handles, bad timeouts and
   unknown open flags are EINVAL, and take or change nothing. */
TEST(bad_arguments_are_einval_and_change_nothing)
{
    sysv_mutex never = SYSV_MUTEX_INIT;
    const struct timespec ok = {1, 0};
    CHECK_ERR(sysv_mutex_open(NULL, SYSV_KEY_PRIVATE, SYSV_CREATE, 0), EINVAL);
    CHECK_ERR(sysv_mutex_lock(NULL, NULL), EINVAL);
    CHECK_ERR(sysv_mutex_lock(NULL, &ok), EINVAL);
    CHECK_ERR(sysv_mutex_trylock(NULL), EINVAL);
    CHECK_ERR(sysv_mutex_unlock(NULL), EINVAL);
    CHECK_ERR(sysv_mutex_remove(NULL), EINVAL);
    CHECK_ERR(sysv_mutex_lock(&never, NULL), EINVAL);
    CHECK_ERR(sysv_mutex_lock(&never, &ok), EINVAL);
    CHECK_ERR(sysv_mutex_trylock(&never), EINVAL);
    CHECK_ERR(sysv_mutex_unlock(&never), EINVAL);
    CHECK_ERR(sysv_mutex_remove(&never), EINVAL);

    const int flags[] = {SYSV_NOWAIT, SYSV_RESTART, SYSV_UNDO, SYSV_SHM_RDONLY, 0x40000000};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        sysv_mutex m = {{99, 0, 0}};
        CHECK_ERR(sysv_mutex_open(&m, SYSV_KEY_PRIVATE, SYSV_CREATE | flags[i], 0), EINVAL);
        CHECK_EQ(m.set.id, -1);
    }
    sysv_mutex m = SYSV_MUTEX_INIT;
    CHECK_ERR(sysv_mutex_open(&m, SYSV_KEY_PRIVATE, SYSV_CREATE, 01600), EINVAL);
    CHECK_EQ(m.set.id, -1);

    make(&m);
    const struct timespec bad[] = {{-1, 0}, {0, -1}, {0, 1000000000L}, {-1, 999999999L}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_ERR(sysv_mutex_lock(&m, &bad[i]), EINVAL);
        expect_free(&m);
    }
    /* Refused before any wait: this process holds it, so a wait would
       never end. */
    CHECK_OK(sysv_mutex_lock(&m, NULL));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_ERR(sysv_mutex_lock(&m, &bad[i]), EINVAL);
    expect_held_by(&m, getpid());
    CHECK_OK(sysv_mutex_unlock(&m));

    /* A handle on a set that is not a mutex's: nothing is done to it. */
    sysv_mutex one = SYSV_MUTEX_INIT;
    CHECK_OK(sysv_sem_open_id(&one.set, h_sem(SYSV_KEY_PRIVATE, 1, 0600)));
    CHECK_ERR(sysv_mutex_lock(&one, NULL), EINVAL);
    CHECK_ERR(sysv_mutex_lock(&one, &ok), EINVAL);
    CHECK_ERR(sysv_mutex_trylock(&one), EINVAL);
    CHECK_ERR(sysv_mutex_unlock(&one), EINVAL);
    CHECK_EQ(sysv_sem_get(&one.set, 0), 0);
    CHECK_OK(sysv_sem_remove(&one.set));

    /* A mutex that is gone: the kernel's EINVAL. */
    sysv_mutex gone = m;
    drop(&m);
    CHECK_ERR(sysv_mutex_lock(&gone, NULL), EINVAL);
    CHECK_ERR(sysv_mutex_lock(&gone, &ok), EINVAL);
    CHECK_ERR(sysv_mutex_trylock(&gone), EINVAL);
    CHECK_ERR(sysv_mutex_unlock(&gone), EINVAL);
    CHECK_ERR(sysv_mutex_remove(&gone), EINVAL);
}

/* ---- exclusion --------------------------------------------------------- */

#define WORKERS 4
#define ROUNDS 5000

/* Who is in the critical section: entering must find it empty. */
struct room {
    int inside;
    long overlaps;
};

static void enter(struct room *r)
{
    if (__atomic_exchange_n(&r->inside, 1, __ATOMIC_ACQ_REL) != 0)
        __atomic_fetch_add(&r->overlaps, 1, __ATOMIC_RELAXED);
}

static void leave(struct room *r)
{
    __atomic_store_n(&r->inside, 0, __ATOMIC_RELEASE);
}

/* The tiny bit of work between the read and the write of an update: it
   widens the window, and now and then lets another process run in it. */
static void dawdle(long i)
{
    for (volatile int k = 0; k < 20; k++)
        ;
    if (i % 64 == 0)
        sched_yield();
}

/* counter += 1, deliberately not atomic: read, work, write. */
static void increment(long *counter, long i)
{
    long v = __atomic_load_n(counter, __ATOMIC_RELAXED);
    dawdle(i);
    __atomic_store_n(counter, v + 1, __ATOMIC_RELAXED);
}

struct tally {
    struct room room;
    long counter;
};

struct crowd {
    sysv_mutex m;
    struct tally *t;
    h_gate go;
    int index;
};

/* Takes the lock each of the three ways: worker 2 with a timeout, worker
   3 by trylock (lock when busy), the others by a plain lock. */
static void take_lock(struct crowd *c)
{
    if (c->index == 2) {
        CHECK_OK(sysv_mutex_lock(&c->m, &long_wait));
    } else if (c->index == 3) {
        int rc = sysv_mutex_trylock(&c->m);
        if (rc == -EBUSY)
            rc = sysv_mutex_lock(&c->m, NULL);
        CHECK_OK(rc);
    } else {
        CHECK_OK(sysv_mutex_lock(&c->m, NULL));
    }
}

static void counting_worker(void *arg)
{
    struct crowd *c = arg;
    h_gate_pass(&c->go, CHILD_MS);
    for (long i = 0; i < ROUNDS; i++) {
        take_lock(c);
        enter(&c->t->room);
        increment(&c->t->counter, i);
        leave(&c->t->room);
        CHECK_OK(sysv_mutex_unlock(&c->m));
    }
}

/* Four processes, 5000 non-atomic increments each under the lock: no
   update is lost and nobody ever finds another inside. */
TEST_MULTIPROC(four_processes_increment_a_shared_counter_exactly)
{
    sysv_shm shm = SYSV_SHM_INIT;
    struct crowd c = {SYSV_MUTEX_INIT, shared(&shm, sizeof(struct tally)), {{0}}, 0};
    make(&c.m);
    h_gate_init(&c.go);
    pid_t pid[WORKERS];
    for (c.index = 0; c.index < WORKERS; c.index++)
        pid[c.index] = h_fork(counting_worker, &c);
    for (int i = 0; i < WORKERS; i++)
        h_gate_open(&c.go);
    for (int i = 0; i < WORKERS; i++)
        CHECK_EQ(h_wait(pid[i], CHILD_MS), 0);
    printf("counter %ld (expected %d), %ld overlaps\n", c.t->counter, WORKERS * ROUNDS,
           c.t->room.overlaps);
    CHECK_EQ(c.t->room.overlaps, 0);
    CHECK_EQ(c.t->counter, WORKERS * ROUNDS);
    expect_free(&c.m);
    drop(&c.m);
    CHECK_OK(sysv_shm_detach(&shm));
}

/* ---- owner death ------------------------------------------------------- */

#define KILLS 5
#define SLOTS (WORKERS + KILLS)
#define AT_LEAST 500 /* updates each worker that is not killed makes */

struct book {
    struct room room;
    long counter;          /* the data the lock guards */
    long before;           /* the counter before the update in progress */
    int pending;           /* 1: an update is half done */
    long committed[SLOTS]; /* updates each worker finished, under the lock */
    long owner_dead;       /* how many locks returned -EOWNERDEAD */
    long repairs;          /* half-done updates rolled back */
    int kill_request;      /* set by the parent: the next holder is to die */
    int victim;            /* the slot of the worker that took the request */
    int stop;              /* set by the parent: finish */
};

struct crash {
    sysv_mutex m;
    struct book *b;
    h_gate dying;
    int slot;
};

static void careful_worker(void *arg)
{
    struct crash *k = arg;
    struct book *b = k->b;
    for (long done = 0; done < AT_LEAST || !__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE); done++) {
        int rc = sysv_mutex_lock(&k->m, NULL);
        if (rc == -EOWNERDEAD) {
            b->owner_dead++;
            if (b->pending) { /* roll the half-done update back */
                b->counter = b->before;
                b->pending = 0;
                b->repairs++;
            }
            leave(&b->room); /* the dead holder was inside */
        } else {
            CHECK_OK(rc);
        }
        enter(&b->room);
        b->before = b->counter;
        b->pending = 1;
        increment(&b->counter, done);
        if (__atomic_exchange_n(&b->kill_request, 0, __ATOMIC_ACQ_REL)) {
            /* Chosen: die here, holding the lock, the update half done. */
            b->victim = k->slot;
            h_gate_open(&k->dying);
            for (;;)
                pause();
        }
        b->committed[k->slot]++;
        b->pending = 0;
        leave(&b->room);
        CHECK_OK(sysv_mutex_unlock(&k->m));
    }
}

/* Four workers update a counter under the lock while five holders are
   SIGKILLed in the middle of an update (each replaced): every death is
   reported to exactly one next holder, which rolls the update back, so
   the counter is exactly the sum of the updates the workers committed. */
TEST_MULTIPROC(holders_killed_mid_update_are_repaired_once_per_death)
{
    sysv_shm shm = SYSV_SHM_INIT;
    struct crash k = {SYSV_MUTEX_INIT, shared(&shm, sizeof(struct book)), {{0}}, 0};
    struct book *b = k.b;
    make(&k.m);
    h_gate_init(&k.dying);
    pid_t pid[SLOTS] = {0};
    for (k.slot = 0; k.slot < WORKERS; k.slot++)
        pid[k.slot] = h_fork(careful_worker, &k);
    for (int i = 0; i < KILLS; i++) {
        __atomic_store_n(&b->kill_request, 1, __ATOMIC_RELEASE);
        h_gate_pass(&k.dying, CHILD_MS);
        int v = b->victim;
        CHECK(v >= 0 && v < WORKERS + i && pid[v] != 0);
        expect_held_by(&k.m, pid[v]);
        kill_child(pid[v]);
        pid[v] = 0;
        pid[k.slot] = h_fork(careful_worker, &k); /* a replacement */
        k.slot++;
    }
    __atomic_store_n(&b->stop, 1, __ATOMIC_RELEASE);
    long sum = 0;
    for (int s = 0; s < SLOTS; s++) {
        if (pid[s] != 0) {
            CHECK_EQ(h_wait(pid[s], CHILD_MS), 0);
            CHECK(b->committed[s] >= AT_LEAST);
        }
        sum += b->committed[s];
    }
    printf("counter %ld, committed %ld, %d kills, %ld EOWNERDEAD, %ld repairs, %ld overlaps\n",
           b->counter, sum, KILLS, b->owner_dead, b->repairs, b->room.overlaps);
    CHECK_EQ(b->owner_dead, KILLS);
    CHECK_EQ(b->repairs, KILLS);
    CHECK_EQ(b->pending, 0);
    CHECK_EQ(b->counter, sum);
    CHECK_EQ(b->room.overlaps, 0);
    expect_free(&k.m);
    drop(&k.m);
    CHECK_OK(sysv_shm_detach(&shm));
}

static void lock_and_return(void *arg)
{
    CHECK_OK(sysv_mutex_lock(arg, NULL));
}

static void lock_unlock_and_return(void *arg)
{
    CHECK_OK(sysv_mutex_lock(arg, NULL));
    CHECK_OK(sysv_mutex_unlock(arg));
}

/* A holder that exits normally without unlocking is a death as well (the
   kernel's undo frees the lock, the pid stays); one that unlocked first is
   not. */
TEST_MULTIPROC(a_holder_that_exits_without_unlocking_is_a_death_too)
{
    sysv_mutex m = SYSV_MUTEX_INIT;
    make(&m);
    CHECK_EQ(h_wait(h_fork(lock_unlock_and_return, &m), CHILD_MS), 0);
    expect_free(&m);
    CHECK_OK(sysv_mutex_lock(&m, NULL));
    CHECK_OK(sysv_mutex_unlock(&m));

    pid_t pid = h_fork(lock_and_return, &m);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    expect_state(&m, 1, pid);
    CHECK_ERR(sysv_mutex_lock(&m, NULL), EOWNERDEAD);
    expect_held_by(&m, getpid());
    CHECK_OK(sysv_mutex_unlock(&m));
    CHECK_OK(sysv_mutex_lock(&m, NULL));
    CHECK_OK(sysv_mutex_unlock(&m));
    drop(&m);
}

static void recover_and_hold_until_killed(void *arg)
{
    struct holder *h = arg;
    CHECK_ERR(sysv_mutex_lock(&h->m, NULL), EOWNERDEAD);
    h_gate_open(&h->held);
    for (;;)
        pause();
}

/* A holder killed while it repairs (it got EOWNERDEAD) is a new death:
   the next holder is told again. */
TEST_MULTIPROC(a_repairer_that_dies_too_is_reported_again)
{
    struct holder h;
    holder_init(&h);
    kill_child(start_holder(&h, hold_until_killed));
    pid_t second = start_holder(&h, recover_and_hold_until_killed);
    kill_child(second);
    expect_state(&h.m, 1, second);
    CHECK_ERR(sysv_mutex_lock(&h.m, NULL), EOWNERDEAD);
    CHECK_OK(sysv_mutex_unlock(&h.m));
    CHECK_OK(sysv_mutex_lock(&h.m, NULL));
    CHECK_OK(sysv_mutex_unlock(&h.m));
    drop(&h.m);
}

#define WAITERS 3

/* Three processes wait (two untimed, one timed) when the holder is
   killed: exactly one gets EOWNERDEAD, the others 0. */
TEST_MULTIPROC(a_death_is_reported_to_exactly_one_of_several_waiters)
{
    sysv_shm shm = SYSV_SHM_INIT;
    int *got = shared(&shm, WAITERS * sizeof(int));
    struct holder h;
    holder_init(&h);
    pid_t holder = start_holder(&h, hold_until_killed);
    pid_t pid[WAITERS];
    for (int i = 0; i < WAITERS; i++) {
        struct waiter w = {&h.m, i == 2 ? &long_wait : NULL, 0, &got[i]};
        got[i] = 1;
        pid[i] = h_fork(wait_for_lock, &w);
    }
    for (int i = 0; i < WAITERS; i++)
        h_wait_syscall(pid[i], SLEEPS_IN, CHILD_MS);
    kill_child(holder);
    int dead = 0, zero = 0;
    for (int i = 0; i < WAITERS; i++) {
        CHECK_EQ(h_wait(pid[i], CHILD_MS), 0);
        dead += got[i] == -EOWNERDEAD;
        zero += got[i] == 0;
    }
    CHECK_EQ(dead, 1);
    CHECK_EQ(zero, WAITERS - 1);
    expect_free(&h.m);
    drop(&h.m);
    CHECK_OK(sysv_shm_detach(&shm));
}

/* ---- trylock ----------------------------------------------------------- */

/* trylock never waits: 0 when free, EBUSY while this process or another
   holds it; after the holder is killed it reports the death once, and
   then the lock works as before. */
TEST_MULTIPROC(trylock_is_ebusy_when_held_and_reports_a_death_once)
{
    struct holder h;
    holder_init(&h);
    CHECK_OK(sysv_mutex_trylock(&h.m));
    expect_held_by(&h.m, getpid());
    CHECK_ERR(sysv_mutex_trylock(&h.m), EBUSY);
    expect_held_by(&h.m, getpid());
    CHECK_OK(sysv_mutex_unlock(&h.m));
    expect_free(&h.m);

    pid_t pid = start_holder(&h, hold_until_killed);
    CHECK_ERR(sysv_mutex_trylock(&h.m), EBUSY);
    expect_held_by(&h.m, pid);
    kill_child(pid);
    expect_state(&h.m, 1, pid); /* free, the dead holder's pid left behind */
    CHECK_ERR(sysv_mutex_trylock(&h.m), EOWNERDEAD);
    expect_held_by(&h.m, getpid());
    CHECK_ERR(sysv_mutex_trylock(&h.m), EBUSY);
    CHECK_OK(sysv_mutex_unlock(&h.m));
    expect_free(&h.m);
    CHECK_OK(sysv_mutex_trylock(&h.m));
    CHECK_OK(sysv_mutex_unlock(&h.m));
    CHECK_OK(sysv_mutex_lock(&h.m, NULL));
    CHECK_OK(sysv_mutex_unlock(&h.m));
    drop(&h.m);
}

/* ---- unlock ------------------------------------------------------------ */

/* unlock is for the holder alone: EPERM when the lock is free, when
   another process holds it (which keeps it and can still unlock it), and
   the second time of a double unlock. */
TEST_MULTIPROC(unlock_by_a_process_that_does_not_hold_it_is_eperm)
{
    struct holder h;
    holder_init(&h);
    CHECK_ERR(sysv_mutex_unlock(&h.m), EPERM);
    expect_free(&h.m);

    pid_t pid = start_holder(&h, hold_until_released);
    CHECK_ERR(sysv_mutex_unlock(&h.m), EPERM);
    expect_held_by(&h.m, pid);
    CHECK_ERR(sysv_mutex_trylock(&h.m), EBUSY);
    h_gate_open(&h.release);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0); /* its own unlock returned 0 */
    expect_free(&h.m);

    CHECK_OK(sysv_mutex_lock(&h.m, NULL));
    CHECK_OK(sysv_mutex_unlock(&h.m));
    CHECK_ERR(sysv_mutex_unlock(&h.m), EPERM);
    expect_free(&h.m);
    drop(&h.m);
}

static void child_of_the_holder(void *arg)
{
    sysv_mutex *m = arg;
    CHECK_ERR(sysv_mutex_unlock(m), EPERM);
    CHECK_ERR(sysv_mutex_trylock(m), EBUSY);
    CHECK_ERR(sysv_mutex_lock(m, &(struct timespec){0, 10000000}), ETIMEDOUT);
    expect_held_by(m, getppid());
}

/* A child forked by the holder does not hold its parent's lock (the pid
   the library cached before fork is forgotten): its unlock is EPERM, and
   its end leaves the parent holding. */
TEST_MULTIPROC(a_child_forked_by_the_holder_does_not_hold_it)
{
    sysv_mutex m = SYSV_MUTEX_INIT;
    make(&m);
    CHECK_OK(sysv_mutex_lock(&m, NULL)); /* the library now knows our pid */
    CHECK_EQ(h_wait(h_fork(child_of_the_holder, &m), CHILD_MS), 0);
    expect_held_by(&m, getpid());
    CHECK_OK(sysv_mutex_unlock(&m));
    CHECK_ERR(sysv_mutex_unlock(&m), EPERM);
    drop(&m);
}

/* ---- timed lock -------------------------------------------------------- */

/* A timed lock on a mutex another process holds ends with ETIMEDOUT, not
   before its time, and takes nothing; a zero timeout is one try. */
TEST_MULTIPROC(timed_lock_times_out_not_before_its_timeout)
{
    struct holder h;
    holder_init(&h);
    CHECK_OK(sysv_mutex_lock(&h.m, &(struct timespec){0, 0}));
    CHECK_OK(sysv_mutex_unlock(&h.m));

    pid_t pid = start_holder(&h, hold_until_released);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_ERR(sysv_mutex_lock(&h.m, &(struct timespec){0, 50000000}), ETIMEDOUT);
    long long us = h_elapsed_us(&t0);
    printf("timed out after %lld us (asked 50000)\n", us);
    CHECK(us >= 50000);
    CHECK(us < 50000 + 2000000); /* bounded, generously for a loaded machine */
    expect_held_by(&h.m, pid);
    CHECK_ERR(sysv_mutex_lock(&h.m, &(struct timespec){0, 0}), ETIMEDOUT);
    expect_held_by(&h.m, pid);
    h_gate_open(&h.release);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    expect_free(&h.m);
    drop(&h.m);
}

/* A waiter blocked in the kernel takes the lock (0) when the holder
   unlocks. */
/* Once waiter sleeps in its lock, the holder unlocks: both end well, the
   lock is free, and the mutex is removed. */
static void release_to_waiter(struct holder *h, pid_t holder, pid_t waiter)
{
    h_wait_syscall(waiter, SLEEPS_IN, CHILD_MS);
    expect_held_by(&h->m, holder);
    h_gate_open(&h->release);
    CHECK_EQ(h_wait(holder, CHILD_MS), 0);
    CHECK_EQ(h_wait(waiter, CHILD_MS), 0);
    expect_free(&h->m);
    drop(&h->m);
}

static void unlock_under_waiter(const struct timespec *timeout)
{
    struct holder h;
    holder_init(&h);
    pid_t holder = start_holder(&h, hold_until_released);
    struct waiter w = {&h.m, timeout, 0, NULL};
    release_to_waiter(&h, holder, h_fork(wait_for_lock, &w));
}

TEST_MULTIPROC(a_waiting_lock_is_released_by_the_holders_unlock)
{
    unlock_under_waiter(NULL);
}

TEST_MULTIPROC(a_timed_lock_is_released_by_the_holders_unlock)
{
    unlock_under_waiter(&long_wait);
}

/* A waiter blocked in the kernel takes the lock with EOWNERDEAD when the
   holder is SIGKILLed; the next lock is 0. */
static void kill_under_waiter(const struct timespec *timeout)
{
    struct holder h;
    holder_init(&h);
    pid_t holder = start_holder(&h, hold_until_killed);
    struct waiter w = {&h.m, timeout, -EOWNERDEAD, NULL};
    pid_t waiter = h_fork(wait_for_lock, &w);
    h_wait_syscall(waiter, SLEEPS_IN, CHILD_MS);
    kill_child(holder);
    CHECK_EQ(h_wait(waiter, CHILD_MS), 0);
    expect_free(&h.m);
    CHECK_OK(sysv_mutex_lock(&h.m, NULL));
    CHECK_OK(sysv_mutex_unlock(&h.m));
    drop(&h.m);
}

TEST_MULTIPROC(a_waiting_lock_gets_eownerdead_when_the_holder_is_killed)
{
    kill_under_waiter(NULL);
}

TEST_MULTIPROC(a_timed_lock_gets_eownerdead_when_the_holder_is_killed)
{
    kill_under_waiter(&long_wait);
}

/* ---- signals ----------------------------------------------------------- */

#define SIGNALS 3

/* The waiter's SIGUSR1 handler counts and tells the parent; when
   resume_fd is set it then waits, inside the handler, for the parent's
   word. */
static volatile sig_atomic_t handled;
static int told_fd = -1, resume_fd = -1;

static void on_signal(int sig)
{
    (void)sig;
    int saved = errno;
    handled++;
    if (told_fd >= 0 && write(told_fd, "s", 1) < 0) {
        /* nothing to do in a handler */
    }
    char c;
    if (resume_fd >= 0)
        while (read(resume_fd, &c, 1) < 0 && errno == EINTR)
            ;
    errno = saved;
}

struct sigcase {
    sysv_mutex *m;
    const struct timespec *timeout;
    h_gate ready, told, resume;
    int expect; /* what the lock must return */
};

static void signalled_locker(void *arg)
{
    struct sigcase *c = arg;
    told_fd = c->told.fd[1];
    if (c->expect != 0)
        resume_fd = c->resume.fd[0];
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* without SA_RESTART */
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
    h_gate_open(&c->ready);
    int rc = sysv_mutex_lock(c->m, c->timeout);
    CHECK_EQ(rc, c->expect);
    if (rc == 0) {
        CHECK_EQ(handled, SIGNALS);
        expect_held_by(c->m, getpid());
        CHECK_OK(sysv_mutex_unlock(c->m));
    }
}

static pid_t start_signalled_locker(struct sigcase *c)
{
    h_gate_init(&c->ready);
    h_gate_init(&c->told);
    h_gate_init(&c->resume);
    pid_t pid = h_fork(signalled_locker, c);
    h_gate_pass(&c->ready, CHILD_MS);
    return pid;
}

/* Signals whose handler (no SA_RESTART) runs while a lock waits do not
   end the wait, as with pthread_mutex_lock: the waiter goes back to sleep
   each time, and takes the lock (0) when the holder unlocks. */
static void signal_waiter(const struct timespec *timeout)
{
    struct holder h;
    holder_init(&h);
    pid_t holder = start_holder(&h, hold_until_released);
    struct sigcase c = {&h.m, timeout, {{0}}, {{0}}, {{0}}, 0};
    pid_t pid = start_signalled_locker(&c);
    for (int i = 0; i < SIGNALS; i++) {
        h_wait_syscall(pid, SLEEPS_IN, CHILD_MS);
        CHECK_OK(kill(pid, SIGUSR1));
        h_gate_pass(&c.told, CHILD_MS);
    }
    release_to_waiter(&h, holder, pid); /* waiting again */
}

TEST_MULTIPROC(a_signal_handler_does_not_end_a_waiting_lock)
{
    signal_waiter(NULL);
}

TEST_MULTIPROC(a_signal_handler_does_not_end_a_timed_lock)
{
    signal_waiter(&long_wait);
}

/* ---- removal ----------------------------------------------------------- */

/* A lock blocked in the kernel returns EIDRM when the mutex is removed. */
static void remove_under_waiter(const struct timespec *timeout)
{
    struct holder h;
    holder_init(&h);
    pid_t holder = start_holder(&h, hold_until_killed);
    struct waiter w = {&h.m, timeout, -EIDRM, NULL};
    pid_t waiter = h_fork(wait_for_lock, &w);
    h_wait_syscall(waiter, SLEEPS_IN, CHILD_MS);
    drop(&h.m);
    kill_child(holder); /* first, so that a failure below leaves no process */
    CHECK_EQ(h_wait(waiter, CHILD_MS), 0);
}

TEST_MULTIPROC(removal_wakes_a_waiting_lock_with_eidrm)
{
    remove_under_waiter(NULL);
}

TEST_MULTIPROC(removal_ends_a_timed_lock_with_eidrm)
{
    remove_under_waiter(&long_wait);
}

/* The mutex is removed while a signal handler runs in a waiting lock (the
   handler waits for the removal): the wait was still on, since handlers do
   not end it, so the lock returns EIDRM as for any removal during the
   wait. */
static void remove_during_handler(const struct timespec *timeout)
{
    struct holder h;
    holder_init(&h);
    pid_t holder = start_holder(&h, hold_until_killed);
    struct sigcase c = {&h.m, timeout, {{0}}, {{0}}, {{0}}, -EIDRM};
    pid_t pid = start_signalled_locker(&c);
    h_wait_syscall(pid, SLEEPS_IN, CHILD_MS);
    CHECK_OK(kill(pid, SIGUSR1));
    h_gate_pass(&c.told, CHILD_MS); /* in the handler, which waits */
    drop(&h.m);
    kill_child(holder);
    h_gate_open(&c.resume);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
}

TEST_MULTIPROC(removal_while_a_handler_runs_in_a_waiting_lock_is_eidrm)
{
    remove_during_handler(NULL);
}

TEST_MULTIPROC(removal_while_a_handler_runs_in_a_timed_lock_is_eidrm)
{
    remove_during_handler(&long_wait);
}

/* ---- permissions ------------------------------------------------------- */

struct access {
    sysv_mutex refused, allowed;
};

static void stranger(void *arg)
{
    struct access *a = arg;
    h_drop_privileges();
    sysv_mutex m = SYSV_MUTEX_INIT;
    CHECK_ERR(sysv_mutex_open(&m, a->refused.set.key, 0, 0), EACCES);
    CHECK_ERR(sysv_mutex_lock(&a->refused, NULL), EACCES);
    CHECK_ERR(sysv_mutex_lock(&a->refused, &long_wait), EACCES);
    CHECK_ERR(sysv_mutex_trylock(&a->refused), EACCES);
    CHECK_ERR(sysv_mutex_unlock(&a->refused), EACCES);
    CHECK_ERR(sysv_mutex_remove(&a->refused), EPERM);

    CHECK_OK(sysv_mutex_open(&m, a->allowed.set.key, 0, 0));
    CHECK_OK(sysv_mutex_lock(&m, NULL));
    CHECK_OK(sysv_mutex_unlock(&m));
}

/* Another user gets EACCES from every call on a 0600 mutex, and can use
   one made 0666. */
TEST_MULTIPROC(a_user_without_permission_gets_eacces)
{
    h_need_root();
    struct access a = {SYSV_MUTEX_INIT, SYSV_MUTEX_INIT};
    CHECK_OK(sysv_mutex_open(&a.refused, h_key(), SYSV_CREATE | SYSV_EXCL, 0));
    h_track(SYSV_SEM, a.refused.set.id);
    CHECK_OK(sysv_mutex_open(&a.allowed, h_key(), SYSV_CREATE | SYSV_EXCL, 0666));
    h_track(SYSV_SEM, a.allowed.set.id);
    CHECK_EQ(h_wait(h_fork(stranger, &a), CHILD_MS), 0);
    expect_free(&a.refused);
    expect_free(&a.allowed);
    drop(&a.refused);
    drop(&a.allowed);
}

/* ---- cost -------------------------------------------------------------- */

#define PAIRS 1000

/* Runs under the parent's ptrace: the system calls between the two
   getppid markers are counted. */
static void traced_locker(void *arg)
{
    sysv_mutex *m = arg;
    CHECK_OK(sysv_mutex_lock(m, NULL)); /* first use: the pid is cached */
    CHECK_OK(sysv_mutex_unlock(m));
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
        h_skip("ptrace(PTRACE_TRACEME): %s", strerror(errno));
    raise(SIGSTOP);
    syscall(SYS_getppid);
    for (int i = 0; i < PAIRS; i++) {
        CHECK_OK(sysv_mutex_lock(m, NULL));
        CHECK_OK(sysv_mutex_unlock(m));
        CHECK_OK(sysv_mutex_trylock(m));
        CHECK_OK(sysv_mutex_unlock(m));
        CHECK_OK(sysv_mutex_lock(m, &long_wait));
        CHECK_OK(sysv_mutex_unlock(m));
    }
    syscall(SYS_getppid);
}

/* Without contention, lock (timed or not), trylock and unlock are each
   one system call (semop or semtimedop) and nothing else: counted at
   every system call entry of a child traced with ptrace. */
TEST_MULTIPROC(uncontended_lock_and_unlock_are_one_system_call_each)
{
    sysv_mutex m = SYSV_MUTEX_INIT;
    make(&m);
    pid_t pid = h_fork(traced_locker, &m);
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
        h_skip("this process may not trace its child");
    CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
    CHECK_OK(ptrace(PTRACE_SETOPTIONS, pid, NULL,
                    (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)));
    long sem = 0, other = 0, first_other = -1;
    int markers = 0, sig = 0;
    while (markers < 2) {
        CHECK_OK(ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig));
        CHECK_EQ(waitpid(pid, &st, 0), pid);
        CHECK(WIFSTOPPED(st));
        sig = 0;
        if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
            sig = WSTOPSIG(st); /* a signal: pass it on */
            continue;
        }
        struct __ptrace_syscall_info info;
        memset(&info, 0, sizeof(info));
        long n = ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof(info), &info);
        if (n < 0 && errno == EIO)
            h_skip("this kernel has no PTRACE_GET_SYSCALL_INFO");
        CHECK(n > 0);
        if (info.op != PTRACE_SYSCALL_INFO_ENTRY)
            continue;
        long nr = (long)info.entry.nr;
        if (nr == SYS_getppid)
            markers++;
        else if (markers == 1 && (nr == SYS_semop || nr == SYS_semtimedop))
            sem++;
        else if (markers == 1 && other++ == 0)
            first_other = nr;
    }
    /* At the second marker's entry: let it go untraced (LeakSanitizer
       cannot run in a traced process). */
    CHECK_OK(ptrace(PTRACE_DETACH, pid, NULL, NULL));
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    printf("%d operations: %ld semop/semtimedop, %ld other system calls (first: %ld)\n", 6 * PAIRS,
           sem, other, first_other);
    CHECK_EQ(other, 0);
    CHECK_EQ(sem, 6 * PAIRS);
    expect_free(&m);
    drop(&m);
}
