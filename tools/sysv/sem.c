/*
 * sysv sem op, get, set and setall. `sem op` reads the compact notation of
 * M. Kerrisk's svsem_op example: INDEX, then +N, -N or =0, then the flags
 * u (SEM_UNDO) and n (IPC_NOWAIT); several, comma-separated, go to the
 * kernel as one semop and happen all together or not at all.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define SEM_MAX_OPS 1024 /* far above any semopm; the kernel says E2BIG first */
#define SEM_MAX_VALUE 32767

static int open_set(const char *text, struct cli_obj *obj, sysv_semset *s)
{
    int rc = cli_obj_find(text, SYSV_SEM, obj);
    if (rc != 0)
        return rc;
    rc = sysv_sem_open_id(s, obj->id);
    return rc < 0 ? cli_fail(obj->label, rc, NULL) : CLI_OK;
}

/* An index into the set, with a message naming the set's size. */
static int parse_index(const char *text, const sysv_semset *s, const struct cli_obj *obj, int *out)
{
    long v;
    if (cli_parse_long(text, 0, SEM_MAX_OPS * 32L, &v) < 0)
        return cli_usage("bad INDEX '%.32s': a semaphore's number, from 0", text);
    if (v >= s->nsems) {
        char words[96];
        (void)snprintf(words, sizeof(words), "index %ld is past the set's %d semaphore(s)", v,
                       s->nsems);
        return cli_fail(obj->label, -EINVAL, words);
    }
    *out = (int)v;
    return CLI_OK;
}

/* One SPEC: "0-1u", "1+2n", "2=0". Returns 0 or -EINVAL. */
static int parse_op(const char *p, size_t n, struct sembuf *op)
{
    size_t digits = strspn(p, "0123456789");
    if (digits == 0 || digits >= n || digits > 5)
        return -EINVAL;
    char num[16];
    memcpy(num, p, digits);
    num[digits] = '\0';
    long index;
    if (cli_parse_long(num, 0, 65535, &index) < 0)
        return -EINVAL;
    char sign = p[digits];
    if (sign != '+' && sign != '-' && sign != '=')
        return -EINVAL;
    size_t at = digits + 1;
    size_t amount_len = strspn(p + at, "0123456789");
    if (amount_len == 0 || amount_len > 5 || at + amount_len > n)
        return -EINVAL;
    memcpy(num, p + at, amount_len);
    num[amount_len] = '\0';
    long amount;
    if (cli_parse_long(num, 0, SEM_MAX_VALUE, &amount) < 0)
        return -EINVAL;
    if ((sign == '=') != (amount == 0))
        return -EINVAL; /* "=0" waits for zero; +0 and -0 mean nothing; =N is not a semop */
    int flg = 0;
    for (size_t i = at + amount_len; i < n; i++) {
        int bit = p[i] == 'u' ? SEM_UNDO : p[i] == 'n' ? IPC_NOWAIT : 0;
        if (bit == 0 || (flg & bit))
            return -EINVAL;
        flg |= bit;
    }
    op->sem_num = (unsigned short)index;
    op->sem_op = (short)(sign == '-' ? -amount : amount);
    op->sem_flg = (short)flg;
    return 0;
}

/* Every SPEC of every operand, in order. Returns the count, or an exit
   status (negated) after a message. */
static int parse_ops(char **specs, int nspecs, struct sembuf *ops, int cap)
{
    int count = 0;
    for (int a = 0; a < nspecs; a++) {
        const char *p = specs[a];
        for (;;) {
            size_t n = strcspn(p, ",");
            if (count == cap)
                return -cli_usage("more than %d operations", cap);
            if (parse_op(p, n, &ops[count]) < 0)
                return -cli_usage("bad operation '%.*s': INDEX then +N, -N or =0, then u "
                                  "(undo) or n (nowait): 0-1u,1+2n",
                                  (int)(n > 32 ? 32 : n), p);
            count++;
            if (p[n] == '\0')
                break;
            p += n + 1;
        }
    }
    return count;
}

static int wait_take(int opt, const char *arg, void *ctx)
{
    return cli_wait_option(ctx, opt, arg);
}

int cmd_sem_op(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_OPTS_WAIT, CLI_OPT_HELP, {NULL, 0, NULL, 0}};
    struct cli_wait w;
    memset(&w, 0, sizeof(w));
    int rc = cli_getopt(argc, argv, "", longopts, wait_take, &w);
    if (rc >= 0)
        return rc;
    if ((rc = cli_operands(argc, argv, 2, SEM_MAX_OPS)) >= 0)
        return rc;
    struct sembuf *ops = calloc(SEM_MAX_OPS, sizeof(*ops));
    if (ops == NULL)
        return cli_fail(NULL, -ENOMEM, NULL);
    int nops = parse_ops(argv + optind + 1, argc - optind - 1, ops, SEM_MAX_OPS);
    if (nops < 0) {
        free(ops);
        return -nops;
    }
    struct cli_obj obj;
    sysv_semset s = SYSV_SEMSET_INIT;
    if ((rc = open_set(argv[optind], &obj, &s)) != CLI_OK) {
        free(ops);
        return rc;
    }
    for (int i = 0; i < nops; i++) {
        if (ops[i].sem_num >= s.nsems) {
            char words[96];
            (void)snprintf(words, sizeof(words), "index %u is past the set's %d semaphore(s)",
                           (unsigned)ops[i].sem_num, s.nsems);
            free(ops);
            return cli_fail(obj.label, -EINVAL, words);
        }
    }
    cli_catch_signals();
    rc = cli_interrupted()
             ? -EINTR
             : sysv_sem_op(&s, ops, (size_t)nops, cli_wait_flags(&w), cli_wait_timeout(&w));
    free(ops);
    switch (rc) {
    case 0:
        return CLI_OK;
    case -EAGAIN:
        return cli_fail(obj.label, rc, "the operations would block: none done");
    case -ETIMEDOUT:
        return cli_fail(obj.label, rc, "the operations could not be done before the timeout");
    case -EINTR:
        return cli_fail(obj.label, rc, "interrupted: no operation done");
    case -ERANGE:
        return cli_fail(obj.label, rc, "a value would pass 32767 (or an undo its range)");
    case -E2BIG:
        return cli_fail(obj.label, rc, "more operations than the kernel's semopm");
    default:
        return cli_fail(obj.label, rc, NULL);
    }
}

static int no_options(int opt, const char *arg, void *ctx)
{
    (void)opt;
    (void)arg;
    (void)ctx;
    return 0;
}

/* Option parsing, operand count, and the set, for get, set and setall.
   Returns -1 to go on, or the exit status (--help, errors). */
static int sem_begin(int argc, char **argv, int min, int max, struct cli_obj *obj, sysv_semset *s)
{
    static const struct option longopts[] = {CLI_OPT_HELP, {NULL, 0, NULL, 0}};
    int rc = cli_getopt(argc, argv, "", longopts, no_options, NULL);
    if (rc >= 0)
        return rc;
    if ((rc = cli_operands(argc, argv, min, max)) >= 0)
        return rc;
    rc = open_set(argv[optind], obj, s);
    return rc == CLI_OK ? -1 : rc;
}

int cmd_sem_get(int argc, char **argv)
{
    struct cli_obj obj;
    sysv_semset s = SYSV_SEMSET_INIT;
    int rc = sem_begin(argc, argv, 1, 2, &obj, &s);
    if (rc >= 0)
        return rc;
    if (optind + 1 < argc) {
        int index = 0;
        if ((rc = parse_index(argv[optind + 1], &s, &obj, &index)) != CLI_OK)
            return rc;
        rc = sysv_sem_get(&s, index);
        if (rc < 0)
            return cli_fail(obj.label, rc, NULL);
        (void)printf("%d\n", rc);
        return cli_write_out(NULL, 0);
    }
    if (s.nsems < 1) /* an open handle has at least one */
        return cli_fail(obj.label, -EINVAL, NULL);
    unsigned short *vals = calloc((size_t)s.nsems, sizeof(*vals));
    if (vals == NULL)
        return cli_fail(NULL, -ENOMEM, NULL);
    rc = sysv_sem_get_all(&s, vals);
    if (rc < 0) {
        free(vals);
        return cli_fail(obj.label, rc, NULL);
    }
    for (int i = 0; i < s.nsems; i++)
        (void)printf("%s%u", i > 0 ? "," : "", vals[i]);
    (void)printf("\n");
    free(vals);
    return cli_write_out(NULL, 0);
}

int cmd_sem_set(int argc, char **argv)
{
    struct cli_obj obj;
    sysv_semset s = SYSV_SEMSET_INIT;
    int rc = sem_begin(argc, argv, 3, 3, &obj, &s);
    if (rc >= 0)
        return rc;
    int index = 0;
    if ((rc = parse_index(argv[optind + 1], &s, &obj, &index)) != CLI_OK)
        return rc;
    long value;
    if (cli_parse_long(argv[optind + 2], 0, SEM_MAX_VALUE, &value) < 0)
        return cli_usage("bad VALUE '%.32s': from 0 to 32767", argv[optind + 2]);
    rc = sysv_sem_set(&s, index, (int)value);
    return rc < 0 ? cli_fail(obj.label, rc, NULL) : CLI_OK;
}

int cmd_sem_setall(int argc, char **argv)
{
    struct cli_obj obj;
    sysv_semset s = SYSV_SEMSET_INIT;
    int rc = sem_begin(argc, argv, 2, 2, &obj, &s);
    if (rc >= 0)
        return rc;
    if (s.nsems < 1) /* an open handle has at least one */
        return cli_fail(obj.label, -EINVAL, NULL);
    unsigned short *vals = calloc((size_t)s.nsems, sizeof(*vals));
    if (vals == NULL)
        return cli_fail(NULL, -ENOMEM, NULL);
    int n = 0;
    rc = cli_parse_values(argv[optind + 1], vals, s.nsems, &n);
    if (rc < 0 || n != s.nsems) {
        free(vals);
        if (rc == -ERANGE)
            return cli_usage("bad values '%.64s': each is 0 to 32767", argv[optind + 1]);
        return cli_usage("bad values '%.64s': give %d, comma-separated, one per semaphore",
                         argv[optind + 1], s.nsems);
    }
    rc = sysv_sem_set_all(&s, vals);
    free(vals);
    return rc < 0 ? cli_fail(obj.label, rc, NULL) : CLI_OK;
}
