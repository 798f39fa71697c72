/* PEM armour for what the tools write out: certificate requests
 * (jpki-renew's request mode) and certificates (jpki-status --export).
 * One encoder, two labels. */
#include <stdlib.h>

#include <mbedtls/pem.h>

#include "jpki/cert.h"
#include "jpki/csr.h"

static jpki_rc pem_encode(const char *begin, const char *end, const uint8_t *der, size_t der_len,
                          char **pem, jpki_error *err)
{
    if (!pem || (!der && der_len))
        return jpki_error_set(err, JPKI_ERR_ARG, "PEM encoding: missing argument");
    /* base64 grows by 4/3, plus a newline per 64 characters and the armour. */
    size_t cap = der_len * 4 / 3 + der_len / 48 + 128;
    size_t olen = 0;
    *pem = malloc(cap);
    if (!*pem)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    int r = mbedtls_pem_write_buffer(begin, end, der, der_len, (unsigned char *)*pem, cap, &olen);
    if (r != 0) {
        free(*pem);
        *pem = NULL;
        jpki_error_set(err, JPKI_ERR_CRYPTO, "PEM encoding: mbedTLS error -0x%04X", (unsigned)-r);
        if (err)
            err->detail = r;
        return JPKI_ERR_CRYPTO;
    }
    return JPKI_OK;
}

jpki_rc jpki_csr_pem(const uint8_t *der, size_t der_len, char **pem, jpki_error *err)
{
    return pem_encode("-----BEGIN CERTIFICATE REQUEST-----\n", "-----END CERTIFICATE REQUEST-----\n",
                      der, der_len, pem, err);
}

jpki_rc jpki_cert_pem(const uint8_t *der, size_t der_len, char **pem, jpki_error *err)
{
    return pem_encode("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n", der, der_len,
                      pem, err);
}
