/* Locale set-up for the commands: call cli_locale_init() first thing in
 * main().  Human text then follows LANG/LC_ALL/LC_MESSAGES; machine output
 * does not depend on it (it never goes through _()). */
#ifndef JPKI_CLI_LOCALE_H
#define JPKI_CLI_LOCALE_H

#include "private/i18n.h"

/* setlocale(LC_ALL, "") and bind the "jpki-tools" domain to the catalog
 * directory cli_locale_dir() picks. */
void cli_locale_init(void);

/* Where the catalogs are looked for, first match wins:
 *   1. $JPKI_LOCALEDIR, when set and not empty;
 *   2. EXE_DIR/../locale when it holds our catalog -- a binary run from the
 *      build tree (build/bin/X finds build/locale/ja/LC_MESSAGES/...), with
 *      EXE_DIR from /proc/self/exe so neither cwd nor argv[0] matters;
 *   3. EXE_DIR/../share/locale when it holds our catalog -- an installed
 *      tree, wherever it was moved or staged (DESTDIR);
 *   4. LOCALEDIR given at compile time ($(PREFIX)/share/locale). */
const char *cli_locale_dir(void);

#endif
