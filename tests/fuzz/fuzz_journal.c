/* Fuzz target: the renewal journal parser (an untrusted file: declared
 * lengths must never drive allocation or reads past the buffer) and the
 * per-card fold of whatever records it accepts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jpki_rc visit(void *ctx, const jpki_journal_record *r, jpki_error *err)
{
    (void)err;
    size_t *n = ctx;
    /* every field the parser filled must be terminated and bounded */
    if (strlen(r->card) >= sizeof r->card || strlen(r->reader) >= sizeof r->reader ||
        strlen(r->error) >= sizeof r->error || r->der_len > JPKI_JOURNAL_MAX_DER)
        abort();
    (*n)++;
    return JPKI_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = 0, valid = 0;
    bool torn = false;
    jpki_rc rc = jpki_journal_parse(data, size, visit, &n, &valid, &torn, NULL);
    if (rc == JPKI_OK && (valid > size || (!torn && valid != size)))
        abort();
    return 0;
}
