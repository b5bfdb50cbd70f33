/*
 * sysv shm read and shm write: a segment's bytes to stdout, and stdin or a
 * file into a segment, bounds-checked before anything is copied.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct shm_opts {
    size_t offset, length;
    int have_length;
    const char *file;
};

static int shm_take(int opt, const char *arg, void *ctx)
{
    struct shm_opts *o = ctx;
    switch (opt) {
    case 'o':
        if (cli_parse_size(arg, SIZE_MAX, &o->offset) < 0)
            return cli_usage("bad --offset '%.32s': a byte count (4K, 100)", arg);
        return 1;
    case 'l':
        if (cli_parse_size(arg, SIZE_MAX, &o->length) < 0)
            return cli_usage("bad --length '%.32s': a byte count (4K, 100)", arg);
        o->have_length = 1;
        return 1;
    case 'f':
        o->file = arg;
        return 1;
    default:
        return 0;
    }
}

/* Options, the segment, and an attachment (read-only for reading).
   Returns -1 to go on, or the exit status (--help, errors). */
static int shm_begin(int argc, char **argv, const char *shortopts, const struct option *longopts,
                     struct shm_opts *o, struct cli_obj *obj, sysv_shm *shm, int attach_flags)
{
    int rc = cli_getopt(argc, argv, shortopts, longopts, shm_take, o);
    if (rc >= 0)
        return rc;
    if ((rc = cli_operands(argc, argv, 1, 1)) >= 0)
        return rc;
    if ((rc = cli_obj_find(argv[optind], SYSV_SHM, obj)) != 0)
        return rc;
    rc = sysv_shm_open_id(shm, obj->id);
    if (rc == 0)
        rc = sysv_shm_attach(shm, attach_flags);
    return rc < 0 ? cli_fail(obj->label, rc, NULL) : -1;
}

static int out_of_range(const struct cli_obj *obj, size_t offset, size_t len, size_t size)
{
    char words[160];
    (void)snprintf(words, sizeof(words),
                   "%zu byte(s) at offset %zu pass the end of the segment (%zu bytes): nothing "
                   "copied",
                   len, offset, size);
    return cli_fail(obj->label, -ERANGE, words);
}

static int offset_past_end(const struct cli_obj *obj, size_t offset, size_t size)
{
    char words[96];
    (void)snprintf(words, sizeof(words), "offset %zu is past the end of the segment (%zu bytes)",
                   offset, size);
    return cli_fail(obj->label, -ERANGE, words);
}

int cmd_shm_read(int argc, char **argv)
{
    static const struct option longopts[] = {{"offset", required_argument, NULL, 'o'},
                                             {"length", required_argument, NULL, 'l'},
                                             CLI_OPT_HELP,
                                             {NULL, 0, NULL, 0}};
    struct shm_opts o;
    struct cli_obj obj;
    sysv_shm shm = SYSV_SHM_INIT;
    memset(&o, 0, sizeof(o));
    int rc = shm_begin(argc, argv, "o:l:", longopts, &o, &obj, &shm, SYSV_SHM_RDONLY);
    if (rc >= 0)
        return rc;
    size_t len = o.have_length ? o.length : (o.offset <= shm.size ? shm.size - o.offset : 0);
    if (o.offset > shm.size) {
        rc = offset_past_end(&obj, o.offset, shm.size);
    } else if (len > shm.size - o.offset) {
        rc = out_of_range(&obj, o.offset, len, shm.size);
    } else {
        /* Straight from the mapping: sysv_shm_read would need a copy as big
           as the segment. The bounds were checked above. */
        rc = cli_write_out((const unsigned char *)shm.addr + o.offset, len);
    }
    (void)sysv_shm_detach(&shm);
    return rc;
}

int cmd_shm_write(int argc, char **argv)
{
    static const struct option longopts[] = {{"offset", required_argument, NULL, 'o'},
                                             {"file", required_argument, NULL, 'f'},
                                             CLI_OPT_HELP,
                                             {NULL, 0, NULL, 0}};
    struct shm_opts o;
    struct cli_obj obj;
    sysv_shm shm = SYSV_SHM_INIT;
    memset(&o, 0, sizeof(o));
    int rc = shm_begin(argc, argv, "o:f:", longopts, &o, &obj, &shm, 0);
    if (rc >= 0)
        return rc;
    if (o.offset > shm.size) {
        rc = offset_past_end(&obj, o.offset, shm.size);
        (void)sysv_shm_detach(&shm);
        return rc;
    }
    FILE *f = stdin;
    const char *from = "standard input";
    if (o.file != NULL) {
        from = o.file;
        f = fopen(o.file, "rbe");
        if (f == NULL) {
            rc = cli_fail_sys(o.file, -errno);
            (void)sysv_shm_detach(&shm);
            return rc;
        }
    }
    /* All of the input first, so that input too long for the segment
       changes nothing. */
    unsigned char *data = NULL;
    size_t len = 0;
    size_t room = shm.size - o.offset;
    rc = cli_read_all(f, room, &data, &len);
    if (f != stdin)
        (void)fclose(f);
    if (rc == -EFBIG) {
        char words[160];
        (void)snprintf(words, sizeof(words),
                       "the input is longer than the %zu byte(s) from offset %zu to the end of "
                       "the segment: nothing copied",
                       room, o.offset);
        rc = cli_fail(obj.label, -ERANGE, words);
    } else if (rc < 0) {
        rc = cli_fail_sys(from, rc);
    } else {
        rc = sysv_shm_write(&shm, o.offset, data, len);
        rc = rc < 0 ? cli_fail(obj.label, rc, NULL) : CLI_OK;
    }
    free(data);
    (void)sysv_shm_detach(&shm);
    return rc;
}
