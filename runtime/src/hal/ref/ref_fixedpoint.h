/**
 * @file ref_fixedpoint.h
 * @brief Private fixed-point helpers of the reference backend.
 *
 * Scalar int32 re-statements of the gemmlowp fixed-point arithmetic that
 * TFLite's integer kernels are specified in. A value of "Qm" format here is an
 * int32 with m integer bits, one sign bit and 31 - m fractional bits.
 *
 * gemmlowp leaves plain additions, subtractions and negations of int32 raw
 * values unchecked (they wrap on every real target). To stay free of signed
 * overflow we perform those in uint32 and convert back, which yields the same
 * two's-complement bits. Multiplications go through 64 bits and saturate where
 * gemmlowp saturates.
 *
 * Right shifts of negative int32 values are assumed to be arithmetic (gcc,
 * clang and the Arm compilers all define them that way).
 */
#ifndef EARSHOT_REF_FIXEDPOINT_H
#define EARSHOT_REF_FIXEDPOINT_H

#include <stdint.h>

/* ---- wrap-around int32 arithmetic (no UB) ---- */

static inline int32_t es__fp_from_u32(uint32_t u)
{
    /* Two's-complement reinterpretation without implementation-defined casts. */
    if (u <= (uint32_t)INT32_MAX) {
        return (int32_t)u;
    }
    return (int32_t)(u - 0x80000000u) + INT32_MIN;
}

static inline int32_t es__fp_add(int32_t a, int32_t b)
{
    return es__fp_from_u32((uint32_t)a + (uint32_t)b);
}

static inline int32_t es__fp_sub(int32_t a, int32_t b)
{
    return es__fp_from_u32((uint32_t)a - (uint32_t)b);
}

static inline int32_t es__fp_neg(int32_t a)
{
    return es__fp_from_u32(0u - (uint32_t)a);
}

/* ---- basic primitives ---- */

/**
 * Rounded, saturated high half of 2*a*b (the Arm VQRDMULH operation):
 * treats a and b as Q0.31 and returns their Q0.31 product. Rounding is to
 * nearest with ties away from zero; (-1)*(-1) saturates to INT32_MAX.
 */
static inline int32_t es__fp_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    const int64_t prod = (int64_t)a * (int64_t)b;
    const int64_t bias = (prod >= 0) ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    /* C division truncates toward zero, which is what the reference does. */
    return (int32_t)((prod + bias) / ((int64_t)1 << 31));
}

/**
 * x / 2^exponent rounded to nearest, ties away from zero (0 <= exponent <= 31).
 */
static inline int32_t es__fp_rdbypot(int32_t x, int exponent)
{
    if (exponent <= 0) {
        return x;
    }
    const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    const int32_t rem = x & mask;
    const int32_t limit = (mask >> 1) + ((x < 0) ? 1 : 0);
    return (x >> exponent) + ((rem > limit) ? 1 : 0);
}

/**
 * x * 2^exponent: for exponent > 0 a left shift that saturates to the int32
 * range, for exponent < 0 a rounding right shift.
 */
static inline int32_t es__fp_srmbypot(int32_t x, int exponent)
{
    if (exponent == 0) {
        return x;
    }
    if (exponent < 0) {
        return es__fp_rdbypot(x, -exponent);
    }
    const int32_t lim = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
    if (x > lim) {
        return INT32_MAX;
    }
    if (x < -lim) {
        return INT32_MIN;
    }
    return (int32_t)((int64_t)x * ((int64_t)1 << exponent));
}

/** Change a raw value from src_bits to dst_bits integer bits (saturating / rounding). */
static inline int32_t es__fp_rescale(int32_t x, int src_bits, int dst_bits)
{
    return es__fp_srmbypot(x, src_bits - dst_bits);
}

/** (a + b) / 2 rounded to nearest, ties away from zero. */
static inline int32_t es__fp_rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t s = (int64_t)a + (int64_t)b;
    const int64_t adj = (s >= 0) ? 1 : -1;
    return (int32_t)((s + adj) / 2);
}

/** Number of leading zero bits of a 32-bit word (32 for zero). */
static inline int es__fp_clz32(uint32_t v)
{
    if (v == 0u) {
        return 32;
    }
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_clz(v);
#else
    int n = 0;
    while ((v & 0x80000000u) == 0u) {
        v <<= 1;
        ++n;
    }
    return n;
#endif
}

/* ---- transcendental helpers ---- */

/** Q0 constants of the exp() approximation. */
#define ES__FP_EXP_MINUS_EIGHTH 1895147668   /* exp(-1/8) in Q0.31 */
#define ES__FP_ONE_THIRD 715827883           /* 1/3 in Q0.31 */

/**
 * exp(a) for a in [-1/4, 0), a and result in Q0.31. A fourth-order Taylor
 * polynomial around -1/8: with y = a + 1/8,
 * exp(a) = exp(-1/8) * (1 + y + y^2/2 + y^3/6 + y^4/24).
 */
static inline int32_t es__fp_exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a)
{
    const int32_t y = es__fp_add(a, (int32_t)1 << 28);
    const int32_t y2 = es__fp_srdhm(y, y);
    const int32_t y3 = es__fp_srdhm(y2, y);
    const int32_t y4 = es__fp_srdhm(y2, y2);
    const int32_t y4_q = es__fp_rdbypot(y4, 2);
    /* ((y^4/4 + y^3) / 3 + y^2) / 2 = y^4/24 + y^3/6 + y^2/2 */
    const int32_t inner = es__fp_add(es__fp_srdhm(es__fp_add(y4_q, y3), ES__FP_ONE_THIRD), y2);
    const int32_t higher = es__fp_rdbypot(inner, 1);
    return es__fp_add(ES__FP_EXP_MINUS_EIGHTH,
                      es__fp_srdhm(ES__FP_EXP_MINUS_EIGHTH, es__fp_add(y, higher)));
}

/**
 * exp(a) for a <= 0 given in Q(int_bits) (0 <= int_bits <= 30); result Q0.31.
 * The argument is split into a part in [-1/4, 0) handled by the polynomial
 * and a multiple of 1/4 whose bits select constant factors exp(-2^k).
 */
static inline int32_t es__fp_exp_on_negative_values(int32_t a, int int_bits)
{
    /* exp(-2^k) in Q0.31 for k = -2 .. 4 */
    static const int32_t k_factor[7] = {
        1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242,
    };
    const int frac_bits = 31 - int_bits;
    const int32_t quarter = (int32_t)1 << (frac_bits - 2);
    const int32_t frac_mask = quarter - 1;
    const int32_t shifted = es__fp_sub(a & frac_mask, quarter);
    int32_t result = es__fp_exp_on_interval_between_negative_one_quarter_and_0_excl(
        es__fp_rescale(shifted, int_bits, 0));
    const int32_t whole = es__fp_sub(shifted, a);

    for (int k = -2; k <= 4; ++k) {
        if (int_bits > k) {
            const int bit = frac_bits + k;
            if ((whole & (int32_t)((uint32_t)1u << bit)) != 0) {
                result = es__fp_srdhm(result, k_factor[k + 2]);
            }
        }
    }

    if (int_bits > 5) {
        /* Below -32 the result underflows to zero. */
        const int32_t floor_raw = -((int32_t)1 << (36 - int_bits));
        if (a < floor_raw) {
            result = 0;
        }
    }
    if (a == 0) {
        result = INT32_MAX;
    }
    return result;
}

/**
 * 1 / (1 + a) for a in [0, 1), a in Q0.31, result in Q0.31. Three
 * Newton-Raphson steps on the half denominator, seeded with the classic
 * 48/17 - 32/17 * d linear estimate, carried in Q2.29.
 */
static inline int32_t es__fp_one_over_one_plus_x_for_x_in_0_1(int32_t a)
{
    const int32_t k_48_17 = 1515870810;      /* 48/17 in Q2.29 */
    const int32_t k_minus_32_17 = -1010580540; /* -32/17 in Q2.29 */
    const int32_t one_q2 = (int32_t)1 << 29;
    const int32_t half_d = es__fp_rounding_half_sum(a, INT32_MAX);
    int32_t x = es__fp_add(k_48_17, es__fp_srdhm(half_d, k_minus_32_17));
    for (int it = 0; it < 3; ++it) {
        const int32_t dx = es__fp_srdhm(half_d, x);
        const int32_t err = es__fp_sub(one_q2, dx);
        /* Q2 * Q2 -> Q4, brought back to Q2. */
        x = es__fp_add(x, es__fp_rescale(es__fp_srdhm(x, err), 4, 2));
    }
    /* x approximates 2/(1+a) in Q2; reading it as Q1 halves it, then to Q0. */
    return es__fp_rescale(x, 1, 0);
}

/** 1 / (1 + exp(-a)) for a in Q(int_bits); result in Q0.31. */
static inline int32_t es__fp_logistic(int32_t a, int int_bits)
{
    if (a == 0) {
        return (int32_t)1 << 30;
    }
    const int32_t mag = (a > 0) ? a : es__fp_neg(a);
    const int32_t pos = es__fp_one_over_one_plus_x_for_x_in_0_1(
        es__fp_exp_on_negative_values(es__fp_neg(mag), int_bits));
    if (a > 0) {
        return pos;
    }
    return es__fp_sub(INT32_MAX, pos);
}

/**
 * Reciprocal of a positive value x with x_int_bits integer bits, as TFLite's
 * GetReciprocal: returns 1/x' in Q0.31 where x' = x normalised into [1, 2),
 * and sets *bits_over_unit so that 1/x = result * 2^-bits_over_unit.
 */
static inline int32_t es__fp_get_reciprocal(int32_t x, int x_int_bits, int *bits_over_unit)
{
    const int lz = es__fp_clz32((uint32_t)x);
    *bits_over_unit = x_int_bits - lz;
    const uint32_t norm = (lz >= 32) ? 0u : ((uint32_t)x << lz);
    const int32_t minus_one = es__fp_from_u32(norm - 0x80000000u);
    return es__fp_one_over_one_plus_x_for_x_in_0_1(minus_one);
}

/* ---- requantization shared by every backend ---- */

/* x * mult * 2^shift with the rounding of ::es_rounding_t (shift in [-31, 30]). */
static inline int32_t es__requant(int32_t x, int32_t mult, int32_t shift, int r)
{
    if (r == 1) { /* ES_ROUND_SINGLE */
        const int64_t total = 31 - (int64_t)shift;
        const int64_t v = ((int64_t)x * (int64_t)mult + ((int64_t)1 << (total - 1))) >> total;
        return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
    }
    const int left = shift > 0 ? (int)shift : 0;
    const int right = shift > 0 ? 0 : (int)-shift;
    /* TFLite multiplies by 2^left in int32 (wrapping in practice); do it without UB. */
    const int32_t scaled = left ? (int32_t)(uint32_t)((uint64_t)(int64_t)x << left) : x;
    const int32_t hi = es__fp_srdhm(scaled, mult);
    if (r == 2 && right > 0) { /* ES_ROUND_HALF_UP */
        return (int32_t)(((int64_t)hi + ((int64_t)1 << (right - 1))) >> right);
    }
    return es__fp_rdbypot(hi, right);
}

/* acc + bias with the int32 wrap-around TFLite's kernels have in practice (no UB). */
static inline int32_t es__add_wrap(int32_t a, int32_t b)
{
    return es__fp_add(a, b);
}

/* Requantize @acc and add the output zero point, clamped to [lo, hi] (no overflow). */
static inline int32_t es__requant_out(int32_t acc, int32_t mult, int32_t shift, int r, int32_t zp, int32_t lo,
                                      int32_t hi)
{
    const int64_t v = (int64_t)es__requant(acc, mult, shift, r) + zp;
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

#endif /* EARSHOT_REF_FIXEDPOINT_H */
