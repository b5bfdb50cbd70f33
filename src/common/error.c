/* Error names and words, from one table so the two can never disagree. */
#include <errno.h>
#include <limits.h>

#include <sysv/ipc.h>

/* XX(name, words): every errno a libsysv function can return, in words that
   say what it means for an IPC call. Add a code here and both
   sysv_errname() and sysv_strerror() know it. */
#define SYSV_ERRNO_MAP(XX)                                                                         \
    XX(EPERM, "operation not permitted: not the object's owner or creator, or SYSV_OWNED "         \
              "refused an object another user created")                                            \
    XX(ENOENT, "no such IPC object for this key (or, for ftok, no such file)")                     \
    XX(ESRCH, "no such process")                                                                   \
    XX(EINTR, "interrupted by a signal handler before anything happened")                          \
    XX(EIO, "input/output error")                                                                  \
    XX(E2BIG, "too big: a message longer than the buffer (it stays queued), or more semaphore "    \
              "operations than semopm")                                                            \
    XX(EBADF, "bad file descriptor")                                                               \
    XX(ECHILD, "no child process")                                                                 \
    XX(EAGAIN, "the call would have to wait (SYSV_NOWAIT)")                                        \
    XX(ENOMEM, "not enough memory, or a shared memory limit was reached")                          \
    XX(EACCES, "permission denied by the object's mode bits")                                      \
    XX(EFAULT, "bad address")                                                                      \
    XX(EBUSY, "busy: held by another process")                                                     \
    XX(EEXIST, "an IPC object with this key already exists (SYSV_EXCL)")                           \
    XX(ENOTDIR, "a component of the path is not a directory")                                      \
    XX(EINVAL, "invalid argument, or no IPC object with this id")                                  \
    XX(ENFILE, "too many open files in the system")                                                \
    XX(EMFILE, "too many open files, or too many segments attached (shmseg)")                      \
    XX(EFBIG, "file too large")                                                                    \
    XX(ENOSPC, "a system-wide IPC limit was reached (shmmni, shmall, msgmni, semmni or semmns)")   \
    XX(EPIPE, "the other side is gone and nothing more can arrive")                                \
    XX(ERANGE, "value out of range (a semaphore above semvmx, or a buffer too small)")             \
    XX(EDEADLK, "resource deadlock avoided")                                                       \
    XX(ENAMETOOLONG, "file name too long")                                                         \
    XX(ENOSYS, "not supported by this kernel")                                                     \
    XX(ELOOP, "too many symbolic links in the path")                                               \
    XX(ENOMSG, "no message of the requested type is queued")                                       \
    XX(EIDRM, "the IPC object was removed")                                                        \
    XX(EOVERFLOW, "value too large for its type")                                                  \
    XX(EMSGSIZE, "the message is larger than the kernel allows (msgmax)")                          \
    XX(ENOTSUP, "operation not supported")                                                         \
    XX(ETIMEDOUT, "the timeout expired before the operation could complete")                       \
    XX(EOWNERDEAD, "acquired, but the previous holder died holding the lock: repair what it "      \
                   "protects")                                                                     \
    XX(ENOTRECOVERABLE, "the state protected by the lock is not recoverable")

static int magnitude(int err)
{
    if (err == INT_MIN)
        return -1; /* cannot be negated; no errno is that large */
    return err < 0 ? -err : err;
}

const char *sysv_errname(int err)
{
    switch (magnitude(err)) {
    case 0:
        return "OK";
#define XX(name, words)                                                                            \
    case name:                                                                                     \
        return #name;
        SYSV_ERRNO_MAP(XX)
#undef XX
    default:
        return "EUNKNOWN";
    }
}

const char *sysv_strerror(int err)
{
    switch (magnitude(err)) {
    case 0:
        return "success";
#define XX(name, words)                                                                            \
    case name:                                                                                     \
        return words;
        SYSV_ERRNO_MAP(XX)
#undef XX
    default:
        return "unknown error";
    }
}

const char *sysv_kind_name(sysv_kind kind)
{
    switch (kind) {
    case SYSV_SHM:
        return "shm";
    case SYSV_MSG:
        return "msg";
    case SYSV_SEM:
        return "sem";
    }
    return "unknown";
}
