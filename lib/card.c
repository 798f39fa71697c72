/* The card handle: transactions around multi-APDU operations, the
 * application/EF selection cache, and SELECT itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card_internal.h"
#include "jpki/profile.h"

void card_init(jpki_card *c, jpki_transport *t)
{
    memset(c, 0, sizeof *c);
    c->t = t;
}

jpki_rc jpki_card_new(jpki_transport *t, jpki_card **out, jpki_error *err)
{
    if (out)
        *out = NULL;
    if (!t || !out)
        return jpki_error_set(err, JPKI_ERR_ARG, "card: missing transport");
    jpki_card *c = malloc(sizeof *c);
    if (!c)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "card: out of memory");
    card_init(c, t);
    *out = c;
    return JPKI_OK;
}

void jpki_card_free(jpki_card *c)
{
    free(c);
}

jpki_transport *jpki_card_transport(const jpki_card *c)
{
    return c ? c->t : NULL;
}

const char *jpki_app_name(jpki_app app)
{
    switch (app) {
    case JPKI_APP_NONE: return "none";
    case JPKI_APP_JPKI: return "jpki";
    case JPKI_APP_CARDINFO: return "cardinfo";
    case JPKI_APP_VISUAL: return "visual";
    case JPKI_APP_REGISTRY: return "registry";
    case JPKI_APP_COMMON: return "common";
    }
    return "unknown";
}

static const char *const kind_names[] = {"auth", "auth-ca", "sign", "sign-ca"};

const char *jpki_cert_kind_name(jpki_cert_kind k)
{
    return (unsigned)k < 4 ? kind_names[k] : "unknown";
}

jpki_rc jpki_cert_kind_parse(const char *s, jpki_cert_kind *out, jpki_error *err)
{
    for (unsigned i = 0; s && out && i < 4; i++)
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (jpki_cert_kind)i;
            return JPKI_OK;
        }
    return jpki_error_set(err, JPKI_ERR_ARG,
                          "unknown certificate '%.40s' (auth, auth-ca, sign or sign-ca)",
                          s ? s : "");
}

static void forget_selection(jpki_card *c)
{
    c->app = JPKI_APP_NONE;
    c->ef = 0;
}

jpki_rc card_begin(jpki_card *c, jpki_error *err)
{
    if (!c || !c->t)
        return jpki_error_set(err, JPKI_ERR_ARG, "card: not initialised");
    bool outermost = jpki_transport_depth(c->t) == 0;
    jpki_rc rc = jpki_transport_begin(c->t, err);
    if (rc != JPKI_OK) {
        forget_selection(c);
        return rc;
    }
    if (outermost)
        forget_selection(c);
    return JPKI_OK;
}

jpki_rc card_end(jpki_card *c, jpki_rc rc, jpki_error *err)
{
    jpki_error e2;
    jpki_error_clear(&e2);
    jpki_rc erc = jpki_transport_end(c->t, false, &e2);
    if (rc != JPKI_OK)
        return rc;
    if (erc != JPKI_OK && err)
        *err = e2;
    return erc;
}

jpki_rc card_send(jpki_card *c, const jpki_apdu *a, jpki_response *r, jpki_error *err)
{
    jpki_rc rc = jpki_transmit(c->t, a, r, err);
    if (rc != JPKI_OK)
        forget_selection(c);
    return rc;
}

jpki_response *card_response_new(jpki_error *err)
{
    jpki_response *r = malloc(sizeof *r);
    if (!r)
        jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    return r;
}

jpki_rc card_sw_error(jpki_error *err, jpki_rc code, uint16_t sw, const char *what)
{
    char d[96];
    jpki_error_set(err, code, "%s: card answered %s", what, jpki_sw_describe(sw, d, sizeof d));
    if (err)
        err->sw = sw;
    return code;
}

static const uint8_t aids[][JPKI_AID_LEN] = {
    [JPKI_APP_JPKI] = {JPKI_AID_JPKI},         [JPKI_APP_CARDINFO] = {JPKI_AID_CARDINFO},
    [JPKI_APP_VISUAL] = {JPKI_AID_VISUAL},     [JPKI_APP_REGISTRY] = {JPKI_AID_REGISTRY},
    [JPKI_APP_COMMON] = {JPKI_AID_COMMON},
};

static jpki_rc select_app_in_tx(jpki_card *c, jpki_app app, jpki_response *r, jpki_error *err)
{
    if (c->app == app)
        return JPKI_OK;
    jpki_apdu a = {.cla = 0x00, .ins = JPKI_INS_SELECT, .p1 = 0x04, .p2 = 0x0C,
                   .data = aids[app], .nc = JPKI_AID_LEN};
    jpki_rc rc = card_send(c, &a, r, err);
    if (rc != JPKI_OK)
        return rc;
    c->app = JPKI_APP_NONE;
    c->ef = 0;
    char what[48];
    snprintf(what, sizeof what, "selecting the %s application", jpki_app_name(app));
    if (r->sw == 0x6A82)
        return app == JPKI_APP_JPKI
                   ? card_sw_error(err, JPKI_ERR_NOT_JPKI, r->sw,
                                   "this is not a JPKI card (no JPKI application)")
                   : card_sw_error(err, JPKI_ERR_NOT_FOUND, r->sw, what);
    if (!jpki_sw_ok(r->sw))
        return card_sw_error(err, JPKI_ERR_CARD, r->sw, what);
    c->app = app;
    return JPKI_OK;
}

jpki_rc jpki_select_app(jpki_card *c, jpki_app app, jpki_error *err)
{
    if (app <= JPKI_APP_NONE || app > JPKI_APP_COMMON)
        return jpki_error_set(err, JPKI_ERR_ARG, "select: unknown application %d", (int)app);
    jpki_response *r = card_response_new(err);
    if (!r)
        return JPKI_ERR_NOMEM;
    jpki_rc rc = card_begin(c, err);
    if (rc == JPKI_OK)
        rc = card_end(c, select_app_in_tx(c, app, r, err), err);
    free(r);
    return rc;
}

jpki_rc jpki_select_ef(jpki_card *c, uint16_t fid, jpki_error *err)
{
    jpki_response *r = card_response_new(err);
    if (!r)
        return JPKI_ERR_NOMEM;
    jpki_rc rc = card_begin(c, err);
    if (rc != JPKI_OK || (c->ef == fid && c->app != JPKI_APP_NONE)) {
        free(r);
        return rc == JPKI_OK ? card_end(c, rc, err) : rc;
    }
    uint8_t id[2] = {(uint8_t)(fid >> 8), (uint8_t)fid};
    jpki_apdu a = {.cla = 0x00, .ins = JPKI_INS_SELECT, .p1 = 0x02, .p2 = 0x0C, .data = id, .nc = 2};
    c->ef = 0;
    rc = card_send(c, &a, r, err);
    if (rc == JPKI_OK) {
        char what[40];
        snprintf(what, sizeof what, "selecting EF %04X", fid);
        if (r->sw == 0x6A82)
            rc = card_sw_error(err, JPKI_ERR_NOT_FOUND, r->sw, what);
        else if (!jpki_sw_ok(r->sw))
            rc = card_sw_error(err, JPKI_ERR_CARD, r->sw, what);
        else
            c->ef = fid;
    }
    free(r);
    return card_end(c, rc, err);
}
