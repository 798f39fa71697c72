/* Where jpki-renew gets PINs: the holder types them (terminal without echo,
 * --pin-fd, --pin-file), the counter enters them from the sealed
 * inquiry-and-answer form (--proxy, same sources), or, in batch mode, a PIN
 * map file keyed by card serial.  See jpki-renew(1), PIN SOURCES. */
#ifndef JPKI_RENEW_PINS_H
#define JPKI_RENEW_PINS_H

#include <stdbool.h>

#include "jpki/jpki.h"

/* PIN provider: fill *out with the PIN id for card serial. */
typedef jpki_rc (*pin_get_fn)(void *ctx, const char *serial, jpki_pin_id id,
                              jpki_secret *out, jpki_error *err);

/* ---- one card: fd, file or terminal ---- */

typedef struct pin_source {
    int fd;            /* --pin-fd, -1 if not given */
    const char *file;  /* --pin-file, NULL if not given */
    bool proxy;        /* prompts say the PIN comes from the inquiry form */
    unsigned kinds;    /* bit (1 << jpki_key_kind) of the --cert set: which lines come */
    bool loaded;
    bool have[3];      /* auth, sign, card-info */
    jpki_secret line[3];
} pin_source;

void pin_source_init(pin_source *s);
/* pin_get_fn over a pin_source.  From --pin-fd/--pin-file: one line per
 * certificate of the --cert set, auth PIN first, then the signature
 * password, then optionally the card-info PIN (needed only to issue a
 * signature certificate on a card that has none); all read at the first
 * request; fewer lines are fine as long as the PINs actually needed are
 * there.  Otherwise asked on the terminal, only when needed. */
jpki_rc pin_source_get(void *ctx, const char *serial, jpki_pin_id id, jpki_secret *out,
                       jpki_error *err);
/* Ask on the terminal now, before the card is taken, for the PINs of the
 * --cert set (auth PIN, signature password): a holder typing slowly must
 * not keep the reader locked against every other program.  Only the
 * card-info PIN, needed just when the card has no signature certificate,
 * is still asked when the card says so.  No-op with --pin-fd/--pin-file. */
jpki_rc pin_source_prefetch(pin_source *s, jpki_error *err);
/* True when the PINs would be typed on a terminal that is there (no
 * --pin-fd/--pin-file, and a controlling terminal to ask on). */
bool pin_source_needs_tty(const pin_source *s);
void pin_source_close(pin_source *s); /* wipes */

/* ---- batch: the PIN map ---- */

/* A text file, mode 0600 (no group/other bits), one card per line:
 *     SERIAL AUTH-PIN SIGN-PASSWORD [CARDINFO-PIN]
 * '-' for a PIN not given; blank lines and lines starting with '#' are
 * ignored.  At most PIN_MAP_MAX_BYTES. */
#define PIN_MAP_MAX_BYTES (1024 * 1024)

typedef struct pin_map pin_map;

jpki_rc pin_map_load_file(const char *path, pin_map **out, jpki_error *err);
jpki_rc pin_map_load_fd(int fd, pin_map **out, jpki_error *err);
/* pin_get_fn over a pin_map: JPKI_ERR_NOT_FOUND when the serial or the
 * PIN is not in the map.  Thread-safe (read-only after loading). */
jpki_rc pin_map_get(void *ctx, const char *serial, jpki_pin_id id, jpki_secret *out,
                    jpki_error *err);
/* The certificates a card's map entry declines with '-' (KIND bits:
 * 1 << JPKI_KEY_AUTH for the auth PIN, 1 << JPKI_KEY_SIGN for the signature
 * password): the batch does not renew those, as jpki-renew(1) says.  0 for
 * a card not in the map (that card fails loudly when a PIN is needed). */
unsigned pin_map_declined_kinds(const pin_map *m, const char *serial);
void pin_map_free(pin_map *m); /* wipes */
/* Wipe PIN id from every entry: a run that will not need it (jpki-renew
 * --cert auth: no signature password, no card-info PIN) holds none. */
void pin_map_forget(pin_map *m, jpki_pin_id id);

#endif
