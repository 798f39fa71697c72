/* vpcd link: we are the TCP client, vpcd (inside pcscd) listens.  Frames
 * are a 2-byte big-endian length + payload; a 1-byte payload is a control
 * message (00 power off, 01 power on, 02 reset, 04 get ATR), anything else
 * a C-APDU answered by the R-APDU.
 *
 * Latency: vpcd sends length and payload in two send() calls without
 * TCP_NODELAY, so with delayed ACKs every APDU would wait ~48 ms.  We set
 * TCP_NODELAY and re-arm TCP_QUICKACK after EVERY recv (the kernel clears
 * it again on its own). */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "jpki/apdu.h"
#include "vpcd.h"

#define VPCD_CTRL_OFF 0x00
#define VPCD_CTRL_ON 0x01
#define VPCD_CTRL_RESET 0x02
#define VPCD_CTRL_ATR 0x04

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void quickack(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

/* Connect once; -1 if vpcd is not listening (yet). */
static int try_connect(const sim_link_opts *o)
{
    char port[16];
    snprintf(port, sizeof port, "%d", o->port);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(o->host, port, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        quickack(fd);
    }
    return fd;
}

/* Read exactly n bytes: 1 ok, 0 peer closed, -1 error or stop. */
static int recv_all(int fd, uint8_t *buf, size_t n, volatile sig_atomic_t *stop)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, buf + got, n - got, 0);
        if (r < 0 && errno == EINTR) {
            if (*stop)
                return -1;
            continue;
        }
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        got += (size_t)r;
        quickack(fd);
    }
    return 1;
}

static int send_frame(int fd, const uint8_t *p, size_t n)
{
    uint8_t frame[2 + JPKI_RAPDU_MAX];
    if (n > 0xFFFF)
        return -1;
    frame[0] = (uint8_t)(n >> 8);
    frame[1] = (uint8_t)n;
    memcpy(frame + 2, p, n);
    size_t off = 0, total = n + 2;
    while (off < total) {
        ssize_t w = send(fd, frame + off, total - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        off += (size_t)w;
    }
    return 0;
}

/* One connection.  Returns 1 to reconnect, 0 to stop. */
static int serve_connection(int fd, const sim_link_card *card, const sim_link_opts *o,
                            volatile sig_atomic_t *stop, volatile sig_atomic_t *release,
                            long *answered)
{
    static uint8_t in[0x10000], out[JPKI_RAPDU_MAX];
    while (!*stop) {
        uint8_t hdr[2];
        int r = recv_all(fd, hdr, 2, stop);
        if (r <= 0)
            return r == 0 && !*stop;
        size_t n = (size_t)hdr[0] << 8 | hdr[1];
        r = recv_all(fd, in, n, stop);
        if (r <= 0)
            return r == 0 && !*stop;
        if (n == 0)
            continue;
        if (n == 1) {
            if (o->verbose)
                fprintf(stderr, "jpki-card-sim: control %02X\n", in[0]);
            switch (in[0]) {
            case VPCD_CTRL_OFF:
            case VPCD_CTRL_ON:
            case VPCD_CTRL_RESET:
                card->power_cycle(card->card);
                break;
            case VPCD_CTRL_ATR: {
                size_t alen;
                const uint8_t *atr = card->atr(card->card, &alen);
                if (send_frame(fd, atr, alen) != 0)
                    return !*stop;
                break;
            }
            default:
                break;
            }
            continue;
        }
        if (o->remove_after >= 0 && *answered >= o->remove_after) {
            /* The card is pulled mid-session: this APDU is never executed. */
            fprintf(stderr, "jpki-card-sim: card removed after %ld APDUs\n", *answered);
            return 0;
        }
        size_t rlen = card->apdu(card->card, in, n, out, sizeof out);
        if (o->verbose && n >= 4 && rlen >= 2)
            fprintf(stderr, "jpki-card-sim: #%ld %02X %02X %02X %02X (%zu bytes) -> %02X%02X\n",
                    *answered + 1, in[0], in[1], in[2], in[3], n, out[rlen - 2], out[rlen - 1]);
        if (o->slow_ms > 0)
            sleep_ms(o->slow_ms);
        if (o->hold_after >= 0 && *answered == o->hold_after) {
            /* The APDU has run (its effect is in the state file); the host
             * waits for the answer while a test ends it -- a power cut or a
             * kill at exactly this point -- or signals it. */
            fprintf(stderr, "jpki-card-sim: holding the answer after %ld APDUs\n", *answered);
            while (!*stop && !*release)
                sleep_ms(20);
            /* Released (even if told to stop in the same instant): the
             * answer goes out, or pcscd would wait for it forever. */
            bool released = *release;
            *release = 0;
            if (!released)
                return 0;
            /* Whoever waited for it is gone (killed, or the power cut):
             * the card comes back without its security state. */
            card->power_cycle(card->card);
        }
        (*answered)++;
        if (send_frame(fd, out, rlen) != 0)
            return !*stop;
    }
    return 0;
}

static const uint8_t *variant_atr(const void *card, size_t *len)
{
    return sim_card_variant_atr(card, len);
}

static void power_cycle(void *card)
{
    sim_card_power_cycle(card);
}

int sim_vpcd_serve(sim_card *card, const sim_link_opts *o, volatile sig_atomic_t *stop,
                   volatile sig_atomic_t *release)
{
    sim_link_card link = {card, sim_card_apdu, power_cycle, variant_atr};
    return sim_vpcd_serve_link(&link, o, stop, release);
}

int sim_vpcd_serve_link(const sim_link_card *card, const sim_link_opts *o,
                        volatile sig_atomic_t *stop, volatile sig_atomic_t *release)
{
    long answered = 0;
    while (!*stop) {
        int fd = try_connect(o);
        if (fd < 0) {
            sleep_ms(100); /* vpcd not listening yet: pcscd may still be starting */
            continue;
        }
        int again = serve_connection(fd, card, o, stop, release, &answered);
        close(fd);
        /* A new connection is a new insertion: fresh security state. */
        card->power_cycle(card->card);
        if (!again)
            break;
        sleep_ms(100);
    }
    return 0;
}
