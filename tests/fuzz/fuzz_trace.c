/* Fuzz target: reading a jpki-trace CBOR file (untrusted input) and
 * printing what was read the way `jpki-apdu replay` does. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "jpki/apdu_describe.h"
#include "jpki/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        abort();
    for (int allow = 0; allow < 2; allow++) {
        jpki_trace_log *log = NULL;
        jpki_error e;
        jpki_error_clear(&e);
        if (jpki_trace_load_buffer(data, size, allow, &log, &e) != JPKI_OK) {
            if (log || !e.message[0])
                abort(); /* a failure must say why and return nothing */
            continue;
        }
        jpki_apdu_ctx ctx;
        jpki_apdu_ctx_init(&ctx);
        for (size_t i = 0; i < log->count; i++) {
            const jpki_trace_item *it = &log->items[i];
            if (it->kind == JPKI_TRACE_APDU)
                jpki_apdu_print_exchange(sink, &ctx, (unsigned long)it->seq, it->reader,
                                         it->capdu, it->clen, it->rapdu, it->rlen,
                                         (double)it->dur_us / 1000.0, it->text);
            else if (it->kind == JPKI_TRACE_EVENT)
                jpki_apdu_print_event(sink, &ctx, it->reader, it->text);
        }
        jpki_trace_log_free(log);
    }
    return 0;
}
