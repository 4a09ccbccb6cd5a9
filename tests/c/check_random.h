/* check_random.h - the pseudo-random draws the kernel checks share (xorshift32: the same sequence on the
 * host and on the Cortex-M, no libc rand). Define CHECK_RANDOM_SEED (non-zero) before including it. */
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

#endif /* CHECK_RANDOM_H */
