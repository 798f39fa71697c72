/* Measure one command for the bench scripts: stdin from IN, stdout to OUT,
 * then print "WALL_S CPU_S MAXRSS_KB EXIT" -- wall time from a monotonic
 * clock, the child's own user+sys time and peak resident set from wait4()
 * (what GNU time reports, at microsecond rather than 10 ms resolution).
 * Usage: runstat IN OUT CMD [ARGS...]; IN or OUT "-" keeps the inherited
 * one.  With RUNSTAT_LOG set the line is appended to that file instead of
 * stdout (to wrap a command whose stdout is data, like a CA command).
 * Not part of the build. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: runstat IN OUT CMD [ARGS...]\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0)
        return 2;
    if (pid == 0) {
        if (strcmp(argv[1], "-") != 0) {
            int in = open(argv[1], O_RDONLY);
            if (in < 0 || dup2(in, 0) < 0)
                _exit(127);
        }
        if (strcmp(argv[2], "-") != 0) {
            int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (out < 0 || dup2(out, 1) < 0)
                _exit(127);
        }
        execvp(argv[3], argv + 3);
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) != pid)
        return 2;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    const char *log = getenv("RUNSTAT_LOG");
    FILE *f = log ? fopen(log, "a") : stdout;
    if (!f)
        return 2;
    fprintf(f, "%.6f %.6f %ld %d\n", wall, cpu, ru.ru_maxrss, rc);
    if (log) {
        fclose(f);
        return rc; /* a wrapper: the command's own exit code */
    }
    return 0;
}
