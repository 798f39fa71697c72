/* The batch summary as JSON (summary.h).  Built in memory, then replaced
 * atomically; strings are escaped to JSON and kept valid UTF-8 (a reader
 * name or a card's message can carry anything). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "summary.h"

typedef struct jbuf {
    char *p;
    size_t len, cap;
    bool oom;
} jbuf;

static void put(jbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(jbuf *b, const char *s) { put(b, s, strlen(s)); }

/* Integers only: %d is the same in every locale. */
static void putf(jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(jbuf *b, const char *fmt, ...)
{
    char tmp[256]; /* every format here is shorter */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Length of the valid UTF-8 sequence at s (1..4), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t k = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    if (k == 0 || k > n)
        return 0;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if ((k == 3 && c == 0xE0 && s[1] < 0xA0) || (k == 3 && c == 0xED && s[1] >= 0xA0) ||
        (k == 4 && c == 0xF0 && s[1] < 0x90) || (k == 4 && c == 0xF4 && s[1] >= 0x90))
        return 0; /* overlong, surrogate, beyond U+10FFFF */
    return k;
}

static void put_str(jbuf *b, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    puts_(b, "\"");
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put(b, e, 2);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            putf(b, "\\u%04x", c);
            i++;
        } else if (c < 0x80) {
            put(b, (const char *)u + i, 1);
            i++;
        } else {
            size_t k = utf8_len(u + i, n - i);
            if (k) {
                put(b, (const char *)u + i, k);
                i += k;
            } else {
                puts_(b, "\xEF\xBF\xBD"); /* U+FFFD for a stray byte */
                i++;
            }
        }
    }
    puts_(b, "\"");
}

/* Per certificate kind of one card: "renewed", "skipped", "failed" or
 * "not-due", with the exit code (the card's when failed, else 0) and a
 * one-line reason. */
typedef struct summary_cert {
    const char *outcome;
    int exit_code;
    char reason[256];
} summary_cert;

/* The line a renewal wrote for a key (its English one: the summary is
 * machine output), without its "auth: " prefix. */
static void reason_from_line(const char *line, char *out, size_t n)
{
    const char *colon = strstr(line, ": ");
    snprintf(out, n, "%s", colon ? colon + 2 : line);
}

/* What became of key kind of card c (asked: the kinds the batch set out to
 * renew on it).  The order of the tests is the precedence: a face card's
 * missing signature certificate is no failure of that card. */
static void summary_cert_of(const batch_card *c, unsigned asked, const flow_result *r,
                            jpki_key_kind kind, summary_cert *out)
{
    unsigned bit = KIND_BIT(kind);
    out->exit_code = 0;
    out->reason[0] = '\0';
    if (r->r.renewed & bit) {
        out->outcome = "renewed";
        reason_from_line(r->r.line_c[kind], out->reason, sizeof out->reason);
    } else if (r->r.face_card && kind == JPKI_KEY_SIGN && !r->r.face_sign_refused) {
        out->outcome = "skipped";
        snprintf(out->reason, sizeof out->reason,
                 "face-authentication card: no signature certificate");
    } else if (r->r.outcome == OUT_FAILED && (asked & bit)) {
        out->outcome = "failed";
        out->exit_code = r->exit_code;
        snprintf(out->reason, sizeof out->reason, "%s", r->r.err.message_c); /* machine output: English */
    } else if (r->r.done_before & bit) {
        out->outcome = "skipped";
        snprintf(out->reason, sizeof out->reason, "already renewed (journal)");
    } else if (c->not_due & bit) {
        out->outcome = "not-due";
        snprintf(out->reason, sizeof out->reason, "not due for renewal (status record)");
    } else if (!(asked & bit)) {
        out->outcome = "skipped";
        snprintf(out->reason, sizeof out->reason, "not asked for (--cert)");
    } else {
        out->outcome = "skipped";
        if (r->r.line_c[kind][0])
            reason_from_line(r->r.line_c[kind], out->reason, sizeof out->reason);
        else
            snprintf(out->reason, sizeof out->reason, "nothing to do");
    }
}

static const char *card_outcome(const flow_result *r)
{
    switch (r->r.outcome) {
    case OUT_DONE: return "renewed";
    case OUT_PENDING: return "pending";
    case OUT_SKIPPED:
    case OUT_NOTHING: return "skipped";
    case OUT_FAILED: return "failed";
    }
    return "failed";
}

static const char *bool_text(bool v) { return v ? "true" : "false"; }

jpki_rc summary_write(const char *path, const batch_card *cards, const flow_result *res,
                      size_t n, unsigned default_kinds, int exit_code, jpki_error *err)
{
    static const char *const cert_outcomes[] = {"renewed", "skipped", "failed", "not-due"};
    size_t cert_totals[4] = {0, 0, 0, 0};
    size_t renewed = 0, skipped = 0, failed = 0;
    jbuf b = {0};
    putf(&b, "{\"version\":%d,\"exit\":%d,\"cards\":[", SUMMARY_VERSION, exit_code);
    for (size_t i = 0; i < n; i++) {
        const batch_card *c = &cards[i];
        const flow_result *r = &res[i];
        const char *outcome = card_outcome(r);
        renewed += r->r.outcome == OUT_DONE;
        failed += r->r.outcome == OUT_FAILED;
        skipped += r->r.outcome == OUT_SKIPPED || r->r.outcome == OUT_NOTHING;
        puts_(&b, i ? ",{\"reader\":" : "{\"reader\":");
        put_str(&b, c->reader);
        puts_(&b, ",\"expected\":");
        put_str(&b, c->serial);
        puts_(&b, ",\"serial\":");
        put_str(&b, r->r.serial);
        puts_(&b, ",\"outcome\":");
        put_str(&b, outcome);
        putf(&b, ",\"exit\":%d,\"reason\":", r->exit_code);
        put_str(&b, r->r.outcome == OUT_FAILED ? r->r.err.message : "");
        putf(&b, ",\"resumable\":%s,\"face_card\":%s,\"switched_to_face\":%s,\"certs\":{",
             bool_text(r->r.outcome == OUT_FAILED && r->r.left_pending), bool_text(r->r.face_card),
             bool_text(r->r.switched_to_face));
        unsigned asked = c->kinds ? c->kinds : default_kinds;
        for (int k = 0; k < 2; k++) {
            summary_cert sc;
            summary_cert_of(c, asked, r, (jpki_key_kind)k, &sc);
            for (size_t o = 0; o < 4; o++)
                cert_totals[o] += strcmp(sc.outcome, cert_outcomes[o]) == 0;
            puts_(&b, k ? ",\"sign\":{\"outcome\":" : "\"auth\":{\"outcome\":");
            put_str(&b, sc.outcome);
            putf(&b, ",\"exit\":%d,\"reason\":", sc.exit_code);
            put_str(&b, sc.reason);
            puts_(&b, "}");
        }
        puts_(&b, "}}");
    }
    putf(&b, "],\"totals\":{\"cards\":%zu,\"renewed\":%zu,\"skipped\":%zu,\"failed\":%zu,\"certs\":{",
         n, renewed, skipped, failed);
    for (size_t o = 0; o < 4; o++) {
        puts_(&b, o ? "," : "");
        put_str(&b, cert_outcomes[o]);
        putf(&b, ":%zu", cert_totals[o]);
    }
    puts_(&b, "}}}\n");
    if (b.oom) {
        free(b.p);
        return jpki_error_set(err, JPKI_ERR_NOMEM, "summary: out of memory");
    }
    jpki_rc rc = atomic_write_file(path, b.p, b.len, 0644, err);
    free(b.p);
    if (rc != JPKI_OK)
        jpki_error_prefix(err, "--summary-json %s", path);
    return rc;
}
