/*
 * sysv(1): what the command's source files share. The command is a user
 * of libsysv like any other: it includes only <sysv/sysv.h> and links the
 * shared library; nothing here reaches the library's internals.
 *
 * Every command is a function `int cmd_x(int argc, char **argv)` that gets
 * the arguments after its name (argv[0] is the command's name) and returns
 * the exit status. Failures are reported through cli_fail / cli_usage, which
 * print one line naming the command, the object and the error, and return
 * the status to exit with.
 */
#ifndef SYSV_CLI_H
#define SYSV_CLI_H

#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include <sysv/sysv.h>

/* ---- Exit statuses (documented in sysv(1)) ------------------------------- */

#define CLI_OK 0
#define CLI_FAILED 1  /* the operation failed: the message says why */
#define CLI_USAGE 2   /* bad arguments: nothing was done */
#define CLI_EMPTY 3   /* --nowait, and nothing to take or the call would block */
#define CLI_TIMEOUT 4 /* --timeout passed, nothing done */
#define CLI_INTR 130  /* interrupted (SIGINT, SIGTERM) while waiting, nothing done */

/* ---- Commands ------------------------------------------------------------ */

/* The whole command: main() is this, and the argument fuzzer calls it in
   forked children. Returns the exit status. */
int sysv_cli_main(int argc, char **argv);

typedef int (*cli_fn)(int argc, char **argv);

struct cli_command {
    const char *name;  /* "ls", "sem op" */
    cli_fn fn;         /* NULL for a group ("sem", "shm") */
    const char *usage; /* the synopsis line(s), after "usage: sysv " */
    const char *help;  /* the description and options */
};

/* The command being run, for messages ("recv", "sem op"). */
extern const char *cli_cmd;

/* Looks a command up by its full name; NULL when there is none. */
const struct cli_command *cli_find(const char *name);

/* Prints the command's usage and help to f (stdout for --help). */
void cli_print_help(FILE *f, const struct cli_command *c);

int cmd_ls(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_mk(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_chmod(int argc, char **argv);
int cmd_chown(int argc, char **argv);
int cmd_qbytes(int argc, char **argv);
int cmd_send(int argc, char **argv);
int cmd_recv(int argc, char **argv);
int cmd_peek(int argc, char **argv);
int cmd_sem_op(int argc, char **argv);
int cmd_sem_get(int argc, char **argv);
int cmd_sem_set(int argc, char **argv);
int cmd_sem_setall(int argc, char **argv);
int cmd_shm_read(int argc, char **argv);
int cmd_shm_write(int argc, char **argv);

/* ---- Reporting ----------------------------------------------------------- */

/* "sysv: CMD: what: MESSAGE (ENAME)" on stderr, where MESSAGE is words
   (NULL: sysv_strerror(err)). Returns the exit status for err: CLI_FAILED,
   or CLI_EMPTY / CLI_TIMEOUT / CLI_INTR for -EAGAIN and -ENOMSG, -ETIMEDOUT
   and -EINTR. */
int cli_fail(const char *what, int err, const char *words);

/* The same for an error of a file or stream, in strerror's words (which
   sysv_strerror words for IPC objects). */
int cli_fail_sys(const char *what, int err);

/* "sysv: CMD: MESSAGE", the usage line and a pointer to the help, on
   stderr. Returns CLI_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "sysv: CMD: MESSAGE" on stderr, for notes that are not failures. */
void cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- Options ------------------------------------------------------------- */

/* The options every command that waits takes: --nowait, --timeout T. */
struct cli_wait {
    int nowait;
    int timed;
    struct timespec timeout;
};

/* The options every command that prints a listing takes. */
struct cli_output {
    int json;       /* --json */
    int raw;        /* --raw: no alignment, one space between columns */
    int noheadings; /* --noheadings (also implied by --raw? no: separate) */
};

/* Common option parsing for getopt_long loops. Each returns 1 when it took
   the option, 0 when the option is not one of its own, and CLI_USAGE (after
   a message) when the option's argument is bad. */
enum {
    OPT_JSON = 0x100,
    OPT_RAW,
    OPT_NOHEADINGS,
    OPT_NOWAIT,
    OPT_TIMEOUT,
    OPT_HELP,
    OPT_FIRST_OWN /* commands number their own long-only options from here */
};
int cli_wait_option(struct cli_wait *w, int opt, const char *arg);
int cli_output_option(struct cli_output *o, int opt);

/* The timeout to pass to a blocking libsysv call (NULL: wait forever), and
   the flags to add (SYSV_NOWAIT). */
const struct timespec *cli_wait_timeout(const struct cli_wait *w);
int cli_wait_flags(const struct cli_wait *w);

/* Makes SIGINT, SIGTERM and SIGHUP interrupt a blocked call (-EINTR)
   instead of killing the process, so the command can say so and exit
   CLI_INTR having taken nothing. cli_interrupted() tells whether one came:
   check it just before blocking. A signal that lands between that check
   and the call is not seen by the call, so the handler is one-shot: a
   second Ctrl-C ends the command the default way. */
void cli_catch_signals(void);
int cli_interrupted(void);

/* Long options every command takes, for its struct option table. */
#define CLI_OPT_HELP                                                                               \
    {                                                                                              \
        "help", no_argument, NULL, OPT_HELP                                                        \
    }
#define CLI_OPTS_OUTPUT                                                                            \
    {"json", no_argument, NULL, OPT_JSON}, {"raw", no_argument, NULL, OPT_RAW},                    \
    {                                                                                              \
        "noheadings", no_argument, NULL, OPT_NOHEADINGS                                            \
    }
#define CLI_OPTS_WAIT                                                                              \
    {"nowait", no_argument, NULL, OPT_NOWAIT},                                                     \
    {                                                                                              \
        "timeout", required_argument, NULL, OPT_TIMEOUT                                            \
    }

/* Runs getopt_long over argv, handing each option to take(opt, arg, ctx),
   which returns 1 when it took it, 0 when it does not know it, or an exit
   status. Handles --help (prints it: CLI_OK), unknown options and missing
   arguments (CLI_USAGE). Returns -1 when every option was taken; the
   operands are then argv[optind..argc). */
struct option;
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
               int (*take)(int opt, const char *arg, void *ctx), void *ctx);

/* Checks the operand count: at least min, at most max. -1 to go on, or
   CLI_USAGE after a message. */
int cli_operands(int argc, char **argv, int min, int max);

/* ---- Strict parsing: every function returns 0, or -EINVAL / -ERANGE ----- */

/* A decimal integer in [min, max]: digits with an optional leading '-' (no
   '+', no spaces, no junk, no empty string). */
int cli_parse_long(const char *text, long min, long max, long *out);

/* A byte count: decimal digits, then optionally K, M, G or T (powers of
   1024; KiB, MiB, ... and lower case k also accepted). At most max. */
int cli_parse_size(const char *text, size_t max, size_t *out);

/* A duration: digits, an optional fraction, and a unit: ms, s (also
   none) or m. "2.5s", "250ms", "1m". At most 24 hours. */
int cli_parse_duration(const char *text, struct timespec *out);

/* Permission bits in octal: 1 to 4 digits, at most 0777 ("600", "0640"). */
int cli_parse_mode(const char *text, mode_t *out);

/* A comma-separated list of semaphore values, each 0..32767: "1,0,5".
   Fills at most cap values and sets *n. */
int cli_parse_values(const char *text, unsigned short *vals, int cap, int *n);

/* A kind: shm, msg, sem (also "segment", "queue", "set"). */
int cli_parse_kind(const char *text, sysv_kind *out);

/* The word for one object of a kind in messages: "segment", "queue",
   "set". */
const char *cli_kind_word(sysv_kind kind);

/* ---- Objects ------------------------------------------------------------- */

/* An object named on the command line. A decimal number is an id (as ipcs
   and ipcrm print them); anything sysv_key_parse takes ("0x1f2e",
   "name:jobs", "path:/etc/hosts:65") is a key; "id:N" and "key:K" say
   which it is explicitly ("key:4660" is a decimal key). */
struct cli_obj {
    sysv_kind kind;
    int id;
    key_t key;
    int by_key;
    char label[96]; /* "queue 0x00001f2e", "set id 32768": for messages */
};

/* Parses text into *o and looks it up: a key through sysv_lookup, an id by
   reading its permission record. Returns 0, or the exit status after a
   message (CLI_USAGE for text that names nothing, CLI_FAILED for an object
   that does not exist). */
int cli_obj_find(const char *text, sysv_kind kind, struct cli_obj *o);

/* ---- Output -------------------------------------------------------------- */

/* "rw-r-----" for mode's low 9 bits; buf holds at least 10 bytes. */
void cli_perms(mode_t mode, char *buf);

/* The user or group name for an id, or its number as text. */
const char *cli_user_name(uid_t uid, char *buf, size_t cap);
const char *cli_group_name(gid_t gid, char *buf, size_t cap);

/* A time as "2026-11-23T14:13:00" in local time, or "-" when t is 0. */
const char *cli_time(time_t t, char *buf, size_t cap);

/* Writes len bytes to stdout; 0, or the exit status after a message. */
int cli_write_out(const void *data, size_t len);

/* Reads all of f (stdin or a file) into a new buffer, failing with
   -EFBIG past max bytes. Returns 0 and sets *data (free it) and *len. */
int cli_read_all(FILE *f, size_t max, unsigned char **data, size_t *len);

/* A table: add rows of cells, then print it aligned (or raw). */
#define CLI_TABLE_MAXCOLS 32
struct cli_table {
    int ncols;
    const char *head[CLI_TABLE_MAXCOLS];
    int right[CLI_TABLE_MAXCOLS]; /* 1: right-aligned (numbers) */
    char **cells;                 /* nrows * ncols strings, owned */
    size_t nrows, cap;
};
void cli_table_init(struct cli_table *t);
void cli_table_col(struct cli_table *t, const char *head, int right);
/* Adds a row; the cells are copied. Returns 0 or -ENOMEM. */
int cli_table_row(struct cli_table *t, const char *const *cells);
void cli_table_print(const struct cli_table *t, const struct cli_output *o, FILE *f);
void cli_table_free(struct cli_table *t);

/* ---- JSON ---------------------------------------------------------------- */

/* A streaming writer: two-space indentation, strings escaped, numbers as
   JSON numbers. Names are given for members of objects and NULL for
   elements of arrays. */
#define CLI_JSON_MAXDEPTH 16
struct cli_json {
    FILE *f;
    int depth;
    int count[CLI_JSON_MAXDEPTH];
};
void json_init(struct cli_json *j, FILE *f);
void json_object(struct cli_json *j, const char *name);
void json_array(struct cli_json *j, const char *name);
void json_end(struct cli_json *j, char close); /* '}' or ']' */
void json_string(struct cli_json *j, const char *name, const char *value);
void json_int(struct cli_json *j, const char *name, long long value);
void json_uint(struct cli_json *j, const char *name, unsigned long long value);
void json_null(struct cli_json *j, const char *name);
void json_double(struct cli_json *j, const char *name, double value); /* two decimals */
/* A time as seconds since the epoch, or null when t is 0 (never). */
void json_time(struct cli_json *j, const char *name, time_t t);
/* The payload members of a message: "encoding": "text" with the bytes as a
   string when they are valid UTF-8, else "base64" with them encoded.
   Returns 0 or -ENOMEM. */
int json_payload(struct cli_json *j, const unsigned char *data, size_t len);
/* Ends the document with a newline and flushes: 0, or the exit status
   after a write error. */
int json_finish(struct cli_json *j);

/* 1 when data[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
int cli_utf8_valid(const unsigned char *data, size_t len);

#endif /* SYSV_CLI_H */
