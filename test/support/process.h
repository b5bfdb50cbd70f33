/*
 * Waiting for children with a deadline, and clearing up a process group:
 * shared by the harness and sysv-ipc-guard.
 */
#ifndef SYSV_TEST_PROCESS_H
#define SYSV_TEST_PROCESS_H

#include <sys/types.h>

/* CLOCK_MONOTONIC in milliseconds. */
long long h_now_ms(void);

/* A wait status as one number: the exit status, or 128 + the signal. */
int h_decode_status(int status);

/* Waits until pid exits or timeout_ms pass (a pidfd where the kernel has
   one, else short naps between non-blocking waits). 0 with *status set,
   -ETIMEDOUT with the child still running, or -errno. */
int h_wait_deadline(pid_t pid, int timeout_ms, int *status);

/* Kills with SIGKILL and reaps whatever is left in process group pgid.
   The caller must be a child subreaper (PR_SET_CHILD_SUBREAPER), so that
   orphaned members are its children. Returns how many were still running. */
int h_reap_group(pid_t pgid);

#endif
