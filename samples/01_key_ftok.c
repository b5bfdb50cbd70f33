/*
 * 01_key_ftok: where System V IPC keys come from.
 *
 * What it shows, step by step:
 *   1. ftok(path, proj_id) turns an existing file and a project id into a
 *      key, and which bits of the file's identity go into it;
 *   2. a key derived from a name alone (sysv_key_name), the same on every
 *      machine;
 *   3. a get operation with IPC_CREAT | IPC_EXCL makes an object under a
 *      key, and a second one is refused (EEXIST); the key then finds it;
 *   4. IPC_PRIVATE makes a new object every time: "private" means "no key",
 *      not "protected";
 *   5. replacing the file behind an ftok key (as an editor does when it
 *      saves) changes the key, so a program started afterwards no longer
 *      finds the object; deleting the file leaves no key at all.
 *
 * Run it:  ./build/dev/samples/01_key_ftok   (or cmake --workflow --preset demo)
 * It leaves nothing behind: its scratch file and its queues are removed,
 * on errors too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "sample.h"

static char dir[] = "/tmp/libsysv-keys-XXXXXX";
static char file[sizeof(dir) + 16];
static int queues[4] = {-1, -1, -1, -1};

static const char *hex(key_t key, char *buf)
{
    sysv_key_format(key, buf, SYSV_KEY_STRLEN);
    return buf;
}

static int make_file(const char *path)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0600);
    if (fd < 0)
        return -errno;
    close(fd);
    return 0;
}

/* The textbook's get operation on a queue, reporting the kernel's answer. */
static int get_queue(key_t key, int flags)
{
    int id = msgget(key, flags);
    return id < 0 ? -errno : id;
}

static int remember(int id)
{
    for (int i = 0; i < 4; i++) {
        if (queues[i] < 0) {
            queues[i] = id;
            break;
        }
    }
    return id;
}

static void cleanup(void)
{
    for (int i = 0; i < 4; i++)
        if (queues[i] >= 0 && sysv_remove(SYSV_MSG, queues[i]) == 0)
            printf("removed queue id %d\n", queues[i]);
    unlink(file);
    rmdir(dir);
}

/* The way out on an error, once sample_report or sample_report_sys has
   said what failed: remove what was made, and exit with status 1. */
static int fail(int rc)
{
    (void)rc;
    cleanup();
    return 1;
}

int main(void)
{
    sample_init();
    char b1[SYSV_KEY_STRLEN], b2[SYSV_KEY_STRLEN];
    int rc;

    if (mkdtemp(dir) == NULL)
        return fail(sample_report_sys(NULL, "mkdtemp", -errno));
    snprintf(file, sizeof(file), "%s/lab.conf", dir);
    if ((rc = make_file(file)) < 0)
        return fail(sample_report_sys(NULL, "creating the scratch file", rc));

    sample_step("1. ftok: a key from a file and a project id");
    key_t key_a, key_b;
    if ((rc = sysv_key_path(file, 'A', &key_a)) < 0)
        return fail(sample_report(NULL, "ftok", rc));
    if ((rc = sysv_key_path(file, 'B', &key_b)) < 0)
        return fail(sample_report(NULL, "ftok", rc));
    struct stat st;
    if (stat(file, &st) != 0)
        return fail(sample_report_sys(NULL, "stat", -errno));
    printf("file %s: device 0x%llx, inode %llu\n", file, (unsigned long long)st.st_dev,
           (unsigned long long)st.st_ino);
    printf("ftok(file, 'A') = %s\n", hex(key_a, b1));
    printf("  = project id 'A' (0x41) << 24 | low 8 bits of the device (0x%02x) << 16\n"
           "    | low 16 bits of the inode (0x%04x)\n",
           (unsigned)(st.st_dev & 0xff), (unsigned)(st.st_ino & 0xffff));
    printf("ftok(file, 'B') = %s  (same file, another project id, another key)\n", hex(key_b, b2));
    printf("Only parts of the inode and device enter the key: two files can share one.\n");

    sample_step("2. A key from a name");
    key_t key_name;
    if ((rc = sysv_key_name("jobs", &key_name)) < 0)
        return fail(sample_report(NULL, "sysv_key_name", rc));
    printf("sysv_key_name(\"jobs\") = %s on every machine (a hash of the name, no file needed)\n",
           hex(key_name, b1));

    sample_step("3. A get operation makes an object under the key");
    int id = get_queue(key_a, IPC_CREAT | IPC_EXCL | 0600);
    if (id < 0)
        return fail(sample_report(NULL, "msgget(IPC_CREAT | IPC_EXCL)", id));
    remember(id);
    printf("msgget(%s, IPC_CREAT | IPC_EXCL | 0600) made queue id %d\n", hex(key_a, b1), id);
    rc = get_queue(key_a, IPC_CREAT | IPC_EXCL | 0600);
    printf("the same call again: %s (%s): the key is taken\n", sysv_errname(rc), sysv_strerror(rc));
    if (rc != -EEXIST)
        return fail(sample_report(NULL, "a second exclusive create", rc < 0 ? rc : -EINVAL));
    printf("sysv_lookup(SYSV_MSG, %s) finds id %d without creating anything\n", hex(key_a, b1),
           sysv_lookup(SYSV_MSG, key_a));

    sample_step("4. IPC_PRIVATE: a new object every time");
    int p1 = get_queue(IPC_PRIVATE, 0600), p2 = get_queue(IPC_PRIVATE, 0600);
    if (p1 < 0 || p2 < 0)
        return fail(sample_report(NULL, "msgget(IPC_PRIVATE)", p1 < 0 ? p1 : p2));
    remember(p1);
    remember(p2);
    printf("msgget(IPC_PRIVATE) twice: ids %d and %d, both with key 0x00000000.\n", p1, p2);
    printf("Any process that learns an id and passes the mode bits (0600: only this user)\n"
           "can use the queue: \"private\" means no key, not protected.\n");

    sample_step("5. Replace the file: the key changes");
    char fresh[sizeof(file) + 8];
    snprintf(fresh, sizeof(fresh), "%s.new", file);
    if ((rc = make_file(fresh)) < 0)
        return fail(sample_report_sys(NULL, "creating the new file", rc));
    if (rename(fresh, file) != 0)
        return fail(sample_report_sys(NULL, "rename", -errno));
    key_t key_new;
    if ((rc = sysv_key_path(file, 'A', &key_new)) < 0)
        return fail(sample_report(NULL, "ftok", rc));
    struct stat st_new;
    if (stat(file, &st_new) != 0)
        return fail(sample_report_sys(NULL, "stat", -errno));
    printf("saved as a new file (inode %llu, was %llu): ftok(file, 'A') = %s, was %s\n",
           (unsigned long long)st_new.st_ino, (unsigned long long)st.st_ino, hex(key_new, b1),
           hex(key_a, b2));
    if (key_new != key_a) {
        rc = sysv_lookup(SYSV_MSG, key_new);
        printf("A program started now computes the new key and finds: %s (%s).\n", sysv_errname(rc),
               sysv_strerror(rc));
        printf("The queue still exists, under the old key: lookup(%s) = id %d.\n", hex(key_a, b2),
               sysv_lookup(SYSV_MSG, key_a));
    } else {
        printf("The low 16 bits of the two inodes match, so by chance the key did not change.\n");
    }
    if (unlink(file) != 0)
        return fail(sample_report_sys(NULL, "unlink", -errno));
    rc = sysv_key_path(file, 'A', &key_new);
    printf("file deleted: ftok gives %s (%s)\n", sysv_errname(rc), sysv_strerror(rc));
    printf("Keep the file an ftok key depends on for as long as the object lives.\n");

    sample_step("Cleaning up (IPC objects outlive processes: remove what you make)");
    cleanup();
    return 0;
}
