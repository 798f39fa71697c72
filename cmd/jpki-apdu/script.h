/* jpki-apdu scripts: APDUs in hex, one per line (or one per argument), with
 * ${NAME} secret placeholders, expected-response patterns and a few
 * directives.  The grammar is documented in jpki-apdu(1). */
#ifndef JPKI_APDU_SCRIPT_H
#define JPKI_APDU_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jpki/jpki.h"

#define SCRIPT_SECRETS_MAX 8
#define SCRIPT_SECRET_NAME_MAX 32
#define SCRIPT_LINE_MAX (256u * 1024u) /* an extended APDU in spaced hex fits */
#define SCRIPT_STEPS_MAX 100000u
#define EXPECT_ALTS_MAX 8

/* Where a byte of a command comes from: literal hex, a secret's value, or
 * a secret's length (${#NAME}).  Checked against the PIN mask before any
 * command is sent, so secrets only go where traces redact them and literal
 * bytes never go where a PIN belongs. */
typedef enum byte_origin { ORIGIN_LITERAL = 0, ORIGIN_SECRET, ORIGIN_SECRET_LEN } byte_origin;

/* One piece of a command template. */
typedef struct piece {
    byte_origin origin;
    int secret;         /* ORIGIN_SECRET / _LEN: index into script.names */
    size_t off, len;    /* ORIGIN_LITERAL: bytes in step.lit */
} piece;

/* Response pattern: data nibbles (with x wildcards), then SW nibbles. */
typedef struct expect_alt {
    uint8_t data[2 * 256]; /* nibble values, 0x10 = wildcard */
    size_t data_nibbles;
    bool data_checked;     /* false: only the SW was given */
    bool data_prefix;      /* a trailing '*': more data may follow */
    uint8_t sw[4];
} expect_alt;

typedef struct expect {
    expect_alt alt[EXPECT_ALTS_MAX];
    size_t n;
    char text[96];         /* as written, for messages */
} expect;

typedef enum step_kind { STEP_APDU, STEP_RESET } step_kind;

typedef struct step {
    step_kind kind;
    char where[160];       /* "FILE:3" or "argument 2" */
    uint8_t *lit;          /* literal bytes */
    size_t lit_len;
    piece *pieces;
    size_t npieces;
    bool templated;        /* has placeholders: Lc is computed */
    bool has_expect;
    expect exp;
} step;

typedef struct script {
    step *steps;
    size_t n, cap;
    char names[SCRIPT_SECRETS_MAX][SCRIPT_SECRET_NAME_MAX + 1];
    size_t nnames;         /* in order of first use */
} script;

void script_init(script *s);
void script_free(script *s);

/* Parse one line (a file line or a whole argument).  where names it in
 * messages.  Errors are one line in err (JPKI_ERR_FORMAT/LIMIT). */
jpki_rc script_add_line(script *s, const char *line, const char *where, jpki_error *err);
/* Read every line of f (file name for messages). */
jpki_rc script_read(script *s, FILE *f, const char *name, jpki_error *err);

/* Build the command of a step with the secrets' values (NULL when the
 * script has no placeholders; indexed like names).  out holds
 * JPKI_CAPDU_MAX bytes.  Checks the result: a valid APDU of 4 bytes or
 * more, secrets only in PIN data, PIN data never literal. */
jpki_rc script_build(const script *s, const step *st, const jpki_secret *secrets,
                     uint8_t *out, size_t *len, jpki_error *err);

/* Does the response match?  On a mismatch, why (one line) goes to why. */
bool expect_match(const expect *e, const jpki_response *r, char *why, size_t n);

#endif
