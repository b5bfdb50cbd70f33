/* Private to src/msg: what msg.c and msg_kind.c share. */
#ifndef SYSV_MSG_PRIVATE_H
#define SYSV_MSG_PRIVATE_H

#include <sys/msg.h>

#include <sysv/msg.h>

/* IPC_STAT, or MSG_STAT_ANY on the id's slot when the caller may not read
   the queue (its owner may still change it without read access). 0 or a
   negative errno. */
int sysv__msg_read(int id, struct msqid_ds *ds);

/* struct msqid_ds as a sysv_msg_status. */
void sysv__msg_status_from_ds(const struct msqid_ds *ds, sysv_msg_status *out);

#endif /* SYSV_MSG_PRIVATE_H */
