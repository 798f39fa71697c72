/* --ca-cmd: the CA as a shell command.  The CSR (PEM) goes to its stdin,
 * the certificate (PEM or DER, maybe with its chain) comes from its stdout.
 * Card data never becomes part of the command line: the command sees it
 * only as environment variables (JPKI_CERT_KIND=auth|sign,
 * JPKI_CARD_SERIAL=15 digits). */
#ifndef JPKI_RENEW_CA_CMD_H
#define JPKI_RENEW_CA_CMD_H

#include "jpki/jpki.h"
#include "jpki/renew.h"

#define CA_CMD_DEFAULT_TIMEOUT 120 /* seconds */
#define CA_CMD_MAX_OUTPUT (256 * 1024)

typedef struct ca_cmd {
    const char *cmd;
    int timeout_s;
} ca_cmd;

/* jpki_ca_issue_fn over a ca_cmd.  A command that fails, times out (its
 * whole process group is killed), prints nothing or too much is
 * JPKI_ERR_IO with a one-line reason (its last line of stderr, if any). */
jpki_rc ca_cmd_issue(void *ctx, jpki_key_kind kind, const char *serial,
                     const uint8_t *csr, size_t csr_len, uint8_t **out, size_t *out_len,
                     jpki_error *err);

/* Catch SIGINT, SIGTERM and SIGHUP (unless ignored on entry) so that one
 * arriving while a key is being renewed stops the renewal at its next
 * safe point (jpki_renew_interrupt): a CA command running then has its
 * process group ended, a certificate issued is journaled first; the key
 * stays pending (exit 7, resumable).  At other moments they act as usual. */
void ca_cmd_catch_signals(void);
/* The signal caught, or 0: a batch starts no further card after one. */
int ca_cmd_stop_signal(void);

#endif
