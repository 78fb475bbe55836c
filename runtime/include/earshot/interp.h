/**
 * @file interp.h
 * @brief The int8 interpreter: prepare once into a caller's arena, invoke many times.
 *
 * es_interp_prepare() builds per-tensor and per-operator records, runs every
 * kernel's prepare hook (shape checks, quantization parameters, scratch
 * requests), allocates resource variables and plans all activations into the
 * head of the arena (greedy by size over tensor lifetimes). Nothing is
 * allocated afterwards; es_interp_invoke() only computes.
 *
 * Arena layout: [planned activations | scratch | ... free ... | persistent records].
 */
#ifndef EARSHOT_INTERP_H
#define EARSHOT_INTERP_H

#include <stddef.h>
#include <stdint.h>

#include "earshot/hal.h"
#include "earshot/model.h"
#include "earshot/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Alignment of planned activations and of the arena itself, in bytes. */
#define ES_ARENA_ALIGN 16
/** Alignment of persistent records. */
#define ES_PERSIST_ALIGN 8
/** Maximum number of resource variables in one model. */
#define ES_MAX_VARIABLES 32

/**
 * Which runtime's arithmetic to reproduce bit for bit. They agree except on
 * exact half-way roundings and in LOGISTIC / SOFTMAX, where some use float
 * lookup tables and others fixed-point polynomials.
 */
typedef enum es_compat {
    /** TensorFlow Lite's builtin (optimized) kernels: tflite-runtime's default
     *  CPU kernels and what pymicro-wakeword runs. The default. */
    ES_COMPAT_TFLITE = 0,
    /** TensorFlow Lite's reference kernels (OpResolverType.BUILTIN_REF). */
    ES_COMPAT_TFLITE_REF = 1,
    /** TensorFlow Lite Micro (the firmware runtime of ESPHome devices). */
    ES_COMPAT_TFLM = 2
} es_compat_t;

/** Options of es_interp_prepare(); zero-initialised means defaults. */
typedef struct es_interp_options {
    es_compat_t compat;
} es_interp_options_t;

/** A tensor at run time. */
typedef struct es_tensor {
    void *data;            /**< arena, or the model bytes for constants; NULL for resources */
    const int32_t *dims;   /**< ndim values, inside the model bytes */
    uint32_t bytes;
    float scale;           /**< per-tensor scale (first scale when per-channel) */
    int32_t zero_point;
    uint32_t scales_pos;   /**< position of per-channel scales in the model, 0 if none */
    uint16_t n_scales;     /**< 0 when not quantized */
    int16_t resource;      /**< resource variable id for RESOURCE tensors, -1 otherwise */
    uint8_t type;          /**< es_dtype_t */
    uint8_t ndim;
    uint8_t is_const;
    uint8_t planned;       /**< lives in the arena head */
} es_tensor_t;

struct es__kernel;

/** An operator at run time. */
typedef struct es_node {
    const struct es__kernel *kernel;
    uint32_t options_pos;  /**< builtin options table position, 0 when absent */
    const int16_t *inputs; /**< tensor indices, -1 for an omitted optional input */
    const int16_t *outputs;
    uint8_t n_inputs;
    uint8_t n_outputs;
    uint16_t index;
    void *user;            /**< kernel's persistent data, from the arena */
    uint32_t scratch_bytes;
} es_node_t;

/** One subgraph at run time. */
typedef struct es_subgraph {
    es_tensor_t *tensors;
    es_node_t *nodes;
    const int16_t *inputs;
    const int16_t *outputs;
    uint16_t n_tensors;
    uint16_t n_nodes;
    uint16_t n_inputs;
    uint16_t n_outputs;
    uint8_t prepared;
} es_subgraph_t;

/** A resource variable (VAR_HANDLE / READ_VARIABLE / ASSIGN_VARIABLE). */
typedef struct es_variable {
    const char *container;
    const char *shared_name;
    void *data;
    uint32_t bytes;
    uint8_t type;
} es_variable_t;

/** Interpreter state. Caller-owned; everything it points to lives in the arena or the model. */
typedef struct es_interp {
    const es_model_t *model;
    const es_hal_ops_t *hal;
    uint8_t *arena;
    size_t arena_size;
    size_t tail;           /**< start of the persistent region (grows down) */
    size_t head;           /**< end of planned activations + scratch */
    size_t peak;           /**< most bytes needed at any point of prepare */
    void *scratch;
    size_t scratch_bytes;
    es_subgraph_t subgraphs[ES_MAX_SUBGRAPHS];
    uint32_t n_subgraphs;
    es_variable_t variables[ES_MAX_VARIABLES];
    uint32_t n_variables;
    int prepared;
    es_compat_t compat;
    /** On failure: static text naming what was wrong, and the operator involved. */
    const char *error;
    int32_t error_op_index;
    int32_t error_op_code;
} es_interp_t;

/**
 * Prepare @p model (already validated by es_model_load()) to run on @p hal
 * with all memory taken from @p arena (any alignment; it is aligned inside).
 * @p options may be NULL (defaults: ES_COMPAT_TFLITE).
 * @return ES_OK; ES_ERR_NO_MEMORY when the arena is too small (the bytes
 *         needed are then reported by es_interp_arena_used() when possible);
 *         ES_ERR_UNSUPPORTED / ES_ERR_SHAPE / ES_ERR_MODEL with interp->error
 *         and interp->error_op_index naming the operator.
 */
es_status_t es_interp_prepare(es_interp_t *interp, const es_model_t *model, const es_hal_ops_t *hal,
                              void *arena, size_t arena_size, const es_interp_options_t *options);

/** Run the main subgraph once. Inputs must have been written. */
es_status_t es_interp_invoke(es_interp_t *interp);

/** Zero all resource variables and re-arm CALL_ONCE, as if freshly prepared. */
es_status_t es_interp_reset(es_interp_t *interp);

/** Number of inputs / outputs of the main subgraph. */
size_t es_interp_input_count(const es_interp_t *interp);
size_t es_interp_output_count(const es_interp_t *interp);

/** Input / output tensor @p i of the main subgraph, or NULL. */
es_tensor_t *es_interp_input(es_interp_t *interp, size_t i);
es_tensor_t *es_interp_output(es_interp_t *interp, size_t i);

/** Tensor @p index of subgraph 0 (for debugging and parity tests), or NULL. */
es_tensor_t *es_interp_tensor(es_interp_t *interp, size_t index);

/**
 * Bytes of arena this model needs: the larger of what stays in use after
 * prepare (activations, scratch, persistent records) and the peak during
 * planning. An arena of this size (16-byte aligned) prepares successfully.
 */
size_t es_interp_arena_used(const es_interp_t *interp);

#ifdef __cplusplus
}
#endif

#endif /* EARSHOT_INTERP_H */
