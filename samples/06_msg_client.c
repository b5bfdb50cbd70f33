/*
 * 06_msg_client: a client of 06_msg_server (read that one first).
 *
 * For each word on its command line it sends a request (type 1, carrying
 * its own pid) and then waits for the reply whose type is its pid, so it
 * never takes another client's answer. At the end it says goodbye.
 *
 * Run it:  06_msg_server starts three of these by itself. To play by hand,
 * start ./build/dev/samples/06_msg_server --wait in one terminal and
 *          ./build/dev/samples/06_msg_client hello world
 * in another. It makes no IPC object of its own: the server owns the queue.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sysv/sysv.h>

#include "06_msg_protocol.h"
#include "sample.h"

static int send_request(const sysv_msgq *q, const char *word, int goodbye)
{
    struct request req;
    memset(&req, 0, sizeof(req));
    req.pid = getpid();
    req.goodbye = goodbye;
    size_t n = strlen(word);
    if (n >= sizeof(req.text))
        n = sizeof(req.text) - 1;
    memcpy(req.text, word, n);
    /* Send only the bytes in use: the server learns the length from msgrcv. */
    return sysv_msg_send(q, REQUEST_TYPE, &req, offsetof(struct request, text) + n, 0, NULL);
}

int main(int argc, char **argv)
{
    sample_init();
    const long mine = (long)getpid();
    char me[32]; /* "pid N" in error lines: three clients run at once */
    snprintf(me, sizeof(me), "pid %ld", mine);
    key_t key;
    int rc = sysv_key_name(SAMPLE_QUEUE_NAME, &key);
    if (rc < 0) {
        sample_report(me, "sysv_key_name", rc);
        return 1;
    }
    sysv_msgq q = SYSV_MSGQ_INIT;
    /* No SYSV_CREATE: a client uses the server's queue, never makes one. */
    rc = sysv_msg_open(&q, key, 0, 0600);
    if (rc == -ENOENT) {
        fprintf(stderr, "client %ld: no server queue (start 06_msg_server --wait first)\n", mine);
        return 1;
    }
    if (rc < 0) {
        sample_report(me, "msgget", rc);
        return 1;
    }

    for (int i = 1; i < argc; i++) {
        rc = send_request(&q, argv[i], 0);
        if (rc < 0) {
            sample_report(me, "msgsnd", rc);
            return 1;
        }
        struct reply rep;
        long type;
        /* Only messages of type == my pid: replies meant for me. */
        ssize_t n = sysv_msg_recv(&q, mine, &rep, sizeof(rep), &type, 0, &(struct timespec){5, 0});
        if (n < 0) {
            sample_report(me, "msgrcv", (int)n);
            return 1;
        }
        printf("  client %ld: sent \"%s\", got reply type %ld: \"%s\" (%d letters)\n", mine,
               argv[i], type, rep.text, rep.letters);
    }
    rc = send_request(&q, "", 1);
    if (rc < 0) {
        sample_report(me, "msgsnd (goodbye)", rc);
        return 1;
    }
    return 0;
}
