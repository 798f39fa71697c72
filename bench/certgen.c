/* Benchmark fixture generator (bench/expiry-check.sh): N self-issued
 * RSA-2048 certificates in one process, as DIR/certs/I.pem and the whole
 * stream DIR/all.pem.  Validity starts a year ago and ends (I * 7919) % 400
 * + 1 days from now, so a threshold sorts them into valid and expiring.
 * One key signs everything: the benchmark measures checking, not issuing.
 * Not part of the build; the bench script compiles it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>

static void stamp(time_t t, char out[15])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 15, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: certgen DIR N\n");
        return 2;
    }
    const char *dir = argv[1];
    long n = strtol(argv[2], NULL, 10);
    mbedtls_entropy_context ent;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_pk_context key;
    mbedtls_entropy_init(&ent);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_pk_init(&key);
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &ent, (const unsigned char *)"certgen", 7) ||
        mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) ||
        mbedtls_rsa_gen_key(mbedtls_pk_rsa(key), mbedtls_ctr_drbg_random, &drbg, 2048, 65537)) {
        fprintf(stderr, "certgen: key generation failed\n");
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/all.pem", dir);
    FILE *all = fopen(path, "w");
    if (!all) {
        perror(path);
        return 1;
    }
    time_t now = time(NULL);
    char from[15], to[15], subject[64];
    stamp(now - 365L * 86400, from);
    static unsigned char pem[8192];
    for (long i = 1; i <= n; i++) {
        mbedtls_x509write_cert crt;
        mbedtls_mpi serial;
        mbedtls_x509write_crt_init(&crt);
        mbedtls_mpi_init(&serial);
        stamp(now + ((i * 7919) % 400 + 1) * 86400L, to);
        snprintf(subject, sizeof subject, "C=JP,CN=bench %ld", i);
        mbedtls_mpi_lset(&serial, i);
        mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
        mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
        mbedtls_x509write_crt_set_subject_key(&crt, &key);
        mbedtls_x509write_crt_set_issuer_key(&crt, &key);
        int rc = mbedtls_x509write_crt_set_subject_name(&crt, subject) ||
                 mbedtls_x509write_crt_set_issuer_name(&crt, "C=JP,O=JPKI,OU=Bench CA") ||
                 mbedtls_x509write_crt_set_serial(&crt, &serial) ||
                 mbedtls_x509write_crt_set_validity(&crt, from, to) ||
                 mbedtls_x509write_crt_pem(&crt, pem, sizeof pem, mbedtls_ctr_drbg_random, &drbg);
        mbedtls_mpi_free(&serial);
        mbedtls_x509write_crt_free(&crt);
        if (rc) {
            fprintf(stderr, "certgen: certificate %ld failed\n", i);
            return 1;
        }
        snprintf(path, sizeof path, "%s/certs/%ld.pem", dir, i);
        FILE *f = fopen(path, "w");
        size_t len = strlen((const char *)pem);
        if (!f || fwrite(pem, 1, len, f) != len || fclose(f) != 0 || fwrite(pem, 1, len, all) != len) {
            perror(path);
            return 1;
        }
    }
    if (fclose(all) != 0)
        return 1;
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&ent);
    return 0;
}
