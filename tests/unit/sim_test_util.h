/* Shared helpers of the test_sim_* unit tests: a test CA and a persona card
 * made once per test group in a private temp directory, copied for every
 * test, and raw APDU exchange with the in-process engine. */
#ifndef SIM_TEST_UTIL_H
#define SIM_TEST_UTIL_H

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "jpki/profile.h"
#include "testca.h"

typedef struct sim_fixture {
    char dir[PATH_MAX / 2];
    char master[PATH_MAX];  /* the pristine card */
    char ca[PATH_MAX];
    char key[PATH_MAX];
    int copies;
} sim_fixture;

static sim_fixture fx;

/* Remove the fixture directory (one level of files plus ca/). */
static inline void fx_rm_tree(const char *dir)
{
    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static inline int fx_setup(const char *persona)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(fx.dir, sizeof fx.dir, "%s/jpki-simtest.XXXXXX", tmp);
    if (!mkdtemp(fx.dir))
        return -1;
    snprintf(fx.ca, sizeof fx.ca, "%s/ca", fx.dir);
    snprintf(fx.key, sizeof fx.key, "%s/issuer.key", fx.dir);
    snprintf(fx.master, sizeof fx.master, "%s/master.card", fx.dir);
    jpki_error err;
    jpki_error_clear(&err);
    if (testca_create(fx.ca, &err) != JPKI_OK) {
        fprintf(stderr, "testca_create: %s\n", err.message);
        return -1;
    }
    sim_new_options o = {fx.master, persona, fx.ca, fx.key, NULL, NULL};
    if (sim_card_create(&o, &err) != JPKI_OK) {
        fprintf(stderr, "sim_card_create: %s\n", err.message);
        return -1;
    }
    return 0;
}

static inline int fx_teardown(void **state)
{
    (void)state;
    fx_rm_tree(fx.dir);
    return 0;
}

static inline void fx_copy(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[8192];
    size_t n;
    while (in && out && (n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    if (in)
        fclose(in);
    if (out)
        fclose(out);
}

/* A fresh copy of the pristine card; path receives its state file. */
static inline sim_card *fx_card(char *path, size_t n)
{
    snprintf(path, n, "%s/card%d.card", fx.dir, fx.copies++);
    fx_copy(fx.master, path);
    jpki_error err;
    jpki_error_clear(&err);
    sim_card *c = sim_card_load(path, &err);
    if (!c)
        fprintf(stderr, "sim_card_load: %s\n", err.message);
    return c;
}

static inline int hexnib(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* "00 A4 04 0C 0A ..." -> bytes; spaces ignored. */
static inline size_t hex2bin(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = hex; *p && n < cap;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        out[n++] = (uint8_t)(hexnib(p[0]) << 4 | hexnib(p[1]));
        p += 2;
    }
    return n;
}

static uint8_t rbuf[JPKI_CERT_MAX + 600];
static size_t rlen; /* data length of the last response (without SW) */

/* Send raw bytes; returns the SW, data in rbuf/rlen. */
static inline uint16_t tx_raw(sim_card *c, const uint8_t *apdu, size_t n)
{
    size_t got = sim_card_apdu(c, apdu, n, rbuf, sizeof rbuf);
    if (got < 2)
        return 0;
    rlen = got - 2;
    return (uint16_t)(rbuf[got - 2] << 8 | rbuf[got - 1]);
}

static inline uint16_t tx(sim_card *c, const char *hex)
{
    uint8_t apdu[600];
    return tx_raw(c, apdu, hex2bin(hex, apdu, sizeof apdu));
}

/* Header + Lc + data (+ Le 00 if le) */
static inline uint16_t tx_data(sim_card *c, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                        const void *data, size_t n, int le)
{
    uint8_t apdu[300];
    size_t k = 0;
    apdu[k++] = cla;
    apdu[k++] = ins;
    apdu[k++] = p1;
    apdu[k++] = p2;
    if (n) {
        apdu[k++] = (uint8_t)n;
        memcpy(apdu + k, data, n);
        k += n;
    }
    if (le)
        apdu[k++] = 0x00;
    return tx_raw(c, apdu, k);
}

#define SEL_JPKI "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01"
#define SEL_CARDINFO "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08"
#define SEL_REGISTRY "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 01"
#define SEL_COMMON "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 01 00"
#define SEL_VISUAL "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 02"

static inline uint16_t sel_ef(sim_card *c, uint16_t fid)
{
    uint8_t a[7] = {0x00, 0xA4, 0x02, 0x0C, 0x02, (uint8_t)(fid >> 8), (uint8_t)fid};
    return tx_raw(c, a, sizeof a);
}

static inline uint16_t verify(sim_card *c, const char *pin)
{
    return tx_data(c, 0x00, 0x20, 0x00, 0x80, pin, strlen(pin), 0);
}

/* Read a whole EF of known-or-DER size in 256-byte chunks; returns bytes. */
static inline size_t read_all(sim_card *c, uint8_t *out, size_t cap, uint16_t *last_sw)
{
    size_t off = 0;
    for (;;) {
        uint8_t a[5] = {0x00, 0xB0, (uint8_t)(off >> 8), (uint8_t)off, 0x00};
        uint16_t sw = tx_raw(c, a, 5);
        *last_sw = sw;
        if (sw != 0x9000)
            return off; /* 6B00 at the end of an EF that fills whole blocks */
        if (off + rlen > cap)
            return off;
        memcpy(out + off, rbuf, rlen);
        off += rlen;
        if (rlen < 256)
            return off;
    }
}

/* Read a certificate EF: the whole EF (object + filler), cut to the DER
 * object's length as readers do; 0 if the EF does not hold a DER SEQUENCE. */
static inline size_t read_der_ef(sim_card *c, uint8_t *out, size_t cap, uint16_t *last_sw)
{
    size_t n = read_all(c, out, cap, last_sw);
    if (n < 4 || out[0] != 0x30 || out[1] != 0x82)
        return 0;
    size_t total = (size_t)(out[2] << 8 | out[3]) + 4;
    return total <= n ? total : 0;
}

#endif
