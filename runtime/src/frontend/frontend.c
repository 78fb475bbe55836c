/**
 * @file frontend.c
 * @brief Configuration, table generation and the per-frame pipeline of the
 *        fixed-point audio frontend (window -> FFT -> mel filterbank -> noise
 *        reduction -> PCAN -> log), value-for-value equal to TFLite Micro's.
 *
 * Only es_frontend_init() uses floating point (to build tables, with the same
 * float/double precision choices as the reference so that every quantised
 * table entry comes out identical). es_frontend_process() is integer only.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fe_internal.h"

/* ------------------------------------------------------------------------ */
/* Configuration                                                            */
/* ------------------------------------------------------------------------ */

void es_frontend_config_default(es_frontend_config_t *cfg)
{
    if (cfg == NULL) {
        return;
    }
    cfg->sample_rate = 16000;
    cfg->window_ms = 30;
    cfg->step_ms = 10;
    cfg->num_channels = 40;
    cfg->lower_band_hz = 125.0f;
    cfg->upper_band_hz = 7500.0f;
    cfg->nr_smoothing_bits = 10;
    cfg->nr_even_smoothing = 0.025f;
    cfg->nr_odd_smoothing = 0.06f;
    cfg->nr_min_signal_remaining = 0.05f;
    cfg->pcan_enable = 1;
    cfg->pcan_strength = 0.95f;
    cfg->pcan_offset = 80.0f;
    cfg->pcan_gain_bits = 21;
    cfg->log_enable = 1;
    cfg->log_scale_shift = 6;
}

static int in_unit_range(float v)
{
    return v >= 0.0f && v <= 1.0f; /* false for NaN */
}

/* ------------------------------------------------------------------------ */
/* Table generation (init only; floating point allowed here)                */
/* ------------------------------------------------------------------------ */

static void build_window(es_frontend_t *fe)
{
    const float step = (float)ES__FE_PI * 2.0f / (float)fe->window_size;
    for (int i = 0; i < fe->window_size; ++i) {
        const float angle = step * ((float)i + 0.5f);
        const float hann = 0.5f - 0.5f * cosf(angle);
        fe->window_coeffs[i] =
            (int16_t)floorf(hann * (float)(1 << ES__FE_WINDOW_BITS) + 0.5f);
    }
}

/* Mel scale in single precision, as the reference evaluates it. */
static float hz_to_mel(float hz)
{
    return 1127.0f * log1pf(hz / 700.0f);
}

/*
 * Triangular mel filterbank. Band c (0..num_channels) collects FFT bins whose
 * mel value lies in (edge[c-1], edge[c]]; within a band each bin gets a rising
 * weight w (to band c) and a falling weight 1 - w (carried into band c + 1).
 * Output channel c is band c+1's rising sum plus band c's falling sum.
 */
static es_status_t build_filterbank(es_frontend_t *fe)
{
    const int bands = fe->cfg.num_channels + 1;
    const int spectrum_size = fe->fft_size / 2 + 1;
    float edge[ES_FE_MAX_CHANNELS + 1];

    const float mel_low = hz_to_mel(fe->cfg.lower_band_hz);
    const float mel_high = hz_to_mel(fe->cfg.upper_band_hz);
    const float mel_step = (mel_high - mel_low) / (float)bands;
    for (int c = 0; c < bands; ++c) {
        /* Separate statements: keep the compiler from fusing into an FMA. */
        const float offset = mel_step * (float)(c + 1);
        edge[c] = mel_low + offset;
    }

    const float hz_per_bin = 0.5f * (float)fe->cfg.sample_rate / ((float)spectrum_size - 1.0f);
    const float start_f = 1.5f + fe->cfg.lower_band_hz / hz_per_bin;
    if (!(start_f < (float)spectrum_size)) {
        return ES_ERR_CONFIG;
    }
    const int start = (int)start_f;

    /* Pass 1: band boundaries. */
    int bin = start;
    for (int c = 0; c < bands; ++c) {
        const int first = bin;
        while (bin < spectrum_size && hz_to_mel((float)bin * hz_per_bin) <= edge[c]) {
            ++bin;
        }
        if (bin >= spectrum_size) {
            return ES_ERR_CONFIG; /* upper band edge at or above Nyquist */
        }
        fe->fb_channel_starts[c] = (int16_t)first;
        fe->fb_channel_widths[c] = (int16_t)(bin - first);
    }
    fe->fb_start_index = start;
    fe->fb_end_index = bin;

    /* Pass 2: per-bin weights, Q12, rounded half up. */
    memset(fe->fb_weights, 0, sizeof(fe->fb_weights));
    memset(fe->fb_unweights, 0, sizeof(fe->fb_unweights));
    for (int c = 0; c < bands; ++c) {
        const float lower_edge = (c == 0) ? mel_low : edge[c - 1];
        const int first = fe->fb_channel_starts[c];
        for (int j = 0; j < fe->fb_channel_widths[c]; ++j) {
            const int b = first + j;
            const float w =
                (edge[c] - hz_to_mel((float)b * hz_per_bin)) / (edge[c] - lower_edge);
            const float one = (float)(1 << ES__FE_FILTERBANK_BITS);
            fe->fb_weights[b] = (int16_t)floorf(w * one + 0.5f);
            fe->fb_unweights[b] = (int16_t)floorf((1.0f - w) * one + 0.5f);
        }
    }
    return ES_OK;
}

/* PCAN gain curve: 2^gain_bits * (x / 2^input_bits + offset)^-strength. */
static int16_t pcan_gain_at(const es_frontend_config_t *cfg, int input_bits, uint32_t x)
{
    const float xf = (float)x / (float)((uint32_t)1 << input_bits);
    const float gain = (float)((uint32_t)1 << cfg->pcan_gain_bits) *
                       powf(xf + cfg->pcan_offset, -cfg->pcan_strength);
    if (gain > 32767.0f) {
        return 32767;
    }
    return (int16_t)(gain + 0.5f);
}

/*
 * Piecewise quadratic fit of the gain curve: for inputs with b significant
 * bits (b >= 2) the curve is sampled at 2^(b-1), 1.5 * 2^(b-1) and 2^b (the
 * last segment stops at 2^32 - 1) and stored as y0 + a1 t + a2 t^2 coefficients.
 */
static void build_pcan(es_frontend_t *fe, int input_bits)
{
    const es_frontend_config_t *cfg = &fe->cfg;
    fe->pcan_gain_small[0] = pcan_gain_at(cfg, input_bits, 0u);
    fe->pcan_gain_small[1] = pcan_gain_at(cfg, input_bits, 1u);
    fe->pcan_gain_seg[0][0] = fe->pcan_gain_seg[0][1] = fe->pcan_gain_seg[0][2] = 0;
    fe->pcan_gain_seg[1][0] = fe->pcan_gain_seg[1][1] = fe->pcan_gain_seg[1][2] = 0;
    for (int b = 2; b <= ES__FE_PCAN_SEGMENTS; ++b) {
        const uint32_t lo = (uint32_t)1 << (b - 1);
        const uint32_t mid = lo + (lo >> 1);
        const uint32_t hi = (b == ES__FE_PCAN_SEGMENTS) ? lo + (lo - 1u) : 2u * lo;
        const int32_t y0 = pcan_gain_at(cfg, input_bits, lo);
        const int32_t y1 = pcan_gain_at(cfg, input_bits, mid);
        const int32_t y2 = pcan_gain_at(cfg, input_bits, hi);
        const int32_t a1 = 4 * (y1 - y0) - (y2 - y0);
        const int32_t a2 = (y2 - y0) - a1;
        fe->pcan_gain_seg[b][0] = (int16_t)y0;
        fe->pcan_gain_seg[b][1] = es__wrap16(a1);
        fe->pcan_gain_seg[b][2] = es__wrap16(a2);
    }
}

/* Correction term of a linear log2 approximation, rounded to Q16. */
static void build_log_lut(es_frontend_t *fe)
{
    const int segments = 1 << ES__FE_LOG_SEGMENTS_LOG2;
    for (int i = 0; i <= segments; ++i) {
        const double x = (double)i / (double)segments;
        const double corr = (log2(1.0 + x) - x) * (double)(1 << ES__FE_LOG_SCALE_LOG2);
        fe->log_lut[i] = (uint16_t)floor(corr + 0.5);
    }
}

es_status_t es_frontend_init(es_frontend_t *fe, const es_frontend_config_t *cfg)
{
    if (fe == NULL || cfg == NULL) {
        return ES_ERR_ARG;
    }
    if (cfg->sample_rate < 1000 || cfg->sample_rate > 192000 || cfg->window_ms <= 0 ||
        cfg->step_ms <= 0 || cfg->window_ms > 1000 || cfg->step_ms > cfg->window_ms) {
        return ES_ERR_CONFIG;
    }
    const long window = (long)cfg->window_ms * cfg->sample_rate / 1000L;
    const long step = (long)cfg->step_ms * cfg->sample_rate / 1000L;
    if (window < 3 || window > ES_FE_MAX_WINDOW || step < 1 || step > window) {
        return ES_ERR_CONFIG;
    }
    if (cfg->num_channels < 1 || cfg->num_channels > ES_FE_MAX_CHANNELS) {
        return ES_ERR_CONFIG;
    }
    if (!(cfg->lower_band_hz >= 0.0f) || !(cfg->upper_band_hz > cfg->lower_band_hz) ||
        !(cfg->upper_band_hz < 0.5f * (float)cfg->sample_rate)) {
        return ES_ERR_CONFIG;
    }
    if (cfg->nr_smoothing_bits < 0 || cfg->nr_smoothing_bits > 16 ||
        !in_unit_range(cfg->nr_even_smoothing) || !in_unit_range(cfg->nr_odd_smoothing) ||
        !in_unit_range(cfg->nr_min_signal_remaining)) {
        return ES_ERR_CONFIG;
    }
    if (cfg->log_scale_shift < 0 || cfg->log_scale_shift > 15) {
        return ES_ERR_CONFIG;
    }

    memset(fe, 0, sizeof(*fe));
    fe->cfg = *cfg;

    /* window */
    fe->window_size = (int)window;
    fe->window_step = (int)step;
    build_window(fe);

    /* fft */
    fe->fft_size = 1;
    while (fe->fft_size < fe->window_size) {
        fe->fft_size <<= 1;
    }
    es__fft_init(fe);
    fe->log_correction_bits =
        es__bit_length32((uint32_t)fe->fft_size) - 1 - ES__FE_FILTERBANK_BITS / 2;

    /* filterbank */
    es_status_t st = build_filterbank(fe);
    if (st != ES_OK) {
        return st;
    }

    /* noise reduction: Q14, truncated like the reference's float->uint16 */
    const float nr_one = (float)(1 << ES__FE_NR_BITS);
    fe->nr_even_smoothing = (uint16_t)(cfg->nr_even_smoothing * nr_one);
    fe->nr_odd_smoothing = (uint16_t)(cfg->nr_odd_smoothing * nr_one);
    fe->nr_min_signal_remaining = (uint16_t)(cfg->nr_min_signal_remaining * nr_one);

    /* pcan */
    if (cfg->pcan_enable) {
        const int input_bits = cfg->nr_smoothing_bits - fe->log_correction_bits;
        const int snr_shift = cfg->pcan_gain_bits - fe->log_correction_bits - ES__FE_PCAN_SNR_BITS;
        if (cfg->pcan_gain_bits < 0 || cfg->pcan_gain_bits > 31 || input_bits < 0 ||
            input_bits > 31 || snr_shift < 0 || snr_shift > 63 || !(cfg->pcan_offset >= 0.0f) ||
            !(cfg->pcan_strength >= 0.0f)) {
            return ES_ERR_CONFIG;
        }
        fe->pcan_snr_shift = snr_shift;
        build_pcan(fe, input_bits);
    }

    /* log */
    build_log_lut(fe);

    es_frontend_reset(fe);
    return ES_OK;
}

void es_frontend_reset(es_frontend_t *fe)
{
    if (fe == NULL) {
        return;
    }
    memset(fe->window_input, 0, sizeof(fe->window_input));
    memset(fe->window_output, 0, sizeof(fe->window_output));
    fe->input_used = 0;
    fe->max_abs_output = 0;
    memset(fe->fft_input, 0, sizeof(fe->fft_input));
    memset(fe->fft_output, 0, sizeof(fe->fft_output));
    memset(fe->fb_work, 0, sizeof(fe->fb_work));
    memset(fe->nr_estimate, 0, sizeof(fe->nr_estimate));
}

/* ------------------------------------------------------------------------ */
/* Per-frame pipeline (integer only)                                        */
/* ------------------------------------------------------------------------ */

/* Multiply the buffered window by the Hann coefficients; track the peak. */
static void apply_window(es_frontend_t *fe)
{
    int32_t peak = 0;
    for (int i = 0; i < fe->window_size; ++i) {
        const int16_t v =
            es__wrap16(((int32_t)fe->window_input[i] * fe->window_coeffs[i]) >> ES__FE_WINDOW_BITS);
        fe->window_output[i] = v;
        /* |v| as int16: |-32768| wraps to -32768 and never raises the peak. */
        const int32_t mag = (v < 0) ? -(int32_t)v : (int32_t)v;
        if (mag <= 32767 && mag > peak) {
            peak = mag;
        }
    }
    fe->max_abs_output = (int16_t)peak;
}

/* Integer square root rounded to nearest, capped at @p cap. */
static uint64_t isqrt_rounded(uint64_t num, uint64_t cap)
{
    uint64_t root = 0;
    int top = es__bit_length64(num) - 1;
    if (top < 0) {
        return 0;
    }
    uint64_t bit = (uint64_t)1 << (top & ~1); /* highest power of four <= num */
    while (bit != 0u) {
        const uint64_t trial = root + bit;
        if (num >= trial) {
            num -= trial;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    /* num now holds num - root^2; round up when that exceeds root */
    if (num > root && root != cap) {
        ++root;
    }
    return root;
}

/* Filterbank magnitude: sqrt of the accumulated energy. Values below 2^32 use
   the reference's 16-bit fast path whose rounding stops at 0xFFFF. */
static uint32_t filterbank_sqrt(uint64_t v)
{
    if ((v >> 32) == 0u) {
        return (uint32_t)isqrt_rounded(v, 0xFFFFu);
    }
    return (uint32_t)isqrt_rounded(v, 0xFFFFFFFFu);
}

static void filterbank(es_frontend_t *fe, int input_shift)
{
    const int16_t *spec = fe->fft_output;
    int32_t *energy = fe->energy;

    for (int b = fe->fb_start_index; b < fe->fb_end_index; ++b) {
        const int32_t re = spec[2 * b];
        const int32_t im = spec[2 * b + 1];
        /* Sum in uint32 (may reach 2^31); stored as int32 like the reference. */
        const uint32_t power = (uint32_t)(re * re) + (uint32_t)(im * im);
        energy[b] = (power > 0x7FFFFFFFu) ? (int32_t)(power - 0x80000000u) + INT32_MIN
                                          : (int32_t)power;
    }

    const int bands = fe->cfg.num_channels + 1;
    uint64_t carry = 0; /* falling-edge sum of the previous band */
    for (int c = 0; c < bands; ++c) {
        uint64_t rising = carry;
        uint64_t falling = 0;
        const int first = fe->fb_channel_starts[c];
        const int last = first + fe->fb_channel_widths[c];
        for (int b = first; b < last; ++b) {
            /* Energies convert to uint64 through sign extension. */
            const uint64_t e = (uint64_t)(int64_t)energy[b];
            rising += (uint64_t)(int64_t)fe->fb_weights[b] * e;
            falling += (uint64_t)(int64_t)fe->fb_unweights[b] * e;
        }
        fe->fb_work[c] = rising;
        carry = falling;
    }

    for (int ch = 0; ch < fe->cfg.num_channels; ++ch) {
        fe->fb_out[ch] = filterbank_sqrt(fe->fb_work[ch + 1]) >> input_shift;
    }
}

static void noise_reduction(es_frontend_t *fe)
{
    const int sbits = fe->cfg.nr_smoothing_bits;
    const uint32_t one = (uint32_t)1 << ES__FE_NR_BITS;
    for (int ch = 0; ch < fe->cfg.num_channels; ++ch) {
        const uint32_t alpha = (ch & 1) ? fe->nr_odd_smoothing : fe->nr_even_smoothing;
        const uint32_t x = fe->fb_out[ch];
        const uint32_t scaled = x << sbits;
        uint32_t est = (uint32_t)(((uint64_t)scaled * alpha +
                                   (uint64_t)fe->nr_estimate[ch] * (one - alpha)) >>
                                  ES__FE_NR_BITS);
        fe->nr_estimate[ch] = est;
        if (est > scaled) {
            est = scaled;
        }
        const uint32_t minimum =
            (uint32_t)(((uint64_t)x * fe->nr_min_signal_remaining) >> ES__FE_NR_BITS);
        const uint32_t cleaned = (scaled - est) >> sbits;
        fe->fb_out[ch] = (cleaned > minimum) ? cleaned : minimum;
    }
}

/* Gain for a noise estimate, interpolated from the piecewise quadratic table. */
static int16_t pcan_gain(const es_frontend_t *fe, uint32_t x)
{
    if (x <= 2u) {
        return (x == 2u) ? fe->pcan_gain_seg[2][0] : fe->pcan_gain_small[x];
    }
    const int bits = es__bit_length32(x);
    const int16_t *seg = fe->pcan_gain_seg[bits];
    /* 10-bit position of x within its octave */
    const uint32_t aligned = (bits < 11) ? (x << (11 - bits)) : (x >> (bits - 11));
    const int32_t t = (int32_t)(aligned & 0x3FFu);
    int32_t acc = ((int32_t)seg[2] * t) >> 5;
    /* two's-complement wrap-around throughout, as the reference's int32 math */
    acc = (int32_t)((uint32_t)acc + ((uint32_t)(int32_t)seg[1] << 5));
    acc = (int32_t)((uint32_t)acc * (uint32_t)t);
    acc = (int32_t)((uint32_t)acc + (1u << 14)) >> 15;
    acc += seg[0];
    return es__wrap16(acc);
}

static void pcan(es_frontend_t *fe)
{
    const int snr_bits = ES__FE_PCAN_SNR_BITS;
    const int out_bits = ES__FE_PCAN_OUTPUT_BITS;
    for (int ch = 0; ch < fe->cfg.num_channels; ++ch) {
        /* a negative int16 gain converts to uint32 through sign extension */
        const uint32_t gain = (uint32_t)(int32_t)pcan_gain(fe, fe->nr_estimate[ch]);
        const uint32_t snr = (uint32_t)(((uint64_t)fe->fb_out[ch] * gain) >> fe->pcan_snr_shift);
        uint32_t shrunk;
        if (snr < ((uint32_t)2 << snr_bits)) {
            shrunk = (snr * snr) >> (2 + 2 * snr_bits - out_bits);
        } else {
            shrunk = (snr >> (snr_bits - out_bits)) - ((uint32_t)1 << out_bits);
        }
        fe->fb_out[ch] = shrunk;
    }
}

/* Natural log of x (x >= 2) in Q(scale_shift), via a table-corrected log2. */
static uint32_t fixed_log(const es_frontend_t *fe, uint32_t x, int scale_shift)
{
    const int q = ES__FE_LOG_SCALE_LOG2;
    const int whole = es__bit_length32(x) - 1;
    /* mantissa bits below the leading one, aligned to Q16 */
    int32_t frac = (int32_t)(x - ((uint32_t)1 << whole));
    if (whole < q) {
        frac = (int32_t)((uint32_t)frac << (q - whole));
    } else {
        frac >>= (whole - q);
    }
    const int seg_shift = q - ES__FE_LOG_SEGMENTS_LOG2;
    const int32_t seg = frac >> seg_shift;
    const int32_t c0 = fe->log_lut[seg];
    const int32_t c1 = fe->log_lut[seg + 1];
    const int32_t within = frac - (seg << seg_shift);
    const int32_t interp = ((c1 - c0) * within) >> q;
    const uint32_t log2_frac = (uint32_t)(frac + c0 + interp);
    const uint32_t log2_q16 = ((uint32_t)whole << q) + log2_frac;
    const uint32_t half = (uint32_t)1 << (q - 1);
    const uint32_t ln_q16 = (uint32_t)(((uint64_t)ES__FE_LOG_COEFF * log2_q16 + half) >> q);
    return ((ln_q16 << scale_shift) + half) >> q;
}

static void log_scale(es_frontend_t *fe, uint16_t *features)
{
    const int corr = fe->log_correction_bits;
    for (int ch = 0; ch < fe->cfg.num_channels; ++ch) {
        uint32_t v = fe->fb_out[ch];
        if (fe->cfg.log_enable) {
            v = (corr < 0) ? (v >> -corr) : (v << corr);
            v = (v > 1u) ? fixed_log(fe, v, fe->cfg.log_scale_shift) : 0u;
        }
        features[ch] = (uint16_t)((v < 0xFFFFu) ? v : 0xFFFFu);
    }
}

es_status_t es_frontend_process(es_frontend_t *fe, const int16_t *samples, size_t n,
                                size_t *consumed, uint16_t *features, int *produced)
{
    if (consumed != NULL) {
        *consumed = 0;
    }
    if (produced != NULL) {
        *produced = 0;
    }
    if (fe == NULL || consumed == NULL || produced == NULL || features == NULL ||
        (samples == NULL && n > 0u)) {
        return ES_ERR_ARG;
    }

    /* Fill the window buffer. */
    size_t room = (size_t)(fe->window_size - fe->input_used);
    size_t take = (n < room) ? n : room;
    if (take > 0u) {
        memcpy(&fe->window_input[fe->input_used], samples, take * sizeof(*samples));
    }
    fe->input_used += (int)take;
    *consumed = take;
    if (fe->input_used < fe->window_size) {
        return ES_OK;
    }

    apply_window(fe);
    memmove(fe->window_input, fe->window_input + fe->window_step,
            (size_t)(fe->window_size - fe->window_step) * sizeof(fe->window_input[0]));
    fe->input_used -= fe->window_step;

    /* Normalise the window so its peak uses the full int16 range. */
    const int input_shift = 15 - es__bit_length32((uint32_t)fe->max_abs_output);
    for (int i = 0; i < fe->window_size; ++i) {
        fe->fft_input[i] =
            es__wrap16((int32_t)((uint32_t)(uint16_t)fe->window_output[i] << input_shift));
    }
    for (int i = fe->window_size; i < fe->fft_size; ++i) {
        fe->fft_input[i] = 0;
    }
    es__fft_real(fe);

    filterbank(fe, input_shift);
    noise_reduction(fe);
    if (fe->cfg.pcan_enable) {
        pcan(fe);
    }
    log_scale(fe, features);
    *produced = 1;
    return ES_OK;
}
