/* Checking streams of certificates: PEM (several blocks, text around them
 * ignored, as openssl prints them) or DER certificates back to back.  Each
 * certificate is bounded before it is parsed; with --filter the ones that
 * need renewal are written to stdout as they came in (PEM block / DER). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/cert.h"
#include "private/i18n.h"
#include "check.h"
#include "cli.h"

#define CERT_MAX (64 * 1024)      /* one certificate, DER or PEM block */
#define PEM_LINE_MAX 4096

/* Byte source: the sniffed prefix first, then the stream. */
typedef struct src {
    FILE *in;
    const uint8_t *prefix;
    size_t plen, ppos;
    unsigned long long offset; /* bytes consumed, for messages */
} src;

static int src_getc(src *s)
{
    /* One reader per stream: no stdio lock per character. */
    int c = s->ppos < s->plen ? s->prefix[s->ppos++] : getc_unlocked(s->in);
    if (c >= 0)
        s->offset++;
    return c;
}

static size_t src_read(src *s, uint8_t *dst, size_t n)
{
    size_t got = 0;
    while (got < n && s->ppos < s->plen)
        dst[got++] = s->prefix[s->ppos++];
    if (got < n)
        got += fread(dst + got, 1, n - got, s->in);
    s->offset += got;
    return got;
}

static void input_errorf(check_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void input_errorf(check_ctx *c, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, _(fmt), ap);
    va_end(ap);
    cli_errorf(PROG, "%s", msg);
    c->input_error = true;
}

static void clean_copy(char *dst, size_t cap, const char *s)
{
    jpki_text_safe(s, dst, cap);
}

/* Check one certificate (DER or one PEM block); pass it on if needed. */
static void check_one(check_ctx *c, unsigned long idx, const uint8_t *buf, size_t len)
{
    jpki_cert_info info;
    jpki_error err;
    jpki_error_clear(&err);
    if (jpki_cert_parse(buf, len, &info, &err) != JPKI_OK) {
        check_count(c, JPKI_EXPIRY_UNKNOWN);
        if (!c->quiet) {
            char msg[300];
            clean_copy(msg, sizeof msg, err.message);
            char line[400];
            snprintf(line, sizeof line, _("certificate %lu: %s"), idx, msg);
            check_report(c, JPKI_EXPIRY_UNKNOWN, line);
        }
        return;
    }
    /* The window through the record rule; a lone certificate does not say
     * when the card ends, so the next certificate's end stays unknown. */
    jpki_record one;
    jpki_record_init(&one);
    jpki_record_cert_fill(&one.certs[JPKI_CERT_AUTH], info.subject, info.issuer, info.serial_hex,
                          info.not_before, info.not_after, c->now);
    jpki_record_window_fill(&one, c->now);
    const jpki_record_window *w = &one.window[JPKI_CERT_AUTH];
    if (c->renewable && !w->open) {
        c->not_renewable++;
        return;
    }
    jpki_expiry e = jpki_expiry_classify(info.not_after, c->now, c->within);
    check_count(c, e);
    if (!c->quiet) {
        char subject[sizeof info.subject], when[64], days[48];
        clean_copy(subject, sizeof subject, info.subject);
        jpki_time_format_human(info.not_after, true, when, sizeof when);
        check_days_text(info.not_after, c->now, days, sizeof days);
        char line[sizeof info.subject + 512];
        snprintf(line, sizeof line, _("certificate %lu: %s (serial %s) not after %s, %s, renewal %s %s, notice %s to %s"),
                 idx, subject, info.serial_hex, when, days, w->open ? _("open since") : _("opens"), w->opens,
                 w->notice_from, w->notice_until);
        check_report(c, e, line);
    }
    if (c->renewable) {
        if (c->filter && (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0))
            input_errorf(c, "writing certificate %lu: short write", idx);
        return;
    }
    if (c->filter && (e == JPKI_EXPIRY_EXPIRING || e == JPKI_EXPIRY_EXPIRED)) {
        if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
            input_errorf(c, "writing certificate %lu: short write", idx);
    }
}

/* DER: SEQUENCE (30) with a definite length, up to CERT_MAX. */
void check_der_stream(check_ctx *c, FILE *in, const uint8_t *prefix, size_t plen)
{
    src s = {.in = in, .prefix = prefix, .plen = plen};
    uint8_t *buf = malloc(CERT_MAX);
    if (!buf) {
        input_errorf(c, "out of memory");
        return;
    }
    for (unsigned long idx = 1;; idx++) {
        unsigned long long at = s.offset;
        int tag = src_getc(&s);
        if (tag < 0)
            break;
        if (tag != 0x30) {
            input_errorf(c, "byte %llu: not a DER certificate (tag 0x%02x, expected 0x30)", at + 1, tag);
            break;
        }
        int l0 = src_getc(&s);
        if (l0 < 0) {
            input_errorf(c, "certificate %lu: input ends inside its header", idx);
            break;
        }
        size_t hlen = 2, body;
        uint8_t hdr[6] = {0x30, (uint8_t)l0};
        if (l0 < 0x80) {
            body = (size_t)l0;
        } else if (l0 == 0x80 || l0 > 0x84) {
            input_errorf(c, "certificate %lu: %s length (0x%02x)", idx,
                         l0 == 0x80 ? _("indefinite") : _("oversized"), l0);
            break;
        } else {
            size_t nb = (size_t)l0 & 0x7F;
            if (src_read(&s, hdr + 2, nb) != nb) {
                input_errorf(c, "certificate %lu: input ends inside its header", idx);
                break;
            }
            body = 0;
            for (size_t i = 0; i < nb; i++)
                body = body << 8 | hdr[2 + i];
            hlen += nb;
        }
        if (body > CERT_MAX - hlen) {
            input_errorf(c, "certificate %lu declares %zu bytes, more than the limit of %d", idx, body,
                         CERT_MAX);
            break;
        }
        memcpy(buf, hdr, hlen);
        size_t got = src_read(&s, buf + hlen, body);
        if (got != body) {
            input_errorf(c, "certificate %lu: input ends after %zu of its %zu bytes", idx, hlen + got,
                         hlen + body);
            break;
        }
        check_one(c, idx, buf, hlen + body);
    }
    if (ferror(in))
        input_errorf(c, "read error on input");
    free(buf);
}

/* PEM lines straight from a large buffer: a certificate is ~25 lines, and
 * taking them a character at a time through stdio was a fifth of the
 * checking time.  The sniffed prefix goes in front of the first chunk. */
#define LINE_BUF (256 * 1024)

typedef struct line_src {
    FILE *in;
    char *buf;
    size_t start, end; /* unread bytes are buf[start..end) */
    bool eof;
} line_src;

static void fill(line_src *ls)
{
    if (ls->start > 0) {
        memmove(ls->buf, ls->buf + ls->start, ls->end - ls->start);
        ls->end -= ls->start;
        ls->start = 0;
    }
    while (!ls->eof && ls->end < LINE_BUF) {
        size_t got = fread(ls->buf + ls->end, 1, LINE_BUF - ls->end, ls->in);
        ls->end += got;
        if (got == 0)
            ls->eof = true;
    }
}

/* The next line without its newline, trailing CR/blanks dropped (CRLF files
 * and trailing blanks after the armour lines still match) and cut at a NUL
 * as a C string would be; false at the end.  *toolong when it had more than
 * PEM_LINE_MAX - 1 characters (all of it is consumed). */
static bool next_line(line_src *ls, const char **line, size_t *len, bool *toolong)
{
    *toolong = false;
    for (;;) {
        size_t avail = ls->end - ls->start;
        char *p = ls->buf + ls->start;
        char *nl = memchr(p, '\n', avail);
        size_t n = nl ? (size_t)(nl - p) : avail;
        if (!nl && !ls->eof && avail < PEM_LINE_MAX) {
            fill(ls);
            continue;
        }
        if (n >= PEM_LINE_MAX) {
            /* Too long: drop it up to its newline, keep its start. */
            *toolong = true;
            ls->start += nl ? n + 1 : n;
            if (nl)
                break;
            if (ls->eof)
                break;
            fill(ls);
            /* keep dropping until the newline */
            for (;;) {
                avail = ls->end - ls->start;
                p = ls->buf + ls->start;
                nl = memchr(p, '\n', avail);
                ls->start += nl ? (size_t)(nl - p) + 1 : avail;
                if (nl || ls->eof)
                    break;
                fill(ls);
            }
            break;
        }
        if (!nl && n == 0)
            return false; /* end of input */
        ls->start += nl ? n + 1 : n;
        while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (!nl && n == 0)
            return false; /* a last fragment of blanks only */
        char *nul = memchr(p, '\0', n);
        if (nul)
            n = (size_t)(nul - p);
        *line = p;
        *len = n;
        return true;
    }
    *line = "";
    *len = 0;
    return true;
}

static bool line_is(const char *line, size_t n, const char *s)
{
    size_t m = strlen(s);
    return n == m && memcmp(line, s, m) == 0;
}

void check_pem_stream(check_ctx *c, FILE *in, const uint8_t *prefix, size_t plen)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----", end[] = "-----END CERTIFICATE-----";
    line_src ls = {.in = in, .buf = malloc(LINE_BUF)};
    char *block = malloc(CERT_MAX);
    if (!block || !ls.buf || plen > LINE_BUF) {
        input_errorf(c, "out of memory");
        free(block);
        free(ls.buf);
        return;
    }
    memcpy(ls.buf, prefix, plen);
    ls.end = plen;
    size_t blen = 0;
    bool inside = false, toolong;
    unsigned long idx = 0, lineno = 0;
    const char *line;
    size_t n;
    while (next_line(&ls, &line, &n, &toolong)) {
        lineno++;
        if (!inside) {
            /* Text around the blocks (openssl's "subject=" lines, other
             * block types) is ignored. */
            if (!toolong && line_is(line, n, begin)) {
                inside = true;
                idx++;
                blen = 0;
            } else {
                continue;
            }
        } else if (toolong) {
            input_errorf(c, "line %lu: line inside certificate %lu is too long", lineno, idx);
            inside = false;
            break;
        }
        if (blen + n + 2 > CERT_MAX) {
            input_errorf(c, "certificate %lu: PEM block larger than the limit of %d bytes", idx,
                         CERT_MAX);
            inside = false;
            break;
        }
        memcpy(block + blen, line, n);
        blen += n;
        block[blen++] = '\n';
        if (line_is(line, n, end)) {
            inside = false;
            check_one(c, idx, (const uint8_t *)block, blen);
        }
    }
    if (inside)
        input_errorf(c, "certificate %lu: input ends inside its PEM block", idx);
    else if (idx == 0 && !c->input_error)
        input_errorf(c, "no certificate found in the input (expected PEM, DER or jpki-status records)");
    if (ferror(in))
        input_errorf(c, "read error on input");
    free(block);
    free(ls.buf);
}
