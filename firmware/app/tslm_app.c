/*
 * tslm_app.c - MLPerf Tiny / EEMBC DUT protocol over a byte stream (see tslm_app.h).
 * Portable C99: the board supplies tslm_app_putc/getc/ticks.
 */
#include "tslm_app.h"
#include "tslm_generate.h"

#include <string.h>

#define CMD_MAX 256     /* longest command, without the '%' */
#ifndef TSLM_APP_BIN_TIMEOUT_MS
#define TSLM_APP_BIN_TIMEOUT_MS 100 /* a binary load (tinyslm-bin) ends if no byte comes for this long */
#endif
#define MAX_TOKENS 8

static char cmd[CMD_MAX + 1];
static size_t cmd_len;
static int cmd_overflow;

static uint32_t db_expected; /* bytes announced by `db load N` (or `tinyslm-bin N`) */
static uint32_t db_loaded;
static uint32_t bin_remaining; /* raw bytes still to come after `tinyslm-bin N` */
static uint64_t bin_last;      /* ticks when the last of them arrived */
static uint64_t last_ticks;  /* ticks of the last timed inferences */
static uint32_t last_count;
static int have_results;
static int load_benchmark; /* the db buffer holds a benchmark input (`db load` in MLPerf firmware), not tensors */
static float last_score;   /* ad01: the score of the last inference */

/* ------------------------------------------------------------------ output */
static void put(const char *s)
{
    while (*s != '\0') {
        tslm_app_putc(*s++);
    }
}

static void put_u64(uint64_t v)
{
    char digits[21];
    int n = 0;
    do {
        digits[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u && n < 20);
    while (n > 0) {
        tslm_app_putc(digits[--n]);
    }
}

static void put_i32(int32_t v)
{
    if (v < 0) {
        tslm_app_putc('-');
        put_u64((uint64_t)(-(int64_t)v));
    } else {
        put_u64((uint64_t)v);
    }
}

static void put_hex8(uint8_t b)
{
    static const char hex[] = "0123456789abcdef";
    tslm_app_putc(hex[b >> 4]);
    tslm_app_putc(hex[b & 0xFu]);
}

/* The integer mant * 2^e (e >= 0, up to a float's 2^127), in decimal. */
static void put_big(uint32_t mant, int e)
{
    uint32_t limb[5] = {mant, 0u, 0u, 0u, 0u}; /* little-endian 32-bit limbs: 160 bits */
    for (; e > 0; --e) {                       /* shift left one bit at a time: e <= 104 */
        for (int k = 4; k > 0; --k) {
            limb[k] = (limb[k] << 1) | (limb[k - 1] >> 31);
        }
        limb[0] <<= 1;
    }
    char digits[50];
    int n = 0;
    int nonzero = 1;
    while (nonzero && n < 50) { /* divide by 10, most significant limb first; the remainder is the next digit */
        uint32_t rem = 0u;
        nonzero = 0;
        for (int k = 4; k >= 0; --k) {
            const uint64_t cur = ((uint64_t)rem << 32) | limb[k];
            limb[k] = (uint32_t)(cur / 10u);
            rem = (uint32_t)(cur % 10u);
            nonzero |= limb[k] != 0u;
        }
        digits[n++] = (char)('0' + (int)rem);
    }
    while (n > 0) {
        tslm_app_putc(digits[--n]);
    }
}

/* x as printf("%0.3f", x) prints it: the exact binary value rounded to thousandths, ties to even (what
 * glibc and newlib do, and what the MLPerf Tiny reference prints), with integers only: no printf, no
 * double-precision helpers. */
static void put_fixed3(float x)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof(bits));
    const uint32_t expo = (bits >> 23) & 0xFFu;
    uint32_t mant = bits & 0x7FFFFFu;
    if (expo == 0xFFu) {
        put(mant != 0u ? "nan" : (bits >> 31) != 0u ? "-inf" : "inf");
        return;
    }
    if ((bits >> 31) != 0u) {
        tslm_app_putc('-');
    }
    int e = -149; /* x = mant * 2^e */
    if (expo != 0u) {
        mant |= 0x800000u;
        e = (int)expo - 150;
    }
    if (e >= 0) { /* an integer (x >= 2^23): no fraction */
        put_big(mant, e);
        put(".000");
        return;
    }
    const uint64_t m = (uint64_t)mant * 1000u; /* < 2^34: x * 1000 = m * 2^e exactly */
    uint64_t q = 0u;
    if (-e <= 40) { /* beyond, m * 2^e < 2^34 / 2^41: rounds to 0 */
        const int s = -e;
        q = m >> s;
        const uint64_t rem = m & ((1ull << s) - 1u), half = 1ull << (s - 1);
        if (rem > half || (rem == half && (q & 1u) != 0u)) {
            ++q;
        }
    }
    put_u64(q / 1000u);
    tslm_app_putc('.');
    const uint32_t frac = (uint32_t)(q % 1000u);
    tslm_app_putc((char)('0' + frac / 100u));
    tslm_app_putc((char)('0' + (frac / 10u) % 10u));
    tslm_app_putc((char)('0' + frac % 10u));
}

/* The MLPerf Tiny KWS reference's format: "0." then (int)(x*10), (int)(x*100) % 10 and
 * (int)(x*1000) % 10, each product in float and truncated toward zero (C's % keeps the sign): three
 * decimals truncated for a softmax value in [0, 1). */
static void put_trunc3(float x)
{
    if (!(x > -1.0e6f && x < 1.0e6f)) { /* outside the reference's domain (its int casts would overflow) */
        put_fixed3(x);
        return;
    }
    put("0.");
    put_i32((int32_t)(x * 10.0f));
    put_i32((int32_t)(x * 100.0f) % 10);
    put_i32((int32_t)(x * 1000.0f) % 10);
}

/* Timer ticks -> the microseconds m-lap-us reports (see tslm_app.h). */
static uint64_t lap_us(const tslm_app_model *m, uint64_t ticks)
{
    return (ticks / m->lap_den) * m->lap_num + (ticks % m->lap_den) * m->lap_num / m->lap_den;
}

static void put_lap(const tslm_app_model *m, uint64_t ticks)
{
    put("m-lap-us-");
    put_u64(lap_us(m, ticks));
    put("\r\n");
}

static void error(const char *what)
{
    put("e-[");
    put(what);
    put("]\r\n");
}

/* Echo untrusted text safely: printable ASCII only, at most 32 characters. */
static void put_sanitized(const char *s)
{
    for (int i = 0; s[i] != '\0' && i < 32; ++i) {
        const char c = s[i];
        tslm_app_putc((c >= 32 && c < 127 && c != ']') ? c : '?');
    }
}

/* -------------------------------------------------------------- parsing */
/* Decimal 0..1e9 with nothing else; -1 if not a number. */
static int32_t parse_uint(const char *s)
{
    int32_t v = 0;
    if (*s == '\0') {
        return -1;
    }
    for (; *s != '\0'; ++s) {
        if (*s < '0' || *s > '9' || v > 100000000) {
            return -1;
        }
        v = v * 10 + (*s - '0');
    }
    return v;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static int split(char *s, char *tok[MAX_TOKENS])
{
    int n = 0;
    while (*s != '\0' && n < MAX_TOKENS) {
        while (*s == ' ') {
            *s++ = '\0';
        }
        if (*s == '\0') {
            break;
        }
        tok[n++] = s;
        while (*s != '\0' && *s != ' ') {
            ++s;
        }
    }
    return (*s == '\0') ? n : -1; /* -1: too many tokens */
}

/* ------------------------------------------------------------ commands */
/* `db load N` / `tinyslm-bin N`: N bytes (> 0, at most the buffer) announced; 1 if accepted. */
static int start_load(const tslm_app_model *m, const char *what, const char *arg, const char *kind)
{
    uint32_t capacity = m->pcm_capacity > m->db_capacity ? m->pcm_capacity : m->db_capacity;
    if (m->mlperf_bytes > capacity) {
        capacity = m->mlperf_bytes;
    }
    const int32_t size = arg != NULL ? parse_uint(arg) : -1;
    if (size <= 0) {
        put("e-[Command '");
        put(what);
        put("' requires the number of bytes, > 0]\r\n");
        return 0;
    }
    if ((uint32_t)size > capacity) {
        put("e-[");
        put(what);
        put(" ");
        put_u64((uint64_t)size);
        put(" exceeds the input buffer of ");
        put_u64(capacity);
        put(" bytes]\r\n");
        return 0;
    }
    db_expected = (uint32_t)size;
    db_loaded = 0;
    put("m-[Expecting ");
    put_u64(db_expected);
    put(kind);
    return 1;
}

static void cmd_db(const tslm_app_model *m, char *tok[], int n)
{
    if (n < 2) {
        error("Command 'db' requires a subcommand");
    } else if (strcmp(tok[1], "load") == 0) {
        if (start_load(m, "db load", n == 3 ? tok[2] : NULL, " bytes]\r\n")) {
            load_benchmark = m->mlperf != TSLM_MLPERF_NONE;
        }
    } else if (strcmp(tok[1], "print") == 0) {
        const int32_t count = n >= 3 ? parse_uint(tok[2]) : 16;
        const int32_t offset = n >= 4 ? parse_uint(tok[3]) : 0;
        if (count < 0 || offset < 0 || n > 4) {
            error("usage: db print [N] [offset]");
            return;
        }
        uint32_t end = (uint32_t)offset + (uint32_t)count;
        if (end > db_loaded) {
            end = db_loaded;
        }
        for (uint32_t i = (uint32_t)offset, k = 0; i < end; ++i, ++k) {
            if (k % 8u == 0u) {
                put("m-buffer-");
            }
            put_hex8(m->db[i]);
            put(((k + 1u) % 8u == 0u || i + 1u == end) ? "\r\n" : "-");
        }
    } else if (n == 2) {
        const char *hex = tok[1];
        const size_t len = strlen(hex);
        if (db_expected == 0u) {
            error("db: run 'db load N' first");
        } else if (len % 2u != 0u) {
            error("Insufficent number of hex digits");
        } else {
            for (size_t i = 0; i < len; ++i) { /* validate the whole chunk before storing any of it */
                if (hex_digit(hex[i]) < 0) {
                    error("Invalid hex digit");
                    return;
                }
            }
            for (size_t i = 0; i < len && db_loaded < db_expected; i += 2) {
                m->db[db_loaded++] = (uint8_t)(hex_digit(hex[i]) * 16 + hex_digit(hex[i + 1]));
            }
            if (db_loaded == db_expected) {
                put("m-load-done\r\n");
            }
        }
    } else {
        error("db: unknown subcommand");
    }
}

static uint32_t elem_size(const char *dtype)
{
    if (strcmp(dtype, "int8") == 0) {
        return 1u;
    }
    return strcmp(dtype, "int16") == 0 ? 2u : 4u;
}

static float output_value(const tslm_app_tensor *t, uint32_t i)
{
    const char *d = t->dtype;
    if (strcmp(d, "int8") == 0) { /* as the reference's DequantizeInt8ToFloat: (float)(q - zero_point) * scale */
        return (float)((int32_t)((const int8_t *)t->buffer)[i] - t->zero_point) * t->scale;
    }
    if (strcmp(d, "int16") == 0) {
        return (float)((int32_t)((const int16_t *)t->buffer)[i] - t->zero_point) * t->scale;
    }
    if (strcmp(d, "float32") == 0) {
        return ((const float *)t->buffer)[i];
    }
    return (float)((const int32_t *)t->buffer)[i];
}

static void results(const tslm_app_model *m)
{
    if (!have_results) {
        error("no results yet: run 'infer' first");
        return;
    }
    put("m-results-[");
    if (m->mlperf == TSLM_MLPERF_AD01) {
        put_fixed3(last_score);
        put("]\r\n");
        return;
    }
    const int n_out = m->mlperf != TSLM_MLPERF_NONE ? 1 : m->n_outputs; /* a benchmark reports its one output */
    for (int o = 0; o < n_out; ++o) {
        const tslm_app_tensor *t = &m->outputs[o];
        const uint32_t count = t->bytes / elem_size(t->dtype);
        for (uint32_t i = 0; i < count; ++i) {
            const float v = output_value(t, i);
            if ((o > 0 || i > 0) && m->mlperf != TSLM_MLPERF_VWW01) {
                tslm_app_putc(',');
            }
            if (m->mlperf == TSLM_MLPERF_KWS01) {
                put_trunc3(v);
            } else {
                put_fixed3(v);
            }
            if (m->mlperf == TSLM_MLPERF_VWW01) { /* the reference's loop puts a comma after each of its values */
                tslm_app_putc(',');
            }
        }
    }
    put("]\r\n");
}

/* The input float i of the db buffer (a benchmark's float32 input, little-endian as sent). */
static float db_float(const tslm_app_model *m, uint32_t i)
{
    float f;
    memcpy(&f, m->db + 4u * i, sizeof(f));
    return f;
}

/* As the reference's QuantizeFloatToInt8: round(value / scale) (halves away from zero) + zero_point,
 * clamped to int8. */
static int8_t quantize_input(float value, float scale, int32_t zero_point)
{
    float t = value / scale;
    if (t != t) {
        t = 0.0f;
    }
    t = t > 512.0f ? 512.0f : t < -512.0f ? -512.0f : t; /* the clamp below gives the same int8 */
    int32_t r = (int32_t)t;                              /* toward zero; t - r is exact */
    const float frac = t - (float)r;
    if (frac >= 0.5f) {
        ++r;
    } else if (frac <= -0.5f) {
        --r;
    }
    r += zero_point;
    return (int8_t)(r > 127 ? 127 : r < -128 ? -128 : r);
}

/* db buffer -> input tensors: as they are (unless used in place), or converted from a benchmark's input. */
static void load_inputs(const tslm_app_model *m)
{
    if (!load_benchmark) {
        uint32_t off = 0;
        for (int i = 0; i < m->n_inputs; ++i) {
            if ((const uint8_t *)m->inputs[i].buffer != m->db + off) {
                memcpy(m->inputs[i].buffer, m->db + off, m->inputs[i].bytes);
            }
            off += m->inputs[i].bytes;
        }
        return;
    }
    const tslm_app_tensor *in = &m->inputs[0];
    int8_t *x = (int8_t *)in->buffer;
    if (m->mlperf == TSLM_MLPERF_AD01) {
        for (uint32_t i = 0; i < in->bytes; ++i) {
            x[i] = quantize_input(db_float(m, i), in->scale, in->zero_point);
        }
    } else if (m->mlperf == TSLM_MLPERF_IC01 || m->mlperf == TSLM_MLPERF_VWW01) {
        for (uint32_t i = 0; i < in->bytes; ++i) { /* pixel 0..255 -> int8 pixel - 128 */
            x[i] = (int8_t)((int32_t)m->db[i] - 128);
        }
    } else if ((const uint8_t *)in->buffer != m->db) { /* kws01: int8 features as they are */
        memcpy(in->buffer, m->db, in->bytes);
    }
}

/* ad01's score: the mean of (dequantized output - input)^2 over the window, summed in float in order as
 * the reference does; the input is the benchmark's float window, or the dequantized input tensor. */
static float ad01_score(const tslm_app_model *m)
{
    const tslm_app_tensor *in = &m->inputs[0], *out = &m->outputs[0];
    float sum = 0.0f;
    for (uint32_t i = 0; i < out->bytes; ++i) {
        const float x = load_benchmark ? db_float(m, i)
                                       : (float)((int32_t)((const int8_t *)in->buffer)[i] - in->zero_point) * in->scale;
        const float diff = output_value(out, i) - x;
        sum += diff * diff;
    }
    return sum / (float)out->bytes;
}

static int run_model(const tslm_app_model *m)
{
    const void *in[8];
    void *out[8];
    for (int i = 0; i < m->n_inputs && i < 8; ++i) {
        in[i] = m->inputs[i].buffer;
    }
    for (int i = 0; i < m->n_outputs && i < 8; ++i) {
        out[i] = m->outputs[i].buffer;
    }
    return m->invoke(in, out);
}

static void cmd_infer(const tslm_app_model *m, char *tok[], int n)
{
    int32_t count = 1, warmup = 10;
    if (n >= 2) {
        count = parse_uint(tok[1]);
        if (count <= 0 || count > 1000000) {
            error("Inference iterations must be >0");
            return;
        }
    }
    if (n >= 3) {
        warmup = parse_uint(tok[2]);
        if (warmup < 0 || warmup > 1000000) {
            error("Inference warmup must be >=0");
            return;
        }
    }
    if (n > 3) {
        error("usage: infer N [W]");
        return;
    }
    const uint32_t expected = load_benchmark ? m->mlperf_bytes : m->db_capacity;
    if (db_loaded != expected || db_expected != expected) {
        put("e-[input not loaded: ");
        put_u64(db_loaded);
        put(" of ");
        put_u64(expected);
        put(" bytes]\r\n");
        return;
    }
    load_inputs(m);
    put("m-warmup-start-");
    put_u64((uint64_t)warmup);
    put("\r\n");
    for (int32_t i = 0; i < warmup; ++i) {
        (void)run_model(m);
    }
    put("m-warmup-done\r\nm-infer-start-");
    put_u64((uint64_t)count);
    put("\r\n");
    put_lap(m, tslm_app_ticks());
    int rc = 0;
    tslm_app_ticks_sync();
    const uint64_t start = tslm_app_ticks();
    for (int32_t i = 0; i < count; ++i) {
        rc |= run_model(m);
    }
    const uint64_t stop = tslm_app_ticks();
    last_ticks = stop - start;
    last_count = (uint32_t)count;
    put_lap(m, stop);
    if (rc != 0) {
        have_results = 0;
        error("model invoke failed");
        return;
    }
    if (m->mlperf == TSLM_MLPERF_AD01) {
        last_score = ad01_score(m);
    }
    have_results = 1;
    put("m-infer-done\r\n");
    results(m);
}

static void cmd_info(const tslm_app_model *m)
{
    put("m-model-[");
    put(m->model_name);
    put("]-[");
    put(m->model_sha256);
    put("]\r\nm-board-[");
    put(m->board);
    put("]-[build ");
    put(m->build_id);
    put("]\r\nm-build-[");
    put(m->build_tag);
    put("]\r\nm-arena-[");
    put_u64(m->arena_bytes);
    put("]\r\n");
    if (m->mlperf != TSLM_MLPERF_NONE) {
        put("m-mlperf-[");
        put(m->profile_name);
        put("]-[bytes=");
        put_u64(m->mlperf_bytes);
        put("]\r\n");
    }
    for (int k = 0; k < 2; ++k) {
        const tslm_app_tensor *ts = k == 0 ? m->inputs : m->outputs;
        const int count = k == 0 ? m->n_inputs : m->n_outputs;
        for (int i = 0; i < count; ++i) {
            put(k == 0 ? "m-input-" : "m-output-");
            put_u64((uint64_t)i);
            put("-[");
            put(ts[i].dtype);
            put(",");
            put(ts[i].shape);
            put(",scale_bits=0x"); /* IEEE-754 bits of the float32 scale: exact */
            uint32_t bits;
            memcpy(&bits, &ts[i].scale, sizeof(bits));
            for (int b = 3; b >= 0; --b) {
                put_hex8((uint8_t)(bits >> (8 * b)));
            }
            put(",zero_point=");
            put_i32(ts[i].zero_point);
            put(",bytes=");
            put_u64(ts[i].bytes);
            put("]\r\n");
        }
    }
}

/* Raw audio through the on-device frontend, then the model. */
static void cmd_pcm(const tslm_app_model *m)
{
    if (m->features == NULL) {
        error("this firmware has no frontend: build it with one to send raw audio");
        return;
    }
    if (db_loaded == 0u || db_loaded != db_expected || db_loaded % 2u != 0u) {
        error("load int16 PCM first: db load 2*N, then db HEX... until m-load-done");
        return;
    }
    tslm_app_ticks_sync();
    const uint64_t t0 = tslm_app_ticks();
    int rc = m->features((const int16_t *)(const void *)m->db, db_loaded / 2u, m->inputs[0].buffer);
    const uint64_t t1 = tslm_app_ticks();
    rc |= run_model(m);
    const uint64_t t2 = tslm_app_ticks();
    if (rc != 0) {
        error("frontend or model failed");
        return;
    }
    load_benchmark = 0;
    if (m->mlperf == TSLM_MLPERF_AD01) {
        last_score = ad01_score(m);
    }
    have_results = 1;
    last_ticks = t2 - t1;
    last_count = 1u;
    put("m-frontend-ticks-[");
    put_u64(t1 - t0);
    put("]\r\nm-model-ticks-[");
    put_u64(t2 - t1);
    put("]\r\n");
    results(m);
}

static void dispatch(const tslm_app_model *m, char *line)
{
#ifdef TSLM_GENERATE /* a language model's firmware: text generation (tslm_generate.h) */
    if (strncmp(line, "tinyslm-gen", 11) == 0 && (line[11] == ' ' || line[11] == '\0')) {
        tslm_generate_command(m, line + 11);
        put("m-ready\r\n");
        return;
    }
#endif
    char *tok[MAX_TOKENS];
    const int n = split(line, tok);
    if (n < 0) {
        error("too many arguments");
    } else if (n == 0) {
        error("empty command");
    } else if (strcmp(tok[0], "name") == 0) {
        put("m-name-dut-[tinyslm]\r\n");
    } else if (strcmp(tok[0], "profile") == 0) {
        put("m-profile-[tinyslm-1.0]\r\nm-model-[");
        put(m->profile_name);
        put("]\r\n");
    } else if (strcmp(tok[0], "help") == 0) {
        put("tinyslm MLPerf Tiny DUT\r\n"
            "help | name | profile | timestamp\r\n"
            "db load N | db HEX | db print [N] [offset]\r\n"
            "infer N [W] | results\r\n"
            "tinyslm-info | tinyslm-ticks | tinyslm-raw | tinyslm-pcm | tinyslm-bin N | tinyslm-load N\r\n");
    } else if (strcmp(tok[0], "timestamp") == 0) {
        put_lap(m, tslm_app_ticks());
    } else if (strcmp(tok[0], "db") == 0) {
        cmd_db(m, tok, n);
    } else if (strcmp(tok[0], "infer") == 0) {
        cmd_infer(m, tok, n);
    } else if (strcmp(tok[0], "results") == 0) {
        results(m);
    } else if (strcmp(tok[0], "tinyslm-info") == 0) {
        cmd_info(m);
    } else if (strcmp(tok[0], "tinyslm-ticks") == 0) {
        put("m-ticks-[");
        put_u64(last_ticks);
        put("]-[");
        put_u64(last_count);
        put("]-[");
        put_u64(m->tick_hz);
        put("]\r\n");
    } else if (strcmp(tok[0], "tinyslm-pcm") == 0) {
        cmd_pcm(m);
    } else if (strcmp(tok[0], "tinyslm-load") == 0) {
        if (start_load(m, "tinyslm-load", n == 2 ? tok[1] : NULL, " bytes]\r\n")) {
            load_benchmark = 0;
        }
    } else if (strcmp(tok[0], "tinyslm-bin") == 0) {
        if (start_load(m, "tinyslm-bin", n == 2 ? tok[1] : NULL, " raw bytes]\r\n")) {
            load_benchmark = 0;
            bin_remaining = db_expected; /* the next db_expected bytes are data, stored as they come */
            bin_last = tslm_app_ticks();
        }
    } else if (strcmp(tok[0], "tinyslm-raw") == 0) {
        if (!have_results) {
            error("no results yet: run 'infer' first");
        } else {
            for (int o = 0; o < m->n_outputs; ++o) {
                put("m-raw-");
                put_u64((uint64_t)o);
                put("-[");
                for (uint32_t i = 0; i < m->outputs[o].bytes; ++i) {
                    put_hex8(((const uint8_t *)m->outputs[o].buffer)[i]);
                }
                put("]\r\n");
            }
        }
    } else {
        put("e-[Unknown command: ");
        put_sanitized(tok[0]);
        put("]\r\n");
    }
    put("m-ready\r\n");
}

int tslm_app_feed(const tslm_app_model *m, char c)
{
    if (bin_remaining > 0u) { /* binary load: every byte is data, '%' included */
        m->db[db_loaded++] = (uint8_t)c;
        if (--bin_remaining == 0u) {
            put("m-load-done\r\nm-ready\r\n");
            return 1;
        }
        return 0;
    }
    if (c == '%') {
        if (cmd_overflow) {
            put("e-[command too long: at most 256 characters before '%']\r\nm-ready\r\n");
        } else {
            cmd[cmd_len] = '\0';
            dispatch(m, cmd);
        }
        cmd_len = 0;
        cmd_overflow = 0;
        return 1;
    }
    if (c == '\r' || c == '\n') {
        return 0;
    }
    if (cmd_len < CMD_MAX) {
        cmd[cmd_len++] = (c == '\0') ? '?' : c;
    } else {
        cmd_overflow = 1;
    }
    return 0;
}

int tslm_app_idle(const tslm_app_model *m)
{
    if (bin_remaining == 0u ||
        tslm_app_ticks() - bin_last <= (uint64_t)m->tick_hz * TSLM_APP_BIN_TIMEOUT_MS / 1000u) {
        return 0;
    }
    put("e-[tinyslm-bin: no data for ");
    put_u64(TSLM_APP_BIN_TIMEOUT_MS);
    put(" ms, got ");
    put_u64(db_loaded);
    put(" of ");
    put_u64(db_expected);
    put(" bytes]\r\nm-ready\r\n");
    bin_remaining = 0u;
    db_expected = 0u; /* a partial load is not an input: load again */
    db_loaded = 0u;
    return 1;
}

void tslm_app_banner(const tslm_app_model *m)
{
    if (m->mlperf != TSLM_MLPERF_NONE) { /* as the reference's timer initialisation */
        put("m-timestamp-mode-performance\r\n");
        put_lap(m, tslm_app_ticks());
    }
    put("m-init-done\r\nm-ready\r\n");
}

void tslm_app_run(const tslm_app_model *m)
{
    tslm_app_banner(m);
    for (;;) {
        const int c = tslm_app_getc();
        if (c >= 0) {
            (void)tslm_app_feed(m, (char)c);
            if (bin_remaining > 0u) {
                bin_last = tslm_app_ticks();
            }
        } else {
            (void)tslm_app_idle(m);
        }
    }
}
