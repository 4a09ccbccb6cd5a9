/*
 * board.h - what the firmware needs from a board: a serial port and a timer.
 * One implementation per board family (boards/<family>/board.c), configured
 * by the generated board_config.h (TSLM_UART_BASE, TSLM_CLOCK_HZ, ...).
 */
#ifndef TSLM_BOARD_H
#define TSLM_BOARD_H

#include <stdint.h>

#include "board_config.h"

void board_init(void);       /* clocks, pins, UART, timer */
void board_putc(char c);     /* blocking write of one byte */
int board_getc(void);        /* next received byte, or -1 if none is waiting */
uint64_t board_ticks(void);  /* free-running counter at TSLM_TICK_HZ */
void board_ticks_sync(void); /* align the tick phase to now (deterministic counts in QEMU -icount) */

#endif /* TSLM_BOARD_H */
