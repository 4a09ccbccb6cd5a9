/* tslm_lut.c - table lookup for elementwise int8 ops; int16 LOGISTIC and TANH on TFLM's sigmoid table. */
#include "tslm_lut.h"

void tslm_lut_s8(int32_t n, const int8_t table[256], const int8_t *input, int8_t *output)
{
    for (int32_t i = 0; i < n; ++i) {
        output[i] = table[(int32_t)input[i] + 128];
    }
}

/*
 * sigmoid(i / 24) in 0.16 fixed point for i = 0..255, the table TFLM's int16 LOGISTIC and TANH interpolate
 * (tanh(x) = 2 sigmoid(2x) - 1). Its entries are not plain roundings of that function (many are one above,
 * which lowers the interpolation error); they were measured from TFLM's int16 TANH outputs, and the tests
 * check both ops against TFLM on all 65,536 inputs at several input scales.
 */
static const uint16_t sigmoid_table[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149,
    40794, 41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369,
    47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169,
    53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370,
    60565, 60753, 60935, 61110, 61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302,
    62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186, 63279, 63368, 63454, 63536,
    63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786,
    64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079,
    65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234, 65246, 65258,
    65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474,
    65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498,
    65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522,
    65523, 65523, 65524, 65524, 65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528,
    65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530, 65530, 65530, 65531, 65531,
    65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
    65534, 65534, 65534, 65535,
};

/* The input rescaled so that 2^9 (LOGISTIC) or 2^8 (TANH) steps are 1/24 of the table's argument
 * (x * 3 * 4096 * input scale, rounded at the shift), its magnitude, and the table interpolated there in
 * fixed point with `frac_bits` bits of the fraction; saturated past the table's end. */
TSLM_ALWAYS_INLINE uint32_t sigmoid_lookup(const tslm_sigmoid_s16_params *p, int16_t x, int32_t *rescaled,
                                           const int frac_bits)
{
    const int32_t round = p->input_left_shift > 0 ? INT32_C(1) << (p->input_left_shift - 1) : 0;
    const int32_t v = ((int32_t)x * p->input_multiplier + round) >> p->input_left_shift;
    const uint32_t magnitude = (uint32_t)(v < 0 ? -v : v);
    const uint32_t step = magnitude >> frac_bits;
    *rescaled = v;
    if (step >= 255) {
        return frac_bits == 9 ? UINT32_C(0x7FFF) << 10 : UINT32_C(0xFFFF) << 8;
    }
    const uint32_t a = sigmoid_table[step];
    const uint32_t b = sigmoid_table[step + 1];
    return (a << frac_bits) + (magnitude & ((UINT32_C(1) << frac_bits) - 1u)) * (b - a);
}

void tslm_logistic_s16(const tslm_sigmoid_s16_params *p, const int16_t *input, int16_t *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        int32_t v;
        const uint32_t r = sigmoid_lookup(p, input[i], &v, 9);
        /* sigmoid(-x) = 1 - sigmoid(x); back to Q0.15 with rounding */
        const uint32_t q = v >= 0 ? r + (1u << 9) : (UINT32_C(1) << 25) - r + (1u << 9) - 1u;
        output[i] = (int16_t)(q >> 10);
    }
}

void tslm_tanh_s16(const tslm_sigmoid_s16_params *p, const int16_t *input, int16_t *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        int32_t v;
        const int32_t r = (int32_t)sigmoid_lookup(p, input[i], &v, 8);
        /* tanh(x) = 2 sigmoid(2x) - 1, odd; back to Q0.15 with rounding (arithmetic shifts) */
        const int32_t q = v >= 0 ? r - (INT32_C(1) << 23) + (1 << 7) : -r + (INT32_C(1) << 23) + (1 << 7) - 1;
        output[i] = (int16_t)(q >> 8);
    }
}

void tslm_relu_s16(const tslm_relu_s16_params *p, const int16_t *input, int16_t *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t v = p->output_zero_point +
                          tslm_requantize((int32_t)input[i] - p->input_zero_point, p->multiplier, p->shift);
        output[i] = (int16_t)tslm_clamp_i32(v, p->act_min, p->act_max);
    }
}

/* gemmlowp's SaturatingRoundingMultiplyByPOT for a positive exponent: a saturating left shift. */
static int32_t saturating_shl(int32_t x, int exponent)
{
    const int32_t threshold = (int32_t)((UINT32_C(1) << (31 - exponent)) - 1u);
    return x > threshold ? INT32_MAX : (x < -threshold ? INT32_MIN : tslm_shl_wrap(x, exponent));
}

/* TFLM's GetInvSqrtQuantizedMultiplierExp(x, -1): 1/sqrt(x) as a Q31 multiplier and a (left) shift, by five
 * Newton-Raphson steps in Q3.28 from 1. */
static void inv_sqrt(int32_t x, int32_t *multiplier, int32_t *shift)
{
    if (x <= 1) {
        *multiplier = INT32_MAX;
        *shift = 0;
        return;
    }
    int32_t right = 11;
    while (x >= (INT32_C(1) << 29)) {
        x /= 4;
        ++right;
    }
    int leading = 0;
    while (((uint32_t)x << leading & 0x80000000u) == 0) {
        ++leading;
    }
    const int pairs = (leading - 1) / 2 - 1;
    right -= pairs;
    x <<= 2 * pairs;
    const int32_t half_x = tslm_rdbpot(x >> 1, 1);
    const int32_t half_three = (INT32_C(1) << 28) + (INT32_C(1) << 27);
    int32_t v = INT32_C(1) << 28; /* 1 in Q3.28 */
    for (int i = 0; i < 5; ++i) {
        const int32_t v3 = saturating_shl(tslm_srdhm(tslm_srdhm(v, v), v), 6);
        v = saturating_shl((int32_t)((uint32_t)tslm_srdhm(half_three, v) - (uint32_t)tslm_srdhm(half_x, v3)), 3);
    }
    v = tslm_srdhm(v, 1518500250); /* x sqrt(2) / 2 */
    if (right < 0) {
        v = tslm_shl_wrap(v, -right);
        right = 0;
    }
    *multiplier = v;
    *shift = -right;
}

void tslm_rsqrt_s16(const tslm_rsqrt_s16_params *p, const int16_t *input, int16_t *output)
{
    const int32_t k_shift = 20; /* TFLM's: keeps the intermediate an integer */
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t v = (int32_t)input[i] - p->input_zero_point;
        if (v <= 0) {
            output[i] = 32767;
            continue;
        }
        int32_t m, s;
        inv_sqrt(v, &m, &s);
        const int32_t data = tslm_requantize(1, m, s + k_shift);
        const int32_t out = tslm_requantize(data, p->multiplier, p->shift - k_shift) + p->output_zero_point;
        output[i] = (int16_t)tslm_clamp_i32(out, -32768, 32767);
    }
}
