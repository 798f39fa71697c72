/* Internal to libjpki's card layer: transactions, sending with cache
 * invalidation, status-word errors, DER headers. */
#ifndef JPKI_CARD_INTERNAL_H
#define JPKI_CARD_INTERNAL_H

#include "jpki/card.h"
#include "transport_internal.h"

/* The handle behind the opaque jpki_card.  Inside lib/ it may live on the
 * stack or in another struct (card_init); outside, only jpki_card_new. */
struct jpki_card {
    jpki_transport *t; /* not owned */
    jpki_app app;      /* currently selected application (cache) */
    uint16_t ef;       /* currently selected EF, 0 = none */
};

/* Bind *c to transport t with an empty selection cache. */
void card_init(jpki_card *c, jpki_transport *t);

/* Begin a (possibly nested) transaction.  At the outermost level the
 * selection cache is dropped: between two transactions another process may
 * have selected anything. */
jpki_rc card_begin(jpki_card *c, jpki_error *err);
/* End it.  rc is the operation's result; the first error wins. */
jpki_rc card_end(jpki_card *c, jpki_rc rc, jpki_error *err);

/* jpki_transmit; any transport failure also drops the selection cache. */
jpki_rc card_send(jpki_card *c, const jpki_apdu *a, jpki_response *r, jpki_error *err);

/* Select the application and EF that hold PIN id (VERIFY, CHANGE and the
 * issuer's RESET RETRY COUNTER all act on the selected PIN EF). */
jpki_rc card_select_pin(jpki_card *c, jpki_pin_id id, jpki_error *err);

/* A response buffer on the heap (64 KiB is too much for small stacks). */
jpki_response *card_response_new(jpki_error *err);

/* "WHAT: card answered XXXX: meaning" with code, err->sw = sw. */
jpki_rc card_sw_error(jpki_error *err, jpki_rc code, uint16_t sw, const char *what);

/* Parse a BER/DER tag+length header from the first n bytes of b.
 * Non-minimal long-form lengths (82 00 9F) are accepted; indefinite lengths
 * and lengths of more than 4 bytes are not.
 * Returns 1 with *hdr and *content set, 0 if more bytes are needed, or -1
 * with err filled (JPKI_ERR_CARD_DATA) when the header is malformed. */
int jpki_ber_header(const uint8_t *b, size_t n, size_t *hdr, size_t *content,
                    jpki_error *err);

#endif
