/* The APDU dispatcher: parse, route by CLA/INS, SELECT, GET RESPONSE
 * chaining for answers over 256 bytes, and the card's lifetime. */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "sim.h"

const uint8_t *sim_card_atr(size_t *len)
{
    const sim_variant *v = sim_variant_at(0);
    *len = v->atr_len;
    return v->atr;
}

const uint8_t *sim_card_variant_atr(const sim_card *c, size_t *len)
{
    if (!c || !c->v)
        return sim_card_atr(len);
    *len = c->v->atr_len;
    return c->v->atr;
}

static const struct {
    jpki_app app;
    uint8_t aid[JPKI_AID_LEN];
} apps[] = {
    {JPKI_APP_JPKI, {JPKI_AID_JPKI}},
    {JPKI_APP_CARDINFO, {JPKI_AID_CARDINFO}},
    {JPKI_APP_VISUAL, {JPKI_AID_VISUAL}},
    {JPKI_APP_REGISTRY, {JPKI_AID_REGISTRY}},
    {JPKI_APP_COMMON, {JPKI_AID_COMMON}},
};

sim_card *sim_card_load(const char *state_path, jpki_error *err)
{
    if (!state_path) {
        jpki_error_set(err, JPKI_ERR_ARG, "no state file given");
        return NULL;
    }
    sim_card *c = calloc(1, sizeof *c);
    if (!c || !(c->path = strdup(state_path))) {
        free(c);
        jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (sim_state_read(state_path, &c->st, err) != JPKI_OK) {
        free(c->path);
        free(c);
        return NULL;
    }
    c->v = sim_variant_find(c->st.variant);
    return c;
}

sim_persist *sim_card_state(sim_card *c)
{
    return &c->st;
}

bool sim_card_issuer_open(const sim_card *c)
{
    return c->issuer;
}

static bool copy_blob(sim_blob *dst, const sim_blob *src)
{
    return !src->p || sim_blob_set(dst, src->p, src->len) == JPKI_OK;
}

sim_card *sim_card_clone(const sim_card *card, const sim_variant *v, const char *state_path)
{
    sim_card *c = calloc(1, sizeof *c);
    if (!c || !(c->path = strdup(state_path))) {
        free(c);
        return NULL;
    }
    c->st = card->st; /* the fixed-size fields; the blobs are copied below */
    c->v = v ? v : card->v;
    for (int k = 0; k < SIM_KEYS; k++) { /* none shared, even if a copy fails */
        memset(&c->st.slot[k], 0, sizeof c->st.slot[k]);
        memset(&c->st.ca_cert[k], 0, sizeof c->st.ca_cert[k]);
    }
    bool ok = true;
    for (int k = 0; k < SIM_KEYS; k++) {
        const sim_keyslot *from = &card->st.slot[k];
        sim_keyslot *to = &c->st.slot[k];
        ok &= copy_blob(&to->key, &from->key);
        ok &= copy_blob(&to->cert, &from->cert);
        ok &= copy_blob(&to->pending_key, &from->pending_key);
        ok &= copy_blob(&to->pending_cert, &from->pending_cert);
        ok &= copy_blob(&c->st.ca_cert[k], &card->st.ca_cert[k]);
    }
    if (!ok) {
        sim_card_free(c);
        return NULL;
    }
    return c;
}

void sim_card_power_cycle(sim_card *c)
{
    if (!c)
        return;
    c->app = JPKI_APP_NONE;
    c->ef = 0;
    memset(c->verified, 0, sizeof c->verified);
    memset(c->ab_verified, 0, sizeof c->ab_verified);
    c->issuer = false;
    c->challenge_valid = false;
    mbedtls_platform_zeroize(c->challenge, sizeof c->challenge);
    mbedtls_platform_zeroize(c->pending_resp, sizeof c->pending_resp);
    c->pending_len = c->pending_off = 0;
}

void sim_card_free(sim_card *c)
{
    if (!c)
        return;
    sim_card_power_cycle(c);
    sim_persist_free(&c->st);
    free(c->path);
    free(c);
}

static void select_app(sim_card *c, jpki_app app)
{
    /* Verified PINs belong to their application: leaving it drops them. */
    if (app != c->app) {
        memset(c->verified, 0, sizeof c->verified);
        memset(c->ab_verified, 0, sizeof c->ab_verified);
    }
    c->app = app;
    c->ef = 0;
}

/* The GlobalPlatform issuer security domain's AID: selecting it brings a
 * real card back to the state after reset (survey), with no application. */
static const uint8_t gp_isd_aid[] = {0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00};

static uint16_t do_select(sim_card *c, const jpki_apdu *a)
{
    if (a->p2 != 0x0C && a->p2 != 0x00)
        return SW_WRONG_P1P2;
    if (a->p1 == 0x04) {
        if (a->nc == 0 || a->nc > 16)
            return SW_WRONG_LENGTH;
        if (a->nc == sizeof gp_isd_aid && memcmp(a->data, gp_isd_aid, sizeof gp_isd_aid) == 0) {
            select_app(c, JPKI_APP_NONE);
            return SW_OK;
        }
        for (size_t i = 0; i < sizeof apps / sizeof apps[0]; i++) {
            if (a->nc == JPKI_AID_LEN && memcmp(a->data, apps[i].aid, JPKI_AID_LEN) == 0) {
                select_app(c, apps[i].app);
                return SW_OK;
            }
        }
        return SW_NOT_FOUND;
    }
    if (a->p1 == 0x02) {
        if (a->nc != 2)
            return SW_WRONG_LENGTH;
        uint16_t fid = (uint16_t)((a->data[0] << 8) | a->data[1]);
        bool exists = c->app == JPKI_APP_JPKI ? sim_jpki_ef_exists(fid)
                                              : sim_other_ef_exists(c->app, fid);
        if (!exists)
            return SW_NOT_FOUND; /* includes the MF 3F00, which is not selectable */
        c->ef = fid;
        return SW_OK;
    }
    /* P1 00 without data (ISO: the MF) is refused after reset but answers
     * 9000, changing nothing, once an application is selected (survey of
     * a real card).  P1 00 with a FID and path selection are not offered. */
    if (a->p1 == 0x00 && a->nc == 0)
        return c->app == JPKI_APP_NONE ? SW_WRONG_P1P2 : SW_OK;
    return SW_WRONG_P1P2;
}

static uint16_t do_read(sim_card *c, const jpki_apdu *a, sim_out *out)
{
    jpki_apdu by_sfi;
    if (a->p1 & 0x80) {
        /* Short EF identifier: P1 = 80|SFI selects the EF, P2 is the offset
         * (ISO 7816-4; one source shows it on this card). */
        uint16_t ef;
        if ((a->p1 & 0x60) || c->app == JPKI_APP_NONE ||
            !sim_ef_for_sfi(c->app, a->p1 & 0x1F, &ef))
            return (a->p1 & 0x60) ? SW_WRONG_P1P2 : SW_NOT_FOUND;
        c->ef = ef;
        by_sfi = *a;
        by_sfi.p1 = 0;
        a = &by_sfi;
    }
    if (c->app == JPKI_APP_NONE || c->ef == 0)
        return SW_NO_CURRENT_EF;
    if (c->app == JPKI_APP_JPKI)
        return sim_jpki_read(c, a, out);
    return sim_other_read(c, a, out);
}

static uint16_t do_get_response(sim_card *c, const jpki_apdu *a, sim_out *out)
{
    if (a->p1 != 0 || a->p2 != 0)
        return SW_WRONG_P1P2;
    if (a->nc != 0)
        return SW_WRONG_LENGTH;
    size_t rest = c->pending_len - c->pending_off;
    if (rest == 0)
        return SW_CONDITIONS;
    size_t want = a->ne == 0 || a->ne > 256 ? 256 : a->ne;
    size_t n = rest < want ? rest : want;
    memcpy(out->data, c->pending_resp + c->pending_off, n);
    out->len = n;
    c->pending_off += n;
    rest -= n;
    if (rest == 0) {
        c->pending_len = c->pending_off = 0;
        return SW_OK;
    }
    return (uint16_t)(0x6100 | (rest >= 256 ? 0 : rest));
}

/* PC/SC contactless readers answer FF CA 00 00 (card UID; for ISO
 * 14443-B the 4-byte PUPI) themselves.  Our PUPI is derived from the card
 * serial so that it is stable across power cycles, as a real card's is. */
static uint16_t reader_get_uid(const sim_card *c, const jpki_apdu *a, sim_out *out)
{
    if (a->p1 != 0x00 || a->p2 != 0x00)
        return SW_WRONG_P1P2;
    uint32_t h = 2166136261u;
    for (const char *s = c->st.serial; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    uint8_t pupi[4] = {(uint8_t)(h >> 24), (uint8_t)(h >> 16), (uint8_t)(h >> 8), (uint8_t)h};
    size_t n = a->ne == 0 || a->ne >= 4 ? 4 : a->ne;
    if (a->ne != 0 && a->ne < 4)
        return (uint16_t)(0x6C00 | 4);
    memcpy(out->data, pupi, n);
    out->len = n;
    return SW_OK;
}

static uint16_t dispatch(sim_card *c, const jpki_apdu *a, sim_out *out)
{
    if (a->cla == 0xFF && c->v->contactless)
        return a->ins == 0xCA ? reader_get_uid(c, a, out) : SW_INS_NOT_SUPPORTED;
    if (a->cla == JPKI_CLA_PROPRIETARY)
        return a->ins == JPKI_INS_COMPUTE_SIG ? sim_sign(c, a, out) : SW_INS_NOT_SUPPORTED;
    if (a->cla != 0x00)
        return SW_CLA_NOT_SUPPORTED;
    switch (a->ins) {
    case JPKI_INS_SELECT: return do_select(c, a);
    case JPKI_INS_READ_BINARY: return do_read(c, a, out);
    case 0xB2: return sim_read_record(c, a, out);
    case JPKI_INS_VERIFY: return sim_verify(c, a);
    case JPKI_INS_CHANGE_REF: return sim_change_ref(c, a);
    case JPKI_INS_RESET_RETRY: return sim_reset_retry(c, a);
    case JPKI_INS_DISABLE_VERIF: return sim_disable_verif(c, a);
    case JPKI_INS_ENABLE_VERIF: return sim_enable_verif(c, a);
    case JPKI_INS_GET_CHALLENGE: return sim_get_challenge(c, a, out);
    case JPKI_INS_MUTUAL_AUTH: return sim_mutual_auth(c, a, out);
    case JPKI_INS_GEN_KEYPAIR: return sim_gen_keypair(c, a, out);
    case JPKI_INS_UPDATE_BINARY: return sim_update_binary(c, a);
    case JPKI_INS_ACTIVATE_FILE: return sim_activate(c, a);
    case JPKI_INS_GET_DATA: return sim_get_data(c, a, out);
    case JPKI_INS_GET_RESPONSE: return do_get_response(c, a, out);
    default: return SW_INS_NOT_SUPPORTED;
    }
}

static size_t answer_sw(uint8_t *r, uint16_t sw)
{
    r[0] = (uint8_t)(sw >> 8);
    r[1] = (uint8_t)sw;
    return 2;
}

size_t sim_card_apdu(void *card, const uint8_t *capdu, size_t clen, uint8_t *rapdu, size_t rcap)
{
    sim_card *c = card;
    if (!c || !rapdu || rcap < 2)
        return 0;
    jpki_apdu a;
    if (!capdu || jpki_apdu_parse(capdu, clen, &a, NULL) != JPKI_OK) {
        c->pending_len = c->pending_off = 0;
        return answer_sw(rapdu, SW_WRONG_LENGTH);
    }
    /* Pending GET RESPONSE data survives only until the next other command. */
    if (!(a.cla == 0x00 && a.ins == JPKI_INS_GET_RESPONSE))
        c->pending_len = c->pending_off = 0;

    /* Extended length (Lc/Le field starting with 00 after the header) only
     * on the variant whose ATR announces it; the others refuse it whole
     * rather than truncating silently. */
    bool extended = clen >= 7 && capdu[4] == 0x00;
    if (extended && !c->v->extended)
        return answer_sw(rapdu, SW_WRONG_LENGTH);

    sim_out *o = &c->out;
    o->len = 0;
    uint16_t sw = dispatch(c, &a, o);
    if (sw != SW_OK && sw != SW_EOF_WARNING && (sw >> 8) != 0x61)
        o->len = 0;
    if (o->len > 256 && !extended) {
        /* Too long for one short response: keep it for GET RESPONSE. */
        memcpy(c->pending_resp, o->data, o->len);
        c->pending_len = o->len;
        c->pending_off = 0;
        sw = (uint16_t)(0x6100 | (o->len >= 256 ? 0 : o->len));
        o->len = 0;
    }
    if (o->len + 2 > rcap)
        return answer_sw(rapdu, SW_UNKNOWN);
    memcpy(rapdu, o->data, o->len);
    mbedtls_platform_zeroize(o->data, o->len);
    return o->len + answer_sw(rapdu + o->len, sw);
}
