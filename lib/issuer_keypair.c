/* Key generation and certificate installation of the issuance profile:
 * GENERATE ASYMMETRIC KEY PAIR into the pending slot (and reading it back),
 * UPDATE BINARY of the pending certificate, ACTIVATE FILE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/rsa.h>

#include "jpki/apdu.h"
#include "jpki/issuer.h"
#include "jpki/profile.h"
#include "issuer_internal.h"
#include "pubkey_internal.h"

/* Bounds on what a card may hand us as an RSA public key: they keep a
 * malformed answer from reaching mbedTLS as something absurd. */
#define RSA_MIN_BYTES 128 /* 1024 bits */
#define RSA_MAX_BYTES 512 /* 4096 bits */
#define RSA_EXP_MAX_BYTES 4

/* UPDATE BINARY chunk: the largest short-APDU Lc, so any reader works. */
#define CERT_CHUNK 255

static uint16_t key_ef(jpki_key_kind key)
{
    return key == JPKI_KEY_SIGN ? JPKI_EF_SIGN_KEY : JPKI_EF_AUTH_KEY;
}

static uint16_t cert_ef(jpki_key_kind key)
{
    return key == JPKI_KEY_SIGN ? JPKI_EF_SIGN_CERT : JPKI_EF_AUTH_CERT;
}

static const char *key_name(jpki_key_kind key)
{
    return key == JPKI_KEY_SIGN ? "sign" : "auth";
}

static int valid_key_kind(jpki_key_kind key)
{
    return key == JPKI_KEY_AUTH || key == JPKI_KEY_SIGN;
}

/* Leading zero bytes carry no value (BER INTEGER-style padding). */
static void strip_zeros(const uint8_t **p, size_t *n)
{
    while (*n > 0 && **p == 0) {
        (*p)++;
        (*n)--;
    }
}

/* 7F49 L { 81 L modulus, 82 L exponent }, in either order, each once. */
static jpki_rc parse_public_key(const uint8_t *buf, size_t len, mbedtls_rsa_context *pub,
                                jpki_error *err)
{
    const uint8_t *p = buf, *end = buf + len;
    size_t olen;
    if (len < 2 || p[0] != 0x7F || p[1] != 0x49)
        return jpki_error_set(err, JPKI_ERR_CARD_DATA, "public key: missing 7F49 tag");
    p += 2;
    if (issuer_ber_length(&p, end, &olen) != 0 || p + olen != end)
        return jpki_error_set(err, JPKI_ERR_CARD_DATA, "public key: bad 7F49 length");
    end = p + olen;

    const uint8_t *n = NULL, *e = NULL;
    size_t nlen = 0, elen = 0;
    while (p < end) {
        uint8_t tag = *p++;
        size_t vlen;
        if (issuer_ber_length(&p, end, &vlen) != 0)
            return jpki_error_set(err, JPKI_ERR_CARD_DATA, "public key: bad length of tag %02X", tag);
        if (tag == 0x81 && !n) {
            n = p;
            nlen = vlen;
        } else if (tag == 0x82 && !e) {
            e = p;
            elen = vlen;
        } else {
            return jpki_error_set(err, JPKI_ERR_CARD_DATA, "public key: unexpected tag %02X", tag);
        }
        p += vlen;
    }
    if (!n || !e)
        return jpki_error_set(err, JPKI_ERR_CARD_DATA, "public key: modulus or exponent missing");
    strip_zeros(&n, &nlen);
    strip_zeros(&e, &elen);
    if (nlen < RSA_MIN_BYTES || nlen > RSA_MAX_BYTES || elen == 0 || elen > RSA_EXP_MAX_BYTES)
        return jpki_error_set(err, JPKI_ERR_CARD_DATA,
                              "public key: modulus of %zu bytes / exponent of %zu bytes out of range",
                              nlen, elen);
    int ret = mbedtls_rsa_import_raw(pub, n, nlen, NULL, 0, NULL, 0, NULL, 0, e, elen);
    if (ret == 0)
        ret = mbedtls_rsa_complete(pub);
    if (ret == 0)
        ret = mbedtls_rsa_check_pubkey(pub);
    if (ret != 0) {
        jpki_error_set(err, JPKI_ERR_CARD_DATA, "public key: not a usable RSA key (-0x%04x)",
                       (unsigned)-ret);
        if (err)
            err->detail = ret;
        return JPKI_ERR_CARD_DATA;
    }
    return JPKI_OK;
}

jpki_rc jpki_keypair_pending(jpki_card *c, jpki_key_kind key, bool generate,
                             jpki_pubkey *pub, jpki_error *err)
{
    if (!pub)
        return jpki_error_set(err, JPKI_ERR_ARG, "key pair: missing argument");
    /* Emptied first: on error the caller holds an empty key, never a stale one. */
    jpki_pubkey_clear(pub);
    if (!c || !c->t || !valid_key_kind(key))
        return jpki_error_set(err, JPKI_ERR_ARG, "key pair: bad argument");

    char what[64];
    snprintf(what, sizeof what, "%s %s key pair", generate ? "generating" : "reading pending",
             key_name(key));
    jpki_rc rc = issuer_select_jpki_ef(c, key_ef(key), err);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "%s", what);

    jpki_response *r = malloc(sizeof *r);
    if (!r)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "%s: out of memory", what);
    /* Le 00 (256): the answer is longer, the card says 61xx and
     * jpki_transmit collects the rest with GET RESPONSE. */
    jpki_apdu gen = {.ins = JPKI_INS_GEN_KEYPAIR,
                     .p1 = generate ? JPKI_GENKEY_P1_GENERATE : JPKI_GENKEY_P1_READ,
                     .ne = 256};
    rc = jpki_transmit(c->t, &gen, r, err);
    if (rc != JPKI_OK) {
        jpki_error_prefix(err, "%s", what);
    } else if (r->sw == 0x6982) {
        rc = jpki_error_set(err, JPKI_ERR_AUTH,
                            "%s: needs an issuer session and the %s PIN verified", what,
                            key_name(key));
        if (err)
            err->sw = r->sw;
    } else if (r->sw == 0x6A88 && !generate) {
        rc = jpki_error_set(err, JPKI_ERR_NOT_FOUND, "%s: no pending key on the card", what);
        if (err)
            err->sw = r->sw;
    } else if (!jpki_sw_ok(r->sw)) {
        rc = issuer_sw_error(err, r->sw, what);
    } else if ((rc = parse_public_key(r->data, r->len, &pub->rsa, err)) != JPKI_OK) {
        jpki_error_prefix(err, "%s", what);
    }
    free(r);
    if (rc != JPKI_OK)
        jpki_pubkey_clear(pub);
    return rc;
}

jpki_rc jpki_cert_write_pending(jpki_card *c, jpki_key_kind key, const uint8_t *der, size_t len,
                                jpki_error *err)
{
    if (!c || !c->t || !valid_key_kind(key) || !der || len == 0)
        return jpki_error_set(err, JPKI_ERR_ARG, "writing certificate: bad argument");
    /* Checked before any card traffic: the card's buffer is that big. */
    if (len > JPKI_CERT_MAX)
        return jpki_error_set(err, JPKI_ERR_LIMIT,
                              "writing %s certificate: %zu bytes, the card holds at most %d",
                              key_name(key), len, JPKI_CERT_MAX);
    char what[64];
    snprintf(what, sizeof what, "writing %s certificate", key_name(key));
    jpki_rc rc = issuer_select_jpki_ef(c, cert_ef(key), err);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "%s", what);

    jpki_response *r = malloc(sizeof *r);
    if (!r)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "%s: out of memory", what);
    for (size_t off = 0; off < len && rc == JPKI_OK; off += CERT_CHUNK) {
        size_t n = len - off < CERT_CHUNK ? len - off : CERT_CHUNK;
        jpki_apdu upd = {.ins = JPKI_INS_UPDATE_BINARY, .p1 = (uint8_t)(off >> 8),
                         .p2 = (uint8_t)off, .data = der + off, .nc = n};
        rc = issuer_command(c, &upd, r, what, err);
    }
    free(r);
    return rc;
}

jpki_rc jpki_cert_activate(jpki_card *c, jpki_key_kind key, jpki_error *err)
{
    if (!c || !c->t || !valid_key_kind(key))
        return jpki_error_set(err, JPKI_ERR_ARG, "activating certificate: bad argument");
    char what[64];
    snprintf(what, sizeof what, "activating %s certificate", key_name(key));
    jpki_rc rc = issuer_select_jpki_ef(c, cert_ef(key), err);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "%s", what);
    jpki_response *r = malloc(sizeof *r);
    if (!r)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "%s: out of memory", what);
    jpki_apdu act = {.ins = JPKI_INS_ACTIVATE_FILE};
    rc = jpki_transmit(c->t, &act, r, err);
    if (rc != JPKI_OK) {
        jpki_error_prefix(err, "%s", what);
    } else if (r->sw == 0x6A80) {
        /* The card checked the pending certificate and kept the old pair. */
        rc = jpki_error_set(err, JPKI_ERR_CERT,
                            "%s: card refused it (does not parse or does not match the pending "
                            "key); nothing changed",
                            what);
        if (err)
            err->sw = r->sw;
    } else if (r->sw == 0x6985) {
        rc = jpki_error_set(err, JPKI_ERR_STATE,
                            "%s: no pending key and certificate to activate", what);
        if (err)
            err->sw = r->sw;
    } else if (!jpki_sw_ok(r->sw)) {
        rc = issuer_sw_error(err, r->sw, what);
    }
    free(r);
    return rc;
}
