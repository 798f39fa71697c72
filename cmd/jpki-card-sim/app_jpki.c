/* The JPKI application as public readers use it: certificate EFs, CA
 * certificates, token, certificate flags, and the proprietary signature
 * command 80 2A. */
#include <string.h>

#include "sim.h"

int sim_slot_for_key_ef(uint16_t ef)
{
    if (ef == JPKI_EF_AUTH_KEY)
        return JPKI_KEY_AUTH;
    if (ef == JPKI_EF_SIGN_KEY)
        return JPKI_KEY_SIGN;
    return -1;
}

int sim_slot_for_cert_ef(uint16_t ef)
{
    if (ef == JPKI_EF_AUTH_CERT)
        return JPKI_KEY_AUTH;
    if (ef == JPKI_EF_SIGN_CERT)
        return JPKI_KEY_SIGN;
    return -1;
}

bool sim_jpki_ef_exists(uint16_t ef)
{
    switch (ef) {
    case JPKI_EF_AUTH_CERT:
    case JPKI_EF_AUTH_CA_CERT:
    case JPKI_EF_SIGN_CERT:
    case JPKI_EF_SIGN_CA_CERT:
    case JPKI_EF_AUTH_KEY:
    case JPKI_EF_AUTH_PIN:
    case JPKI_EF_SIGN_KEY:
    case JPKI_EF_SIGN_PIN:
    case JPKI_EF_TOKEN:
    case JPKI_EF_CERT_FLAGS:
        return true;
    default:
        return false;
    }
}

/* Physical EF sizes (ours; real cards allocate fixed-size EFs and readers
 * take a certificate's length from its DER header, ignoring the filler). */
#define EF_SIZE_USER_CERT 0x0800
#define EF_SIZE_CA_CERT 0x0600
#define EF_SIZE_TOKEN 160

uint16_t sim_read_ef(const sim_card *c, const uint8_t *content, size_t clen, size_t efsize,
                     const jpki_apdu *a, sim_out *out)
{
    if (a->nc != 0)
        return SW_WRONG_LENGTH;
    if (a->ne == 0)
        return SW_WRONG_LENGTH;
    if (efsize < clen)
        efsize = clen;
    size_t off = ((size_t)(a->p1 & 0x7F) << 8) | a->p2;
    if (off >= efsize)
        return SW_WRONG_OFFSET;
    /* Ne > 256 arrives only in an extended APDU, which the engine lets
     * through only on a variant that announces extended length. */
    size_t want = a->ne > SIM_RESP_MAX ? SIM_RESP_MAX : a->ne;
    size_t n = efsize - off < want ? efsize - off : want;
    for (size_t i = 0; i < n; i++)
        out->data[i] = off + i < clen ? content[off + i] : c->v->filler;
    out->len = n;
    /* JICSAP / what public readers accept: the remaining bytes with 9000
     * when the read runs past the end (never 6282). */
    return SW_OK;
}

uint16_t sim_read_slice(const sim_card *c, const uint8_t *content, size_t clen, const jpki_apdu *a,
                        sim_out *out)
{
    return sim_read_ef(c, content, clen, clen, a, out);
}

uint16_t sim_jpki_read(sim_card *c, const jpki_apdu *a, sim_out *out)
{
    const sim_persist *st = &c->st;
    switch (c->ef) {
    case JPKI_EF_AUTH_CERT:
    case JPKI_EF_SIGN_CERT: {
        int slot = sim_slot_for_cert_ef(c->ef);
        /* The signature certificate carries name, address, birth date and
         * sex: the card shows it only after the signature password. */
        if (slot == JPKI_KEY_SIGN && !c->verified[JPKI_PIN_SIGN])
            return SW_SECURITY;
        const sim_blob *cert = &st->slot[slot].cert;
        if (!cert->p)
            return SW_DATA_NOT_FOUND;
        return sim_read_ef(c, cert->p, cert->len, EF_SIZE_USER_CERT, a, out);
    }
    case JPKI_EF_AUTH_CA_CERT:
        return sim_read_ef(c, st->ca_cert[JPKI_KEY_AUTH].p, st->ca_cert[JPKI_KEY_AUTH].len,
                           EF_SIZE_CA_CERT, a, out);
    case JPKI_EF_SIGN_CA_CERT:
        return sim_read_ef(c, st->ca_cert[JPKI_KEY_SIGN].p, st->ca_cert[JPKI_KEY_SIGN].len,
                           EF_SIZE_CA_CERT, a, out);
    case JPKI_EF_TOKEN: {
        /* A 160-byte record whose 32-byte label, space padded, starts
         * "JPKIAPICCTOKEN2" (one source). */
        uint8_t token[32];
        memset(token, ' ', sizeof token);
        memcpy(token, JPKI_TOKEN_MYNUMBER, strlen(JPKI_TOKEN_MYNUMBER));
        return sim_read_ef(c, token, sizeof token, EF_SIZE_TOKEN, a, out);
    }
    case JPKI_EF_CERT_FLAGS: {
        /* A face-authentication card has no signature certificate (the
         * switch revokes it): the flags no longer show it. */
        bool sign = st->slot[JPKI_KEY_SIGN].cert.p && !st->face_mode;
        uint8_t flags[3] = {st->slot[JPKI_KEY_AUTH].cert.p ? JPKI_CERT_FLAG_PRESENT : 0,
                            sign ? JPKI_CERT_FLAG_PRESENT : 0, 0x00};
        return sim_read_slice(c, flags, sizeof flags, a, out);
    }
    default:
        return SW_INCOMPATIBLE_FILE; /* key and PIN EFs are not readable */
    }
}

uint16_t sim_sign(sim_card *c, const jpki_apdu *a, sim_out *out)
{
    if (a->p1 != 0x00)
        return SW_WRONG_P1P2;
    /* P2 80 = the key EF selected now, 81 = its pending key (ours); 80|SFI
     * of a key EF (97 auth, 9A sign: one source) names that EF's active key
     * without selecting it. */
    uint16_t ef = c->ef;
    bool pending = a->p2 == JPKI_P2_PENDING_KEY;
    if (a->p2 != JPKI_P2_ACTIVE_KEY && !pending) {
        if (a->p2 != (0x80 | JPKI_EF_AUTH_KEY) && a->p2 != (0x80 | JPKI_EF_SIGN_KEY))
            return SW_WRONG_P1P2;
        if (c->app != JPKI_APP_JPKI)
            return SW_DATA_NOT_FOUND;
        ef = a->p2 & 0x1F;
    }
    if (c->app != JPKI_APP_JPKI || ef == 0)
        return SW_NO_CURRENT_EF;
    int slot = sim_slot_for_key_ef(ef);
    if (slot < 0)
        return SW_INCOMPATIBLE_FILE;
    if (a->nc == 0)
        return SW_WRONG_LENGTH;
    if (!sim_key_usable(c, slot, pending))
        return SW_SECURITY;
    const sim_blob *key = pending ? &c->st.slot[slot].pending_key : &c->st.slot[slot].key;
    if (!key->p)
        return SW_DATA_NOT_FOUND;
    uint16_t sw = sim_rsa_sign(key, a->data, a->nc, out->data);
    if (sw == SW_OK)
        out->len = 256;
    return sw;
}
