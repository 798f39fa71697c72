/* Display widths as cmd/common/display_width.c computes them, for
 * t_table.sh to compare with Python's unicodedata:
 *   jpki-test-width --codepoints   stdin: a hex code point a line;
 *                                  stdout: "HEX WIDTH"
 *   jpki-test-width --unicode-version  the Unicode version of the table
 *   jpki-test-width --version
 *   jpki-test-width --fold COL INDENT WIDTH dn|text   fold stdin's first line */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "display_width.h"

int main(int argc, char **argv)
{
    char line[4096];
    if (argc == 2 && strcmp(argv[1], "--codepoints") == 0) {
        while (fgets(line, sizeof line, stdin)) {
            unsigned long cp = strtoul(line, NULL, 16);
            printf("%lX %d\n", cp, dw_codepoint_width((uint32_t)cp));
        }
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        cli_print_version("jpki-test-width");
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--unicode-version") == 0) {
        puts(dw_unicode_version());
        return 0;
    }
    if (argc == 6 && strcmp(argv[1], "--fold") == 0) {
        if (!fgets(line, sizeof line, stdin))
            return 1;
        line[strcspn(line, "\n")] = '\0';
        size_t col = strtoul(argv[2], NULL, 10), indent = strtoul(argv[3], NULL, 10);
        dw_pad(stdout, 0, col);
        dw_fold(stdout, line, col, indent, strtoul(argv[4], NULL, 10),
                strcmp(argv[5], "dn") == 0 ? DW_BREAK_DN : DW_BREAK_TEXT);
        return 0;
    }
    fprintf(stderr, "usage: jpki-test-width --codepoints | --unicode-version | --fold COL INDENT WIDTH dn|text\n");
    return 2;
}
