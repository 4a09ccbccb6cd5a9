/* semihost.h - ARM semihosting calls (BKPT 0xAB), as QEMU implements them. */
#ifndef TSLM_SEMIHOST_H
#define TSLM_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/* open `path` ("rb" = mode 1, "wb" = mode 5); returns a handle or -1 */
int32_t sh_open(const char *path, int32_t mode);
/* bytes NOT transferred (0 = all done), as the semihosting spec defines */
int32_t sh_read(int32_t handle, void *buf, size_t n);
int32_t sh_write(int32_t handle, const void *buf, size_t n);
int32_t sh_close(int32_t handle);
void sh_write0(const char *text);
void sh_exit(int32_t code) __attribute__((noreturn));

#endif
