/* Bounds-checked FlatBuffer access over untrusted bytes (private). */
#ifndef EARSHOT_FB_H
#define EARSHOT_FB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct es__fb {
    const uint8_t *buf;
    size_t len;
} es__fb_t;

/* A located table: its position, and its vtable's position and size. */
typedef struct es__fb_table {
    uint32_t pos;
    uint32_t vt;
    uint16_t vt_size;
    uint16_t tbl_size;
} es__fb_table_t;

static inline uint32_t es__rd_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint16_t es__rd_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint64_t es__rd_u64(const uint8_t *p)
{
    return (uint64_t)es__rd_u32(p) | ((uint64_t)es__rd_u32(p + 4) << 32);
}

static inline int es__fb_in(const es__fb_t *fb, uint64_t pos, uint64_t n)
{
    return pos <= fb->len && n <= fb->len - pos;
}

/* Locate the table at @pos; 0 on success. */
static inline int es__fb_table_at(const es__fb_t *fb, uint32_t pos, es__fb_table_t *t)
{
    if (!es__fb_in(fb, pos, 4)) {
        return -1;
    }
    int32_t soff = (int32_t)es__rd_u32(fb->buf + pos);
    int64_t vt = (int64_t)pos - (int64_t)soff;
    if (vt < 0 || !es__fb_in(fb, (uint64_t)vt, 4)) {
        return -1;
    }
    uint16_t vt_size = es__rd_u16(fb->buf + vt);
    uint16_t tbl_size = es__rd_u16(fb->buf + vt + 2);
    if (vt_size < 4 || (vt_size & 1u) || !es__fb_in(fb, (uint64_t)vt, vt_size) || tbl_size < 4 ||
        !es__fb_in(fb, pos, tbl_size)) {
        return -1;
    }
    t->pos = pos;
    t->vt = (uint32_t)vt;
    t->vt_size = vt_size;
    t->tbl_size = tbl_size;
    return 0;
}

/* Offset of field @id inside the table, 0 when absent; -1 when the field would overrun. */
static inline int32_t es__fb_field(const es__fb_t *fb, const es__fb_table_t *t, unsigned id,
                                   unsigned size)
{
    unsigned slot = 4u + 2u * id;
    if (slot + 2u > t->vt_size) {
        return 0;
    }
    uint16_t fo = es__rd_u16(fb->buf + t->vt + slot);
    if (fo == 0) {
        return 0;
    }
    if ((uint32_t)fo + size > t->tbl_size) {
        return -1;
    }
    return fo;
}

/* Scalar fields: return 0 and store the value or the default; -1 when malformed. */
static inline int es__fb_u8(const es__fb_t *fb, const es__fb_table_t *t, unsigned id, uint8_t def,
                            uint8_t *out)
{
    int32_t fo = es__fb_field(fb, t, id, 1);
    if (fo < 0) {
        return -1;
    }
    *out = fo ? fb->buf[t->pos + (uint32_t)fo] : def;
    return 0;
}

static inline int es__fb_i32(const es__fb_t *fb, const es__fb_table_t *t, unsigned id, int32_t def,
                             int32_t *out)
{
    int32_t fo = es__fb_field(fb, t, id, 4);
    if (fo < 0) {
        return -1;
    }
    *out = fo ? (int32_t)es__rd_u32(fb->buf + t->pos + (uint32_t)fo) : def;
    return 0;
}

static inline int es__fb_f32(const es__fb_t *fb, const es__fb_table_t *t, unsigned id, float def,
                             float *out)
{
    int32_t fo = es__fb_field(fb, t, id, 4);
    if (fo < 0) {
        return -1;
    }
    if (fo) {
        uint32_t u = es__rd_u32(fb->buf + t->pos + (uint32_t)fo);
        memcpy(out, &u, sizeof u);
    } else {
        *out = def;
    }
    return 0;
}

static inline int es__fb_u64(const es__fb_t *fb, const es__fb_table_t *t, unsigned id, uint64_t def,
                             uint64_t *out)
{
    int32_t fo = es__fb_field(fb, t, id, 8);
    if (fo < 0) {
        return -1;
    }
    *out = fo ? es__rd_u64(fb->buf + t->pos + (uint32_t)fo) : def;
    return 0;
}

/* Follow an offset field. Returns 1 and sets *target when present, 0 when absent, -1 malformed. */
static inline int es__fb_ref(const es__fb_t *fb, const es__fb_table_t *t, unsigned id,
                             uint32_t *target)
{
    int32_t fo = es__fb_field(fb, t, id, 4);
    if (fo <= 0) {
        return fo;
    }
    uint64_t at = (uint64_t)t->pos + (uint32_t)fo;
    uint64_t tgt = at + es__rd_u32(fb->buf + at);
    if (tgt >= fb->len) {
        return -1;
    }
    *target = (uint32_t)tgt;
    return 1;
}

/* A vector at @pos with elements of @elem bytes: stores count and the data position. */
static inline int es__fb_vec(const es__fb_t *fb, uint32_t pos, unsigned elem, uint32_t *count,
                             uint32_t *data)
{
    if (!es__fb_in(fb, pos, 4)) {
        return -1;
    }
    uint32_t n = es__rd_u32(fb->buf + pos);
    if (!es__fb_in(fb, (uint64_t)pos + 4u, (uint64_t)n * elem)) {
        return -1;
    }
    *count = n;
    *data = pos + 4u;
    return 0;
}

/* Optional vector field: absent gives count 0. */
static inline int es__fb_vec_field(const es__fb_t *fb, const es__fb_table_t *t, unsigned id,
                                   unsigned elem, uint32_t *count, uint32_t *data)
{
    uint32_t pos = 0;
    int r = es__fb_ref(fb, t, id, &pos);
    if (r < 0) {
        return -1;
    }
    if (r == 0) {
        *count = 0;
        *data = 0;
        return 0;
    }
    return es__fb_vec(fb, pos, elem, count, data);
}

/* Element @i of a vector of tables: locate that table. */
static inline int es__fb_vec_table(const es__fb_t *fb, uint32_t data, uint32_t i, es__fb_table_t *t)
{
    uint64_t at = (uint64_t)data + 4u * (uint64_t)i;
    if (!es__fb_in(fb, at, 4)) {
        return -1;
    }
    uint64_t tgt = at + es__rd_u32(fb->buf + at);
    if (tgt >= fb->len) {
        return -1;
    }
    return es__fb_table_at(fb, (uint32_t)tgt, t);
}

#endif /* EARSHOT_FB_H */
