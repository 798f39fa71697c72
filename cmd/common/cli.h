/* Glue shared by the jpki-* commands: exit codes, one-line errors, the
 * common options (--reader, --trace, --trace-file) and opening the card.
 * Documented in jpki-tools(7)-style EXIT STATUS sections of every man page. */
#ifndef JPKI_CLI_H
#define JPKI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "jpki/jpki.h"

/* Exit codes of every command except jpki-expiry-check (which answers
 * 0 valid / 1 expiring / 2 expired / 3 unknown, like a monitoring plugin). */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAIL = 1,     /* the operation failed (card refused, CA failed, ...) */
    CLI_EXIT_USAGE = 2,    /* bad arguments or malformed input */
    CLI_EXIT_NO_CARD = 3,  /* no pcscd, no reader, no card, card removed */
    CLI_EXIT_PIN = 4,      /* wrong/blocked PIN, bad PIN format, last try refused */
    CLI_EXIT_AUTH = 5,     /* issuer key missing or rejected */
    CLI_EXIT_PARTIAL = 6,  /* batch: some cards failed, others succeeded */
    CLI_EXIT_INTERRUPTED = 7 /* stopped part-way; state is resumable */
};

/* The exit code for bad arguments found by the shared option code
 * (CLI_EXIT_USAGE; jpki-expiry-check sets its "unknown", 3, since its 2
 * means "expired"). */
extern int cli_usage_exit;

/* Map a library code to the exit code above. */
int cli_exit_for(jpki_rc rc);

/* "PROG: message" on stderr, one line.  Returns cli_exit_for(err->code). */
int cli_report(const char *prog, const jpki_error *err);
/* "PROG: <printf>" on stderr, one line. */
void cli_errorf(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What --version prints, the same in every binary: "PROG (jpki-tools)
 * VERSION" on stdout, VERSION being JPKI_VERSION (include/jpki/jpki.h,
 * where the Makefile takes it from too). */
void cli_print_version(const char *prog);

/* Options every card-touching command accepts. */
typedef struct cli_common {
    const char *reader;     /* -r/--reader SPEC (see jpki_pcsc_open) */
    bool trace;             /* --trace or JPKI_TRACE=1: annotated APDUs on stderr */
    const char *trace_file; /* --trace-file F or JPKI_TRACE_FILE: CBOR session */
    jpki_trace *tr;         /* built by cli_open */
    bool changes_card;      /* set by commands that change a card: with several
                               cards present and no reader named, cli_open
                               refuses to guess (exit 2) */
} cli_common;

/* Fill defaults from the environment (JPKI_TRACE, JPKI_TRACE_FILE, JPKI_READER). */
void cli_common_init(cli_common *cc);

/* Handle one of the common long options inside a getopt_long loop.
 * Returns true if opt was one of CLI_OPT_*; the caller's option table
 * includes CLI_COMMON_LONGOPTS. */
#define CLI_OPT_READER 0x1001
#define CLI_OPT_TRACE 0x1002
#define CLI_OPT_TRACE_FILE 0x1003
#define CLI_COMMON_LONGOPTS \
    {"reader", required_argument, NULL, CLI_OPT_READER}, \
    {"trace", no_argument, NULL, CLI_OPT_TRACE}, \
    {"trace-file", required_argument, NULL, CLI_OPT_TRACE_FILE}
/* An empty reader name (-r "") is refused here, for every command: it
 * exits 2 with a one-line error (it used to mean the default reader). */
bool cli_common_option(cli_common *cc, int opt, const char *arg);
/* An option that takes a value is given once: a second --to, --pin-file,
 * --reader or --cert is refused (which one was meant?).  Call for every
 * option getopt_long returns with optarg set; true (after a one-line
 * error) when opt was seen before -- the caller exits cli_usage_exit. */
struct option;
bool cli_repeated_value(const char *prog, int opt, const struct option *longopts);
/* Short option letters of the common options (-r SPEC), for the optstring
 * of getopt_long; cli_common_option also accepts 'r'. */
#define CLI_COMMON_SHORTOPTS "r:"
/* The common options' lines of --help, in the user's language. */
void cli_common_help(FILE *f);

/* A reader spec "replay:FILE" plays a recorded CBOR trace back as the card
 * (jpki_replay_transport_open), so any command can reproduce a session. */
#define CLI_REPLAY_PREFIX "replay:"

/* Open the reader (or, with reader NULL, cc->reader) with tracing wired up.
 * With no reader named at all and cc->changes_card, several cards present
 * is JPKI_ERR_ARG "N cards present (readers ...): name one with -r". */
jpki_rc cli_open(cli_common *cc, const char *reader, jpki_transport **t, jpki_error *err);
/* Trace t's exchanges into tr, which first records t's reader and ATR. */
void cli_trace_card(jpki_trace *tr, jpki_transport *t);
/* Close transport (may be NULL) and the trace. */
void cli_close(cli_common *cc, jpki_transport *t);

#endif
