/*
 * sysv-bench: libsysv against the raw system calls and against the other
 * ways two processes talk on Linux, measured side by side in one run.
 *
 * Method. Each comparison (a group) runs its variants in interleaved
 * rounds, A B C A B C ..., each round a fixed number of iterations sized
 * so that a round takes about --round-ms. The table gives the median over
 * the rounds, and the fastest and slowest round beside it. Ratios are
 * taken round by round (this round's A over this round's B) and the
 * median of those is reported: on a shared, noisy machine a slow spell
 * hits both members of a round, and cancels out of their ratio. No single
 * timing is ever reported.
 *
 * bench/README.md says what each case measures and why, and bench/count
 * counts system calls, instructions and allocations per operation through
 * the hidden --count-case mode below.
 */
#include <errno.h>
#include <fnmatch.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAX_GROUPS 32
/* Same-process rounds are short and many: the shorter a round, the more
   likely a slow spell of this shared machine hits both members of a pair
   alike, and the better the round-by-round ratios agree (251 rounds of
   2 ms gave the wrapper ratios within about a point from run to run, 51
   rounds of 10 ms within about five). A two-process round pays one
   command and one ack (a wake-up each), so it is ten times longer. */
#define DEFAULT_ROUNDS_WRAP 401
#define DEFAULT_ROUNDS_PEER 101
#define DEFAULT_ROUND_MS 2
#define PEER_ROUND_FACTOR 10

int bench_cpu_parent = -1, bench_cpu_child = -1;

static bench_group groups[MAX_GROUPS];
static int ngroups;

typedef struct options {
    const char *csv, *json, *only, *counts;
    int rounds_wrap, rounds_peer;
    int smoke;
    int list;
    double round_ms; /* same-process cases; two-process cases take 10 times this */
    int timeout_s;   /* the watchdog */
    const char *count_case;
    long iterations;
} options;

/* ---- small helpers ------------------------------------------------------------- */

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for this clock */
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int bench_pin(int cpu)
{
    if (cpu < 0)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

void bench_error(const char *what, int err)
{
    /* libsysv's table knows the IPC errnos; libc names the rest (ECHILD,
       EPIPE from a pipe whose other end died, ...). */
    if (strcmp(sysv_errname(err), "EUNKNOWN") == 0)
        fprintf(stderr, "sysv-bench: %s: %s\n", what, strerror(-err));
    else
        fprintf(stderr, "sysv-bench: %s: %s (%s)\n", what, sysv_strerror(err), sysv_errname(err));
}

/* bench_error with "CASE[, VARIANT]: STEP" as what. */
static void case_error(const bench_group *g, const bench_variant *v, const char *step, int err)
{
    char what[128];
    if (v != NULL)
        snprintf(what, sizeof(what), "%s, %s: %s", g->id, v->name, step);
    else
        snprintf(what, sizeof(what), "%s: %s", g->id, step);
    bench_error(what, err);
}

bench_variant *bench_add_variant(bench_group *g, const char *name, int lib, bench_run_fn run,
                                 void *arg)
{
    if (g->nvar == BENCH_MAX_VARIANTS)
        return NULL;
    bench_variant *v = &g->var[g->nvar++];
    memset(v, 0, sizeof(*v));
    v->name = name;
    v->lib = lib;
    v->run = run;
    v->arg = arg;
    v->allocs_per_op = -1;
    v->syscalls_per_op = -1;
    v->instr_per_op = -1;
    return v;
}

int bench_find_variant(const bench_group *g, const char *name)
{
    for (int v = 0; v < g->nvar; v++)
        if (strcmp(g->var[v].name, name) == 0)
            return v;
    return -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *vals, int n)
{
    if (n <= 0)
        return 0;
    qsort(vals, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? vals[n / 2] : (vals[n / 2 - 1] + vals[n / 2]) / 2;
}

/* The round-by-round values of one variant, or of a pair combined. */
static double reduce(const bench_group *g, int a, int b, int how)
{
    double vals[1024] = {0};
    int n = g->rounds < 1024 ? g->rounds : 1024;
    for (int r = 0; r < n; r++) {
        double x = g->var[a].ns[r];
        double y = b >= 0 ? g->var[b].ns[r] : 0;
        vals[r] = how == 0 ? x : how == 1 ? x / y : x - y;
    }
    return median_of(vals, n);
}

double bench_median(const bench_group *g, int v)
{
    return reduce(g, v, -1, 0);
}

double bench_paired_ratio(const bench_group *g, int a, int b)
{
    return reduce(g, a, b, 1);
}

double bench_paired_diff(const bench_group *g, int a, int b)
{
    return reduce(g, a, b, 2);
}

double bench_min(const bench_group *g, int v)
{
    double m = g->var[v].ns[0];
    for (int r = 1; r < g->rounds; r++)
        m = g->var[v].ns[r] < m ? g->var[v].ns[r] : m;
    return m;
}

double bench_max(const bench_group *g, int v)
{
    double m = g->var[v].ns[0];
    for (int r = 1; r < g->rounds; r++)
        m = g->var[v].ns[r] > m ? g->var[v].ns[r] : m;
    return m;
}

/* ---- the machine ----------------------------------------------------------------- */

long bench_proc_long(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char line[64];
    long v = -1;
    if (fgets(line, sizeof(line), f) != NULL) {
        char *end;
        errno = 0;
        long n = strtol(line, &end, 10);
        if (errno == 0 && end != line && (*end == '\n' || *end == '\0') && n >= 0)
            v = n;
    }
    fclose(f);
    return v;
}

static void machine_info(bench_machine *m, const cpu_set_t *allowed)
{
    memset(m, 0, sizeof(*m));
    snprintf(m->cpu, sizeof(m->cpu), "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f != NULL) {
        char line[256];
        while (fgets(line, sizeof(line), f) != NULL) {
            if (strncmp(line, "model name", 10) != 0)
                continue;
            const char *colon = strchr(line, ':');
            if (colon != NULL) {
                colon++;
                while (*colon == ' ' || *colon == '\t')
                    colon++;
                snprintf(m->cpu, sizeof(m->cpu), "%s", colon);
                m->cpu[strcspn(m->cpu, "\n")] = '\0';
            }
            break;
        }
        fclose(f);
    }
    m->nproc_online = sysconf(_SC_NPROCESSORS_ONLN);
    m->ncpus_allowed = CPU_COUNT(allowed);
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(m->kernel, sizeof(m->kernel), "%s %s %s", u.sysname, u.release, u.machine);
    snprintf(m->libsysv, sizeof(m->libsysv), "%s", sysv_version());
    sysv_limits lim;
    if (sysv_limits_get(&lim) == 0) {
        m->msgmax = (long)lim.msgmax;
        m->msgmnb = (long)lim.msgmnb;
    }
    m->mq_msgsize_max = bench_proc_long("/proc/sys/fs/mqueue/msgsize_max");
    m->mq_msg_max = bench_proc_long("/proc/sys/fs/mqueue/msg_max");
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) != NULL)
        strftime(m->date, sizeof(m->date), "%Y-%m-%d %H:%M UTC", &tm);
}

/* The parent on the first CPU it may use, children on the second. */
static void choose_cpus(const cpu_set_t *allowed)
{
    int found = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++) {
        if (!CPU_ISSET(cpu, allowed))
            continue;
        if (found++ == 0)
            bench_cpu_parent = cpu;
        else
            bench_cpu_child = cpu;
    }
    if (found < 2)
        bench_cpu_parent = bench_cpu_child = -1; /* one CPU: nothing to pin apart */
}

/* ---- running a group ---------------------------------------------------------------- */

static int is_two_process(const bench_group *g)
{
    return g->section != SEC_WRAP;
}

static int time_run(bench_variant *v, long n, uint64_t *ns)
{
    uint64_t t0 = bench_now_ns();
    int rc = v->run(v->arg, n);
    *ns = bench_now_ns() - t0;
    return rc;
}

/* The iterations per round: doubled from 1 until one run of each variant
   lasts 5 ms and has at least 16 iterations (a first run that met a slow
   spell of the machine must not set the pace), then scaled so that the
   slowest variant's round lasts round_ns. Also the warm-up. */
static int calibrate(bench_group *g, uint64_t round_ns, long *iters)
{
    double worst = 0;
    for (int v = 0; v < g->nvar; v++) {
        long n = 1;
        uint64_t ns = 0;
        for (;;) {
            int rc = time_run(&g->var[v], n, &ns);
            if (rc < 0)
                return rc;
            if (bench_stop)
                return -EINTR;
            if ((ns >= 5000000 && n >= 16) || n >= (1L << 24))
                break;
            n *= 2;
        }
        double per = (double)ns / (double)n;
        worst = per > worst ? per : worst;
    }
    double k = worst > 0 ? (double)round_ns / worst : 8;
    *iters = k < 8 ? 8 : k > 1e8 ? 100000000L : (long)k;
    return 0;
}

static int run_group(bench_group *g, const options *o)
{
    const int rounds = is_two_process(g) ? o->rounds_peer : o->rounds_wrap;
    for (int v = 0; v < g->nvar; v++) {
        g->var[v].ns = calloc((size_t)rounds, sizeof(double));
        if (g->var[v].ns == NULL)
            return -ENOMEM;
    }
    int rc = g->setup != NULL ? g->setup(g) : 0;
    if (rc < 0) {
        case_error(g, NULL, "setup", rc);
        goto out;
    }
    long n;
    double round_ms = is_two_process(g) ? PEER_ROUND_FACTOR * o->round_ms : o->round_ms;
    if (o->smoke) {
        n = is_two_process(g) ? 10 : 50;
    } else {
        rc = calibrate(g, (uint64_t)(round_ms * 1e6), &n);
        if (rc < 0) {
            case_error(g, NULL, "calibration", rc);
            goto out;
        }
    }
    unsigned long allocs[BENCH_MAX_VARIANTS] = {0};
    for (int r = 0; r < rounds; r++) {
        /* Each round starts one variant later (A B C, B C A, C A B, ...),
           so that no variant always runs first, just after the previous
           round's last. */
        for (int k = 0; k < g->nvar; k++) {
            int v = (r + k) % g->nvar;
            bench_variant *var = &g->var[v];
            if (bench_stop) {
                rc = -EINTR;
                goto out;
            }
            uint64_t ns;
            alloc_reset();
            alloc_arm(var->lib);
            rc = time_run(var, n, &ns);
            alloc_arm(0);
            allocs[v] += alloc_count();
            if (rc < 0) {
                case_error(g, var, "round", rc);
                goto out;
            }
            var->ns[r] = (double)ns / (double)n;
        }
        g->rounds = r + 1;
    }
    g->iters = n;
    g->ran = 1;
    for (int v = 0; v < g->nvar; v++)
        if (g->var[v].lib && alloc_counting())
            g->var[v].allocs_per_op = (double)allocs[v] / ((double)n * g->rounds);
out:
    if (g->teardown != NULL)
        g->teardown(g);
    return rc;
}

/* ---- the count mode (bench/count) ---------------------------------------------------- */

/* Exactly `iterations` iterations of one variant, after a warm-up of two
   (which resolves lazy bindings and caches, e.g. the mutex's pid), with
   allocations counted over those iterations only. bench/count runs it
   under strace and callgrind at N and 2N iterations: the difference is
   the cost of N iterations, free of start-up and set-up. */
static int count_case(const options *o)
{
    char gid[64];
    snprintf(gid, sizeof(gid), "%s", o->count_case);
    char *slash = strrchr(gid, '/');
    if (slash == NULL || o->iterations <= 0) {
        fprintf(stderr, "sysv-bench: --count-case GROUP/VARIANT needs --iterations N > 0\n");
        return 2;
    }
    *slash = '\0';
    const char *vname = slash + 1;
    bench_group *g = NULL;
    for (int i = 0; i < ngroups && g == NULL; i++)
        if (strcmp(groups[i].id, gid) == 0)
            g = &groups[i];
    int v = g != NULL ? bench_find_variant(g, vname) : -1;
    if (v < 0) {
        fprintf(stderr, "sysv-bench: no case %s (see --list)\n", o->count_case);
        return 2;
    }
    bench_variant *var = &g->var[v];
    int rc = is_two_process(g) ? peer_start_variant(var) : 0;
    if (rc == 0 && g->setup != NULL)
        rc = g->setup(g);
    if (rc == 0)
        rc = var->run(var->arg, 2);
    unsigned long allocs = 0;
    if (rc == 0) {
        alloc_reset();
        alloc_arm(1); /* raw variants too: they must not allocate either */
        rc = var->run(var->arg, o->iterations);
        alloc_arm(0);
        allocs = alloc_count();
    }
    if (g->teardown != NULL)
        g->teardown(g);
    peer_stop_all();
    objects_remove_all();
    if (rc < 0) {
        char what[96];
        snprintf(what, sizeof(what), "%s: count", o->count_case);
        bench_error(what, rc);
        return bench_stop ? 130 : 1;
    }
    printf("count-case %s iterations %ld allocations %lu%s\n", o->count_case, o->iterations, allocs,
           alloc_counting() ? "" : " (not counted: sanitizer build)");
    if (allocs > 0 && var->lib) {
        fprintf(stderr,
                "sysv-bench: %s: %lu heap allocations in %ld iterations of a libsysv path\n",
                o->count_case, allocs, o->iterations);
        return 4;
    }
    return 0;
}

/* ---- options ---------------------------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: sysv-bench [OPTIONS]\n"
            "\n"
            "Times libsysv against the raw system calls and against pipes, sockets,\n"
            "POSIX queues and a shared-memory ring, in interleaved rounds, and prints\n"
            "the median, fastest and slowest round of each case.\n"
            "\n"
            "  --rounds N       rounds per case (default %d for same-process cases,\n"
            "                   %d for two-process cases; odd gives an exact median)\n"
            "  --round-ms MS    length of one round of a same-process case (default %d;\n"
            "                   two-process rounds take %d times this)\n"
            "  --only PATTERN   run the cases whose id matches the shell pattern, or\n"
            "                   contains PATTERN when it has no wildcard ('wrap/*', 'msg')\n"
            "  --list           print the case ids and their variants, run nothing\n"
            "  --csv FILE       write one row per case, variant and size as CSV\n"
            "  --json FILE      the same as JSON, with the machine and the targets\n"
            "  --counts FILE    add bench/count's syscalls and instructions per op\n"
            "  --smoke          every case once, tiny counts, a few seconds (for CI):\n"
            "                   exits 0 when every case ran without error\n"
            "  --timeout S      give up after S seconds (default 900; smoke 120)\n"
            "  --help           this text\n",
            DEFAULT_ROUNDS_WRAP, DEFAULT_ROUNDS_PEER, DEFAULT_ROUND_MS, PEER_ROUND_FACTOR);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -EINVAL;
    *out = v;
    return 0;
}

static int parse_options(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof(*o));
    o->rounds_wrap = o->rounds_peer = -1;
    o->round_ms = DEFAULT_ROUND_MS;
    o->timeout_s = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        int takes = 1;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(a, "--smoke") == 0) {
            o->smoke = 1;
            takes = 0;
        } else if (strcmp(a, "--list") == 0) {
            o->list = 1;
            takes = 0;
        } else if (val == NULL) {
            fprintf(stderr, "sysv-bench: %s: unknown option or missing value\n", a);
            return -EINVAL;
        } else if (strcmp(a, "--csv") == 0) {
            o->csv = val;
        } else if (strcmp(a, "--json") == 0) {
            o->json = val;
        } else if (strcmp(a, "--only") == 0) {
            o->only = val;
        } else if (strcmp(a, "--counts") == 0) {
            o->counts = val;
        } else if (strcmp(a, "--count-case") == 0) {
            o->count_case = val;
        } else if (strcmp(a, "--rounds") == 0 && parse_long(val, 1, 1000, &n) == 0) {
            o->rounds_wrap = o->rounds_peer = (int)n;
        } else if (strcmp(a, "--round-ms") == 0 && parse_long(val, 1, 10000, &n) == 0) {
            o->round_ms = (double)n;
        } else if (strcmp(a, "--timeout") == 0 && parse_long(val, 1, 86400, &n) == 0) {
            o->timeout_s = (int)n;
        } else if (strcmp(a, "--iterations") == 0 && parse_long(val, 1, 100000000, &n) == 0) {
            o->iterations = n;
        } else {
            fprintf(stderr, "sysv-bench: %s %s: unknown option or bad value\n", a, val);
            return -EINVAL;
        }
        i += takes;
    }
    if (o->rounds_wrap < 0) {
        o->rounds_wrap = o->smoke ? 2 : DEFAULT_ROUNDS_WRAP;
        o->rounds_peer = o->smoke ? 2 : DEFAULT_ROUNDS_PEER;
    }
    if (o->timeout_s < 0)
        o->timeout_s = o->smoke ? 120 : 900;
    return 0;
}

static int matches(const char *pattern, const char *id)
{
    if (pattern == NULL)
        return 1;
    if (strpbrk(pattern, "*?[") != NULL)
        return fnmatch(pattern, id, 0) == 0;
    return strstr(id, pattern) != NULL;
}

static void list_cases(void)
{
    for (int i = 0; i < ngroups; i++) {
        printf("%-18s", groups[i].id);
        for (int v = 0; v < groups[i].nvar; v++)
            printf(" %s", groups[i].var[v].name);
        printf("\n");
    }
}

/* ---- main ------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    options o;
    if (parse_options(argc, argv, &o) < 0) {
        usage(stderr);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* progress shows as it happens */

    ngroups = wrap_groups(groups, MAX_GROUPS);
    ngroups += peer_groups(groups + ngroups, MAX_GROUPS - ngroups);
    if (o.list) {
        list_cases();
        return 0;
    }

    int rc = objects_install_signals();
    if (rc < 0) {
        bench_error("sigaction", rc);
        return 1;
    }
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0) {
        bench_error("sched_getaffinity", -errno);
        return 1;
    }
    choose_cpus(&allowed);
    rc = bench_pin(bench_cpu_parent);
    if (rc < 0) {
        bench_error("sched_setaffinity", rc);
        return 1;
    }
    alarm((unsigned)o.timeout_s);

    if (o.count_case != NULL)
        return count_case(&o);

    bench_machine m;
    machine_info(&m, &allowed);
    report_machine(&m, stdout);
    if (bench_cpu_parent >= 0)
        printf("pinned:  parent on CPU %d, the other side of two-process cases on CPU %d\n",
               bench_cpu_parent, bench_cpu_child);
    else
        printf("pinned:  no (one CPU)\n");
    printf(
        "method:  interleaved rounds, each starting one variant later; %d rounds of ~%.0f ms\n"
        "         per same-process case, %d of ~%.0f ms per two-process case; median, min, max\n",
        o.rounds_wrap, o.round_ms, o.rounds_peer, o.round_ms * PEER_ROUND_FACTOR);
    if (o.smoke)
        printf("smoke:   tiny counts, no calibration: the timings mean nothing\n");

    int nsel = 0;
    for (int i = 0; i < ngroups; i++) {
        groups[i].selected = matches(o.only, groups[i].id);
        nsel += groups[i].selected;
    }
    if (nsel == 0) {
        fprintf(stderr, "sysv-bench: --only %s matches no case (see --list)\n", o.only);
        return 2;
    }
    if (o.counts != NULL) {
        rc = report_load_counts(o.counts, groups, ngroups);
        if (rc < 0) {
            fprintf(stderr, "sysv-bench: --counts %s: ", o.counts);
            bench_error("read", rc);
            return 1;
        }
    }

    int failed = 0;
    uint64_t t0 = bench_now_ns();
    /* Same-process cases first, before any child exists. */
    int shown = -1;
    for (int i = 0; i < ngroups && !bench_stop; i++) {
        bench_group *g = &groups[i];
        if (!g->selected || is_two_process(g))
            continue;
        if ((int)g->section != shown)
            report_section_header(g->section, stdout);
        shown = (int)g->section;
        failed |= run_group(g, &o) < 0;
        if (g->ran)
            report_group(g, stdout);
    }
    if (!bench_stop) {
        rc = peer_start_needed(groups, ngroups);
        if (rc < 0) {
            bench_error("starting the two-process cases", rc);
            failed = 1;
        }
        for (int i = 0; rc == 0 && i < ngroups && !bench_stop; i++) {
            bench_group *g = &groups[i];
            if (!g->selected || !is_two_process(g))
                continue;
            if ((int)g->section != shown)
                report_section_header(g->section, stdout);
            shown = (int)g->section;
            failed |= run_group(g, &o) < 0;
            if (g->ran)
                report_group(g, stdout);
            /* The children live for the whole run: once one has ended,
               the cases after this one would only fail the same way. */
            if (bench_child_exited) {
                fprintf(stderr, "sysv-bench: a child process ended during the run; "
                                "stopping the two-process cases\n");
                failed = 1;
                break;
            }
        }
    }
    peer_stop_all();
    objects_remove_all();
    alarm(0);

    if (bench_stop) {
        fprintf(stderr, "sysv-bench: interrupted; every IPC object removed, children reaped\n");
        return 130;
    }
    if (o.smoke)
        printf("\ntargets: not judged in --smoke (tiny counts)\n");
    else
        report_targets(groups, ngroups, stdout);
    printf("\ntime: %.1f s for %d cases (%s)\n", (double)(bench_now_ns() - t0) / 1e9, nsel,
           failed ? "SOME FAILED" : "all ran");
    if (o.csv != NULL && (rc = report_csv(o.csv, &m, groups, ngroups)) < 0) {
        bench_error(o.csv, rc);
        failed = 1;
    }
    if (o.json != NULL && (rc = report_json(o.json, &m, groups, ngroups)) < 0) {
        bench_error(o.json, rc);
        failed = 1;
    }
    return failed ? 1 : 0;
}
