/*
 * 12_chan_crash: a message channel in shared memory (<sysv/chan.h>) whose
 * producer is killed with kill -9 in the middle of a stream, three times,
 * and restarted; the consumer never sees a torn, corrupted or duplicated
 * message, and gets every message whose send returned.
 *
 * What it shows:
 *   1. a channel made with a name-derived key: a segment with a ring and a
 *      set of five semaphores (the two roles, two doorbells, an init lock);
 *   2. a consumer process taking messages, checking each: producer number,
 *      sequence number (no gap, no repeat) and a checksum over the bytes;
 *   3. a producer streaming as fast as it can, telling the parent (through
 *      a shared counter) how many of its sends returned 0;
 *   4. the parent killing it with SIGKILL at some point of its loop. The
 *      kernel's SEM_UNDO frees the writer's role; a new producer opens it
 *      (a half-written message, if the kill landed inside a send, is
 *      discarded and counted as a repair) and goes on;
 *   5. the last producer closing cleanly: the consumer, having taken what
 *      was left, gets EPIPE ("no writer, nothing more will come");
 *   6. the channel's statistics, and its removal.
 * No sleeping: the parent waits for counters and for processes.
 *
 * Run it:  ./build/demo/samples/12_chan_crash
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "sample.h"

#define PRODUCERS 4      /* the first three are killed */
#define KILL_AFTER 20000 /* acknowledged messages before each kill */
#define LAST_COUNT 20000 /* what the last producer sends, then closes */

/* Counters shared with the children (an anonymous shared mapping). */
struct ledger {
    unsigned long acked[PRODUCERS];    /* sends that returned 0, per producer */
    unsigned long received[PRODUCERS]; /* messages the consumer took, per producer */
    int consumer_ok;
};

struct message {
    uint32_t producer, seq, sum;
    unsigned char body[52]; /* 64 bytes in all */
};

static uint32_t sum_of(const struct message *m)
{
    uint32_t h = 2166136261u ^ m->producer ^ (m->seq << 8);
    for (size_t i = 0; i < sizeof(m->body); i++)
        h = (h ^ m->body[i]) * 16777619u;
    return h;
}

static void child_exit(int rc)
{
    fflush(stdout);
    _exit(rc == 0 ? 0 : 1);
}

static void producer(key_t key, uint32_t number, struct ledger *l)
{
    sysv_chan w = SYSV_CHAN_INIT;
    int rc = sysv_chan_open(&w, key, 0, SYSV_CHAN_WRITER, 0);
    if (rc < 0)
        child_exit(sample_report("producer", "sysv_chan_open", rc));
    sysv_chan_status st;
    if (sysv_chan_stat(&w, &st) == 0)
        printf("   producer %u (pid %d): writer's role taken; repairs so far: %lu\n", number,
               (int)getpid(), st.repairs);
    struct message m;
    for (uint32_t seq = 0; number + 1 < PRODUCERS || seq < LAST_COUNT; seq++) {
        m.producer = number;
        m.seq = seq;
        memset(m.body, (int)(seq & 0xff), sizeof(m.body));
        m.sum = sum_of(&m);
        rc = sysv_chan_send(&w, &m, sizeof(m), 0, NULL);
        if (rc < 0)
            child_exit(sample_report("producer", "sysv_chan_send", rc));
        __atomic_store_n(&l->acked[number], (unsigned long)seq + 1, __ATOMIC_RELEASE);
    }
    printf("   producer %u: sent %d messages, closes the channel\n", number, LAST_COUNT);
    child_exit(sysv_chan_close(&w));
}

static void consumer(key_t key, struct ledger *l)
{
    sysv_chan r = SYSV_CHAN_INIT;
    int rc = sysv_chan_open(&r, key, 0, SYSV_CHAN_READER, 0);
    if (rc < 0)
        child_exit(sample_report("consumer", "sysv_chan_open", rc));
    uint32_t current = 0, next = 0;
    unsigned long bad = 0;
    for (;;) {
        struct message m;
        ssize_t n = sysv_chan_recv(&r, &m, sizeof(m), 0, NULL);
        if (n == -EPIPE && current + 1 == PRODUCERS)
            break; /* the last producer closed and everything was taken */
        if (n == -EPIPE)
            continue; /* between a dead producer and the next one */
        if (n < 0)
            child_exit(sample_report("consumer", "sysv_chan_recv", (int)n));
        if (n != (ssize_t)sizeof(m) || m.sum != sum_of(&m) || m.producer >= PRODUCERS) {
            bad++; /* torn or corrupted: must never happen */
            continue;
        }
        if (m.producer != current) {
            if (m.producer < current)
                bad++; /* an old producer's message after a newer one's */
            current = m.producer;
            next = 0;
        }
        if (m.seq != next)
            bad++; /* a gap or a repeat */
        next = m.seq + 1;
        l->received[m.producer]++;
    }
    printf("   consumer: EPIPE after the last message: the writer closed, nothing more can "
           "come\n");
    l->consumer_ok = bad == 0;
    if (bad > 0)
        printf("   consumer: %lu bad messages (torn, corrupted, out of order or repeated)\n", bad);
    child_exit(sysv_chan_close(&r));
}

int main(void)
{
    sample_init();
    char name[64];
    key_t key;
    (void)snprintf(name, sizeof(name), "libsysv-sample-12-%ld", (long)getpid());
    int rc = sysv_key_name(name, &key);
    if (rc < 0) {
        (void)sample_report(NULL, "sysv_key_name", rc);
        return 1;
    }

    sample_step("A channel: a ring in one segment, roles held with SEM_UNDO");
    sysv_chan owner = SYSV_CHAN_INIT; /* the parent makes it, as a reader it then hands on */
    rc = sysv_chan_open(&owner, key, 64 * 1024, SYSV_CHAN_READER | SYSV_CREATE | SYSV_EXCL, 0600);
    if (rc < 0) {
        (void)sample_report(NULL, "sysv_chan_open", rc);
        return 1;
    }
    const int shmid = owner.shmid, semid = owner.semid; /* to remove it on any way out */
    printf("   segment id %d, semaphore set id %d, ring %zu bytes, messages up to %zu bytes\n",
           owner.shmid, owner.semid, owner.capacity, sysv_chan_max_message(&owner));
    sysv_chan_close(&owner); /* the consumer takes the reader's role */

    struct ledger *l =
        mmap(NULL, sizeof(*l), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (l == MAP_FAILED) {
        (void)sample_report_sys(NULL, "mmap", -errno);
        (void)sysv_remove(SYSV_SEM, semid);
        (void)sysv_remove(SYSV_SHM, shmid);
        return 1;
    }
    memset(l, 0, sizeof(*l)); /* (a fresh mapping is zeroed; this says so) */

    sample_step("A consumer checks every message; producers stream 64-byte messages");
    pid_t cons = -1;
    if (rc == 0) {
        fflush(stdout);
        cons = fork();
        if (cons == 0)
            consumer(key, l);
        if (cons < 0)
            rc = sample_report_sys(NULL, "fork", -errno);
    }
    for (uint32_t p = 0; rc == 0 && p < PRODUCERS; p++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
            producer(key, p, l);
        if (pid < 0) {
            rc = sample_report_sys(NULL, "fork", -errno);
            break;
        }
        int status;
        if (p + 1 < PRODUCERS) {
            /* Let it get going, then kill it wherever it is in its loop. */
            while (__atomic_load_n(&l->acked[p], __ATOMIC_ACQUIRE) < KILL_AFTER)
                sched_yield();
            (void)kill(pid, SIGKILL);
            (void)sample_waitpid(pid, &status);
            printf("   kill -9 producer %u after %lu acknowledged sends: %s\n", p, l->acked[p],
                   WIFSIGNALED(status) ? "killed" : "ended?");
        } else {
            (void)sample_waitpid(pid, &status);
        }
    }
    int cstatus = 1;
    if (cons > 0)
        (void)sample_waitpid(cons, &cstatus);

    sample_step("What arrived");
    int ok = rc == 0 && WIFEXITED(cstatus) && WEXITSTATUS(cstatus) == 0 && l->consumer_ok;
    for (uint32_t p = 0; rc == 0 && p < PRODUCERS; p++) {
        /* Every acknowledged send arrived; at most one more (committed by
           a producer killed before its send returned). */
        int fine = l->received[p] >= l->acked[p] && l->received[p] <= l->acked[p] + 1;
        printf("   producer %u: %lu sends returned, %lu messages received%s\n", p, l->acked[p],
               l->received[p], fine ? "" : "   <- WRONG");
        ok = ok && fine;
    }

    sample_step("The channel's statistics, then removal");
    if (sysv_chan_open(&owner, key, 0, SYSV_CHAN_READER, 0) == 0) {
        sysv_chan_status st;
        if (sysv_chan_stat(&owner, &st) == 0)
            printf("   sent %llu, received %llu, queued %lu; half-written messages discarded "
                   "(repairs): %lu\n",
                   st.sent, st.received, st.queued, st.repairs);
        rc = sysv_chan_remove(&owner);
        printf("   removed: %s\n", rc == 0 ? "segment and semaphore set" : sysv_strerror(rc));
    } else {
        /* Its reader's role is held (a consumer that failed to exit):
           remove it by ids, as sysv rm would. */
        (void)sysv_remove(SYSV_SEM, semid);
        (void)sysv_remove(SYSV_SHM, shmid);
        printf("   removed by ids (the reader's role was still held)\n");
        ok = 0;
    }
    (void)munmap(l, sizeof(*l));
    printf("\n%s\n",
           ok ? "No message torn, corrupted, lost or delivered twice." : "FAILED: see above");
    return ok ? 0 : 1;
}
