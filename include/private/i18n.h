/* The one place for message translation (GNU gettext, text domain
 * "jpki-tools"; catalogs in po/, built into LOCALEDIR/LANG/LC_MESSAGES).
 *
 * Not installed (only include/jpki/ is): both libjpki and the commands
 * use it.  _() is dgettext with our domain rather than gettext(), because
 * a library must never call textdomain() -- the program using libjpki owns
 * the default domain.  The commands bind the domain once, in
 * cmd/common/cli_locale.c (cli_locale_init).
 *
 * Adding a message: wrap the literal in place -- _("...") where it is
 * printed, N_("...") where it only sits in a table (translate it with _()
 * when printing), P_(one, many, n) for a count.  Formats passed to
 * jpki_error_set, jpki_error_prefix, cli_errorf (and the few helpers named
 * in the Makefile's XGETTEXT_KEYWORDS) are translated by those functions:
 * pass literals, do not wrap them.  Arguments are not translated; a word
 * for people as an argument of a library error goes through
 * lib/error_internal.h, so records keep English (jpki_error.message_c).
 * Then `make pot` and add the Japanese to po/ja.po; t_i18n_complete fails
 * while any message lacks a translation.
 *
 * Machine output (JSON, CBOR, traces, journals, exit codes) must never
 * go through _(). */
#ifndef JPKI_PRIVATE_I18N_H
#define JPKI_PRIVATE_I18N_H

#include <libintl.h>

#define JPKI_TEXTDOMAIN "jpki-tools"

#define _(s) dgettext(JPKI_TEXTDOMAIN, s)
#define N_(s) s
/* Counted text: P_("%d day left", "%d days left", n) -- Japanese has one form. */
#define P_(one, many, n) dngettext(JPKI_TEXTDOMAIN, one, many, (unsigned long)(n))

#endif
