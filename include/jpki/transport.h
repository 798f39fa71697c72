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

typedef struct jpki_transport_ops {
    const char *kind; /* "pcsc", "mem", "replay" */
    /* Send one encoded C-APDU, receive the raw R-APDU (data || SW).
     * *rlen is the capacity on entry and the length on return. */
    jpki_rc (*transmit)(jpki_transport *t, const uint8_t *capdu, size_t clen,
                        uint8_t *rapdu, size_t *rlen, jpki_error *err);
    /* Exclusive access for a multi-APDU operation (SCardBeginTransaction). */
    jpki_rc (*begin)(jpki_transport *t, jpki_error *err);
    /* End it; reset_card drops the card's security state (SCARD_RESET_CARD). */
    jpki_rc (*end)(jpki_transport *t, bool reset_card, jpki_error *err);
    void (*destroy)(jpki_transport *t);
    /* Optional: the host's random bytes for protocols (the issuer's host
     * challenge).  NULL = the kernel's getrandom.  A replay supplies the
     * recorded ones so a recorded issuer session plays back. */
    jpki_rc (*host_random)(jpki_transport *t, uint8_t *out, size_t n, jpki_error *err);
} jpki_transport_ops;

struct jpki_transport {
    const jpki_transport_ops *ops;
    void *impl;
    jpki_trace *trace;      /* not owned; NULL = no trace */
    char reader[128];       /* reader name (or "mem", or trace file) */
    uint8_t atr[33];
    size_t atr_len;
    bool extended_ok;       /* card/reader accept extended-length APDUs */
    bool auto_get_response; /* follow 61xx with GET RESPONSE and 6Cxx with a resend (default true) */
    int depth;              /* nested begin() count */
};

/* Transmit one command.  Encodes it, refuses 1-byte APDUs (they hang vpcd),
 * follows 61xx/6Cxx when t->auto_get_response, and feeds the trace.  A
 * status word other than 9000 is NOT an error here: callers read resp->sw. */
JPKI_API jpki_rc jpki_transmit(jpki_transport *t, const jpki_apdu *cmd,
                      jpki_response *resp, jpki_error *err);

/* Same for an already encoded APDU (jpki-apdu); no 61xx/6Cxx handling unless
 * t->auto_get_response. */
JPKI_API jpki_rc jpki_transmit_raw(jpki_transport *t, const uint8_t *capdu, size_t clen,
                          jpki_response *resp, jpki_error *err);

/* Transactions nest: only the outermost begin/end reach the card. */
JPKI_API jpki_rc jpki_transport_begin(jpki_transport *t, jpki_error *err);
JPKI_API jpki_rc jpki_transport_end(jpki_transport *t, bool reset_card, jpki_error *err);
/* End any transaction still open on t (without a card reset), log the
 * disconnect to its trace, and destroy t through its implementation, which
 * frees the handle; the trace is not owned and stays open.  NULL is a no-op. */
JPKI_API void jpki_transport_close(jpki_transport *t);

/* n random bytes for the host's side of a protocol run on this card (see
 * jpki_transport_ops.host_random). */
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
