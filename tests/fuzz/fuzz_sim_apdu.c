/* Fuzz target: jpki-card-sim's APDU handler.  A sequence of C-APDUs from
 * the fuzz input goes to a fresh copy of one persona card (hanako, made
 * once per process; see fuzz_sim_fixture.h), as the card variant the
 * input's length picks.
 *
 * Input: records of len(1) + len bytes; len 0 = power cycle (reset).
 *
 * What must hold:
 *  - no crash, leak or UB; every answer is >= 2 bytes and fits its buffer;
 *  - a PIN's retry counter never goes up without the right PIN (the sim
 *    keeps it on disk: a reload of the state file must agree with memory);
 *  - no issuer session ever opens: MUTUAL AUTHENTICATE needs an AES-CMAC
 *    over a fresh random challenge under the issuer key, which the fuzzer
 *    cannot forge.  That is also why GENERATE KEY PAIR (~125 ms of RSA
 *    keygen), UPDATE BINARY, ACTIVATE, RESET RETRY COUNTER and the face-mode
 *    commands stay out of reach -- deliberately: the issuer-side paths are
 *    covered by the unit tests (test_sim_issuer.c), this target covers what
 *    any process on the host can send.
 * The signature command IS reachable (the fuzzer may learn a PIN from the
 * seeds); an RSA-2048 signature costs a few ms, which is acceptable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/apdu.h"
#include "sim_state.h"
#include "fuzz_sim_fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sim_card *master;
static char work_path[PATH_MAX];

/* A fresh card with the master's persistent state (a deep copy: loading the
 * state file each time would re-validate two RSA keys per input), as every
 * card variant in turn, chosen by the input's length so that the input
 * format (and the seed corpus) stays as it was. */
static sim_card *clone_master(size_t size)
{
    size_t nvar = 0;
    while (sim_variant_at(nvar))
        nvar++;
    sim_card *c = sim_card_clone(master, sim_variant_at(size % nvar), work_path);
    if (!c)
        abort();
    return c;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fixture_init(1, NULL);
    fixture_path(work_path, sizeof work_path, "work.card");
    jpki_error err;
    jpki_error_clear(&err);
    if (!(master = sim_card_load(fixture_card, &err))) {
        fprintf(stderr, "fuzz_sim_apdu: %s\n", err.message);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sim_card *c = clone_master(size);
    static uint8_t r[JPKI_RAPDU_MAX];
    size_t pos = 0;
    while (pos < size) {
        size_t len = data[pos++];
        if (len > size - pos)
            len = size - pos;
        uint8_t before[JPKI_PIN_COUNT];
        for (int i = 0; i < JPKI_PIN_COUNT; i++)
            before[i] = sim_card_state(c)->pin[i].tries;
        if (len == 0) {
            sim_card_power_cycle(c);
            continue;
        }
        /* Alternate between a roomy and a tight response buffer. */
        size_t cap = (data[pos] & 1) ? sizeof r : 258;
        size_t n = sim_card_apdu(c, data + pos, len, r, cap);
        pos += len;
        if (n < 2 || n > cap)
            abort();
        if (sim_card_issuer_open(c))
            abort(); /* an issuer session without the issuer key */
        uint16_t sw = (uint16_t)(r[n - 2] << 8 | r[n - 1]);
        for (int i = 0; i < JPKI_PIN_COUNT; i++) {
            const sim_pin *p = &sim_card_state(c)->pin[i];
            if (p->tries > sim_pin_max_tries((jpki_pin_id)i))
                abort();
            /* Only a successful VERIFY (9000) may raise a counter. */
            if (p->tries > before[i] && sw != 0x9000)
                abort();
        }
    }
    sim_card_free(c);
    return 0;
}
