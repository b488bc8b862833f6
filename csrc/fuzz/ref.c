/*
 * The reference tokenizer: TOKENS.md written as plainly as possible, one byte
 * at a time, for the fuzz harness to compare csrc/tokenizer.c against.
 *
 * It shares no code with tokenizer.c and is built differently on purpose: the
 * recv header is not a state machine here but is re-parsed from its first byte
 * each time a byte arrives (slow, obviously right: a header is "more", "bad at
 * this byte" or "done at this byte"). Only the payload is stepped byte by byte.
 */
#include "ref.h"

#include <stdlib.h>
#include <string.h>

enum { START, AFTER_PROMPT, LINE, DISCARD, HEADER, PAYLOAD, AFTER_PAYLOAD, EOL_NEXT, NL_LF };
enum { MORE, BAD, TOO_LARGE, DONE };

struct hdr {
    long id, length, port;
    long ip_start, ip_len;  /* in the header bytes; ip_len -1 when absent */
};

struct ref {
    const struct cfg *cfg;
    struct sink *out, *demux;
    int mode;
    unsigned char *line;    /* the line or the whole URC line so far */
    size_t n;
    struct hdr h;
    size_t pay_start, pay_len, need;
    int quoted, quote_held;
    int read;               /* bg96: the payload is +QIRD data (a READ token) */
};

static const char PREFIX[] = "+QIURC: \"recv\",";
static const char QIRD[] = "+QIRD: ";

static int is_ipch(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
        || c == '.' || c == ':';
}

/* NUM at h[*i]: 1..5 digits, value <= 65535. */
static int num(const unsigned char *h, size_t n, size_t *i, long *v)
{
    size_t digits = 0;
    *v = 0;
    while (*i < n && h[*i] >= '0' && h[*i] <= '9') {
        *v = *v * 10 + (h[*i] - '0');
        digits++;
        (*i)++;
        if (digits > 5 || *v > 65535)
            return BAD;
    }
    if (*i == n)
        return MORE;
    return digits ? DONE : BAD;
}

static int spaces_then(const unsigned char *h, size_t n, size_t *i)
{
    while (*i < n && h[*i] == ' ')
        (*i)++;
    return *i < n ? DONE : MORE;
}

/* IP at h[*i], quoted or (when bare_ok) bare, then its ','. */
static int ip(const unsigned char *h, size_t n, size_t *i, int bare_ok, struct hdr *o)
{
    int q = h[*i] == '"';
    if (!q && !bare_ok)
        return BAD;
    *i += (size_t)q;
    o->ip_start = (long)*i;
    while (*i < n && is_ipch(h[*i])) {
        (*i)++;
        if (*i - (size_t)o->ip_start > 45)
            return BAD;
    }
    if (*i == n)
        return MORE;
    o->ip_len = (long)(*i - (size_t)o->ip_start);
    if (o->ip_len == 0)
        return BAD;
    if (q && h[(*i)++] != '"')
        return BAD;
    if (*i == n)
        return MORE;
    return h[(*i)++] == ',' ? DONE : BAD;
}

/* Address, then port and its ','. */
static int addr_port(const unsigned char *h, size_t n, size_t *i, int bare_ok, struct hdr *o)
{
    int r = ip(h, n, i, bare_ok, o);
    if (r != DONE)
        return r;
    if (spaces_then(h, n, i) == MORE)
        return MORE;
    if ((r = num(h, n, i, &o->port)) != DONE)
        return r;
    return h[(*i)++] == ',' ? DONE : BAD;
}

/* The header after the prefix, NULs removed. DONE only when the whole of h is it. */
static int parse_header(const struct ref *r, const unsigned char *h, size_t n, struct hdr *o)
{
    size_t i = 0;
    int st;
    o->length = o->port = o->ip_len = -1;
    if (spaces_then(h, n, &i) == MORE)
        return MORE;
    if ((st = num(h, n, &i, &o->id)) != DONE)
        return st;
    if (h[i++] != ',')
        return BAD;
    if (i == n || spaces_then(h, n, &i) == MORE)
        return MORE;
    if (h[i] == '"')
        return addr_port(h, n, &i, 0, o);
    if (h[i] < '0' || h[i] > '9')
        return BAD;
    if ((st = num(h, n, &i, &o->length)) != DONE)
        return st;
    if (h[i++] != ',')
        return BAD;
    if ((size_t)o->length * (r->cfg->hex ? 2 : 1) > r->cfg->max_line)
        return TOO_LARGE;
    int expected = r->cfg->show_ra || (o->id < 32 && ((r->cfg->udp_service >> o->id) & 1));
    if (!expected)
        return DONE;
    if (i == n || spaces_then(h, n, &i) == MORE)
        return MORE;
    return addr_port(h, n, &i, 1, o);
}

static void error(struct ref *r, const char *reason, size_t rawlen)
{
    sink_str(r->out, "ERROR ");
    sink_str(r->out, reason);
    sink_bytes(r->out, r->line, rawlen);
    sink_str(r->out, "\n");
    r->n = 0;
}

/* An error at byte c, which was already stored unless it is a line end. */
static void fail_at(struct ref *r, const char *reason, int c)
{
    int eol = c == '\r' || c == '\n';
    error(r, reason, r->n);
    r->mode = eol ? START : DISCARD;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void emit_recv(struct ref *r)
{
    unsigned char *data = r->line + r->pay_start;
    size_t n = r->pay_len;
    unsigned char *ipb = r->line + strlen(PREFIX);
    r->mode = START;
    if (r->cfg->hex) {
        if (n % 2) {
            error(r, "odd hex length", r->n);
            return;
        }
        for (size_t i = 0; i < n; i++) {
            if (hexval(data[i]) < 0) {
                error(r, "bad hex digit", r->n);
                return;
            }
        }
        for (size_t i = 0; i < n / 2; i++)
            data[i] = (unsigned char)(hexval(data[2 * i]) * 16 + hexval(data[2 * i + 1]));
        n /= 2;
    }
    if (r->read)
        sink_read(r->out, r->h.length, ipb + r->h.ip_start, r->h.ip_len, r->h.port, data, n);
    else
        sink_recv(r->out, r->demux, r->cfg, r->h.id, r->h.length, ipb + r->h.ip_start,
                  r->h.ip_len, r->h.port, r->h.length >= 0, data, n);
    r->n = 0;
}

static void header_byte(struct ref *r, int c)
{
    size_t plen = strlen(PREFIX);
    r->line[r->n++] = (unsigned char)c;
    int st = parse_header(r, r->line + plen, r->n - plen, &r->h);
    if (st == BAD || st == TOO_LARGE) {
        if (c == '\r' || c == '\n')
            r->n--;
        fail_at(r, st == BAD ? "bad recv header" : "recv length too large", c);
    } else if (r->n >= r->cfg->max_line) {
        error(r, "line too long", r->cfg->max_line);
        r->mode = DISCARD;
    } else if (st == DONE) {
        r->mode = PAYLOAD;
        r->pay_start = r->n;
        r->pay_len = 0;
        r->quoted = -1;     /* not known until DATA's first byte */
        r->quote_held = 0;
        r->need = r->h.length < 0 ? 0 : (size_t)r->h.length * (r->cfg->hex ? 2 : 1);
    }
}

static void payload_too_long(struct ref *r, int c)
{
    error(r, "line too long", r->cfg->max_line);
    r->mode = (c == '\r' || c == '\n') ? START : DISCARD;
}

/* A byte of an unframed payload. */
static void unframed_byte(struct ref *r, int c)
{
    int eol = c == '\r' || c == '\n';
    if (r->quote_held) {
        if (eol) {
            emit_recv(r);
            return;
        }
        r->pay_len++;   /* the held quote was payload */
        r->quote_held = 0;
        if (r->pay_len >= r->cfg->max_line) {
            r->line[r->n++] = (unsigned char)c;
            payload_too_long(r, c);
            return;
        }
    }
    if (r->quoted ? c == '"' : eol) {
        if (r->quoted) {
            r->line[r->n++] = (unsigned char)c;
            r->quote_held = 1;
        } else {
            emit_recv(r);
        }
        return;
    }
    r->line[r->n++] = (unsigned char)c;
    r->pay_len++;
    if (r->pay_len >= r->cfg->max_line)
        payload_too_long(r, c);
}

static void after_payload(struct ref *r, int c);

static void payload_byte(struct ref *r, int c)
{
    int framed = r->h.length >= 0;
    if (r->quoted < 0) {    /* DATA's first byte */
        r->quoted = c == '"';
        if (r->quoted) {
            r->line[r->n++] = (unsigned char)c;
            r->pay_start = r->n;
            if (framed && r->need == 0)
                r->mode = AFTER_PAYLOAD;
            return;
        }
        if (framed && r->need == 0) {   /* empty unquoted payload: c comes after it */
            r->mode = EOL_NEXT;
            after_payload(r, c);
            return;
        }
    }
    if (!framed) {
        unframed_byte(r, c);
        return;
    }
    r->line[r->n++] = (unsigned char)c;
    r->pay_len++;
    if (r->pay_len == r->need)
        r->mode = r->quoted ? AFTER_PAYLOAD : EOL_NEXT;
}

/* After a framed payload: the closing quote (if opened), then a line end. */
static void after_payload(struct ref *r, int c)
{
    int eol = c == '\r' || c == '\n';
    if (c == 0)
        return;
    if (r->mode == AFTER_PAYLOAD && r->quoted) {
        if (c == '"') {
            r->line[r->n++] = (unsigned char)c;
            r->mode = EOL_NEXT;
            return;
        }
    } else if (eol) {
        emit_recv(r);
        return;
    }
    if (!eol)
        r->line[r->n++] = (unsigned char)c;
    fail_at(r, "recv data not terminated", c);
}

/* ---- the bg96 profile: a whole line, split at its commas ---- */

/* A field that is SP* then 1 to 5 digits of value <= 65535. */
static int field_num(const unsigned char *f, size_t n, long *v)
{
    size_t i = 0;
    while (i < n && f[i] == ' ')
        i++;
    if (i == n || n - i > 5)
        return 0;
    for (*v = 0; i < n; i++) {
        if (f[i] < '0' || f[i] > '9')
            return 0;
        *v = *v * 10 + (f[i] - '0');
    }
    return *v <= 65535;
}

/* A field that is SP* then '"' IPCH{1,45} '"' or (bare_ok) IPCH{1,45}; *at is the
 * IP's offset in f. */
static int field_ip(const unsigned char *f, size_t n, int bare_ok, size_t *at, size_t *len)
{
    size_t i = 0;
    while (i < n && f[i] == ' ')
        i++;
    int q = i < n && f[i] == '"';
    if (q) {
        if (n - i < 2 || f[n - 1] != '"')
            return 0;
        i++;
        n--;
    } else if (!bare_ok) {
        return 0;
    }
    if (n == i || n - i > 45)
        return 0;
    for (size_t k = i; k < n; k++)
        if (!is_ipch(f[k]))
            return 0;
    *at = i;
    *len = n - i;
    return 1;
}

static void emit_line(struct ref *r)
{
    sink_str(r->out, "LINE");
    sink_bytes(r->out, r->line, r->n);
    sink_str(r->out, "\n");
    r->n = 0;
}

/* A line of the bg96 profile ended on c: a recv URC (id / id,len / id,len,ip,port)
 * or a +QIRD answer (len / len,"ip",port) frames its data; other lines are lines. */
static void nl_line(struct ref *r, int c)
{
    size_t pl = strlen(PREFIX), ql = strlen(QIRD), st, f[6][2], nf = 0, ipat = 0, iplen = 0;
    int recv = r->n >= pl && memcmp(r->line, PREFIX, pl) == 0;
    int read = !recv && r->n >= ql && memcmp(r->line, QIRD, ql) == 0;
    long v[3] = {-1, -1, -1};
    int ok;
    r->mode = START;
    if (!recv && !read) {
        emit_line(r);
        return;
    }
    st = recv ? pl : ql;
    for (size_t i = st; i <= r->n && nf < 6; i++) {
        if (i == r->n || r->line[i] == ',') {
            f[nf][0] = st;
            f[nf++][1] = i - st;
            st = i + 1;
        }
    }
#define F(k) (r->line + f[k][0]), f[k][1]
    if (recv)
        ok = (nf == 1 || nf == 2 || nf == 4) && field_num(F(0), &v[0])
            && (nf < 2 || field_num(F(1), &v[1]))
            && (nf < 4 || (field_ip(F(2), 1, &ipat, &iplen) && field_num(F(3), &v[2])));
    else
        ok = (nf == 1 || nf == 3) && field_num(F(0), &v[0])
            && (nf < 3 || (field_ip(F(1), 0, &ipat, &iplen) && field_num(F(2), &v[2])));
    if (!ok) {
        if (recv)
            error(r, "bad recv header", r->n);
        else
            emit_line(r);
        return;
    }
    if (recv && (nf == 1 || (nf == 2 && v[0] < 32 && ((r->cfg->buffer_access >> v[0]) & 1)))) {
        emit_line(r);   /* a buffer access notice */
        return;
    }
    r->read = read;
    r->h.id = recv ? v[0] : -1;
    r->h.length = recv ? v[1] : v[0];
    r->h.port = v[2];
    r->h.ip_len = nf >= 3 ? (long)iplen : -1;
    /* emit_recv reads the IP from line + strlen(PREFIX) */
    r->h.ip_start = nf >= 3 ? (long)(f[nf - 2][0] + ipat) - (long)pl : 0;
#undef F
    r->need = (size_t)r->h.length * (r->cfg->hex ? 2 : 1);
    if (r->need > r->cfg->max_line) {
        error(r, "recv length too large", r->n);
        return;
    }
    r->pay_start = r->n;
    r->pay_len = 0;
    r->quoted = 0;      /* never quoted: a '"' is data */
    if (r->need == 0) {
        emit_recv(r);
        return;
    }
    r->mode = c == '\r' ? NL_LF : PAYLOAD;
}

static void line_byte(struct ref *r, int c)
{
    if (c == 0)
        return;
    if ((c == '\r' || c == '\n') && r->cfg->module == 2 && r->line[0] == '+') {
        nl_line(r, c);
        return;
    }
    if (c == '\r' || c == '\n') {
        sink_str(r->out, "LINE");
        sink_bytes(r->out, r->line, r->n);
        sink_str(r->out, "\n");
        r->n = 0;
        r->mode = START;
        return;
    }
    r->line[r->n++] = (unsigned char)c;
    if (r->cfg->module != 2 && r->n == strlen(PREFIX) && memcmp(r->line, PREFIX, r->n) == 0) {
        r->mode = HEADER;
        r->read = 0;
    }
    else if (r->n == r->cfg->max_line) {
        error(r, "line too long", r->n);
        r->mode = DISCARD;
    }
}

static void ref_byte(struct ref *r, int c)
{
    switch (r->mode) {
    case AFTER_PROMPT:
        if (c == 0)
            return;
        r->mode = START;
        if (c == ' ')
            return;
        /* fall through */
    case START:
        if (c == '>') {
            sink_str(r->out, "PROMPT\n");
            r->mode = AFTER_PROMPT;
        } else if (c != 0 && c != '\r' && c != '\n') {
            r->mode = LINE;
            line_byte(r, c);
        }
        return;
    case LINE:
        line_byte(r, c);
        return;
    case DISCARD:
        if (c == '\r' || c == '\n')
            r->mode = START;
        return;
    case HEADER:
        if (c != 0)
            header_byte(r, c);
        return;
    case PAYLOAD:
        payload_byte(r, c);
        return;
    case NL_LF:         /* after a bg96 header's CR: its LF, or the first data byte */
        r->mode = PAYLOAD;
        if (c != '\n')
            payload_byte(r, c);
        return;
    default:
        after_payload(r, c);
        return;
    }
}

void ref_tokenize(const unsigned char *d, size_t n, const struct cfg *cfg, struct sink *out)
{
    struct sink demux[DEMUX_IDS];
    struct ref r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    r.out = out;
    r.demux = demux;
    r.line = malloc(2 * cfg->max_line + 16);
    if (!r.line)
        abort();
    for (int i = 0; i < DEMUX_IDS; i++)
        sink_init(&demux[i]);
    for (size_t i = 0; i < n; i++)
        ref_byte(&r, d[i]);
    /* end of stream */
    if (r.mode == LINE) {
        sink_str(out, "LINE");
        sink_bytes(out, r.line, r.n);
        sink_str(out, "\n");
    } else if (r.mode >= HEADER) {
        error(&r, "truncated recv", r.n);
    }
    sink_demux_end(out, demux);
    for (int i = 0; i < DEMUX_IDS; i++)
        sink_free(&demux[i]);
    free(r.line);
}
