/**
 * @file frontend.h
 * @brief Fixed-point audio frontend, value-for-value equal to the TFLite Micro
 *        "micro frontend" (window, FFT, mel filterbank, noise reduction, PCAN,
 *        log scale) as microWakeWord and pymicro-features configure it.
 *
 * The state lives in a caller-owned ::es_frontend_t (no allocation). Tables are
 * generated once by es_frontend_init(); es_frontend_process() only computes.
 */
#ifndef EARSHOT_FRONTEND_H
#define EARSHOT_FRONTEND_H

#include <stddef.h>
#include <stdint.h>

#include "earshot/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest analysis window in samples (32 ms at 16 kHz). */
#define ES_FE_MAX_WINDOW 512
/** Largest FFT size (power of two >= window). */
#define ES_FE_MAX_FFT 512
/** Largest number of filterbank channels. */
#define ES_FE_MAX_CHANNELS 64

/** Frontend configuration; es_frontend_config_default() gives microWakeWord's. */
typedef struct es_frontend_config {
    int sample_rate;            /**< Hz; 16000. */
    int window_ms;              /**< Analysis window, 30. */
    int step_ms;                /**< Hop, 10. */
    int num_channels;           /**< Mel channels, 40. */
    float lower_band_hz;        /**< 125. */
    float upper_band_hz;        /**< 7500. */
    int nr_smoothing_bits;      /**< Noise reduction smoothing bits, 10. */
    float nr_even_smoothing;    /**< 0.025. */
    float nr_odd_smoothing;     /**< 0.06. */
    float nr_min_signal_remaining; /**< 0.05. */
    int pcan_enable;            /**< 1. */
    float pcan_strength;        /**< 0.95. */
    float pcan_offset;          /**< 80. */
    int pcan_gain_bits;         /**< 21. */
    int log_enable;             /**< 1. */
    int log_scale_shift;        /**< 6. */
} es_frontend_config_t;

/**
 * Frontend state. Treat as opaque; its size is fixed at compile time so it can
 * live in static RAM, on the stack of a task, or inside another struct.
 */
typedef struct es_frontend {
    es_frontend_config_t cfg;
    /* window */
    int window_size;            /* samples per analysis window */
    int window_step;            /* samples per hop */
    int input_used;             /* samples currently buffered in window_input */
    int16_t window_coeffs[ES_FE_MAX_WINDOW];  /* Hann window, Q12 */
    int16_t window_input[ES_FE_MAX_WINDOW];
    int16_t window_output[ES_FE_MAX_WINDOW];
    int16_t max_abs_output;
    /* fft (int16 fixed point real FFT; complex values interleaved re, im) */
    int fft_size;               /* real FFT length, power of two */
    int fft_stages;             /* number of (radix, length) pairs in fft_factors */
    int16_t fft_input[ES_FE_MAX_FFT];
    int16_t fft_output[ES_FE_MAX_FFT + 2];     /* fft_size/2 + 1 bins */
    int16_t fft_twiddles[ES_FE_MAX_FFT];       /* fft_size/2 complex twiddles */
    int16_t fft_super_twiddles[ES_FE_MAX_FFT / 2]; /* fft_size/4 split twiddles */
    int16_t fft_scratch[ES_FE_MAX_FFT];        /* fft_size/2 complex work values */
    int fft_factors[32];        /* radix, remaining length, radix, ... */
    /* filterbank */
    int fb_start_index;         /* first FFT bin used (DC excluded) */
    int fb_end_index;           /* one past the last FFT bin used */
    int16_t fb_channel_starts[ES_FE_MAX_CHANNELS + 1]; /* first bin of each band */
    int16_t fb_channel_widths[ES_FE_MAX_CHANNELS + 1]; /* bins in each band */
    int16_t fb_weights[ES_FE_MAX_FFT / 2 + 1];   /* Q12 rising weight per bin */
    int16_t fb_unweights[ES_FE_MAX_FFT / 2 + 1]; /* Q12 falling weight per bin */
    int32_t energy[ES_FE_MAX_FFT / 2 + 1];
    uint64_t fb_work[ES_FE_MAX_CHANNELS + 1];
    uint32_t fb_out[ES_FE_MAX_CHANNELS];
    /* noise reduction (Q14 coefficients) */
    uint16_t nr_even_smoothing;
    uint16_t nr_odd_smoothing;
    uint16_t nr_min_signal_remaining;
    uint32_t nr_estimate[ES_FE_MAX_CHANNELS];
    /* pcan: gain for inputs 0 and 1, then per bit-length segment (2..32) the
       quadratic coefficients y0, a1, a2 */
    int16_t pcan_gain_small[2];
    int16_t pcan_gain_seg[33][3];
    int pcan_snr_shift;
    /* log scale */
    int log_correction_bits;    /* MSB(fft_size) - 1 - 6 */
    uint16_t log_lut[129];      /* Q16 of log2(1 + i/128) - i/128 */
} es_frontend_t;

/** Fill @p cfg with microWakeWord's configuration (see field comments). */
void es_frontend_config_default(es_frontend_config_t *cfg);

/**
 * Validate @p cfg and build all tables into @p fe.
 * @return ES_OK, ES_ERR_ARG for NULL pointers, ES_ERR_CONFIG when a value is out
 *         of range or the window/FFT/channel count exceeds the compile-time maxima.
 */
es_status_t es_frontend_init(es_frontend_t *fe, const es_frontend_config_t *cfg);

/** Forget all audio seen so far (window contents, noise estimates). */
void es_frontend_reset(es_frontend_t *fe);

/**
 * Consume up to @p n samples and produce at most one feature frame.
 *
 * Mirrors TFLM's FrontendProcessSamples: the call consumes samples until the
 * next full window is available (or input runs out). Loop until @p n samples
 * are consumed to feed a chunk of any size.
 *
 * @param samples   16-bit mono PCM at cfg.sample_rate.
 * @param n         number of samples available.
 * @param consumed  out: samples consumed by this call (<= n).
 * @param features  out: cfg.num_channels values, written only when a frame is produced.
 * @param produced  out: 1 when @p features holds a new frame, else 0.
 * @return ES_OK or ES_ERR_ARG.
 */
es_status_t es_frontend_process(es_frontend_t *fe, const int16_t *samples, size_t n,
                                size_t *consumed, uint16_t *features, int *produced);

#ifdef __cplusplus
}
#endif

#endif /* EARSHOT_FRONTEND_H */
