/* APDU trace sinks: annotated text (apdu_describe.c formats it) and a CBOR
 * session file (jpki-trace(5)).  PIN data is redacted before any byte is
 * formatted or encoded.  One trace may be shared by several transports and
 * threads (batch tools), hence the lock and the per-reader contexts. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jpki/apdu.h"
#include "jpki/apdu_describe.h"
#include "jpki/trace.h"
#include "trace_cbor.h"

/* Readers whose selection context we follow at once; more readers than
 * this only cost annotation quality (the oldest context is reused). */
#define TRACE_READERS 16

typedef struct reader_ctx {
    char name[128];
    jpki_apdu_ctx ctx;
} reader_ctx;

struct jpki_trace {
    pthread_mutex_t lock;
    FILE *text;
    int fd; /* CBOR file, -1 = none */
    bool header_written;
    jpki_rc write_rc;
    char write_err[200];
    tc_buf item;
    char tool[64];
    char reader[128];
    uint8_t atr[33];
    size_t atr_len;
    bool card_known;
    struct timespec start_mono;
    time_t start_wall;
    unsigned long seq;
    reader_ctx readers[TRACE_READERS];
    size_t nreaders, evict;
};

jpki_trace *jpki_trace_new(void)
{
    jpki_trace *tr = calloc(1, sizeof *tr);
    if (!tr)
        return NULL;
    pthread_mutex_init(&tr->lock, NULL);
    tr->fd = -1;
    clock_gettime(CLOCK_MONOTONIC, &tr->start_mono);
    tr->start_wall = time(NULL);
    snprintf(tr->tool, sizeof tr->tool, "%s", program_invocation_short_name);
    return tr;
}

static uint64_t since_start_us(const jpki_trace *tr)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t us = (int64_t)(now.tv_sec - tr->start_mono.tv_sec) * 1000000 +
                 (now.tv_nsec - tr->start_mono.tv_nsec) / 1000;
    return us > 0 ? (uint64_t)us : 0;
}

static jpki_apdu_ctx *ctx_for(jpki_trace *tr, const char *reader)
{
    const char *name = reader ? reader : "";
    for (size_t i = 0; i < tr->nreaders; i++)
        if (strcmp(tr->readers[i].name, name) == 0)
            return &tr->readers[i].ctx;
    size_t slot = tr->nreaders < TRACE_READERS ? tr->nreaders++ : tr->evict++ % TRACE_READERS;
    snprintf(tr->readers[slot].name, sizeof tr->readers[slot].name, "%s", name);
    jpki_apdu_ctx_init(&tr->readers[slot].ctx);
    return &tr->readers[slot].ctx;
}

/* ---- CBOR file ---- */

static void cbor_fail(jpki_trace *tr, const char *what)
{
    if (tr->write_rc == JPKI_OK) {
        tr->write_rc = JPKI_ERR_IO;
        snprintf(tr->write_err, sizeof tr->write_err, "trace file: %s", what);
    }
    close(tr->fd);
    tr->fd = -1;
}

/* One item, one write: a crash leaves whole items behind (and at worst
 * the tail of one, which readers report as truncated). */
static void cbor_flush_item(jpki_trace *tr)
{
    if (tr->item.failed) {
        cbor_fail(tr, "out of memory encoding an item");
        return;
    }
    size_t off = 0;
    while (off < tr->item.len) {
        ssize_t k = write(tr->fd, tr->item.p + off, tr->item.len - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            char msg[160];
            snprintf(msg, sizeof msg, "write failed: %s", k < 0 ? strerror(errno) : "no progress");
            cbor_fail(tr, msg);
            return;
        }
        off += (size_t)k;
    }
}

static void cbor_header(jpki_trace *tr, const char *reader)
{
    if (tr->header_written)
        return;
    tr->header_written = true;
    if (!tr->card_known && reader)
        snprintf(tr->reader, sizeof tr->reader, "%s", reader);
    char start[32];
    struct tm tm;
    gmtime_r(&tr->start_wall, &tm);
    strftime(start, sizeof start, "%Y-%m-%dT%H:%M:%SZ", &tm);
    tc_buf *b = &tr->item;
    tc_reset(b);
    tc_map(b, 4 + (tr->reader[0] ? 1 : 0) + (tr->atr_len ? 1 : 0));
    tc_kv_text(b, TC_K_TYPE, TC_TYPE_HEADER);
    tc_kv_uint(b, TC_K_VERSION, JPKI_TRACE_FORMAT_VERSION);
    tc_kv_text(b, TC_K_TOOL, tr->tool);
    tc_kv_text(b, TC_K_START, start);
    if (tr->reader[0])
        tc_kv_text(b, TC_K_READER, tr->reader);
    if (tr->atr_len)
        tc_kv_bytes(b, TC_K_ATR, tr->atr, tr->atr_len);
    cbor_flush_item(tr);
}

/* Start an item in tr->item: the map head and the keys every item after
 * the header has ("type", "t", "reader" when known); extra = entries the
 * caller adds. */
static tc_buf *item_begin(jpki_trace *tr, const char *type, const char *reader, size_t extra)
{
    tc_buf *b = &tr->item;
    tc_reset(b);
    tc_map(b, 2 + (reader ? 1 : 0) + extra);
    tc_kv_text(b, TC_K_TYPE, type);
    tc_kv_uint(b, TC_K_T, since_start_us(tr));
    if (reader)
        tc_kv_text(b, TC_K_READER, reader);
    return b;
}

static void cbor_apdu(jpki_trace *tr, const char *reader, const uint8_t *red, size_t clen,
                      bool redacted, const uint8_t *rapdu, size_t rlen, double ms,
                      const char *err_text)
{
    cbor_header(tr, reader);
    if (tr->fd < 0)
        return;
    /* seq, dur, c, r or error; redacted */
    tc_buf *b = item_begin(tr, TC_TYPE_APDU, reader, 4 + (redacted ? 1 : 0));
    tc_kv_uint(b, TC_K_SEQ, tr->seq);
    tc_kv_uint(b, TC_K_DUR, ms > 0 ? (uint64_t)(ms * 1000.0 + 0.5) : 0);
    tc_kv_bytes(b, TC_K_CAPDU, red, clen);
    if (redacted)
        tc_kv_bool(b, TC_K_REDACTED, true);
    if (!rapdu)
        tc_kv_text(b, TC_K_ERROR, err_text ? err_text : "transmit failed");
    else
        tc_kv_bytes(b, TC_K_RAPDU, rapdu, rlen);
    cbor_flush_item(tr);
}

static void cbor_event(jpki_trace *tr, const char *reader, const char *what)
{
    cbor_header(tr, reader);
    if (tr->fd < 0)
        return;
    tc_kv_text(item_begin(tr, TC_TYPE_EVENT, reader, 1), TC_K_WHAT, what);
    cbor_flush_item(tr);
}

jpki_rc jpki_trace_set_cbor_file(jpki_trace *tr, const char *path, jpki_error *err)
{
    if (!tr || !path || !*path)
        return jpki_error_set(err, JPKI_ERR_ARG, "trace file: no path given");
    pthread_mutex_lock(&tr->lock);
    jpki_rc rc = JPKI_OK;
    if (tr->fd >= 0 || tr->header_written) {
        rc = jpki_error_set(err, JPKI_ERR_ARG, "%s: a trace file is already being written", path);
        goto out;
    }
    /* The session holds certificates and personal data: owner-only, also
     * when the file existed before with a wider mode. */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        rc = jpki_error_set(err, JPKI_ERR_IO, "%s: %s", path, strerror(errno));
        goto out;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fchmod(fd, 0600) != 0) {
        rc = jpki_error_set(err, JPKI_ERR_IO, "%s: cannot make it private: %s", path,
                            strerror(errno));
        close(fd);
        goto out;
    }
    tr->fd = fd;
out:
    pthread_mutex_unlock(&tr->lock);
    return rc;
}

void jpki_trace_set_tool(jpki_trace *tr, const char *tool)
{
    if (!tr || !tool)
        return;
    pthread_mutex_lock(&tr->lock);
    snprintf(tr->tool, sizeof tr->tool, "%s", tool);
    pthread_mutex_unlock(&tr->lock);
}

void jpki_trace_set_card(jpki_trace *tr, const char *reader, const uint8_t *atr,
                         size_t atr_len)
{
    if (!tr)
        return;
    if (atr_len > sizeof tr->atr)
        atr_len = sizeof tr->atr;
    pthread_mutex_lock(&tr->lock);
    /* The first card of a session goes into the CBOR header and shows in
     * text through the caller's "connected" event; only a later card (a
     * reinsertion) is an item of its own, in both forms alike. */
    bool later_card = tr->header_written;
    if (!tr->header_written) {
        snprintf(tr->reader, sizeof tr->reader, "%s", reader ? reader : "");
        if (atr_len)
            memcpy(tr->atr, atr, atr_len);
        tr->atr_len = atr_len;
        tr->card_known = true;
    } else if (tr->fd >= 0) {
        tc_kv_bytes(item_begin(tr, TC_TYPE_CARD, reader, 1), TC_K_ATR, atr, atr_len);
        cbor_flush_item(tr);
    }
    if (tr->text && later_card) {
        fprintf(tr->text, "%s%s%s-- card, ATR ", reader ? "[" : "", reader ? reader : "",
                reader ? "] " : "");
        for (size_t i = 0; i < atr_len; i++)
            fprintf(tr->text, "%02X", atr[i]);
        fputc('\n', tr->text);
    }
    jpki_apdu_ctx_init(ctx_for(tr, reader));
    pthread_mutex_unlock(&tr->lock);
}

jpki_rc jpki_trace_status(const jpki_trace *tr, jpki_error *err)
{
    if (!tr || tr->write_rc == JPKI_OK)
        return JPKI_OK;
    return jpki_error_set(err, tr->write_rc, "%s", tr->write_err);
}

void jpki_trace_free(jpki_trace *tr)
{
    if (!tr)
        return;
    if (tr->fd >= 0) {
        cbor_header(tr, NULL);
        if (tr->fd >= 0) {
            tc_kv_uint(item_begin(tr, TC_TYPE_END, NULL, 1), TC_K_APDUS, tr->seq);
            cbor_flush_item(tr);
        }
        if (tr->fd >= 0)
            close(tr->fd);
    }
    if (tr->text)
        fflush(tr->text);
    tc_free(&tr->item);
    pthread_mutex_destroy(&tr->lock);
    free(tr);
}

void jpki_trace_set_text(jpki_trace *tr, FILE *f)
{
    if (!tr)
        return;
    pthread_mutex_lock(&tr->lock);
    tr->text = f;
    pthread_mutex_unlock(&tr->lock);
}

/* ---- the two entry points the transport layer calls ---- */

void jpki_trace_exchange(jpki_trace *tr, const char *reader, const uint8_t *capdu,
                         size_t clen, const uint8_t *rapdu, size_t rlen,
                         double elapsed_ms, const char *err_text)
{
    if (!tr || !capdu || clen > JPKI_CAPDU_MAX)
        return;
    uint8_t *red = malloc(clen ? clen : 1);
    if (!red)
        return;
    bool redacted = jpki_trace_redact(capdu, clen, red);
    pthread_mutex_lock(&tr->lock);
    tr->seq++;
    jpki_apdu_ctx *ctx = ctx_for(tr, reader);
    if (tr->text) {
        jpki_apdu_print_exchange(tr->text, ctx, tr->seq, reader, red, clen, rapdu, rlen,
                                 elapsed_ms, err_text);
        fflush(tr->text);
    } else {
        jpki_apdu_ctx_update(ctx, red, clen, rapdu, rlen);
    }
    if (tr->fd >= 0)
        cbor_apdu(tr, reader, red, clen, redacted, rapdu, rlen, elapsed_ms, err_text);
    pthread_mutex_unlock(&tr->lock);
    free(red);
}

void jpki_trace_event(jpki_trace *tr, const char *reader, const char *what)
{
    if (!tr || !what)
        return;
    pthread_mutex_lock(&tr->lock);
    jpki_apdu_ctx *ctx = ctx_for(tr, reader);
    if (tr->text) {
        jpki_apdu_print_event(tr->text, ctx, reader, what);
        fflush(tr->text);
    } else {
        jpki_apdu_ctx_event(ctx, what);
    }
    if (tr->fd >= 0)
        cbor_event(tr, reader, what);
    pthread_mutex_unlock(&tr->lock);
}
