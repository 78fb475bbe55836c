/**
 * @file flashcmd.h
 * @brief FLASH_ERASE / WRITE / VERIFY / COMMIT / STATUS handlers (docs/PROTOCOL.md),
 *        shared by the bootloader and the application. The running slot is
 *        never written.
 */
#ifndef EARSHOT_FLASHCMD_H
#define EARSHOT_FLASHCMD_H

#include <stddef.h>
#include <stdint.h>

#include "earshot/drivers.h"
#include "earshot/status.h"
#include "image.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Out-of-order written ranges remembered per slot beyond the contiguous prefix. */
#define ES_FLASHCMD_RANGES 8

/** Per-slot transfer bookkeeping (RAM only; rebuilt from flash after a reset). */
typedef struct es_flashcmd_slot {
    int known;          /* written / ranges describe the flash */
    uint32_t written;   /* contiguous prefix written since erase */
    uint32_t range_start[ES_FLASHCMD_RANGES];
    uint32_t range_end[ES_FLASHCMD_RANGES];
    uint32_t n_ranges;
    int verified;       /* FLASH_VERIFY matched since the last erase/write */
    int info_valid;     /* cached es_slot_info_t below is current */
    es_slot_info_t info;
} es_flashcmd_slot_t;

/** Flash command state. */
/** Largest decompressed chunk of FLASH_WRITE_LZ. */
#define ES_FLASHCMD_LZ_MAX 4096

typedef struct es_flashcmd {
    const es_board_t *board;
    uint32_t running_slot;  /* ES_NO_SLOT in the bootloader */
    es_flashcmd_slot_t slots[ES_MAX_SLOTS];
    uint8_t lz_buf[5 + ES_FLASHCMD_LZ_MAX]; /* slot, offset, decompressed data */
} es_flashcmd_t;

/**
 * Decompress one LZ block (docs/PROTOCOL.md, FLASH_WRITE_LZ) from @p src into
 * @p dst. Every length and offset is checked against both buffers.
 * @return ES_OK with *out_len set; ES_ERR_PROTOCOL for a malformed stream or
 *         one that would exceed @p cap.
 */
es_status_t es_lz_decode(const uint8_t *src, size_t n, uint8_t *dst, size_t cap, size_t *out_len);

/** Initialise for @p board; @p running_slot is protected from writes (ES_NO_SLOT: none). */
void es_flashcmd_init(es_flashcmd_t *fc, const es_board_t *board, uint32_t running_slot);

/**
 * Execute flash command @p code (FLASH_ERASE, _WRITE, _WRITE_LZ, _VERIFY, _COMMIT, _STATUS) on request payload @p req (@p len bytes);
 * the result (after the status byte) goes to @p out.
 * @return the command status: ES_OK; ES_ERR_UNSUPPORTED (not a flash command);
 *         ES_ERR_PROTOCOL (payload too short); ES_ERR_ARG (slot, offset, size);
 *         ES_ERR_STATE (running slot, write needing to set bits, commit before
 *         a successful verify or of a slot already tried/confirmed);
 *         ES_ERR_INTEGRITY (commit of an image that does not validate); ES_ERR_IO.
 */
es_status_t es_flashcmd_handle(es_flashcmd_t *fc, uint8_t code, const uint8_t *req, size_t len, uint8_t *out,
                               size_t cap, size_t *out_len);

/**
 * Slot info (validity, trailer words), cached until the slot is next modified.
 * @return ES_OK; ES_ERR_ARG; ES_ERR_IO.
 */
es_status_t es_flashcmd_slot_info(es_flashcmd_t *fc, uint32_t slot, const es_slot_info_t **info);

/** Forget cached info of @p slot (after its trailer changed outside these handlers). */
void es_flashcmd_invalidate(es_flashcmd_t *fc, uint32_t slot);

/**
 * The slot an update should go to: the other slot in the application; in the
 * bootloader a slot without a confirmed image (else the lower version).
 */
uint32_t es_flashcmd_inactive_slot(es_flashcmd_t *fc);

/** Contiguous bytes written in @p slot (rebuilt from flash when unknown). */
uint32_t es_flashcmd_written(es_flashcmd_t *fc, uint32_t slot);

#ifdef __cplusplus
}
#endif

#endif /* EARSHOT_FLASHCMD_H */
