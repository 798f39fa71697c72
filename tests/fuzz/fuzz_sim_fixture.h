/* Shared by the jpki-card-sim fuzz targets: a test CA and one persona card
 * ("hanako") made once per fuzzer process in a private temp directory
 * (on tmpfs when /dev/shm is there, so the engine's fsync'd state writes
 * stay cheap), removed at exit. */
#ifndef FUZZ_SIM_FIXTURE_H
#define FUZZ_SIM_FIXTURE_H

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.h"
#include "testca.h"

static char fixture_dir[PATH_MAX / 2];
static char fixture_card[PATH_MAX]; /* the pristine persona card */

static int fixture_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void fixture_remove(void)
{
    if (fixture_dir[0])
        nftw(fixture_dir, fixture_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Path of a file inside the fixture directory. */
static void fixture_path(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", fixture_dir, name);
}

/* make_card: also create the persona card (RSA keygen, ~1 s under ASan);
 * issuer_key_hex: its issuer key (32 hex digits), NULL = a random one. */
static void fixture_init(int make_card, const char *issuer_key_hex)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                       : getenv("TMPDIR")            ? getenv("TMPDIR")
                                                     : "/tmp";
    snprintf(fixture_dir, sizeof fixture_dir, "%s/jpki-fuzz.XXXXXX", base);
    if (!mkdtemp(fixture_dir)) {
        perror("mkdtemp");
        abort();
    }
    atexit(fixture_remove);
    if (!make_card)
        return;
    char ca[PATH_MAX], key[PATH_MAX];
    fixture_path(ca, sizeof ca, "ca");
    fixture_path(key, sizeof key, "issuer.key");
    fixture_path(fixture_card, sizeof fixture_card, "hanako.card");
    if (issuer_key_hex) {
        FILE *f = fopen(key, "w");
        if (!f || fchmod(fileno(f), 0600) != 0 || fprintf(f, "%s\n", issuer_key_hex) < 0 ||
            fclose(f) != 0)
            abort();
    }
    jpki_error err;
    jpki_error_clear(&err);
    sim_new_options o = {fixture_card, "hanako", ca, key, NULL, NULL};
    if (testca_create(ca, &err) != JPKI_OK || sim_card_create(&o, &err) != JPKI_OK) {
        fprintf(stderr, "fuzz fixture: %s\n", err.message);
        abort();
    }
}

#endif
