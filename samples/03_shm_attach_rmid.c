/*
 * 03_shm_attach_rmid: one segment, two processes, two addresses; and what
 * IPC_RMID does to a segment that is still attached.
 *
 * What it shows, step by step:
 *   1. the parent makes a segment (shmget), attaches it (shmat) and writes
 *      a line;
 *   2. it forks. The child has the segment too, at the parent's address:
 *      fork copies attachments. The child detaches that copy, maps
 *      something else where it was, and attaches again: now it sees the
 *      segment at another address, and still reads the parent's line. The
 *      parent reads the child's reply: one memory, two addresses (so store
 *      offsets in a segment, never pointers);
 *   3. the parent removes the segment (IPC_RMID) while both are attached:
 *      IPC_STAT shows it marked (removed=1, ipcs's "dest"), nattch still 2,
 *      and its key is now 0x00000000: nothing finds it by key any more;
 *   4. the same key at once makes a fresh, different segment;
 *   5. the attached processes go on reading the removed segment;
 *   6. the child detaches and exits; at the parent's detach, the last one,
 *      the kernel frees the memory: IPC_STAT on the old id now fails.
 * The processes take turns through two pipes, never by sleeping.
 *
 * Run it:  ./build/dev/samples/03_shm_attach_rmid
 * It leaves nothing behind: both segments are removed and the child is
 * waited for, on errors too.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "sample.h"

#define SEG_SIZE 4096
#define REPLY_AT 256 /* the child's reply: an offset, the same in both processes */
#define LINE 128

static char hex[SYSV_KEY_STRLEN];

static int show_status(const char *who, int id)
{
    sysv_shm_status st;
    int rc = sysv_shm_stat(id, &st);
    if (rc < 0)
        return sample_report(who, "sysv_shm_stat", rc);
    char k[SYSV_KEY_STRLEN];
    sysv_key_format(st.perm.key, k, sizeof(k));
    printf("[%s] sysv_shm_stat(%d): key %s, nattch %lu, removed %d\n", who, id, k, st.nattch,
           st.removed);
    return 0;
}

static int read_line(const char *who, const sysv_shm *shm, size_t offset)
{
    char line[LINE];
    int rc = sysv_shm_read(shm, offset, line, sizeof(line));
    if (rc < 0)
        return sample_report(who, "sysv_shm_read", rc);
    line[sizeof(line) - 1] = '\0';
    printf("[%s] reads at %p + %zu: \"%s\"\n", who, shm->addr, offset, line);
    return 0;
}

/* The child: shm is its copy of the parent's handle, attached at the
   parent's address (fork copied the attachment). Returns 0 or a negative
   errno; it never removes the segment, which is the parent's. */
static int child(sysv_shm *shm, int from_parent, int to_parent)
{
    void *parent_addr = shm->addr, *hold = MAP_FAILED;
    char reply[LINE];
    int rc;

    printf("[child] pid %d, after fork: the segment is already attached here, at %p,\n"
           "        the parent's address. fork copies attachments, and nattch counts them:\n",
           (int)getpid(), shm->addr);
    if ((rc = show_status("child", shm->id)) < 0)
        goto out;
    if ((rc = sysv_shm_detach(shm)) < 0) {
        sample_report("child", "sysv_shm_detach", rc);
        goto out;
    }
    /* A process that exec'd another program, or loaded other libraries,
       would have something else at that address anyway; holding it with a
       mapping of our own gives the same effect here. */
    hold = mmap(parent_addr, SEG_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (hold == MAP_FAILED) {
        rc = sample_report_sys("child", "mmap", -errno);
        goto out;
    }
    printf("[child] shmdt'ed that copy, and mmap'ed an unrelated page at %p so the address\n"
           "        is in use, as it could be in any other process.\n",
           hold);
    if ((rc = sysv_shm_attach(shm, 0)) < 0) {
        sample_report("child", "sysv_shm_attach", rc);
        goto out;
    }
    printf("[child] sysv_shm_attach = shmat(%d, NULL, 0): attached at %p (parent: %p)%s\n", shm->id,
           shm->addr, parent_addr, shm->addr == parent_addr ? ": by chance the same address" : "");
    if ((rc = read_line("child", shm, 0)) < 0)
        goto out;
    snprintf(reply, sizeof(reply), "reply from the child, pid %d", (int)getpid());
    if ((rc = sysv_shm_write(shm, REPLY_AT, reply, strlen(reply) + 1)) < 0) {
        sample_report("child", "sysv_shm_write", rc);
        goto out;
    }
    printf("[child] writes \"%s\" at %p + %d\n", reply, shm->addr, REPLY_AT);
    if ((rc = sample_tell(to_parent, 'A')) < 0 || (rc = sample_await(from_parent, 'R')) < 0) {
        sample_report_sys("child", "the pipe to the parent", rc);
        goto out;
    }

    printf("[child] the parent removed the segment; this process is still attached:\n");
    if ((rc = show_status("child", shm->id)) < 0 || (rc = read_line("child", shm, 0)) < 0)
        goto out;
    printf("[child] the memory is still there for it. Now the child detaches and exits.\n");
    if ((rc = sysv_shm_detach(shm)) < 0) {
        sample_report("child", "sysv_shm_detach", rc);
        goto out;
    }
    rc = sample_tell(to_parent, 'D');
    if (rc < 0)
        sample_report_sys("child", "the pipe to the parent", rc);

out:
    if (shm->addr != NULL)
        sysv_shm_detach(shm);
    if (hold != MAP_FAILED)
        munmap(hold, SEG_SIZE);
    return rc;
}

int main(void)
{
    sysv_shm shm = SYSV_SHM_INIT, fresh = SYSV_SHM_INIT;
    sysv_shm_status st;
    int to_child[2] = {-1, -1}, to_parent[2] = {-1, -1};
    int status = 1, rc, old_id = -1, wstatus;
    const char *line = "written by the parent before the fork";
    void *was;
    pid_t pid = -1;
    key_t key;

    sample_init();

    sample_step("1. The parent makes a segment, attaches it, writes a line");
    if ((rc = sysv_key_name("libsysv-sample-03", &key)) < 0) {
        sample_report("parent", "sysv_key_name", rc);
        goto out;
    }
    sysv_key_format(key, hex, sizeof(hex));
    rc = sysv_shm_open(&shm, key, SEG_SIZE, SYSV_CREATE | SYSV_EXCL, 0600);
    if (rc == -EEXIST)
        fprintf(stderr,
                "03_shm_attach_rmid: key %s is taken, perhaps by a crashed earlier run: "
                "`ipcs -m` shows it, `ipcrm -M %s` removes it\n",
                hex, hex);
    if (rc < 0) {
        sample_report("parent", "sysv_shm_open", rc);
        goto out;
    }
    old_id = shm.id;
    printf("[parent] pid %d: shmget(%s, %d, IPC_CREAT | IPC_EXCL | 0600) = shmid %d\n",
           (int)getpid(), hex, SEG_SIZE, shm.id);
    if ((rc = sysv_shm_attach(&shm, 0)) < 0) {
        sample_report("parent", "sysv_shm_attach", rc);
        goto out;
    }
    printf("[parent] shmat(%d, NULL, 0): attached at %p\n", shm.id, shm.addr);
    if ((rc = sysv_shm_write(&shm, 0, line, strlen(line) + 1)) < 0) {
        sample_report("parent", "sysv_shm_write", rc);
        goto out;
    }
    printf("[parent] writes \"%s\" at %p + 0\n", line, shm.addr);

    sample_step("2. fork: the same segment at two addresses");
    if (pipe(to_child) != 0 || pipe(to_parent) != 0) {
        sample_report_sys("parent", "pipe", -errno);
        goto out;
    }
    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        sample_report_sys("parent", "fork", -errno);
        goto out;
    }
    if (pid == 0) {
        close(to_child[1]);
        close(to_parent[0]);
        rc = child(&shm, to_child[0], to_parent[1]);
        fflush(stdout);
        _exit(rc == 0 ? 0 : 1);
    }
    close(to_child[0]);
    close(to_parent[1]);
    to_child[0] = to_parent[1] = -1;
    if ((rc = sample_await(to_parent[0], 'A')) < 0) {
        sample_report_sys("parent", "waiting for the child", rc);
        goto out;
    }
    if (read_line("parent", &shm, REPLY_AT) < 0 || show_status("parent", old_id) < 0)
        goto out;
    printf("One segment, nattch 2: each process sees it at its own address, and what one\n"
           "writes the other reads at once, with no system call.\n");

    sample_step("3. IPC_RMID while two processes are attached");
    if ((rc = sysv_shm_remove(&shm)) < 0) {
        sample_report("parent", "sysv_shm_remove", rc);
        goto out;
    }
    printf("[parent] sysv_shm_remove = shmctl(%d, IPC_RMID) returned 0\n", old_id);
    if (show_status("parent", old_id) < 0)
        goto out;
    printf("The segment is only marked (removed=1; ipcs -m says \"dest\" and key 0x00000000):\n"
           "it lives while anyone is attached, but it has lost its key.\n");
    rc = sysv_lookup(SYSV_SHM, key);
    printf("[parent] sysv_lookup(SYSV_SHM, %s) = %d (%s): no segment has that key now\n", hex, rc,
           sysv_errname(rc));
    if (rc != -ENOENT) {
        sample_report("parent", "looking up a removed segment's key", rc);
        goto out;
    }

    sample_step("4. The same key makes a fresh segment");
    if ((rc = sysv_shm_open(&fresh, key, SEG_SIZE, SYSV_CREATE | SYSV_EXCL, 0600)) < 0) {
        sample_report("parent", "sysv_shm_open (the same key again)", rc);
        goto out;
    }
    printf("[parent] shmget(%s, %d, IPC_CREAT | IPC_EXCL | 0600) = shmid %d, not %d: a new,\n"
           "         empty segment, whatever the old one's attached processes do.\n",
           hex, SEG_SIZE, fresh.id, old_id);
    if (show_status("parent", fresh.id) < 0)
        goto out;

    sample_step("5. The attached processes still use the removed segment");
    if ((rc = sample_tell(to_child[1], 'R')) < 0 || (rc = sample_await(to_parent[0], 'D')) < 0) {
        sample_report_sys("parent", "the pipe to the child", rc);
        goto out;
    }
    if ((rc = sample_waitpid(pid, &wstatus)) < 0) {
        sample_report_sys("parent", "waitpid", rc);
        goto out;
    }
    pid = -1;
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
        fprintf(stderr, "03_shm_attach_rmid: the child failed\n");
        goto out;
    }
    printf("[parent] the child exited (waitpid); the parent is the last one attached:\n");
    if (show_status("parent", old_id) < 0 || read_line("parent", &shm, 0) < 0)
        goto out;

    sample_step("6. The last shmdt frees the memory");
    was = shm.addr;
    if ((rc = sysv_shm_detach(&shm)) < 0) {
        sample_report("parent", "sysv_shm_detach", rc);
        goto out;
    }
    printf("[parent] shmdt(%p) returned 0: nattch fell to 0 on a removed segment\n", was);
    rc = sysv_shm_stat(old_id, &st);
    printf("[parent] sysv_shm_stat(%d) = %s (%s): the kernel freed it\n", old_id, sysv_errname(rc),
           sysv_strerror(rc));
    if (rc != -EINVAL && rc != -EIDRM) {
        sample_report("parent", "IPC_STAT after the last detach should fail", rc);
        goto out;
    }
    status = 0;

out:
    if (to_child[1] >= 0) {
        close(to_child[1]); /* a child still waiting reads EOF and gives up */
        to_child[1] = -1;
    }
    if (pid > 0)
        sample_waitpid(pid, NULL);
    if (shm.addr != NULL)
        sysv_shm_detach(&shm);
    if (shm.id >= 0 && (rc = sysv_shm_remove(&shm)) < 0) {
        sample_report("parent", "sysv_shm_remove", rc);
        status = 1;
    }
    if (fresh.id >= 0) {
        int fresh_id = fresh.id;
        if ((rc = sysv_shm_remove(&fresh)) < 0) {
            sample_report("parent", "sysv_shm_remove (the fresh segment)", rc);
            status = 1;
        } else {
            printf("\n[parent] removed the fresh segment, shmid %d: nothing is left\n", fresh_id);
        }
    }
    for (int i = 0; i < 2; i++) {
        if (to_parent[i] >= 0)
            close(to_parent[i]);
    }
    if (to_child[0] >= 0)
        close(to_child[0]);
    return status;
}
