/* tslm_frontend.c - see tslm_frontend.h. Portable C99, float32, no allocation. */
#include "tslm_frontend.h"

#include <math.h>

#include "tslm_rfft.h"

size_t tslm_frontend_work_floats(const tslm_frontend_config *cfg)
{
    return cfg->fft_size;
}

size_t tslm_frontend_num_frames(const tslm_frontend_config *cfg, size_t n)
{
    if (cfg->clip_samples) {
        n = cfg->clip_samples;
    }
    return n < cfg->frame_length ? 0 : 1 + (n - cfg->frame_length) / cfg->frame_step;
}

float tslm_frontend_gain(const tslm_frontend_config *cfg, const int16_t *pcm, size_t n)
{
    if (!cfg->peak_normalize) {
        return 1.0f / 32768.0f;
    }
    if (cfg->clip_samples && n > cfg->clip_samples) {
        n = cfg->clip_samples;
    }
    int32_t peak = 0;
    for (size_t i = 0; i < n; i++) {
        if (pcm[i] > peak) {
            peak = pcm[i];
        }
    }
    return peak > 0 ? 1.0f / (float)peak : 1.0f / 32768.0f;
}

int8_t tslm_frontend_quantize(const tslm_frontend_config *cfg, float value)
{
    const float r = roundf(value / cfg->scale); /* half away from zero */
    const float q = r + (float)cfg->zero_point;
    return (int8_t)(q < -128.0f ? -128 : (q > 127.0f ? 127 : (int32_t)q));
}

void tslm_frontend_frame_float(const tslm_frontend_config *cfg, const int16_t *frame, size_t avail, float gain,
                               float *work, float *out_float)
{
    const size_t n = cfg->fft_size;
    const size_t len = cfg->frame_length;
    if (avail > len) {
        avail = len;
    }
    /* windowed frame, zero-padded: work[0..n-1] */
    for (size_t i = 0; i < avail; i++) {
        work[i] = (float)frame[i] * gain * cfg->window[i];
    }
    for (size_t i = avail; i < n; i++) {
        work[i] = 0.0f;
    }
    /* spectrum: work[0..n/2] */
    tslm_rfft_magnitude(work, n, cfg->twiddle, cfg->power_spectrum);

    /* log mel energies: work[n/2 + 1 .. n/2 + num_mels] (free after the FFT) */
    float *logmel = work + n / 2 + 1;
    const float *w = cfg->mel_weights;
    for (size_t b = 0; b < cfg->num_mels; b++) {
        const float *spec = work + cfg->mel_first[b];
        float acc = 0.0f;
        for (size_t j = 0; j < cfg->mel_count[b]; j++) {
            acc += w[j] * spec[j];
        }
        w += cfg->mel_count[b];
        logmel[b] = cfg->log_db ? 10.0f * log10f(acc + cfg->log_offset) : logf(acc + cfg->log_offset);
    }

    if (cfg->dct == NULL) {
        for (size_t b = 0; b < cfg->num_out; b++) {
            out_float[b] = logmel[b];
        }
        return;
    }
    for (size_t c = 0; c < cfg->num_out; c++) {
        const float *row = cfg->dct + c * cfg->num_mels;
        float acc = 0.0f;
        for (size_t b = 0; b < cfg->num_mels; b++) {
            acc += row[b] * logmel[b];
        }
        out_float[c] = acc;
    }
}

void tslm_frontend_frame(const tslm_frontend_config *cfg, const int16_t *frame, size_t avail, float gain,
                         float *work, int8_t *out)
{
    /* the features go to the tail of the work buffer (free: the spectrum and mels use
     * work[0 .. n/2 + num_mels]; num_out <= num_mels <= n/2 - 1) */
    float *feat = work + cfg->fft_size - cfg->num_out;
    tslm_frontend_frame_float(cfg, frame, avail, gain, work, feat);
    for (size_t c = 0; c < cfg->num_out; c++) {
        out[c] = tslm_frontend_quantize(cfg, feat[c]);
    }
}

size_t tslm_frontend_clip(const tslm_frontend_config *cfg, const int16_t *pcm, size_t n, float *work,
                          int8_t *out)
{
    const size_t frames = tslm_frontend_num_frames(cfg, n);
    const size_t used = cfg->clip_samples && n > cfg->clip_samples ? cfg->clip_samples : n;
    const float gain = tslm_frontend_gain(cfg, pcm, used);
    for (size_t f = 0; f < frames; f++) {
        const size_t start = f * cfg->frame_step;
        const size_t avail = start >= used ? 0 : used - start;
        tslm_frontend_frame(cfg, pcm + (start < used ? start : 0), avail, gain, work, out + f * cfg->num_out);
    }
    return frames;
}
