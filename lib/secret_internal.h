/* Internal to libjpki's secret handling. */
#ifndef JPKI_SECRET_INTERNAL_H
#define JPKI_SECRET_INTERNAL_H

#include "jpki/secret.h"

/* Read one line from fd byte by byte into out (newline and a trailing CR
 * dropped).  what names the source in error messages. */
jpki_rc jpki_secret_read_line(int fd, const char *what, jpki_secret *out, jpki_error *err);

/* mlock the secret's storage if the limits allow (best effort). */
void jpki_secret_lock(jpki_secret *s);

#endif
