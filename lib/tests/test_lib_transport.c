/* White-box tests of libjpki's transport internals: nested transactions
 * seen from a transport implementation of our own (jpki_transport_ops is
 * internal), PC/SC error mapping and reader choice (pcsc_internal.h), all
 * without a pcscd.  These live in lib/tests/ because they test functions and
 * types that lib/ keeps private; tests/ uses the public API only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "jpki/jpki.h"
#include "../pcsc_internal.h"
#include "../transport_internal.h"

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
        cmocka_unit_test(nested_transactions_reach_card_once),
        cmocka_unit_test(pcsc_errors_are_distinct),
        cmocka_unit_test(reader_spec_choice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
