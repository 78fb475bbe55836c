/* Earshot serial protocol v1 framing: COBS, CRC-32, parser, builder. */
#include "proto.h"

#include <string.h>

uint32_t es_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

size_t es_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    if (cap < ES_COBS_MAX(len) || (in == NULL && len > 0) || out == NULL) {
        return 0;
    }
    size_t code_pos = 0;
    size_t o = 1;
    uint8_t code = 1;
    for (size_t i = 0; i < len; i++) {
        if (in[i] == 0) {
            out[code_pos] = code;
            code_pos = o++;
            code = 1;
        } else {
            out[o++] = in[i];
            code++;
            if (code == 0xFF) {
                out[code_pos] = code;
                code_pos = o++;
                code = 1;
            }
        }
    }
    out[code_pos] = code;
    return o;
}

es_status_t es_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t i = 0, o = 0;
    while (i < len) {
        uint8_t code = in[i++];
        if (code == 0) {
            return ES_ERR_PROTOCOL;
        }
        size_t run = (size_t)code - 1u;
        if (run > len - i || o + run > cap) {
            return ES_ERR_PROTOCOL;
        }
        for (size_t k = 0; k < run; k++) {
            uint8_t b = in[i + k];
            if (b == 0) {
                return ES_ERR_PROTOCOL;
            }
            out[o + k] = b;
        }
        i += run;
        o += run;
        if (code != 0xFF && i < len) {
            if (o >= cap) {
                return ES_ERR_PROTOCOL;
            }
            out[o++] = 0;
        }
    }
    *out_len = o;
    return ES_OK;
}

void es_proto_parser_init(es_proto_parser_t *p)
{
    p->len = 0;
    p->skipping = 0;
    p->errors = 0;
    p->frames = 0;
}

static es_proto_feed_result_t finish(es_proto_parser_t *p, es_frame_t *out)
{
    size_t n = p->len;
    p->len = 0;
    if (n == 0) {
        return ES_PROTO_NONE; /* back-to-back delimiters: idle line */
    }
    size_t raw = 0;
    /* In place: decoded output never overtakes the input. */
    if (es_cobs_decode(p->buf, n, p->buf, sizeof p->buf, &raw) != ES_OK || raw < ES_PROTO_HEADER + ES_PROTO_CRC) {
        p->errors++;
        return ES_PROTO_DROP;
    }
    const uint8_t *b = p->buf;
    uint32_t crc = es_rd32(b + raw - ES_PROTO_CRC);
    if (es_crc32(0, b, raw - ES_PROTO_CRC) != crc) {
        p->errors++;
        return ES_PROTO_DROP;
    }
    uint16_t length = es_rd16(b + 6);
    if ((size_t)length != raw - ES_PROTO_HEADER - ES_PROTO_CRC) {
        p->errors++;
        return ES_PROTO_DROP;
    }
    out->version = b[0];
    out->type = b[1];
    out->request_id = es_rd16(b + 2);
    out->code = b[4];
    out->flags = b[5];
    out->length = length;
    out->payload = b + ES_PROTO_HEADER;
    out->crc = crc;
    p->frames++;
    return ES_PROTO_FRAME;
}

es_proto_feed_result_t es_proto_feed(es_proto_parser_t *p, uint8_t byte, es_frame_t *out)
{
    if (byte == 0) {
        if (p->skipping) {
            p->skipping = 0;
            p->len = 0;
            return ES_PROTO_NONE; /* already counted when the overflow happened */
        }
        return finish(p, out);
    }
    if (p->skipping) {
        return ES_PROTO_NONE;
    }
    if (p->len >= sizeof p->buf - 1u) {
        p->skipping = 1;
        p->len = 0;
        p->errors++;
        return ES_PROTO_DROP;
    }
    p->buf[p->len++] = byte;
    return ES_PROTO_NONE;
}

size_t es_proto_build(uint8_t type, uint16_t request_id, uint8_t code, uint8_t flags, const uint8_t *payload,
                      size_t len, uint8_t *out, size_t cap)
{
    if (len > 0xFFFFu || out == NULL || (payload == NULL && len > 0)) {
        return 0;
    }
    size_t raw = ES_PROTO_HEADER + len + ES_PROTO_CRC;
    if (cap < ES_COBS_MAX(raw) + 1u) {
        return 0;
    }
    /* Encode incrementally: header | payload | crc without a staging copy.
       Stage the raw frame at the tail of out, then encode to the front
       (COBS output position never passes the input position + 1 ahead of it). */
    size_t start = cap - raw;
    uint8_t *r = out + start;
    memmove(r + ES_PROTO_HEADER, payload != NULL ? payload : r + ES_PROTO_HEADER, len);
    r[0] = ES_PROTO_VERSION;
    r[1] = type;
    es_wr16(r + 2, request_id);
    r[4] = code;
    r[5] = flags;
    es_wr16(r + 6, (uint16_t)len);
    es_wr32(r + ES_PROTO_HEADER + len, es_crc32(0, r, ES_PROTO_HEADER + len));
    /* Encoding in place from the tail to the head is safe: at every step the
       write position (<= read offset from start + 1 + read/254) stays below
       start + read position because start >= raw/254 + 2. */
    size_t code_pos = 0;
    size_t o = 1;
    uint8_t c = 1;
    for (size_t i = 0; i < raw; i++) {
        uint8_t v = out[start + i];
        if (v == 0) {
            out[code_pos] = c;
            code_pos = o++;
            c = 1;
        } else {
            out[o++] = v;
            c++;
            if (c == 0xFF) {
                out[code_pos] = c;
                code_pos = o++;
                c = 1;
            }
        }
    }
    out[code_pos] = c;
    out[o++] = 0;
    return o;
}
