/*
 * startup.c - Cortex-M reset and exceptions, shared by every board:
 * vector table, .data/.bss initialisation, FPU enable, SysTick as a 64-bit
 * tick counter (24-bit hardware counter + wrap count) or the DWT cycle counter,
 * faults -> reset.
 */
#include <stdint.h>
#include <string.h>

#include "board.h"

extern uint32_t __stack_top, __data_load, __data_start, __data_end, __bss_start, __bss_end;
int main(void);

void Reset_Handler(void);
void Default_Handler(void);
void SysTick_Handler(void);

__attribute__((section(".isr_vector"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)&__stack_top,
    Reset_Handler,   Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, 0, 0, 0, 0,
    Default_Handler, Default_Handler, 0,               Default_Handler, SysTick_Handler,
};

#define SCB_AIRCR (*(volatile uint32_t *)0xE000ED0Cu)
#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

void Reset_Handler(void)
{
    memcpy(&__data_start, &__data_load, (size_t)((uint8_t *)&__data_end - (uint8_t *)&__data_start));
    memset(&__bss_start, 0, (size_t)((uint8_t *)&__bss_end - (uint8_t *)&__bss_start));
#if defined(__ARM_FP)
    SCB_CPACR |= 0xFu << 20; /* CP10, CP11: full access to the FPU */
    __asm__ volatile("dsb\n isb");
#endif
    board_init();
    (void)main();
    for (;;) {
    }
}

/* Any fault: request a system reset rather than hang. */
void Default_Handler(void)
{
    SCB_AIRCR = 0x05FA0004u;
    for (;;) {
    }
}

#if defined(TSLM_TIMER_SYSTICK)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

#define ICSR (*(volatile uint32_t *)0xE000ED04u)

/* Ticks = base + 2^24 per wrap + ticks into the current period. A period starts when the counter
 * reaches 0 (the wrap interrupt), then reloads 0xFFFFFF and counts down to 1: the ticks into it are
 * (2^24 - CVR) mod 2^24. */
static volatile uint32_t systick_wraps;
static uint64_t tick_base;

void board_timer_init(void)
{
    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 0x7u; /* processor clock, interrupt on wrap, enabled */
}

void SysTick_Handler(void)
{
    systick_wraps++;
}

uint64_t board_ticks(void)
{
    uint32_t wraps, cvr;
    do {
        wraps = systick_wraps;
        cvr = SYST_CVR;
    } while (wraps != systick_wraps);
    return tick_base + (uint64_t)wraps * 0x1000000u + ((0x1000000u - cvr) & 0xFFFFFFu);
}

/* Restart the tick phase here. Writing CVR clears the counter and the next clock reloads it, so
 * under QEMU -icount the tick edges then fall at fixed instruction offsets from this point: the
 * ticks of the code that follows no longer depend on how long the UART loop waited before it. */
void board_ticks_sync(void)
{
    const uint64_t now = board_ticks();
    __asm__ volatile("cpsid i" ::: "memory");
    SYST_CVR = 0;
    ICSR = 1u << 25; /* PENDSTCLR: drop a wrap that was pending from before */
    systick_wraps = 0;
    tick_base = now + 1u;
    __asm__ volatile("cpsie i" ::: "memory");
}
#elif defined(TSLM_TIMER_DWT)
/* DWT CYCCNT counts core cycles exactly (real cores only: QEMU does not model it). Its 32 bits
 * wrap every 2^32 cycles; SysTick interrupts every 2^24 cycles just to notice each wrap. */
#define DEMCR (*(volatile uint32_t *)0xE000EDFCu)
#define DWT_CTRL (*(volatile uint32_t *)0xE0001000u)
#define DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)
#define DWT_LAR (*(volatile uint32_t *)0xE0001FB0u)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static volatile uint32_t cyc_high, cyc_last;

void board_timer_init(void)
{
    DEMCR |= 1u << 24;      /* TRCENA: enable the DWT */
    DWT_LAR = 0xC5ACCE55u;  /* unlock (Cortex-M7; ignored elsewhere) */
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1u;         /* CYCCNTENA */
    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 0x7u;
}

uint64_t board_ticks(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
    const uint32_t now = DWT_CYCCNT;
    if (now < cyc_last) {
        cyc_high++;
    }
    cyc_last = now;
    const uint64_t t = ((uint64_t)cyc_high << 32) | now;
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
    return t;
}

void SysTick_Handler(void)
{
    (void)board_ticks();
}

void board_ticks_sync(void) /* cycles are exact: nothing to align */
{
}
#else
void SysTick_Handler(void)
{
}
#endif
