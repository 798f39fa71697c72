/* The batch's input: card-status records (jpki-records(5)) as jpki-status
 * writes them and jpki-expiry-check passes them on, read with the shared
 * bounded record reader. */
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "jpki/records.h"

#define BATCH_MAX_CARDS 10000

/* The record's "renew" set (by certificate kind) as key bits.
 *
 * A signature certificate the record could not look at (jpki-status had no
 * password for it: present, no details) cannot be known to be fine.  Both
 * certificates of a card are issued together and expire together, so when
 * the authentication certificate is due the signature certificate is
 * renewed with it (jpki-renew(1), BATCH MODE); a missing signature
 * password then fails that card loudly instead of leaving it expired. */
static unsigned renew_keys(const jpki_record *rec)
{
    unsigned k = 0;
    if (rec->renew & (1u << JPKI_CERT_AUTH))
        k |= KIND_BIT(JPKI_KEY_AUTH);
    if (rec->renew & (1u << JPKI_CERT_SIGN))
        k |= KIND_BIT(JPKI_KEY_SIGN);
    const jpki_record_cert *sign = &rec->certs[JPKI_CERT_SIGN];
    bool sign_unread = rec->mode != JPKI_MODE_FACE && !sign->have_details &&
                       (sign->present || !sign->listed);
    if ((k & KIND_BIT(JPKI_KEY_AUTH)) && sign_unread)
        k |= KIND_BIT(JPKI_KEY_SIGN);
    return k;
}

jpki_rc batch_read_input(FILE *in, unsigned default_kinds, bool kinds_explicit,
                         batch_card **cards, size_t *n, jpki_error *err)
{
    *cards = NULL;
    *n = 0;
    jpki_record_reader *rd = NULL;
    jpki_rc rc = jpki_record_reader_new(in, NULL, 0, &rd, err);
    if (rc != JPKI_OK)
        return rc;
    jpki_record rec;
    jpki_record_init(&rec);
    batch_card *v = NULL;
    size_t cnt = 0, cap = 0;
    for (;;) {
        bool got = false;
        if ((rc = jpki_record_read_next(rd, &rec, &got, err)) != JPKI_OK || !got)
            break;
        if (!rec.card_present)
            continue;
        unsigned kinds = renew_keys(&rec), not_due = 0;
        if (kinds) {
            /* The record says which are due: the others on the card are not. */
            for (int k = 0; k < 2; k++) {
                const jpki_record_cert *rc_ = &rec.certs[k == JPKI_KEY_AUTH ? JPKI_CERT_AUTH : JPKI_CERT_SIGN];
                if (rc_->listed && rc_->present && !(kinds & KIND_BIT(k)))
                    not_due |= KIND_BIT(k);
            }
            if (kinds_explicit)
                kinds &= default_kinds;
            if (!kinds)
                continue; /* it needs renewal, but not of what --cert names */
        } else {
            /* The record names nothing: the renewal's own choice (what the
             * card has -- a face-authentication card only its
             * authentication certificate), unless --cert named the kinds. */
            kinds = kinds_explicit ? default_kinds : 0;
        }
        bool dup = false;
        for (size_t i = 0; i < cnt && !dup; i++)
            dup = strcmp(v[i].reader, rec.reader) == 0 && strcmp(v[i].serial, rec.serial) == 0;
        if (dup)
            continue;
        if (cnt == BATCH_MAX_CARDS) {
            rc = jpki_error_set(err, JPKI_ERR_LIMIT, "more than %d cards", BATCH_MAX_CARDS);
            break;
        }
        if (cnt == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            batch_card *nv = realloc(v, ncap * sizeof *nv);
            if (!nv) {
                rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
                break;
            }
            v = nv;
            cap = ncap;
        }
        batch_card *c = &v[cnt++];
        memset(c, 0, sizeof *c);
        snprintf(c->reader, sizeof c->reader, "%s", rec.reader);
        snprintf(c->serial, sizeof c->serial, "%s", rec.serial);
        c->kinds = kinds;
        c->not_due = not_due;
    }
    jpki_record_clear(&rec);
    jpki_record_reader_free(rd);
    if (rc != JPKI_OK) {
        free(v);
        return rc;
    }
    *cards = v;
    *n = cnt;
    return JPKI_OK;
}
