/*
 * sysv-ipc-guard: the suite-level leak check, and a launcher for programs
 * that are not harness tests (the samples).
 *
 *   sysv-ipc-guard begin STATE   note the objects that exist now
 *   sysv-ipc-guard end STATE     fail if this user made objects since
 *                                `begin` that still exist, and list them.
 *                                It removes nothing: in a shared namespace
 *                                they may belong to another program.
 *   sysv-ipc-guard run [--timeout S] -- CMD [ARG...]
 *                                run CMD in a private IPC namespace where
 *                                one can be had (root, or a user
 *                                namespace), and fail if CMD leaves any
 *                                object there; kill it past the deadline.
 *                                CMD sees SYSV_IPC_HERMETIC=1 when its
 *                                namespace is private, 0 when shared
 *
 * ctest runs `begin` before every test and `end` after all of them (a
 * fixture), so the check holds under `ctest -j` too.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ipcscan.h"
#include "process.h"

#define MAX_OBJS 8192
#define NOBODY ((uid_t)65534) /* the harness's h_drop_privileges user */

static h_obj now_objs[MAX_OBJS];
static h_obj before[MAX_OBJS];

static int usage(void)
{
    fprintf(stderr,
            "usage: sysv-ipc-guard begin STATE | end STATE | run [--timeout S] -- CMD...\n");
    return 2;
}

static int scan_or_die(h_obj *objs)
{
    int n = h_scan(objs, MAX_OBJS);
    if (n < 0) {
        fprintf(stderr, "sysv-ipc-guard: cannot read /proc/sysvipc: %s\n", strerror(-n));
        exit(1);
    }
    if (n > MAX_OBJS) {
        fprintf(stderr, "sysv-ipc-guard: more than %d objects\n", MAX_OBJS);
        exit(1);
    }
    return n;
}

static int cmd_begin(const char *state)
{
    int n = scan_or_die(now_objs);
    FILE *fp = fopen(state, "we");
    if (fp == NULL) {
        perror(state);
        return 1;
    }
    for (int i = 0; i < n; i++)
        fprintf(fp, "%d %d\n", (int)now_objs[i].kind, now_objs[i].id);
    if (fclose(fp) != 0) {
        perror(state);
        return 1;
    }
    printf("sysv-ipc-guard: %d IPC object(s) exist before the suite\n", n);
    return 0;
}

static int cmd_end(const char *state)
{
    FILE *fp = fopen(state, "re");
    if (fp == NULL) {
        perror(state);
        return 1;
    }
    int nb = 0, kind, id;
    while (nb < MAX_OBJS && fscanf(fp, "%d %d", &kind, &id) == 2) {
        before[nb].kind = (sysv_kind)kind;
        before[nb].id = id;
        nb++;
    }
    fclose(fp);

    int n = scan_or_die(now_objs), leaked = 0;
    for (int i = 0; i < n; i++) {
        int old = 0;
        for (int j = 0; j < nb && !old; j++)
            old = before[j].kind == now_objs[i].kind && before[j].id == now_objs[i].id;
        /* Ours, or, when we are root, made by a test child that dropped
           to nobody. */
        uid_t cuid = now_objs[i].cuid;
        if (old || !(cuid == geteuid() || (geteuid() == 0 && cuid == NOBODY)))
            continue;
        fprintf(stderr,
                "sysv-ipc-guard: made during the suite and still there: %s id %d (key 0x%08x)\n",
                sysv_kind_name(now_objs[i].kind), now_objs[i].id, (unsigned)now_objs[i].key);
        leaked++;
    }
    if (leaked > 0) {
        fprintf(stderr,
                "sysv-ipc-guard: FAILED: %d IPC object(s) made by this user since the suite "
                "began are still there (ipcs lists them; ipcrm removes one you know is the "
                "suite's)\n",
                leaked);
        return 1;
    }
    printf("sysv-ipc-guard: no IPC object left by the suite (%d existed before, %d now)\n", nb, n);
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    int timeout_s = 120, i = 0;
    if (i < argc && strcmp(argv[i], "--timeout") == 0) {
        if (i + 1 >= argc || atoi(argv[i + 1]) <= 0)
            return usage();
        timeout_s = atoi(argv[i + 1]);
        i += 2;
    }
    if (i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc)
        return usage();
    char **cmd = argv + i + 1;

    char why[128];
    int ns = h_private_ipc_namespace(why, sizeof(why));
    if (ns < 0) {
        fprintf(stderr, "sysv-ipc-guard: setting up a user namespace failed half-way: %s\n", why);
        return 1;
    }
    int hermetic = ns > 0;
    /* Orphans of the command come to us, so h_reap_group can reap them. */
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        /* Tests that must not touch the host's objects (sysv rm --all)
           ask for this, and skip without it. */
        (void)setenv("SYSV_IPC_HERMETIC", hermetic ? "1" : "0", 1);
        execvp(cmd[0], cmd);
        fprintf(stderr, "sysv-ipc-guard: %s: %s\n", cmd[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);

    int status, code;
    int rc = h_wait_deadline(pid, timeout_s * 1000, &status);
    if (rc == 0) {
        code = h_decode_status(status);
    } else {
        if (rc == -ETIMEDOUT)
            fprintf(stderr, "sysv-ipc-guard: %s still running after %d s: killed\n", cmd[0],
                    timeout_s);
        kill(-pid, SIGKILL);
        waitpid(pid, &status, 0);
        code = 1;
    }
    /* Anything it left running is killed and reaped before the count, and
       fails the run: it could still be making objects. */
    int strays = h_reap_group(pid);
    if (strays > 0) {
        fprintf(stderr, "sysv-ipc-guard: %s left %d process(es) running: killed\n", cmd[0], strays);
        if (code == 0)
            code = 1;
    }

    if (hermetic) {
        int n = scan_or_die(now_objs);
        for (int k = 0; k < n; k++)
            fprintf(stderr, "sysv-ipc-guard: %s left %s id %d (key 0x%08x) in the kernel\n", cmd[0],
                    sysv_kind_name(now_objs[k].kind), now_objs[k].id, (unsigned)now_objs[k].key);
        if (n > 0 && code == 0)
            code = 1;
    }
    return code;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "begin") == 0)
        return cmd_begin(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "end") == 0)
        return cmd_end(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    return usage();
}
