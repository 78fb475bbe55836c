/**
 * @file drivers.h
 * @brief Driver classes of an Earshot board: each class is a const table of
 *        function pointers plus an opaque context the driver owns (littlefs /
 *        Zephyr style). Firmware only ever talks to hardware through these.
 *
 * A board (::es_board_t) groups one instance of each class with its name, its
 * flash slot table and the RAM it lends to the firmware. Nothing here
 * allocates. Every function returns an ::es_status_t from earshot/status.h
 * unless documented otherwise.
 */
#ifndef EARSHOT_DRIVERS_H
#define EARSHOT_DRIVERS_H

#include <stddef.h>
#include <stdint.h>

#include "earshot/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- UART ---- */

/** Byte stream to the host (8N1 at the board's baud rate). */
typedef struct es_uart_ops {
    /**
     * Send @p len bytes. Returns when the bytes are queued for the line; a
     * driver may pace the caller to the line rate.
     * @return ES_OK; ES_ERR_ARG (NULL data with len > 0); ES_ERR_IO (line gone).
     *         A driver with no listening peer drops the bytes and returns ES_OK,
     *         as a real UART does.
     */
    es_status_t (*write)(void *ctx, const uint8_t *data, size_t len);
    /**
     * Receive up to @p cap bytes, waiting at most @p timeout_ms for the first.
     * @return bytes read (0 on timeout), or a negative status: ES_ERR_ARG (NULL
     *         buffer), ES_ERR_IO (driver failure).
     */
    int32_t (*read)(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms);
} es_uart_ops_t;

/** A UART instance. */
typedef struct es_uart {
    const es_uart_ops_t *ops;
    void *ctx;
    uint32_t baud;
} es_uart_t;

/* ---- Flash ---- */

/** Flash geometry. */
typedef struct es_flash_geometry {
    uint32_t size;        /**< bytes */
    uint32_t sector_size; /**< erase unit, bytes */
    uint32_t write_size;  /**< program granularity: offset and length multiples */
    uint8_t erased;       /**< value of an erased byte (0xFF) */
} es_flash_geometry_t;

/** NOR-flash-like storage: program only clears bits, erase sets a sector to the erased value. */
typedef struct es_flash_ops {
    /**
     * Read [addr, addr + len).
     * @return ES_OK; ES_ERR_ARG (NULL buffer, range outside the flash); ES_ERR_IO.
     */
    es_status_t (*read)(void *ctx, uint32_t addr, void *buf, size_t len);
    /**
     * Program [addr, addr + len): each byte becomes old AND data.
     * @return ES_OK; ES_ERR_ARG (NULL data, addr or len not a multiple of
     *         write_size, range outside the flash); ES_ERR_IO.
     */
    es_status_t (*prog)(void *ctx, uint32_t addr, const void *data, size_t len);
    /**
     * Erase the sectors covering [addr, addr + len) to the erased value.
     * @return ES_OK; ES_ERR_ARG (addr or len not a multiple of sector_size,
     *         range outside the flash); ES_ERR_IO.
     */
    es_status_t (*erase)(void *ctx, uint32_t addr, size_t len);
    /** Optional (may be NULL): program + sector-erase operations so far (for tests). */
    uint64_t (*op_count)(void *ctx);
} es_flash_ops_t;

/** A flash instance. */
typedef struct es_flash {
    const es_flash_ops_t *ops;
    void *ctx;
    es_flash_geometry_t geo;
} es_flash_t;

/* ---- Timer ---- */

/** Monotonic time. */
typedef struct es_timer_ops {
    /** Microseconds since an arbitrary fixed origin (never goes back). */
    uint64_t (*now_us)(void *ctx);
    /** Sleep at least @p us microseconds. */
    void (*sleep_us)(void *ctx, uint64_t us);
} es_timer_ops_t;

/** A timer instance. */
typedef struct es_timer {
    const es_timer_ops_t *ops;
    void *ctx;
} es_timer_t;

/* ---- Audio (optional) ---- */

/** Microphone / speaker; 16 kHz mono s16. */
typedef struct es_audio_ops {
    /**
     * Read up to @p n captured samples without blocking.
     * @return samples read (0 when none), or ES_ERR_IO / ES_ERR_ARG.
     */
    int32_t (*read)(void *ctx, int16_t *pcm, size_t n);
    /**
     * Queue up to @p n samples for playback without blocking.
     * @return samples accepted, or ES_ERR_IO / ES_ERR_ARG.
     */
    int32_t (*write)(void *ctx, const int16_t *pcm, size_t n);
} es_audio_ops_t;

/** An audio instance. */
typedef struct es_audio {
    const es_audio_ops_t *ops;
    void *ctx;
} es_audio_t;

/* ---- Board ---- */

/** Number of image slots a board can declare. */
#define ES_MAX_SLOTS 2

/** One image slot in flash (its last sector is the trailer, see docs/IMAGE.md). */
typedef struct es_slot_desc {
    uint32_t offset;
    uint32_t size;
} es_slot_desc_t;

/** Everything firmware knows about the board it runs on. */
typedef struct es_board {
    const char *name;              /**< e.g. "host_sim"; must equal the image's board field */
    const es_uart_t *uart;
    const es_flash_t *flash;
    const es_timer_t *timer;
    const es_audio_t *audio;       /**< NULL when the board has no audio driver */
    es_slot_desc_t slots[ES_MAX_SLOTS];
    uint32_t n_slots;
    void *ram;                     /**< RAM lent to the running firmware for its state (16-byte aligned) */
    size_t ram_size;
    /** Non-NULL and returning non-zero when the board is being shut down (host_sim: SIGTERM). */
    int (*shutdown_requested)(void *ctx);
    void *shutdown_ctx;
    /** Optional (NULL when the board cannot tell): peak stack use in bytes since
        reset, measured by stack painting; *size receives the stack's size. */
    size_t (*stack_high_water)(size_t *size);
} es_board_t;

/* ---- Convenience wrappers ---- */

/** es_uart_ops_t::write on @p u. */
static inline es_status_t es_uart_write(const es_uart_t *u, const uint8_t *data, size_t len)
{
    return u->ops->write(u->ctx, data, len);
}

/** es_uart_ops_t::read on @p u. */
static inline int32_t es_uart_read(const es_uart_t *u, uint8_t *buf, size_t cap, uint32_t timeout_ms)
{
    return u->ops->read(u->ctx, buf, cap, timeout_ms);
}

/** es_flash_ops_t::read on @p f. */
static inline es_status_t es_flash_read(const es_flash_t *f, uint32_t addr, void *buf, size_t len)
{
    return f->ops->read(f->ctx, addr, buf, len);
}

/** es_flash_ops_t::prog on @p f. */
static inline es_status_t es_flash_prog(const es_flash_t *f, uint32_t addr, const void *data, size_t len)
{
    return f->ops->prog(f->ctx, addr, data, len);
}

/** es_flash_ops_t::erase on @p f. */
static inline es_status_t es_flash_erase(const es_flash_t *f, uint32_t addr, size_t len)
{
    return f->ops->erase(f->ctx, addr, len);
}

/** es_timer_ops_t::now_us on @p t. */
static inline uint64_t es_timer_now_us(const es_timer_t *t)
{
    return t->ops->now_us(t->ctx);
}

/** Non-zero when the board asks the firmware to stop (see es_board_t::shutdown_requested). */
static inline int es_board_shutdown(const es_board_t *b)
{
    return b->shutdown_requested != NULL && b->shutdown_requested(b->shutdown_ctx);
}

/* ---- Boot hand-off (bootloader -> application) ---- */

/** Why the running firmware started (BOOT event reason). */
typedef enum es_boot_reason {
    ES_BOOT_POWER_ON = 0,
    ES_BOOT_RESET = 1,
    ES_BOOT_ROLLBACK = 2,
    ES_BOOT_FAULT = 3
} es_boot_reason_t;

/** What the bootloader tells the application it started. */
typedef struct es_boot_info {
    uint32_t slot;           /**< slot index the application runs from */
    uint32_t image_version;
    uint32_t image_flags;    /**< header flags (bit1: no auto-confirm) */
    uint32_t payload_size;
    uint8_t header_sha256[32];
    es_boot_reason_t reason;
} es_boot_info_t;

/** What the application asks of the bootloader when it returns. */
typedef enum es_reset_request {
    ES_RESET_NORMAL = 0,     /**< reset and run the boot rule */
    ES_RESET_BOOTLOADER = 1, /**< reset and stay in the bootloader */
    ES_RESET_FAULT = 2,      /**< the application failed; reset as after a fault */
    ES_RESET_SHUTDOWN = 3    /**< the board is shutting down */
} es_reset_request_t;

/** Entry point every application image exports (host_sim: looked up with dlsym). */
typedef es_reset_request_t (*es_app_main_fn)(const es_board_t *board, const es_boot_info_t *info);

/** Symbol name of the application entry point. */
#define ES_APP_ENTRY "es_app_main"

#ifdef __cplusplus
}
#endif

#endif /* EARSHOT_DRIVERS_H */
