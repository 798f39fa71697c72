/* `jpki-apdu spy -- COMMAND [ARGS...]` (spy.c). */
#ifndef JPKI_APDU_SPY_H
#define JPKI_APDU_SPY_H

#include "cli.h"

/* Run cmd (NULL-terminated argv) with pcsc-lite's spy library in front of
 * libpcsclite.so.1 and print its APDU traffic, annotated and PIN-redacted,
 * on stderr; cc->trace_file records it as a CBOR trace too.  Returns the
 * program's exit status (128 + N when killed by signal N, 127 when it
 * cannot be run), 1 when the spy cannot be set up. */
int spy_run(const char *prog, cli_common *cc, char **cmd);

#endif
