/*
 * Hex decoding of recv payloads (AT+QICFG="dataformat" hex mode) for the
 * tokenizer: strict (every byte a digit of either case, an even count), one
 * function, qio_unhex(), at one of several levels chosen at run time.
 *
 * Levels (qio_simd_level), numbered per CPU family so that a CPU's levels are
 * always 0..best:
 *   0  scalar (tables), everywhere;
 *   x86-64: 1 SSE2 (16 digits a step; x86-64 baseline, so compiled in whenever
 *      __SSE2__ is defined), 2 AVX2 (32 digits a step, compiled with
 *      __attribute__((target("avx2"))) so that the file needs no -mavx2, used
 *      only when __builtin_cpu_supports("avx2") says so);
 *   ARM: 1 NEON (32 digits a step, then one of 16). AArch64 always has it. On
 *      32-bit ARM (ARMv6 and later, hard or softfp float ABI, Linux) it is
 *      compiled in with -mfpu=neon, or without it by GCC through a target
 *      attribute, and used only when the kernel's HWCAP_NEON bit says so.
 * Each level takes what it can and leaves the tail to the next one down. All
 * give the same bytes and the same verdict (any non-digit is "bad hex digit").
 * -DQIO_NO_SIMD, or another CPU or compiler, leaves only what it can build.
 */
#include "hex.h"

#include <stdint.h>

#include "tokenizer.h"

/* SSE2 is part of x86-64: compiled in whenever the compiler targets it. AVX2 is
 * compiled in on x86-64 GCC/clang (function-level target attribute) and used
 * only if the CPU has it. The scalar path is always there (other CPUs, tails,
 * and -DQIO_NO_SIMD, which the tests build too). */
#if defined(__SSE2__) && !defined(QIO_NO_SIMD)
#define QIO_SSE2 1
#include <emmintrin.h>
#endif
#if defined(QIO_SSE2) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) \
    && !defined(QIO_NO_SIMD)
#define QIO_AVX2 1
#include <immintrin.h>
#endif
/* NEON: AArch64 (Advanced SIMD is part of the architecture; __ARM_NEON is off
 * only under -mgeneral-regs-only), or 32-bit ARM Linux with a float ABI that
 * has the NEON registers (hard or softfp). Debian's armhf targets ARMv7-A with
 * VFPv3-D16 and Raspberry Pi OS's 32-bit one ARMv6 with VFP, neither with NEON:
 * GCC compiles the NEON functions alone for them (as ARMv7-A with NEON; clang's
 * arm_neon.h needs -mfpu=neon), and the kernel is asked at run time whether
 * the CPU has it (a Pi 1 or Zero has not). */
#if defined(__aarch64__) && defined(__ARM_NEON) && !defined(QIO_NO_SIMD)
#define QIO_NEON 1
#define QIO_NEON_FN
#elif defined(__arm__) && defined(__linux__) && defined(__ARM_ARCH) && __ARM_ARCH >= 6 \
    && !(defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE != 'A') && !defined(__SOFTFP__) \
    && (defined(__ARM_NEON) || (defined(__GNUC__) && !defined(__clang__))) \
    && !defined(QIO_NO_SIMD)
#define QIO_NEON 1
#define QIO_NEON_HWCAP 1
#if defined(__ARM_NEON)
#define QIO_NEON_FN
#elif __ARM_ARCH >= 7
#define QIO_NEON_FN __attribute__((target("fpu=neon")))
#else
#define QIO_NEON_FN __attribute__((target("arch=armv7-a,fpu=neon")))
#endif
#include <sys/auxv.h>
#ifndef HWCAP_ARM_NEON
#define HWCAP_ARM_NEON (1ul << 12)  /* the kernel's HWCAP_NEON (asm/hwcap.h) */
#endif
#endif
#ifdef QIO_NEON
#include <arm_neon.h>
#endif

/* Hex digits, strictly (no 0xFF for bad digits, no skipping). Both tables
 * hold 0x100 for a digit, 0 for anything else, so that ANDing the entries of
 * a payload keeps 0x100 only if every byte was a digit; a pair decodes to the
 * low byte of HEX_HI[a] | HEX_LO[b]. */
#define D(c, v) [c] = 0x100 | ((v) << 4)
static const uint16_t HEX_HI[256] = {
    D('0', 0), D('1', 1), D('2', 2), D('3', 3), D('4', 4), D('5', 5), D('6', 6), D('7', 7),
    D('8', 8), D('9', 9), D('a', 10), D('b', 11), D('c', 12), D('d', 13), D('e', 14),
    D('f', 15), D('A', 10), D('B', 11), D('C', 12), D('D', 13), D('E', 14), D('F', 15),
};
#undef D
#define D(c, v) [c] = 0x100 | (v)
static const uint16_t HEX_LO[256] = {
    D('0', 0), D('1', 1), D('2', 2), D('3', 3), D('4', 4), D('5', 5), D('6', 6), D('7', 7),
    D('8', 8), D('9', 9), D('a', 10), D('b', 11), D('c', 12), D('d', 13), D('e', 14),
    D('f', 15), D('A', 10), D('B', 11), D('C', 12), D('D', 13), D('E', 14), D('F', 15),
};
#undef D

/* Each level decodes the steps it can and hands the rest, src[i..n), to the
 * next one down, ending with the scalar tables; each returns nonzero when a
 * byte was not a digit. A level calls the next one itself (rather than
 * qio_unhex() calling each in turn), so that a payload costs one dispatch and
 * the levels below are inlined into it. */
static int unhex_scalar(unsigned char *dst, const unsigned char *src, size_t i, size_t n)
{
    unsigned all = 0x100;
    for (; i < n; i += 2) {
        unsigned hi = HEX_HI[src[i]], lo = HEX_LO[src[i + 1]];
        all &= hi & lo;
        dst[i / 2] = (unsigned char)(hi | lo);
    }
    return all == 0;
}

#ifdef QIO_SSE2
#if defined(__GNUC__) || defined(__clang__)
#define QIO_ALWAYS_INLINE __attribute__((always_inline)) static inline
#else
#define QIO_ALWAYS_INLINE static
#endif

/* 16 hex digits to 8 bytes; returns bad ORed with a nonzero byte where one was
 * not a digit. The AVX2 step's unsigned ranges (see unhex_avx2) on 16 bytes,
 * with shifts for the pairs, as SSE2 has no maddubs. */
static __m128i unhex16(unsigned char *dst, const unsigned char *src, __m128i bad)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)src);
    __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    __m128i a = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
    __m128i val = _mm_min_epu8(d, _mm_add_epi8(a, _mm_set1_epi8(10)));
    /* each 16-bit lane holds (high digit, low digit): make it one byte */
    __m128i pair = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(val, _mm_set1_epi16(0xff)), 4),
                                _mm_srli_epi16(val, 8));
    _mm_storel_epi64((__m128i *)(void *)dst, _mm_packus_epi16(pair, pair));
    return _mm_or_si128(bad, _mm_min_epu8(_mm_subs_epu8(d, _mm_set1_epi8(9)),
                                          _mm_subs_epu8(a, _mm_set1_epi8(5))));
}

/* Always inlined, so that AVX2's tail steps are VEX-encoded in unhex_avx2 and
 * a payload of whole AVX2 steps pays no call for an empty tail. */
QIO_ALWAYS_INLINE int unhex_sse2(unsigned char *dst, const unsigned char *src, size_t i, size_t n)
{
    __m128i bad = _mm_setzero_si128();
    for (; i + 16 <= n; i += 16)
        bad = unhex16(dst + i / 2, src + i, bad);
    return unhex_scalar(dst, src, i, n)
           | (_mm_movemask_epi8(_mm_cmpeq_epi8(bad, _mm_setzero_si128())) != 0xffff);
}
#endif

#ifdef QIO_AVX2
/* The AVX2 step's constants. -'0' and -'a' are addends, so that the input
 * stays a memory operand of both first steps. */
#define K32(x) { x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, \
                 x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x }
enum { K_0, K_20, K_A, K_9, K_5, K_10 };
static const unsigned char AVX2_K[][32] __attribute__((aligned(32))) = {
    K32(256 - '0'), K32(0x20), K32(256 - 'a'), K32(9), K32(5), K32(10),
};
#undef K32
#define KV(j) _mm256_load_si256((const __m256i *)(const void *)k[j])

/* 32 digits a step, the tail (n % 32 digits) to SSE2. One function for the
 * whole payload, so that AVX2 code is entered (and the upper halves cleared)
 * once per payload, not once per step; the SSE2 steps inlined here are
 * VEX-encoded, with no AVX-SSE transition between. */
__attribute__((target("avx2")))
static int unhex_avx2(unsigned char *dst, const unsigned char *src, size_t n)
{
    /* The constants are read from AVX2_K through k, which the empty asm hides
     * from the optimizer: knowing them, GCC builds each in registers (mov,
     * vmovd, vpbroadcastb) on every call, some 20 instructions a payload, which
     * a 32-digit payload notices; read, they cost one load each. */
    const unsigned char (*k)[32] = AVX2_K;
    __m256i bad = _mm256_setzero_si256();
    size_t i = 0;
    __asm__("" : "+r"(k));
    const __m256i k0 = KV(K_0), k20 = KV(K_20), ka = KV(K_A), k9 = KV(K_9), k5 = KV(K_5),
                  k10 = KV(K_10);
    for (; i + 32 <= n; i += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(src + i));
        /* unsigned: d = v - '0' is 0..9 for a digit, a = (v | 0x20) - 'a' is 0..5
         * for a letter; anything else (bytes >= 0x80 included) is out of both */
        __m256i d = _mm256_add_epi8(v, k0);
        __m256i a = _mm256_add_epi8(_mm256_or_si256(v, k20), ka);
        /* nonzero where a byte is neither (saturating d - 9 and a - 5) */
        bad = _mm256_or_si256(bad, _mm256_min_epu8(_mm256_subs_epu8(d, k9),
                                                   _mm256_subs_epu8(a, k5)));
        /* a digit's value is d (a + 10 wraps above 15), a letter's a + 10 */
        __m256i val = _mm256_min_epu8(d, _mm256_add_epi8(a, k10));
        /* each 16-bit lane (high digit, low digit) to high * 16 + low */
        __m256i pair = _mm256_maddubs_epi16(val, _mm256_set1_epi16(0x0110));
        /* packus works per 128-bit half: bytes 0-7 and 16-23 hold the result */
        __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(pair, pair), 0x08);
        _mm_storeu_si128((__m128i *)(void *)(dst + i / 2), _mm256_castsi256_si128(packed));
    }
    return unhex_sse2(dst, src, i, n) | !_mm256_testz_si256(bad, bad);
}
#undef KV
#endif

#ifdef QIO_NEON
/* The values of 16 hex digits (garbage where a byte is not a digit), and ORed
 * into *bad a nonzero byte where one is not. Unsigned, as in the AVX2 path:
 * d = v - '0' is 0..9 for a digit, a = (v | 0x20) - 'a' is 0..5 for a letter,
 * anything else (bytes >= 0x80 included) is out of both. */
QIO_NEON_FN static uint8x16_t neon_values(uint8x16_t v, uint8x16_t *bad)
{
    uint8x16_t d = vsubq_u8(v, vdupq_n_u8('0'));
    uint8x16_t a = vsubq_u8(vorrq_u8(v, vdupq_n_u8(0x20)), vdupq_n_u8('a'));
    /* nonzero where a byte is neither (saturating d - 9 and a - 5) */
    *bad = vorrq_u8(*bad, vminq_u8(vqsubq_u8(d, vdupq_n_u8(9)), vqsubq_u8(a, vdupq_n_u8(5))));
    /* a digit's value is d (a + 10 wraps above 15), a letter's a + 10 */
    return vminq_u8(d, vaddq_u8(a, vdupq_n_u8(10)));
}

/* 32 digits a step, then one step of 16, the tail (n % 16 digits) to the
 * scalar tables. vld2 puts the even (high) digits in one register and the odd
 * (low) ones in another, so a pair becomes a byte in one shift-insert. */
QIO_NEON_FN static int unhex_neon(unsigned char *dst, const unsigned char *src, size_t n)
{
    uint8x16_t bad = vdupq_n_u8(0);
    uint64x2_t any;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint8x16x2_t v = vld2q_u8(src + i);
        uint8x16_t hi = neon_values(v.val[0], &bad), lo = neon_values(v.val[1], &bad);
        vst1q_u8(dst + i / 2, vsliq_n_u8(lo, hi, 4));      /* hi << 4 | lo */
    }
    if (i + 16 <= n) {
        uint8x8x2_t v = vld2_u8(src + i);
        uint8x16_t val = neon_values(vcombine_u8(v.val[0], v.val[1]), &bad);
        vst1_u8(dst + i / 2, vsli_n_u8(vget_high_u8(val), vget_low_u8(val), 4));
        i += 16;
    }
    /* no horizontal max on ARMv7: OR the two halves */
    any = vreinterpretq_u64_u8(bad);
    return unhex_scalar(dst, src, i, n) | ((vgetq_lane_u64(any, 0) | vgetq_lane_u64(any, 1)) != 0);
}
#endif

/* The hex level in force: 0 scalar, 1 SSE2 or NEON, 2 AVX2; -1 until first asked for.
 * It is set once, lazily (qio_init asks), or by qio_set_simd. Two threads that
 * both find it unset both store the same value, a benign and idempotent race;
 * change it with qio_set_simd only while no other thread is decoding. */
static int simd_level = -1;

/* The best level this build and this CPU allow. Without a branch on x86-64, so
 * that one machine runs all of it (gcov): __builtin_cpu_supports gives a nonzero
 * mask, and a nonzero x has the top bit set in x or in -x. */
static int simd_max(void)
{
#ifdef QIO_AVX2
    unsigned avx2;
    __builtin_cpu_init();
    avx2 = (unsigned)__builtin_cpu_supports("avx2");
    return 1 + (int)((avx2 | (0u - avx2)) >> 31);
#elif defined(QIO_SSE2)
    return 1;
#elif defined(QIO_NEON_HWCAP)
    return (getauxval(AT_HWCAP) & HWCAP_ARM_NEON) != 0;
#elif defined(QIO_NEON)
    return 1;
#else
    return 0;
#endif
}

int qio_simd_level(void)
{
    if (simd_level < 0)
        simd_level = simd_max();
    return simd_level;
}

int qio_set_simd(int level)
{
    int max = simd_max();
    simd_level = level < 0 || level > max ? max : level;
    return simd_level;
}

int qio_unhex(unsigned char *dst, const unsigned char *src, size_t n)
{
#ifdef QIO_AVX2
    if (simd_level == 2)
        return unhex_avx2(dst, src, n);
#endif
#ifdef QIO_SSE2
    if (simd_level == 1)
        return unhex_sse2(dst, src, 0, n);
#endif
#ifdef QIO_NEON
    if (simd_level == 1)
        return unhex_neon(dst, src, n);
#endif
    return unhex_scalar(dst, src, 0, n);
}

int qio_is_hex_digit(unsigned char c)
{
    return HEX_LO[c] != 0;
}
