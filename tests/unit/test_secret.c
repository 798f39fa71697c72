/* Secrets: reading from fds (one line each, several per fd), private files
 * (group/world-readable refused), the terminal with echo off (through a
 * pseudo-terminal, including a signal mid-prompt), PIN format rules, wiping
 * and process protection.  No card involved. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "jpki/jpki.h"

static int pipe_with(const char *text)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], text, strlen(text)), (ssize_t)strlen(text));
    close(p[1]);
    return p[0];
}

static void expect_secret(const jpki_secret *s, const char *want)
{
    assert_int_equal(s->len, strlen(want));
    assert_memory_equal(s->buf, want, s->len);
}

static void fd_gives_one_line_per_read(void **state)
{
    (void)state;
    int fd = pipe_with("1234\nABC123\r\n\nlast");
    jpki_secret s;
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_secret_read_fd(fd, &s, &e), JPKI_OK);
    expect_secret(&s, "1234");
    assert_int_equal(jpki_secret_read_fd(fd, &s, &e), JPKI_OK);
    expect_secret(&s, "ABC123"); /* CR of a CRLF line dropped */
    assert_int_equal(jpki_secret_read_fd(fd, &s, &e), JPKI_OK);
    expect_secret(&s, "");
    assert_int_equal(jpki_secret_read_fd(fd, &s, &e), JPKI_OK);
    expect_secret(&s, "last"); /* no newline before EOF */
    assert_int_equal(jpki_secret_read_fd(fd, &s, &e), JPKI_ERR_IO);
    assert_int_equal(s.len, 0);
    close(fd);
    assert_int_equal(jpki_secret_read_fd(-1, &s, &e), JPKI_ERR_ARG);
}

static void overlong_line_is_refused_and_skipped(void **state)
{
    (void)state;
    char text[200];
    memset(text, 'A', 100);
    strcpy(text + 100, "\n5678\n");
    int fd = pipe_with(text);
    jpki_secret s;
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_secret_read_fd(fd, &s, &e), JPKI_ERR_LIMIT);
    assert_int_equal(s.len, 0);
    for (size_t i = 0; i < sizeof s.buf; i++)
        assert_int_equal(s.buf[i], 0); /* the partial secret is gone */
    assert_int_equal(jpki_secret_read_fd(fd, &s, &e), JPKI_OK);
    expect_secret(&s, "5678"); /* the next secret is still aligned */
    close(fd);
}

static void private_files_only(void **state)
{
    (void)state;
    char dir[] = "/tmp/jpki-secret-test.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/pin", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "4321\nignored\n", 13), 13);
    close(fd);
    jpki_secret s;
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(jpki_secret_read_file(path, &s, &e), JPKI_ERR_ARG);
    assert_non_null(strstr(e.message, "0644"));
    assert_non_null(strstr(e.message, path));
    assert_null(strchr(e.message, '\n'));
    assert_int_equal(chmod(path, 0620), 0);
    assert_int_equal(jpki_secret_read_file(path, &s, &e), JPKI_ERR_ARG);
    assert_int_equal(chmod(path, 0604), 0);
    assert_int_equal(jpki_secret_read_file(path, &s, &e), JPKI_ERR_ARG);
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(jpki_secret_read_file(path, &s, &e), JPKI_OK);
    expect_secret(&s, "4321");
    /* any group/other bit, even execute only, breaks the rule */
    assert_int_equal(chmod(path, 0610), 0);
    assert_int_equal(jpki_secret_from_file(path, &s, &e), JPKI_ERR_ARG);
    assert_int_equal(chmod(path, 0601), 0);
    assert_int_equal(jpki_secret_from_file(path, &s, &e), JPKI_ERR_ARG);
    assert_int_equal(chmod(path, 0600), 0);
    /* the descriptor handed out does not leak into programs we start */
    int pfd = -1;
    assert_int_equal(jpki_secret_open_private(path, &pfd, &e), JPKI_OK);
    assert_true(fcntl(pfd, F_GETFD) & FD_CLOEXEC);
    close(pfd);
    /* someone else's file is refused even with mode 0600 */
    if (geteuid() == 0) {
        assert_int_equal(chown(path, 65534, (gid_t)-1), 0);
        assert_int_equal(jpki_secret_from_file(path, &s, &e), JPKI_ERR_ARG);
        assert_non_null(strstr(e.message, "owned by"));
        assert_int_equal(chown(path, 0, (gid_t)-1), 0);
    }
    unlink(path);
    assert_int_equal(jpki_secret_read_file(path, &s, &e), JPKI_ERR_IO);
    /* a directory is not a secret file */
    assert_int_equal(chmod(dir, 0700), 0);
    assert_int_equal(jpki_secret_from_file(dir, &s, &e), JPKI_ERR_ARG);
    assert_non_null(strstr(e.message, "not a regular file"));
    rmdir(dir);
}

static void fd_numbers_are_strict(void **state)
{
    (void)state;
    int fd = -1;
    jpki_error e;
    jpki_error_clear(&e);
    assert_int_equal(jpki_secret_parse_fd("0", &fd, &e), JPKI_OK);
    assert_int_equal(fd, 0);
    assert_int_equal(jpki_secret_parse_fd("1048576", &fd, &e), JPKI_OK);
    assert_int_equal(fd, JPKI_SECRET_FD_MAX);
    const char *bad[] = {"", "-1", "+3", " 3", "3 ", "3x", "0x3", "1048577",
                         "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        fd = 7;
        assert_int_equal(jpki_secret_parse_fd(bad[i], &fd, &e), JPKI_ERR_ARG);
        assert_int_equal(fd, 7);
        assert_non_null(strstr(e.message, "file descriptor"));
    }
    /* parse and read in one step */
    int p = pipe_with("2468\n");
    char text[16];
    snprintf(text, sizeof text, "%d", p);
    jpki_secret s;
    assert_int_equal(jpki_secret_from_fd(text, &s, &e), JPKI_OK);
    expect_secret(&s, "2468");
    close(p);
    assert_int_equal(jpki_secret_from_fd("x", &s, &e), JPKI_ERR_ARG);
}

/* ---- terminal: a child on a pseudo-terminal, the test plays the user ---- */

typedef struct tty_child {
    pid_t pid;
    int master, result;
    char slave[64];
} tty_child;

static size_t read_until(int fd, char *buf, size_t cap, const char *want, int ms)
{
    size_t n = 0;
    buf[0] = '\0';
    while (n + 1 < cap && !strstr(buf, want)) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, ms) <= 0)
            break;
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        buf[n] = '\0';
    }
    return n;
}

static void start_tty_child(tty_child *c)
{
    c->master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(c->master >= 0);
    assert_int_equal(grantpt(c->master), 0);
    assert_int_equal(unlockpt(c->master), 0);
    snprintf(c->slave, sizeof c->slave, "%s", ptsname(c->master));
    int res[2];
    assert_int_equal(pipe(res), 0);
    c->pid = fork();
    assert_true(c->pid >= 0);
    if (c->pid == 0) {
        close(res[0]);
        setsid();
        int s = open(c->slave, O_RDWR);
        if (s < 0 || ioctl(s, TIOCSCTTY, 0) != 0)
            _exit(90);
        jpki_secret sec;
        jpki_error e;
        jpki_error_clear(&e);
        jpki_rc rc = jpki_secret_read_tty("PIN: ", &sec, &e);
        struct termios t;
        tcgetattr(s, &t);
        char out[128];
        int n = snprintf(out, sizeof out, "%d %d %.*s", (int)rc, (t.c_lflag & ECHO) ? 1 : 0,
                         (int)sec.len, (const char *)sec.buf);
        if (write(res[1], out, (size_t)n) != n)
            _exit(91);
        _exit(0);
    }
    close(res[1]);
    c->result = res[0];
}

static void tty_reads_without_echo(void **state)
{
    (void)state;
    tty_child c;
    start_tty_child(&c);
    char buf[256];
    read_until(c.master, buf, sizeof buf, "PIN: ", 5000);
    assert_non_null(strstr(buf, "PIN: "));
    assert_int_equal(write(c.master, "1234\n", 5), 5);
    int st;
    assert_int_equal(waitpid(c.pid, &st, 0), c.pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    char res[128] = {0};
    assert_true(read(c.result, res, sizeof res - 1) > 0);
    assert_string_equal(res, "0 1 1234"); /* OK, echo back on, the PIN */
    read_until(c.master, buf, sizeof buf, "never", 200);
    assert_null(strstr(buf, "1234")); /* the PIN was not echoed */
    close(c.result);
    close(c.master);
}

static void tty_restores_echo_when_killed(void **state)
{
    (void)state;
    tty_child c;
    start_tty_child(&c);
    char buf[256];
    read_until(c.master, buf, sizeof buf, "PIN: ", 5000);
    assert_non_null(strstr(buf, "PIN: "));
    int s = open(c.slave, O_RDWR | O_NOCTTY);
    assert_true(s >= 0);
    struct termios t;
    assert_int_equal(tcgetattr(s, &t), 0);
    assert_int_equal(t.c_lflag & ECHO, 0); /* echo is off while the prompt waits */
    assert_int_equal(kill(c.pid, SIGTERM), 0);
    int st;
    assert_int_equal(waitpid(c.pid, &st, 0), c.pid);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGTERM);
    assert_int_equal(tcgetattr(s, &t), 0);
    assert_true(t.c_lflag & ECHO);
    close(s);
    close(c.result);
    close(c.master);
}

static void no_terminal_is_an_io_error(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setsid(); /* no controlling terminal: /dev/tty cannot open */
        jpki_secret s;
        jpki_error e;
        jpki_error_clear(&e);
        jpki_rc rc = jpki_secret_read_tty("PIN: ", &s, &e);
        _exit(rc == JPKI_ERR_IO && strstr(e.message, "--pin-fd") ? 0 : 1);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---- rules, wiping, process protection ---- */

static jpki_rc fmt(jpki_pin_id id, const char *s)
{
    jpki_secret p = {.len = strlen(s)};
    memcpy(p.buf, s, p.len);
    return jpki_pin_check_format(id, &p, NULL);
}

static void pin_rules(void **state)
{
    (void)state;
    assert_int_equal(fmt(JPKI_PIN_AUTH, "0000"), JPKI_OK);
    assert_int_equal(fmt(JPKI_PIN_CARDINFO, "9876"), JPKI_OK);
    assert_int_equal(fmt(JPKI_PIN_REGISTRY, "1234"), JPKI_OK);
    assert_int_equal(fmt(JPKI_PIN_AUTH, "123"), JPKI_ERR_PIN_FORMAT);
    assert_int_equal(fmt(JPKI_PIN_AUTH, "12345"), JPKI_ERR_PIN_FORMAT);
    assert_int_equal(fmt(JPKI_PIN_AUTH, "12A4"), JPKI_ERR_PIN_FORMAT);
    assert_int_equal(fmt(JPKI_PIN_REGISTRY, ""), JPKI_ERR_PIN_FORMAT);
    assert_int_equal(fmt(JPKI_PIN_SIGN, "ABC123"), JPKI_OK);
    assert_int_equal(fmt(JPKI_PIN_SIGN, "ABCDEFGHIJKLMNOP"), JPKI_OK);
    assert_int_equal(fmt(JPKI_PIN_SIGN, "123456"), JPKI_OK);
    assert_int_equal(fmt(JPKI_PIN_SIGN, "ABC12"), JPKI_ERR_PIN_FORMAT);
    assert_int_equal(fmt(JPKI_PIN_SIGN, "ABCDEFGHIJKLMNOPQ"), JPKI_ERR_PIN_FORMAT);
    assert_int_equal(fmt(JPKI_PIN_SIGN, "abc123"), JPKI_ERR_PIN_FORMAT);
    assert_int_equal(fmt(JPKI_PIN_SIGN, "ABC-123"), JPKI_ERR_PIN_FORMAT);
    jpki_secret p = {.len = 6};
    memcpy(p.buf, "abc123", 6);
    jpki_error e;
    jpki_error_clear(&e);
    jpki_pin_check_format(JPKI_PIN_SIGN, &p, &e);
    assert_non_null(strstr(e.message, "upper case"));
    assert_null(strstr(e.message, "abc123"));
    assert_int_equal(jpki_pin_max_tries(JPKI_PIN_SIGN), 5);
    assert_int_equal(jpki_pin_max_tries(JPKI_PIN_AUTH), 3);
    jpki_pin_id id;
    assert_int_equal(jpki_pin_parse_name("card-info", &id, NULL), JPKI_OK);
    assert_int_equal(id, JPKI_PIN_CARDINFO);
    assert_int_equal(jpki_pin_parse_name("resident", &id, NULL), JPKI_OK);
    assert_int_equal(id, JPKI_PIN_REGISTRY);
    assert_int_equal(jpki_pin_parse_name("pin", &id, NULL), JPKI_ERR_ARG);
    assert_string_equal(jpki_pin_name(JPKI_PIN_SIGN), "sign");
}

static void wipe_clears(void **state)
{
    (void)state;
    jpki_secret s = {.len = 4};
    memcpy(s.buf, "1234", 4);
    jpki_secret_wipe(&s);
    assert_int_equal(s.len, 0);
    for (size_t i = 0; i < sizeof s.buf; i++)
        assert_int_equal(s.buf[i], 0);
    uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    jpki_wipe(b, 5);
    assert_int_equal(b[4], 0);
    assert_int_equal(b[5], 6);
}

static void protect_process_disables_dumps(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        jpki_secret_protect_process();
        struct rlimit rl;
        getrlimit(RLIMIT_CORE, &rl);
        _exit(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 && rl.rlim_cur == 0 && rl.rlim_max == 0
                  ? 0
                  : 1);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fd_gives_one_line_per_read),
        cmocka_unit_test(overlong_line_is_refused_and_skipped),
        cmocka_unit_test(private_files_only),
        cmocka_unit_test(fd_numbers_are_strict),
        cmocka_unit_test(tty_reads_without_echo),
        cmocka_unit_test(tty_restores_echo_when_killed),
        cmocka_unit_test(no_terminal_is_an_io_error),
        cmocka_unit_test(pin_rules),
        cmocka_unit_test(wipe_clears),
        cmocka_unit_test(protect_process_disables_dumps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
