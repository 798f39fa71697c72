/* "Is another program holding this reader?"  pcsc-lite's
 * SCardBeginTransaction waits, silently and without end, while another
 * process holds a transaction on the card, and it keeps its context locked
 * meanwhile (so nothing else may touch that context from another thread).
 * A person at the counter must instead hear within a second that the reader
 * is busy.  So before the real begin, a probe thread with a context of its
 * own connects to the reader and begins (then ends) a transaction; if it
 * does not get one within the wait budget, the reader is busy.  A probe
 * that gave up is left to finish alone: it ends the transaction it finally
 * gets at once and frees itself, so it never holds the reader for anyone. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcsc_internal.h"

/* Default wait: long enough for another tool's short read to finish, short
 * enough to answer "busy" within about a second. */
#define BUSY_WAIT_DEFAULT_MS 1000
#define BUSY_WAIT_MAX_MS (3600 * 1000)

typedef struct busy_probe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;      /* the probe got (and released) a transaction, or failed */
    bool abandoned; /* the waiter gave up: the probe frees the struct */
    char reader[256];
} busy_probe;

long jpki_pcsc_busy_wait_ms(void)
{
    const char *v = getenv("JPKI_BUSY_WAIT");
    if (!v || !*v)
        return BUSY_WAIT_DEFAULT_MS;
    char *end;
    errno = 0;
    double s = strtod(v, &end);
    if (errno || end == v || *end || s < 0 || s * 1000 > BUSY_WAIT_MAX_MS)
        return BUSY_WAIT_DEFAULT_MS;
    return (long)(s * 1000);
}

/* One transaction on a context of our own.  Any failure (no card, reader
 * gone) counts as "not busy": the caller's own begin reports it properly. */
static void probe_once(const char *reader)
{
    SCARDCONTEXT ctx;
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) != SCARD_S_SUCCESS)
        return;
    SCARDHANDLE h;
    DWORD proto;
    if (SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &h,
                     &proto) == SCARD_S_SUCCESS) {
        if (SCardBeginTransaction(h) == SCARD_S_SUCCESS)
            SCardEndTransaction(h, SCARD_LEAVE_CARD);
        SCardDisconnect(h, SCARD_LEAVE_CARD);
    }
    SCardReleaseContext(ctx);
}

static void *probe_main(void *arg)
{
    busy_probe *p = arg;
    probe_once(p->reader);
    pthread_mutex_lock(&p->mu);
    p->done = true;
    bool free_it = p->abandoned;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (free_it) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        free(p);
    }
    return NULL;
}

jpki_rc jpki_pcsc_wait_not_busy(const char *reader, jpki_error *err)
{
    long wait_ms = jpki_pcsc_busy_wait_ms();
    busy_probe *p = calloc(1, sizeof *p);
    if (!p)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "%s: out of memory", reader);
    snprintf(p->reader, sizeof p->reader, "%s", reader);
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);

    pthread_t th;
    pthread_attr_t ta;
    pthread_attr_init(&ta);
    pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
    int started = pthread_create(&th, &ta, probe_main, p);
    pthread_attr_destroy(&ta);
    if (started != 0) {
        /* No probe: fall back to pcsc-lite's own (unbounded) wait. */
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        free(p);
        return JPKI_OK;
    }
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&p->mu);
    while (!p->done)
        if (pthread_cond_timedwait(&p->cv, &p->mu, &until) == ETIMEDOUT)
            break;
    bool done = p->done;
    if (!done)
        p->abandoned = true;
    pthread_mutex_unlock(&p->mu);
    if (!done)
        return jpki_error_set(err, JPKI_ERR_BUSY,
                              "%s: reader busy (held by another program); still held after "
                              "%.1f s, try again when it is done",
                              reader, (double)wait_ms / 1000);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
    return JPKI_OK;
}
