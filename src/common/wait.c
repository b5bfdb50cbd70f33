/*
 * Timeouts, SYSV_NOWAIT and SYSV_RESTART for every blocking call.
 *
 * The kernel offers a timed wait for semaphores (semtimedop) but none for
 * message queues: msgsnd and msgrcv either block without limit or, with
 * IPC_NOWAIT, not at all. A timed message call is therefore built here from
 * non-blocking attempts and sleeps:
 *
 *   try (IPC_NOWAIT); if it would block, sleep, try again; stop at the
 *   deadline.
 *
 * Why this design, and not the alternative of blocking in the kernel and
 * interrupting the call with a timer signal:
 *   - Nothing is lost or taken twice. Each attempt is one complete msgsnd or
 *     msgrcv, which the kernel performs whole or not at all; between
 *     attempts the library holds nothing. A timer signal would need a
 *     process-wide signal handler owned by the library (hidden global
 *     state, and a signal number taken from the application), and a signal
 *     that lands just before the call enters the kernel is lost, so the
 *     call could then block forever.
 *   - The return after the deadline is bounded. The last sleep is cut to
 *     end at the deadline, then one last attempt runs: the call returns
 *     -ETIMEDOUT within one sleep's overshoot (the timer slack, 50 us by
 *     default, plus the wake-up) and one system call after the deadline.
 *     Measured on a shared 2-vCPU VM: median 0.1 ms late; the slowest
 *     1% were 2 to 4 ms late, when the VM did not run the process.
 *   - No core is kept busy. Sleeps start at SLEEP_MIN_NS and double up to
 *     SLEEP_MAX_NS, so a long wait costs about 500 wake-ups a second:
 *     0.5% of one core on that VM when quiet, 1.5% when it was busy (a
 *     wake-up then cost some 30 us).
 *   - A quick reply is seen at once: before its first sleep the call
 *     retries for SPIN_NS, yielding the CPU between tries (signals are
 *     blocked by then, so one that comes is still reported by the first
 *     sleep). In a ping-pong the reply comes well within it, and a timed
 *     round trip costs no more than an untimed one (bench/README.md).
 *   The price: while a timed call waits, a message that arrives is seen at
 *   the next attempt, up to SLEEP_MAX_NS later than a blocked msgrcv would
 *   see it. Calls without a timeout block in the kernel and pay nothing:
 *   no clock reads, no sleeps, one system call.
 *
 * Signals: between tries the caller's signals are blocked, and each sleep
 * is a ppoll that puts the caller's own mask back for exactly as long as
 * it sleeps. A handler therefore runs only inside a sleep (a signal that
 * comes during a try waits, pending, for the next sleep), and ppoll always
 * reports it: the call returns -EINTR, or with SYSV_RESTART tries again
 * with the time left. Without the mask, a handler that ran while the
 * process was between tries (0.1 to 1 ms after a timer wake-up on a busy
 * VM) went unseen: a review measured one signal in five lost that way.
 * Faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS) are never
 * blocked: blocking them would turn a fault into a silent kill. An untimed
 * blocking call interrupted in the kernel follows the same rule (msgsnd,
 * msgrcv and semop are never restarted by SA_RESTART).
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "internal.h"

#define NS_PER_S 1000000000L
#define SLEEP_MIN_NS 20000L   /* 20 us: the first pause after a failed attempt */
#define SLEEP_MAX_NS 2000000L /* 2 ms: the longest pause, and the added latency */
#define SPIN_NS 50000L        /* 50 us of retries before the first sleep */

int sysv__timeout_check(const struct timespec *timeout)
{
    if (timeout != NULL &&
        (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= NS_PER_S))
        return -EINVAL;
    return 0;
}

/* a + b for a normalised b >= 0, saturating instead of overflowing time_t. */
static struct timespec add(struct timespec a, const struct timespec *b)
{
    /* time_t is a signed integer on every Linux ABI. */
    const time_t max = (time_t)(((uintmax_t)1 << (sizeof(time_t) * 8 - 1)) - 1);
    if (b->tv_sec > max - a.tv_sec - 1)
        return (struct timespec){max, NS_PER_S - 1};
    a.tv_sec += b->tv_sec;
    a.tv_nsec += b->tv_nsec;
    if (a.tv_nsec >= NS_PER_S) {
        a.tv_sec++;
        a.tv_nsec -= NS_PER_S;
    }
    return a;
}

static int before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

int sysv__deadline_start(sysv__deadline *d, const struct timespec *timeout)
{
    if (clock_gettime(CLOCK_MONOTONIC, &d->at) < 0)
        return -errno;
    d->at = add(d->at, timeout);
    return 0;
}

int sysv__deadline_left(const sysv__deadline *d, struct timespec *left)
{
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) < 0)
        return -errno;
    if (!before(&now, &d->at))
        return -ETIMEDOUT;
    left->tv_sec = d->at.tv_sec - now.tv_sec;
    left->tv_nsec = d->at.tv_nsec - now.tv_nsec;
    if (left->tv_nsec < 0) {
        left->tv_sec--;
        left->tv_nsec += NS_PER_S;
    }
    return 0;
}

/* Sleeps pause_ns, or until the deadline if that comes first, with the
   signal mask `awake` in force only while asleep. 0, -ETIMEDOUT when the
   deadline had passed already, or -EINTR. */
static int nap(const sysv__deadline *d, long pause_ns, const sigset_t *awake)
{
    struct timespec left = {0, 0};
    int rc = sysv__deadline_left(d, &left);
    if (rc < 0)
        return rc;
    if (left.tv_sec > 0 || left.tv_nsec > pause_ns)
        left = (struct timespec){0, pause_ns};
    return ppoll(NULL, 0, &left, awake) < 0 ? -errno : 0;
}

/* Blocks every signal but the faults; *old receives the caller's mask. */
static void block_signals(sigset_t *old)
{
    static const int faults[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS};
    sigset_t set;
    sigfillset(&set);
    for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
        sigdelset(&set, faults[i]);
    /* Per thread: pthread_sigmask is in libc since glibc 2.34. */
    pthread_sigmask(SIG_BLOCK, &set, old);
}

ssize_t sysv__wait(sysv__attempt_fn attempt, void *arg, int flags, const struct timespec *timeout,
                   int would_block)
{
    ssize_t rc;
    if (flags & SYSV_NOWAIT)
        return attempt(arg, 1);

    if (timeout == NULL) {
        while ((rc = attempt(arg, 0)) == -EINTR && (flags & SYSV_RESTART))
            ;
        return rc;
    }

    sysv__deadline d;
    rc = sysv__deadline_start(&d, timeout);
    if (rc < 0)
        return rc;
    /* The first try costs no more than an untimed call would. */
    rc = attempt(arg, 1);
    if (rc != -would_block)
        return rc;

    sigset_t awake;
    block_signals(&awake);
    /* A reply often comes within microseconds (a peer on another core),
       much sooner than the first sleep would end (20 us plus the timer
       slack, 50 us by default): retry, yielding the CPU, for a while
       first. Signals are blocked already, so one that comes now is still
       reported by the first sleep. */
    struct timespec spin_start;
    clock_gettime(CLOCK_MONOTONIC, &spin_start);
    for (;;) {
        struct timespec now;
        sched_yield();
        rc = attempt(arg, 1);
        if (rc != -would_block) {
            pthread_sigmask(SIG_SETMASK, &awake, NULL);
            return rc;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        long spun =
            (long)(now.tv_sec - spin_start.tv_sec) * NS_PER_S + (now.tv_nsec - spin_start.tv_nsec);
        if (spun >= SPIN_NS || before(&d.at, &now))
            break;
    }
    long pause_ns = SLEEP_MIN_NS;
    for (;;) {
        rc = nap(&d, pause_ns, &awake);
        if (rc < 0 && !(rc == -EINTR && (flags & SYSV_RESTART)))
            break;
        rc = attempt(arg, 1);
        if (rc != -would_block)
            break;
        if (pause_ns < SLEEP_MAX_NS)
            pause_ns = pause_ns * 2 < SLEEP_MAX_NS ? pause_ns * 2 : SLEEP_MAX_NS;
    }
    pthread_sigmask(SIG_SETMASK, &awake, NULL);
    return rc;
}
