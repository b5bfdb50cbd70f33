/*
 * sysv ls and sysv show: what ipcs, lsipc and `ipcs -i` show, from
 * sysv_list, the kind-specific stat calls, semaphore reads and queue peeks.
 * JSON uses lsipc's top-level names and field names where they overlap,
 * with numbers as numbers and times as seconds since the epoch (null for
 * never).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* ---- Columns ------------------------------------------------------------- */

enum col_id {
    C_KIND,
    C_KEY,
    C_ID,
    C_OWNER,
    C_PERMS,
    C_SIZE,
    C_NATTCH,
    C_USEDBYTES,
    C_MSGS,
    C_NSEMS,
    C_ATTACH,
    C_DETACH,
    C_SEND,
    C_RECV,
    C_OTIME,
    C_CTIME,
    C_CPID,
    C_LPID,
    C_LSPID,
    C_LRPID,
    C_CUID,
    C_CUSER,
    C_CGID,
    C_CGROUP,
    C_UID,
    C_USER,
    C_GID,
    C_GROUP
};

#define K_SHM 1u
#define K_MSG 2u
#define K_SEM 4u
#define K_ALL 7u

enum col_group { G_BASE, G_TIME, G_PID, G_CREATOR };

struct col {
    const char *head;
    const char *json; /* lsipc's name for it; NULL: not in JSON */
    enum col_id id;
    int right;
    unsigned kinds;
    enum col_group group;
};

static const struct col cols[] = {
    {"KIND", NULL, C_KIND, 0, K_ALL, G_BASE},
    {"KEY", "key", C_KEY, 0, K_ALL, G_BASE},
    {"ID", "id", C_ID, 1, K_ALL, G_BASE},
    {"OWNER", "owner", C_OWNER, 0, K_ALL, G_BASE},
    {"PERMS", "perms", C_PERMS, 0, K_ALL, G_BASE},
    {"SIZE", "size", C_SIZE, 1, K_SHM, G_BASE},
    {"NATTCH", "nattch", C_NATTCH, 1, K_SHM, G_BASE},
    {"USEDBYTES", "usedbytes", C_USEDBYTES, 1, K_MSG, G_BASE},
    {"MSGS", "msgs", C_MSGS, 1, K_MSG, G_BASE},
    {"NSEMS", "nsems", C_NSEMS, 1, K_SEM, G_BASE},
    {"ATTACH", "attach", C_ATTACH, 0, K_SHM, G_TIME},
    {"DETACH", "detach", C_DETACH, 0, K_SHM, G_TIME},
    {"SEND", "send", C_SEND, 0, K_MSG, G_TIME},
    {"RECV", "recv", C_RECV, 0, K_MSG, G_TIME},
    {"OTIME", "otime", C_OTIME, 0, K_SEM, G_TIME},
    {"CTIME", "ctime", C_CTIME, 0, K_ALL, G_TIME},
    {"CPID", "cpid", C_CPID, 1, K_SHM, G_PID},
    {"LPID", "lpid", C_LPID, 1, K_SHM, G_PID},
    {"LSPID", "lspid", C_LSPID, 1, K_MSG, G_PID},
    {"LRPID", "lrpid", C_LRPID, 1, K_MSG, G_PID},
    {"CUID", "cuid", C_CUID, 1, K_ALL, G_CREATOR},
    {"CUSER", "cuser", C_CUSER, 0, K_ALL, G_CREATOR},
    {"CGID", "cgid", C_CGID, 1, K_ALL, G_CREATOR},
    {"CGROUP", "cgroup", C_CGROUP, 0, K_ALL, G_CREATOR},
    {"UID", "uid", C_UID, 1, K_ALL, G_CREATOR},
    {"USER", "user", C_USER, 0, K_ALL, G_CREATOR},
    {"GID", "gid", C_GID, 1, K_ALL, G_CREATOR},
    {"GROUP", "group", C_GROUP, 0, K_ALL, G_CREATOR},
};

#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static unsigned kind_bit(sysv_kind kind)
{
    return kind == SYSV_SHM ? K_SHM : kind == SYSV_MSG ? K_MSG : K_SEM;
}

/* The cell's text; "-" where the column does not apply to the kind. */
static const char *cell(const struct col *c, const sysv_entry *e, char *buf, size_t cap)
{
    if (!(c->kinds & kind_bit(e->kind)))
        return "-";
    switch (c->id) {
    case C_KIND:
        return sysv_kind_name(e->kind);
    case C_KEY:
        (void)sysv_key_format(e->perm.key, buf, cap);
        return buf;
    case C_ID:
        (void)snprintf(buf, cap, "%d", e->id);
        return buf;
    case C_OWNER:
    case C_USER:
        return cli_user_name(e->perm.uid, buf, cap);
    case C_PERMS:
        if (cap >= 10)
            cli_perms(e->perm.mode, buf);
        return buf;
    case C_SIZE:
    case C_USEDBYTES:
        (void)snprintf(buf, cap, "%zu", e->size);
        return buf;
    case C_NATTCH:
    case C_MSGS:
    case C_NSEMS:
        (void)snprintf(buf, cap, "%lu", e->count);
        return buf;
    case C_ATTACH:
    case C_SEND:
    case C_OTIME:
        return cli_time(e->atime, buf, cap);
    case C_DETACH:
    case C_RECV:
        return cli_time(e->dtime, buf, cap);
    case C_CTIME:
        return cli_time(e->ctime, buf, cap);
    case C_CPID:
    case C_LSPID:
        (void)snprintf(buf, cap, "%ld", (long)e->cpid);
        return buf;
    case C_LPID:
    case C_LRPID:
        (void)snprintf(buf, cap, "%ld", (long)e->lpid);
        return buf;
    case C_CUID:
        (void)snprintf(buf, cap, "%lu", (unsigned long)e->perm.cuid);
        return buf;
    case C_CUSER:
        return cli_user_name(e->perm.cuid, buf, cap);
    case C_CGID:
        (void)snprintf(buf, cap, "%lu", (unsigned long)e->perm.cgid);
        return buf;
    case C_CGROUP:
        return cli_group_name(e->perm.cgid, buf, cap);
    case C_UID:
        (void)snprintf(buf, cap, "%lu", (unsigned long)e->perm.uid);
        return buf;
    case C_GID:
        (void)snprintf(buf, cap, "%lu", (unsigned long)e->perm.gid);
        return buf;
    case C_GROUP:
        return cli_group_name(e->perm.gid, buf, cap);
    }
    return "-";
}

/* The column as a JSON member: numbers as numbers, times as epoch seconds
   or null. */
static void json_cell(struct cli_json *j, const struct col *c, const sysv_entry *e)
{
    char buf[64];
    switch (c->id) {
    case C_KEY:
        json_uint(j, c->json, (unsigned long long)(unsigned)e->perm.key);
        return;
    case C_ID:
        json_int(j, c->json, e->id);
        return;
    case C_SIZE:
    case C_USEDBYTES:
        json_uint(j, c->json, e->size);
        return;
    case C_NATTCH:
    case C_MSGS:
    case C_NSEMS:
        json_uint(j, c->json, e->count);
        return;
    case C_ATTACH:
    case C_SEND:
    case C_OTIME:
        json_time(j, c->json, e->atime);
        return;
    case C_DETACH:
    case C_RECV:
        json_time(j, c->json, e->dtime);
        return;
    case C_CTIME:
        json_time(j, c->json, e->ctime);
        return;
    case C_CPID:
    case C_LSPID:
        json_int(j, c->json, e->cpid);
        return;
    case C_LPID:
    case C_LRPID:
        json_int(j, c->json, e->lpid);
        return;
    case C_CUID:
        json_uint(j, c->json, e->perm.cuid);
        return;
    case C_CGID:
        json_uint(j, c->json, e->perm.cgid);
        return;
    case C_UID:
        json_uint(j, c->json, e->perm.uid);
        return;
    case C_GID:
        json_uint(j, c->json, e->perm.gid);
        return;
    default:
        json_string(j, c->json, cell(c, e, buf, sizeof(buf)));
        return;
    }
}

/* Every field lsipc has for this kind, and the mode as a number. */
static void json_entry(struct cli_json *j, const sysv_entry *e)
{
    for (size_t i = 0; i < NCOLS; i++)
        if (cols[i].json != NULL && (cols[i].kinds & kind_bit(e->kind)))
            json_cell(j, &cols[i], e);
    json_uint(j, "mode", e->perm.mode);
}

static const char *json_section(sysv_kind kind)
{
    return kind == SYSV_SHM ? "sharedmemory" : kind == SYSV_MSG ? "messages" : "semaphores";
}

/* ---- Gathering ----------------------------------------------------------- */

struct entries {
    sysv_entry *v;
    size_t n, cap;
    int mine;
};

static int gather(const sysv_entry *e, void *arg)
{
    struct entries *es = arg;
    uid_t me = geteuid();
    if (es->mine && e->perm.uid != me && e->perm.cuid != me)
        return 0;
    if (es->n == es->cap) {
        size_t cap = es->cap ? es->cap * 2 : 64;
        sysv_entry *bigger = realloc(es->v, cap * sizeof(*bigger));
        if (bigger == NULL)
            return -ENOMEM;
        es->v = bigger;
        es->cap = cap;
    }
    es->v[es->n++] = *e;
    return 0;
}

/* ---- sysv ls --limits and --summary --------------------------------------- */

struct usage {
    size_t shm_segs, shm_bytes, shm_pages;
    size_t msg_queues, msg_msgs, msg_bytes;
    size_t sem_sets, sem_sems;
};

static void count_usage(const struct entries *es, struct usage *u)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    memset(u, 0, sizeof(*u));
    for (size_t i = 0; i < es->n; i++) {
        const sysv_entry *e = &es->v[i];
        if (e->kind == SYSV_SHM) {
            u->shm_segs++;
            u->shm_bytes += e->size;
            u->shm_pages += e->size / page + (e->size % page != 0);
        } else if (e->kind == SYSV_MSG) {
            u->msg_queues++;
            u->msg_msgs += e->count;
            u->msg_bytes += e->size;
        } else {
            u->sem_sets++;
            u->sem_sems += e->count;
        }
    }
}

static int show_limits(const struct entries *es, const struct cli_output *o)
{
    sysv_limits lim;
    int rc = sysv_limits_get(&lim);
    if (rc < 0)
        return cli_fail("kernel limits", rc, NULL);
    struct usage u;
    count_usage(es, &u);
    const size_t none = (size_t)-1;
    const struct {
        const char *name, *words;
        size_t limit, used;
    } rows[] = {
        {"MSGMNI", "Number of message queues", lim.msgmni, u.msg_queues},
        {"MSGMAX", "Max size of message (bytes)", lim.msgmax, none},
        {"MSGMNB", "Default max size of queue (bytes)", lim.msgmnb, none},
        {"SHMMNI", "Shared memory segments", lim.shmmni, u.shm_segs},
        {"SHMALL", "Shared memory pages", lim.shmall, u.shm_pages},
        {"SHMMAX", "Max size of shared memory segment (bytes)", lim.shmmax, none},
        {"SHMMIN", "Min size of shared memory segment (bytes)", lim.shmmin, none},
        {"SEMMNI", "Number of semaphore identifiers", lim.semmni, u.sem_sets},
        {"SEMMNS", "Total number of semaphores", lim.semmns, u.sem_sems},
        {"SEMMSL", "Max semaphores per semaphore set.", lim.semmsl, none},
        {"SEMOPM", "Max number of operations per semop(2)", lim.semopm, none},
        {"SEMVMX", "Semaphore max value", lim.semvmx, none},
    };
    const size_t nrows = sizeof(rows) / sizeof(rows[0]);

    if (o->json) {
        struct cli_json j;
        json_init(&j, stdout);
        json_object(&j, NULL);
        json_array(&j, "ipclimits");
        for (size_t i = 0; i < nrows; i++) {
            json_object(&j, NULL);
            json_string(&j, "resource", rows[i].name);
            json_string(&j, "description", rows[i].words);
            json_uint(&j, "limit", rows[i].limit);
            if (rows[i].used == none) {
                json_null(&j, "used");
                json_null(&j, "use%");
            } else {
                json_uint(&j, "used", rows[i].used);
                json_double(&j, "use%",
                            rows[i].limit ? 100.0 * (double)rows[i].used / (double)rows[i].limit
                                          : 0);
            }
            json_end(&j, '}');
        }
        json_end(&j, ']');
        json_end(&j, '}');
        return json_finish(&j);
    }

    struct cli_table t;
    cli_table_init(&t);
    cli_table_col(&t, "RESOURCE", 0);
    cli_table_col(&t, "DESCRIPTION", 0);
    cli_table_col(&t, "LIMIT", 1);
    cli_table_col(&t, "USED", 1);
    cli_table_col(&t, "USE%", 1);
    rc = 0;
    for (size_t i = 0; i < nrows && rc == 0; i++) {
        char limit[32], used[32], pct[32];
        (void)snprintf(limit, sizeof(limit), "%zu", rows[i].limit);
        if (rows[i].used == none) {
            (void)snprintf(used, sizeof(used), "-");
            (void)snprintf(pct, sizeof(pct), "-");
        } else {
            (void)snprintf(used, sizeof(used), "%zu", rows[i].used);
            (void)snprintf(pct, sizeof(pct), "%.2f%%",
                           rows[i].limit ? 100.0 * (double)rows[i].used / (double)rows[i].limit
                                         : 0);
        }
        const char *cells[] = {rows[i].name, rows[i].words, limit, used, pct};
        rc = cli_table_row(&t, cells);
    }
    if (rc == 0)
        cli_table_print(&t, o, stdout);
    cli_table_free(&t);
    return rc < 0 ? cli_fail(NULL, rc, NULL) : cli_write_out(NULL, 0);
}

static int show_summary(const struct entries *es, const struct cli_output *o)
{
    struct usage u;
    count_usage(es, &u);
    if (o->json) {
        struct cli_json j;
        json_init(&j, stdout);
        json_object(&j, NULL);
        json_object(&j, "summary");
        json_object(&j, "sharedmemory");
        json_uint(&j, "segments", u.shm_segs);
        json_uint(&j, "bytes", u.shm_bytes);
        json_uint(&j, "pages", u.shm_pages);
        json_end(&j, '}');
        json_object(&j, "messages");
        json_uint(&j, "queues", u.msg_queues);
        json_uint(&j, "msgs", u.msg_msgs);
        json_uint(&j, "usedbytes", u.msg_bytes);
        json_end(&j, '}');
        json_object(&j, "semaphores");
        json_uint(&j, "sets", u.sem_sets);
        json_uint(&j, "nsems", u.sem_sems);
        json_end(&j, '}');
        json_end(&j, '}');
        json_end(&j, '}');
        return json_finish(&j);
    }
    (void)printf("shared memory:  %zu segment(s), %zu byte(s) in %zu page(s)\n"
                 "message queues: %zu queue(s), %zu message(s) holding %zu byte(s)\n"
                 "semaphores:     %zu set(s), %zu semaphore(s)\n",
                 u.shm_segs, u.shm_bytes, u.shm_pages, u.msg_queues, u.msg_msgs, u.msg_bytes,
                 u.sem_sets, u.sem_sems);
    return cli_write_out(NULL, 0);
}

/* ---- Channels (<sysv/chan.h>): sysv ls chan, sysv show chan ---------------- */

/* Prints the channels among the entries (segments whose key also names a
   channel's semaphore set and whose header says so), as a table or JSON. */
static int print_channels(const struct entries *es, const struct cli_output *o)
{
    struct cli_json j;
    struct cli_table t;
    json_init(&j, stdout);
    cli_table_init(&t);
    if (o->json) {
        json_object(&j, NULL);
        json_array(&j, "channels");
    } else {
        static const char *const heads[] = {"KEY",  "SHMID",    "CAPACITY", "USED",   "QUEUED",
                                            "SENT", "RECEIVED", "WRITER",   "READER", "REPAIRS"};
        for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
            cli_table_col(&t, heads[i], i > 0);
    }
    int rc = 0;
    for (size_t i = 0; i < es->n && rc == 0; i++) {
        const sysv_entry *e = &es->v[i];
        sysv_chan_status st;
        if (e->kind != SYSV_SHM || e->perm.key == SYSV_KEY_PRIVATE ||
            sysv_chan_inspect(e->perm.key, &st) != 0)
            continue;
        if (o->json) {
            json_object(&j, NULL);
            json_uint(&j, "key", (unsigned long long)(unsigned)e->perm.key);
            json_int(&j, "shmid", e->id);
            json_uint(&j, "capacity", st.capacity);
            json_uint(&j, "used", st.used);
            json_uint(&j, "queued", st.queued);
            json_uint(&j, "sent", st.sent);
            json_uint(&j, "received", st.received);
            json_int(&j, "writer", st.writer);
            json_int(&j, "reader", st.reader);
            json_uint(&j, "repairs", st.repairs);
            json_end(&j, '}');
            continue;
        }
        char v[10][32];
        (void)sysv_key_format(e->perm.key, v[0], sizeof(v[0]));
        (void)snprintf(v[1], sizeof(v[1]), "%d", e->id);
        (void)snprintf(v[2], sizeof(v[2]), "%zu", st.capacity);
        (void)snprintf(v[3], sizeof(v[3]), "%zu", st.used);
        (void)snprintf(v[4], sizeof(v[4]), "%lu", st.queued);
        (void)snprintf(v[5], sizeof(v[5]), "%llu", st.sent);
        (void)snprintf(v[6], sizeof(v[6]), "%llu", st.received);
        (void)snprintf(v[7], sizeof(v[7]), "%ld", (long)st.writer);
        (void)snprintf(v[8], sizeof(v[8]), "%ld", (long)st.reader);
        (void)snprintf(v[9], sizeof(v[9]), "%lu", st.repairs);
        const char *cells[10];
        for (int c = 0; c < 10; c++)
            cells[c] = v[c];
        rc = cli_table_row(&t, cells);
    }
    if (o->json) {
        json_end(&j, ']');
        json_end(&j, '}');
        cli_table_free(&t);
        return json_finish(&j);
    }
    if (rc == 0)
        cli_table_print(&t, o, stdout);
    cli_table_free(&t);
    return rc < 0 ? cli_fail(NULL, rc, NULL) : cli_write_out(NULL, 0);
}

/* ---- sysv ls ------------------------------------------------------------- */

enum { OPT_LS_LIMITS = OPT_FIRST_OWN, OPT_LS_SUMMARY };

struct ls_opts {
    struct cli_output out;
    int groups; /* 1 << G_TIME | ... */
    int mine, limits, summary;
};

static int ls_take(int opt, const char *arg, void *ctx)
{
    struct ls_opts *o = ctx;
    (void)arg;
    switch (opt) {
    case 't':
        o->groups |= 1 << G_TIME;
        return 1;
    case 'p':
        o->groups |= 1 << G_PID;
        return 1;
    case 'c':
        o->groups |= 1 << G_CREATOR;
        return 1;
    case 'm':
        o->mine = 1;
        return 1;
    case 'l':
        o->limits = 1;
        return 1;
    case 'u':
        o->summary = 1;
        return 1;
    default:
        return cli_output_option(&o->out, opt);
    }
}

static int print_listing(const struct entries *es, sysv_kind kind, const struct ls_opts *o)
{
    if (o->out.json) {
        struct cli_json j;
        json_init(&j, stdout);
        json_object(&j, NULL);
        for (sysv_kind k = SYSV_SHM; k <= SYSV_SEM; k++) {
            if (kind != 0 && k != kind)
                continue;
            json_array(&j, json_section(k));
            for (size_t i = 0; i < es->n; i++) {
                if (es->v[i].kind != k)
                    continue;
                json_object(&j, NULL);
                json_entry(&j, &es->v[i]);
                json_end(&j, '}');
            }
            json_end(&j, ']');
        }
        json_end(&j, '}');
        return json_finish(&j);
    }

    const struct col *shown[NCOLS];
    size_t nshown = 0;
    unsigned kinds = kind == 0 ? K_ALL : kind_bit(kind);
    struct cli_table t;
    cli_table_init(&t);
    for (size_t i = 0; i < NCOLS; i++) {
        if (cols[i].id == C_KIND && kind != 0)
            continue;
        if (!(cols[i].kinds & kinds))
            continue;
        if (cols[i].group != G_BASE && !(o->groups & (1 << cols[i].group)))
            continue;
        shown[nshown++] = &cols[i];
        cli_table_col(&t, cols[i].head, cols[i].right);
    }
    int rc = 0;
    for (size_t r = 0; r < es->n && rc == 0; r++) {
        char bufs[NCOLS][64];
        const char *cells[NCOLS];
        for (size_t c = 0; c < nshown; c++)
            cells[c] = cell(shown[c], &es->v[r], bufs[c], sizeof(bufs[c]));
        rc = cli_table_row(&t, cells);
    }
    if (rc == 0)
        cli_table_print(&t, &o->out, stdout);
    cli_table_free(&t);
    return rc < 0 ? cli_fail(NULL, rc, NULL) : cli_write_out(NULL, 0);
}

int cmd_ls(int argc, char **argv)
{
    static const struct option longopts[] = {{"time", no_argument, NULL, 't'},
                                             {"pid", no_argument, NULL, 'p'},
                                             {"creator", no_argument, NULL, 'c'},
                                             {"mine", no_argument, NULL, 'm'},
                                             {"limits", no_argument, NULL, 'l'},
                                             {"summary", no_argument, NULL, 'u'},
                                             CLI_OPTS_OUTPUT,
                                             CLI_OPT_HELP,
                                             {NULL, 0, NULL, 0}};
    struct ls_opts o;
    memset(&o, 0, sizeof(o));
    int rc = cli_getopt(argc, argv, "tpcmlu", longopts, ls_take, &o);
    if (rc >= 0)
        return rc;
    if ((rc = cli_operands(argc, argv, 0, 1)) >= 0)
        return rc;
    if (o.limits && o.summary)
        return cli_usage("--limits and --summary exclude each other");
    if ((o.limits || o.summary) && (o.mine || o.groups != 0))
        return cli_usage("--limits and --summary count every object: no --mine, --time, --pid "
                         "or --creator");
    sysv_kind kind = 0;
    int channels = 0;
    if (optind < argc) {
        if (o.limits || o.summary)
            return cli_usage("--limits and --summary count every kind: give no kind");
        channels = strcmp(argv[optind], "chan") == 0;
        if (channels)
            kind = SYSV_SHM;
        else if (cli_parse_kind(argv[optind], &kind) < 0)
            return cli_usage("'%.32s' is not a kind (shm, msg, sem or chan)", argv[optind]);
    }

    struct entries es = {NULL, 0, 0, o.mine};
    rc = sysv_list(kind, gather, &es);
    if (rc < 0) {
        free(es.v);
        return cli_fail("listing", rc, NULL);
    }
    if (channels)
        rc = print_channels(&es, &o.out);
    else if (o.limits)
        rc = show_limits(&es, &o.out);
    else if (o.summary)
        rc = show_summary(&es, &o.out);
    else
        rc = print_listing(&es, kind, &o);
    free(es.v);
    return rc;
}

/* ---- sysv show ----------------------------------------------------------- */

struct find_one {
    int id;
    sysv_entry entry;
    int found;
};

static int find_one(const sysv_entry *e, void *arg)
{
    struct find_one *f = arg;
    if (e->id != f->id)
        return 0;
    f->entry = *e;
    f->found = 1;
    return 1;
}

/* The set's semaphores: value, ncount, zcount, pid. Returns 0 or -errno. */
struct sem_elem {
    int value, ncount, zcount, pid;
};

static int read_set(int id, struct sem_elem **out, int *n)
{
    sysv_semset s = SYSV_SEMSET_INIT;
    int rc = sysv_sem_open_id(&s, id);
    if (rc < 0)
        return rc;
    struct sem_elem *v = calloc((size_t)s.nsems, sizeof(*v));
    if (v == NULL)
        return -ENOMEM;
    for (int i = 0; i < s.nsems; i++) {
        if ((rc = sysv_sem_get(&s, i)) < 0)
            break;
        v[i].value = rc;
        if ((rc = sysv_sem_waiters(&s, i, &v[i].ncount, &v[i].zcount)) < 0)
            break;
        if ((rc = sysv_sem_pid(&s, i)) < 0)
            break;
        v[i].pid = rc;
        rc = 0;
    }
    if (rc < 0) {
        free(v);
        return rc;
    }
    *out = v;
    *n = s.nsems;
    return 0;
}

struct queued {
    long type;
    size_t length;
};

/* Peeks at every queued message, head first. Returns 0 or -errno. */
static int read_queue(int id, struct queued **out, size_t *n)
{
    sysv_msgq q = SYSV_MSGQ_INIT;
    int rc = sysv_msg_open_id(&q, id);
    if (rc < 0)
        return rc;
    struct queued *v = NULL;
    size_t count = 0, cap = 0;
    for (;;) {
        long type;
        ssize_t len = sysv_msg_peek(&q, count, NULL, 0, &type);
        if (len == -ENOMSG)
            break;
        if (len < 0) {
            free(v);
            return (int)len;
        }
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            struct queued *bigger = realloc(v, cap * sizeof(*v));
            if (bigger == NULL) {
                free(v);
                return -ENOMEM;
            }
            v = bigger;
        }
        v[count].type = type;
        v[count].length = (size_t)len;
        count++;
    }
    *out = v;
    *n = count;
    return 0;
}

/* What show reads beyond the listing entry; each *_rc is 0 or why it
   could not be read (no read permission, say). */
struct details {
    sysv_shm_status shm;
    int shm_rc;
    sysv_msg_status msg;
    int msg_rc;
    struct queued *queued;
    size_t nqueued;
    int queued_rc;
    struct sem_elem *sems;
    int nsems;
    int sems_rc;
};

static void print_field(const char *name, const char *value)
{
    (void)printf("%-16s %s\n", name, value);
}

static int show_text(const sysv_entry *e, const struct details *d, const struct cli_output *o)
{
    static const enum col_id order[] = {C_KEY,  C_ID,     C_OWNER, C_PERMS, C_CUID, C_CUSER,
                                        C_CGID, C_CGROUP, C_UID,   C_USER,  C_GID,  C_GROUP};
    static const char *const names[] = {
        "Key:",         "ID:",           "Owner:",       "Perms:",
        "Creator UID:", "Creator user:", "Creator GID:", "Creator group:",
        "UID:",         "User:",         "GID:",         "Group:"};
    char buf[64], mode[16];
    print_field("Kind:", cli_kind_word(e->kind));
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        for (size_t c = 0; c < NCOLS; c++) {
            if (cols[c].id == order[i]) {
                print_field(names[i], cell(&cols[c], e, buf, sizeof(buf)));
                if (order[i] == C_PERMS) {
                    (void)snprintf(mode, sizeof(mode), "%04o", (unsigned)e->perm.mode);
                    print_field("Mode:", mode);
                }
            }
        }
    }
    print_field("Last change:", cli_time(e->ctime, buf, sizeof(buf)));
    if (e->kind == SYSV_SHM) {
        (void)snprintf(buf, sizeof(buf), "%zu", e->size);
        print_field("Size:", buf);
        (void)snprintf(buf, sizeof(buf), "%lu", e->count);
        print_field("Attached:", buf);
        print_field("Last attach:", cli_time(e->atime, buf, sizeof(buf)));
        print_field("Last detach:", cli_time(e->dtime, buf, sizeof(buf)));
        (void)snprintf(buf, sizeof(buf), "%ld", (long)e->cpid);
        print_field("Creator PID:", buf);
        (void)snprintf(buf, sizeof(buf), "%ld", (long)e->lpid);
        print_field("Last PID:", buf);
        if (d->shm_rc == 0) {
            print_field("Removed:", d->shm.removed ? "yes (freed at the last detach)" : "no");
            print_field("Locked:", d->shm.locked ? "yes (SHM_LOCK)" : "no");
        }
    } else if (e->kind == SYSV_MSG) {
        (void)snprintf(buf, sizeof(buf), "%lu", e->count);
        print_field("Messages:", buf);
        (void)snprintf(buf, sizeof(buf), "%zu", e->size);
        print_field("Bytes used:", buf);
        if (d->msg_rc == 0) {
            (void)snprintf(buf, sizeof(buf), "%zu", d->msg.qbytes);
            print_field("Capacity:", buf);
        }
        print_field("Last send:", cli_time(e->atime, buf, sizeof(buf)));
        print_field("Last receive:", cli_time(e->dtime, buf, sizeof(buf)));
        (void)snprintf(buf, sizeof(buf), "%ld", (long)e->cpid);
        print_field("Last sender:", buf);
        (void)snprintf(buf, sizeof(buf), "%ld", (long)e->lpid);
        print_field("Last receiver:", buf);
    } else {
        (void)snprintf(buf, sizeof(buf), "%lu", e->count);
        print_field("Semaphores:", buf);
        print_field("Last operation:", cli_time(e->atime, buf, sizeof(buf)));
    }

    struct cli_table t;
    cli_table_init(&t);
    int rc = 0;
    if (e->kind == SYSV_SEM) {
        if (d->sems_rc < 0) {
            (void)printf("\nValues: cannot read them: %s (%s)\n", sysv_strerror(d->sems_rc),
                         sysv_errname(d->sems_rc));
        } else {
            (void)printf("\n");
            cli_table_col(&t, "SEMNUM", 1);
            cli_table_col(&t, "VALUE", 1);
            cli_table_col(&t, "NCOUNT", 1);
            cli_table_col(&t, "ZCOUNT", 1);
            cli_table_col(&t, "PID", 1);
            for (int i = 0; i < d->nsems && rc == 0; i++) {
                char num[16], val[16], ncnt[16], zcnt[16], pid[16];
                (void)snprintf(num, sizeof(num), "%d", i);
                (void)snprintf(val, sizeof(val), "%d", d->sems[i].value);
                (void)snprintf(ncnt, sizeof(ncnt), "%d", d->sems[i].ncount);
                (void)snprintf(zcnt, sizeof(zcnt), "%d", d->sems[i].zcount);
                (void)snprintf(pid, sizeof(pid), "%d", d->sems[i].pid);
                const char *cells[] = {num, val, ncnt, zcnt, pid};
                rc = cli_table_row(&t, cells);
            }
        }
    } else if (e->kind == SYSV_MSG) {
        if (d->queued_rc < 0) {
            (void)printf("\nQueued messages: cannot read them: %s (%s)\n",
                         sysv_strerror(d->queued_rc), sysv_errname(d->queued_rc));
        } else if (d->nqueued > 0) {
            (void)printf("\n");
            cli_table_col(&t, "INDEX", 1);
            cli_table_col(&t, "TYPE", 1);
            cli_table_col(&t, "LENGTH", 1);
            for (size_t i = 0; i < d->nqueued && rc == 0; i++) {
                char a[24], b[24], c[24];
                (void)snprintf(a, sizeof(a), "%zu", i);
                (void)snprintf(b, sizeof(b), "%ld", d->queued[i].type);
                (void)snprintf(c, sizeof(c), "%zu", d->queued[i].length);
                const char *cells[] = {a, b, c};
                rc = cli_table_row(&t, cells);
            }
        }
    }
    if (rc == 0 && t.ncols > 0)
        cli_table_print(&t, o, stdout);
    cli_table_free(&t);
    return rc < 0 ? cli_fail(NULL, rc, NULL) : cli_write_out(NULL, 0);
}

static int show_json(const sysv_entry *e, const struct details *d)
{
    struct cli_json j;
    json_init(&j, stdout);
    json_object(&j, NULL);
    json_array(&j, json_section(e->kind));
    json_object(&j, NULL);
    json_entry(&j, e);
    if (e->kind == SYSV_SHM && d->shm_rc == 0) {
        json_string(&j, "status", d->shm.removed ? "dest" : d->shm.locked ? "locked" : "");
    } else if (e->kind == SYSV_SEM && d->sems_rc == 0) {
        json_array(&j, "elements");
        for (int i = 0; i < d->nsems; i++) {
            json_object(&j, NULL);
            json_int(&j, "semnum", i);
            json_int(&j, "value", d->sems[i].value);
            json_int(&j, "ncount", d->sems[i].ncount);
            json_int(&j, "zcount", d->sems[i].zcount);
            json_int(&j, "pid", d->sems[i].pid);
            json_end(&j, '}');
        }
        json_end(&j, ']');
    }
    if (e->kind == SYSV_MSG && d->msg_rc == 0)
        json_uint(&j, "qbytes", d->msg.qbytes);
    if (e->kind == SYSV_MSG && d->queued_rc == 0) {
        json_array(&j, "queued");
        for (size_t i = 0; i < d->nqueued; i++) {
            json_object(&j, NULL);
            json_uint(&j, "index", i);
            json_int(&j, "type", d->queued[i].type);
            json_uint(&j, "length", d->queued[i].length);
            json_end(&j, '}');
        }
        json_end(&j, ']');
    }
    json_end(&j, '}');
    json_end(&j, ']');
    json_end(&j, '}');
    return json_finish(&j);
}

static int show_take(int opt, const char *arg, void *ctx)
{
    (void)arg;
    return cli_output_option(ctx, opt);
}

int cmd_show(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_OPTS_OUTPUT, CLI_OPT_HELP, {NULL, 0, NULL, 0}};
    struct cli_output o = {0, 0, 0};
    int rc = cli_getopt(argc, argv, "", longopts, show_take, &o);
    if (rc >= 0)
        return rc;
    if ((rc = cli_operands(argc, argv, 2, 2)) >= 0)
        return rc;
    sysv_kind kind;
    int channel = strcmp(argv[optind], "chan") == 0;
    if (channel)
        kind = SYSV_SHM; /* a channel is named by its key, or its segment's id */
    else if (cli_parse_kind(argv[optind], &kind) < 0)
        return cli_usage("'%.32s' is not a kind (shm, msg, sem or chan)", argv[optind]);
    struct cli_obj obj;
    if ((rc = cli_obj_find(argv[optind + 1], kind, &obj)) != 0)
        return rc;
    if (channel) {
        sysv_chan_status st;
        rc = obj.key == SYSV_KEY_PRIVATE ? -EINVAL : sysv_chan_inspect(obj.key, &st);
        if (rc == -EINVAL)
            return cli_fail(obj.label, rc, "not a channel (sysv ls chan lists them)");
        if (rc < 0)
            return cli_fail(obj.label, rc, NULL);
    }

    struct find_one f = {obj.id, {0}, 0};
    rc = sysv_list(kind, find_one, &f);
    if (rc < 0)
        return cli_fail(obj.label, rc, NULL);
    if (!f.found)
        return cli_fail(obj.label, -EIDRM, NULL);
    if (channel) {
        struct entries one = {&f.entry, 1, 1, 0};
        return print_channels(&one, &o);
    }

    struct details d;
    memset(&d, 0, sizeof(d));
    d.shm_rc = d.msg_rc = d.queued_rc = d.sems_rc = -EINVAL;
    if (kind == SYSV_SHM) {
        d.shm_rc = sysv_shm_stat(obj.id, &d.shm);
    } else if (kind == SYSV_SEM) {
        d.sems_rc = read_set(obj.id, &d.sems, &d.nsems);
    } else {
        d.msg_rc = sysv_msg_stat(obj.id, &d.msg);
        d.queued_rc = read_queue(obj.id, &d.queued, &d.nqueued);
    }
    rc = o.json ? show_json(&f.entry, &d) : show_text(&f.entry, &d, &o);
    free(d.sems);
    free(d.queued);
    return rc;
}
