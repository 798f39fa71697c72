/* jpki-card-sim engine, in-process, for every card variant: the ATR, the
 * READ BINARY rules (fixed EF sizes with the variant's filler, 9000 with
 * the remaining bytes, 6B00 beyond the end, extended length only where the
 * ATR announces it), the per-variant content forms (basic-4 outer length,
 * common record), the seven PINs' retry counters, GET CHALLENGE, GET DATA,
 * short EF identifiers, the contactless reader's FF CA, the
 * face-authentication card, and old state files without a variant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "jpki/jpki.h"
#include "sim_state.h"
#include "sim_test_util.h"

#define NVAR 6
static char var_path[NVAR][PATH_MAX];
static const char *var_name[NVAR];

static int group_setup(void **state)
{
    (void)state;
    if (fx_setup("hanako") != 0)
        return -1;
    for (size_t i = 0; i < NVAR; i++) {
        var_name[i] = sim_variant_name(i);
        if (!var_name[i])
            return -1;
        snprintf(var_path[i], sizeof var_path[i], "%s/v%zu.card", fx.dir, i);
        sim_new_options o = {var_path[i], "hanako", fx.ca, fx.key, NULL, NULL};
        jpki_error err;
        jpki_error_clear(&err);
        if (sim_card_create_variant(&o, var_name[i], &err) != JPKI_OK) {
            fprintf(stderr, "%s: %s\n", var_name[i], err.message);
            return -1;
        }
    }
    return 0;
}

static sim_card *load(const char *path)
{
    jpki_error err;
    jpki_error_clear(&err);
    sim_card *c = sim_card_load(path, &err);
    assert_non_null(c);
    return c;
}

/* Open the issuer session as jpki-renew does: libjpki's mutual
 * authentication over the in-process transport.  It leaves the JPKI
 * application selected. */
static void issuer_session(sim_card *c)
{
    size_t atr_len;
    const uint8_t *atr = sim_card_variant_atr(c, &atr_len);
    jpki_error e;
    jpki_error_clear(&e);
    jpki_transport *t = NULL;
    jpki_card *card = NULL;
    jpki_issuer_key k;
    assert_int_equal(jpki_mem_transport_new(sim_card_apdu, c, atr, atr_len, &t, &e), JPKI_OK);
    assert_int_equal(jpki_card_new(t, &card, &e), JPKI_OK);
    assert_int_equal(jpki_issuer_key_load_file(fx.key, &k, &e), JPKI_OK);
    assert_int_equal(jpki_issuer_authenticate(card, &k, &e), JPKI_OK);
    jpki_issuer_key_wipe(&k);
    jpki_card_free(card);
    jpki_transport_close(t);
    assert_true(sim_card_issuer_open(c));
}

#define SEL_ISD "00 A4 04 00 07 A0 00 00 01 51 00 00" /* back to the MF state */

static bool is_contactless(size_t i) { return strncmp(var_name[i], "contactless", 11) == 0; }

static void variant_list_and_atrs(void **state)
{
    (void)state;
    assert_string_equal(sim_variant_name(0), "contact");
    assert_null(sim_variant_name(NVAR));
    static const char *const atr_hex[NVAR] = {
        "3B C5 FF 81 31 FB 45 80 73 C6 01 00 00",
        "3B DA 13 FF 81 31 FB 46 80 12 39 2F 31 C1 73 C6 01 C0 3B",
        "3B F5 91 00 FF 91 81 71 FE 40 00 42 00 01 00 D1 D6",
        "3B F5 91 00 FF 91 81 71 FE 40 00 42 00 01 B3 A1 15",
        "3B 88 80 01 00 00 05 E0 B3 81 A1 00 7F",
        "3B 88 80 01 00 00 41 E0 B3 81 A1 00 3B",
    };
    for (size_t i = 0; i < NVAR; i++) {
        sim_card *c = load(var_path[i]);
        uint8_t want[32];
        size_t wn = hex2bin(atr_hex[i], want, sizeof want), n;
        const uint8_t *atr = sim_card_variant_atr(c, &n);
        assert_int_equal(n, wn);
        assert_memory_equal(atr, want, n);
        /* TCK: T0 .. TCK XOR to zero (every ATR here names T=1) */
        uint8_t x = 0;
        for (size_t k = 1; k < n; k++)
            x ^= atr[k];
        assert_int_equal(x, 0);
        sim_card_free(c);
    }
    size_t n;
    const uint8_t *def = sim_card_atr(&n);
    assert_int_equal(n, 13);
    assert_int_equal(def[1], 0xC5);
}

static void read_binary_rules(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVAR; i++) {
        sim_card *c = load(var_path[i]);
        uint8_t filler = (i == 1 || i == 2 || i == 5) ? 0xFF : 0x00;
        assert_int_equal(tx(c, SEL_JPKI), 0x9000);
        assert_int_equal(sel_ef(c, JPKI_EF_AUTH_CERT), 0x9000);
        assert_int_equal(tx(c, "00 B0 00 00 04"), 0x9000);
        size_t total = (size_t)(rbuf[2] << 8 | rbuf[3]) + 4;
        /* the last bytes of the 2048-byte EF: filler, 9000, 3 bytes */
        assert_int_equal(tx(c, "00 B0 07 FD 00"), 0x9000);
        assert_int_equal(rlen, 3);
        assert_true(total < 0x7FD);
        assert_int_equal(rbuf[0], filler);
        assert_int_equal(tx(c, "00 B0 08 00 01"), 0x6B00);
        assert_int_equal(tx(c, "00 B0 7F 00 01"), 0x6B00);
        /* Extended length: whole range on contact-ext, 6700 elsewhere. */
        uint16_t sw = tx(c, "00 B0 00 00 00 00 00");
        if (i == 1) {
            assert_int_equal(sw, 0x9000);
            assert_int_equal(rlen, 2048);
            assert_int_equal(rbuf[total], filler);
            assert_int_equal(tx(c, "00 B0 00 10 00 01 00"), 0x9000);
            assert_int_equal(rlen, 256);
        } else {
            assert_int_equal(sw, 0x6700);
            assert_int_equal(rlen, 0);
            assert_int_equal(tx(c, "00 B0 00 00 00 01 00"), 0x6700);
        }
        /* CA certificate EF: 1536 bytes */
        assert_int_equal(sel_ef(c, JPKI_EF_AUTH_CA_CERT), 0x9000);
        assert_int_equal(tx(c, "00 B0 05 FF 00"), 0x9000);
        assert_int_equal(rlen, 1);
        /* SFI: P1 = 80|0A reads the auth cert EF from offset P2 */
        assert_int_equal(tx(c, "00 B0 8A 00 04"), 0x9000);
        assert_int_equal(rbuf[0], 0x30);
        assert_int_equal(tx(c, "00 B0 9F 00 04"), 0x6A82);
        /* My Number EF: 17 bytes */
        assert_int_equal(tx(c, SEL_CARDINFO), 0x9000);
        sel_ef(c, JPKI_EF_CARDINFO_PIN);
        assert_int_equal(verify(c, "5678"), 0x9000);
        sel_ef(c, JPKI_EF_CARDINFO_MYNUMBER);
        assert_int_equal(tx(c, "00 B0 00 00 00"), 0x9000);
        assert_int_equal(rlen, 17);
        assert_memory_equal(rbuf, "\xFF\x10\x0C" "987654321018", 15);
        assert_int_equal(rbuf[15], filler);
        assert_int_equal(tx(c, "00 B0 00 11 01"), 0x6B00);
        sim_card_free(c);
    }
}

static void content_forms(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVAR; i++) {
        sim_card *c = load(var_path[i]);
        assert_int_equal(tx(c, SEL_CARDINFO), 0x9000);
        sel_ef(c, JPKI_EF_CARDINFO_PIN);
        assert_int_equal(verify(c, "5678"), 0x9000);
        sel_ef(c, JPKI_EF_CARDINFO_BASIC4);
        assert_int_equal(tx(c, "00 B0 00 00 00"), 0x9000);
        /* short bodies (89 bytes plain, 95 card-encoded): short form on
         * every variant, never 82 00 xx with xx < 80 */
        assert_memory_equal(rbuf, i == 0 ? "\xFF\x20\x59\xDF\x21\x08" : "\xFF\x20\x5F\xDF\x21\x08", 6);
        /* DF22 at the offset DF21 gives; U+3000 between the names and
         * full-width digits (２ = EF BC 92) in the address on every variant
         * but the default, which keeps the sample personas' plain text */
        size_t o = (size_t)(rbuf[6] << 8 | rbuf[7]) + 3;
        assert_int_equal(rbuf[o], 0xDF);
        assert_int_equal(rbuf[o + 1], 0x22);
        size_t oa = (size_t)(rbuf[8] << 8 | rbuf[9]) + 3;
        assert_int_equal(rbuf[oa + 1], 0x23);
        if (i == 0) {
            assert_memory_equal(rbuf + o + 3, "番号 花子", 13);
            assert_non_null(memmem(rbuf + oa, 80, "2番3号", 8));
        } else {
            assert_memory_equal(rbuf + o + 3, "番号\xE3\x80\x80花子", 15);
            assert_non_null(memmem(rbuf + oa, 80, "\xEF\xBC\x92\xE7\x95\xAA", 6)); /* ２番 */
            assert_null(memmem(rbuf + oa + 3, rbuf[oa + 2], "2", 1)); /* no ASCII digit */
        }
        /* A longer address (body >= 128 bytes) shows the outer length
         * form: 82 00 xx on the long-form variants, 81 xx on the others. */
        snprintf(sim_card_state(c)->address, sizeof sim_card_state(c)->address, "%s", "架空県見本市試験町一丁目２番３号見本ビル東館別棟１０１号室");
        if (i == 0)
            snprintf(sim_card_state(c)->name, sizeof sim_card_state(c)->name, "%s", "番号\u3000花子");
        assert_int_equal(tx(c, "00 B0 00 00 00"), 0x9000);
        bool long_form = i == 0 || i == 2 || i == 4;
        size_t body;
        if (long_form) {
            assert_memory_equal(rbuf, "\xFF\x20\x82\x00", 4);
            body = rbuf[4];
            assert_true(body >= 0x80);
            assert_memory_equal(rbuf + 5, "\xDF\x21", 2);
        } else {
            assert_memory_equal(rbuf, "\xFF\x20\x81", 3);
            body = rbuf[3];
            assert_true(body >= 0x80);
            assert_memory_equal(rbuf + 4, "\xDF\x21", 2);
        }
        assert_int_equal(body, 134);
        /* common record: READ RECORD 1 */
        assert_int_equal(tx(c, SEL_COMMON), 0x9000);
        sel_ef(c, JPKI_EF_COMMON_RECORD);
        assert_int_equal(tx(c, "00 B2 01 0C 00"), 0x9000);
        if (i == 2 || i == 3) {
            assert_int_equal(rlen, 15);
            assert_memory_equal(rbuf, "\x01\x0D" "0000000000001", 15);
        } else {
            assert_int_equal(rlen, 30);
            assert_memory_equal(rbuf, "\x01\x1C" "900000000000001" "99201" "20300331", 30);
        }
        /* rlen is rewritten by tx(): take the record length first (the
         * order of evaluation of the two arguments is unspecified). */
        size_t record_len = rlen;
        assert_int_equal(tx(c, "00 B2 01 0C 05"), (uint16_t)(0x6C00 | record_len));
        sim_card_free(c);
    }
}

static void seven_pins_and_ab(void **state)
{
    (void)state;
    sim_card *c = load(var_path[0]);
    static const struct {
        const char *sel;
        uint16_t ef;
        uint16_t sw;
    } pins[] = {
        {SEL_JPKI, 0x0018, 0x63C3},     {SEL_JPKI, 0x001B, 0x63C5},
        {SEL_CARDINFO, 0x0011, 0x63C3}, {SEL_REGISTRY, 0x001C, 0x63C3},
        {SEL_VISUAL, 0x0013, 0x63CA},   {SEL_VISUAL, 0x0012, 0x63CA},
        {SEL_CARDINFO, 0x0014, 0x63CA}, {SEL_CARDINFO, 0x0015, 0x63CA},
    };
    for (size_t k = 0; k < sizeof pins / sizeof pins[0]; k++) {
        assert_int_equal(tx(c, pins[k].sel), 0x9000);
        assert_int_equal(sel_ef(c, pins[k].ef), 0x9000);
        assert_int_equal(tx(c, "00 20 00 80"), pins[k].sw);
    }
    /* card-info 0012: blocked on every card surveyed */
    tx(c, SEL_CARDINFO);
    assert_int_equal(sel_ef(c, 0x0012), 0x9000);
    assert_int_equal(tx(c, "00 20 00 80"), 0x63C0);
    assert_int_equal(verify(c, "1234"), 0x6984);
    /* PIN A opens the My Number only, PIN B basic-4 only */
    sel_ef(c, 0x0014);
    assert_int_equal(verify(c, "987654321019"), 0x63C9);
    assert_int_equal(verify(c, "987654321018"), 0x9000);
    sel_ef(c, JPKI_EF_CARDINFO_MYNUMBER);
    assert_int_equal(tx(c, "00 B0 00 00 00"), 0x9000);
    sel_ef(c, JPKI_EF_CARDINFO_BASIC4);
    assert_int_equal(tx(c, "00 B0 00 00 00"), 0x6982);
    sel_ef(c, 0x0015);
    /* birth YYMMDD + card expiry year + security code (serial's last 4) */
    assert_int_equal(verify(c, "89033120300001"), 0x9000);
    sel_ef(c, JPKI_EF_CARDINFO_BASIC4);
    assert_int_equal(tx(c, "00 B0 00 00 00"), 0x9000);
    /* the visual application with its PIN B */
    tx(c, SEL_VISUAL);
    sel_ef(c, 0x0002);
    assert_int_equal(tx(c, "00 B0 00 00 00"), 0x6982);
    sel_ef(c, 0x0012);
    assert_int_equal(verify(c, "89033120300001"), 0x9000);
    sel_ef(c, 0x0002);
    assert_int_equal(tx(c, "00 B0 00 00 00"), 0x9000);
    assert_non_null(memmem(rbuf, rlen, "\xDF\x29\x08" "20300331", 11));
    sim_card_free(c);
    /* the spent PIN A try is on disk */
    c = load(var_path[0]);
    tx(c, SEL_CARDINFO);
    sel_ef(c, 0x0014);
    assert_int_equal(tx(c, "00 20 00 80"), 0x63CA); /* refilled by the right PIN */
    sel_ef(c, 0x0015);
    assert_int_equal(verify(c, "00000000000000"), 0x63C9);
    sim_card_free(c);
    c = load(var_path[0]);
    tx(c, SEL_CARDINFO);
    sel_ef(c, 0x0015);
    assert_int_equal(tx(c, "00 20 00 80"), 0x63C9);
    sim_card_free(c);
}

static void challenge_data_and_uid(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVAR; i++) {
        sim_card *c = load(var_path[i]);
        for (unsigned le = 1; le <= 256; le += 51) {
            uint8_t a[5] = {0x00, 0x84, 0x00, 0x00, (uint8_t)le};
            assert_int_equal(tx_raw(c, a, 5), 0x9000);
            assert_int_equal(rlen, le == 256 ? 256 : le);
        }
        assert_int_equal(tx(c, "00 84 00 00 00"), 0x9000);
        assert_int_equal(rlen, 256);
        assert_int_equal(tx(c, "00 84 00 00 0A"), 0x9000);
        assert_int_equal(rlen, 10);
        /* MF level GET DATA, Le honoured */
        sim_card_power_cycle(c);
        assert_int_equal(tx(c, "00 CA 00 F0 00"), 0x9000);
        assert_memory_equal(rbuf, "99201", 5);
        assert_int_equal(tx(c, "00 CA 00 F2 00"), 0x9000);
        assert_memory_equal(rbuf, "20300331", 8);
        assert_int_equal(tx(c, "00 CA 00 45 00"), 0x9000);
        assert_int_equal(rlen, 15);
        assert_int_equal(tx(c, "00 CA 00 F2 04"), 0x6C08);
        assert_int_equal(tx(c, "00 CA 5F 51 00"), 0x9000);
        assert_int_equal(rbuf[0], is_contactless(i) ? 0xC5 : sim_card_variant_atr(c, &(size_t){0})[1]);
        assert_int_equal(tx(c, "00 CA 00 66 00"), 0x6A88);
        tx(c, SEL_JPKI);
        assert_int_equal(tx(c, "00 CA 00 F0 00"), 0x6A88); /* MF level only */
        uint16_t sw = tx(c, "FF CA 00 00 00");
        if (is_contactless(i)) {
            assert_int_equal(sw, 0x9000);
            assert_int_equal(rlen, 4);
            uint8_t pupi[4];
            memcpy(pupi, rbuf, 4);
            sim_card_power_cycle(c);
            assert_int_equal(tx(c, "FF CA 00 00 00"), 0x9000);
            assert_memory_equal(rbuf, pupi, 4); /* stable */
        } else {
            assert_int_equal(sw, 0x6E00);
        }
        sim_card_free(c);
    }
}

/* Our proprietary issuance status (GET DATA DF30) stays behind the mutual
 * authentication on every variant: 6982 at MF level and in an application
 * without it, the status object with it; the standard tags answer as
 * before whether or not the session is open. */
static void issuance_status_needs_session(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVAR; i++) {
        sim_card *c = load(var_path[i]);
        assert_int_equal(tx(c, "00 CA DF 30 00"), 0x6982);
        assert_int_equal(rlen, 0);
        tx(c, SEL_JPKI);
        assert_int_equal(tx(c, "00 CA DF 30 00"), 0x6982);
        issuer_session(c);
        assert_int_equal(tx(c, "00 CA DF 30 00"), 0x9000);
        assert_int_equal(rlen, 2 + 1 + JPKI_STATUS_LEN);
        assert_memory_equal(rbuf, "\xDF\x30\x0C", 3);
        sim_card_power_cycle(c); /* the session ends with the reset */
        assert_int_equal(tx(c, "00 CA DF 30 00"), 0x6982);
        issuer_session(c);
        assert_int_equal(tx(c, SEL_ISD), 0x9000); /* MF level, session kept */
        assert_int_equal(tx(c, "00 CA 00 F0 00"), 0x9000);
        assert_memory_equal(rbuf, "99201", 5);
        assert_int_equal(tx(c, "00 CA 00 66 00"), 0x6A88);
        sim_card_free(c);
    }
}

/* Short EF identifiers in VERIFY P2 (80|SFI names the PIN EF) and in the
 * signature command P2 (80|SFI names the key EF), as one source shows the
 * card accepting them; neither changes the current EF. */
static void sfi_in_verify_and_sign(void **state)
{
    (void)state;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/sfi.card", fx.dir);
    fx_copy(var_path[0], path);
    sim_card *c = load(path);
    assert_int_equal(tx(c, "00 20 00 98"), 0x6A88); /* MF level: no PIN EF */
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_AUTH_CERT);
    assert_int_equal(tx(c, "00 20 00 98"), 0x63C3); /* auth PIN 0018 */
    assert_int_equal(tx(c, "00 20 00 9B"), 0x63C5); /* sign password 001B */
    assert_int_equal(tx(c, "00 20 00 8A"), 0x6981); /* 000A is no PIN EF */
    assert_int_equal(tx(c, "00 20 00 85"), 0x6A88); /* no EF 0005 */
    assert_int_equal(tx(c, "00 20 00 9F"), 0x6A86);
    assert_int_equal(tx(c, "00 20 00 00"), 0x6A86);
    assert_int_equal(tx(c, "00 20 00 80"), 0x6981); /* current EF is still 000A */
    assert_int_equal(tx_data(c, 0x00, 0x20, 0x00, 0x98, "9999", 4, 0), 0x63C2);
    assert_int_equal(tx_data(c, 0x00, 0x20, 0x00, 0x98, "1234", 4, 0), 0x9000);
    assert_int_equal(tx(c, "00 B0 00 00 04"), 0x9000); /* still the certificate */
    assert_int_equal(rbuf[0], 0x30);

    uint8_t di[51] = {0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
                      0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20, 0x5A};
    uint8_t by_sfi[256];
    assert_int_equal(tx_data(c, 0x80, 0x2A, 0x00, 0x97, di, sizeof di, 1), 0x9000);
    assert_int_equal(rlen, 256);
    memcpy(by_sfi, rbuf, 256);
    assert_int_equal(tx_data(c, 0x80, 0x2A, 0x00, 0x80, di, sizeof di, 1), 0x6981);
    assert_int_equal(tx_data(c, 0x80, 0x2A, 0x00, 0x9A, di, sizeof di, 1), 0x6982);
    assert_int_equal(tx_data(c, 0x80, 0x2A, 0x00, 0x98, di, sizeof di, 1), 0x6A86);
    sel_ef(c, JPKI_EF_AUTH_KEY);
    assert_int_equal(tx_data(c, 0x80, 0x2A, 0x00, 0x80, di, sizeof di, 1), 0x9000);
    assert_memory_equal(rbuf, by_sfi, 256); /* the same key */
    /* the card-info application: its PIN and PIN A by SFI */
    tx(c, SEL_CARDINFO);
    assert_int_equal(tx(c, "00 20 00 91"), 0x63C3);
    assert_int_equal(tx(c, "00 20 00 92"), 0x63C0);
    assert_int_equal(tx(c, "00 20 00 94"), 0x63CA);
    assert_int_equal(tx_data(c, 0x80, 0x2A, 0x00, 0x97, di, sizeof di, 1), 0x6A88);
    sim_card_free(c);
}

/* A no-data VERIFY on a PIN verified in this session: the counter on every
 * listed variant (OpenSC's jpki driver needs 63Cx there); 9000 on a card
 * whose variant carries the behaviour of the one source reporting it; the
 * counter everywhere before the VERIFY, after a wrong one and after reset. */
static void verified_pin_query_per_variant(void **state)
{
    (void)state;
    for (size_t i = 0; i <= NVAR; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/vq%zu.card", fx.dir, i);
        fx_copy(var_path[i < NVAR ? i : 2], path);
        sim_card *c = load(path);
        const sim_variant *v = sim_variant_find(i < NVAR ? var_name[i] : var_name[2]);
        assert_false(v->verified_query_ok);
        sim_variant answers_9000 = *v; /* the behaviour switched on */
        answers_9000.verified_query_ok = true;
        bool ok9000 = i == NVAR;
        if (ok9000) {
            sim_card *as_9000 = sim_card_clone(c, &answers_9000, path);
            assert_non_null(as_9000);
            sim_card_free(c);
            c = as_9000;
        }
        tx(c, SEL_JPKI);
        sel_ef(c, JPKI_EF_AUTH_PIN);
        assert_int_equal(tx(c, "00 20 00 80"), 0x63C3);
        assert_int_equal(verify(c, "1234"), 0x9000);
        assert_int_equal(tx(c, "00 20 00 80"), ok9000 ? 0x9000 : 0x63C3);
        assert_int_equal(tx(c, "00 20 00 98"), ok9000 ? 0x9000 : 0x63C3);
        sel_ef(c, JPKI_EF_SIGN_PIN); /* not verified: the counter */
        assert_int_equal(tx(c, "00 20 00 80"), 0x63C5);
        sel_ef(c, JPKI_EF_AUTH_PIN);
        assert_int_equal(verify(c, "9999"), 0x63C2);
        assert_int_equal(tx(c, "00 20 00 80"), 0x63C2);
        assert_int_equal(verify(c, "1234"), 0x9000);
        sim_card_power_cycle(c);
        tx(c, SEL_JPKI);
        sel_ef(c, JPKI_EF_AUTH_PIN);
        assert_int_equal(tx(c, "00 20 00 80"), 0x63C3);
        sim_card_free(c);
    }
}

/* MF-level selection as the survey saw it: 00 A4 00 00 answers 6A86 after
 * reset and 9000 without changing the current DF or EF inside an
 * application; selecting the GlobalPlatform ISD restores the MF state. */
static void mf_select_and_isd(void **state)
{
    (void)state;
    const uint8_t di[51] = {0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
                            0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20, 0x5A};
    for (size_t i = 0; i < NVAR; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/mf%zu.card", fx.dir, i);
        fx_copy(var_path[i], path);
        sim_card *c = load(path);
        assert_int_equal(tx(c, "00 A4 00 00"), 0x6A86);
        assert_int_equal(tx(c, "00 A4 00 0C"), 0x6A86);
        assert_int_equal(tx(c, "00 A4 00 0C 02 3F 00"), 0x6A86);
        assert_int_equal(tx(c, SEL_JPKI), 0x9000);
        sel_ef(c, JPKI_EF_AUTH_PIN);
        assert_int_equal(verify(c, "1234"), 0x9000);
        sel_ef(c, JPKI_EF_AUTH_CERT);
        assert_int_equal(tx(c, "00 A4 00 00"), 0x9000);
        assert_int_equal(rlen, 0);
        assert_int_equal(tx(c, "00 B0 00 00 04"), 0x9000); /* same DF, same EF */
        assert_int_equal(rbuf[0], 0x30);
        /* nothing dropped: the auth key signs (by SFI, current EF kept) */
        assert_int_equal(tx_data(c, 0x80, 0x2A, 0x00, 0x97, di, sizeof di, 1), 0x9000);
        assert_int_equal(tx(c, "00 CA 00 F0 00"), 0x6A88); /* still in the application */
        /* the ISD: back to the state after reset */
        assert_int_equal(tx(c, "00 A4 04 00 07 A0 00 00 01 51 00 00"), 0x9000);
        assert_int_equal(tx(c, "00 B0 00 00 04"), 0x6986); /* no current EF */
        assert_int_equal(tx(c, "00 CA 00 F0 00"), 0x9000); /* MF-level data again */
        assert_memory_equal(rbuf, "99201", 5);
        assert_int_equal(tx(c, "00 A4 00 00"), 0x6A86);
        assert_int_equal(tx(c, "00 A4 04 00 06 A0 00 00 01 51 00"), 0x6A82); /* exact AID only */
        /* the verified PIN went with the application */
        tx(c, SEL_JPKI);
        assert_int_equal(tx_data(c, 0x80, 0x2A, 0x00, 0x97, di, sizeof di, 1), 0x6982);
        sim_card_free(c);
    }
}

static void face_auth_card(void **state)
{
    (void)state;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/face.card", fx.dir);
    fx_copy(var_path[0], path);
    sim_card *c = load(path);
    /* the switch of jpki-tools' issuance profile, as t_face_auth drives it */
    sim_card_state(c)->face_mode = true;
    for (int i = 0; i < JPKI_PIN_COUNT; i++)
        sim_card_state(c)->pin[i].len = 0;
    tx(c, SEL_JPKI);
    sel_ef(c, JPKI_EF_AUTH_PIN);
    assert_int_equal(tx(c, "00 20 00 80"), 0x63C0);
    assert_int_equal(verify(c, "1234"), 0x6984);
    sel_ef(c, JPKI_EF_CERT_FLAGS);
    assert_int_equal(tx(c, "00 B0 00 00 03"), 0x9000);
    assert_memory_equal(rbuf, "\x8F\x00\x00", 3);
    sel_ef(c, JPKI_EF_AUTH_CERT);
    assert_int_equal(tx(c, "00 B0 00 00 04"), 0x9000);
    assert_int_equal(rbuf[0], 0x30);
    sim_card_free(c);
}

static void old_state_file_is_default(void **state)
{
    (void)state;
    /* Drop "variant": "contact-ext" from the top-level map (12 -> 11). */
    FILE *f = fopen(var_path[1], "rb");
    assert_non_null(f);
    static uint8_t buf[SIM_STATE_MAX];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_int_equal(buf[0], 0xAC);
    static const uint8_t entry[] = "\x67variant\x6B" "contact-ext";
    uint8_t *p = memmem(buf, n, entry, sizeof entry - 1);
    assert_non_null(p);
    memmove(p, p + sizeof entry - 1, n - (size_t)(p - buf) - (sizeof entry - 1));
    n -= sizeof entry - 1;
    buf[0] = 0xAB;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/old.card", fx.dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    fclose(f);
    sim_card *c = load(path);
    size_t alen;
    const uint8_t *atr = sim_card_variant_atr(c, &alen);
    assert_int_equal(alen, 13);
    assert_int_equal(atr[1], 0xC5);
    assert_int_equal(tx(c, "00 B0 00 00 00 00 00"), 0x6700);
    sim_card_free(c);
    /* an unknown variant name is refused */
    static const uint8_t bad[] = "\x67variant\x6B" "contact-xxx";
    f = fopen(var_path[1], "rb");
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    p = memmem(buf, n, entry, sizeof entry - 1);
    memcpy(p, bad, sizeof bad - 1);
    jpki_error err;
    sim_persist st;
    assert_int_equal(sim_state_decode(buf, n, "x", &st, &err), JPKI_ERR_FORMAT);
    assert_non_null(strstr(err.message, "variant"));
    sim_persist_free(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(variant_list_and_atrs), cmocka_unit_test(read_binary_rules),
        cmocka_unit_test(content_forms),         cmocka_unit_test(seven_pins_and_ab),
        cmocka_unit_test(challenge_data_and_uid), cmocka_unit_test(face_auth_card),
        cmocka_unit_test(issuance_status_needs_session),
        cmocka_unit_test(sfi_in_verify_and_sign), cmocka_unit_test(verified_pin_query_per_variant),
        cmocka_unit_test(mf_select_and_isd),
        cmocka_unit_test(old_state_file_is_default),
    };
    return cmocka_run_group_tests(tests, group_setup, fx_teardown);
}
