/* The three sample cardholders (from the project's sample renewal notice)
 * and the creation of a new card for one of them.  All data is fictional
 * test data: names, addresses (架空県 = "fictional prefecture"), numbers. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include "x509_crt.h"
#include "jpki/cert.h"
#include "atomic_file.h"
#include "sim.h"
#include "testca.h"

static const sim_persona hanako = {
    .id = "hanako",
    .name = "番号 花子",
    .sex = "2",
    .birth = "19890331",
    .address = "架空県見本市試験町一丁目2番3号",
    .my_number = "987654321018",
    .serial = "900000000000001",
    .municipality = "99201",
    .card_expiry = "20300331",
    .issued = "2020-06-01",
    .pin_auth = "1234",
    .pin_sign = "ABC123",
    .pin_cardinfo = "5678",
    .pin_registry = "2580",
};

static const sim_persona taro = {
    .id = "taro",
    .name = "番号 太郎",
    .sex = "1",
    .birth = "19890410",
    .address = "架空県見本市試験町一丁目2番3号",
    .my_number = "987654321026",
    .serial = "900000000000002",
    .municipality = "99201",
    .card_expiry = "20300410",
    .issued = "2020-06-01",
    .pin_auth = "1234",
    .pin_sign = "ABC123",
    .pin_cardinfo = "5678",
    .pin_registry = "2580",
};

static const sim_persona ichiko = {
    .id = "ichiko",
    .name = "番号 一子",
    .sex = "2",
    .birth = "20080510",
    .address = "架空県見本市模擬町四丁目5番6号",
    .my_number = "987654321034",
    .serial = "900000000000003",
    .municipality = "99202",
    .card_expiry = "20280510",
    .issued = "2018-06-01",
    .pin_auth = "1234",
    .pin_sign = "ABC123",
    .pin_cardinfo = "5678",
    .pin_registry = "2580",
};

static const sim_persona *const personas[] = {&hanako, &taro, &ichiko, NULL};

const sim_persona *const *sim_persona_list(void)
{
    return personas;
}

const sim_persona *sim_persona_find(const char *id)
{
    for (int i = 0; id && personas[i]; i++)
        if (strcmp(personas[i]->id, id) == 0)
            return personas[i];
    return NULL;
}

/* ---- issuer key file (format of include/jpki/issuer.h) ---- */

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = tolower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

static jpki_rc issuer_key_parse(const char *path, char *text, uint8_t key[JPKI_ISSUER_KEY_LEN],
                                jpki_error *err)
{
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        if (n != 2 * JPKI_ISSUER_KEY_LEN)
            break;
        for (size_t i = 0; i < JPKI_ISSUER_KEY_LEN; i++) {
            int hi = hexval(line[2 * i]), lo = hexval(line[2 * i + 1]);
            if (hi < 0 || lo < 0)
                return jpki_error_set(err, JPKI_ERR_FORMAT, "%s: issuer key is not 32 hex digits", path);
            key[i] = (uint8_t)(hi << 4 | lo);
        }
        return JPKI_OK;
    }
    return jpki_error_set(err, JPKI_ERR_FORMAT, "%s: issuer key is not 32 hex digits", path);
}

static jpki_rc issuer_key_load(const char *path, uint8_t key[JPKI_ISSUER_KEY_LEN], jpki_error *err)
{
    /* the library's rule for secret files; the bounded read below reopens
     * the name, the check on this descriptor still refuses a shared file */
    int fd;
    jpki_rc checked = jpki_secret_open_private(path, &fd, err);
    if (checked != JPKI_OK)
        return checked;
    close(fd);
    unsigned char *text = NULL;
    size_t len = 0;
    jpki_rc rc = read_file_bounded(path, 4096, &text, &len, err);
    if (rc != JPKI_OK)
        return rc;
    rc = issuer_key_parse(path, (char *)text, key, err);
    mbedtls_platform_zeroize(text, len);
    free(text);
    return rc;
}

/* Use the issuer key file if it exists, else create it (0600, O_EXCL so two
 * concurrent --new runs agree on one key). */
static jpki_rc issuer_key_get(const char *path, uint8_t key[JPKI_ISSUER_KEY_LEN], jpki_error *err)
{
    if (access(path, F_OK) == 0)
        return issuer_key_load(path, key, err);
    if (testca_rng(NULL, key, JPKI_ISSUER_KEY_LEN) != 0)
        return jpki_error_set(err, JPKI_ERR_CRYPTO, "no random numbers for the issuer key");
    char text[128];
    int n = snprintf(text, sizeof text, "# jpki-tools TEST issuer key (AES-128)\n");
    for (int i = 0; i < JPKI_ISSUER_KEY_LEN; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "%02x", key[i]);
    n += snprintf(text + n, sizeof text - (size_t)n, "\n");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST)
        return issuer_key_load(path, key, err);
    if (fd < 0)
        return jpki_error_set(err, JPKI_ERR_IO, "%s: %s", path, strerror(errno));
    jpki_rc rc = JPKI_OK;
    if (write(fd, text, (size_t)n) != n || fsync(fd) != 0)
        rc = jpki_error_set(err, JPKI_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    close(fd);
    mbedtls_platform_zeroize(text, sizeof text);
    return rc;
}

/* ---- certificates ---- */

/* Opaque subject CN: 23 random characters, like the real cards' serial-looking names. */
#define OPAQUE_CN_LEN 23
static void opaque_cn(char out[OPAQUE_CN_LEN + 1])
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    uint8_t r[OPAQUE_CN_LEN];
    testca_rng(NULL, r, sizeof r);
    for (int i = 0; i < OPAQUE_CN_LEN; i++)
        out[i] = alphabet[r[i] % 36];
    out[OPAQUE_CN_LEN] = '\0';
}

/* The municipality in romaji for the signature certificate's L= (real
 * cards name the holder's city there, e.g. L=Kiyose-shi).  The personas'
 * fictional codes 992xx are all in 見本市 ("sample city"). */
static const char *municipality_romaji(const char *code)
{
    static const struct {
        const char *code, *romaji;
    } known[] = {{"99201", "Mihon-shi"}, {"99202", "Mihon-shi"}};
    for (size_t i = 0; code && i < sizeof known / sizeof known[0]; i++)
        if (strcmp(code, known[i].code) == 0)
            return known[i].romaji;
    return NULL;
}

/* Issue one certificate for key (DER private key) and register its subject. */
static jpki_rc issue_for(testca *ca, const char *ca_dir, testca_kind kind, const sim_blob *key,
                         const sim_persona *p, const char *name, const char *address,
                         testca_date issued, testca_date birth,
                         testca_date card_expiry, sim_blob *cert, jpki_error *err)
{
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    if (mbedtls_pk_parse_key(&pk, key->p, key->len, NULL, 0) != 0) {
        mbedtls_pk_free(&pk);
        return jpki_error_set(err, JPKI_ERR_INTERNAL, "generated key does not parse");
    }
    uint8_t san[1024];
    size_t san_len = 0;
    jpki_rc rc = JPKI_OK;
    if (kind == TESTCA_SIGN) {
        testca_holder_attrs h = {name, p->sex, p->birth, address};
        rc = testca_san_build(&h, san, sizeof san, &san_len, err);
    }
    char cn[OPAQUE_CN_LEN + 1];
    opaque_cn(cn);
    testca_request rq = {
        .kind = kind,
        .subject_key = &pk,
        .subject_cn = cn,
        .subject_locality = kind == TESTCA_SIGN ? municipality_romaji(p->municipality) : NULL,
        .san = kind == TESTCA_SIGN ? san : NULL,
        .san_len = san_len,
        .not_before = issued,
        .not_after = testca_validity_end(issued, birth, &card_expiry),
    };
    uint8_t *der = NULL;
    size_t len = 0;
    if (rc == JPKI_OK)
        rc = testca_issue(ca, &rq, &der, &len, err);
    mbedtls_pk_free(&pk);
    if (rc != JPKI_OK)
        return rc;
    /* Register the subject as jpki-ca will see it in a renewal CSR. */
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    char subject[512];
    if (jpki_x509_parse_der(&crt, der, len) != 0 ||
        jpki_dn_format(crt.subject_raw.p, crt.subject_raw.len, subject, sizeof subject, NULL) != JPKI_OK)
        rc = jpki_error_set(err, JPKI_ERR_INTERNAL, "issued certificate does not parse");
    mbedtls_x509_crt_free(&crt);
    if (rc == JPKI_OK)
        rc = testca_holder_add(ca_dir, subject, birth, card_expiry, err);
    if (rc == JPKI_OK && sim_blob_set(cert, der, len) != JPKI_OK)
        rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
    free(der);
    return rc;
}

static void set_pin(sim_pin *pin, jpki_pin_id id, const char *value)
{
    pin->len = strlen(value);
    memcpy(pin->value, value, pin->len);
    pin->tries = (uint8_t)sim_pin_max_tries(id);
}

jpki_rc sim_card_create(const sim_new_options *o, jpki_error *err)
{
    return sim_card_create_variant(o, NULL, err);
}

jpki_rc sim_card_create_variant(const sim_new_options *o, const char *variant, jpki_error *err)
{
    if (!o || !o->state_path || !o->persona || !o->ca_dir || !o->issuer_key_path)
        return jpki_error_set(err, JPKI_ERR_ARG, "--new needs --state, --persona, --ca and --issuer-key");
    const sim_persona *p = sim_persona_find(o->persona);
    if (!p)
        return jpki_error_set(err, JPKI_ERR_ARG,
                              "unknown persona '%s' (see --list-personas)", o->persona);
    if (access(o->state_path, F_OK) == 0)
        return jpki_error_set(err, JPKI_ERR_STATE, "%s already exists: refusing to overwrite a card",
                              o->state_path);
    testca_date issued, birth, card_expiry;
    jpki_rc rc = testca_date_parse(o->now ? o->now : p->issued, &issued, err);
    if (rc != JPKI_OK)
        return jpki_error_prefix(err, "--now");
    if (testca_date_parse(p->birth, &birth, err) != JPKI_OK ||
        testca_date_parse(p->card_expiry, &card_expiry, err) != JPKI_OK)
        return JPKI_ERR_INTERNAL;

    sim_persist st;
    memset(&st, 0, sizeof st);
    snprintf(st.persona, sizeof st.persona, "%s", p->id);
    snprintf(st.name, sizeof st.name, "%s", p->name);
    snprintf(st.address, sizeof st.address, "%s", p->address);
    snprintf(st.birth, sizeof st.birth, "%s", p->birth);
    snprintf(st.sex, sizeof st.sex, "%s", p->sex);
    snprintf(st.my_number, sizeof st.my_number, "%s", p->my_number);
    /* Several cards of one persona (a batch over six readers) need their
     * own serials: renewal journals and PIN maps are keyed by it. */
    const char *serial = o->serial ? o->serial : p->serial;
    if (strlen(serial) != 15 || strspn(serial, "0123456789") != 15)
        return jpki_error_set(err, JPKI_ERR_ARG, "--serial: \"%s\" is not 15 digits", serial);
    snprintf(st.serial, sizeof st.serial, "%s", serial);
    snprintf(st.municipality, sizeof st.municipality, "%s", p->municipality);
    snprintf(st.card_expiry, sizeof st.card_expiry, "%s", p->card_expiry);
    const sim_variant *var = sim_variant_find(variant);
    if (!var)
        return jpki_error_set(err, JPKI_ERR_ARG, "unknown card variant '%s' (see --list-variants)",
                              variant);
    snprintf(st.variant, sizeof st.variant, "%s", var->name);
    /* The holder's text as this card holds it (basic-4 and the signature
     * certificate agree, as on a real card). */
    if (var->card_text && (!sim_card_text(p->name, st.name, sizeof st.name) ||
                           !sim_card_text(p->address, st.address, sizeof st.address)))
        return jpki_error_set(err, JPKI_ERR_INTERNAL, "holder text too long for the card");
    for (int i = 0; i < 4; i++)
        st.ab_tries[i] = SIM_AB_TRIES;
    set_pin(&st.pin[JPKI_PIN_AUTH], JPKI_PIN_AUTH, p->pin_auth);
    set_pin(&st.pin[JPKI_PIN_SIGN], JPKI_PIN_SIGN, p->pin_sign);
    set_pin(&st.pin[JPKI_PIN_CARDINFO], JPKI_PIN_CARDINFO, p->pin_cardinfo);
    set_pin(&st.pin[JPKI_PIN_REGISTRY], JPKI_PIN_REGISTRY, p->pin_registry);

    testca *ca = NULL;
    rc = issuer_key_get(o->issuer_key_path, st.issuer_key, err);
    if (rc == JPKI_OK)
        rc = testca_open(o->ca_dir, &ca, err);
    for (int k = 0; rc == JPKI_OK && k < SIM_KEYS; k++) {
        size_t len;
        const uint8_t *der = testca_cert_der(ca, (testca_kind)k, &len);
        if (sim_blob_set(&st.ca_cert[k], der, len) != JPKI_OK)
            rc = jpki_error_set(err, JPKI_ERR_NOMEM, "out of memory");
        if (rc == JPKI_OK)
            rc = sim_genkey_der(&st.slot[k].key, err);
        if (rc == JPKI_OK)
            rc = issue_for(ca, o->ca_dir, (testca_kind)k, &st.slot[k].key, p, st.name, st.address, issued, birth,
                           card_expiry, &st.slot[k].cert, err);
    }
    if (rc == JPKI_OK)
        rc = sim_state_write(o->state_path, &st, err);
    testca_free(ca);
    sim_persist_free(&st);
    return rc;
}
