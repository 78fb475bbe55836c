/* .tflite reader: validates the whole model once, in place. */
#include "earshot/model.h"

#include <string.h>

#include "../kernels/kernels.h"
#include "fb.h"

/* Field ids of the TFLite schema (schema.fbs). */
enum {
    MODEL_VERSION = 0, MODEL_OPCODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4,
    OPCODE_DEPRECATED = 0, OPCODE_BUILTIN = 3,
    SG_TENSORS = 0, SG_INPUTS = 1, SG_OUTPUTS = 2, SG_OPERATORS = 3,
    T_SHAPE = 0, T_TYPE = 1, T_BUFFER = 2, T_NAME = 3, T_QUANT = 4, T_IS_VARIABLE = 5, T_SPARSITY = 6,
    Q_SCALE = 2, Q_ZERO_POINT = 3, Q_DIM = 6,
    OP_OPCODE = 0, OP_INPUTS = 1, OP_OUTPUTS = 2, OP_OPTIONS = 4,
    BUF_DATA = 0, BUF_OFFSET = 1, BUF_SIZE = 2
};

#define FAIL(m, msg)              \
    do {                          \
        (m)->error = (msg);       \
        return ES_ERR_MODEL;      \
    } while (0)

static int dtype_size(uint8_t type, size_t *size)
{
    switch (type) {
    case ES_DTYPE_FLOAT32: case ES_DTYPE_INT32: *size = 4; return 0;
    case ES_DTYPE_INT64: *size = 8; return 0;
    case ES_DTYPE_INT16: *size = 2; return 0;
    case ES_DTYPE_UINT8: case ES_DTYPE_INT8: case ES_DTYPE_BOOL: *size = 1; return 0;
    case ES_DTYPE_RESOURCE: *size = 0; return 0;
    default: return -1;
    }
}

static es__fb_t model_fb(const es_model_t *m)
{
    es__fb_t fb = {m->data, m->size};
    return fb;
}

/* A NUL-terminated string at pos, or NULL when malformed. */
static const char *fb_string(const es__fb_t *fb, uint32_t pos)
{
    uint32_t n = 0, data = 0;
    if (es__fb_vec(fb, pos, 1, &n, &data) != 0 || !es__fb_in(fb, (uint64_t)data + n, 1) ||
        fb->buf[data + n] != 0) {
        return NULL;
    }
    return (const char *)fb->buf + data;
}

/* Locate the data of buffer @index; size 0 and NULL when empty. */
static int buffer_data(const es_model_t *m, uint32_t index, const uint8_t **data, size_t *size)
{
    es__fb_t fb = model_fb(m);
    es__fb_table_t t;
    *data = NULL;
    *size = 0;
    if (index >= m->n_buffers || es__fb_vec_table(&fb, m->buffers, index, &t) != 0) {
        return -1;
    }
    uint32_t n = 0, pos = 0;
    if (es__fb_vec_field(&fb, &t, BUF_DATA, 1, &n, &pos) != 0) {
        return -1;
    }
    if (n > 0) {
        *data = fb.buf + pos;
        *size = n;
        return 0;
    }
    uint64_t off = 0, sz = 0;
    if (es__fb_u64(&fb, &t, BUF_OFFSET, 0, &off) != 0 || es__fb_u64(&fb, &t, BUF_SIZE, 0, &sz) != 0) {
        return -1;
    }
    if (off > 1) {
        if (!es__fb_in(&fb, off, sz)) {
            return -1;
        }
        *data = fb.buf + off;
        *size = (size_t)sz;
    }
    return 0;
}

es_status_t es_model_tensor_info(const es_model_t *m, uint32_t sg, uint32_t index,
                                 es_model_tensor_info_t *info)
{
    if (!m || !info || sg >= m->n_subgraphs || index >= m->subgraphs[sg].n_tensors) {
        return ES_ERR_ARG;
    }
    es__fb_t fb = model_fb(m);
    es__fb_table_t t;
    memset(info, 0, sizeof *info);
    info->name = "";
    if (es__fb_vec_table(&fb, m->subgraphs[sg].tensors, index, &t) != 0) {
        return ES_ERR_MODEL;
    }
    uint32_t n = 0, pos = 0;
    if (es__fb_vec_field(&fb, &t, T_SHAPE, 4, &n, &pos) != 0) {
        return ES_ERR_MODEL;
    }
    if (n > ES_MAX_DIMS) {
        return ES_ERR_UNSUPPORTED;
    }
    if (pos % 4u != 0) {
        return ES_ERR_MODEL; /* shapes are read in place as int32 */
    }
    info->ndim = (int)n;
    info->dims_ptr = (const int32_t *)(const void *)(fb.buf + pos);
    size_t count = 1;
    for (uint32_t i = 0; i < n; i++) {
        int32_t d = (int32_t)es__rd_u32(fb.buf + pos + 4u * i);
        if (d < 0 || d > (1 << 24)) {
            return ES_ERR_MODEL;
        }
        info->dims[i] = d;
        if (d != 0 && count > (size_t)0x7fffffff / (size_t)d) {
            return ES_ERR_MODEL;
        }
        count *= (size_t)d;
    }
    uint8_t type = 0, isvar = 0;
    int32_t buf_index = 0;
    size_t esize = 0;
    if (es__fb_u8(&fb, &t, T_TYPE, 0, &type) != 0 || es__fb_i32(&fb, &t, T_BUFFER, 0, &buf_index) != 0 ||
        es__fb_u8(&fb, &t, T_IS_VARIABLE, 0, &isvar) != 0) {
        return ES_ERR_MODEL;
    }
    if (dtype_size(type, &esize) != 0) {
        return ES_ERR_UNSUPPORTED;
    }
    info->type = (es_dtype_t)type;
    info->is_variable = isvar != 0;
    if (buf_index < 0 || (uint32_t)buf_index >= m->n_buffers) {
        return ES_ERR_MODEL;
    }
    const uint8_t *data = NULL;
    size_t size = 0;
    if (buffer_data(m, (uint32_t)buf_index, &data, &size) != 0) {
        return ES_ERR_MODEL;
    }
    if (data != NULL) {
        if (type == ES_DTYPE_RESOURCE || size != count * esize) {
            return ES_ERR_MODEL;
        }
        size_t align = esize < 4 ? esize : 4; /* the model itself is 4-byte aligned */
        if (align > 1 && (size_t)(data - m->data) % align != 0) {
            return ES_ERR_MODEL; /* kernels read constants in place */
        }
        info->const_data = data;
        info->const_size = size;
    }
    uint32_t npos = 0;
    int r = es__fb_ref(&fb, &t, T_NAME, &npos);
    if (r < 0) {
        return ES_ERR_MODEL;
    }
    if (r > 0) {
        const char *s = fb_string(&fb, npos);
        if (!s) {
            return ES_ERR_MODEL;
        }
        info->name = s;
    }
    uint32_t sp = 0;
    if (es__fb_ref(&fb, &t, T_SPARSITY, &sp) != 0) {
        return ES_ERR_UNSUPPORTED; /* sparse tensors are not supported (or malformed) */
    }
    uint32_t qpos = 0;
    r = es__fb_ref(&fb, &t, T_QUANT, &qpos);
    if (r < 0) {
        return ES_ERR_MODEL;
    }
    if (r > 0) {
        es__fb_table_t q;
        uint32_t ns = 0, sdata = 0, nz = 0, zdata = 0;
        int32_t qdim = 0;
        if (es__fb_table_at(&fb, qpos, &q) != 0 || es__fb_vec_field(&fb, &q, Q_SCALE, 4, &ns, &sdata) != 0 ||
            es__fb_vec_field(&fb, &q, Q_ZERO_POINT, 8, &nz, &zdata) != 0 ||
            es__fb_i32(&fb, &q, Q_DIM, 0, &qdim) != 0) {
            return ES_ERR_MODEL;
        }
        if (ns > 0) {
            if (nz != 0 && nz != ns) {
                return ES_ERR_MODEL;
            }
            if (ns > 1 && (qdim < 0 || qdim >= info->ndim || (uint32_t)info->dims[qdim] != ns)) {
                return ES_ERR_MODEL;
            }
            info->n_scales = ns;
            info->scales_pos = sdata;
            info->zero_points_pos = nz ? zdata : 0;
            info->quantized_dim = qdim;
            uint32_t u = es__rd_u32(fb.buf + sdata);
            memcpy(&info->scale, &u, sizeof u);
            if (nz) {
                int64_t zp = (int64_t)es__rd_u64(fb.buf + zdata);
                if (zp < -32768 || zp > 65535) {
                    return ES_ERR_MODEL;
                }
                int64_t zlo = type == ES_DTYPE_UINT8 ? 0 : type == ES_DTYPE_INT8 ? -128 : -32768;
                int64_t zhi = type == ES_DTYPE_UINT8 ? 255 : type == ES_DTYPE_INT8 ? 127 : 32767;
                if (zp < zlo || zp > zhi) {
                    return ES_ERR_MODEL; /* zero point outside the tensor type's range */
                }
                info->zero_point = (int32_t)zp;
            }
            for (uint32_t i = 0; i < ns; i++) {
                float s = es_model_tensor_scale(m, info, i);
                if (!(s > 0.0f) || s > 1e30f) { /* also rejects NaN */
                    return ES_ERR_MODEL;
                }
            }
        }
    }
    return ES_OK;
}

float es_model_tensor_scale(const es_model_t *model, const es_model_tensor_info_t *info, uint32_t i)
{
    float s = 0.0f;
    uint32_t u = es__rd_u32(model->data + info->scales_pos + 4u * i);
    memcpy(&s, &u, sizeof s);
    return s;
}

static int32_t opcode_builtin(const es_model_t *m, uint32_t index, int *ok)
{
    es__fb_t fb = model_fb(m);
    es__fb_table_t t;
    uint8_t dep = 0;
    int32_t code = 0;
    *ok = 0;
    if (es__fb_vec_table(&fb, m->opcodes, index, &t) != 0 || es__fb_u8(&fb, &t, OPCODE_DEPRECATED, 0, &dep) != 0 ||
        es__fb_i32(&fb, &t, OPCODE_BUILTIN, 0, &code) != 0) {
        return -1;
    }
    *ok = 1;
    return code > (int32_t)dep ? code : (int32_t)dep;
}

int32_t es_model_op_code(const es_model_t *m, uint32_t sg, uint32_t op)
{
    es__fb_t fb = model_fb(m);
    es__fb_table_t t;
    uint32_t idx = 0;
    int ok = 0;
    if (sg >= m->n_subgraphs || op >= m->subgraphs[sg].n_operators ||
        es__fb_vec_table(&fb, m->subgraphs[sg].operators, op, &t) != 0) {
        return -1;
    }
    int32_t oi = 0;
    if (es__fb_i32(&fb, &t, OP_OPCODE, 0, &oi) != 0) {
        return -1;
    }
    idx = (uint32_t)oi;
    if (idx >= m->n_opcodes) {
        return -1;
    }
    int32_t code = opcode_builtin(m, idx, &ok);
    return ok ? code : -1;
}

static es_status_t check_index_vec(const es__fb_t *fb, uint32_t data, uint32_t n, uint32_t n_tensors,
                                   int allow_optional)
{
    for (uint32_t i = 0; i < n; i++) {
        int32_t v = (int32_t)es__rd_u32(fb->buf + data + 4u * i);
        if (v == -1 && allow_optional) {
            continue;
        }
        if (v < 0 || (uint32_t)v >= n_tensors) {
            return ES_ERR_MODEL;
        }
    }
    return ES_OK;
}

static es_status_t load_subgraph(es_model_t *m, uint32_t index)
{
    es__fb_t fb = model_fb(m);
    es__fb_table_t t;
    es_model_subgraph_t *sg = &m->subgraphs[index];
    if (es__fb_vec_table(&fb, m->subgraphs_pos, index, &t) != 0) {
        FAIL(m, "subgraph table out of bounds");
    }
    if (es__fb_vec_field(&fb, &t, SG_TENSORS, 4, &sg->n_tensors, &sg->tensors) != 0 ||
        es__fb_vec_field(&fb, &t, SG_INPUTS, 4, &sg->n_inputs, &sg->inputs) != 0 ||
        es__fb_vec_field(&fb, &t, SG_OUTPUTS, 4, &sg->n_outputs, &sg->outputs) != 0 ||
        es__fb_vec_field(&fb, &t, SG_OPERATORS, 4, &sg->n_operators, &sg->operators) != 0) {
        FAIL(m, "subgraph vectors out of bounds");
    }
    if (sg->n_tensors > 32767 || sg->n_operators > 32767) {
        m->error = "too many tensors or operators";
        return ES_ERR_UNSUPPORTED;
    }
    if (check_index_vec(&fb, sg->inputs, sg->n_inputs, sg->n_tensors, 0) != ES_OK ||
        check_index_vec(&fb, sg->outputs, sg->n_outputs, sg->n_tensors, 0) != ES_OK) {
        FAIL(m, "subgraph input/output index out of range");
    }
    for (uint32_t i = 0; i < sg->n_tensors; i++) {
        es_model_tensor_info_t info;
        es_status_t st = es_model_tensor_info(m, index, i, &info);
        if (st != ES_OK) {
            m->error = st == ES_ERR_UNSUPPORTED ? "unsupported tensor (type, rank or sparsity)"
                                                : "malformed tensor (shape, buffer, name or quantization)";
            return st;
        }
    }
    for (uint32_t i = 0; i < sg->n_operators; i++) {
        es__fb_table_t op;
        int32_t oi = 0;
        uint32_t ni = 0, di = 0, no = 0, dout = 0, opt = 0;
        if (es__fb_vec_table(&fb, sg->operators, i, &op) != 0 || es__fb_i32(&fb, &op, OP_OPCODE, 0, &oi) != 0) {
            FAIL(m, "operator table out of bounds");
        }
        if (oi < 0 || (uint32_t)oi >= m->n_opcodes) {
            FAIL(m, "operator opcode index out of range");
        }
        if (es__fb_vec_field(&fb, &op, OP_INPUTS, 4, &ni, &di) != 0 ||
            es__fb_vec_field(&fb, &op, OP_OUTPUTS, 4, &no, &dout) != 0) {
            FAIL(m, "operator input/output vectors out of bounds");
        }
        if (ni > 16 || no > 16) {
            m->error = "operator has more than 16 inputs or outputs";
            return ES_ERR_UNSUPPORTED;
        }
        if (check_index_vec(&fb, di, ni, sg->n_tensors, 1) != ES_OK ||
            check_index_vec(&fb, dout, no, sg->n_tensors, 0) != ES_OK) {
            FAIL(m, "operator tensor index out of range");
        }
        int r = es__fb_ref(&fb, &op, OP_OPTIONS, &opt);
        es__fb_table_t ot;
        if (r < 0 || (r > 0 && es__fb_table_at(&fb, opt, &ot) != 0)) {
            FAIL(m, "operator options out of bounds");
        }
    }
    return ES_OK;
}

es_status_t es_model_load(es_model_t *m, const void *data, size_t size)
{
    if (!m) {
        return ES_ERR_ARG;
    }
    memset(m, 0, sizeof *m);
    m->error_op = -1;
    m->error = "";
    if (!data) {
        m->error = "no model data";
        return ES_ERR_ARG;
    }
    if ((uintptr_t)data % 4u != 0) {
        m->error = "model bytes must start at a 4-byte aligned address";
        return ES_ERR_ARG;
    }
    m->data = (const uint8_t *)data;
    m->size = size;
    es__fb_t fb = model_fb(m);
    if (size < 16 || size > 0x7fffffffu) {
        FAIL(m, "model too small or too large to be a .tflite file");
    }
    if (memcmp(fb.buf + 4, "TFL3", 4) != 0) {
        FAIL(m, "missing TFL3 file identifier (not a .tflite model)");
    }
    es__fb_table_t root;
    if (es__fb_table_at(&fb, es__rd_u32(fb.buf), &root) != 0) {
        FAIL(m, "root table out of bounds");
    }
    int32_t version = 0;
    if (es__fb_i32(&fb, &root, MODEL_VERSION, 0, &version) != 0) {
        FAIL(m, "bad version field");
    }
    if (version != 3) {
        m->error = "unsupported schema version (expected 3)";
        return ES_ERR_UNSUPPORTED;
    }
    m->version = (uint32_t)version;
    if (es__fb_vec_field(&fb, &root, MODEL_OPCODES, 4, &m->n_opcodes, &m->opcodes) != 0 ||
        es__fb_vec_field(&fb, &root, MODEL_SUBGRAPHS, 4, &m->n_subgraphs, &m->subgraphs_pos) != 0 ||
        es__fb_vec_field(&fb, &root, MODEL_BUFFERS, 4, &m->n_buffers, &m->buffers) != 0) {
        FAIL(m, "model vectors out of bounds");
    }
    if (m->n_subgraphs == 0) {
        FAIL(m, "model has no subgraph");
    }
    if (m->n_subgraphs > ES_MAX_SUBGRAPHS) {
        m->error = "too many subgraphs";
        return ES_ERR_UNSUPPORTED;
    }
    for (uint32_t i = 0; i < m->n_buffers; i++) {
        const uint8_t *d;
        size_t s;
        if (buffer_data(m, i, &d, &s) != 0) {
            FAIL(m, "buffer out of bounds");
        }
    }
    for (uint32_t i = 0; i < m->n_opcodes; i++) {
        int ok = 0;
        int32_t code = opcode_builtin(m, i, &ok);
        if (!ok) {
            FAIL(m, "operator code table out of bounds");
        }
        if (es__kernel_find(code) == NULL) {
            m->error_op = code;
            m->error = "operator not supported by this build";
            return ES_ERR_UNSUPPORTED_OP;
        }
    }
    for (uint32_t i = 0; i < m->n_subgraphs; i++) {
        es_status_t st = load_subgraph(m, i);
        if (st != ES_OK) {
            return st;
        }
    }
    m->error = "";
    return ES_OK;
}
