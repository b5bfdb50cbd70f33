/* Shared memory (src/shm): open, attach, bounds-checked access, removal and
   status, on real segments and across real processes. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "harness.h"

#define CHILD_MS 20000

/* Opens (creating exclusively) a segment of size bytes with this key and
   records it for the leak check. */
static void make(sysv_shm *shm, key_t key, size_t size)
{
    CHECK_OK(sysv_shm_open(shm, key, size, SYSV_CREATE | SYSV_EXCL, 0600));
    h_track(SYSV_SHM, shm->id);
}

/* Detaches if attached and removes if open: a test's last line. */
static void drop(sysv_shm *shm)
{
    if (shm->addr != NULL)
        CHECK_OK(sysv_shm_detach(shm));
    if (shm->id >= 0)
        CHECK_OK(sysv_shm_remove(shm));
}

/* ---- open ----------------------------------------------------------------- */

TEST(open_create_attach_write_read)
{
    sysv_shm shm = SYSV_SHM_INIT;
    key_t key = h_key();
    make(&shm, key, 4096);
    CHECK(shm.id >= 0);
    CHECK_EQ(shm.key, key);
    CHECK_EQ(shm.size, 4096);
    CHECK(shm.addr == NULL);

    CHECK_OK(sysv_shm_attach(&shm, 0));
    CHECK(shm.addr != NULL);
    CHECK_EQ(shm.attach_flags, 0);
    CHECK_OK(sysv_shm_write(&shm, 100, "hello", 6));
    char buf[6] = {0};
    CHECK_OK(sysv_shm_read(&shm, 100, buf, sizeof(buf)));
    CHECK_STR_EQ(buf, "hello");
    CHECK_STR_EQ((char *)shm.addr + 100, "hello"); /* addr is the real mapping */

    CHECK_OK(sysv_shm_detach(&shm));
    CHECK(shm.addr == NULL);
    int id = shm.id;
    CHECK_OK(sysv_shm_remove(&shm));
    CHECK_EQ(shm.id, -1);
    sysv_shm_status st;
    CHECK_ERR(sysv_shm_stat(id, &st), EINVAL); /* gone: nobody was attached */
}

TEST(open_creates_with_the_mode_given)
{
    sysv_shm shm = SYSV_SHM_INIT;
    CHECK_OK(sysv_shm_open(&shm, SYSV_KEY_PRIVATE, 100, SYSV_CREATE, 0));
    h_track(SYSV_SHM, shm.id);
    sysv_shm_status st;
    CHECK_OK(sysv_shm_stat(shm.id, &st));
    CHECK_EQ(st.perm.mode, SYSV_MODE_DEFAULT);
    CHECK_EQ(st.perm.cuid, geteuid());
    CHECK_EQ(st.size, 100);
    drop(&shm);

    CHECK_OK(sysv_shm_open(&shm, SYSV_KEY_PRIVATE, 100, SYSV_CREATE, 0640));
    h_track(SYSV_SHM, shm.id);
    CHECK_OK(sysv_shm_stat(shm.id, &st));
    CHECK_EQ(st.perm.mode, 0640);
    drop(&shm);
}

TEST(open_with_size_zero_learns_the_real_size)
{
    key_t key = h_key();
    int id = h_shm(key, 5000, 0600);
    sysv_shm shm = SYSV_SHM_INIT;
    CHECK_OK(sysv_shm_open(&shm, key, 0, 0, 0));
    CHECK_EQ(shm.id, id);
    CHECK_EQ(shm.size, 5000); /* shm_segsz, not the page-rounded 8192 */

    /* Asking for less than it holds opens it too, and tells the truth. */
    sysv_shm small = SYSV_SHM_INIT;
    CHECK_OK(sysv_shm_open(&small, key, 10, SYSV_CREATE, 0));
    CHECK_EQ(small.id, id);
    CHECK_EQ(small.size, 5000);
    drop(&shm);
}

TEST(open_larger_than_the_existing_segment_is_einval)
{
    key_t key = h_key();
    int id = h_shm(key, 4096, 0600);
    sysv_shm shm = SYSV_SHM_INIT;
    CHECK_ERR(sysv_shm_open(&shm, key, 4097, 0, 0), EINVAL);
    CHECK_EQ(shm.id, -1);
    CHECK_ERR(sysv_shm_open(&shm, key, 8192, SYSV_CREATE, 0), EINVAL);
    CHECK_EQ(shm.id, -1);
    CHECK_OK(sysv_remove(SYSV_SHM, id));
}

TEST(open_reports_missing_and_existing_keys)
{
    key_t key = h_key();
    sysv_shm shm = {.id = 12345, .addr = &key, .size = 7}; /* a dirty handle */
    CHECK_ERR(sysv_shm_open(&shm, key, 4096, 0, 0), ENOENT);
    CHECK_EQ(shm.id, -1); /* set before the failure */
    CHECK(shm.addr == NULL);
    CHECK_EQ(shm.size, 0);

    make(&shm, key, 4096);
    sysv_shm again = SYSV_SHM_INIT;
    CHECK_ERR(sysv_shm_open(&again, key, 4096, SYSV_CREATE | SYSV_EXCL, 0), EEXIST);
    CHECK_EQ(again.id, -1);
    drop(&shm);
}

TEST(open_rejects_bad_arguments)
{
    sysv_shm shm = SYSV_SHM_INIT;
    key_t key = h_key();
    CHECK_ERR(sysv_shm_open(NULL, key, 4096, SYSV_CREATE, 0), EINVAL);
    CHECK_ERR(sysv_shm_open(&shm, key, 4096, SYSV_CREATE | SYSV_SHM_RDONLY, 0), EINVAL);
    CHECK_ERR(sysv_shm_open(&shm, key, 4096, SYSV_CREATE | SYSV_NOWAIT, 0), EINVAL);
    CHECK_ERR(sysv_shm_open(&shm, key, 4096, SYSV_CREATE | 0x40000000, 0), EINVAL);
    CHECK_ERR(sysv_shm_open(&shm, key, 4096, SYSV_EXCL, 0), EINVAL);
    CHECK_ERR(sysv_shm_open(&shm, key, 4096, SYSV_CREATE, 01600), EINVAL);
    CHECK_ERR(sysv_shm_open(&shm, key, 0, SYSV_CREATE | SYSV_EXCL, 0), EINVAL);
    CHECK_ERR(sysv_shm_open(&shm, key, SIZE_MAX, SYSV_CREATE | SYSV_EXCL, 0), EINVAL);
    CHECK_EQ(shm.id, -1);
    CHECK_ERR(sysv_lookup(SYSV_SHM, key), ENOENT); /* nothing was made */
}

/* ---- handles that were never opened ------------------------------------ */

TEST(calls_on_an_unopened_handle_are_einval)
{
    sysv_shm shm = SYSV_SHM_INIT;
    char buf[4] = "abc";
    CHECK_ERR(sysv_shm_attach(&shm, 0), EINVAL);
    CHECK_ERR(sysv_shm_detach(&shm), EINVAL);
    CHECK_ERR(sysv_shm_remove(&shm), EINVAL);
    CHECK_ERR(sysv_shm_read(&shm, 0, buf, 1), EINVAL);
    CHECK_ERR(sysv_shm_write(&shm, 0, buf, 1), EINVAL);
    CHECK_ERR(sysv_shm_attach(NULL, 0), EINVAL);
    CHECK_ERR(sysv_shm_detach(NULL), EINVAL);
    CHECK_ERR(sysv_shm_remove(NULL), EINVAL);
    CHECK_ERR(sysv_shm_read(NULL, 0, buf, 1), EINVAL);
    CHECK_ERR(sysv_shm_write(NULL, 0, buf, 1), EINVAL);
    sysv_shm_status st;
    CHECK_ERR(sysv_shm_stat(-1, &st), EINVAL);
    CHECK_ERR(sysv_shm_stat(0, NULL), EINVAL);
}

/* ---- attach ------------------------------------------------------------ */

TEST(attach_read_only_refuses_writes)
{
    sysv_shm rw = SYSV_SHM_INIT, ro = SYSV_SHM_INIT;
    key_t key = h_key();
    make(&rw, key, 4096);
    CHECK_OK(sysv_shm_attach(&rw, 0));
    CHECK_OK(sysv_shm_write(&rw, 0, "data", 5));

    CHECK_OK(sysv_shm_open(&ro, key, 0, 0, 0400));
    CHECK_OK(sysv_shm_attach(&ro, SYSV_SHM_RDONLY));
    CHECK_EQ(ro.attach_flags, SYSV_SHM_RDONLY);
    CHECK(ro.addr != rw.addr);
    char buf[5];
    CHECK_OK(sysv_shm_read(&ro, 0, buf, 5));
    CHECK_STR_EQ(buf, "data");
    CHECK_ERR(sysv_shm_write(&ro, 0, "XXXX", 4), EACCES);
    CHECK_STR_EQ((char *)rw.addr, "data"); /* nothing was written */

    CHECK_OK(sysv_shm_detach(&ro));
    CHECK_EQ(ro.attach_flags, 0);
    drop(&rw);
}

TEST(attach_twice_is_ebusy_and_bad_flags_einval)
{
    sysv_shm shm = SYSV_SHM_INIT;
    make(&shm, SYSV_KEY_PRIVATE, 4096);
    CHECK_ERR(sysv_shm_attach(&shm, SYSV_NOWAIT), EINVAL);
    CHECK_ERR(sysv_shm_attach(&shm, SYSV_CREATE), EINVAL);
    CHECK(shm.addr == NULL);
    CHECK_OK(sysv_shm_attach(&shm, 0));
    void *first = shm.addr;
    CHECK_ERR(sysv_shm_attach(&shm, 0), EBUSY);
    CHECK(shm.addr == first);
    sysv_shm_status st;
    CHECK_OK(sysv_shm_stat(shm.id, &st));
    CHECK_EQ(st.nattch, 1);
    CHECK_OK(sysv_shm_detach(&shm));
    CHECK_ERR(sysv_shm_detach(&shm), EINVAL);
    drop(&shm);
}

TEST(attach_by_id_alone_learns_the_size)
{
    key_t key = h_key();
    int id = h_shm(key, 3000, 0600);
    sysv_shm shm = SYSV_SHM_INIT;
    shm.id = CHECK_NONNEG(sysv_lookup(SYSV_SHM, key));
    CHECK_EQ(shm.id, id);
    CHECK_OK(sysv_shm_attach(&shm, 0));
    CHECK_EQ(shm.size, 3000);
    CHECK_OK(sysv_shm_write(&shm, 2999, "z", 1));
    CHECK_ERR(sysv_shm_write(&shm, 3000, "z", 1), ERANGE);
    drop(&shm);
}

/* ---- bounds ------------------------------------------------------------ */

TEST(read_and_write_stay_inside_the_segment)
{
    sysv_shm shm = SYSV_SHM_INIT;
    make(&shm, SYSV_KEY_PRIVATE, 1000);
    char buf[16] = {0};
    CHECK_ERR(sysv_shm_read(&shm, 0, buf, 1), EINVAL); /* not attached */
    CHECK_OK(sysv_shm_attach(&shm, 0));

    /* The last byte, and empty ranges up to the end, are inside. */
    CHECK_OK(sysv_shm_write(&shm, 999, "x", 1));
    CHECK_OK(sysv_shm_read(&shm, 999, buf, 1));
    CHECK_EQ(buf[0], 'x');
    CHECK_OK(sysv_shm_write(&shm, 1000, buf, 0));
    CHECK_OK(sysv_shm_read(&shm, 0, buf, 0));

    /* The segment is 1000 bytes, though the kernel maps a whole page: the
       page's tail is not the segment's. */
    CHECK_ERR(sysv_shm_write(&shm, 999, "xy", 2), ERANGE);
    CHECK_ERR(sysv_shm_read(&shm, 1000, buf, 1), ERANGE);
    CHECK_ERR(sysv_shm_read(&shm, 1001, buf, 0), ERANGE);
    CHECK_ERR(sysv_shm_read(&shm, 0, buf, 1001), ERANGE);

    /* Sums that wrap around SIZE_MAX must not pass as small. */
    CHECK_ERR(sysv_shm_read(&shm, SIZE_MAX, buf, 2), ERANGE);
    CHECK_ERR(sysv_shm_write(&shm, SIZE_MAX - 5, buf, 10), ERANGE);
    CHECK_ERR(sysv_shm_read(&shm, 1, buf, SIZE_MAX), ERANGE);
    CHECK_ERR(sysv_shm_write(&shm, 500, buf, SIZE_MAX - 499), ERANGE);
    CHECK_ERR(sysv_shm_write(&shm, SIZE_MAX, buf, SIZE_MAX), ERANGE);

    CHECK_ERR(sysv_shm_read(&shm, 0, NULL, 1), EINVAL);
    CHECK_ERR(sysv_shm_write(&shm, 0, NULL, 1), EINVAL);
    drop(&shm);
}

/* ---- across processes -------------------------------------------------- */

struct exchange {
    key_t key;
    h_gate written, answered;
};

static void exchange_child(void *arg)
{
    struct exchange *x = arg;
    h_gate_pass(&x->written, CHILD_MS);
    sysv_shm shm = SYSV_SHM_INIT;
    CHECK_OK(sysv_shm_open(&shm, x->key, 0, 0, 0));
    CHECK_EQ(shm.size, 8192);
    CHECK_OK(sysv_shm_attach(&shm, 0));
    char buf[32];
    CHECK_OK(sysv_shm_read(&shm, 4000, buf, 16));
    CHECK_STR_EQ(buf, "from the parent");
    CHECK_OK(sysv_shm_write(&shm, 8000, "from the child", 15));
    CHECK_OK(sysv_shm_detach(&shm));
    h_gate_open(&x->answered);
}

TEST_MULTIPROC(two_processes_exchange_through_one_segment)
{
    struct exchange x = {.key = h_key()};
    h_gate_init(&x.written);
    h_gate_init(&x.answered);
    sysv_shm shm = SYSV_SHM_INIT;
    make(&shm, x.key, 8192);
    pid_t pid = h_fork(exchange_child, &x);

    CHECK_OK(sysv_shm_attach(&shm, 0));
    CHECK_OK(sysv_shm_write(&shm, 4000, "from the parent", 16));
    h_gate_open(&x.written);
    h_gate_pass(&x.answered, CHILD_MS);
    char buf[15];
    CHECK_OK(sysv_shm_read(&shm, 8000, buf, sizeof(buf)));
    CHECK_STR_EQ(buf, "from the child");
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);

    sysv_shm_status st;
    CHECK_OK(sysv_shm_stat(shm.id, &st));
    CHECK_EQ(st.nattch, 1); /* the child detached */
    CHECK_EQ(st.lpid, pid); /* its shmdt was the last attach or detach */
    CHECK_EQ(st.cpid, getpid());
    drop(&shm);
}

#define WRITERS 8
#define STRIPE 4096

struct stripe {
    key_t key;
    int index;
};

static void stripe_child(void *arg)
{
    const struct stripe *s = arg;
    sysv_shm shm = SYSV_SHM_INIT;
    CHECK_OK(sysv_shm_open(&shm, s->key, 0, 0, 0));
    CHECK_OK(sysv_shm_attach(&shm, 0));
    unsigned char block[STRIPE];
    for (int i = 0; i < STRIPE; i++)
        block[i] = (unsigned char)(s->index * 31 + i);
    /* In several pieces, so that the writers interleave. */
    for (int off = 0; off < STRIPE; off += 512)
        CHECK_OK(sysv_shm_write(&shm, (size_t)s->index * STRIPE + (size_t)off, block + off, 512));
    CHECK_OK(sysv_shm_detach(&shm));
}

TEST_MULTIPROC(children_write_disjoint_ranges_exactly)
{
    sysv_shm shm = SYSV_SHM_INIT;
    key_t key = h_key();
    make(&shm, key, WRITERS * STRIPE + 1);
    CHECK_OK(sysv_shm_attach(&shm, 0));
    CHECK_OK(sysv_shm_write(&shm, WRITERS * STRIPE, "\x7f", 1)); /* a sentinel after them */

    struct stripe s[WRITERS];
    pid_t pid[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        s[i] = (struct stripe){key, i};
        pid[i] = h_fork(stripe_child, &s[i]);
    }
    for (int i = 0; i < WRITERS; i++)
        CHECK_EQ(h_wait(pid[i], CHILD_MS), 0);

    const unsigned char *mem = shm.addr;
    for (int w = 0; w < WRITERS; w++)
        for (int i = 0; i < STRIPE; i++)
            if (mem[w * STRIPE + i] != (unsigned char)(w * 31 + i))
                h_fail(__FILE__, __LINE__, "writer %d byte %d: %u", w, i, mem[w * STRIPE + i]);
    CHECK_EQ(mem[WRITERS * STRIPE], 0x7f);

    sysv_shm_status st;
    CHECK_OK(sysv_shm_stat(shm.id, &st));
    CHECK_EQ(st.nattch, 1);
    drop(&shm);
}

/* ---- removal ----------------------------------------------------------- */

TEST(remove_while_attached_keeps_the_memory_and_frees_the_key)
{
    key_t key = h_key();
    sysv_shm shm = SYSV_SHM_INIT;
    make(&shm, key, 4096);
    CHECK_OK(sysv_shm_attach(&shm, 0));
    CHECK_OK(sysv_shm_write(&shm, 0, "still here", 11));
    int old = shm.id;

    CHECK_OK(sysv_shm_remove(&shm));
    CHECK_EQ(shm.id, -1);
    CHECK(shm.addr != NULL); /* still attached */

    sysv_shm_status st;
    CHECK_OK(sysv_shm_stat(old, &st));
    CHECK_EQ(st.removed, 1);
    CHECK_EQ(st.nattch, 1);
    CHECK_EQ(st.perm.key, SYSV_KEY_PRIVATE); /* the key was taken away */

    char buf[11];
    CHECK_OK(sysv_shm_read(&shm, 0, buf, sizeof(buf)));
    CHECK_STR_EQ(buf, "still here");
    CHECK_OK(sysv_shm_write(&shm, 0, "and writable", 13));

    /* The key is free: it names a new, empty segment now. */
    CHECK_ERR(sysv_lookup(SYSV_SHM, key), ENOENT);
    sysv_shm fresh = SYSV_SHM_INIT;
    make(&fresh, key, 4096);
    CHECK(fresh.id != old);
    CHECK_OK(sysv_shm_attach(&fresh, 0));
    CHECK_EQ(((char *)fresh.addr)[0], 0);
    drop(&fresh);

    /* The last detach frees it. */
    CHECK_OK(sysv_shm_detach(&shm));
    CHECK_ERR(sysv_shm_stat(old, &st), EINVAL);
}

struct holder {
    int id;
    h_gate attached, removed, checked;
};

static void holder_child(void *arg)
{
    struct holder *h = arg;
    sysv_shm shm = SYSV_SHM_INIT;
    shm.id = h->id;
    CHECK_OK(sysv_shm_attach(&shm, SYSV_SHM_RDONLY));
    h_gate_open(&h->attached);
    h_gate_pass(&h->removed, CHILD_MS);
    char buf[8];
    CHECK_OK(sysv_shm_read(&shm, 0, buf, sizeof(buf)));
    CHECK_STR_EQ(buf, "payload");
    sysv_shm_status st;
    CHECK_OK(sysv_shm_stat(h->id, &st));
    CHECK_EQ(st.removed, 1);
    CHECK_EQ(st.nattch, 1);
    CHECK_OK(sysv_shm_detach(&shm));
    h_gate_open(&h->checked);
}

TEST_MULTIPROC(removed_segment_lives_until_another_process_detaches)
{
    sysv_shm shm = SYSV_SHM_INIT;
    make(&shm, h_key(), 4096);
    CHECK_OK(sysv_shm_attach(&shm, 0));
    CHECK_OK(sysv_shm_write(&shm, 0, "payload", 8));
    CHECK_OK(sysv_shm_detach(&shm));

    struct holder h = {.id = shm.id};
    h_gate_init(&h.attached);
    h_gate_init(&h.removed);
    h_gate_init(&h.checked);
    pid_t pid = h_fork(holder_child, &h);
    h_gate_pass(&h.attached, CHILD_MS);
    CHECK_OK(sysv_shm_remove(&shm));
    h_gate_open(&h.removed);
    h_gate_pass(&h.checked, CHILD_MS);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);

    sysv_shm_status st;
    CHECK_ERR(sysv_shm_stat(h.id, &st), EINVAL); /* freed at the child's detach */
}

/* ---- status ------------------------------------------------------------ */

TEST(stat_counts_attachments_and_times)
{
    sysv_shm a = SYSV_SHM_INIT, b = SYSV_SHM_INIT;
    key_t key = h_key();
    time_t before = time(NULL);
    make(&a, key, 6000);
    sysv_shm_status st;
    CHECK_OK(sysv_shm_stat(a.id, &st));
    CHECK_EQ(st.size, 6000);
    CHECK_EQ(st.nattch, 0);
    CHECK_EQ(st.cpid, getpid());
    CHECK_EQ(st.atime, 0);
    CHECK_EQ(st.dtime, 0);
    CHECK(st.ctime >= before);
    CHECK_EQ(st.removed, 0);
    CHECK_EQ(st.locked, 0);
    CHECK_EQ(st.perm.key, key);
    CHECK_EQ(st.perm.uid, geteuid());

    CHECK_OK(sysv_shm_open(&b, key, 0, 0, 0));
    CHECK_OK(sysv_shm_attach(&a, 0));
    CHECK_OK(sysv_shm_attach(&b, SYSV_SHM_RDONLY));
    CHECK_OK(sysv_shm_stat(a.id, &st));
    CHECK_EQ(st.nattch, 2);
    CHECK(st.atime >= before);
    CHECK_EQ(st.lpid, getpid());
    CHECK_OK(sysv_shm_detach(&b));
    CHECK_OK(sysv_shm_stat(a.id, &st));
    CHECK_EQ(st.nattch, 1);
    CHECK(st.dtime >= before);
    drop(&a);
}

TEST(stat_reports_a_locked_segment)
{
    sysv_shm shm = SYSV_SHM_INIT;
    make(&shm, SYSV_KEY_PRIVATE, 4096);
    /* SHM_LOCK needs CAP_IPC_LOCK or a memlock limit; the owner may use
       the latter, which Debian sets to a few MiB by default. */
    if (shmctl(shm.id, SHM_LOCK, NULL) < 0) {
        int e = errno;
        drop(&shm);
        h_skip("SHM_LOCK refused here (%s): no CAP_IPC_LOCK and no memlock limit", strerror(e));
    }
    sysv_shm_status st;
    CHECK_OK(sysv_shm_stat(shm.id, &st));
    CHECK_EQ(st.locked, 1);
    CHECK_EQ(st.perm.mode, 0600); /* the lock bit is not a permission bit */
    CHECK_OK(shmctl(shm.id, SHM_UNLOCK, NULL));
    CHECK_OK(sysv_shm_stat(shm.id, &st));
    CHECK_EQ(st.locked, 0);
    drop(&shm);
}

/* ---- permissions ------------------------------------------------------- */

struct perm_case {
    key_t private_key, shared_key;
    int private_id, shared_id;
};

static void nobody_child(void *arg)
{
    const struct perm_case *c = arg;
    h_drop_privileges();
    sysv_shm shm = SYSV_SHM_INIT;
    sysv_shm_status st;

    /* 0600, someone else's: no way in. */
    CHECK_ERR(sysv_shm_open(&shm, c->private_key, 0, 0, 0), EACCES);
    CHECK_ERR(sysv_shm_open(&shm, c->private_key, 0, 0, 0400), EACCES);
    CHECK_ERR(sysv_shm_stat(c->private_id, &st), EACCES);
    shm.id = c->private_id;
    CHECK_ERR(sysv_shm_attach(&shm, SYSV_SHM_RDONLY), EACCES);
    CHECK(shm.addr == NULL);
    CHECK_ERR(sysv_shm_remove(&shm), EPERM);

    /* 0644: readable by all, writable by its owner only. Opening asks for
       read and write unless the mode says otherwise. */
    CHECK_ERR(sysv_shm_open(&shm, c->shared_key, 0, 0, 0), EACCES);
    CHECK_OK(sysv_shm_open(&shm, c->shared_key, 0, 0, 0400));
    CHECK_EQ(shm.id, c->shared_id);
    CHECK_EQ(shm.size, 4096);
    CHECK_ERR(sysv_shm_attach(&shm, 0), EACCES);
    CHECK_OK(sysv_shm_attach(&shm, SYSV_SHM_RDONLY));
    char buf[6];
    CHECK_OK(sysv_shm_read(&shm, 0, buf, sizeof(buf)));
    CHECK_STR_EQ(buf, "owner");
    CHECK_ERR(sysv_shm_write(&shm, 0, "thief", 6), EACCES);
    CHECK_OK(sysv_shm_detach(&shm));
    CHECK_ERR(sysv_shm_remove(&shm), EPERM);
}

TEST_MULTIPROC(permissions_refuse_another_user)
{
    h_need_root();
    struct perm_case c = {h_key(), h_key(), -1, -1};
    c.private_id = h_shm(c.private_key, 4096, 0600);
    c.shared_id = h_shm(c.shared_key, 4096, 0644);
    sysv_shm shm = SYSV_SHM_INIT;
    shm.id = c.shared_id;
    CHECK_OK(sysv_shm_attach(&shm, 0));
    CHECK_OK(sysv_shm_write(&shm, 0, "owner", 6));

    CHECK_EQ(h_wait(h_fork(nobody_child, &c), CHILD_MS), 0);
    CHECK_OK(sysv_shm_read(&shm, 0, (char[6]){0}, 6));
    CHECK_STR_EQ((char *)shm.addr, "owner");
    drop(&shm);
    CHECK_OK(sysv_remove(SYSV_SHM, c.private_id));
}

static void squatter_child(void *arg)
{
    const key_t *key = arg;
    h_drop_privileges();
    sysv_shm shm = SYSV_SHM_INIT;
    /* A guessed key, made first and open to all. */
    CHECK_OK(sysv_shm_open(&shm, *key, 4096, SYSV_CREATE | SYSV_EXCL, 0666));
    h_track(SYSV_SHM, shm.id);
}

TEST_MULTIPROC(owned_refuses_a_segment_made_by_another_user)
{
    h_need_root();
    key_t key = h_key();
    CHECK_EQ(h_wait(h_fork(squatter_child, &key), CHILD_MS), 0);

    sysv_shm shm = SYSV_SHM_INIT;
    CHECK_ERR(sysv_shm_open(&shm, key, 4096, SYSV_CREATE | SYSV_OWNED, 0), EPERM);
    CHECK_EQ(shm.id, -1);
    /* Without SYSV_OWNED the squatter's segment is silently ours to use:
       the danger the flag is for. */
    CHECK_OK(sysv_shm_open(&shm, key, 4096, SYSV_CREATE, 0));
    sysv_shm_status st;
    CHECK_OK(sysv_shm_stat(shm.id, &st));
    CHECK_EQ(st.perm.cuid, H_NOBODY);
    CHECK_OK(sysv_shm_remove(&shm));

    /* Our own passes. */
    CHECK_OK(sysv_shm_open(&shm, key, 4096, SYSV_CREATE | SYSV_EXCL | SYSV_OWNED, 0));
    h_track(SYSV_SHM, shm.id);
    CHECK_OK(sysv_shm_open(&shm, key, 0, SYSV_OWNED, 0));
    drop(&shm);
}

/* ---- interoperation with programs that call the kernel directly -------- */

/* The textbook's writer: shmget with IPC_CREAT, shmat, strcpy, as a lab
   program writes it (the notes use key 2345; here a key of this run). */
static void raw_writer(void *arg)
{
    key_t key = *(const key_t *)arg;
    int id = shmget(key, 1024, 0666 | IPC_CREAT);
    CHECK(id >= 0);
    h_track(SYSV_SHM, id);
    char *mem = shmat(id, NULL, 0);
    CHECK(mem != (void *)-1);
    strcpy(mem, "Hello World\n");
    CHECK_OK(shmdt(mem));
}

/* The textbook's reader: opens without IPC_CREAT and prints the string. */
static void raw_reader(void *arg)
{
    key_t key = *(const key_t *)arg;
    int id = shmget(key, 1024, 0666);
    CHECK(id >= 0);
    const char *mem = shmat(id, NULL, SHM_RDONLY);
    CHECK(mem != (void *)-1);
    CHECK_STR_EQ(mem, "written by libsysv");
    CHECK_EQ(mem[1023], '!');
    CHECK_OK(shmdt(mem));
}

TEST_MULTIPROC(library_reads_what_a_raw_program_wrote)
{
    key_t key = h_key();
    CHECK_EQ(h_wait(h_fork(raw_writer, &key), CHILD_MS), 0);
    sysv_shm shm = SYSV_SHM_INIT;
    CHECK_OK(sysv_shm_open(&shm, key, 0, 0, 0));
    CHECK_EQ(shm.size, 1024);
    CHECK_OK(sysv_shm_attach(&shm, SYSV_SHM_RDONLY));
    char buf[13];
    CHECK_OK(sysv_shm_read(&shm, 0, buf, sizeof(buf)));
    CHECK_STR_EQ(buf, "Hello World\n");
    drop(&shm);
}

TEST_MULTIPROC(raw_program_reads_what_the_library_wrote)
{
    key_t key = h_key();
    sysv_shm shm = SYSV_SHM_INIT;
    make(&shm, key, 1024);
    CHECK_OK(sysv_shm_attach(&shm, 0));
    CHECK_OK(sysv_shm_write(&shm, 0, "written by libsysv", 19));
    CHECK_OK(sysv_shm_write(&shm, 1023, "!", 1));
    CHECK_OK(sysv_shm_detach(&shm));
    CHECK_EQ(h_wait(h_fork(raw_reader, &key), CHILD_MS), 0);
    drop(&shm);
}

TEST(lookup_and_perm_get_find_a_library_segment)
{
    sysv_shm shm = SYSV_SHM_INIT;
    make(&shm, h_key(), 777);
    sysv_perm perm;
    CHECK_OK(sysv_perm_get(SYSV_SHM, shm.id, &perm));
    CHECK_EQ(perm.key, shm.key);
    CHECK_EQ(sysv_lookup(SYSV_SHM, shm.key), shm.id);
    drop(&shm);
}

TEST(open_id_fills_the_handle_from_the_kernel)
{
    key_t key = h_key();
    int id = h_shm(key, 2500, 0600);
    sysv_shm shm = {.id = 5, .addr = &key};
    CHECK_OK(sysv_shm_open_id(&shm, id));
    CHECK_EQ(shm.id, id);
    CHECK_EQ(shm.key, key);
    CHECK_EQ(shm.size, 2500);
    CHECK(shm.addr == NULL);
    CHECK_OK(sysv_shm_attach(&shm, 0));

    /* A removed segment still attached somewhere: its key is gone, its id
       still attaches. */
    CHECK_OK(sysv_shm_remove(&shm));
    sysv_shm other = SYSV_SHM_INIT;
    CHECK_OK(sysv_shm_open_id(&other, id));
    CHECK_EQ(other.key, SYSV_KEY_PRIVATE);
    CHECK_EQ(other.size, 2500);
    CHECK_OK(sysv_shm_attach(&other, SYSV_SHM_RDONLY));
    CHECK_OK(sysv_shm_detach(&other));
    CHECK_OK(sysv_shm_detach(&shm));

    CHECK_ERR(sysv_shm_open_id(&other, id), EINVAL); /* freed */
    CHECK_EQ(other.id, -1);
    CHECK_ERR(sysv_shm_open_id(&other, -1), EINVAL);
    CHECK_ERR(sysv_shm_open_id(NULL, id), EINVAL);
}
