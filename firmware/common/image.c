/* Image header and slot trailer (docs/IMAGE.md). */
#include "image.h"

#include <string.h>

#include "proto.h"
#include "sha256.h"

static const uint8_t MAGIC[4] = {0x45, 0x53, 0x49, 0x4D}; /* "ESIM" */

es_status_t es_image_parse(const uint8_t raw[ES_IMAGE_HEADER_SIZE], es_image_header_t *h)
{
    if (memcmp(raw, MAGIC, 4) != 0) {
        return ES_ERR_INTEGRITY;
    }
    uint8_t digest[32];
    es_sha256(raw, 224, digest);
    if (memcmp(digest, raw + 224, 32) != 0) {
        return ES_ERR_INTEGRITY;
    }
    if (es_rd16(raw + 4) != ES_IMAGE_HEADER_VERSION || es_rd16(raw + 6) != ES_IMAGE_HEADER_SIZE) {
        return ES_ERR_VERSION;
    }
    h->image_version = es_rd32(raw + 8);
    h->load_address = es_rd32(raw + 12);
    h->payload_size = es_rd32(raw + 16);
    h->flags = es_rd32(raw + 20);
    memcpy(h->board, raw + 24, ES_IMAGE_BOARD_LEN);
    h->board[ES_IMAGE_BOARD_LEN] = '\0';
    memcpy(h->payload_sha256, raw + 56, 32);
    memcpy(h->header_sha256, raw + 224, 32);
    return ES_OK;
}

uint32_t es_slot_image_area(const es_board_t *board, uint32_t slot)
{
    return board->slots[slot].size - board->flash->geo.sector_size;
}

uint32_t es_slot_trailer_addr(const es_board_t *board, uint32_t slot)
{
    return board->slots[slot].offset + es_slot_image_area(board, slot);
}

es_status_t es_slot_hash(const es_board_t *board, uint32_t slot, uint32_t offset, uint32_t len, uint8_t out[32])
{
    if (slot >= board->n_slots || offset > es_slot_image_area(board, slot) ||
        len > es_slot_image_area(board, slot) - offset) {
        return ES_ERR_ARG;
    }
    es_sha256_t s;
    uint8_t buf[256];
    es_sha256_init(&s);
    uint32_t addr = board->slots[slot].offset + offset;
    while (len > 0) {
        uint32_t n = len < sizeof buf ? len : (uint32_t)sizeof buf;
        es_status_t st = es_flash_read(board->flash, addr, buf, n);
        if (st != ES_OK) {
            return st;
        }
        es_sha256_update(&s, buf, n);
        addr += n;
        len -= n;
    }
    es_sha256_final(&s, out);
    return ES_OK;
}

es_status_t es_image_check_slot(const es_board_t *board, uint32_t slot, es_image_header_t *h)
{
    if (slot >= board->n_slots) {
        return ES_ERR_ARG;
    }
    uint8_t raw[ES_IMAGE_HEADER_SIZE];
    es_status_t st = es_flash_read(board->flash, board->slots[slot].offset, raw, sizeof raw);
    if (st != ES_OK) {
        return st;
    }
    st = es_image_parse(raw, h);
    if (st != ES_OK) {
        return st;
    }
    if (strncmp(h->board, board->name, ES_IMAGE_BOARD_LEN) != 0) {
        return ES_ERR_CONFIG;
    }
    uint32_t area = es_slot_image_area(board, slot);
    if (h->payload_size > area - ES_IMAGE_HEADER_SIZE) {
        return ES_ERR_INTEGRITY;
    }
    uint8_t digest[32];
    st = es_slot_hash(board, slot, ES_IMAGE_HEADER_SIZE, h->payload_size, digest);
    if (st != ES_OK) {
        return st;
    }
    return memcmp(digest, h->payload_sha256, 32) == 0 ? ES_OK : ES_ERR_INTEGRITY;
}

es_status_t es_slot_read(const es_board_t *board, uint32_t slot, es_slot_info_t *info)
{
    if (slot >= board->n_slots) {
        return ES_ERR_ARG;
    }
    memset(info, 0, sizeof *info);
    uint8_t w[12];
    es_status_t st = es_flash_read(board->flash, es_slot_trailer_addr(board, slot), w, sizeof w);
    if (st != ES_OK) {
        return st;
    }
    for (int i = 0; i < 3; i++) {
        info->words[i] = es_rd32(w + 4 * i);
    }
    st = es_image_check_slot(board, slot, &info->header);
    if (st == ES_ERR_IO) {
        return st;
    }
    info->valid = st == ES_OK;
    return ES_OK;
}

int es_trailer_pending(const uint32_t words[3]) { return words[ES_TRAILER_PENDING] == 0u; }
int es_trailer_tried(const uint32_t words[3]) { return words[ES_TRAILER_TRIED] != 0xFFFFFFFFu; }
int es_trailer_confirmed(const uint32_t words[3]) { return words[ES_TRAILER_CONFIRMED] == 0u; }

es_slot_state_t es_slot_state(const es_slot_info_t *info)
{
    if (!info->valid) {
        return ES_SLOT_EMPTY;
    }
    if (es_trailer_confirmed(info->words)) {
        return ES_SLOT_CONFIRMED;
    }
    if (es_trailer_tried(info->words)) {
        return ES_SLOT_TRIED;
    }
    if (es_trailer_pending(info->words)) {
        return ES_SLOT_PENDING;
    }
    return ES_SLOT_VALID;
}

const char *es_slot_state_name(es_slot_state_t s)
{
    switch (s) {
    case ES_SLOT_EMPTY: return "empty";
    case ES_SLOT_VALID: return "valid";
    case ES_SLOT_PENDING: return "pending";
    case ES_SLOT_TRIED: return "tried";
    case ES_SLOT_CONFIRMED: return "confirmed";
    }
    return "unknown";
}

es_status_t es_slot_set_word(const es_board_t *board, uint32_t slot, uint32_t word)
{
    if (slot >= board->n_slots || word > ES_TRAILER_CONFIRMED) {
        return ES_ERR_ARG;
    }
    const uint8_t zero[4] = {0, 0, 0, 0};
    return es_flash_prog(board->flash, es_slot_trailer_addr(board, slot) + 4u * word, zero, sizeof zero);
}
