/*
 * 10_shm_counter: why shared memory needs a lock. Several processes add 1
 * to one counter in a segment, many times each; the counter should end at
 * processes x increments.
 *
 * "counter++" is three steps: read the value, add one, write it back. When
 * two processes read the same value, both write value + 1, and one of the
 * two updates is lost. Here each process calls sched_yield() between its
 * read and its write, to give the others every chance to come in between
 * (a real program is unlucky less often, which makes the bug rarer, not
 * absent).
 *
 * What it shows:
 *   1. a segment holding the counter, and a mutex (<sysv/mutex.h>);
 *   2. run 1, without the lock: 4 processes x 10000 increments; the final
 *      value and how many updates were lost. Usually many; but a race is
 *      chance, so a run that happens to lose none is no error;
 *   3. run 2, the very same read-yield-write between sysv_mutex_lock and
 *      sysv_mutex_unlock: the counter ends at exactly 4 x 10000, every time
 *      (checked: the sample fails otherwise), and each run's time shows
 *      what the lock costs.
 * All the processes of a run start together, released through a pipe.
 *
 * Run it:  ./build/dev/samples/10_shm_counter   (or the demo)
 * It removes the segment and the mutex on every way out, Ctrl-C included,
 * and waits for every process it starts.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "sample.h"

#define WORKERS 4
#define INCREMENTS 10000L /* by each worker */

/* The segment's contents. volatile: every read and write of the counter
   really goes to memory, as written, where the other processes see it. */
struct shared {
    volatile long counter;
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One worker: INCREMENTS times read, yield, write. With m NULL, no lock. */
static int worker(struct shared *sh, sysv_mutex *m, int n, int gate)
{
    char who[16];
    snprintf(who, sizeof(who), "worker %d", n);
    int rc = sample_await(gate, 'G');
    if (rc < 0)
        return sample_report_sys(who, "waiting for the start", rc);
    for (long i = 0; i < INCREMENTS && !sample_stop; i++) {
        if (m != NULL && (rc = sysv_mutex_lock(m, NULL)) != 0) {
            if (rc == -EOWNERDEAD) /* held: a worker died holding it */
                sysv_mutex_unlock(m);
            return sample_report(who, "sysv_mutex_lock", rc);
        }
        long value = sh->counter; /* read */
        sched_yield();            /* let another process run here */
        sh->counter = value + 1;  /* write */
        if (m != NULL && (rc = sysv_mutex_unlock(m)) < 0)
            return sample_report(who, "sysv_mutex_unlock", rc);
    }
    return 0;
}

/* Starts WORKERS workers together, waits for them all, and returns the
   counter's final value in *final and the time taken in *secs.
   0, or a negative errno. */
static int race(struct shared *sh, sysv_mutex *m, long *final, double *secs)
{
    pid_t kids[WORKERS];
    int gate[2], started = 0, rc = 0, failed = 0;
    double start = 0;
    sh->counter = 0;
    if (pipe(gate) != 0)
        return sample_report_sys("parent", "pipe", -errno);
    fflush(stdout);
    for (; started < WORKERS; started++) {
        pid_t pid = fork();
        if (pid < 0) {
            rc = sample_report_sys("parent", "fork", -errno);
            goto out;
        }
        if (pid == 0) {
            close(gate[1]);
            rc = worker(sh, m, started + 1, gate[0]);
            fflush(stdout);
            _exit(rc == 0 ? 0 : 1); /* the segment stays attached until here */
        }
        kids[started] = pid;
    }
    start = now();
    for (int i = 0; i < WORKERS; i++) {
        if ((rc = sample_tell(gate[1], 'G')) < 0) {
            sample_report_sys("parent", "starting the workers", rc);
            goto out;
        }
    }

out:
    close(gate[0]);
    close(gate[1]); /* a worker still at the gate reads EOF and gives up */
    for (int i = 0; i < started; i++) {
        int ws;
        if (sample_waitpid(kids[i], &ws) < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
            failed = 1;
    }
    if (rc < 0)
        return rc;
    *secs = now() - start;
    *final = sh->counter;
    if (sample_stop)
        return -EINTR;
    if (failed) {
        fprintf(stderr, "10_shm_counter: a worker failed\n");
        return -EPROTO;
    }
    return 0;
}

static int run(struct shared *sh, sysv_mutex *m)
{
    const long expected = WORKERS * INCREMENTS;
    long final;
    double secs;
    int rc;

    sample_step("2. Run 1: %d processes x %ld increments, WITHOUT a lock", WORKERS, INCREMENTS);
    printf("each: value = counter; sched_yield(); counter = value + 1;\n");
    if ((rc = race(sh, NULL, &final, &secs)) < 0)
        return rc;
    long lost = expected - final;
    printf("[parent] counter = %ld, expected %ld: %ld updates lost (%.1f%%), %.2f s\n", final,
           expected, lost, 100.0 * (double)lost / (double)expected, secs);
    if (lost > 0)
        printf("Each lost update is two processes that read the same value and both wrote\n"
               "value + 1: the second write hid the first.\n");
    else
        printf("None lost this time: the race is real, but this run was lucky (run it again).\n");

    sample_step("3. Run 2: the same, between sysv_mutex_lock and sysv_mutex_unlock");
    printf("each: lock; value = counter; sched_yield(); counter = value + 1; unlock;\n");
    if ((rc = race(sh, m, &final, &secs)) < 0)
        return rc;
    printf("[parent] counter = %ld, expected %ld: %ld updates lost, %.2f s\n", final, expected,
           expected - final, secs);
    if (final != expected) {
        fprintf(stderr, "10_shm_counter: with the lock the counter must be exactly %ld, not %ld\n",
                expected, final);
        return -EPROTO;
    }
    printf("Only the lock's holder is ever between a read and its write, so no update is lost.\n"
           "The price is time: every increment now takes a lock and an unlock (a semop each),\n"
           "and the processes wait for one another instead of running side by side.\n");
    return 0;
}

int main(void)
{
    sysv_shm shm = SYSV_SHM_INIT;
    sysv_mutex m = SYSV_MUTEX_INIT;
    int status = 1, rc;

    sample_init();
    /* Ctrl-C only notes the signal: the workers stop at their next
       increment, and the parent cleans up. */
    sample_catch_interrupts();

    sample_step("1. A segment with one counter, and a mutex");
    if ((rc = sysv_shm_open(&shm, SYSV_KEY_PRIVATE, sizeof(struct shared), SYSV_CREATE, 0600)) <
        0) {
        sample_report("parent", "shmget", rc);
        goto out;
    }
    if ((rc = sysv_shm_attach(&shm, 0)) < 0) {
        sample_report("parent", "shmat", rc);
        goto out;
    }
    printf("[parent] segment %d attached at %p (the workers inherit the attachment)\n", shm.id,
           shm.addr);
    if ((rc = sysv_mutex_open(&m, SYSV_KEY_PRIVATE, SYSV_CREATE, 0600)) < 0) {
        sample_report("parent", "sysv_mutex_open", rc);
        goto out;
    }
    printf("[parent] mutex: semaphore set %d\n", m.set.id);

    rc = run(shm.addr, &m);
    if (sample_stop)
        printf("\n[parent] interrupted: cleaning up\n");
    else if (rc == 0)
        status = 0;

out:
    if (shm.addr != NULL)
        sysv_shm_detach(&shm);
    int shm_id = shm.id, sem_id = m.set.id;
    if (shm.id >= 0) {
        if ((rc = sysv_shm_remove(&shm)) < 0) {
            sample_report("parent", "removing the segment", rc);
            status = 1;
        } else {
            printf("\n[parent] segment %d removed (IPC_RMID)\n", shm_id);
        }
    }
    if (m.set.id >= 0) {
        if ((rc = sysv_mutex_remove(&m)) < 0) {
            sample_report("parent", "removing the mutex", rc);
            status = 1;
        } else {
            printf("[parent] mutex (semaphore set %d) removed (IPC_RMID)\n", sem_id);
        }
    }
    return status;
}
