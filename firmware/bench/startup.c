/*
 * startup.c - minimal Cortex-M reset for the bench runtime: vector table,
 * .data/.bss setup, FPU enable, SysTick overflow counting, faults -> exit.
 */
#include <stdint.h>
#include <string.h>

#include "semihost.h"

extern uint32_t __stack_top, __data_load, __data_start, __data_end, __bss_start, __bss_end;
int main(void);

volatile uint32_t bench_systick_wraps;

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define CPACR (*(volatile uint32_t *)0xE000ED88u)

void Reset_Handler(void);
void Fault_Handler(void);
void SysTick_Handler(void);

__attribute__((section(".isr_vector"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)&__stack_top,
    Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
    0, 0, 0, 0, Fault_Handler, Fault_Handler, 0, Fault_Handler, SysTick_Handler,
};

void Reset_Handler(void)
{
    memcpy(&__data_start, &__data_load, (size_t)((uint8_t *)&__data_end - (uint8_t *)&__data_start));
    memset(&__bss_start, 0, (size_t)((uint8_t *)&__bss_end - (uint8_t *)&__bss_start));
#if defined(__ARM_FP)
    CPACR |= 0xFu << 20; /* CP10, CP11: full access */
    __asm__ volatile("dsb\n isb");
#endif
    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 0x7u; /* core clock, interrupt on wrap, enabled */
    sh_exit(main());
}

void Fault_Handler(void)
{
    sh_write0("bench: fault\n");
    sh_exit(3);
}

void SysTick_Handler(void)
{
    bench_systick_wraps++;
}

/* SysTick ticks since reset (64-bit, wrap-safe). */
uint64_t bench_ticks(void)
{
    uint32_t wraps, cvr;
    do {
        wraps = bench_systick_wraps;
        cvr = SYST_CVR;
    } while (wraps != bench_systick_wraps);
    return (uint64_t)wraps * 0x1000000u + (0xFFFFFFu - cvr);
}
