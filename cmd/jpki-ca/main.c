/* jpki-ca: the jpki-tools TEST certification authority.
 *   jpki-ca init --dir DIR
 *   jpki-ca issue --dir DIR [--kind auth|sign] [--now DATE] [--birth DATE] < CSR > CERT.pem */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/pem.h>
#include <mbedtls/x509_csr.h>

#include "cli_locale.h"
#include "jpki/cert.h"
#include "cli.h"
#include "csr.h"
#include "testca.h"

#define CSR_MAX (64u * 1024u)

static const char *prog = "jpki-ca";

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: jpki-ca init --dir DIR\n"
            "       jpki-ca issue --dir DIR [--kind auth|sign] [--now YYYY-MM-DD]\n"
            "                     [--birth YYYY-MM-DD] < REQUEST > CERT.pem\n"
            "       jpki-ca --help | --version\n"
            "\n"
            "The jpki-tools TEST certification authority (never for real certificates).\n"
            "\n"
            "  init                 create the user-authentication and digital-signature CAs\n"
            "  issue                read one PKCS#10 request (PEM or DER) on stdin, check its\n"
            "                       self-signature, print the certificate (PEM) on stdout;\n"
            "                       valid until the 5th birthday after issuance or the card's\n"
            "                       expiry, whichever comes first\n"
            "  -d, --dir DIR        CA directory\n"
            "  -k, --kind KIND      auth or sign (default: sign if the request carries a\n"
            "                       subjectAltName, else auth)\n"
            "      --now DATE       issuance date (default: today in Japan)\n"
            "      --birth DATE     birth date when neither the request nor the holders\n"
            "                       registry has one\n"
            "  -h, --help           this help\n"
            "  -V, --version        version\n");
}

static int fail(const jpki_error *err, int code)
{
    fprintf(stderr, "%s: %s\n", prog, err->message);
    return code;
}

static int exit_for(jpki_rc rc)
{
    switch (rc) {
    case JPKI_ERR_ARG:
    case JPKI_ERR_FORMAT:
    case JPKI_ERR_LIMIT:
        return CLI_EXIT_USAGE;
    default:
        return CLI_EXIT_FAIL;
    }
}

static jpki_rc read_stdin(uint8_t **out, size_t *len, jpki_error *err)
{
    uint8_t *buf = malloc(CSR_MAX + 1);
    if (!buf)
        return jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    size_t got = 0;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf + got, CSR_MAX + 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            free(buf);
            return jpki_error_set(err, JPKI_ERR_IO, "reading the request: %s", strerror(errno));
        }
        if (n == 0)
            break;
        got += (size_t)n;
        if (got > CSR_MAX) {
            free(buf);
            return jpki_error_set(err, JPKI_ERR_LIMIT, "request larger than %u bytes", CSR_MAX);
        }
    }
    if (got == 0) {
        free(buf);
        return jpki_error_set(err, JPKI_ERR_FORMAT, "no request on stdin");
    }
    *out = buf;
    *len = got;
    return JPKI_OK;
}

typedef struct issue_opts {
    const char *dir, *kind, *now, *birth;
} issue_opts;

static int do_issue(const issue_opts *o)
{
    jpki_error err;
    jpki_error_clear(&err);
    testca_kind kind = TESTCA_AUTH;
    bool kind_given = o->kind != NULL;
    if (o->kind && strcmp(o->kind, "auth") == 0)
        kind = TESTCA_AUTH;
    else if (o->kind && strcmp(o->kind, "sign") == 0)
        kind = TESTCA_SIGN;
    else if (o->kind) {
        fprintf(stderr, "%s: --kind must be auth or sign, not '%s'\n", prog, o->kind);
        return CLI_EXIT_USAGE;
    }
    testca_date issued = testca_date_today(), birth_opt = {0, 0, 0};
    if (o->now && testca_date_parse(o->now, &issued, &err) != JPKI_OK)
        return jpki_error_prefix(&err, "--now"), fail(&err, CLI_EXIT_USAGE);
    if (o->birth && testca_date_parse(o->birth, &birth_opt, &err) != JPKI_OK)
        return jpki_error_prefix(&err, "--birth"), fail(&err, CLI_EXIT_USAGE);

    testca *ca = NULL;
    jpki_rc rc = testca_open(o->dir, &ca, &err);
    if (rc != JPKI_OK)
        return fail(&err, exit_for(rc));
    uint8_t *in = NULL;
    size_t in_len = 0;
    mbedtls_x509_csr csr;
    mbedtls_x509_csr_init(&csr);
    uint8_t *der = NULL;
    size_t der_len = 0;
    const uint8_t *san = NULL;
    size_t san_len = 0;
    char subject[1024] = "";
    testca_date birth = {0, 0, 0}, card_expiry = {0, 0, 0};
    bool have_birth = false, have_expiry = false;

    rc = read_stdin(&in, &in_len, &err);
    if (rc == JPKI_OK)
        rc = csr_parse_verified(in, in_len, &csr, &err);
    if (rc == JPKI_OK)
        rc = csr_find_san(&csr, &san, &san_len, &err);
    if (rc == JPKI_OK && !kind_given)
        kind = san ? TESTCA_SIGN : TESTCA_AUTH;
    if (rc == JPKI_OK && kind == TESTCA_SIGN && !san)
        rc = jpki_error_set(&err, JPKI_ERR_FORMAT,
                            "a signature certificate needs the holder's subjectAltName in the request");
    if (rc == JPKI_OK && jpki_dn_format(csr.subject_raw.p, csr.subject_raw.len, subject, sizeof subject, NULL) != JPKI_OK)
        rc = jpki_error_set(&err, JPKI_ERR_FORMAT, "request subject cannot be printed");
    /* The request's own birth date wins, whatever the kind issued. */
    if (rc == JPKI_OK && san)
        rc = testca_san_birth(san, san_len, &birth, &have_birth, &err);
    if (rc == JPKI_OK) {
        testca_date rb, re;
        bool found = false;
        rc = testca_holder_find(o->dir, subject, &rb, &re, &found, &err);
        if (rc == JPKI_OK && found) {
            card_expiry = re;
            have_expiry = true;
            if (!have_birth) {
                birth = rb;
                have_birth = true;
            }
        }
    }
    if (rc == JPKI_OK && !have_birth && o->birth) {
        birth = birth_opt;
        have_birth = true;
    }
    if (rc == JPKI_OK && !have_birth)
        rc = jpki_error_set(&err, JPKI_ERR_ARG,
                            "no birth date for '%s': not in the request, not in %s/holders; give --birth",
                            subject, o->dir);
    testca_date end = {0, 0, 0};
    if (rc == JPKI_OK) {
        end = testca_validity_end(issued, birth, have_expiry ? &card_expiry : NULL);
        if (testca_date_cmp(end, issued) < 0) {
            char e[16];
            testca_date_format(end, e, sizeof e);
            rc = jpki_error_set(&err, JPKI_ERR_CERT, "the card expired on %s: nothing to issue", e);
        }
    }
    if (rc == JPKI_OK) {
        testca_request rq = {
            .kind = kind,
            .subject_key = &csr.pk,
            .subject_name = &csr.subject,
            .san = kind == TESTCA_SIGN ? san : NULL,
            .san_len = kind == TESTCA_SIGN ? san_len : 0,
            .not_before = issued,
            .not_after = end,
        };
        rc = testca_issue(ca, &rq, &der, &der_len, &err);
    }
    int code = CLI_EXIT_OK;
    if (rc == JPKI_OK) {
        unsigned char pem[8192];
        size_t olen = 0;
        if (mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
                                     der, der_len, pem, sizeof pem, &olen) != 0 ||
            fputs((char *)pem, stdout) == EOF || fflush(stdout) != 0) {
            fprintf(stderr, "%s: writing the certificate failed\n", prog);
            code = CLI_EXIT_FAIL;
        }
    } else {
        code = fail(&err, exit_for(rc));
    }
    free(der);
    free(in);
    mbedtls_x509_csr_free(&csr);
    testca_free(ca);
    return code;
}

int main(int argc, char **argv)
{
    cli_locale_init();
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},
        {"kind", required_argument, NULL, 'k'},
        {"now", required_argument, NULL, 'n'},
        {"birth", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    issue_opts o = {0};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "d:k:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'd': o.dir = optarg; break;
        case 'k': o.kind = optarg; break;
        case 'n': o.now = optarg; break;
        case 'b': o.birth = optarg; break;
        case 'h': usage(stdout); return CLI_EXIT_OK;
        case 'V': printf("jpki-ca %s\n", JPKI_VERSION); return CLI_EXIT_OK;
        default:
            fprintf(stderr, "%s: unknown or incomplete option '%s' (try --help)\n", prog,
                    argv[optind - 1]);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "%s: give exactly one command: init or issue (try --help)\n", prog);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[optind];
    if (!o.dir) {
        fprintf(stderr, "%s: --dir is required\n", prog);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(cmd, "init") == 0) {
        if (o.kind || o.now || o.birth) {
            fprintf(stderr, "%s: init takes only --dir\n", prog);
            return CLI_EXIT_USAGE;
        }
        jpki_error err;
        jpki_error_clear(&err);
        jpki_rc rc = testca_create(o.dir, &err);
        return rc == JPKI_OK ? CLI_EXIT_OK : fail(&err, exit_for(rc));
    }
    if (strcmp(cmd, "issue") == 0)
        return do_issue(&o);
    fprintf(stderr, "%s: unknown command '%s' (init or issue)\n", prog, cmd);
    return CLI_EXIT_USAGE;
}
