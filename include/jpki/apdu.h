/* ISO 7816-4 command and response APDUs, short and extended length, and
 * status-word decoding. */
#ifndef JPKI_APDU_H
#define JPKI_APDU_H

#include "jpki/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jpki/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define JPKI_APDU_MAX_DATA 65535u          /* Nc upper bound (extended) */
#define JPKI_APDU_MAX_NE 65536u            /* Ne upper bound (extended) */
#define JPKI_CAPDU_MAX (4u + 3u + 65535u + 3u)
#define JPKI_RESP_DATA_MAX 65536u
#define JPKI_RAPDU_MAX (JPKI_RESP_DATA_MAX + 2u)

typedef struct jpki_apdu {
    uint8_t cla, ins, p1, p2;
    const uint8_t *data; /* Nc bytes, may be NULL when nc == 0 */
    size_t nc;
    size_t ne;           /* expected length; 0 = no Le field. 256/65536 = "00"/"0000" */
} jpki_apdu;

typedef struct jpki_response {
    uint8_t data[JPKI_RESP_DATA_MAX];
    size_t len;
    uint16_t sw;
} jpki_response;

/* Encode cmd into out (capacity cap).  Extended length is used only when
 * needed, and refused (JPKI_ERR_UNSUPPORTED) unless extended_ok. */
JPKI_API jpki_rc jpki_apdu_encode(const jpki_apdu *cmd, bool extended_ok, uint8_t *out,
                         size_t cap, size_t *out_len, jpki_error *err);

/* Parse an encoded command APDU (all four ISO cases, short and extended).
 * cmd->data points into buf. */
JPKI_API jpki_rc jpki_apdu_parse(const uint8_t *buf, size_t len, jpki_apdu *cmd,
                        jpki_error *err);

/* Split a raw response (data || SW1 SW2) into resp. */
JPKI_API jpki_rc jpki_response_parse(const uint8_t *buf, size_t len, jpki_response *resp,
                            jpki_error *err);

/* Readable meaning of a status word, e.g. "63C2: wrong PIN, 2 tries left",
 * "6983: authentication method blocked", "6A82: file not found".
 * Always returns buf. */
JPKI_API const char *jpki_sw_describe(uint16_t sw, char *buf, size_t n);

/* Name of an instruction byte, e.g. "SELECT", "READ BINARY", "VERIFY";
 * "INS xx" style text is written to buf for unknown ones.  Returns buf. */
JPKI_API const char *jpki_ins_name(uint8_t cla, uint8_t ins, char *buf, size_t n);

static inline bool jpki_sw_ok(uint16_t sw) { return sw == 0x9000; }

#ifdef __cplusplus
}
#endif
#endif
