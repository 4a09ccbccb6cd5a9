/*
 * tslm_generate.h - text generation with a tinyslm language model's one-token step model and its
 * KV cache (tinyslm build lm). Compiled to nothing unless the project holds the model's
 * tslm_lm_config.h (written by tinyslm next to the compiled model).
 *
 * The step model's inputs are the token (one-hot), the position (one-hot), the cache rows already
 * written (1 for j < pos) and each layer's K and V cache (1 x heads x context x head_dim); its outputs
 * are the logits and each layer's new K and V rows. The caches ARE the model's input buffers: after
 * each step the new rows are written into them at row `pos` (heads x head_dim bytes per cache), in
 * place; the one-hots change two bytes each and `valid` one byte. Unwritten rows hold the cache's
 * zero point (a real zero).
 *
 * Sampling is integer-only and seeded (xorshift32): greedy (temperature 0 or top_k 1: the largest
 * logit, the lowest id on ties), or temperature (in thousandths) with top-k: weights from a table of
 * exp(-d * logit_scale) in Q16 indexed by d = (max - logit) * 1000 / temperature.
 *
 * Protocol (tslm_app): tinyslm-gen SEED N TEMP TOPK PROMPT%  (PROMPT: the rest of the line, with
 * \n for a newline and \\ for a backslash) answers
 *   m-gen-[c c c ...]              the generated text as it comes (same escapes, \] for ']')
 *   m-gen-done-[tokens]-[steps]-[ticks]-[tick_hz]
 * Generation starts from the end-of-document token, feeds the prompt, then samples up to N tokens,
 * stopping at the end of the document or of the context. `ticks` count the steps and the sampling,
 * not the serial output.
 */
#ifndef TSLM_GENERATE_H
#define TSLM_GENERATE_H

#include <stdint.h>

#if defined(__has_include)
#if __has_include("tslm_lm_config.h")
#define TSLM_GENERATE 1
#endif
#endif

typedef struct {
    uint32_t state;      /* xorshift32 state (never 0) */
    uint32_t temp_milli; /* temperature in thousandths; 0: greedy */
    uint32_t top_k;      /* 0: every token; 1: greedy */
} tslm_gen_sampler;

void tslm_gen_sampler_init(tslm_gen_sampler *s, uint32_t seed, uint32_t temp_milli, uint32_t top_k);

#ifdef TSLM_GENERATE
#include "tslm_lm_config.h"

/* Bind the model's buffers (inputs/outputs in the model's order) and clear the state. */
void tslm_gen_bind(void *const inputs[TSLM_LM_N_INPUTS], void *const outputs[TSLM_LM_N_OUTPUTS]);
void tslm_gen_reset(void);                 /* position 0, caches cleared (zero points) */
int tslm_gen_position(void);
int tslm_gen_step(int token);              /* 0; -1 bad token; -2 context full; -3 invoke failed */
const int8_t *tslm_gen_logits(void);       /* of the last step (TSLM_LM_VOCAB values) */
int tslm_gen_pick(tslm_gen_sampler *s, const int8_t *logits);
int tslm_gen_encode(char c);               /* token id of a character, -1 if none */
char tslm_gen_decode(int token);           /* '\0' for the end of document, '?' for unused ids */

typedef struct {
    void (*token)(void *ctx, int token); /* each sampled token (may be 0) */
    void (*stepped)(void *ctx);          /* after each step (logits ready) */
    void *ctx;
} tslm_gen_hooks;

/* Feed the prompt's tokens (the caller puts the end-of-document token first), then sample up to n
 * tokens, each fed back, stopping at the end of the context, or (stop_at_eos) before an
 * end-of-document token. The last sampled token is not fed. `ticks`: timer ticks in steps and
 * sampling only. Returns tslm_gen_step's code. */
int tslm_gen_run(const uint8_t *prompt, int n_prompt, uint32_t n, tslm_gen_sampler *s, int stop_at_eos,
                 const tslm_gen_hooks *hooks, uint32_t *made, uint64_t *ticks);

/* The protocol command (tslm_app.c): `args` is the text after "tinyslm-gen". */
#include "tslm_app.h"
void tslm_generate_command(const tslm_app_model *m, const char *args);
#endif

#endif /* TSLM_GENERATE_H */
