/**
 * @file fft.c
 * @brief Scaled int16 fixed-point real FFT.
 *
 * Reproduces, bit for bit, the arithmetic of kissfft compiled with
 * FIXED_POINT=16 as the TFLite Micro frontend uses it: a mixed radix (4, then
 * 2) decimation-in-time complex FFT of half length whose every butterfly
 * divides its inputs by the radix, followed by the split step that turns the
 * packed half-length result into the spectrum of the real input.
 *
 * Complex values are stored interleaved (re at 2k, im at 2k+1).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "fe_internal.h"

/* Q15 rounding product shift: (x + 2^14) >> 15, narrowed with wrap-around. */
static inline int16_t q15_round(int32_t x)
{
    return es__wrap16((x + (1 << 14)) >> 15);
}

/* Multiply by the Q15 reciprocal of a radix (32767 / radix, truncated). */
static inline int16_t scale_down(int16_t x, int32_t q15_recip)
{
    return q15_round((int32_t)x * q15_recip);
}

/* out = a * b for Q15 complex numbers given as (re, im) pairs. */
static inline void cmul(int16_t *out_re, int16_t *out_im, int16_t a_re, int16_t a_im,
                        int16_t b_re, int16_t b_im)
{
    int32_t re = (int32_t)a_re * b_re - (int32_t)a_im * b_im;
    int32_t im = (int32_t)a_re * b_im + (int32_t)a_im * b_re;
    *out_re = q15_round(re);
    *out_im = q15_round(im);
}

static inline int16_t add16(int16_t a, int16_t b)
{
    return es__wrap16((int32_t)a + b);
}

static inline int16_t sub16(int16_t a, int16_t b)
{
    return es__wrap16((int32_t)a - b);
}

/* Radix-2 recombination of two interleaved sub-spectra of length m. */
static void radix2(int16_t *x, size_t stride, const int16_t *tw, int m)
{
    const int32_t half = 32767 / 2;
    int16_t *lo = x;
    int16_t *hi = x + 2 * m;
    for (int k = 0; k < m; ++k) {
        const int16_t *w = tw + 2 * (size_t)k * stride;
        int16_t a_re = scale_down(lo[2 * k], half);
        int16_t a_im = scale_down(lo[2 * k + 1], half);
        int16_t b_re = scale_down(hi[2 * k], half);
        int16_t b_im = scale_down(hi[2 * k + 1], half);
        int16_t t_re, t_im;
        cmul(&t_re, &t_im, b_re, b_im, w[0], w[1]);
        hi[2 * k] = sub16(a_re, t_re);
        hi[2 * k + 1] = sub16(a_im, t_im);
        lo[2 * k] = add16(a_re, t_re);
        lo[2 * k + 1] = add16(a_im, t_im);
    }
}

/* Radix-4 recombination (forward direction) of four sub-spectra of length m. */
static void radix4(int16_t *x, size_t stride, const int16_t *tw, int m)
{
    const int32_t quarter = 32767 / 4;
    for (int k = 0; k < m; ++k) {
        int16_t *q0 = x + 2 * k;
        int16_t *q1 = q0 + 2 * m;
        int16_t *q2 = q1 + 2 * m;
        int16_t *q3 = q2 + 2 * m;
        const int16_t *w1 = tw + 2 * ((size_t)k * stride);
        const int16_t *w2 = tw + 2 * ((size_t)k * stride * 2u);
        const int16_t *w3 = tw + 2 * ((size_t)k * stride * 3u);

        int16_t a0r = scale_down(q0[0], quarter), a0i = scale_down(q0[1], quarter);
        int16_t a1r = scale_down(q1[0], quarter), a1i = scale_down(q1[1], quarter);
        int16_t a2r = scale_down(q2[0], quarter), a2i = scale_down(q2[1], quarter);
        int16_t a3r = scale_down(q3[0], quarter), a3i = scale_down(q3[1], quarter);

        int16_t p1r, p1i, p2r, p2i, p3r, p3i;
        cmul(&p1r, &p1i, a1r, a1i, w1[0], w1[1]);
        cmul(&p2r, &p2i, a2r, a2i, w2[0], w2[1]);
        cmul(&p3r, &p3i, a3r, a3i, w3[0], w3[1]);

        /* even part: a0 -/+ p2; odd part: p1 +/- p3 */
        int16_t dr = sub16(a0r, p2r), di = sub16(a0i, p2i);
        int16_t sr = add16(a0r, p2r), si = add16(a0i, p2i);
        int16_t or_ = add16(p1r, p3r), oi = add16(p1i, p3i);
        int16_t er = sub16(p1r, p3r), ei = sub16(p1i, p3i);

        q2[0] = sub16(sr, or_);
        q2[1] = sub16(si, oi);
        q0[0] = add16(sr, or_);
        q0[1] = add16(si, oi);
        q1[0] = add16(dr, ei);
        q1[1] = sub16(di, er);
        q3[0] = sub16(dr, ei);
        q3[1] = add16(di, er);
    }
}

/*
 * Decimation in time: the transform of n = p * m points at input spacing
 * `stride` (in complex values) is built from p transforms of m points whose
 * inputs are spaced p times further apart, then recombined with radix p.
 */
static void fft_pass(int16_t *out, const int16_t *in, size_t stride, const int *plan,
                     const int16_t *tw)
{
    const int p = plan[0];
    const int m = plan[1];
    if (m == 1) {
        for (int k = 0; k < p; ++k) {
            out[2 * k] = in[2 * (size_t)k * stride];
            out[2 * k + 1] = in[2 * (size_t)k * stride + 1];
        }
    } else {
        for (int k = 0; k < p; ++k) {
            fft_pass(out + 2 * (size_t)k * (size_t)m, in + 2 * (size_t)k * stride,
                     stride * (size_t)p, plan + 2, tw);
        }
    }
    if (p == 4) {
        radix4(out, stride, tw, m);
    } else {
        radix2(out, stride, tw, m);
    }
}

void es__fft_init(es_frontend_t *fe)
{
    const int half = fe->fft_size / 2; /* complex transform length */

    for (int i = 0; i < half; ++i) {
        double phase = -2.0 * ES__FE_PI * (double)i / (double)half;
        fe->fft_twiddles[2 * i] = (int16_t)floor(0.5 + 32767.0 * cos(phase));
        fe->fft_twiddles[2 * i + 1] = (int16_t)floor(0.5 + 32767.0 * sin(phase));
    }
    for (int i = 0; i < half / 2; ++i) {
        double phase = -ES__FE_PI * ((double)(i + 1) / (double)half + 0.5);
        fe->fft_super_twiddles[2 * i] = (int16_t)floor(0.5 + 32767.0 * cos(phase));
        fe->fft_super_twiddles[2 * i + 1] = (int16_t)floor(0.5 + 32767.0 * sin(phase));
    }

    /* Radix plan: fours first, then a single two when the length needs it. */
    int n = half;
    int stages = 0;
    while (n > 1) {
        int p = (n % 4 == 0) ? 4 : 2;
        n /= p;
        fe->fft_factors[2 * stages] = p;
        fe->fft_factors[2 * stages + 1] = n;
        ++stages;
    }
    fe->fft_stages = stages;
}

void es__fft_real(es_frontend_t *fe)
{
    const int half = fe->fft_size / 2;
    const int32_t recip2 = 32767 / 2;
    int16_t *z = fe->fft_scratch;
    int16_t *out = fe->fft_output;
    const int16_t *stw = fe->fft_super_twiddles;

    /* Even samples as real parts, odd samples as imaginary parts. */
    fft_pass(z, fe->fft_input, 1u, fe->fft_factors, fe->fft_twiddles);

    {
        int16_t dc_even = scale_down(z[0], recip2);
        int16_t dc_odd = scale_down(z[1], recip2);
        out[0] = add16(dc_even, dc_odd);
        out[1] = 0;
        out[2 * half] = sub16(dc_even, dc_odd);
        out[2 * half + 1] = 0;
    }

    for (int k = 1; k <= half / 2; ++k) {
        const int j = half - k;
        /* X[k] and conj(X[half - k]), both halved */
        int16_t ar = scale_down(z[2 * k], recip2);
        int16_t ai = scale_down(z[2 * k + 1], recip2);
        int16_t br = scale_down(z[2 * j], recip2);
        int16_t bi = scale_down(es__wrap16(-(int32_t)z[2 * j + 1]), recip2);

        int16_t sum_r = add16(ar, br), sum_i = add16(ai, bi);
        int16_t dif_r = sub16(ar, br), dif_i = sub16(ai, bi);
        int16_t rot_r, rot_i;
        cmul(&rot_r, &rot_i, dif_r, dif_i, stw[2 * (k - 1)], stw[2 * (k - 1) + 1]);

        out[2 * k] = (int16_t)(((int32_t)sum_r + rot_r) >> 1);
        out[2 * k + 1] = (int16_t)(((int32_t)sum_i + rot_i) >> 1);
        out[2 * j] = (int16_t)(((int32_t)sum_r - rot_r) >> 1);
        out[2 * j + 1] = (int16_t)(((int32_t)rot_i - sum_i) >> 1);
    }
}
