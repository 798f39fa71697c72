/* Internal: distinguished names as text, from mbedTLS's parsed list. */
#ifndef JPKI_DN_FORMAT_H
#define JPKI_DN_FORMAT_H

#include <stddef.h>

#include <mbedtls/x509.h>

/* Write dn into out (size n) as described for jpki_dn_format in
 * jpki/cert.h.  Returns 0, or -1 when it does not fit (out is then ""). */
int jpki_dn_format_names(const mbedtls_x509_name *dn, char *out, size_t n);

#endif
