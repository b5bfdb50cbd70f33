/*
 * Reporting, the options commands share, signals, and output helpers
 * (names, times, tables, reading input).
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *cli_cmd = "";

/* ---- Reporting ----------------------------------------------------------- */

static int status_for(int err)
{
    switch (err < 0 ? -err : err) {
    case EAGAIN:
    case ENOMSG:
        return CLI_EMPTY;
    case ETIMEDOUT:
        return CLI_TIMEOUT;
    case EINTR:
        return CLI_INTR;
    default:
        return CLI_FAILED;
    }
}

int cli_fail(const char *what, int err, const char *words)
{
    if (words == NULL)
        words = sysv_strerror(err);
    if (what != NULL && what[0] != '\0')
        (void)fprintf(stderr, "sysv: %s: %s: %s (%s)\n", cli_cmd, what, words, sysv_errname(err));
    else
        (void)fprintf(stderr, "sysv: %s: %s (%s)\n", cli_cmd, words, sysv_errname(err));
    return status_for(err);
}

int cli_fail_sys(const char *what, int err)
{
    return cli_fail(what, err, strerror(err < 0 ? -err : err));
}

int cli_usage(const char *fmt, ...)
{
    va_list ap;
    (void)fprintf(stderr, "sysv: %s: ", cli_cmd);
    va_start(ap, fmt);
    /* clang 14's analyzer misses the va_start on the line above. */
    (void)vfprintf(stderr, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(ap);
    (void)fputc('\n', stderr);
    const struct cli_command *c = cli_find(cli_cmd);
    if (c != NULL && c->usage != NULL) {
        (void)fprintf(stderr, "usage: sysv %s\n", c->usage);
        (void)fprintf(stderr, "Try 'sysv help %s' for more.\n", c->name);
    } else {
        (void)fprintf(stderr, "Try 'sysv help' for the commands.\n");
    }
    return CLI_USAGE;
}

void cli_note(const char *fmt, ...)
{
    va_list ap;
    (void)fprintf(stderr, "sysv: %s: ", cli_cmd);
    va_start(ap, fmt);
    (void)vfprintf(stderr, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(ap);
    (void)fputc('\n', stderr);
}

/* ---- Options ------------------------------------------------------------- */

int cli_wait_option(struct cli_wait *w, int opt, const char *arg)
{
    if (opt == OPT_NOWAIT) {
        if (w->timed)
            return cli_usage("--nowait and --timeout exclude each other");
        w->nowait = 1;
        return 1;
    }
    if (opt == OPT_TIMEOUT) {
        if (w->nowait)
            return cli_usage("--nowait and --timeout exclude each other");
        if (cli_parse_duration(arg, &w->timeout) < 0)
            return cli_usage("bad --timeout '%s': a number with ms, s or m, at most 24 hours "
                             "(2.5s, 250ms, 1m)",
                             arg);
        w->timed = 1;
        return 1;
    }
    return 0;
}

int cli_output_option(struct cli_output *o, int opt)
{
    switch (opt) {
    case OPT_JSON:
        o->json = 1;
        return 1;
    case OPT_RAW:
        o->raw = 1;
        return 1;
    case OPT_NOHEADINGS:
        o->noheadings = 1;
        return 1;
    default:
        return 0;
    }
}

const struct timespec *cli_wait_timeout(const struct cli_wait *w)
{
    return w->timed ? &w->timeout : NULL;
}

int cli_wait_flags(const struct cli_wait *w)
{
    return w->nowait ? SYSV_NOWAIT : 0;
}

/* ---- Signals ------------------------------------------------------------- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

void cli_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    (void)sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: a blocked call must return -EINTR. SA_RESETHAND: if
       the first signal slipped in just before the call blocked, the
       second one still ends the command. */
    sa.sa_flags = (int)SA_RESETHAND;
    (void)sigaction(SIGINT, &sa, NULL);
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)sigaction(SIGHUP, &sa, NULL);
}

int cli_interrupted(void)
{
    return interrupted != 0;
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
               int (*take)(int opt, const char *arg, void *ctx), void *ctx)
{
    char spec[64];
    /* Leading ':' makes getopt report a missing argument as ':', and + is
       not used: options may follow the operands, as in git. */
    (void)snprintf(spec, sizeof(spec), ":h%s", shortopts);
    opterr = 0;
    optind = 1;
    for (;;) {
        optopt = 0;
        int opt = getopt_long(argc, argv, spec, longopts, NULL);
        if (opt == -1)
            return -1;
        if (opt == OPT_HELP || opt == 'h') {
            cli_print_help(stdout, cli_find(cli_cmd));
            return CLI_OK;
        }
        /* A long option is named as written (up to any '='); a short one
           by its letter, which may sit in a cluster ("-tpx"). */
        char given[72];
        const char *last = optind > 0 && optind - 1 < argc ? argv[optind - 1] : "";
        if (strncmp(last, "--", 2) == 0)
            (void)snprintf(given, sizeof(given), "%.*s", (int)strcspn(last, "="), last);
        else if (optopt > 0 && optopt < 0x100)
            (void)snprintf(given, sizeof(given), "-%c", optopt);
        else
            (void)snprintf(given, sizeof(given), "%.64s", last);
        if (opt == ':')
            return cli_usage("option '%.64s' needs a value", given);
        if (opt == '?')
            return cli_usage("unknown option '%.64s'", given);
        int rc = take(opt, optarg, ctx);
        if (rc == 0)
            return cli_usage("unknown option '%.64s'", given);
        if (rc != 1)
            return rc;
    }
}

int cli_operands(int argc, char **argv, int min, int max)
{
    int n = argc - optind;
    if (n < min)
        return cli_usage(n == 0 ? "missing operand" : "too few operands");
    if (n > max)
        return cli_usage("unexpected operand '%.64s'", argv[optind + max]);
    return -1;
}

/* ---- Names and times ----------------------------------------------------- */

void cli_perms(mode_t mode, char *buf)
{
    static const char letters[] = "rwxrwxrwx";
    for (int i = 0; i < 9; i++) {
        buf[i] = letters[i];
        if (!(mode & (0400u >> i)))
            buf[i] = '-';
    }
    buf[9] = '\0';
}

const char *cli_user_name(uid_t uid, char *buf, size_t cap)
{
    const struct passwd *pw = getpwuid(uid);
    if (pw != NULL && pw->pw_name != NULL)
        (void)snprintf(buf, cap, "%s", pw->pw_name);
    else
        (void)snprintf(buf, cap, "%lu", (unsigned long)uid);
    return buf;
}

const char *cli_group_name(gid_t gid, char *buf, size_t cap)
{
    const struct group *gr = getgrgid(gid);
    if (gr != NULL && gr->gr_name != NULL)
        (void)snprintf(buf, cap, "%s", gr->gr_name);
    else
        (void)snprintf(buf, cap, "%lu", (unsigned long)gid);
    return buf;
}

const char *cli_time(time_t t, char *buf, size_t cap)
{
    struct tm tm;
    if (t == 0 || localtime_r(&t, &tm) == NULL || strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        (void)snprintf(buf, cap, "-");
    return buf;
}

/* ---- Input and output ---------------------------------------------------- */

int cli_write_out(const void *data, size_t len)
{
    if (len > 0 && fwrite(data, 1, len, stdout) != len)
        return cli_fail("standard output", -errno, NULL);
    if (fflush(stdout) != 0)
        return cli_fail("standard output", -errno, NULL);
    return CLI_OK;
}

int cli_read_all(FILE *f, size_t max, unsigned char **data, size_t *len)
{
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    if (buf == NULL)
        return -ENOMEM;
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                free(buf);
                return -EFBIG;
            }
            unsigned char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                return -ENOMEM;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n > max) {
            free(buf);
            return -EFBIG;
        }
        if (got == 0) {
            if (ferror(f)) {
                int err = errno != 0 ? errno : EIO;
                free(buf);
                return -err;
            }
            break;
        }
    }
    *data = buf;
    *len = n;
    return 0;
}

/* ---- Tables -------------------------------------------------------------- */

void cli_table_init(struct cli_table *t)
{
    memset(t, 0, sizeof(*t));
}

void cli_table_col(struct cli_table *t, const char *head, int right)
{
    if (t->ncols < CLI_TABLE_MAXCOLS) {
        t->head[t->ncols] = head;
        t->right[t->ncols] = right;
        t->ncols++;
    }
}

int cli_table_row(struct cli_table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **bigger = realloc(t->cells, cap * (size_t)t->ncols * sizeof(char *));
        if (bigger == NULL)
            return -ENOMEM;
        t->cells = bigger;
        t->cap = cap;
    }
    char **row = t->cells + t->nrows * (size_t)t->ncols;
    for (int c = 0; c < t->ncols; c++) {
        row[c] = strdup(cells[c] != NULL ? cells[c] : "-");
        if (row[c] == NULL) {
            while (c-- > 0)
                free(row[c]);
            return -ENOMEM;
        }
    }
    t->nrows++;
    return 0;
}

static void print_row(const struct cli_table *t, const struct cli_output *o, const size_t *width,
                      const char *const *cells, FILE *f)
{
    for (int c = 0; c < t->ncols; c++) {
        const char *sep = c + 1 < t->ncols ? " " : "\n";
        if (o->raw) {
            /* One space separates columns, so a blank inside a cell is
               written \x20, as lsipc --raw does. */
            for (const char *p = cells[c]; *p != '\0'; p++) {
                if (*p == ' ')
                    (void)fputs("\\x20", f);
                else
                    (void)fputc(*p, f);
            }
            (void)fputs(sep, f);
        } else if (c + 1 == t->ncols && !t->right[c]) {
            (void)fprintf(f, "%s\n", cells[c]); /* no trailing blanks */
        } else {
            int w = (int)width[c];
            (void)fprintf(f, t->right[c] ? "%*s%s" : "%-*s%s", w, cells[c], sep);
        }
    }
}

void cli_table_print(const struct cli_table *t, const struct cli_output *o, FILE *f)
{
    size_t width[CLI_TABLE_MAXCOLS];
    for (int c = 0; c < t->ncols; c++) {
        width[c] = o->noheadings ? 0 : strlen(t->head[c]);
        for (size_t r = 0; r < t->nrows; r++) {
            size_t n = strlen(t->cells[r * (size_t)t->ncols + (size_t)c]);
            if (n > width[c])
                width[c] = n;
        }
    }
    if (!o->noheadings)
        print_row(t, o, width, t->head, f);
    for (size_t r = 0; r < t->nrows; r++)
        print_row(t, o, width, (const char *const *)(t->cells + r * (size_t)t->ncols), f);
}

void cli_table_free(struct cli_table *t)
{
    for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    cli_table_init(t);
}
