/* check_say.h - one line "<what> <n>" to the host over semihosting, for the checks that run in QEMU and
 * report their first disagreement (no printf on the bench runtime). */
#ifndef CHECK_SAY_H
#define CHECK_SAY_H

#include <stdint.h>

#include "semihost.h"

static inline void say(const char *what, int32_t n)
{
    char buf[80];
    int i = 0;
    while (*what && i < 60) {
        buf[i++] = *what++;
    }
    buf[i++] = ' ';
    char digits[12];
    int k = 0;
    uint32_t u = n < 0 ? (uint32_t)-n : (uint32_t)n;
    do {
        digits[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (n < 0) {
        buf[i++] = '-';
    }
    while (k) {
        buf[i++] = digits[--k];
    }
    buf[i++] = '\n';
    buf[i] = 0;
    sh_write0(buf);
}

#endif /* CHECK_SAY_H */
