/*
 * board.c - ARM MPS2/MPS3 FPGA images (CMSDK peripherals): APB UART, SysTick.
 * The UART needs no clock or pin setup; BAUDDIV = clock / baud.
 */
#include "board.h"

#define UART_DATA (*(volatile uint32_t *)(TSLM_UART_BASE + 0x00u))
#define UART_STATE (*(volatile uint32_t *)(TSLM_UART_BASE + 0x04u))
#define UART_CTRL (*(volatile uint32_t *)(TSLM_UART_BASE + 0x08u))
#define UART_BAUDDIV (*(volatile uint32_t *)(TSLM_UART_BASE + 0x10u))
#define STATE_TX_FULL 0x1u
#define STATE_RX_FULL 0x2u

void board_timer_init(void);

void board_init(void)
{
    UART_BAUDDIV = TSLM_CLOCK_HZ / TSLM_UART_BAUD;
    UART_CTRL = 0x3u; /* TX and RX enabled */
    board_timer_init();
}

void board_putc(char c)
{
    while (UART_STATE & STATE_TX_FULL) {
    }
    UART_DATA = (uint8_t)c;
}

int board_getc(void)
{
    if ((UART_STATE & STATE_RX_FULL) == 0) {
        return -1;
    }
    return (int)(UART_DATA & 0xFFu);
}
