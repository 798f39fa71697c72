/* The card's PIN rules, checked before a PIN goes anywhere near the card:
 * a malformed PIN sent in a VERIFY would cost a try for nothing. */
#include <stdio.h>
#include <string.h>

#include "jpki/profile.h"
#include "jpki/secret.h"
#include "error_internal.h"
#include "private/i18n.h"

const char *jpki_pin_name(jpki_pin_id id)
{
    switch (id) {
    case JPKI_PIN_AUTH: return "auth";
    case JPKI_PIN_SIGN: return "sign";
    case JPKI_PIN_CARDINFO: return "cardinfo";
    case JPKI_PIN_REGISTRY: return "registry";
    }
    return "unknown";
}

int jpki_pin_max_tries(jpki_pin_id id)
{
    return id == JPKI_PIN_SIGN ? JPKI_SIGN_PW_TRIES : JPKI_PIN4_TRIES;
}

jpki_rc jpki_pin_parse_name(const char *s, jpki_pin_id *out, jpki_error *err)
{
    static const struct {
        const char *name;
        jpki_pin_id id;
    } names[] = {
        {"auth", JPKI_PIN_AUTH},         {"sign", JPKI_PIN_SIGN},
        {"cardinfo", JPKI_PIN_CARDINFO}, {"card-info", JPKI_PIN_CARDINFO},
        {"registry", JPKI_PIN_REGISTRY}, {"resident", JPKI_PIN_REGISTRY},
    };
    if (!s || !out)
        return jpki_error_set(err, JPKI_ERR_ARG, "missing PIN name");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].id;
            return JPKI_OK;
        }
    return jpki_error_set(err, JPKI_ERR_ARG,
                          "unknown PIN '%.40s' (auth, sign, cardinfo or registry)", s);
}

static bool only(const jpki_secret *p, bool upper_ok)
{
    for (size_t i = 0; i < p->len; i++) {
        uint8_t c = p->buf[i];
        if (!((c >= '0' && c <= '9') || (upper_ok && c >= 'A' && c <= 'Z')))
            return false;
    }
    return true;
}

static bool has_lower(const jpki_secret *p)
{
    for (size_t i = 0; i < p->len; i++)
        if (p->buf[i] >= 'a' && p->buf[i] <= 'z')
            return true;
    return false;
}

/* What the person typed, in characters (not bytes: "１２３４" typed with a
 * Japanese input method is 4 characters in 12 bytes of UTF-8). */
static size_t char_count(const jpki_secret *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->len; i++)
        if ((p->buf[i] & 0xC0) != 0x80) /* not a UTF-8 continuation byte */
            n++;
    return n;
}

/* Full-width forms (U+FF01..U+FF5E, UTF-8 EF BC xx / EF BD xx): digits and
 * letters typed with the input method still switched to full width. */
static bool has_full_width(const jpki_secret *p)
{
    for (size_t i = 0; i + 2 < p->len; i++)
        if (p->buf[i] == 0xEF && (p->buf[i + 1] == 0xBC || p->buf[i + 1] == 0xBD))
            return true;
    return false;
}

jpki_rc jpki_pin_check_format(jpki_pin_id id, const jpki_secret *pin, jpki_error *err)
{
    if (!pin)
        return jpki_error_set(err, JPKI_ERR_ARG, "missing PIN");
    /* Messages never quote the PIN: they end up in logs. */
    switch (id) {
    case JPKI_PIN_AUTH:
    case JPKI_PIN_CARDINFO:
    case JPKI_PIN_REGISTRY:
        if (pin->len != JPKI_PIN4_LEN || !only(pin, false)) {
            size_t n = char_count(pin);
            bool wide = has_full_width(pin);
            jpki_error_set(err, JPKI_ERR_PIN_FORMAT,
                           "the %s PIN must be exactly 4 half-width digits 0-9 (got %zu "
                           "character%s%s)",
                           jpki_pin_name(id), n, n == 1 ? "" : "s",
                           wide ? ", full-width: type them half-width" : "");
            /* People read the PIN's notice name and a counted "got n". */
            char got[96];
            snprintf(got, sizeof got, P_("got %zu character", "got %zu characters", n), n);
            error_reword(err, "the %s must be exactly 4 half-width digits 0-9 (%s%s)",
                         error_pin_words(id), got, wide ? _(", full-width: type them half-width") : "");
            return JPKI_ERR_PIN_FORMAT;
        }
        return JPKI_OK;
    case JPKI_PIN_SIGN:
        if (pin->len < JPKI_SIGN_PW_MIN || pin->len > JPKI_SIGN_PW_MAX || !only(pin, true)) {
            size_t n = char_count(pin);
            bool lower = has_lower(pin), wide = has_full_width(pin);
            jpki_error_set(err, JPKI_ERR_PIN_FORMAT,
                           "the sign password must be 6-16 half-width characters of A-Z "
                           "and 0-9%s (got %zu character%s%s)",
                           lower ? ", upper case only" : "", n, n == 1 ? "" : "s",
                           wide ? ", full-width: type them half-width" : "");
            char got[96];
            snprintf(got, sizeof got, P_("got %zu character", "got %zu characters", n), n);
            error_reword(err, "the sign password must be 6-16 half-width characters of A-Z and 0-9%s (%s%s)",
                         lower ? _(", upper case only") : "", got,
                         wide ? _(", full-width: type them half-width") : "");
            return JPKI_ERR_PIN_FORMAT;
        }
        return JPKI_OK;
    }
    return jpki_error_set(err, JPKI_ERR_ARG, "unknown PIN id %d", (int)id);
}
