/*
 * Portable optimized backend: the reference kernels restructured so that the
 * inner loops run over contiguous memory (which compilers vectorize), with the
 * same arithmetic. It must stay bit-exact with es_hal_ref; the tests compare
 * the two on every model and random shapes.
 */
#include <string.h>

/* On x86-64 Linux hosts, also compile the hot kernels for AVX2 and let the
 * loader pick the variant the CPU supports (same C, same results). */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__) && !defined(ES_NO_CLONES)
#define ES_HOT __attribute__((target_clones("avx2", "default")))
#else
#define ES_HOT
#endif

#include "../ref/ref.h"
#include "../ref/ref_fixedpoint.h"
#include "earshot/hal.h"

/* sum_i w[i] * (x[i] + off) over n contiguous values. */
static inline int32_t dot_off(const int8_t *restrict w, const int8_t *restrict x, int n, int32_t off)
{
    int32_t acc = 0;
    for (int i = 0; i < n; i++) {
        acc += (int32_t)w[i] * ((int32_t)x[i] + off);
    }
    return acc;
}

/* sum_i w[i] * xs[i] with xs already offset and widened. */
static inline int32_t dot_s8_s16(const int8_t *restrict w, const int16_t *restrict xs, int n)
{
    int32_t acc = 0;
    for (int i = 0; i < n; i++) {
        acc += (int32_t)w[i] * (int32_t)xs[i];
    }
    return acc;
}

static size_t opt_conv_scratch(const es_conv_params_t *p)
{
    return (size_t)p->k_h * (size_t)p->k_w * (size_t)p->in_c * sizeof(int16_t);
}

/*
 * For each output position, gather the input patch once (offset by the input
 * zero point and widened to int16; taps in the padding become 0, which is what
 * skipping them contributes), then every output channel is one contiguous dot
 * product against its filter.
 */
ES_HOT static es_status_t opt_conv_s8(const es_conv_params_t *p)
{
    int16_t *xs = (int16_t *)p->scratch;
    if (!xs) {
        return ES_ERR_STATE;
    }
    const int in_c = p->in_c, out_c = p->out_c;
    const int patch = p->k_h * p->k_w * in_c;
    const size_t row = (size_t)p->in_w * (size_t)in_c;
    for (int b = 0; b < p->batches; b++) {
        const int8_t *img = p->input + (size_t)b * (size_t)p->in_h * row;
        for (int oy = 0; oy < p->out_h; oy++) {
            const int y0 = oy * p->stride_h - p->pad_h;
            for (int ox = 0; ox < p->out_w; ox++) {
                const int x0 = ox * p->stride_w - p->pad_w;
                int16_t *dstp = xs;
                for (int ky = 0; ky < p->k_h; ky++) {
                    const int iy = y0 + ky * p->dil_h;
                    for (int kx = 0; kx < p->k_w; kx++, dstp += in_c) {
                        const int ix = x0 + kx * p->dil_w;
                        if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
                            memset(dstp, 0, (size_t)in_c * sizeof *dstp);
                            continue;
                        }
                        const int8_t *x = img + (size_t)iy * row + (size_t)ix * (size_t)in_c;
                        for (int c = 0; c < in_c; c++) {
                            dstp[c] = (int16_t)((int32_t)x[c] + p->input_offset);
                        }
                    }
                }
                int8_t *dst = p->output + (((size_t)b * (size_t)p->out_h + (size_t)oy) * (size_t)p->out_w + (size_t)ox) * (size_t)out_c;
                for (int oc = 0; oc < out_c; oc++) {
                    int32_t acc = dot_s8_s16(p->filter + (size_t)oc * (size_t)patch, xs, patch);
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

static size_t opt_dwconv_scratch(const es_conv_params_t *p)
{
    return (size_t)p->out_c * sizeof(int32_t);
}

ES_HOT static es_status_t opt_dwconv_s8(const es_conv_params_t *p)
{
    const int in_c = p->in_c, out_c = p->out_c, dm = p->depth_multiplier;
    int32_t *acc = (int32_t *)p->scratch;
    if (!acc) {
        return ES_ERR_STATE;
    }
    for (int b = 0; b < p->batches; b++) {
        for (int oy = 0; oy < p->out_h; oy++) {
            const int y0 = oy * p->stride_h - p->pad_h;
            for (int ox = 0; ox < p->out_w; ox++) {
                const int x0 = ox * p->stride_w - p->pad_w;
                for (int oc = 0; oc < out_c; oc++) {
                    acc[oc] = 0;
                }
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
                        const int8_t *restrict x = p->input + (((size_t)b * (size_t)p->in_h + (size_t)iy) * (size_t)p->in_w + (size_t)ix) * (size_t)in_c;
                        const int8_t *restrict w = p->filter + ((size_t)ky * (size_t)p->k_w + (size_t)kx) * (size_t)out_c;
                        const int32_t off = p->input_offset;
                        if (dm == 1) {
                            for (int c = 0; c < out_c; c++) {
                                acc[c] += (int32_t)w[c] * ((int32_t)x[c] + off);
                            }
                        } else {
                            for (int ic = 0; ic < in_c; ic++) {
                                const int32_t v = (int32_t)x[ic] + off;
                                for (int m = 0; m < dm; m++) {
                                    acc[ic * dm + m] += (int32_t)w[ic * dm + m] * v;
                                }
                            }
                        }
                    }
                }
                int8_t *dst = p->output + (((size_t)b * (size_t)p->out_h + (size_t)oy) * (size_t)p->out_w + (size_t)ox) * (size_t)out_c;
                for (int oc = 0; oc < out_c; oc++) {
                    const int32_t a = p->bias ? es__add_wrap(acc[oc], p->bias[oc]) : acc[oc];
                    dst[oc] = (int8_t)es__requant_out(a, p->out_mult[oc], p->out_shift[oc],
                                                      oc < p->rounding_channels ? (int)p->rounding : (int)ES_ROUND_DOUBLE,
                                                      p->output_offset, p->act_min, p->act_max);
                }
            }
        }
    }
    return ES_OK;
}

ES_HOT static es_status_t opt_fc_s8(const es_fc_params_t *p)
{
    for (int b = 0; b < p->batches; b++) {
        const int8_t *x = p->input + (size_t)b * (size_t)p->in_depth;
        for (int o = 0; o < p->out_depth; o++) {
            const int8_t *w = p->filter + (size_t)o * (size_t)p->in_depth;
            int32_t acc;
            if (p->filter_offset == 0) {
                acc = dot_off(w, x, p->in_depth, p->input_offset);
            } else {
                acc = 0;
                for (int d = 0; d < p->in_depth; d++) {
                    acc += ((int32_t)w[d] + p->filter_offset) * ((int32_t)x[d] + p->input_offset);
                }
            }
            if (p->bias) {
                acc = es__add_wrap(acc, p->bias[o]);
            }
            const int c = p->per_channel ? o : 0;
            p->output[(size_t)b * (size_t)p->out_depth + (size_t)o] = (int8_t)es__requant_out(
                acc, p->out_mult[c], p->out_shift[c], (int)p->rounding, p->output_offset, p->act_min, p->act_max);
        }
    }
    return ES_OK;
}

const es_hal_ops_t es_hal_opt = {
    .name = "portable-optimized",
    .conv_s8 = opt_conv_s8,
    .conv_s8_scratch_size = opt_conv_scratch,
    .dwconv_s8 = opt_dwconv_s8,
    .dwconv_s8_scratch_size = opt_dwconv_scratch,
    .fc_s8 = opt_fc_s8,
    .fc_s8_scratch_size = NULL,
    .requant = es__ref_requant,
    .logistic_s8 = es__ref_logistic_s8,
    .softmax_s8 = es__ref_softmax_s8,
    .lut_s8 = es__ref_lut_s8,
};
