/*
 * Strict parsing of everything the command line hands us. Nothing here
 * uses atoi or accepts a prefix: a number is all digits or it is an error,
 * and every value is range-checked before it is used.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"

/* Digits only, no sign, into *out; -ERANGE past max. */
static int parse_digits(const char *s, size_t n, unsigned long long max, unsigned long long *out)
{
    unsigned long long v = 0;
    if (n == 0)
        return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -EINVAL;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (max - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int cli_parse_long(const char *text, long min, long max, long *out)
{
    if (text == NULL || out == NULL || min > max)
        return -EINVAL;
    int neg = text[0] == '-';
    const char *digits = text + neg;
    unsigned long long mag;
    /* The magnitude of LONG_MIN is LONG_MAX + 1. */
    int rc = parse_digits(digits, strlen(digits), (unsigned long long)LONG_MAX + 1, &mag);
    if (rc < 0)
        return rc;
    long v;
    if (neg)
        v = mag == (unsigned long long)LONG_MAX + 1 ? LONG_MIN : -(long)mag;
    else if (mag > (unsigned long long)LONG_MAX)
        return -ERANGE;
    else
        v = (long)mag;
    if (v < min || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

int cli_parse_size(const char *text, size_t max, size_t *out)
{
    if (text == NULL || out == NULL)
        return -EINVAL;
    size_t n = strspn(text, "0123456789");
    const char *unit = text + n;
    unsigned shift;
    if (strcmp(unit, "") == 0)
        shift = 0;
    else if (strcmp(unit, "K") == 0 || strcmp(unit, "k") == 0 || strcmp(unit, "KiB") == 0)
        shift = 10;
    else if (strcmp(unit, "M") == 0 || strcmp(unit, "MiB") == 0)
        shift = 20;
    else if (strcmp(unit, "G") == 0 || strcmp(unit, "GiB") == 0)
        shift = 30;
    else if (strcmp(unit, "T") == 0 || strcmp(unit, "TiB") == 0)
        shift = 40;
    else
        return -EINVAL;
    unsigned long long v;
    int rc = parse_digits(text, n, ULLONG_MAX, &v);
    if (rc < 0)
        return rc;
    if (v > (ULLONG_MAX >> shift) || (v << shift) > max || (v << shift) > SIZE_MAX)
        return -ERANGE;
    *out = (size_t)(v << shift);
    return 0;
}

int cli_parse_duration(const char *text, struct timespec *out)
{
    if (text == NULL || out == NULL)
        return -EINVAL;
    size_t whole_n = strspn(text, "0123456789");
    const char *p = text + whole_n;
    size_t frac_n = 0;
    const char *frac = "";
    if (*p == '.') {
        frac = p + 1;
        frac_n = strspn(frac, "0123456789");
        if (frac_n == 0)
            return -EINVAL; /* "2." */
        p = frac + frac_n;
    }
    if (whole_n == 0)
        return -EINVAL; /* ".5s", "s", "" */
    unsigned long long unit_ns;
    if (strcmp(p, "ms") == 0)
        unit_ns = 1000000ULL;
    else if (strcmp(p, "s") == 0 || *p == '\0')
        unit_ns = 1000000000ULL;
    else if (strcmp(p, "m") == 0)
        unit_ns = 60ULL * 1000000000ULL;
    else
        return -EINVAL;

    const unsigned long long max_ns = 24ULL * 3600 * 1000000000ULL;
    unsigned long long whole;
    int rc = parse_digits(text, whole_n, ULLONG_MAX, &whole);
    if (rc < 0)
        return rc;
    if (whole > max_ns / unit_ns)
        return -ERANGE;
    unsigned long long ns = whole * unit_ns;
    /* The fraction, digit by digit: the unit is at most 6e10 ns, so a
       digit's share never overflows, and digits past the nanosecond add
       nothing. */
    unsigned long long scale = unit_ns;
    for (size_t i = 0; i < frac_n; i++) {
        scale /= 10;
        ns += (unsigned long long)(frac[i] - '0') * scale;
    }
    if (ns > max_ns)
        return -ERANGE;
    out->tv_sec = (time_t)(ns / 1000000000ULL);
    out->tv_nsec = (long)(ns % 1000000000ULL);
    return 0;
}

int cli_parse_mode(const char *text, mode_t *out)
{
    if (text == NULL || out == NULL)
        return -EINVAL;
    size_t n = strlen(text);
    if (n == 0 || n > 4 || strspn(text, "01234567") != n)
        return -EINVAL;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 8 + (unsigned)(text[i] - '0');
    if (v > 0777)
        return -ERANGE;
    *out = (mode_t)v;
    return 0;
}

int cli_parse_values(const char *text, unsigned short *vals, int cap, int *n)
{
    if (text == NULL || vals == NULL || n == NULL || cap <= 0)
        return -EINVAL;
    int count = 0;
    const char *p = text;
    for (;;) {
        size_t len = strcspn(p, ",");
        unsigned long long v;
        int rc = parse_digits(p, len, 32767, &v);
        if (rc < 0)
            return rc;
        if (count == cap)
            return -E2BIG;
        vals[count++] = (unsigned short)v;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    *n = count;
    return 0;
}

int cli_parse_kind(const char *text, sysv_kind *out)
{
    static const struct {
        const char *name;
        sysv_kind kind;
    } names[] = {
        {"shm", SYSV_SHM},   {"segment", SYSV_SHM}, {"msg", SYSV_MSG},
        {"queue", SYSV_MSG}, {"sem", SYSV_SEM},     {"set", SYSV_SEM},
    };
    if (text == NULL)
        return -EINVAL;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(text, names[i].name) == 0) {
            *out = names[i].kind;
            return 0;
        }
    }
    return -EINVAL;
}

const char *cli_kind_word(sysv_kind kind)
{
    switch (kind) {
    case SYSV_SHM:
        return "segment";
    case SYSV_MSG:
        return "queue";
    case SYSV_SEM:
        return "set";
    }
    return "object";
}

int cli_obj_find(const char *text, sysv_kind kind, struct cli_obj *o)
{
    memset(o, 0, sizeof(*o));
    o->kind = kind;
    o->id = -1;
    const char *word = cli_kind_word(kind);
    if (text == NULL || text[0] == '\0')
        return cli_usage("an empty %s name", word);

    int want_key = 0;
    const char *rest = text;
    if (strncmp(text, "id:", 3) == 0) {
        rest = text + 3;
    } else if (strncmp(text, "key:", 4) == 0) {
        rest = text + 4;
        want_key = 1;
    } else if (strspn(text, "0123456789") != strlen(text)) {
        want_key = 1; /* not a plain decimal: a key in one of its spellings */
    }

    if (!want_key) {
        long id;
        if (cli_parse_long(rest, 0, INT_MAX, &id) < 0)
            return cli_usage("'%s' is not a %s id (a number from 0 to %d)", text, word, INT_MAX);
        o->id = (int)id;
        (void)snprintf(o->label, sizeof(o->label), "%s id %d", word, o->id);
        sysv_perm perm;
        char words[48];
        (void)snprintf(words, sizeof(words), "no %s has this id", word);
        int rc = sysv_perm_get(kind, o->id, &perm);
        if (rc == -EINVAL || rc == -EIDRM)
            return cli_fail(o->label, rc, rc == -EIDRM ? NULL : words);
        /* -EACCES: it exists; the operation itself will say what it may do. */
        if (rc < 0 && rc != -EACCES)
            return cli_fail(o->label, rc, NULL);
        o->key = rc == 0 ? perm.key : 0;
        return 0;
    }

    int rc = sysv_key_parse(rest, &o->key);
    if (rc == -EINVAL)
        return cli_usage("'%s' is neither a %s id nor a key (0x1f2e, 4660 with key:, "
                         "name:NAME, path:FILE:PROJ)",
                         text, word);
    if (rc < 0) {
        (void)snprintf(o->label, sizeof(o->label), "key %s", rest);
        return cli_fail(o->label, rc, NULL);
    }
    char keytext[SYSV_KEY_STRLEN];
    (void)sysv_key_format(o->key, keytext, sizeof(keytext));
    (void)snprintf(o->label, sizeof(o->label), "%s %s", word, keytext);
    o->by_key = 1;
    if (o->key == SYSV_KEY_PRIVATE)
        return cli_usage("a private key names no %s: give its id", word);
    rc = sysv_lookup(kind, o->key);
    if (rc < 0) {
        char words[48];
        (void)snprintf(words, sizeof(words), "no %s has this key", word);
        return cli_fail(o->label, rc, rc == -ENOENT ? words : NULL);
    }
    o->id = rc;
    return 0;
}
