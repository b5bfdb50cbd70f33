/*
 * sysv: every System V IPC operation from the shell. This file holds the
 * command table (with each command's help, which sysv(1) repeats) and the
 * dispatch; the commands live in ls.c, object.c, msg.c, sem.c and shm.c,
 * and main() in sysv.c.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define OBJ_NOTE                                                                                   \
    "An object is an id (decimal, as ipcs prints it) or a key: 0x1f2e, name:NAME,\n"               \
    "path:FILE:PROJ, or key:4660 for a decimal key; id:N is an id explicitly.\n"

#define WAIT_NOTE                                                                                  \
    "      --nowait      never block: exit 3 when it would\n"                                      \
    "      --timeout T   give up after T (250ms, 2.5s, 1m): exit 4\n"                              \
    "Ctrl-C while blocked ends the command with status 130, having taken nothing.\n"

#define LIST_NOTE                                                                                  \
    "      --json        one JSON document (numbers as numbers)\n"                                 \
    "      --raw         columns separated by one space, unaligned\n"                              \
    "      --noheadings  no header line\n"

static const struct cli_command commands[] = {
    {"ls", cmd_ls,
     "ls [shm|msg|sem|chan] [--time] [--pid] [--creator] [--mine] [--json]\n"
     "       sysv ls --limits | --summary [--json]",
     "Lists the IPC objects of this IPC namespace in one table, as ipcs does.\n"
     "'sysv ls chan' lists the message channels (<sysv/chan.h>): capacity, bytes\n"
     "used, messages queued, sent and received, writer and reader pids, repairs.\n"
     "  -t, --time        add the times (shm: attach, detach; msg: send, receive;\n"
     "                    sem: last operation) and the last change\n"
     "  -p, --pid         add the pids (shm: creator, last attach or detach;\n"
     "                    msg: last sender, last receiver)\n"
     "  -c, --creator     add the creator and the owner's group\n"
     "  -m, --mine        only objects the caller owns or created\n"
     "  -l, --limits      each kernel limit and how much of it is used\n"
     "  -u, --summary     how many objects, and how much memory, are in use\n" LIST_NOTE},
    {"show", cmd_show, "show shm|msg|sem|chan OBJECT [--json | --raw] [--noheadings]",
     "Shows one object in full: its permission record, times and pids; for a set\n"
     "every semaphore's value, ncount, zcount and pid; for a queue each queued\n"
     "message's index, type and length, read without taking it.\n" OBJ_NOTE LIST_NOTE},
    {"mk", cmd_mk,
     "mk shm SIZE | msg | sem N [--key K | --name NAME | --path FILE:PROJ]\n"
     "       [--mode MODE] [--excl] [--init V,V,...]",
     "Creates an object and prints its id, and its key when it has one.\n"
     "SIZE takes K, M, G and T suffixes (4K is 4096). Without a key option the\n"
     "object is private (IPC_PRIVATE) and is known by its id alone.\n"
     "  -k, --key K       a key as sysv_key_parse reads it (0x1f2e, name:jobs)\n"
     "  -n, --name NAME   the key sysv_key_name derives from NAME\n"
     "  -P, --path F:P    the key ftok(F, P) gives\n"
     "  -M, --mode MODE   octal permissions (default 0600; 0 is kept as 0)\n"
     "  -x, --excl        fail (EEXIST) when the key already has an object;\n"
     "                    otherwise the existing one is used, and said so\n"
     "  -i, --init V,...  a new set's initial values, one per semaphore\n"},
    {"rm", cmd_rm, "rm shm|msg|sem OBJECT... | rm --all [shm|msg|sem] [--mine]",
     "Removes objects (IPC_RMID) and says what it removed. A segment goes when\n"
     "its last process detaches; a queue or set at once.\n"
     "  -a, --all         every object of that kind (all kinds without one)\n"
     "  -m, --mine        with --all: only those the caller owns or created\n" OBJ_NOTE},
    {"chmod", cmd_chmod, "chmod shm|msg|sem OBJECT MODE",
     "Sets an object's permission bits (IPC_SET), MODE in octal (0640).\n" OBJ_NOTE},
    {"chown", cmd_chown, "chown shm|msg|sem OBJECT USER[:GROUP] | :GROUP",
     "Sets an object's owner and group (IPC_SET): names or numbers.\n" OBJ_NOTE},
    {"qbytes", cmd_qbytes, "qbytes QUEUE BYTES",
     "Sets a queue's capacity in bytes (msg_qbytes): 16K, 65536. Above the\n"
     "kernel's msgmnb it needs CAP_SYS_RESOURCE.\n" OBJ_NOTE},
    {"send", cmd_send, "send QUEUE [--type T] [DATA | --file F]",
     "Sends one message: DATA, the contents of file F, or standard input, byte\n"
     "for byte. The type is a number from 1 (default 1).\n"
     "  -t, --type T      the message type\n"
     "  -f, --file F      the payload is F's contents\n" WAIT_NOTE OBJ_NOTE},
    {"recv", cmd_recv,
     "recv QUEUE [--type T | --except T] [--count N] [--size N [--truncate]] [--json]",
     "Takes messages and writes each payload to standard output, unchanged; the\n"
     "type and length go to standard error (or into the JSON).\n"
     "  -t, --type T      T 0: the first message; T > 0: the first of type T;\n"
     "                    T < 0: the first of the lowest type up to |T|\n"
     "  -e, --except T    the first message of any type but T (MSG_EXCEPT)\n"
     "  -n, --count N     take N messages (default 1)\n"
     "  -s, --size N      the largest payload to accept (default: any); a longer\n"
     "                    message stays queued (E2BIG) unless --truncate\n"
     "      --truncate    take a longer message cut to --size (MSG_NOERROR)\n"
     "  -q, --quiet       say nothing on standard error\n"
     "      --json        {\"type\", \"length\", \"encoding\", \"data\"}; with --count\n"
     "                    {\"messages\": [...]}\n" WAIT_NOTE OBJ_NOTE},
    {"peek", cmd_peek, "peek QUEUE [--index I | --all] [--json]",
     "Reads a queued message without taking it (MSG_COPY): its payload to\n"
     "standard output and its type to standard error. Exit 3 when there is no\n"
     "message at that index.\n"
     "  -i, --index I     the message's position, 0 the head (default 0)\n"
     "  -a, --all         list every queued message: index, type, length\n"
     "  -q, --quiet       say nothing on standard error\n" LIST_NOTE OBJ_NOTE},
    {"sem", NULL, "sem op|get|set|setall SET ...", "Semaphore operations: see each below.\n"},
    {"sem op", cmd_sem_op, "sem op SET SPEC[,SPEC...] [--nowait | --timeout T]",
     "Performs the operations atomically (one semop): all of them or none.\n"
     "Each SPEC is INDEX then +N (give N), -N (take N, waiting for them) or =0\n"
     "(wait for zero), then flags: u for SEM_UNDO, n for IPC_NOWAIT.\n"
     "Example: 0-1,1+2n takes one unit of 0 (waiting for it) and gives two to 1.\n"
     "u is undone when the process ends: for sysv itself, as soon as it exits.\n" WAIT_NOTE
         OBJ_NOTE},
    {"sem get", cmd_sem_get, "sem get SET [INDEX]",
     "Prints one semaphore's value, or every value as V,V,... (setall's form).\n" OBJ_NOTE},
    {"sem set", cmd_sem_set, "sem set SET INDEX VALUE",
     "Sets one semaphore's value (SETVAL, 0 to 32767).\n" OBJ_NOTE},
    {"sem setall", cmd_sem_setall, "sem setall SET V,V,...",
     "Sets every value of the set at once (SETALL): one value per semaphore.\n" OBJ_NOTE},
    {"shm", NULL, "shm read|write SEGMENT ...", "Segment contents: see each below.\n"},
    {"shm read", cmd_shm_read, "shm read SEGMENT [--offset O] [--length L]",
     "Writes the segment's bytes to standard output, unchanged.\n"
     "  -o, --offset O    start at byte O (default 0)\n"
     "  -l, --length L    L bytes (default: to the end); O and L take K, M, G\n"
     "The range must lie inside the segment, or nothing is written.\n" OBJ_NOTE},
    {"shm write", cmd_shm_write, "shm write SEGMENT [--offset O] [--file F]",
     "Copies standard input, or a file, into the segment.\n"
     "  -o, --offset O    write from byte O (default 0; K, M, G suffixes)\n"
     "  -f, --file F      read F instead of standard input\n"
     "Input that would pass the segment's end is refused and nothing is written.\n" OBJ_NOTE},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct cli_command *cli_find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (name != NULL && strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

void cli_print_help(FILE *f, const struct cli_command *c)
{
    if (c == NULL)
        return;
    (void)fprintf(f, "usage: sysv %s\n\n%s", c->usage, c->help);
    if (c->fn == NULL) {
        for (size_t i = 0; i < NCOMMANDS; i++)
            if (strncmp(commands[i].name, c->name, strlen(c->name)) == 0 &&
                commands[i].name[strlen(c->name)] == ' ')
                (void)fprintf(f, "  sysv %s\n", commands[i].usage);
    }
}

static void print_overview(FILE *f)
{
    (void)fprintf(f, "usage: sysv COMMAND [ARGS...]\n"
                     "       sysv help [COMMAND]   sysv --version\n\n"
                     "System V IPC from the shell: shared memory, message queues, semaphores.\n\n"
                     "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (commands[i].fn != NULL)
            (void)fprintf(f, "  %s\n", commands[i].usage);
    (void)fprintf(f, "\nExit status: 0 done; 1 failed; 2 bad usage; 3 nothing to take or it\n"
                     "would block (--nowait); 4 timed out (--timeout); 130 interrupted.\n"
                     "'sysv help COMMAND' or 'sysv COMMAND --help' describes one command.\n");
}

static int help(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stdout);
        return CLI_OK;
    }
    char name[64];
    if (argc >= 3)
        (void)snprintf(name, sizeof(name), "%s %s", argv[1], argv[2]);
    else
        (void)snprintf(name, sizeof(name), "%s", argv[1]);
    const struct cli_command *c = cli_find(name);
    if (c == NULL && argc == 2)
        c = cli_find(argv[1]);
    if (c == NULL) {
        (void)fprintf(stderr, "sysv: help: no command '%s'\n", name);
        print_overview(stderr);
        return CLI_USAGE;
    }
    cli_print_help(stdout, c);
    return CLI_OK;
}

int sysv_cli_main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return CLI_USAGE;
    }
    const char *first = argv[1];
    if (strcmp(first, "help") == 0 || strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0)
        return help(argc - 1, argv + 1);
    if (strcmp(first, "--version") == 0 || strcmp(first, "-V") == 0) {
        (void)printf("sysv %s (libsysv %s)\n", SYSV_VERSION_STRING, sysv_version());
        return CLI_OK;
    }

    const struct cli_command *c = cli_find(first);
    int skip = 1;
    if (c != NULL && c->fn == NULL) {
        /* A group: the verb is the next word. */
        char name[64];
        if (argc < 3 || argv[2][0] == '-') {
            cli_cmd = c->name;
            if (argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
                cli_print_help(stdout, c);
                return CLI_OK;
            }
            return cli_usage("which operation?");
        }
        (void)snprintf(name, sizeof(name), "%s %s", first, argv[2]);
        const struct cli_command *sub = cli_find(name);
        if (sub == NULL) {
            cli_cmd = c->name;
            return cli_usage("no operation '%.32s'", argv[2]);
        }
        c = sub;
        skip = 2;
    }
    if (c != NULL && c->fn == NULL) {
        cli_cmd = c->name;
        return cli_usage("which operation?");
    }
    if (c == NULL) {
        (void)fprintf(stderr, "sysv: no command '%.64s'\n", first);
        print_overview(stderr);
        return CLI_USAGE;
    }
    cli_cmd = c->name;
    argv[skip] = (char *)c->name; /* getopt's messages name the command */
    return c->fn(argc - skip, argv + skip);
}
