/**
 * @file cortexm.h
 * @brief Drivers for Arm Cortex-M boards (first user: qemu_an547): CMSDK APB
 *        UART with an interrupt-fed RX ring, SysTick monotonic timer, a flash
 *        over a RAM region mirrored into a host file with semihosting, and the
 *        semihosting calls themselves. No heap; every context is caller-owned.
 */
#ifndef EARSHOT_CORTEXM_H
#define EARSHOT_CORTEXM_H

#include <stddef.h>
#include <stdint.h>

#include "earshot/drivers.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- memory-mapped registers ---- */
#define ES_REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

#define ES_SCB_VTOR 0xE000ED08u
#define ES_SCB_AIRCR 0xE000ED0Cu
#define ES_SCB_SHCSR 0xE000ED24u
#define ES_SCB_CFSR 0xE000ED28u
#define ES_SCB_HFSR 0xE000ED2Cu
#define ES_SCB_MMFAR 0xE000ED34u
#define ES_SCB_BFAR 0xE000ED38u
#define ES_SCB_CPACR 0xE000ED88u
#define ES_SAU_SFSR 0xE000EDE4u
#define ES_SAU_SFAR 0xE000EDE8u
#define ES_NVIC_ISER(n) (0xE000E100u + 4u * ((n) / 32u))
#define ES_NVIC_ICPR(n) (0xE000E280u + 4u * ((n) / 32u))

/** Reset the system through AIRCR.SYSRESETREQ (does not return). */
void es_cm_system_reset(void) __attribute__((noreturn));

/* ---- semihosting (Arm semihosting v2, BKPT 0xAB) ---- */

/** Raw semihosting call: @p op with the parameter block @p arg. */
int32_t es_semihost_call(uint32_t op, void *arg);
/** Write a NUL-terminated string to the debugger/emulator console. */
void es_semihost_puts(const char *s);
/**
 * The emulator's semihosting command line (QEMU: the -semihosting-config
 * arg= values joined by spaces) into @p buf. @return its length, or -1.
 */
int32_t es_semihost_cmdline(char *buf, size_t cap);
/** Open @p path with ISO C mode index @p mode (0 "r" .. 11 "a+b"); handle or -1. */
int32_t es_semihost_open(const char *path, uint32_t mode);
/** Bytes NOT read (0 = all read), or -1. */
int32_t es_semihost_read(int32_t fd, void *buf, size_t len);
/** Bytes NOT written (0 = all written), or -1. */
int32_t es_semihost_write(int32_t fd, const void *buf, size_t len);
/** 0 on success. */
int32_t es_semihost_seek(int32_t fd, uint32_t pos);
/** File length, or -1. */
int32_t es_semihost_flen(int32_t fd);

/* ---- CMSDK APB UART ---- */

/** RX ring size (power of two); holds several maximum-size frames. */
#define ES_CMSDK_RX_RING 32768u

typedef struct es_cmsdk_uart {
    uintptr_t base;            /**< register base (secure alias on an SSE) */
    const es_timer_t *timer;   /**< for read timeouts */
    volatile uint32_t head;    /**< written by the RX interrupt */
    volatile uint32_t tail;    /**< written by read() */
    volatile uint32_t overruns; /**< ring full or hardware overrun: bytes lost */
    uint8_t ring[ES_CMSDK_RX_RING];
} es_cmsdk_uart_t;

/** Enable TX/RX and the RX interrupt at @p baud from @p pclk_hz; NVIC lines are the board's job. */
void es_cmsdk_uart_init(es_cmsdk_uart_t *u, uintptr_t base, uint32_t pclk_hz, uint32_t baud,
                        const es_timer_t *timer);
/** The RX interrupt handler body: drain the receiver into the ring. */
void es_cmsdk_uart_isr(es_cmsdk_uart_t *u);
/** Polled transmit of raw bytes (no interrupts or timer needed). */
void es_cmsdk_uart_write_raw(uintptr_t base, const uint8_t *data, size_t len);
/** Polled transmit of a string (fault handlers: no timer, no interrupts needed). */
void es_cmsdk_uart_puts(uintptr_t base, const char *s);

extern const es_uart_ops_t es_cmsdk_uart_ops;

/* ---- SysTick timer ---- */

typedef struct es_systick {
    uint32_t cpu_hz;
    uint32_t reload;                /**< ticks per millisecond - 1 */
    volatile uint32_t ms_lo;        /**< milliseconds, written by the interrupt */
    volatile uint32_t ms_hi;
} es_systick_t;

/** Start SysTick on the processor clock, interrupting every millisecond. */
void es_systick_init(es_systick_t *t, uint32_t cpu_hz);
/** The SysTick interrupt handler body. */
void es_systick_isr(es_systick_t *t);

extern const es_timer_ops_t es_systick_ops;

/* ---- flash over a RAM region, mirrored into a host file ---- */

typedef struct es_mirror_flash {
    uint8_t *mem;              /**< the region (geo.size bytes) */
    es_flash_geometry_t geo;
    int32_t fd;                /**< semihosting handle of the backing file, -1: RAM only */
    uint64_t ops;              /**< program + sector-erase operations */
} es_mirror_flash_t;

/**
 * Open (or create, erased) the backing file @p path and load it into @p mem.
 * A NULL or empty @p path gives a RAM-only flash (erased at every start).
 * @return ES_OK; ES_ERR_IO (file unusable or of the wrong size).
 */
es_status_t es_mirror_flash_open(es_mirror_flash_t *f, uint8_t *mem, const es_flash_geometry_t *geo,
                                 const char *path);

extern const es_flash_ops_t es_mirror_flash_ops;

#ifdef __cplusplus
}
#endif

#endif /* EARSHOT_CORTEXM_H */
