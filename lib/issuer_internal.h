/* Helpers shared by the issuer_*.c files of libjpki (not installed). */
#ifndef JPKI_ISSUER_INTERNAL_H
#define JPKI_ISSUER_INTERNAL_H

#include <stdint.h>

#include "card_internal.h"
#include "jpki/error.h"
#include "jpki/transport.h"

/* Turn a status word other than 9000 from an issuer-profile command into a
 * jpki_rc: fills err (code, sw, one-line message naming what) and returns
 * the code.  Status words with a meaning specific to one command are mapped
 * by the caller before it falls back to this. */
jpki_rc issuer_sw_error(jpki_error *err, uint16_t sw, const char *what);

/* jpki_transmit, then 9000 -> JPKI_OK, anything else through
 * issuer_sw_error.  resp may be NULL when the caller needs no data. */
jpki_rc issuer_command(jpki_card *c, const jpki_apdu *cmd, jpki_response *resp,
                       const char *what, jpki_error *err);

/* Select the JPKI application and then the EF fid in it. */
jpki_rc issuer_select_jpki_ef(jpki_card *c, uint16_t fid, jpki_error *err);

/* Read one BER length at *p (short form or 81..84 long form; non-minimal
 * encodings such as 82 00 0C are accepted, as the real card uses them).
 * Fails unless the value fits in the bytes left before end. */
int issuer_ber_length(const uint8_t **p, const uint8_t *end, size_t *len);

#endif
