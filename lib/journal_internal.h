/* Shared between lib/journal.c (format, fold) and lib/journal_file.c. */
#ifndef JPKI_JOURNAL_INTERNAL_H
#define JPKI_JOURNAL_INTERNAL_H

#include "jpki/journal.h"

#define JOURNAL_VERSION 1
/* Largest encoded record: the DER, four text values, the key fingerprint,
 * the field names and headers, with margin. */
#define JOURNAL_MAX_RECORD (JPKI_JOURNAL_MAX_DER + 4 * (JPKI_JOURNAL_MAX_TEXT + 3) + 512)

/* Is the record complete enough to be folded?  Checked before writing. */
jpki_rc journal_validate(const jpki_journal_record *r, jpki_error *err);

/* Apply one record to the state of the card it names. */
jpki_rc journal_fold(jpki_journal_card_state *s, const jpki_journal_record *r,
                     jpki_error *err);

#endif
