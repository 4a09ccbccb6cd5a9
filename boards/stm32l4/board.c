/*
 * board.c - STM32L4+ (NUCLEO-L4R5ZI): LPUART1 on PG7 (TX) / PG8 (RX), AF8, the
 * ST-LINK virtual COM port; SysTick. Port G is powered from VDDIO2, which must
 * be declared valid (PWR_CR2.IOSV) before the pins work. Runs from the 4 MHz
 * MSI reset clock; LPUART BRR = 256 * clock / baud.
 */
#include "board.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define LPUART_CR1 REG(TSLM_UART_BASE + 0x00u)
#define LPUART_BRR REG(TSLM_UART_BASE + 0x0Cu)
#define LPUART_ISR REG(TSLM_UART_BASE + 0x1Cu)
#define LPUART_RDR REG(TSLM_UART_BASE + 0x24u)
#define LPUART_TDR REG(TSLM_UART_BASE + 0x28u)
#define ISR_RXNE (1u << 5)
#define ISR_TXE (1u << 7)

#define RCC_AHB2ENR REG(0x4002104Cu)
#define RCC_APB1ENR1 REG(0x40021058u)
#define RCC_APB1ENR2 REG(0x4002105Cu)
#define PWR_CR2 REG(0x40007004u)
#define GPIOG_MODER REG(0x48001800u)
#define GPIOG_AFRL REG(0x48001820u)
#define GPIOG_AFRH REG(0x48001824u)

void board_timer_init(void);

void board_init(void)
{
    RCC_APB1ENR1 |= 1u << 28; /* PWR */
    PWR_CR2 |= 1u << 9;       /* IOSV: VDDIO2 valid, port G usable */
    RCC_AHB2ENR |= 1u << 6;   /* GPIOG */
    RCC_APB1ENR2 |= 1u << 0;  /* LPUART1 */
    GPIOG_MODER = (GPIOG_MODER & ~((3u << 14) | (3u << 16))) | (2u << 14) | (2u << 16);
    GPIOG_AFRL = (GPIOG_AFRL & ~(0xFu << 28)) | (8u << 28);
    GPIOG_AFRH = (GPIOG_AFRH & ~0xFu) | 8u;
    LPUART_BRR = (uint32_t)(((uint64_t)TSLM_CLOCK_HZ * 256u + TSLM_UART_BAUD / 2u) / TSLM_UART_BAUD);
    LPUART_CR1 = (1u << 3) | (1u << 2) | 1u; /* TE, RE, UE */
    board_timer_init();
}

void board_putc(char c)
{
    while ((LPUART_ISR & ISR_TXE) == 0) {
    }
    LPUART_TDR = (uint8_t)c;
}

int board_getc(void)
{
    if ((LPUART_ISR & ISR_RXNE) == 0) {
        return -1;
    }
    return (int)(LPUART_RDR & 0xFFu);
}
