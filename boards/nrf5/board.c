/*
 * board.c - Nordic nRF51 / nRF52 (micro:bit, nRF52840 DK, Feather nRF52840):
 * the legacy UART (TXD/RXD registers and RXDRDY/TXDRDY events), and a tick
 * counter: SysTick on the Cortex-M4 parts, TIMER0 at 16 MHz on the nRF51,
 * whose Cortex-M0 has no SysTick.
 */
#include "board.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define UART_STARTRX REG(TSLM_UART_BASE + 0x000u)
#define UART_STARTTX REG(TSLM_UART_BASE + 0x008u)
#define UART_RXDRDY REG(TSLM_UART_BASE + 0x108u)
#define UART_TXDRDY REG(TSLM_UART_BASE + 0x11Cu)
#define UART_ENABLE REG(TSLM_UART_BASE + 0x500u)
#define UART_PSELTXD REG(TSLM_UART_BASE + 0x50Cu)
#define UART_PSELRXD REG(TSLM_UART_BASE + 0x514u)
#define UART_RXD REG(TSLM_UART_BASE + 0x518u)
#define UART_TXD REG(TSLM_UART_BASE + 0x51Cu)
#define UART_BAUDRATE REG(TSLM_UART_BASE + 0x524u)

#ifndef TSLM_UART_TX_PIN
#define TSLM_UART_TX_PIN 24u /* micro:bit: P0.24 TX, P0.25 RX */
#define TSLM_UART_RX_PIN 25u
#endif

void board_timer_init(void);

void board_init(void)
{
    UART_PSELTXD = TSLM_UART_TX_PIN;
    UART_PSELRXD = TSLM_UART_RX_PIN;
    UART_BAUDRATE = 0x01D7E000u; /* 115200 baud */
    UART_ENABLE = 4u;
    UART_STARTTX = 1u;
    UART_STARTRX = 1u;
    board_timer_init();
}

void board_putc(char c)
{
    UART_TXDRDY = 0u;
    UART_TXD = (uint8_t)c;
    while (UART_TXDRDY == 0u) {
    }
}

int board_getc(void)
{
    if (UART_RXDRDY == 0u) {
        return -1;
    }
    UART_RXDRDY = 0u;
    return (int)(UART_RXD & 0xFFu);
}

#if defined(TSLM_TIMER_NRF_TIMER0)
#define TIMER0_START REG(0x40008000u)
#define TIMER0_CLEAR REG(0x4000800Cu)
#define TIMER0_CAPTURE0 REG(0x40008040u)
#define TIMER0_MODE REG(0x40008504u)
#define TIMER0_BITMODE REG(0x40008508u)
#define TIMER0_PRESCALER REG(0x40008510u)
#define TIMER0_CC0 REG(0x40008540u)

static uint32_t last_count, high_word;
static uint64_t tick_base;

void board_timer_init(void)
{
    TIMER0_MODE = 0u;      /* timer */
    TIMER0_BITMODE = 3u;   /* 32 bit */
    TIMER0_PRESCALER = 0u; /* 16 MHz */
    TIMER0_START = 1u;
}

/* 64-bit count from the 32-bit timer; called often enough (each command) not to miss a wrap. */
uint64_t board_ticks(void)
{
    TIMER0_CAPTURE0 = 1u;
    const uint32_t now = TIMER0_CC0;
    if (now < last_count) {
        high_word++;
    }
    last_count = now;
    return tick_base + (((uint64_t)high_word << 32) | now);
}

/* Restart the count (and so the tick phase) here: deterministic counts under QEMU -icount. */
void board_ticks_sync(void)
{
    const uint64_t now = board_ticks();
    TIMER0_CLEAR = 1u;
    last_count = 0u;
    high_word = 0u;
    tick_base = now + 1u;
}
#endif
