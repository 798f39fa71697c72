/* The --watch loop shared by jpki-status and jpki-expiry-check: wait for
 * cards (libjpki's jpki_pcsc_wait_*), hand each inserted card's reader to
 * the command, note readers coming and going on stderr, and end cleanly on
 * SIGINT/SIGTERM so the command can print its summary. */
#ifndef JPKI_CLI_WATCH_H
#define JPKI_CLI_WATCH_H

#include <stdbool.h>

/* Called once per insertion with the reader's name; returns false to stop
 * watching (stdout is gone: nobody reads the records any more). */
typedef bool (*cli_watch_card_fn)(void *ctx, const char *reader);

/* Watch every reader until SIGINT or SIGTERM (CLI_EXIT_OK), on_card asks
 * to stop (CLI_EXIT_FAIL), or pcscd cannot be reached or goes away
 * (CLI_EXIT_NO_CARD, with a one-line error).  SIGINT and SIGTERM are
 * blocked in the calling thread for the duration and taken by a helper
 * thread, so a card being read when the signal comes is finished first. */
int cli_watch(const char *prog, cli_watch_card_fn on_card, void *ctx);

#endif
