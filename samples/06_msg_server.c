/*
 * 06_msg_server: the classic request/reply pattern over ONE message queue.
 *
 * Clients send requests with type 1; every request carries the client's
 * pid. The server answers each one with a message whose type IS that pid,
 * so each client receives only its own replies (msgrcv with type = its
 * pid), however many clients share the queue. The server's service here
 * is small on purpose: it counts the letters of a word and writes it back
 * in capitals.
 *
 * What it shows:
 *   1. the server makes the queue (msgget with IPC_CREAT | IPC_EXCL, mode
 *      0600) under a key derived from a name;
 *   2. it starts three clients (06_msg_client, found next to this program)
 *      that talk to it at the same time;
 *   3. it takes requests with type 1 only, answers with type = client pid,
 *      and stops when every client has said goodbye;
 *   4. it removes the queue (IPC_RMID) on every way out: a client that
 *      never says goodbye makes the server's timed receive give up after a
 *      few seconds, and Ctrl-C interrupts the receive (EINTR).
 *
 * Run it:  ./build/dev/samples/06_msg_server          (the whole exchange)
 *          ./build/dev/samples/06_msg_server --wait   (serve until Ctrl-C;
 *          meanwhile run ./build/dev/samples/06_msg_client hello world
 *          from another terminal, and ipcs -q to see the queue)
 * It leaves nothing behind.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <sysv/sysv.h>

#include "06_msg_protocol.h"
#include "sample.h"

#define CLIENTS 3
#define CLIENT "06_msg_client"

/* The service: the word in capitals and its length. */
static void answer(const struct request *req, size_t len, struct reply *rep)
{
    size_t n = len - offsetof(struct request, text);
    if (n >= sizeof(rep->text))
        n = sizeof(rep->text) - 1;
    for (size_t i = 0; i < n; i++)
        rep->text[i] = (char)toupper((unsigned char)req->text[i]);
    rep->text[n] = '\0';
    rep->letters = (int)n;
}

/* Serves until `goodbyes` clients said goodbye (0: until interrupted).
   Returns 0, or a negative errno. */
static int serve(const sysv_msgq *q, int goodbyes)
{
    int served = 0, gone = 0;
    /* A client that dies without saying goodbye must not keep the server
       (and its queue) alive for ever: a receive with a timeout. In --wait
       mode the server waits for Ctrl-C instead. */
    const struct timespec patience = {5, 0};
    while (goodbyes == 0 || gone < goodbyes) {
        struct request req;
        long type;
        ssize_t n = sysv_msg_recv(q, REQUEST_TYPE, &req, sizeof(req), &type, 0,
                                  goodbyes ? &patience : NULL);
        if (n == -EINTR && sample_stop) {
            printf("server: interrupted (msgrcv said EINTR): cleaning up\n");
            return 0;
        }
        if (n == -ETIMEDOUT) {
            printf("server: no request for %ld s: giving up\n", (long)patience.tv_sec);
            return (int)n;
        }
        if (n < 0)
            return sample_report(NULL, "msgrcv", (int)n);
        if (n < (ssize_t)offsetof(struct request, text) || req.pid <= 1) {
            printf("server: ignoring a malformed request of %zd bytes\n", n);
            continue;
        }
        if (req.goodbye) {
            gone++;
            if (goodbyes > 0)
                printf("server: client %ld said goodbye (%d of %d)\n", (long)req.pid, gone,
                       goodbyes);
            else
                printf("server: client %ld said goodbye\n", (long)req.pid);
            continue;
        }
        struct reply rep;
        answer(&req, (size_t)n, &rep);
        /* The reply's type is the client's pid: only that client takes it. */
        int rc = sysv_msg_send(q, (long)req.pid, &rep, sizeof(rep), 0, NULL);
        if (rc < 0)
            return sample_report(NULL, "msgsnd (a reply)", rc);
        served++;
        printf("server: request %d from pid %ld, \"%s\" -> reply type %ld\n", served, (long)req.pid,
               rep.text, (long)req.pid);
    }
    printf("server: %d requests served\n", served);
    return 0;
}

int main(int argc, char **argv)
{
    int wait_mode = argc > 1 && strcmp(argv[1], "--wait") == 0;
    if (argc > 1 && !wait_mode) {
        fprintf(stderr, "usage: %s [--wait]\n", argv[0]);
        return 2;
    }
    sample_init();
    /* Ctrl-C must end msgrcv with EINTR: sample_catch_interrupts installs
       its handler without SA_RESTART (msgrcv is never restarted anyway: see
       signal(7)). */
    sample_catch_interrupts();

    key_t key;
    char keytext[SYSV_KEY_STRLEN];
    int rc = sysv_key_name(SAMPLE_QUEUE_NAME, &key);
    if (rc < 0) {
        sample_report(NULL, "sysv_key_name", rc);
        return 1;
    }
    sysv_key_format(key, keytext, sizeof(keytext));

    sysv_msgq q = SYSV_MSGQ_INIT;
    rc = sysv_msg_open(&q, key, SYSV_CREATE | SYSV_EXCL, 0600);
    if (rc == -EEXIST) {
        fprintf(stderr,
                "server: a queue with key %s exists already: another server is running,\n"
                "        or one was killed before it could clean up (ipcrm -Q %s removes it)\n",
                keytext, keytext);
        return 1;
    }
    if (rc < 0) {
        sample_report(NULL, "msgget", rc);
        return 1;
    }
    printf("server: queue id %d, key %s (name \"%s\"), mode 0600\n", q.id, keytext,
           SAMPLE_QUEUE_NAME);

    int status = 0;
    pid_t kids[CLIENTS];
    int started = 0;
    if (wait_mode) {
        printf("server: waiting for clients; run 06_msg_client WORD... in another terminal,\n"
               "        and press Ctrl-C here to stop (the queue is removed then)\n");
        if (serve(&q, 0) < 0)
            status = 1;
    } else {
        char path[PATH_MAX];
        if ((rc = sample_sibling_path(CLIENT, path, sizeof(path))) < 0) {
            sample_report_sys(
                NULL, "finding " CLIENT " next to this program (build it: target " CLIENT ")", rc);
            status = 1;
            goto out;
        }
        static char *words[CLIENTS][4] = {{CLIENT, "apple", "banana", NULL},
                                          {CLIENT, "cherry", "date", NULL},
                                          {CLIENT, "elderberry", "fig", NULL}};
        printf("server: starting %d clients; each sends its words, then goodbye\n", CLIENTS);
        for (; started < CLIENTS; started++) {
            /* fork, then exec the client in the child */
            kids[started] = sample_spawn(path, words[started]);
            if (kids[started] < 0) {
                sample_report_sys(NULL, "fork", (int)kids[started]);
                status = 1;
                break;
            }
        }
        if (serve(&q, started) < 0)
            status = 1;
    }

out:
    /* Remove first: a client still waiting for a reply gets EIDRM and
       ends, so the waits below cannot hang. */
    rc = sysv_msg_remove(&q);
    if (rc < 0) {
        sample_report(NULL, "IPC_RMID", rc);
        status = 1;
    } else {
        printf("server: queue removed (IPC_RMID); ipcs -q no longer lists it\n");
    }
    for (int i = 0; i < started; i++) {
        int ws;
        if (sample_waitpid(kids[i], &ws) < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
            status = 1;
    }
    return status;
}
