/* Fuzz target: command-APDU parsing and re-encoding, response splitting and
 * status-word text.  A parsed APDU must re-encode to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/apdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jpki_apdu a;
    if (jpki_apdu_parse(data, size, &a, NULL) == JPKI_OK) {
        static uint8_t out[JPKI_CAPDU_MAX];
        size_t n = 0;
        bool ext = size > 4 && data[4] == 0 && size != 5;
        if (jpki_apdu_encode(&a, true, out, sizeof out, &n, NULL) == JPKI_OK && !ext) {
            /* Short encodings are canonical: the round trip must be exact. */
            if (n != size || memcmp(out, data, n) != 0)
                abort();
        }
    }
    static jpki_response r;
    (void)jpki_response_parse(data, size, &r, NULL);
    char buf[96];
    if (size >= 2)
        jpki_sw_describe((uint16_t)(data[0] << 8 | data[1]), buf, sizeof buf);
    if (size >= 2)
        jpki_ins_name(data[0], data[1], buf, sizeof buf);
    return 0;
}
