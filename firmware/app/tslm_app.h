/*
 * tslm_app.h - the device side of the MLPerf Tiny / EEMBC DUT serial protocol,
 * for any tinyslm-generated model.
 *
 * Commands end with '%'. Each is answered by `m-...` lines (or one `e-[...]`
 * line on error) and always closed by `m-ready`:
 *   name | profile | help | timestamp
 *   db load N | db HEX... | db print [N] [offset]
 *   infer N [W]      run W warm-up and N timed inferences on the loaded input
 *   results          the last outputs, dequantized: m-results-[a,b,...] (each as printf("%0.3f"))
 * and tinyslm's own:
 *   tinyslm-info     model, tensors, quantization, arena, build id, board
 *   tinyslm-ticks    timer ticks of the last `infer` (total, count, tick rate)
 *   tinyslm-raw      the last outputs as raw bytes (hex)
 *   tinyslm-pcm      the db buffer holds int16 PCM (db load 2N, db HEX...): compute the
 *                    features on the device (firmware/frontend), run the model, print results
 *                    and the ticks spent in each (firmware built with a frontend only)
 *   tinyslm-bin N    like `db load N`, then the next N bytes are the data itself, raw (half the
 *                    characters of `db HEX`); after the last one: m-load-done, m-ready. A load
 *                    that stalls (no byte for TSLM_APP_BIN_TIMEOUT_MS, 100 ms) ends with an
 *                    e-[...] reply (see tslm_app_idle) and must be done again
 *   tinyslm-load N   like `db load N` (then `db HEX...`), but the bytes are always the input
 *                    tensors as they are, also in MLPerf firmware (see below)
 * MLPerf Tiny firmware (model->mlperf set, `tinyslm firmware --mlperf`) answers `profile` with the
 * benchmark's name, and `db load` takes the benchmark's input, converted at `infer` as the reference
 * submission does: kws01 int8 features as they are; ad01 float32 values quantized with the input's
 * scale and zero point; ic01 and vww01 image bytes 0..255 minus 128. Its results are the reference's:
 * kws01 each value truncated to 3 decimals; ad01 ONE score, the mean squared error between the
 * dequantized output and the input window; ic01 and vww01 printf("%0.3f") of each value (vww01 with a
 * comma after each). Loads made with tinyslm-bin / tinyslm-load are tensor bytes and run as in any
 * firmware (ad01's score then compares with the dequantized input tensor).
 * Time stamps (m-lap-us-) are ticks * lap_num / lap_den: microseconds of the board's timer, or for a
 * board run in QEMU (-icount shift=0: one instruction per virtual ns) the instructions at the board's
 * clock, one instruction per cycle.
 * Malformed, oversized or unknown input gets an e-[...] reply; the device
 * keeps serving. No heap: all buffers are static, sized by the model.
 */
#ifndef TSLM_APP_H
#define TSLM_APP_H

#include <stddef.h>
#include <stdint.h>

/* What firmware answers as: tinyslm's own protocol only, or also an MLPerf Tiny benchmark's. */
enum { TSLM_MLPERF_NONE = 0, TSLM_MLPERF_KWS01, TSLM_MLPERF_AD01, TSLM_MLPERF_IC01, TSLM_MLPERF_VWW01 };

typedef struct {
    const char *name;   /* tensor name in the model */
    const char *dtype;  /* "int8", "int16", "int32", "float32" */
    const char *shape;  /* "1x49x10x1" */
    float scale;        /* real = scale * (q - zero_point) */
    int32_t zero_point;
    uint32_t bytes;
    void *buffer;       /* the tensor's buffer in RAM */
} tslm_app_tensor;

typedef struct {
    const char *model_name;
    const char *model_sha256;
    const char *board;
    const char *build_id;
    const char *build_tag; /* "tinyslm-build:board=...;build=...;model=..." */
    uint32_t arena_bytes;
    uint32_t tick_hz;
    int n_inputs, n_outputs;
    const tslm_app_tensor *inputs, *outputs;
    uint8_t *db;          /* db buffer: every input, back to back */
    uint32_t db_capacity; /* sum of input bytes */
    int (*invoke)(const void *const inputs[], void *const outputs[]);
    /* Raw audio: bytes of int16 PCM the db buffer can take (0: no frontend), and the
     * frontend turning `samples` of it into the first input tensor (0 on success). */
    uint32_t pcm_capacity;
    int (*features)(const int16_t *pcm, uint32_t samples, void *input);
    const char *profile_name; /* `profile`'s m-model-[...]: the benchmark (kws01, ...) or the model's own name */
    int mlperf;               /* TSLM_MLPERF_*: the benchmark `db load` and `results` follow, or NONE */
    uint32_t mlperf_bytes;    /* bytes of one benchmark input (`db load N`; ad01: 4 per float32) */
    uint32_t lap_num, lap_den; /* m-lap-us = ticks * lap_num / lap_den */
} tslm_app_model;

/* Serve commands forever (after the boot lines of tslm_app_banner). */
void tslm_app_run(const tslm_app_model *model);

/* The boot lines: MLPerf firmware's m-timestamp-mode-performance and a time stamp, then m-init-done
 * and m-ready. */
void tslm_app_banner(const tslm_app_model *model);

/* One byte of input; returns 1 when a command completed (for host tests). */
int tslm_app_feed(const tslm_app_model *model, char c);

/* Call when no byte is waiting: ends a binary load (tinyslm-bin) that got no byte for
 * TSLM_APP_BIN_TIMEOUT_MS of tslm_app_ticks, with an e-[...] reply; returns 1 then.
 * tslm_app_run does this itself. */
int tslm_app_idle(const tslm_app_model *model);

/* Output hook and clock, provided by the board (or a host test harness). */
void tslm_app_putc(char c);
uint64_t tslm_app_ticks(void);
void tslm_app_ticks_sync(void); /* align the timer phase before a timed run (may do nothing) */
int tslm_app_getc(void);

#endif /* TSLM_APP_H */
