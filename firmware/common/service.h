/**
 * @file service.h
 * @brief The protocol service both roles run: reads the UART, parses frames,
 *        answers duplicates from a cache, handles the commands common to both
 *        roles (HELLO, RESET, FLASH_*, LOG_LEVEL) and hands the rest to a
 *        role handler. Sends events. State lives in one caller-owned struct.
 */
#ifndef EARSHOT_SERVICE_H
#define EARSHOT_SERVICE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "earshot/drivers.h"
#include "earshot/status.h"
#include "flashcmd.h"
#include "proto.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ES_ROLE_BOOTLOADER 0
#define ES_ROLE_APPLICATION 1

/* LOG levels. */
#define ES_LOG_ERROR 0
#define ES_LOG_WARN 1
#define ES_LOG_INFO 2
#define ES_LOG_DEBUG 3

struct es_svc;

/**
 * Role handler: execute @p req (a REQ with version 1) and write the result
 * (after the status byte) to @p out.
 * @return the status to answer with; ES_ERR_UNSUPPORTED for unknown commands.
 */
typedef es_status_t (*es_svc_handler_fn)(void *user, struct es_svc *svc, const es_frame_t *req, uint8_t *out,
                                         size_t cap, size_t *out_len);

/** Service state (caller-owned, ~17 KiB). */
typedef struct es_svc {
    const es_board_t *board;
    uint8_t role;
    es_svc_handler_fn handler;
    void *user;
    es_proto_parser_t parser;
    es_flashcmd_t flash;
    uint8_t rx[256];
    uint8_t rsp[ES_PROTO_MAX_PAYLOAD];   /* response payload staging */
    uint8_t cache[ES_PROTO_MAX_WIRE];    /* last response on the wire, for duplicates */
    size_t cache_len;
    int cache_valid;
    uint16_t cache_id;
    uint8_t cache_code;
    uint32_t cache_crc;
    uint8_t evt[ES_PROTO_MAX_WIRE];      /* event staging */
    uint8_t evt_payload[512];
    int reset_pending;
    es_reset_request_t reset_request;
    uint8_t log_level;
    uint16_t host_max_payload;
    uint64_t start_us;
    uint32_t duplicates;
    uint32_t requests;
} es_svc_t;

/**
 * Initialise @p svc for @p board in @p role; @p running_slot is protected
 * from flash writes (ES_NO_SLOT in the bootloader).
 */
void es_svc_init(es_svc_t *svc, const es_board_t *board, uint8_t role, uint32_t running_slot,
                 es_svc_handler_fn handler, void *user);

/**
 * Receive for up to @p timeout_ms and process every complete frame.
 * @return ES_OK; ES_ERR_IO when the UART failed. A requested reset is
 *         reported through es_svc_t::reset_pending.
 */
es_status_t es_svc_poll(es_svc_t *svc, uint32_t timeout_ms);

/** Process received bytes (what es_svc_poll does after reading). */
void es_svc_feed(es_svc_t *svc, const uint8_t *data, size_t len);

/** Send an event frame. */
es_status_t es_svc_event(es_svc_t *svc, uint8_t code, const uint8_t *payload, size_t len);

/** Send a LOG event when @p level <= the current log level (printf-style). */
es_status_t es_svc_log(es_svc_t *svc, uint8_t level, const char *fmt, ...);

/** Send a BOOT event. */
es_status_t es_svc_boot_event(es_svc_t *svc, uint8_t slot, uint32_t version, es_boot_reason_t reason);

/** Milliseconds since es_svc_init(). */
uint64_t es_svc_uptime_ms(const es_svc_t *svc);

/**
 * Append the INFO fields both roles share ("board", "role", "max_payload",
 * "rx_errors", "uptime_ms", "flash_ops", "slots", "inactive_slot") to @p out as JSON members
 * without braces. Returns bytes written (truncated output is still valid UTF-8 but
 * not valid JSON; size @p cap generously).
 */
size_t es_svc_info_common(es_svc_t *svc, char *out, size_t cap);

/** Bounded append helper: printf into out[*pos..cap), advancing *pos (stops at cap). */
void es_json_appendf(char *out, size_t cap, size_t *pos, const char *fmt, ...);

#ifdef __cplusplus
}
#endif

#endif /* EARSHOT_SERVICE_H */
