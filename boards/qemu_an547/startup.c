/* qemu_an547 bootloader start-up: vector table, reset handler (FPU and MVE
   enabled before any C runs), fault handlers that report over the UART and reset. */
#include <stdint.h>
#include <string.h>

#define ES_AN547_BOOTLOADER 1
#include "cortexm.h"
#include "qemu_an547.h"

extern uint32_t __stack_top[];
extern uint8_t __data_start__[], __data_end__[], __data_load__[], __bss_start__[], __bss_end__[];
extern const uint32_t __es_vectors[];

typedef void (*es_vector_t)(void);

void es_an547_reset_handler(void);
void es_an547_fault_handler(void);
void es_an547_default_handler(void);

/* CPACR: full access to CP10/CP11 (the FPU and the M-profile Vector Extension), then C. */
__attribute__((naked)) void es_an547_reset_handler(void)
{
    __asm__ volatile("ldr r0, =0xE000ED88\n"
                     "ldr r1, [r0]\n"
                     "orr r1, r1, #0x00F00000\n"
                     "str r1, [r0]\n"
                     "dsb\n"
                     "isb\n"
                     "b es_an547_reset\n");
}

/* Hand the stacked exception frame (MSP or PSP, from EXC_RETURN bit 2) to C. */
__attribute__((naked)) void es_an547_fault_handler(void)
{
    __asm__ volatile("tst lr, #4\n"
                     "ite eq\n"
                     "mrseq r0, msp\n"
                     "mrsne r0, psp\n"
                     "mrs r1, ipsr\n"
                     "mov r2, lr\n"
                     "b es_an547_fault\n");
}

void es_an547_default_handler(void) { es_an547_fault_handler(); }

static void systick_entry(void) { es_an547_systick_handler(); }
static void uart_entry(void) { es_an547_uart_handler(); }

#define V(f) ((es_vector_t)(f))
/* Every entry defaults to the fault report; the ones in use are overridden below. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
__attribute__((section(".vectors"), used)) const es_vector_t es_an547_vectors[16 + ES_AN547_NUM_IRQ] = {
    [0 ... 16 + ES_AN547_NUM_IRQ - 1] = V(es_an547_default_handler),
    [0] = (es_vector_t)(uintptr_t)__stack_top,
    [1] = V(es_an547_reset_handler),
    [2] = V(es_an547_fault_handler),  /* NMI */
    [3] = V(es_an547_fault_handler),  /* HardFault */
    [4] = V(es_an547_fault_handler),  /* MemManage */
    [5] = V(es_an547_fault_handler),  /* BusFault */
    [6] = V(es_an547_fault_handler),  /* UsageFault */
    [7] = V(es_an547_fault_handler),  /* SecureFault */
    [11] = V(es_an547_default_handler), /* SVCall */
    [12] = V(es_an547_default_handler), /* DebugMonitor */
    [14] = V(es_an547_default_handler), /* PendSV */
    [15] = V(systick_entry),
    [16 + ES_AN547_UART0_IRQ_A] = V(uart_entry),
    [16 + ES_AN547_UART0_IRQ_B] = V(uart_entry),
    [16 + ES_AN547_UART0_IRQ_C] = V(uart_entry),
};
#pragma GCC diagnostic pop

/* Stack painting: every word from the end of .bss to just below the current
   stack pointer gets ES_AN547_STACK_PAINT; the deepest word ever written is the
   first one (from below) that no longer holds it. */
void es_an547_reset(void)
{
    {
        uint32_t sp;
        __asm__ volatile("mov %0, sp" : "=r"(sp));
        /* 256 bytes of margin for this frame and memset's */
        for (uint32_t *w = (uint32_t *)(uintptr_t)__bss_end__; (uintptr_t)w + 256u < sp; w++) {
            *(volatile uint32_t *)w = ES_AN547_STACK_PAINT;
        }
    }
    memcpy(__data_start__, __data_load__, (size_t)(__data_end__ - __data_start__));
    memset(__bss_start__, 0, (size_t)(__bss_end__ - __bss_start__));
    ES_REG32(ES_SCB_VTOR) = (uint32_t)(uintptr_t)es_an547_vectors;
    /* MemManage, BusFault, UsageFault, SecureFault as their own exceptions */
    ES_REG32(ES_SCB_SHCSR) |= (1u << 16) | (1u << 17) | (1u << 18) | (1u << 19);
    __asm__ volatile("dsb\nisb" ::: "memory");
    es_an547_main();
}

size_t es_an547_stack_high_water(size_t *size)
{
    const uintptr_t lo = (uintptr_t)__bss_end__, hi = (uintptr_t)__stack_top;
    uintptr_t a = lo;
    while (a < hi && *(const volatile uint32_t *)a == ES_AN547_STACK_PAINT) {
        a += 4u;
    }
    if (size != NULL) {
        *size = (size_t)(hi - lo);
    }
    return (size_t)(hi - a);
}

void es_cm_system_reset(void)
{
    __asm__ volatile("dsb" ::: "memory");
    ES_REG32(ES_SCB_AIRCR) = 0x05FA0004u; /* VECTKEY | SYSRESETREQ */
    __asm__ volatile("dsb" ::: "memory");
    for (;;) {
        __asm__ volatile("wfi");
    }
}

static char *put_hex(char *p, uint32_t v)
{
    static const char digits[] = "0123456789abcdef";
    *p++ = '0';
    *p++ = 'x';
    for (int i = 7; i >= 0; i--) {
        *p++ = digits[(v >> (4 * i)) & 0xFu];
    }
    return p;
}

static char *put_str(char *p, const char *s)
{
    while (*s != '\0') {
        *p++ = *s++;
    }
    return p;
}

void es_an547_fault(const uint32_t *frame, uint32_t ipsr, uint32_t exc_return)
{
    (void)exc_return;
    const uint32_t cfsr = ES_REG32(ES_SCB_CFSR);
    const uint32_t pc = frame[6];
    char line[256];
    char *p = line;
    p = put_str(p, "\r\nFAULT exception ");
    p = put_hex(p, ipsr & 0x1FFu);
    p = put_str(p, " pc ");
    p = put_hex(p, pc);
    p = put_str(p, " lr ");
    p = put_hex(p, frame[5]);
    p = put_str(p, " cfsr ");
    p = put_hex(p, cfsr);
    p = put_str(p, " hfsr ");
    p = put_hex(p, ES_REG32(ES_SCB_HFSR));
    p = put_str(p, " mmfar ");
    p = put_hex(p, ES_REG32(ES_SCB_MMFAR));
    p = put_str(p, " bfar ");
    p = put_hex(p, ES_REG32(ES_SCB_BFAR));
    p = put_str(p, " sfsr ");
    p = put_hex(p, ES_REG32(ES_SAU_SFSR));
    p = put_str(p, " sfar ");
    p = put_hex(p, ES_REG32(ES_SAU_SFAR));
    p = put_str(p, "; resetting\r\n");
    *p = '\0';
    /* A frame delimiter (0x00) on both sides: the host's frame reader counts the
       text as one bad frame and resynchronises on the next BOOT event. */
    static const char delim[2] = {'\0', '\0'};
    es_cmsdk_uart_write_raw(ES_AN547_FAULT_UART, (const uint8_t *)delim, 1);
    es_cmsdk_uart_puts(ES_AN547_FAULT_UART, line);
    es_cmsdk_uart_write_raw(ES_AN547_FAULT_UART, (const uint8_t *)delim, 1);
    es_semihost_puts(line);
    __es_noinit.magic = ES_AN547_NOINIT_MAGIC;
    __es_noinit.reason = 3u; /* ES_BOOT_FAULT */
    __es_noinit.request = 0u;
    __es_noinit.fault_pc = pc;
    __es_noinit.fault_cfsr = cfsr;
    es_cm_system_reset();
}
