/**
 * @file model.h
 * @brief In-place, bounds-checked reader for .tflite (FlatBuffer) models.
 *
 * es_model_load() walks the whole model once and checks every offset, length
 * and index the interpreter will later follow (tables, vectors, strings,
 * buffers, tensor and operator indices, constant data sizes). After it returns
 * ES_OK the bytes are trusted; they are never copied and may live in flash.
 */
#ifndef EARSHOT_MODEL_H
#define EARSHOT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "earshot/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Maximum tensor rank the core supports. */
#define ES_MAX_DIMS 6
/** Maximum number of subgraphs in one model. */
#define ES_MAX_SUBGRAPHS 8

/** TFLite tensor types (values as in the schema). */
typedef enum es_dtype {
    ES_DTYPE_FLOAT32 = 0,
    ES_DTYPE_INT32 = 2,
    ES_DTYPE_UINT8 = 3,
    ES_DTYPE_INT64 = 4,
    ES_DTYPE_BOOL = 6,
    ES_DTYPE_INT16 = 7,
    ES_DTYPE_INT8 = 9,
    ES_DTYPE_RESOURCE = 13
} es_dtype_t;

/** A checked view of one subgraph's tables (positions inside the model bytes). */
typedef struct es_model_subgraph {
    uint32_t tensors;    /**< position of the tensors vector */
    uint32_t inputs;     /**< position of the inputs vector (int32) */
    uint32_t outputs;    /**< position of the outputs vector (int32) */
    uint32_t operators;  /**< position of the operators vector */
    uint32_t n_tensors;
    uint32_t n_inputs;
    uint32_t n_outputs;
    uint32_t n_operators;
} es_model_subgraph_t;

/** A loaded (validated) model: a view over caller-owned bytes. */
typedef struct es_model {
    const uint8_t *data;
    size_t size;
    uint32_t version;
    uint32_t opcodes;    /**< position of operator_codes vector */
    uint32_t n_opcodes;
    uint32_t buffers;    /**< position of buffers vector */
    uint32_t n_buffers;
    uint32_t n_subgraphs;
    uint32_t subgraphs_pos; /**< position of the subgraphs vector data */
    es_model_subgraph_t subgraphs[ES_MAX_SUBGRAPHS];
    /** On failure: a short static description of what was wrong. */
    const char *error;
    /** On ES_ERR_UNSUPPORTED_OP: the builtin code that is missing, else -1. */
    int32_t error_op;
} es_model_t;

/** Static facts about one tensor, read from a validated model. */
typedef struct es_model_tensor_info {
    es_dtype_t type;
    int ndim;
    int32_t dims[ES_MAX_DIMS];
    const int32_t *dims_ptr;   /**< the shape inside the model (4-byte aligned, little-endian) */
    const uint8_t *const_data; /**< NULL unless the tensor has constant data */
    size_t const_size;
    int is_variable;
    /* Quantization: per-tensor values, and the per-channel vector if any. */
    float scale;
    int32_t zero_point;
    uint32_t n_scales;         /**< 0 when not quantized */
    uint32_t scales_pos;       /**< position of the float scale vector data */
    uint32_t zero_points_pos;  /**< position of the int64 zero point vector data */
    int32_t quantized_dim;
    const char *name;          /**< NUL-terminated (checked) or "" */
} es_model_tensor_info_t;

/**
 * Validate @p data as a .tflite model and fill @p model.
 * The op set is checked against the kernels compiled in: a missing operator
 * returns ES_ERR_UNSUPPORTED_OP with model->error_op set to its builtin code.
 * @return ES_OK, ES_ERR_ARG, ES_ERR_MODEL (malformed; model->error says what),
 *         ES_ERR_UNSUPPORTED_OP or ES_ERR_UNSUPPORTED (e.g. too many subgraphs/dims).
 */
es_status_t es_model_load(es_model_t *model, const void *data, size_t size);

/** Read tensor @p index of subgraph @p sg (both validated by the caller). */
es_status_t es_model_tensor_info(const es_model_t *model, uint32_t sg, uint32_t index,
                                 es_model_tensor_info_t *info);

/** Builtin operator code of operator @p op in subgraph @p sg. */
int32_t es_model_op_code(const es_model_t *model, uint32_t sg, uint32_t op);

/** Name of a builtin operator code ("CONV_2D"), or "UNKNOWN". */
const char *es_op_name(int32_t builtin_code);

/** Per-channel scale @p i of a tensor described by @p info (i < info->n_scales). */
float es_model_tensor_scale(const es_model_t *model, const es_model_tensor_info_t *info,
                            uint32_t i);

#ifdef __cplusplus
}
#endif

#endif /* EARSHOT_MODEL_H */
