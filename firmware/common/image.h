/**
 * @file image.h
 * @brief Firmware image header and slot trailer (docs/IMAGE.md): parsing,
 *        validation against a board's flash, slot state. Shared by the
 *        bootloader and the application.
 */
#ifndef EARSHOT_IMAGE_H
#define EARSHOT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "earshot/drivers.h"
#include "earshot/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ES_IMAGE_HEADER_SIZE 256u
#define ES_IMAGE_HEADER_VERSION 1u
#define ES_IMAGE_FLAG_SHARED_OBJECT 0x1u
#define ES_IMAGE_FLAG_NO_AUTO_CONFIRM 0x2u
#define ES_IMAGE_BOARD_LEN 32u

/** Trailer word indices. */
#define ES_TRAILER_PENDING 0u
#define ES_TRAILER_TRIED 1u
#define ES_TRAILER_CONFIRMED 2u

/** No slot (the bootloader runs from none). */
#define ES_NO_SLOT 0xFFFFFFFFu

/** A parsed image header. */
typedef struct es_image_header {
    uint32_t image_version;
    uint32_t load_address;
    uint32_t payload_size;
    uint32_t flags;
    char board[ES_IMAGE_BOARD_LEN + 1];
    uint8_t payload_sha256[32];
    uint8_t header_sha256[32];
} es_image_header_t;

/** Slot state as FLASH_STATUS and INFO report it. */
typedef enum es_slot_state {
    ES_SLOT_EMPTY = 0,     /**< no valid image */
    ES_SLOT_VALID = 1,     /**< valid image, no state word set (written, not committed) */
    ES_SLOT_PENDING = 2,   /**< committed, not yet tried */
    ES_SLOT_TRIED = 3,     /**< tried and not confirmed (failed unless it is running) */
    ES_SLOT_CONFIRMED = 4  /**< confirmed by its application */
} es_slot_state_t;

/** Raw trailer words and image validity of one slot. */
typedef struct es_slot_info {
    int valid;             /**< image fully valid (header, board, sizes, both hashes) */
    es_image_header_t header; /**< meaningful when valid */
    uint32_t words[3];     /**< PENDING, TRIED, CONFIRMED as read */
} es_slot_info_t;

/**
 * Parse and check the 256 header bytes @p raw (magic, header version and
 * size, header hash).
 * @return ES_OK; ES_ERR_INTEGRITY (bad magic or header hash); ES_ERR_VERSION
 *         (header_version or header_size not supported).
 */
es_status_t es_image_parse(const uint8_t raw[ES_IMAGE_HEADER_SIZE], es_image_header_t *h);

/** Bytes of slot @p slot available to an image (the slot minus its trailer sector). */
uint32_t es_slot_image_area(const es_board_t *board, uint32_t slot);

/** Flash address of slot @p slot's trailer. */
uint32_t es_slot_trailer_addr(const es_board_t *board, uint32_t slot);

/**
 * SHA-256 of [offset, offset + len) of slot @p slot, read through the flash driver.
 * @return ES_OK; ES_ERR_ARG (range outside the slot); ES_ERR_IO.
 */
es_status_t es_slot_hash(const es_board_t *board, uint32_t slot, uint32_t offset, uint32_t len, uint8_t out[32]);

/**
 * Validate the image in slot @p slot: header (es_image_parse), board name,
 * header + payload fit before the trailer, payload hash.
 * @return ES_OK with *h filled; ES_ERR_ARG (bad slot); ES_ERR_INTEGRITY;
 *         ES_ERR_VERSION; ES_ERR_CONFIG (another board's image); ES_ERR_IO.
 */
es_status_t es_image_check_slot(const es_board_t *board, uint32_t slot, es_image_header_t *h);

/**
 * Read trailer words and validity of slot @p slot into @p info.
 * @return ES_OK (an invalid image is not an error: info->valid = 0); ES_ERR_ARG; ES_ERR_IO.
 */
es_status_t es_slot_read(const es_board_t *board, uint32_t slot, es_slot_info_t *info);

/** PENDING counts only when exactly 0. */
int es_trailer_pending(const uint32_t words[3]);
/** TRIED counts when anything but 0xFFFFFFFF (a torn TRIED rolls back). */
int es_trailer_tried(const uint32_t words[3]);
/** CONFIRMED counts only when exactly 0. */
int es_trailer_confirmed(const uint32_t words[3]);

/** The reported state of a slot. */
es_slot_state_t es_slot_state(const es_slot_info_t *info);

/** Stable lowercase name of a slot state ("confirmed"). */
const char *es_slot_state_name(es_slot_state_t s);

/**
 * Program trailer word @p word (ES_TRAILER_*) of slot @p slot to 0.
 * @return ES_OK; ES_ERR_ARG; ES_ERR_IO.
 */
es_status_t es_slot_set_word(const es_board_t *board, uint32_t slot, uint32_t word);

#ifdef __cplusplus
}
#endif

#endif /* EARSHOT_IMAGE_H */
