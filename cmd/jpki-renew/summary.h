/* --summary-json FILE: the batch's outcome as one JSON object, for
 * scripts (jpki-renew(1), SUMMARY JSON, has the schema).  Locale-free,
 * keys in a fixed order, written atomically: a reader sees the previous
 * file or this one whole, never a part. */
#ifndef JPKI_RENEW_SUMMARY_H
#define JPKI_RENEW_SUMMARY_H

#include <stddef.h>

#include "batch.h"

#define SUMMARY_VERSION 1

/* Per certificate kind of one card: "renewed", "skipped", "failed" or
 * "not-due", with the exit code (the card's when failed, else 0) and a
 * one-line reason. */
typedef struct summary_cert {
    const char *outcome;
    int exit_code;
    char reason[256];
} summary_cert;

/* What became of key kind of card c (asked: the kinds the batch set out
 * to renew on it). */
void summary_cert_of(const batch_card *c, unsigned asked, const flow_result *r, jpki_key_kind kind,
                     summary_cert *out);

/* Write the summary of n cards (results res, the batch's exit code) to
 * path, replacing it atomically (mode 0644). */
jpki_rc summary_write(const char *path, const batch_card *cards, const flow_result *res,
                      size_t n, unsigned default_kinds, int exit_code, jpki_error *err);

#endif
