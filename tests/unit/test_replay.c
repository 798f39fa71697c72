/* The replay transport: a recorded session answers the same commands with
 * the recorded responses; a PIN of the same length matches the redacted
 * recording; anything else is a JPKI_ERR_TRANSPORT naming the APDU.  The
 * recording is made by feeding exchanges to a trace the way lib/transport.c
 * does; the replay is driven through the transport's transmit op. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "jpki/apdu.h"
#include "jpki/profile.h"
#include "jpki/trace.h"
#include "jpki/transport.h"

static char tmpdir[64];
static char rec_path[128];

static const uint8_t sel_jpki[] = {0x00, 0xA4, 0x04, 0x0C, 0x0A, JPKI_AID_JPKI};
static const uint8_t sel_pin[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18};
static const uint8_t verify[] = {0x00, 0x20, 0x00, 0x80, 0x04, '1', '2', '3', '4'};
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
    jpki_trace *tr = jpki_trace_new();
    if (jpki_trace_set_cbor_file(tr, rec_path, NULL) != JPKI_OK)
        return -1;
    jpki_trace_set_card(tr, "Reader R", atr, sizeof atr);
    jpki_trace_event(tr, "Reader R", "transaction begin");
    jpki_trace_exchange(tr, "Reader R", sel_jpki, sizeof sel_jpki, ok, 2, 0.2, NULL);
    jpki_trace_exchange(tr, "Reader R", sel_pin, sizeof sel_pin, ok, 2, 0.2, NULL);
    /* a 1-byte command refused locally: never reached the card */
    jpki_trace_exchange(tr, "Reader R", (const uint8_t *)"\x00", 1, NULL, 0, 0.0, "refused");
    jpki_trace_exchange(tr, "Reader R", verify, sizeof verify, ok, 2, 3.0, NULL);
    jpki_trace_exchange(tr, "Reader R", read4, sizeof read4, cert_head, sizeof cert_head, 0.3, NULL);
    jpki_trace_exchange(tr, "Reader R", read4, sizeof read4, NULL, 0, 0.3, "card removed");
    jpki_trace_event(tr, "Reader R", "transaction end");
    jpki_trace_free(tr);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static jpki_rc send(jpki_transport *t, const uint8_t *c, size_t n, uint8_t *r, size_t *rlen,
                    jpki_error *e)
{
    *rlen = JPKI_RAPDU_MAX;
    return t->ops->transmit(t, c, n, r, rlen, e);
}

static void same_commands_get_recorded_answers(void **state)
{
    (void)state;
    jpki_transport *t;
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_replay_transport_open(rec_path, &t, &e), JPKI_OK);
    assert_string_equal(t->ops->kind, "replay");
    assert_string_equal(t->reader, "Reader R");
    assert_int_equal(t->atr_len, sizeof atr);
    assert_memory_equal(t->atr, atr, sizeof atr);
    assert_false(t->extended_ok);
    static uint8_t r[JPKI_RAPDU_MAX];
    size_t rlen;
    assert_int_equal(t->ops->begin(t, &e), JPKI_OK);
    assert_int_equal(send(t, sel_jpki, sizeof sel_jpki, r, &rlen, &e), JPKI_OK);
    assert_int_equal(rlen, 2);
    assert_int_equal(send(t, sel_pin, sizeof sel_pin, r, &rlen, &e), JPKI_OK);
    /* The recording holds no PIN: another PIN of the same length matches. */
    const uint8_t other_pin[] = {0x00, 0x20, 0x00, 0x80, 0x04, '9', '9', '9', '9'};
    assert_int_equal(send(t, other_pin, sizeof other_pin, r, &rlen, &e), JPKI_OK);
    assert_int_equal(send(t, read4, sizeof read4, r, &rlen, &e), JPKI_OK);
    assert_int_equal(rlen, sizeof cert_head);
    assert_memory_equal(r, cert_head, sizeof cert_head);
    /* The recorded failure is replayed as a failure. */
    assert_int_equal(send(t, read4, sizeof read4, r, &rlen, &e), JPKI_ERR_TRANSPORT);
    assert_non_null(strstr(e.message, "APDU #5 failed in the recording: card removed"));
    assert_int_equal(jpki_replay_transport_finish(t, &e), JPKI_OK);
    /* Running past the end. */
    assert_int_equal(send(t, read4, sizeof read4, r, &rlen, &e), JPKI_ERR_TRANSPORT);
    assert_non_null(strstr(e.message, "APDU #6 (READ BINARY"));
    assert_non_null(strstr(e.message, "runs past the end of the recording (5 APDUs recorded)"));
    assert_int_equal(t->ops->end(t, true, &e), JPKI_OK);
    t->ops->destroy(t);
}

static void mismatch_names_the_apdu_and_never_the_pin(void **state)
{
    (void)state;
    jpki_transport *t;
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_replay_transport_open(rec_path, &t, &e), JPKI_OK);
    static uint8_t r[JPKI_RAPDU_MAX];
    size_t rlen;
    assert_int_equal(send(t, sel_jpki, sizeof sel_jpki, r, &rlen, &e), JPKI_OK);
    /* a different EF */
    const uint8_t sel_other[] = {0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x1B};
    assert_int_equal(send(t, sel_other, sizeof sel_other, r, &rlen, &e), JPKI_ERR_TRANSPORT);
    assert_non_null(strstr(e.message, "APDU #2 differs from the recording at byte 6"));
    assert_non_null(strstr(e.message, "sent 00A4020C02 001B"));
    assert_non_null(strstr(e.message, "recorded 00A4020C02 0018"));
    /* the cursor did not move: the right command still matches */
    assert_int_equal(send(t, sel_pin, sizeof sel_pin, r, &rlen, &e), JPKI_OK);
    /* a PIN of another length differs at Lc; the message shows no PIN */
    const uint8_t longer[] = {0x00, 0x20, 0x00, 0x80, 0x06, '5', '6', '7', '8', '9', '0'};
    assert_int_equal(send(t, longer, sizeof longer, r, &rlen, &e), JPKI_ERR_TRANSPORT);
    assert_non_null(strstr(e.message, "APDU #4 differs from the recording at byte 4"));
    assert_null(strstr(e.message, "35"));
    assert_null(strstr(e.message, "567890"));
    assert_non_null(strstr(e.message, "sent 0020008006 FFFFFFFFFF.. (11 bytes), "
                                      "recorded 0020008004 FFFFFFFF (9 bytes)"));
    /* a different instruction */
    assert_int_equal(send(t, read4, sizeof read4, r, &rlen, &e), JPKI_ERR_TRANSPORT);
    assert_non_null(strstr(e.message, "at byte 1 (INS)"));
    assert_int_equal(jpki_replay_transport_finish(t, &e), JPKI_ERR_TRANSPORT);
    assert_non_null(strstr(e.message, "3 of 5 recorded APDUs were not sent"));
    t->ops->destroy(t);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_commands_get_recorded_answers),
        cmocka_unit_test(mismatch_names_the_apdu_and_never_the_pin),
        cmocka_unit_test(bad_recordings_are_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
