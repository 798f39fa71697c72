/* jpki-status internals. */
#ifndef JPKI_STATUS_CMD_H
#define JPKI_STATUS_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "jpki/records.h"

#define PROG "jpki-status"

/* How the table is laid out on its output. */
typedef struct status_view {
    size_t columns; /* no line wider than this (dw_columns) */
    bool color;     /* colour the state words (cli_color_wanted) */
} status_view;

/* The human view of one record: an aligned block per reader. */
void status_print_table(FILE *f, const jpki_record *rec, const status_view *v);

#endif
