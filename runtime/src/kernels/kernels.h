/* Kernel records and helpers shared by the interpreter and the operators (private). */
#ifndef EARSHOT_KERNELS_H
#define EARSHOT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "earshot/interp.h"
#include "../tflite/fb.h"

/* TFLite builtin operator codes used by this build. */
enum {
    ES_OP_CONCATENATION = 2,
    ES_OP_CONV_2D = 3,
    ES_OP_DEPTHWISE_CONV_2D = 4,
    ES_OP_FULLY_CONNECTED = 9,
    ES_OP_LOGISTIC = 14,
    ES_OP_RESHAPE = 22,
    ES_OP_SOFTMAX = 25,
    ES_OP_STRIDED_SLICE = 45,
    ES_OP_SPLIT_V = 102,
    ES_OP_QUANTIZE = 114,
    ES_OP_CALL_ONCE = 129,
    ES_OP_VAR_HANDLE = 142,
    ES_OP_READ_VARIABLE = 143,
    ES_OP_ASSIGN_VARIABLE = 144
};

/* A kernel: prepare checks and precomputes (may allocate persistent memory
 * and request scratch); invoke only computes. */
typedef struct es__kernel {
    int32_t code;
    es_status_t (*prepare)(es_interp_t *it, es_subgraph_t *sg, es_node_t *node);
    es_status_t (*invoke)(es_interp_t *it, es_subgraph_t *sg, es_node_t *node);
} es__kernel_t;

/* Kernel for a builtin code, or NULL when this build lacks it. */
const es__kernel_t *es__kernel_find(int32_t code);

/* Persistent allocation from the arena tail (prepare time only); NULL when full. */
void *es__persist(es_interp_t *it, size_t bytes);

/* Prepare / invoke one subgraph (CALL_ONCE uses these). */
es_status_t es__prepare_subgraph(es_interp_t *it, uint32_t index);
es_status_t es__invoke_subgraph(es_interp_t *it, uint32_t index);

/* Record a failure against a node; returns @st. */
es_status_t es__fail(es_interp_t *it, const es_node_t *node, es_status_t st, const char *msg);

/* Input/output @i of @node, or NULL when absent / optional. */
static inline es_tensor_t *es__in(es_subgraph_t *sg, const es_node_t *n, unsigned i)
{
    if (i >= n->n_inputs || n->inputs[i] < 0) {
        return NULL;
    }
    return &sg->tensors[n->inputs[i]];
}

static inline es_tensor_t *es__out(es_subgraph_t *sg, const es_node_t *n, unsigned i)
{
    if (i >= n->n_outputs) {
        return NULL;
    }
    return &sg->tensors[n->outputs[i]];
}

static inline size_t es__numel(const es_tensor_t *t)
{
    size_t n = 1;
    for (unsigned i = 0; i < t->ndim; i++) {
        n *= (size_t)t->dims[i];
    }
    return n;
}

/* The options table of @node, when present; returns 0 on success. */
int es__options(const es_interp_t *it, const es_node_t *node, es__fb_t *fb, es__fb_table_t *t);

/* Quantized clamp range of a fused activation (TFLite ActivationFunctionType). */
es_status_t es__act_range(uint8_t act, const es_tensor_t *out, int32_t *lo, int32_t *hi);

/* Operators implemented in ops_nn.c. */
es_status_t es__conv_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n);
es_status_t es__conv_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n);
es_status_t es__dwconv_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n);
es_status_t es__dwconv_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n);
es_status_t es__fc_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n);
es_status_t es__fc_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n);
es_status_t es__logistic_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n);
es_status_t es__logistic_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n);
es_status_t es__softmax_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n);
es_status_t es__softmax_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n);
es_status_t es__quantize_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n);
es_status_t es__quantize_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n);

#endif /* EARSHOT_KERNELS_H */
