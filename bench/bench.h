/*
 * sysv-bench: what its files share.
 *
 *   sysv_bench.c   options, the machine, the run (rounds), the count mode
 *   report.c       the table on stdout, --csv, --json, the targets of issue 8
 *   wrap.c         wrapper overhead: each libsysv call against the raw call
 *   transport.c    the transports (a table of function pointers)
 *   peer.c         two-process cases: the child at a transport's other end
 *   objects.c      every IPC object made, removed on every path; signals
 *   alloc_count.c  counting malloc/calloc/realloc/free
 *
 * Vocabulary. A *group* is one comparison: the variants in it do the same
 * job and are timed side by side in interleaved rounds (A B C A B C ...).
 * A *variant* is one way of doing the job (libsysv, raw, pipe, ...). An
 * *iteration* is one unit of the job: a send and a receive, a lock and an
 * unlock, a round trip, one message streamed.
 */
#ifndef SYSV_BENCH_H
#define SYSV_BENCH_H

#include <mqueue.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <sysv/sysv.h>

#define BENCH_MAX_VARIANTS 8

/* ---- The run (sysv_bench.c) ------------------------------------------- */

/* Set by the handlers of SIGINT, SIGTERM, SIGHUP and SIGALRM (the
   watchdog): stop, clean up, exit. The handlers are installed without
   SA_RESTART, so a blocked call returns EINTR and the run unwinds. */
extern volatile sig_atomic_t bench_stop;
/* Set by the SIGCHLD handler: a child at a transport's other end ended. */
extern volatile sig_atomic_t bench_child_exited;

/* The CPUs the two sides of a two-process case run on (-1: not pinned). */
extern int bench_cpu_parent, bench_cpu_child;

/* Monotonic nanoseconds. */
uint64_t bench_now_ns(void);

/* Pins the calling process to one CPU; a no-op for cpu < 0. 0 or -errno. */
int bench_pin(int cpu);

/* A number from a /proc file (a sysctl); -1 when it cannot be read. */
long bench_proc_long(const char *path);

/* One line on stderr: "sysv-bench: what: words (ENAME)". */
void bench_error(const char *what, int err);

/* ---- Groups and variants ------------------------------------------------ */

/* Runs n iterations of the job. 0 or a negative errno. */
typedef int (*bench_run_fn)(void *arg, long n);

typedef struct bench_variant {
    const char *name; /* "libsysv", "raw", "pipe", ... */
    int lib;          /* 1: a libsysv path, whose allocations must be zero */
    bench_run_fn run;
    void *arg;
    /* Results, filled by the run. */
    double *ns;           /* ns per iteration, one per round */
    double allocs_per_op; /* heap allocations per iteration; -1: not counted */
    /* From --counts (bench/count); < 0 when not measured. */
    double syscalls_per_op, instr_per_op;
    char breakdown[160]; /* the syscalls of one iteration, "msgsnd=1;msgrcv=1" */
} bench_variant;

typedef enum bench_section {
    SEC_WRAP,     /* same process: library call vs raw call */
    SEC_TIMED,    /* two processes: ping-pong, timeout NULL vs long vs raw */
    SEC_PINGPONG, /* two processes: round trip, transport vs transport */
    SEC_STREAM    /* two processes: one-way throughput */
} bench_section;

typedef struct bench_group {
    char id[48];    /* "wrap/msg-64", "stream/8192": what --only matches */
    char title[80]; /* what the job is, for the table */
    bench_section section;
    size_t size; /* payload bytes (0: none) */
    int calls;   /* library calls per iteration (wrapper cases) */
    int ref;     /* the variant ratios are taken against; -1: none */
    int nvar;
    bench_variant var[BENCH_MAX_VARIANTS];
    /* Made before the group runs and removed after it; either may be NULL. */
    int (*setup)(struct bench_group *g);
    void (*teardown)(struct bench_group *g);
    void *ctx;         /* the setup's state (the wrapper cases' objects and buffers) */
    char skipped[160]; /* transports that cannot carry this size, and why */
    /* Results. */
    int rounds;   /* rounds completed */
    long iters;   /* iterations per round */
    int ran;      /* 1 once every round completed */
    int selected; /* --only matched it */
} bench_group;

/* Adds a variant to g; returns it. */
bench_variant *bench_add_variant(bench_group *g, const char *name, int lib, bench_run_fn run,
                                 void *arg);

/* The median over the rounds of variant v's ns per iteration, and the
   extremes. */
double bench_median(const bench_group *g, int v);
double bench_min(const bench_group *g, int v);
double bench_max(const bench_group *g, int v);
/* The median over the rounds of ns[a][r] / ns[b][r]: a ratio taken round
   by round, so that a slow spell of the machine, which hits both members
   of a round, cancels out. */
double bench_paired_ratio(const bench_group *g, int a, int b);
/* The median over the rounds of ns[a][r] - ns[b][r]. */
double bench_paired_diff(const bench_group *g, int a, int b);
/* The index of the variant with this name, or -1. */
int bench_find_variant(const bench_group *g, const char *name);

/* ---- Wrapper overhead (wrap.c) ------------------------------------------ */

/* Appends the wrapper groups to groups[] (at most max); returns how many. */
int wrap_groups(bench_group *groups, int max);

/* ---- Transports (transport.c) -------------------------------------------- */

/* Which comparisons a transport takes part in. */
#define T_ALT 0x1       /* ping-pong and stream: "what a user would pick instead" */
#define T_TIMED_MSG 0x2 /* ping-pong over a message queue: NULL vs long timeout vs raw */
#define T_TIMED_SEM 0x4 /* ping-pong over a semaphore pair: the same */

/* Everything any transport needs for one connection between the parent
   (side 0) and its child (side 1). Direction 0 carries parent -> child,
   direction 1 child -> parent. */
typedef struct chan {
    int side;
    int fd[2][2];            /* pipes: [dir][0 read end, 1 write end]; sockets: fd[0][side] */
    sysv_msgq q;             /* SysV queue: mtype 1 + dir */
    sysv_semset s;           /* semaphores: per direction empty, full, mutex (ring) or one (pair) */
    sysv_shm shm;            /* the ring's segment */
    mqd_t mq[2];             /* POSIX queues, one per direction */
    size_t cap;              /* the largest message this connection carries */
    struct msgbuf_big *kbuf; /* raw msgsnd/msgrcv: { long mtype; char mtext[cap]; } */
    sysv_chan ch[2];         /* sysv_chan: one channel per direction, this side's role */
    key_t chkey[2];
} chan;

typedef struct transport {
    const char *name; /* "libsysv-msg", ... */
    const char *what; /* one line for the legend */
    unsigned groups;  /* T_ALT, T_TIMED_MSG, T_TIMED_SEM */
    int lib;          /* 1: runs through libsysv (its allocations are counted) */
    /* The largest message it can carry on this machine (0: a signal only,
       no payload). */
    size_t (*max_size)(void);
    /* In the parent before fork: makes every object (recording each in
       objects.c), for messages up to cap bytes. On failure what was made is
       left for close. 0 or -errno. */
    int (*open)(chan *c, size_t cap);
    /* After fork, in each process: drop what this side does not use
       (NULL: nothing to do). */
    void (*after_fork)(chan *c);
    /* One message of len bytes in direction dir, whole (stream transports
       loop over short writes and reads). 0 or -errno. */
    int (*send)(chan *c, int dir, const void *buf, size_t len);
    /* buf holds c->cap bytes (mq_receive wants room for any message); a
       message of another length than len is -EPROTO. */
    int (*recv)(chan *c, int dir, void *buf, size_t len);
    /* In the parent: closes and removes everything; safe after a failed
       or partial open, and twice. */
    void (*close)(chan *c);
} transport;

extern const transport bench_transports[];
extern const size_t bench_ntransports;

/* The largest message any case sends. */
#define BENCH_MAX_SIZE 65536

/* Sets every descriptor and id of c to "none", so close is safe on it. */
void chan_init(chan *c);
/* In a child: closes c's descriptors and detaches its segment, removing
   nothing (the objects are the parent's). For the connections of the
   other children, which a child inherits but must not hold: a pipe
   whose write end stays open somewhere never reads EOF. */
void chan_drop(chan *c);

/* ---- Two-process cases (peer.c) ------------------------------------------ */

/* Appends the two-process groups (timed, ping-pong, stream) to groups[]. */
int peer_groups(bench_group *groups, int max);
/* Starts the children the selected groups need. 0 or -errno; on failure, peer_stop_all still
 * cleans. */
int peer_start_needed(bench_group *groups, int ngroups);
/* Starts only the child one variant of a two-process group needs (the
   count mode). 0 or -errno. */
int peer_start_variant(bench_variant *v);
/* Ends every child (quit, then SIGKILL past a deadline), reaps it, closes
   and removes every transport's objects. Safe to call twice. */
void peer_stop_all(void);

/* ---- IPC objects and cleanup (objects.c) --------------------------------- */

/* Records an object this process made, so that objects_remove_all removes
   it on any exit path; objects_forget drops it once removed normally. */
void objects_track(sysv_kind kind, int id);
void objects_forget(sysv_kind kind, int id);
/* Removes every object still recorded (only in the process that made
   them: a forked child never removes the parent's objects). */
void objects_remove_all(void);
/* Installs the handlers: SIGINT, SIGTERM, SIGHUP, SIGALRM set bench_stop;
   SIGCHLD sets bench_child_exited; SIGPIPE is ignored (a closed pipe is an
   EPIPE error). All without SA_RESTART. */
int objects_install_signals(void);

/* ---- Allocation counting (alloc_count.c) --------------------------------- */

/* 1 when malloc and friends are counted (not in a sanitizer build). */
int alloc_counting(void);
/* Starts and stops counting; alloc_count is how many calls to malloc,
   calloc, realloc (and the aligned ones) were counted since alloc_reset. */
void alloc_arm(int on);
void alloc_reset(void);
unsigned long alloc_count(void);
/* Adds allocations counted elsewhere (by a child, which reports them). */
void alloc_add(unsigned long n);

/* ---- Output (report.c) ---------------------------------------------------- */

typedef struct bench_machine {
    char cpu[128];
    long nproc_online;
    int ncpus_allowed;
    char kernel[256];
    char libsysv[32];
    long msgmax, msgmnb, mq_msgsize_max, mq_msg_max;
    char date[32];
} bench_machine;

void report_machine(const bench_machine *m, FILE *out);
void report_section_header(bench_section s, FILE *out);
void report_group(const bench_group *g, FILE *out);
/* The targets of issue 8, from what this run measured. */
void report_targets(bench_group *groups, int n, FILE *out);
/* Reads bench/count's CSV and attaches syscalls and instructions per
   iteration to the matching variants. 0 or -errno. */
int report_load_counts(const char *path, bench_group *groups, int n);
int report_csv(const char *path, const bench_machine *m, bench_group *groups, int n);
int report_json(const char *path, const bench_machine *m, bench_group *groups, int n);

#endif /* SYSV_BENCH_H */
