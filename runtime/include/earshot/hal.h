/**
 * @file hal.h
 * @brief The accelerator HAL: a const table of int8 neural-network operations.
 *
 * The interpreter's kernels parse a model's operators, compute quantization
 * parameters at prepare time and then call these entry points with flat,
 * fully resolved parameter structs. A backend (portable reference C, Arm
 * Helium, an NPU driver) provides one ::es_hal_ops_t. The reference backend is
 * the specification: every other backend must be bit-exact with it.
 *
 * Entry points never allocate. Where a backend needs working memory it says
 * how much through the matching `*_scratch_size` function, which the
 * interpreter calls at prepare time; the buffer arrives as `scratch`.
 */
#ifndef EARSHOT_HAL_H
#define EARSHOT_HAL_H

#include <stddef.h>
#include <stdint.h>

#include "earshot/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** 2-D convolution or depthwise convolution over NHWC int8 tensors. */
typedef struct es_conv_params {
    int batches;
    int in_h, in_w, in_c;
    int out_h, out_w, out_c;
    int k_h, k_w;
    int stride_h, stride_w;
    int dil_h, dil_w;
    int pad_h, pad_w;          /**< top / left padding */
    int depth_multiplier;      /**< depthwise only */
    int32_t input_offset;      /**< -input zero point */
    int32_t output_offset;     /**< output zero point */
    int32_t act_min, act_max;  /**< clamp of the quantized output */
    const int32_t *out_mult;   /**< per output channel multiplier (Q31) */
    const int32_t *out_shift;  /**< per output channel shift (left > 0) */
    const int8_t *input;
    const int8_t *filter;      /**< conv: [out_c][k_h][k_w][in_c]; depthwise: [1][k_h][k_w][out_c] */
    const int32_t *bias;       /**< out_c values or NULL */
    int8_t *output;
    void *scratch;
} es_conv_params_t;

/**
 * Fully connected: output[b][o] = sum_i (in[b][i] + input_offset) * w[o][i] + bias[o],
 * requantized with es_mul_by_quantized_mult_single() as TensorFlow Lite does.
 */
typedef struct es_fc_params {
    int batches;
    int in_depth;
    int out_depth;
    int32_t input_offset;
    int32_t filter_offset;     /**< -filter zero point (0 for symmetric weights) */
    int32_t output_offset;
    int32_t act_min, act_max;
    const int32_t *out_mult;   /**< one value, or out_depth values when per_channel */
    const int32_t *out_shift;
    int per_channel;
    const int8_t *input;
    const int8_t *filter;
    const int32_t *bias;
    int8_t *output;
    void *scratch;
} es_fc_params_t;

/** Element-wise requantization between int8/uint8 tensors (QUANTIZE). */
typedef struct es_requant_params {
    size_t count;
    int in_unsigned;           /**< input is uint8 */
    int out_unsigned;          /**< output is uint8 */
    int32_t input_zp;
    int32_t output_zp;
    int32_t mult;
    int32_t shift;
    const void *input;
    void *output;
} es_requant_params_t;

/** LOGISTIC on int8, TFLite reference integer semantics (output scale 1/256, zp -128). */
typedef struct es_logistic_params {
    size_t count;
    int32_t input_zp;
    int32_t input_range_radius;
    int32_t input_mult;
    int32_t input_left_shift;
    const int8_t *input;
    int8_t *output;
} es_logistic_params_t;

/** SOFTMAX on int8 rows of length depth, TFLite reference integer semantics. */
typedef struct es_softmax_params {
    int outer;
    int depth;
    int32_t input_mult;
    int32_t input_left_shift;
    int32_t diff_min;
    const int8_t *input;
    int8_t *output;
} es_softmax_params_t;

/** A backend: a const table of entry points. Unused entries may be NULL. */
typedef struct es_hal_ops {
    const char *name;
    es_status_t (*conv_s8)(const es_conv_params_t *p);
    size_t (*conv_s8_scratch_size)(const es_conv_params_t *p);
    es_status_t (*dwconv_s8)(const es_conv_params_t *p);
    size_t (*dwconv_s8_scratch_size)(const es_conv_params_t *p);
    es_status_t (*fc_s8)(const es_fc_params_t *p);
    size_t (*fc_s8_scratch_size)(const es_fc_params_t *p);
    es_status_t (*requant)(const es_requant_params_t *p);
    es_status_t (*logistic_s8)(const es_logistic_params_t *p);
    es_status_t (*softmax_s8)(const es_softmax_params_t *p);
} es_hal_ops_t;

/** The portable reference backend (plain C, the specification). */
extern const es_hal_ops_t es_hal_ref;

/* ---- Quantization helpers shared by kernels and backends (TFLite semantics). ---- */

/** Split a real multiplier into a Q31 value and a power-of-two shift (left > 0). */
void es_quantize_multiplier(double real, int32_t *mult, int32_t *shift);

/**
 * x * mult * 2^shift with TFLite's double rounding (SaturatingRoundingDoublingHighMul,
 * then RoundingDivideByPOT). TFLite's convolutions, QUANTIZE and activations use it.
 */
int32_t es_mul_by_quantized_mult(int32_t x, int32_t mult, int32_t shift);

/**
 * x * mult * 2^shift rounded once: (x * mult + 2^(30 - shift)) >> (31 - shift).
 * TensorFlow Lite's FULLY_CONNECTED rounds this way (TFLite Micro rounds twice;
 * the two differ in about 1 of 3000 outputs, only on exact half-way cases of the
 * first rounding).
 */
int32_t es_mul_by_quantized_mult_single(int32_t x, int32_t mult, int32_t shift);

/**
 * Prepare-time parameters of reference LOGISTIC for an int8 input of scale
 * @p input_scale: fills mult, left shift and range radius of @p p.
 */
void es_logistic_s8_setup(double input_scale, es_logistic_params_t *p);

/** Prepare-time parameters of reference SOFTMAX for an int8 input (beta, input scale). */
void es_softmax_s8_setup(double beta, double input_scale, es_softmax_params_t *p);

#ifdef __cplusplus
}
#endif

#endif /* EARSHOT_HAL_H */
