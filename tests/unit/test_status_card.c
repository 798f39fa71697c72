/* jpki_record_from_card (what jpki-status reads) against jpki-card-sim's
 * engine in-process, through the in-process transport with a spy in front:
 * the spy counts every VERIFY that carries data, so "status never spends a
 * PIN try" is asserted on the wire, and the counters are compared before
 * and after.  Also: the signature password path (right, wrong, last try),
 * face-authentication mode (from GET DATA and inferred without it) and a
 * card pulled mid-read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "jpki/jpki.h"
#include "jpki/records.h"
#include "sim_test_util.h"

typedef struct spy {
    sim_card *card;
    int apdus;
    int verify_with_data;   /* VERIFY carrying a PIN */
    bool no_get_data;       /* answer GET DATA with 6D00 (an older card) */
    int remove_after;       /* > 0: the card vanishes after this many APDUs */
} spy;

static size_t spy_handler(void *ctx, const uint8_t *capdu, size_t clen, uint8_t *rapdu,
                          size_t rcap)
{
    spy *s = ctx;
    if (s->remove_after > 0 && s->apdus >= s->remove_after)
        return 0;
    s->apdus++;
    if (clen > 5 && capdu[1] == JPKI_INS_VERIFY)
        s->verify_with_data++;
    if (s->no_get_data && capdu[1] == JPKI_INS_GET_DATA) {
        rapdu[0] = 0x6D;
        rapdu[1] = 0x00;
        return 2;
    }
    return sim_card_apdu(s->card, capdu, clen, rapdu, rcap);
}

static const time_t T_2025_01_01 = 1735689600;

static int group_setup(void **state)
{
    (void)state;
    return fx_setup("hanako");
}

typedef struct rig {
    char path[PATH_MAX];
    spy s;
    jpki_transport *t;
} rig;

static void rig_open(rig *r)
{
    memset(r, 0, sizeof *r);
    r->s.card = fx_card(r->path, sizeof r->path);
    assert_non_null(r->s.card);
    size_t atr_len;
    const uint8_t *atr = sim_card_atr(&atr_len);
    assert_int_equal(jpki_mem_transport_new(spy_handler, &r->s, atr, atr_len, &r->t, NULL), JPKI_OK);
}

static void rig_close(rig *r)
{
    jpki_transport_close(r->t);
    sim_card_free(r->s.card);
}

static jpki_rc read_status(rig *r, const jpki_secret *pin, jpki_record *rec, jpki_error *err)
{
    jpki_status_options o = {.now = T_2025_01_01, .include_der = true, .sign_pin = pin};
    return jpki_record_from_card(r->t, &o, rec, err);
}

static void secret(jpki_secret *s, const char *v)
{
    memset(s, 0, sizeof *s);
    s->len = strlen(v);
    memcpy(s->buf, v, s->len);
}

static void pin_card_status(void **state)
{
    (void)state;
    rig r;
    rig_open(&r);
    jpki_record rec;
    jpki_record_init(&rec);
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(read_status(&r, NULL, &rec, &e), JPKI_OK);
    assert_int_equal(r.s.verify_with_data, 0);
    assert_true(rec.card_present);
    assert_false(rec.has_error);
    assert_string_equal(rec.serial, sim_persona_find("hanako")->serial);
    assert_string_equal(rec.card_expiry, "2030-03-31");
    assert_string_equal(rec.token, "JPKIAPICCTOKEN2");
    assert_string_equal(rec.atr_hex, "3bc5ff8131fb458073c6010000"); /* the sim's default variant */
    for (int a = JPKI_APP_JPKI; a <= JPKI_APP_COMMON; a++)
        assert_true(rec.apps & (1u << a));
    assert_int_equal(rec.mode, JPKI_MODE_PIN);
    const jpki_record_cert *auth = &rec.certs[JPKI_CERT_AUTH];
    assert_true(auth->present && auth->have_details);
    char na[32];
    jpki_record_time_format(auth->not_after, na);
    assert_string_equal(na, "2025-03-31T14:59:59Z");
    assert_int_equal(auth->days_left, 89);
    assert_non_null(strstr(auth->issuer, "OU=JPKI for user authentication"));
    assert_true(auth->der_len > 500);
    /* The DER in the record is the card's certificate, byte for byte. */
    static uint8_t raw[JPKI_CERT_MAX];
    uint16_t sw = 0;
    assert_int_equal(tx(r.s.card, SEL_JPKI), 0x9000);
    assert_int_equal(sel_ef(r.s.card, JPKI_EF_AUTH_CERT), 0x9000);
    assert_true(read_all(r.s.card, raw, sizeof raw, &sw) >= auth->der_len);
    assert_memory_equal(raw, auth->der, auth->der_len);
    /* The signature certificate: present from the flags, not read. */
    const jpki_record_cert *sign = &rec.certs[JPKI_CERT_SIGN];
    assert_true(sign->listed && sign->present);
    assert_false(sign->have_details);
    assert_null(sign->der);
    assert_string_equal(sign->name, ""); /* no holder without the password */
    assert_non_null(strstr(sign->unavailable, "signature password"));
    assert_true(rec.certs[JPKI_CERT_AUTH_CA].have_details);
    assert_true(rec.certs[JPKI_CERT_SIGN_CA].have_details);
    static const int full[JPKI_PIN_COUNT] = {3, 5, 3, 3};
    for (int k = 0; k < JPKI_PIN_COUNT; k++) {
        assert_true(rec.pins[k].listed);
        assert_int_equal(rec.pins[k].tries_left, full[k]);
        assert_int_equal(rec.pins[k].max_tries, full[k]);
        assert_false(rec.pins[k].blocked);
    }
    jpki_record_clear(&rec);
    rig_close(&r);
}

static void counters_unchanged_by_status(void **state)
{
    (void)state;
    rig r;
    rig_open(&r);
    /* Spend one auth try and two sign tries by hand first. */
    assert_int_equal(tx(r.s.card, SEL_JPKI), 0x9000);
    assert_int_equal(sel_ef(r.s.card, JPKI_EF_AUTH_PIN), 0x9000);
    assert_int_equal(verify(r.s.card, "9999"), 0x63C2);
    assert_int_equal(sel_ef(r.s.card, JPKI_EF_SIGN_PIN), 0x9000);
    assert_int_equal(verify(r.s.card, "WRONG1"), 0x63C4);
    assert_int_equal(verify(r.s.card, "WRONG2"), 0x63C3);
    jpki_record before, after;
    jpki_record_init(&before);
    jpki_record_init(&after);
    assert_int_equal(read_status(&r, NULL, &before, NULL), JPKI_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(read_status(&r, NULL, &after, NULL), JPKI_OK);
    assert_int_equal(r.s.verify_with_data, 0);
    assert_int_equal(before.pins[JPKI_PIN_AUTH].tries_left, 2);
    assert_int_equal(before.pins[JPKI_PIN_SIGN].tries_left, 3);
    for (int k = 0; k < JPKI_PIN_COUNT; k++)
        assert_int_equal(before.pins[k].tries_left, after.pins[k].tries_left);
    /* And the card itself agrees. */
    assert_int_equal(tx(r.s.card, SEL_JPKI), 0x9000);
    assert_int_equal(sel_ef(r.s.card, JPKI_EF_AUTH_PIN), 0x9000);
    assert_int_equal(tx(r.s.card, "00 20 00 80"), 0x63C2);
    jpki_record_clear(&before);
    jpki_record_clear(&after);
    rig_close(&r);
}

static void sign_password_reads_sign_cert(void **state)
{
    (void)state;
    rig r;
    rig_open(&r);
    jpki_secret pw;
    secret(&pw, sim_persona_find("hanako")->pin_sign);
    jpki_record rec;
    jpki_record_init(&rec);
    assert_int_equal(read_status(&r, &pw, &rec, NULL), JPKI_OK);
    assert_int_equal(r.s.verify_with_data, 1);
    const jpki_record_cert *sign = &rec.certs[JPKI_CERT_SIGN];
    assert_true(sign->present && sign->have_details);
    assert_true(sign->der_len > 500);
    assert_non_null(strstr(sign->issuer, "OU=JPKI for digital signature"));
    /* the holder, from the certificate's JPKI otherNames */
    assert_string_equal(sign->name, sim_persona_find("hanako")->name);
    assert_string_equal(sign->address, sim_persona_find("hanako")->address);
    assert_string_equal(rec.certs[JPKI_CERT_AUTH].name, ""); /* the auth certificate has none */
    assert_int_equal(rec.pins[JPKI_PIN_SIGN].tries_left, 5);
    /* (That the transaction ends with a card reset, so the password does
     * not stay verified, needs PC/SC: t_status.sh checks it.) */
    jpki_record_clear(&rec);
    rig_close(&r);
}

static void wrong_sign_password(void **state)
{
    (void)state;
    rig r;
    rig_open(&r);
    jpki_secret pw;
    secret(&pw, "WRONG9");
    jpki_record rec;
    jpki_record_init(&rec);
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(read_status(&r, &pw, &rec, &e), JPKI_ERR_PIN_WRONG);
    assert_int_equal(e.tries_left, 4);
    assert_int_equal(r.s.verify_with_data, 1);
    assert_false(rec.has_error); /* the rest of the card was read */
    assert_true(rec.certs[JPKI_CERT_AUTH].have_details);
    assert_false(rec.certs[JPKI_CERT_SIGN].have_details);
    assert_true(rec.certs[JPKI_CERT_SIGN].unavailable[0] != '\0');
    jpki_record_clear(&rec);
    rig_close(&r);
}

static void last_sign_try_is_never_spent(void **state)
{
    (void)state;
    rig r;
    rig_open(&r);
    assert_int_equal(tx(r.s.card, SEL_JPKI), 0x9000);
    assert_int_equal(sel_ef(r.s.card, JPKI_EF_SIGN_PIN), 0x9000);
    for (int i = 0; i < 4; i++)
        verify(r.s.card, "WRONG1");
    assert_int_equal(tx(r.s.card, "00 20 00 80"), 0x63C1);
    jpki_secret pw;
    secret(&pw, sim_persona_find("hanako")->pin_sign);
    jpki_record rec;
    jpki_record_init(&rec);
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(read_status(&r, &pw, &rec, &e), JPKI_ERR_PIN_LAST_TRY);
    assert_int_equal(r.s.verify_with_data, 0);
    assert_non_null(strstr(rec.certs[JPKI_CERT_SIGN].unavailable, "one signature password try"));
    assert_int_equal(rec.pins[JPKI_PIN_SIGN].tries_left, 1);
    jpki_record_clear(&rec);
    rig_close(&r);
}

static void enter_face_mode(rig *r)
{
    jpki_issuer_key k;
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_issuer_key_load_file(fx.key, &k, &e), JPKI_OK);
    jpki_card *c = NULL;
    assert_int_equal(jpki_card_new(r->t, &c, NULL), JPKI_OK);
    assert_int_equal(jpki_issuer_authenticate(c, &k, &e), JPKI_OK);
    assert_int_equal(jpki_face_mode_enter(c, &e), JPKI_OK);
    jpki_card_free(c);
    jpki_issuer_key_wipe(&k);
    sim_card_power_cycle(r->s.card);
}

static void face_mode_card(void **state)
{
    (void)state;
    for (int no_get_data = 0; no_get_data <= 1; no_get_data++) {
        rig r;
        rig_open(&r);
        enter_face_mode(&r);
        r.s.no_get_data = no_get_data; /* 1: mode inferred from PINs + flags */
        r.s.verify_with_data = 0;
        jpki_record rec;
        jpki_record_init(&rec);
        assert_int_equal(read_status(&r, NULL, &rec, NULL), JPKI_OK);
        assert_int_equal(rec.mode, JPKI_MODE_FACE);
        assert_false(rec.certs[JPKI_CERT_SIGN].present);
        assert_true(rec.certs[JPKI_CERT_AUTH].have_details);
        assert_true(rec.pins[JPKI_PIN_AUTH].blocked);
        assert_int_equal(r.s.verify_with_data, 0);
        jpki_record_clear(&rec);
        rig_close(&r);
    }
    /* Without GET DATA an ordinary card is still a PIN card. */
    rig r;
    rig_open(&r);
    r.s.no_get_data = true;
    jpki_record rec;
    jpki_record_init(&rec);
    assert_int_equal(read_status(&r, NULL, &rec, NULL), JPKI_OK);
    assert_int_equal(rec.mode, JPKI_MODE_PIN);
    jpki_record_clear(&rec);
    rig_close(&r);
}

static void card_pulled_mid_read(void **state)
{
    (void)state;
    for (int n = 1; n < 36; n += 3) { /* a full read takes 36 APDUs on this card */
        rig r;
        rig_open(&r);
        r.s.remove_after = n;
        jpki_record rec;
        jpki_record_init(&rec);
        jpki_error e;
        jpki_error_clear(&e);
        jpki_rc rc = read_status(&r, NULL, &rec, &e);
        assert_int_not_equal(rc, JPKI_OK);
        assert_true(rec.has_error);
        assert_string_equal(rec.error_code, jpki_rc_name(rc));
        assert_true(rec.error[0] != '\0');
        assert_null(strchr(rec.error, '\n'));
        /* The record still encodes and decodes. */
        uint8_t *buf;
        size_t len;
        assert_int_equal(jpki_record_encode(&rec, JPKI_RECORD_CBOR, true, &buf, &len, NULL), JPKI_OK);
        jpki_record back;
        jpki_record_init(&back);
        assert_int_equal(jpki_record_decode(buf, len, JPKI_RECORD_CBOR, &back, NULL), JPKI_OK);
        assert_true(back.has_error);
        free(buf);
        jpki_record_clear(&back);
        jpki_record_clear(&rec);
        rig_close(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pin_card_status),
        cmocka_unit_test(counters_unchanged_by_status),
        cmocka_unit_test(sign_password_reads_sign_cert),
        cmocka_unit_test(wrong_sign_password),
        cmocka_unit_test(last_sign_try_is_never_spent),
        cmocka_unit_test(face_mode_card),
        cmocka_unit_test(card_pulled_mid_read),
    };
    return cmocka_run_group_tests(tests, group_setup, fx_teardown);
}
