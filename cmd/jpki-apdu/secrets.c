/* Values for ${NAME} placeholders: never from argv or the script itself,
 * only from a descriptor, a private file or the terminal (no echo). */
#include <stdio.h>
#include <unistd.h>

#include "private/i18n.h"
#include "run.h"

static jpki_rc read_lines(const script *s, int fd, const char *what, jpki_secret *out,
                          jpki_error *err)
{
    for (size_t i = 0; i < s->nnames; i++) {
        jpki_rc rc = jpki_secret_read_fd(fd, &out[i], err);
        if (rc != JPKI_OK)
            return jpki_error_prefix(err, "%s: value for ${%s} (line %zu)", what, s->names[i],
                                     i + 1);
    }
    return JPKI_OK;
}

/* Like jpki_secret_read_file, but one value per line for several names. */
static jpki_rc read_private_file(const script *s, const char *path, jpki_secret *out,
                                 jpki_error *err)
{
    int fd;
    jpki_rc rc = jpki_secret_open_private(path, &fd, err);
    if (rc != JPKI_OK)
        return rc;
    rc = read_lines(s, fd, path, out, err);
    close(fd);
    return rc;
}

jpki_rc secrets_read(const script *s, int pin_fd, const char *pin_file, jpki_secret *out,
                     jpki_error *err)
{
    jpki_rc rc;
    if (pin_fd >= 0) {
        char what[32];
        snprintf(what, sizeof what, "--pin-fd %d", pin_fd);
        rc = read_lines(s, pin_fd, what, out, err);
    } else if (pin_file) {
        rc = read_private_file(s, pin_file, out, err);
    } else {
        rc = JPKI_OK;
        for (size_t i = 0; i < s->nnames && rc == JPKI_OK; i++) {
            char prompt[64];
            snprintf(prompt, sizeof prompt, _("Value for ${%s}: "), s->names[i]);
            rc = jpki_secret_read_tty(prompt, &out[i], err);
            if (rc != JPKI_OK)
                jpki_error_prefix(err, "value for ${%s}", s->names[i]);
        }
    }
    for (size_t i = 0; i < s->nnames && rc == JPKI_OK; i++)
        if (out[i].len == 0)
            rc = jpki_error_set(err, JPKI_ERR_ARG, "empty value for ${%s}", s->names[i]);
    return rc;
}
