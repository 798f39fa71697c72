/* The card-status record schema (jpki-records(5)), mapped once between
 * jpki_record and the value tree; JSON and CBOR share it.  The names of
 * certificate kinds, PINs and applications are part of the schema, so they
 * are spelled here rather than borrowed from other modules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "records_internal.h"
#include "time_internal.h"

static const char *const cert_names[JPKI_RECORD_CERTS] = {"auth", "auth-ca", "sign", "sign-ca"};
static const char *const pin_names[JPKI_PIN_COUNT] = {"auth", "sign", "cardinfo", "registry"};
#define APP_COUNT 6
/* Times are years 0000-9999, so whole days between two fit in this. */
#define DAYS_LEFT_MAX (10000L * 366L)
static const char *const app_names[APP_COUNT] = {NULL, "jpki", "cardinfo", "visual", "registry",
                                                  "common"};

static int name_index(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], s) == 0)
            return i;
    return -1;
}

/* ---------------- record -> tree ---------------- */

typedef struct ctx {
    rv_arena *a;
    bool oom;
} ctx;

static const char *dup_time(ctx *c, time_t t)
{
    char *s = rv_alloc(c->a, 32);
    if (!s) {
        c->oom = true;
        return "";
    }
    jpki_record_time_format(t, s);
    return s;
}

static void add_text(rv *m, const char *key, const char *val)
{
    rv_set_text(rv_map_add(m, key), val);
}

static void add_text_if(rv *m, const char *key, const char *val)
{
    if (val[0])
        add_text(m, key, val);
}

/* The renewal window of a user certificate (see jpki-records(5)). */
static void add_window(rv *m, const jpki_record_window *w)
{
    if (!w->known)
        return;
    add_text(m, "renewal_opens", w->opens);
    rv_set_bool(rv_map_add(m, "renewal_open"), w->open);
    add_text(m, "notice_from", w->notice_from);
    add_text(m, "notice_until", w->notice_until);
    add_text(m, "next_not_after", w->next_expiry[0] ? w->next_expiry : "unknown");
}

static rv *cert_tree(ctx *c, const jpki_record_cert *rc, const jpki_record_window *w, int kind,
                     bool include_der)
{
    rv *m = rv_new_map(c->a, 19);
    if (!m) {
        c->oom = true;
        return NULL;
    }
    add_text(m, "kind", cert_names[kind]);
    rv_set_bool(rv_map_add(m, "present"), rc->present);
    if (rc->present && !rc->have_details)
        add_text(m, "unavailable", rc->unavailable[0] ? rc->unavailable : "details not read");
    if (rc->have_details) {
        add_text(m, "subject", rc->subject);
        add_text(m, "issuer", rc->issuer);
        add_text(m, "serial", rc->serial_hex);
        add_text(m, "not_before", dup_time(c, rc->not_before));
        add_text(m, "not_after", dup_time(c, rc->not_after));
        rv_set_int(rv_map_add(m, "days_left"), rc->days_left);
        add_text_if(m, "name", rc->name);
        add_text_if(m, "address", rc->address);
        add_window(m, w);
    }
    if (include_der && rc->der && rc->der_len)
        rv_set_bytes(rv_map_add(m, "der"), rc->der, rc->der_len);
    return m;
}

static rv *pin_tree(ctx *c, const jpki_record_pin *p, int k)
{
    rv *pm = rv_new_map(c->a, 4);
    if (!pm)
        return NULL;
    add_text(pm, "pin", pin_names[k]);
    rv *t = rv_map_add(pm, "tries_left");
    if (p->tries_left >= 0)
        rv_set_int(t, p->tries_left); /* else null: counter unreadable */
    rv_set_int(rv_map_add(pm, "max"), p->max_tries);
    rv_set_bool(rv_map_add(pm, "blocked"), p->blocked);
    return pm;
}

/* Each add_* below adds one member to the record map m; false = out of memory. */

/* "apps": the names of the applications that answered; "mode". */
static bool add_apps(ctx *c, rv *m, const jpki_record *rec)
{
    rv *apps = rv_new_array(c->a, APP_COUNT);
    if (!apps)
        return false;
    for (int i = 1; i < APP_COUNT; i++)
        if (rec->apps & (1u << i))
            rv_set_text(rv_array_add(apps), app_names[i]);
    *rv_map_add(m, "apps") = *apps;
    add_text(m, "mode", jpki_card_mode_name(rec->mode));
    return true;
}

/* "certs": the listed certificates, in kind order (none listed: no member). */
static bool add_certs(ctx *c, rv *m, const jpki_record *rec, bool include_der)
{
    size_t n = 0;
    for (int k = 0; k < JPKI_RECORD_CERTS; k++)
        n += rec->certs[k].listed;
    if (!n)
        return true;
    rv *arr = rv_new_array(c->a, n);
    if (!arr)
        return false;
    for (int k = 0; k < JPKI_RECORD_CERTS; k++) {
        if (!rec->certs[k].listed)
            continue;
        rv *cm = cert_tree(c, &rec->certs[k], &rec->window[k], k, include_der);
        if (!cm)
            return false;
        *rv_array_add(arr) = *cm;
    }
    *rv_map_add(m, "certs") = *arr;
    return true;
}

/* "pins": the listed PINs' counters (none listed: no member). */
static bool add_pins(ctx *c, rv *m, const jpki_record *rec)
{
    size_t n = 0;
    for (int k = 0; k < JPKI_PIN_COUNT; k++)
        n += rec->pins[k].listed;
    if (!n)
        return true;
    rv *arr = rv_new_array(c->a, n);
    if (!arr)
        return false;
    for (int k = 0; k < JPKI_PIN_COUNT; k++) {
        if (!rec->pins[k].listed)
            continue;
        rv *pm = pin_tree(c, &rec->pins[k], k);
        if (!pm)
            return false;
        *rv_array_add(arr) = *pm;
    }
    *rv_map_add(m, "pins") = *arr;
    return true;
}

/* "error": {code, message}. */
static bool add_error(ctx *c, rv *m, const jpki_record *rec)
{
    rv *em = rv_new_map(c->a, 2);
    if (!em)
        return false;
    add_text(em, "code", rec->error_code[0] ? rec->error_code : "error");
    add_text(em, "message", rec->error);
    *rv_map_add(m, "error") = *em;
    return true;
}

/* "renew": the kinds due for renewal. */
static bool add_renew(ctx *c, rv *m, const jpki_record *rec)
{
    rv *arr = rv_new_array(c->a, JPKI_RECORD_CERTS);
    if (!arr)
        return false;
    for (int k = 0; k < JPKI_RECORD_CERTS; k++)
        if (rec->renew & (1u << k))
            rv_set_text(rv_array_add(arr), cert_names[k]);
    *rv_map_add(m, "renew") = *arr;
    return true;
}

jpki_rc rv_from_record(const jpki_record *rec, bool include_der, rv_arena *a, rv **out,
                       jpki_error *err)
{
    ctx c = {.a = a};
    rv *m = rv_new_map(a, 20);
    if (!m)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "encoding record: out of memory");
    add_text(m, "record", JPKI_RECORD_TYPE);
    rv_set_int(rv_map_add(m, "version"), JPKI_RECORD_VERSION);
    add_text(m, "reader", rec->reader);
    rv_set_bool(rv_map_add(m, "card"), rec->card_present);
    if (rec->checked_at)
        add_text(m, "checked", dup_time(&c, rec->checked_at));
    add_text_if(m, "serial", rec->serial);
    add_text_if(m, "municipality", rec->municipality);
    add_text_if(m, "card_expiry", rec->card_expiry);
    add_text_if(m, "birth", rec->birth);
    add_text_if(m, "atr", rec->atr_hex);
    add_text_if(m, "token", rec->token);
    bool ok = (!rec->card_present || add_apps(&c, m, rec)) &&
              add_certs(&c, m, rec, include_der) && add_pins(&c, m, rec) &&
              (!rec->has_error || add_error(&c, m, rec)) && (!rec->renew || add_renew(&c, m, rec));
    if (!ok || c.oom)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "encoding record: out of memory");
    *out = m;
    return JPKI_OK;
}

/* ---------------- tree -> record ---------------- */

static const char *kind_word(rv_kind k)
{
    switch (k) {
    case RV_NULL: return "null";
    case RV_BOOL: return "a boolean";
    case RV_INT: return "an integer";
    case RV_OTHER: return "a number or simple value";
    case RV_TEXT: return "text";
    case RV_BYTES: return "a byte string";
    case RV_ARRAY: return "an array";
    case RV_MAP: return "a map";
    }
    return "?";
}

static jpki_rc wrong_type(jpki_error *err, const char *where, const char *key, const char *want,
                          const rv *v)
{
    return jpki_error_set(err, JPKI_ERR_FORMAT, "%s\"%s\" must be %s, not %s", where, key, want,
                          kind_word(v->kind));
}

/* Optional text into a fixed buffer. */
static jpki_rc get_text(const rv *m, const char *key, char *dst, size_t cap, bool required,
                        const char *where, jpki_error *err)
{
    const rv *v = rv_get(m, key);
    if (!v) {
        if (required)
            return jpki_error_set(err, JPKI_ERR_FORMAT, "%smissing \"%s\"", where, key);
        return JPKI_OK;
    }
    if (v->kind != RV_TEXT)
        return wrong_type(err, where, key, "text", v);
    if (v->u.text.n >= cap)
        return jpki_error_set(err, JPKI_ERR_LIMIT, "%s\"%s\" is longer than %zu bytes", where, key,
                              cap - 1);
    memcpy(dst, v->u.text.p, v->u.text.n + 1);
    return JPKI_OK;
}

static jpki_rc get_bool(const rv *m, const char *key, bool *dst, bool required, const char *where,
                        jpki_error *err)
{
    const rv *v = rv_get(m, key);
    if (!v)
        return required ? jpki_error_set(err, JPKI_ERR_FORMAT, "%smissing \"%s\"", where, key)
                        : JPKI_OK;
    if (v->kind != RV_BOOL)
        return wrong_type(err, where, key, "a boolean", v);
    *dst = v->u.b;
    return JPKI_OK;
}

static jpki_rc get_int(const rv *m, const char *key, long lo, long hi, long *dst, bool *found,
                       const char *where, jpki_error *err)
{
    const rv *v = rv_get(m, key);
    if (found)
        *found = v && v->kind != RV_NULL;
    if (!v || v->kind == RV_NULL)
        return JPKI_OK;
    if (v->kind != RV_INT)
        return wrong_type(err, where, key, "an integer", v);
    if (v->u.i < lo || v->u.i > hi)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "%s\"%s\" out of range (%ld..%ld)", where, key,
                              lo, hi);
    *dst = (long)v->u.i;
    return JPKI_OK;
}

static jpki_rc get_time(const rv *m, const char *key, time_t *dst, bool *found, const char *where,
                        jpki_error *err)
{
    char buf[40] = "";
    *found = false;
    jpki_rc rc = get_text(m, key, buf, sizeof buf, false, where, err);
    if (rc || !rv_get(m, key))
        return rc;
    jpki_error e;
    jpki_error_clear(&e);
    if (jpki_record_time_parse(buf, dst, &e))
        return jpki_error_set(err, JPKI_ERR_FORMAT, "%s\"%s\": %s", where, key, e.message);
    *found = true;
    return JPKI_OK;
}

/* Optional "YYYY-MM-DD" that names a real day. */
static jpki_rc get_day(const rv *m, const char *key, char *dst, size_t cap, jpki_error *err)
{
    jpki_rc rc = get_text(m, key, dst, cap, false, "", err);
    if (rc || !dst[0])
        return rc;
    time_t t;
    if (time_parse_calendar(dst, &t) != TIME_DATE_ONLY) {
        dst[0] = '\0';
        return jpki_error_set(err, JPKI_ERR_FORMAT, "\"%s\" must be a day YYYY-MM-DD", key);
    }
    return JPKI_OK;
}

static const rv *get_array(const rv *m, const char *key, const char *where, jpki_error *err,
                           jpki_rc *rc)
{
    const rv *v = rv_get(m, key);
    *rc = JPKI_OK;
    if (v && v->kind != RV_ARRAY) {
        *rc = wrong_type(err, where, key, "an array", v);
        return NULL;
    }
    return v;
}

static jpki_rc decode_cert(const rv *cm, size_t idx, jpki_record *rec, jpki_error *err)
{
    char where[32], kname[16] = "";
    snprintf(where, sizeof where, "certs[%zu]: ", idx);
    if (cm->kind != RV_MAP)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "%smust be a map, not %s", where,
                              kind_word(cm->kind));
    jpki_rc rc = get_text(cm, "kind", kname, sizeof kname, true, where, err);
    if (rc)
        return rc;
    int k = name_index(cert_names, JPKI_RECORD_CERTS, kname);
    if (k < 0)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "%sunknown certificate kind \"%s\"", where, kname);
    jpki_record_cert *c = &rec->certs[k];
    if (c->listed)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "%scertificate kind \"%s\" listed twice", where,
                              kname);
    c->listed = true;
    if ((rc = get_bool(cm, "present", &c->present, true, where, err)) ||
        (rc = get_text(cm, "unavailable", c->unavailable, sizeof c->unavailable, false, where, err)) ||
        (rc = get_text(cm, "subject", c->subject, sizeof c->subject, false, where, err)) ||
        (rc = get_text(cm, "issuer", c->issuer, sizeof c->issuer, false, where, err)) ||
        (rc = get_text(cm, "serial", c->serial_hex, sizeof c->serial_hex, false, where, err)) ||
        (rc = get_text(cm, "name", c->name, sizeof c->name, false, where, err)) ||
        (rc = get_text(cm, "address", c->address, sizeof c->address, false, where, err)))
        return rc;
    bool have_nb, have_na, have_days;
    if ((rc = get_time(cm, "not_before", &c->not_before, &have_nb, where, err)) ||
        (rc = get_time(cm, "not_after", &c->not_after, &have_na, where, err)) ||
        (rc = get_int(cm, "days_left", -DAYS_LEFT_MAX, DAYS_LEFT_MAX, &c->days_left, &have_days, where, err)))
        return rc;
    if (have_na != have_nb)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "%s\"not_before\" and \"not_after\" go together",
                              where);
    if (have_na && !c->present)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "%svalidity given for an absent certificate",
                              where);
    c->have_details = have_na;
    if (c->have_details && !have_days)
        c->days_left = rv_days_left(c->not_after, rec->checked_at);
    const rv *der = rv_get(cm, "der");
    if (der) {
        if (der->kind == RV_BYTES)
            return jpki_record_set_der(rec, (jpki_cert_kind)k, der->u.bytes.p, der->u.bytes.n, err);
        if (der->kind == RV_TEXT) {
            /* JSON carries it as base64. */
            size_t n = 0, cap = der->u.text.n / 4 * 3;
            if (cap > JPKI_RECORD_MAX_BYTES + 2)
                return jpki_error_set(err, JPKI_ERR_LIMIT, "%s\"der\" is longer than %u bytes",
                                      where, JPKI_RECORD_MAX_BYTES);
            uint8_t *buf = malloc(cap + 1);
            if (!buf)
                return jpki_error_set(err, JPKI_ERR_NOMEM, "%s\"der\": out of memory", where);
            if (!rv_base64_decode(der->u.text.p, der->u.text.n, buf, &n)) {
                free(buf);
                return jpki_error_set(err, JPKI_ERR_FORMAT, "%s\"der\" is not valid base64", where);
            }
            rc = n > JPKI_RECORD_MAX_BYTES
                     ? jpki_error_set(err, JPKI_ERR_LIMIT, "%s\"der\" is longer than %u bytes", where,
                                      JPKI_RECORD_MAX_BYTES)
                     : jpki_record_set_der(rec, (jpki_cert_kind)k, buf, n, err);
            free(buf);
            return rc;
        }
        return wrong_type(err, where, "der", "a byte string or base64 text", der);
    }
    return JPKI_OK;
}

static jpki_rc decode_pin(const rv *pm, size_t idx, jpki_record *rec, jpki_error *err)
{
    char where[32], pname[16] = "";
    snprintf(where, sizeof where, "pins[%zu]: ", idx);
    if (pm->kind != RV_MAP)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "%smust be a map, not %s", where,
                              kind_word(pm->kind));
    jpki_rc rc = get_text(pm, "pin", pname, sizeof pname, true, where, err);
    if (rc)
        return rc;
    int k = name_index(pin_names, JPKI_PIN_COUNT, pname);
    if (k < 0)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "%sunknown PIN \"%s\"", where, pname);
    jpki_record_pin *p = &rec->pins[k];
    if (p->listed)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "%sPIN \"%s\" listed twice", where, pname);
    p->listed = true;
    long tries = -1, max = 0;
    bool have_tries, have_max;
    if ((rc = get_int(pm, "tries_left", 0, 255, &tries, &have_tries, where, err)) ||
        (rc = get_int(pm, "max", 0, 255, &max, &have_max, where, err)) ||
        (rc = get_bool(pm, "blocked", &p->blocked, false, where, err)))
        return rc;
    p->tries_left = have_tries ? (int)tries : -1;
    p->max_tries = (int)max;
    return JPKI_OK;
}

static jpki_rc decode_names(const rv *m, const char *key, const char *const *names, int n,
                            unsigned *bits, bool strict, jpki_error *err)
{
    jpki_rc rc;
    const rv *arr = get_array(m, key, "", err, &rc);
    if (rc || !arr)
        return rc;
    for (size_t i = 0; i < arr->u.arr.n; i++) {
        const rv *v = &arr->u.arr.items[i];
        if (v->kind != RV_TEXT)
            return jpki_error_set(err, JPKI_ERR_FORMAT, "\"%s\"[%zu] must be text, not %s", key, i,
                                  kind_word(v->kind));
        int k = name_index(names, n, v->u.text.p);
        if (k < 0) {
            if (strict)
                return jpki_error_set(err, JPKI_ERR_FORMAT, "\"%s\"[%zu]: unknown name \"%.40s\"",
                                      key, i, v->u.text.p);
            continue; /* applications we do not know yet: ignore */
        }
        *bits |= 1u << k;
    }
    return JPKI_OK;
}

jpki_rc rv_to_record(const rv *v, jpki_record *rec, jpki_error *err)
{
    if (v->kind != RV_MAP)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "a record must be a map, not %s",
                              kind_word(v->kind));
    char type[40] = "";
    jpki_rc rc = get_text(v, "record", type, sizeof type, true, "", err);
    if (rc)
        return rc;
    if (strcmp(type, JPKI_RECORD_TYPE) != 0)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "not a %s record (\"record\": \"%s\")",
                              JPKI_RECORD_TYPE, type);
    long version = 0;
    bool have;
    if ((rc = get_int(v, "version", 0, 1000000, &version, &have, "", err)))
        return rc;
    if (!have)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "missing \"version\"");
    if (version != JPKI_RECORD_VERSION)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "record version %ld is not supported (this is %d)",
                              version, JPKI_RECORD_VERSION);
    rec->version = (int)version;
    bool have_checked;
    char mode[16] = "";
    if ((rc = get_text(v, "reader", rec->reader, sizeof rec->reader, true, "", err)) ||
        (rc = get_bool(v, "card", &rec->card_present, true, "", err)) ||
        (rc = get_time(v, "checked", &rec->checked_at, &have_checked, "", err)) ||
        (rc = get_text(v, "serial", rec->serial, sizeof rec->serial, false, "", err)) ||
        (rc = get_text(v, "municipality", rec->municipality, sizeof rec->municipality, false, "", err)) ||
        (rc = get_text(v, "card_expiry", rec->card_expiry, sizeof rec->card_expiry, false, "", err)) ||
        (rc = get_day(v, "birth", rec->birth, sizeof rec->birth, err)) ||
        (rc = get_text(v, "atr", rec->atr_hex, sizeof rec->atr_hex, false, "", err)) ||
        (rc = get_text(v, "token", rec->token, sizeof rec->token, false, "", err)) ||
        (rc = get_text(v, "mode", mode, sizeof mode, false, "", err)) ||
        (rc = decode_names(v, "apps", app_names, APP_COUNT, &rec->apps, false, err)) ||
        (rc = decode_names(v, "renew", cert_names, JPKI_RECORD_CERTS, &rec->renew, true, err)))
        return rc;
    if (!mode[0] || strcmp(mode, "unknown") == 0)
        rec->mode = JPKI_MODE_UNKNOWN;
    else if (strcmp(mode, "pin") == 0)
        rec->mode = JPKI_MODE_PIN;
    else if (strcmp(mode, "face") == 0)
        rec->mode = JPKI_MODE_FACE;
    else
        return jpki_error_set(err, JPKI_ERR_FORMAT, "unknown \"mode\" \"%s\"", mode);

    const rv *certs = get_array(v, "certs", "", err, &rc);
    if (rc)
        return rc;
    for (size_t i = 0; certs && i < certs->u.arr.n; i++)
        if ((rc = decode_cert(&certs->u.arr.items[i], i, rec, err)))
            return rc;
    const rv *pins = get_array(v, "pins", "", err, &rc);
    if (rc)
        return rc;
    for (size_t i = 0; pins && i < pins->u.arr.n; i++)
        if ((rc = decode_pin(&pins->u.arr.items[i], i, rec, err)))
            return rc;

    const rv *e = rv_get(v, "error");
    if (e) {
        if (e->kind != RV_MAP)
            return wrong_type(err, "", "error", "a map", e);
        rec->has_error = true;
        if ((rc = get_text(e, "code", rec->error_code, sizeof rec->error_code, true, "error: ", err)) ||
            (rc = get_text(e, "message", rec->error, sizeof rec->error, false, "error: ", err)))
            return rc;
    }
    /* The renewal window is derived data: computed again from the
     * certificates, the birth date and the card expiry, never trusted. */
    jpki_record_window_fill(rec, rec->checked_at);
    return JPKI_OK;
}
