/* Fuzz target: loading jpki-card-sim's state file (CBOR, untrusted: a user
 * may point --state at anything).  sim_card_load must bound every declared
 * length before libcbor sees the bytes (cbor_load would otherwise allocate
 * what a 6-byte header claims), reject malformed fields with a message, and
 * hand back a card that then answers APDUs without tripping on its own
 * state.  The input is written to a file on tmpfs (the engine loads from a
 * path, as the binary does). */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jpki/apdu.h"
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

/* SELECT JPKI, the auth certificate, read it; the status object; the
 * card-info application; a retry counter. */
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
    int fd = open(state_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || close(fd) != 0)
        abort();
    jpki_error err;
    jpki_error_clear(&err);
    sim_card *c = sim_card_load(state_path, &err);
    if (!c) {
        if (err.code == JPKI_OK || err.message[0] == '\0')
            abort(); /* refused without saying why */
        return 0;
    }
    static uint8_t r[JPKI_RAPDU_MAX];
    for (size_t i = 0; i < sizeof script / sizeof script[0]; i++) {
        size_t n = sim_card_apdu(c, script[i], script_len[i], r, sizeof r);
        if (n < 2 || n > sizeof r)
            abort();
    }
    sim_card_free(c);
    return 0;
}
