/* qemu_an547: the Earshot bootloader on the Cortex-M55 of QEMU's mps3-an547.
   Runs the boot rule of docs/IMAGE.md over the flash (a RAM image in DDR
   mirrored to a host file through semihosting), copies the chosen image's
   payload to its load address and calls the application there. */
#include <string.h>

#define ES_AN547_BOOTLOADER 1
#include "boot.h"
#include "cortexm.h"
#include "earshot/drivers.h"
#include "image.h"
#include "qemu_an547.h"

extern uint8_t __es_app_region[];
extern uint8_t __es_board_ram[];
extern uint8_t __es_flash_mem[];

static es_systick_t g_tick;
static es_cmsdk_uart_t g_uart;
static es_mirror_flash_t g_flash;
static char g_cmdline[512];
static char g_flash_path[480];

void es_an547_systick_handler(void) { es_systick_isr(&g_tick); }

void es_an547_uart_handler(void) { es_cmsdk_uart_isr(&g_uart); }

/* The value of "key=" in the semihosting command line (QEMU: arg=key=value), or "". */
static void cmdline_value(const char *cmdline, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    out[0] = '\0';
    const char *p = cmdline;
    while (*p != '\0') {
        while (*p == ' ') {
            p++;
        }
        const char *tok = p;
        while (*p != '\0' && *p != ' ') {
            p++;
        }
        if ((size_t)(p - tok) > klen && strncmp(tok, key, klen) == 0 && tok[klen] == '=') {
            size_t n = (size_t)(p - tok) - klen - 1u;
            if (n >= cap) {
                n = cap - 1u;
            }
            memcpy(out, tok + klen + 1, n);
            out[n] = '\0';
            return;
        }
    }
}

/* Copy the payload of the image in @slot to its load address and run it. */
static es_reset_request_t start_app(const es_board_t *board, uint32_t slot, const es_image_header_t *h,
                                    const es_boot_info_t *info, const char **why)
{
    const uintptr_t base = (uintptr_t)__es_app_region;
    if (h->flags & ES_IMAGE_FLAG_SHARED_OBJECT) {
        *why = "a host shared object";
        return ES_RESET_FAULT;
    }
    if (h->load_address != base || h->payload_size < sizeof(es_an547_app_header_t) ||
        h->payload_size > ES_AN547_APP_SIZE) {
        *why = "wrong load address or size";
        return ES_RESET_FAULT;
    }
    if (es_flash_read(board->flash, board->slots[slot].offset + ES_IMAGE_HEADER_SIZE, __es_app_region,
                      h->payload_size) != ES_OK) {
        *why = "flash read failed";
        return ES_RESET_FAULT;
    }
    __asm__ volatile("dsb\nisb" ::: "memory");
    es_an547_app_header_t ah;
    memcpy(&ah, __es_app_region, sizeof ah);
    uintptr_t entry = 0;
    memcpy(&entry, &ah.entry, sizeof entry);
    const uintptr_t load_end = (uintptr_t)ah.load_end, ram_end = (uintptr_t)ah.ram_end;
    if (ah.magic != ES_AN547_APP_MAGIC || ah.header_size != sizeof ah || load_end > base + h->payload_size ||
        ram_end < load_end || ram_end > base + ES_AN547_APP_SIZE || (entry & 1u) == 0 || entry < base ||
        entry >= load_end) {
        *why = "no valid application header at the load address";
        return ES_RESET_FAULT;
    }
    *why = NULL;
    return ah.entry(board, info);
}

static void say(const char *s)
{
    es_semihost_puts("qemu_an547: ");
    es_semihost_puts(s);
    es_semihost_puts("\n");
}

void es_an547_main(void)
{
    es_systick_init(&g_tick, ES_AN547_CPU_HZ);
    static es_timer_t timer;
    timer.ops = &es_systick_ops;
    timer.ctx = &g_tick;
    es_cmsdk_uart_init(&g_uart, ES_AN547_UART0, ES_AN547_PCLK_HZ, 921600u, &timer);
    ES_REG32(ES_NVIC_ISER(ES_AN547_UART0_IRQ_A)) = 1u << (ES_AN547_UART0_IRQ_A % 32u);
    ES_REG32(ES_NVIC_ISER(ES_AN547_UART0_IRQ_B)) = 1u << (ES_AN547_UART0_IRQ_B % 32u);
    ES_REG32(ES_NVIC_ISER(ES_AN547_UART0_IRQ_C)) = 1u << (ES_AN547_UART0_IRQ_C % 32u);
    __asm__ volatile("cpsie i" ::: "memory");

    if (es_semihost_cmdline(g_cmdline, sizeof g_cmdline) < 0) {
        g_cmdline[0] = '\0';
    }
    cmdline_value(g_cmdline, "flash", g_flash_path, sizeof g_flash_path);
    es_flash_geometry_t geo = {ES_AN547_FLASH_SIZE, ES_AN547_SECTOR, ES_AN547_WRITE, 0xFFu};
    if (es_mirror_flash_open(&g_flash, __es_flash_mem, &geo, g_flash_path) != ES_OK) {
        say("cannot use the flash file (must be absent, empty or 4 MiB); flash is RAM only");
        (void)es_mirror_flash_open(&g_flash, __es_flash_mem, &geo, NULL);
    } else if (g_flash_path[0] == '\0') {
        say("no flash=FILE on the semihosting command line; flash is RAM only");
    }

    static es_uart_t uart;
    static es_flash_t flash;
    static es_board_t board;
    uart.ops = &es_cmsdk_uart_ops;
    uart.ctx = &g_uart;
    uart.baud = 921600u;
    flash.ops = &es_mirror_flash_ops;
    flash.ctx = &g_flash;
    flash.geo = geo;
    board.name = ES_AN547_BOARD;
    board.uart = &uart;
    board.flash = &flash;
    board.timer = &timer;
    board.audio = NULL;
    board.slots[0].offset = 0;
    board.slots[0].size = ES_AN547_SLOT_SIZE;
    board.slots[1].offset = ES_AN547_SLOT_SIZE;
    board.slots[1].size = ES_AN547_SLOT_SIZE;
    board.n_slots = 2;
    board.ram = __es_board_ram;
    board.ram_size = ES_AN547_RAM_SIZE;
    board.shutdown_requested = NULL;
    board.shutdown_ctx = NULL;
    board.stack_high_water = es_an547_stack_high_water;

    es_boot_reason_t reason = ES_BOOT_POWER_ON;
    int stay = 0;
    if (__es_noinit.magic == ES_AN547_NOINIT_MAGIC) {
        reason = (es_boot_reason_t)__es_noinit.reason;
        stay = __es_noinit.request == (uint32_t)ES_RESET_BOOTLOADER;
    }
    __es_noinit.magic = 0;

    for (;;) {
        es_boot_decision_t d;
        es_slot_info_t infos[ES_MAX_SLOTS];
        es_reset_request_t req;
        if (es_boot_decide(&board, &d, infos) != ES_OK) {
            say("flash read failed");
            req = es_boot_serve(&board, (es_boot_state_t *)board.ram, ES_BOOT_FAULT);
        } else if (d.start && !stay) {
            const es_image_header_t *h = &infos[d.slot].header;
            if (d.set_tried && es_boot_set_tried(&board, d.slot) != ES_OK) {
                say("cannot mark the slot TRIED");
            }
            es_boot_info_t info;
            memset(&info, 0, sizeof info);
            info.slot = d.slot;
            info.image_version = h->image_version;
            info.image_flags = h->flags;
            info.payload_size = h->payload_size;
            memcpy(info.header_sha256, h->header_sha256, 32);
            info.reason = d.rollback ? ES_BOOT_ROLLBACK : reason;
            const char *why = NULL;
            req = start_app(&board, d.slot, h, &info, &why);
            if (why != NULL) {
                say("image cannot be started:");
                say(why);
                req = es_boot_serve(&board, (es_boot_state_t *)board.ram, ES_BOOT_FAULT);
            }
        } else {
            req = es_boot_serve(&board, (es_boot_state_t *)board.ram, reason);
        }
        switch (req) {
        case ES_RESET_NORMAL: stay = 0; reason = ES_BOOT_RESET; break;
        case ES_RESET_BOOTLOADER: stay = 1; reason = ES_BOOT_RESET; break;
        case ES_RESET_FAULT: stay = 0; reason = ES_BOOT_FAULT; break;
        case ES_RESET_SHUTDOWN: stay = 0; reason = ES_BOOT_RESET; break;
        }
    }
}
