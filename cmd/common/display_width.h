/* How wide text is on a terminal, and text laid out to fit one: the one
 * place every command's human output measures, pads and folds text.
 *
 * Widths come from our own table (display_width_table.h, generated from
 * Unicode data by tools/gen-display-width.py), not from wcwidth(): under
 * LANG=C wcwidth() calls every non-ASCII character unprintable, and the
 * layout of a report must not change with the locale it is printed in.
 * East Asian Wide and Fullwidth characters are two columns, combining
 * marks and format characters zero, everything else one; a byte that is
 * not valid UTF-8 counts one (terminals show it as one replacement
 * character).  Control characters are printed as '?' (card and
 * certificate text can hold anything). */
#ifndef JPKI_DISPLAY_WIDTH_H
#define JPKI_DISPLAY_WIDTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Width of the human output when stdout is not a terminal (and the
 * narrowest layout we fold to, whatever the terminal says). */
#define DW_DEFAULT_COLUMNS 100
#define DW_MIN_COLUMNS 60

/* The Unicode version the width table was generated from. */
const char *dw_unicode_version(void);
/* Columns of one code point: 0, 1 or 2. */
int dw_codepoint_width(uint32_t cp);
/* Decode one UTF-8 sequence at s (s[0] != '\0'): returns its length in
 * bytes, *cp the code point, or 1 and *cp = 0xFFFD for a bad sequence. */
size_t dw_decode(const char *s, uint32_t *cp);
/* Columns of a NUL-terminated UTF-8 string, and of its first n bytes. */
size_t dw_width(const char *s);
size_t dw_width_n(const char *s, size_t n);

/* Write s with control characters as '?'. */
void dw_put(FILE *f, const char *s);
/* Write s, then spaces up to width columns (nothing when s is wider). */
void dw_put_padded(FILE *f, const char *s, size_t width);
/* Spaces from column used up to column width. */
void dw_pad(FILE *f, size_t used, size_t width);

/* The columns human output may use on f: the terminal's width
 * (TIOCGWINSZ, else $COLUMNS) when f is a terminal, otherwise
 * DW_DEFAULT_COLUMNS; never below DW_MIN_COLUMNS. */
size_t dw_columns(FILE *f);

/* Where text may be folded. */
typedef enum dw_breaks {
    DW_BREAK_TEXT, /* after spaces and between wide characters */
    DW_BREAK_DN    /* only after an RDN separator (", " or " + " not escaped by '\') */
} dw_breaks;

/* Write text that starts at column col, folding it so that no line is
 * wider than width: continuation lines start with indent spaces.  A piece
 * that fits on no line is cut between characters.  Ends with a newline. */
void dw_fold(FILE *f, const char *text, size_t col, size_t indent, size_t width, dw_breaks breaks);

#endif
