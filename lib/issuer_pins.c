/* PIN counter operations of the issuance profile: RESET RETRY COUNTER (new
 * PIN or unblock) and switching the whole card into / out of
 * face-authentication mode.  Every PIN is checked against its rules before
 * any byte goes to the card. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/apdu.h"
#include "jpki/issuer.h"
#include "jpki/profile.h"
#include "card_internal.h"
#include "issuer_internal.h"

/* Tag of each PIN in ENABLE VERIFICATION REQUIREMENT's data. */
static const uint8_t face_tag[JPKI_PIN_COUNT] = {
    [JPKI_PIN_AUTH] = JPKI_FACE_TAG_AUTH,
    [JPKI_PIN_SIGN] = JPKI_FACE_TAG_SIGN,
    [JPKI_PIN_CARDINFO] = JPKI_FACE_TAG_CARDINFO,
    [JPKI_PIN_REGISTRY] = JPKI_FACE_TAG_REGISTRY,
};

static int valid_pin_id(jpki_pin_id id) { return (unsigned)id < JPKI_PIN_COUNT; }

jpki_rc jpki_pin_reset(jpki_card *c, jpki_pin_id id, const jpki_secret *newpin, jpki_error *err)
{
    if (!c || !c->t || !valid_pin_id(id))
        return jpki_error_set(err, JPKI_ERR_ARG, "PIN reset: bad argument");
    const char *name = jpki_pin_name(id);
    char what[64];
    snprintf(what, sizeof what, "%s %s PIN", newpin ? "resetting" : "unblocking", name);
    if (!newpin && id == JPKI_PIN_SIGN)
        /* The profile refuses it (6985); say why without asking the card. */
        return jpki_error_set(err, JPKI_ERR_ARG,
                              "%s: the signature password cannot be unblocked, only reset "
                              "(which re-issues the signature certificate)",
                              what);
    if (newpin) {
        jpki_rc frc = jpki_pin_check_format(id, newpin, err);
        if (frc != JPKI_OK)
            return jpki_error_prefix(err, "%s", what);
    }

    jpki_rc rc = card_select_pin(c, id, err);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "%s", what);

    jpki_response *r = malloc(sizeof *r);
    if (!r)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "%s: out of memory", what);
    jpki_apdu reset = {.ins = JPKI_INS_RESET_RETRY,
                       .p1 = newpin ? JPKI_RESET_P1_NEW_PIN : JPKI_RESET_P1_UNBLOCK,
                       .p2 = JPKI_PIN_P2,
                       .data = newpin ? newpin->buf : NULL,
                       .nc = newpin ? newpin->len : 0};
    rc = jpki_transmit(c->t, &reset, r, err);
    if (rc != JPKI_OK) {
        jpki_error_prefix(err, "%s", what);
    } else if (r->sw == 0x6A80) {
        rc = jpki_error_set(err, JPKI_ERR_PIN_FORMAT, "%s: card refused the new PIN's format",
                            what);
        if (err)
            err->sw = r->sw;
    } else if (r->sw == 0x6984 || r->sw == 0x6985) {
        rc = jpki_error_set(err, JPKI_ERR_STATE,
                            "%s: not possible in the card's current state (face-authentication "
                            "card?) (SW %04X)",
                            what, r->sw);
        if (err)
            err->sw = r->sw;
    } else if (!jpki_sw_ok(r->sw)) {
        rc = issuer_sw_error(err, r->sw, what);
    }
    jpki_wipe(r, sizeof *r);
    free(r);
    return rc;
}

jpki_rc jpki_face_mode_enter(jpki_card *c, jpki_error *err)
{
    if (!c || !c->t)
        return jpki_error_set(err, JPKI_ERR_ARG, "entering face-authentication mode: bad argument");
    jpki_response *r = malloc(sizeof *r);
    if (!r)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "entering face-authentication mode: out of memory");
    jpki_apdu disable = {.ins = JPKI_INS_DISABLE_VERIF};
    jpki_rc rc = issuer_command(c, &disable, r, "entering face-authentication mode", err);
    free(r);
    return rc;
}

jpki_rc jpki_face_mode_leave(jpki_card *c, const jpki_secret pins[JPKI_PIN_COUNT],
                             jpki_error *err)
{
    static const char what[] = "leaving face-authentication mode";
    if (!c || !c->t || !pins)
        return jpki_error_set(err, JPKI_ERR_ARG, "%s: bad argument", what);
    /* All four checked before the card sees any of them. */
    for (int i = 0; i < JPKI_PIN_COUNT; i++) {
        if (pins[i].len > JPKI_SECRET_MAX)
            return jpki_error_set(err, JPKI_ERR_ARG, "%s: bad PIN buffer", what);
        if (jpki_pin_check_format((jpki_pin_id)i, &pins[i], err) != JPKI_OK)
            return jpki_error_prefix(err, "%s: %s PIN", what, jpki_pin_name((jpki_pin_id)i));
    }
    /* Each TLV: tag, short length (PINs are at most 16 bytes). */
    uint8_t data[JPKI_PIN_COUNT * (2 + JPKI_SECRET_MAX)];
    size_t n = 0;
    for (int i = 0; i < JPKI_PIN_COUNT; i++) {
        data[n++] = face_tag[i];
        data[n++] = (uint8_t)pins[i].len;
        memcpy(data + n, pins[i].buf, pins[i].len);
        n += pins[i].len;
    }
    jpki_rc rc;
    jpki_response *r = malloc(sizeof *r);
    if (!r) {
        rc = jpki_error_set(err, JPKI_ERR_NOMEM, "%s: out of memory", what);
    } else {
        jpki_apdu enable = {.ins = JPKI_INS_ENABLE_VERIF, .data = data, .nc = n};
        rc = jpki_transmit(c->t, &enable, r, err);
        if (rc != JPKI_OK) {
            jpki_error_prefix(err, "%s", what);
        } else if (r->sw == 0x6A80) {
            rc = jpki_error_set(err, JPKI_ERR_PIN_FORMAT, "%s: card refused a PIN's format", what);
            if (err)
                err->sw = r->sw;
        } else if (!jpki_sw_ok(r->sw)) {
            rc = issuer_sw_error(err, r->sw, what);
        }
        free(r);
    }
    jpki_wipe(data, sizeof data);
    return rc;
}
