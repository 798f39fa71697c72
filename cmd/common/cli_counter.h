/* Glue for the counter (issuer) commands jpki-reset-pin and
 * jpki-face-auth-switch: issuer key options, entering new PINs (twice on a
 * terminal, or from --pin-fd / --pin-file -- never argv), yes/no
 * confirmation on the terminal, and printing PIN states.  Every function
 * that can fail prints one line "PROG: ..." on stderr and returns the exit
 * code of cli.h (CLI_EXIT_OK on success). */
#ifndef JPKI_CLI_COUNTER_H
#define JPKI_CLI_COUNTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "jpki/jpki.h"

/* Long options shared by both commands (values outside CLI_OPT_*). */
#define COUNTER_OPT_KEY_FILE 0x1101
#define COUNTER_OPT_KEY_FD 0x1102
#define COUNTER_OPT_PIN_FD 0x1103
#define COUNTER_OPT_PIN_FILE 0x1104
#define COUNTER_OPT_YES 0x1105
#define COUNTER_LONGOPTS \
    {"issuer-key-file", required_argument, NULL, COUNTER_OPT_KEY_FILE}, \
    {"issuer-key-fd", required_argument, NULL, COUNTER_OPT_KEY_FD}, \
    {"pin-fd", required_argument, NULL, COUNTER_OPT_PIN_FD}, \
    {"pin-file", required_argument, NULL, COUNTER_OPT_PIN_FILE}, \
    {"yes", no_argument, NULL, COUNTER_OPT_YES}

typedef struct counter_opts {
    const char *key_file; /* --issuer-key-file */
    int key_fd;           /* --issuer-key-fd, -1 = none */
    const char *pin_file; /* --pin-file */
    int pin_fd;           /* --pin-fd, -1 = none */
    bool yes;             /* --yes: no confirmation question */
} counter_opts;

void counter_opts_init(counter_opts *o);
/* Handle one of COUNTER_OPT_*: returns 1 if handled, 0 if opt is not ours,
 * or -1 after printing a usage error (bad fd number). */
int counter_option(const char *prog, counter_opts *o, int opt, const char *arg);
/* Checks the combinations (exactly one issuer key source, at most one PIN
 * source) before anything is read.  Returns an exit code. */
int counter_opts_check(const char *prog, const counter_opts *o);

/* Load the issuer key from the source given in o.  Every failure is
 * CLI_EXIT_AUTH (the key is missing or unusable). */
int counter_load_issuer_key(const char *prog, const counter_opts *o, jpki_issuer_key *k);

/* Read n new PINs, ids[i] into out[i], each checked against its rules:
 *   --pin-fd N    one PIN per line, in the order of ids
 *   --pin-file F  the same lines from a file nobody else may read
 *   otherwise     from the terminal without echo, each entered twice.
 * On failure everything already read is wiped. */
int counter_read_new_pins(const char *prog, const counter_opts *o, const jpki_pin_id *ids,
                          size_t n, jpki_secret *out);

/* True if this process has a controlling terminal to ask on. */
bool counter_have_tty(void);
/* Before touching the card: without --yes a terminal is needed. */
int counter_require_confirmation_path(const char *prog, const counter_opts *o);
/* Ask "QUESTION [yes/no]" on the controlling terminal; *yes for "yes"/"y".
 * False (and *yes false) when there is no terminal to ask on. */
bool counter_ask(const char *question, bool *yes);
/* Ask "QUESTION [yes/no]" on the terminal unless o->yes.  "yes"/"y" goes
 * on (CLI_EXIT_OK); anything else is CLI_EXIT_FAIL with "cancelled". */
int counter_confirm(const char *prog, const counter_opts *o, const char *question);

/* Open the reader (refusing to guess among several cards when none is
 * named: exit 2), hold one PC/SC transaction, run op(card, ctx, err),
 * and end by resetting the card so no issuer session or verified PIN
 * outlives the command.  Returns op's exit code, or the one for a failure
 * to open the card (reported here). */
typedef int (*counter_card_op)(jpki_card *card, void *ctx, jpki_error *err);
int counter_run_on_card(const char *prog, cli_common *cc, counter_card_op op, void *ctx);

/* Which card this is, for the confirmation and the report: "card SERIAL
 * (reader 'NAME')", the serial from the common record (jpki_read_card_id),
 * both terminal-safe; serial gets the raw serial ("" if unreadable).  Read
 * before the issuer session starts. */
void counter_card_label(jpki_card *card, char serial[16], char *buf, size_t n);

/* counter_confirm without holding the reader while a person thinks: unless
 * o->yes, the transaction is ended (card reset: the issuer session ends
 * too), the question asked, the reader taken again and the card checked to
 * be the same one (serial).  *released says whether that happened: the
 * caller then opens its issuer session again and re-reads what it
 * decided on.  Returns an exit code (reported here). */
int counter_confirm_released(const char *prog, const counter_opts *o, jpki_card *card,
                             const char *serial, const char *question, bool *released);

/* "auth PIN (user authentication)" etc., for messages. */
const char *counter_pin_title(jpki_pin_id id);
/* Read a PIN's retry state (never spends a try) and describe it into buf:
 * "3 of 3 tries left", "blocked (0 of 3 tries left)", "disabled
 * (face-authentication card)", "not present". */
jpki_rc counter_pin_state(jpki_card *c, jpki_pin_id id, bool face_mode, char *buf, size_t n,
                          jpki_pin_status *st, jpki_error *err);

#endif
