/* The library's single error type. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error_internal.h"
#include "jpki/error.h"
#include "jpki/secret.h"
#include "private/i18n.h"

void jpki_error_clear(jpki_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
    err->tries_left = -1;
}

jpki_rc jpki_error_set(jpki_error *err, jpki_rc code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    vsnprintf(err->message, sizeof err->message, _(fmt), ap);
    vsnprintf(err->message_c, sizeof err->message_c, fmt, ap2);
    va_end(ap2);
    va_end(ap);
    return code;
}

void error_reword(jpki_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, _(fmt), ap);
    va_end(ap);
}

/* The PIN names people read: the words of the renewal notice. */
static const char *pin_words(int id)
{
    switch (id) {
    case JPKI_PIN_AUTH: return N_("auth PIN");
    case JPKI_PIN_SIGN: return N_("sign PIN");
    case JPKI_PIN_CARDINFO: return N_("cardinfo PIN");
    case JPKI_PIN_REGISTRY: return N_("registry PIN");
    }
    return N_("PIN");
}

const char *error_pin_words(int pin_id)
{
    return _(pin_words(pin_id));
}

/* fmt comes from error_set_pin's callers, always a literal (xgettext
 * extracts it there); the compiler cannot see that through the call. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
void error_reword_pin(jpki_error *err, int pin_id, int left, const char *fmt)
{
    char tries[96] = "";
    if (left >= 0)
        snprintf(tries, sizeof tries, P_(" (%d try left)", " (%d tries left)", left), left);
    error_reword(err, fmt, _(pin_words(pin_id)), tries);
}

jpki_rc error_set_pin(jpki_error *err, jpki_rc code, int pin_id, int left, const char *fmt)
{
    char tries_c[48] = "";
    if (left >= 0)
        snprintf(tries_c, sizeof tries_c, left == 1 ? " (%d try left)" : " (%d tries left)", left);
    jpki_error_set(err, code, fmt, pin_words(pin_id), tries_c);
    error_reword_pin(err, pin_id, left, fmt);
    return code;
}
#pragma GCC diagnostic pop

/* Shift msg (capacity cap) right and put "prefix: " in front, truncating. */
static void prepend(char *msg, size_t cap, const char *prefix)
{
    size_t plen = strlen(prefix), olen = strlen(msg);
    if (plen + 2 >= cap)
        plen = cap - 3;
    size_t keep = olen;
    if (plen + 2 + keep >= cap)
        keep = cap - 1 - plen - 2;
    memmove(msg + plen + 2, msg, keep);
    memcpy(msg, prefix, plen);
    msg[plen] = ':';
    msg[plen + 1] = ' ';
    msg[plen + 2 + keep] = '\0';
}

jpki_rc jpki_error_prefix(jpki_error *err, const char *fmt, ...)
{
    if (!err)
        return JPKI_OK;
    char prefix[128], prefix_c[128];
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    vsnprintf(prefix, sizeof prefix, _(fmt), ap);
    vsnprintf(prefix_c, sizeof prefix_c, fmt, ap2);
    va_end(ap2);
    va_end(ap);
    prepend(err->message, sizeof err->message, prefix);
    prepend(err->message_c, sizeof err->message_c, prefix_c);
    return err->code;
}

const char *jpki_rc_name(jpki_rc code)
{
    switch (code) {
    case JPKI_OK: return "ok";
    case JPKI_ERR_ARG: return "bad-argument";
    case JPKI_ERR_NOMEM: return "out-of-memory";
    case JPKI_ERR_IO: return "io";
    case JPKI_ERR_FORMAT: return "bad-format";
    case JPKI_ERR_LIMIT: return "too-large";
    case JPKI_ERR_NO_SERVICE: return "no-pcscd";
    case JPKI_ERR_NO_READER: return "no-reader";
    case JPKI_ERR_NO_CARD: return "no-card";
    case JPKI_ERR_CARD_REMOVED: return "card-removed";
    case JPKI_ERR_READER_GONE: return "reader-gone";
    case JPKI_ERR_PCSC: return "pcsc";
    case JPKI_ERR_TRANSPORT: return "transport";
    case JPKI_ERR_CARD: return "card-status";
    case JPKI_ERR_CARD_DATA: return "card-data";
    case JPKI_ERR_NOT_JPKI: return "not-jpki";
    case JPKI_ERR_NOT_FOUND: return "not-found";
    case JPKI_ERR_PIN_WRONG: return "pin-wrong";
    case JPKI_ERR_PIN_BLOCKED: return "pin-blocked";
    case JPKI_ERR_PIN_FORMAT: return "pin-format";
    case JPKI_ERR_PIN_LAST_TRY: return "pin-last-try";
    case JPKI_ERR_AUTH: return "auth";
    case JPKI_ERR_STATE: return "card-state";
    case JPKI_ERR_CERT: return "certificate";
    case JPKI_ERR_CRYPTO: return "crypto";
    case JPKI_ERR_UNSUPPORTED: return "unsupported";
    case JPKI_ERR_INTERNAL: return "internal";
    case JPKI_ERR_BUSY: return "reader-busy";
    }
    return "unknown";
}
