/*
 * libFuzzer target for csrc/tokenizer.c.
 *
 * Invariant: for every input, under the settings its first bytes pick (hex,
 * show_ra, udp_service, demux ids, max_line, output capacity, split points; see
 * check.c cfg_from_bytes), csrc/tokenizer.c
 *   1. neither crashes nor hits undefined behaviour (ASan + UBSan),
 *   2. gives the same tokens fed whole as fed in the chunks the fuzzer chose,
 *      with output space so small that qio_feed() must stop and resume, and
 *   3. gives the tokens of the byte-at-a-time reference (ref.c).
 * 2 follows from 3 applied to both runs; any difference aborts with both dumps.
 * In hex mode each run is made under every hex level the CPU has (scalar, SSE2,
 * AVX2; scalar, NEON on ARM; check.c check_split), so 3 holds for each level.
 *
 * Build: see README.md (clang -fsanitize=fuzzer,address,undefined).
 */
#include <stdlib.h>

#include "check.h"

int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n);

int LLVMFuzzerTestOneInput(const unsigned char *d, size_t n)
{
    struct cfg cfg;
    struct split split, whole = {NULL, 0, 1024, 1 << 16};
    size_t chunks[8];
    size_t off = cfg_from_bytes(d, n, &cfg, &split, chunks);
    if (off == 0)
        return 0;
    if (check_split(d + off, n - off, &cfg, &whole) || check_split(d + off, n - off, &cfg, &split))
        abort();
    return 0;
}
