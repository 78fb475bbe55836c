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

/**
 * How a kernel rounds when it requantizes an int32 accumulator with a Q31
 * multiplier and a power-of-two shift. The runtimes Earshot is measured against
 * differ here, and only here, on exact half-way cases:
 *  - ES_ROUND_DOUBLE: gemmlowp's SaturatingRoundingDoublingHighMul, then a
 *    rounding right shift with ties away from zero (TFLite reference kernels, TFLite Micro);
 *  - ES_ROUND_SINGLE: one rounding of x * mult >> (31 - shift), ties up
 *    (TFLite's reference FULLY_CONNECTED);
 *  - ES_ROUND_HALF_UP: the doubling high multiply, then a rounding right shift
 *    with ties toward +inf (TFLite's optimized builtin kernels, as tflite-runtime
 *    and pymicro-wakeword run them).
 */
typedef enum es_rounding {
    ES_ROUND_DOUBLE = 0,
    ES_ROUND_SINGLE = 1,
    ES_ROUND_HALF_UP = 2
} es_rounding_t;

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
    es_rounding_t rounding;    /**< for output channels below rounding_channels ... */
    int rounding_channels;     /**< ... and ES_ROUND_DOUBLE for the rest (TFLite's
                                    optimized depthwise kernel rounds its 8-channel
                                    blocks and its channel tail differently) */
    const int8_t *input;
    const int8_t *filter;      /**< conv: [out_c][k_h][k_w][in_c]; depthwise: [1][k_h][k_w][out_c] */
    const int32_t *bias;       /**< out_c values or NULL */
    int8_t *output;
    void *scratch;
} es_conv_params_t;

/** Fully connected: output[b][o] = sum_i (in[b][i] + input_offset) * w[o][i] + bias[o], requantized. */
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
    es_rounding_t rounding;
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

/** Element-wise 256-entry table lookup on int8 (LOGISTIC and other activations). */
typedef struct es_lut_params {
    size_t count;
    const int8_t *table;       /**< table[x + 128] is the output for input x */
    const int8_t *input;
    int8_t *output;
} es_lut_params_t;

/**
 * SOFTMAX on int8 rows of length depth. With exp_table NULL: TFLite's reference
 * integer algorithm; otherwise TFLite's optimized float algorithm over
 * exp_table[d] = exp(-beta * input_scale * d) for d = max - x.
 */
typedef struct es_softmax_params {
    int outer;
    int depth;
    int32_t input_mult;
    int32_t input_left_shift;
    int32_t diff_min;
    const float *exp_table;    /**< 256 entries, or NULL */
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
    es_status_t (*lut_s8)(const es_lut_params_t *p);
} es_hal_ops_t;

/** The portable reference backend (plain C, the specification). */
extern const es_hal_ops_t es_hal_ref;

/**
 * The portable optimized backend: the reference kernels restructured for
 * contiguous, vectorizable inner loops. Bit-exact with es_hal_ref.
 */
extern const es_hal_ops_t es_hal_opt;

/* ---- Quantization helpers shared by kernels and backends (TFLite semantics). ---- */

/** Split a real multiplier into a Q31 value and a power-of-two shift (left > 0). */
void es_quantize_multiplier(double real, int32_t *mult, int32_t *shift);

/**
 * x * mult * 2^shift with TFLite's double rounding (SaturatingRoundingDoublingHighMul,
 * then RoundingDivideByPOT). TFLite's convolutions, QUANTIZE and activations use it.
 */
int32_t es_mul_by_quantized_mult(int32_t x, int32_t mult, int32_t shift);

/** x * mult * 2^shift rounded once: (x * mult + 2^(30 - shift)) >> (31 - shift). */
int32_t es_mul_by_quantized_mult_single(int32_t x, int32_t mult, int32_t shift);

/** x * mult * 2^shift with the rounding @p r (see ::es_rounding_t). */
int32_t es_requantize(int32_t x, int32_t mult, int32_t shift, es_rounding_t r);

/**
 * Fill @p table (256 entries) with TFLite's float LOGISTIC lookup table for an
 * int8 input (scale, zero point) and the int8 output of scale 1/256, zero point -128.
 */
void es_logistic_s8_float_table(float input_scale, int32_t input_zp, int8_t *table);

/** Fill @p table (256 floats) with TFLite's optimized SOFTMAX exponent table. */
void es_softmax_s8_float_table(float beta, float input_scale, float *table);

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
