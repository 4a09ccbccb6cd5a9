/* tslm_signal_filter_bank.c - portable C99 SignalEnergy, SignalFilterBank (+ SquareRoot, Log,
 * SpectralSubtraction) and SignalPCAN, bit-exact with TFLM's signal library. All arithmetic is unsigned where
 * TFLM's wraps (uint32/uint64), so the results are TFLM's without the signed overflow it has in places. */
#include "tslm_signal_filter_bank.h"

#include <string.h>

/* uint64 tensors sit on 4-byte boundaries in the arena (its alignment): read and write them bytewise-safe. */
static uint64_t load_u64(const uint64_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void store_u64(uint64_t *p, uint64_t v)
{
    memcpy(p, &v, sizeof v);
}

/* Number of significant bits of x > 0 (TFLM's MostSignificantBit32/64 for nonzero x). */
static int bit_length32(uint32_t x) { return 32 - tslm_clz32(x); }

static int bit_length64(uint64_t x)
{
    const uint32_t hi = (uint32_t)(x >> 32);
    return hi ? 64 - tslm_clz32(hi) : bit_length32((uint32_t)x);
}

void tslm_signal_energy_u32(const tslm_signal_energy_params *p, const int16_t *input, uint32_t *output)
{
    for (int32_t i = 0; i < p->start_index; ++i) {
        output[i] = 0;
    }
    for (int32_t i = p->end_index; i < p->size; ++i) {
        output[i] = 0;
    }
    for (int32_t i = p->start_index; i < p->end_index; ++i) {
        const int32_t re = input[2 * i], im = input[2 * i + 1];
        /* each square fits in int32; their sum wraps in uint32 as TFLM's int32 sum does (2 x 32768^2) */
        output[i] = (uint32_t)(re * re) + (uint32_t)(im * im);
    }
}

void tslm_signal_filter_bank_u32(const tslm_signal_filter_bank_params *p, const uint32_t *input,
                                 const int16_t *weights, const int16_t *unweights, const int16_t *freq_starts,
                                 const int16_t *weight_starts, const int16_t *widths, uint64_t *output)
{
    /* carry: the unweighted sum that the previous channel handed to this one */
    uint64_t carry = 0;
    for (int32_t ch = 0; ch <= p->num_channels; ++ch) {
        /* indexed, not offset pointers: a channel of width 0 may hold starts outside the tables */
        const int32_t f = freq_starts[ch], s = weight_starts[ch];
        uint64_t own = carry, next = 0;
        for (int32_t j = 0; j < widths[ch]; ++j) {
            own += (uint64_t)(int64_t)weights[s + j] * input[f + j];
            next += (uint64_t)(int64_t)unweights[s + j] * input[f + j];
        }
        if (ch >= 1 && ch - 1 < p->outputs) {
            store_u64(output + (ch - 1), own);  /* channel 0 only feeds channel 1 */
        }
        carry = next;
    }
}

/* Rounded square root, bit by bit from the highest even bit position at or above the top one: TFLM's Sqrt32
 * (the rounding step stops at 0xFFFF) and Sqrt64 (its 32-bit path for inputs under 2^32). */
static uint32_t sqrt_u32(uint32_t v)
{
    if (v == 0) {
        return 0;
    }
    const int lead = (32 - bit_length32(v)) | 1;
    uint32_t bit = UINT32_C(1) << (31 - lead), root = 0;
    for (int steps = (31 - lead) / 2 + 1; steps > 0; --steps) {
        if (v >= root + bit) {
            v -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    return (v > root && root != 0xFFFFu) ? root + 1 : root;
}

static uint32_t sqrt_u64(uint64_t v)
{
    if ((v >> 32) == 0) {
        return sqrt_u32((uint32_t)v);
    }
    const int lead = (64 - bit_length64(v)) | 1;
    uint64_t bit = UINT64_C(1) << (63 - lead), root = 0;
    for (int steps = (63 - lead) / 2 + 1; steps > 0; --steps) {
        if (v >= root + bit) {
            v -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    if (v > root && root != UINT64_C(0xFFFFFFFF)) {
        ++root;
    }
    return (uint32_t)root;
}

void tslm_signal_filter_bank_sqrt_u32(const tslm_signal_filter_bank_sqrt_params *p, const uint64_t *input,
                                      const int32_t *scale_bits, uint32_t *output)
{
    const int32_t bits = *scale_bits;
    for (int32_t i = 0; i < p->size; ++i) {
        output[i] = (bits < 0 || bits > 31) ? 0u : sqrt_u64(load_u64(input + i)) >> bits;
    }
}

/* round((log2(1 + i/128) - i/128) * 2^16) for i = 0..128, and a pad: the correction that the linear
 * interpolation between octaves misses (TFLM's log table). */
static const uint16_t log2_correction[130] = {
    0, 224, 442, 654, 861, 1063, 1259, 1450, 1636, 1817, 1992, 2163, 2329,
    2490, 2646, 2797, 2944, 3087, 3224, 3358, 3487, 3611, 3732, 3848, 3960, 4068,
    4172, 4272, 4368, 4460, 4549, 4633, 4714, 4791, 4864, 4934, 5001, 5063, 5123,
    5178, 5231, 5280, 5326, 5368, 5408, 5444, 5477, 5507, 5533, 5557, 5578, 5595,
    5610, 5622, 5631, 5637, 5640, 5641, 5638, 5633, 5626, 5615, 5602, 5586, 5568,
    5547, 5524, 5498, 5470, 5439, 5406, 5370, 5332, 5291, 5249, 5203, 5156, 5106,
    5054, 5000, 4944, 4885, 4825, 4762, 4697, 4630, 4561, 4490, 4416, 4341, 4264,
    4184, 4103, 4020, 3935, 3848, 3759, 3668, 3575, 3481, 3384, 3286, 3186, 3084,
    2981, 2875, 2768, 2659, 2549, 2437, 2323, 2207, 2090, 1971, 1851, 1729, 1605,
    1480, 1353, 1224, 1094, 963, 830, 695, 559, 421, 282, 142, 0, 0,
};

/* ln(x) * out_scale in Q16 for x >= 2, TFLM's Log32: log2 in Q16 (the octave, then the mantissa's 16 bits plus
 * the interpolated table correction), times ln 2 (45426 / 2^16), rounded, times out_scale, rounded, in
 * wrapping uint32 arithmetic. */
static uint32_t log_scaled(uint32_t x, uint32_t out_scale)
{
    const int octave = bit_length32(x) - 1;
    int32_t mant = (int32_t)(x - (UINT32_C(1) << octave));  /* < 2^octave */
    mant = octave < 16 ? mant << (16 - octave) : mant >> (octave - 16);
    const int32_t seg = mant >> 9;  /* 128 segments of 512 */
    const int32_t c0 = log2_correction[seg], c1 = log2_correction[seg + 1];
    const int32_t corr = c0 + (((c1 - c0) * (mant - (seg << 9))) >> 16);
    const uint32_t log2_q16 = ((uint32_t)octave << 16) + (uint32_t)(mant + corr);
    const uint32_t ln_q16 = (uint32_t)((UINT64_C(45426) * log2_q16 + 32768u) >> 16);
    return (out_scale * ln_q16 + 32768u) >> 16;
}

void tslm_signal_filter_bank_log_u32(const tslm_signal_filter_bank_log_params *p, const uint32_t *input,
                                     int16_t *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const uint32_t x = input[i] << p->input_correction_bits;
        if (x <= 1) {
            output[i] = 0;
        } else {
            const uint32_t v = log_scaled(x, p->output_scale);
            output[i] = (int16_t)(v < (uint32_t)INT16_MAX ? v : (uint32_t)INT16_MAX);
        }
    }
}

void tslm_signal_spectral_subtraction_u32(const tslm_signal_spectral_subtraction_params *p, const uint32_t *input,
                                          uint32_t *noise, uint32_t *output, uint32_t *noise_out)
{
    const int sb = p->smoothing_bits, ssb = p->spectral_subtraction_bits;
    for (int32_t i = 0; i < p->num_channels; ++i) {
        const int odd = (int)(i & 1);
        const uint64_t a = odd ? p->alternate_smoothing : p->smoothing;
        const uint64_t b = odd ? p->alternate_one_minus_smoothing : p->one_minus_smoothing;
        const uint32_t up = input[i] << sb;
        /* the two products' sum wraps in uint64, as TFLM's */
        uint32_t estimate = (uint32_t)((up * a + noise[i] * b) >> ssb);
        uint32_t subtract = estimate;
        if (subtract > up) {
            subtract = up;
            if (p->clamping) {
                estimate = up;
            }
        }
        noise[i] = estimate;
        const uint32_t floor = (uint32_t)(((uint64_t)input[i] * p->min_signal_remaining) >> ssb);
        const uint32_t left = (up - subtract) >> sb;
        output[i] = left > floor ? left : floor;
        noise_out[i] = estimate;
    }
}

/* An int32 as int16 keeping the low 16 bits (TFLM's cast, without relying on the implementation's). */
static int16_t low16(int32_t v)
{
    const uint32_t u = (uint32_t)v & 0xFFFFu;
    return (int16_t)(u >= 0x8000u ? (int32_t)u - 65536 : (int32_t)u);
}

/* TFLM's WideDynamicFunction: lut[x] for x <= 2; else the octave's quadratic (4 entries per octave: y0, a1,
 * a2, 0) at the 10 bits under the top one. */
static int16_t pcan_gain(uint32_t x, const int16_t *lut)
{
    if (x <= 2) {
        return lut[x];
    }
    const int octave = bit_length32(x);  /* 2..32 */
    const int16_t *q = lut + 4 * octave - 6;
    const int32_t t = (int32_t)((octave < 11 ? x << (11 - octave) : x >> (octave - 11)) & 0x3FFu);
    /* |q[2] t / 32 + 32 q[1]| * t < 2^31: no overflow */
    int32_t r = (((int32_t)q[2] * t) >> 5) + (int32_t)q[1] * 32;
    r = ((r * t + (1 << 14)) >> 15) + q[0];
    return low16(r);
}

void tslm_signal_pcan_u32(const tslm_signal_pcan_params *p, const uint32_t *input, const uint32_t *noise,
                          const int16_t *gain_lut, uint32_t *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const uint32_t gain = (uint32_t)(int32_t)pcan_gain(noise[i], gain_lut);  /* sign-extended */
        const uint32_t snr = (uint32_t)(((uint64_t)input[i] * gain) >> p->snr_shift);  /* Q12 */
        /* shrink: snr^2 / 4 below 2, snr - 1 from there, to Q6 */
        output[i] = snr < (UINT32_C(2) << 12) ? (snr * snr) >> 20 : (snr >> 6) - (UINT32_C(1) << 6);
    }
}
