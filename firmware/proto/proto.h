/**
 * @file proto.h
 * @brief Earshot serial protocol v1 framing (docs/PROTOCOL.md): COBS, CRC-32,
 *        a byte-at-a-time frame parser and a frame builder. Pure functions and
 *        one caller-owned parser struct; no allocation.
 */
#ifndef EARSHOT_PROTO_H
#define EARSHOT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "earshot/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ES_PROTO_VERSION 1
#define ES_PROTO_HEADER 8
#define ES_PROTO_CRC 4
/** Largest payload this firmware accepts (a FLASH_WRITE of slot + offset + 4096 data bytes). */
#define ES_PROTO_MAX_PAYLOAD 4101u
/** Largest decoded frame (header + payload + crc). */
#define ES_PROTO_MAX_RAW (ES_PROTO_HEADER + ES_PROTO_MAX_PAYLOAD + ES_PROTO_CRC)
/** Largest COBS encoding of @p n bytes (without the 0x00 delimiter). */
#define ES_COBS_MAX(n) ((n) + (n) / 254u + 1u)
/** Largest encoded frame on the wire, delimiter included. */
#define ES_PROTO_MAX_WIRE (ES_COBS_MAX(ES_PROTO_MAX_RAW) + 1u)

/* Frame types. */
#define ES_TYPE_REQ 1
#define ES_TYPE_RSP 2
#define ES_TYPE_EVT 3
/* Flags. */
#define ES_FLAG_MORE 0x01

/* Commands. */
#define ES_CMD_HELLO 0x01
#define ES_CMD_INFO 0x02
#define ES_CMD_RESET 0x03
#define ES_CMD_FLASH_ERASE 0x10
#define ES_CMD_FLASH_WRITE 0x11
#define ES_CMD_FLASH_VERIFY 0x12
#define ES_CMD_FLASH_COMMIT 0x13
#define ES_CMD_FLASH_STATUS 0x14
#define ES_CMD_CONFIRM 0x15
#define ES_CMD_FLASH_WRITE_LZ 0x16
#define ES_CMD_AUDIO_IN 0x20
#define ES_CMD_AUDIO_OUT 0x21
#define ES_CMD_PROFILE 0x22
#define ES_CMD_LOG_LEVEL 0x23
/* Events. */
#define ES_EVT_LOG 0x80
#define ES_EVT_WAKE 0x81
#define ES_EVT_BOOT 0x82

/** A decoded frame; payload points into the parser's buffer (valid until the next feed). */
typedef struct es_frame {
    uint8_t version;
    uint8_t type;
    uint16_t request_id;
    uint8_t code;
    uint8_t flags;
    uint16_t length;
    const uint8_t *payload;
    uint32_t crc;
} es_frame_t;

/** Streaming frame parser state (caller-owned). */
typedef struct es_proto_parser {
    uint8_t buf[ES_PROTO_MAX_WIRE];
    size_t len;        /* encoded bytes collected since the last 0x00 */
    int skipping;      /* overflowed: drop bytes until the next 0x00 */
    uint32_t errors;   /* frames discarded (rx_errors) */
    uint32_t frames;   /* frames delivered */
} es_proto_parser_t;

/** Result of es_proto_feed(). */
typedef enum es_proto_feed_result {
    ES_PROTO_NONE = 0,  /**< no complete frame yet */
    ES_PROTO_FRAME = 1, /**< *out holds a frame with a valid CRC and length (any version/type) */
    ES_PROTO_DROP = 2   /**< a frame was discarded (counted in errors) */
} es_proto_feed_result_t;

/** IEEE 802.3 CRC-32 continued from @p crc (start with 0). */
uint32_t es_crc32(uint32_t crc, const void *data, size_t len);

/**
 * COBS-encode @p len bytes into @p out (no delimiter appended).
 * @return encoded length, or 0 when @p cap is too small (needs ES_COBS_MAX(len)).
 */
size_t es_cobs_encode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

/**
 * COBS-decode @p len bytes (no delimiter) into @p out; @p out may equal @p in.
 * @return ES_OK with *out_len set; ES_ERR_PROTOCOL on a zero byte, a code
 *         running past the input, or output exceeding @p cap.
 */
es_status_t es_cobs_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/** Reset @p p to its empty state (counters cleared). */
void es_proto_parser_init(es_proto_parser_t *p);

/**
 * Feed one received byte. On ES_PROTO_FRAME, @p out describes the frame; its
 * payload stays valid until the next call.
 */
es_proto_feed_result_t es_proto_feed(es_proto_parser_t *p, uint8_t byte, es_frame_t *out);

/**
 * Build a complete wire frame (COBS + trailing 0x00) into @p out.
 * @return bytes written, or 0 when @p cap is too small or @p len > 65535.
 */
size_t es_proto_build(uint8_t type, uint16_t request_id, uint8_t code, uint8_t flags, const uint8_t *payload,
                      size_t len, uint8_t *out, size_t cap);

/* Little-endian helpers. */
static inline uint16_t es_rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t es_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline void es_wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void es_wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void es_wr64(uint8_t *p, uint64_t v)
{
    es_wr32(p, (uint32_t)v);
    es_wr32(p + 4, (uint32_t)(v >> 32));
}

#ifdef __cplusplus
}
#endif

#endif /* EARSHOT_PROTO_H */
