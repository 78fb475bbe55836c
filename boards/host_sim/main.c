/* host_sim: the Earshot bootloader as a host process. The application image's
   payload is a shared object, loaded with dlopen from a temporary copy.

   earshot-sim [--flash FILE] [--baud N] [--cut-after N] [--tcp PORT] [--print-port]
               [--ram BYTES] [--quiet]
*/
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "earshot/drivers.h"
#include "image.h"
#include "sim.h"

#define SIM_BOARD "host_sim"
#define SIM_FLASH_SIZE (4u * 1024u * 1024u)
#define SIM_SLOT_SIZE (2u * 1024u * 1024u)
#define SIM_RAM (1024u * 1024u)

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int shutdown_requested(void *ctx)
{
    (void)ctx;
    return g_stop != 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: earshot-sim [--flash FILE] [--baud N] [--cut-after N] [--tcp PORT] [--print-port] "
                    "[--ram BYTES] [--quiet]\n");
}

static int quiet;

#define LOG(...)                                                                                                      \
    do {                                                                                                              \
        if (!quiet) {                                                                                                 \
            fprintf(stderr, "host_sim: " __VA_ARGS__);                                                                \
            fputc('\n', stderr);                                                                                      \
        }                                                                                                             \
    } while (0)

/* Copy the payload of the image in @slot to a temporary file and dlopen it. */
static void *load_payload(const es_board_t *board, uint32_t slot, const es_image_header_t *h, es_app_main_fn *entry)
{
    uint8_t *buf = malloc(h->payload_size > 0 ? h->payload_size : 1u);
    if (buf == NULL) {
        return NULL;
    }
    if (es_flash_read(board->flash, board->slots[slot].offset + ES_IMAGE_HEADER_SIZE, buf, h->payload_size) !=
        ES_OK) {
        free(buf);
        return NULL;
    }
    const char *tmpdir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/earshot-app-XXXXXX.so", tmpdir != NULL ? tmpdir : "/tmp");
    int fd = mkstemps(path, 3);
    if (fd < 0) {
        free(buf);
        return NULL;
    }
    size_t off = 0;
    while (off < h->payload_size) {
        ssize_t w = write(fd, buf + off, h->payload_size - off);
        if (w <= 0) {
            break;
        }
        off += (size_t)w;
    }
    close(fd);
    free(buf);
    void *handle = NULL;
    if (off == h->payload_size) {
        handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) {
            LOG("dlopen failed: %s", dlerror());
        }
    }
    unlink(path);
    if (handle == NULL) {
        return NULL;
    }
    void *sym = dlsym(handle, ES_APP_ENTRY);
    if (sym == NULL) {
        LOG("image has no %s", ES_APP_ENTRY);
        dlclose(handle);
        return NULL;
    }
    memcpy(entry, &sym, sizeof *entry);
    return handle;
}

int main(int argc, char **argv)
{
    const char *flash_path = "host_sim_flash.bin";
    uint32_t baud = 921600;
    uint64_t cut_after = 0;
    int tcp_port = -1;
    int print_port = 0;
    size_t ram_size = SIM_RAM;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--print-port") == 0) {
            print_port = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (v != NULL && strcmp(a, "--flash") == 0) {
            flash_path = v;
            i++;
        } else if (v != NULL && strcmp(a, "--baud") == 0) {
            baud = (uint32_t)strtoul(v, NULL, 10);
            i++;
        } else if (v != NULL && strcmp(a, "--cut-after") == 0) {
            cut_after = strtoull(v, NULL, 10);
            i++;
        } else if (v != NULL && strcmp(a, "--tcp") == 0) {
            tcp_port = atoi(v);
            i++;
        } else if (v != NULL && strcmp(a, "--ram") == 0) {
            ram_size = (size_t)strtoull(v, NULL, 10);
            i++;
        } else {
            usage();
            return 2;
        }
    }
    if (baud < 300 || tcp_port > 65535) {
        usage();
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    static es_sim_flash_t flash_dev;
    es_flash_geometry_t geo = {SIM_FLASH_SIZE, 4096u, 4u, 0xFFu};
    if (es_sim_flash_open(&flash_dev, flash_path, &geo, cut_after) != ES_OK) {
        fprintf(stderr, "host_sim: cannot open flash file %s (must be absent, empty or %u bytes)\n", flash_path,
                (unsigned)SIM_FLASH_SIZE);
        return 1;
    }
    static es_sim_uart_t uart_dev;
    es_status_t st = tcp_port >= 0 ? es_sim_uart_open_tcp(&uart_dev, baud, (uint16_t)tcp_port)
                                   : es_sim_uart_open_pty(&uart_dev, baud);
    if (st != ES_OK) {
        fprintf(stderr, "host_sim: cannot open the UART (%s): %s\n", tcp_port >= 0 ? "tcp" : "pty",
                strerror(errno));
        return 1;
    }
    if (print_port) {
        printf("PORT %s\n", uart_dev.path);
        fflush(stdout);
    }
    LOG("uart %s at %u baud, flash %s%s", uart_dev.path, (unsigned)baud, flash_path,
        cut_after ? " (power cut armed)" : "");

    void *ram = aligned_alloc(64, (ram_size + 63u) / 64u * 64u);
    if (ram == NULL) {
        return 1;
    }
    es_uart_t uart = {&es_sim_uart_ops, &uart_dev, baud};
    es_flash_t flash = {&es_sim_flash_ops, &flash_dev, geo};
    es_timer_t timer = {&es_sim_timer_ops, NULL};
    es_board_t board;
    memset(&board, 0, sizeof board);
    board.name = SIM_BOARD;
    board.uart = &uart;
    board.flash = &flash;
    board.timer = &timer;
    board.audio = NULL;
    board.slots[0].offset = 0;
    board.slots[0].size = SIM_SLOT_SIZE;
    board.slots[1].offset = SIM_SLOT_SIZE;
    board.slots[1].size = SIM_SLOT_SIZE;
    board.n_slots = 2;
    board.ram = ram;
    board.ram_size = ram_size;
    board.shutdown_requested = shutdown_requested;

    es_boot_reason_t reason = ES_BOOT_POWER_ON;
    int stay = 0;
    int rc = 0;
    while (!g_stop) {
        es_boot_decision_t d;
        es_slot_info_t infos[ES_MAX_SLOTS];
        if (es_boot_decide(&board, &d, infos) != ES_OK) {
            LOG("flash read failed");
            rc = 1;
            break;
        }
        es_reset_request_t req;
        if (d.start && !stay) {
            const es_image_header_t *h = &infos[d.slot].header;
            if (d.set_tried && es_boot_set_tried(&board, d.slot) != ES_OK) {
                LOG("cannot mark slot %u TRIED", (unsigned)d.slot);
            }
            es_app_main_fn entry = NULL;
            void *handle = (h->flags & ES_IMAGE_FLAG_SHARED_OBJECT) ? load_payload(&board, d.slot, h, &entry) : NULL;
            if (handle == NULL) {
                LOG("slot %u: image version %u cannot be started", (unsigned)d.slot, (unsigned)h->image_version);
                req = es_boot_serve(&board, (es_boot_state_t *)ram, ES_BOOT_FAULT);
            } else {
                es_boot_info_t info;
                memset(&info, 0, sizeof info);
                info.slot = d.slot;
                info.image_version = h->image_version;
                info.image_flags = h->flags;
                info.payload_size = h->payload_size;
                memcpy(info.header_sha256, h->header_sha256, 32);
                info.reason = d.rollback ? ES_BOOT_ROLLBACK : reason;
                LOG("starting slot %u, image version %u%s", (unsigned)d.slot, (unsigned)h->image_version,
                    d.rollback ? " (rollback)" : "");
                req = entry(&board, &info);
                dlclose(handle);
            }
        } else {
            req = es_boot_serve(&board, (es_boot_state_t *)ram, reason);
        }
        switch (req) {
        case ES_RESET_NORMAL: stay = 0; reason = ES_BOOT_RESET; break;
        case ES_RESET_BOOTLOADER: stay = 1; reason = ES_BOOT_RESET; break;
        case ES_RESET_FAULT: stay = 0; reason = ES_BOOT_FAULT; break;
        case ES_RESET_SHUTDOWN: g_stop = 1; break;
        }
        if (!g_stop) {
            LOG("reset (%s)", req == ES_RESET_BOOTLOADER ? "stay in bootloader" : req == ES_RESET_FAULT ? "fault" : "normal");
        }
    }
    printf("FLASH_OPS %llu\n", (unsigned long long)flash_dev.ops);
    fflush(stdout);
    LOG("exit, %llu flash operations, %llu bytes of output dropped", (unsigned long long)flash_dev.ops,
        (unsigned long long)uart_dev.tx_dropped);
    es_sim_uart_close(&uart_dev);
    es_sim_flash_close(&flash_dev);
    free(ram);
    return rc;
}
