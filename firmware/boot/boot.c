/* Boot rule, TRIED marking and the bootloader's protocol service. */
#include "boot.h"

#include <string.h>

static int is_pending(const es_slot_info_t *s)
{
    return s->valid && es_trailer_pending(s->words) && !es_trailer_tried(s->words) &&
           !es_trailer_confirmed(s->words);
}

static int is_confirmed(const es_slot_info_t *s) { return s->valid && es_trailer_confirmed(s->words); }

static int is_failed(const es_slot_info_t *s)
{
    return s->valid && es_trailer_tried(s->words) && !es_trailer_confirmed(s->words);
}

es_boot_decision_t es_boot_decide_infos(const es_slot_info_t *infos, uint32_t n)
{
    es_boot_decision_t d = {0, 0, 0, 0};
    for (uint32_t i = 0; i < n; i++) {
        if (is_pending(&infos[i]) &&
            (!d.start || infos[i].header.image_version > infos[d.slot].header.image_version)) {
            d.start = 1;
            d.slot = i;
            d.set_tried = 1;
        }
    }
    if (d.start) {
        return d;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (is_confirmed(&infos[i]) &&
            (!d.start || infos[i].header.image_version > infos[d.slot].header.image_version)) {
            d.start = 1;
            d.slot = i;
        }
    }
    if (d.start) {
        for (uint32_t i = 0; i < n; i++) {
            if (i != d.slot && is_failed(&infos[i])) {
                d.rollback = 1;
            }
        }
    }
    return d;
}

es_status_t es_boot_decide(const es_board_t *board, es_boot_decision_t *d, es_slot_info_t infos[ES_MAX_SLOTS])
{
    uint32_t n = board->n_slots < ES_MAX_SLOTS ? board->n_slots : ES_MAX_SLOTS;
    for (uint32_t i = 0; i < n; i++) {
        es_status_t st = es_slot_read(board, i, &infos[i]);
        if (st != ES_OK) {
            return st;
        }
    }
    *d = es_boot_decide_infos(infos, n);
    return ES_OK;
}

es_status_t es_boot_set_tried(const es_board_t *board, uint32_t slot)
{
    if (slot >= board->n_slots) {
        return ES_ERR_ARG;
    }
    uint8_t w[4];
    es_status_t st = es_flash_read(board->flash, es_slot_trailer_addr(board, slot) + 4u * ES_TRAILER_TRIED, w, 4);
    if (st != ES_OK) {
        return st;
    }
    if (w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0) {
        return ES_OK;
    }
    return es_slot_set_word(board, slot, ES_TRAILER_TRIED);
}

es_status_t es_boot_handle(void *user, es_svc_t *svc, const es_frame_t *req, uint8_t *out, size_t cap,
                                size_t *out_len)
{
    es_boot_state_t *st = (es_boot_state_t *)user;
    if (req->code != ES_CMD_INFO) {
        return ES_ERR_UNSUPPORTED; /* CONFIRM, AUDIO_*, PROFILE: application only */
    }
    size_t pos = 0;
    size_t jcap = sizeof st->json < cap ? sizeof st->json : cap;
    es_json_appendf(st->json, jcap, &pos, "{");
    pos += es_svc_info_common(svc, st->json + pos, jcap - pos);
    es_json_appendf(st->json, jcap, &pos, ",\"firmware_version\":0,\"running_slot\":null}");
    memcpy(out, st->json, pos);
    *out_len = pos;
    return ES_OK;
}

es_reset_request_t es_boot_serve(const es_board_t *board, es_boot_state_t *state, es_boot_reason_t reason)
{
    es_svc_init(&state->svc, board, ES_ROLE_BOOTLOADER, ES_NO_SLOT, es_boot_handle, state);
    (void)es_svc_boot_event(&state->svc, 0xFF, 0, reason);
    (void)es_svc_log(&state->svc, ES_LOG_INFO, "boot: bootloader serving protocol (reason %u)", (unsigned)reason);
    while (!state->svc.reset_pending) {
        if (es_board_shutdown(board)) {
            return ES_RESET_SHUTDOWN;
        }
        if (es_svc_poll(&state->svc, 50) != ES_OK) {
            return ES_RESET_FAULT;
        }
    }
    return state->svc.reset_request;
}
