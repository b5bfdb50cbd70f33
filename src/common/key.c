/* Keys: ftok, the name hash, and keys written as text. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>

#include "internal.h"

#define FNV_OFFSET_BASIS 0x811c9dc5u
#define FNV_PRIME 0x01000193u

int sysv_key_path(const char *path, int proj_id, key_t *out)
{
    if (path == NULL || out == NULL || proj_id < 1 || proj_id > 255)
        return -EINVAL;
    /* ftok is stat(2) plus arithmetic; it returns -1 with errno from stat on
       failure. A real key can also be the bit pattern -1, so errno decides. */
    errno = 0;
    key_t key = ftok(path, proj_id);
    if (key == (key_t)-1 && errno != 0)
        return -errno;
    *out = key;
    return 0;
}

uint32_t sysv__fnv1a(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t h = FNV_OFFSET_BASIS;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}

key_t sysv__key_from_hash(uint32_t h)
{
    if (h == 0)
        h = FNV_OFFSET_BASIS; /* never IPC_PRIVATE */
    /* Two's complement by arithmetic: converting an out-of-range unsigned
       value to a signed type is implementation-defined in C. */
    if (h <= (uint32_t)INT32_MAX)
        return (key_t)h;
    return (key_t)(-(int32_t)(UINT32_MAX - h) - 1);
}

int sysv_key_name(const char *name, key_t *out)
{
    if (name == NULL || out == NULL || name[0] == '\0')
        return -EINVAL;
    *out = sysv__key_from_hash(sysv__fnv1a(name, strlen(name)));
    return 0;
}

/* Strict number parsing: digits only (after an optional sign or 0x), no
   spaces, no trailing junk, no overflow. Returns 0 or -EINVAL. */
static int parse_u32(const char *s, int base, uint32_t *out)
{
    if (*s == '\0')
        return -EINVAL;
    uint64_t v = 0;
    for (; *s != '\0'; s++) {
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            return -EINVAL;
        v = v * (uint64_t)base + (uint64_t)d;
        if (v > UINT32_MAX)
            return -EINVAL;
    }
    *out = (uint32_t)v;
    return 0;
}

static int parse_number_key(const char *text, key_t *out)
{
    uint32_t v;
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        if (parse_u32(text + 2, 16, &v) != 0)
            return -EINVAL;
    } else if (text[0] == '-') {
        /* A negative decimal: the key_t itself, down to INT32_MIN. */
        if (parse_u32(text + 1, 10, &v) != 0 || v > (uint32_t)INT32_MAX + 1u)
            return -EINVAL;
        v = (uint32_t)0 - v;
    } else if (parse_u32(text, 10, &v) != 0) {
        return -EINVAL;
    }
    /* Here 0 is a real spelling of IPC_PRIVATE, not a hash result. */
    *out = v == 0 ? SYSV_KEY_PRIVATE : sysv__key_from_hash(v);
    return 0;
}

/* "path:FILE:PROJ", split at the last colon so FILE may hold colons. */
static int parse_path_key(const char *spec, key_t *out)
{
    const char *colon = strrchr(spec, ':');
    if (colon == NULL || colon == spec || colon[1] == '\0')
        return -EINVAL;
    const char *proj = colon + 1;
    uint32_t id = 0;
    if (proj[1] == '\0' && (proj[0] < '0' || proj[0] > '9'))
        id = (unsigned char)proj[0]; /* ftok(path, 'A') */
    else if (proj[0] == '0' && (proj[1] == 'x' || proj[1] == 'X')) {
        if (parse_u32(proj + 2, 16, &id) != 0)
            return -EINVAL;
    } else if (parse_u32(proj, 10, &id) != 0) {
        return -EINVAL;
    }
    if (id < 1 || id > 255)
        return -EINVAL;

    size_t len = (size_t)(colon - spec);
    char path[PATH_MAX];
    if (len >= sizeof(path))
        return -ENAMETOOLONG;
    memcpy(path, spec, len);
    path[len] = '\0';
    return sysv_key_path(path, (int)id, out);
}

int sysv_key_parse(const char *text, key_t *out)
{
    if (text == NULL || out == NULL)
        return -EINVAL;
    if (strncmp(text, "path:", 5) == 0)
        return parse_path_key(text + 5, out);
    if (strncmp(text, "name:", 5) == 0)
        return sysv_key_name(text + 5, out);
    if (strcmp(text, "private") == 0 || strcmp(text, "IPC_PRIVATE") == 0) {
        *out = SYSV_KEY_PRIVATE;
        return 0;
    }
    return parse_number_key(text, out);
}

int sysv_key_format(key_t key, char *buf, size_t cap)
{
    if (buf == NULL)
        return -EINVAL;
    if (cap < SYSV_KEY_STRLEN) {
        if (cap > 0)
            buf[0] = '\0';
        return -EINVAL;
    }
    /* key_t is a 32-bit int on Linux; ipcs prints its bit pattern. */
    snprintf(buf, cap, "0x%08x", (unsigned int)(uint32_t)key);
    return 0;
}
