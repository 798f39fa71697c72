/* One card through a renewal mode (jpki_renew_card, jpki/renew.h): the
 * renewal's state machine, as jpki-renew(1) describes it.  The command
 * only parses options, supplies the PINs and the CA, and prints.
 *
 * Order matters: the journal is consulted before the card is touched, the
 * issuer session comes before anything that needs it, every key is
 * planned before any PIN is asked for (so only the PINs actually needed
 * are read), and the PIN sequence (renew_pins.c) runs before any key
 * changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "private/i18n.h"
#include "jpki/csr.h"
#include "jpki/jpki.h"
#include "jpki/renew.h"
#include "card_internal.h"
#include "pubkey_internal.h"
#include "renew_internal.h"

typedef struct step_ctx {
    const jpki_renew_card_opts *o;
    jpki_renew_card_result *res;
    unsigned reached_pending; /* keys that got a pending key in this run */
} step_ctx;

static void on_step(void *ctx, jpki_key_kind kind, const char *step)
{
    step_ctx *s = ctx;
    if (strcmp(step, "generate") == 0 || strcmp(step, "pending-key") == 0)
        s->reached_pending |= JPKI_KIND_BIT(kind);
    if (s->o->progress) {
        char what[160];
        /* Shown to people: the step names are marked N_ in renew.c. */
        snprintf(what, sizeof what, "%s: %s", _(jpki_key_kind_name(kind)), _(step));
        s->o->progress(s->o->progress_ctx, s->res->serial, what);
    }
}

/* A step of the whole card, not of one key. */
static void on_card_step(step_ctx *s, const char *what)
{
    if (s->o->progress)
        s->o->progress(s->o->progress_ctx, s->res->serial, what);
}

static void journal_card_step(const jpki_renew_card_opts *o, const char *serial, const char *reader,
                              jpki_journal_step step, unsigned kinds, const char *error)
{
    if (!o->journal)
        return;
    jpki_journal_record r;
    jpki_journal_record_init(&r, step, serial);
    r.kinds = kinds;
    if (reader)
        snprintf(r.reader, sizeof r.reader, "%s", reader);
    if (error)
        snprintf(r.error, sizeof r.error, "%s", error);
    jpki_error ignore;
    jpki_error_clear(&ignore);
    /* A journal that cannot record a card-level step is reported by the
     * next key-level append, which the renewal checks. */
    (void)jpki_journal_append(o->journal, &r, &ignore);
}

/* Summary line for a key whose certificate is now active (as read back):
 * line for people, line_c in English with the UTC time (--summary-json). */
static void describe_active(const jpki_renewal *rn, jpki_key_kind kind, const char *what,
                            char *line, char *line_c, size_t n)
{
    jpki_cert_info info;
    jpki_error e;
    jpki_error_clear(&e);
    const char *name = jpki_key_kind_name(kind);
    if (rn->active_cert[kind] &&
        jpki_cert_parse(rn->active_cert[kind], rn->active_cert_len[kind], &info, &e) == JPKI_OK) {
        char until[64], until_c[32];
        jpki_time_format_human(info.not_after, true, until, sizeof until);
        jpki_time_format(info.not_after, until_c, sizeof until_c);
        snprintf(line, n, _("%s: %s, certificate serial %s, valid until %s"), _(name), _(what),
                 info.serial_hex, until);
        snprintf(line_c, n, "%s: %s, certificate serial %s, valid until %s", name, what,
                 info.serial_hex, until_c);
    } else {
        snprintf(line, n, "%s: %s", _(name), _(what));
        snprintf(line_c, n, "%s: %s", name, what);
    }
}

static jpki_rc print_csr(FILE *f, const uint8_t *csr, size_t len, jpki_error *err)
{
    char *pem = NULL;
    jpki_rc rc = jpki_csr_pem(csr, len, &pem, err);
    if (rc != JPKI_OK)
        return rc;
    if (fputs(pem, f) == EOF || fflush(f) != 0)
        rc = jpki_error_set(err, JPKI_ERR_IO, "writing the CSR: output closed");
    free(pem);
    return rc;
}

/* install: the certificate for the pending key out of stdin. */
static jpki_rc install_from_input(const jpki_renew_card_opts *o, jpki_renewal *rn, jpki_key_kind kind,
                                  jpki_error *err)
{
    jpki_pubkey pub;
    jpki_pubkey_init(&pub);
    jpki_card_key_view v;
    uint8_t *cert = NULL;
    size_t len = 0;
    jpki_rc rc = jpki_renew_key_view(rn->card, kind, &v, &pub, err);
    if (rc == JPKI_OK && !v.pending)
        rc = jpki_error_set(err, JPKI_ERR_STATE, "no pending %s key on the card: nothing to install",
                            jpki_key_kind_name(kind));
    if (rc == JPKI_OK)
        rc = jpki_renew_pick_cert(o->install_input, o->install_len, &pub, &cert, &len, err);
    if (rc == JPKI_ERR_CERT)
        jpki_error_prefix(err, "%s", jpki_key_kind_name(kind));
    if (rc == JPKI_OK)
        rc = jpki_renew_install(rn, kind, &pub, cert, len, err);
    free(cert);
    jpki_pubkey_clear(&pub);
    return rc;
}

/* Which keys to work on, what each needs, and which PINs that takes. */
static jpki_rc plan(const jpki_renew_card_opts *o, jpki_card *card, const jpki_journal_card_state *js,
                    unsigned cand, bool face, jpki_resume_action act[2], unsigned *todo,
                    unsigned *need_pin, jpki_error *err)
{
    *todo = *need_pin = 0;
    for (int k = 0; k < 2; k++) {
        jpki_key_kind kind = (jpki_key_kind)k;
        if (!(cand & JPKI_KIND_BIT(kind)))
            continue;
        jpki_card_key_view v;
        jpki_rc rc = jpki_renew_key_view(card, kind, &v, NULL, err);
        if (rc != JPKI_OK)
            return rc;
        switch (o->mode) {
        case JPKI_RENEW_MODE_REQUEST:
            act[k] = JPKI_RESUME_GENERATE;
            break;
        case JPKI_RENEW_MODE_INSTALL:
            if (!v.pending) {
                if (o->kinds)
                    return jpki_error_set(err, JPKI_ERR_STATE,
                                          "no pending %s key on the card: nothing to install",
                                          jpki_key_kind_name(kind));
                continue;
            }
            act[k] = JPKI_RESUME_INSTALL;
            break;
        case JPKI_RENEW_MODE_RENEW:
            act[k] = jpki_resume_decide(js, kind, &v);
            break;
        case JPKI_RENEW_MODE_RESUME:
            act[k] = jpki_resume_decide(js, kind, &v);
            /* Start a key from scratch only if the journal shows an
             * unfinished attempt that had set out to renew it (or the user
             * names the key for that attempt); without a journal there is
             * nothing to go on but the card, and it shows nothing pending. */
            if (act[k] == JPKI_RESUME_GENERATE &&
                !(js && ((js->kinds | o->kinds) & JPKI_KIND_BIT(kind))))
                continue;
            break;
        }
        if (act[k] == JPKI_RESUME_SKIP_DONE)
            continue;
        *todo |= JPKI_KIND_BIT(kind);
        /* Every key worked on needs its PIN: the card generates a key,
         * signs with a pending key and shows a pending key only with that
         * key's PIN verified, and the signature certificate (to copy its
         * subject, to check it after writing) is readable only with the
         * password verified.  Only confirming an already active
         * authentication certificate needs nothing. */
        if (face)
            continue; /* no PIN: the counter's identity check (confirm_identity) */
        if (kind == JPKI_KEY_SIGN || act[k] != JPKI_RESUME_CONFIRM)
            *need_pin |= JPKI_PIN_BIT(jpki_renew_pin_for(kind));
        /* A signature key without a certificate to copy the holder's data
         * from: that data comes from the card-info application, behind its
         * PIN. */
        if (kind == JPKI_KEY_SIGN && !v.active &&
            (act[k] == JPKI_RESUME_GENERATE || act[k] == JPKI_RESUME_REQUEST ||
             act[k] == JPKI_RESUME_ACTIVATE))
            *need_pin |= JPKI_PIN_BIT(JPKI_PIN_CARDINFO);
    }
    return JPKI_OK;
}

static jpki_rc run_key(const jpki_renew_card_opts *o, jpki_renewal *rn, jpki_key_kind kind,
                       jpki_resume_action act, const jpki_journal_card_state *js,
                       jpki_renew_card_result *res, bool *printed_csr, jpki_error *err)
{
    jpki_rc rc;
    char *line = res->line[kind], *line_c = res->line_c[kind];
    size_t n = sizeof res->line[kind];
    bool wants_ca = act == JPKI_RESUME_GENERATE || act == JPKI_RESUME_REQUEST;
    if (o->mode == JPKI_RENEW_MODE_RESUME && wants_ca && !o->ca) {
        /* The plan could not compare the pending key with the journal's
         * certificate (reading that key needs its PIN, verified only now):
         * a certificate issued for it is installed, not asked for again. */
        jpki_card_key_view v;
        jpki_pubkey pub;
        jpki_pubkey_init(&pub);
        rc = jpki_renew_key_view(rn->card, kind, &v, &pub, err);
        jpki_pubkey_clear(&pub);
        if (rc != JPKI_OK)
            return rc;
        jpki_resume_action now = jpki_resume_decide(js, kind, &v);
        wants_ca = now == JPKI_RESUME_GENERATE || now == JPKI_RESUME_REQUEST;
    }
    if (o->mode == JPKI_RENEW_MODE_REQUEST || (o->mode == JPKI_RENEW_MODE_RESUME && wants_ca && !o->ca)) {
        jpki_pubkey pub;
        jpki_pubkey_init(&pub);
        uint8_t *csr = NULL;
        size_t len = 0;
        rc = jpki_renew_request(rn, kind, act == JPKI_RESUME_GENERATE, &pub, &csr, &len, err);
        if (rc == JPKI_OK)
            rc = print_csr(o->csr_out, csr, len, err);
        free(csr);
        jpki_pubkey_clear(&pub);
        if (rc == JPKI_OK) {
            *printed_csr = true;
            snprintf(line, n, _("%s: CSR printed; the new key is pending until `jpki-renew install`"),
                     _(jpki_key_kind_name(kind)));
            snprintf(line_c, n, "%s: CSR printed; the new key is pending until `jpki-renew install`",
                     jpki_key_kind_name(kind));
        }
        return rc;
    }
    if (o->mode == JPKI_RENEW_MODE_INSTALL) {
        rc = install_from_input(o, rn, kind, err);
        if (rc == JPKI_OK) {
            res->renewed |= JPKI_KIND_BIT(kind);
            describe_active(rn, kind, N_("installed"), line, line_c, n);
        }
        return rc;
    }
    jpki_resume_action did = act;
    rc = jpki_renew_key(rn, kind, js, true, &did, err);
    if (rc == JPKI_OK) {
        res->renewed |= JPKI_KIND_BIT(kind);
        describe_active(rn, kind,
                        did == JPKI_RESUME_CONFIRM ? N_("already renewed (confirmed)") : N_("renewed"),
                        line, line_c, n);
    }
    return rc;
}

/* One card's run: what the phases below share. */
typedef struct card_run {
    const jpki_renew_card_opts *o;
    jpki_renew_card_result *res;
    jpki_card card;
    jpki_renewal rn;
    step_ctx sc;
    jpki_journal_card_state js;
    bool js_found, began, started, printed_csr;
    bool face;    /* the card is a face-authentication card now */
    bool to_face; /* this run switches it to one first (opts to_face, or the journal's intent) */
    unsigned todo, need_pin;
    jpki_resume_action act[2];
    jpki_renew_pin_outcome po;
} card_run;

/* 1. Which card is this, and what does the journal know of it?  *skip:
 * every asked-for kind is done already. */
static jpki_rc identify(card_run *cr, const char *expect_serial, bool *skip, jpki_error *err)
{
    const jpki_renew_card_opts *o = cr->o;
    *skip = false;
    jpki_rc rc = jpki_transport_begin(cr->card.t, err);
    if (rc != JPKI_OK)
        return rc;
    cr->began = true;
    if ((rc = jpki_renew_identify(&cr->rn, err)) != JPKI_OK)
        return rc;
    snprintf(cr->res->serial, sizeof cr->res->serial, "%s", cr->rn.serial);
    if (expect_serial && expect_serial[0] && strcmp(expect_serial, cr->rn.serial) != 0)
        /* Both serials: the counter must see which card was expected (the
         * record's) and which one is actually in the reader. */
        return jpki_error_set(err, JPKI_ERR_STATE,
                              "wrong card in the reader: expected card %s (from the record), "
                              "found card %s; card not touched", expect_serial, cr->rn.serial);
    if ((rc = jpki_journal_lookup(o->journal, cr->rn.serial, &cr->js, &cr->js_found, err)) != JPKI_OK)
        return rc;
    /* Done is per key: a card renewed for one kind can be renewed for the
     * other later. */
    unsigned asked = o->kinds ? o->kinds : JPKI_KINDS_BOTH;
    cr->res->done_before = cr->js_found ? cr->js.done_kinds : 0;
    *skip = cr->js_found && (asked & ~cr->js.done_kinds) == 0;
    return JPKI_OK;
}

/* 2. Journal "started", issuer authentication, and the plan per key. */
static jpki_rc prepare(card_run *cr, jpki_error *err)
{
    const jpki_renew_card_opts *o = cr->o;
    journal_card_step(o, cr->rn.serial, cr->rn.reader, JPKI_STEP_STARTED,
                      o->mode == JPKI_RENEW_MODE_RESUME ? 0 : (o->kinds ? o->kinds : JPKI_KINDS_BOTH),
                      NULL);
    cr->started = true;
    on_card_step(&cr->sc, _("issuer authentication"));
    jpki_rc rc = jpki_issuer_authenticate(&cr->card, o->issuer, err);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "issuer authentication");
    jpki_issuance_status st;
    if ((rc = jpki_issuance_status_get(&cr->card, &st, err)) != JPKI_OK)
        return jpki_error_prefix(err, "issuance status");
    cr->face = st.face_mode;
    cr->to_face = !st.face_mode && (o->to_face || (o->mode == JPKI_RENEW_MODE_RESUME &&
                                                   cr->js_found && cr->js.to_face));
    unsigned cand = o->kinds ? o->kinds : JPKI_KINDS_BOTH;
    if (cr->face || cr->to_face) {
        /* The one rule for face-authentication cards: the authentication
         * certificate only; a signature certificate asked for by name is
         * refused before anything changes. */
        cr->res->face_card = true;
        if (o->kinds & JPKI_KIND_BIT(JPKI_KEY_SIGN)) {
            cr->res->face_sign_refused = true;
            return jpki_error_set(err, JPKI_ERR_STATE,
                                  "a face-authentication card has no signature certificate and "
                                  "none can be issued on it: renew --cert auth (or switch it back "
                                  "first: jpki-face-auth-switch --to pin); card unchanged");
        }
        cand = JPKI_KIND_BIT(JPKI_KEY_AUTH);
    }
    return plan(o, &cr->card, cr->js_found ? &cr->js : NULL, cand, cr->face || cr->to_face,
                cr->act, &cr->todo, &cr->need_pin, err);
}

/* 2b. A face-authentication card (or one about to become one): no PIN, so
 * the counter confirms its identity check instead, naming the card. */
static jpki_rc confirm_face(card_run *cr, jpki_error *err)
{
    const jpki_renew_card_opts *o = cr->o;
    if (!cr->res->face_card)
        return JPKI_OK;
    if (!o->confirm_identity)
        return jpki_error_set(err, JPKI_ERR_ARG,
                              "card %s is a face-authentication card: no PIN to verify, and no "
                              "way to confirm the counter's identity check", cr->rn.serial);
    on_card_step(&cr->sc, _("identity check"));
    return o->confirm_identity(o->confirm_ctx, cr->rn.serial, cr->rn.reader, cr->to_face, err);
}

/* 2c. The proxy's form sets no PIN: face mode first (jpki_face_mode_enter,
 * as jpki-face-auth-switch does), with the intent on disk before the card
 * changes, so a resume after a crash finishes the same operation. */
static jpki_rc enter_face_mode(card_run *cr, jpki_error *err)
{
    const jpki_renew_card_opts *o = cr->o;
    if (!cr->to_face)
        return JPKI_OK;
    jpki_rc rc;
    if (o->journal) {
        jpki_journal_record r;
        jpki_journal_record_init(&r, JPKI_STEP_FACE_MODE, cr->rn.serial);
        if ((rc = jpki_journal_append(o->journal, &r, err)) != JPKI_OK)
            return jpki_error_prefix(err, "journal");
    }
    on_card_step(&cr->sc, _("face-authentication switch"));
    if ((rc = jpki_face_mode_enter(&cr->card, err)) != JPKI_OK)
        return rc;
    cr->to_face = false;
    cr->face = true;
    cr->res->switched_to_face = true;
    return JPKI_OK;
}

/* 3. The PINs the plan needs (renew_pins.c), screened against the PINs the
 * journal saw refused. */
static jpki_rc verify_pins(card_run *cr, jpki_error *err)
{
    const jpki_renew_card_opts *o = cr->o;
    on_card_step(&cr->sc, _("PINs"));
    renew_rejected_ctx rj = {.js = cr->js_found ? &cr->js : NULL, .journal = o->journal,
                             .serial = cr->rn.serial, .retry = o->retry_rejected_pin};
    jpki_renew_pin_plan pp = {.serial = cr->rn.serial, .need = cr->need_pin, .force = o->force,
                              .proxy = o->proxy, .get_pin = o->get_pin, .pin_ctx = o->pin_ctx,
                              .screen = renew_screen_pin, .rejected = renew_remember_rejected,
                              .screen_ctx = &rj};
    jpki_rc rc = jpki_renew_pins(&cr->card, &pp, &cr->po, err);
    cr->res->inquiry_needed = cr->po.inquiry_needed;
    if (rc == JPKI_OK && cr->po.have_holder)
        cr->rn.holder = &cr->po.holder;
    return rc;
}

/* 4. Each planned key, auth first. */
static jpki_rc run_keys(card_run *cr, jpki_error *err)
{
    jpki_rc rc = JPKI_OK;
    for (int k = 0; k < 2 && rc == JPKI_OK; k++)
        if (cr->todo & JPKI_KIND_BIT(k))
            rc = run_key(cr->o, &cr->rn, (jpki_key_kind)k, cr->act[k],
                         cr->js_found ? &cr->js : NULL, cr->res, &cr->printed_csr, err);
    return rc;
}

/* 5. After a failure: did it leave a pending key behind?  Ask the card; if
 * it is gone, go by how far this run got. */
static bool left_pending(card_run *cr)
{
    bool pending = false;
    for (int k = 0; k < 2; k++) {
        jpki_card_key_view v;
        jpki_error ignore;
        jpki_error_clear(&ignore);
        bool reached = (cr->sc.reached_pending & JPKI_KIND_BIT(k)) != 0;
        if (!(cr->todo & JPKI_KIND_BIT(k)) && !reached)
            continue;
        if (jpki_renew_key_view(&cr->card, (jpki_key_kind)k, &v, NULL, &ignore) == JPKI_OK)
            pending |= v.pending;
        else
            pending |= reached;
    }
    return pending;
}

static void finish(card_run *cr, jpki_rc rc)
{
    jpki_renew_card_result *res = cr->res;
    res->rc = rc;
    if (rc != JPKI_OK) {
        res->left_pending = left_pending(cr);
        if (cr->started)
            journal_card_step(cr->o, cr->rn.serial, NULL, JPKI_STEP_FAILED, 0, res->err.message_c);
        res->outcome = JPKI_RENEW_FAILED;
    } else if (res->outcome == JPKI_RENEW_DONE) {
        if (res->face_card && !res->line[JPKI_KEY_SIGN][0]) {
            snprintf(res->line[JPKI_KEY_SIGN], sizeof res->line[JPKI_KEY_SIGN],
                     "%s", _("sign: none on a face-authentication card (not issued)"));
            snprintf(res->line_c[JPKI_KEY_SIGN], sizeof res->line_c[JPKI_KEY_SIGN],
                     "sign: none on a face-authentication card (not issued)");
        }
        journal_card_step(cr->o, cr->rn.serial, NULL, JPKI_STEP_DONE, res->renewed, NULL);
    }
    if (cr->began) {
        /* Reset: drop the issuer session and the verified PINs. */
        jpki_error ignore;
        jpki_error_clear(&ignore);
        (void)jpki_transport_end(cr->card.t, true, &ignore);
    }
}

void jpki_renew_card(const jpki_renew_card_opts *o, jpki_transport *t, const char *reader,
                     const char *expect_serial, jpki_renew_card_result *res)
{
    memset(res, 0, sizeof *res);
    jpki_error_clear(&res->err);
    jpki_error *err = &res->err;
    res->outcome = JPKI_RENEW_FAILED;
    card_run *cr = calloc(1, sizeof *cr);
    if (!cr) {
        res->rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        return;
    }
    cr->o = o;
    cr->res = res;
    card_init(&cr->card, t);
    cr->sc = (step_ctx){.o = o, .res = res};
    cr->rn = (jpki_renewal){.card = &cr->card, .journal = o->journal, .ca = o->ca,
                            .ca_ctx = o->ca_ctx, .progress = on_step, .progress_ctx = &cr->sc};
    snprintf(cr->rn.reader, sizeof cr->rn.reader, "%s", reader ? reader : jpki_transport_reader(t));
    cr->act[0] = cr->act[1] = JPKI_RESUME_GENERATE;

    bool skip = false;
    jpki_rc rc = identify(cr, expect_serial, &skip, err);
    if (rc == JPKI_OK && skip) {
        res->outcome = JPKI_RENEW_SKIPPED;
    } else if (rc == JPKI_OK && (rc = prepare(cr, err)) == JPKI_OK) {
        if (cr->todo == 0 && !cr->to_face) {
            if (o->mode == JPKI_RENEW_MODE_INSTALL)
                rc = jpki_error_set(err, JPKI_ERR_STATE,
                                    "no pending key on the card: nothing to install");
            else if (o->mode == JPKI_RENEW_MODE_RENEW)
                /* Every key it can have is done per the journal: on a face
                 * card that is the authentication key alone, which the
                 * check in identify (both kinds by default) cannot know. */
                res->outcome = JPKI_RENEW_SKIPPED;
            else
                res->outcome = JPKI_RENEW_NOTHING;
        } else if ((rc = confirm_face(cr, err)) == JPKI_OK &&
                   (rc = enter_face_mode(cr, err)) == JPKI_OK &&
                   (cr->need_pin == 0 || (rc = verify_pins(cr, err)) == JPKI_OK) &&
                   (rc = run_keys(cr, err)) == JPKI_OK) {
            res->outcome = cr->printed_csr ? JPKI_RENEW_PENDING : JPKI_RENEW_DONE;
        }
    }
    finish(cr, rc);
    jpki_journal_card_state_free(&cr->js);
    jpki_renewal_clear(&cr->rn);
    jpki_wipe(cr, sizeof *cr);
    free(cr);
}
