/* Monotonic timer on POSIX clock_gettime / nanosleep. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <time.h>

#include "sim.h"

uint64_t es_sim_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t now_us(void *ctx)
{
    (void)ctx;
    return es_sim_now_us();
}

static void sleep_us(void *ctx, uint64_t us)
{
    (void)ctx;
    struct timespec ts = {(time_t)(us / 1000000u), (long)(us % 1000000u) * 1000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

const es_timer_ops_t es_sim_timer_ops = {now_us, sleep_us};
