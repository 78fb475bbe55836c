/* The Earshot application: protocol loop + wake-word engine. */
#include "app.h"

#include <string.h>

#include "earshot/earshot.h"
#include "image.h"
#include "proto.h"

/* ES_APP_WAKEWORD=0 builds an application without the wake-word engine (small
   image for exhaustive power-cut tests): audio is queued and dropped. */
#ifndef ES_APP_WAKEWORD
#define ES_APP_WAKEWORD 1
#endif

#if ES_APP_WAKEWORD
#define WW_ARENA_USED(app, i) es_ww_arena_used(&(app)->ww, (app)->model_index[i])
#else
#define WW_ARENA_USED(app, i) ((void)(app), (void)(i), (size_t)0)
#endif

#if ES_APP_WAKEWORD
static uint64_t now_us(const es_app_t *app) { return es_timer_now_us(app->svc.board->timer); }

/* The engine's clock hook: the board timer. */
static uint64_t clock_us(void *ctx) { return now_us((const es_app_t *)ctx); }
#endif

static es_status_t audio_in(es_app_t *app, const es_frame_t *req, uint8_t *out, size_t *out_len)
{
    if (req->length % 2u != 0) {
        return ES_ERR_AUDIO_FORMAT;
    }
    size_t n = req->length / 2u;
    if (n > ES_APP_RING - app->ring_count) {
        return ES_ERR_NO_MEMORY;
    }
    size_t tail = (app->ring_head + app->ring_count) % ES_APP_RING;
    for (size_t i = 0; i < n; i++) {
        app->ring[tail] = (int16_t)es_rd16(req->payload + 2u * i);
        tail = tail + 1u == ES_APP_RING ? 0 : tail + 1u;
    }
    app->ring_count += n;
    app->samples_in += n;
    if (app->ring_count > app->ring_high_water) {
        app->ring_high_water = app->ring_count;
    }
    es_wr32(out, (uint32_t)app->ring_count);
    *out_len = 4;
    return ES_OK;
}

static size_t ram_high_water(const es_app_t *app)
{
    size_t unused = 0;
    for (size_t i = 0; i < ES_APP_MAX_MODELS; i++) {
        size_t used = i < app->n_loaded ? WW_ARENA_USED(app, i) : 0;
        unused += ES_APP_ARENA - (used < ES_APP_ARENA ? used : ES_APP_ARENA);
    }
    unused += (ES_APP_RING - app->ring_high_water) * sizeof(int16_t);
    return sizeof *app - unused;
}

static size_t arena_total(const es_app_t *app)
{
    size_t total = 0;
    for (size_t i = 0; i < app->n_loaded; i++) {
        total += WW_ARENA_USED(app, i);
    }
    return total;
}

static es_status_t profile(es_app_t *app, const es_frame_t *req, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t pos = 0;
    size_t jcap = sizeof app->json < cap ? sizeof app->json : cap;
    char *j = app->json;
#if ES_APP_WAKEWORD
    const uint64_t frames = app->ww.frames, frontend_us = app->ww.frontend_us;
#else
    const uint64_t frames = 0, frontend_us = 0;
#endif
    double fe = frames > 0 ? (double)frontend_us / (double)frames : 0.0;
    es_json_appendf(j, jcap, &pos, "{\"frames\":%llu,\"frontend_us_per_frame\":%.3f,",
                    (unsigned long long)frames, fe);
    if (app->svc.board->stack_high_water != NULL) {
        /* peak stack since reset (bootloader and application share it), from stack painting */
        size_t stack_size = 0;
        const size_t used = app->svc.board->stack_high_water(&stack_size);
        es_json_appendf(j, jcap, &pos, "\"stack_high_water\":%lu,\"stack_bytes\":%lu,", (unsigned long)used,
                        (unsigned long)stack_size);
    }
    es_json_appendf(j, jcap, &pos, "\"models\":[");
    for (size_t i = 0; i < app->n_loaded; i++) {
#if ES_APP_WAKEWORD
        const es_ww_slot_t *sl = &app->ww.slots[app->model_index[i]];
        const uint64_t inf = sl->inferences, inv = sl->invoke_us;
#else
        const uint64_t inf = 0, inv = 0;
#endif
        double us = inf > 0 ? (double)inv / (double)inf : 0.0;
        es_json_appendf(j, jcap, &pos, "%s{\"name\":\"%s\",\"inferences\":%llu,\"us_per_inference\":%.3f,"
                        "\"arena_bytes\":%lu}", i > 0 ? "," : "", app->loaded[i]->name,
                        (unsigned long long)inf, us,
                        (unsigned long)WW_ARENA_USED(app, i));
    }
    es_json_appendf(j, jcap, &pos,
                    "],\"arena_bytes\":%lu,\"ram_bytes\":%lu,\"ram_high_water\":%lu,\"ring_high_water_samples\":%lu,"
                    "\"samples_in\":%llu,\"samples_processed\":%llu}",
                    (unsigned long)arena_total(app), (unsigned long)sizeof *app, (unsigned long)ram_high_water(app),
                    (unsigned long)app->ring_high_water, (unsigned long long)app->samples_in,
                    (unsigned long long)app->samples_processed);
    if (req->length >= 1 && req->payload[0] != 0) {
#if ES_APP_WAKEWORD
        app->ww.frames = 0;
        app->ww.frontend_us = 0;
        for (size_t i = 0; i < app->n_loaded; i++) {
            app->ww.slots[app->model_index[i]].inferences = 0;
            app->ww.slots[app->model_index[i]].invoke_us = 0;
        }
#endif
        app->ring_high_water = app->ring_count;
    }
    memcpy(out, j, pos);
    *out_len = pos;
    return ES_OK;
}

static es_status_t info(es_app_t *app, es_svc_t *svc, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t pos = 0;
    size_t jcap = sizeof app->json < cap ? sizeof app->json : cap;
    char *j = app->json;
    es_json_appendf(j, jcap, &pos, "{");
    pos += es_svc_info_common(svc, j + pos, jcap - pos);
    es_json_appendf(j, jcap, &pos,
                    ",\"firmware_version\":%lu,\"core_version\":\"%s\",\"running_slot\":%lu,\"boot_reason\":%u,"
                    "\"free_ram\":%lu,\"arena_bytes\":%lu,\"models\":[",
                    (unsigned long)app->boot.image_version, ES_VERSION_STRING, (unsigned long)app->boot.slot,
                    (unsigned)app->boot.reason, (unsigned long)(svc->board->ram_size - ram_high_water(app)),
                    (unsigned long)arena_total(app));
    for (size_t i = 0; i < app->n_loaded; i++) {
        es_json_appendf(j, jcap, &pos, "%s\"%s\"", i > 0 ? "," : "", app->loaded[i]->name);
    }
    es_json_appendf(j, jcap, &pos, "]}");
    memcpy(out, j, pos);
    *out_len = pos;
    return ES_OK;
}

static es_status_t confirm(es_app_t *app)
{
    const es_slot_info_t *si;
    es_status_t st = es_flashcmd_slot_info(&app->svc.flash, app->boot.slot, &si);
    if (st != ES_OK) {
        return st;
    }
    if (es_trailer_confirmed(si->words)) {
        return ES_OK;
    }
    st = es_slot_set_word(app->svc.board, app->boot.slot, ES_TRAILER_CONFIRMED);
    es_flashcmd_invalidate(&app->svc.flash, app->boot.slot);
    return st;
}

static es_status_t app_handler(void *user, es_svc_t *svc, const es_frame_t *req, uint8_t *out, size_t cap,
                               size_t *out_len)
{
    es_app_t *app = (es_app_t *)user;
    switch (req->code) {
    case ES_CMD_INFO: return info(app, svc, out, cap, out_len);
    case ES_CMD_CONFIRM: return confirm(app);
    case ES_CMD_AUDIO_IN: return audio_in(app, req, out, out_len);
    case ES_CMD_AUDIO_OUT:
        if (req->length < 4) {
            return ES_ERR_PROTOCOL;
        }
        return ES_OK; /* no speaker output yet */
    case ES_CMD_PROFILE: return profile(app, req, out, cap, out_len);
    default: return ES_ERR_UNSUPPORTED;
    }
}

#if ES_APP_WAKEWORD
static void send_wake(es_app_t *app, const es_ww_event_t *ev)
{
    uint8_t p[4 + 1 + 8 + 4 + 1 + 64];
    uint32_t k = 0;
    while (k < app->n_loaded && app->model_index[k] != ev->model) {
        k++;
    }
    const char *name = k < app->n_loaded ? app->loaded[k]->name : "";
    size_t name_len = strlen(name);
    if (name_len > 64) {
        name_len = 64;
    }
    float prob = (float)ev->probability;
    uint32_t bits;
    memcpy(&bits, &prob, 4);
    p[0] = (uint8_t)k;
    es_wr64(p + 1, ev->sample_index);
    es_wr32(p + 9, bits);
    p[13] = (uint8_t)name_len;
    memcpy(p + 14, name, name_len);
    (void)es_svc_event(&app->svc, ES_EVT_WAKE, p, 14u + name_len);
}
#endif

/* Feed one hop of queued audio to the engine; returns 1 when work was done. */
static int process_audio(es_app_t *app)
{
    if (app->ring_count == 0) {
        return 0;
    }
    int16_t chunk[ES_APP_CHUNK];
    size_t n = app->ring_count < ES_APP_CHUNK ? app->ring_count : ES_APP_CHUNK;
    for (size_t i = 0; i < n; i++) {
        chunk[i] = app->ring[(app->ring_head + i) % ES_APP_RING];
    }
    app->ring_head = (app->ring_head + n) % ES_APP_RING;
    app->ring_count -= n;
    (void)chunk;
    if (app->n_loaded == 0) {
        app->samples_processed += n;
        return 1;
    }
#if ES_APP_WAKEWORD
    size_t pos = 0;
    while (pos < n) {
        es_ww_event_t events[4];
        size_t consumed = 0, n_events = 0;
        es_status_t st = es_ww_process(&app->ww, chunk + pos, n - pos, &consumed, events, 4, &n_events);
        if (st != ES_OK) {
            (void)es_svc_log(&app->svc, ES_LOG_ERROR, "app: wake-word engine error %s", es_status_str(st));
            return 1;
        }
        for (size_t e = 0; e < n_events; e++) {
            send_wake(app, &events[e]);
        }
        pos += consumed;
    }
    app->samples_processed += n;
#endif
    return 1;
}

static void load_models(es_app_t *app)
{
    app->models = es_app_model_table(&app->n_models);
#if ES_APP_WAKEWORD
    es_status_t st = es_ww_init(&app->ww, NULL, NULL);
    if (st != ES_OK) {
        (void)es_svc_log(&app->svc, ES_LOG_ERROR, "app: engine init failed: %s", es_status_str(st));
        return;
    }
    es_ww_set_clock(&app->ww, clock_us, app);
    for (size_t i = 0; i < app->n_models && app->n_loaded < ES_APP_MAX_MODELS; i++) {
        const es_app_model_t *m = &app->models[i];
        es_ww_config_t cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.probability_cutoff = m->probability_cutoff;
        cfg.sliding_window_size = m->sliding_window_size;
        cfg.refractory_samples = ES_APP_REFRACTORY;
        cfg.compat = ES_COMPAT_TFLITE;
        uint32_t index = 0;
        st = es_ww_add_model(&app->ww, m->data, m->size, app->arena[app->n_loaded], ES_APP_ARENA, &cfg, &index);
        if (st != ES_OK) {
            (void)es_svc_log(&app->svc, ES_LOG_ERROR, "app: model %s not loaded: %s", m->name, es_status_str(st));
            continue;
        }
        app->model_index[app->n_loaded] = index;
        app->loaded[app->n_loaded] = m;
        app->n_loaded++;
    }
#endif
}

es_reset_request_t es_app_main(const es_board_t *board, const es_boot_info_t *boot)
{
    if (board == NULL || boot == NULL || board->ram == NULL || board->ram_size < sizeof(es_app_t) ||
        ((uintptr_t)board->ram % 16u) != 0) {
        return ES_RESET_FAULT;
    }
    es_app_t *app = (es_app_t *)board->ram;
    memset(app, 0, sizeof *app);
    app->boot = *boot;
    es_svc_init(&app->svc, board, ES_ROLE_APPLICATION, boot->slot, app_handler, app);
    (void)es_svc_boot_event(&app->svc, (uint8_t)boot->slot, boot->image_version, boot->reason);
    load_models(app);
    (void)es_svc_log(&app->svc, ES_LOG_INFO, "app: %lu models, arena %lu", (unsigned long)app->n_loaded,
                     (unsigned long)arena_total(app));
    if (app->n_loaded < app->n_models) {
        /* A model that does not load is a failed start: do not confirm it. */
        (void)es_svc_log(&app->svc, ES_LOG_WARN, "app: start incomplete, slot %lu not confirmed",
                         (unsigned long)boot->slot);
    } else if ((boot->image_flags & ES_IMAGE_FLAG_NO_AUTO_CONFIRM) == 0) {
        es_status_t st = confirm(app);
        (void)es_svc_log(&app->svc, st == ES_OK ? ES_LOG_INFO : ES_LOG_ERROR, "app: slot %lu confirm: %s",
                         (unsigned long)boot->slot, es_status_str(st));
    }
    while (!app->svc.reset_pending) {
        if (es_board_shutdown(board)) {
            return ES_RESET_SHUTDOWN;
        }
        int busy = process_audio(app);
        if (es_svc_poll(&app->svc, busy || app->ring_count > 0 ? 0 : 20) != ES_OK) {
            return ES_RESET_FAULT;
        }
    }
    return app->svc.reset_request;
}
