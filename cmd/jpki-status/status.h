/* jpki-status internals. */
#ifndef JPKI_STATUS_CMD_H
#define JPKI_STATUS_CMD_H

#include <stdio.h>

#include "jpki/records.h"

#define PROG "jpki-status"

/* The human view of one record: an aligned block per reader. */
void status_print_table(FILE *f, const jpki_record *rec);

#endif
