/* PIN sources shared by jpki-renew and jpki-status (pin_sources.h): a PIN map, --pin-fd, --pin-file, the terminal. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private/i18n.h"
#include "pin_sources.h"

void pin_source_init(pin_source *s)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->kinds = 3;
}

void pin_source_close(pin_source *s)
{
    jpki_wipe(s->line, sizeof s->line);
    s->have[0] = s->have[1] = s->have[2] = false;
}

/* The library's rule for secret-holding files; what names the file. */
static jpki_rc open_private(const char *path, const char *what, int *fd_out, jpki_error *err)
{
    jpki_rc rc = jpki_secret_open_private(path, fd_out, err);
    return rc == JPKI_OK ? rc : jpki_error_prefix(err, "%s", what);
}

static const char *prompt_for(jpki_pin_id id, bool proxy)
{
    if (id == JPKI_PIN_CARDINFO)
        return proxy ? _("Card-info PIN from the inquiry-and-answer form: ")
                     : _("Card-info input support PIN (4 digits): ");
    if (proxy)
        return id == JPKI_PIN_SIGN ? _("Signature password from the inquiry-and-answer form: ")
                                   : _("Authentication PIN from the inquiry-and-answer form: ");
    return id == JPKI_PIN_SIGN ? _("Signature password (6-16 letters/digits): ")
                               : _("Authentication PIN (4 digits): ");
}

/* Read the lines of the --cert set from fd: auth first, then sign, then
 * the card-info PIN.  The input may end early; what is missing is reported
 * when it is needed. */
static jpki_rc load_lines(pin_source *s, int fd, jpki_error *err)
{
    bool complete = true;
    for (int k = 0; k < 3; k++) {
        /* lines 0/1 for the --cert set; then, if they were all there, an
         * optional card-info PIN line */
        if (k < 2 && !(s->kinds & (1u << k)))
            continue;
        /* The card-info PIN serves only a signature certificate: without
         * one in --cert, a further line is not ours to read (it may be the
         * signature password of a file written for both). */
        if (k == 2 && (!complete || !(s->kinds & (1u << 1))))
            break;
        jpki_error e;
        jpki_error_clear(&e);
        jpki_rc rc = jpki_secret_read_fd(fd, &s->line[k], &e);
        if (rc == JPKI_ERR_IO) { /* end of input */
            complete = false;
            continue;
        }
        if (rc != JPKI_OK) {
            if (err)
                *err = e;
            return rc;
        }
        s->have[k] = true;
    }
    s->loaded = true;
    return JPKI_OK;
}

bool pin_source_needs_tty(const pin_source *s)
{
    if (s->fd >= 0 || s->file)
        return false;
    /* Without a controlling terminal nothing can be asked ahead: a script
     * gets the "no terminal" error when (and only if) a PIN is needed. */
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

jpki_rc pin_source_prefetch(pin_source *s, jpki_error *err)
{
    if (s->fd >= 0 || s->file)
        return JPKI_OK;
    static const jpki_pin_id ids[2] = {JPKI_PIN_AUTH, JPKI_PIN_SIGN};
    for (int k = 0; k < 2; k++) {
        if (!(s->kinds & (1u << k)) || s->have[k])
            continue;
        jpki_rc rc = jpki_secret_read_tty(prompt_for(ids[k], s->proxy), &s->line[k], err);
        if (rc == JPKI_ERR_IO)
            return jpki_error_set(err, JPKI_ERR_ARG,
                                  "no terminal to ask for the %s PIN: use --pin-fd or --pin-file",
                                  jpki_pin_name(ids[k]));
        if (rc != JPKI_OK)
            return jpki_error_prefix(err, "reading the %s PIN", jpki_pin_name(ids[k]));
        s->have[k] = true;
    }
    return JPKI_OK;
}

jpki_rc pin_source_get(void *ctx, const char *serial, jpki_pin_id id, jpki_secret *out,
                       jpki_error *err)
{
    (void)serial;
    pin_source *s = ctx;
    int k = id == JPKI_PIN_SIGN ? 1 : id == JPKI_PIN_CARDINFO ? 2 : 0;
    jpki_rc rc;
    if (s->fd >= 0 || s->file) {
        if (!s->loaded) {
            int fd = s->fd;
            if (s->file && (rc = open_private(s->file, _("PIN file"), &fd, err)) != JPKI_OK)
                return rc;
            rc = load_lines(s, fd, err);
            if (s->file)
                close(fd);
            if (rc != JPKI_OK)
                return jpki_error_prefix(err, "reading the PINs");
        }
        if (!s->have[k])
            return jpki_error_set(err, JPKI_ERR_ARG,
                                  "no %s PIN in the %s (one line per certificate of --cert: "
                                  "auth PIN first, then the signature password, then the "
                                  "card-info PIN if needed)",
                                  jpki_pin_name(id), s->file ? _("PIN file") : _("--pin-fd input"));
        *out = s->line[k];
    } else if (s->have[k]) {
        *out = s->line[k]; /* asked before the card was taken */
    } else {
        /* a progress line may be standing on the terminal: clear it first */
        if (isatty(STDERR_FILENO)) {
            fputs("\r\033[K", stderr);
            fflush(stderr);
        }
        rc = jpki_secret_read_tty(prompt_for(id, s->proxy), out, err);
        if (rc == JPKI_ERR_IO)
            return jpki_error_set(err, JPKI_ERR_ARG,
                                  "no terminal to ask for the %s PIN: use --pin-fd or --pin-file",
                                  jpki_pin_name(id));
        if (rc != JPKI_OK)
            return jpki_error_prefix(err, "reading the %s PIN", jpki_pin_name(id));
    }
    if (out->len == 0)
        return jpki_error_set(err, JPKI_ERR_PIN_FORMAT, "empty %s PIN", jpki_pin_name(id));
    return JPKI_OK;
}

/* ---- PIN map ---- */

typedef struct pin_entry {
    char serial[32];
    jpki_secret pin[3]; /* [0] auth, [1] sign, [2] card-info; len 0 = not given */
    bool declined[3];   /* given as '-': that certificate is not to be renewed */
} pin_entry;

struct pin_map {
    pin_entry *e;
    size_t n;
};

void pin_map_free(pin_map *m)
{
    if (!m)
        return;
    if (m->e)
        jpki_wipe(m->e, m->n * sizeof *m->e);
    free(m->e);
    free(m);
}

void pin_map_forget(pin_map *m, jpki_pin_id id)
{
    int slot = id == JPKI_PIN_SIGN ? 1 : id == JPKI_PIN_AUTH ? 0 : id == JPKI_PIN_CARDINFO ? 2 : -1;
    for (size_t i = 0; m && slot >= 0 && i < m->n; i++)
        jpki_secret_wipe(&m->e[i].pin[slot]);
}

static bool set_pin(jpki_secret *s, bool *declined, const char *tok)
{
    size_t n = strlen(tok);
    if (strcmp(tok, "-") == 0) {
        *declined = true;
        return true;
    }
    if (n == 0 || n > sizeof s->buf)
        return false;
    memcpy(s->buf, tok, n);
    s->len = n;
    return true;
}

/* Parse text (NUL-terminated, wiped by the caller) into m. */
static jpki_rc parse_map(char *text, const char *name, pin_map *m, jpki_error *err)
{
    size_t cap = 0, lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        char *p = line + strspn(line, " \t");
        if (*p == '\0' || *p == '#')
            continue;
        char *f[5] = {0};
        int nf = 0;
        char *tsave = NULL;
        for (char *t = strtok_r(p, " \t", &tsave); t && nf < 5; t = strtok_r(NULL, " \t", &tsave))
            f[nf++] = t;
        if (nf != 3 && nf != 4)
            return jpki_error_set(err, JPKI_ERR_FORMAT,
                                  "%s line %zu: want SERIAL AUTH-PIN SIGN-PASSWORD [CARDINFO-PIN] "
                                  "('-' for none)", name, lineno);
        if (strlen(f[0]) >= sizeof m->e->serial || strspn(f[0], "0123456789") != strlen(f[0]))
            return jpki_error_set(err, JPKI_ERR_FORMAT, "%s line %zu: bad card serial", name, lineno);
        if (m->n == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            pin_entry *ne = calloc(ncap, sizeof *ne);
            if (!ne)
                return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
            if (m->e) {
                memcpy(ne, m->e, m->n * sizeof *ne);
                jpki_wipe(m->e, m->n * sizeof *ne);
                free(m->e);
            }
            m->e = ne;
            cap = ncap;
        }
        pin_entry *e = &m->e[m->n];
        memset(e, 0, sizeof *e);
        snprintf(e->serial, sizeof e->serial, "%s", f[0]);
        if (!set_pin(&e->pin[0], &e->declined[0], f[1]) ||
            !set_pin(&e->pin[1], &e->declined[1], f[2]) ||
            (nf == 4 && !set_pin(&e->pin[2], &e->declined[2], f[3])))
            return jpki_error_set(err, JPKI_ERR_FORMAT, "%s line %zu: PIN too long", name, lineno);
        for (size_t i = 0; i < m->n; i++)
            if (strcmp(m->e[i].serial, e->serial) == 0)
                return jpki_error_set(err, JPKI_ERR_FORMAT, "%s line %zu: card %s listed twice",
                                      name, lineno, e->serial);
        m->n++;
    }
    return JPKI_OK;
}

static jpki_rc load_from_fd(int fd, const char *name, pin_map **out, jpki_error *err)
{
    *out = NULL;
    char *text = malloc(PIN_MAP_MAX_BYTES + 1);
    pin_map *m = calloc(1, sizeof *m);
    jpki_rc rc = JPKI_OK;
    size_t got = 0;
    if (!text || !m) {
        rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, text + got, PIN_MAP_MAX_BYTES + 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = jpki_error_set(err, JPKI_ERR_IO, "%s: %s", name, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
        if (got > PIN_MAP_MAX_BYTES) {
            rc = jpki_error_set(err, JPKI_ERR_LIMIT, "%s: larger than %d bytes", name, PIN_MAP_MAX_BYTES);
            goto out;
        }
    }
    if (memchr(text, '\0', got)) {
        rc = jpki_error_set(err, JPKI_ERR_FORMAT, "%s: not a text file", name);
        goto out;
    }
    text[got] = '\0';
    rc = parse_map(text, name, m, err);
out:
    if (text) {
        jpki_wipe(text, got);
        free(text);
    }
    if (rc != JPKI_OK)
        pin_map_free(m);
    else
        *out = m;
    return rc;
}

jpki_rc pin_map_load_file(const char *path, pin_map **out, jpki_error *err)
{
    int fd;
    jpki_rc rc = open_private(path, _("PIN map"), &fd, err);
    if (rc != JPKI_OK)
        return rc;
    rc = load_from_fd(fd, path, out, err);
    close(fd);
    return rc;
}

jpki_rc pin_map_load_fd(int fd, pin_map **out, jpki_error *err)
{
    char name[32];
    snprintf(name, sizeof name, _("PIN map fd %d"), fd);
    return load_from_fd(fd, name, out, err);
}

unsigned pin_map_declined_kinds(const pin_map *m, const char *serial)
{
    for (size_t i = 0; m && serial && i < m->n; i++)
        if (strcmp(m->e[i].serial, serial) == 0)
            return (m->e[i].declined[0] ? 1u << JPKI_KEY_AUTH : 0) |
                   (m->e[i].declined[1] ? 1u << JPKI_KEY_SIGN : 0);
    return 0;
}

jpki_rc pin_map_get(void *ctx, const char *serial, jpki_pin_id id, jpki_secret *out,
                    jpki_error *err)
{
    const pin_map *m = ctx;
    int slot = id == JPKI_PIN_SIGN ? 1 : id == JPKI_PIN_AUTH ? 0 : id == JPKI_PIN_CARDINFO ? 2 : -1;
    for (size_t i = 0; m && slot >= 0 && i < m->n; i++) {
        if (strcmp(m->e[i].serial, serial) != 0)
            continue;
        if (m->e[i].pin[slot].len == 0)
            return jpki_error_set(err, JPKI_ERR_NOT_FOUND, "PIN map has no %s PIN for card %s",
                                  jpki_pin_name(id), serial);
        *out = m->e[i].pin[slot];
        return JPKI_OK;
    }
    return jpki_error_set(err, JPKI_ERR_NOT_FOUND, "card %s is not in the PIN map", serial);
}
