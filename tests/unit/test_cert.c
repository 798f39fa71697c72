/* Certificate facts: names, serial, validity, key size, the JPKI
 * subjectAltName otherNames, PEM and DER input, malformed input, and the
 * time helpers.  Test certificates are made here at run time with mbedTLS's
 * x509write (no binary fixtures). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

#include "jpki/jpki.h"

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_pk_context key;

static int group_setup(void **state)
{
    (void)state;
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_pk_init(&key);
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                              (const unsigned char *)"test_cert", 9) != 0)
        return -1;
    if (mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) != 0)
        return -1;
    return mbedtls_rsa_gen_key(mbedtls_pk_rsa(key), mbedtls_ctr_drbg_random, &drbg, 2048, 65537);
}

static int group_teardown(void **state)
{
    (void)state;
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    return 0;
}

/* ---- a tiny DER writer for the subjectAltName we need ---- */

static size_t tlv(uint8_t *out, uint8_t tag, const uint8_t *v, size_t n)
{
    size_t i = 0;
    out[i++] = tag;
    if (n < 0x80) {
        out[i++] = (uint8_t)n;
    } else if (n < 0x100) {
        out[i++] = 0x81;
        out[i++] = (uint8_t)n;
    } else {
        out[i++] = 0x82;
        out[i++] = (uint8_t)(n >> 8);
        out[i++] = (uint8_t)n;
    }
    memmove(out + i, v, n);
    return i + n;
}

/* otherName { type-id 1.2.392.200149.8.5.5.<arc>, [0] { string } } */
static size_t jpki_other_name(uint8_t *out, uint8_t arc, uint8_t strtag, const char *s, size_t n)
{
    uint8_t oid[] = {0x2A, 0x83, 0x08, 0x8C, 0x9B, 0x55, 0x08, 0x05, 0x05, arc};
    uint8_t str[1024], val[1100], body[1200];
    size_t sl = tlv(str, strtag, (const uint8_t *)s, n);
    size_t vl = tlv(val, 0xA0, str, sl);
    size_t bl = tlv(body, 0x06, oid, sizeof oid);
    memcpy(body + bl, val, vl);
    return tlv(out, 0xA0, body, bl + vl);
}

typedef struct san_item {
    uint8_t arc, tag;
    const char *s;
} san_item;

static size_t make_san(uint8_t *out, const san_item *items, size_t n)
{
    uint8_t names[4096];
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += jpki_other_name(names + len, items[i].arc, items[i].tag, items[i].s,
                               strlen(items[i].s));
    return tlv(out, 0x30, names, len);
}

/* Writes a certificate and returns its DER length; der points into buf. */
static size_t make_cert(uint8_t *buf, size_t cap, const char *serial_hex, const char *from,
                        const char *to, const uint8_t *san, size_t sanlen, uint8_t **der)
{
    mbedtls_x509write_cert w;
    mbedtls_x509write_crt_init(&w);
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, &key);
    mbedtls_x509write_crt_set_issuer_key(&w, &key);
    assert_int_equal(mbedtls_x509write_crt_set_subject_name(&w, "C=JP,O=JPKI,CN=0123456789AB"), 0);
    assert_int_equal(mbedtls_x509write_crt_set_issuer_name(
                         /* one OU: mbedTLS 2.28's string_to_names keeps only the
                          * last of repeated attribute types */
                         &w, "C=JP,O=JPKI,OU=JPKI for digital signature"),
                     0);
    mbedtls_mpi serial;
    mbedtls_mpi_init(&serial);
    assert_int_equal(mbedtls_mpi_read_string(&serial, 16, serial_hex), 0);
    assert_int_equal(mbedtls_x509write_crt_set_serial(&w, &serial), 0);
    assert_int_equal(mbedtls_x509write_crt_set_validity(&w, from, to), 0);
    /* Other extensions (one critical) so the SAN walk has to step over them. */
    assert_int_equal(mbedtls_x509write_crt_set_key_usage(&w, MBEDTLS_X509_KU_DIGITAL_SIGNATURE |
                                                                 MBEDTLS_X509_KU_NON_REPUDIATION),
                     0);
    assert_int_equal(mbedtls_x509write_crt_set_basic_constraints(&w, 0, -1), 0);
    if (san)
        assert_int_equal(mbedtls_x509write_crt_set_extension(
                             &w, MBEDTLS_OID_SUBJECT_ALT_NAME,
                             MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, san, sanlen),
                         0);
    int n = mbedtls_x509write_crt_der(&w, buf, cap, mbedtls_ctr_drbg_random, &drbg);
    assert_true(n > 0);
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&w);
    *der = buf + cap - (size_t)n;
    return (size_t)n;
}

static uint8_t certbuf[8192];
static jpki_cert_info info;

static const char *name_utf8 = "\xE5\xB1\xB1\xE7\x94\xB0\xE3\x80\x80\xE8\x8A\xB1\xE5\xAD\x90"; /* 山田　花子 */
static const char *addr_utf8 = "\xE6\x9D\xB1\xE4\xBA\xAC\xE9\x83\xBD\xE5\x8D\x83\xE4\xBB\xA3"
                               "\xE7\x94\xB0\xE5\x8C\xBA\xE5\x8D\x83\xE4\xBB\xA3\xE7\x94\xB0"
                               "\x31\xE7\x95\xAA\x31\xE5\x8F\xB7"; /* 東京都千代田区千代田1番1号 */

static size_t make_sign_cert(uint8_t **der)
{
    san_item items[] = {{1, 0x0C, name_utf8}, {2, 0x0C, "substitute"}, {3, 0x13, "2"},
                        {4, 0x13, "19800402"}, {5, 0x0C, addr_utf8}};
    static uint8_t san[4096];
    size_t sl = make_san(san, items, 5);
    return make_cert(certbuf, sizeof certbuf, "0123456789ABCDEF", "20210115000000",
                     "20260131145959", san, sl, der);
}

static void parses_fields_and_jpki_names(void **state)
{
    (void)state;
    uint8_t *der;
    size_t n = make_sign_cert(&der);
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_cert_parse(der, n, &info, &e), JPKI_OK);
    assert_non_null(strstr(info.subject, "CN=0123456789AB"));
    assert_non_null(strstr(info.issuer, "OU=JPKI for digital signature"));
    assert_string_equal(info.serial_hex, "0123456789abcdef");
    assert_int_equal(info.key_bits, 2048);
    time_t nb, na;
    assert_int_equal(jpki_time_parse("2021-01-15T00:00:00Z", &nb, NULL), JPKI_OK);
    assert_int_equal(jpki_time_parse("2026-01-31T14:59:59Z", &na, NULL), JPKI_OK);
    assert_int_equal(info.not_before, nb);
    assert_int_equal(info.not_after, na);
    assert_string_equal(info.name, name_utf8);
    assert_string_equal(info.sex, "2");
    assert_string_equal(info.birth, "19800402");
    assert_string_equal(info.address, addr_utf8);
}

/* The validity from the first bytes only: 256 (one short READ BINARY) are
 * enough; a prefix ending before notAfter is refused, never misread. */
static void validity_from_a_prefix(void **state)
{
    (void)state;
    uint8_t *der;
    size_t n = make_sign_cert(&der);
    time_t nb = 0, na = 0, want_nb, want_na;
    assert_int_equal(jpki_time_parse("2021-01-15T00:00:00Z", &want_nb, NULL), JPKI_OK);
    assert_int_equal(jpki_time_parse("2026-01-31T14:59:59Z", &want_na, NULL), JPKI_OK);
    assert_true(n > 256);
    assert_int_equal(jpki_cert_validity_prefix(der, 256, &nb, &na, NULL), JPKI_OK);
    assert_int_equal(nb, want_nb);
    assert_int_equal(na, want_na);
    assert_int_equal(jpki_cert_validity_prefix(der, n, &nb, &na, NULL), JPKI_OK);
    assert_int_equal(na, want_na);
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_cert_validity_prefix(der, 40, &nb, &na, &e), JPKI_ERR_CARD_DATA);
    assert_non_null(strstr(e.message, "first 40 bytes"));
    static const uint8_t junk[] = {0x04, 0x03, 0x01, 0x02, 0x03};
    assert_int_equal(jpki_cert_validity_prefix(junk, sizeof junk, &nb, &na, NULL),
                     JPKI_ERR_CARD_DATA);
    assert_int_equal(jpki_cert_validity_prefix(NULL, 0, &nb, &na, NULL), JPKI_ERR_ARG);
}

static void pem_input(void **state)
{
    (void)state;
    uint8_t *der;
    size_t n = make_sign_cert(&der);
    static unsigned char pem[8192];
    size_t olen = 0;
    assert_int_equal(mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n",
                                              "-----END CERTIFICATE-----\n", der, n, pem,
                                              sizeof pem, &olen),
                     0);
    /* olen counts the NUL; give the parser only the text, as read from a file */
    assert_int_equal(jpki_cert_parse(pem, olen - 1, &info, NULL), JPKI_OK);
    assert_string_equal(info.serial_hex, "0123456789abcdef");
    assert_string_equal(info.birth, "19800402");
}

static void high_bit_serial_and_no_san(void **state)
{
    (void)state;
    uint8_t *der;
    size_t n = make_cert(certbuf, sizeof certbuf, "80FF01", "20200101000000", "20300101000000",
                         NULL, 0, &der);
    assert_int_equal(jpki_cert_parse(der, n, &info, NULL), JPKI_OK);
    assert_string_equal(info.serial_hex, "80ff01"); /* no DER sign byte */
    assert_string_equal(info.name, "");
    assert_string_equal(info.address, "");
}

static void foreign_other_names_are_ignored(void **state)
{
    (void)state;
    /* an otherName with OID 1.2.3.4, then a dNSName, then one JPKI name */
    uint8_t names[512], san[600];
    const uint8_t oid[] = {0x2A, 0x03, 0x04};
    uint8_t str[32], val[40], body[64];
    size_t sl = tlv(str, 0x0C, (const uint8_t *)"other", 5);
    size_t vl = tlv(val, 0xA0, str, sl);
    size_t bl = tlv(body, 0x06, oid, sizeof oid);
    memcpy(body + bl, val, vl);
    size_t len = tlv(names, 0xA0, body, bl + vl);
    len += tlv(names + len, 0x82, (const uint8_t *)"example.jp", 10);
    len += jpki_other_name(names + len, 1, 0x0C, "Hanako", 6);
    size_t sanlen = tlv(san, 0x30, names, len);
    uint8_t *der;
    size_t n = make_cert(certbuf, sizeof certbuf, "01", "20200101000000", "20300101000000", san,
                         sanlen, &der);
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_cert_parse(der, n, &info, &e), JPKI_OK);
    assert_string_equal(info.name, "Hanako");
}

static void oversized_or_hostile_names_are_refused(void **state)
{
    (void)state;
    char longaddr[700];
    memset(longaddr, 'A', sizeof longaddr - 1);
    longaddr[sizeof longaddr - 1] = '\0';
    san_item big[] = {{5, 0x0C, longaddr}};
    static uint8_t san[4096];
    size_t sl = make_san(san, big, 1);
    uint8_t *der;
    size_t n = make_cert(certbuf, sizeof certbuf, "02", "20200101000000", "20300101000000", san,
                         sl, &der);
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_cert_parse(der, n, &info, &e), JPKI_ERR_CERT);
    assert_non_null(strstr(e.message, "address"));
    assert_string_equal(info.subject, ""); /* nothing half-filled */
    san_item esc[] = {{1, 0x0C, "Evil\x1b[2JName"}};
    sl = make_san(san, esc, 1);
    n = make_cert(certbuf, sizeof certbuf, "03", "20200101000000", "20300101000000", san, sl, &der);
    assert_int_equal(jpki_cert_parse(der, n, &info, &e), JPKI_ERR_CERT);
    assert_non_null(strstr(e.message, "control"));
}

static void garbage_is_a_certificate_error(void **state)
{
    (void)state;
    jpki_error e;
    jpki_error_clear(&e);
    const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x05};
    assert_int_equal(jpki_cert_parse(junk, sizeof junk, &info, &e), JPKI_ERR_CERT);
    assert_null(strchr(e.message, '\n'));
    assert_int_equal(jpki_cert_parse(junk, 0, &info, &e), JPKI_ERR_CERT);
    uint8_t *der;
    size_t n = make_sign_cert(&der);
    assert_int_equal(jpki_cert_parse(der, n - 10, &info, &e), JPKI_ERR_CERT);
    const char *badpem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    assert_int_equal(jpki_cert_parse((const uint8_t *)badpem, strlen(badpem), &info, &e),
                     JPKI_ERR_CERT);
}

static void days_left_rounds_down(void **state)
{
    (void)state;
    jpki_cert_info c = {.not_after = 1000000};
    assert_int_equal(jpki_cert_days_left(&c, 1000000 - 10 * 86400), 10);
    assert_int_equal(jpki_cert_days_left(&c, 1000000 - 10 * 86400 + 1), 9);
    assert_int_equal(jpki_cert_days_left(&c, 1000000), 0);
    assert_int_equal(jpki_cert_days_left(&c, 1000001), -1);
    assert_int_equal(jpki_cert_days_left(&c, 1000000 + 86400), -1);
    assert_int_equal(jpki_cert_days_left(&c, 1000000 + 86401), -2);
}

static void time_format_and_parse(void **state)
{
    (void)state;
    char b[32];
    jpki_time_format(0, b, sizeof b);
    assert_string_equal(b, "1970-01-01T00:00:00Z");
    jpki_time_format(1743433199, b, sizeof b);
    assert_string_equal(b, "2025-03-31T14:59:59Z");
    time_t t;
    assert_int_equal(jpki_time_parse("2025-03-31T14:59:59Z", &t, NULL), JPKI_OK);
    assert_int_equal(t, 1743433199);
    assert_int_equal(jpki_time_parse("2025-03-31", &t, NULL), JPKI_OK);
    assert_int_equal(t, 1743379200);
    assert_int_equal(jpki_time_parse("@1743433199", &t, NULL), JPKI_OK);
    assert_int_equal(t, 1743433199);
    assert_int_equal(jpki_time_parse("@-5", &t, NULL), JPKI_OK);
    assert_int_equal(t, -5);
    assert_int_equal(jpki_time_parse("2024-02-29", &t, NULL), JPKI_OK);
    const char *bad[] = {"2025-02-29", "2025-13-01", "2025-00-10", "2025-03-32",
                         "2025-03-31T24:00:00Z", "2025-03-31T14:60:00Z", "2016-12-31T23:59:60Z", "2025-03-31T14:59:59",
                         "2025-03-31 ", "25-03-31", "@", "@12a", "@-", "", "2025/03/31",
                         "2025-03-31T14:59:59+24:00", "2025-03-31T14:59:59+09:60", "2025-03-31T14:59:59+0900",
                         "2025-03-31T14:59:59+09", "2025-02-29T00:00:00+09:00", "1900-02-29"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        jpki_error e;
        jpki_error_clear(&e);
        assert_int_equal(jpki_time_parse(bad[i], &t, &e), JPKI_ERR_FORMAT);
        assert_true(e.message[0] != '\0');
        assert_true(e.message_c[0] != '\0');
    }
    /* An offset from UTC: the same instant as the Z form. */
    assert_int_equal(jpki_time_parse("2025-03-31T23:59:59+09:00", &t, NULL), JPKI_OK);
    assert_int_equal(t, 1743433199);
    assert_int_equal(jpki_time_parse("2025-03-31T09:59:59-05:00", &t, NULL), JPKI_OK);
    assert_int_equal(t, 1743433199);
    assert_int_equal(jpki_time_parse("2025-04-01T00:00:00+00:00", &t, NULL), JPKI_OK);
    assert_int_equal(t, 1743465600);
}

/* Dates for people: local time (TZ), English without a catalog. */
static void time_format_human_local(void **state)
{
    (void)state;
    char b[64];
    setenv("TZ", "Asia/Tokyo", 1);
    tzset();
    jpki_time_format_human(1743433199, true, b, sizeof b);
    assert_string_equal(b, "2025-03-31 23:59:59 JST");
    jpki_time_format_human(1743433199, false, b, sizeof b);
    assert_string_equal(b, "2025-03-31");
    setenv("TZ", "UTC", 1);
    tzset();
    jpki_time_format_human(1743433199, true, b, sizeof b);
    assert_string_equal(b, "2025-03-31 14:59:59 UTC");
    /* Too small a buffer: the exact UTC form rather than a cut date. */
    char small[21];
    jpki_time_format_human(1743433199, true, small, sizeof small);
    assert_string_equal(small, "2025-03-31T14:59:59Z");
    unsetenv("TZ");
    tzset();
}

/* ---- distinguished names: exact UTF-8 with RFC 4514 escapes ---- */

/* One attribute value to put in a name: OID (DER content), string tag, value. */
typedef struct dn_attr {
    const char *oid;
    size_t oidlen;
    uint8_t tag;
    const char *v;
    size_t vlen;
} dn_attr;

#define AT(oid, tag, v) {oid, sizeof oid - 1, tag, v, sizeof v - 1}

static const char hanako_utf8[] = "\xE7\x95\xAA\xE5\x8F\xB7 \xE8\x8A\xB1\xE5\xAD\x90"; /* 番号 花子 */
static const char kaku_utf8[] = "\xE6\x9E\xB6\xE7\xA9\xBA\xE7\x9C\x8C";                /* 架空県 */
/* 番号 花子 as BMPString (UCS-2 big-endian) */
static const char hanako_bmp[] = "\x75\x6A\x53\xF7\x00\x20\x82\xB1\x5B\x50";

/* A certificate whose subject is exactly attrs (one RDN each, in order). */
static size_t make_named_cert(const dn_attr *attrs, size_t n, uint8_t **der)
{
    mbedtls_x509write_cert w;
    mbedtls_x509write_crt_init(&w);
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, &key);
    mbedtls_x509write_crt_set_issuer_key(&w, &key);
    assert_int_equal(mbedtls_x509write_crt_set_issuer_name(&w, "C=JP,O=JPKI"), 0);
    /* mbedTLS writes the list from its head backwards, and storing
     * prepends: store in encoded order. */
    for (size_t i = 0; i < n; i++) {
        mbedtls_asn1_named_data *d = mbedtls_asn1_store_named_data(
            &w.subject, attrs[i].oid, attrs[i].oidlen, (const unsigned char *)attrs[i].v,
            attrs[i].vlen);
        assert_non_null(d);
        d->val.tag = attrs[i].tag;
    }
    mbedtls_mpi serial;
    mbedtls_mpi_init(&serial);
    assert_int_equal(mbedtls_mpi_read_string(&serial, 16, "0A"), 0);
    assert_int_equal(mbedtls_x509write_crt_set_serial(&w, &serial), 0);
    assert_int_equal(mbedtls_x509write_crt_set_validity(&w, "20200101000000", "20300101000000"), 0);
    int len = mbedtls_x509write_crt_der(&w, certbuf, sizeof certbuf, mbedtls_ctr_drbg_random, &drbg);
    assert_true(len > 0);
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&w);
    *der = certbuf + sizeof certbuf - (size_t)len;
    return (size_t)len;
}

static void japanese_subject_utf8_is_kept(void **state)
{
    (void)state;
    dn_attr a[] = {AT(MBEDTLS_OID_AT_COUNTRY, 0x13, "JP"), AT(MBEDTLS_OID_AT_LOCALITY, 0x0C, kaku_utf8),
                   AT(MBEDTLS_OID_AT_CN, 0x0C, hanako_utf8)};
    uint8_t *der;
    size_t n = make_named_cert(a, 3, &der);
    assert_int_equal(jpki_cert_parse(der, n, &info, NULL), JPKI_OK);
    assert_string_equal(info.subject, "C=JP, L=\xE6\x9E\xB6\xE7\xA9\xBA\xE7\x9C\x8C, "
                                      "CN=\xE7\x95\xAA\xE5\x8F\xB7 \xE8\x8A\xB1\xE5\xAD\x90");
    assert_string_equal(info.issuer, "C=JP, O=JPKI");
}

static void japanese_subject_bmp_becomes_utf8(void **state)
{
    (void)state;
    dn_attr a[] = {AT(MBEDTLS_OID_AT_COUNTRY, 0x13, "JP"), AT(MBEDTLS_OID_AT_CN, 0x1E, hanako_bmp)};
    uint8_t *der;
    size_t n = make_named_cert(a, 2, &der);
    assert_int_equal(jpki_cert_parse(der, n, &info, NULL), JPKI_OK);
    assert_string_equal(info.subject, "C=JP, CN=\xE7\x95\xAA\xE5\x8F\xB7 \xE8\x8A\xB1\xE5\xAD\x90");
}

static void printable_and_special_characters_are_escaped(void **state)
{
    (void)state;
    dn_attr a[] = {AT(MBEDTLS_OID_AT_SERIAL_NUMBER, 0x13, "0123 4567"),
                   AT(MBEDTLS_OID_AT_ORGANIZATION, 0x0C, "Acme, Inc.+Co\x01<x>;\"q\"\\"),
                   AT(MBEDTLS_OID_AT_CN, 0x0C, "#lead and trail ")};
    uint8_t *der;
    size_t n = make_named_cert(a, 3, &der);
    assert_int_equal(jpki_cert_parse(der, n, &info, NULL), JPKI_OK);
    assert_string_equal(info.subject, "SERIALNUMBER=0123 4567, "
                                      "O=Acme\\, Inc.\\+Co\\01\\<x\\>\\;\\\"q\\\"\\\\, "
                                      "CN=\\#lead and trail\\ ");
}

/* DER Name from RDNs given as (count, attrs...) groups. */
static size_t make_name(uint8_t *out, const dn_attr *attrs, const size_t *per_rdn, size_t rdns)
{
    uint8_t body[1024], set[512], seq[256], inner[256];
    size_t bl = 0, k = 0;
    for (size_t r = 0; r < rdns; r++) {
        size_t sl = 0;
        for (size_t i = 0; i < per_rdn[r]; i++, k++) {
            size_t il = tlv(inner, 0x06, (const uint8_t *)attrs[k].oid, attrs[k].oidlen);
            il += tlv(inner + il, attrs[k].tag, (const uint8_t *)attrs[k].v, attrs[k].vlen);
            size_t ql = tlv(seq, 0x30, inner, il);
            memcpy(set + sl, seq, ql);
            sl += ql;
        }
        bl += tlv(body + bl, 0x31, set, sl);
    }
    return tlv(out, 0x30, body, bl);
}

static void string_types_and_bad_characters(void **state)
{
    (void)state;
    dn_attr a[] = {
        AT(MBEDTLS_OID_AT_CN, 0x14, "M\xFCller"),                /* Teletex as Latin-1 */
        AT(MBEDTLS_OID_AT_CN, 0x1C, "\x00\x01\xF6\x00"),         /* UniversalString U+1F600 */
        AT(MBEDTLS_OID_AT_CN, 0x0C, "a\xFF" "b\xED\xA0\x80" "c"), /* bad byte, UTF-8 surrogate */
        AT(MBEDTLS_OID_AT_CN, 0x1E, "\xD8\x00\x00" "A\x00"),     /* lone BMP surrogate, torn unit */
        AT(MBEDTLS_OID_AT_CN, 0x13, "x\xC3\xA9"),                /* 8-bit in PrintableString */
        AT(MBEDTLS_OID_AT_CN, 0x0C, "\xC0\xAF"),                 /* overlong '/' */
        AT("\x2A\x03\x04", 0x13, "x"),                           /* unknown OID 1.2.3.4 */
    };
    size_t per[] = {1, 1, 1, 1, 1, 1, 1};
    uint8_t name[1024];
    size_t n = make_name(name, a, per, 7);
    char out[512];
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_dn_format(name, n, out, sizeof out, &e), JPKI_OK);
    assert_string_equal(out, "CN=M\xC3\xBCller, CN=\xF0\x9F\x98\x80, CN=a\\FFb\\ED\\A0\\80c, "
                             "CN=\\D8\\00A\\00, CN=x\\C3\\A9, CN=\\C0\\AF, 1.2.3.4=#130178");
}

static void multi_valued_rdn_and_limits(void **state)
{
    (void)state;
    dn_attr a[] = {AT(MBEDTLS_OID_AT_COUNTRY, 0x13, "JP"), AT(MBEDTLS_OID_AT_ORG_UNIT, 0x0C, "a"),
                   AT(MBEDTLS_OID_AT_CN, 0x0C, "b")};
    size_t per[] = {1, 2};
    uint8_t name[256];
    size_t n = make_name(name, a, per, 2);
    char out[64];
    assert_int_equal(jpki_dn_format(name, n, out, sizeof out, NULL), JPKI_OK);
    assert_string_equal(out, "C=JP, OU=a + CN=b");
    jpki_error e;
    jpki_error_clear(&e);
    /* "C=JP, OU=a + CN=b" is 17 bytes: 17 do not fit with the NUL */
    assert_int_equal(jpki_dn_format(name, n, out, 17, &e), JPKI_ERR_CERT);
    assert_string_equal(out, "");
    assert_non_null(strstr(e.message, "too long"));
    assert_int_equal(jpki_dn_format(name, n, out, 18, NULL), JPKI_OK);
    assert_int_equal(jpki_dn_format(name, n - 1, out, sizeof out, &e), JPKI_ERR_CERT);
    const uint8_t empty[] = {0x30, 0x00};
    assert_int_equal(jpki_dn_format(empty, sizeof empty, out, sizeof out, NULL), JPKI_OK);
    assert_string_equal(out, "");
}

static void other_names_decoded_per_string_type(void **state)
{
    (void)state;
    san_item items[] = {{5, 0x0C, "\xE6\x9E\xB6\xE7\xA9\xBA\xE7\x9C\x8C\xFF"}, {4, 0x13, "19800402"}};
    uint8_t names[1024];
    size_t len = jpki_other_name(names, 1, 0x1E, hanako_bmp, sizeof hanako_bmp - 1);
    for (size_t i = 0; i < 2; i++)
        len += jpki_other_name(names + len, items[i].arc, items[i].tag, items[i].s,
                               strlen(items[i].s));
    static uint8_t san[1200];
    size_t sl = tlv(san, 0x30, names, len);
    uint8_t *der;
    size_t n = make_cert(certbuf, sizeof certbuf, "04", "20200101000000", "20300101000000", san,
                         sl, &der);
    assert_int_equal(jpki_cert_parse(der, n, &info, NULL), JPKI_OK);
    assert_string_equal(info.name, hanako_utf8);            /* BMPString -> UTF-8 */
    assert_string_equal(info.address, "\xE6\x9E\xB6\xE7\xA9\xBA\xE7\x9C\x8C\\FF"); /* bad byte kept */
    assert_string_equal(info.birth, "19800402");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_fields_and_jpki_names),
        cmocka_unit_test(pem_input),
        cmocka_unit_test(validity_from_a_prefix),
        cmocka_unit_test(high_bit_serial_and_no_san),
        cmocka_unit_test(foreign_other_names_are_ignored),
        cmocka_unit_test(oversized_or_hostile_names_are_refused),
        cmocka_unit_test(garbage_is_a_certificate_error),
        cmocka_unit_test(days_left_rounds_down),
        cmocka_unit_test(time_format_and_parse),
        cmocka_unit_test(time_format_human_local),
        cmocka_unit_test(japanese_subject_utf8_is_kept),
        cmocka_unit_test(japanese_subject_bmp_becomes_utf8),
        cmocka_unit_test(printable_and_special_characters_are_escaped),
        cmocka_unit_test(string_types_and_bad_characters),
        cmocka_unit_test(multi_valued_rdn_and_limits),
        cmocka_unit_test(other_names_decoded_per_string_type),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
