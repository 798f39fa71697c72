/* The --watch loop (see cli_watch.h).  Signals: SIGINT and SIGTERM are
 * blocked and a helper thread takes them with sigwait, then cancels the
 * PC/SC wait.  pcscd ignores a cancel that lands in the instant before the
 * main thread enters its wait, so the helper repeats it every 100 ms until
 * the main thread is out of the loop. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_watch.h"

typedef struct watch_signals {
    jpki_pcsc_wait *w;
    sigset_t set;
    atomic_bool done; /* the main thread has left the loop */
} watch_signals;

static void *signal_thread(void *arg)
{
    watch_signals *s = arg;
    int sig;
    sigwait(&s->set, &sig);
    while (!atomic_load(&s->done)) {
        jpki_pcsc_wait_cancel(s->w);
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static int watch_loop(const char *prog, jpki_pcsc_wait *w, cli_watch_card_fn on_card, void *ctx)
{
    for (;;) {
        jpki_pcsc_event ev;
        jpki_error err;
        jpki_error_clear(&err);
        if (jpki_pcsc_wait_next(w, &ev, &err) != JPKI_OK)
            return cli_report(prog, &err);
        switch (ev.kind) {
        case JPKI_PCSC_WAIT_CANCELLED:
            return CLI_EXIT_OK;
        case JPKI_PCSC_CARD_INSERTED:
            if (!on_card(ctx, ev.reader))
                return CLI_EXIT_FAIL;
            break;
        case JPKI_PCSC_READER_ADDED:
            cli_errorf(prog, "reader added: %s", ev.reader);
            break;
        case JPKI_PCSC_READER_REMOVED:
            cli_errorf(prog, "reader removed: %s", ev.reader);
            break;
        case JPKI_PCSC_CARD_REMOVED:
            break; /* nothing to report: the next insertion is what counts */
        }
    }
}

int cli_watch(const char *prog, cli_watch_card_fn on_card, void *ctx)
{
    watch_signals s;
    sigemptyset(&s.set);
    sigaddset(&s.set, SIGINT);
    sigaddset(&s.set, SIGTERM);
    atomic_init(&s.done, false);
    sigset_t old;
    pthread_sigmask(SIG_BLOCK, &s.set, &old);

    jpki_error err;
    jpki_error_clear(&err);
    if (jpki_pcsc_wait_new(&s.w, &err) != JPKI_OK) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return cli_report(prog, &err);
    }
    pthread_t th;
    if (pthread_create(&th, NULL, signal_thread, &s) != 0) {
        jpki_pcsc_wait_free(s.w);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        cli_errorf(prog, "cannot start the signal thread");
        return CLI_EXIT_FAIL;
    }
    if (isatty(STDERR_FILENO))
        cli_errorf(prog, "waiting for cards in every reader (Ctrl-C to stop)");
    int code = watch_loop(prog, s.w, on_card, ctx);
    atomic_store(&s.done, true);
    /* Wake the helper if no signal came (it is still in sigwait); one that
     * came is already looping and sees done. */
    pthread_kill(th, SIGTERM);
    pthread_join(th, NULL);
    jpki_pcsc_wait_free(s.w);
    /* The signals stay blocked: a second Ctrl-C must not cut the caller's
     * summary line off; the process ends right after it. */
    return code;
}
