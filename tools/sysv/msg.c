/*
 * sysv send, recv and peek: messages between the shell and a queue, byte
 * for byte. Payloads go through stdin and stdout unchanged; the type goes
 * to stderr, or into the JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The largest message this queue can hold: the kernel's msgmax, and, when
   we may read the queue's state, no more than its capacity or the bytes it
   holds now (a message queued before the capacity was lowered may be
   longer than the capacity, never longer than what is queued). msgmax may
   be raised far beyond what is worth allocating; the queue bounds it. */
static size_t largest_message(int id)
{
    sysv_limits lim;
    size_t max = 8192;
    if (sysv_limits_get(&lim) == 0 && lim.msgmax > 0)
        max = lim.msgmax;
    sysv_msg_status st;
    if (sysv_msg_stat(id, &st) == 0) {
        size_t bound = st.qbytes > st.cbytes ? st.qbytes : st.cbytes;
        if (bound > 0 && bound < max)
            max = bound;
    }
    return max;
}

static int open_queue(const char *text, struct cli_obj *obj, sysv_msgq *q)
{
    int rc = cli_obj_find(text, SYSV_MSG, obj);
    if (rc != 0)
        return rc;
    rc = sysv_msg_open_id(q, obj->id);
    return rc < 0 ? cli_fail(obj->label, rc, NULL) : CLI_OK;
}

/* ---- sysv send ----------------------------------------------------------- */

struct send_opts {
    struct cli_wait wait;
    long type;
    const char *file;
};

static int send_take(int opt, const char *arg, void *ctx)
{
    struct send_opts *o = ctx;
    if (opt == 't') {
        if (cli_parse_long(arg, 1, LONG_MAX, &o->type) < 0)
            return cli_usage("bad --type '%.32s': a message type is a number from 1", arg);
        return 1;
    }
    if (opt == 'f') {
        o->file = arg;
        return 1;
    }
    return cli_wait_option(&o->wait, opt, arg);
}

int cmd_send(int argc, char **argv)
{
    static const struct option longopts[] = {{"type", required_argument, NULL, 't'},
                                             {"file", required_argument, NULL, 'f'},
                                             CLI_OPTS_WAIT,
                                             CLI_OPT_HELP,
                                             {NULL, 0, NULL, 0}};
    struct send_opts o;
    memset(&o, 0, sizeof(o));
    o.type = 1;
    int rc = cli_getopt(argc, argv, "t:f:", longopts, send_take, &o);
    if (rc >= 0)
        return rc;
    if ((rc = cli_operands(argc, argv, 1, 2)) >= 0)
        return rc;
    const char *data_arg = optind + 1 < argc ? argv[optind + 1] : NULL;
    if (data_arg != NULL && o.file != NULL)
        return cli_usage("give DATA or --file, not both");

    struct cli_obj obj;
    sysv_msgq q = SYSV_MSGQ_INIT;
    if ((rc = open_queue(argv[optind], &obj, &q)) != CLI_OK)
        return rc;
    size_t max = largest_message(q.id);

    unsigned char *data = NULL;
    size_t len;
    if (data_arg != NULL) {
        len = strlen(data_arg);
        data = malloc(len + 1);
        if (data == NULL)
            return cli_fail(NULL, -ENOMEM, NULL);
        memcpy(data, data_arg, len + 1);
    } else {
        FILE *f = stdin;
        const char *from = "standard input";
        if (o.file != NULL) {
            from = o.file;
            f = fopen(o.file, "rbe");
            if (f == NULL)
                return cli_fail_sys(o.file, -errno);
        }
        rc = cli_read_all(f, max, &data, &len);
        if (f != stdin)
            (void)fclose(f);
        if (rc == -EFBIG) {
            char words[96];
            (void)snprintf(words, sizeof(words), "longer than the largest message (%zu bytes)",
                           max);
            return cli_fail(from, -EMSGSIZE, words);
        }
        if (rc < 0)
            return cli_fail_sys(from, rc);
    }

    cli_catch_signals();
    rc = cli_interrupted() ? -EINTR
                           : sysv_msg_send(&q, o.type, data, len, cli_wait_flags(&o.wait),
                                           cli_wait_timeout(&o.wait));
    free(data);
    if (rc == -EAGAIN)
        return cli_fail(obj.label, rc, "the queue is full");
    if (rc == -ETIMEDOUT)
        return cli_fail(obj.label, rc, "the queue stayed full until the timeout: nothing sent");
    if (rc == -EINTR)
        return cli_fail(obj.label, rc, "interrupted: nothing sent");
    if (rc == -EMSGSIZE) {
        char words[96];
        (void)snprintf(words, sizeof(words), "%zu bytes is more than the queue can hold", len);
        return cli_fail(obj.label, rc, words);
    }
    return rc < 0 ? cli_fail(obj.label, rc, NULL) : CLI_OK;
}

/* ---- Printing a message -------------------------------------------------- */

struct print_opts {
    struct cli_output out;
    int quiet;
    int list; /* the JSON is {"messages": [...]} */
};

/* Prints one message as its payload on stdout (and type on stderr), or as a
   JSON object member of an open document. */
static int print_message(struct cli_json *j, const struct print_opts *o, long type,
                         const unsigned char *data, size_t len)
{
    if (o->out.json) {
        json_object(j, NULL);
        json_int(j, "type", type);
        json_uint(j, "length", len);
        int rc = json_payload(j, data, len);
        json_end(j, '}');
        return rc < 0 ? cli_fail(NULL, rc, NULL) : CLI_OK;
    }
    if (!o->quiet)
        (void)fprintf(stderr, "type %ld, %zu bytes\n", type, len);
    return cli_write_out(data, len);
}

/* ---- sysv recv ----------------------------------------------------------- */

enum { OPT_TRUNCATE = OPT_FIRST_OWN };

struct recv_opts {
    struct cli_wait wait;
    struct print_opts print;
    long type;
    int except, typed;
    long count;
    int counted;
    size_t size;
    int sized, truncate;
};

static int recv_take(int opt, const char *arg, void *ctx)
{
    struct recv_opts *o = ctx;
    switch (opt) {
    case 't':
    case 'e':
        if (o->typed)
            return cli_usage("give one --type or --except");
        if (cli_parse_long(arg, opt == 'e' ? 1 : -LONG_MAX, LONG_MAX, &o->type) < 0)
            return cli_usage(opt == 'e' ? "bad --except '%.32s': a type from 1"
                                        : "bad --type '%.32s': a number (0, T or -T)",
                             arg);
        o->typed = 1;
        o->except = opt == 'e';
        return 1;
    case 'n':
        if (cli_parse_long(arg, 1, LONG_MAX, &o->count) < 0)
            return cli_usage("bad --count '%.32s': a number from 1", arg);
        o->counted = 1;
        return 1;
    case 's':
        if (cli_parse_size(arg, (size_t)SSIZE_MAX, &o->size) < 0)
            return cli_usage("bad --size '%.32s': a byte count (8K, 100)", arg);
        o->sized = 1;
        return 1;
    case OPT_TRUNCATE:
        o->truncate = 1;
        return 1;
    case 'q':
        o->print.quiet = 1;
        return 1;
    case OPT_JSON:
        o->print.out.json = 1;
        return 1;
    default:
        return cli_wait_option(&o->wait, opt, arg);
    }
}

static int recv_failed(const struct cli_obj *obj, const struct recv_opts *o, int err, size_t taken)
{
    char words[128];
    const char *which = "";
    char typetext[48] = "";
    if (o->except) {
        (void)snprintf(typetext, sizeof(typetext), " of a type other than %ld", o->type);
    } else if (o->type > 0) {
        (void)snprintf(typetext, sizeof(typetext), " of type %ld", o->type);
    } else if (o->type < 0) {
        (void)snprintf(typetext, sizeof(typetext), " of type %ld or lower", -o->type);
    }
    which = typetext;
    switch (err) {
    case -ENOMSG:
        (void)snprintf(words, sizeof(words), "no message%s", which);
        break;
    case -ETIMEDOUT:
        (void)snprintf(words, sizeof(words), "no message%s came before the timeout", which);
        break;
    case -EINTR:
        (void)snprintf(words, sizeof(words), "interrupted: no%s message taken",
                       taken > 0 ? " further" : "");
        break;
    case -E2BIG:
        (void)snprintf(words, sizeof(words),
                       "the message is longer than --size: left in the queue (--truncate takes "
                       "it cut)");
        break;
    default:
        return cli_fail(obj->label, err, NULL);
    }
    if (taken > 0) {
        char more[200];
        (void)snprintf(more, sizeof(more), "%s, after %zu message(s)", words, taken);
        return cli_fail(obj->label, err, more);
    }
    return cli_fail(obj->label, err, words);
}

int cmd_recv(int argc, char **argv)
{
    static const struct option longopts[] = {{"type", required_argument, NULL, 't'},
                                             {"except", required_argument, NULL, 'e'},
                                             {"count", required_argument, NULL, 'n'},
                                             {"size", required_argument, NULL, 's'},
                                             {"truncate", no_argument, NULL, OPT_TRUNCATE},
                                             {"quiet", no_argument, NULL, 'q'},
                                             {"json", no_argument, NULL, OPT_JSON},
                                             CLI_OPTS_WAIT,
                                             CLI_OPT_HELP,
                                             {NULL, 0, NULL, 0}};
    struct recv_opts o;
    memset(&o, 0, sizeof(o));
    o.count = 1;
    int rc = cli_getopt(argc, argv, "t:e:n:s:q", longopts, recv_take, &o);
    if (rc >= 0)
        return rc;
    if ((rc = cli_operands(argc, argv, 1, 1)) >= 0)
        return rc;
    if (o.truncate && !o.sized)
        return cli_usage("--truncate needs --size: every message fits the default buffer");
    o.print.list = o.counted;

    struct cli_obj obj;
    sysv_msgq q = SYSV_MSGQ_INIT;
    if ((rc = open_queue(argv[optind], &obj, &q)) != CLI_OK)
        return rc;
    /* No message is longer than the queue can hold: a larger --size only
       changes what counts as too long, never what is allocated. */
    size_t cap = largest_message(q.id);
    if (o.sized && o.size < cap)
        cap = o.size;
    unsigned char *buf = malloc(cap > 0 ? cap : 1);
    if (buf == NULL)
        return cli_fail(NULL, -ENOMEM, NULL);

    int flags = cli_wait_flags(&o.wait) | (o.except ? SYSV_MSG_EXCEPT : 0) |
                (o.truncate ? SYSV_MSG_TRUNCATE : 0);
    struct cli_json j;
    json_init(&j, stdout);
    if (o.print.out.json && o.print.list) {
        json_object(&j, NULL);
        json_array(&j, "messages");
    }
    cli_catch_signals();
    rc = CLI_OK;
    long taken = 0;
    for (; taken < o.count; taken++) {
        long type;
        if (cli_interrupted()) {
            rc = recv_failed(&obj, &o, -EINTR, (size_t)taken);
            break;
        }
        ssize_t n = sysv_msg_recv(&q, o.type, buf, cap, &type, flags, cli_wait_timeout(&o.wait));
        if (n < 0) {
            rc = recv_failed(&obj, &o, (int)n, (size_t)taken);
            break;
        }
        rc = print_message(&j, &o.print, type, buf, (size_t)n);
        if (rc != CLI_OK)
            break;
    }
    if (o.print.out.json && (taken > 0 || o.print.list)) {
        if (o.print.list) {
            json_end(&j, ']');
            json_end(&j, '}');
        }
        int jrc = json_finish(&j);
        if (rc == CLI_OK)
            rc = jrc;
    }
    free(buf);
    return rc;
}

/* ---- sysv peek ----------------------------------------------------------- */

struct peek_opts {
    struct print_opts print;
    size_t index;
    int has_index, all;
};

static int peek_take(int opt, const char *arg, void *ctx)
{
    struct peek_opts *o = ctx;
    switch (opt) {
    case 'i': {
        long v;
        if (cli_parse_long(arg, 0, LONG_MAX, &v) < 0)
            return cli_usage("bad --index '%.32s': a position from 0", arg);
        o->index = (size_t)v;
        o->has_index = 1;
        return 1;
    }
    case 'a':
        o->all = 1;
        return 1;
    case 'q':
        o->print.quiet = 1;
        return 1;
    default:
        return cli_output_option(&o->print.out, opt);
    }
}

/* Reads message index whole: its length first, then the bytes; a message
   that changed in between (taken by someone else) is read again. */
static ssize_t peek_whole(const sysv_msgq *q, size_t index, unsigned char **data, long *type)
{
    for (int tries = 0; tries < 8; tries++) {
        ssize_t len = sysv_msg_peek(q, index, NULL, 0, type);
        if (len < 0)
            return len;
        unsigned char *buf = malloc((size_t)len + 1);
        if (buf == NULL)
            return -ENOMEM;
        ssize_t again = sysv_msg_peek(q, index, buf, (size_t)len, type);
        if (again == len) {
            *data = buf;
            return len;
        }
        free(buf);
        if (again < 0)
            return again;
    }
    return -EBUSY; /* the queue kept changing under us */
}

static int peek_list(const struct cli_obj *obj, const sysv_msgq *q, const struct peek_opts *o)
{
    struct cli_json j;
    struct cli_table t;
    json_init(&j, stdout);
    cli_table_init(&t);
    if (o->print.out.json) {
        json_object(&j, NULL);
        json_array(&j, "messages");
    } else {
        cli_table_col(&t, "INDEX", 1);
        cli_table_col(&t, "TYPE", 1);
        cli_table_col(&t, "LENGTH", 1);
    }
    int rc = CLI_OK;
    for (size_t i = 0;; i++) {
        unsigned char *data = NULL;
        long type;
        ssize_t n = peek_whole(q, i, &data, &type);
        if (n == -ENOMSG)
            break;
        if (n < 0) {
            rc = cli_fail(obj->label, (int)n, NULL);
            if (rc == CLI_EMPTY)
                rc = CLI_FAILED; /* a queue changing under us is not "empty" */
            break;
        }
        if (o->print.out.json) {
            json_object(&j, NULL);
            json_uint(&j, "index", i);
            json_int(&j, "type", type);
            json_uint(&j, "length", (size_t)n);
            int prc = json_payload(&j, data, (size_t)n);
            json_end(&j, '}');
            if (prc < 0)
                rc = cli_fail(NULL, prc, NULL);
        } else {
            char a[24], b[24], c[24];
            (void)snprintf(a, sizeof(a), "%zu", i);
            (void)snprintf(b, sizeof(b), "%ld", type);
            (void)snprintf(c, sizeof(c), "%zd", n);
            const char *cells[] = {a, b, c};
            if (cli_table_row(&t, cells) < 0)
                rc = cli_fail(NULL, -ENOMEM, NULL);
        }
        free(data);
        if (rc != CLI_OK)
            break;
    }
    if (o->print.out.json) {
        json_end(&j, ']');
        json_end(&j, '}');
        int jrc = json_finish(&j);
        if (rc == CLI_OK)
            rc = jrc;
    } else if (rc == CLI_OK) {
        cli_table_print(&t, &o->print.out, stdout);
        rc = cli_write_out(NULL, 0);
    }
    cli_table_free(&t);
    return rc;
}

int cmd_peek(int argc, char **argv)
{
    static const struct option longopts[] = {{"index", required_argument, NULL, 'i'},
                                             {"all", no_argument, NULL, 'a'},
                                             {"quiet", no_argument, NULL, 'q'},
                                             CLI_OPTS_OUTPUT,
                                             CLI_OPT_HELP,
                                             {NULL, 0, NULL, 0}};
    struct peek_opts o;
    memset(&o, 0, sizeof(o));
    int rc = cli_getopt(argc, argv, "i:aq", longopts, peek_take, &o);
    if (rc >= 0)
        return rc;
    if (o.all && o.has_index)
        return cli_usage("--index and --all exclude each other");
    if ((rc = cli_operands(argc, argv, 1, 1)) >= 0)
        return rc;
    struct cli_obj obj;
    sysv_msgq q = SYSV_MSGQ_INIT;
    if ((rc = open_queue(argv[optind], &obj, &q)) != CLI_OK)
        return rc;
    if (o.all)
        return peek_list(&obj, &q, &o);

    unsigned char *data = NULL;
    long type;
    ssize_t n = peek_whole(&q, o.index, &data, &type);
    if (n == -ENOMSG) {
        char words[64];
        (void)snprintf(words, sizeof(words), "no message at index %zu", o.index);
        return cli_fail(obj.label, (int)n, words);
    }
    if (n == -ENOSYS)
        return cli_fail(obj.label, (int)n, "this kernel cannot copy messages (no MSG_COPY)");
    if (n < 0)
        return cli_fail(obj.label, (int)n, NULL);
    struct cli_json j;
    json_init(&j, stdout);
    rc = print_message(&j, &o.print, type, data, (size_t)n);
    free(data);
    if (rc == CLI_OK && o.print.out.json)
        rc = json_finish(&j);
    return rc;
}
