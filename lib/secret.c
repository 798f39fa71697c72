/* Reading secrets (PINs, passwords, issuer keys) from a file descriptor or a
 * private file, and wiping them.  The terminal prompt is in secret_tty.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jpki/secret.h"
#include "secret_internal.h"

/* Bytes skipped after an over-long line before we give up looking for its
 * end (a binary file given as --pin-file should not be read to the end). */
#define MAX_SKIP 4096

void jpki_wipe(void *p, size_t n)
{
    if (p && n)
        explicit_bzero(p, n); /* not removed as a dead store, unlike memset */
}

void jpki_secret_wipe(jpki_secret *s)
{
    if (s) {
        jpki_wipe(s->buf, sizeof s->buf);
        s->len = 0;
    }
}

void jpki_secret_lock(jpki_secret *s)
{
    /* Keep the secret out of swap where the limits allow; failure is fine
     * (RLIMIT_MEMLOCK), the secret is wiped after use anyway. */
    (void)mlock(s, sizeof *s);
}

jpki_rc jpki_secret_read_line(int fd, const char *what, jpki_secret *out, jpki_error *err)
{
    jpki_secret_wipe(out);
    size_t n = 0, skipped = 0;
    bool too_long = false, any = false;
    for (;;) {
        unsigned char c;
        /* One byte at a time: reading ahead would swallow the next secret
         * when several come one per line from the same descriptor. */
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            jpki_secret_wipe(out);
            return jpki_error_set(err, JPKI_ERR_IO, "%s: read failed: %s", what, strerror(errno));
        }
        if (r == 0) {
            if (!any) {
                jpki_secret_wipe(out);
                return jpki_error_set(err, JPKI_ERR_IO, "%s: end of input, no line to read", what);
            }
            break;
        }
        any = true;
        if (c == '\n')
            break;
        if (too_long) {
            if (++skipped > MAX_SKIP)
                break;
            continue;
        }
        if (n == sizeof out->buf) {
            too_long = true;
            continue;
        }
        out->buf[n++] = c;
    }
    if (too_long) {
        jpki_secret_wipe(out);
        return jpki_error_set(err, JPKI_ERR_LIMIT, "%s: line longer than %d bytes", what,
                              JPKI_SECRET_MAX);
    }
    if (n > 0 && out->buf[n - 1] == '\r') /* a file written on Windows */
        out->buf[--n] = 0;
    out->len = n;
    return JPKI_OK;
}

jpki_rc jpki_secret_read_fd(int fd, jpki_secret *out, jpki_error *err)
{
    if (!out || fd < 0)
        return jpki_error_set(err, JPKI_ERR_ARG, "secret: bad file descriptor %d", fd);
    jpki_secret_lock(out);
    char what[32];
    snprintf(what, sizeof what, "fd %d", fd);
    return jpki_secret_read_line(fd, what, out, err);
}

jpki_rc jpki_secret_parse_fd(const char *fd_text, int *fd, jpki_error *err)
{
    /* Strict decimal: "3" yes; "3x", "-1", " 3", "" no. */
    long v = -1;
    if (fd_text && *fd_text >= '0' && *fd_text <= '9') {
        char *end;
        errno = 0;
        v = strtol(fd_text, &end, 10);
        if (errno || *end != '\0' || v > JPKI_SECRET_FD_MAX)
            v = -1;
    }
    if (v < 0)
        return jpki_error_set(err, JPKI_ERR_ARG, "'%s' is not a file descriptor number (0..%d)",
                              fd_text ? fd_text : "", JPKI_SECRET_FD_MAX);
    *fd = (int)v;
    return JPKI_OK;
}

jpki_rc jpki_secret_open_private(const char *path, int *fd_out, jpki_error *err)
{
    if (!path || !fd_out)
        return jpki_error_set(err, JPKI_ERR_ARG, "secret: missing file name");
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return jpki_error_set(err, JPKI_ERR_IO, "%s: %s", path, strerror(errno));
    /* Checked on the opened file, not the name, so a swap between check and
     * read cannot slip a readable file past us. */
    struct stat st;
    jpki_rc rc = JPKI_OK;
    if (fstat(fd, &st) != 0)
        rc = jpki_error_set(err, JPKI_ERR_IO, "%s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = jpki_error_set(err, JPKI_ERR_ARG, "%s: not a regular file", path);
    else if (st.st_uid != geteuid())
        /* someone else's file could be changed under us by its owner */
        rc = jpki_error_set(err, JPKI_ERR_ARG, "%s: owned by uid %u, not by you", path,
                            (unsigned)st.st_uid);
    else if (st.st_mode & (S_IRWXG | S_IRWXO))
        rc = jpki_error_set(err, JPKI_ERR_ARG,
                            "%s: mode %04o lets group or others access it; run chmod 600 on it",
                            path, (unsigned)(st.st_mode & 07777));
    if (rc != JPKI_OK) {
        close(fd);
        return rc;
    }
    *fd_out = fd;
    return JPKI_OK;
}

jpki_rc jpki_secret_read_file(const char *path, jpki_secret *out, jpki_error *err)
{
    if (!out)
        return jpki_error_set(err, JPKI_ERR_ARG, "secret: nowhere to put it");
    jpki_secret_lock(out);
    jpki_secret_wipe(out);
    int fd;
    jpki_rc rc = jpki_secret_open_private(path, &fd, err);
    if (rc != JPKI_OK)
        return rc;
    rc = jpki_secret_read_line(fd, path, out, err);
    close(fd);
    return rc;
}

jpki_rc jpki_secret_from_file(const char *path, jpki_secret *out, jpki_error *err)
{
    return jpki_secret_read_file(path, out, err);
}

jpki_rc jpki_secret_from_fd(const char *fd_text, jpki_secret *out, jpki_error *err)
{
    int fd;
    jpki_rc rc = jpki_secret_parse_fd(fd_text, &fd, err);
    if (rc != JPKI_OK)
        return rc;
    return jpki_secret_read_fd(fd, out, err);
}

void jpki_secret_protect_process(void)
{
    /* Not dumpable: no core file, no ptrace attach by same-uid processes,
     * /proc/PID/mem unreadable to them. */
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    struct rlimit rl = {0, 0};
    (void)setrlimit(RLIMIT_CORE, &rl);
}
