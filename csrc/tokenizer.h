/*
 * pyqio C tokenizer: frames the output of a Quectel BC660K-GL AT port into
 * tokens (lines, the '>' prompt, +QIURC: "recv" URCs framed by their length
 * field, protocol errors), exactly as csrc/TOKENS.md defines them.
 *
 * picohttpparser style: one struct of state, every buffer owned by the caller
 * and handed over once, no allocation, no I/O. qio_feed() consumes input until
 * it ends or the caller's output space runs short, and says how much it took.
 */
#ifndef PYQIO_TOKENIZER_H
#define PYQIO_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

enum { QIO_T_LINE = 0, QIO_T_PROMPT = 1, QIO_T_RECV = 2, QIO_T_ERROR = 3, QIO_T_READ = 4 };

/* module profiles (pyqio.protocol.MODULES, in order): QIO_M_BG96 frames data after
 * the URC's line end, buffer access notices and +QIRD answers (TOKENS.md) */
enum { QIO_M_BC660K = 0, QIO_M_BC66 = 1, QIO_M_BG96 = 2 };

/* error reasons; qio_reason_string() gives TOKENS.md's exact text */
enum {
    QIO_E_LINE_TOO_LONG = 0,
    QIO_E_BAD_HEADER,
    QIO_E_LENGTH_TOO_LARGE,
    QIO_E_NOT_TERMINATED,
    QIO_E_BAD_HEX,
    QIO_E_ODD_HEX,
    QIO_E_TRUNCATED,
    QIO_E_COUNT
};

/* One token. Byte fields are offsets into the caller's arena. */
typedef struct {
    int32_t kind;       /* QIO_T_* */
    int32_t off, len;   /* LINE: the line; RECV: the data; ERROR: the raw bytes */
    int32_t reason;     /* ERROR: QIO_E_*; RECV: 1 when length-framed */
    int32_t connect_id, length, port;   /* RECV, READ (id -1); length/port -1 when absent */
    int32_t ip_off, ip_len;             /* RECV, READ; ip_len -1 when absent */
} qio_token;

typedef struct {
    /* settings, read by qio_feed(); change them only between calls */
    int hex;                /* recv data is hex (AT+QICFG="dataformat",x,1) */
    int show_ra;            /* every recv URC carries the sender's address */
    uint32_t udp_service;   /* bit i set: connect id i is a UDP SERVICE socket */
    int module;             /* QIO_M_*: set once, before the first qio_feed() */
    uint32_t buffer_access; /* QIO_M_BG96, bit i set: "recv",i,<len> is a notice */

    /* output of the last call, reset by each qio_feed()/qio_finish() */
    size_t ntok, arena_used, nseg, dmx_used;
    size_t ngroups;         /* qio_feed_demux(): (id, offset, length) triples in groups */

    /* caller-owned output space, see qio_set_output() */
    qio_token *tok;
    size_t tok_cap;
    unsigned char *arena;
    size_t arena_cap;
    int32_t *seg;           /* demuxed URCs: (connect_id, length) pairs */
    size_t seg_cap;         /* in pairs */
    unsigned char *dmx;     /* demuxed payloads, back to back */
    size_t dmx_cap;
    unsigned char *grouped; /* dmx_cap bytes: demuxed payloads regrouped by id */
    int32_t *groups;        /* 3 * seg_cap */
    const unsigned char *demux;     /* demux[id] != 0: route id to dmx (qio_feed_demux) */
    size_t demux_n;

    /* private state */
    unsigned char *buf;     /* the line (or URC line) accumulated so far */
    size_t buf_cap, len, max_line;
    size_t pay_off;         /* where the payload starts in buf */
    size_t remaining;       /* framed payload bytes still to come */
    int state, quoted, framed, has_len, uhex, nd;
    int full;               /* no room for one more token: stop */
    int nl;                 /* QIO_M_BG96: this URC's data follows its line end, unquoted */
    int out_kind;           /* QIO_T_RECV or QIO_T_READ: the token the payload makes */
    uint32_t num, ip_n;
    int32_t id, length, port, ip_off, ip_len;
} qio_parser;

/* Bytes the state buffer needs for this max_line (the line cap, >= 256). */
size_t qio_buf_size(size_t max_line);
/* Output space each of arena and dmx must keep free for one more token. The
 * demux space (seg, dmx, grouped, groups) may be NULL/0 until qio_feed_demux()
 * is used. */
size_t qio_token_room(size_t max_line);

void qio_init(qio_parser *p, unsigned char *buf, size_t buf_cap, size_t max_line);
void qio_set_output(qio_parser *p, qio_token *tok, size_t tok_cap,
                    unsigned char *arena, size_t arena_cap,
                    int32_t *seg, size_t seg_cap,
                    unsigned char *dmx, unsigned char *grouped, size_t dmx_cap,
                    int32_t *groups);
/* Tokenize data[0..n); returns the bytes consumed (< n only when the output is full). */
size_t qio_feed(qio_parser *p, const unsigned char *data, size_t n);
/* qio_feed() with payloads of connect id i appended to dmx when demux[i] != 0
 * (i < demux_n); the mask is used during this call only. Then the payloads are
 * grouped by connect id: ngroups (connect_id, offset, length) triples in groups,
 * in order of first appearance, the bytes in grouped (or, with one group, in dmx
 * as they are: nothing is copied). */
size_t qio_feed_demux(qio_parser *p, const unsigned char *data, size_t n,
                      const unsigned char *demux, size_t demux_n);
/* End of stream: emit what is pending (TOKENS.md "End of stream") and reset. */
void qio_finish(qio_parser *p);
/* Forget partial input, keep settings. */
void qio_reset(qio_parser *p);
const char *qio_reason_string(int reason);

/* Hex decoding level, numbered per CPU family so that a CPU's levels are 0..best:
 * 0 scalar (everywhere); x86-64: 1 SSE2, 2 AVX2; ARM: 1 NEON (aarch64; ARMv7-A
 * Linux when the kernel reports HWCAP_NEON). qio_simd_level() gives the one in
 * force (the best this build and CPU allow, chosen once, unless set). For
 * tests and benchmarks, qio_set_simd() forces one: a level above the best (or
 * negative) gives the best; returns the level now in force. Process-wide: call
 * it while no other thread is in qio_feed(). Every level gives the same tokens. */
int qio_simd_level(void);
int qio_set_simd(int level);

#endif
