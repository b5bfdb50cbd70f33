/*
 * 09_mutex_crash: a lock whose holder is killed (kill -9) in the middle of
 * an update, and the next holder that is told so and repairs the data.
 *
 * Two accounts in shared memory hold 100 between them. A transfer moves
 * money from one to the other in two writes, a debit and then a credit,
 * under a lock, so that nobody sees the money in flight. But what if the
 * process doing it dies between the two writes? A semaphore taken with
 * SEM_UNDO is given back at its death (08_sem_critical shows that), so the
 * others are not locked out, yet the next one walks in on a half-done
 * transfer without knowing. libsysv's mutex tells it: its lock returns
 * EOWNERDEAD, once, with the lock held, so it can repair first.
 *
 * What it shows:
 *   1. a shared memory segment with the two accounts, and a mutex;
 *   2. a child makes a whole transfer under the lock: the sum stays 100;
 *   3. a second child takes the lock, debits, says so through a pipe and
 *      waits; the parent's trylock finds the lock held (EBUSY), then the
 *      parent kills the child with SIGKILL, between its two writes;
 *   4. the semaphores behind the mutex, read after the death: the kernel's
 *      undo freed the lock, and the dead holder's pid is still there;
 *   5. the parent's lock returns EOWNERDEAD. It checks the accounts (the
 *      sum is wrong), repairs them and unlocks;
 *   6. the next lock returns 0: a death is reported once.
 * The processes take turns through a pipe and waitpid, never by sleeping.
 *
 * Run it:  ./build/dev/samples/09_mutex_crash   (or the demo)
 * It removes the mutex and the segment on every way out, Ctrl-C included,
 * and waits for every child (the killed one too).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "sample.h"

#define TOTAL 100 /* what the two accounts always hold together */
#define AMOUNT 30 /* what each transfer moves from alice to bob */

/* The record in the segment: plain numbers, no pointers. */
struct accounts {
    long alice, bob;
};

/* No lock in this sample should take long: a bug must not hang it. */
static const struct timespec patience = {5, 0};

static void child_exit(int rc)
{
    fflush(stdout);
    _exit(rc == 0 ? 0 : 1);
}

/* Prints the accounts; 1 when their sum is right, else 0. */
static int show(const char *who, const struct accounts *acc)
{
    long sum = acc->alice + acc->bob;
    printf("[%s] alice %ld + bob %ld = %ld%s\n", who, acc->alice, acc->bob, sum,
           sum == TOTAL  ? ""
           : sum < TOTAL ? "   <- BROKEN: money has vanished"
                         : "   <- BROKEN");
    return sum == TOTAL;
}

/* ---- The children -------------------------------------------------------- */

/* The first half of every transfer: take the lock, then debit alice. */
static int lock_and_debit(sysv_mutex *m, struct accounts *acc)
{
    int rc = sysv_mutex_lock(m, &patience);
    if (rc < 0)
        return sample_report("child", "sysv_mutex_lock", rc);
    printf("   child (pid %d): locked; moves %d from alice to bob in two writes\n", (int)getpid(),
           AMOUNT);
    acc->alice -= AMOUNT; /* write 1: the debit */
    return 0;
}

/* Step 2: a whole transfer under the lock. */
static int transfer(sysv_mutex *m, struct accounts *acc)
{
    int rc = lock_and_debit(m, acc);
    if (rc < 0)
        return rc;
    acc->bob += AMOUNT; /* write 2: the credit */
    printf("   child (pid %d): done, unlocks\n", (int)getpid());
    rc = sysv_mutex_unlock(m);
    if (rc < 0)
        return sample_report("child", "sysv_mutex_unlock", rc);
    return 0;
}

/* Step 3: the same, cut short. The child says 'H' (half done) after the
   debit and waits; it is killed there, so it never returns. */
static int half_transfer(sysv_mutex *m, struct accounts *acc, int up)
{
    int rc = lock_and_debit(m, acc);
    if (rc < 0)
        return rc;
    printf("   child (pid %d): debited alice; before it can credit bob...\n", (int)getpid());
    if ((rc = sample_tell(up, 'H')) < 0)
        return sample_report_sys("child", "the pipe to the parent", rc);
    while (!sample_stop)
        pause(); /* until SIGKILL (or Ctrl-C: then it exits, still holding the lock) */
    return -EINTR;
}

/* ---- The parent ---------------------------------------------------------- */

static int run(sysv_mutex *m, struct accounts *acc, pid_t *kid)
{
    int up[2] = {-1, -1}, rc, ws;

    sample_step("2. A child makes a whole transfer under the lock");
    fflush(stdout);
    *kid = fork();
    if (*kid < 0)
        return sample_report_sys("parent", "fork", -errno);
    if (*kid == 0)
        child_exit(transfer(m, acc)); /* the child has the parent's attachment */
    rc = sample_waitpid(*kid, &ws);
    *kid = -1;
    if (rc < 0)
        return sample_report_sys("parent", "waitpid", rc);
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
        fprintf(stderr, "09_mutex_crash: the child failed\n");
        return -EPROTO;
    }
    if (!show("parent", acc)) {
        fprintf(stderr, "09_mutex_crash: a whole transfer broke the sum\n");
        return -EPROTO;
    }
    if (sample_stop)
        return -EINTR;

    sample_step("3. A second child is killed (SIGKILL) in the middle of a transfer");
    if (pipe(up) != 0)
        return sample_report_sys("parent", "pipe", -errno);
    fflush(stdout);
    *kid = fork();
    if (*kid < 0) {
        rc = sample_report_sys("parent", "fork", -errno);
        goto out;
    }
    if (*kid == 0) {
        close(up[0]);
        child_exit(half_transfer(m, acc, up[1]));
    }
    close(up[1]);
    up[1] = -1;
    if ((rc = sample_await(up[0], 'H')) < 0) {
        sample_report_sys("parent", "waiting for the child", rc);
        goto out;
    }
    rc = sysv_mutex_trylock(m);
    printf("[parent] sysv_mutex_trylock: %s (%s)\n", sysv_errname(rc), sysv_strerror(rc));
    if (rc != -EBUSY) {
        if (rc == 0 || rc == -EOWNERDEAD)
            sysv_mutex_unlock(m);
        rc = sample_report("parent", "trylock should find the lock held", rc);
        goto out;
    }
    printf("[parent] kill(%d, SIGKILL): the child cannot catch it, clean up, or unlock\n",
           (int)*kid);
    if (kill(*kid, SIGKILL) != 0) {
        rc = sample_report_sys("parent", "kill", -errno);
        goto out;
    }
    rc = sample_waitpid(*kid, &ws);
    *kid = -1;
    if (rc < 0) {
        sample_report_sys("parent", "waitpid", rc);
        goto out;
    }
    if (!WIFSIGNALED(ws) || WTERMSIG(ws) != SIGKILL) {
        fprintf(stderr, "09_mutex_crash: the child was to die by SIGKILL\n");
        rc = -EPROTO;
        goto out;
    }
    printf("[parent] waitpid: the child was killed by signal %d (SIGKILL) while it held the lock\n",
           WTERMSIG(ws));
    (void)show("parent", acc); /* read without the lock, to show; broken */

    sample_step("4. How the mutex knows: its three semaphores after the death");
    unsigned short v[SYSV_MUTEX_NSEMS];
    if ((rc = sysv_sem_get_all(&m->set, v)) < 0) {
        sample_report("parent", "GETALL on the mutex's set", rc);
        goto out;
    }
    printf("[parent] semid %d: sem 0 (free) = %u, sem 1 = %u, sem 2 = %u\n", m->set.id, v[0], v[1],
           v[2]);
    printf("The lock is semaphore 0, taken with SEM_UNDO: at the child's death the kernel gave\n"
           "the unit back, so the lock is free (1) and nobody waits for ever. Semaphores 1 and 2\n"
           "hold the holder's pid, %u + (%u << 15) = %ld, set WITHOUT SEM_UNDO: the undo left\n"
           "them alone. \"Free, but a holder's pid still there\" means the holder died.\n",
           v[1], v[2], (long)v[1] + ((long)v[2] << 15));

    sample_step("5. The next locker is told: EOWNERDEAD");
    rc = sysv_mutex_lock(m, &patience);
    printf("[parent] sysv_mutex_lock: %s\n         (%s)\n", sysv_errname(rc), sysv_strerror(rc));
    if (rc != -EOWNERDEAD) {
        if (rc == 0)
            sysv_mutex_unlock(m);
        rc = sample_report("parent", "the lock should have reported the dead holder", rc);
        goto out;
    }
    printf("[parent] the lock is held now, and the data it guards may be half updated:\n");
    if (show("parent", acc)) {
        fprintf(stderr, "09_mutex_crash: the half transfer should have broken the sum\n");
        sysv_mutex_unlock(m);
        rc = -EPROTO;
        goto out;
    }
    /* Money left alice and never reached bob: finish the transfer. (A real
       program would note the transfer in flight in the record before its
       first write, so that a repair knows which way to go.) */
    long missing = TOTAL - (acc->alice + acc->bob);
    acc->bob += missing;
    printf("[parent] repair: the credit never happened; bob += %ld\n", missing);
    (void)show("parent", acc);
    if ((rc = sysv_mutex_unlock(m)) < 0) {
        sample_report("parent", "sysv_mutex_unlock", rc);
        goto out;
    }
    printf("[parent] unlocked\n");

    sample_step("6. Told once: the next lock is an ordinary one");
    rc = sysv_mutex_lock(m, &patience);
    if (rc == 0)
        printf("[parent] sysv_mutex_lock returned 0: taken, and nothing to repair\n");
    if (rc != 0) {
        if (rc == -EOWNERDEAD)
            sysv_mutex_unlock(m);
        rc = sample_report("parent", "the second lock should return 0", rc);
        goto out;
    }
    int good = show("parent", acc);
    if ((rc = sysv_mutex_unlock(m)) < 0) {
        sample_report("parent", "sysv_mutex_unlock", rc);
        goto out;
    }
    if (!good) {
        fprintf(stderr, "09_mutex_crash: the repair did not hold\n");
        rc = -EPROTO;
    }

out:
    for (int i = 0; i < 2; i++) {
        if (up[i] >= 0)
            close(up[i]);
    }
    return rc;
}

int main(void)
{
    sysv_shm shm = SYSV_SHM_INIT;
    sysv_mutex m = SYSV_MUTEX_INIT;
    struct accounts *acc;
    pid_t kid = -1;
    int status = 1, rc;

    sample_init();
    /* Ctrl-C only notes the signal, so the parent can clean up. */
    sample_catch_interrupts();

    sample_step("1. A segment with two accounts, and a mutex to guard them");
    if ((rc = sysv_shm_open(&shm, SYSV_KEY_PRIVATE, sizeof(struct accounts), SYSV_CREATE, 0600)) <
        0) {
        sample_report("parent", "shmget", rc);
        goto out;
    }
    if ((rc = sysv_shm_attach(&shm, 0)) < 0) {
        sample_report("parent", "shmat", rc);
        goto out;
    }
    acc = shm.addr;
    acc->alice = TOTAL;
    acc->bob = 0;
    printf("[parent] pid %d: segment %d attached at %p; the accounts must always sum to %d\n",
           (int)getpid(), shm.id, shm.addr, TOTAL);
    (void)show("parent", acc);
    if ((rc = sysv_mutex_open(&m, SYSV_KEY_PRIVATE, SYSV_CREATE, 0600)) < 0) {
        sample_report("parent", "sysv_mutex_open", rc);
        goto out;
    }
    printf("[parent] sysv_mutex_open: a set of %d semaphores, semid %d, unlocked\n",
           SYSV_MUTEX_NSEMS, m.set.id);

    rc = run(&m, acc, &kid);
    if (sample_stop)
        printf("\n[parent] interrupted: cleaning up\n");
    else if (rc == 0)
        status = 0;

out:
    if (kid > 0) { /* a child still waiting, or holding the lock */
        kill(kid, SIGKILL);
        sample_waitpid(kid, NULL);
    }
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
