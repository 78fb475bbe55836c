/**
 * @file wakeword.h
 * @brief Wake-word engine: several streaming microWakeWord models on one shared frontend.
 *
 * Audio (16 kHz mono int16) goes through one es_frontend_t; every feature frame
 * is quantized per model and collected until the model's stride (its input's
 * time dimension) is full, then the model runs. A detection fires when the mean
 * of the last `sliding_window_size` output probabilities exceeds
 * `probability_cutoff`, the same rule as pymicro-wakeword, and no earlier
 * detection of that model lies within `refractory_samples`.
 *
 * The engine is one caller-owned struct; each model runs from its own
 * caller-given arena. Nothing is allocated.
 */
#ifndef EARSHOT_WAKEWORD_H
#define EARSHOT_WAKEWORD_H

#include <stddef.h>
#include <stdint.h>

#include "earshot/frontend.h"
#include "earshot/hal.h"
#include "earshot/interp.h"
#include "earshot/model.h"
#include "earshot/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Models one engine can run at once. */
#define ES_WW_MAX_MODELS 8
/** Largest model stride (feature frames per inference). */
#define ES_WW_MAX_STRIDE 8
/** Largest sliding window of probabilities. */
#define ES_WW_MAX_WINDOW 64

/** Per-model detection settings (from the model's microWakeWord JSON manifest). */
typedef struct es_ww_config {
    double probability_cutoff;   /**< detection threshold on the mean probability, (0, 1) */
    int sliding_window_size;     /**< probabilities averaged, 1..ES_WW_MAX_WINDOW */
    uint32_t refractory_samples; /**< minimum distance between two detections; 0 reports every window */
    es_compat_t compat;          /**< arithmetic to reproduce (default ES_COMPAT_TFLITE) */
} es_ww_config_t;

/** A detection. */
typedef struct es_ww_event {
    uint32_t model;        /**< index returned by es_ww_add_model() */
    uint64_t sample_index; /**< samples consumed by the frontend when the deciding frame completed */
    double probability;    /**< the mean probability that crossed the cutoff */
} es_ww_event_t;

/** One model's runtime state (treat as opaque). */
typedef struct es_ww_slot {
    es_model_t model;
    es_interp_t interp;
    es_ww_config_t cfg;
    es_tensor_t *input;
    es_tensor_t *output;
    int stride;
    int channels;
    int frames;                         /* frames collected toward the next inference */
    uint32_t qthresh[255];              /* feature value where each int8 level starts */
    uint8_t probs[ES_WW_MAX_WINDOW];    /* raw quantized outputs, ring buffer */
    int n_probs;
    int probs_head;
    int has_event;
    uint64_t last_event;
    uint64_t inferences;                /**< counter: model invocations */
    uint64_t invoke_us;                 /**< counter: time in invoke (needs a clock, see es_ww_set_clock()) */
} es_ww_slot_t;

/** A monotonic microsecond clock supplied by the board (see es_ww_set_clock()). */
typedef uint64_t (*es_ww_clock_fn)(void *ctx);

/** The engine (treat as opaque). */
typedef struct es_ww_engine {
    es_frontend_t frontend;
    uint16_t features[ES_FE_MAX_CHANNELS];
    es_ww_slot_t slots[ES_WW_MAX_MODELS];
    uint32_t n_slots;
    uint64_t samples; /* samples consumed by the frontend */
    const es_hal_ops_t *hal;
    es_ww_clock_fn clock;
    void *clock_ctx;
    uint64_t frames;      /**< counter: feature frames produced */
    uint64_t frontend_us; /**< counter: time in the frontend (needs a clock) */
} es_ww_engine_t;

/**
 * Initialise an engine with frontend configuration @p fe_cfg (NULL: microWakeWord's
 * defaults) and backend @p hal (NULL: es_hal_opt, the portable optimized backend).
 */
es_status_t es_ww_init(es_ww_engine_t *engine, const es_frontend_config_t *fe_cfg, const es_hal_ops_t *hal);

/**
 * Add a streaming model. Its input must be int8 [1, stride, channels] and its
 * output a single quantized uint8/int8 probability.
 * @param model_data .tflite bytes; must stay valid while the engine is used.
 * @param arena      working memory for this model (see es_interp_prepare()).
 * @param index      out: the model's index in events.
 * @return ES_OK, ES_ERR_NO_MEMORY (too many models or arena too small),
 *         ES_ERR_CONFIG (bad cutoff/window), ES_ERR_SHAPE (input/output not as above),
 *         or any error of es_model_load() / es_interp_prepare().
 */
es_status_t es_ww_add_model(es_ww_engine_t *engine, const void *model_data, size_t model_size, void *arena,
                            size_t arena_size, const es_ww_config_t *cfg, uint32_t *index);

/**
 * Feed @p n samples. Stops early (with *consumed < n) only when @p events is
 * full, so that no detection is ever dropped; call again with the rest.
 * @param consumed  out: samples consumed.
 * @param n_events  out: events written to @p events.
 */
es_status_t es_ww_process(es_ww_engine_t *engine, const int16_t *pcm, size_t n, size_t *consumed,
                          es_ww_event_t *events, size_t max_events, size_t *n_events);

/**
 * Give the engine a clock so that it measures the time of each stage into the
 * counters `frontend_us` (engine) and `invoke_us` (per model slot). NULL
 * disables the measurement. The counters may be zeroed by the caller.
 */
void es_ww_set_clock(es_ww_engine_t *engine, es_ww_clock_fn clock, void *ctx);

/** Forget all audio: frontend, collected features, probabilities and model state. */
es_status_t es_ww_reset(es_ww_engine_t *engine);

/** Arena bytes model @p index uses (see es_interp_arena_used()). */
size_t es_ww_arena_used(const es_ww_engine_t *engine, uint32_t index);

/** The last mean probability of model @p index (0 until its window is full). */
double es_ww_last_probability(const es_ww_engine_t *engine, uint32_t index);

#ifdef __cplusplus
}
#endif

#endif /* EARSHOT_WAKEWORD_H */
