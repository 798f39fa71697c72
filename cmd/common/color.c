/* Colouring state words for people (see color.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "color.h"
#include "display_width.h"
#include "private/i18n.h"

bool cli_color_parse(const char *arg, cli_color_mode *mode)
{
    static const struct {
        const char *name;
        cli_color_mode mode;
    } names[] = {{"auto", CLI_COLOR_AUTO}, {"always", CLI_COLOR_ALWAYS}, {"never", CLI_COLOR_NEVER}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(arg, names[i].name) == 0) {
            *mode = names[i].mode;
            return true;
        }
    return false;
}

bool cli_color_wanted(cli_color_mode mode, FILE *f)
{
    if (mode != CLI_COLOR_AUTO)
        return mode == CLI_COLOR_ALWAYS; /* an explicit choice beats NO_COLOR */
    const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
    if (no_color && *no_color)
        return false;
    if (!term || !*term || strcmp(term, "dumb") == 0)
        return false;
    int fd = fileno(f);
    return fd >= 0 && isatty(fd);
}

void cli_color_put(FILE *f, bool on, cli_tone tone, const char *word)
{
    static const char *const sgr[] = {
        [CLI_TONE_GOOD] = "32", [CLI_TONE_WARN] = "33", [CLI_TONE_BAD] = "31", [CLI_TONE_BLOCKED] = "1;31"};
    if (!on || tone == CLI_TONE_PLAIN) {
        dw_put(f, word);
        return;
    }
    fprintf(f, "\033[%sm", sgr[tone]);
    dw_put(f, word);
    fputs("\033[0m", f);
}

void cli_color_help(FILE *f)
{
    fputs(_("      --color WHEN       colour state words: auto (default: on a terminal,\n"
            "                         unless NO_COLOR is set or TERM=dumb), always, never\n"),
          f);
}
