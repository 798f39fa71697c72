/* Atomic replace-by-rename and bounded whole-file reads. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"

static jpki_rc write_all(int fd, const unsigned char *p, size_t len, const char *path,
                         jpki_error *err)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return jpki_error_set(err, JPKI_ERR_IO, "%s: write failed: %s", path, strerror(errno));
        }
        p += n;
        len -= (size_t)n;
    }
    return JPKI_OK;
}

/* fsync of the directory makes the rename itself durable. */
static jpki_rc sync_dir_of(const char *path, jpki_error *err)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return jpki_error_set(err, JPKI_ERR_IO, "%s: cannot open directory: %s", dir, strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc != 0 && e != EINVAL) /* some file systems cannot sync directories */
        return jpki_error_set(err, JPKI_ERR_IO, "%s: fsync failed: %s", dir, strerror(e));
    return JPKI_OK;
}

jpki_rc atomic_write_file(const char *path, const void *data, size_t len, mode_t mode,
                          jpki_error *err)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
        return jpki_error_set(err, JPKI_ERR_ARG, "%s: path too long", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return jpki_error_set(err, JPKI_ERR_IO, "%s: cannot create temp file: %s", path,
                              strerror(errno));
    jpki_rc rc = JPKI_OK;
    if (fchmod(fd, mode) != 0)
        rc = jpki_error_set(err, JPKI_ERR_IO, "%s: chmod failed: %s", tmp, strerror(errno));
    if (rc == JPKI_OK)
        rc = write_all(fd, data, len, tmp, err);
    if (rc == JPKI_OK && fsync(fd) != 0)
        rc = jpki_error_set(err, JPKI_ERR_IO, "%s: fsync failed: %s", tmp, strerror(errno));
    if (close(fd) != 0 && rc == JPKI_OK)
        rc = jpki_error_set(err, JPKI_ERR_IO, "%s: close failed: %s", tmp, strerror(errno));
    if (rc == JPKI_OK && rename(tmp, path) != 0)
        rc = jpki_error_set(err, JPKI_ERR_IO, "%s: rename failed: %s", path, strerror(errno));
    if (rc != JPKI_OK) {
        unlink(tmp);
        return rc;
    }
    return sync_dir_of(path, err);
}

jpki_rc read_file_bounded(const char *path, size_t max, unsigned char **out, size_t *len,
                          jpki_error *err)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return jpki_error_set(err, errno == ENOENT ? JPKI_ERR_NOT_FOUND : JPKI_ERR_IO,
                              "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return jpki_error_set(err, JPKI_ERR_IO, "%s: not a regular file", path);
    }
    if ((unsigned long long)st.st_size > max) {
        close(fd);
        return jpki_error_set(err, JPKI_ERR_LIMIT, "%s: %lld bytes exceed the limit of %zu",
                              path, (long long)st.st_size, max);
    }
    /* Read up to max+1 bytes: the file may grow between fstat and read. */
    unsigned char *buf = malloc(max + 1);
    if (!buf) {
        close(fd);
        return jpki_error_set(err, JPKI_ERR_NOMEM, "%s: out of memory", path);
    }
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, buf + got, max + 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return jpki_error_set(err, JPKI_ERR_IO, "%s: read failed: %s", path, strerror(e));
        }
        if (n == 0)
            break;
        got += (size_t)n;
        if (got > max) {
            free(buf);
            close(fd);
            return jpki_error_set(err, JPKI_ERR_LIMIT, "%s: larger than the limit of %zu", path, max);
        }
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return JPKI_OK;
}
