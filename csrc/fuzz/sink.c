/* Token dumps: see sink.h. Test code: it may allocate and abort. */
#include "sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sink_init(struct sink *s)
{
    s->n = 0;
    s->cap = 256;
    s->p = malloc(s->cap);
    if (!s->p)
        abort();
}

void sink_free(struct sink *s)
{
    free(s->p);
    s->p = NULL;
    s->n = s->cap = 0;
}

static void put(struct sink *s, const char *b, size_t n)
{
    if (s->n + n > s->cap) {
        while (s->n + n > s->cap)
            s->cap *= 2;
        s->p = realloc(s->p, s->cap);
        if (!s->p)
            abort();
    }
    memcpy(s->p + s->n, b, n);
    s->n += n;
}

void sink_raw(struct sink *s, const unsigned char *b, size_t n)
{
    put(s, (const char *)b, n);
}

void sink_str(struct sink *s, const char *str)
{
    put(s, str, strlen(str));
}

void sink_int(struct sink *s, long v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, " %ld", v);
    put(s, tmp, (size_t)n);
}

void sink_bytes(struct sink *s, const unsigned char *b, size_t n)
{
    put(s, " ", 1);
    for (size_t i = 0; i < n; i++) {
        if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\') {
            put(s, (const char *)&b[i], 1);
        } else {
            char tmp[8];
            snprintf(tmp, sizeof tmp, "\\x%02x", b[i]);
            put(s, tmp, 4);
        }
    }
}

void sink_recv(struct sink *s, struct sink *demux, const struct cfg *cfg, long id,
               long length, const unsigned char *ip, long ip_len, long port, int framed,
               const unsigned char *data, size_t n)
{
    if (id < DEMUX_IDS && (cfg->demux >> id) & 1u) {
        put(&demux[id], (const char *)data, n);
        return;
    }
    sink_str(s, "RECV");
    sink_int(s, id);
    sink_int(s, length);
    if (ip_len < 0)
        sink_str(s, " -");
    else
        sink_bytes(s, ip, (size_t)ip_len);
    sink_int(s, port);
    sink_int(s, framed);
    sink_bytes(s, data, n);
    sink_str(s, "\n");
}

void sink_read(struct sink *s, long length, const unsigned char *ip, long ip_len, long port,
               const unsigned char *data, size_t n)
{
    sink_str(s, "READ");
    sink_int(s, length);
    if (ip_len < 0)
        sink_str(s, " -");
    else
        sink_bytes(s, ip, (size_t)ip_len);
    sink_int(s, port);
    sink_bytes(s, data, n);
    sink_str(s, "\n");
}

void sink_demux_end(struct sink *s, struct sink *demux)
{
    for (long id = 0; id < DEMUX_IDS; id++) {
        if (demux[id].n == 0)
            continue;
        sink_str(s, "DEMUX");
        sink_int(s, id);
        sink_bytes(s, (const unsigned char *)demux[id].p, demux[id].n);
        sink_str(s, "\n");
    }
}
