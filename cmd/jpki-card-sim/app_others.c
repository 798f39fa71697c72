/* The card's other applications as public readers see them: card-info
 * input support (my number, basic-4 data, its PIN and PIN A/B), the visual
 * application (card face data behind its PIN A/B), the resident-registry
 * PIN and the common application's record.  Sources per item in
 * jpki-card-profile(7). */
#include <stdio.h>
#include <string.h>

#include "sim.h"

#define EF_VISUAL_FACE 0x0002
#define EF_VISUAL_PIN_B 0x0012
#define EF_VISUAL_PIN_A 0x0013
#define EF_CARDINFO_BLOCKED 0x0012 /* 63C0 on every card surveyed */
#define EF_CARDINFO_PIN_A 0x0014
#define EF_CARDINFO_PIN_B 0x0015

/* Physical sizes (ours): the My Number EF is read as 17 bytes by myna and
 * jpki-rs (FF 10 0C + 12 digits + 2 filler bytes). */
#define EF_SIZE_MYNUMBER 17
#define EF_SIZE_BASIC4 0x0200
#define EF_SIZE_VISUAL 0x0400

bool sim_ab_for_ef(jpki_app app, uint16_t ef, int *ab)
{
    if (app == JPKI_APP_VISUAL && ef == EF_VISUAL_PIN_A)
        *ab = SIM_AB_VISUAL_A;
    else if (app == JPKI_APP_VISUAL && ef == EF_VISUAL_PIN_B)
        *ab = SIM_AB_VISUAL_B;
    else if (app == JPKI_APP_CARDINFO && ef == EF_CARDINFO_PIN_A)
        *ab = SIM_AB_CARDINFO_A;
    else if (app == JPKI_APP_CARDINFO && ef == EF_CARDINFO_PIN_B)
        *ab = SIM_AB_CARDINFO_B;
    else
        return false;
    return true;
}

bool sim_is_dead_pin_ef(jpki_app app, uint16_t ef)
{
    return app == JPKI_APP_CARDINFO && ef == EF_CARDINFO_BLOCKED;
}

size_t sim_ab_value(const sim_persist *st, int ab, char out[16])
{
    if (ab == SIM_AB_VISUAL_A || ab == SIM_AB_CARDINFO_A) {
        memcpy(out, st->my_number, 12);
        return 12;
    }
    /* PIN B: birth YYMMDD + card expiry year YYYY + 4-digit security code.
     * Our security code: the serial's last 4 digits (a real card prints
     * its own on the card face). */
    memcpy(out, st->birth + 2, 6);
    memcpy(out + 6, st->card_expiry, 4);
    memcpy(out + 10, st->serial + 11, 4);
    return 14;
}

bool sim_other_ef_exists(jpki_app app, uint16_t ef)
{
    int ab;
    if (sim_ab_for_ef(app, ef, &ab) || sim_is_dead_pin_ef(app, ef))
        return true;
    switch (app) {
    case JPKI_APP_CARDINFO:
        return ef == JPKI_EF_CARDINFO_MYNUMBER || ef == JPKI_EF_CARDINFO_BASIC4 ||
               ef == JPKI_EF_CARDINFO_PIN;
    case JPKI_APP_VISUAL:
        return ef == EF_VISUAL_FACE;
    case JPKI_APP_REGISTRY:
        return ef == JPKI_EF_REGISTRY_PIN;
    case JPKI_APP_COMMON:
        return ef == JPKI_EF_COMMON_RECORD || ef == JPKI_EF_REGISTRY_PIN;
    default:
        return false;
    }
}

/* Append tag (1 or 2 bytes) + minimal BER length + value. */
static size_t tlv(uint8_t *p, uint16_t tag, const void *v, size_t n)
{
    size_t i = 0;
    if (tag > 0xFF)
        p[i++] = (uint8_t)(tag >> 8);
    p[i++] = (uint8_t)tag;
    if (n < 0x80) {
        p[i++] = (uint8_t)n;
    } else if (n < 0x100) {
        p[i++] = 0x81;
        p[i++] = (uint8_t)n;
    } else {
        p[i++] = 0x82;
        p[i++] = (uint8_t)(n >> 8);
        p[i++] = (uint8_t)n;
    }
    memcpy(p + i, v, n);
    return i + n;
}

/* Template FF xx around body.  SIM_B4_LONG_FORM: "82 HH LL" as the cards
 * behind jpki/myna (whose reader accepts 82 00 xx only for xx >= 80, so
 * shorter bodies keep the short form); SIM_B4_MINIMAL: minimal BER, the
 * "FF 20 65" of the surveyed test card. */
static size_t wrap(const sim_card *c, uint8_t *out, uint8_t tag2, const uint8_t *body, size_t n)
{
    out[0] = 0xFF;
    out[1] = tag2;
    size_t h;
    if (c->v->b4_form == SIM_B4_LONG_FORM && n >= 0x80) {
        out[2] = 0x82;
        out[3] = (uint8_t)(n >> 8);
        out[4] = (uint8_t)n;
        h = 5;
    } else if (n < 0x80) {
        out[2] = (uint8_t)n;
        h = 3;
    } else if (n < 0x100) {
        out[2] = 0x81;
        out[3] = (uint8_t)n;
        h = 4;
    } else {
        out[2] = 0x82;
        out[3] = (uint8_t)(n >> 8);
        out[4] = (uint8_t)n;
        h = 5;
    }
    memmove(out + h, body, n);
    return n + h;
}

bool sim_card_text(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in; in++) {
        unsigned char ch = (unsigned char)*in;
        if (n + 4 > cap)
            return false;
        if (ch == ' ') {
            out[n++] = (char)0xE3, out[n++] = (char)0x80, out[n++] = (char)0x80;
        } else if (ch >= '0' && ch <= '9') {
            out[n++] = (char)0xEF, out[n++] = (char)0xBC, out[n++] = (char)(0x90 + (ch - '0'));
        } else {
            out[n++] = (char)ch;
        }
    }
    out[n] = '\0';
    return true;
}

size_t sim_basic4(const sim_card *c, uint8_t *out)
{
    const sim_persist *st = &c->st;
    uint8_t body[1200];
    size_t n = 0;
    /* DF21: offsets (2 bytes each, from the template's value) of DF22..DF25,
     * filled in once the items are placed. */
    size_t off_pos = n + 2;
    n += tlv(body + n, 0xDF21, "\0\0\0\0\0\0\0\0", 8);
    size_t o[4];
    o[0] = n;
    n += tlv(body + n, 0xDF22, st->name, strlen(st->name));
    o[1] = n;
    n += tlv(body + n, 0xDF23, st->address, strlen(st->address));
    o[2] = n;
    n += tlv(body + n, 0xDF24, st->birth, strlen(st->birth));
    o[3] = n;
    n += tlv(body + n, 0xDF25, st->sex, strlen(st->sex));
    for (int i = 0; i < 4; i++) {
        body[off_pos + 1 + 2 * i] = (uint8_t)(o[i] >> 8);
        body[off_pos + 1 + 2 * i + 1] = (uint8_t)o[i];
    }
    return wrap(c, out, 0x20, body, n);
}

/* Visual application EF 0002 (myna, jpki-rs): FF 20 { DF21 header, DF22
 * birth date, DF23 sex, DF24 public key, DF25 name image, DF26 address
 * image, DF27 photo, DF28 signature, DF29 card expiry, DF2A code }.  The
 * images here are short placeholders, not pictures. */
static size_t visual_face(const sim_card *c, uint8_t *out)
{
    const sim_persist *st = &c->st;
    static const uint8_t placeholder[16] = "jpki-card-sim";
    uint8_t body[600];
    size_t n = 0;
    n += tlv(body + n, 0xDF21, "\x00\x01", 2);
    n += tlv(body + n, 0xDF22, st->birth, strlen(st->birth));
    n += tlv(body + n, 0xDF23, st->sex, strlen(st->sex));
    n += tlv(body + n, 0xDF24, placeholder, sizeof placeholder);
    n += tlv(body + n, 0xDF25, placeholder, sizeof placeholder);
    n += tlv(body + n, 0xDF26, placeholder, sizeof placeholder);
    n += tlv(body + n, 0xDF27, placeholder, sizeof placeholder);
    n += tlv(body + n, 0xDF28, placeholder, sizeof placeholder);
    n += tlv(body + n, 0xDF29, st->card_expiry, strlen(st->card_expiry));
    n += tlv(body + n, 0xDF2A, "\x00\x00", 2);
    return wrap(c, out, 0x20, body, n);
}

/* The common record as READ RECORD 1 answers it: 01 1C + serial(15)
 * municipality(5) expiry(8), or (SIM_COMMON_13_CHARS) 01 0D + a
 * 13-character serial (the serial's last 13 digits here). */
static size_t common_record(const sim_card *c, uint8_t *out)
{
    const sim_persist *st = &c->st;
    if (c->v->common_form == SIM_COMMON_13_CHARS) {
        out[0] = 0x01;
        out[1] = 13;
        memcpy(out + 2, st->serial + 2, 13);
        return 15;
    }
    out[0] = 0x01;
    out[1] = 28;
    memcpy(out + 2, st->serial, 15);
    memcpy(out + 17, st->municipality, 5);
    memcpy(out + 22, st->card_expiry, 8);
    return 30;
}

uint16_t sim_read_record(sim_card *c, const jpki_apdu *a, sim_out *out)
{
    if (c->app != JPKI_APP_COMMON)
        return c->app == JPKI_APP_NONE ? SW_NO_CURRENT_EF : SW_INCOMPATIBLE_FILE;
    /* P2 0C: current EF (or 04: current EF too); P2 = SFI<<3 | 4 names
     * the EF by its short identifier. */
    uint16_t ef = c->ef;
    if ((a->p2 & 0x07) != 0x04)
        return SW_WRONG_P1P2;
    if (a->p2 >> 3)
        ef = (uint16_t)(a->p2 >> 3);
    if (ef != JPKI_EF_COMMON_RECORD)
        return ef == 0 ? SW_NO_CURRENT_EF : SW_INCOMPATIBLE_FILE;
    if (a->nc != 0 || a->ne == 0)
        return SW_WRONG_LENGTH;
    if (a->p1 != 1)
        return SW_NOT_FOUND_RECORD;
    uint8_t rec[32];
    size_t n = common_record(c, rec);
    size_t want = a->ne;
    if (want < n)
        return (uint16_t)(0x6C00 | n);
    memcpy(out->data, rec, n);
    out->len = n;
    return SW_OK;
}

uint16_t sim_other_read(sim_card *c, const jpki_apdu *a, sim_out *out)
{
    const sim_persist *st = &c->st;
    uint8_t buf[1400];
    size_t n;
    int ab;
    if (sim_ab_for_ef(c->app, c->ef, &ab) || sim_is_dead_pin_ef(c->app, c->ef))
        return SW_INCOMPATIBLE_FILE;
    switch (c->app) {
    case JPKI_APP_CARDINFO:
        if (c->ef == JPKI_EF_CARDINFO_PIN)
            return SW_INCOMPATIBLE_FILE;
        /* The PIN opens both EFs; PIN A only the My Number, PIN B only
         * basic-4 (survey of a real test card). */
        if (c->ef == JPKI_EF_CARDINFO_MYNUMBER) {
            if (!c->verified[JPKI_PIN_CARDINFO] && !c->ab_verified[SIM_AB_CARDINFO_A])
                return SW_SECURITY;
            buf[0] = 0xFF;
            buf[1] = 0x10;
            buf[2] = 12;
            memcpy(buf + 3, st->my_number, 12);
            return sim_read_ef(c, buf, 15, EF_SIZE_MYNUMBER, a, out);
        }
        if (!c->verified[JPKI_PIN_CARDINFO] && !c->ab_verified[SIM_AB_CARDINFO_B])
            return SW_SECURITY;
        n = sim_basic4(c, buf);
        return sim_read_ef(c, buf, n, EF_SIZE_BASIC4, a, out);
    case JPKI_APP_VISUAL:
        if (!c->ab_verified[SIM_AB_VISUAL_A] && !c->ab_verified[SIM_AB_VISUAL_B])
            return SW_SECURITY;
        n = visual_face(c, buf);
        return sim_read_ef(c, buf, n, EF_SIZE_VISUAL, a, out);
    case JPKI_APP_COMMON:
        if (c->ef != JPKI_EF_COMMON_RECORD)
            return SW_INCOMPATIBLE_FILE;
        /* READ BINARY of the record EF: the bare record value (the 28
         * digits jpki-tools' own reader takes), see jpki-card-profile(7). */
        n = common_record(c, buf);
        return sim_read_slice(c, buf + 2, n - 2, a, out);
    default:
        return SW_INCOMPATIBLE_FILE;
    }
}

bool sim_ef_for_sfi(jpki_app app, uint8_t sfi, uint16_t *ef)
{
    /* SFI n names EF 00nn (one source): only where that EF exists. */
    if (sfi == 0 || sfi > 0x1E)
        return false;
    bool exists = app == JPKI_APP_JPKI ? sim_jpki_ef_exists(sfi) : sim_other_ef_exists(app, sfi);
    if (!exists)
        return false;
    *ef = sfi;
    return true;
}
