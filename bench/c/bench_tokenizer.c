/*
 * C-level benchmark of csrc/tokenizer.c alone: no Python, no cffi.
 *
 *   bench_tokenizer FILE [chunk] [loops] [hex] [demux]
 *
 * Feeds FILE's bytes to qio_feed() in chunks of `chunk` bytes (default 4096,
 * as the Python wrapper gets them from one serial read), `loops` times over
 * (default 200), with the output buffers sized as pyqio/_ctokenizer.py sizes
 * them. With demux=1 every connect id is routed to the demux buffer and
 * qio_demux_group() runs after each call, as feed_demux() does. Prints one
 * line: bytes, tokens, ns per byte, MB/s. Under callgrind run it with loops=1
 * and divide Ir by the bytes (bench/callgrind.py does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tokenizer.h"

#define TOK_CAP 1024
#define ARENA (64 * 1024)
#define DMX (256 * 1024)
#define MAX_LINE 4096

static unsigned char *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc(size > 0 ? (size_t)size : 1);
    *n = data ? fread(data, 1, (size_t)size, f) : 0;
    fclose(f);
    return data;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [chunk] [loops] [hex] [demux]\n", argv[0]);
        return 2;
    }
    size_t n, chunk = argc > 2 ? strtoul(argv[2], NULL, 10) : 4096;
    long loops = argc > 3 ? strtol(argv[3], NULL, 10) : 200;
    int hex = argc > 4 && atoi(argv[4]);
    int demux = argc > 5 && atoi(argv[5]);
    unsigned char *data = read_file(argv[1], &n);
    if (!data || chunk == 0 || loops < 1) {
        fprintf(stderr, "cannot read %s, or bad chunk/loops\n", argv[1]);
        return 2;
    }
    size_t room = qio_token_room(MAX_LINE), size = qio_buf_size(MAX_LINE);
    static qio_parser p;
    unsigned char *buf = malloc(size), *arena = malloc(ARENA + room);
    unsigned char *dmx = malloc(DMX + room), *group_out = malloc(DMX + room);
    qio_token *tok = malloc(TOK_CAP * sizeof *tok);
    int32_t *seg = malloc(2 * TOK_CAP * sizeof *seg), *groups = malloc(3 * TOK_CAP * sizeof *groups);
    unsigned char route[5] = {1, 1, 1, 1, 1};
    qio_init(&p, buf, size, MAX_LINE);
    qio_set_output(&p, tok, TOK_CAP, arena, ARENA + room, seg, TOK_CAP, dmx, DMX + room);
    p.hex = hex;
    if (demux) {
        p.demux = route;
        p.demux_n = 5;
    }
    size_t tokens = 0, groups_total = 0;
    double t0 = now();
    for (long l = 0; l < loops; l++) {
        for (size_t off = 0; off < n;) {
            size_t len = n - off < chunk ? n - off : chunk;
            size_t pos = 0;
            while (pos < len) {
                pos += qio_feed(&p, data + off + pos, len - pos);
                tokens += p.ntok + p.nseg;
                if (p.nseg)
                    groups_total += qio_demux_group(&p, group_out, groups);
            }
            off += len;
        }
    }
    double dt = now() - t0;
    double bytes = (double)n * (double)loops;
    printf("bytes=%zu tokens=%zu groups=%zu ns_per_byte=%.3f mb_s=%.1f\n", n,
           tokens / (size_t)loops, groups_total / (size_t)loops, dt / bytes * 1e9,
           bytes / dt / 1e6);
    return 0;
}
