/* Loading the AES-128 issuer key of the issuance profile from a private
 * file or a file descriptor (never argv), and wiping it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jpki/issuer.h"
#include "jpki/secret.h"

/* Longest line we look at; a key line is 32 hex digits plus whitespace,
 * comments may be longer but nobody needs kilobytes of them. */
#define KEY_LINE_MAX 256
/* Bytes read before giving up on finding the key line. */
#define KEY_TEXT_MAX 8192

static int hex_value(uint8_t ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static int is_space(uint8_t ch) { return ch == ' ' || ch == '\t' || ch == '\r'; }

/* Classify one line: 0 = blank/comment (keep looking), 1 = key parsed,
 * -1 = malformed key line. */
static int parse_line(const uint8_t *line, size_t n, jpki_issuer_key *k)
{
    size_t i = 0;
    while (i < n && is_space(line[i]))
        i++;
    if (i == n || line[i] == '#')
        return 0;
    size_t digits = 0;
    uint8_t key[JPKI_ISSUER_KEY_LEN];
    int ok = 1;
    for (; i < n && !is_space(line[i]); i++, digits++) {
        int v = hex_value(line[i]);
        if (v < 0 || digits >= 2 * JPKI_ISSUER_KEY_LEN) {
            ok = 0;
            break;
        }
        if (digits % 2 == 0)
            key[digits / 2] = (uint8_t)(v << 4);
        else
            key[digits / 2] |= (uint8_t)v;
    }
    while (ok && i < n && is_space(line[i]))
        i++;
    if (!ok || i != n || digits != 2 * JPKI_ISSUER_KEY_LEN) {
        jpki_wipe(key, sizeof key);
        return -1;
    }
    memcpy(k->key, key, sizeof key);
    jpki_wipe(key, sizeof key);
    return 1;
}

/* Read byte by byte so that nothing after the key line is consumed: the
 * same fd may carry more data for the caller. */
static jpki_rc load_from_fd(int fd, const char *src, jpki_issuer_key *k, jpki_error *err)
{
    uint8_t line[KEY_LINE_MAX];
    size_t n = 0, total = 0;
    int eof = 0;
    jpki_rc rc = JPKI_OK;
    for (;;) {
        uint8_t ch;
        ssize_t r = read(fd, &ch, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = jpki_error_set(err, JPKI_ERR_IO, "issuer key %s: %s", src, strerror(errno));
            break;
        }
        eof = r == 0;
        if (!eof && ch != '\n') {
            if (n == sizeof line) {
                rc = jpki_error_set(err, JPKI_ERR_FORMAT, "issuer key %s: line too long", src);
                break;
            }
            if (++total > KEY_TEXT_MAX) {
                rc = jpki_error_set(err, JPKI_ERR_FORMAT, "issuer key %s: no key in the first %d bytes",
                                    src, KEY_TEXT_MAX);
                break;
            }
            line[n++] = ch;
            continue;
        }
        int got = parse_line(line, n, k);
        n = 0;
        if (got == 1)
            break;
        if (got < 0) {
            rc = jpki_error_set(err, JPKI_ERR_FORMAT,
                                "issuer key %s: expected %d hex digits on the key line", src,
                                2 * JPKI_ISSUER_KEY_LEN);
            break;
        }
        if (eof) {
            rc = jpki_error_set(err, JPKI_ERR_FORMAT, "issuer key %s: no key found", src);
            break;
        }
    }
    jpki_wipe(line, sizeof line);
    if (rc != JPKI_OK)
        jpki_issuer_key_wipe(k);
    return rc;
}

jpki_rc jpki_issuer_key_load_fd(int fd, jpki_issuer_key *k, jpki_error *err)
{
    if (!k || fd < 0)
        return jpki_error_set(err, JPKI_ERR_ARG, "issuer key: bad file descriptor %d", fd);
    char src[32];
    snprintf(src, sizeof src, "fd %d", fd);
    return load_from_fd(fd, src, k, err);
}

jpki_rc jpki_issuer_key_load_file(const char *path, jpki_issuer_key *k, jpki_error *err)
{
    if (!path || !k)
        return jpki_error_set(err, JPKI_ERR_ARG, "issuer key: no file given");
    int fd;
    jpki_rc rc = jpki_secret_open_private(path, &fd, err);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "issuer key");
    rc = load_from_fd(fd, path, k, err);
    close(fd);
    return rc;
}

void jpki_issuer_key_wipe(jpki_issuer_key *k)
{
    if (k)
        jpki_wipe(k->key, sizeof k->key);
}
