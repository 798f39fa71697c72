/* Reading a card into a card-status record (what jpki-status shows).
 * Never spends a PIN try: retry counters come from VERIFY without data,
 * and the signature certificate -- readable only after the signature
 * password -- is reported present/absent from the availability flags
 * (EF 0008) unless the caller hands in the password explicitly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/cert.h"
#include "jpki/issuer.h"
#include "card_internal.h"
#include "private/i18n.h"
#include "records_internal.h"

/* Records keep these notes in English; N_: tables translate them when shown. */
#define SIGN_NEEDS_PIN N_("readable only after the signature password (see --verify-sign-pin)")
#define SIGN_NEEDS_PIN_NO_FLAGS \
    N_("availability flags unreadable; readable only after the signature password (see --verify-sign-pin)")

void jpki_record_cert_fill(jpki_record_cert *c, const char *subject, const char *issuer,
                           const char *serial_hex, time_t not_before, time_t not_after, time_t now)
{
    c->listed = c->present = c->have_details = true;
    c->unavailable[0] = '\0';
    snprintf(c->subject, sizeof c->subject, "%s", subject);
    snprintf(c->issuer, sizeof c->issuer, "%s", issuer);
    snprintf(c->serial_hex, sizeof c->serial_hex, "%s", serial_hex);
    c->not_before = not_before;
    c->not_after = not_after;
    c->days_left = rv_days_left(not_after, now);
}

/* dst = a b, cut to fit (messages are one line; a cut one still reads). */
static void set_note(char *dst, size_t cap, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > cap - 1)
        la = cap - 1;
    memcpy(dst, a, la);
    if (lb > cap - 1 - la)
        lb = cap - 1 - la;
    memcpy(dst + la, b, lb);
    dst[la + lb] = '\0';
}

/* "Not there" answers that mean absent rather than broken. */
static bool is_absent(jpki_rc rc)
{
    return rc == JPKI_ERR_NOT_FOUND || rc == JPKI_ERR_NOT_JPKI || rc == JPKI_ERR_UNSUPPORTED;
}

/* Errors that end the whole read (the card or reader went away). */
static bool is_fatal(jpki_rc rc)
{
    return rc == JPKI_ERR_CARD_REMOVED || rc == JPKI_ERR_READER_GONE || rc == JPKI_ERR_NO_CARD ||
           rc == JPKI_ERR_NO_SERVICE || rc == JPKI_ERR_PCSC || rc == JPKI_ERR_TRANSPORT ||
           rc == JPKI_ERR_NOMEM;
}

static jpki_rc read_one_cert(jpki_card *card, jpki_cert_kind kind, const jpki_status_options *o,
                             jpki_record *rec, jpki_error *err)
{
    jpki_record_cert *c = &rec->certs[kind];
    uint8_t *der = NULL;
    size_t len = 0;
    c->listed = true;
    jpki_rc rc = jpki_read_cert(card, kind, &der, &len, err);
    if (is_absent(rc)) {
        c->present = false;
        jpki_error_clear(err);
        return JPKI_OK;
    }
    if (rc) {
        free(der);
        if (is_fatal(rc))
            return rc;
        /* Present but unreadable or unparsable: say so, keep going. */
        c->present = true;
        set_note(c->unavailable, sizeof c->unavailable, "", err->message_c);
        jpki_error_clear(err);
        return JPKI_OK;
    }
    jpki_cert_info info;
    rc = jpki_cert_parse(der, len, &info, err);
    if (rc) {
        c->present = true;
        set_note(c->unavailable, sizeof c->unavailable, "unparsable: ", err->message_c);
        jpki_error_clear(err);
    } else {
        jpki_record_cert_fill(c, info.subject, info.issuer, info.serial_hex, info.not_before,
                              info.not_after, o->now);
        snprintf(c->name, sizeof c->name, "%s", info.name);
        snprintf(c->address, sizeof c->address, "%s", info.address);
        /* The birth date rides in the signature certificate's otherName:
         * what the next certificate's end is counted from. */
        if (kind == JPKI_CERT_SIGN && strlen(info.birth) == 8)
            snprintf(rec->birth, sizeof rec->birth, "%.4s-%.2s-%.2s", info.birth, info.birth + 4,
                     info.birth + 6);
        if (o->include_der)
            rc = jpki_record_set_der(rec, kind, der, len, err);
    }
    free(der);
    return rc == JPKI_ERR_NOMEM ? rc : JPKI_OK;
}

static void hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 3 <= cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%02x", p[i]);
}

/* The signature certificate with the password: one VERIFY, never the last
 * try.  PIN trouble is reported in the certificate's slot and returned, the
 * rest of the record stays valid. */
static jpki_rc read_sign_with_pin(jpki_card *card, const jpki_status_options *o, jpki_record *rec,
                                  jpki_error *err)
{
    jpki_record_cert *c = &rec->certs[JPKI_CERT_SIGN];
    const jpki_record_pin *p = &rec->pins[JPKI_PIN_SIGN];
    jpki_rc rc;
    if (p->blocked) {
        rc = jpki_error_set(err, JPKI_ERR_PIN_BLOCKED, "signature password is blocked");
    } else if (p->tries_left >= 0 && p->tries_left <= 1) {
        rc = jpki_error_set(err, JPKI_ERR_PIN_LAST_TRY,
                            "only one signature password try left: not verifying (reset it at the counter)");
    } else {
        rc = jpki_pin_verify(card, JPKI_PIN_SIGN, o->sign_pin, err);
    }
    if (rc) {
        c->listed = c->present = true;
        set_note(c->unavailable, sizeof c->unavailable, "", err->message_c);
        /* A wrong password spent a try: show the counter as it is now. */
        if (rc == JPKI_ERR_PIN_WRONG && err->tries_left >= 0) {
            rec->pins[JPKI_PIN_SIGN].tries_left = err->tries_left;
            rec->pins[JPKI_PIN_SIGN].blocked = err->tries_left == 0;
        } else if (rc == JPKI_ERR_PIN_BLOCKED) {
            rec->pins[JPKI_PIN_SIGN].tries_left = 0;
            rec->pins[JPKI_PIN_SIGN].blocked = true;
        }
        return rc;
    }
    rc = read_one_cert(card, JPKI_CERT_SIGN, o, rec, err);
    if (rc)
        return rc;
    /* The counter is full again after a correct password: show it so. */
    jpki_pin_status st;
    jpki_error e2;
    jpki_error_clear(&e2);
    if (jpki_pin_status_get(card, JPKI_PIN_SIGN, &st, &e2) == JPKI_OK) {
        rec->pins[JPKI_PIN_SIGN].tries_left = st.tries_left;
        rec->pins[JPKI_PIN_SIGN].blocked = st.blocked;
    }
    return JPKI_OK;
}

/* Serial, municipality and card expiry from the common record, when the
 * card has that application; a missing or odd record leaves them empty. */
jpki_rc jpki_record_read_card_id(jpki_card *card, jpki_record *rec, jpki_error *err)
{
    char serial[16], muni[6], expiry[9];
    jpki_rc rc = jpki_read_card_id(card, serial, muni, expiry, err);
    if (rc != JPKI_OK)
        return rc;
    snprintf(rec->serial, sizeof rec->serial, "%s", serial);
    snprintf(rec->municipality, sizeof rec->municipality, "%s", muni);
    if (strlen(expiry) == 8)
        snprintf(rec->card_expiry, sizeof rec->card_expiry, "%.4s-%.2s-%.2s", expiry, expiry + 4,
                 expiry + 6);
    return JPKI_OK;
}

static jpki_rc read_card_record(jpki_card *card, jpki_record *rec, jpki_error *err)
{
    if (!(rec->apps & (1u << JPKI_APP_COMMON)))
        return JPKI_OK;
    jpki_rc rc = jpki_record_read_card_id(card, rec, err);
    if (rc == JPKI_OK)
        return JPKI_OK;
    if (is_fatal(rc))
        return rc;
    jpki_error_clear(err);
    return JPKI_OK;
}

/* The token and the certificate-availability flags; only a fatal error
 * counts (*have_flags says whether the flags could be read). */
static jpki_rc read_token_and_flags(jpki_card *card, jpki_record *rec, bool *sign_flag,
                                    bool *have_flags, jpki_error *err)
{
    jpki_rc rc = jpki_read_token(card, rec->token, sizeof rec->token, err);
    if (rc && is_fatal(rc))
        return rc;
    jpki_error_clear(err);
    bool auth_flag = false;
    rc = jpki_read_cert_flags(card, &auth_flag, sign_flag, err);
    if (rc && is_fatal(rc))
        return rc;
    *have_flags = rc == JPKI_OK;
    jpki_error_clear(err);
    return JPKI_OK;
}

/* One retry counter into the record.  Only fatal errors are returned. */
static jpki_rc read_pin_counter(jpki_card *card, jpki_pin_id id, jpki_record *rec, jpki_error *err)
{
    jpki_pin_status st;
    jpki_rc rc = jpki_pin_status_get(card, id, &st, err);
    if (rc && is_fatal(rc))
        return rc;
    jpki_record_pin *p = &rec->pins[id];
    p->max_tries = jpki_pin_max_tries(id);
    if (rc == JPKI_OK && !st.present) {
        jpki_error_clear(err);
        return JPKI_OK;
    }
    if (rc == JPKI_ERR_PIN_BLOCKED) { /* some cards answer 6984 as an error */
        p->listed = p->blocked = true;
        p->tries_left = 0;
    } else if (rc == JPKI_OK) {
        p->listed = true;
        p->tries_left = st.tries_left;
        p->blocked = st.blocked;
    } else if (!is_absent(rc)) {
        p->listed = true;
        p->tries_left = -1; /* the counter could not be read */
    }
    jpki_error_clear(err);
    return JPKI_OK;
}

/* The signature certificate's slot: present per the flags (assumed when
 * they are unreadable), read only with the password the caller gave. */
static jpki_rc read_sign_slot(jpki_card *card, const jpki_status_options *o, jpki_record *rec,
                              bool have_flags, bool sign_flag, bool *verified, jpki_error *err)
{
    jpki_record_cert *sc = &rec->certs[JPKI_CERT_SIGN];
    sc->listed = true;
    sc->present = have_flags ? sign_flag : true;
    if (sc->present && o->sign_pin) {
        *verified = true;
        return read_sign_with_pin(card, o, rec, err);
    }
    if (sc->present)
        snprintf(sc->unavailable, sizeof sc->unavailable, "%s",
                 have_flags ? SIGN_NEEDS_PIN : SIGN_NEEDS_PIN_NO_FLAGS);
    return JPKI_OK;
}

/* Mode: inferred from what any reader may see (auth PIN disabled and no
 * sign certificate = face authentication).  The issuance status (GET DATA
 * DF30) answers only inside an issuer session, and status holds no issuer
 * key: it must not try.  The one rule, for records and for
 * jpki_card_mode_probe. */
static jpki_card_mode infer_mode(const jpki_record *rec, bool have_flags, bool sign_flag)
{
    const jpki_record_pin *auth = &rec->pins[JPKI_PIN_AUTH];
    if (have_flags && !sign_flag && auth->listed && auth->blocked)
        return JPKI_MODE_FACE;
    if (auth->listed && !auth->blocked)
        return JPKI_MODE_PIN;
    return JPKI_MODE_UNKNOWN;
}

jpki_rc jpki_card_mode_probe(jpki_transport *t, jpki_card_mode *mode, jpki_error *err)
{
    *mode = JPKI_MODE_UNKNOWN;
    jpki_rc rc = jpki_transport_begin(t, err);
    if (rc != JPKI_OK)
        return rc;
    jpki_card card;
    card_init(&card, t);
    jpki_record rec;
    jpki_record_init(&rec);
    bool sign_flag = false, have_flags = false;
    if ((rc = jpki_select_app(&card, JPKI_APP_JPKI, err)) == JPKI_OK &&
        (rc = read_token_and_flags(&card, &rec, &sign_flag, &have_flags, err)) == JPKI_OK &&
        (rc = read_pin_counter(&card, JPKI_PIN_AUTH, &rec, err)) == JPKI_OK)
        *mode = infer_mode(&rec, have_flags, sign_flag);
    jpki_record_clear(&rec);
    jpki_error e2;
    jpki_error_clear(&e2);
    jpki_transport_end(t, false, &e2); /* nothing verified: the card stays as it was */
    return rc;
}

/* Everything inside the JPKI application, in one stay there (the JPKI
 * application is already selected): token, availability flags, its two
 * retry counters -- before anything that could touch a PIN -- and the
 * certificates.  pin_rc and pin_err get the outcome of the signature
 * password, kept aside while the other applications are read. */
static jpki_rc read_jpki_app(jpki_card *card, const jpki_status_options *o, jpki_record *rec,
                             bool *verified, bool *have_flags, bool *sign_flag, jpki_rc *pin_rc,
                             jpki_error *pin_err, jpki_error *err)
{
    jpki_rc rc;
    if ((rc = read_token_and_flags(card, rec, sign_flag, have_flags, err)) ||
        (rc = read_pin_counter(card, JPKI_PIN_AUTH, rec, err)) ||
        (rc = read_pin_counter(card, JPKI_PIN_SIGN, rec, err)) ||
        (rc = read_one_cert(card, JPKI_CERT_AUTH, o, rec, err)) ||
        (rc = read_one_cert(card, JPKI_CERT_AUTH_CA, o, rec, err)) ||
        (rc = read_one_cert(card, JPKI_CERT_SIGN_CA, o, rec, err)))
        return rc;
    *pin_rc = read_sign_slot(card, o, rec, *have_flags, *sign_flag, verified, err);
    if (*pin_rc && is_fatal(*pin_rc))
        return *pin_rc;
    if (*pin_rc) {
        *pin_err = *err;
        jpki_error_clear(err);
    }
    return JPKI_OK;
}

/* Does app answer SELECT?  Sets its bit in rec->apps; only fatal errors
 * are returned. */
static jpki_rc probe_app(jpki_card *card, jpki_app app, jpki_record *rec, bool *present,
                         jpki_error *err)
{
    jpki_rc rc = jpki_select_app(card, app, err);
    *present = rc == JPKI_OK;
    if (rc == JPKI_OK)
        rec->apps |= 1u << app;
    else if (is_absent(rc) || rc == JPKI_ERR_CARD)
        jpki_error_clear(err);
    else
        return rc;
    return JPKI_OK;
}

/* Application by application, each selected once (the selection cache
 * skips the SELECTs of what is already current): every APDU on a real card
 * costs milliseconds, so the order is the one that needs no re-SELECT.
 * JPKI first: it also tells whether this is a JPKI card at all.  PIN
 * trouble with the signature certificate is returned after the rest of the
 * record is filled. */
static jpki_rc read_card(jpki_card *card, const jpki_status_options *o, jpki_record *rec,
                         bool *verified, jpki_error *err)
{
    bool present = false, have_flags = false, sign_flag = false;
    jpki_rc pin_rc = JPKI_OK;
    jpki_error pin_err;
    jpki_error_clear(&pin_err);
    jpki_rc rc = probe_app(card, JPKI_APP_JPKI, rec, &present, err);
    if (rc)
        return rc;
    if (present && (rc = read_jpki_app(card, o, rec, verified, &have_flags, &sign_flag, &pin_rc,
                                       &pin_err, err)))
        return rc;
    if ((rc = probe_app(card, JPKI_APP_CARDINFO, rec, &present, err)) ||
        (present && (rc = read_pin_counter(card, JPKI_PIN_CARDINFO, rec, err))) ||
        (rc = probe_app(card, JPKI_APP_VISUAL, rec, &present, err)) ||
        (rc = probe_app(card, JPKI_APP_REGISTRY, rec, &present, err)) ||
        (present && (rc = read_pin_counter(card, JPKI_PIN_REGISTRY, rec, err))) ||
        (rc = probe_app(card, JPKI_APP_COMMON, rec, &present, err)) ||
        (rc = read_card_record(card, rec, err)))
        return rc;
    if (!(rec->apps & (1u << JPKI_APP_JPKI)))
        return jpki_error_set(err, JPKI_ERR_NOT_JPKI, "the card has no JPKI application");
    rec->mode = infer_mode(rec, have_flags, sign_flag);
    if (pin_rc)
        *err = pin_err;
    return pin_rc;
}

jpki_rc jpki_record_from_card(jpki_transport *t, const jpki_status_options *opts, jpki_record *rec,
                              jpki_error *err)
{
    jpki_error local;
    if (!err) {
        jpki_error_clear(&local);
        err = &local;
    }
    jpki_record_clear(rec);
    snprintf(rec->reader, sizeof rec->reader, "%s", jpki_transport_reader(t));
    rec->checked_at = opts->now;
    rec->card_present = true;
    size_t atr_len;
    const uint8_t *atr = jpki_transport_atr(t, &atr_len);
    hex(atr, atr_len, rec->atr_hex, sizeof rec->atr_hex);

    jpki_rc rc = jpki_transport_begin(t, err);
    if (rc == JPKI_OK) {
        jpki_card card;
        card_init(&card, t);
        bool verified = false;
        rc = read_card(&card, opts, rec, &verified, err);
        /* After a VERIFY, reset the card so its security state does not
         * outlive us; otherwise leave it as we found it. */
        jpki_error e2;
        jpki_error_clear(&e2);
        jpki_transport_end(t, verified, &e2);
    }
    jpki_record_window_fill(rec, opts->now);
    bool pin_trouble = rc == JPKI_ERR_PIN_WRONG || rc == JPKI_ERR_PIN_BLOCKED ||
                       rc == JPKI_ERR_PIN_FORMAT || rc == JPKI_ERR_PIN_LAST_TRY;
    if (rc && !pin_trouble) {
        rec->has_error = true;
        snprintf(rec->error_code, sizeof rec->error_code, "%s", jpki_rc_name(rc));
        snprintf(rec->error, sizeof rec->error, "%s", err->message_c[0] ? err->message_c : jpki_rc_name(rc));
        if (rc == JPKI_ERR_NO_CARD)
            rec->card_present = false;
    }
    return rc;
}
