/* Fuzz target: jpki-card-sim's state decoder (bounded CBOR pre-check,
 * libcbor, field validation).  The state file is untrusted: a user may
 * point --state at anything, and cbor_load would allocate what a 6-byte
 * header claims if lengths were not bounded first.
 *
 * Whatever the bytes, decoding fails with a message, or gives a state that
 *  - saves and loads again (sim_state_write + sim_state_read: what the
 *    engine accepts it can persist), and
 *  - as a card, answers a fixed script of APDUs (select, read the auth
 *    certificate, issuance status, a retry counter, card-info) with a
 *    status word and a bounded response.
 * The round trip and the card use a private directory on tmpfs
 * (fuzz_sim_fixture.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/apdu.h"
#include "sim_state.h"
#include "fuzz_sim_fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char state_path[PATH_MAX];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fixture_init(0, NULL);
    fixture_path(state_path, sizeof state_path, "fuzzed.card");
    return 0;
}

static const uint8_t *const script[] = {
    (const uint8_t *)"\x00\xA4\x04\x0C\x0A\xD3\x92\xF0\x00\x26\x01\x00\x00\x00\x01",
    (const uint8_t *)"\x00\xA4\x02\x0C\x02\x00\x0A",
    (const uint8_t *)"\x00\xB0\x00\x00\x00",
    (const uint8_t *)"\x00\xB0\x01\x00\x00",
    (const uint8_t *)"\x00\xCA\xDF\x30\x00",
    (const uint8_t *)"\x00\xA4\x02\x0C\x02\x00\x18",
    (const uint8_t *)"\x00\x20\x00\x80",
    (const uint8_t *)"\x00\xA4\x04\x0C\x0A\xD3\x92\x10\x00\x31\x00\x01\x01\x04\x08",
    (const uint8_t *)"\x00\xA4\x02\x0C\x02\x00\x02",
    (const uint8_t *)"\x00\xB0\x00\x00\x00",
};
static const size_t script_len[] = {15, 7, 5, 5, 5, 7, 4, 15, 7, 5};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jpki_error err;
    jpki_error_clear(&err);
    sim_persist st;
    if (sim_state_decode(data, size, "fuzz", &st, &err) != JPKI_OK) {
        if (err.code == JPKI_OK || err.message[0] == '\0')
            abort(); /* refused without saying why */
        return 0;
    }
    if (sim_state_write(state_path, &st, &err) != JPKI_OK)
        abort();
    sim_persist_free(&st);

    sim_card *c = sim_card_load(state_path, &err);
    if (!c)
        abort(); /* accepted once, refused after saving */
    static uint8_t r[JPKI_RAPDU_MAX];
    for (size_t i = 0; i < sizeof script / sizeof script[0]; i++) {
        size_t n = sim_card_apdu(c, script[i], script_len[i], r, sizeof r);
        if (n < 2 || n > 258)
            abort();
    }
    sim_card_free(c);
    return 0;
}
