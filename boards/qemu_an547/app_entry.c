/* qemu_an547 application entry: the header the bootloader checks at the load
   address, and the start routine that prepares .bss and runs es_app_main(). */
#include <string.h>

#include "app.h"
#include "qemu_an547.h"

extern uint8_t __bss_start__[], __bss_end__[];
extern const uint8_t __es_app_load_end[], __es_app_ram_end[];

static es_reset_request_t app_start(const es_board_t *board, const es_boot_info_t *info)
{
    memset(__bss_start__, 0, (size_t)(__bss_end__ - __bss_start__));
    return es_app_main(board, info);
}

__attribute__((section(".es_app_header"), used)) const es_an547_app_header_t es_an547_app_header = {
    ES_AN547_APP_MAGIC, (uint32_t)sizeof(es_an547_app_header_t), app_start, __es_app_load_end, __es_app_ram_end,
};
