/* Reference backend: plain C int8 kernels with TFLite reference semantics. */
#include <math.h>

#include "earshot/hal.h"
#include "ref.h"
#include "ref_fixedpoint.h"

void es_quantize_multiplier(double real, int32_t *mult, int32_t *shift)
{
    if (real == 0.0 || !(real > 0.0) || isinf(real)) {
        *mult = 0;
        *shift = 0;
        return;
    }
    int e = 0;
    double q = frexp(real, &e);
    int64_t fixed = (int64_t)round(q * 2147483648.0);
    if (fixed == ((int64_t)1 << 31)) {
        fixed /= 2;
        e++;
    }
    if (e < -31) {
        e = 0;
        fixed = 0;
    }
    if (e > 30) {
        e = 30;
        fixed = ((int64_t)1 << 31) - 1;
    }
    *mult = (int32_t)fixed;
    *shift = (int32_t)e;
}

int32_t es_mul_by_quantized_mult(int32_t x, int32_t mult, int32_t shift)
{
    return es__requant(x, mult, shift, ES_ROUND_DOUBLE);
}

int32_t es_mul_by_quantized_mult_single(int32_t x, int32_t mult, int32_t shift)
{
    return es__requant(x, mult, shift, ES_ROUND_SINGLE);
}

int32_t es_requantize(int32_t x, int32_t mult, int32_t shift, es_rounding_t r)
{
    return es__requant(x, mult, shift, r);
}

static inline int32_t clamp32(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static es_status_t ref_conv_s8(const es_conv_params_t *p)
{
    const int in_c = p->in_c, out_c = p->out_c;
    for (int b = 0; b < p->batches; b++) {
        for (int oy = 0; oy < p->out_h; oy++) {
            const int y0 = oy * p->stride_h - p->pad_h;
            for (int ox = 0; ox < p->out_w; ox++) {
                const int x0 = ox * p->stride_w - p->pad_w;
                int8_t *dst = p->output + (((size_t)b * (size_t)p->out_h + (size_t)oy) * (size_t)p->out_w + (size_t)ox) * (size_t)out_c;
                for (int oc = 0; oc < out_c; oc++) {
                    int32_t acc = 0;
                    for (int ky = 0; ky < p->k_h; ky++) {
                        const int iy = y0 + ky * p->dil_h;
                        if (iy < 0 || iy >= p->in_h) {
                            continue;
                        }
                        for (int kx = 0; kx < p->k_w; kx++) {
                            const int ix = x0 + kx * p->dil_w;
                            if (ix < 0 || ix >= p->in_w) {
                                continue;
                            }
                            const int8_t *src = p->input + (((size_t)b * (size_t)p->in_h + (size_t)iy) * (size_t)p->in_w + (size_t)ix) * (size_t)in_c;
                            const int8_t *w = p->filter + (((size_t)oc * (size_t)p->k_h + (size_t)ky) * (size_t)p->k_w + (size_t)kx) * (size_t)in_c;
                            for (int ic = 0; ic < in_c; ic++) {
                                acc += (int32_t)w[ic] * ((int32_t)src[ic] + p->input_offset);
                            }
                        }
                    }
                    if (p->bias) {
                        acc = es__add_wrap(acc, p->bias[oc]);
                    }
                    dst[oc] = (int8_t)es__requant_out(acc, p->out_mult[oc], p->out_shift[oc],
                                                      oc < p->rounding_channels ? (int)p->rounding : (int)ES_ROUND_DOUBLE,
                                                      p->output_offset, p->act_min, p->act_max);
                }
            }
        }
    }
    return ES_OK;
}

static es_status_t ref_dwconv_s8(const es_conv_params_t *p)
{
    const int in_c = p->in_c, out_c = p->out_c, dm = p->depth_multiplier;
    for (int b = 0; b < p->batches; b++) {
        for (int oy = 0; oy < p->out_h; oy++) {
            const int y0 = oy * p->stride_h - p->pad_h;
            for (int ox = 0; ox < p->out_w; ox++) {
                const int x0 = ox * p->stride_w - p->pad_w;
                int8_t *dst = p->output + (((size_t)b * (size_t)p->out_h + (size_t)oy) * (size_t)p->out_w + (size_t)ox) * (size_t)out_c;
                for (int ic = 0; ic < in_c; ic++) {
                    for (int m = 0; m < dm; m++) {
                        const int oc = ic * dm + m;
                        int32_t acc = 0;
                        for (int ky = 0; ky < p->k_h; ky++) {
                            const int iy = y0 + ky * p->dil_h;
                            if (iy < 0 || iy >= p->in_h) {
                                continue;
                            }
                            for (int kx = 0; kx < p->k_w; kx++) {
                                const int ix = x0 + kx * p->dil_w;
                                if (ix < 0 || ix >= p->in_w) {
                                    continue;
                                }
                                int32_t v = p->input[(((size_t)b * (size_t)p->in_h + (size_t)iy) * (size_t)p->in_w + (size_t)ix) * (size_t)in_c + (size_t)ic];
                                int32_t w = p->filter[((size_t)ky * (size_t)p->k_w + (size_t)kx) * (size_t)out_c + (size_t)oc];
                                acc += w * (v + p->input_offset);
                            }
                        }
                        if (p->bias) {
                            acc = es__add_wrap(acc, p->bias[oc]);
                        }
                        dst[oc] = (int8_t)es__requant_out(acc, p->out_mult[oc], p->out_shift[oc],
                                                          oc < p->rounding_channels ? (int)p->rounding
                                                                                    : (int)ES_ROUND_DOUBLE,
                                                          p->output_offset, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
    return ES_OK;
}

static es_status_t ref_fc_s8(const es_fc_params_t *p)
{
    for (int b = 0; b < p->batches; b++) {
        const int8_t *x = p->input + (size_t)b * (size_t)p->in_depth;
        for (int o = 0; o < p->out_depth; o++) {
            const int8_t *w = p->filter + (size_t)o * (size_t)p->in_depth;
            int32_t acc = 0;
            for (int d = 0; d < p->in_depth; d++) {
                acc += ((int32_t)w[d] + p->filter_offset) * ((int32_t)x[d] + p->input_offset);
            }
            if (p->bias) {
                acc = es__add_wrap(acc, p->bias[o]);
            }
            int c = p->per_channel ? o : 0;
            p->output[(size_t)b * (size_t)p->out_depth + (size_t)o] = (int8_t)es__requant_out(
                acc, p->out_mult[c], p->out_shift[c], (int)p->rounding, p->output_offset, p->act_min, p->act_max);
        }
    }
    return ES_OK;
}

es_status_t es__ref_requant(const es_requant_params_t *p)
{
    const int32_t lo = p->out_unsigned ? 0 : -128, hi = p->out_unsigned ? 255 : 127;
    for (size_t i = 0; i < p->count; i++) {
        int32_t v = p->in_unsigned ? (int32_t)((const uint8_t *)p->input)[i] : (int32_t)((const int8_t *)p->input)[i];
        int32_t r = es__requant_out(v - p->input_zp, p->mult, p->shift, ES_ROUND_DOUBLE, p->output_zp, lo, hi);
        if (p->out_unsigned) {
            ((uint8_t *)p->output)[i] = (uint8_t)r;
        } else {
            ((int8_t *)p->output)[i] = (int8_t)r;
        }
    }
    return ES_OK;
}


es_status_t es__ref_lut_s8(const es_lut_params_t *p)
{
    for (size_t i = 0; i < p->count; i++) {
        p->output[i] = p->table[(int32_t)p->input[i] + 128];
    }
    return ES_OK;
}

void es_logistic_s8_float_table(float input_scale, int32_t input_zp, int8_t *table)
{
    for (int32_t v = -128; v <= 127; v++) {
        float x = input_scale * (float)(v - input_zp);
        float y = 1.0f / (1.0f + expf(-x));
        int32_t q = (int32_t)roundf(y * 256.0f) - 128;
        table[v + 128] = (int8_t)clamp32(q, -128, 127);
    }
}

void es_softmax_s8_float_table(float beta, float input_scale, float *table)
{
    const float k = -input_scale * beta;
    for (int32_t d = 0; d <= 255; d++) {
        table[255 - d] = expf(k * (float)d);
    }
}

const es_hal_ops_t es_hal_ref = {
    .name = "reference",
    .conv_s8 = ref_conv_s8,
    .conv_s8_scratch_size = NULL,
    .dwconv_s8 = ref_dwconv_s8,
    .dwconv_s8_scratch_size = NULL,
    .fc_s8 = ref_fc_s8,
    .fc_s8_scratch_size = NULL,
    .requant = es__ref_requant,
    .logistic_s8 = es__ref_logistic_s8,
    .softmax_s8 = es__ref_softmax_s8,
    .lut_s8 = es__ref_lut_s8,
};
