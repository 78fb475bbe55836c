/* Flash emulated in a file: NOR semantics, real geometry, power-cut injection. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim.h"

static int full_pwrite(int fd, const void *buf, size_t len, off_t off)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

static int full_pread(int fd, void *buf, size_t len, off_t off)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

es_status_t es_sim_flash_open(es_sim_flash_t *f, const char *path, const es_flash_geometry_t *geo,
                              uint64_t cut_after)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    if (geo->sector_size == 0 || geo->write_size == 0 || geo->size % geo->sector_size != 0 ||
        geo->sector_size % geo->write_size != 0) {
        return ES_ERR_ARG;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return ES_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return ES_ERR_IO;
    }
    if (st.st_size == 0) {
        uint8_t buf[4096];
        memset(buf, geo->erased, sizeof buf);
        for (uint32_t off = 0; off < geo->size; off += (uint32_t)sizeof buf) {
            if (full_pwrite(fd, buf, sizeof buf, off) != 0) {
                close(fd);
                return ES_ERR_IO;
            }
        }
    } else if ((uint64_t)st.st_size != geo->size) {
        close(fd);
        return ES_ERR_ARG;
    }
    f->fd = fd;
    f->geo = *geo;
    f->cut_after = cut_after;
    return ES_OK;
}

void es_sim_flash_close(es_sim_flash_t *f)
{
    if (f->fd >= 0) {
        close(f->fd);
        f->fd = -1;
    }
}

static int in_range(const es_sim_flash_t *f, uint32_t addr, size_t len)
{
    return addr <= f->geo.size && len <= f->geo.size - addr;
}

/* Count an operation; returns 1 when this one is to be torn by a power cut. */
static int count_op(es_sim_flash_t *f)
{
    f->ops++;
    return f->cut_after != 0 && f->ops == f->cut_after;
}

static void power_cut(const es_sim_flash_t *f, const char *what, uint32_t addr)
{
    char msg[128];
    int n = snprintf(msg, sizeof msg, "host_sim: power cut during %s at 0x%06x (flash op %llu)\n", what,
                     (unsigned)addr, (unsigned long long)f->ops);
    if (n > 0) {
        ssize_t w = write(STDERR_FILENO, msg, (size_t)n);
        (void)w;
    }
    _exit(ES_SIM_POWER_CUT_EXIT);
}

static es_status_t flash_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    es_sim_flash_t *f = ctx;
    if ((buf == NULL && len > 0) || !in_range(f, addr, len)) {
        return ES_ERR_ARG;
    }
    return full_pread(f->fd, buf, len, addr) == 0 ? ES_OK : ES_ERR_IO;
}

static es_status_t flash_prog(void *ctx, uint32_t addr, const void *data, size_t len)
{
    es_sim_flash_t *f = ctx;
    if ((data == NULL && len > 0) || !in_range(f, addr, len) || addr % f->geo.write_size != 0 ||
        len % f->geo.write_size != 0) {
        return ES_ERR_ARG;
    }
    int cut = count_op(f);
    size_t effective = cut ? len / 2u / f->geo.write_size * f->geo.write_size : len;
    const uint8_t *src = data;
    uint8_t buf[4096];
    for (size_t done = 0; done < effective;) {
        size_t n = effective - done < sizeof buf ? effective - done : sizeof buf;
        if (full_pread(f->fd, buf, n, (off_t)(addr + done)) != 0) {
            return ES_ERR_IO;
        }
        for (size_t i = 0; i < n; i++) {
            buf[i] &= src[done + i];
        }
        if (full_pwrite(f->fd, buf, n, (off_t)(addr + done)) != 0) {
            return ES_ERR_IO;
        }
        done += n;
    }
    if (cut) {
        power_cut(f, "prog", addr);
    }
    return ES_OK;
}

static es_status_t flash_erase(void *ctx, uint32_t addr, size_t len)
{
    es_sim_flash_t *f = ctx;
    uint32_t ss = f->geo.sector_size;
    if (!in_range(f, addr, len) || addr % ss != 0 || len % ss != 0) {
        return ES_ERR_ARG;
    }
    uint8_t buf[4096];
    memset(buf, f->geo.erased, sizeof buf);
    for (size_t off = 0; off < len; off += ss) {
        int cut = count_op(f);
        size_t effective = cut ? ss / 2u : ss;
        for (size_t done = 0; done < effective;) {
            size_t n = effective - done < sizeof buf ? effective - done : sizeof buf;
            if (full_pwrite(f->fd, buf, n, (off_t)(addr + off + done)) != 0) {
                return ES_ERR_IO;
            }
            done += n;
        }
        if (cut) {
            power_cut(f, "erase", (uint32_t)(addr + off));
        }
    }
    return ES_OK;
}

static uint64_t flash_op_count(void *ctx)
{
    return ((es_sim_flash_t *)ctx)->ops;
}

const es_flash_ops_t es_sim_flash_ops = {flash_read, flash_prog, flash_erase, flash_op_count};
