#include "process.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

long long h_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int h_decode_status(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 255;
}

int h_wait_deadline(pid_t pid, int timeout_ms, int *status)
{
    long long deadline = h_now_ms() + timeout_ms;
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    int rc = 0;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            rc = -errno;
            break;
        }
        long long left = deadline - h_now_ms();
        if (left <= 0) {
            rc = -ETIMEDOUT;
            break;
        }
        if (pidfd >= 0) {
            struct pollfd p = {.fd = pidfd, .events = POLLIN};
            (void)poll(&p, 1, (int)left);
        } else {
            struct timespec nap = {0, 2 * 1000 * 1000};
            nanosleep(&nap, NULL);
        }
    }
    if (pidfd >= 0)
        close(pidfd);
    return rc;
}

int h_reap_group(pid_t pgid)
{
    if (kill(-pgid, SIGKILL) != 0)
        return 0; /* nothing left in the group */
    int running = 0, status;
    pid_t r;
    while ((r = waitpid(-pgid, &status, 0)) > 0 || (r < 0 && errno == EINTR))
        if (r > 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
            running++;
    return running;
}
