/* The jpki-tools test CA (see testca.h): dates, the JPKI subjectAltName,
 * CA creation and certificate issuance with mbedTLS x509write_crt. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/bignum.h>
#include <mbedtls/error.h>
#include <mbedtls/pem.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/oid.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "atomic_file.h"
#include "jpki/cert.h"
#include "jpki/records.h"
#include "profile_ext.h"
#include "testca.h"

#define JST_OFFSET (9 * 3600)
#define HOLDERS_MAX (4u << 20)
/* id-pe-authorityInfoAccess 1.3.6.1.5.5.7.1.1 (mbedTLS 2.28 names no constant) */
#define MBEDTLS_OID_AUTHORITY_INFO_ACCESS MBEDTLS_OID_PKIX "\x01\x01"

/* ================= dates ================= */

/* A day as YYYY-MM-DD or YYYYMMDD (birth dates in the JPKI otherName);
 * the calendar check is the library's one rule (jpki_time_parse). */
jpki_rc testca_date_parse(const char *s, testca_date *out, jpki_error *err)
{
    if (!s)
        return jpki_error_set(err, JPKI_ERR_ARG, "missing date");
    char iso[11];
    size_t n = strlen(s);
    if (n == 8 && strspn(s, "0123456789") == 8)
        snprintf(iso, sizeof iso, "%.4s-%.2s-%.2s", s, s + 4, s + 6);
    else if (n == 10 && strspn(s, "0123456789-") == 10)
        memcpy(iso, s, sizeof iso);
    else
        return jpki_error_set(err, JPKI_ERR_FORMAT, "'%s' is not a date (YYYY-MM-DD)", s);
    time_t t;
    jpki_error ignored;
    jpki_error_clear(&ignored);
    if (jpki_time_parse(iso, &t, &ignored) != JPKI_OK)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "'%s' is not a valid day (YYYY-MM-DD)", s);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (tm.tm_year + 1900 < 1900)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "'%s' is not a valid day", s);
    *out = (testca_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
    return JPKI_OK;
}

testca_date testca_date_today(void)
{
    time_t t = time(NULL) + JST_OFFSET;
    struct tm tm;
    gmtime_r(&t, &tm);
    return (testca_date){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday};
}

int testca_date_cmp(testca_date a, testca_date b)
{
    if (a.y != b.y)
        return a.y < b.y ? -1 : 1;
    if (a.m != b.m)
        return a.m < b.m ? -1 : 1;
    if (a.d != b.d)
        return a.d < b.d ? -1 : 1;
    return 0;
}

void testca_date_format(testca_date d, char *buf, size_t n)
{
    snprintf(buf, n, "%04d-%02d-%02d", d.y, d.m, d.d);
}

/* The rule itself is the library's (jpki_fifth_birthday), which also
 * tells counters when the next certificate would end. */
testca_date testca_fifth_birthday(testca_date issued, testca_date birth)
{
    char i[16], b[16], out[11];
    testca_date_format(issued, i, sizeof i);
    testca_date_format(birth, b, sizeof b);
    testca_date end = issued;
    jpki_error err;
    jpki_error_clear(&err);
    if (jpki_fifth_birthday(i, b, out, &err) == JPKI_OK)
        testca_date_parse(out, &end, &err);
    return end;
}

testca_date testca_validity_end(testca_date issued, testca_date birth,
                                const testca_date *card_expiry)
{
    testca_date end = testca_fifth_birthday(issued, birth);
    if (card_expiry && testca_date_cmp(*card_expiry, end) < 0)
        end = *card_expiry;
    return end;
}

/* "YYYYMMDDhhmmss" in UTC for 00:00:00 JST (start) or 23:59:59 JST (end). */
static void validity_string(testca_date d, bool end, char out[32])
{
    struct tm tm = {0};
    tm.tm_year = d.y - 1900;
    tm.tm_mon = d.m - 1;
    tm.tm_mday = d.d;
    time_t t = timegm(&tm) - JST_OFFSET + (end ? 86399 : 0);
    struct tm u;
    gmtime_r(&t, &u);
    snprintf(out, 32, "%04d%02d%02d%02d%02d%02d", u.tm_year + 1900, u.tm_mon + 1, u.tm_mday,
             u.tm_hour, u.tm_min, u.tm_sec);
}

/* ================= subjectAltName ================= */

/* 1.2.392.200149.8.5.5.x in DER */

jpki_rc testca_san_build(const testca_holder_attrs *h, uint8_t *buf, size_t cap, size_t *len,
                         jpki_error *err)
{
    if (!h || !h->name || !h->sex || !h->birth || !h->address)
        return jpki_error_set(err, JPKI_ERR_ARG, "subjectAltName: missing holder attribute");
    unsigned char *p = buf + cap;
    int ret;
    size_t n = 0;
    /* asn1write fills backwards: last otherName first. */
    if ((ret = jpki_san_write_other_name(&p, buf, JPKI_SAN_ADDRESS, h->address)) < 0)
        goto fail;
    n += (size_t)ret;
    if ((ret = jpki_san_write_other_name(&p, buf, JPKI_SAN_BIRTH, h->birth)) < 0)
        goto fail;
    n += (size_t)ret;
    if ((ret = jpki_san_write_other_name(&p, buf, JPKI_SAN_SEX, h->sex)) < 0)
        goto fail;
    n += (size_t)ret;
    if ((ret = jpki_san_write_other_name(&p, buf, JPKI_SAN_NAME, h->name)) < 0)
        goto fail;
    n += (size_t)ret;
    if ((ret = mbedtls_asn1_write_len(&p, buf, n)) < 0)
        goto fail;
    n += (size_t)ret;
    if ((ret = mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) < 0)
        goto fail;
    n += (size_t)ret;
    memmove(buf, p, n);
    *len = n;
    return JPKI_OK;
fail:
    return jpki_error_set(err, JPKI_ERR_LIMIT, "subjectAltName does not fit %zu bytes", cap);
}

jpki_rc testca_san_birth(const uint8_t *san, size_t len, testca_date *birth, bool *found,
                         jpki_error *err)
{
    unsigned char *p = (unsigned char *)san, *end = p + len;
    size_t l;
    *found = false;
    if (mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 ||
        p + l != end)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "subjectAltName is not a DER SEQUENCE");
    while (p < end) {
        unsigned char tag = *p++;
        if (mbedtls_asn1_get_len(&p, end, &l) != 0)
            return jpki_error_set(err, JPKI_ERR_FORMAT, "subjectAltName: bad length");
        unsigned char *next = p + l;
        if (tag != (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0)) {
            p = next; /* not an otherName */
            continue;
        }
        mbedtls_asn1_buf oid;
        if (mbedtls_asn1_get_tag(&p, next, &oid.len, MBEDTLS_ASN1_OID) != 0)
            return jpki_error_set(err, JPKI_ERR_FORMAT, "subjectAltName: otherName without OID");
        oid.p = p;
        p += oid.len;
        bool is_birth = oid.len == JPKI_SAN_OID_PREFIX_LEN + 1 &&
                        memcmp(oid.p, JPKI_SAN_OID_PREFIX, JPKI_SAN_OID_PREFIX_LEN) == 0 &&
                        oid.p[JPKI_SAN_OID_PREFIX_LEN] == JPKI_SAN_BIRTH;
        if (is_birth) {
            size_t vl;
            if (mbedtls_asn1_get_tag(&p, next, &vl, MBEDTLS_ASN1_CONTEXT_SPECIFIC |
                                                        MBEDTLS_ASN1_CONSTRUCTED | 0) != 0 ||
                p >= next)
                return jpki_error_set(err, JPKI_ERR_FORMAT, "subjectAltName: bad otherName value");
            unsigned char stag = *p++;
            if (mbedtls_asn1_get_len(&p, next, &vl) != 0 ||
                (stag != MBEDTLS_ASN1_UTF8_STRING && stag != MBEDTLS_ASN1_PRINTABLE_STRING &&
                 stag != MBEDTLS_ASN1_IA5_STRING) || vl != 8)
                return jpki_error_set(err, JPKI_ERR_FORMAT,
                                      "subjectAltName: birth date is not an 8-digit string");
            char s[9];
            memcpy(s, p, 8);
            s[8] = '\0';
            if (testca_date_parse(s, birth, err) != JPKI_OK)
                return jpki_error_prefix(err, "subjectAltName birth date");
            *found = true;
        }
        p = next;
    }
    return JPKI_OK;
}

/* ================= names ================= */

/* Prepend one attribute to a name list being built for x509write (which
 * writes the list's head LAST, so attributes are pushed in display order). */
static jpki_rc name_push(mbedtls_asn1_named_data **head, const char *oid, size_t oid_len, int tag,
                         const unsigned char *val, size_t val_len, jpki_error *err)
{
    mbedtls_asn1_named_data *n = calloc(1, sizeof *n);
    if (n) {
        n->oid.p = malloc(oid_len ? oid_len : 1);
        n->val.p = malloc(val_len ? val_len : 1);
    }
    if (!n || !n->oid.p || !n->val.p) {
        if (n) {
            free(n->oid.p);
            free(n->val.p);
        }
        free(n);
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    }
    n->oid.tag = MBEDTLS_ASN1_OID;
    n->oid.len = oid_len;
    memcpy(n->oid.p, oid, oid_len);
    n->val.tag = tag;
    n->val.len = val_len;
    memcpy(n->val.p, val, val_len);
    n->next = *head;
    *head = n;
    return JPKI_OK;
}

#define PUSH_TEXT(head, OID, tag, s) \
    name_push(head, OID, MBEDTLS_OID_SIZE(OID), tag, (const unsigned char *)(s), strlen(s), err)

static jpki_rc ca_name(testca_kind k, mbedtls_asn1_named_data **head, jpki_error *err)
{
    const char *ou = k == TESTCA_AUTH ? "JPKI for user authentication" : "JPKI for digital signature";
    jpki_rc rc = PUSH_TEXT(head, MBEDTLS_OID_AT_COUNTRY, MBEDTLS_ASN1_PRINTABLE_STRING, "JP");
    if (rc == JPKI_OK)
        rc = PUSH_TEXT(head, MBEDTLS_OID_AT_ORGANIZATION, MBEDTLS_ASN1_UTF8_STRING, "JPKI");
    if (rc == JPKI_OK)
        rc = PUSH_TEXT(head, MBEDTLS_OID_AT_ORG_UNIT, MBEDTLS_ASN1_UTF8_STRING, ou);
    if (rc == JPKI_OK)
        rc = PUSH_TEXT(head, MBEDTLS_OID_AT_ORG_UNIT, MBEDTLS_ASN1_UTF8_STRING,
                       "Japan Agency for Local Authority Information Systems");
    /* No CN, like the real JPKI CAs; the test policy OIDs mark what is test. */
    return rc;
}

/* Copy a parsed name (DER order) into a write list (reversed). */
static jpki_rc name_copy(const mbedtls_x509_name *src, mbedtls_asn1_named_data **head,
                         jpki_error *err)
{
    for (const mbedtls_x509_name *n = src; n; n = n->next) {
        if (!n->oid.p)
            continue;
        jpki_rc rc = name_push(head, (const char *)n->oid.p, n->oid.len, n->val.tag, n->val.p,
                               n->val.len, err);
        if (rc != JPKI_OK)
            return rc;
    }
    return JPKI_OK;
}

/* ================= random, keys ================= */

int testca_rng(void *unused, unsigned char *out, size_t len)
{
    (void)unused;
    while (len > 0) {
        ssize_t n = getrandom(out, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return MBEDTLS_ERR_RSA_RNG_FAILED;
        }
        out += n;
        len -= (size_t)n;
    }
    return 0;
}

jpki_rc testca_genkey(mbedtls_pk_context *pk, jpki_error *err)
{
    int ret = mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
    if (ret == 0)
        ret = mbedtls_rsa_gen_key(mbedtls_pk_rsa(*pk), testca_rng, NULL, 2048, 65537);
    if (ret != 0) {
        jpki_error_set(err, JPKI_ERR_CRYPTO, "RSA key generation failed (-0x%04X)", -ret);
        if (err)
            err->detail = ret;
        return JPKI_ERR_CRYPTO;
    }
    return JPKI_OK;
}

/* ================= the CA ================= */

struct testca {
    char dir[PATH_MAX - 32];
    mbedtls_pk_context key[2];
    mbedtls_x509_crt crt[2];
};

static const char *kind_file(testca_kind k, bool key)
{
    if (k == TESTCA_AUTH)
        return key ? "auth-ca.key" : "auth-ca.crt";
    return key ? "sign-ca.key" : "sign-ca.crt";
}

static void path_in(char *out, size_t n, const char *dir, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static jpki_rc crypto_fail(jpki_error *err, int ret, const char *what)
{
    char buf[128];
    mbedtls_strerror(ret, buf, sizeof buf);
    jpki_error_set(err, JPKI_ERR_CRYPTO, "%s: %s (-0x%04X)", what, buf, (unsigned)-ret);
    if (err)
        err->detail = ret;
    return JPKI_ERR_CRYPTO;
}

static jpki_rc write_cert(mbedtls_x509write_cert *w, uint8_t **der, size_t *len, jpki_error *err)
{
    unsigned char *buf = malloc(8192);
    if (!buf)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    int ret = mbedtls_x509write_crt_der(w, buf, 8192, testca_rng, NULL);
    if (ret < 0) {
        free(buf);
        return crypto_fail(err, ret, "writing certificate");
    }
    memmove(buf, buf + 8192 - ret, (size_t)ret);
    *der = buf;
    *len = (size_t)ret;
    return JPKI_OK;
}

/* certificatePolicies (critical on the signature certificate, as on real
 * cards), the CRL distribution point and, for holders, the OCSP responder. */
static jpki_rc add_profile_extensions(mbedtls_x509write_cert *w, testca_kind k, bool ca,
                                      jpki_error *err)
{
    uint8_t buf[512];
    size_t len = 0;
    int ret = 0;
    jpki_rc rc = profile_policies(k, ca, buf, sizeof buf, &len, err);
    if (rc == JPKI_OK &&
        (ret = mbedtls_x509write_crt_set_extension(
             w, MBEDTLS_OID_CERTIFICATE_POLICIES, MBEDTLS_OID_SIZE(MBEDTLS_OID_CERTIFICATE_POLICIES),
             !ca && k == TESTCA_SIGN, buf, len)) != 0)
        return crypto_fail(err, ret, "certificatePolicies");
    if (rc == JPKI_OK)
        rc = profile_crl_dp(k, buf, sizeof buf, &len, err);
    if (rc == JPKI_OK &&
        (ret = mbedtls_x509write_crt_set_extension(
             w, MBEDTLS_OID_CRL_DISTRIBUTION_POINTS,
             MBEDTLS_OID_SIZE(MBEDTLS_OID_CRL_DISTRIBUTION_POINTS), 0, buf, len)) != 0)
        return crypto_fail(err, ret, "cRLDistributionPoints");
    if (rc == JPKI_OK && !ca)
        rc = profile_aia(buf, sizeof buf, &len, err);
    if (rc == JPKI_OK && !ca &&
        (ret = mbedtls_x509write_crt_set_extension(
             w, MBEDTLS_OID_AUTHORITY_INFO_ACCESS, MBEDTLS_OID_SIZE(MBEDTLS_OID_AUTHORITY_INFO_ACCESS),
             0, buf, len)) != 0)
        return crypto_fail(err, ret, "authorityInfoAccess");
    return rc;
}

static jpki_rc make_ca(const char *dir, testca_kind k, unsigned serial, jpki_error *err)
{
    mbedtls_pk_context key;
    mbedtls_x509write_cert w;
    mbedtls_mpi sn;
    mbedtls_pk_init(&key);
    mbedtls_x509write_crt_init(&w);
    mbedtls_mpi_init(&sn);
    uint8_t *der = NULL;
    size_t der_len = 0;
    unsigned char *pem = malloc(16384);
    char path[PATH_MAX];
    jpki_rc rc = pem ? testca_genkey(&key, err) : jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    if (rc == JPKI_OK)
        rc = ca_name(k, &w.subject, err);
    if (rc == JPKI_OK)
        rc = ca_name(k, &w.issuer, err);
    if (rc == JPKI_OK) {
        int ret;
        mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
        mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
        mbedtls_x509write_crt_set_subject_key(&w, &key);
        mbedtls_x509write_crt_set_issuer_key(&w, &key);
        if ((ret = mbedtls_mpi_lset(&sn, (mbedtls_mpi_sint)serial)) != 0 ||
            (ret = mbedtls_x509write_crt_set_serial(&w, &sn)) != 0 ||
            (ret = mbedtls_x509write_crt_set_validity(&w, "20100101000000", "20491231235959")) != 0 ||
            (ret = mbedtls_x509write_crt_set_basic_constraints(&w, 1, 0)) != 0 ||
            (ret = mbedtls_x509write_crt_set_key_usage(&w, MBEDTLS_X509_KU_KEY_CERT_SIGN |
                                                               MBEDTLS_X509_KU_CRL_SIGN)) != 0 ||
            (ret = mbedtls_x509write_crt_set_subject_key_identifier(&w)) != 0 ||
            (ret = mbedtls_x509write_crt_set_authority_key_identifier(&w)) != 0)
            rc = crypto_fail(err, ret, "CA certificate");
    }
    if (rc == JPKI_OK)
        rc = add_profile_extensions(&w, k, true, err);
    if (rc == JPKI_OK)
        rc = write_cert(&w, &der, &der_len, err);
    if (rc == JPKI_OK) {
        size_t olen;
        int ret = mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n",
                                           "-----END CERTIFICATE-----\n", der, der_len, pem,
                                           16384, &olen);
        if (ret != 0)
            rc = crypto_fail(err, ret, "CA certificate PEM");
        path_in(path, sizeof path, dir, kind_file(k, false));
        if (rc == JPKI_OK)
            rc = atomic_write_file(path, pem, strlen((char *)pem), 0644, err);
    }
    if (rc == JPKI_OK) {
        int ret = mbedtls_pk_write_key_pem(&key, pem, 16384);
        if (ret != 0)
            rc = crypto_fail(err, ret, "CA key PEM");
        path_in(path, sizeof path, dir, kind_file(k, true));
        if (rc == JPKI_OK)
            rc = atomic_write_file(path, pem, strlen((char *)pem), 0600, err);
    }
    if (pem) {
        mbedtls_platform_zeroize(pem, 16384);
        free(pem);
    }
    free(der);
    mbedtls_mpi_free(&sn);
    mbedtls_x509write_crt_free(&w);
    mbedtls_pk_free(&key);
    return rc;
}

jpki_rc testca_create(const char *dir, jpki_error *err)
{
    char path[PATH_MAX];
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return jpki_error_set(err, JPKI_ERR_IO, "%s: cannot create: %s", dir, strerror(errno));
    path_in(path, sizeof path, dir, "auth-ca.key");
    if (access(path, F_OK) == 0)
        return jpki_error_set(err, JPKI_ERR_STATE, "%s already holds a CA (auth-ca.key exists)", dir);
    jpki_rc rc = make_ca(dir, TESTCA_AUTH, 1, err);
    if (rc == JPKI_OK)
        rc = make_ca(dir, TESTCA_SIGN, 2, err);
    path_in(path, sizeof path, dir, "serial");
    if (rc == JPKI_OK)
        rc = atomic_write_file(path, "03\n", 3, 0644, err);
    path_in(path, sizeof path, dir, "index.txt");
    if (rc == JPKI_OK)
        rc = atomic_write_file(path, "", 0, 0644, err);
    path_in(path, sizeof path, dir, "holders");
    if (rc == JPKI_OK && access(path, F_OK) != 0)
        rc = atomic_write_file(path, "# birth card-expiry subject (jpki-ca holders registry)\n",
                               55, 0644, err);
    return rc;
}

jpki_rc testca_open(const char *dir, testca **out, jpki_error *err)
{
    testca *ca = calloc(1, sizeof *ca);
    if (!ca)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    if (snprintf(ca->dir, sizeof ca->dir, "%s", dir) >= (int)sizeof ca->dir) {
        free(ca);
        return jpki_error_set(err, JPKI_ERR_ARG, "CA directory path too long");
    }
    jpki_rc rc = JPKI_OK;
    for (int k = 0; k < 2; k++) {
        mbedtls_pk_init(&ca->key[k]);
        mbedtls_x509_crt_init(&ca->crt[k]);
    }
    for (int k = 0; k < 2 && rc == JPKI_OK; k++) {
        char path[PATH_MAX];
        path_in(path, sizeof path, dir, kind_file((testca_kind)k, true));
        if (access(path, R_OK) != 0) {
            rc = jpki_error_set(err, JPKI_ERR_NOT_FOUND,
                                "%s: no test CA here (run jpki-ca init --dir %s)", dir, dir);
            break;
        }
        int ret = mbedtls_pk_parse_keyfile(&ca->key[k], path, NULL);
        if (ret != 0) {
            rc = crypto_fail(err, ret, path);
            break;
        }
        path_in(path, sizeof path, dir, kind_file((testca_kind)k, false));
        ret = mbedtls_x509_crt_parse_file(&ca->crt[k], path);
        if (ret != 0)
            rc = crypto_fail(err, ret, path);
    }
    if (rc != JPKI_OK) {
        testca_free(ca);
        return rc;
    }
    *out = ca;
    return JPKI_OK;
}

void testca_free(testca *ca)
{
    if (!ca)
        return;
    for (int k = 0; k < 2; k++) {
        mbedtls_pk_free(&ca->key[k]);
        mbedtls_x509_crt_free(&ca->crt[k]);
    }
    free(ca);
}

const uint8_t *testca_cert_der(const testca *ca, testca_kind k, size_t *len)
{
    *len = ca->crt[k].raw.len;
    return ca->crt[k].raw.p;
}

/* Take the next serial (hex in DIR/serial) under an exclusive lock on
 * DIR/.lock, which is never replaced (the serial file is, by rename). */
static jpki_rc next_serial(const char *dir, mbedtls_mpi *sn, jpki_error *err)
{
    char lock_path[PATH_MAX], path[PATH_MAX];
    path_in(lock_path, sizeof lock_path, dir, ".lock");
    path_in(path, sizeof path, dir, "serial");
    int lfd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lfd < 0)
        return jpki_error_set(err, JPKI_ERR_IO, "%s: %s", lock_path, strerror(errno));
    while (flock(lfd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            close(lfd);
            return jpki_error_set(err, JPKI_ERR_IO, "%s: lock failed: %s", lock_path, strerror(errno));
        }
    }
    unsigned char *text = NULL;
    size_t len = 0;
    jpki_rc rc = read_file_bounded(path, 64, &text, &len, err);
    unsigned long long v = 0;
    if (rc == JPKI_OK) {
        char *end;
        errno = 0;
        v = strtoull((char *)text, &end, 16);
        while (*end == '\n' || *end == '\r' || *end == ' ')
            end++;
        if (errno || *end || end == (char *)text || v == 0 || v >= (1ULL << 62))
            rc = jpki_error_set(err, JPKI_ERR_FORMAT, "%s: not a hex serial number", path);
    }
    free(text);
    if (rc == JPKI_OK) {
        char next[40];
        int n = snprintf(next, sizeof next, "%llX", v + 1);
        char out[42];
        /* openssl wants an even number of hex digits */
        snprintf(out, sizeof out, "%s%s\n", n % 2 ? "0" : "", next);
        rc = atomic_write_file(path, out, strlen(out), 0644, err);
    }
    close(lfd); /* releases the lock */
    if (rc == JPKI_OK) {
        int ret = mbedtls_mpi_lset(sn, (mbedtls_mpi_sint)v);
        if (ret != 0)
            rc = crypto_fail(err, ret, "serial number");
    }
    return rc;
}

/* The issuance log, DIR/issued: one line "SERIAL KIND SPKI-SHA256" per
 * certificate issued, written (one O_APPEND write, fsync'd) before the
 * certificate is handed out, so that tests can count how often the CA was
 * asked for a certificate for the same key (jpki-renew must never ask
 * twice for one request).  Not index.txt: openssl-ca owns that format. */
static jpki_rc log_issuance(const char *dir, const mbedtls_mpi *sn, testca_kind k,
                            mbedtls_pk_context *key, jpki_error *err)
{
    unsigned char spki[1200];
    int n = mbedtls_pk_write_pubkey_der(key, spki, sizeof spki);
    if (n < 0)
        return crypto_fail(err, n, "issuance log: public key");
    unsigned char digest[32];
    mbedtls_sha256_ret(spki + sizeof spki - n, (size_t)n, digest, 0);
    char serial[80];
    size_t slen = 0;
    if (mbedtls_mpi_write_string(sn, 16, serial, sizeof serial, &slen) != 0)
        return jpki_error_set(err, JPKI_ERR_INTERNAL, "issuance log: serial number");
    char line[200];
    int len = snprintf(line, sizeof line, "%s %s ", serial, k == TESTCA_AUTH ? "auth" : "sign");
    for (int i = 0; i < 32; i++)
        len += snprintf(line + len, sizeof line - (size_t)len, "%02x", digest[i]);
    line[len++] = '\n';
    char path[PATH_MAX];
    path_in(path, sizeof path, dir, "issued");
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return jpki_error_set(err, JPKI_ERR_IO, "%s: %s", path, strerror(errno));
    jpki_rc rc = JPKI_OK;
    if (write(fd, line, (size_t)len) != len || fsync(fd) != 0)
        rc = jpki_error_set(err, JPKI_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    close(fd);
    return rc;
}

jpki_rc testca_issue(testca *ca, const testca_request *rq, uint8_t **der, size_t *len,
                     jpki_error *err)
{
    if (!rq || !rq->subject_key || (!rq->subject_name && !rq->subject_cn))
        return jpki_error_set(err, JPKI_ERR_ARG, "issue: missing subject or key");
    if (mbedtls_pk_get_type(rq->subject_key) != MBEDTLS_PK_RSA ||
        mbedtls_pk_get_bitlen(rq->subject_key) != 2048)
        return jpki_error_set(err, JPKI_ERR_CERT, "issue: the JPKI profile needs an RSA-2048 key");
    if (testca_date_cmp(rq->not_after, rq->not_before) < 0)
        return jpki_error_set(err, JPKI_ERR_CERT, "issue: validity ends before it starts");
    const mbedtls_rsa_context *rsa = mbedtls_pk_rsa(*rq->subject_key);
    mbedtls_mpi e;
    mbedtls_mpi_init(&e);
    int ret = mbedtls_rsa_export(rsa, NULL, NULL, NULL, NULL, &e);
    bool e_ok = ret == 0 && mbedtls_mpi_cmp_int(&e, 65537) == 0;
    mbedtls_mpi_free(&e);
    if (!e_ok)
        return jpki_error_set(err, JPKI_ERR_CERT, "issue: the JPKI profile needs e=65537");

    mbedtls_x509write_cert w;
    mbedtls_mpi sn;
    mbedtls_x509write_crt_init(&w);
    mbedtls_mpi_init(&sn);
    testca_kind k = rq->kind;
    jpki_rc rc = next_serial(ca->dir, &sn, err);
    if (rc == JPKI_OK) {
        if (rq->subject_name)
            rc = name_copy(rq->subject_name, &w.subject, err);
        else {
            rc = PUSH_TEXT(&w.subject, MBEDTLS_OID_AT_COUNTRY, MBEDTLS_ASN1_PRINTABLE_STRING, "JP");
            if (rc == JPKI_OK && rq->subject_locality)
                rc = PUSH_TEXT(&w.subject, MBEDTLS_OID_AT_LOCALITY, MBEDTLS_ASN1_UTF8_STRING,
                               rq->subject_locality);
            if (rc == JPKI_OK)
                rc = PUSH_TEXT(&w.subject, MBEDTLS_OID_AT_CN, MBEDTLS_ASN1_UTF8_STRING,
                               rq->subject_cn);
        }
    }
    if (rc == JPKI_OK)
        rc = name_copy(&ca->crt[k].subject, &w.issuer, err);
    if (rc == JPKI_OK) {
        char nb[32], na[32];
        validity_string(rq->not_before, false, nb);
        validity_string(rq->not_after, true, na);
        mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
        mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
        mbedtls_x509write_crt_set_subject_key(&w, rq->subject_key);
        mbedtls_x509write_crt_set_issuer_key(&w, &ca->key[k]);
        unsigned ku = k == TESTCA_AUTH ? MBEDTLS_X509_KU_DIGITAL_SIGNATURE
                                       : MBEDTLS_X509_KU_NON_REPUDIATION;
        if ((ret = mbedtls_x509write_crt_set_serial(&w, &sn)) != 0 ||
            (ret = mbedtls_x509write_crt_set_validity(&w, nb, na)) != 0 ||
            (ret = mbedtls_x509write_crt_set_key_usage(&w, ku)) != 0 ||
            (ret = mbedtls_x509write_crt_set_subject_key_identifier(&w)) != 0 ||
            (ret = mbedtls_x509write_crt_set_authority_key_identifier(&w)) != 0)
            rc = crypto_fail(err, ret, "certificate fields");
    }
    if (rc == JPKI_OK)
        rc = add_profile_extensions(&w, k, false, err);
    if (rc == JPKI_OK && rq->san && rq->san_len) {
        ret = mbedtls_x509write_crt_set_extension(&w, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                                  MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
                                                  rq->san, rq->san_len);
        if (ret != 0)
            rc = crypto_fail(err, ret, "subjectAltName");
    }
    if (rc == JPKI_OK)
        rc = write_cert(&w, der, len, err);
    if (rc == JPKI_OK && (rc = log_issuance(ca->dir, &sn, k, rq->subject_key, err)) != JPKI_OK) {
        free(*der);
        *der = NULL;
        *len = 0;
    }
    mbedtls_mpi_free(&sn);
    mbedtls_x509write_crt_free(&w);
    return rc;
}

/* ================= holders registry ================= */

jpki_rc testca_holder_add(const char *dir, const char *subject, testca_date birth,
                          testca_date card_expiry, jpki_error *err)
{
    if (strchr(subject, '\n'))
        return jpki_error_set(err, JPKI_ERR_ARG, "holder subject contains a newline");
    char path[PATH_MAX], b[16], e[16];
    path_in(path, sizeof path, dir, "holders");
    testca_date_format(birth, b, sizeof b);
    testca_date_format(card_expiry, e, sizeof e);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return jpki_error_set(err, JPKI_ERR_IO, "%s: %s", path, strerror(errno));
    char line[1024];
    int n = snprintf(line, sizeof line, "%s %s %s\n", b, e, subject);
    jpki_rc rc = JPKI_OK;
    /* One write() of a line with O_APPEND: concurrent --new runs do not interleave. */
    if (n < 0 || (size_t)n >= sizeof line)
        rc = jpki_error_set(err, JPKI_ERR_LIMIT, "holder subject too long");
    else if (write(fd, line, (size_t)n) != n || fsync(fd) != 0)
        rc = jpki_error_set(err, JPKI_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    close(fd);
    return rc;
}

jpki_rc testca_holder_find(const char *dir, const char *subject, testca_date *birth,
                           testca_date *card_expiry, bool *found, jpki_error *err)
{
    char path[PATH_MAX];
    path_in(path, sizeof path, dir, "holders");
    *found = false;
    unsigned char *text = NULL;
    size_t len = 0;
    jpki_rc rc = read_file_bounded(path, HOLDERS_MAX, &text, &len, err);
    if (rc == JPKI_ERR_NOT_FOUND) {
        jpki_error_clear(err);
        return JPKI_OK;
    }
    if (rc != JPKI_OK)
        return rc;
    char *save = NULL;
    for (char *line = strtok_r((char *)text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || strlen(line) < 23 || line[10] != ' ' || line[21] != ' ')
            continue;
        if (strcmp(line + 22, subject) != 0)
            continue;
        line[10] = line[21] = '\0';
        testca_date b, e;
        if (testca_date_parse(line, &b, NULL) != JPKI_OK || testca_date_parse(line + 11, &e, NULL) != JPKI_OK)
            continue;
        *birth = b;
        *card_expiry = e;
        *found = true;
    }
    free(text);
    return JPKI_OK;
}
