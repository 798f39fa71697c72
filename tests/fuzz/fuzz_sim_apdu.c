/* Fuzz target: jpki-card-sim's APDU engine.  The input is a sequence of
 * APDUs, each prefixed by one length byte; the card (hanako, created once
 * in a private temp directory) must answer every one with a status word and
 * a bounded response, whatever state earlier APDUs left it in. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jpki-card-sim/engine.h"
#include "testca.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sim_card *card;
static char dir[] = "/tmp/jpki-fuzz-sim.XXXXXX";

static void cleanup(void)
{
    sim_card_free(card);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static void setup(void)
{
    char ca[64], key[64], state[64];
    jpki_error err;
    if (!mkdtemp(dir))
        abort();
    snprintf(ca, sizeof ca, "%s/ca", dir);
    snprintf(key, sizeof key, "%s/issuer.key", dir);
    snprintf(state, sizeof state, "%s/h.card", dir);
    sim_new_options o = {state, "hanako", ca, key, NULL};
    if (testca_create(ca, &err) != JPKI_OK || sim_card_create(&o, &err) != JPKI_OK ||
        !(card = sim_card_load(state, &err)))
        abort();
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!card)
        setup();
    sim_card_power_cycle(card);
    static uint8_t r[70000];
    size_t i = 0;
    while (i < size) {
        size_t n = data[i++];
        if (n > size - i)
            n = size - i;
        size_t got = sim_card_apdu(card, data + i, n, r, sizeof r);
        if (got < 2 || got > 258)
            abort();
        i += n;
    }
    return 0;
}
