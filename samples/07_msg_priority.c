/*
 * 07_msg_priority: message types as priorities, with msgrcv's negative
 * type.
 *
 * msgrcv(type < 0) takes the first message of the LOWEST type that is
 * <= |type|. Give urgent work type 1 and routine work higher types, and a
 * receiver that asks for -|lowest priority| always gets the most urgent
 * job first, in the order sent within one priority.
 *
 * What it shows:
 *   1. jobs are sent in a mixed order with priorities 1 (urgent) to 4
 *      (whenever);
 *   2. the queue as it stands, read with peek (MSG_COPY) without taking
 *      anything: the kernel keeps one list in arrival order;
 *   3. type 0 would take them in arrival order (shown from the peek);
 *   4. type -2 takes only the urgent ones (priorities 1 and 2), most urgent
 *      first, and then finds nothing more (ENOMSG with IPC_NOWAIT);
 *   5. type 3 with SYSV_MSG_EXCEPT (MSG_EXCEPT) takes every type but 3;
 *   6. type -4 takes what is left, by priority.
 *
 * Run it:  ./build/dev/samples/07_msg_priority   (or the demo)
 * It makes one private queue and removes it, on errors too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sysv/sysv.h>

#include "sample.h"

static const struct job {
    long priority;
    const char *what;
} jobs[] = {
    {3, "rotate the logs"},      {1, "disk almost full"},    {4, "send the weekly report"},
    {2, "restart the worker"},   {1, "certificate expired"}, {3, "compact the database"},
    {2, "reload configuration"}, {4, "tidy /tmp"},
};
#define NJOBS (sizeof(jobs) / sizeof(jobs[0]))

static const char *label(long priority)
{
    static const char *names[] = {"?", "urgent", "high", "normal", "low"};
    return priority >= 1 && priority <= 4 ? names[priority] : "?";
}

/* Takes every message that type selects, without waiting, and prints it.
   Returns how many it took, or a negative errno. */
static int drain(const sysv_msgq *q, long type, int flags, const char *why)
{
    sample_step("msgrcv(type %ld%s): %s", type, (flags & SYSV_MSG_EXCEPT) ? ", MSG_EXCEPT" : "",
                why);
    int taken = 0;
    for (;;) {
        char text[64];
        long got;
        ssize_t n = sysv_msg_recv(q, type, text, sizeof(text) - 1, &got, flags | SYSV_NOWAIT, NULL);
        if (n == -ENOMSG) {
            printf("   (then ENOMSG: nothing left that matches)\n");
            return taken;
        }
        if (n < 0)
            return sample_report(NULL, "msgrcv", (int)n);
        text[n] = '\0';
        printf("   took type %ld (%-6s) %s\n", got, label(got), text);
        taken++;
    }
}

static int run(const sysv_msgq *q)
{
    sample_step("sending %zu jobs, the priority as the message type", NJOBS);
    for (size_t i = 0; i < NJOBS; i++) {
        int rc = sysv_msg_send(q, jobs[i].priority, jobs[i].what, strlen(jobs[i].what), 0, NULL);
        if (rc < 0)
            return sample_report(NULL, "msgsnd", rc);
        printf("   sent type %ld (%-6s) %s\n", jobs[i].priority, label(jobs[i].priority),
               jobs[i].what);
    }

    sample_step("the queue, peeked (MSG_COPY) without taking: type 0 would go in this order");
    for (size_t i = 0;; i++) {
        char text[64];
        long type;
        ssize_t n = sysv_msg_peek(q, i, text, sizeof(text) - 1, &type);
        if (n == -ENOMSG)
            break;
        if (n == -ENOSYS) {
            printf("   (this kernel has no MSG_COPY: peeking is not possible here)\n");
            break;
        }
        if (n < 0)
            return sample_report(NULL, "peek (msgrcv with MSG_COPY)", (int)n);
        text[(size_t)n < sizeof(text) - 1 ? (size_t)n : sizeof(text) - 1] = '\0';
        printf("   [%zu] type %ld %s\n", i, type, text);
    }

    int a = drain(q, -2, 0, "the lowest type <= 2 first: urgent, then high");
    if (a < 0)
        return a;
    int b = drain(q, 3, SYSV_MSG_EXCEPT, "any type but 3: the low ones");
    if (b < 0)
        return b;
    int c = drain(q, -4, 0, "whatever is left, lowest type first");
    if (c < 0)
        return c;
    if ((size_t)(a + b + c) != NJOBS) {
        fprintf(stderr, "07_msg_priority: took %d jobs, sent %zu\n", a + b + c, NJOBS);
        return -EPROTO;
    }
    printf("\nall %zu jobs taken exactly once; within one priority in the order sent\n", NJOBS);
    return 0;
}

int main(void)
{
    sample_init();
    sysv_msgq q = SYSV_MSGQ_INIT;
    int rc = sysv_msg_open(&q, SYSV_KEY_PRIVATE, SYSV_CREATE, 0600);
    if (rc < 0) {
        sample_report(NULL, "msgget", rc);
        return 1;
    }
    printf("queue id %d (IPC_PRIVATE, mode 0600)\n", q.id);
    int status = run(&q) < 0;
    rc = sysv_msg_remove(&q);
    if (rc < 0) {
        sample_report(NULL, "IPC_RMID", rc);
        status = 1;
    } else {
        printf("queue removed\n");
    }
    return status;
}
