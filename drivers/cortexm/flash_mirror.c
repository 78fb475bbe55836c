/* NOR-flash semantics over a RAM region (erase = 0xFF per sector, program
   only clears bits), every change written through to a host file with
   semihosting file I/O so the content survives the emulator's exit, reset or
   kill. At start the file is loaded into the region (created erased if absent). */
#include <string.h>

#include "cortexm.h"

#define MODE_RPLUSB 3u  /* "r+b" */
#define MODE_WPLUSB 7u  /* "w+b" */

static es_status_t sync_range(es_mirror_flash_t *f, uint32_t addr, size_t len)
{
    if (f->fd < 0) {
        return ES_OK;
    }
    if (es_semihost_seek(f->fd, addr) != 0 || es_semihost_write(f->fd, f->mem + addr, len) != 0) {
        return ES_ERR_IO;
    }
    return ES_OK;
}

es_status_t es_mirror_flash_open(es_mirror_flash_t *f, uint8_t *mem, const es_flash_geometry_t *geo,
                                 const char *path)
{
    f->mem = mem;
    f->geo = *geo;
    f->fd = -1;
    f->ops = 0;
    memset(mem, geo->erased, geo->size);
    if (path == NULL || path[0] == '\0') {
        return ES_OK;
    }
    int32_t fd = es_semihost_open(path, MODE_RPLUSB);
    if (fd >= 0) {
        int32_t len = es_semihost_flen(fd);
        if (len == (int32_t)geo->size) {
            if (es_semihost_read(fd, mem, geo->size) != 0) {
                return ES_ERR_IO;
            }
            f->fd = fd;
            return ES_OK;
        }
        if (len != 0) {
            return ES_ERR_IO; /* not a flash file of this board */
        }
    } else {
        fd = es_semihost_open(path, MODE_WPLUSB);
        if (fd < 0) {
            return ES_ERR_IO;
        }
    }
    f->fd = fd;
    return sync_range(f, 0, geo->size); /* new file: all erased */
}

static int range_ok(const es_mirror_flash_t *f, uint32_t addr, size_t len)
{
    return addr <= f->geo.size && len <= (size_t)(f->geo.size - addr);
}

static es_status_t mf_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    es_mirror_flash_t *f = (es_mirror_flash_t *)ctx;
    if ((buf == NULL && len > 0) || !range_ok(f, addr, len)) {
        return ES_ERR_ARG;
    }
    memcpy(buf, f->mem + addr, len);
    return ES_OK;
}

static es_status_t mf_prog(void *ctx, uint32_t addr, const void *data, size_t len)
{
    es_mirror_flash_t *f = (es_mirror_flash_t *)ctx;
    if ((data == NULL && len > 0) || !range_ok(f, addr, len) || addr % f->geo.write_size != 0 ||
        len % f->geo.write_size != 0) {
        return ES_ERR_ARG;
    }
    const uint8_t *d = (const uint8_t *)data;
    for (size_t i = 0; i < len; i++) {
        f->mem[addr + i] &= d[i];
    }
    f->ops++;
    return sync_range(f, addr, len);
}

static es_status_t mf_erase(void *ctx, uint32_t addr, size_t len)
{
    es_mirror_flash_t *f = (es_mirror_flash_t *)ctx;
    if (!range_ok(f, addr, len) || addr % f->geo.sector_size != 0 || len % f->geo.sector_size != 0) {
        return ES_ERR_ARG;
    }
    for (size_t off = 0; off < len; off += f->geo.sector_size) {
        memset(f->mem + addr + off, f->geo.erased, f->geo.sector_size);
        f->ops++;
        es_status_t st = sync_range(f, addr + (uint32_t)off, f->geo.sector_size);
        if (st != ES_OK) {
            return st;
        }
    }
    return ES_OK;
}

static uint64_t mf_op_count(void *ctx) { return ((const es_mirror_flash_t *)ctx)->ops; }

const es_flash_ops_t es_mirror_flash_ops = {mf_read, mf_prog, mf_erase, mf_op_count};
