/* Internal: the pieces of the jpki-trace CBOR format (jpki-trace(5)) shared
 * by the writer (trace.c) and the reader (trace_load.c): key names, item
 * types and a growable encode buffer. */
#ifndef JPKI_TRACE_CBOR_H
#define JPKI_TRACE_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Item types (value of the "type" key). */
#define TC_TYPE_HEADER "jpki-trace"
#define TC_TYPE_APDU "apdu"
#define TC_TYPE_EVENT "event"
#define TC_TYPE_CARD "card"
#define TC_TYPE_END "end"

/* Keys. */
#define TC_K_TYPE "type"
#define TC_K_VERSION "version"
#define TC_K_TOOL "tool"
#define TC_K_START "start"
#define TC_K_READER "reader"
#define TC_K_ATR "atr"
#define TC_K_SEQ "seq"
#define TC_K_T "t"
#define TC_K_DUR "dur"
#define TC_K_CAPDU "c"
#define TC_K_RAPDU "r"
#define TC_K_REDACTED "redacted"
#define TC_K_ERROR "error"
#define TC_K_WHAT "what"
#define TC_K_APDUS "apdus"

/* Growable output buffer; after an allocation failure every call is a
 * no-op and failed stays true. */
typedef struct tc_buf {
    uint8_t *p;
    size_t len, cap;
    bool failed;
} tc_buf;

void tc_reset(tc_buf *b);
void tc_free(tc_buf *b);
void tc_map(tc_buf *b, size_t entries);
void tc_kv_text(tc_buf *b, const char *key, const char *val);
void tc_kv_uint(tc_buf *b, const char *key, uint64_t val);
void tc_kv_bytes(tc_buf *b, const char *key, const uint8_t *p, size_t n);
void tc_kv_bool(tc_buf *b, const char *key, bool val);

#endif
