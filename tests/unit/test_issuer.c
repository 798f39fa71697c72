/* Client side of the issuance profile (lib/issuer_*.c), over the in-process
 * transport, against two cards:
 *  - the virtual card's engine (jpki-card-sim, linked in): the real
 *    protocol end to end -- authentication, status, key generation via
 *    GET RESPONSE, certificate write + ACTIVATE, PIN resets, face mode;
 *  - a small scripted fake card in this file for what the engine never
 *    does: malformed answers, a card that fails to prove the issuer key,
 *    odd status words.  It checks the MUTUAL AUTHENTICATE MAC for real and
 *    records what reaches it, so tests can assert that nothing was sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <mbedtls/cipher.h>
#include <mbedtls/cmac.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/rsa.h>

#include "engine.h"
#include "jpki/jpki.h"
#include "pubkey_test_util.h"
#include "testca.h"

/* ------------------------------------------------------------------ */
/* The fake card                                                       */

static const uint8_t test_key[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                     0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF};

typedef struct fake_card {
    uint8_t key[16];
    bool issuer;              /* issuer session open */
    bool have_challenge;
    uint8_t challenge[8];
    bool corrupt_card_mac;    /* answer MUTUAL AUTHENTICATE with a wrong MAC */
    int selected_app;         /* 0 none, 1 JPKI, 2 other */
    uint16_t ef;
    /* scripted answers */
    uint8_t status[64];
    size_t status_len;
    uint8_t pubkey[1200];     /* GENERATE / read answer */
    size_t pubkey_len;
    uint16_t genkey_sw;       /* 0 = answer with pubkey */
    uint8_t genkey_p1;        /* P1 of the last GENERATE ASYMMETRIC KEY PAIR */
    uint16_t activate_sw;
    uint16_t reset_sw;
    /* pending GET RESPONSE data */
    uint8_t out[1200];
    size_t out_len, out_off;
    /* what reached the card */
    int apdus;
    uint8_t last_ins;
    uint8_t last_p1;
    uint8_t last_data[300];
    size_t last_nc;
    uint8_t cert[4096];
    size_t cert_len;
    int update_count;
    bool activated;
    bool removed;             /* every transmit fails as a pulled card */
} fake_card;

static size_t sw_only(uint8_t *r, uint16_t sw)
{
    r[0] = (uint8_t)(sw >> 8);
    r[1] = (uint8_t)sw;
    return 2;
}

static void cmac(const uint8_t key[16], uint8_t tag, const uint8_t *a, const uint8_t *b,
                 uint8_t out[16])
{
    uint8_t m[17];
    m[0] = tag;
    memcpy(m + 1, a, 8);
    memcpy(m + 9, b, 8);
    assert_int_equal(mbedtls_cipher_cmac(mbedtls_cipher_info_from_type(MBEDTLS_CIPHER_AES_128_ECB),
                                         key, 128, m, sizeof m, out),
                     0);
}

/* Send up to le bytes of the pending output, 61xx while more remain. */
static size_t give_out(fake_card *f, size_t le, uint8_t *r)
{
    size_t left = f->out_len - f->out_off;
    size_t n = left < le ? left : le;
    memcpy(r, f->out + f->out_off, n);
    f->out_off += n;
    left -= n;
    if (left == 0)
        return n + sw_only(r + n, 0x9000);
    return n + sw_only(r + n, (uint16_t)(0x6100 | (left > 255 ? 0 : left)));
}

static size_t fake_handler(void *ctx, const uint8_t *c, size_t clen, uint8_t *r, size_t rcap)
{
    fake_card *f = ctx;
    (void)rcap;
    if (f->removed)
        return 0;
    jpki_apdu a;
    if (jpki_apdu_parse(c, clen, &a, NULL) != JPKI_OK)
        return sw_only(r, 0x6700);
    f->apdus++;
    f->last_ins = a.ins;
    f->last_p1 = a.p1;
    f->last_nc = a.nc < sizeof f->last_data ? a.nc : sizeof f->last_data;
    if (a.nc)
        memcpy(f->last_data, a.data, f->last_nc);
    size_t le = a.ne == 0 ? 256 : a.ne;

    switch (a.ins) {
    case JPKI_INS_SELECT:
        if (a.p1 == 4) {
            static const uint8_t jpki[] = {JPKI_AID_JPKI};
            f->selected_app = a.nc == sizeof jpki && !memcmp(a.data, jpki, a.nc) ? 1 : 2;
            f->ef = 0;
        } else {
            f->ef = (uint16_t)(a.data[0] << 8 | a.data[1]);
        }
        return sw_only(r, 0x9000);
    case JPKI_INS_GET_RESPONSE:
        return give_out(f, le, r);
    case JPKI_INS_GET_CHALLENGE:
        for (int i = 0; i < 8; i++)
            f->challenge[i] = (uint8_t)(0xA0 + i * 7 + f->apdus);
        f->have_challenge = true;
        memcpy(r, f->challenge, 8);
        return 8 + sw_only(r + 8, 0x9000);
    case JPKI_INS_MUTUAL_AUTH: {
        if (!f->have_challenge)
            return sw_only(r, 0x6985);
        f->have_challenge = false;
        uint8_t want[16];
        cmac(f->key, JPKI_MUTUAL_TAG_HOST, f->challenge, a.data, want);
        if (a.nc != 24 || memcmp(want, a.data + 8, 16) != 0)
            return sw_only(r, 0x6300);
        f->issuer = true;
        cmac(f->key, JPKI_MUTUAL_TAG_CARD, a.data, f->challenge, r);
        if (f->corrupt_card_mac)
            r[3] ^= 1;
        return 16 + sw_only(r + 16, 0x9000);
    }
    case JPKI_INS_GET_DATA:
        memcpy(r, f->status, f->status_len);
        return f->status_len + sw_only(r + f->status_len, 0x9000);
    case JPKI_INS_GEN_KEYPAIR:
        f->genkey_p1 = a.p1;
        if (!f->issuer)
            return sw_only(r, 0x6982);
        if (f->genkey_sw)
            return sw_only(r, f->genkey_sw);
        memcpy(f->out, f->pubkey, f->pubkey_len);
        f->out_len = f->pubkey_len;
        f->out_off = 0;
        return sw_only(r, 0x6100);
    case JPKI_INS_UPDATE_BINARY: {
        if (!f->issuer)
            return sw_only(r, 0x6982);
        size_t off = (size_t)a.p1 << 8 | a.p2;
        if (off != f->cert_len || off + a.nc > sizeof f->cert)
            return sw_only(r, 0x6B00);
        memcpy(f->cert + off, a.data, a.nc);
        f->cert_len += a.nc;
        f->update_count++;
        return sw_only(r, 0x9000);
    }
    case JPKI_INS_ACTIVATE_FILE:
        if (!f->issuer)
            return sw_only(r, 0x6982);
        if (f->activate_sw)
            return sw_only(r, f->activate_sw);
        f->activated = true;
        return sw_only(r, 0x9000);
    case JPKI_INS_RESET_RETRY:
    case JPKI_INS_DISABLE_VERIF:
    case JPKI_INS_ENABLE_VERIF:
        if (!f->issuer)
            return sw_only(r, 0x6982);
        return sw_only(r, f->reset_sw ? f->reset_sw : 0x9000);
    default:
        return sw_only(r, 0x6D00);
    }
}

typedef struct fixture {
    fake_card f;
    jpki_transport *t;
    jpki_card *card;
    jpki_issuer_key key;
    jpki_error err;
} fixture;

static int setup(void **state)
{
    fixture *x = calloc(1, sizeof *x);
    assert_non_null(x);
    memcpy(x->f.key, test_key, 16);
    memcpy(x->key.key, test_key, 16);
    const uint8_t atr[] = {JPKI_ATR};
    assert_int_equal(jpki_mem_transport_new(fake_handler, &x->f, atr, sizeof atr, &x->t, NULL),
                     JPKI_OK);
    assert_int_equal(jpki_card_new(x->t, &x->card, NULL), JPKI_OK);
    jpki_error_clear(&x->err);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fixture *x = *state;
    jpki_card_free(x->card);
    jpki_transport_close(x->t);
    free(x);
    return 0;
}

static void authenticate(fixture *x)
{
    assert_int_equal(jpki_issuer_authenticate(x->card, &x->key, &x->err), JPKI_OK);
    assert_true(x->f.issuer);
}

static void set_secret(jpki_secret *s, const char *v)
{
    memset(s, 0, sizeof *s);
    s->len = strlen(v);
    memcpy(s->buf, v, s->len);
}

/* ------------------------------------------------------------------ */
/* Issuer key files and fds                                            */

static char *write_temp(const char *text, mode_t mode)
{
    char *path = strdup("/tmp/jpki-test-issuer-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

static void key_file_with_comments(void **state)
{
    (void)state;
    char *p = write_temp("# issuer key of the test card\n\n  00112233445566778899aabbccddEEFF  \n",
                         0600);
    jpki_issuer_key k;
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_issuer_key_load_file(p, &k, &e), JPKI_OK);
    assert_memory_equal(k.key, test_key, 16);
    jpki_issuer_key_wipe(&k);
    uint8_t zero[16] = {0};
    assert_memory_equal(k.key, zero, 16);
    unlink(p);
    free(p);
}

static void key_file_refused_when_group_readable(void **state)
{
    (void)state;
    char *p = write_temp("00112233445566778899aabbccddeeff\n", 0640);
    jpki_issuer_key k;
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_issuer_key_load_file(p, &k, &e), JPKI_ERR_ARG);
    assert_non_null(strstr(e.message, "0640"));
    assert_int_equal(chmod(p, 0604), 0);
    assert_int_equal(jpki_issuer_key_load_file(p, &k, &e), JPKI_ERR_ARG);
    unlink(p);
    free(p);
}

static void key_file_malformed(void **state)
{
    (void)state;
    const char *bad[] = {
        "0011223344556677\n",                               /* too short */
        "00112233445566778899aabbccddeeff00\n",             /* too long */
        "00112233445566778899aabbccddeefg\n",               /* not hex */
        "00112233445566778899aabbccddeeff trailing\n",      /* junk after */
        "# only a comment\n\n",                             /* no key */
        "",                                                 /* empty */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *p = write_temp(bad[i], 0600);
        jpki_issuer_key k;
        jpki_error e;
        jpki_error_clear(&e);
        assert_int_equal(jpki_issuer_key_load_file(p, &k, &e), JPKI_ERR_FORMAT);
        assert_true(strlen(e.message) > 0);
        assert_null(strchr(e.message, '\n'));
        unlink(p);
        free(p);
    }
    jpki_issuer_key k;
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_issuer_key_load_file("/nonexistent/issuer.key", &k, &e), JPKI_ERR_IO);
}

static void key_fd_leaves_rest_unread(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    const char *text = "#k\n00112233445566778899AABBCCDDEEFF\nNEXT\n";
    assert_int_equal(write(p[1], text, strlen(text)), (ssize_t)strlen(text));
    close(p[1]);
    jpki_issuer_key k;
    assert_int_equal(jpki_issuer_key_load_fd(p[0], &k, NULL), JPKI_OK);
    assert_memory_equal(k.key, test_key, 16);
    char rest[8] = {0};
    assert_int_equal(read(p[0], rest, sizeof rest - 1), 5);
    assert_string_equal(rest, "NEXT\n");
    close(p[0]);
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_issuer_key_load_fd(-1, &k, &e), JPKI_ERR_ARG);
}

/* ------------------------------------------------------------------ */
/* Mutual authentication                                               */

static void authenticate_ok(void **state)
{
    fixture *x = *state;
    authenticate(x);
    assert_int_equal(x->f.last_ins, JPKI_INS_MUTUAL_AUTH);
    assert_int_equal(x->f.last_nc, 24);
}

static void authenticate_wrong_key(void **state)
{
    fixture *x = *state;
    x->key.key[0] ^= 0x80;
    assert_int_equal(jpki_issuer_authenticate(x->card, &x->key, &x->err), JPKI_ERR_AUTH);
    assert_int_equal(x->err.sw, 0x6300);
    assert_false(x->f.issuer);
}

static void authenticate_rejects_card_mac(void **state)
{
    fixture *x = *state;
    x->f.corrupt_card_mac = true;
    assert_int_equal(jpki_issuer_authenticate(x->card, &x->key, &x->err), JPKI_ERR_AUTH);
    assert_non_null(strstr(x->err.message, "does not prove"));
}

static void authenticate_card_removed(void **state)
{
    fixture *x = *state;
    x->f.removed = true;
    jpki_rc rc = jpki_issuer_authenticate(x->card, &x->key, &x->err);
    assert_int_not_equal(rc, JPKI_OK);
    assert_false(x->f.issuer);
}

/* ------------------------------------------------------------------ */
/* Issuance status                                                     */

static void set_status(fake_card *f, const uint8_t *b, size_t n)
{
    memcpy(f->status, b, n);
    f->status_len = n;
}

static void status_parsed(void **state)
{
    fixture *x = *state;
    const uint8_t s[] = {0xDF, 0x30, 0x0C, 0x01, 0x05, 0x01, 0x23, 0x06, 0x9A,
                         0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    set_status(&x->f, s, sizeof s);
    jpki_issuance_status st;
    assert_int_equal(jpki_issuance_status_get(x->card, &st, &x->err), JPKI_OK);
    assert_true(st.face_mode);
    assert_true(st.key[JPKI_KEY_AUTH].active);
    assert_false(st.key[JPKI_KEY_AUTH].pending);
    assert_true(st.key[JPKI_KEY_AUTH].pending_cert);
    assert_int_equal(st.key[JPKI_KEY_AUTH].pending_cert_len, 0x123);
    assert_int_equal(st.key[JPKI_KEY_AUTH].active_cert_len, 0x69A);
    assert_false(st.key[JPKI_KEY_SIGN].active);
    assert_int_equal(st.key[JPKI_KEY_SIGN].active_cert_len, 0);
}

static void status_non_minimal_length(void **state)
{
    fixture *x = *state;
    const uint8_t s[] = {0xDF, 0x30, 0x82, 0x00, 0x0C, 0x00, 0x03, 0x00, 0x00, 0x06, 0x00,
                         0x01, 0x00, 0x00, 0x05, 0xF0, 0x00};
    set_status(&x->f, s, sizeof s);
    jpki_issuance_status st;
    assert_int_equal(jpki_issuance_status_get(x->card, &st, &x->err), JPKI_OK);
    assert_false(st.face_mode);
    assert_true(st.key[JPKI_KEY_AUTH].pending);
    assert_true(st.key[JPKI_KEY_SIGN].active);
    assert_int_equal(st.key[JPKI_KEY_SIGN].active_cert_len, 0x5F0);
}

static void status_malformed(void **state)
{
    fixture *x = *state;
    static const struct {
        uint8_t b[20];
        size_t n;
    } bad[] = {
        {{0xDF}, 1},                                                      /* truncated tag */
        {{0xDF, 0x31, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 15},     /* wrong tag */
        {{0xDF, 0x30, 0x0B, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 14},        /* too short */
        {{0xDF, 0x30, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 13},           /* length lies */
        {{0xDF, 0x30, 0x0C, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 16},  /* trailing byte */
        {{0xDF, 0x30, 0x0C, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 15},     /* unknown mode */
        {{0xDF, 0x30, 0x0C, 0, 1, 0x10, 0x01, 0, 0, 0, 0, 0, 0, 0, 0}, 15}, /* 4097 bytes */
        {{0xDF, 0x30, 0x85, 0, 0, 0, 0, 0x0C}, 8},                        /* 5 length bytes */
        {{0xDF, 0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF}, 7},                  /* huge length */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        set_status(&x->f, bad[i].b, bad[i].n);
        jpki_issuance_status st;
        jpki_error_clear(&x->err);
        assert_int_equal(jpki_issuance_status_get(x->card, &st, &x->err), JPKI_ERR_CARD_DATA);
    }
}

/* ------------------------------------------------------------------ */
/* Key generation                                                      */

static mbedtls_rsa_context *test_rsa(void)
{
    static mbedtls_rsa_context rsa;
    static bool made;
    if (!made) {
        mbedtls_entropy_context ent;
        mbedtls_ctr_drbg_context drbg;
        mbedtls_entropy_init(&ent);
        mbedtls_ctr_drbg_init(&drbg);
        assert_int_equal(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, NULL, 0), 0);
        mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V15, 0);
        assert_int_equal(mbedtls_rsa_gen_key(&rsa, mbedtls_ctr_drbg_random, &drbg, 2048, 65537), 0);
        mbedtls_ctr_drbg_free(&drbg);
        mbedtls_entropy_free(&ent);
        made = true;
    }
    return &rsa;
}

/* 7F49 with the non-minimal lengths the real card likes (82 00 xx where
 * 81 xx would do), and a leading zero on the modulus. */
static void script_pubkey(fake_card *f, bool non_minimal)
{
    uint8_t n[257] = {0}, e[3];
    mbedtls_rsa_context *rsa = test_rsa();
    assert_int_equal(mbedtls_rsa_export_raw(rsa, n + 1, 256, NULL, 0, NULL, 0, NULL, 0, e, 3), 0);
    uint8_t inner[300];
    size_t k = 0;
    inner[k++] = 0x81;
    inner[k++] = 0x82;
    inner[k++] = 0x01;
    inner[k++] = 0x01; /* 257 */
    memcpy(inner + k, n, 257);
    k += 257;
    inner[k++] = 0x82;
    if (non_minimal) {
        inner[k++] = 0x82;
        inner[k++] = 0x00;
    }
    inner[k++] = 0x03;
    memcpy(inner + k, e, 3);
    k += 3;
    size_t o = 0;
    f->pubkey[o++] = 0x7F;
    f->pubkey[o++] = 0x49;
    if (non_minimal) {
        f->pubkey[o++] = 0x83;
        f->pubkey[o++] = 0x00;
    } else {
        f->pubkey[o++] = 0x82;
    }
    f->pubkey[o++] = (uint8_t)(k >> 8);
    f->pubkey[o++] = (uint8_t)k;
    memcpy(f->pubkey + o, inner, k);
    f->pubkey_len = o + k;
}

static void keypair_generate_via_get_response(void **state)
{
    fixture *x = *state;
    script_pubkey(&x->f, true);
    assert_true(x->f.pubkey_len > 256);
    authenticate(x);
    jpki_pubkey *pub = jpki_pubkey_new(), *want = test_pubkey_of_rsa(test_rsa());
    assert_non_null(pub);
    assert_non_null(want);
    assert_int_equal(jpki_keypair_pending(x->card, JPKI_KEY_SIGN, true, pub, &x->err), JPKI_OK);
    assert_int_equal(x->f.ef, JPKI_EF_SIGN_KEY);
    assert_int_equal(x->f.genkey_p1, JPKI_GENKEY_P1_GENERATE);
    assert_true(jpki_pubkey_equal(pub, want));
    jpki_pubkey_free(want);

    script_pubkey(&x->f, false);
    assert_int_equal(jpki_keypair_pending(x->card, JPKI_KEY_AUTH, false, pub, &x->err), JPKI_OK);
    assert_int_equal(x->f.genkey_p1, JPKI_GENKEY_P1_READ);
    assert_int_equal(x->f.last_ins, JPKI_INS_GET_RESPONSE);
    assert_int_equal(x->f.ef, JPKI_EF_AUTH_KEY);
    assert_int_equal(jpki_pubkey_bits(pub), 2048);
    jpki_pubkey_free(pub);
}

static void keypair_errors(void **state)
{
    fixture *x = *state;
    jpki_pubkey *pub = jpki_pubkey_new();
    assert_non_null(pub);
    script_pubkey(&x->f, false);
    /* No issuer session. */
    assert_int_equal(jpki_keypair_pending(x->card, JPKI_KEY_AUTH, true, pub, &x->err),
                     JPKI_ERR_AUTH);
    assert_int_equal(jpki_pubkey_bits(pub), 0); /* emptied on error */
    authenticate(x);
    x->f.genkey_sw = 0x6A88;
    assert_int_equal(jpki_keypair_pending(x->card, JPKI_KEY_AUTH, false, pub, &x->err),
                     JPKI_ERR_NOT_FOUND);
    assert_int_equal(jpki_pubkey_bits(pub), 0); /* emptied on error */
    x->f.genkey_sw = 0;

    /* Malformed answers. */
    x->f.pubkey[1] = 0x48; /* wrong outer tag */
    assert_int_equal(jpki_keypair_pending(x->card, JPKI_KEY_AUTH, true, pub, &x->err),
                     JPKI_ERR_CARD_DATA);
    assert_int_equal(jpki_pubkey_bits(pub), 0); /* emptied on error */
    script_pubkey(&x->f, false);
    x->f.pubkey_len -= 1; /* outer length lies */
    assert_int_equal(jpki_keypair_pending(x->card, JPKI_KEY_AUTH, true, pub, &x->err),
                     JPKI_ERR_CARD_DATA);
    assert_int_equal(jpki_pubkey_bits(pub), 0); /* emptied on error */
    const uint8_t tiny[] = {0x7F, 0x49, 0x08, 0x81, 0x02, 0x00, 0xC5, 0x82, 0x02, 0x01, 0x01};
    memcpy(x->f.pubkey, tiny, sizeof tiny);
    x->f.pubkey_len = sizeof tiny;
    assert_int_equal(jpki_keypair_pending(x->card, JPKI_KEY_AUTH, true, pub, &x->err),
                     JPKI_ERR_CARD_DATA);
    assert_int_equal(jpki_pubkey_bits(pub), 0); /* emptied on error */
    const uint8_t no_exp[] = {0x7F, 0x49, 0x04, 0x81, 0x02, 0x00, 0xC5};
    memcpy(x->f.pubkey, no_exp, sizeof no_exp);
    x->f.pubkey_len = sizeof no_exp;
    assert_int_equal(jpki_keypair_pending(x->card, JPKI_KEY_AUTH, true, pub, &x->err),
                     JPKI_ERR_CARD_DATA);
    assert_int_equal(jpki_pubkey_bits(pub), 0); /* emptied on error */
    jpki_pubkey_free(pub);
}

/* ------------------------------------------------------------------ */
/* Certificate write and activation                                    */

static void cert_write_in_chunks(void **state)
{
    fixture *x = *state;
    authenticate(x);
    uint8_t der[1700];
    for (size_t i = 0; i < sizeof der; i++)
        der[i] = (uint8_t)(i * 31 + 7);
    assert_int_equal(jpki_cert_write_pending(x->card, JPKI_KEY_AUTH, der, sizeof der, &x->err),
                     JPKI_OK);
    assert_int_equal(x->f.ef, JPKI_EF_AUTH_CERT);
    assert_int_equal(x->f.cert_len, sizeof der);
    assert_memory_equal(x->f.cert, der, sizeof der);
    assert_true(x->f.update_count >= 7); /* short APDUs only */
    assert_int_equal(jpki_cert_activate(x->card, JPKI_KEY_AUTH, &x->err), JPKI_OK);
    assert_true(x->f.activated);
}

static void cert_write_errors(void **state)
{
    fixture *x = *state;
    static uint8_t big[JPKI_CERT_MAX + 1];
    int before = x->f.apdus;
    assert_int_equal(jpki_cert_write_pending(x->card, JPKI_KEY_SIGN, big, sizeof big, &x->err),
                     JPKI_ERR_LIMIT);
    assert_int_equal(x->f.apdus, before); /* refused before any card traffic */
    assert_int_equal(jpki_cert_write_pending(x->card, JPKI_KEY_SIGN, big, 100, &x->err),
                     JPKI_ERR_AUTH);
    assert_int_equal(x->err.sw, 0x6982);
    assert_int_equal(jpki_cert_activate(x->card, JPKI_KEY_SIGN, &x->err), JPKI_ERR_AUTH);
    authenticate(x);
    x->f.activate_sw = 0x6A80;
    assert_int_equal(jpki_cert_activate(x->card, JPKI_KEY_SIGN, &x->err), JPKI_ERR_CERT);
    assert_int_equal(x->f.ef, JPKI_EF_SIGN_CERT);
    x->f.activate_sw = 0x6985;
    assert_int_equal(jpki_cert_activate(x->card, JPKI_KEY_SIGN, &x->err), JPKI_ERR_STATE);
    assert_false(x->f.activated);
}

/* ------------------------------------------------------------------ */
/* PIN reset and face mode                                             */

static void pin_reset_new_and_unblock(void **state)
{
    fixture *x = *state;
    authenticate(x);
    jpki_secret pin;
    set_secret(&pin, "4821");
    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_REGISTRY, &pin, &x->err), JPKI_OK);
    assert_int_equal(x->f.last_ins, JPKI_INS_RESET_RETRY);
    assert_int_equal(x->f.last_p1, JPKI_RESET_P1_NEW_PIN);
    assert_int_equal(x->f.ef, JPKI_EF_REGISTRY_PIN);
    assert_int_equal(x->f.selected_app, 2);
    assert_int_equal(x->f.last_nc, 4);
    assert_memory_equal(x->f.last_data, "4821", 4);

    set_secret(&pin, "NEWPASS42");
    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_SIGN, &pin, &x->err), JPKI_OK);
    assert_int_equal(x->f.ef, JPKI_EF_SIGN_PIN);
    assert_int_equal(x->f.selected_app, 1);
    assert_memory_equal(x->f.last_data, "NEWPASS42", 9);

    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_AUTH, NULL, &x->err), JPKI_OK);
    assert_int_equal(x->f.last_p1, JPKI_RESET_P1_UNBLOCK);
    assert_int_equal(x->f.last_nc, 0);
    assert_int_equal(x->f.ef, JPKI_EF_AUTH_PIN);
    jpki_secret_wipe(&pin);
}

static void pin_reset_refused_before_card(void **state)
{
    fixture *x = *state;
    authenticate(x);
    int before = x->f.apdus;
    jpki_secret pin;
    set_secret(&pin, "12345"); /* 5 digits for a 4-digit PIN */
    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_AUTH, &pin, &x->err), JPKI_ERR_PIN_FORMAT);
    set_secret(&pin, "abc123"); /* lower case */
    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_SIGN, &pin, &x->err), JPKI_ERR_PIN_FORMAT);
    set_secret(&pin, "ABC12"); /* too short */
    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_SIGN, &pin, &x->err), JPKI_ERR_PIN_FORMAT);
    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_SIGN, NULL, &x->err), JPKI_ERR_ARG);
    assert_int_equal(jpki_pin_reset(x->card, (jpki_pin_id)7, NULL, &x->err), JPKI_ERR_ARG);
    assert_int_equal(x->f.apdus, before);
}

static void pin_reset_status_words(void **state)
{
    fixture *x = *state;
    jpki_secret pin;
    set_secret(&pin, "1234");
    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_CARDINFO, &pin, &x->err), JPKI_ERR_AUTH);
    assert_int_equal(x->err.sw, 0x6982);
    authenticate(x);
    x->f.reset_sw = 0x6984;
    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_CARDINFO, &pin, &x->err), JPKI_ERR_STATE);
    x->f.reset_sw = 0x6A80;
    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_CARDINFO, &pin, &x->err),
                     JPKI_ERR_PIN_FORMAT);
    x->f.reset_sw = 0x6F00;
    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_CARDINFO, &pin, &x->err), JPKI_ERR_CARD);
    assert_int_equal(x->err.sw, 0x6F00);
}

static void face_mode_enter_leave(void **state)
{
    fixture *x = *state;
    assert_int_equal(jpki_face_mode_enter(x->card, &x->err), JPKI_ERR_AUTH);
    authenticate(x);
    assert_int_equal(jpki_face_mode_enter(x->card, &x->err), JPKI_OK);
    assert_int_equal(x->f.last_ins, JPKI_INS_DISABLE_VERIF);

    jpki_secret pins[JPKI_PIN_COUNT];
    set_secret(&pins[JPKI_PIN_AUTH], "1111");
    set_secret(&pins[JPKI_PIN_SIGN], "SIGN2024");
    set_secret(&pins[JPKI_PIN_CARDINFO], "3333");
    set_secret(&pins[JPKI_PIN_REGISTRY], "4444");
    assert_int_equal(jpki_face_mode_leave(x->card, pins, &x->err), JPKI_OK);
    const uint8_t want[] = {0x81, 4, '1', '1', '1', '1', 0x82, 8, 'S', 'I', 'G', 'N', '2',
                            '0', '2', '4', 0x83, 4, '3', '3', '3', '3', 0x84, 4, '4', '4',
                            '4', '4'};
    assert_int_equal(x->f.last_ins, JPKI_INS_ENABLE_VERIF);
    assert_int_equal(x->f.last_nc, sizeof want);
    assert_memory_equal(x->f.last_data, want, sizeof want);

    /* A bad PIN anywhere stops it before the card. */
    int before = x->f.apdus;
    set_secret(&pins[JPKI_PIN_REGISTRY], "44a4");
    assert_int_equal(jpki_face_mode_leave(x->card, pins, &x->err), JPKI_ERR_PIN_FORMAT);
    assert_non_null(strstr(x->err.message, "registry"));
    assert_int_equal(x->f.apdus, before);

    set_secret(&pins[JPKI_PIN_REGISTRY], "4444");
    x->f.reset_sw = 0x6985;
    assert_int_equal(jpki_face_mode_leave(x->card, pins, &x->err), JPKI_ERR_STATE);
    assert_int_equal(jpki_face_mode_enter(x->card, &x->err), JPKI_ERR_STATE);
    for (int i = 0; i < JPKI_PIN_COUNT; i++)
        jpki_secret_wipe(&pins[i]);
}

/* ------------------------------------------------------------------ */
/* Against the virtual card's engine                                   */

/* One pristine persona card (and its issuer key file, mode 0600) for the
 * group; every test works on its own copy. */
static struct {
    char dir[256], ca[300], key[300], master[300];
    int copies;
} eng;

typedef struct engine_fixture {
    char path[400];
    sim_card *sim;
    jpki_transport *t;
    jpki_card *card;
    jpki_issuer_key key;
    jpki_error err;
} engine_fixture;

static int engine_group_setup(void **state)
{
    (void)state;
    snprintf(eng.dir, sizeof eng.dir, "/tmp/jpki-test-issuer-eng.XXXXXX");
    if (!mkdtemp(eng.dir))
        return -1;
    snprintf(eng.ca, sizeof eng.ca, "%s/ca", eng.dir);
    snprintf(eng.key, sizeof eng.key, "%s/issuer.key", eng.dir);
    snprintf(eng.master, sizeof eng.master, "%s/master.card", eng.dir);
    jpki_error err;
    jpki_error_clear(&err);
    if (testca_create(eng.ca, &err) != JPKI_OK)
        return -1;
    sim_new_options o = {eng.master, "hanako", eng.ca, eng.key, NULL, NULL};
    return sim_card_create(&o, &err) == JPKI_OK ? 0 : -1;
}

static int engine_group_teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", eng.dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int engine_setup(void **state)
{
    engine_fixture *x = calloc(1, sizeof *x);
    assert_non_null(x);
    snprintf(x->path, sizeof x->path, "%s/card%d.card", eng.dir, eng.copies++);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", eng.master, x->path);
    assert_int_equal(system(cmd), 0);
    jpki_error_clear(&x->err);
    x->sim = sim_card_load(x->path, &x->err);
    assert_non_null(x->sim);
    size_t atr_len;
    const uint8_t *atr = sim_card_atr(&atr_len);
    assert_int_equal(jpki_mem_transport_new(sim_card_apdu, x->sim, atr, atr_len, &x->t, &x->err),
                     JPKI_OK);
    assert_int_equal(jpki_card_new(x->t, &x->card, &x->err), JPKI_OK);
    assert_int_equal(jpki_issuer_key_load_file(eng.key, &x->key, &x->err), JPKI_OK);
    *state = x;
    return 0;
}

static int engine_teardown(void **state)
{
    engine_fixture *x = *state;
    jpki_card_free(x->card);
    jpki_transport_close(x->t);
    sim_card_free(x->sim);
    unlink(x->path);
    free(x);
    return 0;
}

/* The engine forgets the issuer session and verified PINs on reset, like
 * the end of our PC/SC transaction with reset_card=true. */
static void engine_power_cycle(engine_fixture *x)
{
    sim_card_power_cycle(x->sim);
    jpki_card_free(x->card);
    assert_int_equal(jpki_card_new(x->t, &x->card, &x->err), JPKI_OK);
}

static jpki_rc verify_with(engine_fixture *x, jpki_pin_id id, const char *value)
{
    jpki_secret pin;
    set_secret(&pin, value);
    jpki_rc rc = jpki_pin_verify(x->card, id, &pin, &x->err);
    jpki_secret_wipe(&pin);
    return rc;
}

static int tries_left(engine_fixture *x, jpki_pin_id id)
{
    jpki_pin_status st;
    jpki_rc rc = jpki_pin_status_get(x->card, id, &st, &x->err);
    if (rc == JPKI_ERR_PIN_BLOCKED || (rc == JPKI_OK && st.blocked))
        return 0;
    assert_int_equal(rc, JPKI_OK);
    return st.tries_left;
}

static void engine_authenticate(void **state)
{
    engine_fixture *x = *state;
    assert_int_equal(jpki_issuer_authenticate(x->card, &x->key, &x->err), JPKI_OK);
    jpki_issuer_key wrong = x->key;
    wrong.key[15] ^= 0x01;
    engine_power_cycle(x);
    assert_int_equal(jpki_issuer_authenticate(x->card, &wrong, &x->err), JPKI_ERR_AUTH);
    assert_int_equal(x->err.sw, 0x6300);
    /* Without a session every issuer command answers 6982. */
    assert_int_equal(jpki_face_mode_enter(x->card, &x->err), JPKI_ERR_AUTH);
    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_AUTH, NULL, &x->err), JPKI_ERR_AUTH);
}

static void engine_status_of_fresh_card(void **state)
{
    engine_fixture *x = *state;
    jpki_issuance_status st;
    /* DF30 is part of the issuance profile: 6982 outside the session. */
    assert_int_equal(jpki_issuance_status_get(x->card, &st, &x->err), JPKI_ERR_AUTH);
    assert_int_equal(x->err.sw, 0x6982);
    assert_int_equal(jpki_issuer_authenticate(x->card, &x->key, &x->err), JPKI_OK);
    assert_int_equal(jpki_issuance_status_get(x->card, &st, &x->err), JPKI_OK);
    assert_false(st.face_mode);
    for (int k = 0; k < 2; k++) {
        assert_true(st.key[k].active);
        assert_false(st.key[k].pending);
        assert_true(st.key[k].active_cert_len > 500); /* a real RSA-2048 certificate */
        assert_true(st.key[k].active_cert_len <= JPKI_CERT_MAX);
    }
}

/* Generate a pending auth key, read it back, have the test CA certify it,
 * write the certificate and activate: the card's auth certificate is then
 * the new one.  A certificate for another key is refused with nothing
 * changed. */
static void engine_renew_auth_key(void **state)
{
    engine_fixture *x = *state;
    jpki_pubkey *pub = jpki_pubkey_new(), *again = jpki_pubkey_new();
    assert_non_null(pub);
    assert_non_null(again);
    assert_int_equal(verify_with(x, JPKI_PIN_AUTH, "1234"), JPKI_OK);
    assert_int_equal(jpki_keypair_pending(x->card, JPKI_KEY_AUTH, true, pub, &x->err),
                     JPKI_ERR_AUTH);
    assert_int_equal(jpki_issuer_authenticate(x->card, &x->key, &x->err), JPKI_OK);
    assert_int_equal(jpki_keypair_pending(x->card, JPKI_KEY_AUTH, false, pub, &x->err),
                     JPKI_ERR_NOT_FOUND);
    assert_int_equal(jpki_keypair_pending(x->card, JPKI_KEY_AUTH, true, pub, &x->err), JPKI_OK);
    assert_int_equal(jpki_pubkey_bits(pub), 2048);
    assert_int_equal(jpki_keypair_pending(x->card, JPKI_KEY_AUTH, false, again, &x->err),
                     JPKI_OK);
    assert_true(jpki_pubkey_equal(pub, again));
    jpki_pubkey_free(again);

    jpki_issuance_status st;
    assert_int_equal(jpki_issuance_status_get(x->card, &st, &x->err), JPKI_OK);
    assert_true(st.key[JPKI_KEY_AUTH].pending);
    size_t old_len = st.key[JPKI_KEY_AUTH].active_cert_len;

    /* A certificate for some other key (the current one) is refused. */
    uint8_t *cur = NULL;
    size_t cur_len = 0;
    assert_int_equal(jpki_read_cert(x->card, JPKI_CERT_AUTH, &cur, &cur_len, &x->err), JPKI_OK);
    assert_int_equal(jpki_cert_write_pending(x->card, JPKI_KEY_AUTH, cur, cur_len, &x->err),
                     JPKI_OK);
    assert_int_equal(jpki_cert_activate(x->card, JPKI_KEY_AUTH, &x->err), JPKI_ERR_CERT);
    assert_int_equal(x->err.sw, 0x6A80);
    assert_int_equal(jpki_issuance_status_get(x->card, &st, &x->err), JPKI_OK);
    assert_int_equal(st.key[JPKI_KEY_AUTH].active_cert_len, old_len);

    /* The right one goes in. */
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    assert_int_equal(test_pk_of_pubkey(pub, &pk), 0);
    testca *ca = NULL;
    assert_int_equal(testca_open(eng.ca, &ca, &x->err), JPKI_OK);
    testca_request rq = {.kind = TESTCA_AUTH, .subject_key = &pk, .subject_cn = "RENEWED",
                         .not_before = {2024, 1, 1}, .not_after = {2029, 1, 1}};
    uint8_t *der = NULL;
    size_t len = 0;
    assert_int_equal(testca_issue(ca, &rq, &der, &len, &x->err), JPKI_OK);
    testca_free(ca);
    assert_int_equal(jpki_cert_write_pending(x->card, JPKI_KEY_AUTH, der, len, &x->err), JPKI_OK);
    assert_int_equal(jpki_cert_activate(x->card, JPKI_KEY_AUTH, &x->err), JPKI_OK);
    uint8_t *now = NULL;
    size_t now_len = 0;
    assert_int_equal(jpki_read_cert(x->card, JPKI_CERT_AUTH, &now, &now_len, &x->err), JPKI_OK);
    assert_int_equal(now_len, len);
    assert_memory_equal(now, der, len);
    assert_int_equal(jpki_issuance_status_get(x->card, &st, &x->err), JPKI_OK);
    assert_false(st.key[JPKI_KEY_AUTH].pending);
    assert_int_equal(st.key[JPKI_KEY_AUTH].active_cert_len, len);
    free(now);
    free(der);
    free(cur);
    mbedtls_pk_free(&pk);
    jpki_pubkey_free(pub);
}

static void engine_pin_resets(void **state)
{
    engine_fixture *x = *state;
    assert_int_equal(jpki_issuer_authenticate(x->card, &x->key, &x->err), JPKI_OK);
    jpki_secret pin;
    set_secret(&pin, "9163");
    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_REGISTRY, &pin, &x->err), JPKI_OK);
    set_secret(&pin, "4455");
    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_CARDINFO, &pin, &x->err), JPKI_OK);
    assert_int_equal(verify_with(x, JPKI_PIN_REGISTRY, "2580"), JPKI_ERR_PIN_WRONG);
    assert_int_equal(verify_with(x, JPKI_PIN_REGISTRY, "9163"), JPKI_OK);
    assert_int_equal(verify_with(x, JPKI_PIN_CARDINFO, "4455"), JPKI_OK);

    /* Block the auth PIN, unblock it: same PIN, full tries. */
    for (int i = 0; i < JPKI_PIN4_TRIES; i++)
        assert_int_not_equal(verify_with(x, JPKI_PIN_AUTH, "0000"), JPKI_OK);
    assert_int_equal(tries_left(x, JPKI_PIN_AUTH), 0);
    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_AUTH, NULL, &x->err), JPKI_OK);
    assert_int_equal(tries_left(x, JPKI_PIN_AUTH), JPKI_PIN4_TRIES);
    assert_int_equal(verify_with(x, JPKI_PIN_AUTH, "1234"), JPKI_OK);

    /* The sign password: a reset deletes the signature key and cert. */
    set_secret(&pin, "FRESH2025");
    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_SIGN, &pin, &x->err), JPKI_OK);
    jpki_issuance_status st;
    assert_int_equal(jpki_issuance_status_get(x->card, &st, &x->err), JPKI_OK);
    assert_false(st.key[JPKI_KEY_SIGN].active);
    assert_true(st.key[JPKI_KEY_AUTH].active);
    bool auth_flag, sign_flag;
    assert_int_equal(jpki_read_cert_flags(x->card, &auth_flag, &sign_flag, &x->err), JPKI_OK);
    assert_true(auth_flag);
    assert_false(sign_flag);
    assert_int_equal(verify_with(x, JPKI_PIN_SIGN, "FRESH2025"), JPKI_OK);
    jpki_secret_wipe(&pin);

    /* After a reset (end of transaction) the session is gone. */
    engine_power_cycle(x);
    set_secret(&pin, "1111");
    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_AUTH, &pin, &x->err), JPKI_ERR_AUTH);
    assert_int_equal(verify_with(x, JPKI_PIN_AUTH, "1234"), JPKI_OK);
    jpki_secret_wipe(&pin);
}

static void engine_face_mode_round_trip(void **state)
{
    engine_fixture *x = *state;
    assert_int_equal(jpki_issuer_authenticate(x->card, &x->key, &x->err), JPKI_OK);
    assert_int_equal(jpki_face_mode_enter(x->card, &x->err), JPKI_OK);
    jpki_issuance_status st;
    assert_int_equal(jpki_issuance_status_get(x->card, &st, &x->err), JPKI_OK);
    assert_true(st.face_mode);
    assert_false(st.key[JPKI_KEY_SIGN].active);
    assert_true(st.key[JPKI_KEY_AUTH].active);
    for (int i = 0; i < JPKI_PIN_COUNT; i++)
        assert_int_equal(tries_left(x, (jpki_pin_id)i), 0);
    assert_int_equal(verify_with(x, JPKI_PIN_AUTH, "1234"), JPKI_ERR_PIN_BLOCKED);
    /* PIN resets are refused on a face card: the PINs come back with
     * ENABLE VERIFICATION REQUIREMENT only. */
    jpki_secret one;
    set_secret(&one, "1234");
    assert_int_equal(jpki_pin_reset(x->card, JPKI_PIN_AUTH, &one, &x->err), JPKI_ERR_STATE);

    jpki_secret pins[JPKI_PIN_COUNT];
    set_secret(&pins[JPKI_PIN_AUTH], "8642");
    set_secret(&pins[JPKI_PIN_SIGN], "BACK2PINS");
    set_secret(&pins[JPKI_PIN_CARDINFO], "7531");
    set_secret(&pins[JPKI_PIN_REGISTRY], "1357");
    assert_int_equal(jpki_face_mode_leave(x->card, pins, &x->err), JPKI_OK);
    assert_int_equal(jpki_issuance_status_get(x->card, &st, &x->err), JPKI_OK);
    assert_false(st.face_mode);
    assert_false(st.key[JPKI_KEY_SIGN].active);
    assert_int_equal(tries_left(x, JPKI_PIN_SIGN), JPKI_SIGN_PW_TRIES);
    assert_int_equal(verify_with(x, JPKI_PIN_AUTH, "8642"), JPKI_OK);
    assert_int_equal(verify_with(x, JPKI_PIN_SIGN, "BACK2PINS"), JPKI_OK);
    assert_int_equal(verify_with(x, JPKI_PIN_CARDINFO, "7531"), JPKI_OK);
    assert_int_equal(verify_with(x, JPKI_PIN_REGISTRY, "1357"), JPKI_OK);
    /* Leaving twice: the card is a PIN card now. */
    assert_int_equal(jpki_face_mode_leave(x->card, pins, &x->err), JPKI_ERR_STATE);
    for (int i = 0; i < JPKI_PIN_COUNT; i++)
        jpki_secret_wipe(&pins[i]);
    jpki_secret_wipe(&one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(engine_authenticate, engine_setup, engine_teardown),
        cmocka_unit_test_setup_teardown(engine_status_of_fresh_card, engine_setup, engine_teardown),
        cmocka_unit_test_setup_teardown(engine_renew_auth_key, engine_setup, engine_teardown),
        cmocka_unit_test_setup_teardown(engine_pin_resets, engine_setup, engine_teardown),
        cmocka_unit_test_setup_teardown(engine_face_mode_round_trip, engine_setup, engine_teardown),

        cmocka_unit_test(key_file_with_comments),
        cmocka_unit_test(key_file_refused_when_group_readable),
        cmocka_unit_test(key_file_malformed),
        cmocka_unit_test(key_fd_leaves_rest_unread),
        cmocka_unit_test_setup_teardown(authenticate_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(authenticate_wrong_key, setup, teardown),
        cmocka_unit_test_setup_teardown(authenticate_rejects_card_mac, setup, teardown),
        cmocka_unit_test_setup_teardown(authenticate_card_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(status_parsed, setup, teardown),
        cmocka_unit_test_setup_teardown(status_non_minimal_length, setup, teardown),
        cmocka_unit_test_setup_teardown(status_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(keypair_generate_via_get_response, setup, teardown),
        cmocka_unit_test_setup_teardown(keypair_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(cert_write_in_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(cert_write_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(pin_reset_new_and_unblock, setup, teardown),
        cmocka_unit_test_setup_teardown(pin_reset_refused_before_card, setup, teardown),
        cmocka_unit_test_setup_teardown(pin_reset_status_words, setup, teardown),
        cmocka_unit_test_setup_teardown(face_mode_enter_leave, setup, teardown),
    };
    /* One group, so the runner's pass/fail count sees every test; the
     * group setup makes the engine's persona card. */
    int rc = cmocka_run_group_tests(tests, engine_group_setup, engine_group_teardown);
    mbedtls_rsa_free(test_rsa());
    return rc;
}
