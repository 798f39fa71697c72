/* Asking for a secret on the controlling terminal with echo off.  The
 * prompt goes to the terminal (stdout may be a pipe into a script), and the
 * terminal's settings come back even when a signal arrives mid-prompt. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "jpki/secret.h"
#include "secret_internal.h"

static const int caught[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};
#define NCAUGHT (sizeof caught / sizeof caught[0])

/* Shared with the signal handler; a prompt is a one-at-a-time affair. */
static volatile sig_atomic_t got_signal;
static volatile int tty_fd = -1;
static struct termios saved_termios;

static void on_signal(int sig)
{
    got_signal = sig;
    /* tcsetattr is async-signal-safe: echo is back even if the process is
     * killed before our own cleanup runs. */
    if (tty_fd >= 0)
        tcsetattr(tty_fd, TCSANOW, &saved_termios);
}

static void install(struct sigaction old[NCAUGHT])
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: read() must return EINTR */
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NCAUGHT; i++)
        sigaction(caught[i], &sa, &old[i]);
}

static void uninstall(const struct sigaction old[NCAUGHT])
{
    for (size_t i = 0; i < NCAUGHT; i++)
        sigaction(caught[i], &old[i], NULL);
}

static void put(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

typedef enum { LINE_OK, LINE_EOF, LINE_TOO_LONG, LINE_SIGNAL, LINE_ERROR } line_result;

/* Wait until fd is readable or one of the caught signals arrives.  The
 * signals are blocked except inside ppoll, which unblocks them atomically:
 * a signal that lands between the got_signal check and the wait cannot be
 * lost (with a plain read() it was, and the prompt then ignored that ^C or
 * kill and hung -- reliably so under valgrind). */
static bool wait_readable(int fd)
{
    sigset_t block, orig;
    sigemptyset(&block);
    for (size_t i = 0; i < NCAUGHT; i++)
        sigaddset(&block, caught[i]);
    sigprocmask(SIG_BLOCK, &block, &orig);
    bool ready = false;
    while (!got_signal) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = ppoll(&p, 1, NULL, &orig);
        if (r > 0) {
            ready = true;
            break;
        }
        if (r < 0 && errno != EINTR) {
            ready = true; /* let read() report the error */
            break;
        }
    }
    sigprocmask(SIG_SETMASK, &orig, NULL);
    return ready && !got_signal;
}

static line_result read_tty_line(int fd, jpki_secret *out)
{
    size_t n = 0;
    bool too_long = false;
    for (;;) {
        if (got_signal || !wait_readable(fd))
            return LINE_SIGNAL;
        unsigned char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue; /* loop re-checks got_signal */
        if (r < 0)
            return LINE_ERROR;
        if (r == 0)
            return n == 0 && !too_long ? LINE_EOF : (too_long ? LINE_TOO_LONG : LINE_OK);
        if (c == '\n' || c == '\r')
            break;
        if (n == sizeof out->buf)
            too_long = true;
        else
            out->buf[n++] = c;
    }
    out->len = n;
    return too_long ? LINE_TOO_LONG : LINE_OK;
}

jpki_rc jpki_secret_read_tty(const char *prompt, jpki_secret *out, jpki_error *err)
{
    if (!out)
        return jpki_error_set(err, JPKI_ERR_ARG, "secret: missing output");
    jpki_secret_lock(out);
    jpki_secret_wipe(out);
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return jpki_error_set(err, JPKI_ERR_IO,
                              "no terminal to ask for the secret (use --pin-fd or --pin-file)");
    struct termios t;
    if (tcgetattr(fd, &t) != 0) {
        close(fd);
        return jpki_error_set(err, JPKI_ERR_IO, "/dev/tty: %s", strerror(errno));
    }
    saved_termios = t;
    struct sigaction old[NCAUGHT];
    line_result lr;
    for (;;) {
        got_signal = 0;
        tty_fd = fd;
        install(old);
        struct termios quiet = saved_termios;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
        quiet.c_lflag |= ICANON;
        tcsetattr(fd, TCSAFLUSH, &quiet);
        put(fd, prompt ? prompt : "PIN: ");
        jpki_secret_wipe(out);
        lr = read_tty_line(fd, out);
        tcsetattr(fd, TCSAFLUSH, &saved_termios);
        put(fd, "\n"); /* the user's Enter was not echoed */
        tty_fd = -1;
        uninstall(old);
        if (lr != LINE_SIGNAL)
            break;
        int sig = got_signal;
        jpki_secret_wipe(out);
        /* Deliver the signal as if we had not been here: default action or
         * the caller's handler.  After a stop (^Z) we come back and ask again. */
        kill(getpid(), sig);
        if (sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU) {
            close(fd);
            return jpki_error_set(err, JPKI_ERR_IO, "interrupted while reading the secret");
        }
    }
    close(fd);
    switch (lr) {
    case LINE_OK:
        return JPKI_OK;
    case LINE_EOF:
        jpki_secret_wipe(out);
        return jpki_error_set(err, JPKI_ERR_IO, "no input on the terminal");
    case LINE_TOO_LONG:
        jpki_secret_wipe(out);
        return jpki_error_set(err, JPKI_ERR_LIMIT, "terminal input longer than %d bytes",
                              JPKI_SECRET_MAX);
    default:
        jpki_secret_wipe(out);
        return jpki_error_set(err, JPKI_ERR_IO, "reading the terminal failed");
    }
}
