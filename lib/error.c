/* The library's single error type. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jpki/error.h"

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
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

jpki_rc jpki_error_prefix(jpki_error *err, const char *fmt, ...)
{
    if (!err)
        return JPKI_OK;
    char prefix[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* Shift the old message right and put "prefix: " in front (truncating). */
    size_t cap = sizeof err->message, plen = strlen(prefix), olen = strlen(err->message);
    if (plen + 2 >= cap)
        plen = cap - 3;
    size_t keep = olen;
    if (plen + 2 + keep >= cap)
        keep = cap - 1 - plen - 2;
    memmove(err->message + plen + 2, err->message, keep);
    memcpy(err->message, prefix, plen);
    err->message[plen] = ':';
    err->message[plen + 1] = ' ';
    err->message[plen + 2 + keep] = '\0';
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
