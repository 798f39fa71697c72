/* PINs the card already refused, as the journal remembers them (journal
 * step pin-rejected): a rerun of a batch with the same wrong PIN in its map
 * must not spend another try on it.  Only a salted HMAC of the PIN is
 * stored, never the PIN; each record has its own random salt. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/md.h>

#include "jpki/renew.h"
#include "error_internal.h"
#include "renew_internal.h"

static jpki_rc pin_mac(const uint8_t salt[JPKI_JOURNAL_PIN_SALT_LEN], jpki_pin_id id,
                       const jpki_secret *pin, uint8_t mac[JPKI_JOURNAL_FP_LEN], jpki_error *err)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_md_context_t ctx;
    mbedtls_md_init(&ctx);
    uint8_t idb = (uint8_t)id;
    int r = mbedtls_md_setup(&ctx, md, 1);
    if (r == 0)
        r = mbedtls_md_hmac_starts(&ctx, salt, JPKI_JOURNAL_PIN_SALT_LEN);
    if (r == 0)
        r = mbedtls_md_hmac_update(&ctx, &idb, 1);
    if (r == 0)
        r = mbedtls_md_hmac_update(&ctx, pin->buf, pin->len);
    if (r == 0)
        r = mbedtls_md_hmac_finish(&ctx, mac);
    mbedtls_md_free(&ctx);
    return r == 0 ? JPKI_OK : jpki_error_set(err, JPKI_ERR_INTERNAL, "HMAC failed (mbedTLS -0x%04X)", (unsigned)-r);
}

jpki_rc renew_screen_pin(void *ctx, jpki_pin_id id, const jpki_secret *pin, jpki_error *err)
{
    const renew_rejected_ctx *c = ctx;
    if (!c->js || c->retry)
        return JPKI_OK;
    for (unsigned i = 0; i < c->js->n_rejected; i++) {
        if (c->js->rejected[i].pin != (int)id)
            continue;
        uint8_t mac[JPKI_JOURNAL_FP_LEN];
        jpki_rc rc = pin_mac(c->js->rejected[i].salt, id, pin, mac, err);
        if (rc != JPKI_OK)
            return rc;
        bool same = memcmp(mac, c->js->rejected[i].mac, sizeof mac) == 0;
        jpki_wipe(mac, sizeof mac);
        if (same)
            return error_set_pin(err, JPKI_ERR_PIN_WRONG, id, -1,
                                 "this card already refused this %s%s (journal); not trying it "
                                 "again: correct it, or use --retry-rejected-pin");
    }
    return JPKI_OK;
}

void renew_remember_rejected(void *ctx, jpki_pin_id id, const jpki_secret *pin)
{
    const renew_rejected_ctx *c = ctx;
    if (!c->journal)
        return;
    uint8_t salt_id[JPKI_JOURNAL_PIN_SALT_LEN + 1];
    jpki_error ignore;
    jpki_error_clear(&ignore);
    if (getrandom(salt_id, JPKI_JOURNAL_PIN_SALT_LEN, 0) != JPKI_JOURNAL_PIN_SALT_LEN)
        return; /* no salt, no record: the rerun may try it once more */
    salt_id[JPKI_JOURNAL_PIN_SALT_LEN] = (uint8_t)id;
    jpki_journal_record r;
    jpki_journal_record_init(&r, JPKI_STEP_PIN_REJECTED, c->serial);
    if (pin_mac(salt_id, id, pin, r.key, &ignore) != JPKI_OK)
        return;
    r.has_key = true;
    r.der = salt_id;
    r.der_len = sizeof salt_id;
    /* A journal that cannot take it: the failed record after it says so. */
    (void)jpki_journal_append(c->journal, &r, &ignore);
    jpki_wipe(r.key, sizeof r.key);
}
