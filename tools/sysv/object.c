/*
 * sysv mk, rm, chmod, chown and qbytes: making, removing and changing
 * objects as a whole.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* ---- sysv mk ------------------------------------------------------------- */

#define MK_MAX_INIT 32000 /* above any semmsl a kernel allows */

struct mk_opts {
    const char *key_text; /* as given, for messages */
    int have_key;
    key_t key;
    mode_t mode;
    int excl;
    const char *init;
};

static int mk_set_key(struct mk_opts *o, const char *prefix, const char *arg)
{
    if (o->have_key)
        return cli_usage("give one key: --key, --name or --path");
    char text[PATH_MAX + 16];
    if ((size_t)snprintf(text, sizeof(text), "%s%s", prefix, arg) >= sizeof(text))
        return cli_usage("the key's text is too long");
    int rc = sysv_key_parse(text, &o->key);
    if (rc == -EINVAL)
        return cli_usage("bad key '%.64s' (0x1f2e, 4660, name:NAME, path:FILE:PROJ, private)",
                         text);
    if (rc < 0)
        return cli_fail(text, rc, NULL);
    o->key_text = arg;
    o->have_key = 1;
    return 1;
}

static int mk_take(int opt, const char *arg, void *ctx)
{
    struct mk_opts *o = ctx;
    switch (opt) {
    case 'k':
        return mk_set_key(o, "", arg);
    case 'n':
        if (arg[0] == '\0')
            return cli_usage("--name needs a non-empty name");
        return mk_set_key(o, "name:", arg);
    case 'P':
        return mk_set_key(o, "path:", arg);
    case 'M':
        if (cli_parse_mode(arg, &o->mode) < 0)
            return cli_usage("bad --mode '%.16s': octal permissions from 0 to 0777", arg);
        return 1;
    case 'x':
        o->excl = 1;
        return 1;
    case 'i':
        o->init = arg;
        return 1;
    default:
        return 0;
    }
}

/* Prints the id, and the key when there is one: "32768 0x00001f2e".
   libsysv reads mode 0 as "the default, 0600"; asked for 0 here, the user
   means 0, so a new object gets it by IPC_SET (never a wider mode than
   asked for). */
static int print_made(sysv_kind kind, int id, key_t key, mode_t mode, int created,
                      const char *label)
{
    if (created && mode == 0) {
        sysv_perm perm;
        int rc = sysv_perm_get(kind, id, &perm);
        if (rc == 0) {
            perm.mode = 0;
            rc = sysv_perm_set(kind, id, &perm);
        }
        if (rc < 0) {
            (void)sysv_remove(kind, id);
            return cli_fail(label, rc, "could not set mode 0: removed it again");
        }
    }
    if (key == SYSV_KEY_PRIVATE) {
        (void)printf("%d\n", id);
    } else {
        char keytext[SYSV_KEY_STRLEN];
        (void)sysv_key_format(key, keytext, sizeof(keytext));
        (void)printf("%d %s\n", id, keytext);
    }
    return cli_write_out(NULL, 0);
}

static int mk_shm(const struct mk_opts *o, const char *size_text, const char *label)
{
    size_t size;
    int rc = cli_parse_size(size_text, SIZE_MAX, &size);
    if (rc < 0 || size == 0)
        return cli_usage("bad SIZE '%.32s': a byte count above 0, with K, M or G if you like",
                         size_text);
    sysv_shm shm = SYSV_SHM_INIT;
    rc = sysv_shm_open(&shm, o->key, size, SYSV_CREATE | SYSV_EXCL, o->mode);
    int created = rc == 0;
    if (rc == -EEXIST && !o->excl) {
        rc = sysv_shm_open(&shm, o->key, 0, 0, 0);
        if (rc == 0 && shm.size < size)
            return cli_fail(label, -EINVAL, "exists, and is smaller than SIZE");
        if (rc == 0)
            cli_note("%s exists already: not created", label);
    }
    if (rc == -EINVAL)
        return cli_fail(label, rc, "SIZE is outside the kernel's limits (sysv ls --limits)");
    if (rc < 0)
        return cli_fail(label, rc, NULL);
    return print_made(SYSV_SHM, shm.id, o->key, o->mode, created, label);
}

static int mk_msg(const struct mk_opts *o, const char *label)
{
    sysv_msgq q = SYSV_MSGQ_INIT;
    int rc = sysv_msg_open(&q, o->key, SYSV_CREATE | SYSV_EXCL, o->mode);
    int created = rc == 0;
    if (rc == -EEXIST && !o->excl) {
        rc = sysv_msg_open(&q, o->key, 0, 0);
        if (rc == 0)
            cli_note("%s exists already: not created", label);
    }
    if (rc < 0)
        return cli_fail(label, rc, NULL);
    return print_made(SYSV_MSG, q.id, o->key, o->mode, created, label);
}

static int mk_sem(const struct mk_opts *o, const char *n_text, const char *label)
{
    long n;
    if (cli_parse_long(n_text, 1, MK_MAX_INIT, &n) < 0)
        return cli_usage("bad N '%.32s': how many semaphores, from 1", n_text);
    unsigned short *init = NULL;
    if (o->init != NULL) {
        init = calloc((size_t)n, sizeof(*init));
        if (init == NULL)
            return cli_fail(label, -ENOMEM, NULL);
        int given;
        int rc = cli_parse_values(o->init, init, (int)n, &given);
        if (rc < 0 || given != n) {
            free(init);
            if (rc == -ERANGE)
                return cli_usage("bad --init '%.64s': each value is 0 to 32767", o->init);
            return cli_usage("bad --init '%.64s': give %ld values, comma-separated", o->init, n);
        }
    }
    sysv_semset s = SYSV_SEMSET_INIT;
    int rc = sysv_sem_open(&s, o->key, (int)n, init, SYSV_CREATE | SYSV_EXCL, o->mode);
    int created = rc == 0;
    if (rc == -EEXIST && !o->excl) {
        rc = sysv_sem_open(&s, o->key, (int)n, NULL, 0, 0);
        if (rc == 0)
            cli_note("%s exists already: not created%s", label,
                     init != NULL ? ", and --init was not applied" : "");
    }
    free(init);
    if (rc == -EINVAL)
        return cli_fail(label, rc, "N is outside the kernel's limits, or the set is smaller");
    if (rc < 0)
        return cli_fail(label, rc, NULL);
    return print_made(SYSV_SEM, s.id, o->key, o->mode, created, label);
}

int cmd_mk(int argc, char **argv)
{
    static const struct option longopts[] = {{"key", required_argument, NULL, 'k'},
                                             {"name", required_argument, NULL, 'n'},
                                             {"path", required_argument, NULL, 'P'},
                                             {"mode", required_argument, NULL, 'M'},
                                             {"excl", no_argument, NULL, 'x'},
                                             {"init", required_argument, NULL, 'i'},
                                             CLI_OPT_HELP,
                                             {NULL, 0, NULL, 0}};
    struct mk_opts o = {NULL, 0, SYSV_KEY_PRIVATE, SYSV_MODE_DEFAULT, 0, NULL};
    int rc = cli_getopt(argc, argv, "k:n:P:M:xi:", longopts, mk_take, &o);
    if (rc >= 0)
        return rc;
    if ((rc = cli_operands(argc, argv, 1, 2)) >= 0)
        return rc;
    sysv_kind kind;
    if (cli_parse_kind(argv[optind], &kind) < 0)
        return cli_usage("'%.32s' is not a kind (shm, msg or sem)", argv[optind]);
    int want = kind == SYSV_MSG ? 1 : 2;
    if (argc - optind != want)
        return cli_usage(kind == SYSV_SHM   ? "mk shm needs a SIZE"
                         : kind == SYSV_SEM ? "mk sem needs N, the number of semaphores"
                                            : "mk msg takes no size");
    if (o.init != NULL && kind != SYSV_SEM)
        return cli_usage("--init is for sets");
    if (o.excl && o.key == SYSV_KEY_PRIVATE)
        return cli_usage("--excl needs a key: a private object is always new");

    char label[64], keytext[SYSV_KEY_STRLEN];
    (void)sysv_key_format(o.key, keytext, sizeof(keytext));
    (void)snprintf(label, sizeof(label), "%s %s", cli_kind_word(kind),
                   o.have_key ? keytext : "(private)");
    if (kind == SYSV_SHM)
        return mk_shm(&o, argv[optind + 1], label);
    if (kind == SYSV_MSG)
        return mk_msg(&o, label);
    return mk_sem(&o, argv[optind + 1], label);
}

/* ---- sysv rm ------------------------------------------------------------- */

struct rm_opts {
    int all, mine;
};

static int rm_take(int opt, const char *arg, void *ctx)
{
    struct rm_opts *o = ctx;
    (void)arg;
    if (opt == 'a')
        o->all = 1;
    else if (opt == 'm')
        o->mine = 1;
    else
        return 0;
    return 1;
}

/* Removes one object; says so on stdout, or why not on stderr. */
static int remove_one(sysv_kind kind, int id, key_t key, const char *label)
{
    int rc = sysv_remove(kind, id);
    if (rc < 0)
        return cli_fail(label, rc, rc == -EINVAL ? "already gone" : NULL);
    char keytext[SYSV_KEY_STRLEN];
    (void)sysv_key_format(key, keytext, sizeof(keytext));
    (void)printf("removed %s %d (key %s)\n", cli_kind_word(kind), id, keytext);
    (void)fflush(stdout); /* in order with the errors on stderr */
    return CLI_OK;
}

struct rm_all {
    int mine;
    int removed, failed;
};

static int rm_each(const sysv_entry *e, void *arg)
{
    struct rm_all *r = arg;
    uid_t me = geteuid();
    if (r->mine && e->perm.uid != me && e->perm.cuid != me)
        return 0;
    char label[64];
    (void)snprintf(label, sizeof(label), "%s id %d", cli_kind_word(e->kind), e->id);
    if (remove_one(e->kind, e->id, e->perm.key, label) == CLI_OK)
        r->removed++;
    else
        r->failed++;
    return 0;
}

int cmd_rm(int argc, char **argv)
{
    static const struct option longopts[] = {{"all", no_argument, NULL, 'a'},
                                             {"mine", no_argument, NULL, 'm'},
                                             CLI_OPT_HELP,
                                             {NULL, 0, NULL, 0}};
    struct rm_opts o = {0, 0};
    int rc = cli_getopt(argc, argv, "am", longopts, rm_take, &o);
    if (rc >= 0)
        return rc;
    if (o.mine && !o.all)
        return cli_usage("--mine goes with --all");
    if (o.all) {
        if ((rc = cli_operands(argc, argv, 0, 1)) >= 0)
            return rc;
        sysv_kind kind = 0;
        if (optind < argc && cli_parse_kind(argv[optind], &kind) < 0)
            return cli_usage("'%.32s' is not a kind (shm, msg or sem)", argv[optind]);
        struct rm_all r = {o.mine, 0, 0};
        rc = sysv_list(kind, rm_each, &r);
        if (rc < 0)
            return cli_fail("listing", rc, NULL);
        (void)fflush(stdout);
        return r.failed > 0 ? CLI_FAILED : CLI_OK;
    }
    if ((rc = cli_operands(argc, argv, 2, INT_MAX)) >= 0)
        return rc;
    sysv_kind kind;
    if (cli_parse_kind(argv[optind], &kind) < 0)
        return cli_usage("'%.32s' is not a kind (shm, msg or sem)", argv[optind]);
    /* Every operand is looked up before anything is removed, so that a
       typo in the third one (status 2) leaves the first two in place. */
    int n = argc - optind - 1;
    struct cli_obj *objs = calloc((size_t)n, sizeof(*objs));
    int *found = calloc((size_t)n, sizeof(*found));
    if (objs == NULL || found == NULL) {
        free(objs);
        free(found);
        return cli_fail(NULL, -ENOMEM, NULL);
    }
    int status = CLI_OK;
    for (int i = 0; i < n && status != CLI_USAGE; i++) {
        rc = cli_obj_find(argv[optind + 1 + i], kind, &objs[i]);
        found[i] = rc == 0;
        if (rc == CLI_USAGE)
            status = CLI_USAGE;
        else if (rc != 0)
            status = CLI_FAILED;
    }
    for (int i = 0; i < n && status != CLI_USAGE; i++)
        if (found[i] && remove_one(kind, objs[i].id, objs[i].key, objs[i].label) != CLI_OK)
            status = CLI_FAILED;
    free(objs);
    free(found);
    return status;
}

/* ---- sysv chmod, chown ---------------------------------------------------- */

static int no_options(int opt, const char *arg, void *ctx)
{
    (void)opt;
    (void)arg;
    (void)ctx;
    return 0;
}

/* Finds KIND OBJECT at argv[optind..] and reads its permission record.
   Returns -1 to go on, or the exit status (--help, errors). */
static int perm_target(int argc, char **argv, struct cli_obj *obj, sysv_perm *perm)
{
    memset(obj, 0, sizeof(*obj));
    static const struct option longopts[] = {CLI_OPT_HELP, {NULL, 0, NULL, 0}};
    int rc = cli_getopt(argc, argv, "", longopts, no_options, NULL);
    if (rc >= 0)
        return rc;
    if ((rc = cli_operands(argc, argv, 3, 3)) >= 0)
        return rc;
    sysv_kind kind;
    if (cli_parse_kind(argv[optind], &kind) < 0)
        return cli_usage("'%.32s' is not a kind (shm, msg or sem)", argv[optind]);
    if ((rc = cli_obj_find(argv[optind + 1], kind, obj)) != 0)
        return rc;
    rc = sysv_perm_get(kind, obj->id, perm);
    if (rc < 0)
        return cli_fail(obj->label, rc, NULL);
    return -1;
}

/* Writes the changed record back (IPC_SET). */
static int perm_apply(const struct cli_obj *obj, const sysv_perm *perm)
{
    int rc = sysv_perm_set(obj->kind, obj->id, perm);
    return rc < 0 ? cli_fail(obj->label, rc, NULL) : CLI_OK;
}

int cmd_chmod(int argc, char **argv)
{
    struct cli_obj obj;
    sysv_perm perm;
    int rc = perm_target(argc, argv, &obj, &perm);
    if (rc >= 0)
        return rc;
    const char *text = argv[optind + 2];
    mode_t mode;
    if (cli_parse_mode(text, &mode) < 0)
        return cli_usage("bad MODE '%.16s': octal permissions from 0 to 0777", text);
    perm.mode = mode;
    return perm_apply(&obj, &perm);
}

/* A user or group: a name, or a number that is not (uid_t)-1. */
static int parse_id(const char *text, int group, unsigned long *out)
{
    long n;
    if (cli_parse_long(text, 0, (long)UINT_MAX - 1, &n) == 0) {
        *out = (unsigned long)n;
        return 0;
    }
    if (group) {
        const struct group *gr = getgrnam(text);
        if (gr == NULL)
            return -ENOENT;
        *out = gr->gr_gid;
    } else {
        const struct passwd *pw = getpwnam(text);
        if (pw == NULL)
            return -ENOENT;
        *out = pw->pw_uid;
    }
    return 0;
}

int cmd_chown(int argc, char **argv)
{
    struct cli_obj obj;
    sysv_perm perm;
    int rc = perm_target(argc, argv, &obj, &perm);
    if (rc >= 0)
        return rc;
    const char *spec = argv[optind + 2];
    const char *colon = strchr(spec, ':');
    char user[256];
    size_t ulen = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
    if (ulen >= sizeof(user))
        return cli_usage("the user name is too long");
    memcpy(user, spec, ulen);
    user[ulen] = '\0';
    if (ulen == 0 && (colon == NULL || colon[1] == '\0'))
        return cli_usage("give USER, USER:GROUP or :GROUP");
    unsigned long v;
    if (ulen > 0) {
        if (parse_id(user, 0, &v) < 0)
            return cli_usage("no user '%.64s'", user);
        perm.uid = (uid_t)v;
    }
    if (colon != NULL && colon[1] != '\0') {
        if (parse_id(colon + 1, 1, &v) < 0)
            return cli_usage("no group '%.64s'", colon + 1);
        perm.gid = (gid_t)v;
    }
    return perm_apply(&obj, &perm);
}

/* ---- sysv qbytes --------------------------------------------------------- */

int cmd_qbytes(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_OPT_HELP, {NULL, 0, NULL, 0}};
    int rc = cli_getopt(argc, argv, "", longopts, no_options, NULL);
    if (rc >= 0)
        return rc;
    if ((rc = cli_operands(argc, argv, 2, 2)) >= 0)
        return rc;
    size_t bytes;
    if (cli_parse_size(argv[optind + 1], (size_t)ULONG_MAX, &bytes) < 0 || bytes == 0)
        return cli_usage("bad BYTES '%.32s': a byte count above 0 (16K, 65536)", argv[optind + 1]);
    struct cli_obj obj;
    if ((rc = cli_obj_find(argv[optind], SYSV_MSG, &obj)) != 0)
        return rc;
    rc = sysv_msg_set_capacity(obj.id, bytes);
    if (rc == -EPERM)
        return cli_fail(obj.label, rc,
                        "not permitted (the owner or creator may lower it; raising it above "
                        "msgmnb needs CAP_SYS_RESOURCE)");
    return rc < 0 ? cli_fail(obj.label, rc, NULL) : CLI_OK;
}
