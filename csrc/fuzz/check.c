/* See check.h. Test code: it allocates per run and aborts on a broken promise. */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tokenizer.h"
#include "ref.h"

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        abort();
    return p;
}

static void dump_batch(qio_parser *p, const struct cfg *cfg, struct sink *out,
                       struct sink *demux)
{
    for (size_t i = 0; i < p->ntok; i++) {
        const qio_token *t = &p->tok[i];
        const unsigned char *b = p->arena + t->off;
        if (t->kind == QIO_T_LINE) {
            sink_str(out, "LINE");
            sink_bytes(out, b, (size_t)t->len);
        } else if (t->kind == QIO_T_PROMPT) {
            sink_str(out, "PROMPT");
        } else if (t->kind == QIO_T_ERROR) {
            sink_str(out, "ERROR ");
            sink_str(out, qio_reason_string(t->reason));
            sink_bytes(out, b, (size_t)t->len);
        } else if (t->kind == QIO_T_READ) {
            sink_read(out, t->length, p->arena + t->ip_off, t->ip_len, t->port, b,
                      (size_t)t->len);
            continue;
        } else {
            sink_recv(out, demux, cfg, t->connect_id, t->length, p->arena + t->ip_off,
                      t->ip_len, t->port, t->reason, b, (size_t)t->len);
            continue;
        }
        sink_str(out, "\n");
    }
    const unsigned char *src = p->ngroups == 1 ? p->dmx : p->grouped;
    for (size_t g = 0; g < p->ngroups; g++) {
        const int32_t *t = &p->groups[3 * g];
        sink_raw(&demux[t[0]], src + t[1], (size_t)t[2]);
    }
}

void qio_dump(const unsigned char *d, size_t n, const struct cfg *cfg,
              const struct split *split, struct sink *out)
{
    size_t room = qio_token_room(cfg->max_line), size = qio_buf_size(cfg->max_line);
    size_t cap = split->tok_cap, acap = room + split->extra;
    unsigned char *buf = xmalloc(size), *arena = xmalloc(acap), *dmx = xmalloc(acap);
    unsigned char *grouped = xmalloc(acap), mask[DEMUX_IDS];
    qio_token *tok = xmalloc(cap * sizeof *tok);
    int32_t *seg = xmalloc(2 * cap * sizeof *seg), *groups = xmalloc(3 * cap * sizeof *groups);
    struct sink demux[DEMUX_IDS];
    qio_parser p;

    qio_init(&p, buf, size, cfg->max_line);
    qio_set_output(&p, tok, cap, arena, acap, seg, cap, dmx, grouped, acap, groups);
    p.hex = cfg->hex;
    p.show_ra = cfg->show_ra;
    p.udp_service = cfg->udp_service;
    p.module = cfg->module;
    p.buffer_access = cfg->buffer_access;
    for (int i = 0; i < DEMUX_IDS; i++) {
        mask[i] = (unsigned char)((cfg->demux >> i) & 1u);
        sink_init(&demux[i]);
    }
    for (size_t off = 0, k = 0; off < n; k++) {
        size_t len = split->nchunks ? split->chunks[k % split->nchunks] : n - off;
        if (len > n - off)
            len = n - off;
        for (size_t pos = 0; pos < len;) {
            size_t used = cfg->demux ? qio_feed_demux(&p, d + off + pos, len - pos, mask, DEMUX_IDS)
                                     : qio_feed(&p, d + off + pos, len - pos);
            if (used == 0 && p.ntok == 0 && p.nseg == 0)
                abort();    /* no progress: a bug, not an input to skip */
            pos += used;
            dump_batch(&p, cfg, out, demux);
        }
        off += len;
    }
    qio_finish(&p);
    dump_batch(&p, cfg, out, demux);
    sink_demux_end(out, demux);
    for (int i = 0; i < DEMUX_IDS; i++)
        sink_free(&demux[i]);
    free(buf), free(arena), free(dmx), free(grouped), free(tok), free(seg), free(groups);
}

/* In hex mode the input runs under every hex level the CPU has (scalar, SSE2,
 * AVX2; scalar, NEON on ARM), each compared with the reference; then the best level is back. */
int check_split(const unsigned char *d, size_t n, const struct cfg *cfg,
                const struct split *split)
{
    struct sink want;
    int bad = 0, best = qio_set_simd(-1);
    sink_init(&want);
    ref_tokenize(d, n, cfg, &want);
    for (int level = cfg->hex ? 0 : best; level <= best && !bad; level++) {
        struct sink got;
        sink_init(&got);
        qio_set_simd(level);
        qio_dump(d, n, cfg, split, &got);
        bad = want.n != got.n || memcmp(want.p, got.p, want.n) != 0;
        if (bad) {
            fprintf(stderr, "MISMATCH module=%d buffer_access=%#x hex=%d show_ra=%d udp=%#x "
                    "demux=%#x max_line=%zu nchunks=%zu tok_cap=%zu simd=%d\n--- reference\n"
                    "%.*s--- tokenizer.c\n%.*s---\n", cfg->module,
                    (unsigned)cfg->buffer_access, cfg->hex, cfg->show_ra, (unsigned)cfg->udp_service,
                    (unsigned)cfg->demux, cfg->max_line, split->nchunks, split->tok_cap, level,
                    (int)want.n, want.p, (int)got.n, got.p);
        }
        sink_free(&got);
    }
    qio_set_simd(best);
    sink_free(&want);
    return bad;
}

static const size_t MAX_LINES[8] = {256, 257, 300, 384, 512, 1024, 1500, 4096};
static const uint32_t DEMUX_SETS[4] = {0, 0x1, 0x2, 0x7};

size_t cfg_from_bytes(const unsigned char *d, size_t n, struct cfg *cfg,
                      struct split *split, size_t *chunks)
{
    if (n < FUZZ_HEADER)
        return 0;
    cfg->hex = d[0] & 1;
    cfg->show_ra = (d[0] >> 1) & 1;
    cfg->udp_service = (d[0] & 4) ? 0x3u : 0;   /* ids 0 and 1 are UDP SERVICE */
    cfg->demux = DEMUX_SETS[(d[0] >> 3) & 3];
    cfg->max_line = MAX_LINES[d[0] >> 5];
    cfg->module = (d[4] & 3) == 3 ? 2 : d[4] & 3;        /* 2 and 3: bg96 */
    cfg->buffer_access = (d[4] & 4) ? 0x5u : 0;         /* ids 0 and 2 */
    split->tok_cap = 1 + (d[1] & 15u);
    split->extra = (size_t)(d[1] >> 4) * 64;
    split->nchunks = 1 + d[2] % 8u;
    for (size_t i = 0; i < split->nchunks; i++)
        chunks[i] = 1 + (d[3] + i * 37 + (n > FUZZ_HEADER ? d[FUZZ_HEADER + i % (n - FUZZ_HEADER)] : 0))
            % (1u + (d[2] >> 3));
    split->chunks = chunks;
    return FUZZ_HEADER;
}
