/* PIN retry counters, VERIFY and CHANGE REFERENCE DATA.  The rule is that
 * no PIN try is ever spent by accident: formats are checked before any card
 * traffic, and the counter is read with a VERIFY that carries no data. */
#include <stdio.h>
#include <stdlib.h>

#include "card_internal.h"
#include "error_internal.h"
#include "jpki/profile.h"

static const struct {
    jpki_app app;
    uint16_t ef;
} pin_location[JPKI_PIN_COUNT] = {
    [JPKI_PIN_AUTH] = {JPKI_APP_JPKI, JPKI_EF_AUTH_PIN},
    [JPKI_PIN_SIGN] = {JPKI_APP_JPKI, JPKI_EF_SIGN_PIN},
    [JPKI_PIN_CARDINFO] = {JPKI_APP_CARDINFO, JPKI_EF_CARDINFO_PIN},
    [JPKI_PIN_REGISTRY] = {JPKI_APP_REGISTRY, JPKI_EF_REGISTRY_PIN},
};

static const char *pin_label(jpki_pin_id id)
{
    return id == JPKI_PIN_SIGN ? "sign password" : id == JPKI_PIN_AUTH       ? "auth PIN"
                               : id == JPKI_PIN_CARDINFO ? "card-info PIN" : "resident-registry PIN";
}

jpki_rc card_select_pin(jpki_card *c, jpki_pin_id id, jpki_error *err)
{
    jpki_rc rc = jpki_select_app(c, pin_location[id].app, err);
    return rc == JPKI_OK ? jpki_select_ef(c, pin_location[id].ef, err) : rc;
}

static bool is_63cx(uint16_t sw)
{
    return (sw & 0xFFF0) == 0x63C0;
}

static bool is_blocked_sw(uint16_t sw)
{
    return sw == 0x6983 || sw == 0x6984;
}

static jpki_rc status_in_tx(jpki_card *c, jpki_pin_id id, jpki_pin_status *st,
                            jpki_response *r, jpki_error *err)
{
    jpki_rc rc = card_select_pin(c, id, err);
    if (rc == JPKI_ERR_NOT_FOUND || rc == JPKI_ERR_NOT_JPKI) {
        jpki_error_clear(err); /* an absent PIN is an answer, not a failure */
        return JPKI_OK;
    }
    if (rc != JPKI_OK)
        return rc;
    /* Case 1 VERIFY (no data): reports the counter, never spends a try. */
    jpki_apdu a = {.cla = 0x00, .ins = JPKI_INS_VERIFY, .p1 = 0x00, .p2 = JPKI_PIN_P2};
    if ((rc = card_send(c, &a, r, err)) != JPKI_OK)
        return rc;
    if (is_63cx(r->sw)) {
        st->present = true;
        st->tries_left = r->sw & 0x0F;
        st->blocked = st->tries_left == 0;
    } else if (is_blocked_sw(r->sw)) {
        st->present = true;
        st->tries_left = 0;
        st->blocked = true;
    } else if (jpki_sw_ok(r->sw)) {
        /* Already verified in this session: a successful VERIFY resets the
         * counter, so it is full. */
        st->present = true;
        st->tries_left = jpki_pin_max_tries(id);
    } else if (r->sw == 0x6A82 || r->sw == 0x6A88) {
        st->present = false;
    } else {
        char what[64];
        snprintf(what, sizeof what, "%s retry counter", pin_label(id));
        return card_sw_error(err, JPKI_ERR_CARD, r->sw, what);
    }
    return JPKI_OK;
}

jpki_rc jpki_pin_status_get(jpki_card *c, jpki_pin_id id, jpki_pin_status *st, jpki_error *err)
{
    if (!st || (unsigned)id >= JPKI_PIN_COUNT)
        return jpki_error_set(err, JPKI_ERR_ARG, "pin status: bad argument");
    st->tries_left = 0;
    st->blocked = false;
    st->present = false;
    jpki_response *r = card_response_new(err);
    if (!r)
        return JPKI_ERR_NOMEM;
    jpki_rc rc = card_begin(c, err);
    if (rc == JPKI_OK)
        rc = card_end(c, status_in_tx(c, id, st, r, err), err);
    free(r);
    return rc;
}

/* Meaning of a VERIFY/CHANGE answer.  63C0 is the try that just blocked it. */
static jpki_rc pin_answer(jpki_error *err, jpki_pin_id id, uint16_t sw, const char *doing)
{
    char what[192];
    if (jpki_sw_ok(sw))
        return JPKI_OK;
    if (is_63cx(sw) && (sw & 0x0F) > 0) {
        int left = sw & 0x0F;
        snprintf(what, sizeof what, "wrong %s, %d tr%s left", pin_label(id), left,
                 left == 1 ? "y" : "ies");
        card_sw_error(err, JPKI_ERR_PIN_WRONG, sw, what);
        error_reword_pin(err, id, left, "wrong %s%s");
        if (err)
            err->tries_left = left;
        return JPKI_ERR_PIN_WRONG;
    }
    if (is_63cx(sw) || is_blocked_sw(sw)) {
        if (is_63cx(sw))
            snprintf(what, sizeof what, "wrong PIN: the %s is now blocked (reset it at the "
                     "municipal counter)", pin_label(id));
        else
            snprintf(what, sizeof what, "the %s is blocked or disabled (face-authentication "
                     "card); a blocked PIN is reset at the municipal counter", pin_label(id));
        card_sw_error(err, JPKI_ERR_PIN_BLOCKED, sw, what);
        if (is_63cx(sw))
            error_reword_pin(err, id, -1, "wrong PIN: %s is now blocked%s (reset it at the municipal counter)");
        else
            error_reword_pin(err, id, -1, "%s is blocked or disabled (face-authentication card)%s; "
                                          "a blocked PIN is reset at the municipal counter");
        if (err)
            err->tries_left = 0;
        return JPKI_ERR_PIN_BLOCKED;
    }
    if (sw == 0x6982) {
        snprintf(what, sizeof what, "%s: verify the current %s first", doing, pin_label(id));
        return card_sw_error(err, JPKI_ERR_STATE, sw, what);
    }
    if (sw == 0x6A80 || sw == 0x6700) {
        snprintf(what, sizeof what, "%s: the card refused the %s's format", doing, pin_label(id));
        return card_sw_error(err, JPKI_ERR_PIN_FORMAT, sw, what);
    }
    snprintf(what, sizeof what, "%s (%s)", doing, pin_label(id));
    return card_sw_error(err, JPKI_ERR_CARD, sw, what);
}

static jpki_rc send_pin_command(jpki_card *c, jpki_pin_id id, uint8_t ins, uint8_t p1,
                                const jpki_secret *pin, const char *doing, jpki_error *err)
{
    jpki_response *r = card_response_new(err);
    if (!r)
        return JPKI_ERR_NOMEM;
    jpki_rc rc = card_begin(c, err);
    if (rc != JPKI_OK) {
        free(r);
        return rc;
    }
    rc = card_select_pin(c, id, err);
    if (rc == JPKI_ERR_NOT_FOUND)
        jpki_error_set(err, rc, "this card has no %s", pin_label(id));
    if (rc == JPKI_OK) {
        jpki_apdu a = {.cla = 0x00, .ins = ins, .p1 = p1, .p2 = JPKI_PIN_P2,
                       .data = pin->buf, .nc = pin->len};
        rc = card_send(c, &a, r, err);
        if (rc == JPKI_OK)
            rc = pin_answer(err, id, r->sw, doing);
    }
    free(r);
    return card_end(c, rc, err);
}

jpki_rc jpki_pin_verify(jpki_card *c, jpki_pin_id id, const jpki_secret *pin, jpki_error *err)
{
    if ((unsigned)id >= JPKI_PIN_COUNT)
        return jpki_error_set(err, JPKI_ERR_ARG, "verify: unknown PIN %d", (int)id);
    jpki_rc rc = jpki_pin_check_format(id, pin, err);
    if (rc != JPKI_OK)
        return rc; /* the card never sees a malformed PIN */
    return send_pin_command(c, id, JPKI_INS_VERIFY, 0x00, pin, "verify", err);
}

jpki_rc jpki_pin_change(jpki_card *c, jpki_pin_id id, const jpki_secret *newpin, jpki_error *err)
{
    if ((unsigned)id >= JPKI_PIN_COUNT)
        return jpki_error_set(err, JPKI_ERR_ARG, "change: unknown PIN %d", (int)id);
    jpki_rc rc = jpki_pin_check_format(id, newpin, err);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "new PIN");
    /* P1 01: the data field holds only the new reference data (the current
     * PIN was verified just before). */
    return send_pin_command(c, id, JPKI_INS_CHANGE_REF, 0x01, newpin, "change", err);
}
