/* The samples' shared plumbing: see sample.h. */
#include "sample.h"

#include <errno.h> /* with _GNU_SOURCE: program_invocation_short_name */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sysv/sysv.h>

void sample_init(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
}

volatile sig_atomic_t sample_stop;

static void note_interrupt(int sig)
{
    (void)sig;
    sample_stop = 1;
}

void sample_catch_interrupts(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = note_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void sample_step(const char *fmt, ...)
{
    /* One write for the blank line and the heading: with stdout line
       buffered, three printf calls could let another process's line in
       between them. */
    char title[256];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(title, sizeof(title), fmt, ap);
    va_end(ap);
    printf("\n== %s\n", title);
    fflush(stdout);
}

static int report(const char *who, const char *what, const char *words, int rc)
{
    if (who != NULL)
        fprintf(stderr, "%s (%s): %s: %s (%s)\n", program_invocation_short_name, who, what, words,
                sysv_errname(rc));
    else
        fprintf(stderr, "%s: %s: %s (%s)\n", program_invocation_short_name, what, words,
                sysv_errname(rc));
    return rc < 0 ? rc : -EINVAL;
}

int sample_report(const char *who, const char *what, int rc)
{
    return report(who, what, sysv_strerror(rc), rc);
}

int sample_report_sys(const char *who, const char *what, int rc)
{
    return report(who, what, strerror(rc < 0 ? -rc : rc), rc);
}

int sample_tell(int fd, char c)
{
    ssize_t n;
    while ((n = write(fd, &c, 1)) < 0 && errno == EINTR)
        ;
    return n == 1 ? 0 : -errno;
}

int sample_await(int fd, char c)
{
    char got;
    ssize_t n;
    while ((n = read(fd, &got, 1)) < 0 && errno == EINTR)
        ;
    if (n < 0)
        return -errno;
    return n == 1 && got == c ? 0 : -EPIPE;
}

int sample_waitpid(pid_t pid, int *wstatus)
{
    while (waitpid(pid, wstatus, 0) < 0) {
        if (errno != EINTR)
            return -errno;
    }
    return 0;
}

int sample_sibling_path(const char *name, char *buf, size_t cap)
{
    if (cap < 2)
        return -ENAMETOOLONG;
    ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
    if (n < 0)
        return -errno;
    if ((size_t)n == cap - 1)
        return -ENAMETOOLONG; /* perhaps cut short: readlink does not say */
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash == NULL)
        return -ENOENT;
    size_t dir = (size_t)(slash + 1 - buf), len = strlen(name) + 1;
    if (dir + len > cap)
        return -ENAMETOOLONG;
    memcpy(buf + dir, name, len);
    /* Checked here, where the caller can still say so plainly: once forked,
       a failed exec is only an exit status. */
    return access(buf, X_OK) == 0 ? 0 : -errno;
}

pid_t sample_spawn(const char *path, char *const argv[])
{
    fflush(NULL); /* the child must not inherit, and print, our buffers */
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        execv(path, argv);
        int rc = -errno;
        fprintf(stderr, "%s: exec %s: %s\n", program_invocation_short_name, path, strerror(-rc));
        _exit(127);
    }
    return pid;
}
