/* Running the CA command (ca_cmd.h): /bin/sh -c CMD in its own process
 * group, stdin/stdout/stderr on pipes, one poll loop so neither side can
 * block the other, and a deadline after which the group is killed.
 * Safe to call from several threads at once (batch mode): every pipe is
 * close-on-exec, so one child never holds another child's pipe open. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ca_cmd.h"
#include "jpki/csr.h"
#include "private/i18n.h"

extern char **environ;

#define ERR_TAIL 512 /* > the 256-byte read chunk */

/* SIGINT/SIGTERM/SIGHUP while a key is being renewed (from its pending key
 * until its certificate is safe: jpki_renew_interrupt) are noted, and the
 * renewal stops at its next safe point with the key pending (exit 7,
 * resumable); a CA command running then has its process group ended.  At
 * any other moment the signal does what it always does. */
static void on_stop_signal(int sig)
{
    if (jpki_renew_interrupt(sig))
        return;
    signal(sig, SIG_DFL);
    raise(sig);
}

void ca_cmd_catch_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa;
        /* Ignored on entry (nohup, a background job): stays ignored. */
        if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN)
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0; /* no SA_RESTART: poll() returns EINTR at once */
        sigaction(sigs[i], &sa, NULL);
    }
}

int ca_cmd_stop_signal(void)
{
    return jpki_renew_interrupted();
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* environ plus our two variables (replacing inherited ones). */
static char **child_env(const char *kind, const char *serial, char *kv_kind, size_t nk,
                        char *kv_serial, size_t ns)
{
    size_t n = 0;
    while (environ && environ[n])
        n++;
    char **env = calloc(n + 3, sizeof *env);
    if (!env)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "JPKI_CERT_KIND=", 15) != 0 &&
            strncmp(environ[i], "JPKI_CARD_SERIAL=", 17) != 0)
            env[j++] = environ[i];
    snprintf(kv_kind, nk, "JPKI_CERT_KIND=%s", kind);
    snprintf(kv_serial, ns, "JPKI_CARD_SERIAL=%s", serial ? serial : "");
    env[j++] = kv_kind;
    env[j++] = kv_serial;
    env[j] = NULL;
    return env;
}

/* Last non-empty line of the child's stderr, printable only. */
static void last_line(const char *buf, size_t n, char *out, size_t cap)
{
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        n--;
    size_t start = n;
    while (start && buf[start - 1] != '\n')
        start--;
    size_t k = 0;
    for (size_t i = start; i < n && k + 1 < cap; i++)
        out[k++] = (buf[i] >= 0x20 && buf[i] != 0x7F) || (buf[i] & 0x80) ? buf[i] : ' ';
    out[k] = '\0';
}

/* One run of the CA command: its pipes, its process, what it said. */
typedef struct ca_run {
    int in[2], out[2], err[2];
    pid_t pid;
    const char *pem;          /* the request, written to its stdin */
    size_t pem_len, pem_off;
    uint8_t *obuf;            /* its stdout */
    size_t olen, ocap;
    char ebuf[ERR_TAIL];      /* the tail of its stderr */
    size_t elen;
    bool timed_out, too_much;
    bool interrupted;         /* a signal stopped the exchange */
} ca_run;

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void ca_run_close(ca_run *r)
{
    for (int i = 0; i < 2; i++) {
        close_fd(&r->in[i]);
        close_fd(&r->out[i]);
        close_fd(&r->err[i]);
    }
    free(r->obuf);
    r->obuf = NULL;
}

/* End the command's whole process group (its children too). */
static void ca_run_kill(ca_run *r)
{
    if (r->pid <= 0)
        return;
    kill(-r->pid, SIGKILL);
    while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR) {
    }
    r->pid = -1;
}

/* 1. /bin/sh -c CMD in its own process group, stdin/stdout/stderr on
 * close-on-exec pipes, the card's kind and serial in its environment. */
static jpki_rc ca_spawn(const ca_cmd *ca, jpki_key_kind kind, const char *serial, ca_run *r,
                        jpki_error *err)
{
    if (pipe2(r->in, O_CLOEXEC) != 0 || pipe2(r->out, O_CLOEXEC) != 0 ||
        pipe2(r->err, O_CLOEXEC) != 0)
        return jpki_error_set(err, JPKI_ERR_IO, "CA command: pipe: %s", strerror(errno));
    char kv_kind[32], kv_serial[64];
    char **env = child_env(jpki_key_kind_name(kind), serial, kv_kind, sizeof kv_kind, kv_serial,
                           sizeof kv_serial);
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t fa;
    if (!env)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    if (posix_spawnattr_init(&attr) != 0) {
        free(env);
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    }
    if (posix_spawn_file_actions_init(&fa) != 0) {
        posix_spawnattr_destroy(&attr);
        free(env);
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    }
    /* Own process group (killed as a whole on timeout); SIGPIPE back to
     * default in the child, since we ignore it ourselves. */
    sigset_t def;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
    posix_spawn_file_actions_adddup2(&fa, r->in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, r->out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, r->err[1], 2);
    char *argv[] = {"sh", "-c", (char *)ca->cmd, NULL};
    int sr = posix_spawn(&r->pid, "/bin/sh", &fa, &attr, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    free(env);
    if (sr != 0) {
        r->pid = -1;
        return jpki_error_set(err, JPKI_ERR_IO, "CA command: cannot start /bin/sh: %s", strerror(sr));
    }
    close_fd(&r->in[0]);
    close_fd(&r->out[1]);
    close_fd(&r->err[1]);
    fcntl(r->in[1], F_SETFL, O_NONBLOCK);
    return JPKI_OK;
}

/* Feed the request; done, or the command stopped reading (EPIPE): either
 * way no more input, its answer decides. */
static void feed_request(ca_run *r)
{
    ssize_t w = write(r->in[1], r->pem + r->pem_off, r->pem_len - r->pem_off);
    if (w > 0)
        r->pem_off += (size_t)w;
    if (r->pem_off == r->pem_len || (w < 0 && errno != EAGAIN && errno != EINTR))
        close_fd(&r->in[1]);
}

static jpki_rc take_answer(ca_run *r, jpki_error *err)
{
    if (r->olen == r->ocap) {
        size_t ncap = r->ocap ? 2 * r->ocap : 8192;
        uint8_t *nb = realloc(r->obuf, ncap);
        if (!nb)
            return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        r->obuf = nb;
        r->ocap = ncap;
    }
    ssize_t n = read(r->out[0], r->obuf + r->olen, r->ocap - r->olen);
    if (n > 0) {
        r->olen += (size_t)n;
        r->too_much = r->olen > CA_CMD_MAX_OUTPUT;
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        close_fd(&r->out[0]);
    }
    return JPKI_OK;
}

/* Keep the tail of stderr: the last line is the one worth quoting (the
 * read chunk is smaller than ebuf, so it always fits). */
static void take_stderr(ca_run *r)
{
    char tmp[256];
    ssize_t n = read(r->err[0], tmp, sizeof tmp);
    if (n > 0) {
        if (r->elen + (size_t)n > sizeof r->ebuf) {
            size_t drop = r->elen + (size_t)n - sizeof r->ebuf;
            memmove(r->ebuf, r->ebuf + drop, r->elen - drop);
            r->elen -= drop;
        }
        memcpy(r->ebuf + r->elen, tmp, (size_t)n);
        r->elen += (size_t)n;
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        close_fd(&r->err[0]);
    }
}

/* After the command's group was killed: the rest of its output, up to the
 * EOF its end brings (at most wait_ms, should a child have left the
 * group). */
static void drain_answer(ca_run *r, int wait_ms)
{
    long long deadline = now_ms() + wait_ms;
    while (r->out[0] >= 0 && !r->too_much) {
        long long left = deadline - now_ms();
        struct pollfd p = {r->out[0], POLLIN, 0};
        int pr = left > 0 ? poll(&p, 1, (int)left) : 0;
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr != 1)
            return;
        jpki_error ignore;
        jpki_error_clear(&ignore);
        if (take_answer(r, &ignore) != JPKI_OK)
            return;
    }
}

/* 2. One poll loop until both output pipes close, so neither side can
 * block the other, or until the deadline / the output limit. */
static jpki_rc ca_exchange(ca_run *r, int timeout_s, jpki_error *err)
{
    long long deadline = now_ms() + (long long)timeout_s * 1000;
    while (r->out[0] >= 0 || r->err[0] >= 0) {
        if (jpki_renew_interrupted()) {
            r->interrupted = true;
            return jpki_renew_interrupted_error(err, N_("while the CA command ran (the command was ended)"));
        }
        struct pollfd p[3];
        int np = 0, iin = -1, io = -1, ie = -1;
        if (r->in[1] >= 0) { p[np] = (struct pollfd){r->in[1], POLLOUT, 0}; iin = np++; }
        if (r->out[0] >= 0) { p[np] = (struct pollfd){r->out[0], POLLIN, 0}; io = np++; }
        if (r->err[0] >= 0) { p[np] = (struct pollfd){r->err[0], POLLIN, 0}; ie = np++; }
        long long left = deadline - now_ms();
        if (left <= 0) {
            r->timed_out = true;
            return JPKI_OK;
        }
        int pr = poll(p, (nfds_t)np, (int)(left > 1000 ? 1000 : left));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            return jpki_error_set(err, JPKI_ERR_IO, "CA command: poll: %s", strerror(errno));
        if (iin >= 0 && p[iin].revents)
            feed_request(r);
        if (io >= 0 && p[io].revents) {
            jpki_rc rc = take_answer(r, err);
            if (rc != JPKI_OK)
                return rc;
            if (r->too_much)
                return JPKI_OK;
        }
        if (ie >= 0 && p[ie].revents)
            take_stderr(r);
    }
    return JPKI_OK;
}

/* 3. How it ended: timed out or too talkative (killed), killed by a
 * signal, a non-zero exit, no answer, or an answer. */
static jpki_rc ca_judge(ca_run *r, int timeout_s, jpki_error *err)
{
    if (r->timed_out || r->too_much) {
        ca_run_kill(r);
        return r->timed_out
                   ? jpki_error_set(err, JPKI_ERR_IO, "CA command timed out after %d s", timeout_s)
                   : jpki_error_set(err, JPKI_ERR_LIMIT, "CA command printed more than %d bytes",
                                    CA_CMD_MAX_OUTPUT);
    }
    int st;
    while (waitpid(r->pid, &st, 0) < 0 && errno == EINTR) {
        /* Its output is closed but it lingers: a stop ends it now. */
        if (jpki_renew_interrupted() && !r->interrupted) {
            r->interrupted = true;
            kill(-r->pid, SIGKILL);
        }
    }
    r->pid = -1;
    if (r->interrupted)
        return jpki_renew_interrupted_error(err, N_("while the CA command ran (the command was ended)"));
    char tail[200];
    last_line(r->ebuf, r->elen, tail, sizeof tail);
    const char *sep = tail[0] ? ": " : "";
    if (WIFSIGNALED(st))
        return jpki_error_set(err, JPKI_ERR_IO, "CA command killed by signal %d%s%s",
                              WTERMSIG(st), sep, tail);
    if (WEXITSTATUS(st) != 0)
        return jpki_error_set(err, JPKI_ERR_IO, "CA command failed (exit %d)%s%s",
                              WEXITSTATUS(st), sep, tail);
    if (r->olen == 0)
        return jpki_error_set(err, JPKI_ERR_IO, "CA command printed no certificate%s%s", sep, tail);
    return JPKI_OK;
}

jpki_rc ca_cmd_issue(void *ctx, jpki_key_kind kind, const char *serial, const uint8_t *csr,
                     size_t csr_len, uint8_t **out, size_t *out_len, jpki_error *err)
{
    const ca_cmd *ca = ctx;
    int timeout_s = ca->timeout_s > 0 ? ca->timeout_s : CA_CMD_DEFAULT_TIMEOUT;
    *out = NULL;
    *out_len = 0;
    char *pem = NULL;
    jpki_rc rc = jpki_csr_pem(csr, csr_len, &pem, err);
    if (rc != JPKI_OK)
        return rc;
    ca_run r = {.in = {-1, -1}, .out = {-1, -1}, .err = {-1, -1}, .pid = -1,
                .pem = pem, .pem_len = strlen(pem)};
    if ((rc = ca_spawn(ca, kind, serial, &r, err)) == JPKI_OK &&
        (rc = ca_exchange(&r, timeout_s, err)) == JPKI_OK)
        rc = ca_judge(&r, timeout_s, err);
    ca_run_kill(&r); /* only if still running: a failed or interrupted exchange */
    /* Interrupted: what the command printed may be a certificate it has
     * issued already.  Hand it over; the renewal takes it only if it is a
     * certificate for the pending key under the card's CA, journals it and
     * only then stops, so that a resume does not ask the CA again. */
    if (rc != JPKI_OK && r.interrupted) {
        drain_answer(&r, 1000);
        if (r.olen > 0 && !r.too_much) {
            jpki_error_clear(err);
            rc = JPKI_OK;
        }
    }
    if (rc == JPKI_OK) {
        *out = r.obuf;
        *out_len = r.olen;
        r.obuf = NULL;
    }
    ca_run_close(&r);
    free(pem);
    return rc;
}
