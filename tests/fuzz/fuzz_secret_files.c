/* Fuzz target: PIN files / --pin-fd streams and issuer key files, both
 * read from a file descriptor (here a memfd holding the fuzz input).
 * Whatever the bytes, a secret is at most JPKI_SECRET_MAX bytes, one line,
 * and a key is exactly the parsed 16 bytes or an error with a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jpki/issuer.h"
#include "jpki/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd_with(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-secret", MFD_CLOEXEC);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) ||
        lseek(fd, 0, SEEK_SET) != 0)
        abort();
    return fd;
}

static void check_error(jpki_rc rc, const jpki_error *e)
{
    if (rc != JPKI_OK && (e->code != rc || e->message[0] == '\0'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_with(data, size);
    jpki_error e;
    jpki_error_clear(&e);
    /* Several secrets one per line from the same fd, as --pin-fd allows. */
    for (int i = 0; i < 4; i++) {
        jpki_secret s;
        memset(&s, 0xA5, sizeof s);
        jpki_rc rc = jpki_secret_read_fd(fd, &s, &e);
        check_error(rc, &e);
        if (rc != JPKI_OK)
            break;
        if (s.len > JPKI_SECRET_MAX || memchr(s.buf, '\n', s.len))
            abort();
        for (int id = 0; id < JPKI_PIN_COUNT; id++) {
            jpki_error pe;
            jpki_error_clear(&pe);
            check_error(jpki_pin_check_format((jpki_pin_id)id, &s, &pe), &pe);
        }
        jpki_secret_wipe(&s);
    }
    close(fd);

    fd = memfd_with(data, size);
    jpki_issuer_key k;
    jpki_error_clear(&e);
    check_error(jpki_issuer_key_load_fd(fd, &k, &e), &e);
    jpki_issuer_key_wipe(&k);
    close(fd);
    return 0;
}
