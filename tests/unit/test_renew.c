/* The renewal engine (lib/renew.c) against jpki-card-sim's engine linked
 * in-process (in-process transport, no PC/SC) and the test CA called as a
 * function: a whole renewal, the PIN rules, a failing CA and every resume
 * path (request again, install from the journal, activate written bytes,
 * refused bytes, confirm), and the checks on what a CA hands back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <mbedtls/pem.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "x509_crt.h"
#include "jpki/jpki.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "pubkey_test_util.h"
#include "sim_test_util.h"
#pragma GCC diagnostic pop

typedef struct fixture {
    char path[PATH_MAX];
    char journal[PATH_MAX + 16];
    sim_card *sim;
    jpki_transport *t;
    jpki_card *c;
    jpki_error e;
    jpki_issuer_key ik;
    jpki_journal *j;
    jpki_renewal *rn;
    int ca_calls;
    int ca_mode; /* see test_ca */
} fixture;

enum { CA_OK, CA_FAIL, CA_WRONG_KEY, CA_WRONG_CA, CA_BUNDLE };

static int group_setup(void **state)
{
    (void)state;
    return fx_setup("hanako");
}

static jpki_secret secret_of(const char *s)
{
    jpki_secret p = {.len = strlen(s)};
    memcpy(p.buf, s, p.len);
    return p;
}

/* The GeneralNames of a subjectAltName inside a CSR's extensionRequest. */
static const uint8_t *csr_san(const uint8_t *csr, size_t len, size_t *san_len)
{
    static const uint8_t oid[] = {0x06, 0x03, 0x55, 0x1D, 0x11, 0x04};
    const uint8_t *p = memmem(csr, len, oid, sizeof oid);
    if (!p)
        return NULL;
    p += sizeof oid;
    size_t n = *p++;
    if (n & 0x80) {
        int k = n & 0x7F;
        n = 0;
        while (k--)
            n = n << 8 | *p++;
    }
    *san_len = n;
    return p;
}

/* The CA: jpki-ca's library issuing from the CSR, or misbehaving on purpose. */
static jpki_rc test_ca(void *ctx, jpki_key_kind kind, const char *serial, const uint8_t *csr,
                       size_t csr_len, uint8_t **out, size_t *out_len, jpki_error *err)
{
    fixture *x = ctx;
    (void)serial;
    x->ca_calls++;
    if (x->ca_mode == CA_FAIL)
        return jpki_error_set(err, JPKI_ERR_IO, "CA offline");
    mbedtls_x509_csr req;
    mbedtls_x509_csr_init(&req);
    if (mbedtls_x509_csr_parse_der(&req, csr, csr_len) != 0)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "bad CSR");
    testca *ca = NULL;
    jpki_rc rc = testca_open(fx.ca, &ca, err);
    mbedtls_pk_context other;
    mbedtls_pk_init(&other);
    size_t san_len = 0;
    const uint8_t *san = csr_san(csr, csr_len, &san_len);
    testca_request r = {
        .kind = (x->ca_mode == CA_WRONG_CA) != (kind == JPKI_KEY_SIGN) ? TESTCA_SIGN : TESTCA_AUTH,
        .subject_key = &req.pk,
        .subject_name = &req.subject,
        .san = san,
        .san_len = san_len,
        .not_before = testca_date_today(),
        .not_after = {testca_date_today().y + 1, 1, 1},
    };
    if (rc == JPKI_OK && x->ca_mode == CA_WRONG_KEY) {
        rc = testca_genkey(&other, err);
        r.subject_key = &other;
    }
    uint8_t *der = NULL;
    size_t len = 0;
    if (rc == JPKI_OK)
        rc = testca_issue(ca, &r, &der, &len, err);
    if (rc == JPKI_OK && x->ca_mode == CA_BUNDLE) {
        /* PEM: the CA certificate first, then the issued one */
        size_t ca_len;
        const uint8_t *ca_der = testca_cert_der(ca, r.kind, &ca_len);
        char *p1 = NULL, *p2 = NULL;
        size_t o1 = 0, o2 = 0;
        p1 = malloc(4096);
        p2 = malloc(4096);
        mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
                                 ca_der, ca_len, (unsigned char *)p1, 4096, &o1);
        mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
                                 der, len, (unsigned char *)p2, 4096, &o2);
        free(der);
        der = malloc(o1 + o2);
        memcpy(der, p1, o1 - 1); /* olen counts the NUL */
        memcpy(der + o1 - 1, p2, o2 - 1);
        len = o1 + o2 - 2;
        free(p1);
        free(p2);
    }
    mbedtls_pk_free(&other);
    testca_free(ca);
    mbedtls_x509_csr_free(&req);
    *out = der;
    *out_len = len;
    return rc;
}

static int setup(void **state)
{
    fixture *x = calloc(1, sizeof *x);
    x->sim = fx_card(x->path, sizeof x->path);
    if (!x->sim)
        return -1;
    size_t alen;
    const uint8_t *atr = sim_card_atr(&alen);
    if (jpki_mem_transport_new(sim_card_apdu, x->sim, atr, alen, &x->t, NULL) != JPKI_OK)
        return -1;
    assert_int_equal(jpki_card_new(x->t, &x->c, NULL), JPKI_OK);
    jpki_error_clear(&x->e);
    if (jpki_issuer_key_load_file(fx.key, &x->ik, &x->e) != JPKI_OK)
        return -1;
    snprintf(x->journal, sizeof x->journal, "%s.journal", x->path);
    if (jpki_journal_open(x->journal, &x->j, &x->e) != JPKI_OK)
        return -1;
    jpki_renewal_opts o = {.size = sizeof o, .card = x->c, .journal = x->j, .ca = test_ca,
                           .ca_ctx = x};
    if (jpki_renewal_new(&o, &x->rn, &x->e) != JPKI_OK || jpki_renew_identify(x->rn, &x->e) != JPKI_OK)
        return -1;
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fixture *x = *state;
    jpki_renewal_free(x->rn);
    jpki_journal_close(x->j);
    jpki_card_free(x->c);
    jpki_transport_close(x->t);
    sim_card_free(x->sim);
    free(x);
    return 0;
}

/* Issuer session and both PINs, as the tool does before any key step. */
static void open_session(fixture *x)
{
    jpki_secret a = secret_of("1234"), s = secret_of("ABC123");
    assert_int_equal(jpki_issuer_authenticate(x->c, &x->ik, &x->e), JPKI_OK);
    assert_int_equal(jpki_renew_verify_pin(x->c, JPKI_PIN_AUTH, &a, false, &x->e), JPKI_OK);
    assert_int_equal(jpki_renew_verify_pin(x->c, JPKI_PIN_SIGN, &s, false, &x->e), JPKI_OK);
}

static void reset_card(fixture *x)
{
    /* The card handle needs no refresh: its next outermost transaction
     * drops the selection cache. */
    sim_card_power_cycle(x->sim);
}

static void pub_of_cert(fixture *x, jpki_cert_kind k, uint8_t fp[32])
{
    uint8_t *der;
    size_t len;
    assert_int_equal(jpki_read_cert(x->c, k, &der, &len, &x->e), JPKI_OK);
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    assert_int_equal(jpki_x509_parse_der(&crt, der, len), 0);
    jpki_pubkey *key = test_pubkey_of_pk(&crt.pk);
    assert_non_null(key);
    assert_int_equal(jpki_pubkey_fingerprint(key, fp, &x->e), JPKI_OK);
    jpki_pubkey_free(key);
    mbedtls_x509_crt_free(&crt);
    free(der);
}

static jpki_journal_card_state lookup(fixture *x)
{
    jpki_journal_card_state s;
    bool found;
    assert_int_equal(jpki_journal_lookup(x->j, jpki_renewal_serial(x->rn), &s, &found, &x->e), JPKI_OK);
    assert_true(found);
    return s;
}

static void full_renewal_of_both_keys(void **state)
{
    fixture *x = *state;
    uint8_t old_auth[32], old_sign[32], new_auth[32], new_sign[32];
    open_session(x);
    pub_of_cert(x, JPKI_CERT_AUTH, old_auth);
    pub_of_cert(x, JPKI_CERT_SIGN, old_sign);
    jpki_resume_action did;
    assert_int_equal(jpki_renew_key(x->rn, JPKI_KEY_AUTH, NULL, true, &did, &x->e), JPKI_OK);
    assert_int_equal(did, JPKI_RESUME_GENERATE);
    assert_int_equal(jpki_renew_key(x->rn, JPKI_KEY_SIGN, NULL, true, &did, &x->e), JPKI_OK);
    assert_int_equal(x->ca_calls, 2);
    pub_of_cert(x, JPKI_CERT_AUTH, new_auth);
    pub_of_cert(x, JPKI_CERT_SIGN, new_sign);
    assert_memory_not_equal(old_auth, new_auth, 32);
    assert_memory_not_equal(old_sign, new_sign, 32);
    /* the kept read-back is the active certificate */
    size_t active_len = 0;
    const uint8_t *active = jpki_renewal_active_cert(x->rn, JPKI_KEY_SIGN, &active_len);
    assert_non_null(active);
    jpki_cert_info info;
    assert_int_equal(jpki_cert_parse(active, active_len, &info, &x->e), JPKI_OK);
    assert_string_equal(info.birth, "19890331"); /* the holder's SAN went through */
    /* the journal followed every step, with the new key's fingerprint */
    jpki_journal_card_state s = lookup(x);
    assert_int_equal(s.key[JPKI_KEY_AUTH].last, JPKI_STEP_ACTIVATED);
    assert_int_equal(s.key[JPKI_KEY_SIGN].last, JPKI_STEP_ACTIVATED);
    assert_memory_equal(s.key[JPKI_KEY_AUTH].key, new_auth, 32);
    assert_non_null(s.key[JPKI_KEY_SIGN].cert);
    jpki_journal_card_state_free(&s);
    /* nothing left pending */
    jpki_card_key_view v;
    assert_int_equal(jpki_renew_key_view(x->c, JPKI_KEY_AUTH, &v, NULL, &x->e), JPKI_OK);
    assert_false(v.pending);
    assert_true(v.active);
}

static void pin_rules(void **state)
{
    fixture *x = *state;
    jpki_secret bad = secret_of("9999"), good = secret_of("1234"), malformed = secret_of("12a4");
    jpki_pin_status st;
    /* format first: no try spent */
    assert_int_equal(jpki_renew_verify_pin(x->c, JPKI_PIN_AUTH, &malformed, false, &x->e),
                     JPKI_ERR_PIN_FORMAT);
    assert_int_equal(jpki_pin_status_get(x->c, JPKI_PIN_AUTH, &st, &x->e), JPKI_OK);
    assert_int_equal(st.tries_left, 3);
    assert_int_equal(jpki_renew_verify_pin(x->c, JPKI_PIN_AUTH, &bad, false, &x->e), JPKI_ERR_PIN_WRONG);
    assert_int_equal(jpki_renew_verify_pin(x->c, JPKI_PIN_AUTH, &bad, false, &x->e), JPKI_ERR_PIN_WRONG);
    /* one try left: refused before VERIFY, even for the right PIN */
    assert_int_equal(jpki_renew_verify_pin(x->c, JPKI_PIN_AUTH, &good, false, &x->e),
                     JPKI_ERR_PIN_LAST_TRY);
    assert_int_equal(x->e.tries_left, 1);
    assert_non_null(strstr(x->e.message, "--force"));
    assert_int_equal(jpki_pin_status_get(x->c, JPKI_PIN_AUTH, &st, &x->e), JPKI_OK);
    assert_int_equal(st.tries_left, 1);
    /* --force with a wrong PIN blocks it; then the message points to reset */
    assert_int_equal(jpki_renew_verify_pin(x->c, JPKI_PIN_AUTH, &bad, true, &x->e),
                     JPKI_ERR_PIN_BLOCKED);
    assert_non_null(strstr(x->e.message, "jpki-reset-pin"));
    assert_int_equal(jpki_renew_check_pin(x->c, JPKI_PIN_AUTH, true, &st, &x->e),
                     JPKI_ERR_PIN_BLOCKED);
    assert_non_null(strstr(x->e.message, "jpki-reset-pin"));
}

static void failing_ca_leaves_key_pending_and_resume_reuses_it(void **state)
{
    fixture *x = *state;
    open_session(x);
    x->ca_mode = CA_FAIL;
    assert_int_equal(jpki_renew_key(x->rn, JPKI_KEY_AUTH, NULL, true, NULL, &x->e), JPKI_ERR_IO);
    assert_non_null(strstr(x->e.message, "CA offline"));
    jpki_card_key_view v;
    jpki_pubkey *pub = jpki_pubkey_new();
    assert_non_null(pub);
    assert_int_equal(jpki_renew_key_view(x->c, JPKI_KEY_AUTH, &v, pub, &x->e), JPKI_OK);
    assert_true(v.pending);
    assert_true(v.have_fp);
    jpki_pubkey_free(pub);
    /* a new session (the card was reset), CA back */
    reset_card(x);
    open_session(x);
    x->ca_mode = CA_OK;
    jpki_journal_card_state s = lookup(x);
    jpki_resume_action did;
    assert_int_equal(jpki_renew_key(x->rn, JPKI_KEY_AUTH, &s, false, &did, &x->e), JPKI_OK);
    assert_int_equal(did, JPKI_RESUME_REQUEST);
    jpki_journal_card_state_free(&s);
    uint8_t now[32];
    pub_of_cert(x, JPKI_CERT_AUTH, now);
    assert_memory_equal(now, v.pending_fp, 32); /* the same key, not a new one */
    /* resume with nothing pending and no journal intent: refused */
    assert_int_equal(jpki_renew_key(x->rn, JPKI_KEY_AUTH, NULL, false, &did, &x->e), JPKI_ERR_STATE);
    assert_non_null(strstr(x->e.message, "nothing to resume"));
}

static void bad_certificates_are_not_written(void **state)
{
    fixture *x = *state;
    open_session(x);
    x->ca_mode = CA_WRONG_KEY;
    assert_int_equal(jpki_renew_key(x->rn, JPKI_KEY_AUTH, NULL, true, NULL, &x->e), JPKI_ERR_CERT);
    assert_non_null(strstr(x->e.message, "pending key"));
    x->ca_mode = CA_WRONG_CA;
    assert_int_equal(jpki_renew_key(x->rn, JPKI_KEY_AUTH, NULL, true, NULL, &x->e), JPKI_ERR_CERT);
    assert_non_null(strstr(x->e.message, "does not verify against the card's CA certificate"));
    jpki_card_key_view v;
    assert_int_equal(jpki_renew_key_view(x->c, JPKI_KEY_AUTH, &v, NULL, &x->e), JPKI_OK);
    assert_true(v.pending);
    assert_false(v.pending_cert); /* nothing reached the card */
    /* a CA answering with its chain: the right certificate is picked */
    x->ca_mode = CA_BUNDLE;
    assert_int_equal(jpki_renew_key(x->rn, JPKI_KEY_AUTH, NULL, true, NULL, &x->e), JPKI_OK);
}

static void install_from_journal_after_interrupted_write(void **state)
{
    fixture *x = *state;
    open_session(x);
    /* do the steps by hand up to the certificate, then "crash" mid-write */
    jpki_pubkey *pub = jpki_pubkey_new();
    assert_non_null(pub);
    uint8_t *csr, *answer, *cert;
    size_t csr_len, answer_len, cert_len;
    assert_int_equal(jpki_renew_request(x->rn, JPKI_KEY_SIGN, true, pub, &csr, &csr_len, &x->e), JPKI_OK);
    assert_int_equal(test_ca(x, JPKI_KEY_SIGN, "", csr, csr_len, &answer, &answer_len, &x->e), JPKI_OK);
    assert_int_equal(jpki_renew_pick_cert(answer, answer_len, pub, &cert, &cert_len, &x->e), JPKI_OK);
    uint8_t fp[32];
    assert_int_equal(jpki_pubkey_fingerprint(pub, fp, &x->e), JPKI_OK);
    jpki_journal_record r;
    jpki_journal_record_init(&r, JPKI_STEP_CERT_ISSUED, jpki_renewal_serial(x->rn));
    r.kind = JPKI_KEY_SIGN;
    r.has_key = true;
    memcpy(r.key, fp, 32);
    r.der = cert;
    r.der_len = cert_len;
    assert_int_equal(jpki_journal_append(x->j, &r, &x->e), JPKI_OK);
    assert_int_equal(jpki_cert_write_pending(x->c, JPKI_KEY_SIGN, cert, 100, &x->e), JPKI_OK);
    reset_card(x);
    open_session(x);
    int calls = x->ca_calls;
    jpki_journal_card_state s = lookup(x);
    jpki_resume_action did;
    assert_int_equal(jpki_renew_key(x->rn, JPKI_KEY_SIGN, &s, false, &did, &x->e), JPKI_OK);
    assert_int_equal(did, JPKI_RESUME_INSTALL);
    assert_int_equal(x->ca_calls, calls); /* not asked again */
    size_t active_len = 0;
    const uint8_t *active = jpki_renewal_active_cert(x->rn, JPKI_KEY_SIGN, &active_len);
    assert_int_equal(active_len, cert_len);
    assert_memory_equal(active, cert, cert_len);
    jpki_journal_card_state_free(&s);
    /* and confirming it later: fine; against another certificate: refused */
    s = lookup(x);
    assert_int_equal(jpki_renew_key(x->rn, JPKI_KEY_SIGN, &s, false, &did, &x->e), JPKI_OK);
    assert_int_equal(did, JPKI_RESUME_CONFIRM);
    s.key[JPKI_KEY_SIGN].cert[s.key[JPKI_KEY_SIGN].cert_len - 1] ^= 1;
    assert_int_equal(jpki_renew_key(x->rn, JPKI_KEY_SIGN, &s, false, &did, &x->e), JPKI_ERR_STATE);
    assert_non_null(strstr(x->e.message, "not renewing it again"));
    jpki_journal_card_state_free(&s);
    free(csr);
    free(answer);
    free(cert);
    jpki_pubkey_free(pub);
}

static void written_bytes_activated_or_refused(void **state)
{
    fixture *x = *state;
    open_session(x);
    jpki_pubkey *pub = jpki_pubkey_new();
    assert_non_null(pub);
    uint8_t *csr, *answer, *cert;
    size_t csr_len, answer_len, cert_len;
    assert_int_equal(jpki_renew_request(x->rn, JPKI_KEY_AUTH, true, pub, &csr, &csr_len, &x->e), JPKI_OK);
    assert_int_equal(test_ca(x, JPKI_KEY_AUTH, "", csr, csr_len, &answer, &answer_len, &x->e), JPKI_OK);
    assert_int_equal(jpki_renew_pick_cert(answer, answer_len, pub, &cert, &cert_len, &x->e), JPKI_OK);

    /* only part of it written: the card refuses it, the key goes to the CA again */
    assert_int_equal(jpki_cert_write_pending(x->c, JPKI_KEY_AUTH, cert, cert_len / 2, &x->e), JPKI_OK);
    int calls = x->ca_calls;
    jpki_resume_action did;
    assert_int_equal(jpki_renew_key(x->rn, JPKI_KEY_AUTH, NULL, false, &did, &x->e), JPKI_OK);
    assert_int_equal(did, JPKI_RESUME_REQUEST);
    assert_int_equal(x->ca_calls, calls + 1);

    /* all of it written (no journal): activated as it is */
    free(csr);
    free(answer);
    free(cert);
    assert_int_equal(jpki_renew_request(x->rn, JPKI_KEY_AUTH, true, pub, &csr, &csr_len, &x->e), JPKI_OK);
    assert_int_equal(test_ca(x, JPKI_KEY_AUTH, "", csr, csr_len, &answer, &answer_len, &x->e), JPKI_OK);
    assert_int_equal(jpki_renew_pick_cert(answer, answer_len, pub, &cert, &cert_len, &x->e), JPKI_OK);
    assert_int_equal(jpki_cert_write_pending(x->c, JPKI_KEY_AUTH, cert, cert_len, &x->e), JPKI_OK);
    calls = x->ca_calls;
    assert_int_equal(jpki_renew_key(x->rn, JPKI_KEY_AUTH, NULL, false, &did, &x->e), JPKI_OK);
    assert_int_equal(did, JPKI_RESUME_ACTIVATE);
    assert_int_equal(x->ca_calls, calls);
    size_t active_len = 0;
    const uint8_t *active = jpki_renewal_active_cert(x->rn, JPKI_KEY_AUTH, &active_len);
    assert_int_equal(active_len, cert_len);
    assert_memory_equal(active, cert, cert_len);
    free(csr);
    free(answer);
    free(cert);
    jpki_pubkey_free(pub);
}

static void pending_key_needs_the_pin(void **state)
{
    fixture *x = *state;
    assert_int_equal(jpki_issuer_authenticate(x->c, &x->ik, &x->e), JPKI_OK);
    jpki_pubkey *pub = jpki_pubkey_new();
    assert_non_null(pub);
    uint8_t *csr = NULL;
    size_t len;
    /* without the PIN the card generates nothing */
    assert_int_not_equal(jpki_renew_request(x->rn, JPKI_KEY_AUTH, true, pub, &csr, &len, &x->e), JPKI_OK);
    assert_null(csr);
    jpki_card_key_view v;
    assert_int_equal(jpki_renew_key_view(x->c, JPKI_KEY_AUTH, &v, NULL, &x->e), JPKI_OK);
    assert_false(v.pending);
    jpki_pubkey_free(pub);
}

/* A card whose signature key and certificate were deleted (password
 * reset): the holder's data comes from the card-info application. */
static void reissue_sign_from_holder_data(void **state)
{
    fixture *x = *state;
    const sim_persona *p = sim_persona_find("hanako");
    assert_non_null(p);
    jpki_secret ci = secret_of("5678"), bad = secret_of("0000"), pw = secret_of("NEWPW7");
    jpki_holder h;
    /* without the card-info PIN the card shows nothing */
    assert_int_not_equal(jpki_read_holder(x->c, &h, &x->e), JPKI_OK);
    assert_int_equal(jpki_renew_verify_pin(x->c, JPKI_PIN_CARDINFO, &bad, false, &x->e),
                     JPKI_ERR_PIN_WRONG);
    assert_int_equal(jpki_renew_verify_pin(x->c, JPKI_PIN_CARDINFO, &ci, false, &x->e), JPKI_OK);
    assert_int_equal(jpki_read_holder(x->c, &h, &x->e), JPKI_OK);
    assert_string_equal(h.name, p->name);
    assert_string_equal(h.address, p->address);
    assert_string_equal(h.birth, p->birth);
    assert_string_equal(h.sex, p->sex);
    /* the same subjectAltName the test CA builds from the persona */
    uint8_t *san, want[1024];
    size_t san_len, want_len;
    testca_holder_attrs ha = {p->name, p->sex, p->birth, p->address};
    assert_int_equal(testca_san_build(&ha, want, sizeof want, &want_len, &x->e), JPKI_OK);
    assert_int_equal(jpki_holder_san(&h, &san, &san_len, &x->e), JPKI_OK);
    assert_int_equal(san_len, want_len);
    assert_memory_equal(san, want, san_len);
    free(san);

    /* A second renewal of the same card that has the holder's data;
     * identified now, as selecting the common record forgets verified PINs. */
    jpki_renewal_opts o = {.size = sizeof o, .card = x->c, .journal = x->j, .ca = test_ca,
                           .ca_ctx = x, .holder = &h};
    jpki_renewal *rh = NULL;
    assert_int_equal(jpki_renewal_new(&o, &rh, &x->e), JPKI_OK);
    assert_int_equal(jpki_renew_identify(rh, &x->e), JPKI_OK);
    assert_string_equal(jpki_renewal_serial(rh), jpki_renewal_serial(x->rn));
    /* An options struct without a size is refused. */
    jpki_renewal_opts sizeless = {.card = x->c};
    jpki_renewal *none = (jpki_renewal *)&sizeless;
    assert_int_equal(jpki_renewal_new(&sizeless, &none, &x->e), JPKI_ERR_ARG);
    assert_null(none);

    assert_int_equal(jpki_issuer_authenticate(x->c, &x->ik, &x->e), JPKI_OK);
    assert_int_equal(jpki_pin_reset(x->c, JPKI_PIN_SIGN, &pw, &x->e), JPKI_OK);
    jpki_secret a = secret_of("1234");
    assert_int_equal(jpki_renew_verify_pin(x->c, JPKI_PIN_AUTH, &a, false, &x->e), JPKI_OK);
    assert_int_equal(jpki_renew_verify_pin(x->c, JPKI_PIN_SIGN, &pw, false, &x->e), JPKI_OK);
    /* no holder data given: refused before a key is generated */
    assert_int_equal(jpki_renew_key(x->rn, JPKI_KEY_SIGN, NULL, true, NULL, &x->e), JPKI_ERR_STATE);
    assert_non_null(strstr(x->e.message, "card-info"));
    jpki_card_key_view v;
    assert_int_equal(jpki_renew_key_view(x->c, JPKI_KEY_SIGN, &v, NULL, &x->e), JPKI_OK);
    assert_false(v.pending);
    assert_false(v.active);
    /* now with the holder's data */
    assert_int_equal(jpki_renew_key(rh, JPKI_KEY_SIGN, NULL, true, NULL, &x->e), JPKI_OK);
    jpki_cert_info info;
    size_t active_len = 0;
    const uint8_t *active = jpki_renewal_active_cert(rh, JPKI_KEY_SIGN, &active_len);
    assert_int_equal(jpki_cert_parse(active, active_len, &info, &x->e), JPKI_OK);
    assert_string_equal(info.birth, p->birth);
    assert_string_equal(info.name, p->name);
    jpki_renewal_free(rh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(full_renewal_of_both_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(pin_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(failing_ca_leaves_key_pending_and_resume_reuses_it, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_certificates_are_not_written, setup, teardown),
        cmocka_unit_test_setup_teardown(install_from_journal_after_interrupted_write, setup, teardown),
        cmocka_unit_test_setup_teardown(written_bytes_activated_or_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(pending_key_needs_the_pin, setup, teardown),
        cmocka_unit_test_setup_teardown(reissue_sign_from_holder_data, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, fx_teardown);
}
