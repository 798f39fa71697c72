/* Secrets (PINs, passwords, issuer keys): read from a terminal without echo,
 * a file descriptor or a private file -- never argv -- kept in locked memory
 * where possible and wiped after use. */
#ifndef JPKI_SECRET_H
#define JPKI_SECRET_H

#include "jpki/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define JPKI_SECRET_MAX 64

typedef struct jpki_secret {
    uint8_t buf[JPKI_SECRET_MAX];
    size_t len;
} jpki_secret;

typedef enum jpki_pin_id {
    JPKI_PIN_AUTH = 0,     /* user-authentication PIN, 4 digits, 3 tries */
    JPKI_PIN_SIGN = 1,     /* signature password, 6-16 [A-Z0-9], 5 tries */
    JPKI_PIN_CARDINFO = 2, /* card-info input support PIN, 4 digits, 3 tries */
    JPKI_PIN_REGISTRY = 3  /* resident-registry PIN, 4 digits, 3 tries */
} jpki_pin_id;
#define JPKI_PIN_COUNT 4

/* Overwrite with zeros in a way the compiler keeps. */
JPKI_API void jpki_wipe(void *p, size_t n);
/* Zero the secret's buffer and length; NULL is a no-op. */
JPKI_API void jpki_secret_wipe(jpki_secret *s);

/* Read one line (without the newline) from a terminal with echo off,
 * showing prompt on the terminal (not stdout).  JPKI_ERR_IO if there is no
 * terminal. */
JPKI_API jpki_rc jpki_secret_read_tty(const char *prompt, jpki_secret *out, jpki_error *err);
/* Read one line from fd (not closed).  Reading stops at the newline, so
 * several secrets can come one per line from the same fd. */
JPKI_API jpki_rc jpki_secret_read_fd(int fd, jpki_secret *out, jpki_error *err);
/* Read the first line of a private file (jpki_secret_open_private). */
JPKI_API jpki_rc jpki_secret_read_file(const char *path, jpki_secret *out, jpki_error *err);

/* Where secrets may come from -- the one rule for all tools and files.
 *
 * A descriptor number on a command line (--pin-fd, --issuer-key-fd):
 * strict decimal, 0..JPKI_SECRET_FD_MAX.  The limit is the kernel's default
 * ceiling for open files (fs.nr_open); larger numbers cannot be open. */
#define JPKI_SECRET_FD_MAX (1 << 20)
JPKI_API jpki_rc jpki_secret_parse_fd(const char *fd_text, int *fd, jpki_error *err);
/* Open a file that holds secrets (--pin-file, PIN maps, issuer keys):
 * O_RDONLY|O_CLOEXEC|O_NOCTTY, then on the opened file (so it cannot be
 * swapped in between): a regular file, owned by the effective user, no
 * group or other permission bits.  JPKI_ERR_IO if it cannot be opened,
 * JPKI_ERR_ARG if it breaks the rule; the message names the path. */
JPKI_API jpki_rc jpki_secret_open_private(const char *path, int *fd, jpki_error *err);
/* One line from the descriptor written as fd_text (parse + read). */
JPKI_API jpki_rc jpki_secret_from_fd(const char *fd_text, jpki_secret *out, jpki_error *err);
/* The first line of a private file (same as jpki_secret_read_file). */
JPKI_API jpki_rc jpki_secret_from_file(const char *path, jpki_secret *out, jpki_error *err);

/* Check a PIN against its rules before it goes near a card. */
JPKI_API jpki_rc jpki_pin_check_format(jpki_pin_id id, const jpki_secret *pin, jpki_error *err);
JPKI_API const char *jpki_pin_name(jpki_pin_id id);   /* "auth", "sign", "cardinfo", "registry" */
JPKI_API int jpki_pin_max_tries(jpki_pin_id id);
/* Parse "auth"/"sign"/"cardinfo"/"registry" (also "card-info", "resident"). */
JPKI_API jpki_rc jpki_pin_parse_name(const char *s, jpki_pin_id *out, jpki_error *err);

/* Disable core dumps and ptrace attach for this process (prctl). */
JPKI_API void jpki_secret_protect_process(void);

#ifdef __cplusplus
}
#endif
#endif
