/* What 06_msg_server and 06_msg_client agree on: the queue's name, the
   request type, and the two message layouts. Both sides send these structs
   as the payload, so they must be built for the same machine. */
#ifndef SAMPLE_06_MSG_PROTOCOL_H
#define SAMPLE_06_MSG_PROTOCOL_H

#include <sys/types.h>

/* The key is sysv_key_name(SAMPLE_QUEUE_NAME): no file needed. */
#define SAMPLE_QUEUE_NAME "libsysv-sample-06"

/* Requests go to the server with this type. Replies go back with the
   client's pid as their type; a pid is never 1 for a client (1 is init),
   so the two never mix. */
#define REQUEST_TYPE 1L

struct request {
    pid_t pid;   /* who wants the answer: the reply's type */
    int goodbye; /* 1: no more requests from this client */
    char text[64];
};

struct reply {
    int letters;
    char text[64];
};

#endif
