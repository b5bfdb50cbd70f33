/*
 * 08_sem_critical: the textbook's critical section, p(sem); ...; v(sem),
 * with a System V semaphore, and what SEM_UNDO does for a process that
 * dies inside it.
 *
 * A semaphore is a counter kept by the kernel. p() (Dijkstra's P, "wait")
 * takes one unit, sleeping while there is none; v() (V, "signal") gives one
 * back and wakes a sleeper. A semaphore that starts at 1 lets one process
 * at a time between its p() and its v(): mutual exclusion.
 *
 * What it shows:
 *   1. the parent makes a set of ONE semaphore with the value 1 (semget,
 *      then SETALL; no other process can see the set before the value is
 *      in place);
 *   2. three children each pass through the critical section three times,
 *      p() = semop -1 and v() = semop +1, both with SEM_UNDO. Each says
 *      when it enters and when it leaves and stays inside a few ms, yet no
 *      two turns overlap: the parent checks that from a log the children
 *      write from inside;
 *   3. GETPID: the kernel remembers the last process that operated on the
 *      semaphore;
 *   4. a child takes the unit WITH SEM_UNDO and exits without v(): the
 *      kernel adds back what it took (its semadj) and the value is 1 again;
 *   5. a child does the same WITHOUT SEM_UNDO: the value stays 0, and any
 *      later p() would sleep for ever, until the parent sets it back to 1
 *      by hand (SETVAL).
 * The processes start and take turns through pipes; the only sleep is the
 * few ms each child stays inside the critical section.
 *
 * Run it:  ./build/dev/samples/08_sem_critical   (or the demo)
 * It makes one private semaphore set and removes it on every way out,
 * Ctrl-C included; every child is waited for.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "sample.h"

#define CHILDREN 3
#define TURNS 3     /* times each child enters the critical section */
#define INSIDE_MS 2 /* how long a child stays inside */
#define SEM 0       /* the one semaphore's index in its set */

/* Ends a child: what it printed is out already (stdout goes a line at a
   time), and _exit does not run the parent's atexit work a second time. */
static void child_exit(int rc)
{
    fflush(stdout);
    _exit(rc == 0 ? 0 : 1);
}

/* One record in the children's log: 'E' or 'L' (enters, leaves) and the
   child's number. Two bytes written at once to a pipe arrive in one piece,
   in the order written. */
static int log_event(int fd, char what, int n)
{
    char rec[2] = {what, (char)('0' + n)};
    ssize_t w;
    while ((w = write(fd, rec, sizeof(rec))) < 0 && errno == EINTR)
        ;
    return w == (ssize_t)sizeof(rec) ? 0 : w < 0 ? -errno : -EIO;
}

/* ---- Step 2: the children that share the critical section -------------- */

static int worker(const sysv_semset *s, int n, int gate, int log)
{
    char who[16];
    snprintf(who, sizeof(who), "child %d", n);
    int rc = sample_await(gate, 'G'); /* all start together */
    if (rc < 0)
        return sample_report_sys(who, "waiting for the start", rc);

    for (int turn = 1; turn <= TURNS; turn++) {
        rc = sysv_sem_wait(s, SEM, SYSV_UNDO, NULL); /* p(sem): semop -1, SEM_UNDO */
        if (rc < 0)
            return sample_report(who, "p(sem)", rc);

        /* ---- the critical section: one process at a time ---- */
        int waiting = 0;
        (void)sysv_sem_waiters(s, SEM, &waiting, NULL); /* GETNCNT, to show */
        printf("   child %d (pid %d) enters, turn %d of %d   [value %d, %d waiting in p()]\n", n,
               (int)getpid(), turn, TURNS, sysv_sem_get(s, SEM), waiting);
        if ((rc = log_event(log, 'E', n)) < 0)
            return sample_report_sys(who, "writing the log", rc);
        struct timespec inside = {0, INSIDE_MS * 1000000L};
        nanosleep(&inside, NULL); /* "work": the others are kept out meanwhile */
        printf("   child %d (pid %d) leaves\n", n, (int)getpid());
        if ((rc = log_event(log, 'L', n)) < 0)
            return sample_report_sys(who, "writing the log", rc);
        /* ---- end of the critical section ---- */

        /* A return above skips v(): SEM_UNDO still gives the unit back
           when this child exits, so the others are not stuck. */
        rc = sysv_sem_post(s, SEM, SYSV_UNDO); /* v(sem): semop +1, SEM_UNDO */
        if (rc < 0)
            return sample_report(who, "v(sem)", rc);
    }
    return 0;
}

/* Reads the children's log to its end (every writer gone) and checks that
   the turns never overlapped: each "enters" followed by the same child's
   "leaves", TURNS turns each. 0, or -EPROTO. */
static int check_log(int fd)
{
    char buf[4 * CHILDREN * TURNS];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof(buf) - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return sample_report_sys("parent", "reading the log", -errno);
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == sizeof(buf))
            break;
    }
    if (sample_stop)
        return -EINTR; /* Ctrl-C: some turns were never taken */
    int inside = -1, turns[CHILDREN + 1] = {0};
    for (size_t i = 0; i + 1 < len; i += 2) {
        int n = buf[i + 1] - '0';
        if (n < 1 || n > CHILDREN || (buf[i] == 'E' && inside != -1) ||
            (buf[i] == 'L' && inside != n) || (buf[i] != 'E' && buf[i] != 'L')) {
            fprintf(stderr,
                    "08_sem_critical: the log shows two children inside at once "
                    "(event %zu: %c%d while child %d was inside)\n",
                    i / 2 + 1, buf[i], n, inside);
            return -EPROTO;
        }
        if (buf[i] == 'E') {
            inside = n;
        } else {
            inside = -1;
            turns[n]++;
        }
    }
    for (int n = 1; n <= CHILDREN; n++) {
        if (turns[n] != TURNS) {
            fprintf(stderr, "08_sem_critical: child %d completed %d turns of %d\n", n, turns[n],
                    TURNS);
            return -EPROTO;
        }
    }
    printf("[parent] the children's log: %zu events, each \"enters\" followed by the same\n"
           "         child's \"leaves\": never two inside at once\n",
           len / 2);
    return 0;
}

static int critical_section(const sysv_semset *s, pid_t kids[CHILDREN])
{
    int gate[2] = {-1, -1}, log[2] = {-1, -1}, rc = 0, started = 0, failed = 0;
    if (pipe(gate) != 0 || pipe(log) != 0) {
        rc = sample_report_sys("parent", "pipe", -errno);
        goto out;
    }
    fflush(stdout);
    for (; started < CHILDREN; started++) {
        pid_t pid = fork();
        if (pid < 0) {
            rc = sample_report_sys("parent", "fork", -errno);
            goto out;
        }
        if (pid == 0) {
            close(gate[1]);
            close(log[0]);
            child_exit(worker(s, started + 1, gate[0], log[1]));
        }
        kids[started] = pid;
    }
    close(log[1]); /* the children hold the only write ends now */
    log[1] = -1;
    printf("[parent] %d children started; go!\n", CHILDREN);
    for (int i = 0; i < CHILDREN; i++) {
        if ((rc = sample_tell(gate[1], 'G')) < 0) {
            sample_report_sys("parent", "starting the children", rc);
            goto out;
        }
    }
    rc = check_log(log[0]);

out:
    /* A child still waiting at the gate reads EOF and gives up. */
    for (int i = 0; i < 2; i++) {
        if (gate[i] >= 0)
            close(gate[i]);
        if (log[i] >= 0)
            close(log[i]);
    }
    for (int i = 0; i < started; i++) {
        int ws;
        if (sample_waitpid(kids[i], &ws) < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
            failed = 1;
    }
    if (failed && rc == 0 && !sample_stop) {
        fprintf(stderr, "08_sem_critical: a child failed\n");
        rc = -EPROTO;
    }
    return rc;
}

/* ---- Steps 4 and 5: a child that takes the unit and never gives it back */

/* Prints the semaphore's value and its last operator (GETVAL, GETPID). */
static int show(const sysv_semset *s, const char *when)
{
    int value = sysv_sem_get(s, SEM);
    if (value < 0)
        return sample_report("parent", "GETVAL", value);
    int pid = sysv_sem_pid(s, SEM);
    if (pid < 0)
        return sample_report("parent", "GETPID", pid);
    char label[40];
    snprintf(label, sizeof(label), "%s:", when);
    printf("[parent] %-24s value %d, last operation by pid %d%s\n", label, value, pid,
           pid == getpid() ? " (the parent)" : "");
    return value;
}

/* Forks a child that does p() with `flags` (SYSV_UNDO or 0), says so, and
   exits when told, without v(). The parent shows the value while the child
   lives and after it has gone. Returns the value after, or a negative
   errno. */
static int take_and_exit(const sysv_semset *s, int flags)
{
    const char *how = flags & SYSV_UNDO ? "with SEM_UNDO" : "without SEM_UNDO";
    int up[2] = {-1, -1}, down[2] = {-1, -1}, rc, ws;
    pid_t pid = -1;
    if (pipe(up) != 0 || pipe(down) != 0) {
        rc = sample_report_sys("parent", "pipe", -errno);
        goto out;
    }
    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        rc = sample_report_sys("parent", "fork", -errno);
        goto out;
    }
    if (pid == 0) {
        close(up[0]);
        close(down[1]);
        /* Never wait here: if the unit is not free, something is wrong. */
        rc = sysv_sem_wait(s, SEM, flags | SYSV_NOWAIT, NULL);
        if (rc < 0)
            child_exit(sample_report("child", "p(sem)", rc));
        printf("   child (pid %d): p(sem) %s took the unit; now it exits without v(sem)\n",
               (int)getpid(), how);
        if ((rc = sample_tell(up[1], 'T')) == 0)
            rc = sample_await(down[0], 'X');
        child_exit(rc); /* no v(): as if it had crashed in its critical section */
    }
    close(up[1]);
    close(down[0]);
    up[1] = down[0] = -1;
    if ((rc = sample_await(up[0], 'T')) < 0) {
        sample_report_sys("parent", "waiting for the child", rc);
        goto out;
    }
    if ((rc = show(s, "while the child lives")) < 0)
        goto out;
    if ((rc = sample_tell(down[1], 'X')) < 0) {
        sample_report_sys("parent", "the pipe to the child", rc);
        goto out;
    }
    rc = sample_waitpid(pid, &ws);
    pid = -1;
    if (rc < 0) {
        sample_report_sys("parent", "waitpid", rc);
        goto out;
    }
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
        fprintf(stderr, "08_sem_critical: the child failed\n");
        rc = -EPROTO;
        goto out;
    }
    rc = show(s, "after the child exited");

out:
    for (int i = 0; i < 2; i++) {
        if (up[i] >= 0)
            close(up[i]);
        if (down[i] >= 0)
            close(down[i]); /* a child waiting for 'X' reads EOF and exits */
    }
    if (pid > 0)
        sample_waitpid(pid, NULL);
    return rc;
}

static int run(sysv_semset *s)
{
    pid_t kids[CHILDREN];
    int rc;

    sample_step("2. %d children, %d turns each: p(sem); critical section; v(sem)", CHILDREN, TURNS);
    printf("p(sem) is sysv_sem_wait(&s, 0, SYSV_UNDO, NULL): semop {0, -1, SEM_UNDO}\n"
           "v(sem) is sysv_sem_post(&s, 0, SYSV_UNDO):       semop {0, +1, SEM_UNDO}\n");
    if ((rc = critical_section(s, kids)) < 0)
        return rc;
    if (sample_stop)
        return -EINTR;

    sample_step("3. GETPID: who operated last");
    int last = sysv_sem_pid(s, SEM);
    if (last < 0)
        return sample_report("parent", "GETPID", last);
    int who = 0;
    for (int i = 0; i < CHILDREN; i++) {
        if (kids[i] == last)
            who = i + 1;
    }
    printf("[parent] sysv_sem_pid = semctl(GETPID) = %d: child %d, whose v(sem) was the last\n"
           "         semop (the kernel's sempid)\n",
           last, who);
    int value = sysv_sem_get(s, SEM);
    if (value < 0)
        return sample_report("parent", "GETVAL", value);
    printf("[parent] sysv_sem_get = semctl(GETVAL) = %d: free again\n", value);
    printf("Each p() with SEM_UNDO added 1 to the child's semadj (what the kernel would give\n"
           "back at its exit), each v() with SEM_UNDO took 1 off: after whole turns it is 0,\n"
           "and exiting changed nothing.\n");

    sample_step("4. A child takes the unit WITH SEM_UNDO and exits without v(sem)");
    if ((rc = take_and_exit(s, SYSV_UNDO)) < 0)
        return rc;
    if (rc != 1) {
        fprintf(stderr, "08_sem_critical: the undo should have put the value back to 1\n");
        return -EPROTO;
    }
    printf("The child's semadj was +1 (one unit taken with SEM_UNDO, none given back): at its\n"
           "exit the kernel added it to the value, and did the undo in the child's name (GETPID\n"
           "names the child). A process that dies in its critical section, even by kill -9,\n"
           "does not lock the others out.\n");
    if (sample_stop)
        return -EINTR;

    sample_step("5. The same WITHOUT SEM_UNDO");
    if ((rc = take_and_exit(s, 0)) < 0)
        return rc;
    if (rc != 0) {
        fprintf(stderr, "08_sem_critical: without SEM_UNDO the value should have stayed 0\n");
        return -EPROTO;
    }
    rc = sysv_sem_wait(s, SEM, SYSV_UNDO | SYSV_NOWAIT, NULL);
    printf("[parent] p(sem) with IPC_NOWAIT: %s (%s):\n"
           "         a plain p() would sleep for ever\n",
           sysv_errname(rc), sysv_strerror(rc));
    if (rc != -EAGAIN) {
        if (rc == 0)
            sysv_sem_post(s, SEM, SYSV_UNDO);
        return sample_report("parent", "p(sem) should have found no unit", rc);
    }
    printf("Nobody kept a record of the unit, so nobody gives it back. The parent repairs the\n"
           "value by hand: sysv_sem_set = semctl(SETVAL, 1), which also clears every process's\n"
           "semadj for it. SETVAL counts as an operation too: GETPID now names the parent.\n");
    if ((rc = sysv_sem_set(s, SEM, 1)) < 0)
        return sample_report("parent", "SETVAL", rc);
    if ((rc = show(s, "after SETVAL")) < 0)
        return rc;
    return 0;
}

int main(void)
{
    sample_init();
    /* Ctrl-C only notes the signal, and the parent cleans up; a child
       waiting in p() wakes with EINTR and gives up. */
    sample_catch_interrupts();

    sample_step("1. One semaphore, initialised to 1");
    sysv_semset s = SYSV_SEMSET_INIT;
    unsigned short one = 1;
    int rc = sysv_sem_open(&s, SYSV_KEY_PRIVATE, 1, &one, SYSV_CREATE, 0600);
    if (rc < 0) {
        sample_report("parent", "semget", rc);
        return 1;
    }
    printf("[parent] pid %d: sysv_sem_open = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600) and\n"
           "         SETALL {1}: semid %d, value %d\n",
           (int)getpid(), s.id, sysv_sem_get(&s, SEM));

    int status = 0;
    rc = run(&s);
    if (sample_stop) {
        printf("\n[parent] interrupted: cleaning up\n");
        status = 1;
    } else if (rc < 0) {
        status = 1;
    }

    int id = s.id;
    if ((rc = sysv_sem_remove(&s)) < 0) {
        sample_report("parent", "IPC_RMID", rc);
        status = 1;
    } else {
        printf("\n[parent] semaphore set %d removed (IPC_RMID)\n", id);
    }
    return status;
}
