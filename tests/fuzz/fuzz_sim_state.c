/* Fuzz target: jpki-card-sim's state decoder (bounded CBOR pre-check,
 * libcbor, field validation).  Whatever the bytes, it must fail cleanly or
 * produce a state that encodes and decodes again. */
#include <stdint.h>
#include <stdlib.h>

#include "jpki-card-sim/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sim_persist st;
    jpki_error err;
    if (sim_state_decode(data, size, "fuzz", &st, &err) == JPKI_OK)
        sim_persist_free(&st);
    return 0;
}
