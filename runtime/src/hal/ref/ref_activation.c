/**
 * @file ref_activation.c
 * @brief Reference int8 LOGISTIC and SOFTMAX (TFLite integer semantics).
 *
 * Both operators follow the fixed-point formulation of TFLite's reference
 * integer kernels (as used by TFLite Micro): the input difference is scaled
 * into a Q4.27 (logistic) or Q5.26 (softmax) value, the transcendental parts
 * are evaluated with gemmlowp-style fixed-point arithmetic, and the result is
 * brought to the int8 output grid of scale 1/256 and zero point -128.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "earshot/hal.h"
#include "ref_fixedpoint.h"

#include "ref.h"

/* Integer bits of the fixed-point input of the logistic core (Q4.27). */
#define LOGISTIC_INPUT_INT_BITS 4
/* Integer bits of the scaled input difference of softmax (Q5.26). */
#define SOFTMAX_DIFF_INT_BITS 5
/* Integer bits of the softmax sum of exponentials (Q12.19). */
#define SOFTMAX_ACCUM_INT_BITS 12

/* ---- prepare-time helpers ---- */

/*
 * Largest |input| whose product with 2^left_shift still fits the
 * Q(int_bits) range of a 32-bit value: floor((2^int_bits - 1) *
 * 2^(31 - int_bits) / 2^left_shift).
 */
static int32_t act_input_radius(int int_bits, int left_shift)
{
    const double top = (double)(((int64_t)1 << int_bits) - 1) *
                       (double)((int64_t)1 << (31 - int_bits));
    const double r = floor(ldexp(top, -left_shift));
    if (r >= 2147483647.0) {
        return INT32_MAX;
    }
    return (int32_t)r;
}

static int8_t act_clamp_s8(int32_t v)
{
    if (v < -128) {
        return (int8_t)-128;
    }
    if (v > 127) {
        return (int8_t)127;
    }
    return (int8_t)v;
}

/* ---- LOGISTIC ---- */

void es_logistic_s8_setup(double input_scale, es_logistic_params_t *p)
{
    if (p == NULL) {
        return;
    }
    /*
     * One input step expressed in Q4.27 units. TFLite Micro splits it with
     * frexp and a rounded 31-bit significand; the exponent becomes the
     * (possibly negative) shift applied before the doubling high multiply.
     */
    const double real = input_scale * (double)((int64_t)1 << (31 - LOGISTIC_INPUT_INT_BITS));
    int32_t mult = 0;
    int shift = 0;
    if (real > 0.0) {
        const double frac = frexp(real, &shift);
        int64_t m = (int64_t)round(frac * 2147483648.0);
        if (m == ((int64_t)1 << 31)) {
            /* The reference would overflow int32 here; keep the value exact. */
            m /= 2;
            ++shift;
        }
        mult = (int32_t)m;
    }
    p->input_mult = mult;
    p->input_left_shift = shift;
    p->input_range_radius = act_input_radius(LOGISTIC_INPUT_INT_BITS, shift);
}

es_status_t es__ref_logistic_s8(const es_logistic_params_t *p)
{
    if (p == NULL || (p->count > 0 && (p->input == NULL || p->output == NULL))) {
        return ES_ERR_ARG;
    }
    const int shift = (int)p->input_left_shift;
    for (size_t i = 0; i < p->count; ++i) {
        const int32_t x = (int32_t)p->input[i] - p->input_zp;
        if (x <= -p->input_range_radius) {
            p->output[i] = (int8_t)-128;
        } else if (x >= p->input_range_radius) {
            p->output[i] = (int8_t)127;
        } else {
            const int32_t x_q4 = es_mul_by_quantized_mult(x, p->input_mult, shift);
            const int32_t y_q0 = es__fp_logistic(x_q4, LOGISTIC_INPUT_INT_BITS);
            /* Q0.31 -> multiples of 1/256, then onto the int8 grid (zp -128). */
            const int32_t y = es__fp_rdbypot(y_q0, 31 - 8);
            p->output[i] = act_clamp_s8(y - 128);
        }
    }
    return ES_OK;
}

/* ---- SOFTMAX ---- */

void es_softmax_s8_setup(double beta, double input_scale, es_softmax_params_t *p)
{
    if (p == NULL) {
        return;
    }
    /*
     * beta * scale in Q5.26 units, capped to the int32 range; both factors
     * are widened to double before the product, as TFLite does.
     */
    double real = beta * input_scale * (double)((int64_t)1 << (31 - SOFTMAX_DIFF_INT_BITS));
    if (real > 2147483647.0) {
        real = 2147483647.0;
    }
    int32_t mult = 0, shift = 0;
    es_quantize_multiplier(real, &mult, &shift);
    p->input_mult = mult;
    p->input_left_shift = shift;
    p->diff_min = -act_input_radius(SOFTMAX_DIFF_INT_BITS, (int)shift);
}

/* exp(beta * scale * diff) in Q0.31 for a non-positive input difference. */
static int32_t softmax_exp(int32_t diff, const es_softmax_params_t *p)
{
    const int32_t scaled = es_mul_by_quantized_mult(diff, p->input_mult, (int)p->input_left_shift);
    return es__fp_exp_on_negative_values(scaled, SOFTMAX_DIFF_INT_BITS);
}

/* TFLite's optimized int8 softmax: float exponent table, float normalisation. */
static es_status_t softmax_float(const es_softmax_params_t *p)
{
    const size_t depth = (size_t)p->depth;
    for (size_t row = 0; row < (size_t)p->outer; ++row) {
        const int8_t *in = p->input + row * depth;
        int8_t *out = p->output + row * depth;
        int32_t top = -128;
        for (size_t c = 0; c < depth; ++c) {
            if (in[c] > top) {
                top = in[c];
            }
        }
        const float *table = p->exp_table + 255 - top; /* table[x] = exp(-k (top - x)) */
        float sum = 0.0f;
        for (size_t c = 0; c < depth; ++c) {
            sum += table[in[c]];
        }
        const float inv = 1.0f / (sum * (1.0f / 256.0f));
        for (size_t c = 0; c < depth; ++c) {
            const int32_t q = (int32_t)roundf(table[in[c]] * inv) - 128;
            out[c] = act_clamp_s8(q);
        }
    }
    return ES_OK;
}

es_status_t es__ref_softmax_s8(const es_softmax_params_t *p)
{
    if (p == NULL || p->outer < 0 || p->depth < 0) {
        return ES_ERR_ARG;
    }
    if (p->outer > 0 && p->depth > 0 && (p->input == NULL || p->output == NULL)) {
        return ES_ERR_ARG;
    }
    if (p->exp_table != NULL) {
        return softmax_float(p);
    }
    if (p->input_left_shift < 0 || p->input_left_shift > 31) {
        /* beta * scale too small for the Q5.26 scaling; TFLite rejects it too. */
        return ES_ERR_UNSUPPORTED;
    }
    const size_t depth = (size_t)p->depth;
    for (size_t row = 0; row < (size_t)p->outer; ++row) {
        const int8_t *in = p->input + row * depth;
        int8_t *out = p->output + row * depth;

        int32_t top = -128;
        for (size_t c = 0; c < depth; ++c) {
            if (in[c] > top) {
                top = in[c];
            }
        }

        /* Sum of exponentials in Q12.19; the reference lets it wrap. */
        int32_t sum = 0;
        for (size_t c = 0; c < depth; ++c) {
            const int32_t diff = (int32_t)in[c] - top;
            if (diff >= p->diff_min) {
                const int32_t e = softmax_exp(diff, p);
                sum = es__fp_add(sum, es__fp_rescale(e, 0, SOFTMAX_ACCUM_INT_BITS));
            }
        }

        int over_unit = 0;
        const int32_t recip = es__fp_get_reciprocal(sum, SOFTMAX_ACCUM_INT_BITS, &over_unit);
        /* recip * exp is a Q0.31 probability scaled by 2^over_unit; 8 output bits. */
        const int out_shift = over_unit + 31 - 8;
        if (out_shift < 0 || out_shift > 31) {
            return ES_ERR_UNSUPPORTED;
        }

        for (size_t c = 0; c < depth; ++c) {
            const int32_t diff = (int32_t)in[c] - top;
            if (diff >= p->diff_min) {
                const int32_t e = softmax_exp(diff, p);
                const int32_t q = es__fp_rdbypot(es__fp_srdhm(recip, e), out_shift);
                out[c] = act_clamp_s8(q - 128);
            } else {
                out[c] = (int8_t)-128;
            }
        }
    }
    return ES_OK;
}
