/* Runs csrc/tokenizer.c over an input and compares it with the reference. */
#ifndef PYQIO_FUZZ_CHECK_H
#define PYQIO_FUZZ_CHECK_H

#include "sink.h"

/* How the input is handed to qio_feed(): chunk sizes (used in turn, cycling;
 * none: one chunk) and the output capacity (tokens; extra arena bytes beyond
 * one token's room), small ones forcing qio_feed() to stop early. */
struct split {
    const size_t *chunks;
    size_t nchunks;
    size_t tok_cap, extra;
};

/* Dumps the tokens of csrc/tokenizer.c on d[0..n), finish() included. */
void qio_dump(const unsigned char *d, size_t n, const struct cfg *cfg,
              const struct split *split, struct sink *out);

/* The invariant: the tokens of d under split equal the reference's. Returns 0,
 * or prints both dumps to stderr and returns 1. */
int check_split(const unsigned char *d, size_t n, const struct cfg *cfg,
                const struct split *split);

/* The fuzz input format: 5 header bytes pick the settings and the split, the
 * rest is the module's output (see README.md). Fills chunks (room for 8) and
 * returns the body's offset, or 0 when the input is shorter than the header. */
#define FUZZ_HEADER 5
size_t cfg_from_bytes(const unsigned char *d, size_t n, struct cfg *cfg,
                      struct split *split, size_t *chunks);

#endif
