/* The journal file: opened and locked once, read (bounded) into a per-card
 * index, then appended to record by record, each write followed by fsync so
 * a record that a later step depends on is on disk before that step runs. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jpki/journal.h"
#include "journal_internal.h"

struct jpki_journal {
    int fd;
    char path[512];
    pthread_mutex_t lock;
    jpki_journal_card_state *cards;
    size_t ncards, cap;
    size_t dropped;
};

size_t jpki_journal_dropped_bytes(const jpki_journal *j)
{
    return j ? j->dropped : 0;
}

static jpki_journal_card_state *find_card(jpki_journal *j, const char *serial, bool create)
{
    for (size_t i = 0; i < j->ncards; i++)
        if (strcmp(j->cards[i].card, serial) == 0)
            return &j->cards[i];
    if (!create)
        return NULL;
    if (j->ncards == j->cap) {
        size_t ncap = j->cap ? 2 * j->cap : 16;
        jpki_journal_card_state *n = realloc(j->cards, ncap * sizeof *n);
        if (!n)
            return NULL;
        j->cards = n;
        j->cap = ncap;
    }
    jpki_journal_card_state *s = &j->cards[j->ncards++];
    memset(s, 0, sizeof *s);
    snprintf(s->card, sizeof s->card, "%s", serial);
    return s;
}

static jpki_rc fold_visit(void *ctx, const jpki_journal_record *r, jpki_error *err)
{
    jpki_journal_card_state *s = find_card(ctx, r->card, true);
    if (!s)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    return journal_fold(s, r, err);
}

static jpki_rc write_all(int fd, const uint8_t *p, size_t n, jpki_error *err)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return jpki_error_set(err, JPKI_ERR_IO, "writing the journal: %s",
                                  w < 0 ? strerror(errno) : "short write");
        p += w;
        n -= (size_t)w;
    }
    return JPKI_OK;
}

static void fsync_dir_of(const char *path)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
}

static jpki_rc append_locked(jpki_journal *j, const jpki_journal_record *r, jpki_error *err)
{
    jpki_rc rc = journal_validate(r, err);
    if (rc != JPKI_OK)
        return rc;
    jpki_journal_record rec = *r;
    if (rec.time == 0)
        rec.time = (uint64_t)time(NULL);
    uint8_t *buf;
    size_t len;
    rc = jpki_journal_encode(&rec, &buf, &len, err);
    if (rc != JPKI_OK)
        return rc;
    off_t before = lseek(j->fd, 0, SEEK_END);
    rc = write_all(j->fd, buf, len, err);
    free(buf);
    if (rc == JPKI_OK && fsync(j->fd) != 0)
        rc = jpki_error_set(err, JPKI_ERR_IO, "syncing the journal: %s", strerror(errno));
    if (rc != JPKI_OK) {
        /* Leave no half record behind for the next append to follow. */
        if (before >= 0 && ftruncate(j->fd, before) == 0)
            fsync(j->fd);
        return rc;
    }
    if (rec.step != JPKI_STEP_JOURNAL) {
        jpki_journal_card_state *s = find_card(j, rec.card, true);
        if (!s)
            return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        return journal_fold(s, &rec, err);
    }
    return JPKI_OK;
}

jpki_rc jpki_journal_open(const char *path, jpki_journal **out, jpki_error *err)
{
    *out = NULL;
    jpki_journal *j = calloc(1, sizeof *j);
    if (!j)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    snprintf(j->path, sizeof j->path, "%s", path);
    pthread_mutex_init(&j->lock, NULL);
    uint8_t *buf = NULL;
    jpki_rc rc = JPKI_OK;

    j->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (j->fd < 0) {
        rc = jpki_error_set(err, JPKI_ERR_IO, "journal %s: %s", path, strerror(errno));
        goto fail;
    }
    if (flock(j->fd, LOCK_EX | LOCK_NB) != 0) {
        rc = errno == EWOULDBLOCK
                 ? jpki_error_set(err, JPKI_ERR_STATE, "journal %s is in use by another process", path)
                 : jpki_error_set(err, JPKI_ERR_IO, "locking journal %s: %s", path, strerror(errno));
        goto fail;
    }
    struct stat st;
    if (fstat(j->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = jpki_error_set(err, JPKI_ERR_IO, "journal %s is not a regular file", path);
        goto fail;
    }
    if ((uint64_t)st.st_size > JPKI_JOURNAL_MAX_FILE) {
        rc = jpki_error_set(err, JPKI_ERR_LIMIT, "journal %s is larger than %u bytes", path,
                            JPKI_JOURNAL_MAX_FILE);
        goto fail;
    }
    size_t size = (size_t)st.st_size, got = 0;
    buf = malloc(size ? size : 1);
    if (!buf) {
        rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        goto fail;
    }
    while (got < size) {
        ssize_t n = pread(j->fd, buf + got, size - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = jpki_error_set(err, JPKI_ERR_IO, "reading journal %s: %s", path,
                                n < 0 ? strerror(errno) : "file shrank");
            goto fail;
        }
        got += (size_t)n;
    }
    size_t valid;
    bool torn;
    rc = jpki_journal_parse(buf, size, fold_visit, j, &valid, &torn, err);
    if (rc != JPKI_OK) {
        jpki_error_prefix(err, "journal %s", path);
        goto fail;
    }
    if (torn) {
        /* Cut the interrupted record off so the next one starts cleanly. */
        j->dropped = size - valid;
        if (ftruncate(j->fd, (off_t)valid) != 0 || fsync(j->fd) != 0) {
            rc = jpki_error_set(err, JPKI_ERR_IO, "repairing journal %s: %s", path, strerror(errno));
            goto fail;
        }
    }
    if (valid == 0) {
        jpki_journal_record h;
        jpki_journal_record_init(&h, JPKI_STEP_JOURNAL, NULL);
        if ((rc = append_locked(j, &h, err)) != JPKI_OK)
            goto fail;
        fsync_dir_of(path);
    }
    free(buf);
    *out = j;
    return JPKI_OK;
fail:
    free(buf);
    jpki_journal_close(j);
    return rc;
}

void jpki_journal_close(jpki_journal *j)
{
    if (!j)
        return;
    if (j->fd >= 0)
        close(j->fd); /* releases the flock */
    for (size_t i = 0; i < j->ncards; i++)
        jpki_journal_card_state_free(&j->cards[i]);
    free(j->cards);
    pthread_mutex_destroy(&j->lock);
    free(j);
}

jpki_rc jpki_journal_append(jpki_journal *j, const jpki_journal_record *r, jpki_error *err)
{
    if (!j)
        return JPKI_OK; /* no journal requested: nothing to record */
    if (r->step == JPKI_STEP_JOURNAL || r->card[0] == '\0')
        return jpki_error_set(err, JPKI_ERR_ARG, "journal: record needs a card");
    pthread_mutex_lock(&j->lock);
    jpki_rc rc = append_locked(j, r, err);
    pthread_mutex_unlock(&j->lock);
    return rc;
}

jpki_rc jpki_journal_lookup(jpki_journal *j, const char *serial, jpki_journal_card_state *out,
                            bool *found, jpki_error *err)
{
    memset(out, 0, sizeof *out);
    *found = false;
    if (!j)
        return JPKI_OK;
    jpki_rc rc = JPKI_OK;
    pthread_mutex_lock(&j->lock);
    jpki_journal_card_state *s = find_card(j, serial, false);
    if (s) {
        *out = *s;
        for (int i = 0; i < 2; i++) {
            out->key[i].cert = NULL;
            if (s->key[i].cert) {
                out->key[i].cert = malloc(s->key[i].cert_len);
                if (!out->key[i].cert) {
                    rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
                    break;
                }
                memcpy(out->key[i].cert, s->key[i].cert, s->key[i].cert_len);
            }
        }
        *found = rc == JPKI_OK;
        if (rc != JPKI_OK)
            jpki_journal_card_state_free(out);
    }
    pthread_mutex_unlock(&j->lock);
    return rc;
}
