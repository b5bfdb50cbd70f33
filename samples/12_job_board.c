/*
 * 12_job_board: putting it together. A small daemon that mixes the three
 * kinds of IPC the way real ones do, survives a worker killed with
 * kill -9 in the middle of an update, and proves at the end that every job
 * was done exactly once.
 *
 *   dispatcher ──jobs (type = priority 1..5)──▶ message queue ──▶ workers
 *        ▲                                                          │
 *        └──── "done" messages (type = dispatcher's pid) ◀──────────┤
 *                                                                   ▼
 *                        results table in a shared memory segment,
 *                        each row written under the crash-safe mutex
 *
 * - The dispatcher puts jobs on one queue with their priority as the
 *   message type. Workers receive with type -5: the lowest type up to 5,
 *   the most urgent job first (msgrcv's negative type).
 * - A worker computes the job's result and writes the job's row in the
 *   results table, in several steps, holding the mutex; then it tells the
 *   dispatcher on the same queue with type = the dispatcher's pid, a type
 *   the workers' -5 never takes.
 * - One worker is killed with SIGKILL half way through writing a row, on
 *   purpose (announced on screen). The kernel's SEM_UNDO frees the mutex;
 *   the next worker to lock it is told EOWNERDEAD, finds the half-written
 *   row, does that job again and reports it, and the run goes on.
 * - At the end the dispatcher checks, from the table and from the done
 *   messages it counted, that each job was done exactly once with the right
 *   result, reports the repair and the time each stage took, and removes
 *   the queue, the segment and the mutex, on every way out (Ctrl-C too).
 *
 * Run it:  ./build/demo/samples/12_job_board [--workers N] [--jobs N]
 *          [--no-crash] [--key name:board]
 * With --key the objects have that key, so `ipcs` or `sysv ls` in another
 * terminal shows them during a long run (--jobs 200000). Without it they
 * are private (IPC_PRIVATE): the workers inherit the ids through fork.
 * Exit status 0 only when every job was done exactly once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "sample.h"

#define PRIORITIES 5 /* message types 1 (most urgent) .. 5 */
#define MAX_WORKERS 32
#define MAX_JOBS 1000000
#define STOP_JOB (-1L) /* a job id that tells a worker to exit */

/* A job on the queue, and a worker's "done" message back. */
struct job_msg {
    long job;   /* 0 .. jobs-1, or STOP_JOB */
    long input; /* what the result is computed from */
};
struct done_msg {
    long job;
    long worker;  /* the pid that did it */
    int repaired; /* 1: done by a worker repairing a dead one's row */
};

/* One row of the results table. A worker writes it in steps while holding
   the mutex: state WRITING first, DONE last. A row left WRITING means its
   writer died half way. */
enum row_state { ROW_EMPTY = 0, ROW_WRITING = 1, ROW_DONE = 2 };
struct row {
    int state;
    int priority;
    long worker;
    long input;
    unsigned long result_lo, result_hi; /* two halves, written one by one */
    long times_done;                    /* exactly once, checked at the end */
    long order;                         /* when it was finished: 1, 2, ... */
};

/* The segment: a header, then one row per job. */
struct board {
    long jobs;
    long finished; /* rows DONE so far: gives each its order */
    long repairs;  /* rows repaired after a dead writer */
    long repaired_job;
    struct timespec repaired_at;
    struct row rows[]; /* jobs rows */
};

struct options {
    int workers;
    long jobs;
    int crash;
    key_t key;
    const char *key_text;
};

/* Every object, so that every way out can remove them. */
static sysv_msgq queue = SYSV_MSGQ_INIT;
static sysv_shm segment = SYSV_SHM_INIT;
static sysv_mutex mutex = SYSV_MUTEX_INIT;

/* ---- The work ------------------------------------------------------------ */

/* A job's result: a little arithmetic that takes a few microseconds and
   that the dispatcher can check. */
static unsigned long long compute(long input)
{
    unsigned long long x = (unsigned long long)input * 0x9e3779b97f4a7c15ULL + 1;
    for (int i = 0; i < 2000; i++)
        x ^= (x << 13) ^ (x >> 7) ^ (x << 17);
    return x;
}

static int priority_of(long job)
{
    return (int)((job * 7 + 3) % PRIORITIES) + 1; /* mixed, not in order */
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void now(struct timespec *t)
{
    (void)clock_gettime(CLOCK_MONOTONIC, t);
}

/* ---- A worker -------------------------------------------------------------- */

/* Writes job's row under the mutex, in steps. crash_fd >= 0: this is the
   update the dispatcher kills us in: stop half way, say so, and wait. */
static void write_row(struct board *b, long job, long input, int crash_fd)
{
    struct row *r = &b->rows[job];
    unsigned long long result = compute(input);
    r->state = ROW_WRITING;
    r->priority = priority_of(job);
    r->worker = (long)getpid();
    r->input = input;
    r->result_lo = (unsigned long)(result & 0xffffffffUL);
    if (crash_fd >= 0) {
        printf("   worker %d: half way through writing job %ld's row, holding the lock\n",
               (int)getpid(), job);
        (void)sample_tell(crash_fd, 'H'); /* "kill me now" */
        for (;;)
            pause(); /* SIGKILL comes; nothing below runs */
    }
    r->result_hi = (unsigned long)(result >> 32);
    r->times_done++;
    r->order = ++b->finished;
    r->state = ROW_DONE;
}

/* Called with the mutex held after EOWNERDEAD: every row left WRITING is
   a dead worker's job. Do it again and report it. Returns the job, or -1. */
static long repair(struct board *b)
{
    long fixed = -1;
    for (long j = 0; j < b->jobs; j++) {
        if (b->rows[j].state != ROW_WRITING)
            continue;
        printf("   worker %d: EOWNERDEAD: job %ld's row was left half written by worker "
               "%ld: doing the job again\n",
               (int)getpid(), j, b->rows[j].worker);
        write_row(b, j, b->rows[j].input, -1);
        b->repairs++;
        b->repaired_job = j;
        now(&b->repaired_at);
        fixed = j;
    }
    return fixed;
}

static int report_done(long job, int repaired)
{
    struct done_msg d = {job, (long)getpid(), repaired};
    return sysv_msg_send(&queue, (long)getppid(), &d, sizeof(d), 0, NULL);
}

/* Takes jobs until a STOP_JOB; 0 on a clean exit. */
static int worker(struct board *b, long crash_job, int crash_fd)
{
    for (;;) {
        struct job_msg job;
        long type;
        ssize_t n = sysv_msg_recv(&queue, -PRIORITIES, &job, sizeof(job), &type, 0, NULL);
        if (n == -EINTR && sample_stop)
            return 0;
        if (n < 0)
            return sample_report("worker", "sysv_msg_recv", (int)n);
        if (n != (ssize_t)sizeof(job) || job.job == STOP_JOB)
            return n == (ssize_t)sizeof(job) ? 0 : sample_report("worker", "a short job", -EBADMSG);
        if (job.job < 0 || job.job >= b->jobs)
            return sample_report("worker", "a job id out of range", -ERANGE);

        int rc = sysv_mutex_lock(&mutex, NULL);
        long repaired = -1;
        if (rc == -EOWNERDEAD)
            repaired = repair(b);
        else if (rc < 0)
            return sample_report("worker", "sysv_mutex_lock", rc);
        write_row(b, job.job, job.input, job.job == crash_job ? crash_fd : -1);
        if ((rc = sysv_mutex_unlock(&mutex)) < 0)
            return sample_report("worker", "sysv_mutex_unlock", rc);

        if (repaired >= 0 && (rc = report_done(repaired, 1)) < 0)
            return sample_report("worker", "sysv_msg_send", rc);
        if ((rc = report_done(job.job, 0)) < 0)
            return sample_report("worker", "sysv_msg_send", rc);
    }
}

/* ---- The dispatcher -------------------------------------------------------- */

static int parse_count(const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
    o->workers = 3;
    o->jobs = 60;
    o->crash = 1;
    o->key = SYSV_KEY_PRIVATE;
    o->key_text = NULL;
    for (int i = 1; i < argc; i++) {
        long v;
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--no-crash") == 0) {
            o->crash = 0;
        } else if (strcmp(arg, "--workers") == 0 && val != NULL &&
                   parse_count(val, 1, MAX_WORKERS, &v) == 0) {
            o->workers = (int)v;
            i++;
        } else if (strcmp(arg, "--jobs") == 0 && val != NULL &&
                   parse_count(val, 1, MAX_JOBS, &v) == 0) {
            o->jobs = v;
            i++;
        } else if (strcmp(arg, "--key") == 0 && val != NULL && sysv_key_parse(val, &o->key) == 0) {
            o->key_text = val;
            i++;
        } else {
            fprintf(stderr,
                    "usage: %s [--workers 1..%d] [--jobs 1..%d] [--no-crash] [--key KEY]\n"
                    "  KEY as sysv_key_parse reads it: name:board, 0x1f2e, path:FILE:PROJ\n",
                    argv[0], MAX_WORKERS, MAX_JOBS);
            return -EINVAL;
        }
    }
    if (o->crash && o->workers < 2) {
        fprintf(stderr,
                "%s: the crash needs a second worker to repair it: --workers 2 or "
                "--no-crash\n",
                argv[0]);
        return -EINVAL;
    }
    return 0;
}

/* Makes the three objects; exclusive with a key, so that a run never
   adopts another run's objects. */
static int make_objects(const struct options *o, size_t size)
{
    int flags = SYSV_CREATE | (o->key == SYSV_KEY_PRIVATE ? 0 : SYSV_EXCL);
    int rc = sysv_msg_open(&queue, o->key, flags, 0600);
    if (rc < 0)
        return sample_report("dispatcher", "sysv_msg_open", rc);
    if ((rc = sysv_shm_open(&segment, o->key, size, flags, 0600)) < 0)
        return sample_report("dispatcher", "sysv_shm_open", rc);
    if ((rc = sysv_shm_attach(&segment, 0)) < 0)
        return sample_report("dispatcher", "sysv_shm_attach", rc);
    if ((rc = sysv_mutex_open(&mutex, o->key, flags, 0600)) < 0)
        return sample_report("dispatcher", "sysv_mutex_open", rc);
    char keytext[SYSV_KEY_STRLEN];
    (void)sysv_key_format(o->key, keytext, sizeof(keytext));
    printf("   queue id %d, segment id %d (%zu bytes), mutex (semaphore set) id %d, key %s%s\n",
           queue.id, segment.id, segment.size, mutex.set.id, keytext,
           o->key == SYSV_KEY_PRIVATE ? " (private)" : "");
    return 0;
}

/* Removes whatever exists of the three, and says so. */
static int remove_objects(void)
{
    int failures = 0;
    int ids[3] = {queue.id, segment.id, mutex.set.id};
    if (segment.addr != NULL)
        (void)sysv_shm_detach(&segment);
    if (queue.id >= 0 && sysv_msg_remove(&queue) < 0)
        failures++;
    if (segment.id >= 0 && sysv_shm_remove(&segment) < 0)
        failures++;
    if (mutex.set.id >= 0 && sysv_mutex_remove(&mutex) < 0)
        failures++;
    /* Check with the kernel rather than trust the return codes. */
    sysv_perm perm;
    const sysv_kind kinds[3] = {SYSV_MSG, SYSV_SHM, SYSV_SEM};
    const char *names[3] = {"queue", "segment", "mutex set"};
    for (int i = 0; i < 3; i++) {
        if (ids[i] < 0)
            continue;
        int gone = sysv_perm_get(kinds[i], ids[i], &perm) < 0;
        printf("   %s id %d: %s\n", names[i], ids[i], gone ? "removed" : "STILL THERE");
        failures += !gone;
    }
    return failures == 0 ? 0 : -EBUSY;
}

struct tally {
    long *done; /* done messages per job */
    long received, repaired_reports;
};

/* Takes one done message, waiting at most wait_ms: 1 taken, 0 none, or
   a negative errno. */
static int take_done(struct tally *t, const struct options *o, long wait_ms)
{
    struct done_msg d;
    long type;
    struct timespec wait = {wait_ms / 1000, (wait_ms % 1000) * 1000000L};
    ssize_t n = sysv_msg_recv(&queue, (long)getpid(), &d, sizeof(d), &type, 0, &wait);
    if (n == -ETIMEDOUT || n == -EINTR)
        return 0;
    if (n < 0)
        return (int)n;
    if (n != (ssize_t)sizeof(d) || d.job < 0 || d.job >= o->jobs)
        return -EBADMSG;
    t->done[d.job]++;
    t->received++;
    t->repaired_reports += d.repaired;
    return 1;
}

/* Kills the worker that said it is half way through a row. */
static int kill_if_asked(int crash_fd, pid_t *workers, int nworkers, long crash_job,
                         struct timespec *killed_at)
{
    char c;
    ssize_t n = read(crash_fd, &c, 1);
    if (n != 1)
        return 0; /* nothing yet (EAGAIN) */
    struct board *b = segment.addr;
    pid_t victim = (pid_t)b->rows[crash_job].worker;
    printf("\n== On purpose: kill -9 worker %d while it holds the lock, mid-update\n", (int)victim);
    printf("   the kernel's undo will free the lock; the next worker to take it is told\n");
    fflush(stdout);
    now(killed_at);
    if (kill(victim, SIGKILL) < 0)
        return sample_report_sys("dispatcher", "kill", -errno);
    int status;
    int rc = sample_waitpid(victim, &status);
    if (rc < 0)
        return sample_report_sys("dispatcher", "waitpid", rc);
    for (int i = 0; i < nworkers; i++)
        if (workers[i] == victim)
            workers[i] = 0;
    printf("   worker %d: %s\n", (int)victim,
           WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? "killed by SIGKILL" : "ended?");
    return 1;
}

static void stop_workers(pid_t *workers, int n)
{
    for (int i = 0; i < n; i++) {
        if (workers[i] > 0) {
            (void)kill(workers[i], SIGKILL);
            (void)sample_waitpid(workers[i], NULL);
            workers[i] = 0;
        }
    }
}

/* Checks the table and the tally: every job done exactly once, with the
   right result. Returns the number of problems, after printing each. */
static long check(const struct board *b, const struct tally *t, const struct options *o)
{
    long problems = 0;
    long by_priority_order[PRIORITIES + 1] = {0}, by_priority_count[PRIORITIES + 1] = {0};
    for (long j = 0; j < o->jobs; j++) {
        const struct row *r = &b->rows[j];
        unsigned long long want = compute(j * 31 + 7);
        unsigned long long got = ((unsigned long long)r->result_hi << 32) | r->result_lo;
        const char *why = r->state != ROW_DONE ? "not done"
                          : r->times_done != 1 ? "done more than once"
                          : t->done[j] != 1    ? "reported other than once"
                          : got != want        ? "wrong result"
                                               : NULL;
        if (why != NULL) {
            if (problems < 10)
                printf("   job %ld: %s (state %d, done %ld times, reported %ld times)\n", j, why,
                       r->state, r->times_done, t->done[j]);
            problems++;
        }
        by_priority_order[r->priority] += r->order;
        by_priority_count[r->priority]++;
    }
    printf("   average finishing position by priority (1 = most urgent):");
    for (int p = 1; p <= PRIORITIES; p++)
        if (by_priority_count[p] > 0)
            printf("  %d: %.0f", p, (double)by_priority_order[p] / (double)by_priority_count[p]);
    printf("\n");
    return problems;
}

int main(int argc, char **argv)
{
    sample_init();
    struct options o;
    if (parse_options(argc, argv, &o) < 0)
        return 2;
    if (getpid() <= PRIORITIES) {
        fprintf(stderr,
                "%s: my pid %d could be taken for a job priority: run me as a "
                "process with a pid above %d\n",
                argv[0], (int)getpid(), PRIORITIES);
        return 2;
    }
    long crash_job = o.crash ? o.jobs / 2 : -1;
    struct timespec t_start, t_ready, t_queued, t_done, t_end, killed_at = {0, 0};
    now(&t_start);

    sample_step("Set up: one queue, one segment for the results, one mutex; %d workers", o.workers);
    sample_catch_interrupts();
    size_t size = sizeof(struct board) + (size_t)o.jobs * sizeof(struct row);
    pid_t workers[MAX_WORKERS] = {0};
    struct tally t = {calloc((size_t)o.jobs, sizeof(long)), 0, 0};
    int crash_pipe[2] = {-1, -1};
    int rc = t.done == NULL ? sample_report_sys("dispatcher", "calloc", -ENOMEM) : 0;
    if (rc == 0 && pipe(crash_pipe) < 0)
        rc = sample_report_sys("dispatcher", "pipe", -errno);
    if (rc == 0 && fcntl(crash_pipe[0], F_SETFL, O_NONBLOCK) < 0)
        rc = sample_report_sys("dispatcher", "fcntl", -errno);
    if (rc == 0)
        rc = make_objects(&o, size);
    struct board *b = segment.addr;
    if (rc == 0) {
        b->jobs = o.jobs;
        b->repaired_job = -1;
    }
    for (int i = 0; rc == 0 && i < o.workers; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            rc = sample_report_sys("dispatcher", "fork", -errno);
        } else if (pid == 0) {
            int wrc = worker(b, crash_job, crash_pipe[1]);
            fflush(stdout);
            _exit(wrc == 0 ? 0 : 1);
        } else {
            workers[i] = pid;
        }
    }
    now(&t_ready);

    /* Send every job, but keep at most `window` of them unfinished. Jobs
       and done messages share the queue's capacity: had we filled it with
       jobs, a worker could not say "done", would never take the next job,
       and we would wait for room forever. With at most window jobs out,
       their jobs and done messages always fit together. */
    long window = 0;
    if (rc == 0) {
        sysv_msg_status st;
        rc = sysv_msg_stat(queue.id, &st);
        if (rc < 0)
            rc = sample_report("dispatcher", "sysv_msg_stat", rc);
        else
            window = (long)(st.qbytes / (sizeof(struct job_msg) + sizeof(struct done_msg)));
        if (rc == 0 && window < 1)
            rc = sample_report("dispatcher", "the queue's capacity is too small", -ENOSPC);
    }
    if (rc == 0) {
        sample_step("Dispatch %ld jobs, priorities 1..%d as message types, at most %ld "
                    "unfinished",
                    o.jobs, PRIORITIES, window);
        if (o.crash)
            printf("   job %ld is the one whose worker will be killed\n", crash_job);
    }
    for (long j = 0; rc == 0 && j < o.jobs && !sample_stop;) {
        if (j - t.received >= window) {
            int got = take_done(&t, &o, 10); /* 10 ms: then look at the pipe again */
            if (got < 0)
                rc = sample_report("dispatcher", "receiving done messages", got);
        } else {
            struct job_msg m = {j, j * 31 + 7};
            int src = sysv_msg_send(&queue, priority_of(j), &m, sizeof(m), 0, NULL);
            if (src == 0)
                j++;
            else if (src != -EINTR)
                rc = sample_report("dispatcher", "sysv_msg_send", src);
        }
        if (rc == 0 && o.crash &&
            kill_if_asked(crash_pipe[0], workers, o.workers, crash_job, &killed_at) < 0)
            rc = -EIO;
    }
    now(&t_queued);

    if (rc == 0 && !sample_stop)
        sample_step("Wait for every job to be reported done");
    while (rc == 0 && !sample_stop && t.received < o.jobs) {
        int got = take_done(&t, &o, 10);
        if (got < 0)
            rc = sample_report("dispatcher", "receiving done messages", got);
        else if (o.crash &&
                 kill_if_asked(crash_pipe[0], workers, o.workers, crash_job, &killed_at) < 0)
            rc = -EIO;
    }
    now(&t_done);
    if (rc == 0 && !sample_stop)
        printf("   %ld done messages received\n", t.received);

    /* A stop message per live worker, at the lowest priority: all jobs are
       done, so none can be behind it. */
    int live = 0;
    for (int i = 0; i < o.workers; i++)
        live += workers[i] > 0;
    for (int i = 0; rc == 0 && !sample_stop && i < live; i++) {
        struct job_msg stop = {STOP_JOB, 0};
        rc = sysv_msg_send(&queue, PRIORITIES, &stop, sizeof(stop), 0, NULL);
        if (rc < 0)
            rc = sample_report("dispatcher", "sysv_msg_send (stop)", rc);
    }
    int clean_exits = 0;
    for (int i = 0; rc == 0 && !sample_stop && i < o.workers; i++) {
        int status;
        if (workers[i] <= 0)
            continue;
        if (sample_waitpid(workers[i], &status) == 0 && WIFEXITED(status) &&
            WEXITSTATUS(status) == 0)
            clean_exits++;
        workers[i] = 0;
    }
    stop_workers(workers, o.workers); /* any left after a failure or Ctrl-C */

    long problems = -1;
    if (rc == 0 && !sample_stop) {
        sample_step("Report");
        problems = check(b, &t, &o);
        printf("   jobs sent %ld, done messages %ld, jobs done exactly once with the right "
               "result: %ld of %ld%s\n",
               o.jobs, t.received, o.jobs - problems, o.jobs, problems == 0 ? " (checked)" : "");
        printf("   workers: %d started, %d killed on purpose, %d exited cleanly\n", o.workers,
               o.crash ? 1 : 0, clean_exits);
        if (o.crash) {
            printf("   repairs: %ld (job %ld, redone after EOWNERDEAD, %.2f ms after the kill)\n",
                   b->repairs, b->repaired_job, seconds_between(&killed_at, &b->repaired_at) * 1e3);
            if (b->repairs != 1 || b->repaired_job != crash_job || t.repaired_reports != 1) {
                printf("   the repair did not happen as it should\n");
                problems++;
            }
        }
        if (clean_exits != o.workers - (o.crash ? 1 : 0)) {
            printf("   a worker did not exit cleanly\n");
            problems++;
        }
    }

    sample_step("Clean up");
    if (remove_objects() < 0)
        rc = -EBUSY;
    now(&t_end);
    if (rc == 0 && !sample_stop) {
        printf("\n   timings: set up %.1f ms, dispatch %.1f ms, until the last done %.1f ms, "
               "clean up %.1f ms; %.0f jobs/s\n",
               seconds_between(&t_start, &t_ready) * 1e3,
               seconds_between(&t_ready, &t_queued) * 1e3, seconds_between(&t_ready, &t_done) * 1e3,
               seconds_between(&t_done, &t_end) * 1e3,
               (double)o.jobs / seconds_between(&t_ready, &t_done));
    }
    free(t.done);
    if (crash_pipe[0] >= 0) {
        (void)close(crash_pipe[0]);
        (void)close(crash_pipe[1]);
    }
    if (sample_stop) {
        printf("   interrupted: everything removed\n");
        return 130;
    }
    if (rc < 0 || problems != 0) {
        printf("\nFAILED: %s\n",
               rc < 0 ? "an IPC call failed" : "not every job was done exactly once");
        return 1;
    }
    printf("\nEvery job done exactly once, the crash repaired, nothing left in the kernel.\n");
    return 0;
}
