/*
 * 02_shm_writer: the textbook's writer/reader pair over one shared memory
 * segment, done safely. This is the writer; 02_shm_reader.c is the reader.
 *
 * What it shows, step by step:
 *   1. a key for the segment: derived from a fixed name by default
 *      (sysv_key_name("libsysv-sample-02")), or any key given with --key
 *      in the forms sysv_key_parse reads (0x1f2e, 2345, name:NAME,
 *      path:FILE:A);
 *   2. shmget with IPC_CREAT | IPC_EXCL and mode 0600: make a new segment
 *      or fail, never quietly share one somebody else made;
 *   3. shmat: map the segment into this process, and write a line of text;
 *   4. shmdt: unmap it. The segment and the text stay in the kernel;
 *   5. start the reader (the 02_shm_reader next to this program), which
 *      finds the segment by its key, reads the line and removes it;
 *   6. check that the segment is gone, and remove it if the reader did not.
 * Every step prints the call, what it returned, the shmid, the key as ipcs
 * prints it and the attach address.
 *
 * Run it:  ./build/dev/samples/02_shm_writer ["a line of text"]
 * In two terminals (the reader by hand):
 *   terminal 1:  ./02_shm_writer --leave "a line of text"
 *   terminal 2:  ipcs -m; ./02_shm_reader   (reads and removes; --keep keeps)
 * With the course notes' raw reader, shmget((key_t)2345, 1024, 0666):
 *   ./02_shm_writer --leave --key 2345, run that reader, then ./02_shm_reader
 *   --key 2345 (or ipcrm -M 2345) to remove the segment.
 *
 * It leaves nothing behind: the segment is removed on every path, errors
 * included. Only --leave keeps it, on purpose, until the reader (or
 * ipcrm -M KEY) removes it.
 */
#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "sample.h"

#define SEG_SIZE 4096 /* one page; the notes' raw reader asks for 1024 or more */
#define READER "02_shm_reader"

static int usage(void)
{
    fprintf(stderr, "usage: 02_shm_writer [--leave] [--key KEY] [TEXT]\n"
                    "  --leave    keep the segment for 02_shm_reader run by hand\n"
                    "  --key KEY  0x1f2e, 2345, name:NAME or path:FILE:A\n"
                    "             (default: name:libsysv-sample-02)\n");
    return 2;
}

/* Starts the reader (sample_spawn: fork, then exec in the child) and waits
   for it. 0 when it exited with status 0, 1 when it ran and failed, a
   negative errno when it could not be run. */
static int run_reader(const char *path, const char *key_text)
{
    /* Printed before the fork: afterwards the reader prints at the same time. */
    printf("(writer) fork, exec the reader in the child, and waitpid for it\n");
    char *argv[] = {(char *)path, "--key", (char *)key_text, NULL};
    pid_t pid = sample_spawn(path, argv);
    if (pid < 0)
        return (int)pid;
    int status, rc = sample_waitpid(pid, &status);
    if (rc < 0)
        return rc;
    if (WIFEXITED(status)) {
        printf("\n(writer) the reader, pid %d, exited with status %d\n", (int)pid,
               WEXITSTATUS(status));
        return WEXITSTATUS(status) == 0 ? 0 : 1;
    }
    printf("\n(writer) the reader, pid %d, was killed by signal %d\n", (int)pid,
           WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return 1;
}

int main(int argc, char **argv)
{
    const char *key_text = "name:libsysv-sample-02";
    const char *text = NULL;
    int leave = 0;

    sample_init();
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--leave") == 0)
            leave = 1;
        else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            key_text = argv[++i];
        else if (argv[i][0] == '-' || text != NULL)
            return usage();
        else
            text = argv[i];
    }
    char line[256];
    if (text == NULL) {
        snprintf(line, sizeof(line), "Hello from the writer, pid %d", (int)getpid());
        text = line;
    }
    size_t len = strlen(text) + 1; /* the NUL goes in too: the reader needs the end */
    if (len > SEG_SIZE) {
        fprintf(stderr, "02_shm_writer: the text is %zu bytes; the segment holds %d\n", len,
                SEG_SIZE);
        return 2;
    }

    sysv_shm shm = SYSV_SHM_INIT;
    sysv_shm_status st;
    char hex[SYSV_KEY_STRLEN], path[PATH_MAX];
    int status = 1, rc, id = -1, reader_ok;
    int ours = 0; /* 1 while the segment exists and removing it is our job */

    sample_step("1. A key for the segment");
    key_t key;
    if ((rc = sysv_key_parse(key_text, &key)) < 0) {
        sample_report(NULL, key_text, rc);
        return usage();
    }
    if (key == SYSV_KEY_PRIVATE) {
        fprintf(stderr, "02_shm_writer: the reader finds the segment by its key, and IPC_PRIVATE "
                        "is no key: give a real one\n");
        return 2;
    }
    sysv_key_format(key, hex, sizeof(hex));
    printf("sysv_key_parse(\"%s\") = %s (written as ipcs prints keys)\n", key_text, hex);
    printf("Writer and reader agree on this number, not on a shmid: the shmid is known only\n"
           "once the segment exists, the key beforehand.\n");

    sample_step("2. shmget: make the segment");
    rc = sysv_shm_open(&shm, key, SEG_SIZE, SYSV_CREATE | SYSV_EXCL, 0600);
    printf("sysv_shm_open(%s, %d bytes, SYSV_CREATE | SYSV_EXCL, 0600)\n"
           "  = shmget(%s, %d, IPC_CREAT | IPC_EXCL | 0600) returned %d (%s)\n",
           hex, SEG_SIZE, hex, SEG_SIZE, rc, sysv_errname(rc));
    if (rc == -EEXIST) {
        if (sample_sibling_path(READER, path, sizeof(path)) < 0)
            snprintf(path, sizeof(path), "%s", READER);
        fprintf(stderr,
                "02_shm_writer: a segment with key %s already exists, perhaps kept by an earlier\n"
                "  --leave. It is not ours to remove here: `ipcs -m` lists it,\n"
                "  `%s --key %s` reads and removes it,\n"
                "  `ipcrm -M %s` removes it.\n",
                hex, path, hex, hex);
        goto out;
    }
    if (rc < 0) {
        sample_report(NULL, "sysv_shm_open", rc);
        goto out;
    }
    id = shm.id;
    ours = 1;
    printf("New segment: shmid %d, key %s, %zu bytes. The shmid and the key are different\n"
           "numbers (ipcs -m shows both): the key names the segment, the shmid is what\n"
           "shmat and shmctl take.\n",
           id, hex, shm.size);
    printf("IPC_EXCL: had the key been taken, we would have got EEXIST instead of sharing\n"
           "a stranger's segment. 0600: only this user may read or write it (the notes'\n"
           "0666 lets every user on the machine do both).\n");

    sample_step("3. shmat: map it, and write a line");
    if ((rc = sysv_shm_attach(&shm, 0)) < 0) {
        sample_report(NULL, "sysv_shm_attach", rc);
        goto out;
    }
    printf("sysv_shm_attach(shmid %d) = shmat(%d, NULL, 0) returned 0: attached at %p\n", id, id,
           shm.addr);
    printf("That address is where this process (pid %d) sees the segment; another process\n"
           "may see it somewhere else.\n",
           (int)getpid());
    if ((rc = sysv_shm_write(&shm, 0, text, len)) < 0) {
        sample_report(NULL, "sysv_shm_write", rc);
        goto out;
    }
    printf("sysv_shm_write(offset 0, %zu bytes) returned 0: wrote \"%s\" and its NUL\n", len, text);

    sample_step("4. shmdt: unmap it; the segment stays");
    if ((rc = sysv_shm_detach(&shm)) < 0) {
        sample_report(NULL, "sysv_shm_detach", rc);
        goto out;
    }
    printf("sysv_shm_detach() = shmdt(addr) returned 0: this process no longer sees it.\n");
    if ((rc = sysv_shm_stat(id, &st)) < 0) {
        sample_report(NULL, "sysv_shm_stat", rc);
        goto out;
    }
    printf("sysv_shm_stat(%d): %zu bytes, nattch %lu, creator pid %ld, mode %04o.\n", id, st.size,
           st.nattch, (long)st.cpid, (unsigned)st.perm.mode);
    printf("Nobody is attached, yet the segment and the text live on in the kernel: System V\n"
           "objects outlive the processes that use them until someone removes them.\n");

    if (leave) {
        sample_step("5. --leave: the segment stays for you");
        if (sample_sibling_path(READER, path, sizeof(path)) < 0)
            snprintf(path, sizeof(path), "%s", READER);
        printf("shmid %d, key %s is in the kernel now: `ipcs -m` lists it. In another terminal:\n"
               "  %s --key %s\n"
               "      reads the line, then removes the segment (--keep: leaves it)\n"
               "  ipcrm -M %s\n"
               "      removes it without reading\n",
               id, hex, path, hex, hex);
        ours = 0;
        status = 0;
        goto out;
    }

    sample_step("5. Start the reader: fork, then exec the program next to this one");
    if ((rc = sample_sibling_path(READER, path, sizeof(path))) < 0) {
        sample_report_sys(
            NULL, "finding " READER " next to this program (build it: target " READER ")", rc);
        goto out;
    }
    printf("%s --key %s\n", path, hex);
    rc = run_reader(path, hex);
    if (rc < 0) {
        sample_report_sys(NULL, "running the reader", rc);
        goto out;
    }
    reader_ok = rc == 0;

    sample_step("6. Is the segment gone?");
    rc = sysv_shm_stat(id, &st);
    if (rc == -EINVAL || rc == -EIDRM) {
        printf("sysv_shm_stat(%d) returned %s: no such segment. The reader removed it\n"
               "(IPC_RMID) and, nobody being attached, the kernel freed it at once.\n",
               id, sysv_errname(rc));
        ours = 0;
    } else if (rc == 0) {
        printf("sysv_shm_stat(%d) returned 0: the segment is still there; the writer removes it.\n",
               id);
    } else {
        sample_report(NULL, "sysv_shm_stat", rc);
        goto out;
    }
    status = reader_ok ? 0 : 1;

out:
    if (shm.addr != NULL && (rc = sysv_shm_detach(&shm)) < 0) {
        sample_report(NULL, "sysv_shm_detach", rc);
        status = 1;
    }
    if (ours) {
        if ((rc = sysv_shm_remove(&shm)) < 0) {
            sample_report(NULL, "sysv_shm_remove", rc);
            status = 1;
        } else {
            printf("sysv_shm_remove() = shmctl(%d, IPC_RMID) returned 0: segment removed.\n", id);
        }
    }
    return status;
}
