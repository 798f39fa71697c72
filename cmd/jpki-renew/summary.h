/* --summary-json FILE: the batch's outcome as one JSON object, for
 * scripts (jpki-renew(1), SUMMARY JSON, has the schema).  Locale-free,
 * keys in a fixed order, written atomically: a reader sees the previous
 * file or this one whole, never a part. */
#ifndef JPKI_RENEW_SUMMARY_H
#define JPKI_RENEW_SUMMARY_H

#include <stddef.h>

#include "batch.h"

#define SUMMARY_VERSION 1

/* Write the summary of n cards (results res, the batch's exit code) to
 * path, replacing it atomically (mode 0644). */
jpki_rc summary_write(const char *path, const batch_card *cards, const flow_result *res,
                      size_t n, unsigned default_kinds, int exit_code, jpki_error *err);

#endif
