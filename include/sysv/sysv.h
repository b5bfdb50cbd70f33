/*
 * libsysv: System V IPC (shared memory, message queues, semaphore sets)
 * behind one small, safe API. Include this one header for everything.
 *
 * The common layer (keys, flags, permissions, errors) is <sysv/ipc.h>;
 * each module has its own header: <sysv/shm.h> for shared memory,
 * <sysv/msg.h> for message queues, <sysv/sem.h> for semaphore sets and
 * <sysv/mutex.h> for the lock that survives its holder's death, and
 * <sysv/chan.h> for a message channel in shared memory built on them.
 */
#ifndef SYSV_SYSV_H
#define SYSV_SYSV_H

#include <sysv/chan.h>
#include <sysv/ipc.h>
#include <sysv/msg.h>
#include <sysv/mutex.h>
#include <sysv/sem.h>
#include <sysv/shm.h>

#endif /* SYSV_SYSV_H */
