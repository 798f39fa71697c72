/* Fuzz target: certificate facts from untrusted bytes (a card's EF, a file):
 * jpki_cert_parse (DER and PEM), the JPKI subjectAltName walk on raw
 * extension bytes, BER headers and ATR capability parsing.
 * Seeds in tests/fuzz/corpus/fuzz_cert are tiny hand-written byte strings.
 * In lib/tests/ (not tests/fuzz/) because the SAN walk and BER headers are
 * private to lib/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/pem.h>

#include "jpki/cert.h"
#include "jpki/transport.h"
#include "../card_internal.h"
#include "../cert_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fast PEM road never disagrees with mbedTLS (pem_canonical.c): when it
 * takes a block, mbedTLS decodes the same block to the same bytes. */
static void pem_roads_agree(const uint8_t *data, size_t size)
{
    static uint8_t der[64 * 1024];
    size_t dlen;
    if (size > 64 * 1024 || !jpki_pem_cert_canonical(data, size, der, sizeof der, &dlen))
        return;
    char *z = malloc(size + 1);
    if (!z)
        return;
    memcpy(z, data, size);
    z[size] = '\0';
    mbedtls_pem_context ctx;
    size_t used = 0;
    mbedtls_pem_init(&ctx);
    int r = mbedtls_pem_read_buffer(&ctx, "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----",
                                    (const unsigned char *)z, NULL, 0, &used);
    if (r != 0 || ctx.buflen != dlen || memcmp(ctx.buf, der, dlen) != 0)
        abort();
    mbedtls_pem_free(&ctx);
    free(z);
}

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
    pem_roads_agree(data, size);
    memset(&info, 0, sizeof info);
    (void)jpki_cert_jpki_san(data, size, &info, NULL);
    size_t hdr, content;
    if (jpki_ber_header(data, size, &hdr, &content, NULL) == 1 && hdr > size)
        abort();
    (void)jpki_atr_extended_length(data, size);
    return 0;
}
