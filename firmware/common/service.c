/* Protocol service shared by the bootloader and the application. */
#include "service.h"

#include <stdio.h>
#include <string.h>

void es_svc_init(es_svc_t *svc, const es_board_t *board, uint8_t role, uint32_t running_slot,
                 es_svc_handler_fn handler, void *user)
{
    memset(svc, 0, sizeof *svc);
    svc->board = board;
    svc->role = role;
    svc->handler = handler;
    svc->user = user;
    es_proto_parser_init(&svc->parser);
    es_flashcmd_init(&svc->flash, board, running_slot);
    svc->log_level = ES_LOG_INFO;
    svc->host_max_payload = ES_PROTO_MAX_PAYLOAD;
    svc->start_us = es_timer_now_us(board->timer);
}

uint64_t es_svc_uptime_ms(const es_svc_t *svc)
{
    return (es_timer_now_us(svc->board->timer) - svc->start_us) / 1000u;
}

void es_json_appendf(char *out, size_t cap, size_t *pos, const char *fmt, ...)
{
    if (*pos >= cap) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + *pos, cap - *pos, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    *pos += (size_t)n;
    if (*pos >= cap) {
        *pos = cap - 1u; /* vsnprintf wrote a terminator at cap - 1 */
    }
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15u];
    }
    out[2 * n] = '\0';
}

size_t es_svc_info_common(es_svc_t *svc, char *out, size_t cap)
{
    size_t pos = 0;
    const es_board_t *b = svc->board;
    uint64_t ops = b->flash->ops->op_count != NULL ? b->flash->ops->op_count(b->flash->ctx) : 0u;
    es_json_appendf(out, cap, &pos,
                    "\"board\":\"%s\",\"role\":%u,\"role_name\":\"%s\",\"protocol\":%u,\"max_payload\":%u,"
                    "\"rx_errors\":%lu,\"duplicates\":%lu,\"uptime_ms\":%llu,\"flash_ops\":%llu,\"slots\":[",
                    b->name, (unsigned)svc->role, svc->role == ES_ROLE_BOOTLOADER ? "bootloader" : "application",
                    (unsigned)ES_PROTO_VERSION, (unsigned)ES_PROTO_MAX_PAYLOAD, (unsigned long)svc->parser.errors,
                    (unsigned long)svc->duplicates, (unsigned long long)es_svc_uptime_ms(svc),
                    (unsigned long long)ops);
    for (uint32_t i = 0; i < b->n_slots; i++) {
        const es_slot_info_t *info = NULL;
        es_status_t st = es_flashcmd_slot_info(&svc->flash, i, &info);
        char hh[65] = "", ph[65] = "";
        es_slot_state_t state = ES_SLOT_EMPTY;
        uint32_t version = 0, size = 0;
        if (st == ES_OK) {
            state = es_slot_state(info);
            if (info->valid) {
                version = info->header.image_version;
                size = ES_IMAGE_HEADER_SIZE + info->header.payload_size;
                uint8_t digest[32];
                if (es_slot_hash(b, i, 0, ES_IMAGE_HEADER_SIZE, digest) == ES_OK) {
                    hex(hh, digest, 32); /* same hash as FLASH_STATUS */
                }
                hex(ph, info->header.payload_sha256, 32);
            }
        }
        es_json_appendf(out, cap, &pos,
                        "%s{\"slot\":%lu,\"state\":\"%s\",\"state_code\":%u,\"version\":%lu,\"size\":%lu,"
                        "\"written\":%lu,\"sha256\":\"%s\",\"payload_sha256\":\"%s\",\"running\":%s}",
                        i > 0 ? "," : "", (unsigned long)i, es_slot_state_name(state), (unsigned)state,
                        (unsigned long)version, (unsigned long)size,
                        (unsigned long)es_flashcmd_written(&svc->flash, i), hh, ph,
                        i == svc->flash.running_slot ? "true" : "false");
    }
    es_json_appendf(out, cap, &pos, "],\"flash_lz\":%u,\"inactive_slot\":%lu", (unsigned)ES_FLASHCMD_LZ_MAX,
                    (unsigned long)es_flashcmd_inactive_slot(&svc->flash));
    return pos;
}

static es_status_t send_frame(es_svc_t *svc, const uint8_t *wire, size_t n)
{
    return es_uart_write(svc->board->uart, wire, n);
}

es_status_t es_svc_event(es_svc_t *svc, uint8_t code, const uint8_t *payload, size_t len)
{
    size_t n = es_proto_build(ES_TYPE_EVT, 0, code, 0, payload, len, svc->evt, sizeof svc->evt);
    if (n == 0) {
        return ES_ERR_NO_MEMORY;
    }
    return send_frame(svc, svc->evt, n);
}

es_status_t es_svc_log(es_svc_t *svc, uint8_t level, const char *fmt, ...)
{
    if (level > svc->log_level) {
        return ES_OK;
    }
    svc->evt_payload[0] = level;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf((char *)svc->evt_payload + 1, sizeof svc->evt_payload - 1u, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return ES_ERR_ARG;
    }
    size_t len = (size_t)n < sizeof svc->evt_payload - 2u ? (size_t)n : sizeof svc->evt_payload - 2u;
    return es_svc_event(svc, ES_EVT_LOG, svc->evt_payload, 1u + len);
}

es_status_t es_svc_boot_event(es_svc_t *svc, uint8_t slot, uint32_t version, es_boot_reason_t reason)
{
    uint8_t p[7];
    p[0] = svc->role;
    p[1] = slot;
    es_wr32(p + 2, version);
    p[6] = (uint8_t)reason;
    return es_svc_event(svc, ES_EVT_BOOT, p, sizeof p);
}

static es_status_t handle_common(es_svc_t *svc, const es_frame_t *req, uint8_t *out, size_t cap, size_t *out_len)
{
    const es_board_t *b = svc->board;
    switch (req->code) {
    case ES_CMD_HELLO: {
        if (req->length < 3) {
            return ES_ERR_PROTOCOL;
        }
        svc->host_max_payload = es_rd16(req->payload + 1);
        size_t name_len = strlen(b->name);
        if (name_len > 255u) {
            name_len = 255u;
        }
        out[0] = ES_PROTO_VERSION;
        es_wr16(out + 1, (uint16_t)ES_PROTO_MAX_PAYLOAD);
        out[3] = svc->role;
        out[4] = (uint8_t)name_len;
        memcpy(out + 5, b->name, name_len);
        *out_len = 5u + name_len;
        return ES_OK;
    }
    case ES_CMD_RESET:
        if (req->length < 1) {
            return ES_ERR_PROTOCOL;
        }
        if (req->payload[0] > 1) {
            return ES_ERR_ARG;
        }
        svc->reset_pending = 1;
        svc->reset_request = req->payload[0] == 1 ? ES_RESET_BOOTLOADER : ES_RESET_NORMAL;
        return ES_OK;
    case ES_CMD_LOG_LEVEL:
        if (req->length < 1) {
            return ES_ERR_PROTOCOL;
        }
        if (req->payload[0] > ES_LOG_DEBUG) {
            return ES_ERR_ARG;
        }
        svc->log_level = req->payload[0];
        return ES_OK;
    case ES_CMD_FLASH_ERASE:
    case ES_CMD_FLASH_WRITE:
    case ES_CMD_FLASH_WRITE_LZ:
    case ES_CMD_FLASH_VERIFY:
    case ES_CMD_FLASH_COMMIT:
    case ES_CMD_FLASH_STATUS:
        return es_flashcmd_handle(&svc->flash, req->code, req->payload, req->length, out, cap, out_len);
    default:
        if (svc->handler != NULL) {
            return svc->handler(svc->user, svc, req, out, cap, out_len);
        }
        return ES_ERR_UNSUPPORTED;
    }
}

static void respond(es_svc_t *svc, const es_frame_t *req, es_status_t st, size_t result_len)
{
    svc->rsp[0] = (uint8_t)(int8_t)st;
    size_t n = es_proto_build(ES_TYPE_RSP, req->request_id, req->code, 0, svc->rsp, 1u + result_len, svc->cache,
                              sizeof svc->cache);
    if (n == 0) {
        /* Cannot happen with the staging sizes above; answer the bare status. */
        n = es_proto_build(ES_TYPE_RSP, req->request_id, req->code, 0, svc->rsp, 1u, svc->cache, sizeof svc->cache);
    }
    svc->cache_len = n;
    svc->cache_valid = 1;
    svc->cache_id = req->request_id;
    svc->cache_code = req->code;
    svc->cache_crc = req->crc;
    (void)send_frame(svc, svc->cache, n);
}

static void dispatch(es_svc_t *svc, const es_frame_t *req)
{
    if (req->version != ES_PROTO_VERSION) {
        if (req->type == ES_TYPE_REQ) {
            respond(svc, req, ES_ERR_VERSION, 0);
        }
        return;
    }
    if (req->type != ES_TYPE_REQ) {
        return; /* RSP / EVT from the host, or unknown type: ignored */
    }
    if (svc->cache_valid && req->request_id == svc->cache_id && req->code == svc->cache_code &&
        req->crc == svc->cache_crc) {
        svc->duplicates++;
        (void)send_frame(svc, svc->cache, svc->cache_len);
        return;
    }
    svc->requests++;
    size_t result_len = 0;
    es_status_t st;
    if (req->length > ES_PROTO_MAX_PAYLOAD) {
        st = ES_ERR_NO_MEMORY;
    } else {
        st = handle_common(svc, req, svc->rsp + 1, sizeof svc->rsp - 1u, &result_len);
    }
    if (st != ES_OK) {
        result_len = 0;
    }
    if (result_len > sizeof svc->rsp - 1u) {
        result_len = sizeof svc->rsp - 1u;
    }
    respond(svc, req, st, result_len);
}

void es_svc_feed(es_svc_t *svc, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len && !svc->reset_pending; i++) {
        es_frame_t f;
        if (es_proto_feed(&svc->parser, data[i], &f) == ES_PROTO_FRAME) {
            dispatch(svc, &f);
        }
    }
}

es_status_t es_svc_poll(es_svc_t *svc, uint32_t timeout_ms)
{
    int32_t n = es_uart_read(svc->board->uart, svc->rx, sizeof svc->rx, timeout_ms);
    if (n < 0) {
        return (es_status_t)n;
    }
    es_svc_feed(svc, svc->rx, (size_t)n);
    return ES_OK;
}
