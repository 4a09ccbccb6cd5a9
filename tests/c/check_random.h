/* check_random.h - the pseudo-random draws and int8 fills the kernel checks share (xorshift32: the same
 * sequence on the host and on the Cortex-M, no libc rand). Define CHECK_RANDOM_SEED (non-zero) before
 * including it. */
#ifndef CHECK_RANDOM_H
#define CHECK_RANDOM_H

#include <stdint.h>

static uint32_t check_random_state = CHECK_RANDOM_SEED;

static inline uint32_t next(void) /* xorshift32 */
{
    check_random_state ^= check_random_state << 13;
    check_random_state ^= check_random_state >> 17;
    check_random_state ^= check_random_state << 5;
    return check_random_state;
}

static inline int32_t between(int32_t lo, int32_t hi) /* uniform in [lo, hi] */
{
    return lo + (int32_t)(next() % (uint32_t)(hi - lo + 1));
}

static inline int32_t multiplier(void) /* Q0.31 in [1/2, 1); often 1/2 or 3/4, whose products land on rounding ties */
{
    const uint32_t pick = next() % 8;
    if (pick < 2) {
        return INT32_C(1) << 30;
    }
    if (pick == 2) {
        return INT32_C(3) << 29;
    }
    return (int32_t)((UINT32_C(1) << 30) | (next() >> 2));
}

/* Random int8 values, or values near the zero points (outputs inside the range) when `narrow`. */
static inline void fill_s8(int8_t *v, int32_t n, int narrow)
{
    for (int32_t i = 0; i < n; ++i) {
        v[i] = narrow ? (int8_t)between(-6, 6) : (int8_t)(next() >> 24);
    }
}

#endif /* CHECK_RANDOM_H */
