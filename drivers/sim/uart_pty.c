/* UART over a pseudo-terminal or a TCP socket, paced at the configured baud
   rate in both directions (8N1: baud / 10 bytes per second). The device reads
   from the pty master no faster than the line rate, so the kernel buffer
   back-pressures a faster host, as a real UART at that rate would. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

/* Bytes a receive DMA ring / transmit FIFO absorbs at once. */
#define RX_BURST 256.0
#define TX_BURST 64.0
/* How long a write waits for a peer that does not read before output is dropped. */
#define TX_STALL_MS 200

static double byte_us(const es_sim_uart_t *u) { return 10.0 * 1e6 / (double)u->baud; }

static void sleep_for_us(double us)
{
    if (us <= 0) {
        return;
    }
    struct timespec ts = {(time_t)(us / 1e6), (long)((us - (double)(time_t)(us / 1e6) * 1e6) * 1000.0)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void refill(double *credit, uint64_t *last, double burst, double bus)
{
    uint64_t now = es_sim_now_us();
    *credit += (double)(now - *last) / bus;
    if (*credit > burst) {
        *credit = burst;
    }
    *last = now;
}

static void init_common(es_sim_uart_t *u, uint32_t baud)
{
    memset(u, 0, sizeof *u);
    u->fd = -1;
    u->slave_fd = -1;
    u->listen_fd = -1;
    u->baud = baud;
    u->rx_last_us = u->tx_last_us = es_sim_now_us();
}

es_status_t es_sim_uart_open_pty(es_sim_uart_t *u, uint32_t baud)
{
    init_common(u, baud);
    if (baud == 0) {
        return ES_ERR_ARG;
    }
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) {
        if (m >= 0) {
            close(m);
        }
        return ES_ERR_IO;
    }
    const char *name = ptsname(m);
    if (name == NULL) {
        close(m);
        return ES_ERR_IO;
    }
    snprintf(u->path, sizeof u->path, "%s", name);
    int s = open(u->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) {
        close(m);
        return ES_ERR_IO;
    }
    struct termios t;
    if (tcgetattr(s, &t) == 0) {
        cfmakeraw(&t);
        cfsetispeed(&t, B115200);
        cfsetospeed(&t, B115200);
        tcsetattr(s, TCSANOW, &t);
    }
    fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
    u->fd = m;
    u->slave_fd = s;
    return ES_OK;
}

es_status_t es_sim_uart_open_tcp(es_sim_uart_t *u, uint32_t baud, uint16_t port)
{
    init_common(u, baud);
    if (baud == 0) {
        return ES_ERR_ARG;
    }
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (l < 0) {
        return ES_ERR_IO;
    }
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 1) != 0) {
        close(l);
        return ES_ERR_IO;
    }
    u->listen_fd = l;
    snprintf(u->path, sizeof u->path, "socket://127.0.0.1:%u", (unsigned)port);
    return ES_OK;
}

void es_sim_uart_close(es_sim_uart_t *u)
{
    if (u->fd >= 0) {
        close(u->fd);
    }
    if (u->slave_fd >= 0) {
        close(u->slave_fd);
    }
    if (u->listen_fd >= 0) {
        close(u->listen_fd);
    }
    u->fd = u->slave_fd = u->listen_fd = -1;
}

static void drop_client(es_sim_uart_t *u)
{
    if (u->listen_fd >= 0 && u->fd >= 0) {
        close(u->fd);
        u->fd = -1;
    }
}

/* TCP: accept a client when none is connected, waiting up to timeout_ms. */
static int ensure_client(es_sim_uart_t *u, int timeout_ms)
{
    if (u->fd >= 0) {
        return 1;
    }
    if (u->listen_fd < 0) {
        return 0;
    }
    struct pollfd p = {u->listen_fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) {
        return 0;
    }
    int c = accept4(u->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0) {
        return 0;
    }
    int one = 1;
    setsockopt(c, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof one);
    u->fd = c;
    u->dropping = 0;
    u->rx_credit = 0;
    u->rx_last_us = es_sim_now_us();
    return 1;
}

static int32_t uart_read(void *ctx, uint8_t *buf, size_t cap, uint32_t timeout_ms)
{
    es_sim_uart_t *u = ctx;
    if (buf == NULL) {
        return ES_ERR_ARG;
    }
    if (cap == 0) {
        return 0;
    }
    uint64_t start = es_sim_now_us();
    if (!ensure_client(u, (int)timeout_ms)) {
        return 0;
    }
    struct pollfd p = {u->fd, POLLIN, 0};
    int r = poll(&p, 1, 0);
    if (r == 0) {
        uint64_t spent = (es_sim_now_us() - start) / 1000u;
        int left = spent >= timeout_ms ? 0 : (int)(timeout_ms - spent);
        r = poll(&p, 1, left);
        if (r <= 0) {
            return 0; /* timeout or EINTR (shutdown is checked by the caller) */
        }
        /* The line was idle: these bytes are just starting to arrive. */
        u->rx_credit = 0;
        u->rx_last_us = es_sim_now_us();
    } else if (r < 0) {
        return 0;
    }
    if ((p.revents & POLLIN) == 0) {
        if (p.revents & (POLLHUP | POLLERR)) {
            drop_client(u);
            if (u->listen_fd < 0) {
                sleep_for_us(1000); /* pty without a peer: avoid spinning */
            }
        }
        return 0;
    }
    double bus = byte_us(u);
    refill(&u->rx_credit, &u->rx_last_us, RX_BURST, bus);
    if (u->rx_credit < 1.0) {
        double want = (double)(cap < 32 ? cap : 32);
        sleep_for_us((want - u->rx_credit) * bus);
        refill(&u->rx_credit, &u->rx_last_us, RX_BURST, bus);
    }
    size_t n = (size_t)u->rx_credit;
    if (n > cap) {
        n = cap;
    }
    if (n == 0) {
        return 0;
    }
    ssize_t got = read(u->fd, buf, n);
    if (got > 0) {
        u->rx_credit -= (double)got;
        return (int32_t)got;
    }
    if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
        drop_client(u);
    }
    return 0;
}

static es_status_t uart_write(void *ctx, const uint8_t *data, size_t len)
{
    es_sim_uart_t *u = ctx;
    if (data == NULL && len > 0) {
        return ES_ERR_ARG;
    }
    double bus = byte_us(u);
    size_t done = 0;
    while (done < len) {
        if (u->fd < 0) {
            u->tx_dropped += len - done;
            return ES_OK; /* nobody listening: the bytes are lost, as on a wire */
        }
        refill(&u->tx_credit, &u->tx_last_us, TX_BURST, bus);
        if (u->tx_credit < 1.0) {
            size_t want = len - done < (size_t)TX_BURST ? len - done : (size_t)TX_BURST;
            sleep_for_us(((double)want - u->tx_credit) * bus);
            refill(&u->tx_credit, &u->tx_last_us, TX_BURST, bus);
        }
        size_t n = (size_t)u->tx_credit;
        if (n > len - done) {
            n = len - done;
        }
        if (n == 0) {
            continue;
        }
        ssize_t w = u->listen_fd >= 0 ? send(u->fd, data + done, n, MSG_NOSIGNAL) : write(u->fd, data + done, n);
        if (w > 0) {
            u->tx_credit -= (double)w;
            done += (size_t)w;
            u->dropping = 0;
            continue;
        }
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0 && errno == EAGAIN) {
            /* Peer not reading. Wait a while once; while it stays stalled, drop. */
            struct pollfd p = {u->fd, POLLOUT, 0};
            if (!u->dropping && poll(&p, 1, TX_STALL_MS) > 0 && (p.revents & POLLOUT)) {
                continue;
            }
            u->dropping = 1;
            u->tx_dropped += len - done;
            return ES_OK;
        }
        drop_client(u);
        u->tx_dropped += len - done;
        return ES_OK;
    }
    return ES_OK;
}

const es_uart_ops_t es_sim_uart_ops = {uart_write, uart_read};
