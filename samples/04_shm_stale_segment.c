/*
 * 04_shm_stale_segment: starting a daemon whose segment an earlier run left
 * behind. System V objects outlive processes, so a program that crashed
 * (or was killed) before its IPC_RMID leaves its segment in the kernel, and
 * the next start finds the key taken.
 *
 * The pattern, in daemon_start():
 *   1. create exclusively: shmget(key, size, IPC_CREAT | IPC_EXCL | 0600);
 *   2. on EEXIST, find the leftover (sysv_lookup) and inspect it with
 *      IPC_STAT: creator and owner, size, nattch, creator pid;
 *   3. decide: reuse it when it is ours, the right size and nobody is
 *      attached (its data then survives the crash); remove it and create a
 *      new one when it is the wrong size or somebody is still attached;
 *      refuse to start when another user made it (that is not a leftover
 *      of ours but someone squatting on the key).
 * Inspecting and deciding are separate calls, so another process could act
 * in between: a daemon takes a lock file (flock) first, so that only one
 * copy of it ever runs this.
 *
 * The sample plays the earlier runs itself, with a child process each time:
 *   round 1: a run crashed (SIGKILL) leaving a segment of the right size,
 *            nobody attached                            -> reused
 *   round 2: an older version crashed leaving a 1024-byte one -> recreated
 *   round 3: a run hangs, still attached to its segment  -> recreated; the
 *            hung process keeps its old memory until it detaches
 * After each round the daemon shuts down cleanly: shmdt, then IPC_RMID.
 * The processes take turns through a pipe and waitpid, never by sleeping.
 *
 * Run it:  ./build/dev/samples/04_shm_stale_segment
 * It leaves nothing behind: every segment made under its key is removed and
 * every child is waited for, on errors too.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "sample.h"

#define SEG_SIZE 4096 /* what this version of the daemon uses */
#define OLD_SIZE 1024 /* what an "older version" used */

/* What the daemon keeps in its segment: plain bytes, no pointers. */
struct state {
    char magic[8];      /* "sample4": a segment this program wrote */
    unsigned long runs; /* how many runs have used it */
    long last_pid;      /* the last run that wrote it */
};

static key_t key;
static char hex[SYSV_KEY_STRLEN];

/* ---- The earlier run, played by a child --------------------------------- */

/* In the child: make the segment and write some state; then crash
   (up < 0), or say so on `up` and hang, still attached, until `down`
   closes. Never returns. */
static void earlier_run(size_t size, int up, int down)
{
    sysv_shm shm = SYSV_SHM_INIT;
    int rc = sysv_shm_open(&shm, key, size, SYSV_CREATE | SYSV_EXCL, 0600);
    if (rc < 0 || (rc = sysv_shm_attach(&shm, 0)) < 0) {
        sample_report("earlier run", "making its segment", rc);
        if (shm.id >= 0)
            sysv_shm_remove(&shm);
        _exit(1);
    }
    struct state s = {"sample4", 41, (long)getpid()};
    if ((rc = sysv_shm_write(&shm, 0, &s, sizeof(s))) < 0) {
        sample_report("earlier run", "sysv_shm_write", rc);
        _exit(1); /* the segment stays: a crash, after all, which the parent cleans up */
    }
    printf("[earlier run] pid %d: made shmid %d (%zu bytes, key %s), wrote runs=%lu\n",
           (int)getpid(), shm.id, shm.size, hex, s.runs);
    if (up < 0) {
        printf("[earlier run] crashes now (SIGKILL): no shmdt, no IPC_RMID\n");
        fflush(stdout);
        raise(SIGKILL); /* the kernel detaches a dying process, but removes nothing */
        _exit(1);
    }
    printf("[earlier run] hangs, still attached (nattch 1)\n");
    fflush(stdout);
    char c;
    if (sample_tell(up, 'H') < 0)
        _exit(1);
    while (read(down, &c, 1) < 0 && errno == EINTR)
        ; /* the parent closes `down` to release us: read returns 0 */
    /* Released: its segment was removed under it, yet its memory is intact. */
    struct state seen;
    if (sysv_shm_read(&shm, 0, &seen, sizeof(seen)) < 0)
        _exit(1);
    printf("[earlier run] released: its removed segment still reads runs=%lu; it exits\n",
           seen.runs);
    fflush(stdout);
    _exit(0); /* exit detaches: the last detach frees the old segment */
}

/* ---- The daemon's start ------------------------------------------------ */

/* Creates the daemon's segment, or takes over a leftover as the header
   comment says. On success shm is open and attached. */
static int daemon_start(sysv_shm *shm)
{
    int rc, settled = 0;
    /* A few rounds: the leftover may vanish, or a new one appear, between
       our calls if another process works on the same key. */
    for (int attempt = 0; attempt < 3; attempt++) {
        rc = sysv_shm_open(shm, key, SEG_SIZE, SYSV_CREATE | SYSV_EXCL, 0600);
        printf("[daemon] shmget(%s, %d, IPC_CREAT | IPC_EXCL | 0600) = %s", hex, SEG_SIZE,
               rc == 0 ? "" : sysv_errname(rc));
        if (rc == 0) {
            printf("shmid %d: a new segment\n", shm->id);
            settled = 1;
            break;
        }
        if (rc != -EEXIST) {
            printf("\n");
            return sample_report(NULL, "sysv_shm_open", rc);
        }
        printf(": the key is taken\n");

        int id = sysv_lookup(SYSV_SHM, key);
        if (id == -ENOENT)
            continue; /* gone meanwhile: try creating again */
        if (id < 0)
            return sample_report(NULL, "sysv_lookup", id);
        sysv_shm_status st;
        if ((rc = sysv_shm_stat(id, &st)) < 0)
            return sample_report(NULL, "sysv_shm_stat", rc);
        int alive = kill(st.cpid, 0) == 0 || errno == EPERM;
        printf("[daemon] sysv_lookup: shmid %d. sysv_shm_stat says:\n"
               "           creator pid %ld (%s)\n"
               "           creator uid %ld, owner uid %ld, mode %04o\n"
               "           size %zu bytes, nattch %lu\n",
               id, (long)st.cpid,
               alive ? "a process with that pid runs; pids are reused, so a hint only"
                     : "no such process: it died",
               (long)st.perm.cuid, (long)st.perm.uid, (unsigned)st.perm.mode, st.size, st.nattch);

        int ours = st.perm.cuid == geteuid() && st.perm.uid == geteuid();
        int right_size = st.size == SEG_SIZE;
        int idle = st.nattch == 0;
        printf("[daemon] ours: %s; size %zu, want %d: %s; nobody attached: %s\n",
               ours ? "yes" : "no", st.size, SEG_SIZE, right_size ? "yes" : "no",
               idle ? "yes" : "no");
        if (!ours) {
            fprintf(stderr,
                    "04_shm_stale_segment: uid %ld made the segment with our key: not a leftover\n"
                    "  of ours. Refusing to start (and to remove it): choose another key.\n",
                    (long)st.perm.cuid);
            return -EPERM;
        }
        if (right_size && idle) {
            /* SYSV_OWNED checks the creator again, at the open itself. */
            if ((rc = sysv_shm_open(shm, key, SEG_SIZE, SYSV_OWNED, 0600)) < 0)
                return sample_report(NULL, "sysv_shm_open (reuse)", rc);
            if (shm->id != id)
                continue; /* the key changed hands after we inspected it: start over */
            printf("[daemon] decision: reuse it. sysv_shm_open(%s, %d, SYSV_OWNED, 0600) = "
                   "shmid %d\n",
                   hex, SEG_SIZE, shm->id);
            settled = 1;
            break;
        }
        printf("[daemon] decision: %s:\n"
               "           remove it (IPC_RMID) and make a new one\n",
               !right_size ? "the wrong size for this version"
                           : "somebody is still attached, and could go on writing to it");
        if (!idle && alive)
            printf("[daemon] (a live creator could also be a second copy of this daemon: real\n"
                   "           daemons hold a lock file, flock(2), before all this, so that a\n"
                   "           second copy stops there)\n");
        if ((rc = sysv_remove(SYSV_SHM, id)) < 0 && rc != -EINVAL && rc != -EIDRM)
            return sample_report(NULL, "sysv_remove", rc);
        printf("[daemon] sysv_remove(SYSV_SHM, %d) = %s%s\n", id, rc == 0 ? "0" : sysv_errname(rc),
               rc < 0 ? ": somebody else removed it already"
               : idle ? ": freed at once"
                      : ": its key is free now, its memory goes at the last shmdt");
    }
    if (!settled)
        return sample_report(NULL, "creating the segment (the key kept changing hands)", -EAGAIN);
    if ((rc = sysv_shm_attach(shm, 0)) < 0)
        return sample_report(NULL, "sysv_shm_attach", rc);
    return 0;
}

/* The daemon's work (count this run), then a clean shutdown. */
static int daemon_run_and_stop(sysv_shm *shm)
{
    struct state s;
    int rc = sysv_shm_read(shm, 0, &s, sizeof(s));
    if (rc < 0)
        return sample_report(NULL, "sysv_shm_read", rc);
    if (memcmp(s.magic, "sample4", 8) == 0) {
        printf("[daemon] the segment holds runs=%lu from pid %ld: the state survived the crash\n",
               s.runs, s.last_pid);
    } else {
        printf("[daemon] the segment is all zeros, as every new segment is: start from scratch\n");
        memset(&s, 0, sizeof(s));
        memcpy(s.magic, "sample4", 8);
    }
    s.runs++;
    s.last_pid = (long)getpid();
    if ((rc = sysv_shm_write(shm, 0, &s, sizeof(s))) < 0)
        return sample_report(NULL, "sysv_shm_write", rc);
    printf("[daemon] works: runs=%lu. Shuts down cleanly: shmdt, then IPC_RMID\n", s.runs);
    if ((rc = sysv_shm_detach(shm)) < 0)
        return sample_report(NULL, "sysv_shm_detach", rc);
    if ((rc = sysv_shm_remove(shm)) < 0)
        return sample_report(NULL, "sysv_shm_remove", rc);
    return 0;
}

int main(void)
{
    sysv_shm shm = SYSV_SHM_INIT;
    int up[2] = {-1, -1}, down[2] = {-1, -1};
    int status = 1, rc, wstatus, old_id;
    sysv_shm_status st;
    pid_t pid = -1;

    sample_init();
    if ((rc = sysv_key_name("libsysv-sample-04", &key)) < 0) {
        sample_report(NULL, "sysv_key_name", rc);
        return 1;
    }
    sysv_key_format(key, hex, sizeof(hex));
    printf("The daemon's key: sysv_key_name(\"libsysv-sample-04\") = %s\n", hex);
    if ((rc = sysv_lookup(SYSV_SHM, key)) >= 0) {
        fprintf(stderr,
                "04_shm_stale_segment: shmid %d already has key %s (a real leftover of an\n"
                "  earlier run of this sample?). The rounds need the key free: `ipcrm -M %s`.\n",
                rc, hex, hex);
        return 1;
    }

    sample_step("Round 1: an earlier run crashed; its segment is the right size, nobody attached");
    fflush(stdout);
    if ((pid = fork()) < 0) {
        sample_report_sys(NULL, "fork", -errno);
        goto out;
    }
    if (pid == 0)
        earlier_run(SEG_SIZE, -1, -1);
    if ((rc = sample_waitpid(pid, &wstatus)) < 0) {
        sample_report_sys(NULL, "waitpid", rc);
        goto out;
    }
    pid = -1;
    printf("(waitpid: the earlier run %s)\n", WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL
                                                  ? "was killed by SIGKILL"
                                                  : "ended otherwise");
    if (sysv_lookup(SYSV_SHM, key) < 0) {
        fprintf(stderr, "04_shm_stale_segment: the crashed run left no segment (is "
                        "kernel.shm_rmid_forced set? It removes unattached segments at exit)\n");
        goto out;
    }
    if (daemon_start(&shm) < 0 || daemon_run_and_stop(&shm) < 0)
        goto out;

    sample_step("Round 2: an older version crashed, leaving a 1024-byte segment");
    fflush(stdout);
    if ((pid = fork()) < 0) {
        sample_report_sys(NULL, "fork", -errno);
        goto out;
    }
    if (pid == 0)
        earlier_run(OLD_SIZE, -1, -1);
    if ((rc = sample_waitpid(pid, &wstatus)) < 0) {
        sample_report_sys(NULL, "waitpid", rc);
        goto out;
    }
    pid = -1;
    if (daemon_start(&shm) < 0 || daemon_run_and_stop(&shm) < 0)
        goto out;

    sample_step("Round 3: an earlier run hangs, still attached to its segment");
    if (pipe(up) != 0 || pipe(down) != 0) {
        sample_report_sys(NULL, "pipe", -errno);
        goto out;
    }
    fflush(stdout);
    if ((pid = fork()) < 0) {
        sample_report_sys(NULL, "fork", -errno);
        goto out;
    }
    if (pid == 0) {
        close(up[0]);
        close(down[1]);
        earlier_run(SEG_SIZE, up[1], down[0]);
    }
    close(up[1]);
    close(down[0]);
    up[1] = down[0] = -1;
    if (sample_await(up[0], 'H') < 0) { /* it made its segment and hangs */
        fprintf(stderr, "04_shm_stale_segment: the hung run failed before hanging\n");
        goto out;
    }
    if ((old_id = sysv_lookup(SYSV_SHM, key)) < 0) {
        sample_report(NULL, "sysv_lookup", old_id);
        goto out;
    }
    if (daemon_start(&shm) < 0 || daemon_run_and_stop(&shm) < 0)
        goto out;
    printf("(the daemon releases the hung run by closing the pipe it waits on)\n");
    close(down[1]);
    down[1] = -1;
    if ((rc = sample_waitpid(pid, &wstatus)) < 0) {
        sample_report_sys(NULL, "waitpid", rc);
        goto out;
    }
    pid = -1;
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
        fprintf(stderr, "04_shm_stale_segment: the hung run failed\n");
        goto out;
    }
    rc = sysv_shm_stat(old_id, &st);
    printf("sysv_shm_stat(%d), the old segment, = %s: freed at its last detach\n", old_id,
           sysv_errname(rc));
    if (rc != -EINVAL && rc != -EIDRM) {
        sample_report(NULL, "the old segment should be gone", rc);
        goto out;
    }
    status = 0;

out:
    if (down[1] >= 0)
        close(down[1]); /* a hung child reads EOF and exits */
    if (pid > 0)
        sample_waitpid(pid, NULL);
    if (up[0] >= 0)
        close(up[0]);
    if (up[1] >= 0)
        close(up[1]);
    if (down[0] >= 0)
        close(down[0]);
    if (shm.addr != NULL)
        sysv_shm_detach(&shm);
    if (shm.id >= 0 && sysv_shm_remove(&shm) < 0)
        status = 1;
    /* Whatever still has our key was made by this program (a child's
       leftover on an error path): remove it too. */
    if ((rc = sysv_lookup(SYSV_SHM, key)) >= 0) {
        if (sysv_remove(SYSV_SHM, rc) == 0)
            printf("removed leftover shmid %d\n", rc);
        status = 1;
    }
    if (status == 0)
        printf("\nNo segment has key %s now, and no earlier run is left: nothing remains.\n", hex);
    return status;
}
