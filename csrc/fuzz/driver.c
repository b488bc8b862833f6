/*
 * Standalone test driver for csrc/tokenizer.c (run under ASan+UBSan by
 * tests/test_c_core.py, and under gcov by tools/coverage_c.sh).
 *
 *   driver [FILE...]   runs the built-in cases, then every FILE (fuzz corpus
 *                      format, see README.md) under a sweep of settings and splits,
 *                      comparing with the reference each time (hex settings under
 *                      every hex level the CPU has); exit 1 on a mismatch
 *   driver -p FILE     prints the tokens of FILE's body (default settings)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tokenizer.h"
#include "check.h"
#include "ref.h"

static const size_t BYTEWISE[] = {1};
static const size_t FIB[] = {1, 2, 3, 5, 8, 13, 21};
static const struct split SPLITS[] = {
    {NULL, 0, 1024, 1 << 16},   /* whole */
    {BYTEWISE, 1, 1024, 1 << 16},
    {FIB, 7, 1, 0},             /* one token per call, minimal arena */
    {FIB + 2, 3, 3, 100},
};
#define NSPLITS (sizeof SPLITS / sizeof SPLITS[0])

/* Golden cases: the expected dump is written by hand from TOKENS.md. */
struct golden {
    const char *in;
    size_t len;     /* 0: strlen(in) */
    struct cfg cfg;
    const char *want;
};

#define TEXT {0, 0, 0, 0, 4096, 0, 0}
#define SHOWRA {0, 1, 0, 0, 4096, 0, 0}
#define HEX {1, 0, 0, 0, 4096, 0, 0}
#define SMALL {0, 0, 0, 0, 256, 0, 0}
#define BG96 {0, 0, 0, 0, 4096, QIO_M_BG96, 0}
#define BG96_BUF2 {0, 0, 0, 0, 4096, QIO_M_BG96, 0x4}     /* id 2 in buffer access mode */
#define BG96_HEX {1, 0, 0, 0, 4096, QIO_M_BG96, 0}
#define BG96_SMALL {0, 0, 0, 0, 256, QIO_M_BG96, 0}

static const struct golden GOLDEN[] = {
    {"AT+QISEND=0,5\r\r\n> 12345\x1a\r\nOK\r\n\r\nSEND OK\r\n", 0, TEXT,
     "LINE AT+QISEND=0,5\nPROMPT\nLINE 12345\\x1a\nLINE OK\nLINE SEND OK\n"},
    {">\r\n>", 0, TEXT, "PROMPT\nPROMPT\n"},
    {"\r\n+QIURC: \"recv\",1,10,\"1234567890\"\r\n", 0, TEXT,
     "RECV 1 10 - -1 1 1234567890\n"},
    {"+QIURC: \"recv\",0,12,\"\r\nOK\r\n\"\r\nxyz\"\r\n", 0, TEXT,
     "RECV 0 12 - -1 1 \\x0d\\x0aOK\\x0d\\x0a\"\\x0d\\x0axyz\n"},
    {"+QIURC: \"recv\",0,12, \"220.180.239.212\",8062,\"012345678901\"\r\n", 0, SHOWRA,
     "RECV 0 12 220.180.239.212 8062 1 012345678901\n"},
    {"+QIURC: \"recv\",0,\"1.2.3.4\",5,\"a\"\"\r\n", 0, TEXT,
     "RECV 0 -1 1.2.3.4 5 0 a\"\n"},
    {"+QIURC: \"recv\",0,3,\"4142x3\"\r\n", 0, HEX,
     "ERROR bad hex digit +QIURC: \"recv\",0,3,\"4142x3\"\n"},
    {"+QIURC: \"recv\",0,2,\"4142\"\r\n", 0, HEX, "RECV 0 2 - -1 1 AB\n"},
    {"+QIURC: \"recv\",0,3,\"abcd\"\r\nOK\r\n", 0, TEXT,
     "ERROR recv data not terminated +QIURC: \"recv\",0,3,\"abcd\nLINE OK\n"},
    {"+QIURC: \"recv\",0,300,\"x\"\r\nOK\r\n", 0, SMALL,
     "ERROR recv length too large +QIURC: \"recv\",0,300,\nLINE OK\n"},
    {"+QIURC: \"recv\",x\r\nOK\r\n+QIURC: \"recv\",0,5,\"12", 0, TEXT,
     "ERROR bad recv header +QIURC: \"recv\",x\nLINE OK\n"
     "ERROR truncated recv +QIURC: \"recv\",0,5,\"12\n"},
    {"O\0K\r\n\0\0+QIURC: \"recv\",\0""0,1,\"\0\"\r\n", 31, TEXT,
     "LINE OK\nRECV 0 1 - -1 1 \\x00\n"},
    /* the bg96 profile: data after the header's line end, by length */
    {"\r\n+QIURC: \"recv\",1,8\r\nOK\r\n\"a\"\0\r\n\r\nOK\r\n", 38, BG96,
     "RECV 1 8 - -1 1 OK\\x0d\\x0a\"a\"\\x00\nLINE OK\n"},
    {"+QIURC: \"recv\",3,2,\"10.0.0.1\",53\nhi\r+QIRD: 2,\"::1\",7\rxy\n", 0, BG96,
     "RECV 3 2 10.0.0.1 53 1 hi\nREAD 2 ::1 7 xy\n"},
    {"+QIURC: \"recv\",2\r\n+QIURC: \"recv\",2,1500\r\n+QIRD: 0\r\n\r\nOK\r\n"
     "+QIRD: 5,5,0\r\n", 0, BG96_BUF2,
     "LINE +QIURC: \"recv\",2\nLINE +QIURC: \"recv\",2,1500\nREAD 0 - -1 \n"
     "LINE OK\nLINE +QIRD: 5,5,0\n"},
    {"+QIURC: \"recv\",0,2\r\n4142\r\n+QIURC: \"recv\",0,1,\"x\",1\r\n", 0, BG96_HEX,
     "RECV 0 2 - -1 1 AB\nERROR bad recv header +QIURC: \"recv\",0,1,\"x\",1\n"},
    {"+QIURC: \"recv\",0,300\r\nOK\r\n+QIURC: \"recv\",0,3\r\nabcOK\r\n", 0, BG96_SMALL,
     "ERROR recv length too large +QIURC: \"recv\",0,300\nLINE OK\n"
     "ERROR recv data not terminated +QIURC: \"recv\",0,3abcO\n"},
    {"+QIURC: \"recv\",0,5,\"1.2.3.4\",5,\"hello\"\r\n+QIRD: 4\r\nab", 0, BG96,
     "ERROR bad recv header +QIURC: \"recv\",0,5,\"1.2.3.4\",5,\"hello\"\n"
     "ERROR truncated recv +QIRD: 4ab\n"},
};

static int run_golden(void)
{
    int bad = 0;
    for (size_t i = 0; i < sizeof GOLDEN / sizeof GOLDEN[0]; i++) {
        const struct golden *g = &GOLDEN[i];
        size_t n = g->len ? g->len : strlen(g->in);
        for (size_t s = 0; s < NSPLITS; s++) {
            struct sink got;
            sink_init(&got);
            qio_dump((const unsigned char *)g->in, n, &g->cfg, &SPLITS[s], &got);
            if (got.n != strlen(g->want) || memcmp(got.p, g->want, got.n) != 0) {
                fprintf(stderr, "golden case %zu split %zu:\n--- want\n%s--- got\n%.*s---\n",
                        i, s, g->want, (int)got.n, got.p);
                bad = 1;
            }
            sink_free(&got);
            bad |= check_split((const unsigned char *)g->in, n, &g->cfg, &SPLITS[s]);
        }
    }
    return bad;
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *d = NULL;
    size_t cap = 0;
    *n = 0;
    if (!f) {
        perror(path);
        exit(2);
    }
    for (;;) {
        if (*n == cap && !(d = realloc(d, cap = cap * 2 + 4096)))
            abort();
        size_t got = fread(d + *n, 1, cap - *n, f);
        if (got == 0)
            break;
        *n += got;
    }
    fclose(f);
    return d;
}

static const size_t SWEEP_MAX_LINES[] = {256, 1024, 4096};

/* The file's own settings and split, then every setting under every split. */
static int run_file(const unsigned char *d, size_t n)
{
    struct cfg cfg;
    struct split split;
    size_t chunks[8], off = cfg_from_bytes(d, n, &cfg, &split, chunks);
    int bad = 0;
    if (off == 0)
        return 0;
    bad |= check_split(d + off, n - off, &cfg, &split);
    for (unsigned bits = 0; bits < 64; bits++) {
        for (size_t m = 0; m < 3; m++) {
            /* bit 5: the bg96 profile, with ids 0 and 2 in buffer access mode if bit 2 */
            struct cfg c = {bits & 1, (bits >> 1) & 1, (bits & 4) ? 0x3u : 0,
                            (bits & 8) ? 0x1u : (bits & 16) ? 0x6u : 0, SWEEP_MAX_LINES[m],
                            (bits & 32) ? QIO_M_BG96 : QIO_M_BC660K,
                            (bits & 36) == 36 ? 0x5u : 0};
            for (size_t s = 0; s < NSPLITS; s++)
                bad |= check_split(d + off, n - off, &c, &SPLITS[s]);
        }
    }
    return bad;
}

int main(int argc, char **argv)
{
    int bad = 0, files = 0;
    if (argc == 3 && strcmp(argv[1], "-p") == 0) {
        size_t n;
        unsigned char *d = slurp(argv[2], &n);
        struct cfg cfg = TEXT;
        struct sink out;
        sink_init(&out);
        if (n >= FUZZ_HEADER)
            qio_dump(d + FUZZ_HEADER, n - FUZZ_HEADER, &cfg, &SPLITS[0], &out);
        fwrite(out.p, 1, out.n, stdout);
        sink_free(&out);
        free(d);
        return 0;
    }
    /* the hex level: chosen on first use, forced and clamped by qio_set_simd */
    int best = qio_simd_level();
    if (qio_set_simd(best + 1) != best || qio_set_simd(-1) != best || qio_set_simd(0) != 0
        || qio_simd_level() != 0 || qio_set_simd(best) != best) {
        fprintf(stderr, "qio_set_simd does not clamp to the best level %d\n", best);
        bad = 1;
    }
    bad |= run_golden();
    if (strcmp(qio_reason_string(-1), "unknown") != 0 || strcmp(qio_reason_string(QIO_E_COUNT), "unknown") != 0) {
        fprintf(stderr, "qio_reason_string accepts codes outside its table\n");
        bad = 1;
    }
    for (int i = 1; i < argc; i++) {
        size_t n;
        unsigned char *d = slurp(argv[i], &n);
        if (run_file(d, n)) {
            fprintf(stderr, "in %s\n", argv[i]);
            bad = 1;
        }
        free(d);
        files++;
    }
    printf("%s: %zu golden cases, %d files, hex levels 0-%d\n", bad ? "FAIL" : "ok",
           sizeof GOLDEN / sizeof GOLDEN[0], files, best);
    return bad;
}
