/* Wake-word engine: shared frontend, per-model feature quantization, sliding-window decision. */
#include "earshot/wakeword.h"

#include <math.h>
#include <string.h>

/* microWakeWord's float feature is the frontend's uint16 value times this. */
#define ES_WW_FEATURE_SCALE 0.0390625

/* Round half to even, as numpy.round does. */
static double round_half_even(double v)
{
    double r = floor(v);
    double d = v - r;
    if (d > 0.5 || (d == 0.5 && fmod(r, 2.0) != 0.0)) {
        r += 1.0;
    }
    return r;
}

/* int8 level that pymicro-wakeword's quantization gives a frontend value (before clamping). */
static double quantize_level(uint32_t u, double scale, int32_t zp)
{
    double f = (double)(float)((float)u * (float)ES_WW_FEATURE_SCALE);
    return round_half_even(f / scale + (double)zp);
}

/* qthresh[k]: smallest frontend value whose level is >= k - 127 (levels clamp to [-128, 127]). */
static void build_thresholds(es_ww_slot_t *s)
{
    double scale = (double)s->input->scale;
    int32_t zp = s->input->zero_point;
    uint32_t u = 0;
    for (int k = 0; k < 255; k++) {
        double level = (double)(k - 127);
        while (u <= 0xFFFFu && quantize_level(u, scale, zp) < level) {
            u++;
        }
        s->qthresh[k] = u; /* 0x10000 when never reached */
    }
}

static int8_t quantize_feature(const es_ww_slot_t *s, uint16_t v)
{
    /* count thresholds <= v by binary search */
    int lo = 0, hi = 255;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (s->qthresh[mid] <= v) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (int8_t)(lo - 128);
}

es_status_t es_ww_init(es_ww_engine_t *e, const es_frontend_config_t *fe_cfg, const es_hal_ops_t *hal)
{
    if (!e) {
        return ES_ERR_ARG;
    }
    memset(e, 0, sizeof *e);
    es_frontend_config_t def;
    if (!fe_cfg) {
        es_frontend_config_default(&def);
        fe_cfg = &def;
    }
    e->hal = hal ? hal : &es_hal_opt;
    return es_frontend_init(&e->frontend, fe_cfg);
}

es_status_t es_ww_add_model(es_ww_engine_t *e, const void *model_data, size_t model_size, void *arena,
                            size_t arena_size, const es_ww_config_t *cfg, uint32_t *index)
{
    if (!e || !model_data || !arena || !cfg) {
        return ES_ERR_ARG;
    }
    if (e->n_slots >= ES_WW_MAX_MODELS) {
        return ES_ERR_NO_MEMORY;
    }
    if (!(cfg->probability_cutoff > 0.0 && cfg->probability_cutoff < 1.0) || cfg->sliding_window_size < 1 ||
        cfg->sliding_window_size > ES_WW_MAX_WINDOW) {
        return ES_ERR_CONFIG;
    }
    es_ww_slot_t *s = &e->slots[e->n_slots];
    memset(s, 0, sizeof *s);
    es_status_t st = es_model_load(&s->model, model_data, model_size);
    if (st != ES_OK) {
        return st;
    }
    es_interp_options_t opts = {cfg->compat};
    st = es_interp_prepare(&s->interp, &s->model, e->hal, arena, arena_size, &opts);
    if (st != ES_OK) {
        return st;
    }
    if (es_interp_input_count(&s->interp) != 1 || es_interp_output_count(&s->interp) != 1) {
        return ES_ERR_SHAPE;
    }
    s->input = es_interp_input(&s->interp, 0);
    s->output = es_interp_output(&s->interp, 0);
    const es_tensor_t *in = s->input, *out = s->output;
    if (in->type != ES_DTYPE_INT8 || in->ndim != 3 || in->dims[0] != 1 || in->n_scales == 0 ||
        in->dims[1] < 1 || in->dims[1] > ES_WW_MAX_STRIDE || in->dims[2] != e->frontend.cfg.num_channels) {
        return ES_ERR_SHAPE;
    }
    if ((out->type != ES_DTYPE_UINT8 && out->type != ES_DTYPE_INT8) || out->bytes != 1 || out->n_scales == 0) {
        return ES_ERR_SHAPE;
    }
    s->stride = in->dims[1];
    s->channels = in->dims[2];
    s->cfg = *cfg;
    build_thresholds(s);
    if (index) {
        *index = e->n_slots;
    }
    e->n_slots++;
    return ES_OK;
}

static double output_value(const es_ww_slot_t *s, uint8_t raw)
{
    int32_t q = s->output->type == ES_DTYPE_UINT8 ? (int32_t)raw : (int32_t)(int8_t)raw;
    /* pymicro-wakeword dequantizes in float32, then averages exactly. */
    return (double)((float)(q - s->output->zero_point) * s->output->scale);
}

static double window_mean(const es_ww_slot_t *s)
{
    double sum = 0.0;
    for (int i = 0; i < s->n_probs; i++) {
        sum += output_value(s, s->probs[i]);
    }
    return s->n_probs ? sum / (double)s->n_probs : 0.0;
}

double es_ww_last_probability(const es_ww_engine_t *e, uint32_t index)
{
    if (!e || index >= e->n_slots) {
        return 0.0;
    }
    const es_ww_slot_t *s = &e->slots[index];
    return s->n_probs < s->cfg.sliding_window_size ? 0.0 : window_mean(s);
}

/* Push one feature frame into slot @s; returns 1 when a detection fires. */
static es_status_t slot_frame(es_ww_engine_t *e, es_ww_slot_t *s, int *fired, double *prob)
{
    *fired = 0;
    int8_t *dst = (int8_t *)s->input->data + (size_t)s->frames * (size_t)s->channels;
    for (int c = 0; c < s->channels; c++) {
        dst[c] = quantize_feature(s, e->features[c]);
    }
    if (++s->frames < s->stride) {
        return ES_OK;
    }
    s->frames = 0;
    uint64_t t0 = e->clock ? e->clock(e->clock_ctx) : 0;
    es_status_t st = es_interp_invoke(&s->interp);
    if (e->clock) {
        s->invoke_us += e->clock(e->clock_ctx) - t0;
    }
    if (st != ES_OK) {
        return st;
    }
    s->inferences++;
    int w = s->cfg.sliding_window_size;
    s->probs[s->probs_head] = *(const uint8_t *)s->output->data;
    s->probs_head = (s->probs_head + 1) % w;
    if (s->n_probs < w) {
        s->n_probs++;
    }
    if (s->n_probs < w) {
        return ES_OK;
    }
    double mean = window_mean(s);
    if (mean > s->cfg.probability_cutoff) {
        if (!s->has_event || e->samples - s->last_event >= s->cfg.refractory_samples ||
            s->cfg.refractory_samples == 0) {
            s->has_event = 1;
            s->last_event = e->samples;
            *fired = 1;
            *prob = mean;
        }
    }
    return ES_OK;
}

es_status_t es_ww_process(es_ww_engine_t *e, const int16_t *pcm, size_t n, size_t *consumed,
                          es_ww_event_t *events, size_t max_events, size_t *n_events)
{
    if (!e || (!pcm && n) || !consumed || !n_events || (!events && max_events)) {
        return ES_ERR_ARG;
    }
    *consumed = 0;
    *n_events = 0;
    size_t pos = 0;
    while (pos < n) {
        /* A frame can fire every model at once: keep room for all of them. */
        if (max_events - *n_events < e->n_slots) {
            break;
        }
        size_t used = 0;
        int produced = 0;
        uint64_t t0 = e->clock ? e->clock(e->clock_ctx) : 0;
        es_status_t st = es_frontend_process(&e->frontend, pcm + pos, n - pos, &used, e->features, &produced);
        if (e->clock) {
            e->frontend_us += e->clock(e->clock_ctx) - t0;
        }
        e->frames += produced ? 1u : 0u;
        if (st != ES_OK) {
            *consumed = pos;
            return st;
        }
        pos += used;
        e->samples += used;
        if (produced) {
            for (uint32_t m = 0; m < e->n_slots; m++) {
                int fired = 0;
                double prob = 0.0;
                st = slot_frame(e, &e->slots[m], &fired, &prob);
                if (st != ES_OK) {
                    *consumed = pos;
                    return st;
                }
                if (fired) {
                    es_ww_event_t *ev = &events[(*n_events)++];
                    ev->model = m;
                    ev->sample_index = e->samples;
                    ev->probability = prob;
                }
            }
        }
        if (used == 0 && !produced) {
            break; /* defensive: the frontend always consumes while input remains */
        }
    }
    *consumed = pos;
    return ES_OK;
}

es_status_t es_ww_reset(es_ww_engine_t *e)
{
    if (!e) {
        return ES_ERR_ARG;
    }
    es_frontend_reset(&e->frontend);
    e->samples = 0;
    e->frames = 0;
    e->frontend_us = 0;
    for (uint32_t m = 0; m < e->n_slots; m++) {
        es_ww_slot_t *s = &e->slots[m];
        s->frames = 0;
        s->n_probs = 0;
        s->probs_head = 0;
        s->has_event = 0;
        s->last_event = 0;
        s->inferences = 0;
        s->invoke_us = 0;
        memset(s->input->data, 0, s->input->bytes);
        es_status_t st = es_interp_reset(&s->interp);
        if (st != ES_OK) {
            return st;
        }
    }
    return ES_OK;
}

void es_ww_set_clock(es_ww_engine_t *e, es_ww_clock_fn clock, void *ctx)
{
    if (e) {
        e->clock = clock;
        e->clock_ctx = ctx;
    }
}

size_t es_ww_arena_used(const es_ww_engine_t *e, uint32_t index)
{
    if (!e || index >= e->n_slots) {
        return 0;
    }
    return es_interp_arena_used(&e->slots[index].interp);
}
