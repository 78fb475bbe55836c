/* SysTick as a monotonic microsecond clock: a 1 ms interrupt counts
   milliseconds, the current value gives the fraction. QEMU runs SysTick on
   host time (no icount needed). */
#include "cortexm.h"

#define SYST_CSR 0xE000E010u
#define SYST_RVR 0xE000E014u
#define SYST_CVR 0xE000E018u
#define CSR_ENABLE 0x1u
#define CSR_TICKINT 0x2u
#define CSR_CLKSOURCE 0x4u
#define ICSR 0xE000ED04u
#define ICSR_PENDSTSET (1u << 26)

void es_systick_init(es_systick_t *t, uint32_t cpu_hz)
{
    t->cpu_hz = cpu_hz;
    t->reload = cpu_hz / 1000u - 1u;
    t->ms_lo = 0;
    t->ms_hi = 0;
    ES_REG32(SYST_CSR) = 0;
    ES_REG32(SYST_RVR) = t->reload;
    ES_REG32(SYST_CVR) = 0;
    ES_REG32(SYST_CSR) = CSR_ENABLE | CSR_TICKINT | CSR_CLKSOURCE;
}

void es_systick_isr(es_systick_t *t)
{
    uint32_t lo = t->ms_lo + 1u;
    if (lo == 0) {
        t->ms_hi = t->ms_hi + 1u;
    }
    t->ms_lo = lo;
}

static uint64_t ms_now(const es_systick_t *t)
{
    uint32_t hi, lo;
    do {
        hi = t->ms_hi;
        lo = t->ms_lo;
    } while (hi != t->ms_hi);
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t now_us(void *ctx)
{
    es_systick_t *t = (es_systick_t *)ctx;
    uint64_t ms;
    uint32_t cvr;
    int pending;
    /* Read the count and the millisecond counter consistently: retry when the
       counter wrapped in between (the interrupt may still be pending). */
    for (;;) {
        ms = ms_now(t);
        int p1 = (ES_REG32(ICSR) & ICSR_PENDSTSET) != 0;
        cvr = ES_REG32(SYST_CVR);
        pending = (ES_REG32(ICSR) & ICSR_PENDSTSET) != 0;
        if (ms == ms_now(t) && p1 == pending) {
            break;
        }
    }
    if (pending) {
        /* wrapped before the count was read, its interrupt not yet taken */
        ms += 1u;
    }
    uint32_t elapsed = t->reload - (cvr > t->reload ? t->reload : cvr);
    return ms * 1000u + (uint64_t)elapsed * 1000u / ((uint64_t)t->reload + 1u);
}

static void sleep_us(void *ctx, uint64_t us)
{
    uint64_t end = now_us(ctx) + us;
    while (now_us(ctx) < end) {
        __asm__ volatile("wfi");
    }
}

const es_timer_ops_t es_systick_ops = {now_us, sleep_us};
