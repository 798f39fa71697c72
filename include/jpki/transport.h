/* Transports: one small interface in front of PC/SC, an in-process card
 * (unit tests) and a recorded trace (replay).  Everything above this layer
 * talks to a jpki_transport only. */
#ifndef JPKI_TRANSPORT_H
#define JPKI_TRANSPORT_H

#include "jpki/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/apdu.h"
#include "jpki/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jpki_trace jpki_trace;
typedef struct jpki_transport jpki_transport;

/* The transport handle is opaque: it is made by jpki_pcsc_open,
 * jpki_mem_transport_new or jpki_replay_transport_open and destroyed by
 * jpki_transport_close.  The accessors below are all a caller may read or set. */

/* The reader's name ("mem" for the in-process card, the trace file for a
 * replay); never NULL, valid until jpki_transport_close. */
JPKI_API const char *jpki_transport_reader(const jpki_transport *t);
/* The card's ATR (*len bytes, 0 if unknown); valid until jpki_transport_close. */
JPKI_API const uint8_t *jpki_transport_atr(const jpki_transport *t, size_t *len);
/* Which implementation: "pcsc", "mem" or "replay". */
JPKI_API const char *jpki_transport_kind(const jpki_transport *t);
/* True when commands may use extended-length Lc/Le (from the ATR). */
JPKI_API bool jpki_transport_extended_ok(const jpki_transport *t);
/* Override the ATR's verdict on extended length (a reader known to carry
 * them, a test forcing either path). */
JPKI_API void jpki_transport_set_extended_ok(jpki_transport *t, bool on);
/* Feed every exchange and event to trace (not owned; NULL stops tracing). */
JPKI_API void jpki_transport_set_trace(jpki_transport *t, jpki_trace *trace);
/* Follow 61xx with GET RESPONSE and 6Cxx with a resend (on by default);
 * off passes those status words through (jpki-apdu --raw). */
JPKI_API void jpki_transport_set_auto_get_response(jpki_transport *t, bool on);
/* How many jpki_transport_begin calls are not yet ended (0 = none open). */
JPKI_API int jpki_transport_depth(const jpki_transport *t);

/* Transmit one command.  Encodes it, refuses 1-byte APDUs (they hang vpcd),
 * follows 61xx/6Cxx unless turned off by
 * jpki_transport_set_auto_get_response, and feeds the trace.  A
 * status word other than 9000 is NOT an error here: callers read resp->sw. */
JPKI_API jpki_rc jpki_transmit(jpki_transport *t, const jpki_apdu *cmd,
                      jpki_response *resp, jpki_error *err);

/* Same for an already encoded APDU (jpki-apdu); the same 61xx/6Cxx
 * handling. */
JPKI_API jpki_rc jpki_transmit_raw(jpki_transport *t, const uint8_t *capdu, size_t clen,
                          jpki_response *resp, jpki_error *err);

/* Transactions nest: only the outermost begin/end reach the card. */
JPKI_API jpki_rc jpki_transport_begin(jpki_transport *t, jpki_error *err);
JPKI_API jpki_rc jpki_transport_end(jpki_transport *t, bool reset_card, jpki_error *err);
/* End any transaction still open on t (without a card reset), log the
 * disconnect to its trace, and destroy t through its implementation, which
 * frees the handle; the trace is not owned and stays open.  NULL is a no-op. */
JPKI_API void jpki_transport_close(jpki_transport *t);

/* n random bytes for the host's side of a protocol run on this card: the
 * kernel's getrandom, or for a replay the recorded bytes (so a recorded
 * issuer session plays back). */
JPKI_API jpki_rc jpki_transport_host_random(jpki_transport *t, uint8_t *out, size_t n, jpki_error *err);

/* True when the ATR's historical bytes carry a card-capabilities object
 * (compact-TLV tag 7) whose third byte announces extended Lc/Le fields.
 * The JPKI ATR has no historical bytes, so this is false for it. */
JPKI_API bool jpki_atr_extended_length(const uint8_t *atr, size_t len);

/* ---- PC/SC (libpcsclite) ---- */

/* List reader names.  *names is a NULL-terminated array; free with
 * jpki_pcsc_free_list.  No readers is success with *count == 0. */
JPKI_API jpki_rc jpki_pcsc_list_readers(char ***names, size_t *count, jpki_error *err);
JPKI_API void jpki_pcsc_free_list(char **names);
/* The readers that hold a (responsive) card right now, as
 * jpki_pcsc_list_readers lists them (free with jpki_pcsc_free_list).  A
 * command about to change a card uses it to refuse guessing which card is
 * meant when several are present. */
JPKI_API jpki_rc jpki_pcsc_list_cards(char ***names, size_t *count, jpki_error *err);

/* Connect to a reader chosen by spec: NULL or "" = the first reader holding a
 * card; a decimal index into the list; an exact name; otherwise a unique
 * substring of a name.  Errors: NO_SERVICE, NO_READER, NO_CARD, PCSC. */
JPKI_API jpki_rc jpki_pcsc_open(const char *spec, jpki_transport **out, jpki_error *err);

/* ---- in-process card (unit tests; no PC/SC involved) ---- */

/* handler gets a C-APDU and writes the R-APDU (data || SW), returning its
 * length (>= 2), or 0 to simulate a removed card. */
typedef size_t (*jpki_mem_handler)(void *ctx, const uint8_t *capdu, size_t clen,
                                   uint8_t *rapdu, size_t rcap);
JPKI_API jpki_rc jpki_mem_transport_new(jpki_mem_handler handler, void *ctx,
                               const uint8_t *atr, size_t atr_len,
                               jpki_transport **out, jpki_error *err);

/* ---- replay of a CBOR trace file (see jpki-trace(5)) ---- */

/* Plays back the responses of a recorded session.  Each transmit must match
 * the recorded command (redacted PIN bytes match any PIN of the same length);
 * a mismatch is JPKI_ERR_TRANSPORT naming the APDU index. */
JPKI_API jpki_rc jpki_replay_transport_open(const char *trace_path, jpki_transport **out,
                                   jpki_error *err);
/* After a replay: JPKI_ERR_TRANSPORT when recorded APDUs were never sent
 * (the program took a different, shorter path than the recording). */
JPKI_API jpki_rc jpki_replay_transport_finish(jpki_transport *t, jpki_error *err);

#ifdef __cplusplus
}
#endif
#endif
