/* PKCS#10 requests signed by a callback (the card), assembled with the
 * mbedTLS asn1write/x509 helpers.  See jpki/csr.h for why
 * mbedtls_x509write_csr is not used.
 *
 * The asn1write functions write backwards from the end of a buffer, so
 * every structure below is built last field first. */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include "x509_parse.h"
#include "jpki/csr.h"
#include "pubkey_internal.h"

/* 1.2.840.113549.1.9.14 (PKCS#9 extensionRequest) */
static const char OID_EXTENSION_REQUEST[] = "\x2A\x86\x48\x86\xF7\x0D\x01\x09\x0E";
/* 2.5.29.17 subjectAltName */
static const char OID_SAN[] = "\x55\x1D\x11";

/* Room for everything but the variable parts (subject, SAN): version,
 * a 4096-bit SubjectPublicKeyInfo, headers, algorithm identifier and a
 * 4096-bit signature, with margin. */
#define CSR_FIXED_ROOM 2048

/* Run an asn1write step; a negative result is an mbedTLS error. */
#define CHK_ADD(len, expr)                                                   \
    do {                                                                     \
        int r_ = (expr);                                                     \
        if (r_ < 0) {                                                        \
            rc = jpki_error_set(err, JPKI_ERR_CRYPTO,                        \
                                "building the request: mbedTLS error -0x%04X", \
                                (unsigned)-r_);                              \
            if (err)                                                         \
                err->detail = r_;                                            \
            goto out;                                                        \
        }                                                                    \
        (len) += (size_t)r_;                                                 \
    } while (0)

void jpki_digestinfo_sha256(const uint8_t hash[32], uint8_t out[JPKI_DIGESTINFO_SHA256_LEN])
{
    /* SEQUENCE { SEQUENCE { OID 2.16.840.1.101.3.4.2.1, NULL }, OCTET STRING(32) } */
    static const uint8_t prefix[19] = {0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60,
                                       0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                       0x01, 0x05, 0x00, 0x04, 0x20};
    memcpy(out, prefix, sizeof prefix);
    memcpy(out + sizeof prefix, hash, 32);
}

/* A pk context holding only N and E of pub, for mbedtls_pk_write_pubkey_der. */
static int pk_from_pub(mbedtls_pk_context *pk, const mbedtls_rsa_context *pub)
{
    mbedtls_mpi n, e;
    mbedtls_mpi_init(&n);
    mbedtls_mpi_init(&e);
    int r = mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
    if (r == 0)
        r = mbedtls_rsa_export(pub, &n, NULL, NULL, NULL, &e);
    if (r == 0)
        r = mbedtls_rsa_import(mbedtls_pk_rsa(*pk), &n, NULL, NULL, NULL, &e);
    if (r == 0)
        r = mbedtls_rsa_complete(mbedtls_pk_rsa(*pk));
    mbedtls_mpi_free(&n);
    mbedtls_mpi_free(&e);
    return r;
}

/* DER SubjectPublicKeyInfo of pub at the end of buf; *spki points into buf. */
static jpki_rc write_spki(const mbedtls_rsa_context *pub, uint8_t *buf, size_t cap,
                          const uint8_t **spki, size_t *len, jpki_error *err)
{
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int r = pk_from_pub(&pk, pub);
    if (r == 0)
        r = mbedtls_pk_write_pubkey_der(&pk, buf, cap);
    mbedtls_pk_free(&pk);
    if (r <= 0) {
        jpki_error_set(err, JPKI_ERR_CRYPTO, "writing the public key: mbedTLS error -0x%04X",
                       (unsigned)-r);
        if (err)
            err->detail = r;
        return JPKI_ERR_CRYPTO;
    }
    *len = (size_t)r;
    *spki = buf + cap - *len;
    return JPKI_OK;
}

jpki_rc jpki_rsa_pub_fingerprint(const mbedtls_rsa_context *pub, uint8_t out[32],
                                 jpki_error *err)
{
    uint8_t buf[1200];
    const uint8_t *spki;
    size_t len;
    jpki_rc rc = write_spki(pub, buf, sizeof buf, &spki, &len, err);
    if (rc != JPKI_OK)
        return rc;
    mbedtls_sha256_ret(spki, len, out, 0);
    return JPKI_OK;
}

jpki_rc jpki_rsa_pub_spki(const mbedtls_rsa_context *pub, uint8_t **der, size_t *len,
                          jpki_error *err)
{
    uint8_t buf[1200];
    const uint8_t *spki;
    size_t n;
    jpki_rc rc = write_spki(pub, buf, sizeof buf, &spki, &n, err);
    if (rc != JPKI_OK)
        return rc;
    if (!(*der = malloc(n)))
        return jpki_error_set(err, JPKI_ERR_NOMEM, "public key: out of memory");
    memcpy(*der, spki, n);
    *len = n;
    return JPKI_OK;
}

int jpki_rsa_pub_equal(const mbedtls_rsa_context *a, const mbedtls_rsa_context *b)
{
    mbedtls_mpi na, ea, nb, eb;
    mbedtls_mpi_init(&na);
    mbedtls_mpi_init(&ea);
    mbedtls_mpi_init(&nb);
    mbedtls_mpi_init(&eb);
    int same = mbedtls_rsa_export(a, &na, NULL, NULL, NULL, &ea) == 0 &&
               mbedtls_rsa_export(b, &nb, NULL, NULL, NULL, &eb) == 0 &&
               mbedtls_mpi_cmp_int(&na, 0) != 0 &&
               mbedtls_mpi_cmp_mpi(&na, &nb) == 0 && mbedtls_mpi_cmp_mpi(&ea, &eb) == 0;
    mbedtls_mpi_free(&na);
    mbedtls_mpi_free(&ea);
    mbedtls_mpi_free(&nb);
    mbedtls_mpi_free(&eb);
    return same;
}

/* attributes [0] IMPLICIT SET OF Attribute: empty, or one extensionRequest
 * carrying the subjectAltName. */
static jpki_rc write_attributes(uint8_t **c, uint8_t *start, const jpki_csr_params *p,
                                size_t *out_len, jpki_error *err)
{
    jpki_rc rc = JPKI_OK;
    size_t len = 0;
    if (p->san_der && p->san_der_len) {
        /* Extension ::= SEQUENCE { extnID, extnValue OCTET STRING } (not critical:
         * the DEFAULT FALSE is left out, as DER requires) */
        size_t ext = 0;
        CHK_ADD(ext, mbedtls_asn1_write_raw_buffer(c, start, p->san_der, p->san_der_len));
        CHK_ADD(ext, mbedtls_asn1_write_len(c, start, p->san_der_len));
        CHK_ADD(ext, mbedtls_asn1_write_tag(c, start, MBEDTLS_ASN1_OCTET_STRING));
        CHK_ADD(ext, mbedtls_asn1_write_oid(c, start, OID_SAN, sizeof OID_SAN - 1));
        CHK_ADD(ext, mbedtls_asn1_write_len(c, start, ext));
        CHK_ADD(ext, mbedtls_asn1_write_tag(c, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
        /* Extensions ::= SEQUENCE OF Extension */
        CHK_ADD(ext, mbedtls_asn1_write_len(c, start, ext));
        CHK_ADD(ext, mbedtls_asn1_write_tag(c, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
        /* values SET OF { Extensions } */
        CHK_ADD(ext, mbedtls_asn1_write_len(c, start, ext));
        CHK_ADD(ext, mbedtls_asn1_write_tag(c, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET));
        CHK_ADD(ext, mbedtls_asn1_write_oid(c, start, OID_EXTENSION_REQUEST,
                                            sizeof OID_EXTENSION_REQUEST - 1));
        /* Attribute ::= SEQUENCE { type, values } */
        CHK_ADD(ext, mbedtls_asn1_write_len(c, start, ext));
        CHK_ADD(ext, mbedtls_asn1_write_tag(c, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
        len += ext;
    }
    CHK_ADD(len, mbedtls_asn1_write_len(c, start, len));
    CHK_ADD(len, mbedtls_asn1_write_tag(c, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0));
out:
    *out_len = len;
    return rc;
}

static jpki_rc write_subject(uint8_t **c, uint8_t *start, const jpki_csr_params *p,
                             size_t *out_len, jpki_error *err)
{
    jpki_rc rc = JPKI_OK;
    size_t len = 0;
    mbedtls_asn1_named_data *names = NULL;
    if (p->subject_der) {
        /* Must be a DER SEQUENCE spanning exactly the given bytes. */
        unsigned char *q = (unsigned char *)p->subject_der;
        size_t inner;
        if (mbedtls_asn1_get_tag(&q, p->subject_der + p->subject_der_len, &inner,
                                 MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 ||
            q + inner != p->subject_der + p->subject_der_len) {
            rc = jpki_error_set(err, JPKI_ERR_ARG, "subject is not a DER Name");
            goto out;
        }
        CHK_ADD(len, mbedtls_asn1_write_raw_buffer(c, start, p->subject_der, p->subject_der_len));
    } else {
        if (!p->subject || mbedtls_x509_string_to_names(&names, p->subject) != 0) {
            rc = jpki_error_set(err, JPKI_ERR_ARG, "bad subject \"%s\"",
                                p->subject ? p->subject : "(none)");
            goto out;
        }
        CHK_ADD(len, mbedtls_x509_write_names(c, start, names));
    }
out:
    mbedtls_asn1_free_named_data_list(&names);
    *out_len = len;
    return rc;
}

/* Check that sig is pub's PKCS#1 v1.5 signature over digestinfo. */
static jpki_rc verify_sig(const mbedtls_rsa_context *pub, const uint8_t *di, size_t dlen,
                          const uint8_t *sig, size_t siglen, jpki_error *err)
{
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int r = pk_from_pub(&pk, pub);
    if (r == 0 && siglen != mbedtls_rsa_get_len(mbedtls_pk_rsa(pk)))
        r = MBEDTLS_ERR_RSA_VERIFY_FAILED;
    if (r == 0)
        /* MD_NONE: the "hash" is the DigestInfo itself, as the card saw it. */
        r = mbedtls_rsa_pkcs1_verify(mbedtls_pk_rsa(pk), NULL, NULL, MBEDTLS_RSA_PUBLIC,
                                     MBEDTLS_MD_NONE, (unsigned)dlen, di, sig);
    mbedtls_pk_free(&pk);
    if (r != 0) {
        jpki_error_set(err, JPKI_ERR_CRYPTO,
                       "the request's signature does not verify with the key it names "
                       "(mbedTLS -0x%04X)", (unsigned)-r);
        if (err)
            err->detail = r;
        return JPKI_ERR_CRYPTO;
    }
    return JPKI_OK;
}

jpki_rc jpki_csr_build(const jpki_csr_params *p, uint8_t **der, size_t *der_len,
                       jpki_error *err)
{
    jpki_rc rc = JPKI_OK;
    uint8_t *buf = NULL, *out_buf = NULL;
    if (!p || !p->pub || !p->sign || !der || !der_len)
        return jpki_error_set(err, JPKI_ERR_ARG, "jpki_csr_build: missing argument");
    *der = NULL;
    *der_len = 0;
    if (p->subject_der_len > 4096 || p->san_der_len > 4096)
        return jpki_error_set(err, JPKI_ERR_LIMIT, "subject or subjectAltName too large");

    size_t cap = CSR_FIXED_ROOM + p->subject_der_len + p->san_der_len +
                 (p->subject ? 4 * strlen(p->subject) : 0);
    buf = malloc(cap);
    out_buf = malloc(cap);
    if (!buf || !out_buf) {
        rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        goto out;
    }

    /* CertificationRequestInfo ::= SEQUENCE { version, subject, spki, attributes } */
    uint8_t *c = buf + cap;
    size_t cri_len = 0, part;
    if ((rc = write_attributes(&c, buf, p, &part, err)) != JPKI_OK)
        goto out;
    cri_len += part;
    {
        uint8_t spki_buf[1200];
        const uint8_t *spki;
        size_t spki_len;
        if ((rc = write_spki(&p->pub->rsa, spki_buf, sizeof spki_buf, &spki, &spki_len, err)) != JPKI_OK)
            goto out;
        CHK_ADD(cri_len, mbedtls_asn1_write_raw_buffer(&c, buf, spki, spki_len));
    }
    if ((rc = write_subject(&c, buf, p, &part, err)) != JPKI_OK)
        goto out;
    cri_len += part;
    CHK_ADD(cri_len, mbedtls_asn1_write_int(&c, buf, 0));
    CHK_ADD(cri_len, mbedtls_asn1_write_len(&c, buf, cri_len));
    CHK_ADD(cri_len, mbedtls_asn1_write_tag(&c, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
    const uint8_t *cri = c;

    /* Hash, DigestInfo, signature by the callback, then our own check. */
    uint8_t hash[32], di[JPKI_DIGESTINFO_SHA256_LEN], sig[MBEDTLS_MPI_MAX_SIZE];
    size_t siglen = 0;
    mbedtls_sha256_ret(cri, cri_len, hash, 0);
    jpki_digestinfo_sha256(hash, di);
    if ((rc = p->sign(p->sign_ctx, di, sizeof di, sig, sizeof sig, &siglen, err)) != JPKI_OK) {
        jpki_error_prefix(err, "signing the request");
        goto out;
    }
    if ((rc = verify_sig(&p->pub->rsa, di, sizeof di, sig, siglen, err)) != JPKI_OK)
        goto out;

    /* CertificationRequest ::= SEQUENCE { cri, signatureAlgorithm, signature } */
    const char *sig_oid;
    size_t sig_oid_len, total = 0;
    if (mbedtls_oid_get_oid_by_sig_alg(MBEDTLS_PK_RSA, MBEDTLS_MD_SHA256, &sig_oid, &sig_oid_len) != 0) {
        rc = jpki_error_set(err, JPKI_ERR_INTERNAL, "no OID for sha256WithRSAEncryption");
        goto out;
    }
    c = out_buf + cap;
    CHK_ADD(total, mbedtls_x509_write_sig(&c, out_buf, sig_oid, sig_oid_len, sig, siglen));
    CHK_ADD(total, mbedtls_asn1_write_raw_buffer(&c, out_buf, cri, cri_len));
    CHK_ADD(total, mbedtls_asn1_write_len(&c, out_buf, total));
    CHK_ADD(total, mbedtls_asn1_write_tag(&c, out_buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));

    *der = malloc(total);
    if (!*der) {
        rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        goto out;
    }
    memcpy(*der, c, total);
    *der_len = total;
out:
    free(buf);
    free(out_buf);
    return rc;
}

/* Find the subjectAltName extnValue in the certificate's extensions. */
static int find_san(const mbedtls_x509_crt *crt, const uint8_t **san, size_t *san_len)
{
    unsigned char *q = crt->v3_ext.p;
    const unsigned char *end;
    size_t len;
    *san = NULL;
    *san_len = 0;
    if (!q || crt->v3_ext.len == 0)
        return 0;
    end = q + crt->v3_ext.len;
    if (mbedtls_asn1_get_tag(&q, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
        return -1;
    end = q + len;
    while (q < end) {
        size_t ext_len, oid_len, val_len;
        if (mbedtls_asn1_get_tag(&q, end, &ext_len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
            return -1;
        const unsigned char *ext_end = q + ext_len;
        if (mbedtls_asn1_get_tag(&q, ext_end, &oid_len, MBEDTLS_ASN1_OID) != 0)
            return -1;
        int is_san = oid_len == sizeof OID_SAN - 1 && memcmp(q, OID_SAN, oid_len) == 0;
        q += oid_len;
        int critical = 0;
        if (q < ext_end && *q == MBEDTLS_ASN1_BOOLEAN &&
            mbedtls_asn1_get_bool(&q, ext_end, &critical) != 0)
            return -1;
        if (mbedtls_asn1_get_tag(&q, ext_end, &val_len, MBEDTLS_ASN1_OCTET_STRING) != 0 ||
            q + val_len != ext_end)
            return -1;
        if (is_san) {
            *san = q;
            *san_len = val_len;
            return 0;
        }
        q += val_len;
    }
    return 0;
}

jpki_rc jpki_csr_template_from_cert(const uint8_t *der, size_t len, jpki_csr_template *t,
                                    jpki_error *err)
{
    memset(t, 0, sizeof *t);
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    jpki_rc rc = JPKI_OK;
    int r = jpki_x509_parse_der(&crt, der, len);
    if (r != 0) {
        rc = jpki_error_set(err, JPKI_ERR_CERT, "old certificate does not parse (mbedTLS -0x%04X)",
                            (unsigned)-r);
        goto out;
    }
    const uint8_t *san;
    size_t san_len;
    if (find_san(&crt, &san, &san_len) != 0) {
        rc = jpki_error_set(err, JPKI_ERR_CERT, "old certificate has malformed extensions");
        goto out;
    }
    t->subject = malloc(crt.subject_raw.len);
    t->san = san_len ? malloc(san_len) : NULL;
    if (!t->subject || (san_len && !t->san)) {
        rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        goto out;
    }
    memcpy(t->subject, crt.subject_raw.p, crt.subject_raw.len);
    t->subject_len = crt.subject_raw.len;
    if (san_len) {
        memcpy(t->san, san, san_len);
        t->san_len = san_len;
    }
out:
    mbedtls_x509_crt_free(&crt);
    if (rc != JPKI_OK)
        jpki_csr_template_free(t);
    return rc;
}

void jpki_csr_template_free(jpki_csr_template *t)
{
    if (!t)
        return;
    free(t->subject);
    free(t->san);
    memset(t, 0, sizeof *t);
}
