/* jpki: the git-style front door.  `jpki status ...` runs `jpki-status ...`
 * (the one next to this binary first, then PATH); `jpki help` lists the
 * jpki-* commands it can find; `jpki help CMD` shows CMD's manual page or
 * its --help.  See jpki(1). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_locale.h"
#include "cli.h"

static const char *prog = "jpki";

#define NAME_MAX_LEN 64
#define COMMANDS_MAX 256

static void usage(FILE *f)
{
    fprintf(f, _(
            "Usage: jpki COMMAND [ARGS...]   run jpki-COMMAND with ARGS\n"
            "       jpki help                list the available commands\n"
            "       jpki help COMMAND        show COMMAND's manual (or its --help)\n"
            "       jpki --help | --version\n"));
}

/* Command names are plain words: no path can be smuggled into the exec. */
static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NAME_MAX_LEN || s[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
              s[i] == '_'))
            return false;
    return true;
}

/* Directory of this binary (from /proc/self/exe), "" if unknown. */
static void self_dir(char *out, size_t n)
{
    char path[PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", path, sizeof path - 1);
    out[0] = '\0';
    if (k <= 0)
        return;
    path[k] = '\0';
    char *slash = strrchr(path, '/');
    if (!slash)
        return;
    *slash = '\0';
    snprintf(out, n, "%s", path[0] ? path : "/");
}

static bool is_exec_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The search order of every lookup: this binary's directory, then PATH. */
typedef bool (*dir_visit)(const char *dir, void *ctx);

static void each_dir(dir_visit visit, void *ctx)
{
    char self[PATH_MAX];
    self_dir(self, sizeof self);
    if (self[0] && visit(self, ctx))
        return;
    const char *path = getenv("PATH");
    if (!path)
        return;
    char *copy = strdup(path);
    if (!copy)
        return;
    for (char *save = NULL, *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
        if (*d && visit(d, ctx))
            break;
    free(copy);
}

typedef struct find_ctx {
    const char *file;     /* "jpki-status" */
    char found[PATH_MAX]; /* full path, "" if none */
} find_ctx;

static bool find_in(const char *dir, void *vctx)
{
    find_ctx *c = vctx;
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s/%s", dir, c->file) >= (int)sizeof p || !is_exec_file(p))
        return false;
    snprintf(c->found, sizeof c->found, "%s", p);
    return true;
}

static bool find_command(const char *name, char *out, size_t n)
{
    char file[NAME_MAX_LEN + 8];
    snprintf(file, sizeof file, "jpki-%s", name);
    find_ctx c = {.file = file, .found = ""};
    each_dir(find_in, &c);
    snprintf(out, n, "%s", c.found);
    return c.found[0] != '\0';
}

/* The manual page of the command at path, uncompressed, if one sits where
 * `make install` puts it (BIN/../share/man/man1) or in a source tree
 * (build/bin -> man/). */
static bool find_manpage(const char *cmd_path, char *out, size_t n)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", cmd_path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return false;
    *slash = '\0';
    const char *base = slash + 1;
    static const char *const rel[] = {"../share/man/man1", "../../man"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        struct stat st;
        if (snprintf(out, n, "%s/%s/%s.1", dir, rel[i], base) < (int)n && stat(out, &st) == 0 &&
            S_ISREG(st.st_mode))
            return true;
    }
    return false;
}

/* The text after "\-" on the line following ".SH NAME". */
static void man_description(const char *page, char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = fopen(page, "r");
    if (!f)
        return;
    char line[512];
    bool in_name = false;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, ".SH", 3) == 0) {
            if (in_name)
                break;
            in_name = strstr(line, "NAME") != NULL;
            continue;
        }
        const char *dash = in_name ? strstr(line, "\\-") : NULL;
        if (dash) {
            dash += 2;
            while (*dash == ' ')
                dash++;
            /* Plain text: "\-" -> "-", font changes "\fB" dropped. */
            size_t k = 0;
            for (const char *c = dash; *c && *c != '\n' && k + 1 < n; c++) {
                if (c[0] == '\\' && c[1] == '-') {
                    out[k++] = '-';
                    c++;
                } else if (c[0] == '\\' && c[1] == 'f' && c[2]) {
                    c += 2;
                } else {
                    out[k++] = *c;
                }
            }
            out[k] = '\0';
            break;
        }
    }
    fclose(f);
}

typedef struct command_entry {
    char name[NAME_MAX_LEN + 1];
    char path[PATH_MAX];
} command_entry;

typedef struct command_list {
    command_entry e[COMMANDS_MAX];
    size_t n;
} command_list;

static bool collect_in(const char *dir, void *vctx)
{
    command_list *l = vctx;
    DIR *d = opendir(dir);
    if (!d)
        return false;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && l->n < COMMANDS_MAX) {
        if (strncmp(de->d_name, "jpki-", 5) != 0 || !valid_name(de->d_name + 5))
            continue;
        const char *name = de->d_name + 5;
        bool seen = false;
        for (size_t i = 0; i < l->n && !seen; i++)
            seen = strcmp(l->e[i].name, name) == 0; /* the first one found is run */
        char p[PATH_MAX];
        if (seen || snprintf(p, sizeof p, "%s/%s", dir, de->d_name) >= (int)sizeof p ||
            !is_exec_file(p))
            continue;
        snprintf(l->e[l->n].name, sizeof l->e[l->n].name, "%s", name);
        snprintf(l->e[l->n].path, sizeof l->e[l->n].path, "%s", p);
        l->n++;
    }
    closedir(d);
    return false; /* look everywhere */
}

static int cmp_entries(const void *a, const void *b)
{
    return strcmp(((const command_entry *)a)->name, ((const command_entry *)b)->name);
}

static int list_commands(void)
{
    command_list *l = calloc(1, sizeof *l);
    if (!l) {
        cli_errorf(prog, "out of memory");
        return CLI_EXIT_FAIL;
    }
    each_dir(collect_in, l);
    qsort(l->e, l->n, sizeof l->e[0], cmp_entries);
    printf(_("Usage: jpki COMMAND [ARGS...]\n\nCommands:\n"));
    for (size_t i = 0; i < l->n; i++) {
        char page[PATH_MAX], desc[256] = "";
        if (find_manpage(l->e[i].path, page, sizeof page))
            man_description(page, desc, sizeof desc);
        printf("  %-22s %s\n", l->e[i].name, desc[0] ? desc : _("(no manual page found)"));
    }
    if (l->n == 0)
        printf(_("  (no jpki-* commands found next to jpki or on PATH)\n"));
    printf(_("\n'jpki help COMMAND' shows a command's manual.\n"));
    free(l);
    return CLI_EXIT_OK;
}

/* Run argv and wait; the exit status, or -1 if it could not start. */
static int run_wait(char *const argv[], bool quiet_stderr)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (quiet_stderr && !freopen("/dev/null", "w", stderr))
            _exit(127);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int help_command(const char *name)
{
    char path[PATH_MAX];
    if (!valid_name(name) || !find_command(name, path, sizeof path)) {
        cli_errorf(prog, "'%s' is not a jpki command (see 'jpki help')", name);
        return CLI_EXIT_USAGE;
    }
    char page[PATH_MAX], title[NAME_MAX_LEN + 8];
    snprintf(title, sizeof title, "jpki-%s", name);
    fflush(stdout);
    if (find_manpage(path, page, sizeof page)) {
        char *argv[] = {"man", "-l", page, NULL};
        if (run_wait(argv, false) == 0)
            return CLI_EXIT_OK;
    } else {
        char *argv[] = {"man", title, NULL};
        if (run_wait(argv, true) == 0)
            return CLI_EXIT_OK;
    }
    /* No manual (or no man): the command's own summary. */
    execl(path, title, "--help", (char *)NULL);
    cli_errorf(prog, "cannot run %s: %s", path, strerror(errno));
    return CLI_EXIT_FAIL;
}

int main(int argc, char **argv)
{
    cli_locale_init();
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        cli_print_version("jpki");
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0) {
        if (argc == 2)
            return list_commands();
        if (argc == 3)
            return help_command(argv[2]);
        cli_errorf(prog, "usage: jpki help [COMMAND]");
        return CLI_EXIT_USAGE;
    }
    if (cmd[0] == '-') {
        cli_errorf(prog, "unknown option '%s' (options go after the command)", cmd);
        return CLI_EXIT_USAGE;
    }
    char path[PATH_MAX];
    if (!valid_name(cmd) || !find_command(cmd, path, sizeof path)) {
        cli_errorf(prog, "'%.64s' is not a jpki command (see 'jpki help')", cmd);
        return CLI_EXIT_USAGE;
    }
    /* The command sees its own name as argv[0], as if run directly. */
    char title[NAME_MAX_LEN + 8];
    snprintf(title, sizeof title, "jpki-%s", cmd);
    argv[1] = title;
    execv(path, argv + 1);
    cli_errorf(prog, "cannot run %s: %s", path, strerror(errno));
    return CLI_EXIT_FAIL;
}
