/* jpki-tools' issuance profile (the counter side of the card; the real
 * card's is not public): issuer session, pending key generation, pending
 * certificate write + ACTIVATE, PIN resets, face-authentication mode and
 * the status object.  The contract is the comment in jpki/profile.h. */
#include <string.h>
#include <sys/random.h>

#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/platform_util.h>

#include "sim.h"

bool sim_key_usable(const sim_card *c, int slot, bool pending)
{
    if (pending && !c->issuer)
        return false;
    /* A face-authentication card has no PIN: at the counter the holder's
     * face is checked instead, so the issuer session alone lets the auth
     * key be renewed. */
    if (pending && c->st.face_mode && slot == JPKI_KEY_AUTH)
        return true;
    if (c->st.face_mode)
        return false;
    return c->verified[slot == JPKI_KEY_AUTH ? JPKI_PIN_AUTH : JPKI_PIN_SIGN];
}

static bool cmac(const uint8_t key[JPKI_ISSUER_KEY_LEN], const uint8_t *in, size_t n,
                 uint8_t mac[JPKI_MAC_LEN])
{
    const mbedtls_cipher_info_t *ci = mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB);
    return ci && mbedtls_cipher_cmac(ci, key, 128, in, n, mac) == 0;
}

uint16_t sim_get_challenge(sim_card *c, const jpki_apdu *a, sim_out *out)
{
    if (a->p1 != 0 || a->p2 != 0)
        return SW_WRONG_P1P2;
    /* Any Le 1..256 (00 = 256), as OpenSC's pkcs11-tool --test asks for
     * 10.  Only an 8-byte challenge can start our mutual authentication;
     * another length forgets any earlier one. */
    if (a->nc != 0 || a->ne == 0 || a->ne > 256)
        return SW_WRONG_LENGTH;
    if (getrandom(out->data, a->ne, 0) != (ssize_t)a->ne)
        return SW_UNKNOWN;
    out->len = a->ne;
    c->challenge_valid = a->ne == JPKI_CHALLENGE_LEN;
    if (c->challenge_valid)
        memcpy(c->challenge, out->data, JPKI_CHALLENGE_LEN);
    return SW_OK;
}

uint16_t sim_mutual_auth(sim_card *c, const jpki_apdu *a, sim_out *out)
{
    if (a->p1 != 0 || a->p2 != 0)
        return SW_WRONG_P1P2;
    if (a->nc != JPKI_CHALLENGE_LEN + JPKI_MAC_LEN)
        return SW_WRONG_LENGTH;
    if (!c->challenge_valid)
        return SW_CONDITIONS;
    /* One challenge, one attempt: RC is forgotten whatever happens. */
    uint8_t rc[JPKI_CHALLENGE_LEN];
    memcpy(rc, c->challenge, sizeof rc);
    c->challenge_valid = false;
    mbedtls_platform_zeroize(c->challenge, sizeof c->challenge);

    const uint8_t *rh = a->data, *host_mac = a->data + JPKI_CHALLENGE_LEN;
    uint8_t msg[1 + 2 * JPKI_CHALLENGE_LEN], mac[JPKI_MAC_LEN];
    msg[0] = JPKI_MUTUAL_TAG_HOST;
    memcpy(msg + 1, rc, JPKI_CHALLENGE_LEN);
    memcpy(msg + 1 + JPKI_CHALLENGE_LEN, rh, JPKI_CHALLENGE_LEN);
    if (!cmac(c->st.issuer_key, msg, sizeof msg, mac))
        return SW_UNKNOWN;
    uint8_t diff = 0;
    for (int i = 0; i < JPKI_MAC_LEN; i++)
        diff |= mac[i] ^ host_mac[i];
    if (diff != 0) {
        c->issuer = false;
        return SW_VERIFY_FAILED;
    }
    /* The card proves the key too: CMAC_K(02 || RH || RC). */
    msg[0] = JPKI_MUTUAL_TAG_CARD;
    memcpy(msg + 1, rh, JPKI_CHALLENGE_LEN);
    memcpy(msg + 1 + JPKI_CHALLENGE_LEN, rc, JPKI_CHALLENGE_LEN);
    if (!cmac(c->st.issuer_key, msg, sizeof msg, out->data))
        return SW_UNKNOWN;
    out->len = JPKI_MAC_LEN;
    c->issuer = true;
    return SW_OK;
}

/* The key slot behind the selected key EF / certificate EF, or a status word. */
static uint16_t selected_slot(const sim_card *c, bool cert_ef, int *slot)
{
    if (c->app != JPKI_APP_JPKI || c->ef == 0)
        return SW_NO_CURRENT_EF;
    *slot = cert_ef ? sim_slot_for_cert_ef(c->ef) : sim_slot_for_key_ef(c->ef);
    return *slot < 0 ? SW_INCOMPATIBLE_FILE : SW_OK;
}

uint16_t sim_gen_keypair(sim_card *c, const jpki_apdu *a, sim_out *out)
{
    if (a->p2 != 0 || (a->p1 != JPKI_GENKEY_P1_GENERATE && a->p1 != JPKI_GENKEY_P1_READ))
        return SW_WRONG_P1P2;
    if (a->nc != 0)
        return SW_WRONG_LENGTH;
    int slot;
    uint16_t sw = selected_slot(c, false, &slot);
    if (sw != SW_OK)
        return sw;
    if (!sim_key_usable(c, slot, true))
        return SW_SECURITY;
    sim_keyslot *s = &c->st.slot[slot];
    if (a->p1 == JPKI_GENKEY_P1_GENERATE) {
        sim_blob fresh = {NULL, 0};
        if (sim_keypool_take(&fresh, NULL) != JPKI_OK)
            return SW_MEMORY_FAILURE;
        /* The active key and certificate stay in use until ACTIVATE. */
        sim_blob old_key = s->pending_key, old_cert = s->pending_cert;
        s->pending_key = fresh;
        s->pending_cert = (sim_blob){NULL, 0};
        if (!sim_commit(c)) {
            sim_blob_clear(&s->pending_key);
            s->pending_key = old_key;
            s->pending_cert = old_cert;
            return SW_MEMORY_FAILURE;
        }
        sim_blob_clear(&old_key);
        sim_blob_clear(&old_cert);
    }
    if (!s->pending_key.p)
        return SW_DATA_NOT_FOUND;
    return sim_pubkey_tlv(&s->pending_key, out);
}

uint16_t sim_update_binary(sim_card *c, const jpki_apdu *a)
{
    if (a->p1 & 0x80)
        return SW_WRONG_P1P2;
    if (a->nc == 0)
        return SW_WRONG_LENGTH;
    int slot;
    uint16_t sw = selected_slot(c, true, &slot);
    if (sw != SW_OK)
        return c->ef && c->app != JPKI_APP_NONE ? SW_INCOMPATIBLE_FILE : sw;
    if (!c->issuer)
        return SW_SECURITY;
    size_t off = ((size_t)a->p1 << 8) | a->p2;
    sim_blob *buf = &c->st.slot[slot].pending_cert;
    size_t cur = off == 0 ? 0 : buf->len; /* offset 0 starts a new buffer */
    if (off > cur)
        return SW_WRONG_OFFSET;
    if (off + a->nc > JPKI_CERT_MAX)
        return SW_NO_SPACE;
    size_t nlen = off + a->nc > cur ? off + a->nc : cur;
    uint8_t tmp[JPKI_CERT_MAX];
    if (cur)
        memcpy(tmp, buf->p, cur);
    memcpy(tmp + off, a->data, a->nc);
    sim_blob old = *buf;
    buf->p = NULL;
    buf->len = 0;
    if (sim_blob_set(buf, tmp, nlen) != JPKI_OK) {
        *buf = old;
        return SW_MEMORY_FAILURE;
    }
    if (!sim_commit(c)) {
        sim_blob_clear(buf);
        *buf = old;
        return SW_MEMORY_FAILURE;
    }
    sim_blob_clear(&old);
    return SW_OK;
}

uint16_t sim_activate(sim_card *c, const jpki_apdu *a)
{
    if (a->p1 != 0 || a->p2 != 0)
        return SW_WRONG_P1P2;
    if (a->nc != 0)
        return SW_WRONG_LENGTH;
    int slot;
    uint16_t sw = selected_slot(c, true, &slot);
    if (sw != SW_OK)
        return sw;
    if (!c->issuer)
        return SW_SECURITY;
    sim_keyslot *s = &c->st.slot[slot];
    if (!s->pending_key.p || !s->pending_cert.p)
        return SW_CONDITIONS;
    /* Exactly one DER certificate whose key is the pending key, or nothing
     * changes: the active pair stays valid. */
    if (sim_der_total_len(s->pending_cert.p, s->pending_cert.len) != s->pending_cert.len ||
        !sim_cert_matches_key(&s->pending_cert, &s->pending_key))
        return SW_WRONG_DATA;
    sim_keyslot before = *s;
    s->key = before.pending_key;
    s->cert = before.pending_cert;
    s->pending_key = (sim_blob){NULL, 0};
    s->pending_cert = (sim_blob){NULL, 0};
    if (!sim_commit(c)) {
        *s = before;
        return SW_MEMORY_FAILURE;
    }
    sim_blob_clear(&before.key);
    sim_blob_clear(&before.cert);
    return SW_OK;
}

uint16_t sim_reset_retry(sim_card *c, const jpki_apdu *a)
{
    if (a->p2 != JPKI_PIN_P2 || (a->p1 != JPKI_RESET_P1_NEW_PIN && a->p1 != JPKI_RESET_P1_UNBLOCK))
        return SW_WRONG_P1P2;
    if (c->ef == 0)
        return SW_NO_CURRENT_EF;
    jpki_pin_id id;
    if (!sim_pin_for_ef(c->app, c->ef, &id))
        return SW_INCOMPATIBLE_FILE;
    if (!c->issuer)
        return SW_SECURITY;
    if (c->st.face_mode)
        return SW_CONDITIONS; /* PINs come back with ENABLE VERIFICATION REQUIREMENT */
    sim_pin *pin = &c->st.pin[id];
    if (a->p1 == JPKI_RESET_P1_UNBLOCK) {
        if (a->nc != 0)
            return SW_WRONG_LENGTH;
        /* A forgotten signature password means a new signature certificate. */
        if (id == JPKI_PIN_SIGN || pin->len == 0)
            return SW_CONDITIONS;
        uint8_t before = pin->tries;
        pin->tries = (uint8_t)sim_pin_max_tries(id);
        if (!sim_commit(c)) {
            pin->tries = before;
            return SW_MEMORY_FAILURE;
        }
        return SW_OK;
    }
    if (a->nc == 0)
        return SW_WRONG_LENGTH;
    if (!sim_pin_format_ok(id, a->data, a->nc))
        return SW_WRONG_DATA;
    memcpy(pin->value, a->data, a->nc);
    pin->len = a->nc;
    pin->tries = (uint8_t)sim_pin_max_tries(id);
    c->verified[id] = false;
    if (id == JPKI_PIN_SIGN) {
        sim_blob_clear(&c->st.slot[JPKI_KEY_SIGN].key);
        sim_blob_clear(&c->st.slot[JPKI_KEY_SIGN].cert);
    }
    /* Not undoable in memory once keys are wiped: on a failed write the
     * card answers 6581 and the state file still holds the old data. */
    return sim_commit(c) ? SW_OK : SW_MEMORY_FAILURE;
}

uint16_t sim_disable_verif(sim_card *c, const jpki_apdu *a)
{
    if (a->p1 != 0 || a->p2 != 0)
        return SW_WRONG_P1P2;
    if (a->nc != 0)
        return SW_WRONG_LENGTH;
    if (!c->issuer)
        return SW_SECURITY;
    c->st.face_mode = true;
    for (int i = 0; i < JPKI_PIN_COUNT; i++) {
        mbedtls_platform_zeroize(&c->st.pin[i], sizeof c->st.pin[i]);
        c->verified[i] = false;
    }
    sim_keyslot *s = &c->st.slot[JPKI_KEY_SIGN];
    sim_blob_clear(&s->key);
    sim_blob_clear(&s->cert);
    sim_blob_clear(&s->pending_key);
    sim_blob_clear(&s->pending_cert);
    return sim_commit(c) ? SW_OK : SW_MEMORY_FAILURE;
}

uint16_t sim_enable_verif(sim_card *c, const jpki_apdu *a)
{
    if (a->p1 != 0 || a->p2 != 0)
        return SW_WRONG_P1P2;
    if (a->nc == 0)
        return SW_WRONG_LENGTH;
    if (!c->issuer)
        return SW_SECURITY;
    if (!c->st.face_mode)
        return SW_CONDITIONS;
    /* 81 authPIN 82 signPW 83 cardinfoPIN 84 registryPIN, each exactly once. */
    static const jpki_pin_id by_tag[4] = {JPKI_PIN_AUTH, JPKI_PIN_SIGN, JPKI_PIN_CARDINFO,
                                          JPKI_PIN_REGISTRY};
    const uint8_t *val[4] = {NULL, NULL, NULL, NULL};
    size_t len[4] = {0, 0, 0, 0};
    size_t i = 0;
    while (i < a->nc) {
        if (a->nc - i < 2)
            return SW_WRONG_DATA;
        uint8_t tag = a->data[i], l = a->data[i + 1];
        if (tag < JPKI_FACE_TAG_AUTH || tag > JPKI_FACE_TAG_REGISTRY || l >= 0x80 ||
            a->nc - i - 2 < l)
            return SW_WRONG_DATA;
        int k = tag - JPKI_FACE_TAG_AUTH;
        if (val[k])
            return SW_WRONG_DATA;
        val[k] = a->data + i + 2;
        len[k] = l;
        i += 2u + l;
    }
    for (int k = 0; k < 4; k++)
        if (!val[k] || !sim_pin_format_ok(by_tag[k], val[k], len[k]))
            return SW_WRONG_DATA;
    for (int k = 0; k < 4; k++) {
        sim_pin *p = &c->st.pin[by_tag[k]];
        memcpy(p->value, val[k], len[k]);
        p->len = len[k];
        p->tries = (uint8_t)sim_pin_max_tries(by_tag[k]);
    }
    c->st.face_mode = false;
    return sim_commit(c) ? SW_OK : SW_MEMORY_FAILURE;
}

/* GET DATA of a public data object (survey of a real test card): at MF
 * level 0045 card identification number, 00F0 municipality code, 00F2
 * card expiry; 5F51 the contact ATR without TS, also inside an
 * application.  Le shorter than the object answers 6Cxx. */
static uint16_t get_public_data(sim_card *c, uint16_t tag, const jpki_apdu *a, sim_out *out,
                                bool *handled)
{
    uint8_t v[32];
    size_t n = 0;
    *handled = true;
    if (tag == 0x5F51) {
        const sim_variant *contact = c->v->contactless ? sim_variant_at(0) : c->v;
        n = contact->atr_len - 1;
        memcpy(v, contact->atr + 1, n);
    } else if (c->app == JPKI_APP_NONE && tag == 0x0045) {
        n = 15;
        memcpy(v, c->st.serial, n);
    } else if (c->app == JPKI_APP_NONE && tag == 0x00F0) {
        n = 5;
        memcpy(v, c->st.municipality, n);
    } else if (c->app == JPKI_APP_NONE && tag == 0x00F2) {
        n = 8;
        memcpy(v, c->st.card_expiry, n);
    } else {
        *handled = false;
        return SW_DATA_NOT_FOUND;
    }
    if (a->nc != 0)
        return SW_WRONG_LENGTH;
    if (a->ne != 0 && a->ne < n)
        return (uint16_t)(0x6C00 | n);
    memcpy(out->data, v, n);
    out->len = n;
    return SW_OK;
}

uint16_t sim_get_data(sim_card *c, const jpki_apdu *a, sim_out *out)
{
    bool handled;
    uint16_t sw = get_public_data(c, (uint16_t)(a->p1 << 8 | a->p2), a, out, &handled);
    if (handled)
        return sw;
    if (a->p1 != JPKI_GETDATA_STATUS_P1 || a->p2 != JPKI_GETDATA_STATUS_P2)
        return SW_DATA_NOT_FOUND;
    /* DF30 is our proprietary issuance status, not a real card's object:
     * like every other command of the issuance profile it stays behind the
     * mutual authentication, so an unauthenticated reader sees only what a
     * real card shows (6982, as for any [issuer] command). */
    if (!c->issuer)
        return SW_SECURITY;
    if (a->nc != 0)
        return SW_WRONG_LENGTH;
    uint8_t *p = out->data;
    *p++ = JPKI_GETDATA_STATUS_P1;
    *p++ = JPKI_GETDATA_STATUS_P2;
    *p++ = JPKI_STATUS_LEN;
    *p++ = c->st.face_mode ? 0x01 : 0x00;
    for (int k = 0; k < SIM_KEYS; k++) {
        const sim_keyslot *s = &c->st.slot[k];
        uint8_t flags = 0;
        if (s->key.p)
            flags |= JPKI_KEYFLAG_ACTIVE;
        if (s->pending_key.p)
            flags |= JPKI_KEYFLAG_PENDING;
        if (s->pending_cert.p)
            flags |= JPKI_KEYFLAG_PENDING_CERT;
        *p++ = flags;
        *p++ = (uint8_t)(s->pending_cert.len >> 8);
        *p++ = (uint8_t)s->pending_cert.len;
        *p++ = (uint8_t)(s->cert.len >> 8);
        *p++ = (uint8_t)s->cert.len;
    }
    *p++ = 0x00; /* reserved */
    out->len = (size_t)(p - out->data);
    return SW_OK;
}
