/*
 * tslm_simd.h - the few ARMv7E-M DSP-extension operations the optimized
 * kernels use (Cortex-M4, M7, M33), with an exact portable C equivalent so the
 * very same kernel source also builds and is tested bit-exactly on the host.
 *
 * A "pair" is an int32_t holding two int16 lanes: bits 0..15 and 16..31.
 */
#ifndef TSLM_SIMD_H
#define TSLM_SIMD_H

#include <stdint.h>
#include <string.h>

/* 4 bytes from any address (one LDR on Cortex-M4/M7, unaligned allowed). */
static inline int32_t tslm_read32(const void *p)
{
    int32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* 4 bytes to any address (one STR on Cortex-M4/M7, unaligned allowed). */
static inline void tslm_write32(void *p, int32_t v) { memcpy(p, &v, sizeof(v)); }

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>

/* bytes 0 and 2, sign-extended: pair (b0, b2) */
static inline int32_t tslm_sxtb16(int32_t x) { return __sxtb16(x); }
/* bytes 1 and 3, sign-extended: pair (b1, b3), one instruction */
static inline int32_t tslm_sxtb16_ror8(int32_t x)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
/* acc + a.lo * b.lo + a.hi * b.hi */
static inline int32_t tslm_smlad(int32_t a, int32_t b, int32_t acc) { return __smlad(a, b, acc); }
/* acc + a.lo * b.lo, and acc + a.hi * b.hi */
static inline int32_t tslm_smlabb(int32_t a, int32_t b, int32_t acc) { return __smlabb(a, b, acc); }
static inline int32_t tslm_smlatt(int32_t a, int32_t b, int32_t acc) { return __smlatt(a, b, acc); }
/* lane-wise a + b (int16, wrapping) */
static inline int32_t tslm_sadd16(int32_t a, int32_t b) { return __sadd16(a, b); }
/* acc + the pair (b0, b2) of x, and acc + the pair (b1, b3): one SXTAB16 each */
static inline int32_t tslm_sxtab16(int32_t acc, int32_t x) { return __sxtab16(acc, x); }
static inline int32_t tslm_sxtab16_ror8(int32_t acc, int32_t x)
{
    int32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(acc), "r"(x));
    return r;
}
/* acc + round(a * b / 2^32), the product's high word rounded (SMMLAR) */
static inline int32_t tslm_smmlar(int32_t a, int32_t b, int32_t acc)
{
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}
/* x saturated to int8 (SSAT #8) */
static inline int32_t tslm_ssat8(int32_t x) { return __ssat(x, 8); }
/* lane-wise max and min of four int8 lanes: SSUB8 sets each byte's GE flag where a >= b, SEL picks a's byte
 * there and b's elsewhere (the min: b's there) */
static inline int32_t tslm_max_s8x4(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(r) : "r"(a), "r"(b));
    return r;
}
static inline int32_t tslm_min_s8x4(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("ssub8 %0, %1, %2\n\tsel %0, %2, %1" : "=&r"(r) : "r"(a), "r"(b));
    return r;
}
/* the same with two int16 lanes (SSUB16, SEL) */
static inline int32_t tslm_max_s16x2(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("ssub16 %0, %1, %2\n\tsel %0, %1, %2" : "=&r"(r) : "r"(a), "r"(b));
    return r;
}
static inline int32_t tslm_min_s16x2(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("ssub16 %0, %1, %2\n\tsel %0, %2, %1" : "=&r"(r) : "r"(a), "r"(b));
    return r;
}

#else /* portable equivalents */

static inline int32_t tslm_pair(int32_t lo, int32_t hi)
{
    return (int32_t)(((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16));
}
static inline int32_t tslm_sxtb16(int32_t x)
{
    return tslm_pair((int8_t)(x & 0xFF), (int8_t)((x >> 16) & 0xFF));
}
static inline int32_t tslm_sxtb16_ror8(int32_t x)
{
    return tslm_pair((int8_t)((x >> 8) & 0xFF), (int8_t)((x >> 24) & 0xFF));
}
static inline int32_t tslm_smlad(int32_t a, int32_t b, int32_t acc)
{
    const int32_t lo = (int32_t)(int16_t)(a & 0xFFFF) * (int32_t)(int16_t)(b & 0xFFFF);
    const int32_t hi = (int32_t)(int16_t)((a >> 16) & 0xFFFF) * (int32_t)(int16_t)((b >> 16) & 0xFFFF);
    return (int32_t)((uint32_t)acc + (uint32_t)lo + (uint32_t)hi);
}
static inline int32_t tslm_smlabb(int32_t a, int32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)((int32_t)(int16_t)(a & 0xFFFF) * (int32_t)(int16_t)(b & 0xFFFF)));
}
static inline int32_t tslm_smlatt(int32_t a, int32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc +
                     (uint32_t)((int32_t)(int16_t)((a >> 16) & 0xFFFF) * (int32_t)(int16_t)((b >> 16) & 0xFFFF)));
}
static inline int32_t tslm_sadd16(int32_t a, int32_t b)
{
    return tslm_pair((int16_t)((a & 0xFFFF) + (b & 0xFFFF)), (int16_t)(((a >> 16) & 0xFFFF) + ((b >> 16) & 0xFFFF)));
}
static inline int32_t tslm_smmlar(int32_t a, int32_t b, int32_t acc)
{
    const int64_t t = (int64_t)(((uint64_t)(uint32_t)acc << 32) + (uint64_t)((int64_t)a * b) + UINT64_C(0x80000000));
    return (int32_t)(t >> 32);
}
static inline int32_t tslm_ssat8(int32_t x) { return x < -128 ? -128 : (x > 127 ? 127 : x); }
static inline int32_t tslm_sxtab16(int32_t acc, int32_t x) { return tslm_sadd16(acc, tslm_sxtb16(x)); }
static inline int32_t tslm_sxtab16_ror8(int32_t acc, int32_t x) { return tslm_sadd16(acc, tslm_sxtb16_ror8(x)); }
static inline int32_t tslm_max_s8x4(int32_t a, int32_t b)
{
    uint32_t r = 0;
    for (int i = 0; i < 32; i += 8) {
        const int8_t x = (int8_t)((uint32_t)a >> i), y = (int8_t)((uint32_t)b >> i);
        r |= (uint32_t)(uint8_t)(x > y ? x : y) << i;
    }
    return (int32_t)r;
}
static inline int32_t tslm_min_s8x4(int32_t a, int32_t b)
{
    uint32_t r = 0;
    for (int i = 0; i < 32; i += 8) {
        const int8_t x = (int8_t)((uint32_t)a >> i), y = (int8_t)((uint32_t)b >> i);
        r |= (uint32_t)(uint8_t)(x < y ? x : y) << i;
    }
    return (int32_t)r;
}
static inline int32_t tslm_max_s16x2(int32_t a, int32_t b)
{
    const int16_t a0 = (int16_t)(a & 0xFFFF), a1 = (int16_t)((uint32_t)a >> 16);
    const int16_t b0 = (int16_t)(b & 0xFFFF), b1 = (int16_t)((uint32_t)b >> 16);
    return tslm_pair(a0 > b0 ? a0 : b0, a1 > b1 ? a1 : b1);
}
static inline int32_t tslm_min_s16x2(int32_t a, int32_t b)
{
    const int16_t a0 = (int16_t)(a & 0xFFFF), a1 = (int16_t)((uint32_t)a >> 16);
    const int16_t b0 = (int16_t)(b & 0xFFFF), b1 = (int16_t)((uint32_t)b >> 16);
    return tslm_pair(a0 < b0 ? a0 : b0, a1 < b1 ? a1 : b1);
}
#endif

#endif /* TSLM_SIMD_H */
