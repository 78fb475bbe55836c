/* Flash commands of the serial protocol, shared by bootloader and application. */
#include "flashcmd.h"

#include <string.h>

#include "proto.h"

#define SCAN_BLOCK 16u

void es_flashcmd_init(es_flashcmd_t *fc, const es_board_t *board, uint32_t running_slot)
{
    memset(fc, 0, sizeof *fc);
    fc->board = board;
    fc->running_slot = running_slot;
}

void es_flashcmd_invalidate(es_flashcmd_t *fc, uint32_t slot)
{
    if (slot < ES_MAX_SLOTS) {
        fc->slots[slot].info_valid = 0;
    }
}

es_status_t es_flashcmd_slot_info(es_flashcmd_t *fc, uint32_t slot, const es_slot_info_t **info)
{
    if (slot >= fc->board->n_slots) {
        return ES_ERR_ARG;
    }
    es_flashcmd_slot_t *s = &fc->slots[slot];
    if (!s->info_valid) {
        es_status_t st = es_slot_read(fc->board, slot, &s->info);
        if (st != ES_OK) {
            return st;
        }
        s->info_valid = 1;
    }
    *info = &s->info;
    return ES_OK;
}

/* Rebuild the written prefix after a reset: a valid image counts as fully
   written; otherwise the prefix ends one block before the first fully erased
   block (an interrupted write leaves erased bytes at the end of the block
   before it). A prefix that is too short only makes a host rewrite identical data. */
static es_status_t rebuild(es_flashcmd_t *fc, uint32_t slot)
{
    es_flashcmd_slot_t *s = &fc->slots[slot];
    const es_slot_info_t *info;
    es_status_t st = es_flashcmd_slot_info(fc, slot, &info);
    if (st != ES_OK) {
        return st;
    }
    s->n_ranges = 0;
    if (info->valid) {
        s->written = ES_IMAGE_HEADER_SIZE + info->header.payload_size;
    } else {
        const es_board_t *b = fc->board;
        uint32_t area = es_slot_image_area(b, slot);
        uint8_t buf[256];
        uint32_t pos = 0;
        int found = 0;
        while (pos < area && !found) {
            uint32_t n = area - pos < sizeof buf ? area - pos : (uint32_t)sizeof buf;
            st = es_flash_read(b->flash, b->slots[slot].offset + pos, buf, n);
            if (st != ES_OK) {
                return st;
            }
            for (uint32_t i = 0; i + SCAN_BLOCK <= n; i += SCAN_BLOCK) {
                uint32_t k = 0;
                while (k < SCAN_BLOCK && buf[i + k] == b->flash->geo.erased) {
                    k++;
                }
                if (k == SCAN_BLOCK) {
                    pos += i;
                    found = 1;
                    break;
                }
            }
            if (!found) {
                pos += n;
            }
        }
        s->written = pos >= SCAN_BLOCK ? pos - SCAN_BLOCK : 0;
    }
    s->known = 1;
    return ES_OK;
}

uint32_t es_flashcmd_inactive_slot(es_flashcmd_t *fc)
{
    uint32_t n = fc->board->n_slots < ES_MAX_SLOTS ? fc->board->n_slots : ES_MAX_SLOTS;
    if (fc->running_slot < n) {
        return n == 2 ? 1u - fc->running_slot : (fc->running_slot + 1u) % n;
    }
    /* Bootloader: keep a confirmed image if there is one; write over the other slot. */
    uint32_t pick = 0;
    int pick_confirmed = 1;
    uint32_t pick_version = 0xFFFFFFFFu;
    for (uint32_t i = 0; i < n; i++) {
        const es_slot_info_t *info;
        if (es_flashcmd_slot_info(fc, i, &info) != ES_OK) {
            continue;
        }
        int confirmed = es_slot_state(info) == ES_SLOT_CONFIRMED;
        uint32_t version = info->valid ? info->header.image_version : 0u;
        if (i == 0 || (pick_confirmed && !confirmed) ||
            (pick_confirmed == confirmed && version < pick_version)) {
            pick = i;
            pick_confirmed = confirmed;
            pick_version = version;
        }
    }
    return pick;
}

uint32_t es_flashcmd_written(es_flashcmd_t *fc, uint32_t slot)
{
    if (slot >= fc->board->n_slots) {
        return 0;
    }
    if (!fc->slots[slot].known && rebuild(fc, slot) != ES_OK) {
        return 0;
    }
    return fc->slots[slot].written;
}

/* Record [start, end) as written and extend the contiguous prefix. */
static void mark_written(es_flashcmd_slot_t *s, uint32_t start, uint32_t end)
{
    if (start <= s->written) {
        if (end > s->written) {
            s->written = end;
        }
    } else if (s->n_ranges < ES_FLASHCMD_RANGES) {
        s->range_start[s->n_ranges] = start;
        s->range_end[s->n_ranges] = end;
        s->n_ranges++;
    } else {
        /* Table full: forget the range; the prefix stays conservative. */
    }
    int merged = 1;
    while (merged) {
        merged = 0;
        for (uint32_t i = 0; i < s->n_ranges; i++) {
            if (s->range_start[i] <= s->written) {
                if (s->range_end[i] > s->written) {
                    s->written = s->range_end[i];
                }
                s->n_ranges--;
                s->range_start[i] = s->range_start[s->n_ranges];
                s->range_end[i] = s->range_end[s->n_ranges];
                merged = 1;
                break;
            }
        }
    }
}

static es_status_t check_slot(es_flashcmd_t *fc, uint32_t slot, int for_write)
{
    if (slot >= fc->board->n_slots) {
        return ES_ERR_ARG;
    }
    if (for_write && slot == fc->running_slot) {
        return ES_ERR_STATE;
    }
    return ES_OK;
}

static es_status_t cmd_erase(es_flashcmd_t *fc, const uint8_t *req, size_t len)
{
    if (len < 5) {
        return ES_ERR_PROTOCOL;
    }
    uint32_t slot = req[0];
    es_status_t st = check_slot(fc, slot, 1);
    if (st != ES_OK) {
        return st;
    }
    const es_board_t *b = fc->board;
    uint32_t area = es_slot_image_area(b, slot);
    uint32_t size = es_rd32(req + 1);
    if (size == 0) {
        size = area;
    }
    if (size > area) {
        return ES_ERR_ARG;
    }
    uint32_t sector = b->flash->geo.sector_size;
    uint32_t span = (size + sector - 1u) / sector * sector;
    es_flashcmd_slot_t *s = &fc->slots[slot];
    memset(s, 0, sizeof *s);
    /* Trailer first: the slot stops being startable before its image is touched. */
    st = es_flash_erase(b->flash, es_slot_trailer_addr(b, slot), sector);
    if (st != ES_OK) {
        return st;
    }
    for (uint32_t off = 0; off < span; off += sector) {
        st = es_flash_erase(b->flash, b->slots[slot].offset + off, sector);
        if (st != ES_OK) {
            return st;
        }
    }
    s->known = 1;
    s->written = 0;
    return ES_OK;
}

/* Program [addr, addr + n) with n < write_size bytes or an unaligned start:
   pads the surrounding write unit with the erased value (which leaves the
   other bytes unchanged, since a write only clears bits). */
static es_status_t prog_unit(const es_flash_t *f, uint32_t addr, const uint8_t *data, uint32_t n)
{
    uint8_t unit[16];
    uint32_t ws = f->geo.write_size;
    uint32_t base = addr / ws * ws;
    memset(unit, f->geo.erased, ws);
    memcpy(unit + (addr - base), data, n);
    return es_flash_prog(f, base, unit, ws);
}

static es_status_t cmd_write(es_flashcmd_t *fc, const uint8_t *req, size_t len, uint8_t *out, size_t *out_len)
{
    if (len < 5) {
        return ES_ERR_PROTOCOL;
    }
    uint32_t slot = req[0];
    es_status_t st = check_slot(fc, slot, 1);
    if (st != ES_OK) {
        return st;
    }
    const es_board_t *b = fc->board;
    const es_flash_t *f = b->flash;
    uint32_t area = es_slot_image_area(b, slot);
    uint32_t offset = es_rd32(req + 1);
    const uint8_t *data = req + 5;
    uint32_t n = (uint32_t)(len - 5);
    uint32_t ws = f->geo.write_size;
    if (offset > area || n > area - offset || ws == 0 || ws > 16) {
        return ES_ERR_ARG;
    }
    if (!fc->slots[slot].known) {
        st = rebuild(fc, slot);
        if (st != ES_OK) {
            return st;
        }
    }
    es_flashcmd_slot_t *s = &fc->slots[slot];
    uint32_t addr = b->slots[slot].offset + offset;
    /* Flash semantics: refuse data that would need a bit set. */
    uint8_t old[256];
    for (uint32_t done = 0; done < n;) {
        uint32_t k = n - done < sizeof old ? n - done : (uint32_t)sizeof old;
        st = es_flash_read(f, addr + done, old, k);
        if (st != ES_OK) {
            return st;
        }
        for (uint32_t i = 0; i < k; i++) {
            if ((old[i] & data[done + i]) != data[done + i]) {
                return ES_ERR_STATE;
            }
        }
        done += k;
    }
    s->verified = 0;
    s->info_valid = 0;
    uint32_t pos = 0;
    /* Unaligned head. */
    if (n > 0 && addr % ws != 0) {
        uint32_t k = ws - addr % ws;
        if (k > n) {
            k = n;
        }
        st = prog_unit(f, addr, data, k);
        if (st != ES_OK) {
            return st;
        }
        pos = k;
    }
    /* Aligned body. */
    uint32_t body = (n - pos) / ws * ws;
    if (body > 0) {
        st = es_flash_prog(f, addr + pos, data + pos, body);
        if (st != ES_OK) {
            return st;
        }
        pos += body;
    }
    /* Tail. */
    if (pos < n) {
        st = prog_unit(f, addr + pos, data + pos, n - pos);
        if (st != ES_OK) {
            return st;
        }
    }
    mark_written(s, offset, offset + n);
    es_wr32(out, s->written);
    *out_len = 4;
    return ES_OK;
}

static es_status_t cmd_verify(es_flashcmd_t *fc, const uint8_t *req, size_t len, uint8_t *out, size_t *out_len)
{
    if (len < 37) {
        return ES_ERR_PROTOCOL;
    }
    uint32_t slot = req[0];
    es_status_t st = check_slot(fc, slot, 0);
    if (st != ES_OK) {
        return st;
    }
    uint32_t size = es_rd32(req + 1);
    uint8_t digest[32];
    st = es_slot_hash(fc->board, slot, 0, size, digest);
    if (st != ES_OK) {
        return st;
    }
    int match = memcmp(digest, req + 5, 32) == 0;
    fc->slots[slot].verified = match;
    out[0] = (uint8_t)match;
    *out_len = 1;
    return ES_OK;
}

static es_status_t cmd_commit(es_flashcmd_t *fc, const uint8_t *req, size_t len)
{
    if (len < 1) {
        return ES_ERR_PROTOCOL;
    }
    uint32_t slot = req[0];
    es_status_t st = check_slot(fc, slot, 1);
    if (st != ES_OK) {
        return st;
    }
    es_flashcmd_slot_t *s = &fc->slots[slot];
    if (!s->verified) {
        return ES_ERR_STATE;
    }
    s->info_valid = 0;
    const es_slot_info_t *info;
    st = es_flashcmd_slot_info(fc, slot, &info);
    if (st != ES_OK) {
        return st;
    }
    if (!info->valid) {
        return ES_ERR_INTEGRITY;
    }
    if (es_trailer_tried(info->words) || es_trailer_confirmed(info->words)) {
        return ES_ERR_STATE;
    }
    if (es_trailer_pending(info->words)) {
        return ES_OK;
    }
    if (info->words[ES_TRAILER_PENDING] != 0xFFFFFFFFu) {
        return ES_ERR_STATE; /* torn PENDING: only an erase recovers the slot */
    }
    st = es_slot_set_word(fc->board, slot, ES_TRAILER_PENDING);
    s->info_valid = 0;
    return st;
}

static es_status_t cmd_status(es_flashcmd_t *fc, const uint8_t *req, size_t len, uint8_t *out, size_t *out_len)
{
    if (len < 1) {
        return ES_ERR_PROTOCOL;
    }
    uint32_t slot = req[0];
    es_status_t st = check_slot(fc, slot, 0);
    if (st != ES_OK) {
        return st;
    }
    const es_slot_info_t *info;
    st = es_flashcmd_slot_info(fc, slot, &info);
    if (st != ES_OK) {
        return st;
    }
    es_wr32(out, es_flashcmd_written(fc, slot));
    /* SHA-256 of the slot's first 256 bytes: the image header as written. */
    st = es_slot_hash(fc->board, slot, 0, ES_IMAGE_HEADER_SIZE, out + 4);
    if (st != ES_OK) {
        return st;
    }
    out[36] = (uint8_t)es_slot_state(info);
    *out_len = 37;
    return ES_OK;
}

/* Read an LZ length extension: bytes are added while they are 255. */
static int lz_ext(const uint8_t *src, size_t n, size_t *pos, size_t *len)
{
    uint8_t b;
    do {
        if (*pos >= n) {
            return -1;
        }
        b = src[(*pos)++];
        *len += b;
        if (*len > 0x7fffffffu) {
            return -1;
        }
    } while (b == 255);
    return 0;
}

es_status_t es_lz_decode(const uint8_t *src, size_t n, uint8_t *dst, size_t cap, size_t *out_len)
{
    size_t pos = 0, out = 0;
    if (!src || !dst || !out_len) {
        return ES_ERR_ARG;
    }
    while (pos < n) {
        const uint8_t token = src[pos++];
        size_t lit = (size_t)(token >> 4);
        if (lit == 15 && lz_ext(src, n, &pos, &lit) != 0) {
            return ES_ERR_PROTOCOL;
        }
        if (lit > n - pos || lit > cap - out) {
            return ES_ERR_PROTOCOL;
        }
        memcpy(dst + out, src + pos, lit);
        pos += lit;
        out += lit;
        if (pos == n) {
            break; /* the last sequence carries literals only */
        }
        if (n - pos < 2) {
            return ES_ERR_PROTOCOL;
        }
        const size_t offset = (size_t)src[pos] | ((size_t)src[pos + 1] << 8);
        pos += 2;
        size_t mlen = (size_t)(token & 15u);
        if (mlen == 15 && lz_ext(src, n, &pos, &mlen) != 0) {
            return ES_ERR_PROTOCOL;
        }
        mlen += 4;
        if (offset == 0 || offset > out || mlen > cap - out) {
            return ES_ERR_PROTOCOL;
        }
        for (size_t i = 0; i < mlen; i++) { /* may overlap: byte by byte */
            dst[out + i] = dst[out + i - offset];
        }
        out += mlen;
    }
    *out_len = out;
    return ES_OK;
}

/* FLASH_WRITE_LZ: u8 slot, u32 offset, u16 raw length, LZ block. */
static es_status_t cmd_write_lz(es_flashcmd_t *fc, const uint8_t *req, size_t len, uint8_t *out, size_t *out_len)
{
    if (len < 7) {
        return ES_ERR_PROTOCOL;
    }
    const size_t raw = (size_t)req[5] | ((size_t)req[6] << 8);
    if (raw == 0 || raw > ES_FLASHCMD_LZ_MAX) {
        return ES_ERR_ARG;
    }
    size_t got = 0;
    es_status_t st = es_lz_decode(req + 7, len - 7, fc->lz_buf + 5, ES_FLASHCMD_LZ_MAX, &got);
    if (st != ES_OK) {
        return st;
    }
    if (got != raw) {
        return ES_ERR_PROTOCOL;
    }
    memcpy(fc->lz_buf, req, 5); /* slot and offset, then the data: a FLASH_WRITE request */
    return cmd_write(fc, fc->lz_buf, 5 + raw, out, out_len);
}

es_status_t es_flashcmd_handle(es_flashcmd_t *fc, uint8_t code, const uint8_t *req, size_t len, uint8_t *out,
                               size_t cap, size_t *out_len)
{
    *out_len = 0;
    if (cap < 37) {
        return ES_ERR_NO_MEMORY;
    }
    switch (code) {
    case ES_CMD_FLASH_ERASE: return cmd_erase(fc, req, len);
    case ES_CMD_FLASH_WRITE: return cmd_write(fc, req, len, out, out_len);
    case ES_CMD_FLASH_WRITE_LZ: return cmd_write_lz(fc, req, len, out, out_len);
    case ES_CMD_FLASH_VERIFY: return cmd_verify(fc, req, len, out, out_len);
    case ES_CMD_FLASH_COMMIT: return cmd_commit(fc, req, len);
    case ES_CMD_FLASH_STATUS: return cmd_status(fc, req, len, out, out_len);
    default: return ES_ERR_UNSUPPORTED;
    }
}
