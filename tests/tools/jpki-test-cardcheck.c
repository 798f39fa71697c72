/* jpki-test-cardcheck: what a virtual card's state file says, for the
 * fault-injection integration tests (a card pulled at every APDU index).
 * Works on a private copy of the state (jpki-card-sim's engine in-process,
 * no PC/SC), so nothing it does touches the card under test.
 *
 *   jpki-test-cardcheck STATE
 *     pin NAME tries=T set=yes|no            (for the four PINs)
 *     mode pin|face
 *     key KIND cert=yes|no pending=yes|no pending_cert=yes|no
 *              match=yes|no|n/a by=signature|key spki_sha256=HEX serial=HEX
 *   For each active certificate: the card signs a digest with its active key
 *   (the copy's PIN verified with its own stored value) and the signature is
 *   verified with the certificate's public key.  On a face-authentication
 *   card (no PIN) the certificate is compared with the private key instead.
 *   Exit 0 when every certificate present matches its key, 1 otherwise.
 *
 *   jpki-test-cardcheck STATE --pin-is NAME --pin-fd N
 *     exit 0 when NAME's stored PIN equals the first line of fd N, else 1.
 *     (No PIN is ever printed.)
 *
 *   jpki-test-cardcheck --journal FILE
 *     one line per renewal-journal record (jpki/journal.h):
 *     journal STEP card=SERIAL kind=auth|sign|- key=HEX|- torn=no
 *     (a torn last record is reported as "journal torn"); exit 2 if the
 *     journal does not parse.
 * Not installed; built into build/tests/tools. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "sim_state.h"
#include "x509_crt.h"
#include "jpki/jpki.h"
#include "jpki/journal.h"
#include "cli.h"

static const char *prog = "jpki-test-cardcheck";

static int usage(FILE *f, int rc)
{
    fprintf(f, "usage: %s STATE [--pin-is NAME --pin-fd N]\n       %s --journal FILE\n", prog,
            prog);
    return rc;
}

/* A private copy of the state file, so verifying PINs and signing (which
 * the engine persists) leaves the real one alone. */
static sim_card *load_copy(const char *state, char *tmp, size_t n)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(tmp, n, "%s/jpki-cardcheck.XXXXXX", dir);
    int out = mkstemp(tmp), in = open(state, O_RDONLY | O_CLOEXEC);
    if (out < 0 || in < 0) {
        fprintf(stderr, "%s: cannot copy %s\n", prog, state);
        if (out >= 0) {
            close(out);
            unlink(tmp);
        }
        if (in >= 0)
            close(in);
        return NULL;
    }
    char buf[8192];
    ssize_t r;
    bool ok = true;
    while ((r = read(in, buf, sizeof buf)) > 0)
        ok = ok && write(out, buf, (size_t)r) == r;
    close(in);
    ok = close(out) == 0 && ok && r == 0;
    jpki_error e;
    jpki_error_clear(&e);
    sim_card *c = ok ? sim_card_load(tmp, &e) : NULL;
    if (!c) {
        fprintf(stderr, "%s: %s\n", prog, ok ? e.message : "copy failed");
        unlink(tmp);
    }
    return c;
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = '\0';
}

/* SHA-256 of the certificate's SubjectPublicKeyInfo (what the renewal
 * journal records as "key"). */
static void spki_hash(mbedtls_x509_crt *crt, char out[65])
{
    uint8_t der[1024], h[32];
    int n = mbedtls_pk_write_pubkey_der(&crt->pk, der, sizeof der);
    if (n <= 0 || mbedtls_sha256_ret(der + sizeof der - n, (size_t)n, h, 0) != 0) {
        strcpy(out, "-");
        return;
    }
    hex(h, sizeof h, out);
}

/* The card signs SHA-256("jpki-test-cardcheck") with its active key; the
 * certificate's public key must verify it. */
static int match_by_signature(jpki_card *card, sim_card *sc, int k, mbedtls_x509_crt *crt)
{
    jpki_pin_id pin = k == JPKI_KEY_AUTH ? JPKI_PIN_AUTH : JPKI_PIN_SIGN;
    const sim_pin *p = &sim_card_state(sc)->pin[pin];
    jpki_secret s;
    memset(&s, 0, sizeof s);
    memcpy(s.buf, p->value, p->len);
    s.len = p->len;
    jpki_error e;
    jpki_error_clear(&e);
    jpki_rc rc = jpki_pin_verify(card, pin, &s, &e);
    jpki_secret_wipe(&s);
    if (rc != JPKI_OK) {
        fprintf(stderr, "%s: verify on the copy: %s\n", prog, e.message);
        return 0;
    }
    static const char msg[] = "jpki-test-cardcheck";
    static const uint8_t prefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                     0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    uint8_t di[sizeof prefix + 32], sig[256];
    memcpy(di, prefix, sizeof prefix);
    mbedtls_sha256_ret((const uint8_t *)msg, sizeof msg - 1, di + sizeof prefix, 0);
    size_t siglen = 0;
    rc = jpki_sign_digestinfo(card, (jpki_key_kind)k, false, di, sizeof di, sig, &siglen, &e);
    if (rc != JPKI_OK) {
        fprintf(stderr, "%s: signing on the copy: %s\n", prog, e.message);
        return 0;
    }
    return mbedtls_pk_verify(&crt->pk, MBEDTLS_MD_SHA256, di + sizeof prefix, 32, sig, siglen) ==
           0;
}

static int report(sim_card *sc)
{
    const sim_persist *st = sim_card_state(sc);
    const uint8_t *atr_p;
    size_t atr_len;
    atr_p = sim_card_atr(&atr_len);
    jpki_transport *t = NULL;
    jpki_error e;
    jpki_error_clear(&e);
    if (jpki_mem_transport_new(sim_card_apdu, sc, atr_p, atr_len, &t, &e) != JPKI_OK) {
        fprintf(stderr, "%s: %s\n", prog, e.message);
        return 2;
    }
    jpki_card *card = NULL;
    if (jpki_card_new(t, &card, NULL) != JPKI_OK)
        abort();
    for (int i = 0; i < JPKI_PIN_COUNT; i++)
        printf("pin %s tries=%u set=%s\n", jpki_pin_name((jpki_pin_id)i), st->pin[i].tries,
               st->pin[i].len ? "yes" : "no");
    printf("mode %s\n", st->face_mode ? "face" : "pin");
    int bad = 0;
    for (int k = 0; k < SIM_KEYS; k++) {
        const sim_keyslot *s = &st->slot[k];
        char hash[65] = "-", serial[80] = "-";
        const char *match = "n/a", *by = "-";
        if (s->cert.p) {
            mbedtls_x509_crt crt;
            mbedtls_x509_crt_init(&crt);
            if (jpki_x509_parse_der(&crt, s->cert.p, s->cert.len) != 0) {
                match = "no";
            } else {
                spki_hash(&crt, hash);
                if (crt.serial.len < sizeof serial / 2)
                    hex(crt.serial.p, crt.serial.len, serial);
                const sim_pin *p = &st->pin[k == JPKI_KEY_AUTH ? JPKI_PIN_AUTH : JPKI_PIN_SIGN];
                int ok;
                if (!st->face_mode && p->len && p->tries > 0) {
                    by = "signature";
                    ok = match_by_signature(card, sc, k, &crt);
                } else {
                    by = "key"; /* no usable PIN: compare with the private key */
                    ok = sim_cert_matches_key(&s->cert, &s->key);
                }
                match = ok ? "yes" : "no";
            }
            mbedtls_x509_crt_free(&crt);
            if (strcmp(match, "yes") != 0)
                bad = 1;
        }
        printf("key %s cert=%s pending=%s pending_cert=%s match=%s by=%s spki_sha256=%s "
               "serial=%s\n",
               k == JPKI_KEY_AUTH ? "auth" : "sign", s->cert.p ? "yes" : "no",
               s->pending_key.p ? "yes" : "no", s->pending_cert.p ? "yes" : "no", match, by, hash,
               serial);
    }
    jpki_card_free(card);
    jpki_transport_close(t);
    return bad;
}

static int pin_is(sim_card *sc, const char *name, int fd)
{
    jpki_pin_id id;
    jpki_error e;
    jpki_error_clear(&e);
    jpki_secret s;
    if (jpki_pin_parse_name(name, &id, &e) != JPKI_OK || jpki_secret_read_fd(fd, &s, &e) != JPKI_OK) {
        fprintf(stderr, "%s: %s\n", prog, e.message);
        return 2;
    }
    const sim_pin *p = &sim_card_state(sc)->pin[id];
    int same = p->len == s.len && memcmp(p->value, s.buf, s.len) == 0;
    jpki_secret_wipe(&s);
    return same ? 0 : 1;
}

static jpki_rc print_record(void *ctx, const jpki_journal_record *r, jpki_error *err)
{
    (void)ctx;
    (void)err;
    char key[2 * JPKI_JOURNAL_FP_LEN + 1] = "-";
    if (r->has_key)
        hex(r->key, sizeof r->key, key);
    printf("journal %s card=%s kind=%s key=%s\n", jpki_journal_step_name(r->step),
           r->card[0] ? r->card : "-",
           r->kind == JPKI_KEY_AUTH ? "auth" : r->kind == JPKI_KEY_SIGN ? "sign" : "-", key);
    return JPKI_OK;
}

static int print_journal(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open %s\n", prog, path);
        return 2;
    }
    size_t cap = 1 << 16, len = 0;
    uint8_t *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + len, 1, cap - len, f)) > 0) {
        len += r;
        if (len == cap && cap < JPKI_JOURNAL_MAX_FILE) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        } else if (len == cap) {
            break;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return 2;
    }
    size_t valid = 0;
    bool torn = false;
    jpki_error e;
    jpki_error_clear(&e);
    jpki_rc rc = jpki_journal_parse(buf, len, print_record, NULL, &valid, &torn, &e);
    free(buf);
    if (rc != JPKI_OK) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, e.message);
        return 2;
    }
    if (torn)
        printf("journal torn\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--journal") == 0)
        return print_journal(argv[2]);
    if (argc == 2 && strcmp(argv[1], "--help") == 0)
        return usage(stdout, 0);
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        cli_print_version(prog);
        return 0;
    }
    const char *pin_name = NULL;
    int pin_fd = -1;
    if (argc == 6 && strcmp(argv[2], "--pin-is") == 0 && strcmp(argv[4], "--pin-fd") == 0) {
        pin_name = argv[3];
        pin_fd = atoi(argv[5]);
    } else if (argc != 2) {
        return usage(stderr, 2);
    }
    char tmp[4096];
    sim_card *sc = load_copy(argv[1], tmp, sizeof tmp);
    if (!sc)
        return 2;
    int rc = pin_name ? pin_is(sc, pin_name, pin_fd) : report(sc);
    sim_card_free(sc);
    unlink(tmp);
    return rc;
}
