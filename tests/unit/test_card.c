/* Card layer: selection cache, READ BINARY chunking, DER sizing (non-minimal
 * lengths, oversized, truncated, erased), certificates, token, flags, card
 * record, PIN counters/VERIFY/CHANGE without wasted tries, signature, and
 * the rule that every APDU of an operation is sent inside a transaction.
 * Uses the in-process transport with a small scripted fake JPKI card
 * defined in this file (not the simulator) -- no PC/SC involved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jpki/jpki.h"

/* ---- the fake card ---- */

typedef struct fake_ef {
    jpki_app app;
    uint16_t fid;
    uint8_t data[8192];
    size_t len;
    bool needs_sign_pin;
} fake_ef;

typedef struct fake_pin {
    jpki_app app;
    uint16_t fid;
    char value[17];
    int tries, max;
    bool verified;
} fake_pin;

typedef struct fake_card {
    jpki_transport *t;
    bool has_jpki;
    jpki_app app;
    int ef; /* index into efs, -1 none */
    int pin; /* selected PIN EF index, -1 none */
    int key; /* selected key: 0 auth, 1 sign, -1 none */
    fake_ef efs[12];
    int nefs;
    fake_pin pins[4];
    /* observations */
    int apdus, outside_tx, selects_aid, reads, verifies_with_data, max_le;
    int remove_after; /* 0 = never */
    bool over_deliver; /* READ BINARY answers one byte more than Le */
    bool eof_9000;     /* past the end: remaining bytes with 9000, not 6282 */
    bool ext_capable;  /* accepts extended Le; otherwise 6700 as real cards */
    uint8_t last_sign[300];
    size_t last_sign_len;
} fake_card;

static const uint8_t aid_jpki[] = {JPKI_AID_JPKI}, aid_cardinfo[] = {JPKI_AID_CARDINFO},
                     aid_common[] = {JPKI_AID_COMMON};

static size_t sw(uint8_t *r, size_t n, uint16_t s)
{
    r[n] = (uint8_t)(s >> 8);
    r[n + 1] = (uint8_t)s;
    return n + 2;
}

static fake_pin *cur_pin(fake_card *f) { return f->pin >= 0 ? &f->pins[f->pin] : NULL; }

static size_t fake_verify(fake_card *f, const jpki_apdu *a, uint8_t *r)
{
    fake_pin *p = cur_pin(f);
    if (!p)
        return sw(r, 0, 0x6986);
    if (a->nc == 0) {
        if (p->tries == 0)
            return sw(r, 0, 0x6984);
        return sw(r, 0, p->verified ? 0x9000 : (uint16_t)(0x63C0 | p->tries));
    }
    f->verifies_with_data++;
    if (p->tries == 0)
        return sw(r, 0, 0x6984);
    if (a->nc == strlen(p->value) && memcmp(a->data, p->value, a->nc) == 0) {
        p->tries = p->max;
        p->verified = true;
        return sw(r, 0, 0x9000);
    }
    p->tries--;
    p->verified = false;
    return sw(r, 0, (uint16_t)(0x63C0 | p->tries));
}

static size_t fake_read(fake_card *f, const jpki_apdu *a, uint8_t *r)
{
    f->reads++;
    if ((int)a->ne > f->max_le)
        f->max_le = (int)a->ne;
    if (f->ef < 0)
        return sw(r, 0, 0x6986);
    fake_ef *e = &f->efs[f->ef];
    if (e->needs_sign_pin && !f->pins[1].verified)
        return sw(r, 0, 0x6982);
    if (a->ne > 256 && !f->ext_capable)
        return sw(r, 0, 0x6700);
    size_t off = ((size_t)a->p1 << 8) | a->p2;
    if (off > e->len)
        return sw(r, 0, 0x6B00);
    size_t n = a->ne + (f->over_deliver ? 1 : 0);
    if (off + n > e->len) {
        n = e->len - off;
        memcpy(r, e->data + off, n);
        return sw(r, n, f->eof_9000 ? 0x9000 : 0x6282);
    }
    memcpy(r, e->data + off, n);
    return sw(r, n, 0x9000);
}

static size_t fake_select(fake_card *f, const jpki_apdu *a, uint8_t *r)
{
    if (a->p1 == 0x04) {
        f->selects_aid++;
        f->ef = f->pin = f->key = -1;
        f->app = JPKI_APP_NONE;
        if (a->nc == 10 && !memcmp(a->data, aid_jpki, 10) && f->has_jpki)
            f->app = JPKI_APP_JPKI;
        else if (a->nc == 10 && !memcmp(a->data, aid_cardinfo, 10))
            f->app = JPKI_APP_CARDINFO;
        else if (a->nc == 10 && !memcmp(a->data, aid_common, 10))
            f->app = JPKI_APP_COMMON;
        else
            return sw(r, 0, 0x6A82); /* registry deliberately absent */
        return sw(r, 0, 0x9000);
    }
    if (a->p1 != 0x02 || a->nc != 2)
        return sw(r, 0, 0x6A86);
    uint16_t fid = (uint16_t)((a->data[0] << 8) | a->data[1]);
    f->ef = f->pin = f->key = -1;
    for (int i = 0; i < f->nefs; i++)
        if (f->efs[i].app == f->app && f->efs[i].fid == fid) {
            f->ef = i;
            return sw(r, 0, 0x9000);
        }
    for (int i = 0; i < 4; i++)
        if (f->pins[i].app == f->app && f->pins[i].fid == fid && f->app != JPKI_APP_NONE) {
            f->pin = i;
            return sw(r, 0, 0x9000);
        }
    if (f->app == JPKI_APP_JPKI && (fid == JPKI_EF_AUTH_KEY || fid == JPKI_EF_SIGN_KEY)) {
        f->key = fid == JPKI_EF_SIGN_KEY;
        return sw(r, 0, 0x9000);
    }
    return sw(r, 0, 0x6A82);
}

static size_t fake_handler(void *ctx, const uint8_t *c, size_t n, uint8_t *r, size_t cap)
{
    fake_card *f = ctx;
    (void)cap;
    f->apdus++;
    if (f->t && jpki_transport_depth(f->t) == 0)
        f->outside_tx++;
    if (f->remove_after && f->apdus > f->remove_after)
        return 0;
    jpki_apdu a;
    if (jpki_apdu_parse(c, n, &a, NULL) != JPKI_OK)
        return sw(r, 0, 0x6700);
    switch (a.ins) {
    case JPKI_INS_SELECT:
        return fake_select(f, &a, r);
    case JPKI_INS_READ_BINARY:
        return fake_read(f, &a, r);
    case JPKI_INS_VERIFY:
        return fake_verify(f, &a, r);
    case JPKI_INS_CHANGE_REF: {
        fake_pin *p = cur_pin(f);
        if (!p || !p->verified)
            return sw(r, 0, 0x6982);
        memcpy(p->value, a.data, a.nc);
        p->value[a.nc] = '\0';
        return sw(r, 0, 0x9000);
    }
    case JPKI_INS_COMPUTE_SIG:
        memcpy(f->last_sign, c, n);
        f->last_sign_len = n;
        if (f->key < 0)
            return sw(r, 0, 0x6986);
        if (!f->pins[f->key ? 1 : 0].verified)
            return sw(r, 0, 0x6982);
        if (a.p2 == JPKI_P2_PENDING_KEY)
            return sw(r, 0, 0x6A88);
        for (size_t i = 0; i < 256; i++)
            r[i] = (uint8_t)(a.data[0] + i);
        return sw(r, 256, 0x9000);
    default:
        return sw(r, 0, 0x6D00);
    }
}

static fake_ef *add_ef(fake_card *f, jpki_app app, uint16_t fid, const uint8_t *d, size_t n)
{
    fake_ef *e = &f->efs[f->nefs++];
    e->app = app;
    e->fid = fid;
    memcpy(e->data, d, n);
    e->len = n;
    return e;
}

/* A certificate-shaped object: 30 82 LL LL + content. */
static size_t make_der(uint8_t *out, size_t content, uint8_t seed)
{
    out[0] = 0x30;
    out[1] = 0x82;
    out[2] = (uint8_t)(content >> 8);
    out[3] = (uint8_t)content;
    for (size_t i = 0; i < content; i++)
        out[4 + i] = (uint8_t)(seed + i * 13);
    return 4 + content;
}

static uint8_t auth_cert[1504], authca_cert[1204], sign_cert[1704];

typedef struct fixture {
    fake_card f;
    jpki_transport *t;
    jpki_card *c;
    jpki_error e;
} fixture;

static int setup(void **state)
{
    fixture *x = calloc(1, sizeof *x);
    fake_card *f = &x->f;
    f->has_jpki = true;
    f->ef = f->pin = f->key = -1;
    add_ef(f, JPKI_APP_JPKI, JPKI_EF_AUTH_CERT, auth_cert, make_der(auth_cert, 1500, 1));
    add_ef(f, JPKI_APP_JPKI, JPKI_EF_AUTH_CA_CERT, authca_cert, make_der(authca_cert, 1200, 2));
    add_ef(f, JPKI_APP_JPKI, JPKI_EF_SIGN_CERT, sign_cert, make_der(sign_cert, 1700, 3))
        ->needs_sign_pin = true;
    const uint8_t token[] = "JPKIAPICCTOKEN2                 ";
    add_ef(f, JPKI_APP_JPKI, JPKI_EF_TOKEN, token, 32);
    const uint8_t flags[] = {0x8F, 0x00, 0x00};
    add_ef(f, JPKI_APP_JPKI, JPKI_EF_CERT_FLAGS, flags, 3);
    const uint8_t rec[] = "123456789012345131012031231";
    uint8_t rec28[28];
    memcpy(rec28, rec, 27);
    rec28[27] = '9';
    add_ef(f, JPKI_APP_COMMON, JPKI_EF_COMMON_RECORD, rec28, 28);
    f->pins[0] = (fake_pin){JPKI_APP_JPKI, JPKI_EF_AUTH_PIN, "1234", 3, 3, false};
    f->pins[1] = (fake_pin){JPKI_APP_JPKI, JPKI_EF_SIGN_PIN, "ABC123", 5, 5, false};
    f->pins[2] = (fake_pin){JPKI_APP_CARDINFO, JPKI_EF_CARDINFO_PIN, "5678", 3, 3, false};
    f->pins[3] = (fake_pin){JPKI_APP_REGISTRY, JPKI_EF_REGISTRY_PIN, "0000", 3, 3, false};
    const uint8_t atr[] = {JPKI_ATR};
    assert_int_equal(jpki_mem_transport_new(fake_handler, f, atr, sizeof atr, &x->t, NULL), JPKI_OK);
    f->t = x->t;
    assert_int_equal(jpki_card_new(x->t, &x->c, NULL), JPKI_OK);
    jpki_error_clear(&x->e);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fixture *x = *state;
    assert_int_equal(jpki_transport_depth(x->t), 0); /* every begin had its end */
    jpki_card_free(x->c);
    jpki_transport_close(x->t);
    free(x);
    return 0;
}

static jpki_secret secret_of(const char *s)
{
    jpki_secret p = {.len = strlen(s)};
    memcpy(p.buf, s, p.len);
    return p;
}

/* ---- tests ---- */

static void reads_auth_cert_in_short_chunks(void **state)
{
    fixture *x = *state;
    uint8_t *der = NULL;
    size_t len = 0;
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_AUTH, &der, &len, &x->e), JPKI_OK);
    assert_int_equal(len, sizeof auth_cert);
    assert_memory_equal(der, auth_cert, len);
    assert_true(x->f.max_le <= 256);
    assert_int_equal(x->f.reads, 6); /* 1500 bytes in ceil(1500/256) full chunks, no header probe */
    assert_int_equal(x->f.outside_tx, 0);
    free(der);
}

static void selection_is_cached_inside_a_transaction_only(void **state)
{
    fixture *x = *state;
    uint8_t *der;
    size_t len;
    assert_int_equal(jpki_transport_begin(x->t, &x->e), JPKI_OK);
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_AUTH, &der, &len, &x->e), JPKI_OK);
    free(der);
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_AUTH_CA, &der, &len, &x->e), JPKI_OK);
    assert_memory_equal(der, authca_cert, sizeof authca_cert);
    free(der);
    assert_int_equal(jpki_transport_end(x->t, false, &x->e), JPKI_OK);
    assert_int_equal(x->f.selects_aid, 1);
    /* A new transaction: someone may have selected something else since. */
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_AUTH, &der, &len, &x->e), JPKI_OK);
    free(der);
    assert_int_equal(x->f.selects_aid, 2);
}

static void der_with_non_minimal_length(void **state)
{
    fixture *x = *state;
    uint8_t obj[4 + 159];
    obj[0] = 0x30, obj[1] = 0x82, obj[2] = 0x00, obj[3] = 0x9F; /* 159 as 82 00 9F */
    for (int i = 0; i < 159; i++)
        obj[4 + i] = (uint8_t)i;
    add_ef(&x->f, JPKI_APP_JPKI, 0x0020, obj, sizeof obj);
    uint8_t *der;
    size_t len;
    assert_int_equal(jpki_select_app(x->c, JPKI_APP_JPKI, &x->e), JPKI_OK);
    assert_int_equal(jpki_select_ef(x->c, 0x0020, &x->e), JPKI_OK);
    assert_int_equal(jpki_read_der(x->c, 4096, &der, &len, &x->e), JPKI_OK);
    assert_int_equal(len, sizeof obj);
    assert_memory_equal(der, obj, len);
    free(der);
}

static void der_with_two_byte_tag_and_long_length(void **state)
{
    fixture *x = *state;
    /* FF 10 83 00 01 00: 6-byte header, more than the 4-byte probe */
    static uint8_t obj[6 + 256];
    obj[0] = 0xFF, obj[1] = 0x10, obj[2] = 0x83, obj[3] = 0x00, obj[4] = 0x01, obj[5] = 0x00;
    for (int i = 0; i < 256; i++)
        obj[6 + i] = (uint8_t)(255 - i);
    add_ef(&x->f, JPKI_APP_JPKI, 0x0021, obj, sizeof obj);
    uint8_t *der;
    size_t len;
    assert_int_equal(jpki_transport_begin(x->t, &x->e), JPKI_OK);
    assert_int_equal(jpki_select_app(x->c, JPKI_APP_JPKI, &x->e), JPKI_OK);
    assert_int_equal(jpki_select_ef(x->c, 0x0021, &x->e), JPKI_OK);
    assert_int_equal(jpki_read_der(x->c, 4096, &der, &len, &x->e), JPKI_OK);
    assert_int_equal(jpki_transport_end(x->t, false, &x->e), JPKI_OK);
    assert_int_equal(len, sizeof obj);
    assert_memory_equal(der, obj, len);
    free(der);
}

static void read_der_errors(jpki_card *c, fixture *x, uint16_t fid, const uint8_t *d, size_t n,
                            jpki_rc want)
{
    add_ef(&x->f, JPKI_APP_JPKI, fid, d, n);
    uint8_t *der = (uint8_t *)"untouched";
    size_t len = 77;
    assert_int_equal(jpki_transport_begin(x->t, &x->e), JPKI_OK);
    assert_int_equal(jpki_select_app(c, JPKI_APP_JPKI, &x->e), JPKI_OK);
    assert_int_equal(jpki_select_ef(c, fid, &x->e), JPKI_OK);
    assert_int_equal(jpki_read_der(c, JPKI_CERT_MAX, &der, &len, &x->e), want);
    assert_int_equal(jpki_transport_end(x->t, false, &x->e), JPKI_OK);
    assert_null(der);
    assert_int_equal(len, 0);
    assert_int_equal(x->e.code, want);
}

static void oversized_der_is_refused_before_reading(void **state)
{
    fixture *x = *state;
    const uint8_t huge[] = {0x30, 0x84, 0x10, 0x00, 0x00, 0x00, 0x01, 0x02};
    int before = x->f.reads;
    read_der_errors(x->c, x, 0x0030, huge, sizeof huge, JPKI_ERR_LIMIT);
    assert_true(x->f.reads - before <= 2); /* header only */
}

static void truncated_indefinite_and_erased_der(void **state)
{
    fixture *x = *state;
    static uint8_t shortobj[1004];
    make_der(shortobj, 1000, 9);
    shortobj[2] = 0x07, shortobj[3] = 0xD0; /* claims 2000 */
    read_der_errors(x->c, x, 0x0031, shortobj, sizeof shortobj, JPKI_ERR_CARD_DATA);
    const uint8_t indefinite[] = {0x30, 0x80, 0x01, 0x00, 0x00, 0x00};
    read_der_errors(x->c, x, 0x0032, indefinite, sizeof indefinite, JPKI_ERR_CARD_DATA);
    const uint8_t erased[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    read_der_errors(x->c, x, 0x0033, erased, sizeof erased, JPKI_ERR_NOT_FOUND);
    read_der_errors(x->c, x, 0x0034, erased, 0, JPKI_ERR_NOT_FOUND);
    const uint8_t five_len_bytes[] = {0x30, 0x85, 0, 0, 0, 0, 1};
    read_der_errors(x->c, x, 0x0035, five_len_bytes, sizeof five_len_bytes, JPKI_ERR_CARD_DATA);
}

static void card_that_over_delivers_is_card_data(void **state)
{
    fixture *x = *state;
    x->f.over_deliver = true;
    uint8_t *der;
    size_t len;
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_AUTH, &der, &len, &x->e), JPKI_ERR_CARD_DATA);
}

static void missing_and_empty_certificates(void **state)
{
    fixture *x = *state;
    x->f.efs[1].len = 0; /* auth CA EF empty */
    x->f.efs[1].fid = 0x7777;
    uint8_t *der = NULL;
    size_t len;
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_AUTH_CA, &der, &len, &x->e),
                     JPKI_ERR_NOT_FOUND);
    assert_non_null(strstr(x->e.message, "no auth-ca certificate"));
    x->f.efs[1].fid = JPKI_EF_AUTH_CA_CERT;
    memset(x->f.efs[1].data, 0xFF, 100);
    x->f.efs[1].len = 100;
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_AUTH_CA, &der, &len, &x->e),
                     JPKI_ERR_NOT_FOUND);
    assert_null(der);
}

static void sign_cert_needs_sign_password(void **state)
{
    fixture *x = *state;
    uint8_t *der;
    size_t len;
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_SIGN, &der, &len, &x->e), JPKI_ERR_AUTH);
    assert_int_equal(x->e.sw, 0x6982);
    jpki_secret pw = secret_of("ABC123");
    assert_int_equal(jpki_transport_begin(x->t, &x->e), JPKI_OK);
    assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_SIGN, &pw, &x->e), JPKI_OK);
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_SIGN, &der, &len, &x->e), JPKI_OK);
    assert_int_equal(jpki_transport_end(x->t, false, &x->e), JPKI_OK);
    assert_memory_equal(der, sign_cert, sizeof sign_cert);
    free(der);
}

static void not_a_jpki_card(void **state)
{
    fixture *x = *state;
    x->f.has_jpki = false;
    uint8_t *der;
    size_t len;
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_AUTH, &der, &len, &x->e), JPKI_ERR_NOT_JPKI);
}

static void card_removed_mid_read(void **state)
{
    fixture *x = *state;
    x->f.remove_after = 4; /* SELECT, SELECT, header, one chunk, then gone */
    uint8_t *der = NULL;
    size_t len = 0;
    /* Inside one transaction, so only the failure can drop the cache. */
    assert_int_equal(jpki_transport_begin(x->t, &x->e), JPKI_OK);
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_AUTH, &der, &len, &x->e),
                     JPKI_ERR_CARD_REMOVED);
    assert_null(der);
    /* The card is back: nothing cached survives, so the application is
     * selected again rather than assumed. */
    x->f.remove_after = 0;
    int selects = x->f.selects_aid;
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_AUTH, &der, &len, &x->e), JPKI_OK);
    assert_int_equal(x->f.selects_aid, selects + 1);
    free(der);
    assert_int_equal(jpki_transport_end(x->t, false, &x->e), JPKI_OK);
}

static void read_binary_offset_limit(void **state)
{
    fixture *x = *state;
    uint8_t b[16];
    size_t got;
    assert_int_equal(jpki_read_binary(x->c, 0x8000, 4, b, &got, &x->e), JPKI_ERR_LIMIT);
    assert_int_equal(x->f.apdus, 0);
}

static void token_flags_and_card_record(void **state)
{
    fixture *x = *state;
    char tok[64];
    assert_int_equal(jpki_read_token(x->c, tok, sizeof tok, &x->e), JPKI_OK);
    assert_string_equal(tok, JPKI_TOKEN_MYNUMBER);
    bool a = false, s = true;
    assert_int_equal(jpki_read_cert_flags(x->c, &a, &s, &x->e), JPKI_OK);
    assert_true(a);
    assert_false(s);
    char serial[16], muni[6], exp[9];
    assert_int_equal(jpki_read_card_id(x->c, serial, muni, exp, &x->e), JPKI_OK);
    assert_string_equal(serial, "123456789012345");
    assert_string_equal(muni, "13101");
    assert_string_equal(exp, "20312319");
    x->f.efs[5].data[3] = 'X';
    assert_int_equal(jpki_read_card_id(x->c, serial, muni, exp, &x->e), JPKI_ERR_CARD_DATA);
    /* the 13-character serial some cards hold instead */
    x->f.efs[5].len = 13;
    x->f.efs[5].data[3] = '-';
    assert_int_equal(jpki_read_card_id(x->c, serial, muni, exp, &x->e), JPKI_ERR_CARD_DATA);
    x->f.efs[5].data[3] = '4';
    assert_int_equal(jpki_read_card_id(x->c, serial, muni, exp, &x->e), JPKI_OK);
    assert_string_equal(serial, "1234567890123");
    assert_string_equal(muni, "");
    assert_string_equal(exp, "");
    x->f.efs[5].len = 14; /* neither form */
    assert_int_equal(jpki_read_card_id(x->c, serial, muni, exp, &x->e), JPKI_ERR_CARD_DATA);
    assert_int_equal(x->f.outside_tx, 0);
}

static void pin_status_never_spends_a_try(void **state)
{
    fixture *x = *state;
    jpki_pin_status st;
    assert_int_equal(jpki_pin_status_get(x->c, JPKI_PIN_AUTH, &st, &x->e), JPKI_OK);
    assert_true(st.present);
    assert_false(st.blocked);
    assert_int_equal(st.tries_left, 3);
    assert_int_equal(x->f.verifies_with_data, 0);
    assert_int_equal(x->f.pins[0].tries, 3);
    x->f.pins[1].tries = 2;
    assert_int_equal(jpki_pin_status_get(x->c, JPKI_PIN_SIGN, &st, &x->e), JPKI_OK);
    assert_int_equal(st.tries_left, 2);
    x->f.pins[2].tries = 0;
    assert_int_equal(jpki_pin_status_get(x->c, JPKI_PIN_CARDINFO, &st, &x->e), JPKI_OK);
    assert_true(st.blocked);
    assert_int_equal(st.tries_left, 0);
    /* the registry application is absent on this fake card */
    assert_int_equal(jpki_pin_status_get(x->c, JPKI_PIN_REGISTRY, &st, &x->e), JPKI_OK);
    assert_false(st.present);
    assert_int_equal(x->f.verifies_with_data, 0);
}

/* Some cards answer a no-data VERIFY on a PIN verified in this session
 * with 9000 instead of 63Cx (one source): that is "verified", the counter
 * then full (the right PIN refilled it), and no error. */
static void verified_pin_counter_query_answers_9000(void **state)
{
    fixture *x = *state;
    x->f.pins[0].tries = 2; /* one try spent earlier */
    jpki_secret good = secret_of("1234");
    assert_int_equal(jpki_transport_begin(x->t, &x->e), JPKI_OK);
    assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_AUTH, &good, &x->e), JPKI_OK);
    assert_true(x->f.pins[0].verified);
    int with_data = x->f.verifies_with_data;
    jpki_pin_status st = {.tries_left = -7};
    assert_int_equal(jpki_pin_status_get(x->c, JPKI_PIN_AUTH, &st, &x->e), JPKI_OK);
    assert_true(st.present);
    assert_false(st.blocked);
    assert_int_equal(st.tries_left, 3);
    assert_int_equal(x->f.verifies_with_data, with_data); /* a query, not a try */
    assert_int_equal(jpki_transport_end(x->t, false, &x->e), JPKI_OK);
}

static void bad_pin_format_never_reaches_card(void **state)
{
    fixture *x = *state;
    const char *bad_auth[] = {"123", "12345", "12a4", "", "１２３４"};
    for (size_t i = 0; i < sizeof bad_auth / sizeof *bad_auth; i++) {
        jpki_secret p = secret_of(bad_auth[i]);
        assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_AUTH, &p, &x->e), JPKI_ERR_PIN_FORMAT);
    }
    const char *bad_sign[] = {"abc123", "ABC12", "ABCDEFGHIJ1234567", "ABC 123"};
    for (size_t i = 0; i < sizeof bad_sign / sizeof *bad_sign; i++) {
        jpki_secret p = secret_of(bad_sign[i]);
        assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_SIGN, &p, &x->e), JPKI_ERR_PIN_FORMAT);
    }
    assert_int_equal(x->f.apdus, 0);
    assert_null(strstr(x->e.message, "ABC 123"));
}

static void wrong_pins_count_down_to_blocked(void **state)
{
    fixture *x = *state;
    jpki_secret bad = secret_of("9999");
    assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_AUTH, &bad, &x->e), JPKI_ERR_PIN_WRONG);
    assert_int_equal(x->e.tries_left, 2);
    assert_int_equal(x->e.sw, 0x63C2);
    assert_non_null(strstr(x->e.message, "2 tries left"));
    assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_AUTH, &bad, &x->e), JPKI_ERR_PIN_WRONG);
    assert_int_equal(x->e.tries_left, 1);
    /* the try that reaches 0 answers 63C0: that is "now blocked" */
    assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_AUTH, &bad, &x->e), JPKI_ERR_PIN_BLOCKED);
    assert_int_equal(x->e.tries_left, 0);
    jpki_secret good = secret_of("1234");
    assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_AUTH, &good, &x->e), JPKI_ERR_PIN_BLOCKED);
    assert_int_equal(x->e.sw, 0x6984);
    jpki_pin_status st;
    assert_int_equal(jpki_pin_status_get(x->c, JPKI_PIN_AUTH, &st, &x->e), JPKI_OK);
    assert_true(st.blocked);
}

static void verify_then_change(void **state)
{
    fixture *x = *state;
    jpki_secret cur = secret_of("1234"), next = secret_of("4321");
    assert_int_equal(jpki_pin_change(x->c, JPKI_PIN_AUTH, &next, &x->e), JPKI_ERR_STATE);
    assert_int_equal(jpki_transport_begin(x->t, &x->e), JPKI_OK);
    assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_AUTH, &cur, &x->e), JPKI_OK);
    int sel = x->f.selects_aid;
    assert_int_equal(jpki_pin_change(x->c, JPKI_PIN_AUTH, &next, &x->e), JPKI_OK);
    assert_int_equal(x->f.selects_aid, sel); /* same transaction: PIN EF still selected */
    assert_int_equal(jpki_transport_end(x->t, false, &x->e), JPKI_OK);
    assert_string_equal(x->f.pins[0].value, "4321");
    jpki_secret bad = secret_of("12x4");
    assert_int_equal(jpki_pin_change(x->c, JPKI_PIN_AUTH, &bad, &x->e), JPKI_ERR_PIN_FORMAT);
    assert_string_equal(x->f.pins[0].value, "4321");
}

static void sign_digestinfo_apdu(void **state)
{
    fixture *x = *state;
    const uint8_t di[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                          0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20, 0xAA};
    uint8_t sig[256];
    size_t siglen = 0;
    assert_int_equal(jpki_sign_digestinfo(x->c, JPKI_KEY_AUTH, false, di, sizeof di, sig,
                                          &siglen, &x->e),
                     JPKI_ERR_AUTH);
    jpki_secret pin = secret_of("1234");
    assert_int_equal(jpki_transport_begin(x->t, &x->e), JPKI_OK);
    assert_int_equal(jpki_pin_verify(x->c, JPKI_PIN_AUTH, &pin, &x->e), JPKI_OK);
    assert_int_equal(jpki_sign_digestinfo(x->c, JPKI_KEY_AUTH, false, di, sizeof di, sig,
                                          &siglen, &x->e),
                     JPKI_OK);
    assert_int_equal(siglen, 256);
    assert_int_equal(sig[1], (uint8_t)(0x30 + 1));
    const uint8_t head[] = {0x80, 0x2A, 0x00, 0x80, sizeof di};
    assert_int_equal(x->f.last_sign_len, 5 + sizeof di + 1);
    assert_memory_equal(x->f.last_sign, head, 5);
    assert_memory_equal(x->f.last_sign + 5, di, sizeof di);
    assert_int_equal(x->f.last_sign[5 + sizeof di], 0x00); /* Le = 256 */
    assert_int_equal(jpki_sign_digestinfo(x->c, JPKI_KEY_AUTH, true, di, sizeof di, sig,
                                          &siglen, &x->e),
                     JPKI_ERR_NOT_FOUND);
    assert_int_equal(x->f.last_sign[3], 0x81);
    assert_int_equal(jpki_transport_end(x->t, false, &x->e), JPKI_OK);
    assert_int_equal(jpki_sign_digestinfo(x->c, JPKI_KEY_AUTH, false, di, 0, sig, &siglen, &x->e),
                     JPKI_ERR_ARG);
}

static void names_and_kinds(void **state)
{
    (void)state;
    jpki_cert_kind k;
    assert_int_equal(jpki_cert_kind_parse("sign-ca", &k, NULL), JPKI_OK);
    assert_int_equal(k, JPKI_CERT_SIGN_CA);
    assert_string_equal(jpki_cert_kind_name(JPKI_CERT_AUTH_CA), "auth-ca");
    assert_int_equal(jpki_cert_kind_parse("signca", &k, NULL), JPKI_ERR_ARG);
    assert_string_equal(jpki_app_name(JPKI_APP_CARDINFO), "cardinfo");
}

/* A fixed-size EF: the certificate, then filler up to the physical size. */
static void padded_ef(fixture *x, uint8_t fill)
{
    fake_ef *e = &x->f.efs[0]; /* the auth certificate */
    memset(e->data + e->len, fill, 700);
    e->len += 700;
}

static void fewer_bytes_with_9000_ends_the_file(void **state)
{
    fixture *x = *state;
    x->f.eof_9000 = true;
    uint8_t *der = NULL;
    size_t len = 0;
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_AUTH, &der, &len, &x->e), JPKI_OK);
    assert_int_equal(len, sizeof auth_cert);
    assert_memory_equal(der, auth_cert, len);
    free(der);
    /* the token EF is 32 bytes; asking for more returns those with 9000 */
    uint8_t buf[100];
    size_t got = 0;
    assert_int_equal(jpki_select_app(x->c, JPKI_APP_JPKI, &x->e), JPKI_OK);
    assert_int_equal(jpki_select_ef(x->c, JPKI_EF_TOKEN, &x->e), JPKI_OK);
    assert_int_equal(jpki_read_binary(x->c, 0, sizeof buf, buf, &got, &x->e), JPKI_OK);
    assert_int_equal(got, 32);
    x->f.eof_9000 = false; /* the same read ending in 6282 */
    got = 0;
    assert_int_equal(jpki_read_binary(x->c, 0, sizeof buf, buf, &got, &x->e), JPKI_OK);
    assert_int_equal(got, 32);
}

static void padding_after_the_der_is_ignored(void **state)
{
    fixture *x = *state;
    const uint8_t fills[] = {0x00, 0xFF};
    for (int i = 0; i < 2; i++) {
        x->f.efs[0].len = sizeof auth_cert;
        padded_ef(x, fills[i]);
        x->f.eof_9000 = i == 0;
        x->f.reads = 0;
        uint8_t *der = NULL;
        size_t len = 0;
        assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_AUTH, &der, &len, &x->e), JPKI_OK);
        assert_int_equal(len, sizeof auth_cert);
        assert_memory_equal(der, auth_cert, len);
        assert_int_equal(x->f.reads, 6); /* sized from the first chunk: never into the padding */
        free(der);
    }
}

/* The contact card that announces extended Lc/Le (card capabilities C0). */
static const uint8_t atr_ext[] = {0x3B, 0xDA, 0x13, 0xFF, 0x81, 0x31, 0xFB, 0x46, 0x80, 0x12,
                                  0x39, 0x2F, 0x31, 0xC1, 0x73, 0xC6, 0x01, 0xC0, 0x3B};

static void extended_read_when_the_atr_announces_it(void **state)
{
    fixture *x = *state;
    jpki_card_free(x->c);
    jpki_transport_close(x->t);
    assert_int_equal(jpki_mem_transport_new(fake_handler, &x->f, atr_ext, sizeof atr_ext, &x->t,
                                            NULL),
                     JPKI_OK);
    assert_true(jpki_transport_extended_ok(x->t));
    x->f.t = x->t;
    assert_int_equal(jpki_card_new(x->t, &x->c, NULL), JPKI_OK);
    x->f.ext_capable = true;
    padded_ef(x, 0xFF);
    x->f.eof_9000 = true;
    uint8_t *der = NULL;
    size_t len = 0;
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_AUTH, &der, &len, &x->e), JPKI_OK);
    assert_int_equal(len, sizeof auth_cert);
    assert_memory_equal(der, auth_cert, len);
    assert_int_equal(x->f.reads, 1); /* one READ: the padding after the DER is ignored */
    assert_true(x->f.max_le > 256);
    free(der);
    /* an ATR that lies: the card answers 6700 and we fall back to 256 */
    x->f.ext_capable = false;
    x->f.reads = 0;
    assert_int_equal(jpki_read_cert(x->c, JPKI_CERT_AUTH, &der, &len, &x->e), JPKI_OK);
    assert_int_equal(len, sizeof auth_cert);
    assert_memory_equal(der, auth_cert, len);
    assert_int_equal(x->f.reads, 1 + 1 + 5); /* 6700, the first 256, the rest in 5 */
    free(der);
}

static void short_atr_means_short_reads(void **state)
{
    fixture *x = *state;
    assert_false(jpki_transport_extended_ok(x->t));
    const uint8_t contact[] = {0x3B, 0xC5, 0xFF, 0x81, 0x31, 0xFB, 0x45, 0x80, 0x73, 0xC6, 0x01,
                               0x00, 0x00};
    const uint8_t contactless[] = {0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x05,
                                   0xE0, 0xB3, 0x81, 0xA1, 0x00, 0x7F};
    assert_false(jpki_atr_extended_length(contact, sizeof contact));
    assert_false(jpki_atr_extended_length(contactless, sizeof contactless));
    assert_true(jpki_atr_extended_length(atr_ext, sizeof atr_ext));
    assert_false(jpki_atr_extended_length(atr_ext, sizeof atr_ext - 3)); /* truncated */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(reads_auth_cert_in_short_chunks),
        T(selection_is_cached_inside_a_transaction_only),
        T(der_with_non_minimal_length),
        T(der_with_two_byte_tag_and_long_length),
        T(oversized_der_is_refused_before_reading),
        T(truncated_indefinite_and_erased_der),
        T(card_that_over_delivers_is_card_data),
        T(missing_and_empty_certificates),
        T(sign_cert_needs_sign_password),
        T(not_a_jpki_card),
        T(card_removed_mid_read),
        T(read_binary_offset_limit),
        T(token_flags_and_card_record),
        T(pin_status_never_spends_a_try),
        T(verified_pin_counter_query_answers_9000),
        T(bad_pin_format_never_reaches_card),
        T(wrong_pins_count_down_to_blocked),
        T(verify_then_change),
        T(sign_digestinfo_apdu),
        T(fewer_bytes_with_9000_ends_the_file),
        T(padding_after_the_der_is_ignored),
        T(extended_read_when_the_atr_announces_it),
        T(short_atr_means_short_reads),
        cmocka_unit_test(names_and_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
