/* jpki-test-journal: print a jpki-renew journal one record per line, for
 * the integration tests to assert on (order of steps, how often a card was
 * issued a certificate, interleaving of the batch's cards):
 *     SERIAL STEP [KIND] [key=HEX8] [der=LEN] [error=TEXT]
 * A dropped incomplete last record is reported as "# torn tail" on stderr.
 * Not installed; built into build/tests/tools. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/journal.h"

static jpki_rc print_record(void *ctx, const jpki_journal_record *r, jpki_error *err)
{
    (void)ctx;
    (void)err;
    printf("%s %s", r->card, jpki_journal_step_name(r->step));
    if (r->kind == JPKI_KEY_AUTH || r->kind == JPKI_KEY_SIGN)
        printf(" %s", r->kind == JPKI_KEY_SIGN ? "sign" : "auth");
    if (r->has_key)
        printf(" key=%02x%02x%02x%02x", r->key[0], r->key[1], r->key[2], r->key[3]);
    if (r->der)
        printf(" der=%zu", r->der_len);
    if (r->error[0])
        printf(" error=%s", r->error);
    printf("\n");
    return JPKI_OK;
}

int main(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc == 2 ? stdout : stderr, "usage: jpki-test-journal JOURNAL\n");
        return argc == 2 ? 0 : 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        fprintf(stderr, "jpki-test-journal: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap >= JPKI_JOURNAL_MAX_FILE) {
                fprintf(stderr, "jpki-test-journal: file too large\n");
                return 1;
            }
            cap *= 2;
            buf = realloc(buf, cap);
        }
        if (!buf)
            return 1;
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    fclose(f);
    size_t valid;
    bool torn;
    jpki_error err;
    jpki_error_clear(&err);
    jpki_rc rc = jpki_journal_parse(buf, n, print_record, NULL, &valid, &torn, &err);
    free(buf);
    if (rc != JPKI_OK) {
        fprintf(stderr, "jpki-test-journal: %s\n", err.message);
        return 1;
    }
    if (torn)
        fprintf(stderr, "# torn tail after byte %zu\n", valid);
    return 0;
}
