/* Internal: ASN.1 character strings (the DirectoryString family) decoded
 * to Unicode code points, shared by the DN formatter and the JPKI
 * subjectAltName otherNames. */
#ifndef JPKI_ASN1_STRING_H
#define JPKI_ASN1_STRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One decoded unit: a code point, or (raw >= 0) one input byte that is not
 * part of a valid character and must be shown escaped, never dropped. */
typedef struct jpki_uchar {
    uint32_t cp;
    int raw;
} jpki_uchar;

/* True for the string tags we decode: UTF8String, PrintableString,
 * IA5String, TeletexString (as Latin-1), BMPString (UCS-2 BE) and
 * UniversalString (UCS-4 BE). */
bool jpki_asn1_string_tag(int tag);

/* Decode len bytes of a string of that tag into out (room for len units:
 * no unit takes less than one input byte).  Returns the unit count. */
size_t jpki_asn1_string_decode(int tag, const uint8_t *p, size_t len, jpki_uchar *out);

/* UTF-8 of cp into b (4 bytes); returns its length. */
size_t jpki_utf8_put(uint32_t cp, char *b);

/* Control characters (C0, DEL, C1): never shown as themselves on a terminal
 * or in a name; the one rule for DNs, subjectAltNames and jpki_text_safe. */
bool jpki_uchar_is_control(uint32_t cp);

#endif
