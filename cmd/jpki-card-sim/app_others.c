/* The card's other applications, as far as jpki-tools needs them: card-info
 * input support (my number, basic-4 data, its PIN), the visual application
 * (card face text), the resident-registry PIN and the common record. */
#include <string.h>

#include "sim.h"

#define JPKI_EF_VISUAL_FACE 0x0002

bool sim_other_ef_exists(jpki_app app, uint16_t ef)
{
    switch (app) {
    case JPKI_APP_CARDINFO:
        return ef == JPKI_EF_CARDINFO_MYNUMBER || ef == JPKI_EF_CARDINFO_BASIC4 ||
               ef == JPKI_EF_CARDINFO_PIN;
    case JPKI_APP_VISUAL:
        return ef == JPKI_EF_VISUAL_FACE;
    case JPKI_APP_REGISTRY:
        return ef == JPKI_EF_REGISTRY_PIN;
    case JPKI_APP_COMMON:
        return ef == JPKI_EF_COMMON_RECORD;
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

/* Template tag FF xx with the non-minimal 3-byte length "82 HH LL" the real
 * card uses even for short contents: readers must accept it. */
static size_t wrap_nonminimal(uint8_t *out, uint8_t tag2, const uint8_t *body, size_t n)
{
    out[0] = 0xFF;
    out[1] = tag2;
    out[2] = 0x82;
    out[3] = (uint8_t)(n >> 8);
    out[4] = (uint8_t)n;
    memmove(out + 5, body, n);
    return n + 5;
}

static size_t basic4(const sim_persist *st, uint8_t *out)
{
    uint8_t body[600];
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
    return wrap_nonminimal(out, 0x20, body, n);
}

static size_t visual_face(const sim_persist *st, uint8_t *out)
{
    uint8_t body[600];
    size_t n = 0;
    n += tlv(body + n, 0xDF22, st->name, strlen(st->name));
    n += tlv(body + n, 0xDF23, st->address, strlen(st->address));
    n += tlv(body + n, 0xDF24, st->birth, strlen(st->birth));
    n += tlv(body + n, 0xDF25, st->sex, strlen(st->sex));
    n += tlv(body + n, 0xDF29, st->card_expiry, strlen(st->card_expiry));
    return wrap_nonminimal(out, 0x40, body, n);
}

uint16_t sim_other_read(sim_card *c, const jpki_apdu *a, sim_out *out)
{
    const sim_persist *st = &c->st;
    uint8_t buf[700];
    size_t n;
    switch (c->app) {
    case JPKI_APP_CARDINFO:
        if (c->ef == JPKI_EF_CARDINFO_PIN)
            return SW_INCOMPATIBLE_FILE;
        if (!c->verified[JPKI_PIN_CARDINFO])
            return SW_SECURITY;
        if (c->ef == JPKI_EF_CARDINFO_MYNUMBER) {
            buf[0] = 0xFF;
            buf[1] = 0x10;
            buf[2] = 12;
            memcpy(buf + 3, st->my_number, 12);
            n = 15;
        } else {
            n = basic4(st, buf);
        }
        return sim_read_slice(buf, n, a, out);
    case JPKI_APP_VISUAL:
        n = visual_face(st, buf);
        return sim_read_slice(buf, n, a, out);
    case JPKI_APP_COMMON:
        /* serial(15) municipality(5) card expiry YYYYMMDD, ASCII */
        memcpy(buf, st->serial, 15);
        memcpy(buf + 15, st->municipality, 5);
        memcpy(buf + 20, st->card_expiry, 8);
        return sim_read_slice(buf, 28, a, out);
    default:
        return SW_INCOMPATIBLE_FILE;
    }
}
