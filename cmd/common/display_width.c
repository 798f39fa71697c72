/* Terminal column widths of UTF-8 text, padding and folding by them (see
 * display_width.h for why the table is ours and not wcwidth()'s). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "jpki/text.h"

#include "display_width.h"

typedef struct dw_range {
    uint32_t first, last;
} dw_range;

#include "display_width_table.h"

static bool in_table(uint32_t cp, const dw_range *t, size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < t[mid].first)
            hi = mid;
        else if (cp > t[mid].last)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

const char *dw_unicode_version(void)
{
    return DW_UNICODE_VERSION;
}

int dw_codepoint_width(uint32_t cp)
{
    if (cp < 0x300)
        return 1; /* ASCII and Latin-1: one column (controls are printed as '?') */
    if (in_table(cp, dw_zero, sizeof dw_zero / sizeof dw_zero[0]))
        return 0;
    if (in_table(cp, dw_double, sizeof dw_double / sizeof dw_double[0]))
        return 2;
    return 1;
}

size_t dw_decode(const char *s, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len;
    uint32_t c, min;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    } else if ((p[0] & 0xE0) == 0xC0) {
        len = 2, c = p[0] & 0x1F, min = 0x80;
    } else if ((p[0] & 0xF0) == 0xE0) {
        len = 3, c = p[0] & 0x0F, min = 0x800;
    } else if ((p[0] & 0xF8) == 0xF0) {
        len = 4, c = p[0] & 0x07, min = 0x10000;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) { /* also stops at the NUL */
            *cp = 0xFFFD;
            return 1;
        }
        c = (c << 6) | (p[i] & 0x3F);
    }
    /* overlong forms, surrogates and beyond U+10FFFF are not characters */
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = c;
    return len;
}

size_t dw_width_n(const char *s, size_t n)
{
    size_t w = 0, i = 0;
    while (i < n && s[i]) {
        uint32_t cp;
        size_t len = dw_decode(s + i, &cp);
        w += (size_t)dw_codepoint_width(cp);
        i += len;
    }
    return w;
}

size_t dw_width(const char *s)
{
    return dw_width_n(s, strlen(s));
}

static void put_n(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        unsigned char ch = (unsigned char)s[i];
        fputc(ch < 0x20 || ch == 0x7F ? '?' : ch, f);
    }
}

void dw_put(FILE *f, const char *s)
{
    put_n(f, s, strlen(s));
}

void dw_pad(FILE *f, size_t used, size_t width)
{
    for (; used < width; used++)
        fputc(' ', f);
}

void dw_put_padded(FILE *f, const char *s, size_t width)
{
    dw_put(f, s);
    dw_pad(f, dw_width(s), width);
}

size_t dw_columns(FILE *f)
{
    size_t cols = DW_DEFAULT_COLUMNS;
    int fd = fileno(f);
    if (fd >= 0 && isatty(fd)) {
        struct winsize ws;
        const char *env = getenv("COLUMNS");
        if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
            cols = ws.ws_col;
        } else if (env && *env) {
            char *end;
            unsigned long v = strtoul(env, &end, 10);
            if (*end == '\0' && v > 0 && v < 10000)
                cols = v;
        }
    }
    return cols < DW_MIN_COLUMNS ? DW_MIN_COLUMNS : cols;
}

/* Length in bytes of the next piece of text (at most n bytes) that is
 * never folded inside: up to and including the spaces after a break
 * opportunity. */
static size_t piece_len(const char *s, size_t n, dw_breaks breaks)
{
    size_t i = 0;
    if (breaks == DW_BREAK_DN) {
        while (i < n) {
            if (s[i] == '\\' && i + 1 < n) {
                i += 2; /* an escaped character never separates RDNs */
                continue;
            }
            if (i + 1 < n && s[i] == ',' && s[i + 1] == ' ')
                return i + 2;
            if (i + 2 < n && s[i] == ' ' && s[i + 1] == '+' && s[i + 2] == ' ')
                return i + 3;
            i++;
        }
        return n;
    }
    /* Text breaks at spaces (the space is dropped) and between two wide
     * characters (nothing is dropped) -- never between a narrow and a wide
     * one, so "2025年3月31日" stays whole and a fold is undone exactly:
     * join directly between two wide characters, with a space elsewhere. */
    bool prev_wide = false;
    while (i < n && s[i] != ' ') {
        uint32_t cp;
        size_t len = dw_decode(s + i, &cp);
        bool wide = dw_codepoint_width(cp) == 2;
        if (i > 0 && prev_wide && wide)
            return i;
        prev_wide = wide;
        i += len;
    }
    while (i < n && s[i] == ' ')
        i++;
    return i < n ? i : n;
}

typedef struct fold_state {
    FILE *f;
    size_t col, indent, width;
    size_t pending; /* spaces owed before the next piece on this line */
    bool line_empty;
} fold_state;

static void new_line(fold_state *st)
{
    fputc('\n', st->f);
    dw_pad(st->f, 0, st->indent);
    st->col = st->indent;
    st->pending = 0;
}

static void fold_span(fold_state *st, const char *s, size_t n, dw_breaks breaks)
{
    while (n > 0) {
        size_t len = piece_len(s, n, breaks), core = len;
        while (core > 0 && s[core - 1] == ' ')
            core--;
        size_t w = dw_width_n(s, core);
        if (!st->line_empty && st->col + st->pending + w > st->width)
            new_line(st);
        if (breaks == DW_BREAK_DN && w > st->width - st->indent) {
            /* An RDN too long for any line: fold it like text. */
            fold_span(st, s, core, DW_BREAK_TEXT);
        } else {
            dw_pad(st->f, 0, st->pending);
            st->col += st->pending;
            /* Too wide even for a line of its own: cut between characters. */
            for (size_t i = 0; i < core;) {
                uint32_t cp;
                size_t cl = dw_decode(s + i, &cp);
                size_t cw = (size_t)dw_codepoint_width(cp);
                if (st->col + cw > st->width && st->col > st->indent)
                    new_line(st);
                put_n(st->f, s + i, cl);
                st->col += cw;
                i += cl;
            }
            st->line_empty = false;
        }
        st->pending = len - core;
        s += len;
        n -= len;
    }
}

void dw_fold(FILE *f, const char *text, size_t col, size_t indent, size_t width, dw_breaks breaks)
{
    if (indent + 10 > width) /* a narrow tail still holds something */
        indent = width > 10 ? width - 10 : 0;
    /* Folded text is what people read: made terminal-safe by the one rule
     * (jpki_text_safe) first, so no caller can forget it. */
    size_t cap = 4 * strlen(text) + 1;
    char *safe = malloc(cap);
    if (safe)
        jpki_text_safe(text, safe, cap);
    const char *shown = safe ? safe : text; /* put_n still masks controls */
    fold_state st = {.f = f, .col = col, .indent = indent, .width = width, .line_empty = true};
    fold_span(&st, shown, strlen(shown), breaks);
    fputc('\n', f);
    free(safe);
}
