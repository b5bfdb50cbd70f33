/* The kind-generic layer: get flags, SYSV_OWNED, permission records,
   lookup, removal, listing and limits, on real objects of every kind. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "common/internal.h"
#include "harness.h"
#include "ipcscan.h"

static const sysv_kind kinds[] = {SYSV_SHM, SYSV_MSG, SYSV_SEM};

/* A raw object of the kind, made as the textbook makes it. */
static int make(sysv_kind kind, key_t key, int mode)
{
    switch (kind) {
    case SYSV_SHM:
        return h_shm(key, 4096, mode);
    case SYSV_MSG:
        return h_msg(key, mode);
    case SYSV_SEM:
        return h_sem(key, 2, mode);
    }
    return -1;
}

/* The get callback a module would pass to sysv__open: a raw get. */
static int raw_get(key_t key, int kflags, void *arg)
{
    sysv_kind kind = *(const sysv_kind *)arg;
    int id = kind == SYSV_SHM   ? shmget(key, 4096, kflags)
             : kind == SYSV_MSG ? msgget(key, kflags)
                                : semget(key, 2, kflags);
    return id < 0 ? -errno : h_track(kind, id);
}

/* The sequence number as the kernel's own IPC_STAT reports it. */
static unsigned short raw_seq(sysv_kind kind, int id)
{
    struct shmid_ds shm;
    struct msqid_ds msg;
    struct semid_ds sem;
    union {
        struct semid_ds *buf;
    } arg = {&sem};
    switch (kind) {
    case SYSV_SHM:
        CHECK_OK(shmctl(id, IPC_STAT, &shm));
        return shm.shm_perm.__seq;
    case SYSV_MSG:
        CHECK_OK(msgctl(id, IPC_STAT, &msg));
        return msg.msg_perm.__seq;
    case SYSV_SEM:
        CHECK_OK(semctl(id, 0, IPC_STAT, arg));
        return sem.sem_perm.__seq;
    }
    return 0;
}

/* ---- get flags ------------------------------------------------------------ */

TEST(get_flags_become_kernel_flags)
{
    int k;
    CHECK_OK(sysv__get_flags(0, 0600, &k));
    CHECK_EQ(k, 0600);
    CHECK_OK(sysv__get_flags(SYSV_CREATE, 0640, &k));
    CHECK_EQ(k, IPC_CREAT | 0640);
    CHECK_OK(sysv__get_flags(SYSV_CREATE | SYSV_EXCL, 0600, &k));
    CHECK_EQ(k, IPC_CREAT | IPC_EXCL | 0600);
    CHECK_OK(sysv__get_flags(SYSV_CREATE | SYSV_OWNED, 0600, &k));
    CHECK_EQ(k, IPC_CREAT | 0600); /* SYSV_OWNED is ours, not the kernel's */
    CHECK_OK(sysv__get_flags(SYSV_CREATE, 0, &k));
    CHECK_EQ(k, IPC_CREAT | SYSV_MODE_DEFAULT);
    CHECK_EQ(SYSV_MODE_DEFAULT, 0600);
}

TEST(get_flags_reject_unknown_bits_and_bad_modes)
{
    int k = 12345;
    CHECK_ERR(sysv__get_flags(0x8, 0600, &k), EINVAL);
    CHECK_ERR(sysv__get_flags(SYSV_NOWAIT, 0600, &k), EINVAL);
    CHECK_ERR(sysv__get_flags(SYSV_RESTART, 0600, &k), EINVAL);
    CHECK_ERR(sysv__get_flags(-1, 0600, &k), EINVAL);
    CHECK_ERR(sysv__get_flags(SYSV_EXCL, 0600, &k), EINVAL); /* EXCL without CREATE */
    CHECK_ERR(sysv__get_flags(SYSV_CREATE, 01000, &k), EINVAL);
    CHECK_ERR(sysv__get_flags(SYSV_CREATE, 04600, &k), EINVAL);
    CHECK_ERR(sysv__get_flags(SYSV_CREATE, (mode_t)-1, &k), EINVAL);
    CHECK_ERR(sysv__get_flags(SYSV_CREATE, 0600, NULL), EINVAL);
    CHECK_EQ(k, 12345);
}

TEST(flags_are_distinct_bits)
{
    const int all[] = {SYSV_CREATE, SYSV_EXCL, SYSV_OWNED, SYSV_NOWAIT, SYSV_RESTART};
    int seen = 0;
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        CHECK(all[i] != 0 && (all[i] & (all[i] - 1)) == 0); /* one bit */
        CHECK((seen & all[i]) == 0);
        seen |= all[i];
    }
}

/* ---- sysv__open ------------------------------------------------------------- */

TEST(open_creates_exclusively_then_opens)
{
    for (size_t ki = 0; ki < 3; ki++) {
        sysv_kind kind = kinds[ki];
        key_t key = h_key();
        int id = CHECK_NONNEG(sysv__open(kind, key, SYSV_CREATE | SYSV_EXCL, 0, raw_get, &kind));
        sysv_perm p;
        CHECK_OK(sysv_perm_get(kind, id, &p));
        CHECK_EQ(p.mode, 0600); /* mode 0: the default */
        CHECK_ERR(sysv__open(kind, key, SYSV_CREATE | SYSV_EXCL, 0600, raw_get, &kind), EEXIST);
        CHECK_EQ(sysv__open(kind, key, SYSV_CREATE, 0600, raw_get, &kind), id);
        CHECK_EQ(sysv__open(kind, key, 0, 0600, raw_get, &kind), id);
        CHECK_EQ(sysv__open(kind, key, SYSV_OWNED, 0600, raw_get, &kind), id);
        CHECK_OK(sysv_remove(kind, id));
        CHECK_ERR(sysv__open(kind, key, 0, 0600, raw_get, &kind), ENOENT);
        CHECK_ERR(sysv__open(kind, key, 0x8, 0600, raw_get, &kind), EINVAL);
        CHECK_ERR(sysv__open((sysv_kind)9, key, 0, 0600, raw_get, &kind), EINVAL);
    }
}

struct owned_case {
    sysv_kind kind;
    key_t key;
    int mode;
};

static void open_owned_as_nobody(void *arg)
{
    struct owned_case *c = arg;
    h_drop_privileges();
    /* Readable by us, but another user made it. */
    CHECK_ERR(sysv__open(c->kind, c->key, SYSV_CREATE | SYSV_OWNED, 0600, raw_get, &c->kind),
              EPERM);
    /* Without SYSV_OWNED the squatted object is silently opened. */
    if (c->mode == 0666)
        CHECK_NONNEG(sysv__open(c->kind, c->key, SYSV_CREATE, 0600, raw_get, &c->kind));
}

TEST_MULTIPROC(owned_refuses_an_object_another_user_created)
{
    h_need_root();
    for (size_t ki = 0; ki < 3; ki++) {
        sysv_kind kind = kinds[ki];
        /* The squatter (root here) made it open to all, or closed to us:
           SYSV_OWNED says -EPERM either way. */
        static const int modes[] = {0666, 0600};
        for (size_t m = 0; m < 2; m++) {
            struct owned_case c = {kind, h_key(), modes[m]};
            int id = make(kind, c.key, c.mode);
            CHECK_EQ(h_wait(h_fork(open_owned_as_nobody, &c), 10000), 0);
            CHECK_OK(sysv_remove(kind, id));
        }
    }
}

static void create_as_nobody(void *arg)
{
    struct owned_case *c = arg;
    h_drop_privileges();
    make(c->kind, c->key, 0600);
}

TEST_MULTIPROC(owned_refuses_even_root_an_object_it_did_not_create)
{
    h_need_root();
    for (size_t ki = 0; ki < 3; ki++) {
        sysv_kind kind = kinds[ki];
        struct owned_case c = {kind, h_key(), 0600};
        CHECK_EQ(h_wait(h_fork(create_as_nobody, &c), 10000), 0);
        int id = CHECK_NONNEG(sysv_lookup(kind, c.key));
        CHECK_ERR(sysv__open(kind, c.key, SYSV_OWNED, 0600, raw_get, &kind), EPERM);
        CHECK_EQ(sysv__open(kind, c.key, 0, 0600, raw_get, &kind), id);
        CHECK_OK(sysv_remove(kind, id));
    }
}

/* ---- permission records ------------------------------------------------------ */

TEST(perm_get_reports_the_kernel_record)
{
    for (size_t ki = 0; ki < 3; ki++) {
        sysv_kind kind = kinds[ki];
        key_t key = h_key();
        int id = make(kind, key, 0640);
        sysv_perm p;
        memset(&p, 0xa5, sizeof(p));
        CHECK_OK(sysv_perm_get(kind, id, &p));
        CHECK_EQ(p.key, key);
        CHECK_EQ(p.uid, geteuid());
        CHECK_EQ(p.cuid, geteuid());
        CHECK_EQ(p.gid, getegid());
        CHECK_EQ(p.cgid, getegid());
        CHECK_EQ(p.mode, 0640);
        CHECK_EQ(p.seq, raw_seq(kind, id));
        CHECK_OK(sysv_remove(kind, id));
    }
}

TEST(perm_get_rejects_bad_arguments)
{
    sysv_perm p;
    int id = make(SYSV_MSG, SYSV_KEY_PRIVATE, 0600);
    CHECK_ERR(sysv_perm_get((sysv_kind)0, id, &p), EINVAL);
    CHECK_ERR(sysv_perm_get((sysv_kind)4, id, &p), EINVAL);
    CHECK_ERR(sysv_perm_get((sysv_kind)-1, id, &p), EINVAL);
    CHECK_ERR(sysv_perm_get(SYSV_MSG, -1, &p), EINVAL);
    CHECK_ERR(sysv_perm_get(SYSV_MSG, id, NULL), EINVAL);
    CHECK_OK(sysv_remove(SYSV_MSG, id));
    CHECK_ERR(sysv_perm_get(SYSV_MSG, id, &p), EINVAL); /* gone */
    if (h_hermetic()) /* no other program's object can hold that id */
        for (size_t i = 0; i < 3; i++)
            CHECK_ERR(sysv_perm_get(kinds[i], id, &p), EINVAL);
}

TEST(perm_set_changes_owner_and_mode)
{
    for (size_t ki = 0; ki < 3; ki++) {
        sysv_kind kind = kinds[ki];
        int id = make(kind, h_key(), 0600);
        sysv_perm p;
        CHECK_OK(sysv_perm_get(kind, id, &p));
        p.mode = 0604;
        p.uid = H_NOBODY; /* the creator may give an object away */
        p.key = 42;       /* ignored */
        CHECK_OK(sysv_perm_set(kind, id, &p));
        sysv_perm q;
        CHECK_OK(sysv_perm_get(kind, id, &q));
        CHECK_EQ(q.mode, 0604);
        CHECK_EQ(q.uid, H_NOBODY);
        CHECK_EQ(q.cuid, geteuid()); /* the creator never changes */
        CHECK(q.key != 42);
        CHECK_OK(sysv_remove(kind, id)); /* the creator still may */
    }
}

TEST(perm_set_keeps_a_queue_capacity)
{
    /* msgctl(IPC_SET) also sets msg_qbytes from its buffer. */
    int id = make(SYSV_MSG, SYSV_KEY_PRIVATE, 0600);
    struct msqid_ds ds;
    CHECK_OK(msgctl(id, IPC_STAT, &ds));
    ds.msg_qbytes = 5000;
    CHECK_OK(msgctl(id, IPC_SET, &ds));
    sysv_perm p;
    CHECK_OK(sysv_perm_get(SYSV_MSG, id, &p));
    p.mode = 0620;
    CHECK_OK(sysv_perm_set(SYSV_MSG, id, &p));
    CHECK_OK(msgctl(id, IPC_STAT, &ds));
    CHECK_EQ(ds.msg_qbytes, 5000);
    CHECK_EQ(ds.msg_perm.mode & 0777, 0620);
    CHECK_OK(sysv_remove(SYSV_MSG, id));
}

TEST(perm_set_rejects_bad_arguments)
{
    for (size_t ki = 0; ki < 3; ki++) {
        sysv_kind kind = kinds[ki];
        int id = make(kind, SYSV_KEY_PRIVATE, 0600);
        sysv_perm p;
        CHECK_OK(sysv_perm_get(kind, id, &p));
        sysv_perm bad = p;
        bad.mode = 01600;
        CHECK_ERR(sysv_perm_set(kind, id, &bad), EINVAL);
        bad.mode = 04600;
        CHECK_ERR(sysv_perm_set(kind, id, &bad), EINVAL);
        bad = p;
        bad.uid = (uid_t)-1; /* maps to no user */
        CHECK_ERR(sysv_perm_set(kind, id, &bad), EINVAL);
        bad = p;
        bad.gid = (gid_t)-1;
        CHECK_ERR(sysv_perm_set(kind, id, &bad), EINVAL);
        CHECK_ERR(sysv_perm_set(kind, id, NULL), EINVAL);
        CHECK_ERR(sysv_perm_set(kind, -1, &p), EINVAL);
        CHECK_ERR(sysv_perm_set((sysv_kind)0, id, &p), EINVAL);
        sysv_perm now;
        CHECK_OK(sysv_perm_get(kind, id, &now));
        CHECK_EQ(now.mode, 0600); /* nothing changed */
        CHECK_OK(sysv_remove(kind, id));
        CHECK_ERR(sysv_perm_set(kind, id, &p), EINVAL);
    }
}

static void refused_as_nobody(void *arg)
{
    const int *ids = arg; /* shm, msg, sem, all root's and mode 0600 */
    h_drop_privileges();
    for (int i = 0; i < 3; i++) {
        sysv_perm p = {0};
        p.mode = 0666;
        p.uid = H_NOBODY;
        CHECK_ERR(sysv_perm_get(kinds[i], ids[i], &p), EACCES);
        CHECK_ERR(sysv_perm_set(kinds[i], ids[i], &p), EPERM);
        CHECK_ERR(sysv_remove(kinds[i], ids[i]), EPERM);
        /* Finding it by key needs no permission. */
        sysv_entry e;
        CHECK_OK(sysv__stat_any(kinds[i], ids[i], &e));
        CHECK_EQ(sysv_lookup(kinds[i], e.perm.key), ids[i]);
    }
}

static void allowed_as_nobody(void *arg)
{
    const int *ids = arg; /* now mode 0604 */
    h_drop_privileges();
    for (int i = 0; i < 3; i++) {
        sysv_perm p;
        CHECK_OK(sysv_perm_get(kinds[i], ids[i], &p));
        CHECK_EQ(p.mode, 0604);
    }
}

TEST_MULTIPROC(permission_refused_to_another_user)
{
    h_need_root();
    int ids[3];
    for (int i = 0; i < 3; i++)
        ids[i] = make(kinds[i], h_key(), 0600);
    CHECK_EQ(h_wait(h_fork(refused_as_nobody, ids), 10000), 0);
    for (int i = 0; i < 3; i++) {
        sysv_perm p;
        CHECK_OK(sysv_perm_get(kinds[i], ids[i], &p));
        CHECK_EQ(p.mode, 0600); /* the refused set changed nothing */
        p.mode = 0604;
        CHECK_OK(sysv_perm_set(kinds[i], ids[i], &p));
    }
    CHECK_EQ(h_wait(h_fork(allowed_as_nobody, ids), 10000), 0);
    for (int i = 0; i < 3; i++)
        CHECK_OK(sysv_remove(kinds[i], ids[i]));
}

static void owner_unlocks_as_nobody(void *arg)
{
    (void)arg;
    h_drop_privileges();
    /* As an unprivileged owner: set mode 0, which locks even the owner out
       of IPC_STAT, then set it back, which needs no read permission. */
    for (int i = 0; i < 3; i++) {
        int id = make(kinds[i], SYSV_KEY_PRIVATE, 0600);
        if (kinds[i] == SYSV_MSG) { /* a capacity that must survive */
            struct msqid_ds ds;
            CHECK_OK(msgctl(id, IPC_STAT, &ds));
            ds.msg_qbytes = 4000;
            CHECK_OK(msgctl(id, IPC_SET, &ds));
        }
        sysv_perm p;
        CHECK_OK(sysv_perm_get(kinds[i], id, &p));
        p.mode = 0;
        CHECK_OK(sysv_perm_set(kinds[i], id, &p));
        CHECK_ERR(sysv_perm_get(kinds[i], id, &p), EACCES);
        p.mode = 0600;
        CHECK_OK(sysv_perm_set(kinds[i], id, &p));
        CHECK_OK(sysv_perm_get(kinds[i], id, &p));
        CHECK_EQ(p.mode, 0600);
        if (kinds[i] == SYSV_MSG) {
            struct msqid_ds ds;
            CHECK_OK(msgctl(id, IPC_STAT, &ds));
            CHECK_EQ(ds.msg_qbytes, 4000);
        }
        CHECK_OK(sysv_remove(kinds[i], id)); /* the creator always may */
    }
}

TEST_MULTIPROC(owner_can_undo_mode_0)
{
    /* Needs no second user: as root the child becomes nobody, otherwise it
       is already unprivileged. */
    CHECK_EQ(h_wait(h_fork(owner_unlocks_as_nobody, NULL), 10000), 0);
}

/* ---- lookup and remove --------------------------------------------------------- */

TEST(lookup_finds_an_object_by_key)
{
    for (size_t ki = 0; ki < 3; ki++) {
        sysv_kind kind = kinds[ki];
        key_t key = h_key();
        CHECK_ERR(sysv_lookup(kind, key), ENOENT);
        int id = make(kind, key, 0600);
        CHECK_EQ(sysv_lookup(kind, key), id);
        CHECK_OK(sysv_remove(kind, id));
        CHECK_ERR(sysv_lookup(kind, key), ENOENT);
        CHECK_ERR(sysv_lookup(kind, SYSV_KEY_PRIVATE), ENOENT);
    }
    CHECK_ERR(sysv_lookup((sysv_kind)0, 1234), EINVAL);
    CHECK_ERR(sysv_lookup((sysv_kind)7, 1234), EINVAL);
}

TEST(lookup_does_not_find_a_removed_segment_still_attached)
{
    key_t key = h_key();
    int id = h_shm(key, 4096, 0600);
    void *addr = shmat(id, NULL, 0);
    CHECK(addr != (void *)-1);
    CHECK_OK(sysv_remove(SYSV_SHM, id));
    CHECK_ERR(sysv_lookup(SYSV_SHM, key), ENOENT); /* the key is free at once */
    CHECK(h_exists(SYSV_SHM, id));                 /* the memory is not */
    CHECK_OK(shmdt(addr));
    CHECK(!h_exists(SYSV_SHM, id));
}

TEST(remove_removes_each_kind_once)
{
    for (size_t ki = 0; ki < 3; ki++) {
        sysv_kind kind = kinds[ki];
        int id = make(kind, h_key(), 0600);
        CHECK(h_exists(kind, id));
        CHECK_OK(sysv_remove(kind, id));
        CHECK(!h_exists(kind, id));
        CHECK_ERR(sysv_remove(kind, id), EINVAL);
        CHECK_ERR(sysv_remove(kind, -1), EINVAL);
    }
    CHECK_ERR(sysv_remove((sysv_kind)0, 0), EINVAL);
    CHECK_ERR(sysv_remove((sysv_kind)4, 0), EINVAL);
}

TEST(remove_of_the_wrong_kind_touches_nothing)
{
    if (!h_hermetic())
        h_skip("needs a private IPC namespace: in a shared one, another program's set may "
               "hold the id");
    int q = make(SYSV_MSG, SYSV_KEY_PRIVATE, 0600);
    /* A queue id given as a set's: ids are per kind, and no set exists. */
    CHECK_ERR(sysv_remove(SYSV_SEM, q), EINVAL);
    CHECK_ERR(sysv_remove(SYSV_SHM, q), EINVAL);
    CHECK(h_exists(SYSV_MSG, q));
    CHECK_OK(sysv_remove(SYSV_MSG, q));
}

/* ---- listing ---------------------------------------------------------------------- */

struct seen {
    int ids[3];
    sysv_entry found[3];
    int hits[3];
    int total;
    int kinds_seen[4];
};

static int collect(const sysv_entry *e, void *arg)
{
    struct seen *s = arg;
    s->total++;
    if (e->kind >= 1 && e->kind <= 3)
        s->kinds_seen[e->kind]++;
    for (int i = 0; i < 3; i++) {
        if (e->kind == kinds[i] && e->id == s->ids[i]) {
            s->found[i] = *e;
            s->hits[i]++;
        }
    }
    return 0;
}

TEST(list_shows_every_kind_with_its_details)
{
    key_t keys[3] = {h_key(), h_key(), h_key()};
    struct seen s = {0};
    s.ids[0] = h_shm(keys[0], 12345, 0640);
    s.ids[1] = h_msg(keys[1], 0600);
    s.ids[2] = h_sem(keys[2], 3, 0604);

    void *addr = shmat(s.ids[0], NULL, 0);
    CHECK(addr != (void *)-1);
    struct {
        long mtype;
        char text[8];
    } m = {7, "abcdefg"};
    CHECK_OK(msgsnd(s.ids[1], &m, 3, IPC_NOWAIT));
    CHECK_OK(msgsnd(s.ids[1], &m, 5, IPC_NOWAIT));

    CHECK_OK(sysv_list((sysv_kind)0, collect, &s));
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(s.hits[i], 1);
        CHECK_EQ(s.found[i].kind, kinds[i]);
        CHECK_EQ(s.found[i].perm.key, keys[i]);
        CHECK_EQ(s.found[i].perm.cuid, geteuid());
        CHECK(s.found[i].ctime > 0);
    }
    CHECK_EQ(s.found[0].perm.mode, 0640);
    CHECK_EQ(s.found[0].size, 12345);
    CHECK_EQ(s.found[0].count, 1); /* attached once */
    CHECK_EQ(s.found[0].cpid, getpid());
    CHECK_EQ(s.found[0].lpid, getpid());
    CHECK(s.found[0].atime > 0);

    CHECK_EQ(s.found[1].size, 8); /* bytes queued */
    CHECK_EQ(s.found[1].count, 2);
    CHECK_EQ(s.found[1].cpid, getpid()); /* last sender */
    CHECK_EQ(s.found[1].lpid, 0);        /* nobody received yet */

    CHECK_EQ(s.found[2].perm.mode, 0604);
    CHECK_EQ(s.found[2].count, 3);
    CHECK_EQ(s.found[2].size, 0);
    CHECK_EQ(s.found[2].atime, 0); /* no semop yet */

    if (h_hermetic()) /* our namespace holds exactly these three */
        CHECK_EQ(s.total, 3);

    CHECK_OK(shmdt(addr));
    for (int i = 0; i < 3; i++)
        CHECK_OK(sysv_remove(kinds[i], s.ids[i]));
}

TEST(list_of_one_kind_shows_only_that_kind)
{
    struct seen s = {0};
    s.ids[0] = h_shm(SYSV_KEY_PRIVATE, 4096, 0600);
    s.ids[1] = h_msg(SYSV_KEY_PRIVATE, 0600);
    s.ids[2] = h_sem(SYSV_KEY_PRIVATE, 1, 0600);
    for (int i = 0; i < 3; i++) {
        struct seen one = s;
        memset(one.hits, 0, sizeof(one.hits));
        memset(one.kinds_seen, 0, sizeof(one.kinds_seen));
        CHECK_OK(sysv_list(kinds[i], collect, &one));
        CHECK_EQ(one.hits[i], 1);
        for (int k = 1; k <= 3; k++)
            if (k != (int)kinds[i])
                CHECK_EQ(one.kinds_seen[k], 0);
    }
    for (int i = 0; i < 3; i++)
        CHECK_OK(sysv_remove(kinds[i], s.ids[i]));
}

static int stop_at_second(const sysv_entry *e, void *arg)
{
    (void)e;
    int *calls = arg;
    return ++*calls == 2 ? 42 : 0;
}

TEST(list_stops_when_the_callback_returns_non_zero)
{
    int q[3];
    for (int i = 0; i < 3; i++)
        q[i] = h_msg(SYSV_KEY_PRIVATE, 0600);
    int calls = 0;
    CHECK_EQ(sysv_list(SYSV_MSG, stop_at_second, &calls), 42);
    CHECK_EQ(calls, 2);
    for (int i = 0; i < 3; i++)
        CHECK_OK(sysv_remove(SYSV_MSG, q[i]));
}

struct order {
    int last_kind, last_id, n;
};

static int check_order(const sysv_entry *e, void *arg)
{
    struct order *o = arg;
    CHECK((int)e->kind >= o->last_kind);
    if ((int)e->kind == o->last_kind)
        CHECK(e->id > o->last_id);
    o->last_kind = (int)e->kind;
    o->last_id = e->id;
    o->n++;
    return 0;
}

TEST(list_goes_by_kind_then_id)
{
    int ids[6];
    for (int i = 0; i < 6; i++)
        ids[i] = i % 3 == 0   ? h_sem(SYSV_KEY_PRIVATE, 1, 0600)
                 : i % 3 == 1 ? h_msg(SYSV_KEY_PRIVATE, 0600)
                              : h_shm(SYSV_KEY_PRIVATE, 4096, 0600);
    struct order o = {0, -1, 0};
    CHECK_OK(sysv_list((sysv_kind)0, check_order, &o));
    CHECK(o.n >= 6);
    for (int i = 0; i < 6; i++)
        CHECK_OK(sysv_remove(i % 3 == 0 ? SYSV_SEM : i % 3 == 1 ? SYSV_MSG : SYSV_SHM, ids[i]));
}

TEST(list_goes_by_id_when_slots_have_wrapped)
{
    if (!h_hermetic())
        h_skip("needs a private IPC namespace (root): it cycles through every queue slot");
    /* The kernel hands out slots cyclically, and a slot reused after the
       cursor wraps gets a higher sequence number, so its id is higher
       than the ids in later slots. Walk the cursor round once. */
    int first = h_msg(SYSV_KEY_PRIVATE, 0600); /* slot 0, low id */
    int second = h_msg(SYSV_KEY_PRIVATE, 0600);
    CHECK_OK(sysv_remove(SYSV_MSG, first)); /* free slot 0 */
    int wrapped = -1;
    for (int i = 0; i < 70000 && wrapped < 0; i++) {
        int id = msgget(IPC_PRIVATE, 0600);
        CHECK(id >= 0);
        if (id > 0 && (id & 0x7fff) == 0) /* slot 0 again, with the next sequence */
            wrapped = h_track(SYSV_MSG, id);
        else
            CHECK_OK(msgctl(id, IPC_RMID, NULL));
    }
    CHECK(wrapped > second); /* lower slot, higher id */
    struct order o = {0, -1, 0};
    CHECK_OK(sysv_list(SYSV_MSG, check_order, &o));
    CHECK_EQ(o.n, 2);
    CHECK_OK(sysv_remove(SYSV_MSG, second));
    CHECK_OK(sysv_remove(SYSV_MSG, wrapped));
}

static int remove_each(const sysv_entry *e, void *arg)
{
    const int *mine = arg;
    for (int i = 0; i < 5; i++)
        if (e->kind == SYSV_MSG && e->id == mine[i])
            CHECK_OK(sysv_remove(SYSV_MSG, e->id));
    return 0;
}

TEST(list_callback_may_remove_what_it_is_given)
{
    int q[5];
    for (int i = 0; i < 5; i++)
        q[i] = h_msg(SYSV_KEY_PRIVATE, 0600);
    CHECK_OK(sysv_list(SYSV_MSG, remove_each, q));
    for (int i = 0; i < 5; i++)
        CHECK(!h_exists(SYSV_MSG, q[i]));
}

static int count_only(const sysv_entry *e, void *arg)
{
    (void)e;
    ++*(int *)arg;
    return 0;
}

TEST(list_rejects_bad_arguments)
{
    int n = 0;
    CHECK_ERR(sysv_list(SYSV_SHM, NULL, NULL), EINVAL);
    CHECK_ERR(sysv_list((sysv_kind)4, count_only, &n), EINVAL);
    CHECK_ERR(sysv_list((sysv_kind)-1, count_only, &n), EINVAL);
    CHECK_EQ(n, 0);
}

static void list_as_nobody(void *arg)
{
    struct seen *s = arg;
    h_drop_privileges();
    CHECK_OK(sysv_list((sysv_kind)0, collect, s));
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(s->hits[i], 1);
        CHECK_EQ(s->found[i].perm.mode, 0600);
        CHECK_EQ(s->found[i].perm.cuid, 0);
    }
}

TEST_MULTIPROC(list_shows_objects_the_caller_cannot_read)
{
    h_need_root();
    struct seen s = {0};
    for (int i = 0; i < 3; i++)
        s.ids[i] = make(kinds[i], h_key(), 0600);
    CHECK_EQ(h_wait(h_fork(list_as_nobody, &s), 10000), 0);
    for (int i = 0; i < 3; i++)
        CHECK_OK(sysv_remove(kinds[i], s.ids[i]));
}

TEST(list_of_an_empty_namespace_calls_nothing)
{
    if (!h_hermetic())
        h_skip("needs a private IPC namespace (root) to know the namespace is empty");
    int n = 0;
    CHECK_OK(sysv_list((sysv_kind)0, count_only, &n));
    CHECK_EQ(n, 0);
}

/* ---- limits ------------------------------------------------------------------------- */

static unsigned long long read_proc(const char *path, int field)
{
    FILE *fp = fopen(path, "re");
    CHECK(fp != NULL);
    unsigned long long v[4] = {0};
    int n = fscanf(fp, "%llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3]);
    fclose(fp);
    CHECK(n > field);
    return v[field];
}

TEST(limits_are_the_kernels)
{
    sysv_limits l;
    CHECK_OK(sysv_limits_get(&l));
    CHECK_EQ(l.msgmax, read_proc("/proc/sys/kernel/msgmax", 0));
    CHECK_EQ(l.msgmnb, read_proc("/proc/sys/kernel/msgmnb", 0));
    CHECK_EQ(l.msgmni, read_proc("/proc/sys/kernel/msgmni", 0));
    CHECK_EQ(l.shmmax, read_proc("/proc/sys/kernel/shmmax", 0));
    CHECK_EQ(l.shmall, read_proc("/proc/sys/kernel/shmall", 0));
    CHECK_EQ(l.shmmni, read_proc("/proc/sys/kernel/shmmni", 0));
    /* /proc/sys/kernel/sem: semmsl semmns semopm semmni */
    CHECK_EQ(l.semmsl, read_proc("/proc/sys/kernel/sem", 0));
    CHECK_EQ(l.semmns, read_proc("/proc/sys/kernel/sem", 1));
    CHECK_EQ(l.semopm, read_proc("/proc/sys/kernel/sem", 2));
    CHECK_EQ(l.semmni, read_proc("/proc/sys/kernel/sem", 3));
    CHECK_EQ(l.semvmx, 32767);
    CHECK_EQ(l.shmmin, 1);
    CHECK(l.shmseg > 0);
    CHECK_ERR(sysv_limits_get(NULL), EINVAL);
}
