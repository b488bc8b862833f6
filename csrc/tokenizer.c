/*
 * pyqio C tokenizer: see tokenizer.h and csrc/TOKENS.md (the contract, rule by rule).
 *
 * The parser is one state machine over bytes. Every state decides from the byte
 * in hand (the one look-ahead, a '"' in an unframed quoted payload, is a state of
 * its own), so how the input is cut into qio_feed() calls never changes the
 * tokens. The hot spots are consumed by tight loops and memcpy rather than one
 * dispatch per byte: plain lines, the recv prefix at line start, and above all a
 * length-framed payload whose terminator is in the same input, which goes from
 * the input to the output in one copy (or one hex decode).
 *
 * Hex payloads are decoded by hex.c (scalar tables and SIMD levels chosen at
 * run time; see there).
 */
#include "tokenizer.h"

#include <string.h>

#include "hex.h"

enum {
    S_START,        /* line start */
    S_PROMPT,       /* just after '>': one space may follow */
    S_LINE,         /* accumulating a plain line */
    S_DISCARD,      /* dropping bytes up to the next CR or LF */
    R_ID_SP,        /* after +QIURC: "recv",  spaces, then the connect id */
    R_ID,           /* connect id digits */
    R_AFTER_ID,     /* after "<id>,": spaces, then '"' (address form) or the length */
    R_LEN,          /* length digits */
    R_ADDR_SP,      /* after "<len>," with an address expected: spaces, then the IP */
    R_IPQ,          /* inside a quoted IP */
    R_IPQ_END,      /* after the closing quote of the IP: ',' */
    R_IPB,          /* inside a bare IP */
    R_PORT_SP,      /* after "<ip>,": spaces, then the port */
    R_PORT,         /* port digits */
    R_DATA,         /* the first byte of DATA: '"' or payload */
    R_FRAMED,       /* counting a length-framed payload */
    R_FRAMED_END,   /* after a framed payload: the closing '"' if opened */
    R_FRAMED_EOL,   /* after a framed payload (and quote): CR or LF */
    R_UNF,          /* unframed payload */
    R_UNF_Q,        /* unframed quoted payload: a '"' held, is it the end? */
    R_HDR_LF        /* QIO_M_BG96: a header ended with CR; an LF may follow */
};

static const char PREFIX[] = "+QIURC: \"recv\",";
#define PREFIX_LEN (sizeof(PREFIX) - 1)
static const char QIRD[] = "+QIRD: ";
#define QIRD_LEN (sizeof(QIRD) - 1)
#define NUM_MAX_DIGITS 5
#define NUM_MAX 65535u
#define IP_MAX 45

static const char *const REASONS[QIO_E_COUNT] = {
    "line too long", "bad recv header", "recv length too large",
    "recv data not terminated", "bad hex digit", "odd hex length", "truncated recv",
};

/* Bytes that stop a plain line: CR, LF (its end) and NUL (dropped). */
static const uint8_t LINE_STOP[256] = {[0] = 1, ['\r'] = 1, ['\n'] = 1};

const char *qio_reason_string(int reason)
{
    return (reason >= 0 && reason < QIO_E_COUNT) ? REASONS[reason] : "unknown";
}

size_t qio_buf_size(size_t max_line)
{
    /* a URC header shorter than max_line, a payload of at most max_line, a quote
     * and the byte after it (error raw) */
    return 2 * max_line + 8;
}

size_t qio_token_room(size_t max_line)
{
    return qio_buf_size(max_line);
}

void qio_reset(qio_parser *p)
{
    p->state = S_START;
    p->len = 0;
}

void qio_init(qio_parser *p, unsigned char *buf, size_t buf_cap, size_t max_line)
{
    qio_simd_level();   /* the hex level is chosen once, before any decoding */
    memset(p, 0, sizeof(*p));
    p->buf = buf;
    p->buf_cap = buf_cap;
    p->max_line = max_line;
    qio_reset(p);
}

void qio_set_output(qio_parser *p, qio_token *tok, size_t tok_cap,
                    unsigned char *arena, size_t arena_cap,
                    int32_t *seg, size_t seg_cap,
                    unsigned char *dmx, unsigned char *grouped, size_t dmx_cap,
                    int32_t *groups)
{
    p->tok = tok;
    p->tok_cap = tok_cap;
    p->arena = arena;
    p->arena_cap = arena_cap;
    p->seg = seg;
    p->seg_cap = seg_cap;
    p->dmx = dmx;
    p->grouped = grouped;
    p->dmx_cap = dmx_cap;
    p->groups = groups;
}

static int is_eol(unsigned char c)
{
    return c == '\r' || c == '\n';
}

/* ---- emitting tokens (the caller checked there is room for one) ---- */

/* After each token: is there still room for the largest one? (The demux
 * space matters only in qio_feed_demux, so plain callers may leave it out.) */
static void update_full(qio_parser *p)
{
    p->full = p->ntok >= p->tok_cap || p->arena_cap - p->arena_used < p->buf_cap
        || (p->demux_n && (p->nseg >= p->seg_cap || p->dmx_cap - p->dmx_used < p->buf_cap));
}

static qio_token *new_token(qio_parser *p, int kind, const unsigned char *bytes, size_t n)
{
    qio_token *t = &p->tok[p->ntok++];
    t->kind = kind;
    t->off = (int32_t)p->arena_used;
    t->len = (int32_t)n;
    memcpy(p->arena + p->arena_used, bytes, n);
    p->arena_used += n;
    update_full(p);
    return t;
}

static void emit_error(qio_parser *p, int reason, size_t rawlen)
{
    new_token(p, QIO_T_ERROR, p->buf, rawlen)->reason = reason;
    p->len = 0;
}

/* An error found on byte c: the raw bytes include c unless it ends the line;
 * after it the parser is at line start (CR, LF) or discards to the line end. */
static void fail(qio_parser *p, int reason, unsigned char c)
{
    if (is_eol(c)) {
        p->state = S_START;
    } else {
        p->buf[p->len++] = c;
        p->state = S_DISCARD;
    }
    emit_error(p, reason, p->len);
}

/* The cap reached on byte c (stored): a CR or LF there (payload of a quoted
 * unframed URC) leaves the parser at line start, as any error found on one. */
static void too_long(qio_parser *p, unsigned char c)
{
    emit_error(p, QIO_E_LINE_TOO_LONG, p->len < p->max_line ? p->len : p->max_line);
    p->state = is_eol(c) ? S_START : S_DISCARD;
}

/* A hex error: the raw is the whole URC line. A payload taken straight from
 * the input (pay is not in buf) and its closing quote are not in buf yet. */
static void hex_error(qio_parser *p, int reason, const unsigned char *pay, size_t n)
{
    if (pay != p->buf + p->pay_off) {
        memcpy(p->buf + p->len, pay, n);
        p->len += n;
        if (p->quoted)
            p->buf[p->len++] = '"';
    }
    emit_error(p, reason, p->len);
}

/* A hex payload decoded to dst; nonzero after an error token instead. Not
 * inlined: emit_recv then keeps pay in no register across a call into hex.c. */
__attribute__((noinline))
static int unhex_payload(qio_parser *p, unsigned char *dst, const unsigned char *pay, size_t n)
{
    if (n & 1) {
        hex_error(p, QIO_E_ODD_HEX, pay, n);
        return 1;
    }
    if (qio_unhex(dst, pay, n)) {
        hex_error(p, QIO_E_BAD_HEX, pay, n);
        return 1;
    }
    return 0;
}

/* The payload pay[0..n) is complete and the line end after it read. */
static void emit_recv(qio_parser *p, const unsigned char *pay, size_t n)
{
    int demuxed = (size_t)p->id < p->demux_n && p->demux[p->id];
    unsigned char *dst = demuxed ? p->dmx + p->dmx_used : p->arena + p->arena_used;

    p->state = S_START;
    if (!p->uhex)
        memcpy(dst, pay, n);
    else if (unhex_payload(p, dst, pay, n))
        return;
    else
        n /= 2;
    if (demuxed) {
        p->seg[2 * p->nseg] = p->id;
        p->seg[2 * p->nseg + 1] = (int32_t)n;
        p->nseg++;
        p->dmx_used += n;
    } else {
        qio_token *t = &p->tok[p->ntok++];
        t->kind = p->out_kind;
        t->off = (int32_t)p->arena_used;
        t->len = (int32_t)n;
        p->arena_used += n;
        t->reason = p->framed;
        t->connect_id = p->id;
        t->length = p->length;
        t->port = p->port;
        t->ip_len = p->ip_len;
        t->ip_off = (int32_t)p->arena_used;
        if (p->ip_len > 0) {
            memcpy(p->arena + p->arena_used, p->buf + p->ip_off, (size_t)p->ip_len);
            p->arena_used += (size_t)p->ip_len;
        }
    }
    update_full(p);
    p->len = 0;
}

/* ---- the recv header ---- */

static void start_urc(qio_parser *p)
{
    p->state = R_ID_SP;
    p->uhex = p->hex;   /* one URC, one data format, even if fed across a change */
    p->length = p->port = -1;
    p->ip_len = -1;
    p->has_len = p->framed = p->quoted = p->nl = 0;
    p->out_kind = QIO_T_RECV;
}

/* Appends a header byte; a header may not reach max_line (spaces are unbounded). */
static void hdr_push(qio_parser *p, unsigned char c)
{
    p->buf[p->len++] = c;
    if (p->len >= p->max_line)
        too_long(p, c);
}

static void num_start(qio_parser *p, unsigned char c, int state)
{
    p->num = (uint32_t)(c - '0');
    p->nd = 1;
    p->state = state;
}

/* One more digit of a NUM: 1 to 5 digits, at most 65535. */
static int num_digit(qio_parser *p, unsigned char c)
{
    if (p->nd == NUM_MAX_DIGITS)
        return -1;
    p->num = p->num * 10 + (uint32_t)(c - '0');
    p->nd++;
    return p->num > NUM_MAX ? -1 : 0;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_ipch(unsigned char c)
{
    return qio_is_hex_digit(c) || c == '.' || c == ':';
}

static int address_expected(const qio_parser *p)
{
    return p->show_ra || (p->id < 32 && (p->udp_service >> p->id) & 1u);
}

static void begin_ip(qio_parser *p, int state, size_t off, uint32_t n)
{
    p->ip_off = (int32_t)off;
    p->ip_n = n;
    p->state = state;
}

static void begin_data(qio_parser *p)
{
    p->framed = p->has_len;
    if (p->framed)
        p->remaining = (size_t)p->length * (p->uhex ? 2u : 1u);
    p->state = R_DATA;
}

/* A header byte c (not NUL) in state R_*, before DATA. */
static void header_byte(qio_parser *p, unsigned char c)
{
    int ok = 1;
    switch (p->state) {
    case R_ID_SP:
    case R_AFTER_ID:
    case R_ADDR_SP:
    case R_PORT_SP:
        if (c == ' ')
            break;
        if (is_digit(c) && p->state != R_ADDR_SP)
            num_start(p, c, p->state == R_ID_SP ? R_ID : p->state == R_PORT_SP ? R_PORT : R_LEN);
        else if (c == '"' && (p->state == R_AFTER_ID || p->state == R_ADDR_SP))
            begin_ip(p, R_IPQ, p->len + 1, 0);    /* the IP starts after the quote */
        else if (p->state == R_ADDR_SP && is_ipch(c))
            begin_ip(p, R_IPB, p->len, 1);
        else
            ok = 0;
        break;
    case R_ID:
    case R_LEN:
    case R_PORT:
        if (is_digit(c)) {
            ok = num_digit(p, c) == 0;
        } else if (c != ',') {
            ok = 0;
        } else if (p->state == R_ID) {
            p->id = (int32_t)p->num;
            p->state = R_AFTER_ID;
        } else if (p->state == R_PORT) {
            p->port = (int32_t)p->num;
            begin_data(p);
        } else {
            p->length = (int32_t)p->num;
            p->has_len = 1;
            if (p->num * (p->uhex ? 2u : 1u) > p->max_line) {
                fail(p, QIO_E_LENGTH_TOO_LARGE, c);
                return;
            }
            if (address_expected(p))
                p->state = R_ADDR_SP;
            else
                begin_data(p);
        }
        break;
    case R_IPQ:
        if (c == '"' && p->ip_n > 0) {
            p->ip_len = (int32_t)p->ip_n;
            p->state = R_IPQ_END;
        } else {
            ok = is_ipch(c) && ++p->ip_n <= IP_MAX;
        }
        break;
    case R_IPQ_END:
        ok = c == ',';
        p->state = R_PORT_SP;
        break;
    default: /* R_IPB */
        if (c == ',') {
            p->ip_len = (int32_t)p->ip_n;
            p->state = R_PORT_SP;
        } else {
            ok = is_ipch(c) && ++p->ip_n <= IP_MAX;
        }
        break;
    }
    if (!ok)
        fail(p, QIO_E_BAD_HEADER, c);
    else
        hdr_push(p, c);
}

/* The common header "<id>,<len>," (no spaces, no NULs, no address due, length
 * in range) when all of it is in the input: taken in one go, to the same state
 * header_byte() would reach byte by byte. Anything else, a header cut by the
 * input's end included, is left to header_bytes() untouched. */
static const unsigned char *fast_header(qio_parser *p, const unsigned char *s,
                                        const unsigned char *e)
{
    uint32_t v[2];
    const unsigned char *q = s;
    for (int f = 0; f < 2; f++) {
        const unsigned char *d = q;
        uint32_t num = 0;
        while (q < e && q - d < NUM_MAX_DIGITS && is_digit(*q))
            num = num * 10 + (uint32_t)(*q++ - '0');
        if (q == d || q == e || *q != ',' || num > NUM_MAX)
            return s;
        v[f] = num;
        q++;
    }
    p->id = (int32_t)v[0];
    if (v[1] * (p->uhex ? 2u : 1u) > p->max_line || address_expected(p))
        return s;
    memcpy(p->buf + p->len, s, (size_t)(q - s));
    p->len += (size_t)(q - s);
    p->length = (int32_t)v[1];
    p->has_len = 1;
    begin_data(p);
    return q;
}

/* Header bytes until DATA begins or an error ends the URC. */
static const unsigned char *header_bytes(qio_parser *p, const unsigned char *s,
                                         const unsigned char *e)
{
    while (s < e && p->state >= R_ID_SP && p->state < R_DATA) {
        unsigned char c = *s++;
        if (c != 0)     /* NULs outside a payload are dropped */
            header_byte(p, c);
    }
    return s;
}

/* ---- the bg96 profile: headers read whole at their line end ---- */

static const unsigned char *skip_sp(const unsigned char *q, const unsigned char *e)
{
    while (q < e && *q == ' ')
        q++;
    return q;
}

/* A NUM (1 to 5 digits, at most 65535) at q; NULL if there is none. */
static const unsigned char *read_num(const unsigned char *q, const unsigned char *e,
                                     int32_t *out)
{
    const unsigned char *d = q;
    uint32_t v = 0;
    while (q < e && is_digit(*q) && q - d <= NUM_MAX_DIGITS)
        v = v * 10 + (uint32_t)(*q++ - '0');
    if (q == d || q - d > NUM_MAX_DIGITS || v > NUM_MAX)
        return NULL;
    *out = (int32_t)v;
    return q;
}

/* An IP at q and the ',' after it: '"' IPCH{1,45} '"', or IPCH{1,45} if bare_ok.
 * Sets ip_off/ip_len; NULL if there is none. */
static const unsigned char *read_ip(qio_parser *p, const unsigned char *q,
                                    const unsigned char *e, int bare_ok)
{
    int quoted = q < e && *q == '"';
    const unsigned char *ip;
    if (!quoted && !bare_ok)
        return NULL;
    ip = q += quoted;
    while (q < e && is_ipch(*q) && q - ip <= IP_MAX)
        q++;
    if (q == ip || q - ip > IP_MAX)
        return NULL;
    p->ip_off = (int32_t)(ip - p->buf);
    p->ip_len = (int32_t)(q - ip);
    if (quoted && (q == e || *q++ != '"'))
        return NULL;
    return q < e && *q == ',' ? q + 1 : NULL;
}

/* A line buf[0..len) ended on c (CR or LF) in the bg96 profile. A "recv" URC
 *   SP* id:NUM [ "," SP* len:NUM [ "," SP* IP "," SP* port:NUM ] ]
 * or a +QIRD answer
 *   SP* len:NUM [ "," SP* '"' IP '"' "," SP* port:NUM ]
 * with a length (not a notice) frames the next len bytes (2 * len in hex) as its
 * data (TOKENS.md "The bg96 profile"). A recv URC off that grammar is a bad
 * header; every other line (+QIRD's three-field form among them) is a line. */
static void nl_line(qio_parser *p, unsigned char c)
{
    const unsigned char *q, *e = p->buf + p->len;
    int32_t n1 = 0, n2 = -1, port = -1;
    int recv = p->len >= PREFIX_LEN && memcmp(p->buf, PREFIX, PREFIX_LEN) == 0;
    p->ip_len = -1;
    if (!recv && (p->len < QIRD_LEN || memcmp(p->buf, QIRD, QIRD_LEN) != 0)) {
        new_token(p, QIO_T_LINE, p->buf, p->len);
        p->len = 0;
        return;
    }
    q = read_num(skip_sp(p->buf + (recv ? PREFIX_LEN : QIRD_LEN), e), e, &n1);
    if (q && q < e && recv)
        q = *q == ',' ? read_num(skip_sp(q + 1, e), e, &n2) : NULL;
    if (q && q < e) {
        q = *q == ',' ? read_ip(p, skip_sp(q + 1, e), e, recv) : NULL;
        q = q ? read_num(skip_sp(q, e), e, &port) : NULL;
    }
    if (q != e || (recv && (n2 < 0 || (p->ip_len < 0 && n1 < 32
                                       && (p->buffer_access >> n1) & 1u)))) {
        if (q != e && recv) {
            fail(p, QIO_E_BAD_HEADER, c);
            return;
        }
        new_token(p, QIO_T_LINE, p->buf, p->len);     /* a notice, or another line */
        p->len = 0;
        return;
    }
    p->out_kind = recv ? QIO_T_RECV : QIO_T_READ;
    p->id = recv ? n1 : -1;
    p->length = recv ? n2 : n1;
    p->port = port;
    p->uhex = p->hex;
    p->framed = p->has_len = p->nl = 1;
    p->quoted = 0;
    p->remaining = (size_t)p->length * (p->uhex ? 2u : 1u);
    if (p->remaining > p->max_line) {
        fail(p, QIO_E_LENGTH_TOO_LARGE, c);
        return;
    }
    if (p->remaining == 0) {
        emit_recv(p, p->buf, 0);
        return;
    }
    p->pay_off = p->len;
    p->state = c == '\r' ? R_HDR_LF : R_DATA;
}

/* ---- the main loop ---- */

/* Plain line bytes until a line end, the recv prefix or the cap. The bytes
 * between stops are copied in one go; the prefix is checked when the line
 * reaches its length, the cap when it reaches max_line. */
static const unsigned char *line_bytes(qio_parser *p, const unsigned char *s,
                                       const unsigned char *e)
{
    while (s < e) {
        size_t goal = p->len < PREFIX_LEN && p->module != QIO_M_BG96 ? PREFIX_LEN : p->max_line;
        const unsigned char *q = s, *lim = e;
        if ((size_t)(e - s) > goal - p->len)
            lim = s + (goal - p->len);
        while (q < lim && !LINE_STOP[*q])
            q++;
        memcpy(p->buf + p->len, s, (size_t)(q - s));
        p->len += (size_t)(q - s);
        s = q;
        if (p->len == goal) {
            if (goal == p->max_line) {
                too_long(p, s[-1]);
                return s;
            }
            if (memcmp(p->buf, PREFIX, PREFIX_LEN) == 0) {
                start_urc(p);
                return s;
            }
            continue;
        }
        if (s == e)
            break;
        unsigned char c = *s++;
        if (c == 0)
            continue;
        p->state = S_START;
        if (p->module == QIO_M_BG96 && p->buf[0] == '+') {
            nl_line(p, c);
            return s;
        }
        new_token(p, QIO_T_LINE, p->buf, p->len);
        p->len = 0;
        return s;
    }
    return s;
}

static const unsigned char *discard(qio_parser *p, const unsigned char *s,
                                    const unsigned char *e)
{
    while (s < e) {
        if (is_eol(*s++)) {
            p->state = S_START;
            break;
        }
    }
    return s;
}

static const unsigned char *framed_bytes(qio_parser *p, const unsigned char *s,
                                         const unsigned char *e)
{
    size_t n = (size_t)(e - s) < p->remaining ? (size_t)(e - s) : p->remaining;
    memcpy(p->buf + p->len, s, n);
    p->len += n;
    p->remaining -= n;
    if (p->remaining == 0)
        p->state = R_FRAMED_END;
    return s + n;
}

/* Unframed payload bytes: to the first CR/LF (bare) or '"' (quoted). */
static const unsigned char *unframed_bytes(qio_parser *p, const unsigned char *s,
                                           const unsigned char *e)
{
    while (s < e) {
        unsigned char c = *s++;
        if (p->quoted ? c == '"' : is_eol(c)) {
            if (p->quoted) {
                p->buf[p->len++] = c;
                p->state = R_UNF_Q;
            } else {
                emit_recv(p, p->buf + p->pay_off, p->len - p->pay_off);
            }
            return s;
        }
        p->buf[p->len++] = c;
        if (p->len - p->pay_off >= p->max_line) {
            too_long(p, c);
            return s;
        }
    }
    return s;
}

/* The byte after a '"' in an unframed quoted payload. */
static void unframed_quote(qio_parser *p, unsigned char c)
{
    if (is_eol(c)) {
        emit_recv(p, p->buf + p->pay_off, p->len - 1 - p->pay_off);
        return;
    }
    /* the held '"' was payload */
    if (p->len - p->pay_off >= p->max_line) {
        too_long(p, c);
        return;
    }
    if (c == '"') {
        p->buf[p->len++] = c;
        return;
    }
    p->state = R_UNF;
    p->buf[p->len++] = c;
    if (p->len - p->pay_off >= p->max_line)
        too_long(p, c);
}

/* DATA's first byte: '"' opens a quoted payload; any other is payload (not
 * consumed here). When a framed payload and its terminator are all in the
 * input, the token is made from the input directly (the common case). */
static const unsigned char *data_first(qio_parser *p, const unsigned char *s,
                                       const unsigned char *e)
{
    if (*s == '"' && !p->nl) {
        p->quoted = 1;
        p->buf[p->len++] = *s++;
    }
    p->pay_off = p->len;
    if (!p->framed) {
        p->state = R_UNF;
        return s;
    }
    p->state = p->remaining ? R_FRAMED : R_FRAMED_END;
    size_t after = p->remaining + (size_t)p->quoted;    /* where the line end belongs */
    if ((size_t)(e - s) > after && is_eol(s[after]) && (!p->quoted || s[after - 1] == '"')) {
        emit_recv(p, s, p->remaining);
        return s + after + 1;
    }
    return s;
}

static void after_framed(qio_parser *p, unsigned char c)
{
    if (p->state == R_FRAMED_END && p->quoted) {
        if (c != '"') {
            fail(p, QIO_E_NOT_TERMINATED, c);
            return;
        }
        p->buf[p->len++] = c;
        p->state = R_FRAMED_EOL;
        return;
    }
    if (is_eol(c))
        emit_recv(p, p->buf + p->pay_off, p->len - p->quoted - p->pay_off);
    else
        fail(p, QIO_E_NOT_TERMINATED, c);
}

/* A byte at line start; the recv prefix there is taken whole. */
static const unsigned char *line_start(qio_parser *p, const unsigned char *s,
                                       const unsigned char *e)
{
    unsigned char c = *s;
    if (p->module != QIO_M_BG96 && (size_t)(e - s) >= PREFIX_LEN
        && memcmp(s, PREFIX, PREFIX_LEN) == 0) {
        /* what S_LINE would do with these bytes, at once */
        memcpy(p->buf, PREFIX, PREFIX_LEN);
        p->len = PREFIX_LEN;
        start_urc(p);
        return fast_header(p, s + PREFIX_LEN, e);
    }
    if (c == '>') {
        new_token(p, QIO_T_PROMPT, p->buf, 0);
        p->state = S_PROMPT;
    } else if (c != 0 && !is_eol(c)) {
        p->buf[p->len++] = c;
        p->state = S_LINE;
    }
    return s + 1;
}

/* The state machine over data[0..n), a byte (or a run of bytes) per turn,
 * until the input ends or the output is full. */
size_t qio_feed(qio_parser *p, const unsigned char *data, size_t n)
{
    const unsigned char *s = data, *e = data + n;
    p->ntok = p->arena_used = p->nseg = p->dmx_used = p->ngroups = 0;
    update_full(p);
    while (s < e && !p->full) {
        unsigned char c = *s;
        switch (p->state) {
        case S_LINE:
            s = line_bytes(p, s, e);
            break;
        case S_DISCARD:
            s = discard(p, s, e);
            break;
        case R_FRAMED:
            s = framed_bytes(p, s, e);
            break;
        case R_UNF:
            s = unframed_bytes(p, s, e);
            break;
        case R_UNF_Q:
            unframed_quote(p, c);
            s++;
            break;
        case R_DATA:
            s = data_first(p, s, e);
            break;
        case R_HDR_LF:          /* the LF of the header's CR LF; any other byte is data */
            s += c == '\n';
            p->state = R_DATA;
            break;
        case R_FRAMED_END:
        case R_FRAMED_EOL:
            if (c != 0)     /* NULs outside a payload are dropped */
                after_framed(p, c);
            s++;
            break;
        case S_PROMPT:
            if (c == ' ' || c == 0) {   /* the space is the prompt's; NULs are dropped */
                p->state = c ? S_START : S_PROMPT;
                s++;
                break;
            }
            p->state = S_START;         /* the byte starts the next line */
            /* fall through */
        case S_START:
            s = line_start(p, s, e);
            break;
        default:
            s = header_bytes(p, s, e);
            break;
        }
    }
    return (size_t)(s - data);
}

/* Regroups the demuxed payloads by connect id (see qio_feed_demux). */
static size_t demux_group(const qio_parser *p, unsigned char *out, int32_t *groups)
{
    size_t ng = 0, off = 0, src = 0;
    /* pass 1: one group per id, in order of first appearance, with its total */
    for (size_t i = 0; i < p->nseg; i++) {
        size_t g = 0;
        while (g < ng && groups[3 * g] != p->seg[2 * i])
            g++;
        if (g == ng) {
            groups[3 * ng] = p->seg[2 * i];
            groups[3 * ng + 2] = 0;
            ng++;
        }
        groups[3 * g + 2] += p->seg[2 * i + 1];
    }
    for (size_t g = 0; g < ng; g++) {
        groups[3 * g + 1] = (int32_t)off;
        off += (size_t)groups[3 * g + 2];
        groups[3 * g + 2] = 0;  /* refilled as the fill cursor below */
    }
    if (ng == 1) {  /* the common case: dmx is already the one id's stream */
        groups[2] = (int32_t)off;
        return 1;
    }
    /* pass 2: copy each payload behind the earlier ones of its id */
    for (size_t i = 0; i < p->nseg; i++) {
        size_t g = 0, n = (size_t)p->seg[2 * i + 1];
        while (groups[3 * g] != p->seg[2 * i])
            g++;
        memcpy(out + groups[3 * g + 1] + groups[3 * g + 2], p->dmx + src, n);
        groups[3 * g + 2] += (int32_t)n;
        src += n;
    }
    return ng;
}

size_t qio_feed_demux(qio_parser *p, const unsigned char *data, size_t n,
                      const unsigned char *demux, size_t demux_n)
{
    size_t used;
    p->demux = demux;
    p->demux_n = demux_n;
    used = qio_feed(p, data, n);
    p->demux = NULL;    /* the mask is the caller's only for this call */
    p->demux_n = 0;
    p->ngroups = p->nseg ? demux_group(p, p->grouped, p->groups) : 0;
    return used;
}

void qio_finish(qio_parser *p)
{
    p->ntok = p->arena_used = p->nseg = p->dmx_used = p->ngroups = 0;
    if (p->state == S_LINE)
        new_token(p, QIO_T_LINE, p->buf, p->len);
    else if (p->state >= R_ID_SP)
        emit_error(p, QIO_E_TRUNCATED, p->len);
    qio_reset(p);
}
