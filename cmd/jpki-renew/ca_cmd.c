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

extern char **environ;

#define ERR_TAIL 512 /* > the 256-byte read chunk */

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

jpki_rc ca_cmd_issue(void *ctx, jpki_key_kind kind, const char *serial, const uint8_t *csr,
                     size_t csr_len, uint8_t **out, size_t *out_len, jpki_error *err)
{
    const ca_cmd *ca = ctx;
    *out = NULL;
    *out_len = 0;
    char *pem = NULL;
    jpki_rc rc = jpki_csr_pem(csr, csr_len, &pem, err);
    if (rc != JPKI_OK)
        return rc;

    int in[2] = {-1, -1}, o[2] = {-1, -1}, e[2] = {-1, -1};
    uint8_t *obuf = NULL;
    char **env = NULL;
    pid_t pid = -1;
    bool attr_ok = false, fa_ok = false;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t fa;
    char kv_kind[32], kv_serial[64];
    char ebuf[ERR_TAIL];
    size_t elen = 0, olen = 0, ocap = 0, in_off = 0, in_len = strlen(pem);

    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(o, O_CLOEXEC) != 0 || pipe2(e, O_CLOEXEC) != 0) {
        rc = jpki_error_set(err, JPKI_ERR_IO, "CA command: pipe: %s", strerror(errno));
        goto out;
    }
    env = child_env(jpki_key_kind_name(kind), serial, kv_kind, sizeof kv_kind, kv_serial,
                    sizeof kv_serial);
    if (!env || posix_spawnattr_init(&attr) != 0) {
        rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        goto out;
    }
    attr_ok = true;
    if (posix_spawn_file_actions_init(&fa) != 0) {
        rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        goto out;
    }
    fa_ok = true;
    /* Own process group (killed as a whole on timeout); SIGPIPE back to
     * default in the child, since we ignore it ourselves. */
    sigset_t def;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, o[1], 1);
    posix_spawn_file_actions_adddup2(&fa, e[1], 2);
    char *argv[] = {"sh", "-c", (char *)ca->cmd, NULL};
    int sr = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, env);
    if (sr != 0) {
        pid = -1;
        rc = jpki_error_set(err, JPKI_ERR_IO, "CA command: cannot start /bin/sh: %s", strerror(sr));
        goto out;
    }
    close(in[0]);
    close(o[1]);
    close(e[1]);
    in[0] = o[1] = e[1] = -1;
    fcntl(in[1], F_SETFL, O_NONBLOCK);

    long long deadline = now_ms() + (long long)(ca->timeout_s > 0 ? ca->timeout_s : CA_CMD_DEFAULT_TIMEOUT) * 1000;
    bool timed_out = false, too_much = false;
    while (o[0] >= 0 || e[0] >= 0) {
        struct pollfd p[3];
        int np = 0, iin = -1, io = -1, ie = -1;
        if (in[1] >= 0) { p[np] = (struct pollfd){in[1], POLLOUT, 0}; iin = np++; }
        if (o[0] >= 0) { p[np] = (struct pollfd){o[0], POLLIN, 0}; io = np++; }
        if (e[0] >= 0) { p[np] = (struct pollfd){e[0], POLLIN, 0}; ie = np++; }
        long long left = deadline - now_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        int pr = poll(p, (nfds_t)np, (int)(left > 1000 ? 1000 : left));
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0) {
            rc = jpki_error_set(err, JPKI_ERR_IO, "CA command: poll: %s", strerror(errno));
            goto kill_it;
        }
        if (iin >= 0 && p[iin].revents) {
            ssize_t w = write(in[1], pem + in_off, in_len - in_off);
            if (w > 0)
                in_off += (size_t)w;
            /* Done, or the command stopped reading (EPIPE): either way no
             * more input; its answer decides. */
            if (in_off == in_len || (w < 0 && errno != EAGAIN && errno != EINTR)) {
                close(in[1]);
                in[1] = -1;
            }
        }
        if (io >= 0 && p[io].revents) {
            if (olen == ocap) {
                size_t ncap = ocap ? 2 * ocap : 8192;
                uint8_t *nb = realloc(obuf, ncap);
                if (!nb) {
                    rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
                    goto kill_it;
                }
                obuf = nb;
                ocap = ncap;
            }
            ssize_t r = read(o[0], obuf + olen, ocap - olen);
            if (r > 0) {
                olen += (size_t)r;
                if (olen > CA_CMD_MAX_OUTPUT) {
                    too_much = true;
                    break;
                }
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(o[0]);
                o[0] = -1;
            }
        }
        if (ie >= 0 && p[ie].revents) {
            char tmp[256];
            ssize_t r = read(e[0], tmp, sizeof tmp);
            if (r > 0) {
                /* keep the tail: the last line is the one worth quoting
                 * (tmp is smaller than ebuf, so the chunk always fits) */
                if (elen + (size_t)r > sizeof ebuf) {
                    size_t drop = elen + (size_t)r - sizeof ebuf;
                    memmove(ebuf, ebuf + drop, elen - drop);
                    elen -= drop;
                }
                memcpy(ebuf + elen, tmp, (size_t)r);
                elen += (size_t)r;
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(e[0]);
                e[0] = -1;
            }
        }
    }
    if (timed_out || too_much) {
        kill(-pid, SIGKILL);
        waitpid(pid, NULL, 0);
        pid = -1;
        rc = timed_out ? jpki_error_set(err, JPKI_ERR_IO, "CA command timed out after %d s",
                                        ca->timeout_s > 0 ? ca->timeout_s : CA_CMD_DEFAULT_TIMEOUT)
                       : jpki_error_set(err, JPKI_ERR_LIMIT, "CA command printed more than %d bytes",
                                        CA_CMD_MAX_OUTPUT);
        goto out;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    pid = -1;
    char tail[200];
    last_line(ebuf, elen, tail, sizeof tail);
    if (WIFSIGNALED(st)) {
        rc = jpki_error_set(err, JPKI_ERR_IO, "CA command killed by signal %d%s%s", WTERMSIG(st),
                            tail[0] ? ": " : "", tail);
        goto out;
    }
    if (WEXITSTATUS(st) != 0) {
        rc = jpki_error_set(err, JPKI_ERR_IO, "CA command failed (exit %d)%s%s", WEXITSTATUS(st),
                            tail[0] ? ": " : "", tail);
        goto out;
    }
    if (olen == 0) {
        rc = jpki_error_set(err, JPKI_ERR_IO, "CA command printed no certificate%s%s",
                            tail[0] ? ": " : "", tail);
        goto out;
    }
    *out = obuf;
    *out_len = olen;
    obuf = NULL;
    goto out;

kill_it:
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
    pid = -1;
out:
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0) close(in[i]);
        if (o[i] >= 0) close(o[i]);
        if (e[i] >= 0) close(e[i]);
    }
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    if (attr_ok)
        posix_spawnattr_destroy(&attr);
    free(env);
    free(obuf);
    free(pem);
    return rc;
}
