/*
 * board.c - STM32F4 (Netduino Plus 2 / STM32F405, NUCLEO-F446RE / STM32F446):
 * USART (SR/DR/BRR/CR1 register layout) and SysTick, running from the reset
 * clock. On the NUCLEO the ST-LINK virtual COM port is USART2 on PA2/PA3 (AF7),
 * which needs its bus and GPIO clocks and the pin mux set here.
 */
#include "board.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define USART_SR REG(TSLM_UART_BASE + 0x00u)
#define USART_DR REG(TSLM_UART_BASE + 0x04u)
#define USART_BRR REG(TSLM_UART_BASE + 0x08u)
#define USART_CR1 REG(TSLM_UART_BASE + 0x0Cu)
#define SR_RXNE (1u << 5)
#define SR_TXE (1u << 7)
#define CR1_UE (1u << 13)
#define CR1_TE (1u << 3)
#define CR1_RE (1u << 2)

#define RCC_AHB1ENR REG(0x40023830u)
#define RCC_APB1ENR REG(0x40023840u)
#define RCC_APB2ENR REG(0x40023844u)
#define GPIOA_MODER REG(0x40020000u)
#define GPIOA_AFRL REG(0x40020020u)

void board_timer_init(void);

void board_init(void)
{
#if TSLM_UART_BASE == 0x40004400u /* USART2 on PA2 (TX) / PA3 (RX), AF7 */
    RCC_AHB1ENR |= 1u << 0;  /* GPIOA */
    RCC_APB1ENR |= 1u << 17; /* USART2 */
    GPIOA_MODER = (GPIOA_MODER & ~(0xFu << 4)) | (0xAu << 4);
    GPIOA_AFRL = (GPIOA_AFRL & ~(0xFFu << 8)) | (0x77u << 8);
#elif TSLM_UART_BASE == 0x40011000u
    RCC_APB2ENR |= 1u << 4; /* USART1 */
#endif
    USART_BRR = (TSLM_CLOCK_HZ + TSLM_UART_BAUD / 2u) / TSLM_UART_BAUD;
    USART_CR1 = CR1_UE | CR1_TE | CR1_RE;
    board_timer_init();
}

void board_putc(char c)
{
    while ((USART_SR & SR_TXE) == 0) {
    }
    USART_DR = (uint8_t)c;
}

int board_getc(void)
{
    if ((USART_SR & SR_RXNE) == 0) {
        return -1;
    }
    return (int)(USART_DR & 0xFFu);
}
