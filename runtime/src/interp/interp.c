/* Interpreter: records, prepare, memory planning, invoke. */
#include "earshot/interp.h"

#include <string.h>

#include "../kernels/kernels.h"

enum { OP_OPTIONS_FIELD = 4 };

static size_t align_up(size_t v)
{
    return (v + (ES_ARENA_ALIGN - 1)) & ~(size_t)(ES_ARENA_ALIGN - 1);
}

void *es__persist(es_interp_t *it, size_t bytes)
{
    size_t need = (bytes + (ES_PERSIST_ALIGN - 1)) & ~(size_t)(ES_PERSIST_ALIGN - 1);
    if (need == 0) {
        need = ES_PERSIST_ALIGN;
    }
    if (need > it->tail || it->tail - need < it->head) {
        return NULL;
    }
    it->tail -= need;
    memset(it->arena + it->tail, 0, need);
    return it->arena + it->tail;
}

es_status_t es__fail(es_interp_t *it, const es_node_t *node, es_status_t st, const char *msg)
{
    it->error = msg;
    if (node) {
        it->error_op_index = node->index;
        it->error_op_code = node->kernel ? node->kernel->code : -1;
    }
    return st;
}

int es__options(const es_interp_t *it, const es_node_t *node, es__fb_t *fb, es__fb_table_t *t)
{
    fb->buf = it->model->data;
    fb->len = it->model->size;
    if (node->options_pos == 0) {
        return -1;
    }
    return es__fb_table_at(fb, node->options_pos, t);
}

es_status_t es__act_range(uint8_t act, const es_tensor_t *out, int32_t *lo, int32_t *hi)
{
    int32_t qmin = out->type == ES_DTYPE_UINT8 ? 0 : -128;
    int32_t qmax = out->type == ES_DTYPE_UINT8 ? 255 : 127;
    float s = out->scale;
    int32_t zp = out->zero_point;
    /* TFLite: zero_point + round(f / scale), float division, round half away. */
#define ES_Q(f) (zp + (int32_t)((f) / s >= 0.0f ? (int32_t)((f) / s + 0.5f) : -(int32_t)(-(f) / s + 0.5f)))
    switch (act) {
    case 0: *lo = qmin; *hi = qmax; break;
    case 1: *lo = zp > qmin ? zp : qmin; *hi = qmax; break;
    case 2: {
        int32_t a = ES_Q(-1.0f), b = ES_Q(1.0f);
        *lo = a > qmin ? a : qmin;
        *hi = b < qmax ? b : qmax;
        break;
    }
    case 3: {
        int32_t b = ES_Q(6.0f);
        *lo = zp > qmin ? zp : qmin;
        *hi = b < qmax ? b : qmax;
        break;
    }
    default: return ES_ERR_UNSUPPORTED;
    }
#undef ES_Q
    return ES_OK;
}

/* Build tensor and node records of subgraph @index (persistent). */
static es_status_t build_subgraph(es_interp_t *it, uint32_t index)
{
    const es_model_t *m = it->model;
    const es_model_subgraph_t *ms = &m->subgraphs[index];
    es_subgraph_t *sg = &it->subgraphs[index];
    es__fb_t fb = {m->data, m->size};
    memset(sg, 0, sizeof *sg);
    sg->n_tensors = (uint16_t)ms->n_tensors;
    sg->n_nodes = (uint16_t)ms->n_operators;
    sg->n_inputs = (uint16_t)ms->n_inputs;
    sg->n_outputs = (uint16_t)ms->n_outputs;
    sg->tensors = (es_tensor_t *)es__persist(it, sizeof(es_tensor_t) * (ms->n_tensors ? ms->n_tensors : 1));
    sg->nodes = (es_node_t *)es__persist(it, sizeof(es_node_t) * (ms->n_operators ? ms->n_operators : 1));
    int16_t *io = (int16_t *)es__persist(it, sizeof(int16_t) * (ms->n_inputs + ms->n_outputs + 1u));
    if (!sg->tensors || !sg->nodes || !io) {
        return es__fail(it, NULL, ES_ERR_NO_MEMORY, "arena too small for tensor and operator records");
    }
    for (uint32_t i = 0; i < ms->n_inputs; i++) {
        io[i] = (int16_t)es__rd_u32(m->data + ms->inputs + 4u * i);
    }
    for (uint32_t i = 0; i < ms->n_outputs; i++) {
        io[ms->n_inputs + i] = (int16_t)es__rd_u32(m->data + ms->outputs + 4u * i);
    }
    sg->inputs = io;
    sg->outputs = io + ms->n_inputs;
    for (uint32_t i = 0; i < ms->n_tensors; i++) {
        es_model_tensor_info_t info;
        es_status_t st = es_model_tensor_info(m, index, i, &info);
        if (st != ES_OK) {
            return es__fail(it, NULL, st, "malformed tensor");
        }
        es_tensor_t *t = &sg->tensors[i];
        t->type = (uint8_t)info.type;
        t->ndim = (uint8_t)info.ndim;
        t->dims = info.dims_ptr;
        size_t esize = info.type == ES_DTYPE_INT32 || info.type == ES_DTYPE_FLOAT32 ? 4
                       : info.type == ES_DTYPE_INT64                                ? 8
                       : info.type == ES_DTYPE_INT16                                ? 2
                       : info.type == ES_DTYPE_RESOURCE                             ? 0
                                                                                    : 1;
        size_t count = 1;
        for (int d = 0; d < info.ndim; d++) {
            count *= (size_t)info.dims[d];
        }
        if (count * esize > 0x7fffffffu) {
            return es__fail(it, NULL, ES_ERR_UNSUPPORTED, "tensor larger than 2 GiB");
        }
        t->bytes = (uint32_t)(count * esize);
        t->scale = info.scale;
        t->zero_point = info.zero_point;
        t->scales_pos = info.n_scales > 1 ? info.scales_pos : 0;
        t->n_scales = (uint16_t)(info.n_scales > 65535 ? 65535 : info.n_scales);
        t->resource = -1;
        if (info.const_data) {
            t->data = (void *)(uintptr_t)info.const_data;
            t->is_const = 1;
        }
    }
    for (uint32_t i = 0; i < ms->n_operators; i++) {
        es__fb_table_t op;
        uint32_t ni = 0, di = 0, no = 0, dout = 0, opt = 0;
        es_node_t *n = &sg->nodes[i];
        /* es_model_load() validated all of these. */
        if (es__fb_vec_table(&fb, ms->operators, i, &op) != 0 ||
            es__fb_vec_field(&fb, &op, 1, 4, &ni, &di) != 0 || es__fb_vec_field(&fb, &op, 2, 4, &no, &dout) != 0) {
            return es__fail(it, NULL, ES_ERR_MODEL, "malformed operator");
        }
        n->index = (uint16_t)i;
        n->kernel = es__kernel_find(es_model_op_code(m, index, i));
        if (!n->kernel) {
            return es__fail(it, n, ES_ERR_UNSUPPORTED_OP, "operator not supported by this build");
        }
        if (es__fb_ref(&fb, &op, OP_OPTIONS_FIELD, &opt) > 0) {
            n->options_pos = opt;
        }
        int16_t *v = (int16_t *)es__persist(it, sizeof(int16_t) * (ni + no + 1u));
        if (!v) {
            return es__fail(it, n, ES_ERR_NO_MEMORY, "arena too small for operator records");
        }
        for (uint32_t k = 0; k < ni; k++) {
            v[k] = (int16_t)(int32_t)es__rd_u32(m->data + di + 4u * k);
        }
        for (uint32_t k = 0; k < no; k++) {
            v[ni + k] = (int16_t)(int32_t)es__rd_u32(m->data + dout + 4u * k);
        }
        n->inputs = v;
        n->outputs = v + ni;
        n->n_inputs = (uint8_t)ni;
        n->n_outputs = (uint8_t)no;
    }
    return ES_OK;
}

es_status_t es__prepare_subgraph(es_interp_t *it, uint32_t index)
{
    if (index >= it->n_subgraphs) {
        return es__fail(it, NULL, ES_ERR_MODEL, "subgraph index out of range");
    }
    es_subgraph_t *sg = &it->subgraphs[index];
    if (sg->prepared) {
        return ES_OK;
    }
    sg->prepared = 1; /* set first: guards against CALL_ONCE cycles */
    for (uint32_t i = 0; i < sg->n_nodes; i++) {
        es_node_t *n = &sg->nodes[i];
        es_status_t st = n->kernel->prepare(it, sg, n);
        if (st != ES_OK) {
            if (it->error == NULL) {
                es__fail(it, n, st, "operator prepare failed");
            } else if (it->error_op_index < 0) {
                it->error_op_index = n->index;
                it->error_op_code = n->kernel->code;
            }
            return st;
        }
    }
    return ES_OK;
}

es_status_t es__invoke_subgraph(es_interp_t *it, uint32_t index)
{
    es_subgraph_t *sg = &it->subgraphs[index];
    for (uint32_t i = 0; i < sg->n_nodes; i++) {
        es_node_t *n = &sg->nodes[i];
        es_status_t st = n->kernel->invoke(it, sg, n);
        if (st != ES_OK) {
            return es__fail(it, n, st, it->error ? it->error : "operator invoke failed");
        }
    }
    return ES_OK;
}

typedef struct plan_buf {
    uint32_t size;
    uint32_t offset;
    int16_t first, last;
    int16_t tensor;
    int16_t pad;
} plan_buf_t;

static int plannable(const es_tensor_t *t)
{
    return !t->is_const && t->type != ES_DTYPE_RESOURCE && t->bytes > 0;
}

/*
 * Greedy-by-size placement of one subgraph's activations from offset @base.
 * Working records (lifetimes, buffers) live temporarily below the persistent
 * region; they are dead once the offsets are written into the tensors.
 */
static es_status_t plan_subgraph(es_interp_t *it, es_subgraph_t *sg, size_t base, size_t *high)
{
    size_t nt = sg->n_tensors ? sg->n_tensors : 1;
    size_t tmp = sizeof(int16_t) * 2 * nt + sizeof(plan_buf_t) * nt + 8;
    if (tmp > it->tail || it->tail - tmp < base) {
        return ES_ERR_NO_MEMORY;
    }
    uint8_t *tmp_base = it->arena + ((it->tail - tmp + 7u) & ~(size_t)7);
    plan_buf_t *b = (plan_buf_t *)(void *)tmp_base;
    int16_t *first = (int16_t *)(void *)(tmp_base + sizeof(plan_buf_t) * nt);
    int16_t *last = first + nt;
    for (size_t i = 0; i < sg->n_tensors; i++) {
        first[i] = INT16_MAX;
        last[i] = -1;
    }
    for (uint32_t i = 0; i < sg->n_nodes; i++) {
        const es_node_t *n = &sg->nodes[i];
        for (unsigned k = 0; k < (unsigned)n->n_inputs + n->n_outputs; k++) {
            int16_t ti = k < n->n_inputs ? n->inputs[k] : n->outputs[k - n->n_inputs];
            if (ti < 0) {
                continue;
            }
            if (first[ti] > (int16_t)i) {
                first[ti] = (int16_t)i;
            }
            if (last[ti] < (int16_t)i) {
                last[ti] = (int16_t)i;
            }
        }
    }
    /* Graph inputs and outputs stay valid across the whole invoke and between invokes. */
    int16_t end = (int16_t)(sg->n_nodes ? sg->n_nodes - 1 : 0);
    for (uint32_t k = 0; k < (uint32_t)sg->n_inputs + sg->n_outputs; k++) {
        int16_t ti = k < sg->n_inputs ? sg->inputs[k] : sg->outputs[k - sg->n_inputs];
        first[ti] = 0;
        last[ti] = end;
    }
    uint32_t nb = 0;
    for (uint32_t i = 0; i < sg->n_tensors; i++) {
        if (plannable(&sg->tensors[i]) && first[i] <= last[i]) {
            b[nb].size = (uint32_t)align_up(sg->tensors[i].bytes);
            b[nb].first = first[i];
            b[nb].last = last[i];
            b[nb].tensor = (int16_t)i;
            b[nb].offset = 0;
            nb++;
        }
    }
    /* Insertion sort by size, largest first (ties keep tensor order). */
    for (uint32_t i = 1; i < nb; i++) {
        plan_buf_t x = b[i];
        uint32_t j = i;
        while (j > 0 && b[j - 1].size < x.size) {
            b[j] = b[j - 1];
            j--;
        }
        b[j] = x;
    }
    size_t top = 0;
    for (uint32_t i = 0; i < nb; i++) {
        uint32_t off = 0;
        int moved = 1;
        while (moved) {
            moved = 0;
            for (uint32_t j = 0; j < i; j++) {
                if (b[j].last < b[i].first || b[i].last < b[j].first) {
                    continue; /* lifetimes disjoint */
                }
                if (off < b[j].offset + b[j].size && b[j].offset < off + b[i].size) {
                    off = b[j].offset + b[j].size;
                    moved = 1;
                }
            }
        }
        b[i].offset = off;
        if (off + b[i].size > top) {
            top = off + b[i].size;
        }
    }
    /* Planning itself needs base + top + its records below the persistent region. */
    size_t need = base + top + tmp + 8u + (it->arena_size - it->tail);
    if (need > it->peak) {
        it->peak = need;
    }
    if (base + top > (size_t)(tmp_base - it->arena)) {
        return ES_ERR_NO_MEMORY;
    }
    for (uint32_t i = 0; i < nb; i++) {
        es_tensor_t *t = &sg->tensors[b[i].tensor];
        t->data = it->arena + base + b[i].offset;
        t->planned = 1;
    }
    *high = base + top;
    return ES_OK;
}

es_status_t es_interp_prepare(es_interp_t *it, const es_model_t *model, const es_hal_ops_t *hal,
                              void *arena, size_t arena_size, const es_interp_options_t *options)
{
    if (!it || !model || !hal || !arena || !model->data) {
        return ES_ERR_ARG;
    }
    memset(it, 0, sizeof *it);
    it->error_op_index = -1;
    it->error_op_code = -1;
    it->model = model;
    it->hal = hal;
    it->compat = options ? options->compat : ES_COMPAT_TFLITE;
    if ((unsigned)it->compat > (unsigned)ES_COMPAT_TFLM) {
        it->error = "unknown compat mode";
        return ES_ERR_ARG;
    }
    uintptr_t a = (uintptr_t)arena;
    size_t skip = (size_t)((ES_ARENA_ALIGN - (a % ES_ARENA_ALIGN)) % ES_ARENA_ALIGN);
    if (arena_size < skip + ES_ARENA_ALIGN) {
        it->error = "arena too small";
        return ES_ERR_NO_MEMORY;
    }
    it->arena = (uint8_t *)arena + skip;
    it->arena_size = (arena_size - skip) & ~(size_t)(ES_ARENA_ALIGN - 1);
    it->tail = it->arena_size;
    it->head = 0;
    it->n_subgraphs = model->n_subgraphs;
    for (uint32_t s = 0; s < it->n_subgraphs; s++) {
        es_status_t st = build_subgraph(it, s);
        if (st != ES_OK) {
            return st;
        }
    }
    es_status_t st = es__prepare_subgraph(it, 0);
    if (st != ES_OK) {
        return st;
    }
    size_t high = 0;
    for (uint32_t s = 0; s < it->n_subgraphs; s++) {
        es_subgraph_t *sg = &it->subgraphs[s];
        if (!sg->prepared) {
            continue;
        }
        size_t h = 0;
        st = plan_subgraph(it, sg, align_up(high), &h);
        if (st != ES_OK) {
            it->error = "arena too small for activations";
            return st;
        }
        high = h;
    }
    size_t scratch = 0;
    for (uint32_t s = 0; s < it->n_subgraphs; s++) {
        for (uint32_t i = 0; i < it->subgraphs[s].n_nodes; i++) {
            if (it->subgraphs[s].nodes[i].scratch_bytes > scratch) {
                scratch = it->subgraphs[s].nodes[i].scratch_bytes;
            }
        }
    }
    high = align_up(high);
    if (high + align_up(scratch) > it->tail) {
        it->head = high + align_up(scratch);
        it->error = "arena too small for activations and scratch";
        return ES_ERR_NO_MEMORY;
    }
    it->scratch = scratch ? it->arena + high : NULL;
    it->scratch_bytes = scratch;
    it->head = high + align_up(scratch);
    memset(it->arena, 0, it->head);
    it->prepared = 1;
    it->error = NULL;
    return ES_OK;
}

es_status_t es_interp_invoke(es_interp_t *it)
{
    if (!it) {
        return ES_ERR_ARG;
    }
    if (!it->prepared) {
        return ES_ERR_STATE;
    }
    return es__invoke_subgraph(it, 0);
}

es_status_t es_interp_reset(es_interp_t *it)
{
    if (!it) {
        return ES_ERR_ARG;
    }
    if (!it->prepared) {
        return ES_ERR_STATE;
    }
    for (uint32_t v = 0; v < it->n_variables; v++) {
        if (it->variables[v].data) {
            memset(it->variables[v].data, 0, it->variables[v].bytes);
        }
    }
    for (uint32_t s = 0; s < it->n_subgraphs; s++) {
        es_subgraph_t *sg = &it->subgraphs[s];
        for (uint32_t i = 0; i < sg->n_nodes; i++) {
            if (sg->nodes[i].kernel->code == ES_OP_CALL_ONCE && sg->nodes[i].user) {
                *(uint32_t *)sg->nodes[i].user = 0;
            }
        }
    }
    return ES_OK;
}

size_t es_interp_input_count(const es_interp_t *it)
{
    return it && it->prepared ? it->subgraphs[0].n_inputs : 0;
}

size_t es_interp_output_count(const es_interp_t *it)
{
    return it && it->prepared ? it->subgraphs[0].n_outputs : 0;
}

es_tensor_t *es_interp_input(es_interp_t *it, size_t i)
{
    if (!it || !it->prepared || i >= it->subgraphs[0].n_inputs) {
        return NULL;
    }
    return &it->subgraphs[0].tensors[it->subgraphs[0].inputs[i]];
}

es_tensor_t *es_interp_output(es_interp_t *it, size_t i)
{
    if (!it || !it->prepared || i >= it->subgraphs[0].n_outputs) {
        return NULL;
    }
    return &it->subgraphs[0].tensors[it->subgraphs[0].outputs[i]];
}

es_tensor_t *es_interp_tensor(es_interp_t *it, size_t index)
{
    if (!it || !it->prepared || index >= it->subgraphs[0].n_tensors) {
        return NULL;
    }
    return &it->subgraphs[0].tensors[index];
}

size_t es_interp_arena_used(const es_interp_t *it)
{
    if (!it) {
        return 0;
    }
    size_t used = it->head + (it->arena_size - it->tail);
    return used > it->peak ? used : it->peak;
}
