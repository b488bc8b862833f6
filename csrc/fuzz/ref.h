/* The reference tokenizer (ref.c): TOKENS.md, plainly, byte by byte. */
#ifndef PYQIO_FUZZ_REF_H
#define PYQIO_FUZZ_REF_H

#include "sink.h"

/* Tokenizes d[0..n) then ends the stream, dumping every token (and the
 * DEMUX streams) to out. */
void ref_tokenize(const unsigned char *d, size_t n, const struct cfg *cfg, struct sink *out);

#endif
