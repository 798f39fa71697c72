/* jpki-status internals. */
#ifndef JPKI_STATUS_CMD_H
#define JPKI_STATUS_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "jpki/jpki.h"
#include "cli.h"
#include "pin_sources.h"

#define PROG "jpki-status"

/* How the table is laid out on its output. */
typedef struct status_view {
    size_t columns; /* no line wider than this (dw_columns) */
    bool color;     /* colour the state words (cli_color_wanted) */
} status_view;

/* The human view of one record: an aligned block per reader. */
void status_print_table(FILE *f, const jpki_record *rec, const status_view *v);

/* Where the one PIN of --export sign / --holder (or --verify-sign-pin)
 * comes from: --pin-fd, --pin-file, --pin-map (by card serial), else the
 * terminal. */
typedef struct status_pin_source {
    int fd;           /* -1: not given */
    const char *file;
    pin_map *map;
} status_pin_source;

jpki_rc status_get_pin(const status_pin_source *ps, const char *serial, jpki_pin_id id,
                       jpki_secret *pin, jpki_error *err);

/* Counter first (no try spent); a blocked PIN or one try left is refused
 * without a VERIFY; then exactly one VERIFY. */
jpki_rc status_verify_pin(jpki_card *card, jpki_pin_id id, const jpki_secret *pin, jpki_error *err);
/* The holder's birth date (YYYY-MM-DD) from the card-info application,
 * after pin, in one transaction ending with a card reset. */
jpki_rc status_holder_birth(jpki_transport *t, const jpki_secret *pin, char birth[11], jpki_error *err);

/* --export KIND: the certificate on stdout, PEM or DER.  Exit code. */
int status_export(cli_common *cc, jpki_cert_kind kind, bool der, const status_pin_source *ps);
/* --holder: name, address, birth date and sex, one "LABEL VALUE" line each. */
int status_holder(cli_common *cc, const status_pin_source *ps);

#endif
