/* CMSDK APB UART: polled transmit, interrupt-driven receive into a ring buffer.
   The RX interrupt drains the one-byte receive register into the ring as soon
   as a byte arrives, so bytes are not lost while the firmware computes. */
#include "cortexm.h"

#define UART_DATA 0x000u
#define UART_STATE 0x004u
#define UART_CTRL 0x008u
#define UART_INTSTATUS 0x00Cu /* write: INTCLEAR */
#define UART_BAUDDIV 0x010u

#define STATE_TX_FULL 0x1u
#define STATE_RX_FULL 0x2u
#define STATE_TX_OVR 0x4u
#define STATE_RX_OVR 0x8u
#define CTRL_TX_EN 0x1u
#define CTRL_RX_EN 0x2u
#define CTRL_RX_INTEN 0x8u
#define CTRL_RX_OVR_INTEN 0x20u
#define INT_RX 0x2u
#define INT_RX_OVR 0x8u

void es_cmsdk_uart_init(es_cmsdk_uart_t *u, uintptr_t base, uint32_t pclk_hz, uint32_t baud,
                        const es_timer_t *timer)
{
    u->base = base;
    u->timer = timer;
    u->head = 0;
    u->tail = 0;
    u->overruns = 0;
    uint32_t div = baud > 0 ? pclk_hz / baud : 16u;
    ES_REG32(base + UART_CTRL) = 0;
    ES_REG32(base + UART_BAUDDIV) = div < 16u ? 16u : div;
    ES_REG32(base + UART_STATE) = STATE_TX_OVR | STATE_RX_OVR; /* write 1 to clear */
    ES_REG32(base + UART_INTSTATUS) = 0xFu;
    ES_REG32(base + UART_CTRL) = CTRL_TX_EN | CTRL_RX_EN | CTRL_RX_INTEN | CTRL_RX_OVR_INTEN;
}

void es_cmsdk_uart_isr(es_cmsdk_uart_t *u)
{
    const uintptr_t b = u->base;
    uint32_t head = u->head;
    while (ES_REG32(b + UART_STATE) & STATE_RX_FULL) {
        uint8_t c = (uint8_t)ES_REG32(b + UART_DATA);
        if (head - u->tail < ES_CMSDK_RX_RING) {
            u->ring[head & (ES_CMSDK_RX_RING - 1u)] = c;
            head++;
        } else {
            u->overruns++;
        }
    }
    if (ES_REG32(b + UART_STATE) & STATE_RX_OVR) {
        ES_REG32(b + UART_STATE) = STATE_RX_OVR;
        u->overruns++;
    }
    u->head = head;
    ES_REG32(b + UART_INTSTATUS) = INT_RX | INT_RX_OVR;
}

static void put_byte(uintptr_t base, uint8_t c)
{
    while (ES_REG32(base + UART_STATE) & STATE_TX_FULL) {
    }
    ES_REG32(base + UART_DATA) = c;
}

void es_cmsdk_uart_write_raw(uintptr_t base, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        put_byte(base, data[i]);
    }
}

void es_cmsdk_uart_puts(uintptr_t base, const char *s)
{
    while (*s != '\0') {
        put_byte(base, (uint8_t)*s++);
    }
}

static es_status_t uart_write(void *ctx, const uint8_t *data, size_t len)
{
    es_cmsdk_uart_t *u = (es_cmsdk_uart_t *)ctx;
    if (data == NULL && len > 0) {
        return ES_ERR_ARG;
    }
    for (size_t i = 0; i < len; i++) {
        put_byte(u->base, data[i]);
    }
    return ES_OK;
}

static int32_t uart_read(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms)
{
    es_cmsdk_uart_t *u = (es_cmsdk_uart_t *)ctx;
    if (buf == NULL) {
        return ES_ERR_ARG;
    }
    if (cap == 0) {
        return 0;
    }
    uint64_t deadline = 0;
    int started = 0;
    while (u->head == u->tail) {
        if (timeout_ms == 0) {
            return 0;
        }
        uint64_t now = es_timer_now_us(u->timer);
        if (!started) {
            deadline = now + (uint64_t)timeout_ms * 1000u;
            started = 1;
        } else if (now >= deadline) {
            return 0;
        }
        __asm__ volatile("wfi");
    }
    uint32_t tail = u->tail;
    uint32_t avail = u->head - tail;
    size_t n = avail < cap ? avail : cap;
    if (n > 0x7FFFFFFFu) {
        n = 0x7FFFFFFFu;
    }
    for (size_t i = 0; i < n; i++) {
        buf[i] = u->ring[(tail + i) & (ES_CMSDK_RX_RING - 1u)];
    }
    __asm__ volatile("dmb" ::: "memory");
    u->tail = tail + (uint32_t)n;
    return (int32_t)n;
}

const es_uart_ops_t es_cmsdk_uart_ops = {uart_write, uart_read};
