/* Arm semihosting (BKPT 0xAB on M-profile): console output, command line and
   host file I/O. QEMU serves these with -semihosting-config enable=on,target=native. */
#include <string.h>

#include "cortexm.h"

#define SYS_OPEN 0x01u
#define SYS_WRITE0 0x04u
#define SYS_WRITE 0x05u
#define SYS_READ 0x06u
#define SYS_SEEK 0x0Au
#define SYS_FLEN 0x0Cu
#define SYS_GET_CMDLINE 0x15u

int32_t es_semihost_call(uint32_t op, void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

void es_semihost_puts(const char *s) { (void)es_semihost_call(SYS_WRITE0, (void *)(uintptr_t)s); }

int32_t es_semihost_cmdline(char *buf, size_t cap)
{
    uint32_t args[2] = {(uint32_t)(uintptr_t)buf, (uint32_t)cap};
    if (cap == 0 || es_semihost_call(SYS_GET_CMDLINE, args) != 0) {
        return -1;
    }
    size_t n = args[1] < cap ? args[1] : cap - 1u;
    buf[n] = '\0';
    return (int32_t)n;
}

int32_t es_semihost_open(const char *path, uint32_t mode)
{
    uint32_t args[3] = {(uint32_t)(uintptr_t)path, mode, (uint32_t)strlen(path)};
    return es_semihost_call(SYS_OPEN, args);
}

int32_t es_semihost_read(int32_t fd, void *buf, size_t len)
{
    uint32_t args[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, (uint32_t)len};
    return es_semihost_call(SYS_READ, args);
}

int32_t es_semihost_write(int32_t fd, const void *buf, size_t len)
{
    uint32_t args[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)buf, (uint32_t)len};
    return es_semihost_call(SYS_WRITE, args);
}

int32_t es_semihost_seek(int32_t fd, uint32_t pos)
{
    uint32_t args[2] = {(uint32_t)fd, pos};
    return es_semihost_call(SYS_SEEK, args);
}

int32_t es_semihost_flen(int32_t fd)
{
    uint32_t args[1] = {(uint32_t)fd};
    return es_semihost_call(SYS_FLEN, args);
}
