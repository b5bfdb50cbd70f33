/* The harness checks itself: deadlines, exit codes, privilege drop, keys,
   and (run on purpose by its own ctest) that a leak is caught. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "ipcscan.h"

static void block_forever(void *arg)
{
    (void)arg;
    for (;;)
        pause();
}

TEST_MULTIPROC(wait_gives_up_at_the_deadline)
{
    pid_t pid = h_fork(block_forever, NULL);
    CHECK_ERR(h_wait_for(pid, 50), ETIMEDOUT);
    CHECK_OK(kill(pid, SIGKILL));
    CHECK_EQ(h_wait(pid, 10000), 128 + SIGKILL);
}

static void exit_3(void *arg)
{
    (void)arg;
    exit(3);
}

static void failing_check(void *arg)
{
    (void)arg;
    CHECK_EQ(1 + 1, 3);
}

static void kill_self(void *arg)
{
    (void)arg;
    raise(SIGKILL);
}

TEST_MULTIPROC(wait_reports_exit_codes_checks_and_signals)
{
    CHECK_EQ(h_wait(h_fork(exit_3, NULL), 10000), 3);
    CHECK_EQ(h_wait(h_fork(failing_check, NULL), 10000), 1);
    CHECK_EQ(h_wait(h_fork(kill_self, NULL), 10000), 128 + SIGKILL);
}

static void check_dropped(void *arg)
{
    (void)arg;
    h_drop_privileges();
    CHECK_EQ(getuid(), H_NOBODY);
    CHECK_EQ(getgid(), H_NOBODY);
    CHECK(setuid(0) != 0); /* no way back */
}

TEST_MULTIPROC(drop_privileges_really_drops)
{
    h_need_root();
    CHECK_EQ(h_wait(h_fork(check_dropped, NULL), 10000), 0);
}

TEST(keys_are_unique_and_never_private)
{
    key_t a = h_key(), b = h_key();
    CHECK(a != b);
    CHECK(a != SYSV_KEY_PRIVATE && b != SYSV_KEY_PRIVATE);
}

TEST(private_namespace_starts_empty)
{
    if (!h_hermetic())
        h_skip("no private IPC namespace here: the leak check uses tracked objects");
    h_obj objs[4];
    CHECK_EQ(h_scan(objs, 4), 0);
}

/* Leaks a queue on purpose. Only run when named: its ctest passes when the
   harness reports "leaked 1 IPC object(s)". */
TEST(selftest_leaks_a_queue)
{
    h_msg(SYSV_KEY_PRIVATE, 0600);
}
