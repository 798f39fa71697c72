/* Issuer session of jpki-tools' issuance profile (see jpki/profile.h):
 * GET CHALLENGE + MUTUAL AUTHENTICATE with AES-128-CMAC, the issuance
 * status (GET DATA DF30), and the status-word mapping every issuer command
 * shares. */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>

#include "jpki/apdu.h"
#include "jpki/issuer.h"
#include "jpki/profile.h"
#include "issuer_internal.h"

jpki_rc issuer_sw_error(jpki_error *err, uint16_t sw, const char *what)
{
    char desc[96];
    jpki_sw_describe(sw, desc, sizeof desc);
    jpki_rc rc;
    switch (sw) {
    case 0x6982:
        /* The profile answers 6982 for every [issuer] command run without
         * an issuer session (and for key commands without the key's PIN). */
        rc = jpki_error_set(err, JPKI_ERR_AUTH, "%s: no issuer session (%s)", what, desc);
        break;
    case 0x6300:
        rc = jpki_error_set(err, JPKI_ERR_AUTH, "%s: issuer key rejected by the card (%s)",
                            what, desc);
        break;
    case 0x6985:
    case 0x6986:
        rc = jpki_error_set(err, JPKI_ERR_STATE, "%s: not allowed in the card's current state (%s)",
                            what, desc);
        break;
    case 0x6983:
    case 0x6984:
        rc = jpki_error_set(err, JPKI_ERR_STATE, "%s: PIN blocked or disabled on this card (%s)",
                            what, desc);
        break;
    case 0x6A82:
    case 0x6A88:
        rc = jpki_error_set(err, JPKI_ERR_NOT_FOUND, "%s: %s", what, desc);
        break;
    case 0x6A84:
        rc = jpki_error_set(err, JPKI_ERR_LIMIT, "%s: %s", what, desc);
        break;
    case 0x6D00:
    case 0x6E00:
        rc = jpki_error_set(err, JPKI_ERR_UNSUPPORTED,
                            "%s: card does not support the jpki-tools issuance profile (%s)",
                            what, desc);
        break;
    default:
        rc = jpki_error_set(err, JPKI_ERR_CARD, "%s: %s", what, desc);
        break;
    }
    if (err)
        err->sw = sw;
    return rc;
}

jpki_rc issuer_command(jpki_card *c, const jpki_apdu *cmd, jpki_response *resp,
                       const char *what, jpki_error *err)
{
    jpki_response *r = resp ? resp : malloc(sizeof *r);
    if (!r)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "%s: out of memory", what);
    jpki_rc rc = jpki_transmit(c->t, cmd, r, err);
    if (rc != JPKI_OK)
        jpki_error_prefix(err, "%s", what);
    else if (!jpki_sw_ok(r->sw))
        rc = issuer_sw_error(err, r->sw, what);
    if (!resp)
        free(r);
    return rc;
}

jpki_rc issuer_select_jpki_ef(jpki_card *c, uint16_t fid, jpki_error *err)
{
    jpki_rc rc = jpki_select_app(c, JPKI_APP_JPKI, err);
    if (rc == JPKI_OK)
        rc = jpki_select_ef(c, fid, err);
    return rc;
}

int issuer_ber_length(const uint8_t **p, const uint8_t *end, size_t *len)
{
    const uint8_t *q = *p;
    if (q >= end)
        return -1;
    size_t n = *q++;
    if (n & 0x80) {
        size_t k = n & 0x7F;
        /* 80 (indefinite) is not allowed in a primitive/DER-ish context;
         * more than 4 length bytes cannot describe anything the card holds. */
        if (k == 0 || k > 4 || (size_t)(end - q) < k)
            return -1;
        n = 0;
        while (k--)
            n = (n << 8) | *q++;
    }
    if (n > (size_t)(end - q))
        return -1;
    *p = q;
    *len = n;
    return 0;
}

/* ---- mutual authentication ---- */

/* CMAC_K(tag || a || b) with a and b JPKI_CHALLENGE_LEN bytes each. */
static jpki_rc mutual_mac(const jpki_issuer_key *k, uint8_t tag, const uint8_t *a,
                          const uint8_t *b, uint8_t mac[JPKI_MAC_LEN], jpki_error *err)
{
    uint8_t msg[1 + 2 * JPKI_CHALLENGE_LEN];
    msg[0] = tag;
    memcpy(msg + 1, a, JPKI_CHALLENGE_LEN);
    memcpy(msg + 1 + JPKI_CHALLENGE_LEN, b, JPKI_CHALLENGE_LEN);
    const mbedtls_cipher_info_t *aes = mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB);
    int ret = aes ? mbedtls_cipher_cmac(aes, k->key, 8 * JPKI_ISSUER_KEY_LEN, msg, sizeof msg, mac)
                  : -1;
    jpki_wipe(msg, sizeof msg);
    if (ret != 0) {
        jpki_error_set(err, JPKI_ERR_CRYPTO, "issuer authentication: AES-CMAC failed (-0x%04x)",
                       (unsigned)-ret);
        if (err)
            err->detail = ret;
        return JPKI_ERR_CRYPTO;
    }
    return JPKI_OK;
}

/* Comparison whose time does not depend on where the MACs differ. */
static int mac_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (uint8_t)(a[i] ^ b[i]);
    return diff == 0;
}

jpki_rc jpki_issuer_authenticate(jpki_card *c, const jpki_issuer_key *k, jpki_error *err)
{
    if (!c || !c->t || !k)
        return jpki_error_set(err, JPKI_ERR_ARG, "issuer authentication: missing argument");
    /* Selecting JPKI first turns "wrong card" into a clear NOT_JPKI error
     * instead of an obscure status word on GET CHALLENGE. */
    jpki_rc rc = jpki_select_app(c, JPKI_APP_JPKI, err);
    if (rc != JPKI_OK)
        return rc;

    jpki_response *r = malloc(sizeof *r);
    if (!r)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "issuer authentication: out of memory");
    uint8_t rc_card[JPKI_CHALLENGE_LEN], rh[JPKI_CHALLENGE_LEN];
    uint8_t data[JPKI_CHALLENGE_LEN + JPKI_MAC_LEN], expect[JPKI_MAC_LEN];

    jpki_apdu challenge = {.ins = JPKI_INS_GET_CHALLENGE, .ne = JPKI_CHALLENGE_LEN};
    rc = issuer_command(c, &challenge, r, "GET CHALLENGE", err);
    if (rc != JPKI_OK)
        goto out;
    if (r->len != JPKI_CHALLENGE_LEN) {
        rc = jpki_error_set(err, JPKI_ERR_CARD_DATA,
                            "GET CHALLENGE: card returned %zu bytes, expected %d", r->len,
                            JPKI_CHALLENGE_LEN);
        goto out;
    }
    memcpy(rc_card, r->data, JPKI_CHALLENGE_LEN);

    if ((rc = jpki_transport_host_random(c->t, rh, sizeof rh, err)) != JPKI_OK) {
        jpki_error_prefix(err, "issuer authentication");
        goto out;
    }
    memcpy(data, rh, JPKI_CHALLENGE_LEN);
    if ((rc = mutual_mac(k, JPKI_MUTUAL_TAG_HOST, rc_card, rh, data + JPKI_CHALLENGE_LEN, err)) !=
        JPKI_OK)
        goto out;

    jpki_apdu mutual = {.ins = JPKI_INS_MUTUAL_AUTH, .data = data, .nc = sizeof data,
                        .ne = JPKI_MAC_LEN};
    rc = issuer_command(c, &mutual, r, "MUTUAL AUTHENTICATE", err);
    if (rc != JPKI_OK)
        goto out;
    if (r->len != JPKI_MAC_LEN) {
        rc = jpki_error_set(err, JPKI_ERR_CARD_DATA,
                            "MUTUAL AUTHENTICATE: card returned %zu bytes, expected %d", r->len,
                            JPKI_MAC_LEN);
        goto out;
    }
    if ((rc = mutual_mac(k, JPKI_MUTUAL_TAG_CARD, rh, rc_card, expect, err)) != JPKI_OK)
        goto out;
    /* The card proves it holds the same key; a card that accepted our MAC
     * but answers a wrong one is not the card we think it is. */
    if (!mac_equal(expect, r->data, JPKI_MAC_LEN))
        rc = jpki_error_set(err, JPKI_ERR_AUTH,
                            "MUTUAL AUTHENTICATE: the card's answer does not prove the issuer key");

out:
    jpki_wipe(expect, sizeof expect);
    jpki_wipe(data, sizeof data);
    jpki_wipe(rh, sizeof rh);
    jpki_wipe(rc_card, sizeof rc_card);
    jpki_wipe(r, sizeof *r);
    free(r);
    return rc;
}

/* ---- issuance status ---- */

static void parse_key_state(const uint8_t *p, jpki_key_state *ks)
{
    ks->active = p[0] & JPKI_KEYFLAG_ACTIVE;
    ks->pending = p[0] & JPKI_KEYFLAG_PENDING;
    ks->pending_cert = p[0] & JPKI_KEYFLAG_PENDING_CERT;
    ks->pending_cert_len = ((size_t)p[1] << 8) | p[2];
    ks->active_cert_len = ((size_t)p[3] << 8) | p[4];
}

jpki_rc jpki_issuance_status_get(jpki_card *c, jpki_issuance_status *st, jpki_error *err)
{
    if (!c || !c->t || !st)
        return jpki_error_set(err, JPKI_ERR_ARG, "issuance status: missing argument");
    jpki_response *r = malloc(sizeof *r);
    if (!r)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "issuance status: out of memory");
    jpki_apdu get = {.ins = JPKI_INS_GET_DATA, .p1 = JPKI_GETDATA_STATUS_P1,
                     .p2 = JPKI_GETDATA_STATUS_P2, .ne = 256};
    jpki_rc rc = issuer_command(c, &get, r, "GET DATA (issuance status)", err);
    if (rc != JPKI_OK)
        goto out;

    const uint8_t *p = r->data, *end = r->data + r->len;
    size_t len;
    if (r->len < 2 || p[0] != JPKI_GETDATA_STATUS_P1 || p[1] != JPKI_GETDATA_STATUS_P2) {
        rc = jpki_error_set(err, JPKI_ERR_CARD_DATA, "issuance status: missing DF30 tag");
        goto out;
    }
    p += 2;
    if (issuer_ber_length(&p, end, &len) != 0 || len != JPKI_STATUS_LEN || p + len != end) {
        rc = jpki_error_set(err, JPKI_ERR_CARD_DATA,
                            "issuance status: DF30 must hold exactly %d bytes", JPKI_STATUS_LEN);
        goto out;
    }
    if (p[0] > 1) {
        rc = jpki_error_set(err, JPKI_ERR_CARD_DATA, "issuance status: unknown mode %02X", p[0]);
        goto out;
    }
    jpki_issuance_status s;
    memset(&s, 0, sizeof s);
    s.face_mode = p[0] == 1;
    parse_key_state(p + 1, &s.key[JPKI_KEY_AUTH]);
    parse_key_state(p + 6, &s.key[JPKI_KEY_SIGN]);
    for (int i = 0; i < 2; i++) {
        if (s.key[i].pending_cert_len > JPKI_CERT_MAX || s.key[i].active_cert_len > JPKI_CERT_MAX) {
            rc = jpki_error_set(err, JPKI_ERR_CARD_DATA,
                                "issuance status: certificate length over %d bytes", JPKI_CERT_MAX);
            goto out;
        }
    }
    *st = s;
out:
    free(r);
    return rc;
}
