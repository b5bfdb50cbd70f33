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
 *     1.5% of one core on that VM, where a wake-up costs some 30 us.
 *   The price: while a timed call waits, a message that arrives is seen at
 *   the next attempt, up to SLEEP_MAX_NS later than a blocked msgrcv would
 *   see it. Calls without a timeout block in the kernel and pay nothing:
 *   no clock reads, no sleeps, one system call.
 *
 * Signals: a handler that runs while the call sleeps ends the sleep with
 * EINTR; the call then returns -EINTR, or with SYSV_RESTART goes on with the
 * time left. An untimed blocking call interrupted in the kernel is retried
 * the same way (msgsnd, msgrcv and semop are never restarted by SA_RESTART).
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "internal.h"

#define NS_PER_S 1000000000L
#define SLEEP_MIN_NS 20000L   /* 20 us: the first pause after a failed attempt */
#define SLEEP_MAX_NS 2000000L /* 2 ms: the longest pause, and the added latency */

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

/* Sleeps pause_ns, or to the deadline if that comes first. 0, -ETIMEDOUT
   when the deadline had passed already, or -EINTR. */
static int nap(const sysv__deadline *d, long pause_ns)
{
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) < 0)
        return -errno;
    if (!before(&now, &d->at))
        return -ETIMEDOUT;
    struct timespec until = add(now, &(struct timespec){0, pause_ns});
    if (before(&d->at, &until))
        until = d->at;
    /* An absolute wake-up time: a sleep cut short and resumed cannot
       stretch past the deadline. */
    int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
    return rc == 0 ? 0 : -rc;
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
    long pause_ns = SLEEP_MIN_NS;
    for (;;) {
        rc = attempt(arg, 1);
        if (rc != -would_block)
            return rc;
        rc = nap(&d, pause_ns);
        if (rc == -EINTR && !(flags & SYSV_RESTART))
            return -EINTR;
        if (rc == -ETIMEDOUT)
            return -ETIMEDOUT;
        if (rc < 0 && rc != -EINTR)
            return rc;
        if (pause_ns < SLEEP_MAX_NS)
            pause_ns = pause_ns * 2 < SLEEP_MAX_NS ? pause_ns * 2 : SLEEP_MAX_NS;
    }
}
