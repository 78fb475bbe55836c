/*
 * frontend_dump: run the Earshot frontend over raw s16le mono 16 kHz audio.
 *
 *   frontend_dump CHUNK < audio.raw     feed CHUNK samples per call (>= 1)
 *   frontend_dump r SEED < audio.raw    feed pseudo-random chunk sizes 0..1000
 *   frontend_dump --log-lut             print the generated log table
 *   frontend_dump --selftest            check argument / config validation
 *
 * Prints one line per produced frame: the uint16 features separated by spaces.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/frontend.h"

static es_frontend_t g_fe; /* large; keep it off the stack (test tool only) */

#define MAX_SAMPLES (16000 * 60 * 20)
static int16_t g_audio[MAX_SAMPLES];

static int selftest(void)
{
    es_frontend_config_t cfg;
    size_t consumed = 0;
    uint16_t feat[ES_FE_MAX_CHANNELS];
    int produced = 0;
    int16_t s[4] = {0, 0, 0, 0};
    int fails = 0;
#define EXPECT(cond)                                                   \
    do {                                                               \
        if (!(cond)) {                                                 \
            fprintf(stderr, "selftest failed line %d: %s\n", __LINE__, #cond); \
            ++fails;                                                   \
        }                                                              \
    } while (0)

    es_frontend_config_default(&cfg);
    EXPECT(es_frontend_init(NULL, &cfg) == ES_ERR_ARG);
    EXPECT(es_frontend_init(&g_fe, NULL) == ES_ERR_ARG);
    EXPECT(es_frontend_init(&g_fe, &cfg) == ES_OK);
    EXPECT(g_fe.window_size == 480 && g_fe.window_step == 160 && g_fe.fft_size == 512);
    EXPECT(es_frontend_process(NULL, s, 4, &consumed, feat, &produced) == ES_ERR_ARG);
    EXPECT(es_frontend_process(&g_fe, NULL, 4, &consumed, feat, &produced) == ES_ERR_ARG);
    EXPECT(es_frontend_process(&g_fe, s, 4, NULL, feat, &produced) == ES_ERR_ARG);
    EXPECT(es_frontend_process(&g_fe, s, 4, &consumed, NULL, &produced) == ES_ERR_ARG);
    EXPECT(es_frontend_process(&g_fe, s, 4, &consumed, feat, NULL) == ES_ERR_ARG);
    EXPECT(es_frontend_process(&g_fe, NULL, 0, &consumed, feat, &produced) == ES_OK);
    EXPECT(consumed == 0 && produced == 0);
    EXPECT(es_frontend_process(&g_fe, s, 0, &consumed, feat, &produced) == ES_OK);
    EXPECT(consumed == 0 && produced == 0);

    es_frontend_config_t bad;
    bad = cfg; bad.window_ms = 33; /* 528 samples > ES_FE_MAX_WINDOW */
    EXPECT(es_frontend_init(&g_fe, &bad) == ES_ERR_CONFIG);
    bad = cfg; bad.num_channels = ES_FE_MAX_CHANNELS + 1;
    EXPECT(es_frontend_init(&g_fe, &bad) == ES_ERR_CONFIG);
    bad = cfg; bad.num_channels = 0;
    EXPECT(es_frontend_init(&g_fe, &bad) == ES_ERR_CONFIG);
    bad = cfg; bad.sample_rate = 0;
    EXPECT(es_frontend_init(&g_fe, &bad) == ES_ERR_CONFIG);
    bad = cfg; bad.sample_rate = -16000;
    EXPECT(es_frontend_init(&g_fe, &bad) == ES_ERR_CONFIG);
    bad = cfg; bad.step_ms = 0;
    EXPECT(es_frontend_init(&g_fe, &bad) == ES_ERR_CONFIG);
    bad = cfg; bad.step_ms = 40;
    EXPECT(es_frontend_init(&g_fe, &bad) == ES_ERR_CONFIG);
    bad = cfg; bad.upper_band_hz = 8000.0f;
    EXPECT(es_frontend_init(&g_fe, &bad) == ES_ERR_CONFIG);
    bad = cfg; bad.lower_band_hz = 8000.0f;
    EXPECT(es_frontend_init(&g_fe, &bad) == ES_ERR_CONFIG);
    bad = cfg; bad.nr_even_smoothing = 1.5f;
    EXPECT(es_frontend_init(&g_fe, &bad) == ES_ERR_CONFIG);
    bad = cfg; bad.pcan_gain_bits = 40;
    EXPECT(es_frontend_init(&g_fe, &bad) == ES_ERR_CONFIG);
    bad = cfg; bad.log_scale_shift = -1;
    EXPECT(es_frontend_init(&g_fe, &bad) == ES_ERR_CONFIG);
    /* other valid shapes */
    bad = cfg; bad.window_ms = 25; bad.num_channels = 32;
    EXPECT(es_frontend_init(&g_fe, &bad) == ES_OK);
    bad = cfg; bad.sample_rate = 8000; bad.upper_band_hz = 3900.0f; bad.num_channels = 20;
    EXPECT(es_frontend_init(&g_fe, &bad) == ES_OK);
    EXPECT(g_fe.fft_size == 256);
#undef EXPECT
    if (fails == 0) {
        printf("selftest ok\n");
    }
    return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CHUNK | r SEED | --log-lut | --selftest\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "--selftest") == 0) {
        return selftest();
    }

    es_frontend_config_t cfg;
    es_frontend_config_default(&cfg);
    es_status_t st = es_frontend_init(&g_fe, &cfg);
    if (st != ES_OK) {
        fprintf(stderr, "init failed: %d\n", (int)st);
        return 1;
    }
    if (strcmp(argv[1], "--log-lut") == 0) {
        for (size_t i = 0; i < sizeof(g_fe.log_lut) / sizeof(g_fe.log_lut[0]); ++i) {
            printf("%u\n", (unsigned)g_fe.log_lut[i]);
        }
        return 0;
    }

    int random_chunks = (strcmp(argv[1], "r") == 0);
    uint32_t rng = (random_chunks && argc > 2) ? (uint32_t)strtoul(argv[2], NULL, 10) : 1u;
    long fixed = random_chunks ? 0 : strtol(argv[1], NULL, 10);
    if (!random_chunks && fixed < 1) {
        fprintf(stderr, "bad chunk size\n");
        return 2;
    }

    size_t total = fread(g_audio, sizeof(int16_t), MAX_SAMPLES, stdin);
    size_t pos = 0;
    uint16_t feat[ES_FE_MAX_CHANNELS];
    while (pos < total) {
        size_t chunk;
        if (random_chunks) {
            rng = rng * 1664525u + 1013904223u;
            chunk = (size_t)((rng >> 8) % 1001u); /* includes 0 */
        } else {
            chunk = (size_t)fixed;
        }
        if (chunk > total - pos) {
            chunk = total - pos;
        }
        size_t done = 0;
        do { /* loop until this chunk is consumed; runs once for an empty chunk */
            size_t consumed = 0;
            int produced = 0;
            st = es_frontend_process(&g_fe, g_audio + pos + done, chunk - done, &consumed,
                                     feat, &produced);
            if (st != ES_OK) {
                fprintf(stderr, "process failed: %d\n", (int)st);
                return 1;
            }
            done += consumed;
            if (produced) {
                for (int c = 0; c < cfg.num_channels; ++c) {
                    printf(c ? " %u" : "%u", (unsigned)feat[c]);
                }
                printf("\n");
            }
        } while (done < chunk);
        pos += chunk;
    }
    return 0;
}
