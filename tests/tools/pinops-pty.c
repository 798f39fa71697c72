/* Test-only terminal driver: runs a command on a fresh pseudo-terminal (its
 * controlling terminal, so /dev/tty prompts work) and answers its prompts
 * from a script FILE -- not from argv, so test PINs stay out of argv too.
 *
 *   pinops-pty SCRIPT -- COMMAND [ARGS...]
 *
 * SCRIPT lines:  "expect TEXT"  wait (10 s at most) until TEXT appeared
 *                               on the terminal since the last expect
 *                "send TEXT"    type TEXT and Enter
 *                "touch PATH"   create the empty file PATH (tells the test
 *                               a prompt is standing)
 *                "waitfile PATH" wait (10 s at most) until PATH exists
 *                               (the test did what it wanted meanwhile)
 * Everything the command wrote to the terminal is copied to stdout at the
 * end (so a test can check that a typed PIN was not echoed).  Exit status:
 * the command's, or 124 when an expected text never came, 125 on a usage
 * or system error. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TRANSCRIPT_MAX (256 * 1024)
#define EXPECT_TIMEOUT_MS 10000

static char transcript[TRANSCRIPT_MAX + 1];
static size_t tlen, seen_from;

/* Read what the terminal has, waiting up to ms: 1 data, 0 timeout,
 * -1 end (EIO once the child closed the slave side). */
static int pump(int master, int ms)
{
    struct pollfd p = {.fd = master, .events = POLLIN};
    int r = poll(&p, 1, ms);
    if (r == 0)
        return 0;
    if (r < 0)
        return errno == EINTR ? 0 : -1;
    char buf[4096];
    ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0)
        return -1;
    size_t k = (size_t)n;
    if (k > TRANSCRIPT_MAX - tlen)
        k = TRANSCRIPT_MAX - tlen;
    memcpy(transcript + tlen, buf, k);
    tlen += k;
    transcript[tlen] = '\0';
    return 1;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int expect(int master, const char *text)
{
    long deadline = now_ms() + EXPECT_TIMEOUT_MS;
    for (;;) {
        char *hit = strstr(transcript + seen_from, text);
        if (hit) {
            seen_from = (size_t)(hit - transcript) + strlen(text);
            return 0;
        }
        long left = deadline - now_ms();
        if (left <= 0 || pump(master, (int)left) < 0)
            return -1;
    }
}

int main(int argc, char **argv)
{
    if (argc < 4 || strcmp(argv[2], "--") != 0) {
        fprintf(stderr, "usage: pinops-pty SCRIPT -- COMMAND [ARGS...]\n");
        return 125;
    }
    FILE *script = fopen(argv[1], "r");
    if (!script) {
        fprintf(stderr, "pinops-pty: %s: %s\n", argv[1], strerror(errno));
        return 125;
    }
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    if (pid < 0) {
        fprintf(stderr, "pinops-pty: forkpty: %s\n", strerror(errno));
        return 125;
    }
    if (pid == 0) {
        execvp(argv[3], argv + 3);
        fprintf(stderr, "pinops-pty: %s: %s\n", argv[3], strerror(errno));
        _exit(127);
    }
    int rc = 0;
    char line[512];
    while (rc == 0 && fgets(line, sizeof line, script)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "expect ", 7) == 0) {
            if (expect(master, line + 7) != 0) {
                fprintf(stderr, "pinops-pty: never saw \"%s\"\n", line + 7);
                rc = 124;
            }
        } else if (strncmp(line, "touch ", 6) == 0) {
            int fd = open(line + 6, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
            if (fd < 0)
                rc = 125;
            else
                close(fd);
        } else if (strncmp(line, "waitfile ", 9) == 0) {
            long until = now_ms() + EXPECT_TIMEOUT_MS;
            while (access(line + 9, F_OK) != 0 && now_ms() < until)
                pump(master, 50); /* keep the transcript flowing */
            if (access(line + 9, F_OK) != 0) {
                fprintf(stderr, "pinops-pty: %s never appeared\n", line + 9);
                rc = 124;
            }
        } else if (strncmp(line, "send ", 5) == 0) {
            size_t n = strlen(line + 5);
            line[5 + n] = '\r'; /* Enter on a terminal */
            if (write(master, line + 5, n + 1) != (ssize_t)(n + 1))
                rc = 125;
        }
    }
    fclose(script);
    memset(line, 0, sizeof line);
    /* Collect the rest; a command still waiting for input after the
     * script ran out is killed. */
    if (rc != 0)
        kill(pid, SIGKILL);
    long deadline = now_ms() + EXPECT_TIMEOUT_MS;
    while (pump(master, 200) >= 0 && now_ms() < deadline)
        ;
    /* The slave side closes a moment before the child is reapable. */
    int status = 0;
    pid_t done;
    while ((done = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < deadline)
        usleep(10000);
    if (done == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        if (rc == 0)
            rc = 124;
    }
    close(master);
    fwrite(transcript, 1, tlen, stdout);
    if (rc != 0)
        return rc;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 125;
}
