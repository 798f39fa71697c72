/* Binding the text domain: see cli_locale.h for the search order. */
#include <limits.h>
#include <stdbool.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_locale.h"

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/local/share/locale"
#endif

/* EXE_DIR/REL if a catalog of ours is under it, into buf. */
static bool exe_relative_dir(const char *rel, char *buf, size_t n)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return false;
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return false;
    *slash = '\0';
    int w = snprintf(buf, n, "%s/%s", exe, rel);
    if (w < 0 || (size_t)w >= n)
        return false;
    /* Any language will do as the marker; ja is the one we ship. */
    char probe[PATH_MAX + 64];
    snprintf(probe, sizeof probe, "%s/ja/LC_MESSAGES/" JPKI_TEXTDOMAIN ".mo", buf);
    return access(probe, R_OK) == 0;
}

const char *cli_locale_dir(void)
{
    static char dir[PATH_MAX];
    const char *env = getenv("JPKI_LOCALEDIR");
    if (env && *env)
        return env;
    if (exe_relative_dir("../locale", dir, sizeof dir) ||
        exe_relative_dir("../share/locale", dir, sizeof dir))
        return dir;
    return LOCALEDIR;
}

void cli_locale_init(void)
{
    setlocale(LC_ALL, "");
    /* Numbers in records are written by hand or with "%d"-style formats
     * that LC_NUMERIC could change (a decimal comma): keep it "C". */
    setlocale(LC_NUMERIC, "C");
    bindtextdomain(JPKI_TEXTDOMAIN, cli_locale_dir());
    textdomain(JPKI_TEXTDOMAIN);
}
