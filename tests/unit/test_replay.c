/* The replay transport: a recorded session answers the same commands with
 * the recorded responses; a PIN of the same length matches the redacted
 * recording; anything else is a JPKI_ERR_TRANSPORT naming the APDU.  One
 * recording is made by feeding exchanges to a trace directly and replayed
 * through the transmit op; others are full round trips through
 * jpki_transmit and the card API: the simulator's engine in-process
 * (jpki_mem_transport_new) records, the replay transport plays it back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "jpki/jpki.h"
#include "jpki/profile.h"
#include "jpki/trace.h"
#include "jpki/transport.h"
/* The shared fixture also defines helpers this test does not use. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "sim_test_util.h"
#pragma GCC diagnostic pop

static char tmpdir[64];
static char rec_path[128];

static const uint8_t sel_jpki[] = {0x00, 0xA4, 0x04, 0x0C, 0x0A, JPKI_AID_JPKI};
static const uint8_t sel_pin[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18};
static const uint8_t verify_cmd[] = {0x00, 0x20, 0x00, 0x80, 0x04, '1', '2', '3', '4'};
static const uint8_t read4[] = {0x00, 0xB0, 0x00, 0x00, 0x04};
static const uint8_t ok[] = {0x90, 0x00};
static const uint8_t cert_head[] = {0x30, 0x82, 0x06, 0x1C, 0x90, 0x00};
static const uint8_t atr[] = {JPKI_ATR};

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/jpki-test-replay.XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(rec_path, sizeof rec_path, "%s/rec.cbor", tmpdir);
    if (fx_setup("taro") != 0)
        return -1;
    jpki_trace *tr = jpki_trace_new();
    if (jpki_trace_set_cbor_file(tr, rec_path, NULL) != JPKI_OK)
        return -1;
    jpki_trace_set_card(tr, "Reader R", atr, sizeof atr);
    jpki_trace_event(tr, "Reader R", "transaction begin");
    jpki_trace_exchange(tr, "Reader R", sel_jpki, sizeof sel_jpki, ok, 2, 0.2, NULL);
    jpki_trace_exchange(tr, "Reader R", sel_pin, sizeof sel_pin, ok, 2, 0.2, NULL);
    /* a 1-byte command refused locally: never reached the card */
    jpki_trace_exchange(tr, "Reader R", (const uint8_t *)"\x00", 1, NULL, 0, 0.0, "refused");
    jpki_trace_exchange(tr, "Reader R", verify_cmd, sizeof verify_cmd, ok, 2, 3.0, NULL);
    jpki_trace_exchange(tr, "Reader R", read4, sizeof read4, cert_head, sizeof cert_head, 0.3, NULL);
    jpki_trace_exchange(tr, "Reader R", read4, sizeof read4, NULL, 0, 0.3, "card removed");
    jpki_trace_event(tr, "Reader R", "transaction end");
    jpki_trace_free(tr);
    return 0;
}

static int teardown(void **state)
{
    fx_teardown(state);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* One exchange as the card answered it (data || SW): no GET RESPONSE or
 * resend, so each call consumes exactly one recorded APDU. */
static jpki_rc send(jpki_transport *t, const uint8_t *c, size_t n, uint8_t *r, size_t *rn,
                    jpki_error *e)
{
    static jpki_response resp;
    jpki_transport_set_auto_get_response(t, false);
    jpki_rc rc = jpki_transmit_raw(t, c, n, &resp, e);
    if (rc != JPKI_OK)
        return rc;
    memcpy(r, resp.data, resp.len);
    r[resp.len] = (uint8_t)(resp.sw >> 8);
    r[resp.len + 1] = (uint8_t)resp.sw;
    *rn = resp.len + 2;
    return JPKI_OK;
}

static void same_commands_get_recorded_answers(void **state)
{
    (void)state;
    jpki_transport *t;
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_replay_transport_open(rec_path, &t, &e), JPKI_OK);
    assert_string_equal(jpki_transport_kind(t), "replay");
    assert_string_equal(jpki_transport_reader(t), "Reader R");
    size_t atr_len;
    const uint8_t *t_atr = jpki_transport_atr(t, &atr_len);
    assert_int_equal(atr_len, sizeof atr);
    assert_memory_equal(t_atr, atr, sizeof atr);
    assert_false(jpki_transport_extended_ok(t));
    static uint8_t r[JPKI_RAPDU_MAX];
    size_t rn;
    assert_int_equal(jpki_transport_begin(t, &e), JPKI_OK);
    assert_int_equal(send(t, sel_jpki, sizeof sel_jpki, r, &rn, &e), JPKI_OK);
    assert_int_equal(rn, 2);
    assert_int_equal(send(t, sel_pin, sizeof sel_pin, r, &rn, &e), JPKI_OK);
    /* The recording holds no PIN: another PIN of the same length matches. */
    const uint8_t other_pin[] = {0x00, 0x20, 0x00, 0x80, 0x04, '9', '9', '9', '9'};
    assert_int_equal(send(t, other_pin, sizeof other_pin, r, &rn, &e), JPKI_OK);
    assert_int_equal(send(t, read4, sizeof read4, r, &rn, &e), JPKI_OK);
    assert_int_equal(rn, sizeof cert_head);
    assert_memory_equal(r, cert_head, sizeof cert_head);
    /* The recorded failure is replayed as a failure. */
    assert_int_equal(send(t, read4, sizeof read4, r, &rn, &e), JPKI_ERR_TRANSPORT);
    assert_non_null(strstr(e.message, "APDU #5 failed in the recording: card removed"));
    assert_int_equal(jpki_replay_transport_finish(t, &e), JPKI_OK);
    /* Running past the end. */
    assert_int_equal(send(t, read4, sizeof read4, r, &rn, &e), JPKI_ERR_TRANSPORT);
    assert_non_null(strstr(e.message, "APDU #6 (READ BINARY"));
    assert_non_null(strstr(e.message, "runs past the end of the recording (5 APDUs recorded)"));
    assert_int_equal(jpki_transport_end(t, true, &e), JPKI_OK);
    jpki_transport_close(t);
}

static void mismatch_names_the_apdu_and_never_the_pin(void **state)
{
    (void)state;
    jpki_transport *t;
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_replay_transport_open(rec_path, &t, &e), JPKI_OK);
    static uint8_t r[JPKI_RAPDU_MAX];
    size_t rn;
    assert_int_equal(send(t, sel_jpki, sizeof sel_jpki, r, &rn, &e), JPKI_OK);
    /* a different EF */
    const uint8_t sel_other[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1B};
    assert_int_equal(send(t, sel_other, sizeof sel_other, r, &rn, &e), JPKI_ERR_TRANSPORT);
    assert_non_null(strstr(e.message, "APDU #2 differs from the recording at byte 6"));
    assert_non_null(strstr(e.message, "sent 00A4020C02 001B"));
    assert_non_null(strstr(e.message, "recorded 00A4020C02 0018"));
    /* the cursor did not move: the right command still matches */
    assert_int_equal(send(t, sel_pin, sizeof sel_pin, r, &rn, &e), JPKI_OK);
    /* a PIN of another length differs at Lc; the message shows no PIN */
    const uint8_t longer[] = {0x00, 0x20, 0x00, 0x80, 0x06, '5', '6', '7', '8', '9', '0'};
    assert_int_equal(send(t, longer, sizeof longer, r, &rn, &e), JPKI_ERR_TRANSPORT);
    assert_non_null(strstr(e.message, "APDU #4 differs from the recording at byte 4"));
    assert_null(strstr(e.message, "35"));
    assert_null(strstr(e.message, "567890"));
    assert_non_null(strstr(e.message, "sent 0020008006 FFFFFFFFFF.. (11 bytes), "
                                      "recorded 0020008004 FFFFFFFF (9 bytes)"));
    /* a different instruction */
    assert_int_equal(send(t, read4, sizeof read4, r, &rn, &e), JPKI_ERR_TRANSPORT);
    assert_non_null(strstr(e.message, "at byte 1 (INS)"));
    assert_int_equal(jpki_replay_transport_finish(t, &e), JPKI_ERR_TRANSPORT);
    assert_non_null(strstr(e.message, "3 of 5 recorded APDUs were not sent"));
    jpki_transport_close(t);
}

static void bad_recordings_are_refused(void **state)
{
    (void)state;
    jpki_transport *t = NULL;
    jpki_error e;
    jpki_error_clear(&e);
    char p[160];
    snprintf(p, sizeof p, "%s/absent.cbor", tmpdir);
    assert_int_equal(jpki_replay_transport_open(p, &t, &e), JPKI_ERR_IO);
    assert_null(t);
    snprintf(p, sizeof p, "%s/cut.cbor", tmpdir);
    FILE *in = fopen(rec_path, "rb"), *out = fopen(p, "wb");
    assert_non_null(in);
    assert_non_null(out);
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof buf, in);
    fwrite(buf, 1, n - 3, out);
    fclose(in);
    fclose(out);
    assert_int_equal(jpki_replay_transport_open(p, &t, &e), JPKI_ERR_FORMAT);
    assert_non_null(strstr(e.message, "truncated"));
    assert_null(t);
}

/* What a program reads from a card: the signature certificate after the
 * sign password, the auth certificate, two retry counters. */
typedef struct card_facts {
    uint8_t *sign, *auth;
    size_t sign_len, auth_len;
    int tries_sign, tries_auth;
} card_facts;

static jpki_rc read_facts(jpki_transport *t, const char *pw, card_facts *f, jpki_error *e)
{
    jpki_card *c = NULL;
    assert_int_equal(jpki_card_new(t, &c, NULL), JPKI_OK);
    jpki_secret s;
    memset(&s, 0, sizeof s);
    memcpy(s.buf, pw, strlen(pw));
    s.len = strlen(pw);
    jpki_pin_status st;
    jpki_rc rc = jpki_transport_begin(t, e);
    if (rc == JPKI_OK)
        rc = jpki_pin_verify(c, JPKI_PIN_SIGN, &s, e);
    if (rc == JPKI_OK)
        rc = jpki_read_cert(c, JPKI_CERT_SIGN, &f->sign, &f->sign_len, e);
    if (rc == JPKI_OK)
        rc = jpki_read_cert(c, JPKI_CERT_AUTH, &f->auth, &f->auth_len, e);
    if (rc == JPKI_OK && (rc = jpki_pin_status_get(c, JPKI_PIN_SIGN, &st, e)) == JPKI_OK)
        f->tries_sign = st.tries_left;
    if (rc == JPKI_OK && (rc = jpki_pin_status_get(c, JPKI_PIN_AUTH, &st, e)) == JPKI_OK)
        f->tries_auth = st.tries_left;
    if (rc == JPKI_OK)
        rc = jpki_transport_end(t, true, e);
    jpki_secret_wipe(&s);
    jpki_card_free(c);
    return rc;
}

static void card_api_round_trip(void **state)
{
    (void)state;
    char card_path[PATH_MAX], rec[160];
    snprintf(rec, sizeof rec, "%s/card.cbor", tmpdir);
    sim_card *card = fx_card(card_path, sizeof card_path);
    assert_non_null(card);
    jpki_error e;
    jpki_error_clear(&e);
    jpki_transport *t;
    assert_int_equal(jpki_mem_transport_new(sim_card_apdu, card, atr, sizeof atr, &t, &e), JPKI_OK);
    jpki_trace *tr = jpki_trace_new();
    assert_int_equal(jpki_trace_set_cbor_file(tr, rec, &e), JPKI_OK);
    size_t atr_len;
    const uint8_t *t_atr = jpki_transport_atr(t, &atr_len);
    jpki_trace_set_card(tr, jpki_transport_reader(t), t_atr, atr_len);
    jpki_transport_set_trace(t, tr);
    card_facts live = {0}, again = {0};
    assert_int_equal(read_facts(t, "ABC123", &live, &e), JPKI_OK);
    jpki_transport_close(t);
    jpki_trace_free(tr);
    sim_card_free(card);
    assert_true(live.sign_len > 500);
    assert_int_equal(live.tries_sign, 5);

    /* The recording holds the answers but not the password. */
    FILE *f = fopen(rec, "rb");
    assert_non_null(f);
    static uint8_t bytes[1 << 16];
    size_t n = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    assert_null(memmem(bytes, n, "ABC123", 6));

    assert_int_equal(jpki_replay_transport_open(rec, &t, &e), JPKI_OK);
    assert_string_equal(jpki_transport_reader(t), "mem");
    assert_int_equal(read_facts(t, "ZZZ999", &again, &e), JPKI_OK);
    assert_int_equal(jpki_replay_transport_finish(t, &e), JPKI_OK);
    jpki_transport_close(t);
    assert_int_equal(again.sign_len, live.sign_len);
    assert_memory_equal(again.sign, live.sign, live.sign_len);
    assert_int_equal(again.auth_len, live.auth_len);
    assert_memory_equal(again.auth, live.auth, live.auth_len);
    assert_int_equal(again.tries_sign, live.tries_sign);
    assert_int_equal(again.tries_auth, live.tries_auth);
    free(live.sign), free(live.auth), free(again.sign), free(again.auth);

    /* A password of another length is a different command: refused with
     * the APDU's index, before any answer is given. */
    assert_int_equal(jpki_replay_transport_open(rec, &t, &e), JPKI_OK);
    card_facts other = {0};
    assert_int_equal(read_facts(t, "ZZZ9999", &other, &e), JPKI_ERR_TRANSPORT);
    assert_non_null(strstr(e.message, "differs from the recording at byte 4"));
    jpki_transport_close(t);
    free(other.sign), free(other.auth);
}

/* 61xx: the GET RESPONSE exchanges are recorded one by one and replayed
 * the same way, so jpki_transmit joins the same answer both times. */
static size_t card_61xx(void *ctx, const uint8_t *c, size_t n, uint8_t *r, size_t cap)
{
    (void)ctx, (void)n, (void)cap;
    if (c[1] == 0xB0) {
        r[0] = 0x61;
        r[1] = 0x00;
        return 2;
    }
    for (int i = 0; i < 256; i++)
        r[i] = (uint8_t)i;
    r[256] = 0x90;
    r[257] = 0x00;
    return 258;
}

static void get_response_round_trip(void **state)
{
    (void)state;
    char rec[160];
    snprintf(rec, sizeof rec, "%s/gr.cbor", tmpdir);
    jpki_error e;
    jpki_error_clear(&e);
    jpki_transport *t;
    assert_int_equal(jpki_mem_transport_new(card_61xx, NULL, NULL, 0, &t, &e), JPKI_OK);
    jpki_trace *tr = jpki_trace_new();
    assert_int_equal(jpki_trace_set_cbor_file(tr, rec, &e), JPKI_OK);
    jpki_transport_set_trace(t, tr);
    jpki_apdu rb = {.ins = 0xB0, .ne = 256};
    static jpki_response live, again;
    assert_int_equal(jpki_transmit(t, &rb, &live, &e), JPKI_OK);
    jpki_transport_close(t);
    jpki_trace_free(tr);
    assert_int_equal(live.len, 256);

    jpki_trace_log *log;
    assert_int_equal(jpki_trace_load(rec, false, &log, &e), JPKI_OK);
    size_t apdus = 0;
    for (size_t i = 0; i < log->count; i++)
        apdus += log->items[i].kind == JPKI_TRACE_APDU;
    assert_int_equal(apdus, 2); /* READ BINARY, GET RESPONSE */
    jpki_trace_log_free(log);

    assert_int_equal(jpki_replay_transport_open(rec, &t, &e), JPKI_OK);
    assert_int_equal(jpki_transmit(t, &rb, &again, &e), JPKI_OK);
    assert_int_equal(again.sw, 0x9000);
    assert_int_equal(again.len, live.len);
    assert_memory_equal(again.data, live.data, live.len);
    assert_int_equal(jpki_replay_transport_finish(t, &e), JPKI_OK);
    jpki_transport_close(t);
}

/* Counter operations traced in both formats: the issuer key never reaches
 * the card (so no trace), the new PIN of RESET RETRY COUNTER and the four
 * PINs of ENABLE VERIFICATION REQUIREMENT are redacted. */
static void issuer_session_traces_hold_no_secret(void **state)
{
    (void)state;
    char card_path[PATH_MAX], rec[160];
    snprintf(rec, sizeof rec, "%s/issuer.cbor", tmpdir);
    sim_card *card = fx_card(card_path, sizeof card_path);
    assert_non_null(card);
    jpki_error e;
    jpki_error_clear(&e);
    jpki_issuer_key key;
    assert_int_equal(jpki_issuer_key_load_file(fx.key, &key, &e), JPKI_OK);
    jpki_transport *t;
    assert_int_equal(jpki_mem_transport_new(sim_card_apdu, card, atr, sizeof atr, &t, &e), JPKI_OK);
    char *text = NULL;
    size_t text_len = 0;
    FILE *tf = open_memstream(&text, &text_len);
    jpki_trace *tr = jpki_trace_new();
    jpki_trace_set_text(tr, tf);
    assert_int_equal(jpki_trace_set_cbor_file(tr, rec, &e), JPKI_OK);
    jpki_transport_set_trace(t, tr);
    jpki_card *c = NULL;
    assert_int_equal(jpki_card_new(t, &c, NULL), JPKI_OK);
    jpki_secret newpin;
    memset(&newpin, 0, sizeof newpin);
    memcpy(newpin.buf, "8642", 4);
    newpin.len = 4;
    jpki_secret pins[JPKI_PIN_COUNT];
    const char *const values[JPKI_PIN_COUNT] = {"9753", "QWERTY77", "8531", "7410"};
    for (int i = 0; i < JPKI_PIN_COUNT; i++) {
        memset(&pins[i], 0, sizeof pins[i]);
        memcpy(pins[i].buf, values[i], strlen(values[i]));
        pins[i].len = strlen(values[i]);
    }
    assert_int_equal(jpki_issuer_authenticate(c, &key, &e), JPKI_OK);
    assert_int_equal(jpki_pin_reset(c, JPKI_PIN_AUTH, &newpin, &e), JPKI_OK);
    assert_int_equal(jpki_face_mode_enter(c, &e), JPKI_OK);
    assert_int_equal(jpki_face_mode_leave(c, pins, &e), JPKI_OK);
    jpki_card_free(c);
    jpki_transport_close(t);
    jpki_trace_free(tr);
    fclose(tf);
    sim_card_free(card);

    FILE *f = fopen(rec, "rb");
    assert_non_null(f);
    static uint8_t bytes[1 << 16];
    size_t n = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    char keyhex[2 * JPKI_ISSUER_KEY_LEN + 1], keyspaced[3 * JPKI_ISSUER_KEY_LEN + 1];
    for (int i = 0; i < JPKI_ISSUER_KEY_LEN; i++) {
        snprintf(keyhex + 2 * i, 3, "%02X", key.key[i]);
        snprintf(keyspaced + 3 * i, 4, "%02X ", key.key[i]);
    }
    keyspaced[3 * JPKI_ISSUER_KEY_LEN - 1] = '\0';
    /* the key as bytes, and the first 8 of them (a partial leak) */
    assert_null(memmem(bytes, n, key.key, 8));
    assert_null(memmem(text, text_len, keyhex, 16));
    assert_null(memmem(text, text_len, keyspaced, 3 * 8 - 1));
    assert_null(memmem(bytes, n, "8642", 4));
    assert_null(strstr(text, "38 36 34 32"));
    for (int i = 0; i < JPKI_PIN_COUNT; i++) {
        assert_null(memmem(bytes, n, values[i], strlen(values[i])));
        assert_null(strstr(text, values[i]));
    }
    /* ... and the trace says what happened. */
    assert_non_null(strstr(text, "MUTUAL AUTHENTICATE (issuer session): host challenge 8 bytes + MAC 16 bytes"));
    assert_non_null(strstr(text, "RESET RETRY COUNTER EF 0018 (auth PIN): new PIN (4 bytes, redacted) and full tries"));
    assert_non_null(strstr(text, "DISABLE VERIFICATION REQUIREMENT: enter face-authentication mode"));
    assert_non_null(strstr(text, "auth PIN 4 bytes, sign password 8 bytes, card-info PIN 4 bytes, registry PIN 4 bytes, PINs redacted"));
    free(text);
    jpki_issuer_key_wipe(&key);
    for (int i = 0; i < JPKI_PIN_COUNT; i++)
        jpki_secret_wipe(&pins[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_commands_get_recorded_answers),
        cmocka_unit_test(mismatch_names_the_apdu_and_never_the_pin),
        cmocka_unit_test(bad_recordings_are_refused),
        cmocka_unit_test(card_api_round_trip),
        cmocka_unit_test(get_response_round_trip),
        cmocka_unit_test(issuer_session_traces_hold_no_secret),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
