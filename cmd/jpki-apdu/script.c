/* Parsing jpki-apdu scripts and building their commands.  Everything is
 * parsed and checked before the first APDU is sent, so a typo on line 40
 * cannot leave a card half-way through a sequence (or spend a PIN try). */
#include <ctype.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "private/i18n.h"
#include "script.h"

void script_init(script *s)
{
    memset(s, 0, sizeof *s);
}

void script_free(script *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->steps[i].lit);
        free(s->steps[i].pieces);
    }
    free(s->steps);
    memset(s, 0, sizeof *s);
}

static bool is_sep(char c)
{
    return c == ' ' || c == '\t' || c == ':' || c == '\r' || c == '\n';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* '#' starts a comment at the start of a line or after a separator. */
static bool comment_at(const char *line, const char *p)
{
    return *p == '#' && (p == line || is_sep(p[-1]));
}

static const char *skip_sep(const char *p)
{
    while (*p && is_sep(*p))
        p++;
    return p;
}

/* ---- expectations ---- */

#define NIB_ANY 0x10

static jpki_rc parse_alt(const char *a, size_t n, expect_alt *out, const char *where,
                         jpki_error *err)
{
    uint8_t nib[2 * 256 + 4];
    size_t nn = 0, star_at = (size_t)-1, run = 0;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? a[i] : ' ';
        int v = hexval(c);
        bool wild = c == 'x' || c == 'X' || c == '?';
        if (v >= 0 || wild) {
            if (nn == sizeof nib)
                return jpki_error_set(err, JPKI_ERR_LIMIT, "%s: expected data longer than 256 bytes",
                                      where);
            nib[nn++] = wild ? NIB_ANY : (uint8_t)v;
            run++;
            continue;
        }
        if (c != '*' && !is_sep(c))
            return jpki_error_set(err, JPKI_ERR_FORMAT, "%s: '%c' in expectation '%.*s'", where,
                                  c, (int)n, a);
        if (run % 2)
            return jpki_error_set(err, JPKI_ERR_FORMAT,
                                  "%s: odd number of hex digits in expectation '%.*s'", where,
                                  (int)n, a);
        run = 0;
        if (c == '*') {
            if (star_at != (size_t)-1)
                return jpki_error_set(err, JPKI_ERR_FORMAT, "%s: more than one '*' in '%.*s'",
                                      where, (int)n, a);
            star_at = nn;
        }
    }
    if (nn < 4)
        return jpki_error_set(err, JPKI_ERR_FORMAT,
                              "%s: expectation '%.*s' has no status word (4 hex digits)", where,
                              (int)n, a);
    if (star_at != (size_t)-1 && star_at != nn - 4)
        return jpki_error_set(err, JPKI_ERR_FORMAT,
                              "%s: '*' must come right before the status word in '%.*s'", where,
                              (int)n, a);
    memcpy(out->sw, nib + nn - 4, 4);
    out->data_nibbles = nn - 4;
    memcpy(out->data, nib, out->data_nibbles);
    out->data_checked = out->data_nibbles > 0; /* "* 9000" accepts any data */
    out->data_prefix = star_at != (size_t)-1;
    return JPKI_OK;
}

static jpki_rc parse_expect(const char *line, const char *p, expect *e, const char *where,
                            jpki_error *err)
{
    const char *end = p;
    while (*end && !comment_at(line, end))
        end++;
    while (end > p && is_sep(end[-1]))
        end--;
    p = skip_sep(p);
    memset(e, 0, sizeof *e);
    snprintf(e->text, sizeof e->text, "%.*s", (int)(end - p), p);
    const char *a = p;
    while (a <= end) {
        const char *bar = memchr(a, '|', (size_t)(end - a));
        const char *stop = bar ? bar : end;
        if (e->n == EXPECT_ALTS_MAX)
            return jpki_error_set(err, JPKI_ERR_LIMIT, "%s: more than %d alternatives", where,
                                  EXPECT_ALTS_MAX);
        jpki_rc rc = parse_alt(a, (size_t)(stop - a), &e->alt[e->n], where, err);
        if (rc != JPKI_OK)
            return rc;
        e->n++;
        if (!bar)
            break;
        a = bar + 1;
    }
    return JPKI_OK;
}

static bool nibbles_match(const uint8_t *pat, const uint8_t *bytes, size_t nibbles)
{
    for (size_t i = 0; i < nibbles; i++) {
        uint8_t have = (uint8_t)((i % 2) ? bytes[i / 2] & 0x0F : bytes[i / 2] >> 4);
        if (pat[i] != NIB_ANY && pat[i] != have)
            return false;
    }
    return true;
}

bool expect_match(const expect *e, const jpki_response *r, char *why, size_t n)
{
    uint8_t sw[2] = {(uint8_t)(r->sw >> 8), (uint8_t)r->sw};
    for (size_t i = 0; i < e->n; i++) {
        const expect_alt *a = &e->alt[i];
        if (!nibbles_match(a->sw, sw, 4))
            continue;
        if (!a->data_checked)
            return true;
        size_t have = r->len * 2;
        if (a->data_prefix ? have < a->data_nibbles : have != a->data_nibbles)
            continue;
        if (nibbles_match(a->data, r->data, a->data_nibbles))
            return true;
    }
    char swt[96];
    snprintf(why, n, _("expected %s, got %s with %zu data byte(s)"), e->text,
             jpki_sw_describe(r->sw, swt, sizeof swt), r->len);
    return false;
}

/* ---- commands ---- */

static int secret_index(script *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->nnames; i++)
        if (strlen(s->names[i]) == len && memcmp(s->names[i], name, len) == 0)
            return (int)i;
    if (s->nnames == SCRIPT_SECRETS_MAX)
        return -1;
    memcpy(s->names[s->nnames], name, len);
    s->names[s->nnames][len] = '\0';
    return (int)s->nnames++;
}

static jpki_rc add_piece(step *st, byte_origin o, int secret, jpki_error *err)
{
    piece *p = realloc(st->pieces, (st->npieces + 1) * sizeof *p);
    if (!p)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    st->pieces = p;
    st->pieces[st->npieces++] = (piece){.origin = o, .secret = secret, .off = st->lit_len};
    return JPKI_OK;
}

static jpki_rc add_byte(step *st, uint8_t b, size_t *cap, jpki_error *err)
{
    if (st->npieces == 0 || st->pieces[st->npieces - 1].origin != ORIGIN_LITERAL) {
        jpki_rc rc = add_piece(st, ORIGIN_LITERAL, -1, err);
        if (rc != JPKI_OK)
            return rc;
    }
    if (st->lit_len == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        uint8_t *l = realloc(st->lit, ncap);
        if (!l)
            return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        st->lit = l;
        *cap = ncap;
    }
    st->lit[st->lit_len++] = b;
    st->pieces[st->npieces - 1].len++;
    return JPKI_OK;
}

/* "${NAME}" or "${#NAME}" at p; returns the character after it. */
static const char *parse_placeholder(script *s, step *st, const char *p, const char *where,
                                     jpki_error *err, jpki_rc *rc)
{
    const char *q = p + 2;
    bool len_of = *q == '#';
    if (len_of)
        q++;
    const char *name = q;
    while (isalnum((unsigned char)*q) || *q == '_')
        q++;
    size_t n = (size_t)(q - name);
    if (*q != '}' || n == 0 || n > SCRIPT_SECRET_NAME_MAX || isdigit((unsigned char)name[0])) {
        *rc = jpki_error_set(err, JPKI_ERR_FORMAT,
                             "%s: bad placeholder near '%.12s' (write ${NAME} or ${#NAME}, NAME "
                             "of letters, digits and _)", where, p);
        return NULL;
    }
    int idx = secret_index(s, name, n);
    if (idx < 0) {
        *rc = jpki_error_set(err, JPKI_ERR_LIMIT, "%s: more than %d different placeholders",
                             where, SCRIPT_SECRETS_MAX);
        return NULL;
    }
    *rc = add_piece(st, len_of ? ORIGIN_SECRET_LEN : ORIGIN_SECRET, idx, err);
    st->templated = true;
    return q + 1;
}

/* Hex bytes and placeholders up to '=', a comment or the end. */
static jpki_rc parse_command(script *s, step *st, const char *line, const char **pp,
                             const char *where, jpki_error *err)
{
    const char *p = *pp, *tok = p;
    size_t cap = 0, run = 0;
    int hi = -1;
    jpki_rc rc = JPKI_OK;
    for (;; p++) {
        int v = hexval(*p);
        if (v >= 0) {
            if (run == 0)
                tok = p;
            if (hi < 0) {
                hi = v;
            } else {
                if ((rc = add_byte(st, (uint8_t)(hi << 4 | v), &cap, err)) != JPKI_OK)
                    return rc;
                hi = -1;
            }
            run++;
            continue;
        }
        bool placeholder = *p == '$' && p[1] == '{';
        bool end = *p == '\0' || *p == '=' || comment_at(line, p);
        if (!placeholder && !end && !is_sep(*p))
            return jpki_error_set(err, JPKI_ERR_FORMAT, "%s: '%c' is not hex", where, *p);
        if (run % 2)
            return jpki_error_set(err, JPKI_ERR_FORMAT,
                                  "%s: odd number of hex digits in '%.*s' (a byte is two digits)",
                                  where, (int)(run < 24 ? run : 24), tok);
        run = 0;
        if (placeholder) {
            if (st->lit_len < 4)
                return jpki_error_set(err, JPKI_ERR_FORMAT,
                                      "%s: a placeholder needs the 4 header bytes before it", where);
            if (!(p = parse_placeholder(s, st, p, where, err, &rc)))
                return rc;
            if (rc != JPKI_OK)
                return rc;
            p--; /* the loop's p++ */
            continue;
        }
        if (end)
            break;
    }
    *pp = p;
    if (st->lit_len == 0 && !st->templated)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "%s: no APDU bytes", where);
    return JPKI_OK;
}

static jpki_rc new_step(script *s, step_kind kind, const char *where, step **out,
                        jpki_error *err)
{
    if (s->n == SCRIPT_STEPS_MAX)
        return jpki_error_set(err, JPKI_ERR_LIMIT, "%s: more than %u APDUs", where,
                              SCRIPT_STEPS_MAX);
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 16;
        step *n = realloc(s->steps, ncap * sizeof *n);
        if (!n)
            return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        s->steps = n;
        s->cap = ncap;
    }
    step *st = &s->steps[s->n++];
    memset(st, 0, sizeof *st);
    st->kind = kind;
    snprintf(st->where, sizeof st->where, "%s", where);
    *out = st;
    return JPKI_OK;
}

static bool keyword(const char *line, const char *p, const char *word)
{
    size_t n = strlen(word);
    if (strncasecmp(p, word, n) != 0)
        return false;
    p = skip_sep(p + n);
    return *p == '\0' || comment_at(line, p);
}

jpki_rc script_add_line(script *s, const char *line, const char *where, jpki_error *err)
{
    const char *p = skip_sep(line);
    if (*p == '\0' || comment_at(line, p))
        return JPKI_OK;
    step *st;
    jpki_rc rc;
    if (*p == '<') {
        step *prev = s->n ? &s->steps[s->n - 1] : NULL;
        if (!prev || prev->kind != STEP_APDU)
            return jpki_error_set(err, JPKI_ERR_FORMAT, "%s: '<' expectation without an APDU before it",
                                  where);
        if (prev->has_expect)
            return jpki_error_set(err, JPKI_ERR_FORMAT, "%s: a second expectation for %s", where,
                                  prev->where);
        if ((rc = parse_expect(line, p + 1, &prev->exp, where, err)) != JPKI_OK)
            return rc;
        prev->has_expect = true;
        return JPKI_OK;
    }
    if (keyword(line, p, "reset"))
        return new_step(s, STEP_RESET, where, &st, err);
    if ((rc = new_step(s, STEP_APDU, where, &st, err)) != JPKI_OK)
        return rc;
    if ((rc = parse_command(s, st, line, &p, where, err)) != JPKI_OK)
        return rc;
    if (*p == '=') {
        if ((rc = parse_expect(line, p + 1, &st->exp, where, err)) != JPKI_OK)
            return rc;
        st->has_expect = true;
    }
    /* Check the command now, before any secret is asked for: a command
     * with placeholders is built with stand-in values of a typical PIN
     * length (built again with the real values before anything is sent). */
    uint8_t *buf = malloc(JPKI_CAPDU_MAX);
    size_t len;
    if (!buf)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    jpki_secret stand_in[SCRIPT_SECRETS_MAX];
    memset(stand_in, 0, sizeof stand_in);
    for (size_t i = 0; i < SCRIPT_SECRETS_MAX; i++) {
        memset(stand_in[i].buf, '0', JPKI_PIN4_LEN);
        stand_in[i].len = JPKI_PIN4_LEN;
    }
    rc = script_build(s, st, st->templated ? stand_in : NULL, buf, &len, err);
    free(buf);
    return rc;
}

/* One line into buf (without the newline), bounded; 0 at the end. */
static int read_line(FILE *f, char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    int c;
    bool any = false;
    while ((c = getc(f)) != EOF) {
        any = true;
        if (c == '\n')
            break;
        if (c == '\0')
            return -2;
        if (n + 1 >= cap)
            return -1;
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    *len = n;
    return any ? 1 : 0;
}

jpki_rc script_read(script *s, FILE *f, const char *name, jpki_error *err)
{
    char *buf = malloc(SCRIPT_LINE_MAX + 1);
    if (!buf)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    jpki_rc rc = JPKI_OK;
    size_t n;
    int got;
    for (unsigned long lineno = 1; (got = read_line(f, buf, SCRIPT_LINE_MAX + 1, &n)) != 0;
         lineno++) {
        char where[160];
        snprintf(where, sizeof where, "%.120s:%lu", name, lineno);
        if (got == -1) {
            rc = jpki_error_set(err, JPKI_ERR_LIMIT, "%s: line longer than %u bytes", where,
                                SCRIPT_LINE_MAX);
            break;
        }
        if (got == -2) {
            rc = jpki_error_set(err, JPKI_ERR_FORMAT, "%s: NUL byte in the script", where);
            break;
        }
        if ((rc = script_add_line(s, buf, where, err)) != JPKI_OK)
            break;
    }
    if (rc == JPKI_OK && ferror(f))
        rc = jpki_error_set(err, JPKI_ERR_IO, "%s: read error", name);
    free(buf);
    return rc;
}

/* ---- building ---- */

static jpki_rc check_placement(const step *st, const uint8_t *cmd, const uint8_t *origin,
                               size_t len, jpki_error *err)
{
    uint8_t *mask = malloc(len);
    if (!mask)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    jpki_trace_pin_mask(cmd, len, mask);
    jpki_rc rc = JPKI_OK;
    for (size_t i = 0; i < len && rc == JPKI_OK; i++) {
        if (mask[i] && origin[i] == ORIGIN_LITERAL)
            rc = jpki_error_set(err, JPKI_ERR_ARG,
                                "%s: literal PIN bytes refused (argv and scripts can be read by "
                                "others); write ${PIN} and give the PIN with --pin-fd, "
                                "--pin-file or the terminal", st->where);
        else if (!mask[i] && origin[i] == ORIGIN_SECRET)
            rc = jpki_error_set(err, JPKI_ERR_ARG,
                                "%s: a ${...} value outside the PIN data of VERIFY, CHANGE "
                                "REFERENCE DATA, RESET RETRY COUNTER or ENABLE VERIFICATION "
                                "REQUIREMENT would appear in traces; refused", st->where);
    }
    free(mask);
    return rc;
}

jpki_rc script_build(const script *s, const step *st, const jpki_secret *secrets,
                     uint8_t *out, size_t *len, jpki_error *err)
{
    (void)s;
    /* Bytes in template order, with their origins. */
    size_t n = 0;
    uint8_t *origin = calloc(1, JPKI_CAPDU_MAX);
    uint8_t *tmp = malloc(JPKI_CAPDU_MAX);
    jpki_rc rc = JPKI_OK;
    if (!origin || !tmp) {
        rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < st->npieces; i++) {
        const piece *pc = &st->pieces[i];
        const uint8_t *src;
        size_t k;
        uint8_t lenbyte;
        if (pc->origin == ORIGIN_LITERAL) {
            src = st->lit + pc->off;
            k = pc->len;
        } else if (!secrets) {
            rc = jpki_error_set(err, JPKI_ERR_INTERNAL, "%s: placeholder without a value",
                                st->where);
            goto out;
        } else if (pc->origin == ORIGIN_SECRET) {
            src = secrets[pc->secret].buf;
            k = secrets[pc->secret].len;
        } else {
            lenbyte = (uint8_t)secrets[pc->secret].len;
            src = &lenbyte;
            k = 1;
        }
        if (k > JPKI_CAPDU_MAX - n) {
            rc = jpki_error_set(err, JPKI_ERR_LIMIT, "%s: APDU longer than %u bytes", st->where,
                                JPKI_CAPDU_MAX);
            goto out;
        }
        memcpy(tmp + n, src, k);
        memset(origin + n, pc->origin, k);
        n += k;
    }
    if (st->templated) {
        /* header, computed Lc, data; PIN commands carry no Le */
        size_t data = n - 4;
        if (data == 0 || data > 255) {
            rc = jpki_error_set(err, JPKI_ERR_FORMAT,
                                "%s: %zu data bytes: a command with placeholders takes 1 to 255",
                                st->where, data);
            goto out;
        }
        memcpy(out, tmp, 4);
        out[4] = (uint8_t)data;
        memcpy(out + 5, tmp + 4, data);
        memmove(origin + 5, origin + 4, data);
        origin[4] = ORIGIN_LITERAL;
        n += 1;
    } else {
        memcpy(out, tmp, n);
    }
    *len = n;
    if (n == 1) {
        rc = jpki_error_set(err, JPKI_ERR_FORMAT,
                            "%s: 1-byte APDU refused (vpcd takes it for a control message and "
                            "the reader hangs)", st->where);
        goto out;
    }
    if (n < 4) {
        rc = jpki_error_set(err, JPKI_ERR_FORMAT,
                            "%s: %zu bytes is not an APDU (the header alone has 4)", st->where, n);
        goto out;
    }
    jpki_apdu a;
    jpki_error pe;
    jpki_error_clear(&pe);
    if (jpki_apdu_parse(out, n, &a, &pe) != JPKI_OK) {
        const char *why = pe.message;
        if (strncmp(why, "apdu: ", 6) == 0)
            why += 6;
        rc = jpki_error_set(err, JPKI_ERR_FORMAT, "%s: malformed APDU (%s)", st->where, why);
        goto out;
    }
    rc = check_placement(st, out, origin, n, err);
out:
    if (tmp)
        jpki_wipe(tmp, JPKI_CAPDU_MAX);
    free(tmp);
    free(origin);
    return rc;
}
