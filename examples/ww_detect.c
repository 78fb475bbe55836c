/*
 * Wake-word detection from C alone: the shape of a port to a new board.
 *
 *   ww_detect MODEL.tflite:CUTOFF:WINDOW [...] < audio.s16le
 *
 * Reads 16 kHz mono s16le PCM from stdin in 10 ms blocks (as a microphone
 * driver would deliver it), runs every model on one shared frontend and
 * prints "sample_index model probability" per detection. All memory is
 * static: the engine, one arena per model, the model bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "earshot/earshot.h"

#define MAX_MODEL_BYTES (256 * 1024)
#define ARENA_BYTES (48 * 1024)

static es_ww_engine_t engine;
static _Alignas(16) uint8_t model_bytes[ES_WW_MAX_MODELS][MAX_MODEL_BYTES];
static _Alignas(16) uint8_t arenas[ES_WW_MAX_MODELS][ARENA_BYTES];

int main(int argc, char **argv)
{
    if (argc < 2 || argc - 1 > ES_WW_MAX_MODELS) {
        fprintf(stderr, "usage: %s MODEL.tflite:CUTOFF:WINDOW [...] < audio.s16le\n", argv[0]);
        return 2;
    }
    es_status_t st = es_ww_init(&engine, NULL, NULL);
    if (st != ES_OK) {
        fprintf(stderr, "engine: %s\n", es_status_str(st));
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        char path[1024];
        double cutoff = 0.0;
        int window = 0;
        const char *colon = strchr(argv[i], ':');
        if (!colon || (size_t)(colon - argv[i]) >= sizeof path ||
            sscanf(colon + 1, "%lf:%d", &cutoff, &window) != 2) {
            fprintf(stderr, "bad model argument '%s' (want PATH:CUTOFF:WINDOW)\n", argv[i]);
            return 2;
        }
        memcpy(path, argv[i], (size_t)(colon - argv[i]));
        path[colon - argv[i]] = '\0';
        FILE *f = fopen(path, "rb");
        if (!f) {
            perror(path);
            return 1;
        }
        size_t size = fread(model_bytes[i - 1], 1, MAX_MODEL_BYTES, f);
        fclose(f);
        es_ww_config_t cfg = {cutoff, window, 32000u, ES_COMPAT_TFLITE};
        uint32_t index = 0;
        st = es_ww_add_model(&engine, model_bytes[i - 1], size, arenas[i - 1], ARENA_BYTES, &cfg, &index);
        if (st != ES_OK) {
            fprintf(stderr, "%s: %s\n", path, es_status_str(st));
            return 1;
        }
        fprintf(stderr, "model %u: %s, arena %zu bytes\n", (unsigned)index, path, es_ww_arena_used(&engine, index));
    }
    int16_t block[160];
    size_t got;
    es_ww_event_t events[ES_WW_MAX_MODELS];
    while ((got = fread(block, sizeof block[0], 160, stdin)) > 0) {
        size_t pos = 0;
        while (pos < got) {
            size_t used = 0, n = 0;
            st = es_ww_process(&engine, block + pos, got - pos, &used, events, ES_WW_MAX_MODELS, &n);
            if (st != ES_OK) {
                fprintf(stderr, "process: %s\n", es_status_str(st));
                return 1;
            }
            pos += used;
            for (size_t k = 0; k < n; k++) {
                printf("%llu %u %.6f\n", (unsigned long long)events[k].sample_index, (unsigned)events[k].model,
                       events[k].probability);
            }
        }
    }
    return 0;
}
