/* insn_count: a QEMU TCG plugin that counts the guest instructions executed
   between two marker addresses, window by window.

     qemu-system-arm ... -plugin build/qemu_an547/insn_count.so,start=0xADDR,end=0xADDR[,end=0xADDR...],out=FILE

   Every translated instruction gets an inline "counter += 1" (TCG code, no
   call); the instruction at `start` opens a window (records the counter), the
   first instruction at an `end` address after that closes it and appends the
   window's count as one decimal line to FILE (flushed at once, so a guest that
   ends the emulator abruptly loses nothing). A window therefore counts the
   instructions from the start marker up to, not including, the end marker,
   e.g. start = the entry of es_interp_invoke and end = the instruction after
   the call: one inference including its return. Addresses are compared
   without the Thumb bit. A start inside an open window restarts it. At exit a
   summary goes to QEMU's log (qemu_plugin_outs). Single vCPU guests only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"

#define MAX_ENDS 8

ES_QEMU_PLUGIN_EXPORT int qemu_plugin_version = ES_QEMU_PLUGIN_API_VERSION;

typedef struct counter_state {
    uint64_t insns;        /* instructions executed so far (inline op target) */
    uint64_t window_start; /* insns at the start marker of the open window */
    int open;
    uint64_t starts[MAX_ENDS];
    size_t n_starts;
    uint64_t ends[MAX_ENDS];
    size_t n_ends;
    uint64_t windows;
    uint64_t total; /* sum over closed windows */
    FILE *out;
} counter_state_t;

static counter_state_t g_state;

static void on_start(unsigned int vcpu_index, void *userdata)
{
    (void)vcpu_index;
    counter_state_t *s = (counter_state_t *)userdata;
    s->window_start = s->insns;
    s->open = 1;
}

static void on_end(unsigned int vcpu_index, void *userdata)
{
    (void)vcpu_index;
    counter_state_t *s = (counter_state_t *)userdata;
    if (!s->open) {
        return;
    }
    const uint64_t n = s->insns - s->window_start;
    s->open = 0;
    s->windows++;
    s->total += n;
    if (s->out != NULL) {
        fprintf(s->out, "%llu\n", (unsigned long long)n);
        fflush(s->out);
    }
}

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    const size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        const uint64_t pc = qemu_plugin_insn_vaddr(insn) & ~(uint64_t)1u;
        /* marker callbacks first, the count after: both markers see the counter
           before their own instruction */
        for (size_t k = 0; k < g_state.n_starts; k++) {
            if (pc == g_state.starts[k]) {
                qemu_plugin_register_vcpu_insn_exec_cb(insn, on_start, QEMU_PLUGIN_CB_NO_REGS, &g_state);
                break;
            }
        }
        for (size_t e = 0; e < g_state.n_ends; e++) {
            if (pc == g_state.ends[e]) {
                qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS, &g_state);
                break;
            }
        }
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &g_state.insns, 1);
    }
}

static void on_plugin_exit(qemu_plugin_id_t id, void *userdata)
{
    (void)id;
    counter_state_t *s = (counter_state_t *)userdata;
    char line[160];
    snprintf(line, sizeof line, "insn_count: %llu windows, %llu instructions in windows, %llu executed in all\n",
             (unsigned long long)s->windows, (unsigned long long)s->total, (unsigned long long)s->insns);
    qemu_plugin_outs(line);
    if (s->out != NULL) {
        fclose(s->out);
        s->out = NULL;
    }
}

/* "0x1234" or "1234" (C rules of strtoull base 0); 0 when it is not a whole number. */
static int parse_addr(const char *text, uint64_t *value)
{
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 0);
    if (end == text || *end != '\0') {
        return 0;
    }
    *value = (uint64_t)v & ~(uint64_t)1u;
    return 1;
}

ES_QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    (void)info;
    memset(&g_state, 0, sizeof g_state);
    int have_start = 0;
    const char *out_path = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "start=", 6) == 0 && g_state.n_starts < MAX_ENDS &&
            parse_addr(a + 6, &g_state.starts[g_state.n_starts])) {
            g_state.n_starts++;
            have_start = 1;
        } else if (strncmp(a, "end=", 4) == 0 && g_state.n_ends < MAX_ENDS &&
                   parse_addr(a + 4, &g_state.ends[g_state.n_ends])) {
            g_state.n_ends++;
        } else if (strncmp(a, "out=", 4) == 0 && a[4] != '\0') {
            out_path = a + 4;
        } else {
            fprintf(stderr, "insn_count: bad argument '%s' (start=ADDR, end=ADDR (up to %d), out=FILE)\n", a,
                    MAX_ENDS);
            return -1;
        }
    }
    if (!have_start || g_state.n_ends == 0) {
        fprintf(stderr, "insn_count: needs start=ADDR and end=ADDR\n");
        return -1;
    }
    if (out_path != NULL) {
        g_state.out = fopen(out_path, "w");
        if (g_state.out == NULL) {
            fprintf(stderr, "insn_count: cannot open %s\n", out_path);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
    qemu_plugin_register_atexit_cb(id, on_plugin_exit, &g_state);
    return 0;
}
