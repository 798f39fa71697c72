/* Counter (issuer) operations of jpki-tools' issuance profile: see
 * jpki/profile.h and jpki-card-profile(7). */
#ifndef JPKI_ISSUER_H
#define JPKI_ISSUER_H

#include "jpki/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


#include "jpki/card.h"
#include "jpki/error.h"
#include "jpki/profile.h"
#include "jpki/pubkey.h"
#include "jpki/secret.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jpki_issuer_key {
    uint8_t key[JPKI_ISSUER_KEY_LEN];
} jpki_issuer_key;

/* Issuer key file format: 32 hex digits on the first line (comments '#'
 * and blank lines allowed before it).  The file must not be group/world
 * readable.  From an fd: the same text. */
JPKI_API jpki_rc jpki_issuer_key_load_file(const char *path, jpki_issuer_key *k, jpki_error *err);
JPKI_API jpki_rc jpki_issuer_key_load_fd(int fd, jpki_issuer_key *k, jpki_error *err);
/* Overwrite the key bytes so the issuer key does not linger in memory;
 * NULL is a no-op.  Call it once the key is no longer needed. */
JPKI_API void jpki_issuer_key_wipe(jpki_issuer_key *k);

/* GET CHALLENGE + MUTUAL AUTHENTICATE; verifies the card's answer too. */
JPKI_API jpki_rc jpki_issuer_authenticate(jpki_card *c, const jpki_issuer_key *k, jpki_error *err);

typedef struct jpki_key_state {
    bool active;          /* an active key exists */
    bool pending;         /* a pending key was generated */
    bool pending_cert;    /* pending certificate bytes were written */
    size_t pending_cert_len;
    size_t active_cert_len;
} jpki_key_state;

typedef struct jpki_issuance_status {
    bool face_mode;
    jpki_key_state key[2]; /* indexed by jpki_key_kind */
} jpki_issuance_status;

/* GET DATA the card's issuance status into *st (caller-owned, no heap
 * memory).  JPKI_ERR_ARG for a missing argument; card and format errors as
 * jpki_rc with err filled. */
JPKI_API jpki_rc jpki_issuance_status_get(jpki_card *c, jpki_issuance_status *st, jpki_error *err);

/* Generate (or, with generate=false, read back) the pending key pair of
 * key; fills pub (made by the caller with jpki_pubkey_new and freed by it;
 * emptied on error). */
JPKI_API jpki_rc jpki_keypair_pending(jpki_card *c, jpki_key_kind key, bool generate,
                             jpki_pubkey *pub, jpki_error *err);

/* UPDATE BINARY the certificate into the pending buffer, then ACTIVATE. */
JPKI_API jpki_rc jpki_cert_write_pending(jpki_card *c, jpki_key_kind key,
                                const uint8_t *der, size_t len, jpki_error *err);
JPKI_API jpki_rc jpki_cert_activate(jpki_card *c, jpki_key_kind key, jpki_error *err);

/* RESET RETRY COUNTER: newpin NULL = unblock only (not for the sign PIN). */
JPKI_API jpki_rc jpki_pin_reset(jpki_card *c, jpki_pin_id id, const jpki_secret *newpin,
                       jpki_error *err);

/* Face-authentication mode on (pins NULL) or off (four new PINs indexed by
 * jpki_pin_id). */
JPKI_API jpki_rc jpki_face_mode_enter(jpki_card *c, jpki_error *err);
JPKI_API jpki_rc jpki_face_mode_leave(jpki_card *c, const jpki_secret pins[JPKI_PIN_COUNT],
                             jpki_error *err);

#ifdef __cplusplus
}
#endif
#endif
