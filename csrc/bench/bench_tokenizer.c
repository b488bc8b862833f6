/*
 * C-level benchmark of csrc/tokenizer.c alone (no Python): MB/s and ns per URC
 * on streams of +QIURC: "recv" URCs, text payloads of 16/256/1024 bytes and hex
 * payloads of 16/256/512 bytes, tokens (feed) and demux (feed_demux, all URCs
 * of connect id 0), against memcpy of the same bytes in the same run. Hex cases
 * run once per hex decoding level the CPU has (scalar, sse2, avx2; the row
 * without a suffix is the level tokenizer.c picks by itself, the best).
 *
 *   bench_tokenizer                    the table (median of 9 timed runs per cell)
 *   bench_tokenizer --once K [LEVEL]   one pass of case K (at LEVEL), for callgrind
 *
 * Build and run: make -C csrc bench (callgrind: make -C csrc callgrind).
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tokenizer.h"

#define STREAM_BYTES (1u << 20)
#define CHUNK 4096          /* a generous read() from a UART or socket */
#define MAX_LINE 4096
#define RUNS 9

struct bcase {
    const char *name;
    int hex;
    size_t len;     /* payload bytes (decoded) */
};

static const struct bcase CASES[] = {
    {"text 16", 0, 16}, {"text 256", 0, 256}, {"text 1024", 0, 1024},
    {"hex 16", 1, 16}, {"hex 256", 1, 256}, {"hex 512", 1, 512},
};
#define NCASES (sizeof CASES / sizeof CASES[0])

static unsigned char *stream;
static size_t stream_n, stream_urcs;

static void build_stream(const struct bcase *c)
{
    static const char hexd[] = "0123456789abcdef";
    char head[64];
    stream_n = stream_urcs = 0;
    while (stream_n < STREAM_BYTES) {
        int h = snprintf(head, sizeof head, "+QIURC: \"recv\",0,%zu,\"", c->len);
        memcpy(stream + stream_n, head, (size_t)h);
        stream_n += (size_t)h;
        for (size_t i = 0; i < c->len; i++) {
            unsigned char b = (unsigned char)(i * 7 + stream_urcs);
            if (c->hex) {
                stream[stream_n++] = (unsigned char)hexd[b >> 4];
                stream[stream_n++] = (unsigned char)hexd[b & 15];
            } else {
                stream[stream_n++] = b;     /* any byte: CR, LF, '"' included */
            }
        }
        memcpy(stream + stream_n, "\"\r\n", 3);
        stream_n += 3;
        stream_urcs++;
    }
}

static qio_parser parser;
static unsigned char *pbuf, *arena, *dmx, *grouped, *sink;
static qio_token tok[1024];
static int32_t seg[2048], groups[3072];
static unsigned char demux_all[1] = {1}, sink_sum;

static void setup(int hex)
{
    size_t room = qio_token_room(MAX_LINE), size = qio_buf_size(MAX_LINE);
    qio_init(&parser, pbuf, size, MAX_LINE);
    qio_set_output(&parser, tok, 1024, arena, 65536 + room, seg, 1024, dmx, grouped,
                   262144 + room, groups);
    parser.hex = hex;
}

/* One pass over the stream; what the Python wrapper's loop does, minus Python. */
static size_t tokenize(int demux)
{
    size_t ntok = 0;
    for (size_t off = 0; off < stream_n; off += CHUNK) {
        size_t n = stream_n - off < CHUNK ? stream_n - off : CHUNK;
        for (size_t pos = 0; pos < n;) {
            pos += demux ? qio_feed_demux(&parser, stream + off + pos, n - pos, demux_all, 1)
                         : qio_feed(&parser, stream + off + pos, n - pos);
            ntok += parser.ntok + parser.nseg;
            if (parser.ngroups == 1)
                sink_sum ^= dmx[0];     /* the caller would append dmx here */
        }
    }
    return ntok;
}

static void copy(void)
{
    for (size_t off = 0; off < stream_n; off += CHUNK) {
        size_t n = stream_n - off < CHUNK ? stream_n - off : CHUNK;
        memcpy(sink + off, stream + off, n);
    }
    __asm__ __volatile__("" : : "r"(sink) : "memory");
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median seconds per pass of f (mode: 0 tokens, 1 demux, 2 memcpy). */
static double median_pass(int mode)
{
    double t[RUNS];
    int reps = 20;
    for (int r = 0; r < RUNS; r++) {
        double t0 = now();
        for (int k = 0; k < reps; k++) {
            if (mode == 2)
                copy();
            else if (tokenize(mode) != stream_urcs)
                abort();
        }
        t[r] = (now() - t0) / reps;
    }
    qsort(t, RUNS, sizeof t[0], cmp);
    return t[RUNS / 2];
}

int main(int argc, char **argv)
{
    stream = malloc(STREAM_BYTES + 8192);
    sink = malloc(STREAM_BYTES + 8192);
    pbuf = malloc(qio_buf_size(MAX_LINE));
    arena = malloc(65536 + qio_token_room(MAX_LINE));
    dmx = malloc(262144 + qio_token_room(MAX_LINE));
    grouped = malloc(262144 + qio_token_room(MAX_LINE));
    if (!stream || !sink || !pbuf || !arena || !dmx || !grouped)
        return 1;
    int best = qio_simd_level();
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "--once") == 0) {
        const struct bcase *c = &CASES[atoi(argv[2]) % NCASES];
        int level = qio_set_simd(argc == 4 ? atoi(argv[3]) : best);
        build_stream(c);
        setup(c->hex);
        printf("%s bytes=%zu urcs=%zu tokens=%zu digits=%zu simd=%d\n", c->name, stream_n,
               stream_urcs, tokenize(0), c->hex ? 2 * c->len * stream_urcs : 0, level);
        return 0;
    }
    printf("%-16s %9s %9s %9s %9s %9s %8s %8s\n", "case", "URC B", "tok MB/s", "dmx MB/s",
           "tok ns/URC", "cpy MB/s", "tok/cpy", "dmx/cpy");
    for (size_t i = 0; i < NCASES; i++) {
        build_stream(&CASES[i]);
        /* level -1: the best, as chosen by itself; then each level (hex only) */
        for (int level = -1; level <= (CASES[i].hex ? best : -1); level++) {
            static const char *const NAMES[] = {"scalar", "sse2", "avx2"};
            char name[32];
            qio_set_simd(level);
            setup(CASES[i].hex);
            snprintf(name, sizeof name, "%s%s%s", CASES[i].name, level < 0 ? "" : " ",
                     level < 0 ? "" : NAMES[level]);
            double tt = median_pass(0), td = median_pass(1), tc = median_pass(2);
            double mb = (double)stream_n / 1e6;
            printf("%-16s %9zu %9.0f %9.0f %9.1f %9.0f %7.1f%% %7.1f%%\n", name,
                   stream_n / stream_urcs, mb / tt, mb / td, tt * 1e9 / (double)stream_urcs,
                   mb / tc, 100 * tc / tt, 100 * tc / td);
        }
        qio_set_simd(best);
    }
    return sink_sum == 255 ? 2 : 0;
}
