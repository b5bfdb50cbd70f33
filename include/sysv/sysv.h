/*
 * libsysv: System V IPC (shared memory, message queues, semaphore sets)
 * behind one small, safe API. Include this one header for everything.
 *
 * Today it holds the common layer; the modules' headers (shm.h, msg.h,
 * sem.h, mutex.h) join it as each module lands.
 */
#ifndef SYSV_SYSV_H
#define SYSV_SYSV_H

#include <sysv/ipc.h>

#endif /* SYSV_SYSV_H */
