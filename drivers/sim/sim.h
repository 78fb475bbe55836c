/**
 * @file sim.h
 * @brief host_sim drivers: paced pseudo-terminal / TCP UART, file-backed
 *        flash with power-cut injection, POSIX monotonic timer.
 */
#ifndef EARSHOT_SIM_H
#define EARSHOT_SIM_H

#include <stdint.h>

#include "earshot/drivers.h"

/** UART over a pseudo-terminal (or a TCP socket), paced at baud/10 bytes/s each way. */
typedef struct es_sim_uart {
    int fd;             /* pty master, or the TCP client (-1 when none) */
    int slave_fd;       /* held open so the master never sees a hang-up */
    int listen_fd;      /* TCP mode */
    uint32_t baud;
    double rx_credit;   /* bytes the line has delivered and the device not yet read */
    double tx_credit;
    uint64_t rx_last_us;
    uint64_t tx_last_us;
    int dropping;       /* peer not reading: drop output instead of blocking */
    uint64_t tx_dropped;
    char path[128];
} es_sim_uart_t;

/** Open a pseudo-terminal; its slave path lands in u->path. @return ES_OK or ES_ERR_IO. */
es_status_t es_sim_uart_open_pty(es_sim_uart_t *u, uint32_t baud);
/** Listen on 127.0.0.1:@p port (one client at a time). @return ES_OK or ES_ERR_IO. */
es_status_t es_sim_uart_open_tcp(es_sim_uart_t *u, uint32_t baud, uint16_t port);
/** Close everything. */
void es_sim_uart_close(es_sim_uart_t *u);
extern const es_uart_ops_t es_sim_uart_ops;

/** Flash in a file. */
typedef struct es_sim_flash {
    int fd;
    es_flash_geometry_t geo;
    uint64_t ops;        /* prog calls + erased sectors */
    uint64_t cut_after;  /* 0: never; else the cut_after-th operation is torn and the process exits 99 */
} es_sim_flash_t;

/**
 * Open (creating it erased when missing or empty) the flash file @p path.
 * @return ES_OK; ES_ERR_ARG (bad geometry, existing file of another size); ES_ERR_IO.
 */
es_status_t es_sim_flash_open(es_sim_flash_t *f, const char *path, const es_flash_geometry_t *geo,
                              uint64_t cut_after);
void es_sim_flash_close(es_sim_flash_t *f);
extern const es_flash_ops_t es_sim_flash_ops;

/** Exit status of a simulated power cut. */
#define ES_SIM_POWER_CUT_EXIT 99

extern const es_timer_ops_t es_sim_timer_ops;
/** Monotonic microseconds (same clock as es_sim_timer_ops). */
uint64_t es_sim_now_us(void);

#endif /* EARSHOT_SIM_H */
