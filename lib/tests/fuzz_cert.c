/* Fuzz target: certificate facts from untrusted bytes (a card's EF, a file):
 * jpki_cert_parse (DER and PEM), the JPKI subjectAltName walk on raw
 * extension bytes, BER headers and ATR capability parsing.
 * Seeds in tests/fuzz/corpus/fuzz_cert are tiny hand-written byte strings.
 * In lib/tests/ (not tests/fuzz/) because the SAN walk and BER headers are
 * private to lib/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/cert.h"
#include "jpki/transport.h"
#include "../card_internal.h"
#include "../cert_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jpki_cert_info info;
    if (jpki_cert_parse(data, size, &info, NULL) == JPKI_OK) {
        /* every text field is NUL-terminated inside its buffer */
        if (memchr(info.name, 0, sizeof info.name) == NULL ||
            memchr(info.address, 0, sizeof info.address) == NULL ||
            memchr(info.subject, 0, sizeof info.subject) == NULL)
            abort();
    }
    memset(&info, 0, sizeof info);
    (void)jpki_cert_jpki_san(data, size, &info, NULL);
    size_t hdr, content;
    if (jpki_ber_header(data, size, &hdr, &content, NULL) == 1 && hdr > size)
        abort();
    (void)jpki_atr_extended_length(data, size);
    return 0;
}
