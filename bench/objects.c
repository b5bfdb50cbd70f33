/*
 * Every System V object sysv-bench makes is IPC_PRIVATE and recorded here
 * the moment it exists, so that any way out of the program (the end of the
 * run, an error, Ctrl-C, the watchdog) removes it. Segments are removed as
 * soon as they are attached (an attached segment outlives its removal), so
 * they are recorded only for that instant; POSIX queues are unlinked right
 * after mq_open (transport.c), so they never need this list.
 *
 * Signal handlers only set a flag. They are installed without SA_RESTART:
 * msgrcv, semop, read and mq_receive blocked in the parent then return
 * EINTR, the run unwinds through its normal error paths, and the cleanup
 * runs in ordinary code, not in a handler.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define MAX_OBJECTS 64

static struct {
    sysv_kind kind;
    int id;
} objs[MAX_OBJECTS];
static int nobjs;
static pid_t owner; /* the process that made them; a child never removes */

volatile sig_atomic_t bench_stop;
volatile sig_atomic_t bench_child_exited;

void objects_track(sysv_kind kind, int id)
{
    if (id < 0)
        return;
    if (owner == 0)
        owner = getpid();
    if (nobjs == MAX_OBJECTS) {
        /* Cannot happen with the cases compiled in (they make a dozen);
           removing at once keeps the promise if a later case makes more. */
        bench_error("too many IPC objects to track; removing one now", -ENOSPC);
        (void)sysv_remove(kind, id);
        return;
    }
    objs[nobjs].kind = kind;
    objs[nobjs].id = id;
    nobjs++;
}

void objects_forget(sysv_kind kind, int id)
{
    for (int i = 0; i < nobjs; i++) {
        if (objs[i].kind == kind && objs[i].id == id) {
            objs[i] = objs[--nobjs];
            return;
        }
    }
}

void objects_remove_all(void)
{
    if (owner != getpid())
        return;
    while (nobjs > 0) {
        nobjs--;
        int rc = sysv_remove(objs[nobjs].kind, objs[nobjs].id);
        /* -EINVAL/-EIDRM: already gone, which is what we want. */
        if (rc < 0 && rc != -EINVAL && rc != -EIDRM)
            bench_error("removing an IPC object", rc);
    }
}

static void on_stop(int sig)
{
    (void)sig;
    bench_stop = 1;
}

static void on_child(int sig)
{
    (void)sig;
    bench_child_exited = 1;
}

static int handle(int sig, void (*fn)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: blocked calls must return EINTR */
    return sigaction(sig, &sa, NULL) < 0 ? -errno : 0;
}

int objects_install_signals(void)
{
    int rc = 0;
    static const int stops[] = {SIGINT, SIGTERM, SIGHUP, SIGALRM};
    for (size_t i = 0; rc == 0 && i < sizeof(stops) / sizeof(stops[0]); i++)
        rc = handle(stops[i], on_stop);
    if (rc == 0)
        rc = handle(SIGCHLD, on_child);
    if (rc == 0)
        rc = handle(SIGPIPE, SIG_IGN);
    return rc;
}
