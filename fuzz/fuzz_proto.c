/*
 * Protocol fuzzer for the Earshot firmware: random and mutated wire bytes
 * (garbage, truncated frames, bad CRCs, oversized lengths, unknown commands,
 * versions and types, valid frames with random payloads) go through the
 * frame parser and the command dispatchers of both roles: the bootloader
 * service (es_boot_serve) and the application (es_app_main, no models), over
 * an in-memory flash and a stub UART. Every byte the device sends back must
 * parse as a valid frame, and on runs of well-formed requests every request
 * must get exactly one response. Meant for AddressSanitizer + UBSan:
 *
 *   cc -std=c11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
 *      -I runtime/include -I drivers/include -I firmware/proto -I firmware/common \
 *      -I firmware/boot -I firmware/app fuzz/fuzz_proto.c firmware/proto/proto.c \
 *      firmware/common/[a-z]*.c firmware/boot/boot.c firmware/app/app.c runtime/src/[a-z]*[/]*.c ... -lm
 *   ./fuzz_proto -n 100000 -s 1
 *
 * Prints "fuzz_proto: N iterations, F frames, R requests, A answered, E rx_errors, 0 crashes".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "boot.h"
#include "earshot/drivers.h"
#include "image.h"
#include "proto.h"
#include "service.h"
#include "sha256.h"

/* ---- small flash: two 64 KiB slots ---- */
#define FZ_SECTOR 4096u
#define FZ_SLOT (16u * FZ_SECTOR)
#define FZ_FLASH (2u * FZ_SLOT)

typedef struct fz_flash {
    uint8_t mem[FZ_FLASH];
    uint64_t ops;
} fz_flash_t;

static es_status_t fz_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    fz_flash_t *f = ctx;
    if (buf == NULL || addr > FZ_FLASH || len > FZ_FLASH - addr) {
        return ES_ERR_ARG;
    }
    memcpy(buf, f->mem + addr, len);
    return ES_OK;
}

static es_status_t fz_prog(void *ctx, uint32_t addr, const void *data, size_t len)
{
    fz_flash_t *f = ctx;
    if (data == NULL || addr > FZ_FLASH || len > FZ_FLASH - addr || addr % 4u || len % 4u) {
        return ES_ERR_ARG;
    }
    const uint8_t *d = data;
    for (size_t i = 0; i < len; i++) {
        f->mem[addr + i] &= d[i];
    }
    f->ops++;
    return ES_OK;
}

static es_status_t fz_erase(void *ctx, uint32_t addr, size_t len)
{
    fz_flash_t *f = ctx;
    if (addr > FZ_FLASH || len > FZ_FLASH - addr || addr % FZ_SECTOR || len % FZ_SECTOR) {
        return ES_ERR_ARG;
    }
    memset(f->mem + addr, 0xFF, len);
    f->ops += len / FZ_SECTOR;
    return ES_OK;
}

static uint64_t fz_ops(void *ctx) { return ((fz_flash_t *)ctx)->ops; }

static const es_flash_ops_t fz_flash_ops = {fz_read, fz_prog, fz_erase, fz_ops};

/* ---- stub UART: input from a buffer, output checked by a second parser ---- */
#define FZ_MAX_INPUT (64u * 1024u)

typedef struct fz_uart {
    const uint8_t *in;
    size_t in_len, in_pos;
    uint64_t rng;
    es_proto_parser_t out_parser;
    unsigned long long rsp, evt, bad_out;
} fz_uart_t;

static uint64_t xs64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static es_status_t fz_write(void *ctx, const uint8_t *data, size_t len)
{
    fz_uart_t *u = ctx;
    for (size_t i = 0; i < len; i++) {
        es_frame_t f;
        es_proto_feed_result_t r = es_proto_feed(&u->out_parser, data[i], &f);
        if (r == ES_PROTO_DROP) {
            u->bad_out++;
        } else if (r == ES_PROTO_FRAME) {
            if (f.version != ES_PROTO_VERSION) {
                u->bad_out++;
            } else if (f.type == ES_TYPE_RSP) {
                u->rsp++;
            } else if (f.type == ES_TYPE_EVT) {
                u->evt++;
            } else {
                u->bad_out++;
            }
        }
    }
    return ES_OK;
}

static int32_t fz_uart_read(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms)
{
    (void)timeout_ms;
    fz_uart_t *u = ctx;
    size_t left = u->in_len - u->in_pos;
    size_t n = 1u + (size_t)(xs64(&u->rng) % 300u);
    if (n > cap) {
        n = cap;
    }
    if (n > left) {
        n = left;
    }
    memcpy(buf, u->in + u->in_pos, n);
    u->in_pos += n;
    return (int32_t)n;
}

static const es_uart_ops_t fz_uart_ops = {fz_write, fz_uart_read};

static uint64_t fz_now(void *ctx)
{
    uint64_t *t = ctx;
    return *t += 7;
}
static void fz_sleep(void *ctx, uint64_t us) { *(uint64_t *)ctx += us; }
static const es_timer_ops_t fz_timer_ops = {fz_now, fz_sleep};

static int fz_shutdown(void *ctx)
{
    fz_uart_t *u = ctx;
    return u->in_pos >= u->in_len;
}

/* The application is built without models here. */
const es_app_model_t *es_app_model_table(size_t *n)
{
    *n = 0;
    return NULL;
}

/* ---- input generation ---- */
static const uint8_t CODES[] = {ES_CMD_HELLO, ES_CMD_INFO, ES_CMD_RESET, ES_CMD_FLASH_ERASE, ES_CMD_FLASH_WRITE,
                                ES_CMD_FLASH_VERIFY, ES_CMD_FLASH_COMMIT, ES_CMD_FLASH_STATUS, ES_CMD_CONFIRM,
                                ES_CMD_FLASH_WRITE_LZ,
                                ES_CMD_AUDIO_IN, ES_CMD_AUDIO_OUT, ES_CMD_PROFILE, ES_CMD_LOG_LEVEL};

typedef struct fz_gen {
    uint8_t buf[FZ_MAX_INPUT];
    size_t len;
    uint64_t rng;
    unsigned long long frames;
    unsigned requests;   /* well-formed REQs that must be answered */
    int clean;           /* only well-formed frames so far and no RESET */
} fz_gen_t;

static uint32_t rnd(fz_gen_t *g, uint32_t n) { return n ? (uint32_t)(xs64(&g->rng) % n) : 0; }

static void put(fz_gen_t *g, const uint8_t *d, size_t n)
{
    if (n > sizeof g->buf - g->len) {
        n = sizeof g->buf - g->len;
    }
    memcpy(g->buf + g->len, d, n);
    g->len += n;
}

static size_t payload_for(fz_gen_t *g, uint8_t code, uint8_t *p, size_t cap)
{
    size_t n = 0;
    switch (code) {
    case ES_CMD_HELLO: p[0] = 1; es_wr16(p + 1, (uint16_t)rnd(g, 65536)); n = 3; break;
    case ES_CMD_RESET: p[0] = (uint8_t)rnd(g, 3); n = 1; break;
    case ES_CMD_FLASH_ERASE: p[0] = (uint8_t)rnd(g, 3); es_wr32(p + 1, rnd(g, 3) ? rnd(g, FZ_SLOT) : 0); n = 5; break;
    case ES_CMD_FLASH_WRITE: {
        p[0] = (uint8_t)rnd(g, 3);
        es_wr32(p + 1, rnd(g, 4) ? rnd(g, FZ_SLOT) : (uint32_t)xs64(&g->rng));
        size_t d = rnd(g, 4) ? rnd(g, 600) : rnd(g, (uint32_t)(cap - 5));
        for (size_t i = 0; i < d; i++) {
            p[5 + i] = rnd(g, 4) ? (uint8_t)rnd(g, 256) : 0;
        }
        n = 5 + d;
        break;
    }
    case ES_CMD_FLASH_VERIFY:
        p[0] = (uint8_t)rnd(g, 3);
        es_wr32(p + 1, rnd(g, 4) ? rnd(g, FZ_SLOT) : (uint32_t)xs64(&g->rng));
        for (size_t i = 0; i < 32; i++) {
            p[5 + i] = (uint8_t)rnd(g, 256);
        }
        n = 37;
        break;
    case ES_CMD_FLASH_COMMIT:
    case ES_CMD_FLASH_STATUS: p[0] = (uint8_t)rnd(g, 3); n = 1; break;
    case ES_CMD_AUDIO_IN: {
        size_t d = rnd(g, 2000);
        for (size_t i = 0; i < d; i++) {
            p[i] = (uint8_t)rnd(g, 256);
        }
        n = d;
        break;
    }
    case ES_CMD_AUDIO_OUT: es_wr32(p, rnd(g, 5000)); n = 4; break;
    case ES_CMD_PROFILE: p[0] = (uint8_t)rnd(g, 2); n = 1; break;
    case ES_CMD_LOG_LEVEL: p[0] = (uint8_t)rnd(g, 5); n = 1; break;
    default: n = rnd(g, 64); for (size_t i = 0; i < n; i++) { p[i] = (uint8_t)rnd(g, 256); } break;
    }
    /* Sometimes truncate or extend the well-formed payload. */
    uint32_t r = rnd(g, 16);
    if (r == 0 && n > 0) {
        n = rnd(g, (uint32_t)n);
    } else if (r == 1) {
        size_t extra = rnd(g, 16);
        for (size_t i = 0; i < extra && n < cap; i++) {
            p[n++] = (uint8_t)rnd(g, 256);
        }
    }
    return n;
}

static void gen_frame(fz_gen_t *g)
{
    static uint8_t payload[ES_PROTO_MAX_PAYLOAD + 64];
    static uint8_t wire[ES_PROTO_MAX_WIRE + 256];
    uint32_t kind = rnd(g, 20);
    g->frames++;
    if (kind == 0) { /* garbage, with or without delimiters */
        size_t n = rnd(g, 400);
        for (size_t i = 0; i < n; i++) {
            uint8_t b = (uint8_t)rnd(g, 256);
            put(g, &b, 1);
        }
        g->clean = 0;
        return;
    }
    if (kind == 1) { /* oversized: longer than any frame before the delimiter */
        size_t n = ES_PROTO_MAX_WIRE + rnd(g, 300);
        for (size_t i = 0; i < n && g->len < sizeof g->buf; i++) {
            g->buf[g->len++] = (uint8_t)(1u + rnd(g, 255));
        }
        put(g, (const uint8_t *)"", 1);
        g->clean = 0;
        return;
    }
    uint8_t code = rnd(g, 10) ? CODES[rnd(g, sizeof CODES)] : (uint8_t)rnd(g, 256);
    size_t n = payload_for(g, code, payload, ES_PROTO_MAX_PAYLOAD);
    uint8_t type = rnd(g, 12) ? ES_TYPE_REQ : (uint8_t)rnd(g, 5);
    uint16_t id = (uint16_t)(rnd(g, 4) ? rnd(g, 65536) : rnd(g, 3));
    size_t w = es_proto_build(type, id, code, (uint8_t)(rnd(g, 8) ? 0 : rnd(g, 256)), payload, n, wire, sizeof wire);
    if (w == 0) {
        return;
    }
    uint32_t mut = rnd(g, 8);
    int well_formed = mut >= 3 && type == ES_TYPE_REQ;
    if (mut == 0) { /* flip bits */
        for (uint32_t k = 0, m = 1 + rnd(g, 4); k < m; k++) {
            wire[rnd(g, (uint32_t)w)] ^= (uint8_t)(1u << rnd(g, 8));
        }
    } else if (mut == 1) { /* truncate (then resync at the next delimiter) */
        w = rnd(g, (uint32_t)w);
    } else if (mut == 2) { /* rebuild with a wrong version / length / CRC */
        uint8_t raw[ES_PROTO_MAX_RAW + 8];
        raw[0] = rnd(g, 2) ? (uint8_t)rnd(g, 256) : 1;
        raw[1] = type;
        es_wr16(raw + 2, id);
        raw[4] = code;
        raw[5] = 0;
        es_wr16(raw + 6, (uint16_t)(rnd(g, 2) ? n : rnd(g, 65536)));
        memcpy(raw + 8, payload, n);
        uint32_t crc = es_crc32(0, raw, 8 + n);
        es_wr32(raw + 8 + n, rnd(g, 2) ? crc : crc ^ (1u + rnd(g, 0xFFFF)));
        w = es_cobs_encode(raw, 12 + n, wire, sizeof wire - 1);
        wire[w++] = 0;
    }
    put(g, wire, w);
    if (!well_formed || code == ES_CMD_RESET || g->len >= sizeof g->buf) {
        g->clean = 0;
    } else {
        g->requests++;
    }
}

/* A whole update: ERASE, WRITE a valid image in random chunks, VERIFY, COMMIT,
   STATUS, CONFIRM, INFO; each frame possibly mutated. */
static void gen_update(fz_gen_t *g)
{
    static uint8_t img[ES_IMAGE_HEADER_SIZE + 8192];
    static uint8_t payload[ES_PROTO_MAX_PAYLOAD];
    static uint8_t wire[ES_PROTO_MAX_WIRE];
    uint32_t psize = rnd(g, 8192);
    memset(img, 0, ES_IMAGE_HEADER_SIZE);
    memcpy(img, "ESIM", 4);
    es_wr16(img + 4, 1);
    es_wr16(img + 6, ES_IMAGE_HEADER_SIZE);
    es_wr32(img + 8, rnd(g, 5));
    es_wr32(img + 16, psize);
    es_wr32(img + 20, rnd(g, 4));
    if (rnd(g, 8)) {
        memcpy(img + 24, "host_sim", 8);
    } else {
        memcpy(img + 24, "other", 5);
    }
    for (uint32_t i = 0; i < psize; i++) {
        img[ES_IMAGE_HEADER_SIZE + i] = (uint8_t)rnd(g, 256);
    }
    es_sha256(img + ES_IMAGE_HEADER_SIZE, psize, img + 56);
    es_sha256(img, 224, img + 224);
    uint32_t size = ES_IMAGE_HEADER_SIZE + psize;
    uint8_t slot = (uint8_t)(rnd(g, 6) ? 1 : rnd(g, 3));
    uint16_t id = (uint16_t)rnd(g, 60000);
    int mutate = rnd(g, 2);
#define EMIT(code, n)                                                                                                \
    do {                                                                                                             \
        size_t w_ = es_proto_build(ES_TYPE_REQ, id++, (code), 0, payload, (n), wire, sizeof wire);                  \
        if (mutate && rnd(g, 10) == 0 && w_ > 1) {                                                                   \
            wire[rnd(g, (uint32_t)w_ - 1)] ^= (uint8_t)(1u << rnd(g, 8));                                            \
            g->clean = 0;                                                                                            \
        } else {                                                                                                     \
            g->requests++;                                                                                           \
        }                                                                                                            \
        put(g, wire, w_);                                                                                            \
        g->frames++;                                                                                                 \
    } while (0)
    payload[0] = slot;
    es_wr32(payload + 1, rnd(g, 4) ? size : 0);
    EMIT(ES_CMD_FLASH_ERASE, 5);
    for (uint32_t off = 0; off < size;) {
        uint32_t n = 1 + rnd(g, 2000);
        if (n > size - off) {
            n = size - off;
        }
        payload[0] = slot;
        es_wr32(payload + 1, off);
        memcpy(payload + 5, img + off, n);
        EMIT(ES_CMD_FLASH_WRITE, 5u + n);
        if (rnd(g, 8) == 0) {
            EMIT(ES_CMD_FLASH_WRITE, 5u + n); /* retransmission with a new id */
        }
        off += n;
    }
    payload[0] = slot;
    es_wr32(payload + 1, size);
    es_sha256(img, size, payload + 5);
    EMIT(ES_CMD_FLASH_VERIFY, 37);
    payload[0] = slot;
    EMIT(ES_CMD_FLASH_COMMIT, 1);
    EMIT(ES_CMD_FLASH_STATUS, 1);
    EMIT(ES_CMD_CONFIRM, 0);
    EMIT(ES_CMD_INFO, 0);
#undef EMIT
}

typedef struct fz_state {
    fz_flash_t flash;
    _Alignas(16) uint8_t ram[sizeof(es_app_t) > sizeof(es_boot_state_t) ? sizeof(es_app_t) : sizeof(es_boot_state_t)];
    fz_gen_t gen;
} fz_state_t;

int main(int argc, char **argv)
{
    unsigned long long iterations = 100000;
    uint64_t seed = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-n") == 0) {
            iterations = strtoull(argv[i + 1], NULL, 10);
        } else if (strcmp(argv[i], "-s") == 0) {
            seed = strtoull(argv[i + 1], NULL, 10);
        }
    }
    fz_state_t *st = calloc(1, sizeof *st);
    if (st == NULL) {
        return 2;
    }
    unsigned long long frames = 0, requests = 0, answered = 0, rx_errors = 0, clean_runs = 0, events = 0;
    unsigned long long committed = 0;
    for (unsigned long long it = 0; it < iterations; it++) {
        fz_gen_t *g = &st->gen;
        g->rng = (seed * 0x9E3779B97F4A7C15ull) ^ (it + 1) * 0xD1B54A32D192ED03ull;
        xs64(&g->rng);
        g->len = 0;
        g->requests = 0;
        g->frames = 0;
        g->clean = rnd(g, 4) == 0; /* a quarter of the runs: only well-formed requests */
        int clean_run = g->clean;
        unsigned nframes = 1 + rnd(g, 8);
        int update = rnd(g, 5) == 0;
        if (update) {
            g->clean = 1;
            gen_update(g);
            clean_run = g->clean;
            nframes = 0;
        }
        for (unsigned k = 0; k < nframes; k++) {
            if (clean_run) {
                static uint8_t payload[ES_PROTO_MAX_PAYLOAD];
                static uint8_t wire[ES_PROTO_MAX_WIRE];
                uint8_t code = CODES[rnd(g, sizeof CODES)];
                if (code == ES_CMD_RESET) {
                    code = ES_CMD_INFO;
                }
                size_t n = payload_for(g, code, payload, 1500);
                size_t w = es_proto_build(ES_TYPE_REQ, (uint16_t)(k + 1), code, 0, payload, n, wire, sizeof wire);
                put(g, wire, w);
                g->requests++;
                g->frames++;
            } else {
                gen_frame(g);
            }
        }
        frames += g->frames;
        /* Fresh flash; sometimes a valid-looking header in slot 0. */
        memset(st->flash.mem, 0xFF, sizeof st->flash.mem);
        st->flash.ops = 0;
        int role = (int)rnd(g, 2);
        fz_uart_t uart;
        memset(&uart, 0, sizeof uart);
        uart.in = g->buf;
        uart.in_len = g->len;
        uart.rng = g->rng ^ 0x5555;
        es_proto_parser_init(&uart.out_parser);
        uint64_t clock = 0;
        es_uart_t u = {&fz_uart_ops, &uart, 921600};
        es_flash_t f = {&fz_flash_ops, &st->flash, {FZ_FLASH, FZ_SECTOR, 4, 0xFF}};
        es_timer_t t = {&fz_timer_ops, &clock};
        es_board_t board;
        memset(&board, 0, sizeof board);
        board.name = "host_sim";
        board.uart = &u;
        board.flash = &f;
        board.timer = &t;
        board.slots[0].offset = 0;
        board.slots[0].size = FZ_SLOT;
        board.slots[1].offset = FZ_SLOT;
        board.slots[1].size = FZ_SLOT;
        board.n_slots = 2;
        board.ram = st->ram;
        board.ram_size = sizeof st->ram;
        board.shutdown_requested = fz_shutdown;
        board.shutdown_ctx = &uart;
        unsigned long long events_at_boot = 0;
        while (uart.in_pos < uart.in_len) {
            es_reset_request_t r;
            unsigned long long before = uart.evt;
            if (role == 0) {
                r = es_boot_serve(&board, (es_boot_state_t *)st->ram, ES_BOOT_POWER_ON);
                rx_errors += ((es_boot_state_t *)st->ram)->svc.parser.errors;
            } else {
                es_boot_info_t info;
                memset(&info, 0, sizeof info);
                info.slot = 0;
                info.image_version = 1;
                info.image_flags = ES_IMAGE_FLAG_SHARED_OBJECT | (rnd(g, 2) ? ES_IMAGE_FLAG_NO_AUTO_CONFIRM : 0u);
                r = es_app_main(&board, &info);
                rx_errors += ((es_app_t *)st->ram)->svc.parser.errors;
            }
            events_at_boot += uart.evt - before;
            if (r == ES_RESET_FAULT) {
                fprintf(stderr, "fuzz_proto: iteration %llu: firmware returned FAULT\n", it);
                return 1;
            }
            if (r == ES_RESET_BOOTLOADER) {
                role = 0;
            }
        }
        if (uart.bad_out != 0) {
            fprintf(stderr, "fuzz_proto: iteration %llu: device sent %llu malformed frames\n", it, uart.bad_out);
            return 1;
        }
        if (clean_run) {
            clean_runs++;
            if (uart.rsp != g->requests) {
                fprintf(stderr, "fuzz_proto: iteration %llu: %u well-formed requests, %llu responses\n", it,
                        g->requests, uart.rsp);
                return 1;
            }
        }
        for (uint32_t sl = 0; sl < 2; sl++) {
            committed += st->flash.mem[sl * FZ_SLOT + FZ_SLOT - FZ_SECTOR] == 0;
        }
        requests += g->requests;
        answered += uart.rsp;
        events += uart.evt;
    }
    printf("fuzz_proto: %llu iterations, %llu frames, %llu requests, %llu answered, %llu events, %llu rx_errors, "
           "%llu clean runs, %llu commits, 0 crashes\n",
           iterations, frames, requests, answered, events, rx_errors, clean_runs, committed);
    free(st);
    return 0;
}
