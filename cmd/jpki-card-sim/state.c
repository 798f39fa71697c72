/* The card's state file: one CBOR map, written atomically after every
 * change, read back with every declared length bounded BEFORE libcbor sees
 * the bytes (cbor_load trusts declared lengths and would allocate
 * gigabytes for a few hostile bytes), then every field validated.
 *
 * Format (version 1), a map with text keys:
 *   "format": "jpki-card-sim"   "version": 1   "persona": text
 *   "face_mode": bool           "issuer_key": bytes(16)
 *   "pins": [4 x {"value": bytes|null, "tries": uint}]  (auth, sign, cardinfo, registry)
 *   "keys": [2 x {"key", "cert", "pending_key", "pending_cert": bytes|null}] (auth, sign)
 *   "ca_certs": [bytes, bytes]  (auth CA, sign CA)
 *   "holder": {"name", "address", "birth", "sex", "my_number": text}
 *   "card": {"serial", "municipality", "expiry": text}
 *   "variant": text (optional; absent = the default variant "contact")
 *   "ab_tries": bytes(4) (optional; tries left of PIN A/B of the visual and
 *               card-info applications; absent = full)
 * Documented in jpki-card-profile(7). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include "x509_crt.h"
#include "atomic_file.h"
#include "sim.h"

#define STATE_FORMAT "jpki-card-sim"
#define STATE_VERSION 1
#define CBOR_MAX_DEPTH 8

/* ================= blobs ================= */

jpki_rc sim_blob_set(sim_blob *b, const uint8_t *p, size_t len)
{
    uint8_t *n = malloc(len ? len : 1);
    if (!n)
        return JPKI_ERR_NOMEM;
    memcpy(n, p, len);
    sim_blob_clear(b);
    b->p = n;
    b->len = len;
    return JPKI_OK;
}

void sim_blob_clear(sim_blob *b)
{
    if (b->p) {
        mbedtls_platform_zeroize(b->p, b->len);
        free(b->p);
    }
    b->p = NULL;
    b->len = 0;
}

void sim_persist_free(sim_persist *st)
{
    for (int k = 0; k < SIM_KEYS; k++) {
        sim_blob_clear(&st->slot[k].key);
        sim_blob_clear(&st->slot[k].cert);
        sim_blob_clear(&st->slot[k].pending_key);
        sim_blob_clear(&st->slot[k].pending_cert);
        sim_blob_clear(&st->ca_cert[k]);
    }
    mbedtls_platform_zeroize(st, sizeof *st);
}

/* ================= bounded pre-check ================= */

/* Walk one CBOR item, checking that every declared length or count fits in
 * the bytes that remain (each item takes at least one byte), nesting stays
 * shallow and nothing is indefinite-length.  After this, cbor_load cannot
 * allocate more than a small multiple of the file size. */
static bool cbor_bounded(const uint8_t *b, size_t len, size_t *pos, int depth)
{
    if (depth > CBOR_MAX_DEPTH || *pos >= len)
        return false;
    uint8_t ib = b[(*pos)++];
    uint8_t major = ib >> 5, ai = ib & 0x1F;
    uint64_t v;
    if (ai < 24) {
        v = ai;
    } else if (ai <= 27) {
        size_t n = (size_t)1 << (ai - 24);
        if (len - *pos < n)
            return false;
        v = 0;
        for (size_t i = 0; i < n; i++)
            v = (v << 8) | b[(*pos)++];
    } else {
        return false; /* reserved or indefinite */
    }
    size_t rest = len - *pos;
    switch (major) {
    case 0:
    case 1:
        return true;
    case 2:
    case 3:
        if (v > rest)
            return false;
        *pos += (size_t)v;
        return true;
    case 4:
        if (v > rest)
            return false;
        for (uint64_t i = 0; i < v; i++)
            if (!cbor_bounded(b, len, pos, depth + 1))
                return false;
        return true;
    case 5:
        if (v > rest / 2)
            return false;
        for (uint64_t i = 0; i < 2 * v; i++)
            if (!cbor_bounded(b, len, pos, depth + 1))
                return false;
        return true;
    case 6:
        return cbor_bounded(b, len, pos, depth + 1);
    default:
        return true; /* simple values and floats: sizes already consumed */
    }
}

/* ================= reading ================= */

static cbor_item_t *map_get(const cbor_item_t *map, const char *key)
{
    if (!map || !cbor_isa_map(map))
        return NULL;
    size_t n = cbor_map_size(map), kl = strlen(key);
    struct cbor_pair *p = cbor_map_handle(map);
    for (size_t i = 0; i < n; i++) {
        const cbor_item_t *k = p[i].key;
        if (cbor_isa_string(k) && cbor_string_is_definite(k) && cbor_string_length(k) == kl &&
            memcmp(cbor_string_handle(k), key, kl) == 0)
            return p[i].value;
    }
    return NULL;
}

typedef struct reader {
    jpki_error *err;
    const char *path;
    bool failed;
} reader;

static void bad(reader *r, const char *field, const char *why)
{
    if (!r->failed)
        jpki_error_set(r->err, JPKI_ERR_FORMAT, "%s: malformed card state: %s %s", r->path, field, why);
    r->failed = true;
}

/* Text field of exactly/at most the given size, copied NUL-terminated. */
static void get_text(reader *r, const cbor_item_t *map, const char *key, char *out, size_t cap,
                     size_t exact, const char *charset)
{
    cbor_item_t *v = map_get(map, key);
    if (!v || !cbor_isa_string(v) || !cbor_string_is_definite(v)) {
        bad(r, key, "is missing or not text");
        return;
    }
    size_t n = cbor_string_length(v);
    if (n >= cap || (exact && n != exact) || n == 0) {
        bad(r, key, "has a wrong length");
        return;
    }
    memcpy(out, cbor_string_handle(v), n);
    out[n] = '\0';
    if (memchr(out, '\0', n) || (charset && strspn(out, charset) != n))
        bad(r, key, "has invalid characters");
}

/* libcbor 0.8's cbor_is_null/cbor_is_bool assert (and so abort) when given
 * a float, which is the same major type as null/true/false: a hostile
 * state file with a float where null or a bool belongs would kill the
 * process.  Check the width first. */
static bool is_null(const cbor_item_t *v)
{
    return cbor_isa_float_ctrl(v) && cbor_float_get_width(v) == CBOR_FLOAT_0 && cbor_is_null(v);
}

static bool is_bool(const cbor_item_t *v)
{
    return cbor_isa_float_ctrl(v) && cbor_float_get_width(v) == CBOR_FLOAT_0 && cbor_is_bool(v);
}

/* Bytes or null (absent) of at most max bytes. */
static void get_blob(reader *r, const cbor_item_t *map, const char *key, sim_blob *out,
                     size_t max, bool nullable)
{
    cbor_item_t *v = map_get(map, key);
    if (v && nullable && is_null(v))
        return;
    if (!v || !cbor_isa_bytestring(v) || !cbor_bytestring_is_definite(v)) {
        bad(r, key, "is missing or not bytes");
        return;
    }
    size_t n = cbor_bytestring_length(v);
    if (n == 0 || n > max) {
        bad(r, key, "has a wrong length");
        return;
    }
    if (sim_blob_set(out, cbor_bytestring_handle(v), n) != JPKI_OK)
        bad(r, key, "cannot be stored (out of memory)");
}

static bool cert_ok(const sim_blob *b)
{
    if (!b->p)
        return true;
    if (sim_der_total_len(b->p, b->len) != b->len)
        return false;
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    bool ok = jpki_x509_parse_der(&crt, b->p, b->len) == 0;
    mbedtls_x509_crt_free(&crt);
    return ok;
}

static void read_pins(reader *r, const cbor_item_t *root, sim_persist *st)
{
    cbor_item_t *pins = map_get(root, "pins");
    if (!pins || !cbor_isa_array(pins) || cbor_array_size(pins) != JPKI_PIN_COUNT) {
        bad(r, "pins", "is not an array of 4");
        return;
    }
    for (int i = 0; i < JPKI_PIN_COUNT && !r->failed; i++) {
        cbor_item_t *p = cbor_array_handle(pins)[i];
        cbor_item_t *val = map_get(p, "value"), *tries = map_get(p, "tries");
        if (!val || !tries || !cbor_isa_uint(tries)) {
            bad(r, "pins", "entry lacks value/tries");
            return;
        }
        uint64_t t = cbor_get_int(tries);
        if (t > (uint64_t)sim_pin_max_tries((jpki_pin_id)i)) {
            bad(r, "pins", "tries exceed the maximum");
            return;
        }
        st->pin[i].tries = (uint8_t)t;
        if (is_null(val)) {
            st->pin[i].len = 0;
            continue;
        }
        if (!cbor_isa_bytestring(val) || !cbor_bytestring_is_definite(val) ||
            !sim_pin_format_ok((jpki_pin_id)i, cbor_bytestring_handle(val),
                               cbor_bytestring_length(val))) {
            bad(r, "pins", "value breaks the PIN rules");
            return;
        }
        st->pin[i].len = cbor_bytestring_length(val);
        memcpy(st->pin[i].value, cbor_bytestring_handle(val), st->pin[i].len);
    }
}

static void read_keys(reader *r, const cbor_item_t *root, sim_persist *st)
{
    cbor_item_t *keys = map_get(root, "keys");
    if (!keys || !cbor_isa_array(keys) || cbor_array_size(keys) != SIM_KEYS) {
        bad(r, "keys", "is not an array of 2");
        return;
    }
    for (int k = 0; k < SIM_KEYS && !r->failed; k++) {
        cbor_item_t *m = cbor_array_handle(keys)[k];
        sim_keyslot *s = &st->slot[k];
        get_blob(r, m, "key", &s->key, SIM_KEY_DER_MAX, true);
        get_blob(r, m, "cert", &s->cert, JPKI_CERT_MAX, true);
        get_blob(r, m, "pending_key", &s->pending_key, SIM_KEY_DER_MAX, true);
        get_blob(r, m, "pending_cert", &s->pending_cert, JPKI_CERT_MAX, true);
        if (r->failed)
            return;
        if ((s->key.p && !sim_key_valid(s->key.p, s->key.len)) ||
            (s->pending_key.p && !sim_key_valid(s->pending_key.p, s->pending_key.len)))
            bad(r, "keys", "hold an invalid RSA-2048 key");
        else if (!cert_ok(&s->cert))
            bad(r, "keys", "hold an unparsable certificate");
        else if (!s->key.p != !s->cert.p)
            bad(r, "keys", "hold a key without certificate (or the reverse)");
    }
}

static void read_root(reader *r, const cbor_item_t *root, sim_persist *st)
{
    char fmt[32];
    if (!cbor_isa_map(root)) {
        bad(r, "top level", "is not a map");
        return;
    }
    get_text(r, root, "format", fmt, sizeof fmt, 0, NULL);
    if (!r->failed && strcmp(fmt, STATE_FORMAT) != 0)
        bad(r, "format", "is not jpki-card-sim");
    cbor_item_t *ver = map_get(root, "version");
    if (!r->failed && (!ver || !cbor_isa_uint(ver) || cbor_get_int(ver) != STATE_VERSION))
        bad(r, "version", "is not 1");
    get_text(r, root, "persona", st->persona, sizeof st->persona, 0,
             "abcdefghijklmnopqrstuvwxyz0123456789-_");
    cbor_item_t *var = map_get(root, "variant");
    if (!r->failed && var) {
        get_text(r, root, "variant", st->variant, sizeof st->variant, 0, NULL);
        if (!r->failed && !sim_variant_find(st->variant))
            bad(r, "variant", "is not a known card variant");
    }
    for (int i = 0; i < 4; i++)
        st->ab_tries[i] = SIM_AB_TRIES;
    cbor_item_t *ab = map_get(root, "ab_tries");
    if (!r->failed && ab) {
        if (!cbor_isa_bytestring(ab) || !cbor_bytestring_is_definite(ab) ||
            cbor_bytestring_length(ab) != 4) {
            bad(r, "ab_tries", "is not 4 bytes");
        } else {
            memcpy(st->ab_tries, cbor_bytestring_handle(ab), 4);
            for (int i = 0; i < 4; i++)
                if (st->ab_tries[i] > SIM_AB_TRIES)
                    bad(r, "ab_tries", "exceeds the maximum tries");
        }
    }
    cbor_item_t *face = map_get(root, "face_mode");
    if (!r->failed && (!face || !is_bool(face)))
        bad(r, "face_mode", "is not a bool");
    else if (!r->failed)
        st->face_mode = cbor_get_bool(face);
    cbor_item_t *ik = map_get(root, "issuer_key");
    if (!r->failed && (!ik || !cbor_isa_bytestring(ik) || !cbor_bytestring_is_definite(ik) ||
                       cbor_bytestring_length(ik) != JPKI_ISSUER_KEY_LEN))
        bad(r, "issuer_key", "is not 16 bytes");
    else if (!r->failed)
        memcpy(st->issuer_key, cbor_bytestring_handle(ik), JPKI_ISSUER_KEY_LEN);
    if (!r->failed)
        read_pins(r, root, st);
    if (!r->failed)
        read_keys(r, root, st);
    cbor_item_t *cas = map_get(root, "ca_certs");
    if (!r->failed && (!cas || !cbor_isa_array(cas) || cbor_array_size(cas) != SIM_KEYS))
        bad(r, "ca_certs", "is not an array of 2");
    for (int k = 0; k < SIM_KEYS && !r->failed; k++) {
        cbor_item_t *c = cbor_array_handle(cas)[k];
        if (!cbor_isa_bytestring(c) || !cbor_bytestring_is_definite(c) ||
            cbor_bytestring_length(c) == 0 || cbor_bytestring_length(c) > JPKI_CERT_MAX ||
            sim_blob_set(&st->ca_cert[k], cbor_bytestring_handle(c), cbor_bytestring_length(c)) !=
                JPKI_OK ||
            !cert_ok(&st->ca_cert[k]))
            bad(r, "ca_certs", "hold an invalid certificate");
    }
    cbor_item_t *h = map_get(root, "holder");
    if (!r->failed && !h)
        bad(r, "holder", "is missing");
    if (!r->failed) {
        get_text(r, h, "name", st->name, sizeof st->name, 0, NULL);
        get_text(r, h, "address", st->address, sizeof st->address, 0, NULL);
        get_text(r, h, "birth", st->birth, sizeof st->birth, 8, "0123456789");
        get_text(r, h, "sex", st->sex, sizeof st->sex, 1, "129");
        get_text(r, h, "my_number", st->my_number, sizeof st->my_number, 12, "0123456789");
    }
    cbor_item_t *card = map_get(root, "card");
    if (!r->failed && !card)
        bad(r, "card", "is missing");
    if (!r->failed) {
        get_text(r, card, "serial", st->serial, sizeof st->serial, 15, "0123456789");
        get_text(r, card, "municipality", st->municipality, sizeof st->municipality, 5, "0123456789");
        get_text(r, card, "expiry", st->card_expiry, sizeof st->card_expiry, 8, "0123456789");
    }
}

jpki_rc sim_state_decode(const uint8_t *buf, size_t len, const char *name, sim_persist *st,
                         jpki_error *err)
{
    memset(st, 0, sizeof *st);
    if (len > SIM_STATE_MAX)
        return jpki_error_set(err, JPKI_ERR_LIMIT, "%s: %zu bytes exceed the limit of %u", name,
                              len, SIM_STATE_MAX);
    size_t pos = 0;
    if (!cbor_bounded(buf, len, &pos, 0) || pos != len)
        return jpki_error_set(err, JPKI_ERR_FORMAT,
                              "%s: malformed card state: not one well-formed, bounded CBOR item", name);
    struct cbor_load_result res;
    cbor_item_t *root = cbor_load(buf, len, &res);
    if (!root || res.error.code != CBOR_ERR_NONE) {
        if (root)
            cbor_decref(&root);
        return jpki_error_set(err, JPKI_ERR_FORMAT, "%s: malformed card state: CBOR error %d", name,
                              (int)res.error.code);
    }
    reader r = {.err = err, .path = name, .failed = false};
    read_root(&r, root, st);
    cbor_decref(&root);
    if (r.failed) {
        sim_persist_free(st);
        return JPKI_ERR_FORMAT;
    }
    return JPKI_OK;
}

jpki_rc sim_state_read(const char *path, sim_persist *st, jpki_error *err)
{
    memset(st, 0, sizeof *st);
    unsigned char *buf = NULL;
    size_t len = 0;
    jpki_rc rc = read_file_bounded(path, SIM_STATE_MAX, &buf, &len, err);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "card state");
    rc = sim_state_decode(buf, len, path, st, err);
    mbedtls_platform_zeroize(buf, len);
    free(buf);
    return rc;
}

/* ================= writing ================= */

typedef struct writer {
    bool failed;
} writer;

static void put(writer *w, cbor_item_t *map, const char *key, cbor_item_t *v)
{
    cbor_item_t *k = cbor_build_string(key);
    if (!k || !v || !cbor_map_add(map, (struct cbor_pair){.key = k, .value = v}))
        w->failed = true;
    if (k)
        cbor_decref(&k);
    if (v)
        cbor_decref(&v);
}

static void push(writer *w, cbor_item_t *arr, cbor_item_t *v)
{
    if (!v || !cbor_array_push(arr, v))
        w->failed = true;
    if (v)
        cbor_decref(&v);
}

static cbor_item_t *blob_item(const sim_blob *b)
{
    return b->p ? cbor_build_bytestring(b->p, b->len) : cbor_new_null();
}

static cbor_item_t *build(writer *w, const sim_persist *st)
{
    cbor_item_t *root = cbor_new_definite_map(12);
    if (!root) {
        w->failed = true;
        return NULL;
    }
    put(w, root, "format", cbor_build_string(STATE_FORMAT));
    put(w, root, "version", cbor_build_uint8(STATE_VERSION));
    put(w, root, "persona", cbor_build_string(st->persona));
    put(w, root, "variant", cbor_build_string(st->variant[0] ? st->variant : "contact"));
    put(w, root, "ab_tries", cbor_build_bytestring(st->ab_tries, 4));
    put(w, root, "face_mode", cbor_build_bool(st->face_mode));
    put(w, root, "issuer_key", cbor_build_bytestring(st->issuer_key, JPKI_ISSUER_KEY_LEN));

    cbor_item_t *pins = cbor_new_definite_array(JPKI_PIN_COUNT);
    for (int i = 0; pins && i < JPKI_PIN_COUNT; i++) {
        cbor_item_t *p = cbor_new_definite_map(2);
        if (p) {
            put(w, p, "value", st->pin[i].len ? cbor_build_bytestring(st->pin[i].value, st->pin[i].len)
                                              : cbor_new_null());
            put(w, p, "tries", cbor_build_uint8(st->pin[i].tries));
        }
        push(w, pins, p);
    }
    put(w, root, "pins", pins);

    cbor_item_t *keys = cbor_new_definite_array(SIM_KEYS);
    for (int k = 0; keys && k < SIM_KEYS; k++) {
        cbor_item_t *m = cbor_new_definite_map(4);
        if (m) {
            put(w, m, "key", blob_item(&st->slot[k].key));
            put(w, m, "cert", blob_item(&st->slot[k].cert));
            put(w, m, "pending_key", blob_item(&st->slot[k].pending_key));
            put(w, m, "pending_cert", blob_item(&st->slot[k].pending_cert));
        }
        push(w, keys, m);
    }
    put(w, root, "keys", keys);

    cbor_item_t *cas = cbor_new_definite_array(SIM_KEYS);
    for (int k = 0; cas && k < SIM_KEYS; k++)
        push(w, cas, blob_item(&st->ca_cert[k]));
    put(w, root, "ca_certs", cas);

    cbor_item_t *h = cbor_new_definite_map(5);
    if (h) {
        put(w, h, "name", cbor_build_string(st->name));
        put(w, h, "address", cbor_build_string(st->address));
        put(w, h, "birth", cbor_build_string(st->birth));
        put(w, h, "sex", cbor_build_string(st->sex));
        put(w, h, "my_number", cbor_build_string(st->my_number));
    }
    put(w, root, "holder", h);

    cbor_item_t *card = cbor_new_definite_map(3);
    if (card) {
        put(w, card, "serial", cbor_build_string(st->serial));
        put(w, card, "municipality", cbor_build_string(st->municipality));
        put(w, card, "expiry", cbor_build_string(st->card_expiry));
    }
    put(w, root, "card", card);
    return root;
}

jpki_rc sim_state_write(const char *path, const sim_persist *st, jpki_error *err)
{
    writer w = {false};
    cbor_item_t *root = build(&w, st);
    unsigned char *buf = NULL;
    size_t cap = 0, len = 0;
    if (!w.failed)
        len = cbor_serialize_alloc(root, &buf, &cap);
    if (root)
        cbor_decref(&root);
    if (w.failed || len == 0) {
        free(buf);
        return jpki_error_set(err, JPKI_ERR_NOMEM, "%s: cannot encode the card state", path);
    }
    /* The state holds private keys and PINs: owner-only. */
    jpki_rc rc = atomic_write_file(path, buf, len, 0600, err);
    mbedtls_platform_zeroize(buf, cap);
    free(buf);
    return rc;
}

bool sim_commit(sim_card *c)
{
    jpki_error err;
    jpki_error_clear(&err);
    return sim_state_write(c->path, &c->st, &err) == JPKI_OK;
}
