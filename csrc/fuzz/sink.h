/*
 * Token dumps shared by the fuzz harness, the test driver and the reference:
 * every token becomes one text line, so that two runs are compared with memcmp
 * and a mismatch can be printed for a human.
 *
 *   LINE <bytes>
 *   PROMPT
 *   RECV <id> <length> <ip|-> <port> <framed> <bytes>
 *   READ <length> <ip|-> <port> <bytes>     (the bg96 profile's +QIRD data)
 *   ERROR <reason> <bytes>
 *   DEMUX <id> <bytes>        (feed_demux: each id's stream, at the end)
 *
 * <bytes> are printable ASCII as is and everything else (and '\') as \xHH.
 */
#ifndef PYQIO_FUZZ_SINK_H
#define PYQIO_FUZZ_SINK_H

#include <stddef.h>
#include <stdint.h>

struct sink {
    char *p;
    size_t n, cap;
};

/* One test run's settings: the same for the tokenizer and the reference. */
struct cfg {
    int hex, show_ra;
    uint32_t udp_service;   /* bit per connect id 0..31 */
    uint32_t demux;         /* bit per connect id 0..31 routed to DEMUX streams */
    size_t max_line;
    int module;             /* QIO_M_* (0 bc660k, 1 bc66, 2 bg96) */
    uint32_t buffer_access; /* bg96: bit per connect id whose "recv",<id>,<len> is a notice */
};

#define DEMUX_IDS 32

void sink_init(struct sink *s);
void sink_free(struct sink *s);
void sink_str(struct sink *s, const char *str);
void sink_int(struct sink *s, long v);
void sink_bytes(struct sink *s, const unsigned char *b, size_t n);
/* Appends bytes as they are (a DEMUX stream). */
void sink_raw(struct sink *s, const unsigned char *b, size_t n);

/* Writes a RECV token, or appends its data to demux[id] when cfg routes it there. */
void sink_recv(struct sink *s, struct sink *demux, const struct cfg *cfg, long id,
               long length, const unsigned char *ip, long ip_len, long port, int framed,
               const unsigned char *data, size_t n);
/* Writes a READ token (+QIRD data: never demuxed, it names no connect id). */
void sink_read(struct sink *s, long length, const unsigned char *ip, long ip_len, long port,
               const unsigned char *data, size_t n);
/* Appends the DEMUX lines of every non-empty demux stream. */
void sink_demux_end(struct sink *s, struct sink *demux);

#endif
