/* semctl's fourth argument. glibc leaves declaring it to the caller
   (semctl(2)), so libsysv declares it once, here. */
#ifndef SYSV_SEMUN_H
#define SYSV_SEMUN_H

#include <sys/sem.h>

union sysv__semun {
    int val;               /* SETVAL */
    struct semid_ds *buf;  /* IPC_STAT, IPC_SET, SEM_STAT */
    unsigned short *array; /* GETALL, SETALL */
    struct seminfo *info;  /* IPC_INFO, SEM_INFO */
};

#endif /* SYSV_SEMUN_H */
