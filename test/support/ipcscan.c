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
#include <sys/syscall.h>
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
    ssize_t n = write(fd, text, strlen(text));
    int rc = n == (ssize_t)strlen(text) ? 0 : -errno;
    close(fd);
    return rc;
}

int h_private_ipc_namespace(void)
{
    const char *env = getenv("SYSV_TEST_SHARED_NS");
    if (env != NULL && strcmp(env, "1") == 0)
        return 0;
    if (geteuid() == 0)
        return unshare(CLONE_NEWIPC) == 0 ? 2 : 0;

    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWIPC) != 0)
        return 0;
    char map[64];
    snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    if (write_file("/proc/self/setgroups", "deny") != 0 ||
        write_file("/proc/self/uid_map", map) != 0)
        return -1;
    snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    if (write_file("/proc/self/gid_map", map) != 0)
        return -1;
    /* The new user namespace gave us every capability in it, CAP_IPC_OWNER
       included, which would bypass the IPC permission checks under test. */
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capset, &hdr, data) != 0)
        return -1;
    return 1;
}
