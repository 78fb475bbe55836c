/*
 * Model fuzzer for the Earshot runtime: feeds (mutated) .tflite bytes through
 * es_model_load -> es_interp_prepare -> es_interp_invoke / es_interp_reset and
 * es_ww_add_model -> es_ww_process. Meant to run under AddressSanitizer and
 * UndefinedBehaviorSanitizer, which turn any memory or UB error into an abort.
 *
 * Two builds from this one file (see docs/FUZZING.md):
 *   libFuzzer:   clang -fsanitize=fuzzer,address,undefined ... fuzz/fuzz_model.c runtime/src/...
 *   standalone:  cc -DES_FUZZ_STANDALONE -fsanitize=address,undefined ... (own deterministic mutator)
 */
#if defined(ES_FUZZ_STANDALONE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* alarm(), signal handling for hang detection */
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/hal.h"
#include "earshot/interp.h"
#include "earshot/model.h"
#include "earshot/wakeword.h"

#if defined(__SANITIZE_ADDRESS__)
#define ES_FUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ES_FUZZ_ASAN 1
#endif
#endif

/* Largest model the harness accepts, and the arena each prepare gets. */
#define FUZZ_MAX_MODEL (512u * 1024u)
#define FUZZ_ARENA (256u * 1024u)
/* Audio fed to the wake-word engine after a successful es_ww_add_model (~100 ms). */
#define FUZZ_PCM 1600u

/* Model bytes: es_model_load needs a 4-byte aligned address; 16 is generous. */
static _Alignas(16) uint8_t g_model[FUZZ_MAX_MODEL];
static _Alignas(16) uint8_t g_arena[FUZZ_ARENA];
static _Alignas(16) uint8_t g_ww_arena[FUZZ_ARENA];
static es_ww_engine_t g_engine;
static es_model_t g_m;
static es_interp_t g_it;
static int16_t g_pcm[FUZZ_PCM];

/* Invokes before es_interp_reset (then one more after it). */
static int g_max_invokes = 3;
/* es_compat_t to use, or -1 to derive it from each input. */
static int g_force_compat = -1;
/* Whether to run the wake-word engine path too. */
static int g_do_ww = 1;

typedef struct fuzz_stats {
    unsigned long long runs, loaded, prepared, invoked, reset_invoked, ww_added, ww_processed;
} fuzz_stats_t;
static fuzz_stats_t g_stats;

/* ---- xorshift PRNGs ---- */

static uint64_t xs64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static uint64_t hash_bytes(const uint8_t *d, size_t n)
{
    /* FNV-1a over a sample of the bytes: cheap, deterministic per input. */
    uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)n;
    size_t step = n > 4096 ? n / 4096 : 1;
    for (size_t i = 0; i < n; i += step) {
        h = (h ^ d[i]) * 0x100000001b3ull;
    }
    return h ? h : 0x9e3779b97f4a7c15ull;
}

/* Is [p, p + n) inside [base, base + size)? */
static int inside(const void *p, size_t n, const uint8_t *base, size_t size)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;
    return a >= b && a - b <= size && n <= size - (a - b);
}

/* Write pseudo-random bytes into every writable (arena-resident) input. */
static void fill_inputs(es_interp_t *it, uint64_t *rng)
{
    size_t n = es_interp_input_count(it);
    for (size_t i = 0; i < n; i++) {
        es_tensor_t *t = es_interp_input(it, i);
        /* Constant or resource "inputs" point into the model or nowhere: never write those. */
        if (!t || !t->data || t->is_const || !inside(t->data, t->bytes, g_arena, sizeof g_arena)) {
            continue;
        }
        uint8_t *p = (uint8_t *)t->data;
        uint64_t r = 0;
        for (uint32_t k = 0; k < t->bytes; k++) {
            if ((k & 7u) == 0) {
                r = xs64(rng);
            }
            p[k] = (uint8_t)r;
            r >>= 8;
        }
    }
}

/* Touch every output so reads of uninitialised/out-of-range data are exercised. */
static volatile uint32_t g_sink;
static void read_outputs(es_interp_t *it)
{
    size_t n = es_interp_output_count(it);
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        const es_tensor_t *t = es_interp_output(it, i);
        if (!t || !t->data || !inside(t->data, t->bytes, g_arena, sizeof g_arena)) {
            continue;
        }
        const uint8_t *p = (const uint8_t *)t->data;
        for (uint32_t k = 0; k < t->bytes; k++) {
            acc = acc * 31u + p[k];
        }
    }
    g_sink = acc;
}

/* The test body shared by both builds. @data must already be 4-byte aligned and writable
 * only by us (the runtime treats it as read-only). */
static void fuzz_run_aligned(const uint8_t *data, size_t size)
{
    uint64_t rng = hash_bytes(data, size);
    g_stats.runs++;

    if (es_model_load(&g_m, data, size) == ES_OK) {
        g_stats.loaded++;
        /* Every arithmetic compatibility mode, chosen by the input. */
        es_interp_options_t opts = {0};
        opts.compat = (es_compat_t)(g_force_compat >= 0 ? (uint64_t)g_force_compat : rng % 3u);
        if (es_interp_prepare(&g_it, &g_m, (rng >> 20) & 1u ? &es_hal_opt : &es_hal_ref, g_arena, sizeof g_arena,
                              &opts) == ES_OK) {
            g_stats.prepared++;
            (void)es_interp_arena_used(&g_it);
            int ok = 0;
            for (int k = 0; k < g_max_invokes; k++) {
                fill_inputs(&g_it, &rng);
                if (es_interp_invoke(&g_it) != ES_OK) {
                    break;
                }
                read_outputs(&g_it);
                ok = 1;
            }
            g_stats.invoked += (unsigned long long)ok;
            if (es_interp_reset(&g_it) == ES_OK) {
                fill_inputs(&g_it, &rng);
                if (es_interp_invoke(&g_it) == ES_OK) {
                    read_outputs(&g_it);
                    g_stats.reset_invoked++;
                }
            }
        }
    }

    if (!g_do_ww) {
        return;
    }
    /* The wake-word engine loads and prepares the same bytes itself. */
    if (es_ww_init(&g_engine, NULL, NULL) != ES_OK) {
        return;
    }
    es_ww_config_t cfg = {0};
    cfg.probability_cutoff = 0.5;
    cfg.sliding_window_size = 1 + (int)(rng % 5u);
    cfg.refractory_samples = (uint32_t)(rng >> 8) % 4000u;
    cfg.compat = (es_compat_t)(g_force_compat >= 0 ? (uint64_t)g_force_compat : (rng >> 40) % 3u);
    uint32_t index = 0;
    if (es_ww_add_model(&g_engine, data, size, g_ww_arena, sizeof g_ww_arena, &cfg, &index) != ES_OK) {
        return;
    }
    g_stats.ww_added++;
    for (size_t i = 0; i < FUZZ_PCM; i++) {
        g_pcm[i] = (int16_t)(uint16_t)xs64(&rng);
    }
    es_ww_event_t ev[2];
    size_t off = 0;
    int guard = 0;
    while (off < FUZZ_PCM && guard++ < (int)FUZZ_PCM) {
        size_t used = 0, nev = 0;
        if (es_ww_process(&g_engine, g_pcm + off, FUZZ_PCM - off, &used, ev, 2, &nev) != ES_OK) {
            break;
        }
        if (used == 0 && nev == 0) {
            break;
        }
        off += used;
    }
    (void)es_ww_last_probability(&g_engine, index);
    (void)es_ww_arena_used(&g_engine, index);
    if (es_ww_reset(&g_engine) == ES_OK) {
        g_stats.ww_processed++;
    }
}

#ifndef ES_FUZZ_STANDALONE

/* ------------------------------------------------------------------ libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_MODEL) {
        return 0;
    }
    if (size) {
        memcpy(g_model, data, size);
    }
    fuzz_run_aligned(g_model, size);
    return 0;
}

#else

/* ------------------------------------------------------------------ standalone */

#include <signal.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEEDS 16

typedef struct seed {
    const char *path;
    uint8_t *data;
    size_t size;
} seed_t;

static seed_t g_seeds[MAX_SEEDS];
static int g_n_seeds;
static size_t g_cur_size;
static unsigned long long g_cur_iter;
static int g_cur_seed; /* seed file the current input was derived from */
static int g_trace; /* -p: print each iteration number (attributes reports when UBSan recovers) */
static const char *g_crash_path = "fuzz_model_crash.tflite";

/* Save the input being run (called on sanitizer death, hang or fatal signal). */
static void save_current(const char *why)
{
    FILE *f = fopen(g_crash_path, "wb");
    if (f) {
        fwrite(g_model, 1, g_cur_size, f);
        fclose(f);
    }
    fprintf(stderr, "fuzz_model: %s at iteration %llu; input (%zu bytes, mutated from %s) saved to %s\n", why,
            g_cur_iter, g_cur_size, g_seeds[g_cur_seed].path, g_crash_path);
}

/*
 * Sanitizer reports end in abort() (abort_on_error=1, set below as the default),
 * so SIGABRT is where the offending input gets saved; SIGALRM is the hang timer.
 */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);
const char *__asan_default_options(void)
{
    return "abort_on_error=1";
}
const char *__ubsan_default_options(void)
{
    return "abort_on_error=1:print_stacktrace=1";
}

static void on_signal(int sig)
{
    save_current(sig == SIGALRM   ? "hang (per-input timeout)"
                 : sig == SIGABRT ? "abort (sanitizer report above)"
                                  : "fatal signal");
    signal(SIGABRT, SIG_DFL);
    abort();
}

static const uint32_t k_interesting[] = {
    0u, 1u, 2u, 3u, 4u, 7u, 8u, 16u, 0x7fu, 0x80u, 0xffu, 0x100u, 0x7fffu, 0x8000u, 0xffffu, 0x10000u,
    0x7fffffffu, 0x80000000u, 0xfffffffeu, 0xffffffffu, 0xfffffff0u, 0x40000000u,
};

static size_t rnd_below(uint64_t *r, size_t n)
{
    return n ? (size_t)(xs64(r) % n) : 0;
}

/* Apply one random mutation to g_model[0..*len). Returns nothing; *len may change. */
static void mutate_once(uint64_t *r, size_t *len, int seed_index)
{
    size_t n = *len;
    unsigned kind = (unsigned)rnd_below(r, 12);
    if (n == 0) {
        kind = 4; /* only extension makes sense */
    }
    switch (kind) {
    case 0: { /* bit flips */
        int k = 1 + (int)rnd_below(r, 4);
        for (int i = 0; i < k; i++) {
            size_t p = rnd_below(r, n);
            g_model[p] ^= (uint8_t)(1u << rnd_below(r, 8));
        }
        break;
    }
    case 1: { /* random byte overwrites */
        int k = 1 + (int)rnd_below(r, 8);
        for (int i = 0; i < k; i++) {
            g_model[rnd_below(r, n)] = (uint8_t)xs64(r);
        }
        break;
    }
    case 2:
    case 3: { /* 4-byte little-endian interesting value, usually at an aligned position */
        if (n < 4) {
            break;
        }
        size_t p = rnd_below(r, n - 3);
        if (rnd_below(r, 4) != 0) {
            p &= ~(size_t)3;
        }
        uint32_t v;
        unsigned pick = (unsigned)rnd_below(r, 3);
        if (pick == 0) {
            v = k_interesting[rnd_below(r, sizeof k_interesting / sizeof k_interesting[0])];
        } else if (pick == 1) { /* sizes and offsets near the file length */
            int32_t d = (int32_t)rnd_below(r, 17) - 8;
            v = (uint32_t)((int64_t)n + d);
            if (rnd_below(r, 2)) {
                v -= (uint32_t)p; /* relative offset landing near the end */
            }
        } else { /* small perturbation of the existing word */
            uint32_t old = (uint32_t)g_model[p] | (uint32_t)g_model[p + 1] << 8 | (uint32_t)g_model[p + 2] << 16 |
                           (uint32_t)g_model[p + 3] << 24;
            int32_t d = (int32_t)rnd_below(r, 65) - 32;
            v = old + (uint32_t)d;
        }
        g_model[p] = (uint8_t)v;
        g_model[p + 1] = (uint8_t)(v >> 8);
        g_model[p + 2] = (uint8_t)(v >> 16);
        g_model[p + 3] = (uint8_t)(v >> 24);
        break;
    }
    case 4: { /* extension with junk */
        size_t add = 1 + rnd_below(r, 4096);
        if (n + add > FUZZ_MAX_MODEL) {
            add = FUZZ_MAX_MODEL - n;
        }
        uint8_t fill = (uint8_t)xs64(r);
        int mode = (int)rnd_below(r, 3);
        for (size_t i = 0; i < add; i++) {
            g_model[n + i] = mode == 0 ? fill : (uint8_t)xs64(r);
        }
        *len = n + add;
        break;
    }
    case 5: { /* truncation at a random length */
        *len = rnd_below(r, n);
        break;
    }
    case 6: { /* zero a range */
        size_t p = rnd_below(r, n);
        size_t k = 1 + rnd_below(r, 64);
        if (k > n - p) {
            k = n - p;
        }
        memset(g_model + p, rnd_below(r, 4) ? 0 : 0xff, k);
        break;
    }
    case 7: { /* duplicate a chunk over another place in the same model */
        size_t k = 1 + rnd_below(r, 256);
        if (k > n) {
            k = n;
        }
        size_t src = rnd_below(r, n - k + 1), dst = rnd_below(r, n - k + 1);
        memmove(g_model + dst, g_model + src, k);
        break;
    }
    case 8: { /* insert a duplicated chunk (shifts everything after it) */
        size_t k = 1 + rnd_below(r, 64);
        if (k > n) {
            k = n;
        }
        if (n + k > FUZZ_MAX_MODEL) {
            break;
        }
        size_t src = rnd_below(r, n - k + 1), dst = rnd_below(r, n + 1);
        uint8_t tmp[64];
        memcpy(tmp, g_model + src, k);
        memmove(g_model + dst + k, g_model + dst, n - dst);
        memcpy(g_model + dst, tmp, k);
        *len = n + k;
        break;
    }
    case 9:
    case 10: { /* splice a chunk from another seed (often at the same offset) */
        int other = (int)rnd_below(r, (size_t)g_n_seeds);
        if (g_n_seeds > 1 && other == seed_index) {
            other = (other + 1) % g_n_seeds;
        }
        const seed_t *s = &g_seeds[other];
        if (s->size == 0) {
            break;
        }
        size_t k = 1 + rnd_below(r, 512);
        if (k > s->size) {
            k = s->size;
        }
        if (k > n) {
            k = n;
        }
        size_t src = rnd_below(r, s->size - k + 1);
        size_t dst = rnd_below(r, 2) && src + k <= n ? src : rnd_below(r, n - k + 1);
        memcpy(g_model + dst, s->data + src, k);
        break;
    }
    default: { /* delete a chunk */
        size_t k = 1 + rnd_below(r, 64);
        if (k > n) {
            k = n;
        }
        size_t p = rnd_below(r, n - k + 1);
        memmove(g_model + p, g_model + p + k, n - p - k);
        *len = n - k;
        break;
    }
    }
}

/* Build the input for iteration @iter of a run with @seed into g_model; returns its length. */
static size_t make_input(uint64_t seed, unsigned long long iter)
{
    uint64_t r = (seed * 0x9e3779b97f4a7c15ull) ^ (iter + 1) * 0xbf58476d1ce4e5b9ull;
    r = r ? r : 1;
    for (int i = 0; i < 4; i++) {
        xs64(&r);
    }
    int si = (int)rnd_below(&r, (size_t)g_n_seeds);
    g_cur_seed = si;
    size_t len = g_seeds[si].size;
    memcpy(g_model, g_seeds[si].data, len);
    /* Mostly light mutation so that many inputs stay loadable. */
    unsigned roll = (unsigned)rnd_below(&r, 16);
    int k = roll < 8 ? 1 : roll < 12 ? 2 : roll < 14 ? 3 : 4 + (int)rnd_below(&r, 5);
    for (int i = 0; i < k; i++) {
        mutate_once(&r, &len, si);
    }
    return len;
}

static int load_file(const char *path, seed_t *s)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return -1;
    }
    uint8_t *buf = (uint8_t *)malloc(FUZZ_MAX_MODEL);
    size_t n = buf ? fread(buf, 1, FUZZ_MAX_MODEL, f) : 0;
    int big = buf && !feof(f) && fgetc(f) != EOF;
    fclose(f);
    if (!buf || big) {
        free(buf);
        return -1;
    }
    s->path = path;
    s->data = buf;
    s->size = n;
    return 0;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: fuzz_model [-n iterations] [-s seed] [-t seconds] [-I invokes] [-c compat] [-T hang_seconds]\n"
            "                  [-o crash_file] [-W] [-v] [-p] [-d iteration] [-r] model.tflite...\n"
            "  -n N   mutated inputs to run (default 100000; with -t: at most N, default unlimited)\n"
            "  -s S   PRNG seed (default 1); a run is fully determined by (seeds, S, N)\n"
            "  -t S   time budget in seconds\n"
            "  -I K   invokes before es_interp_reset (default 3; one more follows the reset)\n"
            "  -c C   es_compat_t for every input (0 TFLITE, 1 TFLITE_REF, 2 TFLM; default: derived per input)\n"
            "  -T S   per-input timeout treated as a hang (default 10, 0 = off)\n"
            "  -o F   where the current input is saved on a crash or hang (default fuzz_model_crash.tflite)\n"
            "  -W     skip the es_ww_add_model / es_ww_process path\n"
            "  -v     progress every 10000 iterations\n"
            "  -p     print '@iter N' before each input (to attribute recovered sanitizer reports)\n"
            "  -d I   only write the mutated input of iteration I to the -o file, then exit\n"
            "  -r     replay: run each given file once, unmutated, and print what happened\n");
}

static unsigned long long parse_ull(const char *s)
{
    return strtoull(s, NULL, 0);
}

int main(int argc, char **argv)
{
    unsigned long long iters = 100000, dump_iter = 0;
    int have_n = 0, verbose = 0, replay = 0, dump = 0;
    uint64_t seed = 1;
    double budget = 0.0;
    unsigned hang = 10;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *o = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(o, "-v")) {
            verbose = 1;
        } else if (!strcmp(o, "-r")) {
            replay = 1;
        } else if (!strcmp(o, "-p")) {
            g_trace = 1;
        } else if (!strcmp(o, "-W")) {
            g_do_ww = 0;
        } else if (!strcmp(o, "--")) {
            i++;
            break;
        } else if (!val) {
            usage();
            return 2;
        } else {
            i++;
            if (!strcmp(o, "-n")) {
                iters = parse_ull(val);
                have_n = 1;
            } else if (!strcmp(o, "-s")) {
                seed = (uint64_t)parse_ull(val);
            } else if (!strcmp(o, "-t")) {
                budget = strtod(val, NULL);
            } else if (!strcmp(o, "-c")) {
                g_force_compat = (int)strtol(val, NULL, 0);
            } else if (!strcmp(o, "-I")) {
                g_max_invokes = (int)parse_ull(val);
            } else if (!strcmp(o, "-T")) {
                hang = (unsigned)parse_ull(val);
            } else if (!strcmp(o, "-o")) {
                g_crash_path = val;
            } else if (!strcmp(o, "-d")) {
                dump = 1;
                dump_iter = parse_ull(val);
            } else {
                usage();
                return 2;
            }
        }
    }
    for (; i < argc; i++) {
        if (g_n_seeds == MAX_SEEDS) {
            fprintf(stderr, "fuzz_model: too many seed files (max %d)\n", MAX_SEEDS);
            return 2;
        }
        if (load_file(argv[i], &g_seeds[g_n_seeds]) != 0) {
            fprintf(stderr, "fuzz_model: cannot read %s (missing or larger than %u bytes)\n", argv[i],
                    FUZZ_MAX_MODEL);
            return 2;
        }
        g_n_seeds++;
    }
    if (g_n_seeds == 0) {
        usage();
        return 2;
    }

    signal(SIGALRM, on_signal);
    signal(SIGABRT, on_signal);
#ifndef ES_FUZZ_ASAN
    /* Without ASan (which reports SEGV itself), catch crashes here to save the input. */
    signal(SIGSEGV, on_signal);
    signal(SIGFPE, on_signal);
#endif

    if (dump) {
        g_cur_size = make_input(seed, dump_iter);
        g_cur_iter = dump_iter;
        FILE *f = fopen(g_crash_path, "wb");
        if (!f || fwrite(g_model, 1, g_cur_size, f) != g_cur_size) {
            fprintf(stderr, "fuzz_model: cannot write %s\n", g_crash_path);
            return 2;
        }
        fclose(f);
        printf("fuzz_model: iteration %llu (%zu bytes, mutated from %s) written to %s\n", dump_iter, g_cur_size,
               g_seeds[g_cur_seed].path, g_crash_path);
        return 0;
    }

    /* The unmutated seeds first: they must all pass (replay: in every compat mode unless -c). */
    int forced = g_force_compat;
    for (int s = 0; s < g_n_seeds; s++) {
        memcpy(g_model, g_seeds[s].data, g_seeds[s].size);
        g_cur_size = g_seeds[s].size;
        g_cur_seed = s;
        for (int c = 0; c < 3; c++) {
            if (replay) {
                g_force_compat = forced >= 0 ? forced : c;
                memset(&g_stats, 0, sizeof g_stats);
            }
            fuzz_run_aligned(g_model, g_cur_size);
            if (replay) {
                printf("%s: %zu bytes, compat %d: loaded=%llu prepared=%llu invoked=%llu reset_invoked=%llu "
                       "ww_added=%llu\n",
                       g_seeds[s].path, g_seeds[s].size, g_force_compat, g_stats.loaded, g_stats.prepared,
                       g_stats.invoked, g_stats.reset_invoked, g_stats.ww_added);
            }
            if (!replay || forced >= 0) {
                break;
            }
        }
    }
    g_force_compat = forced;
    if (replay) {
        return 0;
    }
    memset(&g_stats, 0, sizeof g_stats);

    if (budget > 0.0 && !have_n) {
        iters = ~0ull;
    }
    time_t start = time(NULL);
    unsigned long long it = 0;
    for (; it < iters; it++) {
        if (budget > 0.0 && (it & 63u) == 0 && difftime(time(NULL), start) >= budget) {
            break;
        }
        g_cur_iter = it;
        g_cur_size = make_input(seed, it);
        if (hang) {
            alarm(hang);
        }
        if (g_trace) {
            fprintf(stderr, "@iter %llu\n", it);
        }
        fuzz_run_aligned(g_model, g_cur_size);
        if (verbose && (it + 1) % 10000u == 0) {
            fprintf(stderr, "fuzz_model: %llu iterations, %llu loaded, %llu prepared, %llu invoked (%.0f s)\n",
                    it + 1, g_stats.loaded, g_stats.prepared, g_stats.invoked, difftime(time(NULL), start));
        }
    }
    alarm(0);
    double secs = difftime(time(NULL), start);
    printf("fuzz_model: %llu iterations, %llu loaded OK, %llu prepared OK, %llu invoked OK, 0 crashes "
           "(reset+invoke OK %llu, ww_add_model OK %llu, seed %llu, %.0f s)\n",
           it, g_stats.loaded, g_stats.prepared, g_stats.invoked, g_stats.reset_invoked, g_stats.ww_added,
           (unsigned long long)seed, secs);
    for (int s = 0; s < g_n_seeds; s++) {
        free(g_seeds[s].data);
    }
    return 0;
}

#endif /* ES_FUZZ_STANDALONE */
