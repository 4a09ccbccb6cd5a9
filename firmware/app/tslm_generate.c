/*
 * tslm_generate.c - see tslm_generate.h. No heap: the state is a position, the buffers are the
 * model's own input and output buffers.
 */
#include "tslm_generate.h"

#include <string.h>

void tslm_gen_sampler_init(tslm_gen_sampler *s, uint32_t seed, uint32_t temp_milli, uint32_t top_k)
{
    s->state = seed * 2654435761u + 0x9e3779b9u;
    if (s->state == 0u) {
        s->state = 1u;
    }
    s->temp_milli = temp_milli;
    s->top_k = top_k;
}

#ifdef TSLM_GENERATE
#include TSLM_LM_MODEL_HEADER

#define ROW_BYTES (TSLM_LM_HEADS * TSLM_LM_HEAD_DIM)

static void *const *in_buf;
static void *const *out_buf;
static int pos;
static int last_token;

void tslm_gen_bind(void *const inputs[TSLM_LM_N_INPUTS], void *const outputs[TSLM_LM_N_OUTPUTS])
{
    in_buf = inputs;
    out_buf = outputs;
    tslm_gen_reset();
}

void tslm_gen_reset(void)
{
    for (int c = 0; c < 2 * TSLM_LM_LAYERS; ++c) {
        memset(in_buf[tslm_lm_cache_in[c]], tslm_lm_cache_zero[c], (size_t)TSLM_LM_CONTEXT * ROW_BYTES);
    }
    memset(in_buf[TSLM_LM_IN_TOK], TSLM_LM_TOK_ZERO, TSLM_LM_VOCAB);
    memset(in_buf[TSLM_LM_IN_POS], TSLM_LM_POS_ZERO, TSLM_LM_CONTEXT);
    memset(in_buf[TSLM_LM_IN_VALID], TSLM_LM_VALID_ZERO, TSLM_LM_CONTEXT);
    ((int8_t *)in_buf[TSLM_LM_IN_POS])[0] = TSLM_LM_POS_ONE;
    pos = 0;
    last_token = 0;
}

int tslm_gen_position(void) { return pos; }

int tslm_gen_step(int token)
{
    if (token < 0 || token >= TSLM_LM_VOCAB) {
        return -1;
    }
    if (pos >= TSLM_LM_CONTEXT) {
        return -2;
    }
    int8_t *tok = (int8_t *)in_buf[TSLM_LM_IN_TOK];
    tok[last_token] = TSLM_LM_TOK_ZERO;
    tok[token] = TSLM_LM_TOK_ONE;
    last_token = token;
    if (TSLM_LM_INVOKE((const void *const *)in_buf, out_buf) != 0) {
        return -3;
    }
    /* the new K/V rows go to row `pos` of each cache, head by head: (1, H, C, Dh) */
    for (int c = 0; c < 2 * TSLM_LM_LAYERS; ++c) {
        int8_t *cache = (int8_t *)in_buf[tslm_lm_cache_in[c]];
        const int8_t *row = (const int8_t *)out_buf[tslm_lm_cache_out[c]];
        for (int h = 0; h < TSLM_LM_HEADS; ++h) {
            memcpy(cache + ((size_t)h * TSLM_LM_CONTEXT + (size_t)pos) * TSLM_LM_HEAD_DIM, row + h * TSLM_LM_HEAD_DIM,
                   TSLM_LM_HEAD_DIM);
        }
    }
    int8_t *onehot = (int8_t *)in_buf[TSLM_LM_IN_POS];
    ((int8_t *)in_buf[TSLM_LM_IN_VALID])[pos] = TSLM_LM_VALID_ONE;
    onehot[pos] = TSLM_LM_POS_ZERO;
    ++pos;
    if (pos < TSLM_LM_CONTEXT) {
        onehot[pos] = TSLM_LM_POS_ONE;
    }
    return 0;
}

const int8_t *tslm_gen_logits(void) { return (const int8_t *)out_buf[TSLM_LM_OUT_LOGITS]; }

static uint32_t next_random(tslm_gen_sampler *s)
{
    uint32_t x = s->state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s->state = x;
    return x;
}

int tslm_gen_pick(tslm_gen_sampler *s, const int8_t *logits)
{
    /* only ids of the tokenizer (the vocabulary is padded to a multiple of 8) */
    int best = 0;
    for (int i = 1; i < TSLM_LM_TOKENS; ++i) {
        if (logits[i] > logits[best]) {
            best = i;
        }
    }
    if (s->temp_milli == 0u || s->top_k == 1u) {
        return best;
    }
    uint8_t taken[TSLM_LM_TOKENS];
    int order[TSLM_LM_TOKENS];
    memset(taken, 0, sizeof taken);
    const int k = (s->top_k == 0u || s->top_k > (uint32_t)TSLM_LM_TOKENS) ? TSLM_LM_TOKENS : (int)s->top_k;
    uint32_t weight[TSLM_LM_TOKENS];
    uint32_t total = 0u;
    for (int j = 0; j < k; ++j) { /* the k largest, larger first, lower id first on ties */
        int m = -1;
        for (int i = 0; i < TSLM_LM_TOKENS; ++i) {
            if (!taken[i] && (m < 0 || logits[i] > logits[m])) {
                m = i;
            }
        }
        taken[m] = 1u;
        order[j] = m;
        uint32_t d = (uint32_t)(logits[best] - logits[m]) * 1000u / s->temp_milli;
        weight[j] = tslm_lm_exp_q16[d > 255u ? 255u : d];
        total += weight[j];
    }
    if (total == 0u) {
        return best;
    }
    uint32_t r = next_random(s) % total;
    for (int j = 0; j < k; ++j) {
        if (r < weight[j]) {
            return order[j];
        }
        r -= weight[j];
    }
    return best;
}

int tslm_gen_encode(char c)
{
    for (int i = 0; tslm_lm_chars[i] != '\0'; ++i) {
        if (tslm_lm_chars[i] == c) {
            return i + 1;
        }
    }
    return -1;
}

char tslm_gen_decode(int token)
{
    if (token == 0) {
        return '\0';
    }
    return (token > 0 && token < TSLM_LM_TOKENS) ? tslm_lm_chars[token - 1] : '?';
}

int tslm_gen_run(const uint8_t *prompt, int n_prompt, uint32_t n, tslm_gen_sampler *s, int stop_at_eos,
                 const tslm_gen_hooks *hooks, uint32_t *made, uint64_t *ticks)
{
    int rc = 0;
    *made = 0u;
    tslm_app_ticks_sync();
    uint64_t t0 = tslm_app_ticks();
    for (int i = 0; i < n_prompt && rc == 0; ++i) {
        rc = tslm_gen_step(prompt[i]);
        if (rc == 0 && hooks->stepped != 0) {
            hooks->stepped(hooks->ctx);
        }
    }
    *ticks = tslm_app_ticks() - t0;
    while (rc == 0 && *made < n) {
        t0 = tslm_app_ticks();
        const int tok = tslm_gen_pick(s, tslm_gen_logits());
        *ticks += tslm_app_ticks() - t0;
        if (tok == 0 && stop_at_eos) {
            break;
        }
        ++*made;
        if (hooks->token != 0) {
            hooks->token(hooks->ctx, tok);
        }
        if (*made == n || tslm_gen_position() >= TSLM_LM_CONTEXT) {
            break;
        }
        t0 = tslm_app_ticks();
        rc = tslm_gen_step(tok);
        *ticks += tslm_app_ticks() - t0;
        if (rc == 0 && hooks->stepped != 0) {
            hooks->stepped(hooks->ctx);
        }
    }
    return rc;
}

/* ------------------------------------------------------------------ protocol */
static void put(const char *s)
{
    while (*s != '\0') {
        tslm_app_putc(*s++);
    }
}

static void put_u64(uint64_t v)
{
    char buf[24];
    int n = 0;
    do {
        buf[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    while (n > 0) {
        tslm_app_putc(buf[--n]);
    }
}

static void put_char_escaped(char c)
{
    static const char hex[] = "0123456789abcdef";
    if (c == '\n') {
        put("\\n");
    } else if (c == '\\' || c == ']') {
        tslm_app_putc('\\');
        tslm_app_putc(c);
    } else if (c >= 32 && c < 127) {
        tslm_app_putc(c);
    } else {
        put("\\x");
        tslm_app_putc(hex[((unsigned char)c) >> 4]);
        tslm_app_putc(hex[((unsigned char)c) & 15u]);
    }
}

static void put_token(void *ctx, int token)
{
    (void)ctx;
    put_char_escaped(tslm_gen_decode(token));
}

static const char *parse_num(const char *s, uint32_t *v)
{
    uint32_t x = 0u;
    int digits = 0;
    while (*s == ' ') {
        ++s;
    }
    while (*s >= '0' && *s <= '9' && digits < 9) {
        x = x * 10u + (uint32_t)(*s++ - '0');
        ++digits;
    }
    if (digits == 0 || (*s != ' ' && *s != '\0')) {
        return 0;
    }
    *v = x;
    return s;
}

void tslm_generate_command(const tslm_app_model *m, const char *args)
{
    static void *ins[TSLM_LM_N_INPUTS];
    static void *outs[TSLM_LM_N_OUTPUTS];
    uint32_t seed = 0u, n = 0u, temp = 0u, top_k = 0u;
    const char *p = parse_num(args, &seed);
    p = p ? parse_num(p, &n) : 0;
    p = p ? parse_num(p, &temp) : 0;
    p = p ? parse_num(p, &top_k) : 0;
    if (p == 0 || m->n_inputs != TSLM_LM_N_INPUTS || m->n_outputs != TSLM_LM_N_OUTPUTS) {
        put("e-[usage: tinyslm-gen SEED N TEMP_MILLI TOP_K PROMPT]\r\n");
        return;
    }
    if (*p == ' ') {
        ++p; /* one space separates TOP_K from the prompt; the rest is the prompt */
    }
    for (int i = 0; i < TSLM_LM_N_INPUTS; ++i) {
        ins[i] = m->inputs[i].buffer;
    }
    for (int i = 0; i < TSLM_LM_N_OUTPUTS; ++i) {
        outs[i] = m->outputs[i].buffer;
    }
    /* check the whole prompt before running anything */
    int len = 0;
    for (const char *q = p; *q != '\0'; ++q, ++len) {
        char c = *q;
        if (c == '\\') {
            ++q;
            c = (*q == 'n') ? '\n' : *q;
            if (c == '\0' || (c != '\n' && c != '\\')) {
                put("e-[tinyslm-gen: in the prompt, '\\' is followed by n or \\]\r\n");
                return;
            }
        }
        if (tslm_gen_encode(c) < 0) {
            put("e-[tinyslm-gen: a prompt character is not in the vocabulary]\r\n");
            return;
        }
    }
    if (len + 1 >= TSLM_LM_CONTEXT) {
        put("e-[tinyslm-gen: the prompt does not fit the context]\r\n");
        return;
    }
    uint8_t prompt[TSLM_LM_CONTEXT];
    int n_prompt = 0;
    prompt[n_prompt++] = 0u; /* the end-of-document token starts every document */
    for (const char *q = p; *q != '\0'; ++q) {
        char c = *q;
        if (c == '\\') {
            ++q;
            c = (*q == 'n') ? '\n' : '\\';
        }
        prompt[n_prompt++] = (uint8_t)tslm_gen_encode(c);
    }
    tslm_gen_sampler s;
    tslm_gen_sampler_init(&s, seed, temp, top_k);
    tslm_gen_bind(ins, outs);
    const tslm_gen_hooks hooks = {put_token, 0, 0};
    uint32_t made = 0u;
    uint64_t ticks = 0u;
    put("m-gen-[");
    const int rc = tslm_gen_run(prompt, n_prompt, n, &s, 1, &hooks, &made, &ticks);
    put("]\r\n");
    if (rc != 0) {
        put("e-[tinyslm-gen: the model failed]\r\n");
        return;
    }
    put("m-gen-done-[");
    put_u64(made);
    put("]-[");
    put_u64((uint64_t)tslm_gen_position());
    put("]-[");
    put_u64(ticks);
    put("]-[");
    put_u64(m->tick_hz);
    put("]\r\n");
}

#else
typedef int tslm_generate_unused; /* no language model in this firmware */
#endif
