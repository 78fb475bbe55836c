/**
 * @file qemu_an547.h
 * @brief qemu_an547 board: Arm MPS3 AN547 (Cortex-M55, SSE-300) as emulated by
 *        QEMU `-M mps3-an547`. Memory map, clocks and the bootloader -> application
 *        hand-off (see README.md).
 */
#ifndef EARSHOT_QEMU_AN547_H
#define EARSHOT_QEMU_AN547_H

#include <stddef.h>
#include <stdint.h>

#include "earshot/drivers.h"

#define ES_AN547_BOARD "qemu_an547"

/* Memory map (secure code on a Secure-only configuration: SAU off, so every address is Secure) */
#define ES_AN547_ITCM 0x00000000u      /* 512 KiB: bootloader code, vector table */
#define ES_AN547_DTCM 0x20000000u      /* 512 KiB: bootloader data, stack */
#define ES_AN547_APP_BASE 0x01000000u  /* SRAM, 2 MiB: the application runs here (copied from its slot) */
#define ES_AN547_APP_SIZE 0x00200000u
#define ES_AN547_RAM 0x21000000u       /* SRAM 2, 4 MiB: board RAM lent to the firmware (1 MiB used) */
#define ES_AN547_RAM_SIZE 0x00100000u
#define ES_AN547_FLASH_MEM 0x60000000u /* DDR: the flash's RAM image (mirrored to a host file) */

/* Flash geometry (docs/IMAGE.md): 4 MiB, 4 KiB sectors, 4-byte writes, two 2 MiB slots */
#define ES_AN547_FLASH_SIZE 0x00400000u
#define ES_AN547_SECTOR 4096u
#define ES_AN547_WRITE 4u
#define ES_AN547_SLOT_SIZE 0x00200000u

/* Clocks (QEMU mps3-an547: SYSCLK 32 MHz drives the CPU and SysTick, APB peripherals 25 MHz) */
#define ES_AN547_CPU_HZ 32000000u
#define ES_AN547_PCLK_HZ 25000000u

/* UART0, secure alias of 0x49303000; NVIC lines TX 33, RX 34, combined 43 (all routed to one handler) */
#define ES_AN547_UART0 0x59303000u
#define ES_AN547_UART0_IRQ_A 33u
#define ES_AN547_UART0_IRQ_B 34u
#define ES_AN547_UART0_IRQ_C 43u
#define ES_AN547_NUM_IRQ 96u

/** First bytes of the application payload (placed by app.ld at ES_AN547_APP_BASE). */
#define ES_AN547_APP_MAGIC 0x50415345u /* "ESAP" */
typedef struct es_an547_app_header {
    uint32_t magic;
    uint32_t header_size;    /**< sizeof(es_an547_app_header_t) */
    es_app_main_fn entry;    /**< zeroes the application's .bss, then es_app_main() */
    const uint8_t *load_end; /**< end of the loaded bytes (payload) */
    const uint8_t *ram_end;  /**< end of .bss: must stay inside the application region */
} es_an547_app_header_t;


/* Board glue shared by startup.c and main.c (bootloader) */
#ifdef ES_AN547_BOOTLOADER
/** C entry after the reset handler enabled the FPU/MVE (never returns). */
void es_an547_reset(void) __attribute__((noreturn));
/** The bootloader proper. */
void es_an547_main(void) __attribute__((noreturn));
void es_an547_systick_handler(void);
void es_an547_uart_handler(void);
/** Called by the fault handler with the stacked frame: prints, records the fault, resets. */
void es_an547_fault(const uint32_t *frame, uint32_t ipsr, uint32_t exc_return) __attribute__((noreturn));
/** Pattern painted over the free stack at reset (see startup.c). */
#define ES_AN547_STACK_PAINT 0x5AC5A5C5u
/** Peak bytes of the (bootloader + application) stack used since reset; *size gets its size. */
size_t es_an547_stack_high_water(size_t *size);
/** UART base the fault handler prints on. */
#define ES_AN547_FAULT_UART ES_AN547_UART0
/** Words surviving a system reset (outside every loaded ELF segment, see boot.ld). */
typedef struct es_an547_noinit {
    uint32_t magic;
    uint32_t reason;       /**< es_boot_reason_t of the next boot */
    uint32_t request;      /**< es_reset_request_t: stay in the bootloader... */
    uint32_t fault_pc;
    uint32_t fault_cfsr;
} es_an547_noinit_t;
#define ES_AN547_NOINIT_MAGIC 0x4E4F494Eu
extern es_an547_noinit_t __es_noinit;
#endif

#endif /* EARSHOT_QEMU_AN547_H */
