/*
 * Two-process cases: each transport gets one child, started once and kept
 * for the whole run, so that the rounds of a group can go from one
 * transport to the next (A B C A B C ...) without a fork in between.
 *
 * The parent drives each child through a command pipe and hears back on
 * an ack pipe. A command says what to do for a round:
 *   PINGPONG n size   n times: receive a message (direction 0), send it
 *                     back (direction 1): the parent times n round trips;
 *   STREAM n size     send n messages (direction 1) as fast as the
 *                     transport takes them: the parent times receiving
 *                     them all (one-way throughput).
 * The ack carries the child's result and the heap allocations it counted,
 * so a libsysv transport's allocations are counted on both sides.
 *
 * The round's time, taken around the whole command, includes writing the
 * command and reading the ack: one wake-up per round, 20 to 50 us here,
 * against rounds of 20 ms, so under half a percent.
 *
 * The parent runs on one CPU, the children on another (where the machine
 * has two), so each message crosses between two cores as in a real
 * producer-consumer pair.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAX_PEERS 16
#define MAX_ARGS 128

enum { OP_QUIT = 0, OP_PINGPONG = 1, OP_STREAM = 2 };

struct cmd {
    int op;
    long n;
    size_t size;
};

struct ack {
    int rc;
    unsigned long allocs;
};

typedef struct peer {
    const transport *t;
    chan c;
    size_t cap;
    pid_t pid;  /* > 0 while the child lives */
    int cmd_fd; /* parent's write end of the command pipe */
    int ack_fd; /* parent's read end of the ack pipe */
    int opened; /* open was called: close must run */
    int needed;
} peer;

static peer peers[MAX_PEERS];
static int npeers;

typedef struct peer_arg {
    peer *p;
    int op;
    size_t size;
} peer_arg;

static peer_arg args[MAX_ARGS];
static int nargs;

/* Message buffers: the largest case, aligned as the transports' own. */
static char sbuf[BENCH_MAX_SIZE] __attribute__((aligned(64)));
static char rbuf[BENCH_MAX_SIZE] __attribute__((aligned(64)));

static int write_full(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR && !bench_stop)
            continue;
        if (n < 0)
            return -errno;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* 1 when len bytes were read, 0 at EOF before any, -errno. */
static int read_full(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t left = len;
    while (left > 0) {
        ssize_t n = read(fd, p, left);
        if (n < 0 && errno == EINTR && !bench_stop)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return left == len ? 0 : -EPIPE;
        p += n;
        left -= (size_t)n;
    }
    return 1;
}

/* ---- the child ------------------------------------------------------------------ */

static void child_loop(peer *p, int cmd_rd, int ack_wr)
{
    chan *c = &p->c;
    const transport *t = p->t;
    for (;;) {
        struct cmd cmd;
        int rc = read_full(cmd_rd, &cmd, sizeof(cmd));
        if (rc <= 0 || cmd.op == OP_QUIT)
            _exit(rc < 0 ? 1 : 0);
        alloc_reset();
        alloc_arm(t->lib);
        rc = 0;
        for (long i = 0; i < cmd.n && rc == 0; i++) {
            if (cmd.op == OP_PINGPONG) {
                rc = t->recv(c, 0, rbuf, cmd.size);
                if (rc == 0)
                    rc = t->send(c, 1, rbuf, cmd.size);
            } else {
                rc = t->send(c, 1, sbuf, cmd.size);
            }
        }
        alloc_arm(0);
        struct ack ack = {rc, alloc_count()};
        if (write_full(ack_wr, &ack, sizeof(ack)) < 0 || rc < 0)
            _exit(2);
    }
}

static void child_main(peer *p, pid_t parent, int cmd_rd, int ack_wr)
{
    /* Die with the parent, whatever kills it: the parent owns every
       object, and a child left blocked on one would hold nothing useful. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
        _exit(3);
    /* Ctrl-C reaches the whole process group: the child just ends, and the
       parent, which the same signal interrupts, removes the objects. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    /* The connections of the children started before this one. */
    for (int i = 0; i < npeers; i++) {
        if (&peers[i] == p)
            continue;
        chan_drop(&peers[i].c);
        if (peers[i].cmd_fd >= 0)
            close(peers[i].cmd_fd);
        if (peers[i].ack_fd >= 0)
            close(peers[i].ack_fd);
    }
    int rc = bench_pin(bench_cpu_child);
    if (rc < 0) {
        bench_error("child: sched_setaffinity", rc);
        _exit(3);
    }
    p->c.side = 1;
    if (p->t->after_fork != NULL)
        p->t->after_fork(&p->c);
    memset(sbuf, 'c', sizeof(sbuf));
    child_loop(p, cmd_rd, ack_wr);
}

/* ---- the parent ----------------------------------------------------------------- */

static int start(peer *p)
{
    chan_init(&p->c);
    p->opened = 1;
    int rc = p->t->open(&p->c, p->cap);
    if (rc < 0) {
        char what[64];
        snprintf(what, sizeof(what), "%s: open", p->t->name);
        bench_error(what, rc);
        return rc;
    }
    int cmdp[2], ackp[2];
    if (pipe2(cmdp, O_CLOEXEC) < 0)
        return -errno;
    if (pipe2(ackp, O_CLOEXEC) < 0) {
        rc = -errno;
        close(cmdp[0]);
        close(cmdp[1]);
        return rc;
    }
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        rc = -errno;
        close(cmdp[0]);
        close(cmdp[1]);
        close(ackp[0]);
        close(ackp[1]);
        return rc;
    }
    if (pid == 0) {
        close(cmdp[1]);
        close(ackp[0]);
        child_main(p, parent, cmdp[0], ackp[1]);
    }
    close(cmdp[0]);
    close(ackp[1]);
    p->pid = pid;
    p->cmd_fd = cmdp[1];
    p->ack_fd = ackp[0];
    p->c.side = 0;
    if (p->t->after_fork != NULL)
        p->t->after_fork(&p->c);
    return 0;
}

int peer_start_variant(bench_variant *v)
{
    peer *p = ((peer_arg *)v->arg)->p;
    return p->pid > 0 ? 0 : start(p);
}

int peer_start_needed(bench_group *groups, int ngroups)
{
    for (int g = 0; g < ngroups; g++) {
        if (!groups[g].selected || groups[g].section == SEC_WRAP)
            continue;
        for (int v = 0; v < groups[g].nvar; v++)
            ((peer_arg *)groups[g].var[v].arg)->p->needed = 1;
    }
    for (int i = 0; i < npeers; i++) {
        if (!peers[i].needed)
            continue;
        int rc = start(&peers[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Waits up to ms milliseconds for the child to end; 1 when reaped. */
static int reap(pid_t pid, int ms)
{
    for (int i = 0; i <= ms; i++) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return 1;
        struct timespec one_ms = {0, 1000000};
        nanosleep(&one_ms, NULL);
    }
    return 0;
}

void peer_stop_all(void)
{
    /* An idle child ends at QUIT (or at the EOF after it); one busy in a
       round wakes when its objects go (EIDRM) or its pipe closes (EOF);
       a POSIX queue wakes nobody when closed, hence the deadline and the
       SIGKILL, sent by pid to our own child only. */
    for (int i = 0; i < npeers; i++) {
        peer *p = &peers[i];
        if (p->pid > 0) {
            struct cmd quit = {OP_QUIT, 0, 0};
            (void)write(p->cmd_fd, &quit, sizeof(quit)); /* may fail: EPIPE */
        }
        if (p->cmd_fd >= 0)
            close(p->cmd_fd);
        p->cmd_fd = -1;
        if (p->opened)
            p->t->close(&p->c);
        p->opened = 0;
    }
    for (int i = 0; i < npeers; i++) {
        peer *p = &peers[i];
        if (p->pid > 0 && !reap(p->pid, 1000)) {
            (void)kill(p->pid, SIGKILL);
            (void)waitpid(p->pid, NULL, 0);
        }
        p->pid = 0;
        if (p->ack_fd >= 0)
            close(p->ack_fd);
        p->ack_fd = -1;
    }
}

/* A round: n round trips, or n messages received. */
static int run_peer(void *arg, long n)
{
    peer_arg *a = arg;
    peer *p = a->p;
    const transport *t = p->t;
    if (p->pid <= 0)
        return -ECHILD;
    struct cmd cmd = {a->op, n, a->size};
    int rc = write_full(p->cmd_fd, &cmd, sizeof(cmd));
    for (long i = 0; i < n && rc == 0; i++) {
        if (a->op == OP_PINGPONG) {
            rc = t->send(&p->c, 0, sbuf, a->size);
            if (rc == 0)
                rc = t->recv(&p->c, 1, rbuf, a->size);
        } else {
            rc = t->recv(&p->c, 1, rbuf, a->size);
        }
    }
    if (rc < 0)
        return rc; /* the child may be blocked: peer_stop_all ends it */
    struct ack ack;
    int got = read_full(p->ack_fd, &ack, sizeof(ack));
    if (got <= 0)
        return got < 0 ? got : -ECHILD;
    alloc_add(ack.allocs);
    return ack.rc;
}

/* ---- the groups ------------------------------------------------------------------ */

static peer *peer_for(const transport *t)
{
    for (int i = 0; i < npeers; i++)
        if (peers[i].t == t)
            return &peers[i];
    if (npeers == MAX_PEERS)
        return NULL;
    peer *p = &peers[npeers++];
    memset(p, 0, sizeof(*p));
    p->t = t;
    p->cmd_fd = p->ack_fd = -1;
    chan_init(&p->c);
    size_t max = t->max_size();
    p->cap = max < BENCH_MAX_SIZE ? max : BENCH_MAX_SIZE;
    return p;
}

static void add(bench_group *g, const transport *t, int op)
{
    peer *p = peer_for(t);
    if (p == NULL || nargs == MAX_ARGS || g->nvar == BENCH_MAX_VARIANTS)
        return;
    peer_arg *a = &args[nargs++];
    a->p = p;
    a->op = op;
    a->size = g->size;
    bench_add_variant(g, t->name, t->lib, run_peer, a);
}

static bench_group *new_group(bench_group *groups, int *n, int max, bench_section sec, size_t size)
{
    if (*n >= max)
        return NULL;
    bench_group *g = &groups[(*n)++];
    memset(g, 0, sizeof(*g));
    g->section = sec;
    g->size = size;
    g->ref = -1;
    return g;
}

static void set_ref(bench_group *g, const char *name)
{
    g->ref = bench_find_variant(g, name);
}

int peer_groups(bench_group *groups, int max)
{
    int n = 0;
    static const size_t sizes[] = {64, 1024, 8192, 65536};

    bench_group *g = new_group(groups, &n, max, SEC_TIMED, 64);
    if (g != NULL) {
        snprintf(g->id, sizeof(g->id), "timed/msg");
        snprintf(g->title, sizeof(g->title), "msg ping-pong");
        for (size_t i = 0; i < bench_ntransports; i++)
            if (bench_transports[i].groups & T_TIMED_MSG)
                add(g, &bench_transports[i], OP_PINGPONG);
        set_ref(g, "sysv-msg");
    }
    g = new_group(groups, &n, max, SEC_TIMED, 0);
    if (g != NULL) {
        snprintf(g->id, sizeof(g->id), "timed/sem");
        snprintf(g->title, sizeof(g->title), "sem ping-pong");
        for (size_t i = 0; i < bench_ntransports; i++)
            if (bench_transports[i].groups & T_TIMED_SEM)
                add(g, &bench_transports[i], OP_PINGPONG);
        set_ref(g, "sem-raw");
    }
    g = new_group(groups, &n, max, SEC_PINGPONG, 64);
    if (g != NULL) {
        snprintf(g->id, sizeof(g->id), "pingpong/64");
        snprintf(g->title, sizeof(g->title), "round trip");
        for (size_t i = 0; i < bench_ntransports; i++)
            if (bench_transports[i].groups & T_ALT)
                add(g, &bench_transports[i], OP_PINGPONG);
        set_ref(g, "libsysv-msg");
    }
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        g = new_group(groups, &n, max, SEC_STREAM, sizes[s]);
        if (g == NULL)
            break;
        snprintf(g->id, sizeof(g->id), "stream/%zu", sizes[s]);
        snprintf(g->title, sizeof(g->title), "one-way stream");
        for (size_t i = 0; i < bench_ntransports; i++) {
            const transport *t = &bench_transports[i];
            if (!(t->groups & T_ALT))
                continue;
            size_t tmax = t->max_size();
            if (tmax >= sizes[s]) {
                add(g, t, OP_STREAM);
                continue;
            }
            /* Say which transports cannot carry the size, and their limit. */
            size_t used = strlen(g->skipped);
            snprintf(g->skipped + used, sizeof(g->skipped) - used, "%s%s (max %zu B)",
                     used > 0 ? ", " : "", t->name, tmax);
        }
        set_ref(g, "libsysv-msg");
    }
    return n;
}
