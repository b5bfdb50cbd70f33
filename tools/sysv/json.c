/*
 * A small streaming JSON writer: enough for sysv's documents, correct in
 * the parts that matter (string escaping, UTF-8, numbers as numbers).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void json_init(struct cli_json *j, FILE *f)
{
    memset(j, 0, sizeof(*j));
    j->f = f;
}

static void indent(struct cli_json *j)
{
    for (int i = 0; i < j->depth; i++)
        (void)fputs("  ", j->f);
}

static void write_string(FILE *f, const char *s, size_t n)
{
    (void)fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            (void)fputs("\\\"", f);
            break;
        case '\\':
            (void)fputs("\\\\", f);
            break;
        case '\n':
            (void)fputs("\\n", f);
            break;
        case '\r':
            (void)fputs("\\r", f);
            break;
        case '\t':
            (void)fputs("\\t", f);
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                (void)fprintf(f, "\\u%04x", c);
            else
                (void)fputc(c, f);
        }
    }
    (void)fputc('"', f);
}

/* The separator, indentation and name before a value. */
static void member(struct cli_json *j, const char *name)
{
    if (j->depth > 0) {
        (void)fputs(j->count[j->depth] > 0 ? ",\n" : "\n", j->f);
        j->count[j->depth]++;
        indent(j);
    }
    if (name != NULL) {
        write_string(j->f, name, strlen(name));
        (void)fputs(": ", j->f);
    }
}

static void open_container(struct cli_json *j, const char *name, char open)
{
    member(j, name);
    (void)fputc(open, j->f);
    if (j->depth + 1 < CLI_JSON_MAXDEPTH) {
        j->depth++;
        j->count[j->depth] = 0;
    }
}

void json_object(struct cli_json *j, const char *name)
{
    open_container(j, name, '{');
}

void json_array(struct cli_json *j, const char *name)
{
    open_container(j, name, '[');
}

void json_end(struct cli_json *j, char close)
{
    int had = j->count[j->depth] > 0;
    if (j->depth > 0)
        j->depth--;
    if (had) {
        (void)fputc('\n', j->f);
        indent(j);
    }
    (void)fputc(close, j->f);
}

void json_string(struct cli_json *j, const char *name, const char *value)
{
    member(j, name);
    write_string(j->f, value, strlen(value));
}

void json_int(struct cli_json *j, const char *name, long long value)
{
    member(j, name);
    (void)fprintf(j->f, "%lld", value);
}

void json_uint(struct cli_json *j, const char *name, unsigned long long value)
{
    member(j, name);
    (void)fprintf(j->f, "%llu", value);
}

void json_null(struct cli_json *j, const char *name)
{
    member(j, name);
    (void)fputs("null", j->f);
}

void json_double(struct cli_json *j, const char *name, double value)
{
    member(j, name);
    (void)fprintf(j->f, "%.2f", value);
}

void json_time(struct cli_json *j, const char *name, time_t t)
{
    if (t == 0)
        json_null(j, name);
    else
        json_int(j, name, (long long)t);
}

int cli_utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t more;
        unsigned long cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            more = 1;
            cp = c & 0x1fu;
        } else if (c >= 0xe0 && c <= 0xef) {
            more = 2;
            cp = c & 0x0fu;
        } else if (c >= 0xf0 && c <= 0xf4) {
            more = 3;
            cp = c & 0x07u;
        } else {
            return 0; /* a continuation byte, 0xc0/0xc1, or above 0xf4 */
        }
        if (n - i - 1 < more)
            return 0;
        for (size_t k = 1; k <= more; k++) {
            if ((s[i + k] & 0xc0u) != 0x80u)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if ((more == 2 && cp < 0x800) || (more == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0; /* overlong, out of range, or a surrogate */
        i += more + 1;
    }
    return 1;
}

static char *base64(const unsigned char *data, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc((n + 2) / 3 * 4 + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned long v =
            ((unsigned long)data[i] << 16) | ((unsigned long)data[i + 1] << 8) | data[i + 2];
        out[o++] = abc[(v >> 18) & 63];
        out[o++] = abc[(v >> 12) & 63];
        out[o++] = abc[(v >> 6) & 63];
        out[o++] = abc[v & 63];
    }
    if (i < n) {
        unsigned long v = (unsigned long)data[i] << 16;
        if (i + 1 < n)
            v |= (unsigned long)data[i + 1] << 8;
        out[o++] = abc[(v >> 18) & 63];
        out[o++] = abc[(v >> 12) & 63];
        out[o++] = abc[(v >> 6) & 63];
        out[o++] = '=';
        if (i + 1 == n)
            out[o - 2] = '=';
    }
    out[o] = '\0';
    return out;
}

int json_payload(struct cli_json *j, const unsigned char *data, size_t len)
{
    if (cli_utf8_valid(data, len)) {
        json_string(j, "encoding", "text");
        member(j, "data");
        write_string(j->f, (const char *)data, len);
        return 0;
    }
    char *b64 = base64(data, len);
    if (b64 == NULL)
        return -ENOMEM;
    json_string(j, "encoding", "base64");
    json_string(j, "data", b64);
    free(b64);
    return 0;
}

int json_finish(struct cli_json *j)
{
    (void)fputc('\n', j->f);
    if (fflush(j->f) != 0 || ferror(j->f))
        return cli_fail("standard output", -EIO, NULL);
    return CLI_OK;
}
