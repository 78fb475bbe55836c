/* Neural-network operators: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED,
 * LOGISTIC, SOFTMAX, QUANTIZE. Prepare resolves shapes and quantization into a
 * HAL parameter struct; invoke fills in data pointers and calls the backend. */
#include <math.h>
#include <string.h>

#include "earshot/hal.h"
#include "kernels.h"

/* TFLite ComputePaddingHeightWidth for one dimension. */
static int same_padding(int in, int k, int stride, int dil, int out)
{
    int eff = (k - 1) * dil + 1;
    int total = (out - 1) * stride + eff - in;
    return total > 0 ? total / 2 : 0;
}

static int out_size(int padding, int in, int k, int stride, int dil)
{
    int eff = (k - 1) * dil + 1;
    return padding == 0 ? (in + stride - 1) / stride : (in - eff + stride) / stride;
}

/* Per-channel requantization multipliers of a conv-like op. */
static es_status_t channel_multipliers(es_interp_t *it, es_node_t *n, const es_tensor_t *in, const es_tensor_t *w,
                                       const es_tensor_t *out, int channels, int32_t **mult, int32_t **shift)
{
    if (w->n_scales != 1 && w->n_scales != channels) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "filter scale count is neither 1 nor the channel count");
    }
    *mult = (int32_t *)es__persist(it, sizeof(int32_t) * (size_t)channels);
    *shift = (int32_t *)es__persist(it, sizeof(int32_t) * (size_t)channels);
    if (!*mult || !*shift) {
        return es__fail(it, n, ES_ERR_NO_MEMORY, "arena too small for quantization parameters");
    }
    for (int c = 0; c < channels; c++) {
        float ws = w->scale;
        if (w->n_scales > 1) {
            uint32_t u = es__rd_u32(it->model->data + w->scales_pos + 4u * (uint32_t)c);
            memcpy(&ws, &u, sizeof ws);
        }
        double real = (double)in->scale * (double)ws / (double)out->scale;
        es_quantize_multiplier(real, &(*mult)[c], &(*shift)[c]);
    }
    return ES_OK;
}

static es_status_t check_s8(es_interp_t *it, es_node_t *n, const es_tensor_t *t, const char *msg)
{
    if (!t || t->type != ES_DTYPE_INT8 || t->n_scales == 0) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, msg);
    }
    return ES_OK;
}

static es_status_t conv_common_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n, int depthwise)
{
    es_tensor_t *in = es__in(sg, n, 0), *w = es__in(sg, n, 1), *bias = es__in(sg, n, 2), *out = es__out(sg, n, 0);
    es_status_t st;
    if ((st = check_s8(it, n, in, depthwise ? "DEPTHWISE_CONV_2D input must be quantized int8"
                                            : "CONV_2D input must be quantized int8")) != ES_OK ||
        (st = check_s8(it, n, w, "convolution filter must be quantized int8")) != ES_OK ||
        (st = check_s8(it, n, out, "convolution output must be quantized int8")) != ES_OK) {
        return st;
    }
    if (!w->is_const) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "convolution filter must be constant");
    }
    if (in->ndim != 4 || w->ndim != 4 || out->ndim != 4) {
        return es__fail(it, n, ES_ERR_SHAPE, "convolution tensors must be 4-D (NHWC)");
    }
    es__fb_t fb;
    es__fb_table_t t;
    uint8_t padding = 0, act = 0;
    int32_t sw = 1, sh = 1, dw = 1, dh = 1, dm = 1;
    if (es__options(it, n, &fb, &t) != 0) {
        return es__fail(it, n, ES_ERR_MODEL, "convolution options missing");
    }
    if (depthwise) {
        if (es__fb_u8(&fb, &t, 0, 0, &padding) || es__fb_i32(&fb, &t, 1, 0, &sw) || es__fb_i32(&fb, &t, 2, 0, &sh) ||
            es__fb_i32(&fb, &t, 3, 0, &dm) || es__fb_u8(&fb, &t, 4, 0, &act) || es__fb_i32(&fb, &t, 5, 1, &dw) ||
            es__fb_i32(&fb, &t, 6, 1, &dh)) {
            return es__fail(it, n, ES_ERR_MODEL, "DEPTHWISE_CONV_2D options malformed");
        }
    } else {
        if (es__fb_u8(&fb, &t, 0, 0, &padding) || es__fb_i32(&fb, &t, 1, 0, &sw) || es__fb_i32(&fb, &t, 2, 0, &sh) ||
            es__fb_u8(&fb, &t, 3, 0, &act) || es__fb_i32(&fb, &t, 4, 1, &dw) || es__fb_i32(&fb, &t, 5, 1, &dh)) {
            return es__fail(it, n, ES_ERR_MODEL, "CONV_2D options malformed");
        }
    }
    if (padding > 1 || sw < 1 || sh < 1 || dw < 1 || dh < 1 || sw > 1024 || sh > 1024 || dw > 1024 || dh > 1024) {
        return es__fail(it, n, ES_ERR_MODEL, "convolution padding, stride or dilation out of range");
    }
    es_conv_params_t *p = (es_conv_params_t *)es__persist(it, sizeof *p);
    if (!p) {
        return es__fail(it, n, ES_ERR_NO_MEMORY, "arena full");
    }
    p->batches = in->dims[0];
    p->in_h = in->dims[1];
    p->in_w = in->dims[2];
    p->in_c = in->dims[3];
    p->out_h = out->dims[1];
    p->out_w = out->dims[2];
    p->out_c = out->dims[3];
    p->k_h = w->dims[1];
    p->k_w = w->dims[2];
    p->stride_h = sh;
    p->stride_w = sw;
    p->dil_h = dh;
    p->dil_w = dw;
    if (out->dims[0] != p->batches) {
        return es__fail(it, n, ES_ERR_SHAPE, "convolution batch differs between input and output");
    }
    if (depthwise) {
        if (w->dims[0] != 1 || w->dims[3] != p->out_c || p->in_c == 0 || p->out_c % p->in_c != 0) {
            return es__fail(it, n, ES_ERR_SHAPE, "DEPTHWISE_CONV_2D filter shape disagrees with channels");
        }
        p->depth_multiplier = p->out_c / p->in_c;
    } else {
        if (w->dims[0] != p->out_c || w->dims[3] != p->in_c) {
            return es__fail(it, n, ES_ERR_SHAPE, "CONV_2D filter shape disagrees with channels (grouped conv unsupported)");
        }
        p->depth_multiplier = 1;
    }
    if (out_size(padding, p->in_h, p->k_h, sh, dh) != p->out_h || out_size(padding, p->in_w, p->k_w, sw, dw) != p->out_w) {
        return es__fail(it, n, ES_ERR_SHAPE, "convolution output size disagrees with padding and stride");
    }
    /* int32 accumulators stay exact up to 65536 taps of |w * (x - zp)| <= 128 * 255 */
    if ((int64_t)p->k_h * p->k_w * (depthwise ? 1 : p->in_c) > 65536) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "convolution window larger than 65536 taps");
    }
    p->pad_h = padding == 0 ? same_padding(p->in_h, p->k_h, sh, dh, p->out_h) : 0;
    p->pad_w = padding == 0 ? same_padding(p->in_w, p->k_w, sw, dw, p->out_w) : 0;
    if (bias) {
        if (bias->type != ES_DTYPE_INT32 || !bias->is_const || es__numel(bias) != (size_t)p->out_c) {
            return es__fail(it, n, ES_ERR_UNSUPPORTED, "convolution bias must be constant int32 of out channels");
        }
    }
    if (w->zero_point != 0) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "convolution filter must be symmetric (zero point 0)");
    }
    p->input_offset = -in->zero_point;
    p->output_offset = out->zero_point;
    if (es__act_range(act, out, &p->act_min, &p->act_max) != ES_OK) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "convolution fused activation unsupported");
    }
    int32_t *mult = NULL, *shift = NULL;
    if ((st = channel_multipliers(it, n, in, w, out, p->out_c, &mult, &shift)) != ES_OK) {
        return st;
    }
    p->out_mult = mult;
    p->out_shift = shift;
    /* TFLite's optimized depthwise kernel rounds ties up in its 8-channel SIMD blocks
     * and away from zero in the channel tail; its reference kernels and TFLM always
     * away from zero. Its optimized CONV_2D agreed with both on every case seen. */
    if (depthwise && it->compat == ES_COMPAT_TFLITE) {
        p->rounding = ES_ROUND_HALF_UP;
        p->rounding_channels = p->out_c / 8 * 8;
    } else {
        p->rounding = ES_ROUND_DOUBLE;
        p->rounding_channels = p->out_c;
    }
    size_t scratch = depthwise ? (it->hal->dwconv_s8_scratch_size ? it->hal->dwconv_s8_scratch_size(p) : 0)
                               : (it->hal->conv_s8_scratch_size ? it->hal->conv_s8_scratch_size(p) : 0);
    n->scratch_bytes = (uint32_t)scratch;
    if ((depthwise && !it->hal->dwconv_s8) || (!depthwise && !it->hal->conv_s8)) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED_OP, "backend lacks this convolution");
    }
    n->user = p;
    return ES_OK;
}

static void conv_bind(es_interp_t *it, es_subgraph_t *sg, es_node_t *n, es_conv_params_t *p)
{
    es_tensor_t *bias = es__in(sg, n, 2);
    p->input = (const int8_t *)es__in(sg, n, 0)->data;
    p->filter = (const int8_t *)es__in(sg, n, 1)->data;
    p->bias = bias ? (const int32_t *)bias->data : NULL;
    p->output = (int8_t *)es__out(sg, n, 0)->data;
    p->scratch = it->scratch;
}

es_status_t es__conv_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    return conv_common_prepare(it, sg, n, 0);
}

es_status_t es__conv_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es_conv_params_t *p = (es_conv_params_t *)n->user;
    conv_bind(it, sg, n, p);
    return it->hal->conv_s8(p);
}

es_status_t es__dwconv_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    return conv_common_prepare(it, sg, n, 1);
}

es_status_t es__dwconv_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es_conv_params_t *p = (es_conv_params_t *)n->user;
    conv_bind(it, sg, n, p);
    return it->hal->dwconv_s8(p);
}

/* ---- FULLY_CONNECTED ---- */

es_status_t es__fc_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es_tensor_t *in = es__in(sg, n, 0), *w = es__in(sg, n, 1), *bias = es__in(sg, n, 2), *out = es__out(sg, n, 0);
    es_status_t st;
    if ((st = check_s8(it, n, in, "FULLY_CONNECTED input must be quantized int8")) != ES_OK ||
        (st = check_s8(it, n, w, "FULLY_CONNECTED weights must be quantized int8")) != ES_OK ||
        (st = check_s8(it, n, out, "FULLY_CONNECTED output must be quantized int8")) != ES_OK) {
        return st;
    }
    if (!w->is_const || w->ndim != 2) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "FULLY_CONNECTED weights must be constant 2-D");
    }
    es__fb_t fb;
    es__fb_table_t t;
    uint8_t act = 0, fmt = 0;
    if (es__options(it, n, &fb, &t) == 0) {
        if (es__fb_u8(&fb, &t, 0, 0, &act) || es__fb_u8(&fb, &t, 1, 0, &fmt)) {
            return es__fail(it, n, ES_ERR_MODEL, "FULLY_CONNECTED options malformed");
        }
    }
    if (fmt != 0) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "FULLY_CONNECTED shuffled weights format");
    }
    es_fc_params_t *p = (es_fc_params_t *)es__persist(it, sizeof *p);
    if (!p) {
        return es__fail(it, n, ES_ERR_NO_MEMORY, "arena full");
    }
    p->out_depth = w->dims[0];
    p->in_depth = w->dims[1];
    size_t numel = es__numel(in);
    if (p->in_depth <= 0 || numel % (size_t)p->in_depth != 0) {
        return es__fail(it, n, ES_ERR_SHAPE, "FULLY_CONNECTED input size is not a multiple of the weights' depth");
    }
    if (p->in_depth > 65536) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "FULLY_CONNECTED input depth larger than 65536");
    }
    p->batches = (int)(numel / (size_t)p->in_depth);
    if (es__numel(out) != (size_t)p->batches * (size_t)p->out_depth) {
        return es__fail(it, n, ES_ERR_SHAPE, "FULLY_CONNECTED output size disagrees with batches x units");
    }
    if (bias && (bias->type != ES_DTYPE_INT32 || !bias->is_const || es__numel(bias) != (size_t)p->out_depth)) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "FULLY_CONNECTED bias must be constant int32 of units");
    }
    p->input_offset = -in->zero_point;
    p->filter_offset = -w->zero_point;
    p->output_offset = out->zero_point;
    if (es__act_range(act, out, &p->act_min, &p->act_max) != ES_OK) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "FULLY_CONNECTED fused activation unsupported");
    }
    int32_t *mult = NULL, *shift = NULL;
    p->per_channel = w->n_scales > 1;
    if ((st = channel_multipliers(it, n, in, w, out, p->per_channel ? p->out_depth : 1, &mult, &shift)) != ES_OK) {
        return st;
    }
    p->out_mult = mult;
    p->out_shift = shift;
    p->rounding = it->compat == ES_COMPAT_TFLITE       ? ES_ROUND_HALF_UP
                  : it->compat == ES_COMPAT_TFLITE_REF ? ES_ROUND_SINGLE
                                                       : ES_ROUND_DOUBLE;
    if (!it->hal->fc_s8) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED_OP, "backend lacks FULLY_CONNECTED");
    }
    n->scratch_bytes = (uint32_t)(it->hal->fc_s8_scratch_size ? it->hal->fc_s8_scratch_size(p) : 0);
    n->user = p;
    return ES_OK;
}

es_status_t es__fc_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es_fc_params_t *p = (es_fc_params_t *)n->user;
    es_tensor_t *bias = es__in(sg, n, 2);
    p->input = (const int8_t *)es__in(sg, n, 0)->data;
    p->filter = (const int8_t *)es__in(sg, n, 1)->data;
    p->bias = bias ? (const int32_t *)bias->data : NULL;
    p->output = (int8_t *)es__out(sg, n, 0)->data;
    p->scratch = it->scratch;
    return it->hal->fc_s8(p);
}

/* ---- LOGISTIC, SOFTMAX ---- */

/* int8 in, int8 probability out (scale 1/256, zero point -128), same size. */
static es_status_t check_probability_op(es_interp_t *it, es_node_t *n, const es_tensor_t *in, const es_tensor_t *out)
{
    es_status_t st;
    if ((st = check_s8(it, n, in, "LOGISTIC/SOFTMAX support quantized int8 only")) != ES_OK ||
        (st = check_s8(it, n, out, "LOGISTIC/SOFTMAX support quantized int8 only")) != ES_OK) {
        return st;
    }
    if (out->scale != 1.0f / 256.0f || out->zero_point != -128 || es__numel(in) != es__numel(out)) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "LOGISTIC/SOFTMAX output must have scale 1/256 and zero point -128");
    }
    return ES_OK;
}

es_status_t es__logistic_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es_tensor_t *in = es__in(sg, n, 0), *out = es__out(sg, n, 0);
    es_status_t st = check_probability_op(it, n, in, out);
    if (st != ES_OK) {
        return st;
    }
    es_lut_params_t *p = (es_lut_params_t *)es__persist(it, sizeof *p);
    int8_t *table = (int8_t *)es__persist(it, 256);
    if (!p || !table) {
        return es__fail(it, n, ES_ERR_NO_MEMORY, "arena full");
    }
    if (!it->hal->lut_s8 || !it->hal->logistic_s8) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED_OP, "backend lacks LOGISTIC");
    }
    if (it->compat == ES_COMPAT_TFLM) {
        /* TFLM's fixed-point logistic, evaluated once for each of the 256 inputs. */
        int8_t x[256];
        for (int v = 0; v < 256; v++) {
            x[v] = (int8_t)(v - 128);
        }
        es_logistic_params_t lp;
        memset(&lp, 0, sizeof lp);
        es_logistic_s8_setup((double)in->scale, &lp);
        if (lp.input_left_shift < -31 || lp.input_left_shift > 30) {
            return es__fail(it, n, ES_ERR_UNSUPPORTED, "LOGISTIC input scale out of the fixed-point range");
        }
        lp.input_zp = in->zero_point;
        lp.count = 256;
        lp.input = x;
        lp.output = table;
        if ((st = it->hal->logistic_s8(&lp)) != ES_OK) {
            return es__fail(it, n, st, "LOGISTIC table");
        }
    } else {
        es_logistic_s8_float_table(in->scale, in->zero_point, table);
    }
    p->table = table;
    p->count = es__numel(in);
    n->user = p;
    return ES_OK;
}

es_status_t es__logistic_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es_lut_params_t *p = (es_lut_params_t *)n->user;
    p->input = (const int8_t *)es__in(sg, n, 0)->data;
    p->output = (int8_t *)es__out(sg, n, 0)->data;
    return it->hal->lut_s8(p);
}

/* ---- SOFTMAX ---- */

es_status_t es__softmax_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es_tensor_t *in = es__in(sg, n, 0), *out = es__out(sg, n, 0);
    es_status_t st = check_probability_op(it, n, in, out);
    if (st != ES_OK) {
        return st;
    }
    if (in->ndim < 1) {
        return es__fail(it, n, ES_ERR_SHAPE, "SOFTMAX of a scalar");
    }
    es__fb_t fb;
    es__fb_table_t t;
    float beta = 1.0f;
    if (es__options(it, n, &fb, &t) == 0 && es__fb_f32(&fb, &t, 0, 1.0f, &beta) != 0) {
        return es__fail(it, n, ES_ERR_MODEL, "SOFTMAX options malformed");
    }
    if (!(beta > 0.0f && beta * in->scale < 1e30f)) { /* also rejects NaN and infinity */
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "SOFTMAX beta must be positive and finite");
    }
    es_softmax_params_t *p = (es_softmax_params_t *)es__persist(it, sizeof *p);
    if (!p || !it->hal->softmax_s8) {
        return es__fail(it, n, p ? ES_ERR_UNSUPPORTED_OP : ES_ERR_NO_MEMORY, "SOFTMAX prepare failed");
    }
    es_softmax_s8_setup((double)beta, (double)in->scale, p);
    if (it->compat == ES_COMPAT_TFLITE) {
        float *table = (float *)es__persist(it, 256 * sizeof(float));
        if (!table) {
            return es__fail(it, n, ES_ERR_NO_MEMORY, "arena full");
        }
        es_softmax_s8_float_table(beta, in->scale, table);
        p->exp_table = table;
    }
    p->depth = in->dims[in->ndim - 1];
    p->outer = p->depth ? (int)(es__numel(in) / (size_t)p->depth) : 0;
    n->user = p;
    return ES_OK;
}

es_status_t es__softmax_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es_softmax_params_t *p = (es_softmax_params_t *)n->user;
    p->input = (const int8_t *)es__in(sg, n, 0)->data;
    p->output = (int8_t *)es__out(sg, n, 0)->data;
    return it->hal->softmax_s8(p);
}

/* ---- QUANTIZE (requantize between int8 / uint8) ---- */

es_status_t es__quantize_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es_tensor_t *in = es__in(sg, n, 0), *out = es__out(sg, n, 0);
    if (!in || !out || es__numel(in) != es__numel(out)) {
        return es__fail(it, n, ES_ERR_SHAPE, "QUANTIZE input and output sizes differ");
    }
    int in_ok = in->type == ES_DTYPE_INT8 || in->type == ES_DTYPE_UINT8;
    int out_ok = out->type == ES_DTYPE_INT8 || out->type == ES_DTYPE_UINT8;
    if (!in_ok || !out_ok || in->n_scales == 0 || out->n_scales == 0) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "QUANTIZE supports int8/uint8 to int8/uint8 only");
    }
    es_requant_params_t *p = (es_requant_params_t *)es__persist(it, sizeof *p);
    if (!p || !it->hal->requant) {
        return es__fail(it, n, p ? ES_ERR_UNSUPPORTED_OP : ES_ERR_NO_MEMORY, "QUANTIZE prepare failed");
    }
    p->count = es__numel(in);
    p->in_unsigned = in->type == ES_DTYPE_UINT8;
    p->out_unsigned = out->type == ES_DTYPE_UINT8;
    p->input_zp = in->zero_point;
    p->output_zp = out->zero_point;
    es_quantize_multiplier((double)in->scale / (double)out->scale, &p->mult, &p->shift);
    n->user = p;
    return ES_OK;
}

es_status_t es__quantize_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es_requant_params_t *p = (es_requant_params_t *)n->user;
    p->input = es__in(sg, n, 0)->data;
    p->output = es__out(sg, n, 0)->data;
    return it->hal->requant(p);
}
