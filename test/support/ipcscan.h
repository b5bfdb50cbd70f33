/*
 * Reads the IPC objects of the caller's IPC namespace from /proc/sysvipc,
 * independently of the library under test, for the leak checks.
 */
#ifndef SYSV_TEST_IPCSCAN_H
#define SYSV_TEST_IPCSCAN_H

#include <stddef.h>
#include <sys/types.h>

#include <sysv/ipc.h>

typedef struct h_obj {
    sysv_kind kind;
    int id;
    key_t key;
    uid_t cuid;
} h_obj;

/* Fills out[0..cap) with the objects that exist now; returns how many
   exist (possibly more than cap), or -errno if /proc/sysvipc is missing. */
int h_scan(h_obj *out, int cap);

/* IPC_RMID with raw calls; 0 or -errno. */
int h_rmid(sysv_kind kind, int id);

/* Whether an object with this id still exists (removed: 0). */
int h_exists(sysv_kind kind, int id);

/* Moves the calling (single-threaded) process into a new, empty IPC
   namespace. As root that is unshare(CLONE_NEWIPC). Otherwise a new user
   namespace comes with it, mapping only our own uid and gid, and every
   capability it granted is dropped again, so the kernel's permission
   checks apply as before. SYSV_TEST_SHARED_NS=1 turns this off.
   Returns 2 (as root), 1 (through a user namespace) or 0 (not possible:
   the caller stays in the shared namespace, and why[] says why); -1 if it
   failed half-way, which a trial in a child makes all but impossible. */
int h_private_ipc_namespace(char *why, size_t cap);

#endif
