/* Colour for state words (valid, expiring, expired, blocked) in human
 * output on a terminal: --color=auto|always|never, the NO_COLOR
 * convention (no-color.org) and TERM=dumb.  Machine output (JSON, CBOR)
 * is never coloured: callers only paint what they print for people. */
#ifndef JPKI_CLI_COLOR_H
#define JPKI_CLI_COLOR_H

#include <stdbool.h>
#include <stdio.h>

typedef enum cli_color_mode { CLI_COLOR_AUTO = 0, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER } cli_color_mode;

/* The state a word reports, which decides its colour. */
typedef enum cli_tone {
    CLI_TONE_PLAIN = 0, /* no colour */
    CLI_TONE_GOOD,      /* valid, ok: green */
    CLI_TONE_WARN,      /* expiring, some tries used: yellow */
    CLI_TONE_BAD,       /* expired, unknown: red */
    CLI_TONE_BLOCKED    /* a blocked PIN: bold red */
} cli_tone;

/* Text for --help (the option is "--color WHEN" in every command). */
/* The --color lines of --help, in the user's language. */
void cli_color_help(FILE *f);

/* "auto", "always" or "never"; false for anything else. */
bool cli_color_parse(const char *arg, cli_color_mode *mode);
/* Whether to colour what goes to f: always / never, or for auto: f is a
 * terminal, TERM is not "dumb" and NO_COLOR is unset or empty. */
bool cli_color_wanted(cli_color_mode mode, FILE *f);
/* Write word in its tone's colour (plain when on is false). */
void cli_color_put(FILE *f, bool on, cli_tone tone, const char *word);

#endif
