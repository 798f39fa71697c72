/* Transport core: GET RESPONSE chaining, 6Cxx resend, refused 1-byte APDUs,
 * removed card, nested transactions, tracing, ATR capabilities, PC/SC error
 * mapping and reader choice.
 * Uses the in-process transport (jpki_mem_transport_new) with a small
 * scripted fake card defined in this file -- no PC/SC involved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jpki/jpki.h"
#include "../../lib/pcsc_internal.h"

/* ---- scripted fake card ---- */

typedef enum {
    FAKE_CHAIN,      /* 100 bytes + 61C8, then GET RESPONSE gives 200 more */
    FAKE_WRONG_LE,   /* READ BINARY with Le != 8 -> 6C08 */
    FAKE_REMOVED,    /* handler returns 0 */
    FAKE_ENDLESS_61, /* always 1 byte + 6101 */
    FAKE_NO_SW,      /* answers a single byte */
    FAKE_ECHO        /* answers 9000 to anything */
} fake_mode;

typedef struct fake {
    fake_mode mode;
    int calls;
    uint8_t last[300][64]; /* copies of the first 64 bytes of each command */
    size_t last_len[300];
} fake;

static uint8_t payload(size_t i) { return (uint8_t)(i * 7 + 3); }

static size_t fake_handler(void *ctx, const uint8_t *c, size_t n, uint8_t *r, size_t cap)
{
    fake *f = ctx;
    assert_true(cap >= 258);
    if (f->calls < 300) {
        memcpy(f->last[f->calls], c, n < 64 ? n : 64);
        f->last_len[f->calls] = n;
    }
    f->calls++;
    switch (f->mode) {
    case FAKE_CHAIN:
        if (c[1] == 0xC0) {
            assert_int_equal(c[4], 0xC8);
            for (size_t i = 0; i < 200; i++)
                r[i] = payload(100 + i);
            r[200] = 0x90;
            r[201] = 0x00;
            return 202;
        }
        for (size_t i = 0; i < 100; i++)
            r[i] = payload(i);
        r[100] = 0x61;
        r[101] = 0xC8;
        return 102;
    case FAKE_WRONG_LE:
        if (c[n - 1] != 8) {
            r[0] = 0x6C;
            r[1] = 0x08;
            return 2;
        }
        memset(r, 0xAB, 8);
        r[8] = 0x90;
        r[9] = 0x00;
        return 10;
    case FAKE_REMOVED:
        return 0;
    case FAKE_ENDLESS_61:
        r[0] = 0x55;
        r[1] = 0x61;
        r[2] = 0x01;
        return 3;
    case FAKE_NO_SW:
        r[0] = 0x90;
        return 1;
    case FAKE_ECHO:
        r[0] = 0x90;
        r[1] = 0x00;
        return 2;
    }
    return 0;
}

static const uint8_t jpki_atr[] = {JPKI_ATR};

static jpki_transport *open_fake(fake *f, fake_mode m)
{
    memset(f, 0, sizeof *f);
    f->mode = m;
    jpki_transport *t = NULL;
    assert_int_equal(jpki_mem_transport_new(fake_handler, f, jpki_atr, sizeof jpki_atr, &t, NULL),
                     JPKI_OK);
    return t;
}

static jpki_response resp; /* 64 KiB: keep it off the stack */

static void get_response_chaining(void **state)
{
    (void)state;
    fake f;
    jpki_transport *t = open_fake(&f, FAKE_CHAIN);
    jpki_apdu a = {.cla = 0x80, .ins = 0x2A, .p1 = 0, .p2 = 0x80, .data = (const uint8_t *)"x",
                   .nc = 1, .ne = 256};
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_transmit(t, &a, &resp, &e), JPKI_OK);
    assert_int_equal(resp.sw, 0x9000);
    assert_int_equal(resp.len, 300);
    for (size_t i = 0; i < 300; i++)
        assert_int_equal(resp.data[i], payload(i));
    assert_int_equal(f.calls, 2);
    /* GET RESPONSE is inter-industry (CLA 00) even after a CLA 80 command. */
    const uint8_t gr[] = {0x00, 0xC0, 0x00, 0x00, 0xC8};
    assert_int_equal(f.last_len[1], sizeof gr);
    assert_memory_equal(f.last[1], gr, sizeof gr);
    jpki_transport_close(t);
}

static void no_auto_get_response_passes_61xx_through(void **state)
{
    (void)state;
    fake f;
    jpki_transport *t = open_fake(&f, FAKE_CHAIN);
    t->auto_get_response = false;
    jpki_apdu a = {.ins = 0xCA, .ne = 256};
    assert_int_equal(jpki_transmit(t, &a, &resp, NULL), JPKI_OK);
    assert_int_equal(resp.sw, 0x61C8);
    assert_int_equal(resp.len, 100);
    assert_int_equal(f.calls, 1);
    jpki_transport_close(t);
}

static void wrong_le_is_resent_with_exact_length(void **state)
{
    (void)state;
    fake f;
    jpki_transport *t = open_fake(&f, FAKE_WRONG_LE);
    jpki_apdu a = {.ins = 0xB0, .p1 = 0, .p2 = 0, .ne = 0x20};
    assert_int_equal(jpki_transmit(t, &a, &resp, NULL), JPKI_OK);
    assert_int_equal(resp.sw, 0x9000);
    assert_int_equal(resp.len, 8);
    assert_int_equal(f.calls, 2);
    const uint8_t again[] = {0x00, 0xB0, 0x00, 0x00, 0x08};
    assert_memory_equal(f.last[1], again, sizeof again);
    jpki_transport_close(t);
}

static void wrong_le_on_raw_case4_command(void **state)
{
    (void)state;
    fake f;
    jpki_transport *t = open_fake(&f, FAKE_WRONG_LE);
    const uint8_t raw[] = {0x00, 0xCB, 0x3F, 0xFF, 0x02, 0x5C, 0x00, 0x00};
    assert_int_equal(jpki_transmit_raw(t, raw, sizeof raw, &resp, NULL), JPKI_OK);
    assert_int_equal(resp.len, 8);
    assert_int_equal(f.last_len[1], sizeof raw);
    assert_memory_equal(f.last[1], raw, sizeof raw - 1);
    assert_int_equal(f.last[1][sizeof raw - 1], 0x08);
    jpki_transport_close(t);
}

static void removed_card_is_card_removed(void **state)
{
    (void)state;
    fake f;
    jpki_transport *t = open_fake(&f, FAKE_REMOVED);
    jpki_apdu a = {.ins = 0xB0, .ne = 4};
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_transmit(t, &a, &resp, &e), JPKI_ERR_CARD_REMOVED);
    assert_int_equal(e.code, JPKI_ERR_CARD_REMOVED);
    assert_non_null(strstr(e.message, "removed"));
    jpki_transport_close(t);
}

static void one_byte_apdu_never_leaves(void **state)
{
    (void)state;
    fake f;
    jpki_transport *t = open_fake(&f, FAKE_ECHO);
    const uint8_t one[] = {0x02}; /* would be "reset" to vpcd and hang pcscd */
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_transmit_raw(t, one, 1, &resp, &e), JPKI_ERR_TRANSPORT);
    assert_non_null(strstr(e.message, "1-byte"));
    assert_int_equal(jpki_transmit_raw(t, one, 0, &resp, &e), JPKI_ERR_TRANSPORT);
    assert_int_equal(f.calls, 0);
    jpki_transport_close(t);
}

static void endless_61xx_is_bounded(void **state)
{
    (void)state;
    fake f;
    jpki_transport *t = open_fake(&f, FAKE_ENDLESS_61);
    jpki_apdu a = {.ins = 0xCA, .ne = 1};
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_transmit(t, &a, &resp, &e), JPKI_ERR_CARD_DATA);
    assert_true(f.calls > 1 && f.calls <= 302);
    jpki_transport_close(t);
}

static void response_without_status_word(void **state)
{
    (void)state;
    fake f;
    jpki_transport *t = open_fake(&f, FAKE_NO_SW);
    jpki_apdu a = {.ins = 0xA4, .p1 = 4};
    assert_int_equal(jpki_transmit(t, &a, &resp, NULL), JPKI_ERR_CARD_DATA);
    jpki_transport_close(t);
}

static void extended_apdu_refused_for_jpki_atr(void **state)
{
    (void)state;
    fake f;
    jpki_transport *t = open_fake(&f, FAKE_ECHO);
    assert_false(t->extended_ok);
    static uint8_t big[300];
    jpki_apdu a = {.ins = 0xD6, .data = big, .nc = sizeof big};
    assert_int_equal(jpki_transmit(t, &a, &resp, NULL), JPKI_ERR_UNSUPPORTED);
    assert_int_equal(f.calls, 0);
    t->extended_ok = true;
    assert_int_equal(jpki_transmit(t, &a, &resp, NULL), JPKI_OK);
    assert_int_equal(f.calls, 1);
    jpki_transport_close(t);
}

static void atr_extended_length_capability(void **state)
{
    (void)state;
    const uint8_t jp[] = {JPKI_ATR};
    assert_false(jpki_atr_extended_length(jp, sizeof jp));
    /* Category 80, card capabilities 73 00 00 40: extended Lc/Le. */
    const uint8_t ext80[] = {0x3B, 0x05, 0x80, 0x73, 0x00, 0x00, 0x40};
    assert_true(jpki_atr_extended_length(ext80, sizeof ext80));
    /* Category 00 with 3 status bytes after the objects. */
    const uint8_t ext00[] = {0x3B, 0x08, 0x00, 0x73, 0x00, 0x00, 0xC0, 0x00, 0x90, 0x00};
    assert_true(jpki_atr_extended_length(ext00, sizeof ext00));
    /* Same with interface bytes (TD1 -> T=1, TA2) before the history. */
    const uint8_t ext_td[] = {0x3B, 0x85, 0x81, 0x11, 0x10, 0x80, 0x73, 0x00, 0x00, 0x40, 0x00};
    assert_true(jpki_atr_extended_length(ext_td, sizeof ext_td));
    const uint8_t no_bit[] = {0x3B, 0x05, 0x80, 0x73, 0x00, 0x00, 0x80};
    assert_false(jpki_atr_extended_length(no_bit, sizeof no_bit));
    const uint8_t truncated[] = {0x3B, 0x0A, 0x80, 0x73, 0x00};
    assert_false(jpki_atr_extended_length(truncated, sizeof truncated));
    const uint8_t bad_tlv[] = {0x3B, 0x03, 0x80, 0x7F, 0x00};
    assert_false(jpki_atr_extended_length(bad_tlv, sizeof bad_tlv));
    assert_false(jpki_atr_extended_length(NULL, 0));
}

/* A transport of our own to count what reaches the card. */
typedef struct counting {
    int begins, ends, resets;
} counting;

static jpki_rc cnt_transmit(jpki_transport *t, const uint8_t *c, size_t n, uint8_t *r,
                            size_t *rlen, jpki_error *err)
{
    (void)t, (void)c, (void)n, (void)err;
    r[0] = 0x90;
    r[1] = 0x00;
    *rlen = 2;
    return JPKI_OK;
}
static jpki_rc cnt_begin(jpki_transport *t, jpki_error *err)
{
    (void)err;
    ((counting *)t->impl)->begins++;
    return JPKI_OK;
}
static jpki_rc cnt_end(jpki_transport *t, bool reset, jpki_error *err)
{
    (void)err;
    ((counting *)t->impl)->ends++;
    ((counting *)t->impl)->resets += reset;
    return JPKI_OK;
}
static void cnt_destroy(jpki_transport *t) { (void)t; }
static const jpki_transport_ops cnt_ops = {
    .kind = "count", .transmit = cnt_transmit, .begin = cnt_begin, .end = cnt_end,
    .destroy = cnt_destroy};

static void nested_transactions_reach_card_once(void **state)
{
    (void)state;
    counting k = {0};
    jpki_transport t = {.ops = &cnt_ops, .impl = &k};
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_transport_begin(&t, &e), JPKI_OK);
    assert_int_equal(jpki_transport_begin(&t, &e), JPKI_OK);
    assert_int_equal(k.begins, 1);
    assert_int_equal(jpki_transport_end(&t, false, &e), JPKI_OK);
    assert_int_equal(k.ends, 0);
    assert_int_equal(jpki_transport_end(&t, true, &e), JPKI_OK);
    assert_int_equal(k.ends, 1);
    assert_int_equal(k.resets, 1);
    assert_int_equal(jpki_transport_end(&t, false, &e), JPKI_ERR_INTERNAL);
    assert_int_equal(k.ends, 1);
    /* close inside a transaction ends it */
    assert_int_equal(jpki_transport_begin(&t, &e), JPKI_OK);
    jpki_transport_close(&t);
    assert_int_equal(k.ends, 2);
}

static void trace_records_every_exchange_without_pins(void **state)
{
    (void)state;
    fake f;
    jpki_transport *t = open_fake(&f, FAKE_CHAIN);
    FILE *out = tmpfile();
    assert_non_null(out);
    jpki_trace *tr = jpki_trace_new();
    jpki_trace_set_text(tr, out);
    t->trace = tr;
    jpki_apdu a = {.ins = 0xCA, .ne = 256};
    assert_int_equal(jpki_transmit(t, &a, &resp, NULL), JPKI_OK);
    f.mode = FAKE_ECHO;
    const uint8_t pin[] = {'1', '2', '3', '4'};
    jpki_apdu v = {.ins = 0x20, .p2 = 0x80, .data = pin, .nc = 4};
    assert_int_equal(jpki_transmit(t, &v, &resp, NULL), JPKI_OK);
    assert_int_equal(jpki_transport_begin(t, NULL), JPKI_OK);
    assert_int_equal(jpki_transport_end(t, false, NULL), JPKI_OK);
    jpki_transport_close(t);
    jpki_trace_free(tr);
    char text[8192];
    rewind(out);
    size_t n = fread(text, 1, sizeof text - 1, out);
    text[n] = '\0';
    fclose(out);
    assert_non_null(strstr(text, "GET RESPONSE"));
    assert_non_null(strstr(text, "with PIN (4 bytes, redacted)"));
    assert_null(strstr(text, "31323334"));
    assert_null(strstr(text, "31 32 33 34"));
    assert_non_null(strstr(text, " ms\n"));
    assert_non_null(strstr(text, "transaction begin"));
    /* three exchanges: command, GET RESPONSE, VERIFY */
    assert_non_null(strstr(text, "#3 >"));
    assert_null(strstr(text, "#4 >"));
}

/* ---- PC/SC pieces that need no daemon ---- */

static void pcsc_errors_are_distinct(void **state)
{
    (void)state;
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_pcsc_map_error(SCARD_E_NO_SERVICE, PCSC_PHASE_OPEN, NULL, "x", &e),
                     JPKI_ERR_NO_SERVICE);
    assert_non_null(strstr(e.message, "pcscd"));
    assert_int_equal(e.detail, (long)SCARD_E_NO_SERVICE);
    assert_int_equal(jpki_pcsc_map_error(SCARD_E_UNKNOWN_READER, PCSC_PHASE_OPEN, "R", "x", &e),
                     JPKI_ERR_NO_READER);
    assert_int_equal(jpki_pcsc_map_error(SCARD_E_READER_UNAVAILABLE, PCSC_PHASE_CONNECTED, "R",
                                         "x", &e),
                     JPKI_ERR_READER_GONE);
    assert_int_equal(jpki_pcsc_map_error(SCARD_E_NO_SMARTCARD, PCSC_PHASE_OPEN, "R", "x", &e),
                     JPKI_ERR_NO_CARD);
    assert_int_equal(jpki_pcsc_map_error(SCARD_W_REMOVED_CARD, PCSC_PHASE_CONNECTED, "R", "x", &e),
                     JPKI_ERR_CARD_REMOVED);
    assert_int_equal(jpki_pcsc_map_error(SCARD_W_RESET_CARD, PCSC_PHASE_CONNECTED, "R", "x", &e),
                     JPKI_ERR_STATE);
    assert_non_null(strstr(e.message, "reset"));
    /* exclusive use by another program: the reader is busy (exit 3) */
    assert_int_equal(jpki_pcsc_map_error(SCARD_E_SHARING_VIOLATION, PCSC_PHASE_OPEN, "R", "x", &e),
                     JPKI_ERR_BUSY);
    assert_non_null(strstr(e.message, "reader busy (held by another program"));
    assert_null(strchr(e.message, '\n'));
}

static void reader_spec_choice(void **state)
{
    (void)state;
    const char *names[] = {"JPKI Test Reader A 00", "JPKI Test Reader A 01",
                           "Other Reader B 00"};
    size_t i = 99;
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_pcsc_pick_reader(names, 3, "1", &i, &e), JPKI_OK);
    assert_int_equal(i, 1);
    assert_int_equal(jpki_pcsc_pick_reader(names, 3, "Other", &i, &e), JPKI_OK);
    assert_int_equal(i, 2);
    assert_int_equal(jpki_pcsc_pick_reader(names, 3, "JPKI Test Reader A 01", &i, &e), JPKI_OK);
    assert_int_equal(i, 1);
    assert_int_equal(jpki_pcsc_pick_reader(names, 3, "A 0", &i, &e), JPKI_ERR_ARG);
    assert_non_null(strstr(e.message, "ambiguous"));
    assert_int_equal(jpki_pcsc_pick_reader(names, 3, "3", &i, &e), JPKI_ERR_NO_READER);
    assert_int_equal(jpki_pcsc_pick_reader(names, 3, "99999999999999999999", &i, &e),
                     JPKI_ERR_NO_READER);
    assert_int_equal(jpki_pcsc_pick_reader(names, 3, "Nope", &i, &e), JPKI_ERR_NO_READER);
    assert_int_equal(jpki_pcsc_pick_reader(names, 3, "", &i, &e), JPKI_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_response_chaining),
        cmocka_unit_test(no_auto_get_response_passes_61xx_through),
        cmocka_unit_test(wrong_le_is_resent_with_exact_length),
        cmocka_unit_test(wrong_le_on_raw_case4_command),
        cmocka_unit_test(removed_card_is_card_removed),
        cmocka_unit_test(one_byte_apdu_never_leaves),
        cmocka_unit_test(endless_61xx_is_bounded),
        cmocka_unit_test(response_without_status_word),
        cmocka_unit_test(extended_apdu_refused_for_jpki_atr),
        cmocka_unit_test(atr_extended_length_capability),
        cmocka_unit_test(nested_transactions_reach_card_once),
        cmocka_unit_test(trace_records_every_exchange_without_pins),
        cmocka_unit_test(pcsc_errors_are_distinct),
        cmocka_unit_test(reader_spec_choice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
