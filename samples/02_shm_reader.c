/*
 * 02_shm_reader: the reader of the writer/reader pair (02_shm_writer.c).
 *
 * What it shows, step by step:
 *   1. finding a segment another program made, by its key alone: shmget
 *      without IPC_CREAT, size 0 (any size), asking only to read (0400);
 *   2. what IPC_STAT says of it: size, creator pid, owner, mode, nattch;
 *   3. shmat read-only (SHM_RDONLY), at an address of this process's own,
 *      and reading the writer's line from it, bounded by the segment's size;
 *   4. shmdt;
 *   5. shmctl(IPC_RMID): removing the segment (unless --keep), and checking
 *      that it is gone.
 *
 * Run it:  02_shm_writer starts it for you. By hand, from a second terminal,
 * after `02_shm_writer --leave`:
 *     ./build/dev/samples/02_shm_reader [--keep] [--key KEY]
 * KEY as 02_shm_writer takes it (default name:libsysv-sample-02); --key 2345
 * reads a segment made by the course notes' raw writer too.
 *
 * It makes no IPC object. It removes the segment it read unless --keep is
 * given; on an error it leaves the segment for the writer (or ipcrm) to
 * remove, as it is not the reader's.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "sample.h"

static int usage(void)
{
    fprintf(stderr, "usage: 02_shm_reader [--keep] [--key KEY]\n"
                    "  --keep     read, but leave the segment in place\n"
                    "  --key KEY  0x1f2e, 2345, name:NAME or path:FILE:A\n"
                    "             (default: name:libsysv-sample-02)\n");
    return 2;
}

/* Prints the text at the start of buf (n bytes, which may hold no NUL when
   a careless writer left none): up to the first NUL, without a trailing
   newline, with anything unprintable shown as '?'. */
static void show_text(const char *buf, size_t n)
{
    size_t len = strnlen(buf, n);
    if (len > 0 && buf[len - 1] == '\n')
        len--;
    putchar('"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        putchar(c >= 0x20 && c < 0x7f ? c : '?');
    }
    printf("\"%s\n", len == n ? " (no NUL found: cut at the buffer's end)" : "");
}

int main(int argc, char **argv)
{
    const char *key_text = "name:libsysv-sample-02";
    int keep = 0;

    sample_init();
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--keep") == 0)
            keep = 1;
        else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            key_text = argv[++i];
        else
            return usage();
    }

    sysv_shm shm = SYSV_SHM_INIT;
    sysv_shm_status st;
    char hex[SYSV_KEY_STRLEN], buf[512];
    int status = 1, rc, id;

    sample_step("reader 1. shmget: find the segment by its key");
    key_t key;
    if ((rc = sysv_key_parse(key_text, &key)) < 0) {
        sample_report(NULL, key_text, rc);
        return usage();
    }
    sysv_key_format(key, hex, sizeof(hex));
    printf("(reader, pid %d) key %s from \"%s\"\n", (int)getpid(), hex, key_text);
    rc = sysv_shm_open(&shm, key, 0, 0, 0400);
    printf("sysv_shm_open(%s, size 0, no flags, 0400) = shmget(%s, 0, 0400) returned %d (%s)\n",
           hex, hex, rc, sysv_errname(rc));
    if (rc == -ENOENT) {
        fprintf(stderr,
                "02_shm_reader: no segment has key %s. Start `02_shm_writer --leave` first\n"
                "  (with the same --key, if you gave one); `ipcs -m` lists the segments.\n",
                hex);
        goto out;
    }
    if (rc < 0) {
        sample_report(NULL, "sysv_shm_open", rc);
        goto out;
    }
    id = shm.id;
    printf("Found shmid %d. No SYSV_CREATE: find, never make. Size 0: whatever size it has.\n"
           "Mode 0400: this reader asks for read access only.\n",
           id);

    sample_step("reader 2. IPC_STAT: what the kernel knows of it");
    if ((rc = sysv_shm_stat(id, &st)) < 0) {
        sample_report(NULL, "sysv_shm_stat", rc);
        goto out;
    }
    printf("sysv_shm_stat(%d): %zu bytes, creator pid %ld, owner uid %ld, mode %04o, nattch %lu\n",
           id, st.size, (long)st.cpid, (long)st.perm.uid, (unsigned)st.perm.mode, st.nattch);
    printf("(`ipcs -m` prints the same: key %s, shmid %d, perms %o, bytes %zu, nattch %lu)\n", hex,
           id, (unsigned)st.perm.mode, st.size, st.nattch);

    sample_step("reader 3. shmat read-only, and read the line");
    if ((rc = sysv_shm_attach(&shm, SYSV_SHM_RDONLY)) < 0) {
        sample_report(NULL, "sysv_shm_attach", rc);
        goto out;
    }
    printf("sysv_shm_attach(shmid %d, SYSV_SHM_RDONLY) = shmat(%d, NULL, SHM_RDONLY) returned 0:\n"
           "attached at %p in this process. A store there would be a SIGSEGV.\n",
           id, id, shm.addr);
    size_t n = shm.size < sizeof(buf) ? shm.size : sizeof(buf);
    if ((rc = sysv_shm_read(&shm, 0, buf, n)) < 0) {
        sample_report(NULL, "sysv_shm_read", rc);
        goto out;
    }
    printf("sysv_shm_read(offset 0, %zu bytes) returned 0. The writer's line: ", n);
    show_text(buf, n);

    sample_step("reader 4. shmdt");
    if ((rc = sysv_shm_detach(&shm)) < 0) {
        sample_report(NULL, "sysv_shm_detach", rc);
        goto out;
    }
    printf("sysv_shm_detach() = shmdt(addr) returned 0. The segment is still in the kernel.\n");

    sample_step("reader 5. IPC_RMID: remove the segment");
    if (keep) {
        printf("--keep: left in place. Read it again, or remove it with `02_shm_reader --key %s`\n"
               "or `ipcrm -M %s`.\n",
               hex, hex);
        status = 0;
        goto out;
    }
    if ((rc = sysv_shm_remove(&shm)) < 0) {
        sample_report(NULL, "sysv_shm_remove", rc);
        goto out;
    }
    printf("sysv_shm_remove() = shmctl(%d, IPC_RMID, NULL) returned 0.\n", id);
    rc = sysv_shm_stat(id, &st);
    printf("sysv_shm_stat(%d) now returns %s: nobody was attached, so the kernel freed it at\n"
           "once (with a process still attached it would wait for the last shmdt).\n",
           id, sysv_errname(rc));
    if (rc == 0) {
        fprintf(stderr, "02_shm_reader: the segment is still there after IPC_RMID\n");
        goto out;
    }
    status = 0;

out:
    if (shm.addr != NULL && (rc = sysv_shm_detach(&shm)) < 0) {
        sample_report(NULL, "sysv_shm_detach", rc);
        status = 1;
    }
    return status;
}
