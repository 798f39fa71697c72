/* Fuzz target: every card-layer and issuer-client operation of libjpki
 * against a card whose every answer comes from the fuzz input.
 *
 * Input: op(1) flags(1) then responses, each a 2-byte big-endian length and
 * that many bytes (data || SW1 SW2).  The in-process transport hands them
 * out in order and reports "card removed" when they run out.  Two-byte
 * lengths let a response be a full 256-byte READ BINARY chunk, a 61xx
 * chain or an oversized answer -- a one-byte length cannot reach the
 * multi-chunk paths of certificate reading.
 *
 * What must hold whatever the card says:
 *  - no crash, leak or UB (ASan/UBSan/LeakSanitizer);
 *  - every C-APDU the library sends parses as a well-formed APDU of >= 4
 *    bytes (1-byte APDUs hang vpcd);
 *  - operations that only look (status, reads, signature) never send a
 *    VERIFY / CHANGE REFERENCE DATA / RESET RETRY COUNTER with data: no
 *    PIN try is spent or PIN changed by accident;
 *  - every transaction that was begun is ended;
 *  - a failure has err.code == rc and a one-line non-empty message;
 *  - returned data stays inside its documented bounds (certificate size,
 *    retry counters, signature length, RSA modulus size);
 *  - whatever certificate bytes come back go through jpki_cert_parse.
 *
 * GENERATE KEY PAIR, UPDATE BINARY and ACTIVATE are reached here only as the
 * client side: the card's answers are fuzzed, no key is generated.
 *
 * Seeds: with JPKI_FUZZ_RECORD=DIR the binary instead runs every operation
 * against jpki-card-sim's engine in-process (a fresh persona card, issuer
 * session and PINs prepared off the record) and writes each transcript of
 * answers to DIR/op-NN in the input format above, then exits
 * (tools/make-fuzz-seeds.sh). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/rsa.h>

#include "jpki/jpki.h"
#include "fuzz_sim_fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct hostile {
    const uint8_t *p;
    size_t left;
    bool pin_data_allowed; /* the operation under test may send PIN data */
    size_t sent;
} hostile;

static void check_capdu(hostile *h, const uint8_t *c, size_t n)
{
    jpki_apdu a;
    if (n < 4 || jpki_apdu_parse(c, n, &a, NULL) != JPKI_OK)
        abort(); /* the library sent something that is not an APDU */
    bool pin_ins = a.ins == JPKI_INS_VERIFY || a.ins == JPKI_INS_CHANGE_REF ||
                   a.ins == JPKI_INS_RESET_RETRY || a.ins == JPKI_INS_ENABLE_VERIF;
    if (a.cla == 0x00 && pin_ins && a.nc > 0 && !h->pin_data_allowed)
        abort(); /* a read-only operation tried to spend or set a PIN */
}

static size_t answer(void *ctx, const uint8_t *c, size_t n, uint8_t *r, size_t cap)
{
    hostile *h = ctx;
    check_capdu(h, c, n);
    h->sent++;
    if (h->left < 2) {
        h->left = 0;
        return 0; /* card removed */
    }
    size_t len = (size_t)h->p[0] << 8 | h->p[1];
    h->p += 2;
    h->left -= 2;
    if (len > h->left)
        len = h->left;
    size_t give = len < cap ? len : cap;
    memcpy(r, h->p, give);
    h->p += len;
    h->left -= len;
    /* A 0- or 1-byte answer reaches the transport as such (it must refuse
     * it); 0 would mean "removed", so send one byte instead. */
    return give ? give : 1;
}

static void check_error(jpki_rc rc, const jpki_error *e)
{
    if (rc == JPKI_OK)
        return;
    if (e->code != rc || e->message[0] == '\0' || !memchr(e->message, 0, sizeof e->message) ||
        strchr(e->message, '\n'))
        abort();
}

static void parse_cert(const uint8_t *der, size_t len)
{
    jpki_cert_info info;
    jpki_error e;
    jpki_error_clear(&e);
    jpki_rc rc = jpki_cert_parse(der, len, &info, &e);
    check_error(rc, &e);
    if (rc == JPKI_OK && (!memchr(info.subject, 0, sizeof info.subject) ||
                          !memchr(info.name, 0, sizeof info.name) ||
                          !memchr(info.address, 0, sizeof info.address)))
        abort();
}

static const jpki_issuer_key test_key = {{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                           0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF}};
#define TEST_KEY_HEX "00112233445566778899aabbccddeeff"

static jpki_secret secret(const char *s)
{
    jpki_secret x;
    memset(&x, 0, sizeof x);
    x.len = strlen(s);
    memcpy(x.buf, s, x.len);
    return x;
}

static jpki_rc run_op(uint8_t op, jpki_card *c, hostile *h, jpki_error *e)
{
    jpki_rc rc = JPKI_OK;
    uint8_t *der = NULL;
    size_t len = 0;
    /* Low 5 bits: which operation; high 3 bits: its variant (key, PIN). */
    uint8_t kind = (uint8_t)((op & 0x1F) % 20), var = op >> 5;
    switch (kind) {
    case 0: case 1: case 2: case 3: {
        jpki_cert_kind k = (jpki_cert_kind)kind;
        rc = jpki_read_cert(c, k, &der, &len, e);
        if (rc == JPKI_OK) {
            if (!der || len == 0 || len > JPKI_CERT_MAX)
                abort();
            parse_cert(der, len);
        } else if (der) {
            abort(); /* nothing handed out on failure */
        }
        break;
    }
    case 4: {
        /* The card-info basic-4 object uses non-minimal lengths (FF 20 82 00 9F). */
        rc = jpki_select_app(c, JPKI_APP_CARDINFO, e);
        if (rc == JPKI_OK)
            rc = jpki_select_ef(c, JPKI_EF_CARDINFO_BASIC4, e);
        if (rc == JPKI_OK)
            rc = jpki_read_der(c, 1024, &der, &len, e);
        if (rc == JPKI_OK && (!der || len == 0 || len > 1024))
            abort();
        break;
    }
    case 5: {
        char tok[33];
        rc = jpki_read_token(c, tok, sizeof tok, e);
        if (rc == JPKI_OK && strlen(tok) >= sizeof tok)
            abort();
        break;
    }
    case 6: {
        bool a = false, s = false;
        rc = jpki_read_cert_flags(c, &a, &s, e);
        break;
    }
    case 7: {
        char serial[16], muni[6], exp[9];
        rc = jpki_read_card_id(c, serial, muni, exp, e);
        if (rc == JPKI_OK && (strlen(serial) != 15 || strlen(muni) != 5 || strlen(exp) != 8))
            abort();
        break;
    }
    case 8: {
        for (int id = 0; id < JPKI_PIN_COUNT && rc == JPKI_OK; id++) {
            jpki_pin_status st;
            rc = jpki_pin_status_get(c, (jpki_pin_id)id, &st, e);
            if (rc == JPKI_OK && (st.tries_left < 0 || st.tries_left > 15 ||
                                  (st.blocked && st.tries_left != 0)))
                abort();
        }
        break;
    }
    case 9: {
        h->pin_data_allowed = true;
        jpki_secret pin = secret("1234");
        rc = jpki_pin_verify(c, JPKI_PIN_AUTH, &pin, e);
        if (rc == JPKI_ERR_PIN_WRONG && (e->tries_left <= 0 || e->tries_left > 15))
            abort();
        if (rc == JPKI_OK) {
            jpki_secret np = secret("4321");
            rc = jpki_pin_change(c, JPKI_PIN_AUTH, &np, e);
        }
        break;
    }
    case 10: case 11: {
        static const uint8_t di[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
                                     0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
                                     0x20, 1,    2,    3,    4,    5,    6,    7,    8,
                                     9,    10,   11,   12,   13,   14,   15,   16,   17,
                                     18,   19,   20,   21,   22,   23,   24,   25,   26,
                                     27,   28,   29,   30,   31,   32};
        uint8_t sig[256];
        size_t siglen = 0;
        rc = jpki_sign_digestinfo(c, kind == 11 ? JPKI_KEY_SIGN : JPKI_KEY_AUTH, var & 1, di,
                                  sizeof di, sig, &siglen, e);
        if (rc == JPKI_OK && (siglen == 0 || siglen > sizeof sig))
            abort();
        break;
    }
    case 12:
        rc = jpki_issuer_authenticate(c, &test_key, e);
        break;
    case 13: {
        jpki_issuance_status st;
        rc = jpki_issuance_status_get(c, &st, e);
        if (rc == JPKI_OK)
            for (int k = 0; k < 2; k++)
                if (st.key[k].pending_cert_len > JPKI_CERT_MAX ||
                    st.key[k].active_cert_len > JPKI_CERT_MAX)
                    abort();
        break;
    }
    case 14: case 15: {
        jpki_pubkey *pub = jpki_pubkey_new();
        if (!pub)
            abort();
        rc = jpki_keypair_pending(c, var & 1 ? JPKI_KEY_SIGN : JPKI_KEY_AUTH, kind == 15,
                                  pub, e);
        if (rc == JPKI_OK) {
            size_t n = (jpki_pubkey_bits(pub) + 7) / 8;
            if (n < 128 || n > 512)
                abort();
        }
        jpki_pubkey_free(pub);
        break;
    }
    case 16: {
        static uint8_t cert[600];
        for (size_t i = 0; i < sizeof cert; i++)
            cert[i] = (uint8_t)i;
        rc = jpki_cert_write_pending(c, var & 1 ? JPKI_KEY_SIGN : JPKI_KEY_AUTH, cert,
                                     sizeof cert, e);
        if (rc == JPKI_OK)
            rc = jpki_cert_activate(c, var & 1 ? JPKI_KEY_SIGN : JPKI_KEY_AUTH, e);
        break;
    }
    case 17: {
        h->pin_data_allowed = true;
        jpki_secret np = secret("ABC123");
        jpki_pin_id id = (jpki_pin_id)(var % JPKI_PIN_COUNT);
        rc = jpki_pin_reset(c, id, id == JPKI_PIN_SIGN ? &np : NULL, e);
        break;
    }
    case 18: {
        h->pin_data_allowed = true;
        jpki_secret pins[JPKI_PIN_COUNT] = {secret("1234"), secret("ABC123"), secret("5678"),
                                            secret("2580")};
        rc = jpki_face_mode_enter(c, e);
        if (rc == JPKI_OK)
            rc = jpki_face_mode_leave(c, pins, e);
        break;
    }
    default: {
        /* Raw exchange as jpki-apdu does it: whatever the card says, the
         * response stays inside its buffer. */
        jpki_response *r = malloc(sizeof *r);
        static const uint8_t get[] = {0x00, 0xCA, 0xDF, 0x30, 0x00};
        if (!r)
            return JPKI_ERR_NOMEM;
        rc = jpki_transmit_raw(jpki_card_transport(c), get, sizeof get, r, e);
        if (rc == JPKI_OK && r->len > JPKI_RESP_DATA_MAX)
            abort();
        free(r);
        break;
    }
    }
    free(der);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    hostile h = {.p = data + 2, .left = size - 2};
    const uint8_t atr[] = {JPKI_ATR};
    jpki_transport *t = NULL;
    if (jpki_mem_transport_new(answer, &h, atr, sizeof atr, &t, NULL) != JPKI_OK)
        abort();
    jpki_transport_set_extended_ok(t, data[1] & 1);
    jpki_card *c = NULL;
    if (jpki_card_new(t, &c, NULL) != JPKI_OK)
        abort();
    jpki_error e;
    jpki_error_clear(&e);
    jpki_rc rc = run_op(data[0], c, &h, &e);
    check_error(rc, &e);
    if (jpki_transport_depth(t) != 0)
        abort(); /* a transaction was left open */
    /* A second operation on the same handle after whatever happened: the
     * selection cache must not make it skip a needed SELECT into garbage. */
    if (h.left > 0) {
        jpki_error_clear(&e);
        h.pin_data_allowed = false;
        rc = run_op(8, c, &h, &e);
        check_error(rc, &e);
        if (jpki_transport_depth(t) != 0)
            abort();
    }
    jpki_card_free(c);
    jpki_transport_close(t);
    return 0;
}

/* ---- seed recording (JPKI_FUZZ_RECORD=DIR) ---- */

typedef struct recorder {
    sim_card *card;
    FILE *out; /* NULL: pass through without recording */
} recorder;

static size_t record(void *ctx, const uint8_t *c, size_t n, uint8_t *r, size_t cap)
{
    recorder *rec = ctx;
    size_t got = sim_card_apdu(rec->card, c, n, r, cap);
    if (rec->out && got >= 2) {
        fputc((int)(got >> 8), rec->out);
        fputc((int)(got & 0xFF), rec->out);
        fwrite(r, 1, got, rec->out);
    }
    return got;
}

/* Off the record: issuer session and PINs verified, as a counter
 * operation would have them; a pending key for the read-back op. */
static void prepare(jpki_card *c, uint8_t op)
{
    jpki_secret a = secret("1234"), s = secret("ABC123"), ci = secret("5678");
    jpki_error e;
    jpki_error_clear(&e);
    jpki_rc rc = JPKI_OK;
    uint8_t kind = (uint8_t)((op & 0x1F) % 20);
    if (kind == 4) {
        rc = jpki_pin_verify(c, JPKI_PIN_CARDINFO, &ci, &e);
    } else if (kind != 9) {
        rc = jpki_issuer_authenticate(c, &test_key, &e);
        if (rc == JPKI_OK)
            rc = jpki_pin_verify(c, JPKI_PIN_AUTH, &a, &e);
        if (rc == JPKI_OK)
            rc = jpki_pin_verify(c, JPKI_PIN_SIGN, &s, &e);
    }
    if (rc == JPKI_OK && kind == 14) {
        jpki_pubkey *pub = jpki_pubkey_new();
        if (!pub)
            abort();
        rc = jpki_keypair_pending(c, op & 0x20 ? JPKI_KEY_SIGN : JPKI_KEY_AUTH, true, pub, &e);
        jpki_pubkey_free(pub);
    }
    if (rc != JPKI_OK)
        fprintf(stderr, "record: preparing the card: %s\n", e.message);
}

static void record_seeds(const char *dir)
{
    fixture_init(1, TEST_KEY_HEX);
    const uint8_t atr[] = {JPKI_ATR};
    /* Every operation, plus the sign-key / other-PIN variants. */
    static const uint8_t ops[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
                                  14, 15, 16, 17, 18, 19, 0x20 | 10, 0x20 | 14, 0x20 | 16,
                                  0x20 | 17, 0x40 | 17};
    for (size_t i = 0; i < sizeof ops; i++) {
        uint8_t op = ops[i];
        char path[PATH_MAX], work[PATH_MAX], cmd[3 * PATH_MAX];
        fixture_path(work, sizeof work, "record.card");
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", fixture_card, work);
        if (system(cmd) != 0)
            abort();
        jpki_error e;
        jpki_error_clear(&e);
        recorder rec = {sim_card_load(work, &e), NULL};
        if (!rec.card) {
            fprintf(stderr, "record: %s\n", e.message);
            abort();
        }
        jpki_transport *t = NULL;
        if (jpki_mem_transport_new(record, &rec, atr, sizeof atr, &t, NULL) != JPKI_OK)
            abort();
        jpki_card *c = NULL;
        if (jpki_card_new(t, &c, NULL) != JPKI_OK)
            abort();
        prepare(c, op);
        jpki_card_free(c); /* a new handle: empty selection cache, as in a fuzz run */
        if (jpki_card_new(t, &c, NULL) != JPKI_OK)
            abort();
        snprintf(path, sizeof path, "%s/op-%02x", dir, op);
        if (!(rec.out = fopen(path, "wb")))
            abort();
        fputc(op, rec.out);
        fputc(0, rec.out);
        hostile h = {.pin_data_allowed = true};
        jpki_error_clear(&e);
        jpki_rc rc = run_op(op, c, &h, &e);
        fclose(rec.out);
        printf("%s: %s%s%s\n", path, jpki_rc_name(rc), rc ? ": " : "", rc ? e.message : "");
        jpki_card_free(c);
        jpki_transport_close(t);
        sim_card_free(rec.card);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("JPKI_FUZZ_RECORD");
    if (dir && *dir) {
        record_seeds(dir);
        exit(0);
    }
    return 0;
}
