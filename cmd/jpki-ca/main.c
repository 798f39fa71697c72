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

/* The options, checked: the kind (if given) and the two dates. */
typedef struct issue_args {
    testca_kind kind;
    bool kind_given;
    testca_date issued;
    testca_date birth;     /* --birth, if have_birth */
    bool have_birth;
} issue_args;

static int parse_issue_opts(const issue_opts *o, issue_args *a)
{
    jpki_error err;
    jpki_error_clear(&err);
    *a = (issue_args){.kind = TESTCA_AUTH, .kind_given = o->kind != NULL,
                      .issued = testca_date_today()};
    if (o->kind && strcmp(o->kind, "sign") == 0) {
        a->kind = TESTCA_SIGN;
    } else if (o->kind && strcmp(o->kind, "auth") != 0) {
        fprintf(stderr, "%s: --kind must be auth or sign, not '%s'\n", prog, o->kind);
        return CLI_EXIT_USAGE;
    }
    if (o->now && testca_date_parse(o->now, &a->issued, &err) != JPKI_OK)
        return jpki_error_prefix(&err, "--now"), fail(&err, CLI_EXIT_USAGE);
    if (o->birth && testca_date_parse(o->birth, &a->birth, &err) != JPKI_OK)
        return jpki_error_prefix(&err, "--birth"), fail(&err, CLI_EXIT_USAGE);
    a->have_birth = o->birth != NULL;
    return CLI_EXIT_OK;
}

/* The request read from stdin, its self-signature checked. */
typedef struct request {
    uint8_t *in;
    size_t in_len;
    mbedtls_x509_csr csr;
    const uint8_t *san; /* the holder's subjectAltName inside csr, or NULL */
    size_t san_len;
    char subject[1024];
} request;

static void request_free(request *r)
{
    free(r->in);
    mbedtls_x509_csr_free(&r->csr);
}

/* Read and verify the request; settle the kind (sign when it carries a
 * subjectAltName, unless --kind said otherwise; sign needs one). */
static jpki_rc read_request(request *r, issue_args *a, jpki_error *err)
{
    jpki_rc rc = read_stdin(&r->in, &r->in_len, err);
    if (rc == JPKI_OK)
        rc = csr_parse_verified(r->in, r->in_len, &r->csr, err);
    if (rc == JPKI_OK)
        rc = csr_find_san(&r->csr, &r->san, &r->san_len, err);
    if (rc != JPKI_OK)
        return rc;
    if (!a->kind_given)
        a->kind = r->san ? TESTCA_SIGN : TESTCA_AUTH;
    if (a->kind == TESTCA_SIGN && !r->san)
        return jpki_error_set(err, JPKI_ERR_FORMAT,
                              "a signature certificate needs the holder's subjectAltName in the request");
    if (jpki_dn_format(r->csr.subject_raw.p, r->csr.subject_raw.len, r->subject, sizeof r->subject,
                       NULL) != JPKI_OK)
        return jpki_error_set(err, JPKI_ERR_FORMAT, "request subject cannot be printed");
    return JPKI_OK;
}

/* The holder's birth date -- from the request, else the holders registry,
 * else --birth -- and the card's expiry if the registry knows the card. */
static jpki_rc holder_dates(const char *dir, const request *r, const issue_args *a,
                            testca_date *birth, testca_date *card_expiry, bool *have_expiry,
                            jpki_error *err)
{
    bool have_birth = false;
    *have_expiry = false;
    /* The request's own birth date wins, whatever the kind issued. */
    jpki_rc rc = r->san ? testca_san_birth(r->san, r->san_len, birth, &have_birth, err) : JPKI_OK;
    testca_date rb, re;
    bool found = false;
    if (rc == JPKI_OK)
        rc = testca_holder_find(dir, r->subject, &rb, &re, &found, err);
    if (rc != JPKI_OK)
        return rc;
    if (found) {
        *card_expiry = re;
        *have_expiry = true;
        if (!have_birth) {
            *birth = rb;
            have_birth = true;
        }
    }
    if (!have_birth && a->have_birth) {
        *birth = a->birth;
        have_birth = true;
    }
    if (!have_birth)
        return jpki_error_set(err, JPKI_ERR_ARG,
                              "no birth date for '%s': not in the request, not in %s/holders; give --birth",
                              r->subject, dir);
    return JPKI_OK;
}

/* Valid until the 5th birthday after issuance or the card's expiry,
 * whichever comes first; nothing to issue on an expired card. */
static jpki_rc validity_end(testca_date issued, testca_date birth, const testca_date *card_expiry,
                            testca_date *end, jpki_error *err)
{
    *end = testca_validity_end(issued, birth, card_expiry);
    if (testca_date_cmp(*end, issued) >= 0)
        return JPKI_OK;
    char e[16];
    testca_date_format(*end, e, sizeof e);
    return jpki_error_set(err, JPKI_ERR_CERT, "the card expired on %s: nothing to issue", e);
}

static int print_pem(const uint8_t *der, size_t der_len)
{
    unsigned char pem[8192];
    size_t olen = 0;
    if (mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
                                 der, der_len, pem, sizeof pem, &olen) != 0 ||
        fputs((char *)pem, stdout) == EOF || fflush(stdout) != 0) {
        fprintf(stderr, "%s: writing the certificate failed\n", prog);
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

static int do_issue(const issue_opts *o)
{
    issue_args a;
    int code = parse_issue_opts(o, &a);
    if (code != CLI_EXIT_OK)
        return code;
    jpki_error err;
    jpki_error_clear(&err);
    testca *ca = NULL;
    jpki_rc rc = testca_open(o->dir, &ca, &err);
    if (rc != JPKI_OK)
        return fail(&err, exit_for(rc));
    request r = {0};
    mbedtls_x509_csr_init(&r.csr);
    testca_date birth = {0, 0, 0}, card_expiry = {0, 0, 0}, end = {0, 0, 0};
    bool have_expiry = false;
    uint8_t *der = NULL;
    size_t der_len = 0;

    rc = read_request(&r, &a, &err);
    if (rc == JPKI_OK)
        rc = holder_dates(o->dir, &r, &a, &birth, &card_expiry, &have_expiry, &err);
    if (rc == JPKI_OK)
        rc = validity_end(a.issued, birth, have_expiry ? &card_expiry : NULL, &end, &err);
    if (rc == JPKI_OK) {
        testca_request rq = {
            .kind = a.kind,
            .subject_key = &r.csr.pk,
            .subject_name = &r.csr.subject,
            .san = a.kind == TESTCA_SIGN ? r.san : NULL,
            .san_len = a.kind == TESTCA_SIGN ? r.san_len : 0,
            .not_before = a.issued,
            .not_after = end,
        };
        rc = testca_issue(ca, &rq, &der, &der_len, &err);
    }
    code = rc == JPKI_OK ? print_pem(der, der_len) : fail(&err, exit_for(rc));
    free(der);
    request_free(&r);
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
        case 'V': cli_print_version("jpki-ca"); return CLI_EXIT_OK;
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
