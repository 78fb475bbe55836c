/* qemu_an547 model check: runs the embedded wake-word models on the
   Cortex-M55 over a fixed stream of int8 input features read from a host file
   and writes every int8 output to another host file (semihosting), so a host
   test can compare them with the host build of the core (tests/test_qemu_an547.py).

   qemu-system-arm -M mps3-an547 -display none -monitor none -kernel model_check.elf \
     -semihosting-config enable=on,target=native,arg=model_check,arg=in=IN,arg=out=OUT,arg=n=N

   For each model in table order: prepare (compat tflite, es_hal_opt), then N
   invokes, input i = the next input-tensor-size bytes of IN (wrapping); OUT gets
   the output tensor bytes of every invoke. Exit status 0 when all ran.
   Optional arg=arena=FILE: one line "NAME BYTES" per model, es_interp_arena_used()
   on the M55 (read by `earshot size`; n=0 only prepares). */
#include <stdlib.h>
#include <string.h>

#define ES_AN547_BOOTLOADER 1
#include "app.h"
#include "cortexm.h"
#include "earshot/earshot.h"
#include "qemu_an547.h"

#define SYS_EXIT 0x18u
#define ADP_APPLICATION_EXIT 0x20026u
#define ADP_RUNTIME_ERROR 0x20023u
#define MODE_RB 1u
#define MODE_WB 5u

static es_model_t g_model;
static es_interp_t g_interp;
static _Alignas(16) uint8_t g_arena[ES_APP_ARENA];
static uint8_t g_input[96u * 1024u];
static char g_cmdline[512];

void es_an547_systick_handler(void) {}
void es_an547_uart_handler(void) {}

static void leave(uint32_t reason) __attribute__((noreturn));
static void leave(uint32_t reason)
{
    (void)es_semihost_call(SYS_EXIT, (void *)(uintptr_t)reason);
    for (;;) {
    }
}

static void fail(const char *what)
{
    es_semihost_puts("model_check: ");
    es_semihost_puts(what);
    es_semihost_puts("\n");
    leave(ADP_RUNTIME_ERROR);
}

/* "NAME BYTES\n" into @out (cap >= 96); returns its length. */
static size_t arena_line(char *out, const char *name, size_t bytes)
{
    size_t len = 0;
    while (name[len] != '\0' && len < 64u) {
        out[len] = name[len];
        len++;
    }
    out[len++] = ' ';
    char digits[24];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + (int)(bytes % 10u));
        bytes /= 10u;
    } while (bytes != 0 && nd < sizeof digits);
    while (nd > 0) {
        out[len++] = digits[--nd];
    }
    out[len++] = '\n';
    return len;
}

static void arg(const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    out[0] = '\0';
    for (const char *p = g_cmdline; *p != '\0';) {
        while (*p == ' ') {
            p++;
        }
        const char *tok = p;
        while (*p != '\0' && *p != ' ') {
            p++;
        }
        if ((size_t)(p - tok) > klen && strncmp(tok, key, klen) == 0 && tok[klen] == '=') {
            size_t n = (size_t)(p - tok) - klen - 1u;
            n = n < cap ? n : cap - 1u;
            memcpy(out, tok + klen + 1, n);
            out[n] = '\0';
            return;
        }
    }
}

void es_an547_main(void)
{
    char in_path[200], out_path[200], arena_path[200], n_text[16];
    if (es_semihost_cmdline(g_cmdline, sizeof g_cmdline) < 0) {
        fail("no command line");
    }
    arg("in", in_path, sizeof in_path);
    arg("out", out_path, sizeof out_path);
    arg("n", n_text, sizeof n_text);
    arg("arena", arena_path, sizeof arena_path);
    int32_t arena_fd = -1;
    if (arena_path[0] != '\0') {
        arena_fd = es_semihost_open(arena_path, MODE_WB);
        if (arena_fd < 0) {
            fail("cannot open arena=");
        }
    }
    const unsigned long n = strtoul(n_text, NULL, 10);
    int32_t fd = es_semihost_open(in_path, MODE_RB);
    if (fd < 0) {
        fail("cannot open in=");
    }
    int32_t in_len = es_semihost_flen(fd);
    if (in_len <= 0 || (size_t)in_len > sizeof g_input || es_semihost_read(fd, g_input, (size_t)in_len) != 0) {
        fail("cannot read in= (at most 96 KiB)");
    }
    int32_t out = es_semihost_open(out_path, MODE_WB);
    if (out < 0) {
        fail("cannot open out=");
    }
    size_t n_models = 0;
    const es_app_model_t *models = es_app_model_table(&n_models);
    for (size_t m = 0; m < n_models; m++) {
        if (es_model_load(&g_model, models[m].data, models[m].size) != ES_OK ||
            es_interp_prepare(&g_interp, &g_model, &es_hal_opt, g_arena, sizeof g_arena, NULL) != ES_OK) {
            fail("model does not load");
        }
        es_tensor_t *input = es_interp_input(&g_interp, 0);
        es_tensor_t *output = es_interp_output(&g_interp, 0);
        if (input == NULL || output == NULL || input->bytes > (uint32_t)in_len) {
            fail("unexpected model inputs");
        }
        if (arena_fd >= 0) {
            char line[96];
            size_t len = arena_line(line, models[m].name, es_interp_arena_used(&g_interp));
            if (es_semihost_write(arena_fd, line, len) != 0) {
                fail("cannot write arena=");
            }
        }
        size_t pos = 0;
        for (unsigned long i = 0; i < n; i++) {
            uint8_t *dst = (uint8_t *)input->data;
            for (uint32_t k = 0; k < input->bytes; k++) {
                dst[k] = g_input[pos];
                pos = pos + 1u == (size_t)in_len ? 0 : pos + 1u;
            }
            if (es_interp_invoke(&g_interp) != ES_OK) {
                fail("invoke failed");
            }
            if (es_semihost_write(out, output->data, output->bytes) != 0) {
                fail("cannot write out=");
            }
        }
    }
    leave(ADP_APPLICATION_EXIT);
}
