#include "ipcscan.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* /proc/sysvipc columns: key, id, perms, then kind-specific ones; cuid is
   column 9 for shm and msg (after size/cbytes, pids, counts, uid, gid) and
   column 6 for sem (after nsems, uid, gid). */
static const struct {
    sysv_kind kind;
    const char *path;
    int cuid_col;
} files[] = {
    {SYSV_SHM, "/proc/sysvipc/shm", 9},
    {SYSV_MSG, "/proc/sysvipc/msg", 9},
    {SYSV_SEM, "/proc/sysvipc/sem", 6},
};

int h_scan(h_obj *out, int cap)
{
    int n = 0;
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        FILE *fp = fopen(files[f].path, "re");
        if (fp == NULL)
            return -errno;
        char line[512];
        int first = 1;
        while (fgets(line, sizeof(line), fp) != NULL) {
            if (first) { /* the header */
                first = 0;
                continue;
            }
            long long col[12] = {0};
            int ncol = 0;
            char *save = NULL;
            for (char *tok = strtok_r(line, " \t\n", &save); tok != NULL && ncol < 12;
                 tok = strtok_r(NULL, " \t\n", &save))
                col[ncol++] = strtoll(tok, NULL, 10);
            if (ncol <= files[f].cuid_col)
                continue;
            if (n < cap) {
                out[n].kind = files[f].kind;
                out[n].key = (key_t)col[0];
                out[n].id = (int)col[1];
                out[n].cuid = (uid_t)col[files[f].cuid_col];
            }
            n++;
        }
        fclose(fp);
    }
    return n;
}

int h_rmid(sysv_kind kind, int id)
{
    int rc = -1;
    switch (kind) {
    case SYSV_SHM:
        rc = shmctl(id, IPC_RMID, NULL);
        break;
    case SYSV_MSG:
        rc = msgctl(id, IPC_RMID, NULL);
        break;
    case SYSV_SEM:
        rc = semctl(id, 0, IPC_RMID);
        break;
    default:
        return -EINVAL;
    }
    return rc < 0 ? -errno : 0;
}

int h_exists(sysv_kind kind, int id)
{
    h_obj objs[4096];
    int n = h_scan(objs, 4096);
    for (int i = 0; i < n && i < 4096; i++)
        if (objs[i].kind == kind && objs[i].id == id)
            return 1;
    return 0;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t len = strlen(text);
    ssize_t n = write(fd, text, len);
    int rc = n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
    close(fd);
    return rc;
}

/* The user-namespace route: unshare, map our own ids, drop what the new
   namespace granted. 0, or the step that failed. */
static const char *enter_user_and_ipc_namespace(void)
{
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWIPC) != 0)
        return errno == EINVAL ? "unshare: the process has threads" : "unshare refused";
    char map[64];
    snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    if (write_file("/proc/self/setgroups", "deny") != 0 ||
        write_file("/proc/self/uid_map", map) != 0)
        return "writing uid_map refused";
    snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    if (write_file("/proc/self/gid_map", map) != 0)
        return "writing gid_map refused";
    /* The new user namespace gave us every capability in it, CAP_IPC_OWNER
       included, which would bypass the IPC permission checks under test;
       no_new_privs keeps an exec from gaining any back. */
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capset, &hdr, data) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return "dropping capabilities failed";
    return NULL;
}

int h_private_ipc_namespace(char *why, size_t cap)
{
    const char *env = getenv("SYSV_TEST_SHARED_NS");
    snprintf(why, cap, "%s", "");
    if (env != NULL && strcmp(env, "1") == 0) {
        snprintf(why, cap, "SYSV_TEST_SHARED_NS=1");
        return 0;
    }
    if (geteuid() == 0) {
        if (unshare(CLONE_NEWIPC) == 0)
            return 2;
        snprintf(why, cap, "unshare(CLONE_NEWIPC): %s", strerror(errno));
        return 0;
    }
    /* Some systems allow the unshare but refuse the id maps (AppArmor's
       user-namespace restriction, a read-only /proc), which would leave us
       half-way with no way back: try the whole route in a throw-away child
       first. */
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, cap, "fork: %s", strerror(errno));
        return 0;
    }
    if (pid == 0)
        _exit(enter_user_and_ipc_namespace() == NULL ? 0 : 1);
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(why, cap, "no user namespace here");
        return 0;
    }
    const char *failed = enter_user_and_ipc_namespace();
    if (failed != NULL) {
        snprintf(why, cap, "%s", failed);
        /* A refused unshare changed nothing; a later step leaves us stuck. */
        return strncmp(failed, "unshare", 7) == 0 ? 0 : -1;
    }
    return 1;
}
