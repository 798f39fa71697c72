/* Certificate renewal steps (jpki/renew.h).  The order of card commands
 * and journal records here is what makes an interrupted renewal safe to
 * resume: a record is appended (and fsync'd) before the step that relies on
 * it, and the card only switches keys at ACTIVATE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/x509_crt.h>

#include "x509_parse.h"
#include "jpki/csr.h"
#include "jpki/renew.h"
#include "pubkey_internal.h"
#include "private/i18n.h"
#include "renew_internal.h"

#define CA_ANSWER_MAX (256u * 1024u)

const char *jpki_key_kind_name(jpki_key_kind kind)
{
    return kind == JPKI_KEY_SIGN ? "sign" : "auth";
}

jpki_pin_id jpki_renew_pin_for(jpki_key_kind kind)
{
    return kind == JPKI_KEY_SIGN ? JPKI_PIN_SIGN : JPKI_PIN_AUTH;
}

static jpki_cert_kind cert_of(jpki_key_kind kind)
{
    return kind == JPKI_KEY_SIGN ? JPKI_CERT_SIGN : JPKI_CERT_AUTH;
}

static jpki_cert_kind ca_of(jpki_key_kind kind)
{
    return kind == JPKI_KEY_SIGN ? JPKI_CERT_SIGN_CA : JPKI_CERT_AUTH_CA;
}

void jpki_renewal_clear(jpki_renewal *rn)
{
    for (int k = 0; k < 2; k++) {
        free(rn->active_cert[k]);
        rn->active_cert[k] = NULL;
        rn->active_cert_len[k] = 0;
    }
}

jpki_rc jpki_renewal_new(const jpki_renewal_opts *o, jpki_renewal **out, jpki_error *err)
{
    if (out)
        *out = NULL;
    /* The first release's struct ends at holder; a shorter size is garbage. */
    size_t min = offsetof(jpki_renewal_opts, holder) + sizeof o->holder;
    if (!o || !out || o->size < min || !o->card)
        return jpki_error_set(err, JPKI_ERR_ARG, "renewal: missing card or options size");
    jpki_renewal *rn = calloc(1, sizeof *rn);
    if (!rn)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "renewal: out of memory");
    rn->card = o->card;
    rn->journal = o->journal;
    rn->ca = o->ca;
    rn->ca_ctx = o->ca_ctx;
    rn->progress = o->progress;
    rn->progress_ctx = o->progress_ctx;
    rn->holder = o->holder;
    *out = rn;
    return JPKI_OK;
}

void jpki_renewal_free(jpki_renewal *rn)
{
    if (!rn)
        return;
    jpki_renewal_clear(rn);
    free(rn);
}

const char *jpki_renewal_serial(const jpki_renewal *rn)
{
    return rn ? rn->serial : "";
}

const uint8_t *jpki_renewal_active_cert(const jpki_renewal *rn, jpki_key_kind kind, size_t *len)
{
    bool ok = rn && (kind == JPKI_KEY_AUTH || kind == JPKI_KEY_SIGN);
    if (len)
        *len = ok ? rn->active_cert_len[kind] : 0;
    return ok ? rn->active_cert[kind] : NULL;
}

/* Keep the certificate just read back (takes ownership of der). */
static void keep_active(jpki_renewal *rn, jpki_key_kind kind, uint8_t *der, size_t len)
{
    free(rn->active_cert[kind]);
    rn->active_cert[kind] = der;
    rn->active_cert_len[kind] = len;
}

static void progress(jpki_renewal *rn, jpki_key_kind kind, const char *step)
{
    if (rn->progress)
        rn->progress(rn->progress_ctx, kind, step);
}

static jpki_rc journal_key_step(jpki_renewal *rn, jpki_journal_step step, jpki_key_kind kind,
                                const uint8_t fp[JPKI_JOURNAL_FP_LEN], const uint8_t *der,
                                size_t der_len, jpki_error *err)
{
    if (!rn->journal)
        return JPKI_OK;
    jpki_journal_record r;
    jpki_journal_record_init(&r, step, rn->serial);
    r.kind = (int)kind;
    if (fp) {
        r.has_key = true;
        memcpy(r.key, fp, JPKI_JOURNAL_FP_LEN);
    }
    r.der = der;
    r.der_len = der_len;
    jpki_rc rc = jpki_journal_append(rn->journal, &r, err);
    if (rc != JPKI_OK)
        jpki_error_prefix(err, "journal");
    return rc;
}

jpki_rc jpki_renew_identify(jpki_renewal *rn, jpki_error *err)
{
    char muni[6], expiry[9];
    jpki_rc rc = jpki_read_card_id(rn->card, rn->serial, muni, expiry, err);
    if (rc != JPKI_OK)
        jpki_error_prefix(err, "reading the card serial");
    return rc;
}

/* ---- card state ---- */

jpki_rc jpki_renew_key_view(jpki_card *c, jpki_key_kind kind, jpki_card_key_view *view,
                            jpki_pubkey *pub, jpki_error *err)
{
    memset(view, 0, sizeof *view);
    jpki_issuance_status st;
    jpki_rc rc = jpki_issuance_status_get(c, &st, err);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "issuance status");
    if (st.face_mode && kind == JPKI_KEY_SIGN)
        return jpki_error_set(err, JPKI_ERR_STATE,
                              "face-authentication card: it has no signature certificate and "
                              "none can be issued on it (jpki-face-auth-switch --to pin first)");
    view->active = st.key[kind].active;
    view->pending = st.key[kind].pending;
    view->pending_cert = st.key[kind].pending_cert;
    if (!view->pending || !pub)
        return JPKI_OK;
    if ((rc = jpki_keypair_pending(c, kind, false, pub, err)) != JPKI_OK)
        return rc; /* the message names the step and the key */
    if ((rc = jpki_pubkey_fingerprint(pub, view->pending_fp, err)) != JPKI_OK)
        return rc;
    view->have_fp = true;
    return JPKI_OK;
}

/* ---- CSR ---- */

typedef struct card_signer {
    jpki_card *card;
    jpki_key_kind kind;
} card_signer;

static jpki_rc card_sign(void *ctx, const uint8_t *di, size_t dlen, uint8_t *sig, size_t cap,
                         size_t *siglen, jpki_error *err)
{
    card_signer *s = ctx;
    if (cap < 256)
        return jpki_error_set(err, JPKI_ERR_INTERNAL, "signature buffer too small");
    return jpki_sign_digestinfo(s->card, s->kind, true, di, dlen, sig, siglen, err);
}

/* Subject (and subjectAltName) the new certificate should carry: those of
 * the certificate it replaces. */
static jpki_rc load_template(const jpki_renewal *rn, jpki_key_kind kind, jpki_csr_template *t,
                             jpki_error *err)
{
    jpki_card *c = rn->card;
    uint8_t *der = NULL;
    size_t len = 0;
    jpki_rc rc = jpki_read_cert(c, cert_of(kind), &der, &len, err);
    bool absent = rc == JPKI_ERR_NOT_FOUND; /* an empty EF, or 6A88 */
    if (absent && kind == JPKI_KEY_SIGN) {
        /* No signature certificate (after a password reset, or a face
         * authentication card made a PIN card again): the subject is the
         * authentication certificate's, the holder's name, sex, birth date
         * and address come from the card-info application. */
        if (!rn->holder)
            return jpki_error_set(err, JPKI_ERR_STATE,
                                  "the card has no signature certificate to copy the holder's "
                                  "data from: it must be read from the card-info application "
                                  "(card-info PIN)");
        if ((rc = jpki_read_cert(c, JPKI_CERT_AUTH, &der, &len, err)) != JPKI_OK)
            return rc;
        rc = jpki_csr_template_from_cert(der, len, t, err);
        free(der);
        if (rc != JPKI_OK)
            return rc;
        free(t->san);
        t->san = NULL;
        t->san_len = 0;
        if ((rc = jpki_holder_san(rn->holder, &t->san, &t->san_len, err)) != JPKI_OK)
            jpki_csr_template_free(t);
        return rc;
    }
    if (rc != JPKI_OK)
        return rc;
    rc = jpki_csr_template_from_cert(der, len, t, err);
    free(der);
    return rc;
}

jpki_rc jpki_renew_request(jpki_renewal *rn, jpki_key_kind kind, bool generate,
                           jpki_pubkey *pub, uint8_t **csr, size_t *csr_len,
                           jpki_error *err)
{
    *csr = NULL;
    *csr_len = 0;
    jpki_csr_template t = {0};
    uint8_t fp[JPKI_JOURNAL_FP_LEN];
    /* Read the template first: a card whose certificate cannot be read
     * should fail before it gets a pending key. */
    jpki_rc rc = load_template(rn, kind, &t, err);
    if (rc != JPKI_OK)
        return rc;
    progress(rn, kind, generate ? N_("generate") : N_("pending-key"));
    if ((rc = jpki_keypair_pending(rn->card, kind, generate, pub, err)) != JPKI_OK)
        goto out;
    if ((rc = jpki_pubkey_fingerprint(pub, fp, err)) != JPKI_OK)
        goto out;
    if ((rc = journal_key_step(rn, JPKI_STEP_PENDING_KEY, kind, fp, NULL, 0, err)) != JPKI_OK)
        goto out;

    progress(rn, kind, N_("csr"));
    card_signer signer = {.card = rn->card, .kind = kind};
    jpki_csr_params p = {.subject_der = t.subject, .subject_der_len = t.subject_len,
                         .pub = pub, .san_der = t.san, .san_der_len = t.san_len,
                         .sign = card_sign, .sign_ctx = &signer};
    if ((rc = jpki_csr_build(&p, csr, csr_len, err)) != JPKI_OK) {
        jpki_error_prefix(err, "%s CSR", jpki_key_kind_name(kind));
        goto out;
    }
    rc = journal_key_step(rn, JPKI_STEP_CSR, kind, fp, *csr, *csr_len, err);
out:
    if (rc != JPKI_OK) {
        free(*csr);
        *csr = NULL;
        *csr_len = 0;
    }
    jpki_csr_template_free(&t);
    return rc;
}

/* ---- checking and installing the certificate ---- */

/* mbedtls_x509_crt_verify_info writes one line per problem; make one line. */
static void verify_flags_text(uint32_t flags, char *buf, size_t n)
{
    if (mbedtls_x509_crt_verify_info(buf, n, "", flags) < 0)
        snprintf(buf, n, "flags 0x%08X", (unsigned)flags);
    size_t len = strlen(buf);
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
        buf[--len] = '\0';
    for (char *p = buf; *p; p++)
        if (*p == '\n')
            *p = ';';
}

/* Is cert fit for pub under the CA certificate ca_der?  No card traffic:
 * a certificate just issued is checked (and journaled) before the card is
 * spoken to again. */
static jpki_rc check_against(jpki_key_kind kind, const jpki_pubkey *pub, const uint8_t *cert,
                             size_t len, const uint8_t *ca_der, size_t ca_len, jpki_error *err)
{
    jpki_rc rc = JPKI_OK;
    mbedtls_x509_crt crt, ca;
    mbedtls_x509_crt_init(&crt);
    mbedtls_x509_crt_init(&ca);
    if (len > JPKI_CERT_MAX) {
        rc = jpki_error_set(err, JPKI_ERR_CERT, "issued %s certificate is %zu bytes; the card holds at most %d",
                            jpki_key_kind_name(kind), len, JPKI_CERT_MAX);
        goto out;
    }
    int r = jpki_x509_parse_der(&crt, cert, len);
    if (r != 0) {
        rc = jpki_error_set(err, JPKI_ERR_CERT, "issued %s certificate does not parse (mbedTLS -0x%04X)",
                            jpki_key_kind_name(kind), (unsigned)-r);
        goto out;
    }
    if (mbedtls_pk_get_type(&crt.pk) != MBEDTLS_PK_RSA ||
        !jpki_rsa_pub_equal(mbedtls_pk_rsa(crt.pk), &pub->rsa)) {
        rc = jpki_error_set(err, JPKI_ERR_CERT,
                            "issued %s certificate is for another key than the card's pending key",
                            jpki_key_kind_name(kind));
        goto out;
    }
    if ((r = jpki_x509_parse_der(&ca, ca_der, ca_len)) != 0) {
        rc = jpki_error_set(err, JPKI_ERR_CERT, "the card's %s CA certificate does not parse (mbedTLS -0x%04X)",
                            jpki_key_kind_name(kind), (unsigned)-r);
        goto out;
    }
    uint32_t flags = 0;
    if ((r = mbedtls_x509_crt_verify(&crt, &ca, NULL, NULL, &flags, NULL, NULL)) != 0) {
        char why[200];
        verify_flags_text(flags, why, sizeof why);
        rc = jpki_error_set(err, JPKI_ERR_CERT,
                            "issued %s certificate does not verify against the card's CA certificate: %s",
                            jpki_key_kind_name(kind), why);
        goto out;
    }
out:
    mbedtls_x509_crt_free(&crt);
    mbedtls_x509_crt_free(&ca);
    return rc;
}

jpki_rc jpki_renew_check_issued(jpki_card *c, jpki_key_kind kind, const jpki_pubkey *pub,
                                const uint8_t *cert, size_t len, jpki_error *err)
{
    uint8_t *ca_der = NULL;
    size_t ca_len = 0;
    jpki_rc rc = jpki_read_cert(c, ca_of(kind), &ca_der, &ca_len, err);
    if (rc == JPKI_OK)
        rc = check_against(kind, pub, cert, len, ca_der, ca_len, err);
    free(ca_der);
    return rc;
}

/* Read the active certificate back; it must be exactly cert. */
static jpki_rc read_back(jpki_renewal *rn, jpki_key_kind kind, const uint8_t *cert, size_t len,
                         jpki_rc mismatch_code, jpki_error *err)
{
    uint8_t *got = NULL;
    size_t got_len = 0;
    progress(rn, kind, N_("read-back"));
    jpki_rc rc = jpki_read_cert(rn->card, cert_of(kind), &got, &got_len, err);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "after writing");
    bool same = got_len == len && memcmp(got, cert, len) == 0;
    if (same)
        keep_active(rn, kind, got, got_len);
    else
        free(got);
    if (!same)
        return jpki_error_set(err, mismatch_code,
                              mismatch_code == JPKI_ERR_STATE
                                  ? "the card's active %s certificate is not the one the journal "
                                    "recorded; not renewing it again"
                                  : "the %s certificate read back differs from the one written",
                              jpki_key_kind_name(kind));
    return JPKI_OK;
}

/* A checked certificate, already in the journal (cert-issued) when there
 * is one: UPDATE BINARY, ACTIVATE, journal activated, read back. */
static jpki_rc install_recorded(jpki_renewal *rn, jpki_key_kind kind,
                                const uint8_t fp[JPKI_JOURNAL_FP_LEN], const uint8_t *cert,
                                size_t len, jpki_error *err)
{
    progress(rn, kind, N_("write"));
    jpki_rc rc = jpki_cert_write_pending(rn->card, kind, cert, len, err);
    if (rc != JPKI_OK)
        return rc;
    progress(rn, kind, N_("activate"));
    if ((rc = jpki_cert_activate(rn->card, kind, err)) != JPKI_OK)
        return rc;
    if ((rc = journal_key_step(rn, JPKI_STEP_ACTIVATED, kind, fp, NULL, 0, err)) != JPKI_OK)
        return rc;
    return read_back(rn, kind, cert, len, JPKI_ERR_CERT, err);
}

jpki_rc jpki_renew_install(jpki_renewal *rn, jpki_key_kind kind, const jpki_pubkey *pub,
                           const uint8_t *cert, size_t len, jpki_error *err)
{
    uint8_t fp[JPKI_JOURNAL_FP_LEN];
    progress(rn, kind, N_("check"));
    jpki_rc rc = jpki_renew_check_issued(rn->card, kind, pub, cert, len, err);
    if (rc != JPKI_OK)
        return rc;
    if ((rc = jpki_pubkey_fingerprint(pub, fp, err)) != JPKI_OK)
        return rc;
    /* On disk before the card changes: a crash after ACTIVATE finds the
     * certificate in the journal and confirms instead of renewing again. */
    if ((rc = journal_key_step(rn, JPKI_STEP_CERT_ISSUED, kind, fp, cert, len, err)) != JPKI_OK)
        return rc;
    return install_recorded(rn, kind, fp, cert, len, err);
}

/* ACTIVATE what an interrupted install wrote.  *refused: the card said the
 * bytes are not a certificate for the pending key (nothing changed). */
static jpki_rc activate_written(jpki_renewal *rn, jpki_key_kind kind, bool *refused,
                                jpki_error *err)
{
    *refused = false;
    jpki_pubkey pub;
    jpki_pubkey_init(&pub);
    jpki_card_key_view v;
    uint8_t *cert = NULL;
    size_t len = 0;
    jpki_rc rc = jpki_renew_key_view(rn->card, kind, &v, &pub, err);
    if (rc != JPKI_OK)
        goto out;
    if (!v.pending || !v.pending_cert) {
        rc = jpki_error_set(err, JPKI_ERR_STATE, "no %s certificate is pending on the card",
                            jpki_key_kind_name(kind));
        goto out;
    }
    progress(rn, kind, N_("activate"));
    if ((rc = jpki_cert_activate(rn->card, kind, err)) != JPKI_OK) {
        *refused = err && err->sw == 0x6A80;
        goto out;
    }
    /* Now check what became active, and record it for a later resume. */
    progress(rn, kind, N_("read-back"));
    if ((rc = jpki_read_cert(rn->card, cert_of(kind), &cert, &len, err)) != JPKI_OK) {
        jpki_error_prefix(err, "after activation");
        goto out;
    }
    if ((rc = journal_key_step(rn, JPKI_STEP_CERT_ISSUED, kind, v.pending_fp, cert, len, err)) != JPKI_OK ||
        (rc = journal_key_step(rn, JPKI_STEP_ACTIVATED, kind, v.pending_fp, NULL, 0, err)) != JPKI_OK)
        goto out;
    if ((rc = jpki_renew_check_issued(rn->card, kind, &pub, cert, len, err)) != JPKI_OK) {
        jpki_error_prefix(err, "after activation");
        goto out;
    }
    keep_active(rn, kind, cert, len);
    cert = NULL;
out:
    free(cert);
    jpki_pubkey_clear(&pub);
    return rc;
}

jpki_rc jpki_renew_activate_written(jpki_renewal *rn, jpki_key_kind kind, jpki_error *err)
{
    bool refused;
    return activate_written(rn, kind, &refused, err);
}

jpki_rc jpki_renew_confirm(jpki_renewal *rn, jpki_key_kind kind, const uint8_t *cert, size_t len,
                           jpki_error *err)
{
    jpki_rc rc = read_back(rn, kind, cert, len, JPKI_ERR_STATE, err);
    if (rc != JPKI_OK)
        return rc;
    return journal_key_step(rn, JPKI_STEP_ACTIVATED, kind, NULL, NULL, 0, err);
}

jpki_rc jpki_renew_pick_cert(const uint8_t *buf, size_t len, const jpki_pubkey *pub,
                             uint8_t **cert, size_t *cert_len, jpki_error *err)
{
    *cert = NULL;
    *cert_len = 0;
    if (len == 0)
        return jpki_error_set(err, JPKI_ERR_CERT, "no certificate in the CA's answer (empty)");
    if (len > CA_ANSWER_MAX)
        return jpki_error_set(err, JPKI_ERR_LIMIT, "CA answer larger than %u bytes", CA_ANSWER_MAX);
    mbedtls_x509_crt chain;
    mbedtls_x509_crt_init(&chain);
    jpki_rc rc = JPKI_OK;
    int r;
    if (memmem(buf, len, "-----BEGIN", 10)) {
        /* mbedTLS wants PEM NUL-terminated, the NUL counted in the length. */
        uint8_t *z = malloc(len + 1);
        if (!z)
            return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        memcpy(z, buf, len);
        z[len] = '\0';
        r = jpki_x509_parse_pem(&chain, z, len + 1);
        free(z);
    } else {
        r = jpki_x509_parse_der(&chain, buf, len);
    }
    if (r < 0 || chain.raw.p == NULL) {
        rc = jpki_error_set(err, JPKI_ERR_CERT, "the CA's answer is not a certificate (mbedTLS -0x%04X)",
                            (unsigned)(r < 0 ? -r : 0));
        goto out;
    }
    int n = 0;
    for (const mbedtls_x509_crt *c = &chain; c && c->raw.p; c = c->next, n++) {
        if (mbedtls_pk_get_type(&c->pk) == MBEDTLS_PK_RSA &&
            jpki_rsa_pub_equal(mbedtls_pk_rsa(c->pk), &pub->rsa)) {
            *cert = malloc(c->raw.len);
            if (!*cert) {
                rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
                goto out;
            }
            memcpy(*cert, c->raw.p, c->raw.len);
            *cert_len = c->raw.len;
            goto out;
        }
    }
    rc = jpki_error_set(err, JPKI_ERR_CERT,
                        "none of the %d certificate(s) the CA returned is for the card's pending key", n);
out:
    mbedtls_x509_crt_free(&chain);
    return rc;
}

/* ---- one key, start to end ---- */

/* CSR -> CA -> install, for a fresh or an already pending key.  Between
 * the CA's answer and its cert-issued record in the journal (fsync'd) the
 * card is not spoken to -- the CA certificate to check the answer against
 * is read before the CA is asked -- so nothing but the end of the process
 * in those few instructions can lose a certificate the CA has issued, and
 * a resume never asks the CA twice for one request.  Signals are held off
 * to the safe points (renew_interrupt.c). */
static jpki_rc request_issue_install(jpki_renewal *rn, jpki_key_kind kind, bool generate,
                                     jpki_error *err)
{
    if (!rn->ca)
        return jpki_error_set(err, JPKI_ERR_ARG, "no CA to send the %s request to",
                              jpki_key_kind_name(kind));
    const char *name = jpki_key_kind_name(kind);
    char when[256]; /* room for the translated phrase */
    jpki_pubkey pub;
    jpki_pubkey_init(&pub);
    uint8_t *csr = NULL, *answer = NULL, *cert = NULL, *ca_der = NULL;
    size_t csr_len = 0, answer_len = 0, cert_len = 0, ca_len = 0;
    uint8_t fp[JPKI_JOURNAL_FP_LEN];
    jpki_rc rc;
    renew_in_flight_enter();
    if (jpki_renew_interrupted()) {
        snprintf(when, sizeof when, "before the %s key was %s", name,
                 generate ? "generated" : "taken up again");
        rc = jpki_renew_interrupted_error(err, when);
        snprintf(when, sizeof when, _("before the %s key was %s"), _(name),
                 generate ? _("generated") : _("taken up again"));
        renew_interrupted_reword(err, when);
        goto out;
    }
    if ((rc = jpki_renew_request(rn, kind, generate, &pub, &csr, &csr_len, err)) != JPKI_OK)
        goto out;
    if ((rc = jpki_read_cert(rn->card, ca_of(kind), &ca_der, &ca_len, err)) != JPKI_OK) {
        jpki_error_prefix(err, "%s CA certificate", name);
        goto out;
    }
    if (jpki_renew_interrupted()) {
        snprintf(when, sizeof when, "before the CA was asked for the %s certificate", name);
        rc = jpki_renew_interrupted_error(err, when);
        snprintf(when, sizeof when, _("before the CA was asked for the %s certificate"), _(name));
        renew_interrupted_reword(err, when);
        goto out;
    }
    progress(rn, kind, N_("ca"));
    rc = rn->ca(rn->ca_ctx, kind, rn->serial, csr, csr_len, &answer, &answer_len, err);
    if (rc != JPKI_OK) {
        jpki_error_prefix(err, "%s", name);
        goto out;
    }
    if ((rc = jpki_renew_pick_cert(answer, answer_len, &pub, &cert, &cert_len, err)) != JPKI_OK) {
        /* An interrupted CA's partial answer is the interruption's fault. */
        if (jpki_renew_interrupted())
            rc = jpki_renew_interrupted_error(err, N_("while the CA command ran (the command was ended)"));
        jpki_error_prefix(err, "%s", name);
        goto out;
    }
    progress(rn, kind, N_("check"));
    if ((rc = check_against(kind, &pub, cert, cert_len, ca_der, ca_len, err)) != JPKI_OK ||
        (rc = jpki_pubkey_fingerprint(&pub, fp, err)) != JPKI_OK ||
        (rc = journal_key_step(rn, JPKI_STEP_CERT_ISSUED, kind, fp, cert, cert_len, err)) != JPKI_OK)
        goto out;
    /* Without a journal the certificate exists only here: install it. */
    if (rn->journal && jpki_renew_interrupted()) {
        snprintf(when, sizeof when, "after the CA issued the %s certificate (kept in the journal)",
                 name);
        rc = jpki_renew_interrupted_error(err, when);
        snprintf(when, sizeof when, _("after the CA issued the %s certificate (kept in the journal)"),
                 _(name));
        renew_interrupted_reword(err, when);
        goto out;
    }
    rc = install_recorded(rn, kind, fp, cert, cert_len, err);
out:
    renew_in_flight_leave();
    free(csr);
    free(answer);
    free(cert);
    free(ca_der);
    jpki_pubkey_clear(&pub);
    return rc;
}

jpki_rc jpki_renew_key(jpki_renewal *rn, jpki_key_kind kind, const jpki_journal_card_state *js,
                       bool fresh, jpki_resume_action *did, jpki_error *err)
{
    jpki_card_key_view v;
    jpki_pubkey pub;
    jpki_pubkey_init(&pub);
    jpki_rc rc = jpki_renew_key_view(rn->card, kind, &v, &pub, err);
    if (rc != JPKI_OK) {
        jpki_pubkey_clear(&pub);
        return rc;
    }
    jpki_resume_action a = jpki_resume_decide(js, kind, &v);
    if (did)
        *did = a;
    switch (a) {
    case JPKI_RESUME_SKIP_DONE:
        break;
    case JPKI_RESUME_GENERATE:
        if (!fresh) {
            rc = jpki_error_set(err, JPKI_ERR_STATE, "nothing pending for the %s key: nothing to resume",
                                jpki_key_kind_name(kind));
            break;
        }
        rc = request_issue_install(rn, kind, true, err);
        break;
    case JPKI_RESUME_REQUEST:
        rc = request_issue_install(rn, kind, false, err);
        break;
    case JPKI_RESUME_INSTALL: {
        const jpki_journal_key_state *k = &js->key[kind];
        rc = jpki_renew_install(rn, kind, &pub, k->cert, k->cert_len, err);
        break;
    }
    case JPKI_RESUME_ACTIVATE: {
        bool refused;
        rc = activate_written(rn, kind, &refused, err);
        if (rc != JPKI_OK && refused) {
            /* Half-written bytes: go to the CA again for the same key. */
            if (did)
                *did = JPKI_RESUME_REQUEST;
            rc = request_issue_install(rn, kind, false, err);
        }
        break;
    }
    case JPKI_RESUME_CONFIRM: {
        const jpki_journal_key_state *k = &js->key[kind];
        rc = jpki_renew_confirm(rn, kind, k->cert, k->cert_len, err);
        break;
    }
    }
    jpki_pubkey_clear(&pub);
    return rc;
}
