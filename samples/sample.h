/*
 * sample.h: the plumbing every sample needs and none of them teaches (in
 * the spirit of TLPI's tlpi_hdr.h): step headings, error lines, a byte down
 * a pipe to take turns, and starting a program that sits next to this one.
 * The IPC calls stay in the samples themselves; nothing here touches an IPC
 * object. Built once as the static library sysv_sample_support; it is not
 * part of libsysv.
 *
 * Functions that can fail return 0 (or a pid) on success and a negative
 * errno on failure, as libsysv's own do.
 */
#ifndef SYSV_SAMPLE_H
#define SYSV_SAMPLE_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#if defined(__GNUC__)
#define SAMPLE_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define SAMPLE_PRINTF(fmt, args)
#endif

/* Call first in main: stdout goes out a whole line at a time (so the lines
   of several processes interleave in the order they happened, on a
   terminal or a pipe), and SIGPIPE is ignored (so a sample piped into
   `head` still reaches its cleanup and removes its IPC objects, instead of
   being killed in a printf). */
void sample_init(void);

/* Set to 1 by the handler sample_catch_interrupts installs. */
extern volatile sig_atomic_t sample_stop;

/* Makes Ctrl-C (SIGINT) and SIGTERM set sample_stop instead of ending the
   program, so that it can still remove its IPC objects. The handler is
   installed without SA_RESTART, so a call waiting in msgrcv or semop
   wakes with EINTR and the program can notice. */
void sample_catch_interrupts(void);

/* Prints a step's heading on stdout, after a blank line: "\n== <title>".
   The title is a printf format. */
void sample_step(const char *fmt, ...) SAMPLE_PRINTF(1, 2);

/* Prints why a libsysv call failed on stderr, in sysv_strerror's words:
   "<program> (<who>): <what>: <words> (<ENAME>)". who names the process's
   role ("parent", "child"); NULL leaves "(<who>)" out. Returns rc when it is
   negative, else -EINVAL, so that `return sample_report(...)` passes the
   error on. */
int sample_report(const char *who, const char *what, int rc);

/* The same for a plain system call (fork, pipe, mmap, shm_open, ...): the
   words are strerror's, since sysv_strerror words errors for IPC objects. */
int sample_report_sys(const char *who, const char *what, int rc);

/* Writes the byte c to the pipe fd: "your turn", named by the byte.
   0 or a negative errno. */
int sample_tell(int fd, char c);

/* Waits for the byte c on the pipe fd. 0, a negative errno, or -EPIPE at
   EOF or another byte (the other process exited, or failed, without
   saying c). */
int sample_await(int fd, char c);

/* waitpid(pid, wstatus, 0), again when a signal interrupts it. 0 or a
   negative errno; wstatus may be NULL. */
int sample_waitpid(pid_t pid, int *wstatus);

/* The path of the program `name` in the directory of this program's own
   executable (which /proc/self/exe names, wherever it was started from),
   into buf (cap bytes). 0, -ENAMETOOLONG, or -ENOENT / -EACCES when there
   is no such program to run there. */
int sample_sibling_path(const char *name, char *buf, size_t cap);

/* fork, then execv(path, argv) in the child; stdout is flushed first, so
   the child does not print our buffered lines again. Returns the child's
   pid, or a negative errno when fork failed. A child that cannot exec says
   why on stderr and exits with status 127. */
pid_t sample_spawn(const char *path, char *const argv[]);

#endif
