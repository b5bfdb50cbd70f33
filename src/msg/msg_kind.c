/* Message queues' entry in the common layer's per-kind table. */
#include <errno.h>
#include <string.h>
#include <sys/msg.h>

#include "../common/internal.h"
#include "msg_private.h"

static int msg_get(key_t key, int kflags)
{
    int id = msgget(key, kflags);
    return id < 0 ? -errno : id;
}

static int msg_stat(int id_or_index, enum sysv__stat_how how, sysv_entry *out)
{
    static const int cmd[] = {
        [SYSV__BY_ID] = IPC_STAT, [SYSV__BY_INDEX_ANY] = MSG_STAT_ANY, [SYSV__BY_INDEX] = MSG_STAT};
    struct msqid_ds ds;
    int rc = msgctl(id_or_index, cmd[how], &ds);
    if (rc < 0)
        return -errno;
    int id = how == SYSV__BY_ID ? id_or_index : rc;

    sysv_msg_status st;
    sysv__msg_status_from_ds(&ds, &st);
    memset(out, 0, sizeof(*out));
    out->kind = SYSV_MSG;
    out->id = id;
    out->perm = st.perm;
    out->size = st.cbytes;
    out->count = st.qnum;
    out->cpid = st.lspid;
    out->lpid = st.lrpid;
    out->atime = st.stime;
    out->dtime = st.rtime;
    out->ctime = st.ctime;
    return id;
}

int sysv__msg_read(int id, struct msqid_ds *ds)
{
    if (msgctl(id, IPC_STAT, ds) == 0)
        return 0;
    int rc = -errno;
    if (rc != -EACCES)
        return rc;
    /* The kernel keeps only the id's index bits: the id names its slot,
       and the id returned confirms the queue is the same one. */
    return msgctl(id, MSG_STAT_ANY, ds) == id ? 0 : -EACCES;
}

static int msg_set_perm(int id, const sysv_perm *in)
{
    /* IPC_SET on a queue also sets msg_qbytes from the buffer, so the
       current value must be read first or the capacity would be lost. (A
       capacity changed between the read and the write is overwritten:
       IPC_SET has no way to leave a field alone.) */
    struct msqid_ds ds;
    int rc = sysv__msg_read(id, &ds);
    if (rc < 0)
        return rc;
    sysv__perm_to_kernel(in, &ds.msg_perm);
    return msgctl(id, IPC_SET, &ds) < 0 ? -errno : 0;
}

static int msg_rmid(int id)
{
    return msgctl(id, IPC_RMID, NULL) < 0 ? -errno : 0;
}

static int msg_max_index(void)
{
    struct msginfo info;
    int rc = msgctl(0, MSG_INFO, (struct msqid_ds *)(void *)&info);
    return rc < 0 ? -errno : rc;
}

static int msg_limits(sysv_limits *out)
{
    struct msginfo info;
    if (msgctl(0, IPC_INFO, (struct msqid_ds *)(void *)&info) < 0)
        return -errno;
    out->msgmax = (size_t)info.msgmax;
    out->msgmnb = (size_t)info.msgmnb;
    out->msgmni = (size_t)info.msgmni;
    return 0;
}

const sysv__kind_ops sysv__msg_ops = {
    .kind = SYSV_MSG,
    .get = msg_get,
    .stat = msg_stat,
    .set_perm = msg_set_perm,
    .rmid = msg_rmid,
    .max_index = msg_max_index,
    .limits = msg_limits,
};
