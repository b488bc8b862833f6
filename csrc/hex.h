/*
 * Hex decoding for the tokenizer (internal to the C core, see hex.c). The
 * level switch, qio_simd_level() and qio_set_simd(), is public: tokenizer.h.
 */
#ifndef PYQIO_HEX_H
#define PYQIO_HEX_H

#include <stddef.h>

/* Internal to the shared object: the tokenizer calls these directly rather
 * than through the PLT (one indirect jump per hex payload). */
#if defined(__GNUC__) || defined(__clang__)
#define QIO_INTERNAL __attribute__((visibility("hidden")))
#else
#define QIO_INTERNAL
#endif

/* Strict hex decoding of n (even) digits src[0..n) to dst[0..n/2), at the level
 * in force: returns 0 when every byte is a digit (0-9, a-f, A-F), nonzero
 * otherwise (dst then holds unspecified bytes). */
QIO_INTERNAL int qio_unhex(unsigned char *dst, const unsigned char *src, size_t n);

/* 1 when c is a hex digit of either case, else 0. */
QIO_INTERNAL int qio_is_hex_digit(unsigned char c);

#endif
