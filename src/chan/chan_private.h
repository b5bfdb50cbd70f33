/* Private to src/chan (and the tests): the layout of a channel's segment
   and semaphore set, described at the top of chan.c. */
#ifndef SYSV_CHAN_PRIVATE_H
#define SYSV_CHAN_PRIVATE_H

#include <stdint.h>

#define CHAN_MAGIC 0x6c69627379766331ULL /* "libsysvc1" */
#define CHAN_VERSION 1u
#define CHAN_HEADER 256u
#define CHAN_MIN_RING 1024u
#define REC_HDR 16u
#define REC_ALIGN 16u
#define PAD_LEN 0xffffffffu
#define SPIN_NS 20000L /* about one sleeping round trip here */
#define INIT_WAIT_MS 1000

enum { SEM_WRITER, SEM_READER, SEM_RBELL, SEM_WBELL, SEM_INIT, CHAN_NSEMS };

/* The header, a cache line per writer. */
struct chan_shared {
    /* Line 0: set once, under SEM_INIT, magic last. */
    uint64_t magic;
    uint64_t capacity;
    uint64_t salt;
    uint32_t version;
    uint32_t unused0;
    char pad0[32];
    /* Line 1: the writer's. */
    uint64_t wpos; /* every record before it is committed */
    uint64_t sent;
    uint64_t repairs;
    int32_t writer_pid; /* 0 once it closed; still set if it died */
    uint32_t writing;   /* 1 while a record is half written */
    uint32_t ever_writer;
    char pad1[28];
    /* Line 2: the reader's. */
    uint64_t rpos; /* every byte before it is free again */
    uint64_t received;
    int32_t reader_pid;
    char pad2[44];
    /* Line 3: who sleeps. */
    uint32_t reader_sleeps;
    uint32_t writer_sleeps;
    char pad3[56];
};

struct chan_rec {
    uint64_t commit;
    uint32_t len;
    uint32_t check;
};

/* C99 has no static_assert; a negative array size stops the build. */
typedef char chan_header_fits[sizeof(struct chan_shared) <= CHAN_HEADER ? 1 : -1];

#endif /* SYSV_CHAN_PRIVATE_H */
