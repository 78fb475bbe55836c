/**
 * @file fe_internal.h
 * @brief Private helpers shared by the frontend translation units.
 *
 * Not part of the public API. Everything here is either static inline or
 * carries the es__ prefix.
 */
#ifndef EARSHOT_FE_INTERNAL_H
#define EARSHOT_FE_INTERNAL_H

#include <stdint.h>

#include "earshot/frontend.h"

/* pi as a double literal; the reference computes its tables from this value. */
#define ES__FE_PI 3.14159265358979323846

/* Bits of fraction in the window coefficients. */
#define ES__FE_WINDOW_BITS 12
/* Bits of fraction in the filterbank weights. */
#define ES__FE_FILTERBANK_BITS 12
/* Bits of fraction in the noise reduction coefficients. */
#define ES__FE_NR_BITS 14
/* PCAN fixed-point parameters. */
#define ES__FE_PCAN_SNR_BITS 12
#define ES__FE_PCAN_OUTPUT_BITS 6
#define ES__FE_PCAN_SEGMENTS 32
/* Log lookup: 128 segments over one octave, Q16. */
#define ES__FE_LOG_SEGMENTS_LOG2 7
#define ES__FE_LOG_SCALE_LOG2 16
#define ES__FE_LOG_COEFF 45426u /* round(ln(2) * 2^16) */

/**
 * Convert an int to int16_t with two's-complement wrap-around, the way the
 * reference's implicit narrowing behaves on every supported compiler.
 */
static inline int16_t es__wrap16(int32_t v)
{
    uint16_t u = (uint16_t)((uint32_t)v & 0xFFFFu);
    return (u & 0x8000u) ? (int16_t)((int32_t)u - 65536) : (int16_t)u;
}

/** Number of significant bits in @p v (0 for 0). */
static inline int es__bit_length32(uint32_t v)
{
#if defined(__GNUC__) || defined(__clang__)
    return (v == 0u) ? 0 : 32 - __builtin_clz(v);
#else
    int n = 0;
    while (v != 0u) {
        v >>= 1;
        ++n;
    }
    return n;
#endif
}

/** Number of significant bits in @p v (0 for 0). */
static inline int es__bit_length64(uint64_t v)
{
    int n = 0;
    if ((v >> 32) != 0u) {
        n = 32;
        v >>= 32;
    }
    return n + es__bit_length32((uint32_t)v);
}

/**
 * Build the twiddle tables and the radix plan for a real FFT of
 * fe->fft_size points (a power of two, >= 4). Uses double-precision libm.
 */
void es__fft_init(es_frontend_t *fe);

/**
 * Real FFT of fe->fft_input (fe->fft_size int16 values) into fe->fft_output
 * (fft_size/2 + 1 interleaved complex bins), in the scaled int16 fixed-point
 * arithmetic of kissfft built with FIXED_POINT=16. Integer only.
 */
void es__fft_real(es_frontend_t *fe);

#endif /* EARSHOT_FE_INTERNAL_H */
