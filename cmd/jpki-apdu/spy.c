/* `jpki-apdu spy -- COMMAND [ARGS...]`: any PC/SC program's APDU traffic,
 * annotated like --trace, through pcsc-lite's own spy library.
 *
 * libpcscspy.so.0 (Debian libpcsclite-dev) stands in for libpcsclite.so.1,
 * forwards every call to the real library (it dlopens
 * "libpcsclite_nospy.so.1" first) and writes each call's arguments as text
 * lines "THREAD@..." to the FIFO $HOME/pcsc-spy.  So the program runs with
 * LD_LIBRARY_PATH pointing at a private directory holding both names as
 * symbolic links -- this also catches programs that dlopen libpcsclite
 * (OpenSC does), which LD_PRELOAD would miss -- and with HOME set to that
 * directory, where our FIFO waits.  We decode the call stream here
 * (SCardConnect names the reader, SCardGetStatusChange/SCardStatus carry
 * the ATR, SCardTransmit the APDUs) and hand every exchange to a jpki_trace:
 * PIN data is redacted there before anything is printed or recorded.
 *
 * The FIFO carries PIN bytes in the clear between the two processes: it
 * lives in a mode-0700 directory of ours, and every buffer that held a
 * line is wiped. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <winscard.h>

#include "cli.h"
#include "run.h"
#include "spy.h"
#include "private/i18n.h"

#define SPY_LIB_NAME "libpcscspy.so.0"
#define SPY_LINES_MAX 64   /* arguments of one call (GetStatusChange: 3 + 10 per reader) */
#define SPY_THREADS_MAX 16 /* the spy interleaves the calls of the program's threads */
#define SPY_HANDLES_MAX 32
#define SPY_READER_MAX 128
#define SPY_ATR_MAX 33

typedef struct spy_call {
    char tid[32];      /* "" = slot free */
    char fn[40];
    long sec, usec;    /* when the call began */
    char *lines[SPY_LINES_MAX];
    size_t n;
} spy_call;

typedef struct spy_reader {
    char name[SPY_READER_MAX];
    uint8_t atr[SPY_ATR_MAX];
    size_t atr_len;
    uint8_t told[SPY_ATR_MAX]; /* the ATR last given to the trace (a new one = a new card) */
    size_t told_len;
} spy_reader;

typedef struct spy_state {
    jpki_trace *tr;
    spy_call calls[SPY_THREADS_MAX];
    struct {
        unsigned long handle;
        size_t reader; /* index into readers */
    } handles[SPY_HANDLES_MAX];
    size_t nhandles;
    spy_reader readers[SPY_HANDLES_MAX];
    size_t nreaders;
    unsigned long calls_seen, apdus, undecoded;
    uint8_t *cbuf, *rbuf; /* decoded APDUs (wiped after each exchange) */
} spy_state;

static void free_line(char *s)
{
    if (s) {
        jpki_wipe(s, strlen(s));
        free(s);
    }
}

static void call_reset(spy_call *c)
{
    for (size_t i = 0; i < c->n; i++)
        free_line(c->lines[i]);
    c->n = 0;
}

static spy_call *call_for(spy_state *st, const char *tid, bool create)
{
    spy_call *free_slot = NULL;
    for (size_t i = 0; i < SPY_THREADS_MAX; i++) {
        if (strcmp(st->calls[i].tid, tid) == 0)
            return &st->calls[i];
        if (!free_slot && !st->calls[i].tid[0])
            free_slot = &st->calls[i];
    }
    if (create && free_slot)
        snprintf(free_slot->tid, sizeof free_slot->tid, "%s", tid);
    return create ? free_slot : NULL;
}

static size_t reader_index(spy_state *st, const char *name)
{
    for (size_t i = 0; i < st->nreaders; i++)
        if (strcmp(st->readers[i].name, name) == 0)
            return i;
    if (st->nreaders == SPY_HANDLES_MAX)
        return SPY_HANDLES_MAX - 1; /* more readers than that: share the last slot */
    spy_reader *r = &st->readers[st->nreaders];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    return st->nreaders++;
}

static spy_reader *reader_of_handle(spy_state *st, unsigned long h)
{
    for (size_t i = 0; i < st->nhandles; i++)
        if (st->handles[i].handle == h)
            return &st->readers[st->handles[i].reader];
    return NULL;
}

static unsigned long hexnum(const char *s)
{
    return s ? strtoul(s, NULL, 16) : 0;
}

/* "3B C5 FF " -> bytes; the number of bytes, or (size_t)-1 if not hex or
 * longer than cap. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (s && *s) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        unsigned v;
        if (n == cap || sscanf(s, "%2x", &v) != 1)
            return (size_t)-1;
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

/* The ATR of a reader is given to the trace when a program connects to it
 * (once per card: a changed ATR is a new card). */
static void tell_card(spy_state *st, spy_reader *r)
{
    if (r->atr_len == 0 || (r->told_len == r->atr_len && memcmp(r->told, r->atr, r->atr_len) == 0))
        return;
    jpki_trace_set_card(st->tr, r->name, r->atr, r->atr_len);
    memcpy(r->told, r->atr, r->atr_len);
    r->told_len = r->atr_len;
}

static void set_atr(spy_reader *r, const char *len_line, const char *hex_line)
{
    uint8_t atr[SPY_ATR_MAX];
    size_t n = unhex(hex_line, atr, sizeof atr);
    if (hexnum(len_line) > 0 && n != (size_t)-1 && n > 0) {
        memcpy(r->atr, atr, n);
        r->atr_len = n;
    }
}

/* SCardTransmit: hCard, the send PCI (protocol, length), the command
 * (length, hex), the receive PCI (protocol, length), the answer (length,
 * hex) -- pcsc-lite 1.9's layout.  The lengths are checked against the hex
 * so that another layout is skipped, never misread. */
static void on_transmit(spy_state *st, spy_call *c, unsigned long rv, const char *msg,
                        double ms)
{
    if (c->n < 9)
        return;
    spy_reader *r = reader_of_handle(st, hexnum(c->lines[0]));
    size_t clen = unhex(c->lines[4], st->cbuf, JPKI_CAPDU_MAX);
    size_t rlen = rv == SCARD_S_SUCCESS ? unhex(c->lines[c->n - 1], st->rbuf, JPKI_RAPDU_MAX) : 0;
    bool ok = clen != (size_t)-1 && rlen != (size_t)-1 && clen == hexnum(c->lines[3]) &&
              (rv != SCARD_S_SUCCESS || rlen == hexnum(c->lines[c->n - 2]));
    if (ok) {
        if (r)
            tell_card(st, r);
        st->apdus++;
        char why[160];
        snprintf(why, sizeof why, "%s (0x%08lX)", msg, rv);
        jpki_trace_exchange(st->tr, r ? r->name : NULL, st->cbuf, clen,
                            rv == SCARD_S_SUCCESS ? st->rbuf : NULL, rlen, ms,
                            rv == SCARD_S_SUCCESS ? NULL : why);
    } else {
        st->undecoded++;
    }
    if (clen != (size_t)-1)
        jpki_wipe(st->cbuf, clen);
    if (rlen != (size_t)-1)
        jpki_wipe(st->rbuf, rlen);
}

static void on_connect(spy_state *st, spy_call *c, unsigned long rv)
{
    /* hContext, szReader, share, protocols, phCard, pdwActiveProtocol, then
     * the two outputs */
    if (c->n < 8 || rv != SCARD_S_SUCCESS || st->nhandles == SPY_HANDLES_MAX)
        return;
    size_t ri = reader_index(st, c->lines[1]);
    st->handles[st->nhandles].handle = hexnum(c->lines[6]);
    st->handles[st->nhandles++].reader = ri;
    spy_reader *r = &st->readers[ri];
    if (r->atr_len)
        tell_card(st, r);
    else
        jpki_trace_event(st->tr, r->name, "connect");
}

static void on_status_change(spy_state *st, spy_call *c)
{
    /* hContext, timeout, cReaders, then per reader (in, then again out):
     * name, current state, event state, ATR length, ATR */
    if (c->n < 3)
        return;
    size_t readers = hexnum(c->lines[2]);
    for (size_t i = 0; i < readers; i++) {
        size_t b = 3 + 5 * (readers + i);
        if (b + 4 >= c->n)
            break;
        set_atr(&st->readers[reader_index(st, c->lines[b])], c->lines[b + 3], c->lines[b + 4]);
    }
}

static void on_handle_event(spy_state *st, spy_call *c, const char *what)
{
    if (c->n < 1)
        return;
    spy_reader *r = reader_of_handle(st, hexnum(c->lines[0]));
    if (!r)
        return;
    if (strcmp(what, "reconnect") == 0 && c->n >= 4 && hexnum(c->lines[3]) != SCARD_LEAVE_CARD)
        what = "reconnect (card reset)";
    jpki_trace_event(st->tr, r->name, what);
}

static void on_call_end(spy_state *st, spy_call *c, const char *tail)
{
    /* "<|sec|usec|function|message|0x%08lX" */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", tail);
    char *f[6] = {0};
    size_t nf = 0;
    for (char *p = buf, *tok; nf < 6 && (tok = strsep(&p, "|")); )
        f[nf++] = tok;
    if (nf < 6 || strcmp(f[3], c->fn) != 0)
        return;
    unsigned long rv = hexnum(f[5]);
    double ms = (double)(atol(f[1]) - c->sec) * 1000.0 + (double)(atol(f[2]) - c->usec) / 1000.0;
    st->calls_seen++;
    if (strcmp(c->fn, "SCardTransmit") == 0)
        on_transmit(st, c, rv, f[4], ms);
    else if (strcmp(c->fn, "SCardConnect") == 0)
        on_connect(st, c, rv);
    else if (strcmp(c->fn, "SCardGetStatusChange") == 0)
        on_status_change(st, c);
    else if (strcmp(c->fn, "SCardStatus") == 0 && rv == SCARD_S_SUCCESS && c->n >= 2) {
        spy_reader *r = reader_of_handle(st, hexnum(c->lines[0]));
        if (r)
            set_atr(r, c->lines[c->n - 2], c->lines[c->n - 1]);
    } else if (rv == SCARD_S_SUCCESS) {
        if (strcmp(c->fn, "SCardBeginTransaction") == 0)
            on_handle_event(st, c, "transaction begin");
        else if (strcmp(c->fn, "SCardEndTransaction") == 0)
            on_handle_event(st, c, "transaction end");
        else if (strcmp(c->fn, "SCardReconnect") == 0)
            on_handle_event(st, c, "reconnect");
        else if (strcmp(c->fn, "SCardDisconnect") == 0)
            on_handle_event(st, c, "disconnect");
    }
}

/* One line of the spy's stream: "THREAD@>|sec|usec|function" begins a
 * call, "THREAD@<|..." ends it, anything else is an argument of the
 * thread's current call. */
static void spy_line(spy_state *st, char *line)
{
    char *at = strchr(line, '@');
    if (!at)
        return;
    *at = '\0';
    const char *tid = line, *tail = at + 1;
    if (tail[0] == '>' && tail[1] == '|') {
        spy_call *c = call_for(st, tid, true);
        if (!c)
            return;
        call_reset(c);
        c->fn[0] = '\0';
        sscanf(tail, ">|%ld|%ld|%39s", &c->sec, &c->usec, c->fn);
        return;
    }
    spy_call *c = call_for(st, tid, false);
    if (!c || !c->fn[0])
        return;
    if (tail[0] == '<' && tail[1] == '|') {
        on_call_end(st, c, tail);
        call_reset(c);
        c->fn[0] = '\0';
    } else if (c->n < SPY_LINES_MAX) {
        c->lines[c->n] = strdup(tail);
        if (c->lines[c->n])
            c->n++;
    }
}

/* Lines out of the byte stream (an extended APDU's hex is ~200 KB). */
typedef struct line_buf {
    char *p;
    size_t len, cap;
} line_buf;

static bool feed(spy_state *st, line_buf *lb, const char *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (data[i] == '\n') {
            if (!lb->p)
                continue;
            lb->p[lb->len] = '\0';
            spy_line(st, lb->p);
            jpki_wipe(lb->p, lb->len);
            lb->len = 0;
            continue;
        }
        if (lb->len + 2 > lb->cap) {
            size_t cap = lb->cap ? lb->cap * 2 : 4096;
            if (cap > 4u * JPKI_CAPDU_MAX) /* no spy line is that long */
                return false;
            char *np = malloc(cap);
            if (!np)
                return false;
            if (lb->p) {
                memcpy(np, lb->p, lb->len);
                jpki_wipe(lb->p, lb->cap);
                free(lb->p);
            }
            lb->p = np;
            lb->cap = cap;
        }
        lb->p[lb->len++] = data[i];
    }
    return true;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* The real libpcsclite.so.1, as the loader found it for us. */
static bool real_library(char *out, size_t n)
{
    Dl_info info;
    if (!dladdr((void *)SCardEstablishContext, &info) || !info.dli_fname)
        return false;
    char *rp = realpath(info.dli_fname, NULL);
    if (!rp)
        return false;
    snprintf(out, n, "%s", rp);
    free(rp);
    return true;
}

/* dir/lib/libpcsclite.so.1 -> the spy, dir/lib/libpcsclite_nospy.so.1 ->
 * the real library, dir/pcsc-spy the FIFO. */
static bool prepare_dir(const char *prog, const char *dir)
{
    char real[4096], spy[4096], path[4200];
    if (!real_library(real, sizeof real)) {
        cli_errorf(prog, "spy: cannot locate libpcsclite.so.1");
        return false;
    }
    const char *env = getenv("JPKI_PCSCSPY_LIB");
    if (env && *env) {
        snprintf(spy, sizeof spy, "%s", env);
    } else {
        snprintf(spy, sizeof spy, "%s", real);
        char *slash = strrchr(spy, '/');
        snprintf(slash ? slash + 1 : spy, sizeof spy - (size_t)(slash ? slash + 1 - spy : 0),
                 "%s", SPY_LIB_NAME);
    }
    if (access(spy, R_OK) != 0) {
        cli_errorf(prog, "spy: %s: %s (Debian: install libpcsclite-dev, or set "
                   "JPKI_PCSCSPY_LIB)", spy, strerror(errno));
        return false;
    }
    snprintf(path, sizeof path, "%s/lib", dir);
    if (mkdir(path, 0700) != 0)
        goto fail;
    snprintf(path, sizeof path, "%s/lib/libpcsclite.so.1", dir);
    if (symlink(spy, path) != 0)
        goto fail;
    snprintf(path, sizeof path, "%s/lib/libpcsclite_nospy.so.1", dir);
    if (symlink(real, path) != 0)
        goto fail;
    snprintf(path, sizeof path, "%s/pcsc-spy", dir);
    if (mkfifo(path, 0600) != 0)
        goto fail;
    return true;
fail:
    cli_errorf(prog, "spy: %s: %s", path, strerror(errno));
    return false;
}

static pid_t start_child(const char *prog, const char *dir, char **cmd)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    char lib[4200];
    const char *old = getenv("LD_LIBRARY_PATH");
    if (old && *old)
        snprintf(lib, sizeof lib, "%s/lib:%s", dir, old);
    else
        snprintf(lib, sizeof lib, "%s/lib", dir);
    setenv("LD_LIBRARY_PATH", lib, 1);
    setenv("HOME", dir, 1); /* the spy library opens $HOME/pcsc-spy */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    execvp(cmd[0], cmd);
    fprintf(stderr, _("%s: spy: cannot run %s: %s\n"), prog, cmd[0], strerror(errno));
    _exit(127);
}

/* Read the FIFO until the program has ended and the stream is drained. */
static bool pump(spy_state *st, int fd, pid_t pid, int *status)
{
    line_buf lb = {0};
    static char buf[65536];
    bool exited = false, ok = true;
    while (ok) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int pr = poll(&p, 1, exited ? 0 : 100);
        ssize_t n = 0;
        if (pr > 0 && (p.revents & POLLIN))
            n = read(fd, buf, sizeof buf);
        if (n > 0) {
            ok = feed(st, &lb, buf, (size_t)n);
            jpki_wipe(buf, (size_t)n);
            continue;
        }
        if (exited)
            break;
        if (waitpid(pid, status, WNOHANG) == pid)
            exited = true; /* drain what is left, then stop */
        else if (pr > 0 && !(p.revents & POLLIN))
            usleep(20000); /* no writer right now (POLLHUP): do not spin */
    }
    if (lb.p) {
        jpki_wipe(lb.p, lb.cap);
        free(lb.p);
    }
    if (!exited)
        waitpid(pid, status, 0);
    return ok;
}

int spy_run(const char *prog, cli_common *cc, char **cmd)
{
    jpki_error err;
    jpki_error_clear(&err);
    jpki_secret_protect_process(); /* PIN bytes pass through us */
    char dir[] = "/tmp/jpki-spy.XXXXXX";
    if (!mkdtemp(dir)) {
        cli_errorf(prog, "spy: cannot create a private directory: %s", strerror(errno));
        return CLI_EXIT_FAIL;
    }
    spy_state st;
    memset(&st, 0, sizeof st);
    int rc = CLI_EXIT_FAIL, fd = -1;
    st.tr = jpki_trace_new();
    st.cbuf = malloc(JPKI_CAPDU_MAX);
    st.rbuf = malloc(JPKI_RAPDU_MAX);
    if (!st.tr || !st.cbuf || !st.rbuf) {
        cli_errorf(prog, "out of memory");
        goto out;
    }
    jpki_trace_set_text(st.tr, stderr);
    char tool[160];
    snprintf(tool, sizeof tool, "jpki-apdu spy: %s", cmd[0]);
    jpki_trace_set_tool(st.tr, tool);
    if (cc->trace_file && jpki_trace_set_cbor_file(st.tr, cc->trace_file, &err) != JPKI_OK) {
        rc = cli_report(prog, &err);
        goto out;
    }
    if (!prepare_dir(prog, dir))
        goto out;
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/pcsc-spy", dir);
    /* Open before the program starts: its spy library blocks in open()
     * until a reader is there, and without a reader it would log nothing. */
    fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        cli_errorf(prog, "spy: %s: %s", fifo, strerror(errno));
        goto out;
    }
    /* Ctrl-C reaches the program (same process group); we stay to the
     * end of its stream. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    fflush(NULL);
    pid_t pid = start_child(prog, dir, cmd);
    if (pid < 0) {
        cli_errorf(prog, "spy: fork: %s", strerror(errno));
        goto out;
    }
    int status = 0;
    bool ok = pump(&st, fd, pid, &status);
    if (!ok)
        cli_errorf(prog, "spy: the spy stream has a line too long or memory ran out: "
                   "the rest of the traffic is not shown");
    if (WIFEXITED(status))
        rc = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        rc = 128 + WTERMSIG(status);
    if (st.calls_seen > 0)
        fprintf(stderr, P_("%s: spy: %lu APDU\n", "%s: spy: %lu APDUs\n", st.apdus), prog, st.apdus);
    else if (rc != 127) /* 127: the program did not start, it said why */
        cli_errorf(prog, "spy: %s made no PC/SC call through libpcsclite.so.1 (statically "
                   "linked, setuid, or not a PC/SC program?)", cmd[0]);
    if (st.undecoded)
        cli_errorf(prog, "spy: %lu SCardTransmit calls in a layout this version does not "
                   "know were left out", st.undecoded);
out:
    if (fd >= 0)
        close(fd);
    for (size_t i = 0; i < SPY_THREADS_MAX; i++)
        call_reset(&st.calls[i]);
    if (st.tr) {
        jpki_error terr;
        jpki_error_clear(&terr);
        if (jpki_trace_status(st.tr, &terr) != JPKI_OK) {
            cli_report(prog, &terr);
            if (rc == 0)
                rc = CLI_EXIT_FAIL;
        }
        jpki_trace_free(st.tr);
    }
    free(st.cbuf);
    free(st.rbuf);
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
