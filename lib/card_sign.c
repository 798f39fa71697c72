/* The JPKI signature command: the card pads a DigestInfo (PKCS#1 v1.5) and
 * signs it with the auth or sign key, active or pending. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_internal.h"
#include "jpki/profile.h"

#define SIG_MAX 256 /* RSA-2048 */

static jpki_rc sign_status_error(jpki_error *err, uint16_t sw, jpki_key_kind key, bool pending)
{
    const char *pin = key == JPKI_KEY_SIGN ? "sign password" : "auth PIN";
    char what[128];
    switch (sw) {
    case 0x6982:
        snprintf(what, sizeof what, "signing: the %s is not verified%s", pin,
                 pending ? " (or there is no issuer session)" : "");
        return card_sw_error(err, JPKI_ERR_AUTH, sw, what);
    case 0x6A82:
    case 0x6A88:
        snprintf(what, sizeof what, "signing: no %s%s key on the card", pending ? "pending " : "",
                 key == JPKI_KEY_SIGN ? "sign" : "auth");
        return card_sw_error(err, JPKI_ERR_NOT_FOUND, sw, what);
    case 0x6985:
        return card_sw_error(err, JPKI_ERR_STATE, sw, "signing");
    case 0x6A80:
    case 0x6700:
        return card_sw_error(err, JPKI_ERR_ARG, sw, "signing: the card refused the DigestInfo");
    default:
        return card_sw_error(err, JPKI_ERR_CARD, sw, "signing");
    }
}

jpki_rc jpki_sign_digestinfo(jpki_card *c, jpki_key_kind key, bool pending,
                             const uint8_t *digestinfo, size_t dlen, uint8_t *sig,
                             size_t *siglen, jpki_error *err)
{
    if (!digestinfo || !sig || !siglen || (key != JPKI_KEY_AUTH && key != JPKI_KEY_SIGN))
        return jpki_error_set(err, JPKI_ERR_ARG, "sign: missing argument");
    if (dlen == 0 || dlen > 255)
        return jpki_error_set(err, JPKI_ERR_ARG, "sign: DigestInfo of %zu bytes (1-255 allowed)",
                              dlen);
    *siglen = 0;
    jpki_response *r = card_response_new(err);
    if (!r)
        return JPKI_ERR_NOMEM;
    jpki_rc rc = card_begin(c, err);
    if (rc != JPKI_OK) {
        free(r);
        return rc;
    }
    rc = jpki_select_app(c, JPKI_APP_JPKI, err);
    if (rc == JPKI_OK)
        rc = jpki_select_ef(c, key == JPKI_KEY_SIGN ? JPKI_EF_SIGN_KEY : JPKI_EF_AUTH_KEY, err);
    if (rc == JPKI_OK) {
        jpki_apdu a = {.cla = JPKI_CLA_PROPRIETARY, .ins = JPKI_INS_COMPUTE_SIG, .p1 = 0x00,
                       .p2 = pending ? JPKI_P2_PENDING_KEY : JPKI_P2_ACTIVE_KEY,
                       .data = digestinfo, .nc = dlen, .ne = 256};
        rc = card_send(c, &a, r, err);
        if (rc == JPKI_OK && !jpki_sw_ok(r->sw))
            rc = sign_status_error(err, r->sw, key, pending);
        else if (rc == JPKI_OK && (r->len == 0 || r->len > SIG_MAX))
            rc = jpki_error_set(err, JPKI_ERR_CARD_DATA, "signing: %zu-byte signature", r->len);
        if (rc == JPKI_OK) {
            memcpy(sig, r->data, r->len);
            *siglen = r->len;
        }
    }
    free(r);
    return card_end(c, rc, err);
}
