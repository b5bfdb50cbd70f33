/*
 * 05_shm_posix_vs_sysv: the same exchange (the parent writes a line, a
 * child process reads it) done twice, once with System V shared memory and
 * once with POSIX named shared memory, to show what differs.
 *
 * What it shows, step by step:
 *   1. System V: a key (a number), shmget via sysv_shm_open, shmat, write;
 *      the child finds the segment by the key and reads it; the kernel lists
 *      it in /proc/sysvipc/shm (what ipcs -m prints); IPC_RMID takes the
 *      key away at once, and the memory goes at the last shmdt;
 *   2. POSIX: a name ("/libsysv-sample-05.PID"), shm_open, ftruncate to set
 *      the size, mmap, write; the child opens the name and reads it; the
 *      object is a file in /dev/shm (ls lists it); shm_unlink takes the name
 *      away at once, and the memory goes at the last munmap;
 *   3. a table of the differences.
 * The processes take turns through two pipes, never by sleeping.
 *
 * Run it:  ./build/dev/samples/05_shm_posix_vs_sysv
 * (shm_open and shm_unlink are in libc from glibc 2.34, Debian 12's is 2.36;
 * older systems link them with -lrt.)
 * It leaves nothing behind: the segment is removed and the POSIX name
 * unlinked on every path, and the child is waited for.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "sample.h"

#define SIZE 4096
#define LINE 128

static char posix_name[64], dev_shm_path[80], key_name[64], hex[SYSV_KEY_STRLEN];
static key_t key;

/* Prints the first columns of /proc/sysvipc/shm's header and of the line
   for this id (none when the kernel no longer has it). */
static int show_sysvipc(int id)
{
    FILE *fp = fopen("/proc/sysvipc/shm", "re");
    if (fp == NULL)
        return sample_report_sys("parent", "/proc/sysvipc/shm", -errno);
    char line[1024];
    int found = 0, first = 1;
    while (fgets(line, sizeof(line), fp) != NULL) {
        char col[7][24];
        int n = sscanf(line, "%23s %23s %23s %23s %23s %23s %23s", col[0], col[1], col[2], col[3],
                       col[4], col[5], col[6]);
        int mine = n == 7 && !first && strtol(col[1], NULL, 10) == id;
        if (n == 7 && (first || mine))
            printf("    %11s %8s %6s %6s %7s %7s %6s\n", col[0], col[1], col[2], col[3], col[4],
                   col[5], col[6]);
        found |= mine;
        first = 0;
    }
    fclose(fp);
    if (!found)
        printf("    (no line for shmid %d)\n", id);
    return 0;
}

/* Whether /dev/shm/NAME exists, and what stat says of it. */
static void show_dev_shm(void)
{
    struct stat st;
    if (stat(dev_shm_path, &st) == 0)
        printf("    stat(\"%s\"): a file, %lld bytes, mode %04o\n", dev_shm_path,
               (long long)st.st_size, (unsigned)(st.st_mode & 07777));
    else
        printf("    stat(\"%s\"): %s (%s)\n", dev_shm_path, strerror(errno), sysv_errname(-errno));
}

/* ---- The child: reads what the parent wrote, once each way ------------- */

static int child_sysv(void)
{
    sysv_shm shm = SYSV_SHM_INIT;
    char line[LINE];
    int rc = sysv_shm_open(&shm, key, 0, 0, 0400);
    if (rc < 0)
        return sample_report("child", "sysv_shm_open", rc);
    if ((rc = sysv_shm_attach(&shm, SYSV_SHM_RDONLY)) < 0)
        return sample_report("child", "sysv_shm_attach", rc);
    if ((rc = sysv_shm_read(&shm, 0, line, sizeof(line))) < 0) {
        sample_report("child", "sysv_shm_read", rc);
        sysv_shm_detach(&shm);
        return rc;
    }
    line[sizeof(line) - 1] = '\0';
    printf("[child] System V: shmget(%s, 0, 0400) = shmid %d, shmat(SHM_RDONLY) at %p:\n"
           "        \"%s\"\n",
           hex, shm.id, shm.addr, line);
    if ((rc = sysv_shm_detach(&shm)) < 0)
        return sample_report("child", "sysv_shm_detach", rc);
    return 0;
}

static int child_posix(void)
{
    int fd = shm_open(posix_name, O_RDONLY, 0);
    if (fd < 0)
        return sample_report_sys("child", "shm_open", -errno);
    struct stat st;
    int rc = fstat(fd, &st) != 0 ? -errno : st.st_size < LINE ? -ERANGE : 0;
    if (rc < 0) {
        sample_report_sys("child", "fstat (the object's size)", rc);
        close(fd);
        return rc;
    }
    char *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    rc = p == MAP_FAILED ? -errno : 0;
    close(fd); /* the mapping does not need the descriptor */
    if (rc < 0)
        return sample_report_sys("child", "mmap", rc);
    printf("[child] POSIX: shm_open(\"%s\", O_RDONLY) = fd %d, fstat: %lld bytes,\n"
           "        mmap(PROT_READ, MAP_SHARED) at %p:\n"
           "        \"%.*s\"\n",
           posix_name, fd, (long long)st.st_size, (void *)p, LINE - 1, p);
    if (munmap(p, (size_t)st.st_size) != 0)
        return sample_report_sys("child", "munmap", -errno);
    return 0;
}

static int child(int from_parent, int to_parent)
{
    int rc;
    if ((rc = sample_await(from_parent, 'S')) < 0 || (rc = child_sysv()) < 0 ||
        (rc = sample_tell(to_parent, 's')) < 0 || (rc = sample_await(from_parent, 'P')) < 0 ||
        (rc = child_posix()) < 0 || (rc = sample_tell(to_parent, 'p')) < 0)
        return rc;
    return 0;
}

int main(void)
{
    sysv_shm shm = SYSV_SHM_INIT;
    sysv_shm_status st;
    int to_child[2] = {-1, -1}, to_parent[2] = {-1, -1};
    int status = 1, rc, id = -1, fd = -1, named = 0, wstatus;
    char *map = MAP_FAILED;
    const char *sysv_line = "a line through a System V segment";
    const char *posix_line = "a line through a POSIX shared memory object";
    pid_t pid = -1;

    sample_init();
    snprintf(key_name, sizeof(key_name), "libsysv-sample-05.%d", (int)getpid());
    snprintf(posix_name, sizeof(posix_name), "/libsysv-sample-05.%d", (int)getpid());
    snprintf(dev_shm_path, sizeof(dev_shm_path), "/dev/shm%s", posix_name);
    if ((rc = sysv_key_name(key_name, &key)) < 0) {
        sample_report("parent", "sysv_key_name", rc);
        return 1;
    }
    sysv_key_format(key, hex, sizeof(hex));

    /* The reader first, before anything is made: it inherits nothing, and
       finds both objects as an unrelated program would, by key and by name. */
    if (pipe(to_child) != 0 || pipe(to_parent) != 0) {
        sample_report_sys("parent", "pipe", -errno);
        goto out;
    }
    fflush(stdout);
    if ((pid = fork()) < 0) {
        sample_report_sys("parent", "fork", -errno);
        goto out;
    }
    if (pid == 0) {
        close(to_child[1]);
        close(to_parent[0]);
        rc = child(to_child[0], to_parent[1]);
        fflush(stdout);
        _exit(rc == 0 ? 0 : 1);
    }
    close(to_child[0]);
    close(to_parent[1]);
    to_child[0] = to_parent[1] = -1;
    printf("Parent pid %d, child (the reader) pid %d.\n", (int)getpid(), (int)pid);

    sample_step("1. System V: a key, shmget, shmat");
    if ((rc = sysv_shm_open(&shm, key, SIZE, SYSV_CREATE | SYSV_EXCL, 0600)) < 0) {
        sample_report("parent", "sysv_shm_open", rc);
        goto out;
    }
    id = shm.id;
    if ((rc = sysv_shm_attach(&shm, 0)) < 0) {
        sample_report("parent", "sysv_shm_attach", rc);
        goto out;
    }
    printf("[parent] key sysv_key_name(\"%s\") = %s: a 32-bit number, not a name\n", key_name, hex);
    printf("[parent] shmget(%s, %d, IPC_CREAT | IPC_EXCL | 0600) = shmid %d; the size is fixed\n"
           "         here, at creation. shmat(%d, NULL, 0) at %p\n",
           hex, SIZE, id, id, shm.addr);
    if ((rc = sysv_shm_write(&shm, 0, sysv_line, strlen(sysv_line) + 1)) < 0) {
        sample_report("parent", "sysv_shm_write", rc);
        goto out;
    }
    printf("[parent] wrote \"%s\"\n", sysv_line);
    printf("Where it is listed: in the kernel's IPC table, /proc/sysvipc/shm (what `ipcs -m`\n"
           "prints; the key in decimal there), not in any file system:\n");
    if (show_sysvipc(id) < 0)
        goto out;
    if ((rc = sample_tell(to_child[1], 'S')) < 0 || (rc = sample_await(to_parent[0], 's')) < 0) {
        sample_report_sys("parent", "the pipe to the child", rc);
        goto out;
    }

    printf("[parent] IPC_RMID while the parent is still attached:\n");
    if ((rc = sysv_shm_remove(&shm)) < 0) {
        sample_report("parent", "sysv_shm_remove", rc);
        goto out;
    }
    if ((rc = sysv_shm_stat(id, &st)) < 0) {
        sample_report("parent", "sysv_shm_stat", rc);
        goto out;
    }
    printf("[parent] sysv_shm_stat(%d): removed %d, nattch %lu, key 0x%08x: the key is gone,\n"
           "         the memory stays while attached. The line still reads:\n"
           "         \"%s\"\n",
           id, st.removed, st.nattch, (unsigned)st.perm.key, (const char *)shm.addr);
    if (show_sysvipc(id) < 0)
        goto out;
    printf("(perms 1600: the kernel shows its removal mark, SHM_DEST, as the 01000 bit)\n");
    if ((rc = sysv_shm_detach(&shm)) < 0) {
        sample_report("parent", "sysv_shm_detach", rc);
        goto out;
    }
    rc = sysv_shm_stat(id, &st);
    printf("[parent] shmdt: the last detach. sysv_shm_stat(%d) = %s: freed\n", id,
           sysv_errname(rc));
    if (show_sysvipc(id) < 0)
        goto out;

    sample_step("2. POSIX: a name, shm_open, ftruncate, mmap");
    fd = shm_open(posix_name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) {
        sample_report_sys("parent", "shm_open", -errno);
        goto out;
    }
    named = 1;
    printf("[parent] shm_open(\"%s\", O_CREAT | O_EXCL | O_RDWR, 0600) = fd %d: a file\n"
           "         descriptor, not an id; the mode goes through the umask, as for any file\n",
           posix_name, fd);
    if (ftruncate(fd, SIZE) != 0) {
        sample_report_sys("parent", "ftruncate", -errno);
        goto out;
    }
    printf("[parent] ftruncate(fd, %d): a new object is 0 bytes; this sets the size (and could\n"
           "         change it later)\n",
           SIZE);
    map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        sample_report_sys("parent", "mmap", -errno);
        goto out;
    }
    close(fd);
    fd = -1;
    printf("[parent] mmap(NULL, %d, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) at %p;\n"
           "         close(fd): the mapping stays without it\n",
           SIZE, (void *)map);
    memcpy(map, posix_line, strlen(posix_line) + 1);
    printf("[parent] wrote \"%s\"\n", posix_line);
    printf("Where it is listed: a file in the tmpfs at /dev/shm (`ls -l /dev/shm`); ipcs knows\n"
           "nothing of it:\n");
    show_dev_shm();
    if ((rc = sample_tell(to_child[1], 'P')) < 0 || (rc = sample_await(to_parent[0], 'p')) < 0) {
        sample_report_sys("parent", "the pipe to the child", rc);
        goto out;
    }

    printf("[parent] shm_unlink while the parent still has it mapped:\n");
    if (shm_unlink(posix_name) != 0) {
        sample_report_sys("parent", "shm_unlink", -errno);
        goto out;
    }
    named = 0;
    show_dev_shm();
    rc = shm_open(posix_name, O_RDONLY, 0);
    int open_err = rc < 0 ? -errno : 0;
    printf("[parent] shm_unlink(\"%s\") = 0. shm_open of the name now: %s.\n"
           "         The name is gone, the memory stays while mapped. The line still reads:\n"
           "         \"%s\"\n",
           posix_name, rc < 0 ? sysv_errname(open_err) : "it opened?!", map);
    if (rc >= 0) {
        close(rc);
        fprintf(stderr, "05_shm_posix_vs_sysv: the name still opens after shm_unlink\n");
        goto out;
    }
    if (munmap(map, SIZE) != 0) {
        sample_report_sys("parent", "munmap", -errno);
        goto out;
    }
    map = MAP_FAILED;
    printf("[parent] munmap: the last mapping (and no descriptor open): the memory is freed\n");

    if (sample_waitpid(pid, &wstatus) < 0 || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
        fprintf(stderr, "05_shm_posix_vs_sysv: the child failed\n");
        pid = -1;
        goto out;
    }
    pid = -1;

    sample_step("3. What differs");
    printf("                   System V                         POSIX\n"
           "  named by         a key: a number (ftok, a hash)   a name: \"/something\"\n"
           "  open/create      shmget -> an id (system-wide)    shm_open -> a file descriptor\n"
           "  size             fixed at shmget                  ftruncate, may change\n"
           "  map / unmap      shmat / shmdt, whole segment     mmap / munmap, any part\n"
           "  listed in        ipcs -m, /proc/sysvipc/shm       ls /dev/shm (a tmpfs file)\n"
           "  permissions      ipc_perm, IPC_SET; no umask      file mode, fchmod; umask\n"
           "  remove           IPC_RMID: key gone now,          shm_unlink: name gone now,\n"
           "                   memory at the last shmdt         memory at the last munmap\n"
           "  forgotten        both stay until removal or reboot: clean up what you make\n");
    status = 0;

out:
    if (to_child[1] >= 0)
        close(to_child[1]); /* a child still waiting reads EOF and gives up */
    if (pid > 0)
        sample_waitpid(pid, NULL);
    if (to_parent[0] >= 0)
        close(to_parent[0]);
    if (shm.addr != NULL)
        sysv_shm_detach(&shm);
    if (shm.id >= 0 && (rc = sysv_shm_remove(&shm)) < 0) {
        sample_report("parent", "sysv_shm_remove", rc);
        status = 1;
    }
    if (map != MAP_FAILED)
        munmap(map, SIZE);
    if (fd >= 0)
        close(fd);
    if (named && shm_unlink(posix_name) != 0) {
        sample_report_sys("parent", "shm_unlink", -errno);
        status = 1;
    }
    return status;
}
