/* Data-movement and control operators: RESHAPE, CONCATENATION, STRIDED_SLICE,
 * SPLIT_V, CALL_ONCE and the resource-variable operators. */
#include <string.h>

#include "kernels.h"

static size_t dtype_bytes(uint8_t type)
{
    switch (type) {
    case ES_DTYPE_FLOAT32: case ES_DTYPE_INT32: return 4;
    case ES_DTYPE_INT64: return 8;
    case ES_DTYPE_INT16: return 2;
    default: return 1;
    }
}

static int same_quant(const es_tensor_t *a, const es_tensor_t *b)
{
    return a->type == b->type && a->scale == b->scale && a->zero_point == b->zero_point;
}

/* Read element @i of a constant int32 tensor. */
static int32_t const_i32(const es_tensor_t *t, size_t i)
{
    return (int32_t)es__rd_u32((const uint8_t *)t->data + 4u * i);
}

/* ---- RESHAPE ---- */

static es_status_t reshape_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es_tensor_t *in = es__in(sg, n, 0), *out = es__out(sg, n, 0);
    if (!in || !out || n->n_outputs != 1) {
        return es__fail(it, n, ES_ERR_MODEL, "RESHAPE needs one input and one output");
    }
    if (in->type != out->type || in->bytes != out->bytes) {
        return es__fail(it, n, ES_ERR_SHAPE, "RESHAPE input and output sizes differ");
    }
    return ES_OK;
}

static es_status_t copy_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    (void)it;
    es_tensor_t *in = es__in(sg, n, 0), *out = es__out(sg, n, 0);
    if (in->data != out->data) {
        memmove(out->data, in->data, out->bytes);
    }
    return ES_OK;
}

/* ---- CONCATENATION ---- */

typedef struct concat_data {
    uint32_t outer;       /* product of the dims before the axis */
    uint32_t inner_bytes; /* bytes of one unit along the axis */
} concat_data_t;

static es_status_t concat_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es__fb_t fb;
    es__fb_table_t t;
    int32_t axis = 0;
    uint8_t act = 0;
    es_tensor_t *out = es__out(sg, n, 0);
    if (!out || n->n_inputs < 1) {
        return es__fail(it, n, ES_ERR_MODEL, "CONCATENATION needs inputs and an output");
    }
    if (es__options(it, n, &fb, &t) == 0) {
        if (es__fb_i32(&fb, &t, 0, 0, &axis) != 0 || es__fb_u8(&fb, &t, 1, 0, &act) != 0) {
            return es__fail(it, n, ES_ERR_MODEL, "CONCATENATION options malformed");
        }
    }
    if (act != 0) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "CONCATENATION with a fused activation");
    }
    if (axis < 0) {
        axis += out->ndim;
    }
    if (axis < 0 || axis >= out->ndim) {
        return es__fail(it, n, ES_ERR_SHAPE, "CONCATENATION axis out of range");
    }
    int32_t sum = 0;
    for (unsigned i = 0; i < n->n_inputs; i++) {
        es_tensor_t *in = es__in(sg, n, i);
        if (!in || in->ndim != out->ndim) {
            return es__fail(it, n, ES_ERR_SHAPE, "CONCATENATION input rank differs from output");
        }
        if (!same_quant(in, out)) {
            return es__fail(it, n, ES_ERR_UNSUPPORTED, "CONCATENATION inputs with different type or quantization");
        }
        for (int d = 0; d < out->ndim; d++) {
            if (d != axis && in->dims[d] != out->dims[d]) {
                return es__fail(it, n, ES_ERR_SHAPE, "CONCATENATION input dims differ off the axis");
            }
        }
        sum += in->dims[axis];
    }
    if (sum != out->dims[axis]) {
        return es__fail(it, n, ES_ERR_SHAPE, "CONCATENATION output size along axis is wrong");
    }
    concat_data_t *cd = (concat_data_t *)es__persist(it, sizeof *cd);
    if (!cd) {
        return es__fail(it, n, ES_ERR_NO_MEMORY, "arena full");
    }
    size_t outer = 1, inner = dtype_bytes(out->type);
    for (int d = 0; d < axis; d++) {
        outer *= (size_t)out->dims[d];
    }
    for (int d = axis + 1; d < out->ndim; d++) {
        inner *= (size_t)out->dims[d];
    }
    cd->outer = (uint32_t)outer;
    cd->inner_bytes = (uint32_t)inner;
    n->user = cd;
    return ES_OK;
}

static es_status_t concat_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    (void)it;
    const concat_data_t *cd = (const concat_data_t *)n->user;
    es_tensor_t *out = es__out(sg, n, 0);
    uint8_t *dst = (uint8_t *)out->data;
    for (uint32_t o = 0; o < cd->outer; o++) {
        for (unsigned i = 0; i < n->n_inputs; i++) {
            es_tensor_t *in = es__in(sg, n, i);
            size_t chunk = in->bytes / cd->outer;
            memcpy(dst, (const uint8_t *)in->data + (size_t)o * chunk, chunk);
            dst += chunk;
        }
    }
    return ES_OK;
}

/* ---- STRIDED_SLICE ---- */

typedef struct slice_data {
    int ndim;           /* outer dims iterated one by one (after folding the contiguous tail) */
    int32_t start[ES_MAX_DIMS];
    int32_t stride[ES_MAX_DIMS];
    int32_t count[ES_MAX_DIMS];
    uint32_t pitch[ES_MAX_DIMS]; /* input bytes per step of each outer dim */
    uint32_t run;       /* contiguous bytes copied per outer position */
    uint32_t run_off;   /* byte offset of the run inside the folded tail */
} slice_data_t;

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static es_status_t slice_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es_tensor_t *in = es__in(sg, n, 0), *b = es__in(sg, n, 1), *e = es__in(sg, n, 2), *s = es__in(sg, n, 3);
    es_tensor_t *out = es__out(sg, n, 0);
    if (!in || !b || !e || !s || !out) {
        return es__fail(it, n, ES_ERR_MODEL, "STRIDED_SLICE needs input, begin, end, strides");
    }
    if (!b->is_const || !e->is_const || !s->is_const || b->type != ES_DTYPE_INT32 || e->type != ES_DTYPE_INT32 ||
        s->type != ES_DTYPE_INT32) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "STRIDED_SLICE begin/end/strides must be constant int32");
    }
    int nd = in->ndim;
    if (es__numel(b) != (size_t)nd || es__numel(e) != (size_t)nd || es__numel(s) != (size_t)nd) {
        return es__fail(it, n, ES_ERR_SHAPE, "STRIDED_SLICE begin/end/strides length differs from input rank");
    }
    if (in->type != out->type) {
        return es__fail(it, n, ES_ERR_SHAPE, "STRIDED_SLICE changes type");
    }
    es__fb_t fb;
    es__fb_table_t t;
    int32_t bm = 0, em = 0, elm = 0, nam = 0, sam = 0;
    uint8_t offset = 0;
    if (es__options(it, n, &fb, &t) == 0) {
        if (es__fb_i32(&fb, &t, 0, 0, &bm) || es__fb_i32(&fb, &t, 1, 0, &em) || es__fb_i32(&fb, &t, 2, 0, &elm) ||
            es__fb_i32(&fb, &t, 3, 0, &nam) || es__fb_i32(&fb, &t, 4, 0, &sam) || es__fb_u8(&fb, &t, 5, 0, &offset)) {
            return es__fail(it, n, ES_ERR_MODEL, "STRIDED_SLICE options malformed");
        }
    }
    if (elm != 0 || nam != 0 || offset != 0) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "STRIDED_SLICE ellipsis/new-axis masks or offset");
    }
    slice_data_t *sd = (slice_data_t *)es__persist(it, sizeof *sd);
    if (!sd) {
        return es__fail(it, n, ES_ERR_NO_MEMORY, "arena full");
    }
    int32_t start[ES_MAX_DIMS], stride[ES_MAX_DIMS], count[ES_MAX_DIMS];
    size_t total = 1;
    for (int d = 0; d < nd; d++) {
        int64_t size = in->dims[d];
        int64_t step = const_i32(s, (size_t)d);
        if (step == 0) {
            return es__fail(it, n, ES_ERR_MODEL, "STRIDED_SLICE stride of zero");
        }
        int64_t lo = const_i32(b, (size_t)d), hi = const_i32(e, (size_t)d);
        if (bm & (1 << d)) {
            lo = step > 0 ? INT32_MIN : INT32_MAX;
        }
        if (lo < 0) {
            lo += size;
        }
        lo = step > 0 ? clamp64(lo, 0, size) : clamp64(lo, -1, size - 1);
        if (sam & (1 << d)) {
            hi = lo + 1;
            step = 1;
            if (lo < 0 || lo >= size) {
                return es__fail(it, n, ES_ERR_SHAPE, "STRIDED_SLICE shrink index out of range");
            }
        } else {
            if (em & (1 << d)) {
                hi = step > 0 ? INT32_MAX : INT32_MIN;
            }
            if (hi < 0) {
                hi += size;
            }
            hi = step > 0 ? clamp64(hi, 0, size) : clamp64(hi, -1, size - 1);
        }
        int64_t cnt = step > 0 ? (hi - lo + step - 1) / step : (lo - hi + (-step) - 1) / (-step);
        if (cnt < 0) {
            cnt = 0;
        }
        start[d] = (int32_t)lo;
        stride[d] = (int32_t)step;
        count[d] = (int32_t)cnt;
        total *= (size_t)cnt;
    }
    if (total != es__numel(out)) {
        return es__fail(it, n, ES_ERR_SHAPE, "STRIDED_SLICE output shape disagrees with begin/end/strides");
    }
    /* Fold the innermost dims into one contiguous run: whole dims, then one
     * partial dim taken with stride 1. */
    size_t esize = dtype_bytes(in->type), inner = esize, run_off = 0;
    int keep = nd;
    while (keep > 0 && stride[keep - 1] == 1 && start[keep - 1] == 0 && count[keep - 1] == in->dims[keep - 1]) {
        inner *= (size_t)in->dims[keep - 1];
        keep--;
    }
    size_t run = inner;
    if (keep > 0 && stride[keep - 1] == 1) {
        run = inner * (size_t)count[keep - 1];
        run_off = inner * (size_t)start[keep - 1];
        inner *= (size_t)in->dims[keep - 1];
        keep--;
    }
    size_t pitch = inner;
    for (int d = keep - 1; d >= 0; d--) {
        sd->pitch[d] = (uint32_t)pitch;
        pitch *= (size_t)in->dims[d];
    }
    for (int d = 0; d < keep; d++) {
        sd->start[d] = start[d];
        sd->stride[d] = stride[d];
        sd->count[d] = count[d];
    }
    sd->ndim = keep;
    sd->run = (uint32_t)(total ? run : 0);
    sd->run_off = (uint32_t)run_off;
    n->user = sd;
    return ES_OK;
}

static es_status_t slice_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    (void)it;
    const slice_data_t *sd = (const slice_data_t *)n->user;
    const uint8_t *src = (const uint8_t *)es__in(sg, n, 0)->data + sd->run_off;
    uint8_t *dst = (uint8_t *)es__out(sg, n, 0)->data;
    if (sd->run == 0) {
        return ES_OK;
    }
    int32_t idx[ES_MAX_DIMS] = {0};
    for (;;) {
        size_t off = 0;
        for (int d = 0; d < sd->ndim; d++) {
            off += (size_t)(sd->start[d] + idx[d] * sd->stride[d]) * sd->pitch[d];
        }
        memcpy(dst, src + off, sd->run);
        dst += sd->run;
        int d = sd->ndim - 1;
        for (; d >= 0; d--) {
            if (++idx[d] < sd->count[d]) {
                break;
            }
            idx[d] = 0;
        }
        if (d < 0) {
            return ES_OK;
        }
    }
}

/* ---- SPLIT_V ---- */

typedef struct split_data {
    uint32_t outer;
    uint32_t inner_bytes; /* bytes per unit along the axis */
} split_data_t;

static es_status_t splitv_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es_tensor_t *in = es__in(sg, n, 0), *sizes = es__in(sg, n, 1), *ax = es__in(sg, n, 2);
    if (!in || !sizes || !ax || n->n_outputs < 1) {
        return es__fail(it, n, ES_ERR_MODEL, "SPLIT_V needs input, size_splits, axis");
    }
    if (!sizes->is_const || !ax->is_const || sizes->type != ES_DTYPE_INT32 || ax->type != ES_DTYPE_INT32 ||
        es__numel(ax) != 1) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "SPLIT_V size_splits and axis must be constant int32");
    }
    if (es__numel(sizes) != n->n_outputs) {
        return es__fail(it, n, ES_ERR_SHAPE, "SPLIT_V size_splits length differs from output count");
    }
    int32_t axis = const_i32(ax, 0);
    if (axis < 0) {
        axis += in->ndim;
    }
    if (axis < 0 || axis >= in->ndim) {
        return es__fail(it, n, ES_ERR_SHAPE, "SPLIT_V axis out of range");
    }
    int64_t sum = 0;
    for (unsigned i = 0; i < n->n_outputs; i++) {
        es_tensor_t *out = es__out(sg, n, i);
        int32_t sz = const_i32(sizes, i);
        if (out->ndim != in->ndim || !same_quant(in, out)) {
            return es__fail(it, n, ES_ERR_SHAPE, "SPLIT_V output rank or type differs from input");
        }
        for (int d = 0; d < in->ndim; d++) {
            if (d != axis && out->dims[d] != in->dims[d]) {
                return es__fail(it, n, ES_ERR_SHAPE, "SPLIT_V output dims differ off the axis");
            }
        }
        if (sz != -1 && sz != out->dims[axis]) {
            return es__fail(it, n, ES_ERR_SHAPE, "SPLIT_V output size differs from size_splits");
        }
        sum += out->dims[axis];
    }
    if (sum != in->dims[axis]) {
        return es__fail(it, n, ES_ERR_SHAPE, "SPLIT_V sizes do not add up to the input");
    }
    split_data_t *sd = (split_data_t *)es__persist(it, sizeof *sd);
    if (!sd) {
        return es__fail(it, n, ES_ERR_NO_MEMORY, "arena full");
    }
    size_t outer = 1, inner = dtype_bytes(in->type);
    for (int d = 0; d < axis; d++) {
        outer *= (size_t)in->dims[d];
    }
    for (int d = axis + 1; d < in->ndim; d++) {
        inner *= (size_t)in->dims[d];
    }
    sd->outer = (uint32_t)outer;
    sd->inner_bytes = (uint32_t)inner;
    n->user = sd;
    return ES_OK;
}

static es_status_t splitv_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    (void)it;
    const split_data_t *sd = (const split_data_t *)n->user;
    const uint8_t *src = (const uint8_t *)es__in(sg, n, 0)->data;
    for (uint32_t o = 0; o < sd->outer; o++) {
        for (unsigned i = 0; i < n->n_outputs; i++) {
            es_tensor_t *out = es__out(sg, n, i);
            size_t chunk = out->bytes / sd->outer;
            memcpy((uint8_t *)out->data + (size_t)o * chunk, src, chunk);
            src += chunk;
        }
    }
    return ES_OK;
}

/* ---- CALL_ONCE ---- */

typedef struct call_once_data {
    uint32_t done;
    uint32_t subgraph;
} call_once_data_t;

static es_status_t call_once_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    (void)sg;
    es__fb_t fb;
    es__fb_table_t t;
    int32_t index = -1;
    if (es__options(it, n, &fb, &t) != 0 || es__fb_i32(&fb, &t, 0, -1, &index) != 0) {
        return es__fail(it, n, ES_ERR_MODEL, "CALL_ONCE options missing or malformed");
    }
    if (index <= 0 || (uint32_t)index >= it->n_subgraphs) {
        return es__fail(it, n, ES_ERR_MODEL, "CALL_ONCE subgraph index out of range");
    }
    call_once_data_t *cd = (call_once_data_t *)es__persist(it, sizeof *cd);
    if (!cd) {
        return es__fail(it, n, ES_ERR_NO_MEMORY, "arena full");
    }
    cd->subgraph = (uint32_t)index;
    n->user = cd;
    if (it->subgraphs[index].prepared) {
        return es__fail(it, n, ES_ERR_MODEL, "CALL_ONCE subgraph already in use (cycle)");
    }
    return es__prepare_subgraph(it, (uint32_t)index);
}

static es_status_t call_once_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    (void)sg;
    call_once_data_t *cd = (call_once_data_t *)n->user;
    if (cd->done) {
        return ES_OK;
    }
    es_status_t st = es__invoke_subgraph(it, cd->subgraph);
    if (st == ES_OK) {
        cd->done = 1;
    }
    return st;
}

/* ---- Resource variables ---- */

static const char *options_string(const es__fb_t *fb, const es__fb_table_t *t, unsigned id)
{
    uint32_t pos = 0, len = 0, data = 0;
    int r = es__fb_ref(fb, t, id, &pos);
    if (r <= 0) {
        return r == 0 ? "" : NULL;
    }
    if (es__fb_vec(fb, pos, 1, &len, &data) != 0 || !es__fb_in(fb, (uint64_t)data + len, 1) ||
        fb->buf[data + len] != 0) {
        return NULL;
    }
    return (const char *)fb->buf + data;
}

static es_status_t var_handle_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es__fb_t fb;
    es__fb_table_t t;
    es_tensor_t *out = es__out(sg, n, 0);
    if (!out || out->type != ES_DTYPE_RESOURCE) {
        return es__fail(it, n, ES_ERR_MODEL, "VAR_HANDLE output must be a resource tensor");
    }
    const char *container = "", *name = "";
    if (es__options(it, n, &fb, &t) == 0) {
        container = options_string(&fb, &t, 0);
        name = options_string(&fb, &t, 1);
        if (!container || !name) {
            return es__fail(it, n, ES_ERR_MODEL, "VAR_HANDLE options malformed");
        }
    }
    for (uint32_t v = 0; v < it->n_variables; v++) {
        if (strcmp(it->variables[v].container, container) == 0 && strcmp(it->variables[v].shared_name, name) == 0) {
            out->resource = (int16_t)v;
            return ES_OK;
        }
    }
    if (it->n_variables >= ES_MAX_VARIABLES) {
        return es__fail(it, n, ES_ERR_UNSUPPORTED, "too many resource variables");
    }
    es_variable_t *var = &it->variables[it->n_variables];
    var->container = container;
    var->shared_name = name;
    out->resource = (int16_t)it->n_variables++;
    return ES_OK;
}

static es_status_t nop_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    (void)it;
    (void)sg;
    (void)n;
    return ES_OK;
}

/* Bind the variable of resource tensor @res to @val's size and type. */
static es_status_t bind_variable(es_interp_t *it, es_node_t *n, const es_tensor_t *res, const es_tensor_t *val)
{
    if (!res || res->type != ES_DTYPE_RESOURCE || res->resource < 0 || (uint32_t)res->resource >= it->n_variables) {
        return es__fail(it, n, ES_ERR_MODEL, "variable operator without a VAR_HANDLE resource");
    }
    es_variable_t *var = &it->variables[res->resource];
    if (!var->data) {
        var->data = es__persist(it, val->bytes);
        if (!var->data) {
            return es__fail(it, n, ES_ERR_NO_MEMORY, "arena too small for resource variables");
        }
        var->bytes = val->bytes;
        var->type = val->type;
    } else if (var->bytes != val->bytes || var->type != val->type) {
        return es__fail(it, n, ES_ERR_SHAPE, "resource variable used with two sizes or types");
    }
    return ES_OK;
}

static es_status_t read_var_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es_tensor_t *out = es__out(sg, n, 0);
    if (!out) {
        return es__fail(it, n, ES_ERR_MODEL, "READ_VARIABLE needs an output");
    }
    return bind_variable(it, n, es__in(sg, n, 0), out);
}

static es_status_t read_var_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    const es_variable_t *var = &it->variables[es__in(sg, n, 0)->resource];
    memcpy(es__out(sg, n, 0)->data, var->data, var->bytes);
    return ES_OK;
}

static es_status_t assign_var_prepare(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es_tensor_t *val = es__in(sg, n, 1);
    if (!val) {
        return es__fail(it, n, ES_ERR_MODEL, "ASSIGN_VARIABLE needs a value");
    }
    return bind_variable(it, n, es__in(sg, n, 0), val);
}

static es_status_t assign_var_invoke(es_interp_t *it, es_subgraph_t *sg, es_node_t *n)
{
    es_variable_t *var = &it->variables[es__in(sg, n, 0)->resource];
    memcpy(var->data, es__in(sg, n, 1)->data, var->bytes);
    return ES_OK;
}

/* ---- registry ---- */

static const es__kernel_t kernels[] = {
    {ES_OP_CONCATENATION, concat_prepare, concat_invoke},
    {ES_OP_CONV_2D, es__conv_prepare, es__conv_invoke},
    {ES_OP_DEPTHWISE_CONV_2D, es__dwconv_prepare, es__dwconv_invoke},
    {ES_OP_FULLY_CONNECTED, es__fc_prepare, es__fc_invoke},
    {ES_OP_LOGISTIC, es__logistic_prepare, es__logistic_invoke},
    {ES_OP_RESHAPE, reshape_prepare, copy_invoke},
    {ES_OP_SOFTMAX, es__softmax_prepare, es__softmax_invoke},
    {ES_OP_STRIDED_SLICE, slice_prepare, slice_invoke},
    {ES_OP_SPLIT_V, splitv_prepare, splitv_invoke},
    {ES_OP_QUANTIZE, es__quantize_prepare, es__quantize_invoke},
    {ES_OP_CALL_ONCE, call_once_prepare, call_once_invoke},
    {ES_OP_VAR_HANDLE, var_handle_prepare, nop_invoke},
    {ES_OP_READ_VARIABLE, read_var_prepare, read_var_invoke},
    {ES_OP_ASSIGN_VARIABLE, assign_var_prepare, assign_var_invoke},
};

const es__kernel_t *es__kernel_find(int32_t code)
{
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++) {
        if (kernels[i].code == code) {
            return &kernels[i];
        }
    }
    return NULL;
}
