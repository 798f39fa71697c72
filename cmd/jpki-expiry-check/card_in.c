/* The card as a source: only what the expiry check needs, in as few APDUs
 * as the card allows (each costs milliseconds on a real card).  The
 * authentication certificate's validity comes from its first 256 bytes
 * (SELECT JPKI, SELECT EF, one READ BINARY) and the card's own expiry and
 * serial from the common record (SELECT, READ RECORD by SFI): 5 APDUs,
 * where a full jpki-status read takes 36.  The signature certificate is
 * readable only after its password, which this command never asks for. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "private/i18n.h"

#define SIGN_NEEDS_PIN \
    N_("readable only after the signature password (see jpki-status --verify-sign-pin)")

/* The card or reader went away, or the card is no JPKI card: the record
 * carries the error instead of certificates. */
static bool ends_the_read(jpki_rc rc)
{
    return rc == JPKI_ERR_CARD_REMOVED || rc == JPKI_ERR_READER_GONE || rc == JPKI_ERR_NO_CARD ||
           rc == JPKI_ERR_NO_SERVICE || rc == JPKI_ERR_PCSC || rc == JPKI_ERR_TRANSPORT ||
           rc == JPKI_ERR_NOMEM || rc == JPKI_ERR_NOT_JPKI;
}

static void set_error(jpki_record *rec, jpki_rc rc, const jpki_error *err)
{
    rec->has_error = true;
    snprintf(rec->error_code, sizeof rec->error_code, "%s", jpki_rc_name(rc));
    snprintf(rec->error, sizeof rec->error, "%s", err->message[0] ? err->message : jpki_rc_name(rc));
}

static jpki_rc read_auth(jpki_card *card, const check_ctx *c, jpki_record *rec, jpki_error *err)
{
    jpki_record_cert *rc = &rec->certs[JPKI_CERT_AUTH];
    time_t nb = 0, na = 0;
    rc->listed = true;
    jpki_rc r = jpki_read_cert_validity(card, JPKI_CERT_AUTH, &nb, &na, err);
    if (r == JPKI_OK) {
        jpki_record_cert_fill(rc, "", "", "", nb, na, c->now);
    } else if (r == JPKI_ERR_NOT_FOUND) {
        rc->present = false;
    } else if (!ends_the_read(r)) {
        rc->present = true; /* there, but its first bytes are no certificate */
        size_t n = strnlen(err->message, sizeof rc->unavailable - 1);
        memcpy(rc->unavailable, err->message, n); /* cut to fit: one line */
        rc->unavailable[n] = '\0';
        r = JPKI_OK;
    }
    return r == JPKI_ERR_NOT_FOUND ? JPKI_OK : r;
}

/* The serial and card expiry are extras in the report: a card without them
 * is still checked, but a card pulled (or a reader gone) during their read
 * ends the read like any other. */
static jpki_rc read_card_id(jpki_card *card, jpki_record *rec, jpki_error *err)
{
    jpki_rc rc = jpki_record_read_card_id(card, rec, err);
    if (rc == JPKI_OK || ends_the_read(rc))
        return rc;
    jpki_error_clear(err);
    return JPKI_OK;
}

void check_card_read(jpki_transport *t, const check_ctx *c, jpki_record *rec)
{
    jpki_error err;
    jpki_error_clear(&err);
    snprintf(rec->reader, sizeof rec->reader, "%s", jpki_transport_reader(t));
    rec->checked_at = c->now;
    rec->card_present = true;
    jpki_rc rc = jpki_transport_begin(t, &err);
    if (rc != JPKI_OK) {
        set_error(rec, rc, &err);
        rec->card_present = rc != JPKI_ERR_NO_CARD;
        return;
    }
    jpki_card *card = NULL;
    rc = jpki_card_new(t, &card, &err);
    if (rc == JPKI_OK && (c->kinds & (1u << JPKI_CERT_AUTH)))
        rc = read_auth(card, c, rec, &err);
    if (rc == JPKI_OK && (c->kinds & (1u << JPKI_CERT_SIGN))) {
        jpki_record_cert *sc = &rec->certs[JPKI_CERT_SIGN];
        sc->listed = sc->present = true;
        snprintf(sc->unavailable, sizeof sc->unavailable, "%s", SIGN_NEEDS_PIN);
    }
    if (rc == JPKI_OK)
        rc = read_card_id(card, rec, &err);
    if (rc != JPKI_OK)
        set_error(rec, rc, &err);
    jpki_card_free(card);
    jpki_error e2;
    jpki_error_clear(&e2);
    jpki_transport_end(t, false, &e2); /* no PIN was verified: leave the card as it was */
}
