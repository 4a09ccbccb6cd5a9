/* tslm_signal_framing.h - TFLM's signal library: windowing, delay, framing, stacking and overlap-add of
 * sample rows. */
#ifndef TSLM_SIGNAL_FRAMING_H
#define TSLM_SIGNAL_FRAMING_H

#include <stdbool.h>

#include "tslm_common.h"

typedef struct {
    int32_t rows;   /* input samples / size */
    int32_t size;   /* window length */
    int32_t shift;  /* the window is Q(shift) */
} tslm_signal_window_params;

/* output[r][i] = saturate_int16((input[r][i] * window[i]) >> shift): SignalWindow. */
void tslm_signal_window_s16(const tslm_signal_window_params *p, const int16_t *input, const int16_t *window,
                            int16_t *output);

typedef struct {
    int32_t rows;          /* product of the outer dimensions */
    int32_t frame_size;    /* samples per row and invocation */
    int32_t delay_length;  /* samples of delay; the state holds that many per row */
} tslm_signal_delay_params;

/* Each row's samples delayed by delay_length: output = (state, input)[0 : frame_size], state = the last
 * delay_length samples of (state, input). state: int16[rows][delay_length], zeros after reset (TFLM's
 * zero prefill); NULL when delay_length is 0. SignalDelay. */
void tslm_signal_delay_s16(const tslm_signal_delay_params *p, const int16_t *input, int16_t *state,
                           int16_t *output);

typedef struct {
    int32_t rows;        /* product of the input's outer dimensions */
    int32_t n_frames;    /* frames per row and invocation: input row length / frame_step */
    int32_t frame_size;  /* samples per frame */
    int32_t frame_step;  /* samples between the starts of two frames */
    int32_t capacity;    /* samples kept per row: frame_size rounded up to a multiple of frame_step */
    int32_t prefill;     /* samples of zeros the stream starts with: frame_size - frame_step, or 0 */
} tslm_signal_framer_params;

/* Each row is a stream (prefill zeros, then every invocation's samples); frame k of a row is the stream's
 * samples [k * frame_step, k * frame_step + frame_size), emitted once they have all arrived. output:
 * int16[rows][n_frames][frame_size]; a frame that has not arrived yet is left as it was (TFLM writes nothing
 * there either) and *valid is false, else true. state: int16[rows][capacity], the samples not yet consumed
 * per row; fill: int32[1], how many samples past `prefill` the state holds. All zero after reset (TFLM's
 * state after Prepare/Reset). SignalFramer. */
void tslm_signal_framer_s16(const tslm_signal_framer_params *p, const int16_t *input, int16_t *state,
                            int32_t *fill, int16_t *output, bool *valid);

typedef struct {
    int32_t channels;       /* samples per input frame */
    int32_t left_context;   /* frames before the centre frame */
    int32_t right_context;  /* frames after it */
    int32_t step;           /* frames dropped after each stack emitted */
} tslm_signal_stacker_params;

/* Stacks (left_context + 1 + right_context) successive frames into one output, every `step` frames; the
 * first frame after a reset counts (left_context + 1) times. When no full stack is there, the output is left
 * as it was (as TFLM leaves it) and *valid is false. state: int16[(left + right + 1) * channels], the frames
 * kept; counters: int32[2] {started, samples kept}. All zero after reset. SignalStacker. */
void tslm_signal_stacker_s16(const tslm_signal_stacker_params *p, const int16_t *input, int16_t *state,
                             int32_t *counters, int16_t *output, bool *valid);

typedef struct {
    int32_t rows;        /* product of the input's outer dimensions (all but the last two) */
    int32_t n_frames;    /* frames per row and invocation */
    int32_t frame_size;  /* samples per input frame */
    int32_t frame_step;  /* samples out per frame */
} tslm_signal_overlap_add_params;

/* Per frame: the frame added into the row's accumulator (state[rows][frame_size], zeros after reset), its
 * first frame_step samples out, the accumulator shifted down by frame_step with zeros behind. int16 adds
 * saturate; float32 adds are single IEEE adds, in TFLM's order. SignalOverlapAdd. */
void tslm_signal_overlap_add_s16(const tslm_signal_overlap_add_params *p, const int16_t *input, int16_t *state,
                                 int16_t *output);
void tslm_signal_overlap_add_f32(const tslm_signal_overlap_add_params *p, const float *input, float *state,
                                 float *output);

#endif /* TSLM_SIGNAL_FRAMING_H */
