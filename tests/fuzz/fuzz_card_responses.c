/* Fuzz target: the card layer against a hostile card.  The input is a
 * sequence of responses (1 length byte, then that many bytes of data||SW);
 * the in-process transport plays them back in order, and "card removed" when
 * they run out.  Every card operation must fail cleanly or return data
 * within its documented bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/jpki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct script {
    const uint8_t *p;
    size_t left;
} script;

static size_t play(void *ctx, const uint8_t *c, size_t n, uint8_t *r, size_t cap)
{
    script *s = ctx;
    (void)c;
    if (n < 4)
        abort(); /* the transport must never send a runt APDU */
    if (s->left == 0)
        return 0;
    size_t len = s->p[0];
    s->p++;
    s->left--;
    if (len > s->left)
        len = s->left;
    if (len > cap)
        len = cap;
    memcpy(r, s->p, len);
    s->p += len;
    s->left -= len;
    return len ? len : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    script s = {data, size};
    const uint8_t atr[] = {JPKI_ATR};
    jpki_transport *t;
    if (jpki_mem_transport_new(play, &s, atr, sizeof atr, &t, NULL) != JPKI_OK)
        return 0;
    jpki_card *c = NULL;
    if (jpki_card_new(t, &c, NULL) != JPKI_OK)
        abort();
    uint8_t *der = NULL;
    size_t len = 0;
    if (jpki_read_cert(c, JPKI_CERT_AUTH, &der, &len, NULL) == JPKI_OK && len > JPKI_CERT_MAX)
        abort();
    free(der);
    jpki_pin_status st;
    if (jpki_pin_status_get(c, JPKI_PIN_SIGN, &st, NULL) == JPKI_OK &&
        (st.tries_left < 0 || st.tries_left > 15))
        abort();
    jpki_secret pin = {.buf = "1234", .len = 4};
    jpki_error e;
    jpki_error_clear(&e);
    if (jpki_pin_verify(c, JPKI_PIN_AUTH, &pin, &e) == JPKI_ERR_PIN_WRONG && e.tries_left <= 0)
        abort();
    char tok[33], serial[16], muni[6], exp[9];
    (void)jpki_read_token(c, tok, sizeof tok, NULL);
    (void)jpki_read_card_id(c, serial, muni, exp, NULL);
    bool a, b;
    (void)jpki_read_cert_flags(c, &a, &b, NULL);
    uint8_t sig[256];
    size_t siglen = 0;
    const uint8_t di[] = {0x30, 0x01, 0x00};
    if (jpki_sign_digestinfo(c, JPKI_KEY_AUTH, false, di, sizeof di, sig, &siglen, NULL) ==
            JPKI_OK &&
        siglen > sizeof sig)
        abort();
    if (jpki_transport_depth(t) != 0)
        abort(); /* every transaction was ended */
    jpki_card_free(c);
    jpki_transport_close(t);
    return 0;
}
