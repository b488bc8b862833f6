/*
 * Differential driver for the hex decoder (../hex.c) at every level this CPU
 * has (scalar; SSE2, AVX2 on x86-64; NEON on ARM), built natively and
 * cross-built for aarch64 and armhf, where tests/test_arm.py runs it under
 * qemu-user. Two layers:
 *
 *   qio_unhex() alone, per level, against a plain decoder: every length 0-200
 *   digits in both cases (also with the digits and the output each ending where
 *   an inaccessible page begins, so that a read or write past either, which
 *   ASan does not see in NEON loads and stores, faults), all 256 byte values at 16 alignments, and one bad byte
 *   of every non-digit value at every position (lengths up to 64; beyond, the
 *   near misses of each digit range), each of which must be rejected;
 *
 *   the tokenizer in hex mode through check.c (every level against the
 *   byte-at-a-time reference ref.c, whole and cut into chunks): framed and
 *   unframed payloads of every length 0-200, all 256 byte values, a bad byte of
 *   a rotating kind at every position of every length, and STREAMS random
 *   streams of hex URCs, lines and noise under random settings and splits.
 *
 *   hexcheck [STREAMS [SEED]]     (default 3000 streams, seed 1)
 *
 * Prints "ok: hex levels 0-N, ..." or the first mismatches, and exits 0 or 1.
 */
#define _DEFAULT_SOURCE     /* MAP_ANONYMOUS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../hex.h"
#include "../tokenizer.h"
#include "check.h"

#define MAX_DIGITS 200
#define ALL_BAD_UP_TO 64

static const char DIGITS[] = "0123456789abcdefABCDEF";
/* bytes next to each digit range, their images under | 0x20 and | 0x80, NUL,
 * space, CR, LF, '"' and the top byte */
static const unsigned char NEAR[] = {0x00, 0x0A, 0x0D, 0x0F, 0x10, 0x1A, 0x20, 0x22,
                                     0x2F, 0x3A, 0x40, 0x47, 0x60, 0x67, 0x7F, 0x80,
                                     0xAF, 0xB0, 0xC1, 0xE1, 0xE7, 0xFF};
static const size_t FIB[] = {1, 2, 3, 5, 8, 13, 21};
static const size_t CHUNK61[] = {61};
static const struct split SPLITS[] = {
    {NULL, 0, 1024, 1 << 16},   /* whole */
    {CHUNK61, 1, 1024, 1 << 16},
    {FIB, 7, 3, 64},            /* a few tokens per call, small arena */
};
#define NSPLITS (sizeof SPLITS / sizeof SPLITS[0])
static const struct cfg HEX = {1, 0, 0, 0, 4096, 0, 0};

static int bad_count;

static void fail(const char *what, int level, size_t n, long pos, unsigned b)
{
    if (bad_count++ < 10)
        fprintf(stderr, "MISMATCH %s: simd=%d n=%zu pos=%ld byte=%#04x\n", what, level, n, pos, b);
}

static int is_digit(unsigned char c)
{
    return c != 0 && strchr(DIGITS, c) != NULL;
}

static unsigned value(unsigned char c)
{
    return c <= '9' ? c - (unsigned)'0' : (c | 0x20u) - 'a' + 10;
}

/* The digit of value v (0-15), in upper case if upper. */
static unsigned char hexdigit(unsigned v, unsigned upper)
{
    return (unsigned char)DIGITS[v < 10 || !upper ? v : v + 6];
}

/* n hex digits of both cases; shift rotates which digit lands in which lane. */
static void digits(unsigned char *d, size_t n, size_t shift)
{
    for (size_t i = 0; i < n; i++)
        d[i] = (unsigned char)DIGITS[(i + shift) % (sizeof DIGITS - 1)];
}

/* ---- qio_unhex alone ---- */

/* src[0..n) are digits: qio_unhex must decode them to got[0..n/2) and say so. */
static void unhex_good(int level, const unsigned char *src, size_t n, unsigned char *got,
                       const char *what)
{
    unsigned char want[MAX_DIGITS + 512];
    for (size_t i = 0; i < n; i += 2)
        want[i / 2] = (unsigned char)(value(src[i]) << 4 | value(src[i + 1]));
    if (qio_unhex(got, src, n) != 0 || memcmp(got, want, n / 2) != 0)
        fail(what, level, n, -1, 0);
}

/* A page whose next page is inaccessible: its end is a wall. */
static unsigned char *walled_page(size_t page)
{
    unsigned char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || mprotect(p + page, page, PROT_NONE) != 0) {
        perror("mmap");
        exit(2);
    }
    return p;
}

static void unhex_level(int level)
{
    unsigned char d[MAX_DIGITS + 512], out[MAX_DIGITS + 512];
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *src_page = walled_page(page), *dst_page = walled_page(page);
    for (size_t n = 0; n <= MAX_DIGITS; n += 2) {
        for (size_t shift = 0; shift < 4; shift++) {
            unsigned char *src = src_page + page - n;
            digits(d, n, n + shift);
            unhex_good(level, d, n, out, "unhex every length");
            memcpy(src, d, n);
            unhex_good(level, src, n, dst_page + page - n / 2, "unhex at a wall");
        }
    }
    munmap(src_page, 2 * page);
    munmap(dst_page, 2 * page);
    for (size_t shift = 0; shift < 16; shift++) {     /* all 256 byte values */
        for (unsigned upper = 0; upper < 4; upper++) {  /* both cases, and mixed */
            for (size_t i = 0; i < 256; i++) {
                unsigned b = (unsigned)((i + shift) & 255);
                d[2 * i] = hexdigit(b >> 4, upper & 1);
                d[2 * i + 1] = hexdigit(b & 15, upper & 2);
            }
            unhex_good(level, d, 512, out, "unhex all byte values");
        }
    }
    for (size_t n = 2; n <= MAX_DIGITS; n += 2) {     /* one bad byte at every position */
        for (size_t pos = 0; pos < n; pos++) {
            for (unsigned b = 0; b < 256; b++) {
                if (is_digit((unsigned char)b)
                    || (n > ALL_BAD_UP_TO && !memchr(NEAR, (int)b, sizeof NEAR)))
                    continue;
                digits(d, n, n + pos);
                d[pos] = (unsigned char)b;
                if (qio_unhex(out, d, n) == 0)
                    fail("unhex bad byte accepted", level, n, (long)pos, b);
            }
        }
    }
}

/* ---- through the tokenizer, against the reference ---- */

static void put(struct sink *s, const char *str)
{
    sink_raw(s, (const unsigned char *)str, strlen(str));
}

static void framed(struct sink *s, const unsigned char *pay, size_t n)
{
    char head[48];
    snprintf(head, sizeof head, "+QIURC: \"recv\",0,%zu,\"", n / 2);
    put(s, head);
    sink_raw(s, pay, n);
    put(s, "\"\r\n");
}

static void unframed(struct sink *s, const unsigned char *pay, size_t n)
{
    put(s, "+QIURC: \"recv\",1,\"10.0.0.1\",7,\"");
    sink_raw(s, pay, n);
    put(s, "\"\r\n");
}

static void check_stream(const struct sink *s, const struct cfg *cfg, const char *what)
{
    for (size_t k = 0; k < NSPLITS; k++) {
        if (check_split((const unsigned char *)s->p, s->n, cfg, &SPLITS[k])) {
            fprintf(stderr, "in %s, split %zu\n", what, k);
            bad_count++;
        }
    }
}

static void tokenizer_streams(void)
{
    unsigned char d[MAX_DIGITS + 512];
    struct sink s;
    sink_init(&s);
    for (size_t n = 0; n <= MAX_DIGITS; n++) {        /* every length */
        digits(d, n, 3 * n);
        if (n % 2 == 0)
            framed(&s, d, n);
        unframed(&s, d, n);
    }
    check_stream(&s, &HEX, "every length");
    s.n = 0;
    for (size_t shift = 0; shift < 16; shift++) {     /* all 256 byte values */
        for (size_t i = 0; i < 256; i++) {
            unsigned b = (unsigned)((i + shift) & 255);
            d[2 * i] = hexdigit(b >> 4, shift & 1);       /* both cases, and mixed */
            d[2 * i + 1] = hexdigit(b & 15, shift & 2);
        }
        framed(&s, d, 512);
    }
    check_stream(&s, &HEX, "all byte values");
    s.n = 0;
    for (size_t n = 2, kind = 0; n <= MAX_DIGITS; n += 2) {  /* a bad byte everywhere */
        for (size_t pos = 0; pos < n; pos++) {
            unsigned char b;
            do
                b = (unsigned char)(kind++ * 97);
            while (is_digit(b));
            digits(d, n, n + pos);
            d[pos] = b;
            framed(&s, d, n);
            if (b != '"' && b != '\r' && b != '\n')
                unframed(&s, d, n);
        }
    }
    check_stream(&s, &HEX, "a bad byte at every position");
    sink_free(&s);
}

/* ---- random streams ---- */

static unsigned long long rng_state;

static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)((rng_state >> 11) % n);
}

static const char *const EOLS[] = {"\r\n", "\n", "\r"};
static const char *const LINES[] = {"OK", "SEND OK", "ERROR", "+QIURC: \"closed\",1", ">"};

static void random_urc(struct sink *s)
{
    unsigned char d[400];
    size_t n = rnd(9) == 0 ? rnd(400) : rnd(80) * 2 + (rnd(16) == 0);  /* odd now and then */
    char head[80];
    for (size_t i = 0; i < n; i++)
        d[i] = (unsigned char)DIGITS[rnd(sizeof DIGITS - 1)];
    if (n && rnd(6) == 0)
        d[rnd((unsigned)n)] = (unsigned char)rnd(256);
    if (rnd(3) == 0) {
        snprintf(head, sizeof head, "+QIURC: \"recv\",%u,\"10.0.%u.%u\",%u,", rnd(12), rnd(256),
                 rnd(256), rnd(70000));
    } else {
        long len = (long)(n / 2) + (rnd(12) == 0 ? (long)rnd(3) - 1 : 0);
        snprintf(head, sizeof head, "+QIURC: \"recv\",%u,%ld,", rnd(12), len);
    }
    put(s, head);
    int quoted = rnd(4) != 0;
    if (quoted)
        put(s, "\"");
    sink_raw(s, d, n);
    if (quoted)
        put(s, "\"");
    put(s, EOLS[rnd(3)]);
}

static void random_streams(unsigned long count, unsigned long long seed)
{
    struct sink s;
    sink_init(&s);
    rng_state = seed * 0x9E3779B97F4A7C15ull | 1;
    for (unsigned long k = 0; k < count && bad_count == 0; k++) {
        unsigned char hdr[FUZZ_HEADER];
        struct cfg cfg;
        struct split split;
        size_t chunks[8];
        s.n = 0;
        for (int i = 0; i < FUZZ_HEADER; i++)
            hdr[i] = (unsigned char)rnd(256);
        hdr[0] |= 1;                                    /* hex mode */
        sink_raw(&s, hdr, FUZZ_HEADER);
        for (unsigned parts = 1 + rnd(12), i = 0; i < parts; i++) {
            unsigned what = rnd(10);
            if (what < 7) {
                random_urc(&s);
            } else if (what < 9) {
                put(&s, LINES[rnd(5)]);
                put(&s, EOLS[rnd(3)]);
            } else {
                for (unsigned j = rnd(8); j > 0; j--) {
                    unsigned char c = (unsigned char)rnd(256);
                    sink_raw(&s, &c, 1);
                }
            }
        }
        const unsigned char *p = (const unsigned char *)s.p;
        size_t off = cfg_from_bytes(p, s.n, &cfg, &split, chunks);
        if (check_split(p + off, s.n - off, &cfg, &SPLITS[0])
            || check_split(p + off, s.n - off, &cfg, &split)) {
            fprintf(stderr, "in random stream %lu (seed %llu)\n", k, seed);
            bad_count++;
        }
    }
    sink_free(&s);
}

int main(int argc, char **argv)
{
    unsigned long streams = argc > 1 ? strtoul(argv[1], NULL, 10) : 3000;
    unsigned long long seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    int best = qio_set_simd(-1);
    for (int level = 0; level <= best; level++) {
        if (qio_set_simd(level) != level)
            fail("qio_set_simd", level, 0, -1, 0);
        unhex_level(level);
    }
    qio_set_simd(best);
    tokenizer_streams();        /* check_split runs every level itself */
    random_streams(streams, seed);
    printf("%s: hex levels 0-%d, unhex lengths 0-%d, tokenizer streams, %lu random streams\n",
           bad_count ? "FAIL" : "ok", best, MAX_DIGITS, streams);
    return bad_count != 0;
}
