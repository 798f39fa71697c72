/* The PINs of a renewal (jpki/renew.h): the rules (blocked, last try), the
 * order (read and check every PIN, look at every retry counter, only then
 * VERIFY, one per PIN) and every message about a PIN a renewal prints.
 * This is the one place those messages are worded; jpki-renew prints them
 * as they are. */
#include <stdio.h>
#include <string.h>

#include "error_internal.h"
#include "jpki/renew.h"

jpki_rc jpki_renew_check_pin(jpki_card *c, jpki_pin_id id, bool force, jpki_pin_status *st,
                             jpki_error *err)
{
    jpki_pin_status local;
    if (!st)
        st = &local;
    jpki_rc rc = jpki_pin_status_get(c, id, st, err);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "%s PIN retry counter", jpki_pin_name(id));
    if (!st->present)
        return error_set_pin(err, JPKI_ERR_NOT_FOUND, id, -1, "the card has no %s%s");
    if (st->blocked || st->tries_left <= 0) {
        error_set_pin(err, JPKI_ERR_PIN_BLOCKED, id, -1,
                      "%s is blocked%s; unblock it at the counter with jpki-reset-pin first");
        if (err)
            err->tries_left = 0;
        return JPKI_ERR_PIN_BLOCKED;
    }
    if (st->tries_left == 1 && !force) {
        error_set_pin(err, JPKI_ERR_PIN_LAST_TRY, id, -1,
                      "%s has only one try left%s; not spending it without --force");
        if (err)
            err->tries_left = 1;
        return JPKI_ERR_PIN_LAST_TRY;
    }
    return JPKI_OK;
}

/* Word the outcome of one VERIFY (rc from jpki_pin_verify) in the
 * renewal's terms, replacing the card layer's message. */
static jpki_rc verify_message(jpki_pin_id id, jpki_rc rc, bool proxy, jpki_error *err)
{
    if (rc == JPKI_OK)
        return rc;
    if (rc == JPKI_ERR_PIN_WRONG) {
        int left = err ? err->tries_left : -1;
        if (proxy)
            error_set_pin(err, JPKI_ERR_PIN_WRONG, id, left,
                          "%s from the inquiry-and-answer form does not match%s: "
                          "document inquiry needed");
        else
            error_set_pin(err, JPKI_ERR_PIN_WRONG, id, left, "wrong %s%s");
        if (err)
            err->tries_left = left;
        return rc;
    }
    if (rc == JPKI_ERR_PIN_BLOCKED)
        return error_set_pin(err, JPKI_ERR_PIN_BLOCKED, id, -1,
                             "%s is now blocked%s; unblock it at the counter with jpki-reset-pin");
    return jpki_error_prefix(err, "verifying the %s PIN", jpki_pin_name(id));
}

static jpki_rc check_format(jpki_pin_id id, const jpki_secret *pin, jpki_error *err)
{
    jpki_rc rc = jpki_pin_check_format(id, pin, err);
    if (rc != JPKI_OK)
        jpki_error_prefix(err, "%s PIN", jpki_pin_name(id));
    return rc;
}

jpki_rc jpki_renew_verify_pin(jpki_card *c, jpki_pin_id id, const jpki_secret *pin, bool force,
                              jpki_error *err)
{
    /* The format check costs no try; do it before looking at the counter
     * so a typo never meets the last-try question. */
    jpki_rc rc = check_format(id, pin, err);
    if (rc != JPKI_OK)
        return rc;
    if ((rc = jpki_renew_check_pin(c, id, force, NULL, err)) != JPKI_OK)
        return rc;
    return verify_message(id, jpki_pin_verify(c, id, pin, err), false, err);
}

/* The card-info PIN comes first: its application is left for good once the
 * JPKI PINs are verified (the card forgets verified PINs on leaving an
 * application), so the holder's data is read right after it. */
jpki_rc jpki_renew_pins(jpki_card *card, const jpki_renew_pin_plan *p, jpki_renew_pin_outcome *out,
                        jpki_error *err)
{
    static const jpki_pin_id order[] = {JPKI_PIN_CARDINFO, JPKI_PIN_AUTH, JPKI_PIN_SIGN};
    enum { N = sizeof order / sizeof order[0] };
    jpki_secret pins[N];
    memset(pins, 0, sizeof pins);
    memset(out, 0, sizeof *out);
    jpki_rc rc = JPKI_OK;
    /* 1. read and format-check every PIN: no card traffic */
    for (size_t i = 0; i < N && rc == JPKI_OK; i++) {
        if (!(p->need & JPKI_PIN_BIT(order[i])))
            continue;
        rc = p->get_pin(p->pin_ctx, p->serial, order[i], &pins[i], err);
        if (rc == JPKI_ERR_IO && err) {
            /* A PIN file or descriptor that cannot be read is bad input
             * (exit 2), not a failed operation. */
            err->code = rc = JPKI_ERR_ARG; /* same message, both languages */
        }
        if (rc == JPKI_OK)
            rc = check_format(order[i], &pins[i], err);
    }
    /* 2. the journal: a PIN this card already refused is not tried again */
    for (size_t i = 0; i < N && rc == JPKI_OK; i++)
        if ((p->need & JPKI_PIN_BIT(order[i])) && p->screen)
            rc = p->screen(p->screen_ctx, order[i], &pins[i], err);
    /* 3. every retry counter, without spending a try */
    for (size_t i = 0; i < N && rc == JPKI_OK; i++)
        if (p->need & JPKI_PIN_BIT(order[i]))
            rc = jpki_renew_check_pin(card, order[i], p->force, NULL, err);
    /* 4. one VERIFY per PIN; the first failure stops */
    for (size_t i = 0; i < N && rc == JPKI_OK; i++) {
        jpki_pin_id id = order[i];
        if (!(p->need & JPKI_PIN_BIT(id)))
            continue;
        rc = jpki_pin_verify(card, id, &pins[i], err);
        if (rc == JPKI_ERR_PIN_WRONG) {
            out->rejected = JPKI_PIN_BIT(id);
            if (p->rejected)
                p->rejected(p->screen_ctx, id, &pins[i]);
            out->inquiry_needed = p->proxy;
        }
        if ((rc = verify_message(id, rc, p->proxy, err)) != JPKI_OK)
            break;
        if (id == JPKI_PIN_CARDINFO) {
            rc = jpki_read_holder(card, &out->holder, err);
            out->have_holder = rc == JPKI_OK;
        }
    }
    jpki_wipe(pins, sizeof pins);
    return rc;
}
