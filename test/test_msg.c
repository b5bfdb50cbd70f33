/* Message queues (src/msg): type selection, sizes, waiting, signals,
   removal, peeking and exactly-once delivery, on real queues and real
   processes. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "common/internal.h"
#include "harness.h"
#include "process.h"

#define CHILD_MS 30000

static void make(sysv_msgq *q)
{
    CHECK_OK(sysv_msg_open(q, SYSV_KEY_PRIVATE, SYSV_CREATE, 0600));
    h_track(SYSV_MSG, q->id);
}

static void drop(sysv_msgq *q)
{
    CHECK_OK(sysv_msg_remove(q));
    CHECK_EQ(q->id, -1);
}

static void send_str(const sysv_msgq *q, long type, const char *s)
{
    CHECK_OK(sysv_msg_send(q, type, s, strlen(s), SYSV_NOWAIT, NULL));
}

/* Takes one message with this selection (without waiting) and checks its
   type and text. */
static void expect(const sysv_msgq *q, long sel, int flags, long type, const char *text)
{
    char buf[64];
    long got = 0;
    ssize_t n = sysv_msg_recv(q, sel, buf, sizeof(buf), &got, flags | SYSV_NOWAIT, NULL);
    CHECK_EQ(n, (ssize_t)strlen(text));
    buf[n] = '\0';
    CHECK_EQ(got, type);
    CHECK_STR_EQ(buf, text);
}

static unsigned long qnum(const sysv_msgq *q)
{
    sysv_msg_status st;
    CHECK_OK(sysv_msg_stat(q->id, &st));
    return st.qnum;
}

/* ---- open, send, receive ---------------------------------------------- */

TEST(open_create_send_recv_remove)
{
    sysv_msgq q = SYSV_MSGQ_INIT;
    key_t key = h_key();
    CHECK_OK(sysv_msg_open(&q, key, SYSV_CREATE | SYSV_EXCL, 0));
    h_track(SYSV_MSG, q.id);
    CHECK_EQ(q.key, key);
    sysv_msgq again = {.id = 999};
    CHECK_ERR(sysv_msg_open(&again, key, SYSV_CREATE | SYSV_EXCL, 0), EEXIST);
    CHECK_EQ(again.id, -1);
    CHECK_OK(sysv_msg_open(&again, key, 0, 0));
    CHECK_EQ(again.id, q.id);

    const unsigned char payload[] = {0, 1, 2, 0, 255, 'x', 0};
    CHECK_OK(sysv_msg_send(&q, 7, payload, sizeof(payload), 0, NULL));
    CHECK_OK(sysv_msg_send(&q, 8, payload, 0, 0, NULL)); /* empty is a message too */
    unsigned char buf[16];
    long type = 0;
    CHECK_EQ(sysv_msg_recv(&again, 0, buf, sizeof(buf), &type, 0, NULL), sizeof(payload));
    CHECK_EQ(type, 7);
    CHECK(memcmp(buf, payload, sizeof(payload)) == 0);
    CHECK_EQ(sysv_msg_recv(&q, 0, buf, sizeof(buf), NULL, 0, NULL), 0);

    sysv_msg_status st;
    CHECK_OK(sysv_msg_stat(q.id, &st));
    CHECK_EQ(st.perm.mode, SYSV_MODE_DEFAULT);
    drop(&q);
    CHECK_ERR(sysv_msg_open(&q, key, 0, 0), ENOENT);
    CHECK_ERR(sysv_msg_remove(&q), EINVAL);
}

/* A queue holding interleaved types:  3a 1b 2c 1d 3e 2f */
static void interleave(sysv_msgq *q)
{
    make(q);
    send_str(q, 3, "a");
    send_str(q, 1, "b");
    send_str(q, 2, "c");
    send_str(q, 1, "d");
    send_str(q, 3, "e");
    send_str(q, 2, "f");
}

TEST(recv_type_zero_takes_the_queue_in_order)
{
    sysv_msgq q = SYSV_MSGQ_INIT;
    interleave(&q);
    expect(&q, 0, 0, 3, "a");
    expect(&q, 0, 0, 1, "b");
    expect(&q, 0, 0, 2, "c");
    expect(&q, 0, 0, 1, "d");
    expect(&q, 0, 0, 3, "e");
    expect(&q, 0, 0, 2, "f");
    CHECK_EQ(qnum(&q), 0);
    drop(&q);
}

TEST(recv_positive_type_takes_that_type_first_in_first_out)
{
    sysv_msgq q = SYSV_MSGQ_INIT;
    interleave(&q);
    expect(&q, 2, 0, 2, "c");
    expect(&q, 2, 0, 2, "f");
    char buf[8];
    CHECK_ERR(sysv_msg_recv(&q, 2, buf, sizeof(buf), NULL, SYSV_NOWAIT, NULL), ENOMSG);
    CHECK_ERR(sysv_msg_recv(&q, 9, buf, sizeof(buf), NULL, SYSV_NOWAIT, NULL), ENOMSG);
    expect(&q, 3, 0, 3, "a");
    expect(&q, 1, 0, 1, "b");
    CHECK_EQ(qnum(&q), 2); /* 1d 3e */
    drop(&q);
}

TEST(recv_negative_type_takes_the_lowest_type_first)
{
    sysv_msgq q = SYSV_MSGQ_INIT;
    interleave(&q);
    /* |type| = 2: types 1 and 2 qualify, and 1 goes first. */
    expect(&q, -2, 0, 1, "b");
    expect(&q, -2, 0, 1, "d");
    expect(&q, -2, 0, 2, "c");
    expect(&q, -2, 0, 2, "f");
    char buf[8];
    CHECK_ERR(sysv_msg_recv(&q, -2, buf, sizeof(buf), NULL, SYSV_NOWAIT, NULL), ENOMSG);
    expect(&q, -3, 0, 3, "a");
    /* LONG_MIN has no absolute value; the kernel reads it as -LONG_MAX. */
    expect(&q, LONG_MIN, 0, 3, "e");
    drop(&q);
}

TEST(recv_except_takes_the_first_of_any_other_type)
{
    sysv_msgq q = SYSV_MSGQ_INIT;
    interleave(&q);
    expect(&q, 3, SYSV_MSG_EXCEPT, 1, "b");
    expect(&q, 1, SYSV_MSG_EXCEPT, 3, "a");
    expect(&q, 1, SYSV_MSG_EXCEPT, 2, "c");
    expect(&q, 2, SYSV_MSG_EXCEPT, 1, "d");
    expect(&q, 2, SYSV_MSG_EXCEPT, 3, "e");
    char buf[8];
    CHECK_ERR(sysv_msg_recv(&q, 2, buf, sizeof(buf), NULL, SYSV_MSG_EXCEPT | SYSV_NOWAIT, NULL),
              ENOMSG);
    expect(&q, 0, 0, 2, "f");
    drop(&q);
}

TEST(recv_too_long_is_e2big_and_stays_queued_unless_truncated)
{
    sysv_msgq q = SYSV_MSGQ_INIT;
    make(&q);
    send_str(&q, 4, "0123456789");
    char buf[16] = {0};
    long type = 0;
    CHECK_ERR(sysv_msg_recv(&q, 0, buf, 4, &type, 0, NULL), E2BIG);
    CHECK_EQ(type, 0); /* untouched */
    CHECK_EQ(qnum(&q), 1);
    CHECK_EQ(sysv_msg_peek(&q, 0, NULL, 0, NULL), 10); /* the size to ask for */
    CHECK_EQ(sysv_msg_recv(&q, 0, buf, 4, &type, SYSV_MSG_TRUNCATE, NULL), 4);
    CHECK_EQ(type, 4);
    CHECK_STR_EQ(buf, "0123");
    CHECK_EQ(qnum(&q), 0); /* the rest is gone */
    drop(&q);
}

TEST(send_up_to_msgmax_and_not_beyond)
{
    sysv_limits lim;
    CHECK_OK(sysv_limits_get(&lim));
    sysv_msgq q = SYSV_MSGQ_INIT;
    make(&q);
    static char big[1 << 16];
    if (lim.msgmax >= sizeof(big) || lim.msgmax > lim.msgmnb)
        h_skip("msgmax %zu is above this test's buffer or the queue's capacity", lim.msgmax);
    memset(big, 'm', lim.msgmax);
    CHECK_OK(sysv_msg_send(&q, 1, big, lim.msgmax, 0, NULL));
    CHECK_ERR(sysv_msg_send(&q, 1, big, lim.msgmax + 1, 0, NULL), EMSGSIZE);
    CHECK_ERR(sysv_msg_send(&q, 1, big, SIZE_MAX, 0, NULL), EMSGSIZE);
    CHECK_EQ(qnum(&q), 1);
    static char in[1 << 16];
    CHECK_EQ(sysv_msg_recv(&q, 1, in, sizeof(in), NULL, 0, NULL), (ssize_t)lim.msgmax);
    CHECK(memcmp(in, big, lim.msgmax) == 0);
    drop(&q);
}

/* Raises msgmax in this test's private IPC namespace (the sysctls are per
   namespace), so that messages above 8 KiB take the heap paths. */
static void raise_msgmax(int msgmax, int msgmnb)
{
    if (h_hermetic() != 1)
        h_skip("needs a private IPC namespace to raise msgmax");
    FILE *f = fopen("/proc/sys/kernel/msgmax", "w");
    FILE *g = fopen("/proc/sys/kernel/msgmnb", "w");
    if (f == NULL || g == NULL)
        h_skip("the namespace's msgmax or msgmnb cannot be written here");
    CHECK(fprintf(f, "%d\n", msgmax) > 0);
    CHECK(fprintf(g, "%d\n", msgmnb) > 0);
    CHECK_OK(fclose(f));
    CHECK_OK(fclose(g));
}

TEST(messages_above_8k_take_the_heap_and_arrive_whole)
{
    raise_msgmax(40000, 100000);
    sysv_limits lim;
    CHECK_OK(sysv_limits_get(&lim));
    CHECK_EQ(lim.msgmax, 40000);
    sysv_msgq q = SYSV_MSGQ_INIT;
    make(&q);
    static unsigned char out[30000], in[40000];
    for (size_t i = 0; i < sizeof(out); i++)
        out[i] = (unsigned char)(i * 7 + 3);
    CHECK_OK(sysv_msg_send(&q, 5, out, sizeof(out), 0, NULL));
    CHECK_OK(sysv_msg_send(&q, 6, out, 20000, 0, NULL));
    CHECK_OK(sysv_msg_send(&q, 7, out, 9000, 0, NULL));

    long type;
    /* peek: past the stack buffer, and cut to cap */
    CHECK_EQ(sysv_msg_peek(&q, 0, in, 100, &type), sizeof(out));
    CHECK_EQ(type, 5);
    CHECK(memcmp(in, out, 100) == 0);
    /* recv: the message is larger than the first (stack) try */
    CHECK_EQ(sysv_msg_recv(&q, 0, in, sizeof(in), &type, 0, NULL), sizeof(out));
    CHECK_EQ(type, 5);
    CHECK(memcmp(in, out, sizeof(out)) == 0);
    /* too long even for a large cap */
    CHECK_ERR(sysv_msg_recv(&q, 0, in, 15000, NULL, 0, NULL), E2BIG);
    /* truncated at cap, not at the stack buffer's size */
    memset(in, 0, sizeof(in));
    CHECK_EQ(sysv_msg_recv(&q, 0, in, 15000, &type, SYSV_MSG_TRUNCATE, NULL), 15000);
    CHECK_EQ(type, 6);
    CHECK(memcmp(in, out, 15000) == 0);
    CHECK_EQ(in[15000], 0);
    CHECK_EQ(sysv_msg_recv(&q, 7, in, sizeof(in), NULL, 0, NULL), 9000);
    CHECK(memcmp(in, out, 9000) == 0);
    drop(&q);
}

/* ---- bad input --------------------------------------------------------- */

TEST(send_rejects_bad_input_and_sends_nothing)
{
    sysv_msgq q = SYSV_MSGQ_INIT, never = SYSV_MSGQ_INIT;
    make(&q);
    const char *d = "x";
    CHECK_ERR(sysv_msg_send(&q, 0, d, 1, 0, NULL), EINVAL);
    CHECK_ERR(sysv_msg_send(&q, -1, d, 1, 0, NULL), EINVAL);
    CHECK_ERR(sysv_msg_send(&q, LONG_MIN, d, 1, 0, NULL), EINVAL);
    CHECK_ERR(sysv_msg_send(&q, 1, NULL, 1, 0, NULL), EINVAL);
    CHECK_ERR(sysv_msg_send(&q, 1, NULL, 0, 0, NULL), EINVAL);
    CHECK_ERR(sysv_msg_send(NULL, 1, d, 1, 0, NULL), EINVAL);
    CHECK_ERR(sysv_msg_send(&never, 1, d, 1, 0, NULL), EINVAL);
    CHECK_ERR(sysv_msg_send(&q, 1, d, 1, SYSV_MSG_EXCEPT, NULL), EINVAL);
    CHECK_ERR(sysv_msg_send(&q, 1, d, 1, SYSV_CREATE, NULL), EINVAL);
    CHECK_ERR(sysv_msg_send(&q, 1, d, 1, 0x40000000, NULL), EINVAL);
    struct timespec bad[] = {{-1, 0}, {0, -1}, {0, 1000000000L}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_ERR(sysv_msg_send(&q, 1, d, 1, 0, &bad[i]), EINVAL);
    CHECK_EQ(qnum(&q), 0);
    drop(&q);
    /* A queue that is gone: the kernel's EINVAL. */
    sysv_msgq gone = {.id = q.id};
    CHECK_ERR(sysv_msg_send(&gone, 1, d, 1, 0, NULL), EINVAL);
}

TEST(recv_rejects_bad_input_and_takes_nothing)
{
    sysv_msgq q = SYSV_MSGQ_INIT, never = SYSV_MSGQ_INIT;
    make(&q);
    send_str(&q, 1, "kept");
    char buf[8];
    CHECK_ERR(sysv_msg_recv(&q, 0, NULL, 8, NULL, 0, NULL), EINVAL);
    CHECK_ERR(sysv_msg_recv(NULL, 0, buf, 8, NULL, 0, NULL), EINVAL);
    CHECK_ERR(sysv_msg_recv(&never, 0, buf, 8, NULL, 0, NULL), EINVAL);
    CHECK_ERR(sysv_msg_recv(&q, 0, buf, 8, NULL, SYSV_CREATE, NULL), EINVAL);
    CHECK_ERR(sysv_msg_recv(&q, 0, buf, 8, NULL, SYSV_SHM_RDONLY, NULL), EINVAL);
    CHECK_ERR(sysv_msg_recv(&q, 0, buf, 8, NULL, SYSV_MSG_EXCEPT, NULL), EINVAL);
    CHECK_ERR(sysv_msg_recv(&q, -1, buf, 8, NULL, SYSV_MSG_EXCEPT, NULL), EINVAL);
    CHECK_ERR(sysv_msg_recv(&q, 0, buf, 8, NULL, 0, &(struct timespec){0, 2000000000L}), EINVAL);
    CHECK_EQ(qnum(&q), 1);
    CHECK_ERR(sysv_msg_peek(NULL, 0, buf, 8, NULL), EINVAL);
    CHECK_ERR(sysv_msg_peek(&never, 0, buf, 8, NULL), EINVAL);
    CHECK_ERR(sysv_msg_peek(&q, 0, NULL, 8, NULL), EINVAL);
    sysv_msg_status st;
    CHECK_ERR(sysv_msg_stat(-1, &st), EINVAL);
    CHECK_ERR(sysv_msg_stat(q.id, NULL), EINVAL);
    CHECK_ERR(sysv_msg_set_capacity(-1, 100), EINVAL);
    CHECK_ERR(sysv_msg_set_capacity(q.id, 0), EINVAL);
    CHECK_ERR(sysv_msg_remove(NULL), EINVAL);
    CHECK_ERR(sysv_msg_open(NULL, SYSV_KEY_PRIVATE, SYSV_CREATE, 0), EINVAL);
    CHECK_ERR(sysv_msg_open(&never, SYSV_KEY_PRIVATE, SYSV_CREATE | SYSV_NOWAIT, 0), EINVAL);
    expect(&q, 0, 0, 1, "kept");
    drop(&q);
}

/* ---- peek -------------------------------------------------------------- */

TEST(peek_reads_by_position_without_taking)
{
    sysv_msgq q = SYSV_MSGQ_INIT;
    interleave(&q);
    char buf[8] = {0};
    long type = 0;
    ssize_t n = sysv_msg_peek(&q, 0, buf, sizeof(buf), &type);
    if (n == -ENOSYS)
        h_skip("this kernel has no MSG_COPY (CONFIG_CHECKPOINT_RESTORE is off)");
    CHECK_EQ(n, 1);
    CHECK_EQ(type, 3);
    CHECK_EQ(buf[0], 'a');
    CHECK_EQ(sysv_msg_peek(&q, 3, buf, sizeof(buf), &type), 1);
    CHECK_EQ(type, 1);
    CHECK_EQ(buf[0], 'd');
    CHECK_EQ(sysv_msg_peek(&q, 5, buf, sizeof(buf), &type), 1);
    CHECK_EQ(type, 2);
    CHECK_ERR(sysv_msg_peek(&q, 6, buf, sizeof(buf), &type), ENOMSG);
    CHECK_ERR(sysv_msg_peek(&q, SIZE_MAX, buf, sizeof(buf), &type), ENOMSG);
    CHECK_EQ(qnum(&q), 6);

    /* Like snprintf: the full length, at most cap bytes copied. */
    send_str(&q, 9, "a longer message");
    memset(buf, '-', sizeof(buf));
    CHECK_EQ(sysv_msg_peek(&q, 6, buf, 4, NULL), 16);
    CHECK(memcmp(buf, "a lo----", 8) == 0);
    CHECK_EQ(sysv_msg_peek(&q, 6, NULL, 0, &type), 16);
    CHECK_EQ(type, 9);
    expect(&q, 0, 0, 3, "a"); /* the head is still the head */
    drop(&q);
}

/* ---- status and capacity ---------------------------------------------- */

TEST(stat_counts_messages_bytes_and_pids)
{
    sysv_msgq q = SYSV_MSGQ_INIT;
    make(&q);
    sysv_limits lim;
    CHECK_OK(sysv_limits_get(&lim));
    sysv_msg_status st;
    CHECK_OK(sysv_msg_stat(q.id, &st));
    CHECK_EQ(st.qnum, 0);
    CHECK_EQ(st.cbytes, 0);
    CHECK_EQ(st.qbytes, lim.msgmnb);
    CHECK_EQ(st.stime, 0);
    CHECK_EQ(st.lspid, 0);

    send_str(&q, 1, "12345");
    send_str(&q, 2, "123");
    CHECK_OK(sysv_msg_stat(q.id, &st));
    CHECK_EQ(st.qnum, 2);
    CHECK_EQ(st.cbytes, 8);
    CHECK_EQ(st.lspid, getpid());
    CHECK(st.stime > 0);
    CHECK_EQ(st.rtime, 0);
    expect(&q, 0, 0, 1, "12345");
    CHECK_OK(sysv_msg_stat(q.id, &st));
    CHECK_EQ(st.qnum, 1);
    CHECK_EQ(st.cbytes, 3);
    CHECK_EQ(st.lrpid, getpid());
    CHECK(st.rtime > 0);
    drop(&q);
}

TEST(capacity_limits_what_the_queue_holds)
{
    sysv_msgq q = SYSV_MSGQ_INIT;
    make(&q);
    CHECK_OK(sysv_msg_set_capacity(q.id, 100));
    sysv_msg_status st;
    CHECK_OK(sysv_msg_stat(q.id, &st));
    CHECK_EQ(st.qbytes, 100);
    CHECK_EQ(st.perm.mode, 0600); /* kept */

    char d[101] = {0};
    CHECK_OK(sysv_msg_send(&q, 1, d, 60, SYSV_NOWAIT, NULL));
    CHECK_ERR(sysv_msg_send(&q, 1, d, 60, SYSV_NOWAIT, NULL), EAGAIN);
    CHECK_OK(sysv_msg_send(&q, 1, d, 40, SYSV_NOWAIT, NULL));
    /* Could never fit, full or not. */
    CHECK_ERR(sysv_msg_send(&q, 1, d, 101, SYSV_NOWAIT, NULL), EMSGSIZE);
    CHECK_ERR(sysv_msg_send(&q, 1, d, 101, 0, &(struct timespec){0, 1000000}), EMSGSIZE);
    CHECK_ERR(sysv_msg_send(&q, 1, d, 101, 0, NULL), EMSGSIZE); /* not a wait for ever */
    CHECK_EQ(qnum(&q), 2);

    sysv_limits lim;
    CHECK_OK(sysv_limits_get(&lim));
    int rc = sysv_msg_set_capacity(q.id, lim.msgmnb + 1);
    if (rc == 0) { /* CAP_SYS_RESOURCE */
        CHECK_OK(sysv_msg_stat(q.id, &st));
        CHECK_EQ(st.qbytes, lim.msgmnb + 1);
    } else {
        CHECK_ERR(rc, EPERM);
    }
    drop(&q);
}

TEST(capacity_change_keeps_owner_group_and_mode)
{
    sysv_msgq q = SYSV_MSGQ_INIT;
    make(&q);
    sysv_perm perm;
    CHECK_OK(sysv_perm_get(SYSV_MSG, q.id, &perm));
    perm.mode = 0640;
    if (geteuid() == 0)
        perm.gid = 65534; /* root may give it any group */
    CHECK_OK(sysv_perm_set(SYSV_MSG, q.id, &perm));
    CHECK_OK(sysv_msg_set_capacity(q.id, 4000));
    sysv_msg_status st;
    CHECK_OK(sysv_msg_stat(q.id, &st));
    CHECK_EQ(st.qbytes, 4000);
    CHECK_EQ(st.perm.mode, 0640);
    CHECK_EQ(st.perm.uid, perm.uid);
    CHECK_EQ(st.perm.gid, perm.gid);
    drop(&q);
}

/* ---- waiting: full and empty queues, timeouts -------------------------- */

TEST(nowait_gives_enomsg_on_empty_and_eagain_on_full)
{
    sysv_msgq q = SYSV_MSGQ_INIT;
    make(&q);
    char buf[16];
    CHECK_ERR(sysv_msg_recv(&q, 0, buf, sizeof(buf), NULL, SYSV_NOWAIT, NULL), ENOMSG);
    CHECK_OK(sysv_msg_set_capacity(q.id, 16));
    CHECK_OK(sysv_msg_send(&q, 1, buf, 16, SYSV_NOWAIT, NULL));
    CHECK_ERR(sysv_msg_send(&q, 1, buf, 1, SYSV_NOWAIT, NULL), EAGAIN);
    /* NOWAIT wins over a timeout. */
    CHECK_ERR(sysv_msg_send(&q, 1, buf, 1, SYSV_NOWAIT, &(struct timespec){5, 0}), EAGAIN);
    drop(&q);
}

TEST(deadlines_carry_nanoseconds_and_saturate)
{
    sysv__deadline d;
    struct timespec left;
    const struct timespec almost = {0, 999999999};
    CHECK_OK(sysv__deadline_start(&d, &almost));
    CHECK(d.at.tv_nsec >= 0 && d.at.tv_nsec < 1000000000L);
    CHECK_OK(sysv__deadline_left(&d, &left));
    CHECK(left.tv_sec == 0 && left.tv_nsec > 900000000L && left.tv_nsec <= 999999999L);

    /* A timeout too long to add: the deadline is the end of time, not a
       wrapped-around past. */
    const time_t max = (time_t)(((uintmax_t)1 << (sizeof(time_t) * 8 - 1)) - 1);
    const struct timespec forever = {max, 999999999};
    CHECK_OK(sysv__deadline_start(&d, &forever));
    CHECK_EQ(d.at.tv_sec, max);
    CHECK_OK(sysv__deadline_left(&d, &left));
    CHECK(left.tv_sec > max / 2);

    const struct timespec zero = {0, 0};
    CHECK_OK(sysv__deadline_start(&d, &zero));
    CHECK_ERR(sysv__deadline_left(&d, &left), ETIMEDOUT);

    CHECK_ERR(sysv__timeout_check(&(struct timespec){0, 1000000000L}), EINVAL);
    CHECK_ERR(sysv__timeout_check(&(struct timespec){-1, 0}), EINVAL);
    CHECK_OK(sysv__timeout_check(&almost));
    CHECK_OK(sysv__timeout_check(NULL));
}

TEST(recv_times_out_on_time_without_burning_a_core)
{
    sysv_msgq q = SYSV_MSGQ_INIT;
    make(&q);
    send_str(&q, 2, "other type");
    char buf[16];
    struct timespec t0, c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_ERR(sysv_msg_recv(&q, 1, buf, sizeof(buf), NULL, 0, &(struct timespec){0, 300000000}),
              ETIMEDOUT);
    long long wall_us = h_elapsed_us(&t0), wall = wall_us / 1000;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    long long cpu = (c1.tv_sec - c0.tv_sec) * 1000LL + (c1.tv_nsec - c0.tv_nsec) / 1000000;
    printf("timed out after %lld ms (asked 300), %lld ms of CPU\n", wall, cpu);
    CHECK(wall_us >= 300000); /* never early, not by a microsecond */
    CHECK(wall < 300 + 2000); /* bounded (generous: a loaded shared machine) */
    CHECK(cpu * 4 < wall);    /* sleeps, does not spin */
    CHECK_EQ(qnum(&q), 1);    /* the other message was not touched */

    /* A zero timeout is one try. */
    CHECK_ERR(sysv_msg_recv(&q, 1, buf, sizeof(buf), NULL, 0, &(struct timespec){0, 0}), ETIMEDOUT);
    drop(&q);
}

TEST(send_times_out_on_a_full_queue_and_sends_nothing)
{
    sysv_msgq q = SYSV_MSGQ_INIT;
    make(&q);
    CHECK_OK(sysv_msg_set_capacity(q.id, 10));
    CHECK_OK(sysv_msg_send(&q, 1, "0123456789", 10, 0, NULL));
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_ERR(sysv_msg_send(&q, 2, "x", 1, 0, &(struct timespec){0, 100000000}), ETIMEDOUT);
    CHECK(h_elapsed_ms(&t0) >= 100);
    CHECK_EQ(qnum(&q), 1);
    expect(&q, 0, 0, 1, "0123456789");
    CHECK_ERR(sysv_msg_recv(&q, 0, (char[4]){0}, 4, NULL, SYSV_NOWAIT, NULL), ENOMSG);
    drop(&q);
}

struct pair {
    sysv_msgq q;
    h_gate go;
    const struct timespec *timeout;
};

static void late_sender(void *arg)
{
    struct pair *p = arg;
    h_gate_pass(&p->go, CHILD_MS);
    CHECK_OK(sysv_msg_send(&p->q, 5, "late", 4, 0, NULL));
}

TEST_MULTIPROC(timed_recv_takes_a_message_sent_while_it_waits)
{
    struct pair p = {SYSV_MSGQ_INIT, {{0}}, NULL};
    make(&p.q);
    h_gate_init(&p.go);
    pid_t pid = h_fork(late_sender, &p);
    h_gate_open(&p.go);
    char buf[8];
    long type;
    CHECK_EQ(sysv_msg_recv(&p.q, 5, buf, sizeof(buf), &type, 0, &(struct timespec){20, 0}), 4);
    CHECK_EQ(type, 5);
    CHECK(memcmp(buf, "late", 4) == 0);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    drop(&p.q);
}

struct latency {
    sysv_msgq q;
    struct timespec sent; /* written by the parent before it sends */
};

static void patient_receiver(void *arg)
{
    struct latency *l = arg;
    char buf[8];
    CHECK_EQ(sysv_msg_recv(&l->q, 1, buf, sizeof(buf), NULL, 0, &(struct timespec){20, 0}), 2);
    long long late_us = h_elapsed_us(&l->sent);
    printf("seen %lld us after it was sent, 1.5 s into a timed wait\n", late_us);
    /* The sleeps between tries stop growing at 2 ms: after a long wait a
       message is seen within about that, not after a long sleep. The bound
       is loose for a loaded machine; unbounded backoff would be ~1 s. */
    CHECK(late_us < 300000);
}

TEST_MULTIPROC(timed_recv_sees_a_message_soon_even_after_a_long_wait)
{
    struct latency *l =
        mmap(NULL, sizeof(*l), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(l != MAP_FAILED);
    make(&l->q);
    pid_t pid = h_fork(patient_receiver, l);
    h_wait_syscall(pid, SYS_ppoll, CHILD_MS);
    /* The delay is what this test measures after, not a way to order
       events: the receiver is known to be waiting. */
    CHECK_OK(nanosleep(&(struct timespec){1, 500000000}, NULL));
    clock_gettime(CLOCK_MONOTONIC, &l->sent);
    CHECK_OK(sysv_msg_send(&l->q, 1, "go", 2, 0, NULL));
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    drop(&l->q);
    munmap(l, sizeof(*l));
}

static void blocked_sender(void *arg)
{
    struct pair *p = arg;
    CHECK_OK(sysv_msg_send(&p->q, 2, "second", 6, 0, p->timeout));
}

/* A sender blocked on a full queue goes on when a receiver makes room. */
static void full_queue_releases_sender(const struct timespec *timeout, long syscall_nr)
{
    struct pair p = {SYSV_MSGQ_INIT, {{0}}, timeout};
    make(&p.q);
    CHECK_OK(sysv_msg_set_capacity(p.q.id, 8));
    send_str(&p.q, 1, "first");
    pid_t pid = h_fork(blocked_sender, &p);
    h_wait_syscall(pid, syscall_nr, CHILD_MS);
    CHECK_EQ(qnum(&p.q), 1);
    expect(&p.q, 0, 0, 1, "first");
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    expect(&p.q, 0, 0, 2, "second");
    drop(&p.q);
}

TEST_MULTIPROC(blocking_send_is_released_by_a_receiver)
{
    full_queue_releases_sender(NULL, SYS_msgsnd);
}

TEST_MULTIPROC(timed_send_is_released_by_a_receiver)
{
    full_queue_releases_sender(&(struct timespec){20, 0}, SYS_ppoll);
}

/* ---- signals ----------------------------------------------------------- */

/* The child's handler counts and tells the parent through a pipe. */
static volatile sig_atomic_t handled;
static int handled_fd = -1;
static void on_signal(int sig)
{
    (void)sig;
    handled++;
    if (handled_fd >= 0 && write(handled_fd, "s", 1) < 0) {
        /* nothing to do in a handler */
    }
}

/* A handler without SA_RESTART, as a daemon's SIGTERM handler often is. */
static void install_handler(h_gate *told)
{
    handled_fd = told->fd[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    CHECK_OK(sigaction(SIGUSR1, &sa, NULL));
}

struct sigcase {
    sysv_msgq q;
    h_gate ready, told;
    const struct timespec *timeout;
};

static void interrupted_receiver(void *arg)
{
    struct sigcase *c = arg;
    install_handler(&c->told);
    h_gate_open(&c->ready);
    char buf[16];
    /* Waits for type 7; the queue holds a type 2. */
    CHECK_ERR(sysv_msg_recv(&c->q, 7, buf, sizeof(buf), NULL, 0, c->timeout), EINTR);
    CHECK_EQ(handled, 1);
    /* Nothing was taken: the type 2 message is still there. */
    CHECK_EQ(qnum(&c->q), 1);
    expect(&c->q, 2, 0, 2, "keep me");
}

/* Starts fn in a child that installs its handler, and returns once the
   handler is in place. */
static pid_t start_receiver(struct sigcase *c, void (*fn)(void *))
{
    h_gate_init(&c->ready);
    h_gate_init(&c->told);
    pid_t pid = h_fork(fn, c);
    h_gate_pass(&c->ready, CHILD_MS);
    return pid;
}

static void interrupt_receiver(const struct timespec *timeout, long syscall_nr)
{
    struct sigcase c = {SYSV_MSGQ_INIT, {{0}}, {{0}}, timeout};
    make(&c.q);
    send_str(&c.q, 2, "keep me");
    pid_t pid = start_receiver(&c, interrupted_receiver);
    /* Once: a handler that runs while the call waits must end it, timed
       (the signal is taken only inside the sleep) or not. */
    h_wait_syscall(pid, syscall_nr, CHILD_MS);
    CHECK_OK(kill(pid, SIGUSR1));
    h_gate_pass(&c.told, CHILD_MS);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    CHECK_EQ(qnum(&c.q), 0);
    drop(&c.q);
}

TEST_MULTIPROC(signal_interrupts_a_blocked_recv_with_eintr)
{
    interrupt_receiver(NULL, SYS_msgrcv);
}

TEST_MULTIPROC(signal_interrupts_a_timed_recv_with_eintr)
{
    interrupt_receiver(&(struct timespec){20, 0}, SYS_ppoll);
}

static void restarting_receiver(void *arg)
{
    struct sigcase *c = arg;
    install_handler(&c->told);
    h_gate_open(&c->ready);
    char buf[16];
    long type;
    CHECK_EQ(sysv_msg_recv(&c->q, 7, buf, sizeof(buf), &type, SYSV_RESTART, c->timeout), 3);
    CHECK_EQ(type, 7);
    CHECK(memcmp(buf, "end", 3) == 0);
    CHECK_EQ(handled, 3);
}

static void restart_receiver(const struct timespec *timeout, long syscall_nr)
{
    struct sigcase c = {SYSV_MSGQ_INIT, {{0}}, {{0}}, timeout};
    make(&c.q);
    pid_t pid = start_receiver(&c, restarting_receiver);
    for (int i = 0; i < 3; i++) {
        /* Blocked (again): the handler ran and the call went on waiting. */
        h_wait_syscall(pid, syscall_nr, CHILD_MS);
        CHECK_OK(kill(pid, SIGUSR1));
        h_gate_pass(&c.told, CHILD_MS);
    }
    h_wait_syscall(pid, syscall_nr, CHILD_MS);
    send_str(&c.q, 7, "end");
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
    drop(&c.q);
}

TEST_MULTIPROC(restart_keeps_a_blocked_recv_waiting_after_signals)
{
    restart_receiver(NULL, SYS_msgrcv);
}

TEST_MULTIPROC(restart_keeps_a_timed_recv_waiting_after_signals)
{
    restart_receiver(&(struct timespec){20, 0}, SYS_ppoll);
}

/* ---- removal under a waiting call -------------------------------------- */

static void orphaned_receiver(void *arg)
{
    struct pair *p = arg;
    char buf[8];
    CHECK_ERR(sysv_msg_recv(&p->q, 0, buf, sizeof(buf), NULL, 0, p->timeout), EIDRM);
}

static void remove_under_receiver(const struct timespec *timeout, long syscall_nr)
{
    struct pair p = {SYSV_MSGQ_INIT, {{0}}, timeout};
    make(&p.q);
    pid_t pid = h_fork(orphaned_receiver, &p);
    h_wait_syscall(pid, syscall_nr, CHILD_MS);
    drop(&p.q);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
}

TEST_MULTIPROC(removal_wakes_a_blocked_receiver_with_eidrm)
{
    remove_under_receiver(NULL, SYS_msgrcv);
}

TEST_MULTIPROC(removal_ends_a_timed_receiver_with_eidrm)
{
    remove_under_receiver(&(struct timespec){20, 0}, SYS_ppoll);
}

static void orphaned_sender(void *arg)
{
    struct pair *p = arg;
    CHECK_ERR(sysv_msg_send(&p->q, 1, "12345678", 8, 0, p->timeout), EIDRM);
}

static void remove_under_sender(const struct timespec *timeout, long syscall_nr)
{
    struct pair p = {SYSV_MSGQ_INIT, {{0}}, timeout};
    make(&p.q);
    CHECK_OK(sysv_msg_set_capacity(p.q.id, 8));
    send_str(&p.q, 1, "full....");
    pid_t pid = h_fork(orphaned_sender, &p);
    h_wait_syscall(pid, syscall_nr, CHILD_MS);
    drop(&p.q);
    CHECK_EQ(h_wait(pid, CHILD_MS), 0);
}

TEST_MULTIPROC(removal_wakes_a_blocked_sender_with_eidrm)
{
    remove_under_sender(NULL, SYS_msgsnd);
}

TEST_MULTIPROC(removal_ends_a_timed_sender_with_eidrm)
{
    remove_under_sender(&(struct timespec){20, 0}, SYS_ppoll);
}

/* ---- interoperation with msgsnd / msgrcv called directly --------------- */

struct raw_msg {
    long mtype;
    char mtext[64];
};

static void raw_sender(void *arg)
{
    const sysv_msgq *q = arg;
    struct raw_msg m = {42, "hello from msgsnd"};
    CHECK_OK(msgsnd(q->id, &m, 17, 0));
}

static void raw_receiver(void *arg)
{
    const sysv_msgq *q = arg;
    struct raw_msg m;
    memset(&m, 0, sizeof(m));
    ssize_t n = msgrcv(q->id, &m, sizeof(m.mtext), -100, 0);
    CHECK_EQ(n, 20);
    CHECK_EQ(m.mtype, 99);
    CHECK(memcmp(m.mtext, "hello from libsysv\0!", 20) == 0);
}

TEST_MULTIPROC(library_and_raw_msgsnd_msgrcv_understand_each_other)
{
    sysv_msgq q = SYSV_MSGQ_INIT;
    make(&q);
    CHECK_EQ(h_wait(h_fork(raw_sender, &q), CHILD_MS), 0);
    char buf[64];
    long type;
    CHECK_EQ(sysv_msg_recv(&q, 0, buf, sizeof(buf), &type, SYSV_NOWAIT, NULL), 17);
    CHECK_EQ(type, 42);
    CHECK(memcmp(buf, "hello from msgsnd", 17) == 0);

    CHECK_OK(sysv_msg_send(&q, 99, "hello from libsysv\0!", 20, 0, NULL));
    CHECK_EQ(h_wait(h_fork(raw_receiver, &q), CHILD_MS), 0);
    CHECK_EQ(qnum(&q), 0);
    drop(&q);
}

/* ---- exactly once under load ------------------------------------------- */

#define PRODUCERS 4
#define CONSUMERS 4
#define PER_PRODUCER 10000
#define STOP_TYPE 1000

struct record {
    uint16_t producer;
    uint16_t len; /* bytes of filler after the header */
    uint32_t seq;
    uint32_t sum; /* FNV-1a of the filler */
    unsigned char filler[300];
};

struct load {
    sysv_msgq q;
    /* seen[p][s]: how many times message s of producer p arrived */
    unsigned char seen[PRODUCERS][PER_PRODUCER];
    unsigned long bad;
};

static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

struct producer_arg {
    struct load *load;
    int index;
};

static void producer(void *arg)
{
    const struct producer_arg *a = arg;
    uint32_t rnd = 0x9e3779b9u * (uint32_t)(a->index + 1);
    for (uint32_t seq = 0; seq < PER_PRODUCER; seq++) {
        struct record r;
        r.producer = (uint16_t)a->index;
        r.seq = seq;
        r.len = (uint16_t)(xorshift(&rnd) % sizeof(r.filler));
        for (unsigned i = 0; i < r.len; i++)
            r.filler[i] = (unsigned char)xorshift(&rnd);
        r.sum = sysv__fnv1a(r.filler, r.len);
        long type = 1 + (long)(xorshift(&rnd) % 5);
        /* Some sends wait with a timeout, to load the polling path too. */
        const struct timespec *t = (seq % 3 == 0) ? &(struct timespec){30, 0} : NULL;
        CHECK_OK(
            sysv_msg_send(&a->load->q, type, &r, offsetof(struct record, filler) + r.len, 0, t));
    }
}

struct consumer_arg {
    struct load *load;
    long type;
    const struct timespec *timeout;
};

static void consumer(void *arg)
{
    const struct consumer_arg *a = arg;
    struct load *load = a->load;
    for (;;) {
        struct record r;
        long type;
        ssize_t n = sysv_msg_recv(&load->q, a->type, &r, sizeof(r), &type, 0, a->timeout);
        CHECK_NONNEG(n);
        if (type == STOP_TYPE)
            return;
        if (n < (ssize_t)offsetof(struct record, filler) || r.producer >= PRODUCERS ||
            r.seq >= PER_PRODUCER || (size_t)n != offsetof(struct record, filler) + r.len ||
            sysv__fnv1a(r.filler, r.len) != r.sum) {
            __atomic_fetch_add(&load->bad, 1, __ATOMIC_RELAXED);
            continue;
        }
        __atomic_fetch_add(&load->seen[r.producer][r.seq], 1, __ATOMIC_RELAXED);
    }
}

TEST_MULTIPROC(four_producers_four_consumers_deliver_each_message_once)
{
    struct load *load =
        mmap(NULL, sizeof(*load), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(load != MAP_FAILED);
    memset(load, 0, sizeof(*load));
    make(&load->q);

    /* Consumers select differently: type 0, the lowest type first, and two
       that wait with timeouts (they see data before the stop messages: the
       stop type is sent last and is the highest). */
    const struct timespec wait = {30, 0};
    struct consumer_arg ca[CONSUMERS] = {
        {load, 0, NULL}, {load, -STOP_TYPE, NULL}, {load, 0, &wait}, {load, -STOP_TYPE, &wait}};
    struct producer_arg pa[PRODUCERS];
    pid_t cons[CONSUMERS], prod[PRODUCERS];
    for (int i = 0; i < CONSUMERS; i++)
        cons[i] = h_fork(consumer, &ca[i]);
    for (int i = 0; i < PRODUCERS; i++) {
        pa[i] = (struct producer_arg){load, i};
        prod[i] = h_fork(producer, &pa[i]);
    }
    for (int i = 0; i < PRODUCERS; i++)
        CHECK_EQ(h_wait(prod[i], 120000), 0);
    for (int i = 0; i < CONSUMERS; i++)
        CHECK_OK(sysv_msg_send(&load->q, STOP_TYPE, "", 0, 0, NULL));
    for (int i = 0; i < CONSUMERS; i++)
        CHECK_EQ(h_wait(cons[i], 120000), 0);

    unsigned long missing = 0, twice = 0;
    for (int p = 0; p < PRODUCERS; p++)
        for (int s = 0; s < PER_PRODUCER; s++) {
            missing += load->seen[p][s] == 0;
            twice += load->seen[p][s] > 1;
        }
    printf("%d messages: %lu missing, %lu more than once, %lu corrupt\n", PRODUCERS * PER_PRODUCER,
           missing, twice, load->bad);
    CHECK_EQ(missing, 0);
    CHECK_EQ(twice, 0);
    CHECK_EQ(load->bad, 0);
    CHECK_EQ(qnum(&load->q), 0);
    drop(&load->q);
    munmap(load, sizeof(*load));
}

TEST(open_id_fills_the_handle_from_the_kernel)
{
    key_t key = h_key();
    int id = h_msg(key, 0600);
    sysv_msgq q = {.id = 77};
    CHECK_OK(sysv_msg_open_id(&q, id));
    CHECK_EQ(q.id, id);
    CHECK_EQ(q.key, key);
    send_str(&q, 3, "by id");
    expect(&q, 0, 0, 3, "by id");
    drop(&q);
    CHECK_ERR(sysv_msg_open_id(&q, id), EINVAL); /* gone */
    CHECK_EQ(q.id, -1);
    CHECK_ERR(sysv_msg_open_id(&q, -5), EINVAL);
    CHECK_ERR(sysv_msg_open_id(NULL, id), EINVAL);
}
