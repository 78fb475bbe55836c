/**
 * @file boot.h
 * @brief The bootloader: the boot decision of docs/IMAGE.md (a pure function
 *        of the slots' validity, versions and trailer words), marking TRIED,
 *        and the role-0 protocol service used when no image is startable or
 *        the host asked to stay in the bootloader.
 */
#ifndef EARSHOT_BOOT_H
#define EARSHOT_BOOT_H

#include <stdint.h>

#include "earshot/drivers.h"
#include "earshot/status.h"
#include "image.h"
#include "service.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Outcome of the boot rule. */
typedef struct es_boot_decision {
    int start;          /**< 1: start @c slot; 0: stay in the bootloader */
    uint32_t slot;
    int set_tried;      /**< the slot is pending: program TRIED before starting it */
    int rollback;       /**< started a confirmed slot because the other one failed */
} es_boot_decision_t;

/**
 * The boot rule over @p n slot descriptions (pure, no I/O).
 * Pending (PENDING set, TRIED and CONFIRMED not) with the highest version
 * first, else the confirmed slot with the highest version, else none.
 * Ties go to the lower slot index.
 */
es_boot_decision_t es_boot_decide_infos(const es_slot_info_t *infos, uint32_t n);

/**
 * Read every slot of @p board and apply es_boot_decide_infos().
 * @return ES_OK; ES_ERR_IO.
 */
es_status_t es_boot_decide(const es_board_t *board, es_boot_decision_t *d, es_slot_info_t infos[ES_MAX_SLOTS]);

/** Program TRIED of @p slot (skipped when already set). @return ES_OK; ES_ERR_ARG; ES_ERR_IO. */
es_status_t es_boot_set_tried(const es_board_t *board, uint32_t slot);

/** Bootloader state for es_boot_serve(), placed in the board's RAM. */
typedef struct es_boot_state {
    es_svc_t svc;
    char json[2048];
} es_boot_state_t;

/**
 * The bootloader's role handler for es_svc_t (@p user is the ::es_boot_state_t):
 * INFO; everything else is ES_ERR_UNSUPPORTED in this role.
 */
es_status_t es_boot_handle(void *user, es_svc_t *svc, const es_frame_t *req, uint8_t *out, size_t cap,
                           size_t *out_len);

/**
 * Serve the protocol in the bootloader role (role 0) until the host sends
 * RESET or the board shuts down. Sends a BOOT event (slot 0xFF) first.
 * @p state must be valid memory (the board's RAM).
 * @return the reset the host asked for, or ES_RESET_SHUTDOWN.
 */
es_reset_request_t es_boot_serve(const es_board_t *board, es_boot_state_t *state, es_boot_reason_t reason);

#ifdef __cplusplus
}
#endif

#endif /* EARSHOT_BOOT_H */
