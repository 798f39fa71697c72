/* Fuzz target: replaying a trace file (untrusted: `jpki-apdu replay`,
 * --reader replay:FILE).  The input is the file; it is opened through a
 * memfd path like any trace, then the card layer runs its usual reads over
 * the replay transport, so the recorded responses -- whatever they are --
 * reach the same parsers a live card's would, and the replay's command
 * matching (PIN bytes redacted in the file) is exercised against real
 * commands.  Must hold: no crash/leak/UB, every transaction ended, every
 * failure has a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jpki/jpki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(jpki_transport *t, jpki_rc rc, const jpki_error *e)
{
    if (jpki_transport_depth(t) != 0 || (rc != JPKI_OK && (e->code != rc || e->message[0] == '\0')))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-replay", MFD_CLOEXEC);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
        abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    jpki_transport *t = NULL;
    jpki_error e;
    jpki_error_clear(&e);
    jpki_rc rc = jpki_replay_transport_open(path, &t, &e);
    close(fd);
    if (rc != JPKI_OK) {
        if (t || e.message[0] == '\0')
            abort();
        return 0;
    }
    jpki_card *c = NULL;
    if (jpki_card_new(t, &c, NULL) != JPKI_OK)
        abort();
    for (int k = 0; k <= JPKI_CERT_SIGN_CA; k++) {
        uint8_t *der = NULL;
        size_t len = 0;
        jpki_error_clear(&e);
        rc = jpki_read_cert(c, (jpki_cert_kind)k, &der, &len, &e);
        check(t, rc, &e);
        if (rc == JPKI_OK) {
            jpki_cert_info info;
            (void)jpki_cert_parse(der, len, &info, NULL);
        }
        free(der);
    }
    for (int id = 0; id < JPKI_PIN_COUNT; id++) {
        jpki_pin_status st;
        jpki_error_clear(&e);
        rc = jpki_pin_status_get(c, (jpki_pin_id)id, &st, &e);
        check(t, rc, &e);
    }
    jpki_secret pin = {.buf = "ABC123", .len = 6};
    jpki_error_clear(&e);
    check(t, jpki_pin_verify(c, JPKI_PIN_SIGN, &pin, &e), &e);
    char tok[33];
    jpki_error_clear(&e);
    check(t, jpki_read_token(c, tok, sizeof tok, &e), &e);
    jpki_error_clear(&e);
    (void)jpki_replay_transport_finish(t, &e);
    jpki_card_free(c);
    jpki_transport_close(t);
    return 0;
}
