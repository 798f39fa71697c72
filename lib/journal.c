/* Renewal journal: encoding, bounded parsing and the per-card fold.
 * File handling (open, lock, append + fsync) is in journal_file.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "jpki/journal.h"
#include "cbor_reader.h"
#include "journal_internal.h"

static const char *const STEP_NAMES[] = {
    [JPKI_STEP_NONE] = "none",
    [JPKI_STEP_JOURNAL] = "journal",
    [JPKI_STEP_STARTED] = "started",
    [JPKI_STEP_PENDING_KEY] = "pending-key",
    [JPKI_STEP_CSR] = "csr",
    [JPKI_STEP_CERT_ISSUED] = "cert-issued",
    [JPKI_STEP_ACTIVATED] = "activated",
    [JPKI_STEP_DONE] = "done",
    [JPKI_STEP_FAILED] = "failed",
    [JPKI_STEP_PIN_REJECTED] = "pin-rejected",
    [JPKI_STEP_FACE_MODE] = "face-mode",
};
#define STEP_COUNT (sizeof STEP_NAMES / sizeof STEP_NAMES[0])

const char *jpki_journal_step_name(jpki_journal_step s)
{
    return (unsigned)s < STEP_COUNT ? STEP_NAMES[s] : "?";
}

static bool step_parse(const uint8_t *p, size_t n, jpki_journal_step *out)
{
    for (size_t i = 1; i < STEP_COUNT; i++)
        if (strlen(STEP_NAMES[i]) == n && memcmp(STEP_NAMES[i], p, n) == 0) {
            *out = (jpki_journal_step)i;
            return true;
        }
    return false;
}

void jpki_journal_record_init(jpki_journal_record *r, jpki_journal_step step, const char *card)
{
    memset(r, 0, sizeof *r);
    r->step = step;
    r->kind = -1;
    if (card)
        snprintf(r->card, sizeof r->card, "%s", card);
}

/* ---- encoding ---- */

/* Writer over a fixed buffer; libcbor's encoders return 0 when out of room. */
typedef struct writer {
    uint8_t *buf;
    size_t cap, len;
    bool full;
} writer;

static void put(writer *w, size_t n)
{
    if (n == 0)
        w->full = true;
    w->len += n;
}

static void put_text(writer *w, const char *s)
{
    size_t n = strlen(s);
    if (w->full)
        return;
    put(w, cbor_encode_string_start(n, w->buf + w->len, w->cap - w->len));
    if (w->full || w->cap - w->len < n) {
        w->full = true;
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static void put_bytes(writer *w, const uint8_t *p, size_t n)
{
    if (w->full)
        return;
    put(w, cbor_encode_bytestring_start(n, w->buf + w->len, w->cap - w->len));
    if (w->full || w->cap - w->len < n) {
        w->full = true;
        return;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void put_uint(writer *w, uint64_t v)
{
    if (!w->full)
        put(w, cbor_encode_uint(v, w->buf + w->len, w->cap - w->len));
}

jpki_rc jpki_journal_encode(const jpki_journal_record *r, uint8_t **out, size_t *len,
                            jpki_error *err)
{
    if (r->step <= JPKI_STEP_NONE || (unsigned)r->step >= STEP_COUNT)
        return jpki_error_set(err, JPKI_ERR_ARG, "journal: bad step %d", (int)r->step);
    if (r->der_len > JPKI_JOURNAL_MAX_DER)
        return jpki_error_set(err, JPKI_ERR_LIMIT, "journal: DER of %zu bytes exceeds %u",
                              r->der_len, JPKI_JOURNAL_MAX_DER);
    size_t pairs = 2; /* step, time */
    bool header = r->step == JPKI_STEP_JOURNAL;
    pairs += header;
    pairs += r->card[0] != '\0';
    pairs += r->reader[0] != '\0';
    pairs += r->kind >= 0;
    pairs += r->kinds != 0;
    pairs += r->has_key;
    pairs += r->der != NULL;
    pairs += r->error[0] != '\0';

    writer w = {.cap = 64 + r->der_len + 2 * (JPKI_JOURNAL_MAX_TEXT + 8) + 16 + JPKI_JOURNAL_FP_LEN};
    w.buf = malloc(w.cap);
    if (!w.buf)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    put(&w, cbor_encode_map_start(pairs, w.buf, w.cap));
    put_text(&w, "step");
    put_text(&w, jpki_journal_step_name(r->step));
    if (header) {
        put_text(&w, "v");
        put_uint(&w, JOURNAL_VERSION);
    }
    put_text(&w, "time");
    put_uint(&w, r->time);
    if (r->card[0]) {
        put_text(&w, "card");
        put_text(&w, r->card);
    }
    if (r->reader[0]) {
        put_text(&w, "reader");
        put_text(&w, r->reader);
    }
    if (r->kind >= 0) {
        put_text(&w, "kind");
        put_text(&w, r->kind == JPKI_KEY_SIGN ? "sign" : "auth");
    }
    if (r->kinds) {
        put_text(&w, "kinds");
        put_uint(&w, r->kinds);
    }
    if (r->has_key) {
        put_text(&w, "key");
        put_bytes(&w, r->key, JPKI_JOURNAL_FP_LEN);
    }
    if (r->der) {
        put_text(&w, "der");
        put_bytes(&w, r->der, r->der_len);
    }
    if (r->error[0]) {
        put_text(&w, "error");
        put_text(&w, r->error);
    }
    if (w.full) {
        free(w.buf);
        return jpki_error_set(err, JPKI_ERR_INTERNAL, "journal: record buffer too small");
    }
    *out = w.buf;
    *len = w.len;
    return JPKI_OK;
}

/* ---- bounded parsing with the streaming decoder ---- */

typedef enum item_type { IT_NONE, IT_UINT, IT_BYTES, IT_TEXT, IT_MAP, IT_OTHER } item_type;

typedef struct item {
    item_type type;
    uint64_t u;            /* uint value or map size */
    const uint8_t *p;      /* string data (inside the input buffer) */
    size_t len;
} item;

/* String lengths are bounded by the largest record; map sizes and types
 * are checked (and worded) by parse_record. */
static const cbor_limits JOURNAL_LIMITS = {
    .bytes_max = JOURNAL_MAX_RECORD,
    .text_max = JOURNAL_MAX_RECORD,
    .items_max = UINT64_MAX,
};

typedef enum next_rc { NEXT_OK, NEXT_SHORT, NEXT_BAD } next_rc;

/* Decode one item header (or whole definite string) at *off with the
 * shared bounded reader.  On NEXT_SHORT, *need is how many bytes from *off
 * the item claims. */
static next_rc next_item(const uint8_t *buf, size_t len, size_t *off, item *it, size_t *need)
{
    cbor_token t;
    size_t more;
    memset(it, 0, sizeof *it);
    *need = 1;
    switch (cbor_read_token(buf, len, *off, &JOURNAL_LIMITS, &t, &more)) {
    case CBOR_READ_OK:
        break;
    case CBOR_READ_SHORT:
        *need = len - *off + more;
        return NEXT_SHORT;
    case CBOR_READ_TOO_LONG:
        /* a claim no record can have: reported as such by short_or_limit */
        *need = t.hlen + (t.val > JOURNAL_MAX_RECORD ? JOURNAL_MAX_RECORD + 1 : (size_t)t.val);
        return NEXT_SHORT;
    case CBOR_READ_INDEFINITE:
        /* we never write indefinite lengths: a type no key accepts */
        it->type = IT_OTHER;
        *off += 1;
        return NEXT_OK;
    default:
        return NEXT_BAD;
    }
    /* Everything but uints, definite strings and maps is a type no record
     * key accepts (negative integers, arrays, tags, floats, simple values). */
    it->type = t.major == 0 ? IT_UINT : t.major == 2 ? IT_BYTES : t.major == 3 ? IT_TEXT
             : t.major == 5 ? IT_MAP : IT_OTHER;
    it->u = t.val;
    it->p = t.p;
    it->len = it->type == IT_BYTES || it->type == IT_TEXT ? (size_t)t.val : 0;
    *off += t.size;
    return NEXT_OK;
}

static bool key_is(const item *k, const char *name)
{
    return k->len == strlen(name) && memcmp(k->p, name, k->len) == 0;
}

static bool text_into(const item *v, char *dst, size_t cap)
{
    if (v->type != IT_TEXT || v->len >= cap || memchr(v->p, '\0', v->len))
        return false;
    memcpy(dst, v->p, v->len);
    dst[v->len] = '\0';
    return true;
}

typedef enum rec_rc { REC_OK, REC_SHORT, REC_BAD, REC_LIMIT } rec_rc;

/* A record cut off by the end of the file is a torn write only if it would
 * have fit in a record we could have written; a claim of more (a corrupt
 * length in the middle of the file) must not make the rest vanish. */
static rec_rc short_or_limit(size_t start, size_t pos, size_t need, const char **why)
{
    if (need > JOURNAL_MAX_RECORD || pos - start + need > JOURNAL_MAX_RECORD) {
        *why = "record claims more bytes than any record can have";
        return REC_LIMIT;
    }
    return REC_SHORT;
}

#define NEXT(it)                                                              \
    do {                                                                      \
        size_t need_;                                                         \
        next_rc n_ = next_item(buf, len, &pos, (it), &need_);                 \
        if (n_ == NEXT_SHORT)                                                 \
            return short_or_limit(*off, pos, need_, why);                     \
        if (n_ == NEXT_BAD)                                                   \
            return REC_BAD;                                                   \
    } while (0)

/* Store value v of record field k in r; false when the value is wrong for
 * the field.  Unknown keys are accepted and skipped (later versions). */
static bool set_field(jpki_journal_record *r, const item *k, const item *v)
{
    bool ok = true;
    if (key_is(k, "step"))
        ok = v->type == IT_TEXT && step_parse(v->p, v->len, &r->step);
    else if (key_is(k, "time")) {
        ok = v->type == IT_UINT;
        r->time = v->u;
    } else if (key_is(k, "card"))
        ok = text_into(v, r->card, sizeof r->card);
    else if (key_is(k, "reader"))
        ok = text_into(v, r->reader, sizeof r->reader);
    else if (key_is(k, "error"))
        ok = text_into(v, r->error, sizeof r->error);
    else if (key_is(k, "kind")) {
        ok = v->type == IT_TEXT;
        if (ok && v->len == 4 && memcmp(v->p, "auth", 4) == 0)
            r->kind = JPKI_KEY_AUTH;
        else if (ok && v->len == 4 && memcmp(v->p, "sign", 4) == 0)
            r->kind = JPKI_KEY_SIGN;
        else
            ok = false;
    } else if (key_is(k, "key")) {
        ok = v->type == IT_BYTES && v->len == JPKI_JOURNAL_FP_LEN;
        if (ok) {
            memcpy(r->key, v->p, JPKI_JOURNAL_FP_LEN);
            r->has_key = true;
        }
    } else if (key_is(k, "der")) {
        ok = v->type == IT_BYTES;
        r->der = v->p;
        r->der_len = v->len;
    } else if (key_is(k, "kinds")) {
        ok = v->type == IT_UINT && v->u <= 3;
        r->kinds = (unsigned)v->u;
    } else if (key_is(k, "v")) {
        ok = v->type == IT_UINT && v->u == JOURNAL_VERSION;
    }
    return ok;
}

/* One record at *off; on REC_OK *off is past it. */
static rec_rc parse_record(const uint8_t *buf, size_t len, size_t *off, jpki_journal_record *r,
                           const char **why)
{
    item m, k, v;
    size_t pos = *off;
    NEXT(&m);
    if (m.type != IT_MAP) {
        *why = "record is not a map";
        return REC_BAD;
    }
    if (m.u > JPKI_JOURNAL_MAX_PAIRS) {
        *why = "record has too many fields";
        return REC_LIMIT;
    }
    jpki_journal_record_init(r, JPKI_STEP_NONE, NULL);
    for (uint64_t i = 0; i < m.u; i++) {
        NEXT(&k);
        NEXT(&v);
        if (k.type != IT_TEXT) {
            *why = "record key is not text";
            return REC_BAD;
        }
        /* A map or any other nested item as a value is not ours. */
        if (v.type != IT_UINT && v.type != IT_TEXT && v.type != IT_BYTES) {
            *why = "record value of an unexpected type";
            return REC_BAD;
        }
        if ((v.type == IT_TEXT && v.len > JPKI_JOURNAL_MAX_TEXT) ||
            (v.type == IT_BYTES && v.len > JPKI_JOURNAL_MAX_DER)) {
            *why = "record value too long";
            return REC_LIMIT;
        }
        if (!set_field(r, &k, &v)) {
            *why = "record field has a bad value";
            return REC_BAD;
        }
    }
    if (r->step == JPKI_STEP_NONE) {
        *why = "record has no step";
        return REC_BAD;
    }
    if (r->step != JPKI_STEP_JOURNAL && r->card[0] == '\0') {
        *why = "record names no card";
        return REC_BAD;
    }
    *off = pos;
    return REC_OK;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

jpki_rc jpki_journal_parse(const uint8_t *buf, size_t len, jpki_journal_visit_fn visit,
                           void *ctx, size_t *valid_len, bool *torn_tail, jpki_error *err)
{
    size_t off = 0;
    *torn_tail = false;
    *valid_len = 0;
    if (len > JPKI_JOURNAL_MAX_FILE)
        return jpki_error_set(err, JPKI_ERR_LIMIT, "journal larger than %u bytes",
                              JPKI_JOURNAL_MAX_FILE);
    bool first = true;
    while (off < len) {
        jpki_journal_record r;
        const char *why = "malformed CBOR";
        size_t at = off;
        rec_rc rr = parse_record(buf, len, &off, &r, &why);
        if (rr == REC_SHORT || (rr == REC_BAD && all_zero(buf + at, len - at))) {
            *torn_tail = true;
            break;
        }
        if (rr == REC_LIMIT)
            return jpki_error_set(err, JPKI_ERR_LIMIT, "journal record at byte %zu: %s", at, why);
        if (rr == REC_BAD)
            return jpki_error_set(err, JPKI_ERR_FORMAT, "journal record at byte %zu: %s", at, why);
        if (first != (r.step == JPKI_STEP_JOURNAL))
            return jpki_error_set(err, JPKI_ERR_FORMAT, "journal record at byte %zu: %s", at,
                                  first ? "not a jpki-renew journal (no header)"
                                        : "second header");
        first = false;
        *valid_len = off;
        if (visit && r.step != JPKI_STEP_JOURNAL) {
            jpki_rc rc = visit(ctx, &r, err);
            if (rc != JPKI_OK)
                return rc;
        }
    }
    return JPKI_OK;
}

/* ---- fold records into per-card state ---- */

void jpki_journal_card_state_free(jpki_journal_card_state *s)
{
    if (!s)
        return;
    for (int i = 0; i < 2; i++) {
        free(s->key[i].cert);
        s->key[i].cert = NULL;
        s->key[i].cert_len = 0;
    }
}

jpki_rc journal_validate(const jpki_journal_record *r, jpki_error *err)
{
    bool keyed = r->kind == JPKI_KEY_AUTH || r->kind == JPKI_KEY_SIGN;
    switch (r->step) {
    case JPKI_STEP_PENDING_KEY:
    case JPKI_STEP_CSR:
    case JPKI_STEP_CERT_ISSUED:
    case JPKI_STEP_ACTIVATED:
        if (!keyed)
            return jpki_error_set(err, JPKI_ERR_FORMAT, "journal: %s record for card %s names no key",
                                  jpki_journal_step_name(r->step), r->card);
        if (r->step == JPKI_STEP_CERT_ISSUED && (!r->der || !r->has_key))
            return jpki_error_set(err, JPKI_ERR_FORMAT,
                                  "journal: cert-issued record for card %s lacks der/key", r->card);
        break;
    case JPKI_STEP_PIN_REJECTED:
        if (!r->has_key || !r->der || r->der_len != JPKI_JOURNAL_PIN_SALT_LEN + 1 ||
            r->der[JPKI_JOURNAL_PIN_SALT_LEN] >= JPKI_PIN_COUNT)
            return jpki_error_set(err, JPKI_ERR_FORMAT,
                                  "journal: pin-rejected record for card %s lacks salt/mac", r->card);
        break;
    default:
        break;
    }
    return JPKI_OK;
}

jpki_rc journal_fold(jpki_journal_card_state *s, const jpki_journal_record *r, jpki_error *err)
{
    jpki_rc rc = journal_validate(r, err);
    if (rc != JPKI_OK)
        return rc;
    jpki_journal_key_state *k = (r->kind == JPKI_KEY_AUTH || r->kind == JPKI_KEY_SIGN)
                                    ? &s->key[r->kind] : NULL;
    switch (r->step) {
    case JPKI_STEP_STARTED:
        /* A new attempt after a failure; the keys' states carry over (the
         * card may still hold what the failed attempt left pending). */
        /* A started record after a done one is an attempt for a kind not
         * renewed yet (a renewal never starts again for a done kind);
         * done_kinds carries over. */
        s->last = JPKI_STEP_STARTED;
        /* A new attempt names its keys; a resume (no kinds) carries on the
         * last one, its face-mode intent included. */
        if (r->kinds) {
            s->kinds = r->kinds;
            s->to_face = false;
        }
        s->error[0] = '\0';
        break;
    case JPKI_STEP_DONE:
        /* kinds on a done record: the keys renewed.  Older journals wrote
         * none: then it is what the attempt set out to renew. */
        s->last = JPKI_STEP_DONE;
        s->done_kinds |= r->kinds ? r->kinds : (s->kinds ? s->kinds : 3u);
        break;
    case JPKI_STEP_FAILED:
        if (s->last != JPKI_STEP_DONE)
            s->last = JPKI_STEP_FAILED;
        snprintf(s->error, sizeof s->error, "%s", r->error);
        break;
    case JPKI_STEP_FACE_MODE:
        s->to_face = true;
        break;
    case JPKI_STEP_PIN_REJECTED: {
        /* Keep the latest ones: drop the oldest when full. */
        if (s->n_rejected == JPKI_JOURNAL_MAX_REJECTED) {
            memmove(&s->rejected[0], &s->rejected[1],
                    (JPKI_JOURNAL_MAX_REJECTED - 1) * sizeof s->rejected[0]);
            s->n_rejected--;
        }
        unsigned i = s->n_rejected++;
        s->rejected[i].pin = r->der[JPKI_JOURNAL_PIN_SALT_LEN];
        memcpy(s->rejected[i].salt, r->der, JPKI_JOURNAL_PIN_SALT_LEN);
        memcpy(s->rejected[i].mac, r->key, JPKI_JOURNAL_FP_LEN);
        break;
    }
    case JPKI_STEP_PENDING_KEY:
    case JPKI_STEP_CSR:
    case JPKI_STEP_CERT_ISSUED:
    case JPKI_STEP_ACTIVATED:
        if (r->has_key && (!k->has_key || memcmp(k->key, r->key, JPKI_JOURNAL_FP_LEN) != 0)) {
            /* A different pending key: whatever was known belongs to the old one. */
            free(k->cert);
            k->cert = NULL;
            k->cert_len = 0;
            memcpy(k->key, r->key, JPKI_JOURNAL_FP_LEN);
            k->has_key = true;
        }
        if (r->step == JPKI_STEP_CERT_ISSUED) {
            uint8_t *copy = malloc(r->der_len);
            if (!copy)
                return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
            memcpy(copy, r->der, r->der_len);
            free(k->cert);
            k->cert = copy;
            k->cert_len = r->der_len;
        }
        k->last = r->step;
        break;
    default:
        break;
    }
    return JPKI_OK;
}

/* ---- resume decisions ---- */

const char *jpki_resume_action_name(jpki_resume_action a)
{
    switch (a) {
    case JPKI_RESUME_SKIP_DONE: return "skip (done)";
    case JPKI_RESUME_GENERATE: return "generate";
    case JPKI_RESUME_REQUEST: return "request";
    case JPKI_RESUME_INSTALL: return "install";
    case JPKI_RESUME_ACTIVATE: return "activate";
    case JPKI_RESUME_CONFIRM: return "confirm";
    }
    return "?";
}

jpki_resume_action jpki_resume_decide(const jpki_journal_card_state *js, jpki_key_kind kind,
                                      const jpki_card_key_view *card)
{
    const jpki_journal_key_state *k = js ? &js->key[kind] : NULL;
    if (js && (js->done_kinds & (1u << kind)))
        return JPKI_RESUME_SKIP_DONE;
    /* Activated per the journal, or certificate issued and the card's
     * pending key is gone: activation happened (ACTIVATE is the only thing
     * that clears a pending key), maybe without the journal hearing of it. */
    if (k && k->last == JPKI_STEP_ACTIVATED)
        return JPKI_RESUME_CONFIRM;
    if (card->pending) {
        if (k && k->cert && k->has_key && card->have_fp &&
            memcmp(k->key, card->pending_fp, JPKI_JOURNAL_FP_LEN) == 0)
            return JPKI_RESUME_INSTALL;
        if (card->pending_cert)
            return JPKI_RESUME_ACTIVATE;
        return JPKI_RESUME_REQUEST;
    }
    if (k && k->cert)
        return JPKI_RESUME_CONFIRM;
    return JPKI_RESUME_GENERATE;
}
