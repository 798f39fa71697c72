/* Running a parsed jpki-apdu script against a transport, printing each
 * exchange and checking expectations; reading placeholder values; printing
 * a recorded trace. */
#ifndef JPKI_APDU_RUN_H
#define JPKI_APDU_RUN_H

#include <stdbool.h>

#include "script.h"

typedef enum out_mode { OUT_ANNOTATED, OUT_HEX, OUT_QUIET } out_mode;

typedef struct run_opts {
    out_mode out;
    bool keep_going;  /* after a failed expectation, go on (exit 1 at the end) */
} run_opts;

/* Exit code of jpki-apdu(1): 0, 1 (expectation failed / card or transmit
 * failure), 3 (card gone) ... as cli_exit_for. */
int run_script(const char *prog, const script *s, const jpki_secret *secrets,
               jpki_transport *t, const run_opts *o);

/* Values for the script's placeholders, in order of first use: one line
 * each from pin_fd (>= 0), else from pin_file (must be private), else the
 * terminal. */
jpki_rc secrets_read(const script *s, int pin_fd, const char *pin_file, jpki_secret *out,
                     jpki_error *err);

/* `jpki-apdu replay FILE`: print a recorded session, annotated. */
int replay_print(const char *prog, const char *path);

#endif
