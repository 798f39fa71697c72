/* The four PINs: the real card's rules (format, tries, blocking), VERIFY
 * and CHANGE REFERENCE DATA.  A try is spent, and written to the state file,
 * before the answer leaves the card: killing the simulator never refunds a
 * wrong guess. */
#include <string.h>

#include <mbedtls/platform_util.h>

#include "sim.h"

bool sim_pin_format_ok(jpki_pin_id id, const uint8_t *p, size_t len)
{
    if (id == JPKI_PIN_SIGN) {
        if (len < JPKI_SIGN_PW_MIN || len > JPKI_SIGN_PW_MAX)
            return false;
        for (size_t i = 0; i < len; i++)
            if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9')))
                return false;
        return true;
    }
    if (len != JPKI_PIN4_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

int sim_pin_max_tries(jpki_pin_id id)
{
    return id == JPKI_PIN_SIGN ? JPKI_SIGN_PW_TRIES : JPKI_PIN4_TRIES;
}

bool sim_pin_for_ef(jpki_app app, uint16_t ef, jpki_pin_id *id)
{
    if (app == JPKI_APP_JPKI && ef == JPKI_EF_AUTH_PIN)
        *id = JPKI_PIN_AUTH;
    else if (app == JPKI_APP_JPKI && ef == JPKI_EF_SIGN_PIN)
        *id = JPKI_PIN_SIGN;
    else if (app == JPKI_APP_CARDINFO && ef == JPKI_EF_CARDINFO_PIN)
        *id = JPKI_PIN_CARDINFO;
    else if ((app == JPKI_APP_REGISTRY || app == JPKI_APP_COMMON) && ef == JPKI_EF_REGISTRY_PIN)
        *id = JPKI_PIN_REGISTRY; /* the common area's 001C: grouped with it (see the profile) */
    else
        return false;
    return true;
}

/* The selected PIN EF, or the status word explaining why there is none. */
static uint16_t pin_of_ef(const sim_card *c, uint16_t ef, jpki_pin_id *id)
{
    if (ef == 0)
        return SW_NO_CURRENT_EF;
    if (!sim_pin_for_ef(c->app, ef, id))
        return SW_INCOMPATIBLE_FILE;
    return SW_OK;
}

static uint16_t selected_pin(const sim_card *c, jpki_pin_id *id)
{
    return pin_of_ef(c, c->ef, id);
}

/* VERIFY P2: 80 = the PIN EF selected now; 80|SFI (SFI 01..1E) names the
 * PIN EF 00nn directly (ISO 7816-4 short EF identifier; one source shows
 * it on this card).  The SFI form does not change the current EF. */
static uint16_t verify_target(const sim_card *c, uint8_t p2, uint16_t *ef)
{
    *ef = c->ef;
    if (p2 == JPKI_PIN_P2)
        return SW_OK;
    if ((p2 & 0xE0) != 0x80 || (p2 & 0x1F) == 0x1F)
        return SW_WRONG_P1P2;
    if (c->app == JPKI_APP_NONE || !sim_ef_for_sfi(c->app, p2 & 0x1F, ef))
        return SW_DATA_NOT_FOUND;
    return SW_OK;
}

static bool constant_time_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    uint8_t diff = (uint8_t)(alen != blen);
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++)
        diff |= a[i] ^ b[i];
    return diff == 0;
}

/* PIN A / PIN B: values derived from the holder data, 10 tries (ours). */
static uint16_t verify_ab(sim_card *c, int ab, const jpki_apdu *a)
{
    uint8_t *tries = &c->st.ab_tries[ab];
    if (a->nc == 0)
        return (uint16_t)(0x63C0 | *tries);
    if (*tries == 0)
        return SW_BLOCKED;
    char want[16];
    size_t wlen = sim_ab_value(&c->st, ab, want);
    bool ok = constant_time_eq(a->data, a->nc, (const uint8_t *)want, wlen);
    mbedtls_platform_zeroize(want, sizeof want);
    if (ok) {
        uint8_t before = *tries;
        *tries = SIM_AB_TRIES;
        if (before != *tries && !sim_commit(c)) {
            *tries = before;
            return SW_MEMORY_FAILURE;
        }
        c->ab_verified[ab] = true;
        return SW_OK;
    }
    c->ab_verified[ab] = false;
    (*tries)--;
    if (!sim_commit(c))
        return SW_MEMORY_FAILURE;
    return (uint16_t)(0x63C0 | *tries);
}

uint16_t sim_verify(sim_card *c, const jpki_apdu *a)
{
    if (a->p1 != 0x00)
        return SW_WRONG_P1P2;
    uint16_t ef;
    uint16_t sw = verify_target(c, a->p2, &ef);
    if (sw != SW_OK)
        return sw;
    if (ef != 0 && sim_is_dead_pin_ef(c->app, ef))
        return a->nc == 0 ? 0x63C0 : SW_BLOCKED;
    int ab;
    if (ef != 0 && sim_ab_for_ef(c->app, ef, &ab))
        return verify_ab(c, ab, a);
    jpki_pin_id id;
    if ((sw = pin_of_ef(c, ef, &id)) != SW_OK)
        return sw;
    sim_pin *pin = &c->st.pin[id];
    /* A face-authentication card has no usable PIN (the reported mechanism:
     * locked), a deleted PIN neither: the counter reads 63C0, and a try
     * answers 6984 as a blocked PIN does. */
    if (c->st.face_mode || pin->len == 0)
        return a->nc == 0 ? 0x63C0 : SW_BLOCKED;
    if (a->nc == 0) {
        /* Retry counter query: never spends a try; 63C0 when blocked.
         * Some cards answer 9000 while the PIN is verified (variant). */
        if (c->verified[id] && c->v->verified_query_ok)
            return SW_OK;
        return (uint16_t)(0x63C0 | pin->tries);
    }
    if (a->nc > JPKI_SIGN_PW_MAX)
        return SW_WRONG_LENGTH;
    if (pin->tries == 0)
        return SW_BLOCKED;
    if (constant_time_eq(a->data, a->nc, pin->value, pin->len)) {
        uint8_t before = pin->tries;
        pin->tries = (uint8_t)sim_pin_max_tries(id);
        if (before != pin->tries && !sim_commit(c)) {
            pin->tries = before;
            return SW_MEMORY_FAILURE;
        }
        c->verified[id] = true;
        return SW_OK;
    }
    c->verified[id] = false;
    pin->tries--;
    /* The spent try is on disk before the answer: a failed write answers
     * 6581 but the try stays spent in memory too. */
    if (!sim_commit(c))
        return SW_MEMORY_FAILURE;
    return (uint16_t)(0x63C0 | pin->tries);
}

uint16_t sim_change_ref(sim_card *c, const jpki_apdu *a)
{
    if (a->p1 != 0x01 || a->p2 != JPKI_PIN_P2)
        return SW_WRONG_P1P2;
    jpki_pin_id id;
    uint16_t sw = selected_pin(c, &id);
    if (sw != SW_OK)
        return sw;
    sim_pin *pin = &c->st.pin[id];
    if (c->st.face_mode || pin->len == 0 || pin->tries == 0)
        return SW_BLOCKED;
    if (!c->verified[id])
        return SW_SECURITY;
    if (a->nc == 0)
        return SW_WRONG_LENGTH;
    if (!sim_pin_format_ok(id, a->data, a->nc))
        return SW_WRONG_DATA;
    sim_pin old = *pin;
    memcpy(pin->value, a->data, a->nc);
    pin->len = a->nc;
    if (!sim_commit(c)) {
        *pin = old;
        mbedtls_platform_zeroize(&old, sizeof old);
        return SW_MEMORY_FAILURE;
    }
    mbedtls_platform_zeroize(&old, sizeof old);
    return SW_OK;
}
