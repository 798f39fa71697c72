/* Differential test of the fast PEM decoder (lib/pem_canonical.c) against
 * mbedTLS's, which stays the rule: on every block -- canonical ones of each
 * padding length and thousands of one-character mutations of them -- the
 * fast decoder either declines or yields exactly mbedTLS's bytes, and it
 * does not decline the canonical shape (or it would be no fast path). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <mbedtls/pem.h>

#include "../cert_internal.h"

static char pem[8192];
static uint8_t der_fast[8192];

/* mbedTLS's answer for text (NUL-terminated as it wants): 0 and the bytes, or its error. */
static int mbedtls_decode(const char *text, uint8_t *out, size_t *olen)
{
    mbedtls_pem_context ctx;
    size_t used = 0;
    mbedtls_pem_init(&ctx);
    int r = mbedtls_pem_read_buffer(&ctx, "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----",
                                    (const unsigned char *)text, NULL, 0, &used);
    if (r == 0) {
        memcpy(out, ctx.buf, ctx.buflen);
        *olen = ctx.buflen;
    }
    mbedtls_pem_free(&ctx);
    return r;
}

/* The invariant on one block; returns whether the fast path took it. */
static bool agree(const char *text, size_t len)
{
    static uint8_t der_ref[8192];
    static char z[8200];
    size_t fast_len = 0, ref_len = 0;
    bool fast = jpki_pem_cert_canonical((const uint8_t *)text, len, der_fast, sizeof der_fast,
                                        &fast_len);
    memcpy(z, text, len);
    z[len] = '\0';
    int r = mbedtls_decode(z, der_ref, &ref_len);
    if (fast) {
        assert_int_equal(r, 0);
        assert_int_equal(fast_len, ref_len);
        assert_memory_equal(der_fast, der_ref, ref_len);
    }
    return fast;
}

static size_t make_block(size_t der_len)
{
    uint8_t der[2048];
    for (size_t i = 0; i < der_len; i++)
        der[i] = (uint8_t)(i * 131 + 7);
    size_t olen = 0;
    assert_int_equal(mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n",
                                              "-----END CERTIFICATE-----\n", der, der_len,
                                              (unsigned char *)pem, sizeof pem, &olen),
                     0);
    return olen - 1; /* olen counts the NUL */
}

static void canonical_blocks_take_the_fast_path(void **state)
{
    (void)state;
    /* 1000, 1001, 1002 bytes: no padding, "==", "=" */
    for (size_t n = 1000; n < 1003; n++) {
        size_t len = make_block(n);
        assert_true(agree(pem, len));
    }
}

static void mutations_decline_or_agree(void **state)
{
    (void)state;
    static const char subst[] = {'A', '/', '+', '=', ' ', '\r', '\n', '-', ':', '\0', '\x80', 'z'};
    static char m[8192];
    unsigned long declined = 0, taken = 0;
    for (size_t n = 1000; n < 1003; n++) {
        size_t len = make_block(n);
        for (size_t i = 0; i < len; i++) {
            for (size_t k = 0; k < sizeof subst; k++) {
                memcpy(m, pem, len);
                m[i] = subst[k];
                agree(m, len) ? taken++ : declined++;
            }
            /* drop the character: line lengths and quanta shift */
            memcpy(m, pem, i);
            memcpy(m + i, pem + i + 1, len - i - 1);
            agree(m, len - 1) ? taken++ : declined++;
        }
    }
    /* Both roads were exercised. */
    assert_true(taken > 0);
    assert_true(declined > 0);
}

static void hostile_shapes_are_declined(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----",
        "-----BEGIN CERTIFICATE-----\nQUJD-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nQQ==QUJD\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nQR==\n-----END CERTIFICATE-----\n", /* pad bits set */
        "-----BEGIN CERTIFICATE-----\n====\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\nQUJ\n-----END CERTIFICATE-----\n",
        "-----BEGIN CERTIFICATE-----\r\nQUJD\r\n-----END CERTIFICATE-----\r\n",
        "-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\nQUJD\n-----END CERTIFICATE-----\n",
    };
    size_t len;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(jpki_pem_cert_canonical((const uint8_t *)bad[i], strlen(bad[i]), der_fast,
                                             sizeof der_fast, &len));
        agree(bad[i], strlen(bad[i]));
    }
    /* and a block whose output would not fit is declined, not overrun */
    size_t plen = make_block(1000);
    assert_false(jpki_pem_cert_canonical((const uint8_t *)pem, plen, der_fast, 999, &len));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(canonical_blocks_take_the_fast_path),
        cmocka_unit_test(mutations_decline_or_agree),
        cmocka_unit_test(hostile_shapes_are_declined),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
