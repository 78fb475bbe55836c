/* C side of tests/test_host_sim_unit.py: thin exported wrappers over the
   firmware's proto / sha256 / image / boot code and the host_sim flash driver,
   loaded with ctypes. Built with -DHOSTSIM_UNIT_MAIN it is also a small program
   running flash operations on a file (for the power-cut test, which must kill
   its process):  hostsim_unit FLASH CUT_AFTER {p:ADDR:LEN:BYTE | e:ADDR:LEN}... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "earshot/drivers.h"
#include "image.h"
#include "proto.h"
#include "sha256.h"
#include "sim.h"

uint32_t t_crc32(const uint8_t *d, size_t n);
size_t t_cobs_encode(const uint8_t *in, size_t n, uint8_t *out, size_t cap);
int t_cobs_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *out_len);
size_t t_build(int type, int id, int code, const uint8_t *payload, size_t n, uint8_t *out, size_t cap);
int t_parse(const uint8_t *wire, size_t n, uint32_t *frames, uint32_t *errors, uint8_t *last_hdr,
            uint8_t *last_payload, size_t *last_len);
void t_sha256(const uint8_t *d, size_t n, size_t chunk, uint8_t *out);
int t_image_parse(const uint8_t *raw, uint32_t *version, uint32_t *payload_size, uint32_t *flags);
int t_boot_decide(uint8_t *mem, size_t size, int *start, int *slot, int *set_tried, int *rollback, int *states);
int t_flash_open(const char *path, uint64_t cut_after);
int t_flash_prog(uint32_t addr, const uint8_t *d, size_t n);
int t_flash_erase(uint32_t addr, size_t n);
int t_flash_read(uint32_t addr, uint8_t *d, size_t n);
uint64_t t_flash_ops(void);
void t_flash_close(void);

uint32_t t_crc32(const uint8_t *d, size_t n) { return es_crc32(0, d, n); }

size_t t_cobs_encode(const uint8_t *in, size_t n, uint8_t *out, size_t cap) { return es_cobs_encode(in, n, out, cap); }

int t_cobs_decode(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    return es_cobs_decode(in, n, out, cap, out_len);
}

size_t t_build(int type, int id, int code, const uint8_t *payload, size_t n, uint8_t *out, size_t cap)
{
    return es_proto_build((uint8_t)type, (uint16_t)id, (uint8_t)code, 0, payload, n, out, cap);
}

static es_proto_parser_t parser;

/* Feed @wire; report frames, errors, and the last frame's header fields and payload. */
int t_parse(const uint8_t *wire, size_t n, uint32_t *frames, uint32_t *errors, uint8_t *last_hdr,
            uint8_t *last_payload, size_t *last_len)
{
    es_proto_parser_init(&parser);
    for (size_t i = 0; i < n; i++) {
        es_frame_t f;
        if (es_proto_feed(&parser, wire[i], &f) == ES_PROTO_FRAME) {
            last_hdr[0] = f.version;
            last_hdr[1] = f.type;
            es_wr16(last_hdr + 2, f.request_id);
            last_hdr[4] = f.code;
            last_hdr[5] = f.flags;
            es_wr16(last_hdr + 6, f.length);
            memcpy(last_payload, f.payload, f.length);
            *last_len = f.length;
        }
    }
    *frames = parser.frames;
    *errors = parser.errors;
    return 0;
}

void t_sha256(const uint8_t *d, size_t n, size_t chunk, uint8_t *out)
{
    es_sha256_t s;
    es_sha256_init(&s);
    for (size_t pos = 0; pos < n;) {
        size_t k = chunk == 0 || chunk > n - pos ? n - pos : chunk;
        es_sha256_update(&s, d + pos, k);
        pos += k;
    }
    es_sha256_final(&s, out);
}

int t_image_parse(const uint8_t *raw, uint32_t *version, uint32_t *payload_size, uint32_t *flags)
{
    es_image_header_t h;
    es_status_t st = es_image_parse(raw, &h);
    if (st == ES_OK) {
        *version = h.image_version;
        *payload_size = h.payload_size;
        *flags = h.flags;
    }
    return st;
}

/* ---- a flash over caller memory (the boot decision test) ---- */
typedef struct mem_flash {
    uint8_t *mem;
    size_t size;
} mem_flash_t;

static es_status_t m_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    mem_flash_t *m = ctx;
    if (addr > m->size || len > m->size - addr) {
        return ES_ERR_ARG;
    }
    memcpy(buf, m->mem + addr, len);
    return ES_OK;
}

static es_status_t m_prog(void *ctx, uint32_t addr, const void *data, size_t len)
{
    mem_flash_t *m = ctx;
    if (addr > m->size || len > m->size - addr || addr % 4 || len % 4) {
        return ES_ERR_ARG;
    }
    for (size_t i = 0; i < len; i++) {
        m->mem[addr + i] &= ((const uint8_t *)data)[i];
    }
    return ES_OK;
}

static es_status_t m_erase(void *ctx, uint32_t addr, size_t len)
{
    mem_flash_t *m = ctx;
    if (addr > m->size || len > m->size - addr || addr % 4096 || len % 4096) {
        return ES_ERR_ARG;
    }
    memset(m->mem + addr, 0xFF, len);
    return ES_OK;
}

static const es_flash_ops_t mem_ops = {m_read, m_prog, m_erase, NULL};

/* Boot rule over two slots splitting @mem; with start, also marks TRIED like the bootloader. */
int t_boot_decide(uint8_t *mem, size_t size, int *start, int *slot, int *set_tried, int *rollback, int *states)
{
    mem_flash_t m = {mem, size};
    es_flash_t f = {&mem_ops, &m, {(uint32_t)size, 4096, 4, 0xFF}};
    es_board_t b;
    memset(&b, 0, sizeof b);
    b.name = "host_sim";
    b.flash = &f;
    b.slots[0].offset = 0;
    b.slots[0].size = (uint32_t)(size / 2);
    b.slots[1].offset = (uint32_t)(size / 2);
    b.slots[1].size = (uint32_t)(size / 2);
    b.n_slots = 2;
    es_boot_decision_t d;
    es_slot_info_t infos[ES_MAX_SLOTS];
    es_status_t st = es_boot_decide(&b, &d, infos);
    if (st != ES_OK) {
        return st;
    }
    *start = d.start;
    *slot = (int)d.slot;
    *set_tried = d.set_tried;
    *rollback = d.rollback;
    states[0] = (int)es_slot_state(&infos[0]);
    states[1] = (int)es_slot_state(&infos[1]);
    if (d.start && d.set_tried) {
        st = es_boot_set_tried(&b, d.slot);
    }
    return st;
}

/* ---- host_sim flash file driver ---- */
static es_sim_flash_t sim_flash;

int t_flash_open(const char *path, uint64_t cut_after)
{
    es_flash_geometry_t geo = {4u * 1024u * 1024u, 4096u, 4u, 0xFFu};
    return es_sim_flash_open(&sim_flash, path, &geo, cut_after);
}

int t_flash_prog(uint32_t addr, const uint8_t *d, size_t n) { return es_sim_flash_ops.prog(&sim_flash, addr, d, n); }
int t_flash_erase(uint32_t addr, size_t n) { return es_sim_flash_ops.erase(&sim_flash, addr, n); }
int t_flash_read(uint32_t addr, uint8_t *d, size_t n) { return es_sim_flash_ops.read(&sim_flash, addr, d, n); }
uint64_t t_flash_ops(void) { return es_sim_flash_ops.op_count(&sim_flash); }
void t_flash_close(void) { es_sim_flash_close(&sim_flash); }

#ifdef HOSTSIM_UNIT_MAIN
int main(int argc, char **argv)
{
    if (argc < 3 || t_flash_open(argv[1], strtoull(argv[2], NULL, 10)) != ES_OK) {
        return 2;
    }
    static uint8_t buf[65536];
    for (int i = 3; i < argc; i++) {
        unsigned long addr = 0, len = 0, byte = 0;
        int st;
        if (sscanf(argv[i], "p:%lu:%lu:%lu", &addr, &len, &byte) == 3 && len <= sizeof buf) {
            memset(buf, (int)byte, len);
            st = t_flash_prog((uint32_t)addr, buf, len);
        } else if (sscanf(argv[i], "e:%lu:%lu", &addr, &len) == 2) {
            st = t_flash_erase((uint32_t)addr, len);
        } else {
            return 2;
        }
        printf("%s -> %d\n", argv[i], st);
    }
    printf("ops %llu\n", (unsigned long long)t_flash_ops());
    t_flash_close();
    return 0;
}
#endif
