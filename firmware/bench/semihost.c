/* semihost.c - ARM semihosting over BKPT 0xAB (M-profile). */
#include "semihost.h"

static int32_t call(int32_t op, const void *arg)
{
    register int32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static size_t length(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        ++n;
    }
    return n;
}

int32_t sh_open(const char *path, int32_t mode)
{
    const uint32_t args[3] = {(uint32_t)(uintptr_t)path, (uint32_t)mode, (uint32_t)length(path)};
    return call(0x01, args);
}

int32_t sh_read(int32_t handle, void *buf, size_t n)
{
    const uint32_t args[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)buf, (uint32_t)n};
    return call(0x06, args);
}

int32_t sh_write(int32_t handle, const void *buf, size_t n)
{
    const uint32_t args[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)buf, (uint32_t)n};
    return call(0x05, args);
}

int32_t sh_close(int32_t handle)
{
    const uint32_t args[1] = {(uint32_t)handle};
    return call(0x02, args);
}

void sh_write0(const char *text)
{
    call(0x04, text);
}

void sh_exit(int32_t code)
{
    /* SYS_EXIT_EXTENDED: ADP_Stopped_ApplicationExit with an exit code */
    const uint32_t args[2] = {0x20026u, (uint32_t)code};
    call(0x20, args);
    for (;;) {
    }
}
