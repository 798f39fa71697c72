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

uint16_t sim_read_slice(const uint8_t *content, size_t clen, const jpki_apdu *a, sim_out *out)
{
    if (a->p1 & 0x80)
        return SW_WRONG_P1P2; /* short EF identifiers are not offered */
    if (a->nc != 0)
        return SW_WRONG_LENGTH;
    if (a->ne == 0)
        return SW_WRONG_LENGTH;
    size_t off = ((size_t)(a->p1 & 0x7F) << 8) | a->p2;
    size_t want = a->ne > 256 ? 256 : a->ne; /* short APDUs only: no extended length */
    if (off >= clen)
        return SW_WRONG_OFFSET;
    size_t n = clen - off < want ? clen - off : want;
    memcpy(out->data, content + off, n);
    out->len = n;
    /* ISO 7816-4: fewer bytes than Le because the EF ends here. */
    return n < want ? SW_EOF_WARNING : SW_OK;
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
        return sim_read_slice(cert->p, cert->len, a, out);
    }
    case JPKI_EF_AUTH_CA_CERT:
        return sim_read_slice(st->ca_cert[JPKI_KEY_AUTH].p, st->ca_cert[JPKI_KEY_AUTH].len, a, out);
    case JPKI_EF_SIGN_CA_CERT:
        return sim_read_slice(st->ca_cert[JPKI_KEY_SIGN].p, st->ca_cert[JPKI_KEY_SIGN].len, a, out);
    case JPKI_EF_TOKEN: {
        /* 32 bytes, space padded, like the real card's token EF. */
        uint8_t token[32];
        memset(token, ' ', sizeof token);
        memcpy(token, JPKI_TOKEN_MYNUMBER, strlen(JPKI_TOKEN_MYNUMBER));
        return sim_read_slice(token, sizeof token, a, out);
    }
    case JPKI_EF_CERT_FLAGS: {
        uint8_t flags[3] = {st->slot[JPKI_KEY_AUTH].cert.p ? JPKI_CERT_FLAG_PRESENT : 0,
                            st->slot[JPKI_KEY_SIGN].cert.p ? JPKI_CERT_FLAG_PRESENT : 0, 0x00};
        return sim_read_slice(flags, sizeof flags, a, out);
    }
    default:
        return SW_INCOMPATIBLE_FILE; /* key and PIN EFs are not readable */
    }
}

uint16_t sim_sign(sim_card *c, const jpki_apdu *a, sim_out *out)
{
    if (a->p1 != 0x00 || (a->p2 != JPKI_P2_ACTIVE_KEY && a->p2 != JPKI_P2_PENDING_KEY))
        return SW_WRONG_P1P2;
    if (c->app != JPKI_APP_JPKI || c->ef == 0)
        return SW_NO_CURRENT_EF;
    int slot = sim_slot_for_key_ef(c->ef);
    if (slot < 0)
        return SW_INCOMPATIBLE_FILE;
    if (a->nc == 0)
        return SW_WRONG_LENGTH;
    bool pending = a->p2 == JPKI_P2_PENDING_KEY;
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
