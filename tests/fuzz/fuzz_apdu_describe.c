/* Fuzz target: the APDU annotator and PIN redaction on arbitrary bytes.
 * Input: one length byte n, then a command of n bytes, then the response.
 * Redaction must hide exactly the bytes the PIN mask marks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/apdu_describe.h"
#include "jpki/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = data[0];
    if (n > size - 1)
        n = size - 1;
    const uint8_t *c = data + 1, *r = data + 1 + n;
    size_t rn = size - 1 - n;
    static jpki_apdu_ctx ctx; /* carried across inputs, like a session */
    char buf[512];
    jpki_apdu_describe_command(&ctx, c, n, buf, sizeof buf);
    jpki_apdu_describe_response(&ctx, c, n, r, rn, buf, sizeof buf);
    jpki_apdu_ctx_update(&ctx, c, n, r, rn);
    uint8_t red[256], mask[256];
    bool any = jpki_trace_redact(c, n, red);
    size_t k = jpki_trace_pin_mask(c, n, mask);
    if (any != (k > 0))
        abort();
    for (size_t i = 0; i < n; i++)
        if (mask[i] ? red[i] != 0xFF : red[i] != c[i])
            abort();
    return 0;
}
