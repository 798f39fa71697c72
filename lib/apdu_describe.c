/* Annotating APDUs: which application or file a command addresses, what P1
 * and P2 mean, what came back.  Knows the public JPKI layout and our
 * issuance profile (jpki/profile.h); anything else is described generically
 * from ISO 7816-4.  Output only ever shows redacted command bytes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/apdu.h"
#include "jpki/apdu_describe.h"
#include "jpki/profile.h"
#include "jpki/trace.h"

/* ---- names ---- */

typedef struct known_aid {
    jpki_app app;
    const char *label;
    uint8_t aid[JPKI_AID_LEN];
} known_aid;

static const known_aid known_aids[] = {
    {JPKI_APP_JPKI, "JPKI", {JPKI_AID_JPKI}},
    {JPKI_APP_CARDINFO, "card-info input support", {JPKI_AID_CARDINFO}},
    {JPKI_APP_VISUAL, "visual (card face)", {JPKI_AID_VISUAL}},
    {JPKI_APP_REGISTRY, "resident registry", {JPKI_AID_REGISTRY}},
    {JPKI_APP_COMMON, "common", {JPKI_AID_COMMON}},
};

typedef struct known_ef {
    jpki_app app;
    uint16_t fid;
    const char *label;
} known_ef;

static const known_ef known_efs[] = {
    {JPKI_APP_JPKI, JPKI_EF_AUTH_CERT, "auth cert"},
    {JPKI_APP_JPKI, JPKI_EF_AUTH_CA_CERT, "auth CA cert"},
    {JPKI_APP_JPKI, JPKI_EF_SIGN_CERT, "sign cert"},
    {JPKI_APP_JPKI, JPKI_EF_SIGN_CA_CERT, "sign CA cert"},
    {JPKI_APP_JPKI, JPKI_EF_AUTH_KEY, "auth key"},
    {JPKI_APP_JPKI, JPKI_EF_AUTH_PIN, "auth PIN"},
    {JPKI_APP_JPKI, JPKI_EF_SIGN_KEY, "sign key"},
    {JPKI_APP_JPKI, JPKI_EF_SIGN_PIN, "sign PIN"},
    {JPKI_APP_JPKI, JPKI_EF_TOKEN, "token"},
    {JPKI_APP_JPKI, JPKI_EF_CERT_FLAGS, "certificate flags"},
    {JPKI_APP_CARDINFO, JPKI_EF_CARDINFO_MYNUMBER, "my number"},
    {JPKI_APP_CARDINFO, JPKI_EF_CARDINFO_BASIC4, "basic-4 info"},
    {JPKI_APP_CARDINFO, JPKI_EF_CARDINFO_PIN, "card-info PIN"},
    {JPKI_APP_REGISTRY, JPKI_EF_REGISTRY_PIN, "registry PIN"},
    {JPKI_APP_COMMON, JPKI_EF_COMMON_RECORD, "common record"},
};

const char *jpki_aid_label(const uint8_t *aid, size_t len, jpki_app *app)
{
    for (size_t i = 0; i < sizeof known_aids / sizeof known_aids[0]; i++)
        if (aid && len == JPKI_AID_LEN && memcmp(aid, known_aids[i].aid, len) == 0) {
            if (app)
                *app = known_aids[i].app;
            return known_aids[i].label;
        }
    if (app)
        *app = JPKI_APP_NONE;
    return NULL;
}

const char *jpki_ef_label(jpki_app app, uint16_t fid)
{
    for (size_t i = 0; i < sizeof known_efs / sizeof known_efs[0]; i++)
        if (known_efs[i].app == app && known_efs[i].fid == fid)
            return known_efs[i].label;
    return NULL;
}

/* The context of a caller that passes none: nothing selected. */
static const jpki_apdu_ctx no_selection;

void jpki_apdu_ctx_init(jpki_apdu_ctx *ctx)
{
    if (ctx)
        memset(ctx, 0, sizeof *ctx);
}

/* ---- a small bounded string builder ---- */

typedef struct sbuf {
    char *p;
    size_t n, len;
} sbuf;

static void sb_init(sbuf *s, char *p, size_t n)
{
    s->p = p;
    s->n = n;
    s->len = 0;
    if (n)
        p[0] = '\0';
}

__attribute__((format(printf, 2, 3))) static void sb_printf(sbuf *s, const char *fmt, ...)
{
    if (s->len + 1 >= s->n)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(s->p + s->len, s->n - s->len, fmt, ap);
    va_end(ap);
    if (k > 0)
        s->len = (size_t)k >= s->n - s->len ? s->n - 1 : s->len + (size_t)k;
}

static void sb_hex(sbuf *s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_printf(s, "%02X", p[i]);
}

/* "EF 000A (auth cert)" for the current EF, or "the current EF". */
static void sb_ef(sbuf *s, const jpki_apdu_ctx *ctx, uint16_t fid)
{
    const char *l = jpki_ef_label(ctx->app, fid);
    if (l)
        sb_printf(s, "EF %04X (%s)", fid, l);
    else
        sb_printf(s, "EF %04X", fid);
}

static void sb_current_ef(sbuf *s, const jpki_apdu_ctx *ctx)
{
    if (ctx->ef_selected)
        sb_ef(s, ctx, ctx->ef);
    else
        sb_printf(s, "the current EF");
}

static void sb_app(sbuf *s, const jpki_apdu_ctx *ctx)
{
    const char *l = jpki_aid_label(ctx->aid, ctx->aid_len, NULL);
    if (l)
        sb_printf(s, "%s", l);
    else if (ctx->aid_len) {
        sb_printf(s, "application ");
        sb_hex(s, ctx->aid, ctx->aid_len);
    }
}

/* ---- commands ---- */

static const char *select_p2_text(uint8_t p2)
{
    switch (p2 & 0x0C) {
    case 0x00: return "return FCI";
    case 0x04: return "return FCP";
    case 0x08: return "return FMD";
    default: return "no response data";
    }
}

static void describe_select(sbuf *s, const jpki_apdu_ctx *ctx, const jpki_apdu *a)
{
    switch (a->p1) {
    case 0x04: {
        const char *l = jpki_aid_label(a->data, a->nc, NULL);
        sb_printf(s, "SELECT application ");
        if (l)
            sb_printf(s, "%s (AID ", l);
        else
            sb_printf(s, "(unknown AID ");
        sb_hex(s, a->data, a->nc);
        sb_printf(s, ") | P1=04 by DF name");
        break;
    }
    case 0x02:
    case 0x00:
        if (a->nc == 2) {
            uint16_t fid = (uint16_t)((a->data[0] << 8) | a->data[1]);
            sb_printf(s, "SELECT ");
            if (fid == 0x3F00 && a->p1 == 0x00)
                sb_printf(s, "MF (3F00)");
            else
                sb_ef(s, ctx, fid);
            if (ctx->aid_len && !(fid == 0x3F00 && a->p1 == 0x00)) {
                sb_printf(s, " in ");
                sb_app(s, ctx);
            }
        } else if (a->nc == 0 && a->p1 == 0x00) {
            sb_printf(s, "SELECT MF");
        } else {
            sb_printf(s, "SELECT file id of %zu bytes", a->nc);
        }
        sb_printf(s, " | P1=%02X %s", a->p1,
                  a->p1 == 0x02 ? "EF under the current DF" : "MF, DF or EF by file id");
        break;
    case 0x01: sb_printf(s, "SELECT child DF | P1=01"); break;
    case 0x03: sb_printf(s, "SELECT parent DF | P1=03"); break;
    case 0x08: sb_printf(s, "SELECT by path from the MF | P1=08"); break;
    case 0x09: sb_printf(s, "SELECT by path from the current DF | P1=09"); break;
    default: sb_printf(s, "SELECT | P1=%02X (unknown selection)", a->p1); break;
    }
    sb_printf(s, ", P2=%02X %s", a->p2, select_p2_text(a->p2));
}

/* READ/UPDATE BINARY: P1 b8 set = short EF identifier in b5-b1, offset P2. */
static void describe_binary(sbuf *s, const jpki_apdu_ctx *ctx, const jpki_apdu *a,
                            const char *name)
{
    sb_printf(s, "%s ", name);
    if (a->p1 & 0x80) {
        sb_printf(s, "short EF %u, offset %u", a->p1 & 0x1F, a->p2);
    } else {
        sb_current_ef(s, ctx);
        sb_printf(s, ", offset %u", ((a->p1 & 0x7F) << 8) | a->p2);
    }
    if (a->ins == JPKI_INS_UPDATE_BINARY)
        sb_printf(s, ", %zu bytes (pending certificate buffer)", a->nc);
}

static void describe_pin_target(sbuf *s, const jpki_apdu_ctx *ctx, uint8_t p2)
{
    if (p2 == JPKI_PIN_P2) {
        if (ctx->ef_selected)
            sb_ef(s, ctx, ctx->ef);
        else
            sb_printf(s, "PIN of the selected EF");
    } else {
        sb_printf(s, "reference %02X", p2);
    }
}

/* "auth PIN 4 bytes, sign password 8 bytes, ..." for ENABLE VERIFICATION
 * REQUIREMENT (values are redacted; only tags and lengths are shown). */
static void describe_face_pins(sbuf *s, const jpki_apdu *a)
{
    size_t i = 0;
    bool first = true;
    while (i + 2 <= a->nc && a->data[i + 1] < 0x80 && i + 2 + a->data[i + 1] <= a->nc) {
        const char *what;
        switch (a->data[i]) {
        case JPKI_FACE_TAG_AUTH: what = "auth PIN"; break;
        case JPKI_FACE_TAG_SIGN: what = "sign password"; break;
        case JPKI_FACE_TAG_CARDINFO: what = "card-info PIN"; break;
        case JPKI_FACE_TAG_REGISTRY: what = "registry PIN"; break;
        default: what = "tag"; break;
        }
        sb_printf(s, "%s%s %u bytes", first ? ": " : ", ", what, a->data[i + 1]);
        first = false;
        i += 2 + (size_t)a->data[i + 1];
    }
    if (i != a->nc)
        sb_printf(s, " (data is not clean TLV)");
    sb_printf(s, ", PINs redacted");
}

static void describe_sign(sbuf *s, const jpki_apdu_ctx *ctx, const jpki_apdu *a)
{
    if (a->cla & JPKI_CLA_PROPRIETARY) {
        sb_printf(s, "COMPUTE DIGITAL SIGNATURE (JPKI) with ");
        sb_current_ef(s, ctx);
        if (a->p2 == JPKI_P2_ACTIVE_KEY)
            sb_printf(s, " | P2=80 active key");
        else if (a->p2 == JPKI_P2_PENDING_KEY)
            sb_printf(s, " | P2=81 pending key");
        else
            sb_printf(s, " | P2=%02X", a->p2);
        sb_printf(s, ", DigestInfo %zu bytes", a->nc);
        return;
    }
    uint16_t p = (uint16_t)((a->p1 << 8) | a->p2);
    sb_printf(s, "PERFORM SECURITY OPERATION");
    if (p == 0x9E9A)
        sb_printf(s, ": compute digital signature");
    else if (p == 0x8086)
        sb_printf(s, ": decipher");
    else if (p == 0x9E9B)
        sb_printf(s, ": hash");
    else
        sb_printf(s, " | P1P2=%04X", p);
}

/* VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER: the PIN commands
 * (the PIN bytes are never shown, only their count). */
static void describe_pin_command(sbuf *s, const jpki_apdu_ctx *ctx, const jpki_apdu *a)
{
    switch (a->ins) {
    case JPKI_INS_VERIFY:
        sb_printf(s, "VERIFY ");
        describe_pin_target(s, ctx, a->p2);
        if (a->p1 == 0xFF)
            sb_printf(s, ": reset verification status");
        else if (a->nc == 0)
            sb_printf(s, ": retry counter query (spends no try)");
        else
            sb_printf(s, " with PIN (%zu bytes, redacted)", a->nc);
        break;
    case JPKI_INS_CHANGE_REF:
        sb_printf(s, "CHANGE REFERENCE DATA ");
        describe_pin_target(s, ctx, a->p2);
        sb_printf(s, a->p1 == 0x01 ? ": new PIN (%zu bytes, redacted)"
                                   : ": old and new PIN (%zu bytes, redacted)", a->nc);
        break;
    default: /* JPKI_INS_RESET_RETRY */
        sb_printf(s, "RESET RETRY COUNTER ");
        describe_pin_target(s, ctx, a->p2);
        if (a->p1 == JPKI_RESET_P1_NEW_PIN)
            sb_printf(s, ": new PIN (%zu bytes, redacted) and full tries", a->nc);
        else if (a->p1 == JPKI_RESET_P1_UNBLOCK)
            sb_printf(s, ": unblock, tries reset, PIN kept");
        else
            sb_printf(s, " | P1=%02X", a->p1);
        break;
    }
}

/* The issuer session and what it does to a certificate slot. */
static void describe_issuance(sbuf *s, const jpki_apdu_ctx *ctx, const jpki_apdu *a)
{
    switch (a->ins) {
    case JPKI_INS_GET_CHALLENGE:
        sb_printf(s, "GET CHALLENGE (issuer session)");
        break;
    case JPKI_INS_MUTUAL_AUTH:
        sb_printf(s, "MUTUAL AUTHENTICATE (issuer session)");
        if (a->nc == JPKI_CHALLENGE_LEN + JPKI_MAC_LEN)
            sb_printf(s, ": host challenge %u bytes + MAC %u bytes", JPKI_CHALLENGE_LEN,
                      JPKI_MAC_LEN);
        break;
    case JPKI_INS_GEN_KEYPAIR:
        sb_printf(s, "GENERATE ASYMMETRIC KEY PAIR ");
        sb_current_ef(s, ctx);
        if (a->p1 == JPKI_GENKEY_P1_GENERATE)
            sb_printf(s, " | P1=80 generate a pending key pair");
        else if (a->p1 == JPKI_GENKEY_P1_READ)
            sb_printf(s, " | P1=81 read the pending public key");
        else
            sb_printf(s, " | P1=%02X", a->p1);
        break;
    default: /* JPKI_INS_ACTIVATE_FILE */
        sb_printf(s, "ACTIVATE FILE ");
        sb_current_ef(s, ctx);
        sb_printf(s, ": pending certificate and key become active");
        break;
    }
}
/* READ RECORD: P1 record number; P2 b8-b4 a short EF identifier (0 = the
 * current EF), b3-b1 100 = P1 is a record number. */
static void describe_record(sbuf *s, const jpki_apdu_ctx *ctx, const jpki_apdu *a)
{
    sb_printf(s, "READ RECORD %u of ", a->p1);
    if (a->p2 >> 3) {
        unsigned sfi = a->p2 >> 3;
        const char *label = jpki_ef_label(ctx->app, (uint16_t)sfi);
        sb_printf(s, "short EF %u", sfi);
        if (label)
            sb_printf(s, " (EF %04X, %s)", sfi, label);
    } else {
        sb_current_ef(s, ctx);
    }
    if ((a->p2 & 0x07) != 0x04)
        sb_printf(s, ", P2=%02X", a->p2);
}

/* What the instruction does, in words. */
static void describe_instruction(sbuf *s, const jpki_apdu_ctx *ctx, const jpki_apdu *a)
{
    char name[48];
    switch (a->ins) {
    case JPKI_INS_SELECT:
        describe_select(s, ctx, a);
        break;
    case JPKI_INS_READ_BINARY:
        describe_binary(s, ctx, a, "READ BINARY");
        break;
    case JPKI_INS_UPDATE_BINARY:
        describe_binary(s, ctx, a, "UPDATE BINARY");
        break;
    case JPKI_INS_READ_RECORD:
        describe_record(s, ctx, a);
        break;
    case JPKI_INS_VERIFY:
    case JPKI_INS_CHANGE_REF:
    case JPKI_INS_RESET_RETRY:
        describe_pin_command(s, ctx, a);
        break;
    case JPKI_INS_DISABLE_VERIF:
        sb_printf(s, "DISABLE VERIFICATION REQUIREMENT: enter face-authentication mode");
        break;
    case JPKI_INS_ENABLE_VERIF:
        sb_printf(s, "ENABLE VERIFICATION REQUIREMENT: leave face-authentication mode");
        describe_face_pins(s, a);
        break;
    case JPKI_INS_GET_CHALLENGE:
    case JPKI_INS_MUTUAL_AUTH:
    case JPKI_INS_GEN_KEYPAIR:
    case JPKI_INS_ACTIVATE_FILE:
        describe_issuance(s, ctx, a);
        break;
    case JPKI_INS_GET_DATA:
        sb_printf(s, "GET DATA tag %02X%02X", a->p1, a->p2);
        if (a->p1 == JPKI_GETDATA_STATUS_P1 && a->p2 == JPKI_GETDATA_STATUS_P2)
            sb_printf(s, " (issuance status)");
        break;
    case JPKI_INS_GET_RESPONSE:
        sb_printf(s, "GET RESPONSE");
        if (ctx->chained)
            sb_printf(s, " (rest of the %s answer)",
                      jpki_ins_name(0, ctx->chained_ins, name, sizeof name));
        break;
    case JPKI_INS_COMPUTE_SIG:
        describe_sign(s, ctx, a);
        break;
    default:
        sb_printf(s, "%s | P1=%02X P2=%02X", jpki_ins_name(a->cla, a->ins, name, sizeof name),
                  a->p1, a->p2);
        break;
    }
}

/* " | Lc=.., Le=.." and whether the APDU needs extended lengths. */
static void describe_lengths(sbuf *s, const jpki_apdu *a)
{
    if (a->nc)
        sb_printf(s, " | Lc=%zu", a->nc);
    if (a->ne)
        sb_printf(s, "%sLe=%zu", a->nc ? ", " : " | ", a->ne);
    if (a->nc > 255 || a->ne > 256)
        sb_printf(s, " (extended)");
}

/* A class byte other than the usual one for this instruction, decoded. */
static void describe_class(sbuf *s, const jpki_apdu *a)
{
    bool usual_cla = a->cla == 0x00 ||
                     (a->cla == JPKI_CLA_PROPRIETARY && a->ins == JPKI_INS_COMPUTE_SIG);
    if (usual_cla)
        return;
    sb_printf(s, " | CLA=%02X", a->cla);
    if (a->cla == 0xFF) {
        sb_printf(s, " invalid/reader command");
        return;
    }
    if (a->cla & 0x80)
        sb_printf(s, " proprietary");
    if (a->cla & 0x10)
        sb_printf(s, " chained");
    if (a->cla & 0x0C)
        sb_printf(s, " secure messaging");
    if (a->cla & 0x03)
        sb_printf(s, " channel %u", a->cla & 0x03);
}

/* INSTRUCTION [details] | Lc=.., Le=.. [| CLA=..] */
static void describe_parsed(sbuf *s, const jpki_apdu_ctx *ctx, const jpki_apdu *a)
{
    describe_instruction(s, ctx, a);
    describe_lengths(s, a);
    describe_class(s, a);
}

const char *jpki_apdu_describe_command(const jpki_apdu_ctx *ctx, const uint8_t *capdu,
                                       size_t clen, char *buf, size_t n)
{
    sbuf s;
    sb_init(&s, buf, n);
    if (!ctx)
        ctx = &no_selection;
    if (!capdu || clen < 4) {
        sb_printf(&s, "not an APDU (%zu bytes, a header has 4)", capdu ? clen : 0);
        return buf;
    }
    jpki_apdu a;
    jpki_error e;
    jpki_error_clear(&e);
    if (jpki_apdu_parse(capdu, clen, &a, &e) != JPKI_OK) {
        char name[48];
        sb_printf(&s, "%s, malformed: %s", jpki_ins_name(capdu[0], capdu[1], name, sizeof name),
                  e.message);
        return buf;
    }
    describe_parsed(&s, ctx, &a);
    return buf;
}

/* ---- responses ---- */

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return false;
    return n > 0;
}

/* Length of a DER object from its header, or 0 if it is not one. */
static size_t der_total(const uint8_t *p, size_t n)
{
    if (n < 2 || p[0] != 0x30)
        return 0;
    if (p[1] < 0x80)
        return 2 + (size_t)p[1];
    size_t k = p[1] & 0x7F;
    if (k == 0 || k > 3 || n < 2 + k)
        return 0;
    size_t len = 0;
    for (size_t i = 0; i < k; i++)
        len = (len << 8) | p[2 + i];
    return 2 + k + len;
}

static bool is_cert_ef(const jpki_apdu_ctx *ctx)
{
    return ctx->app == JPKI_APP_JPKI && ctx->ef_selected &&
           (ctx->ef == JPKI_EF_AUTH_CERT || ctx->ef == JPKI_EF_AUTH_CA_CERT ||
            ctx->ef == JPKI_EF_SIGN_CERT || ctx->ef == JPKI_EF_SIGN_CA_CERT);
}

static void sb_printable(sbuf *s, const uint8_t *p, size_t n)
{
    sb_printf(s, "\"");
    for (size_t i = 0; i < n; i++)
        sb_printf(s, "%c", p[i] >= 0x20 && p[i] < 0x7F && p[i] != '"' ? p[i] : '.');
    sb_printf(s, "\"");
}

static void describe_key_state(sbuf *s, const char *name, const uint8_t *k)
{
    sb_printf(s, "; %s key:", name);
    if (!(k[0] & (JPKI_KEYFLAG_ACTIVE | JPKI_KEYFLAG_PENDING | JPKI_KEYFLAG_PENDING_CERT)))
        sb_printf(s, " none");
    if (k[0] & JPKI_KEYFLAG_ACTIVE)
        sb_printf(s, " active (cert %u bytes)", (k[3] << 8) | k[4]);
    if (k[0] & JPKI_KEYFLAG_PENDING)
        sb_printf(s, " pending");
    if (k[0] & JPKI_KEYFLAG_PENDING_CERT)
        sb_printf(s, " pending-cert %u bytes", (k[1] << 8) | k[2]);
}

/* What the data of a successful answer is, where we know. */
static void describe_content(sbuf *s, const jpki_apdu_ctx *ctx, const jpki_apdu *a,
                             const uint8_t *d, size_t n)
{
    uint8_t ins = a->ins == JPKI_INS_GET_RESPONSE && ctx->chained ? ctx->chained_ins : a->ins;
    switch (ins) {
    case JPKI_INS_READ_BINARY: {
        if (a->ins != JPKI_INS_READ_BINARY || (a->p1 & 0x80))
            return;
        unsigned off = ((a->p1 & 0x7F) << 8) | a->p2;
        if (is_cert_ef(ctx) && off == 0) {
            size_t total = der_total(d, n);
            if (total)
                sb_printf(s, ": certificate DER, %zu bytes in total", total);
            else if (all_bytes(d, n, 0xFF) || all_bytes(d, n, 0x00))
                sb_printf(s, ": empty");
        } else if (ctx->app == JPKI_APP_JPKI && ctx->ef_selected && ctx->ef == JPKI_EF_TOKEN) {
            sb_printf(s, ": ");
            sb_printable(s, d, n);
        } else if (ctx->app == JPKI_APP_JPKI && ctx->ef_selected &&
                   ctx->ef == JPKI_EF_CERT_FLAGS && off == 0 && n >= 2) {
            sb_printf(s, ": auth cert %s, sign cert %s",
                      d[0] == JPKI_CERT_FLAG_PRESENT ? "present" : "absent",
                      d[1] == JPKI_CERT_FLAG_PRESENT ? "present" : "absent");
        }
        return;
    }
    case JPKI_INS_GET_DATA:
        if (a->p1 == JPKI_GETDATA_STATUS_P1 && a->p2 == JPKI_GETDATA_STATUS_P2 &&
            n == 3 + JPKI_STATUS_LEN && d[0] == 0xDF && d[1] == 0x30 && d[2] == JPKI_STATUS_LEN) {
            sb_printf(s, ": %s", d[3] ? "face-auth card" : "PIN card");
            describe_key_state(s, "auth", d + 4);
            describe_key_state(s, "sign", d + 9);
        }
        return;
    case JPKI_INS_GEN_KEYPAIR:
        if (n >= 2 && d[0] == 0x7F && d[1] == 0x49)
            sb_printf(s, ": public key (7F49)");
        return;
    case JPKI_INS_GET_CHALLENGE:
        sb_printf(s, ": card challenge");
        return;
    case JPKI_INS_MUTUAL_AUTH:
        sb_printf(s, ": card MAC");
        return;
    case JPKI_INS_COMPUTE_SIG:
        sb_printf(s, ": signature");
        return;
    default:
        return;
    }
}

const char *jpki_apdu_describe_response(const jpki_apdu_ctx *ctx, const uint8_t *capdu,
                                        size_t clen, const uint8_t *rapdu, size_t rlen,
                                        char *buf, size_t n)
{
    sbuf s;
    sb_init(&s, buf, n);
    if (!ctx)
        ctx = &no_selection;
    if (!rapdu || rlen < 2) {
        sb_printf(&s, "response of %zu byte(s) without a status word", rapdu ? rlen : 0);
        return buf;
    }
    uint16_t sw = (uint16_t)((rapdu[rlen - 2] << 8) | rapdu[rlen - 1]);
    jpki_apdu a;
    bool parsed = capdu && jpki_apdu_parse(capdu, clen, &a, NULL) == JPKI_OK;
    char swt[96];
    if (parsed && a.ins == JPKI_INS_VERIFY && a.nc == 0 && (sw & 0xFFF0) == 0x63C0)
        snprintf(swt, sizeof swt, "%04X: retry counter, %u tr%s left", sw, sw & 0x0F,
                 (sw & 0x0F) == 1 ? "y" : "ies");
    else
        jpki_sw_describe(sw, swt, sizeof swt);
    sb_printf(&s, "%s", swt);
    if (rlen > 2) {
        sb_printf(&s, " | %zu bytes", rlen - 2);
        if (parsed && (sw == 0x9000 || (sw >> 8) == 0x61))
            describe_content(&s, ctx, &a, rapdu, rlen - 2);
    }
    return buf;
}

/* ---- context ---- */

static bool selected_ok(uint16_t sw)
{
    return sw == 0x9000 || (sw >> 8) == 0x61;
}

void jpki_apdu_ctx_update(jpki_apdu_ctx *ctx, const uint8_t *capdu, size_t clen,
                          const uint8_t *rapdu, size_t rlen)
{
    if (!ctx || !capdu)
        return;
    jpki_apdu a;
    if (jpki_apdu_parse(capdu, clen, &a, NULL) != JPKI_OK || !rapdu || rlen < 2)
        return;
    uint16_t sw = (uint16_t)((rapdu[rlen - 2] << 8) | rapdu[rlen - 1]);
    if ((sw >> 8) == 0x61) {
        if (a.ins != JPKI_INS_GET_RESPONSE)
            ctx->chained_ins = a.ins;
        ctx->chained = true;
    } else if ((sw >> 8) != 0x6C) {
        ctx->chained = false; /* 6Cxx is answered by a resend: keep waiting */
    }
    if (a.ins != JPKI_INS_SELECT || !selected_ok(sw))
        return;
    if (a.p1 == 0x04 && a.nc <= JPKI_AID_MAX) {
        if (a.nc) /* an empty AID has no data pointer: memcpy(NULL) is UB */
            memcpy(ctx->aid, a.data, a.nc);
        ctx->aid_len = a.nc;
        jpki_aid_label(a.data, a.nc, &ctx->app);
        ctx->ef_selected = false;
    } else if ((a.p1 == 0x02 || a.p1 == 0x00) && a.nc == 2) {
        uint16_t fid = (uint16_t)((a.data[0] << 8) | a.data[1]);
        if (a.p1 == 0x00 && fid == 0x3F00) {
            jpki_apdu_ctx_init(ctx);
            return;
        }
        ctx->ef = fid;
        ctx->ef_selected = true;
    } else {
        /* Some other selection (path, parent, ...): we no longer know. */
        jpki_apdu_ctx_init(ctx);
    }
}

void jpki_apdu_ctx_event(jpki_apdu_ctx *ctx, const char *what)
{
    /* "connect" also matches "disconnect". */
    if (ctx && what && (strstr(what, "reset") || strstr(what, "connect")))
        jpki_apdu_ctx_init(ctx);
}

/* ---- printing ---- */

void jpki_hex_print(FILE *f, const char *indent, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i % 32 == 0)
            fputs(indent, f);
        fprintf(f, "%02X%s", p[i], (i % 32 == 31 || i + 1 == n) ? "\n" : " ");
    }
}

static void print_tag(FILE *f, const char *reader, unsigned long seq)
{
    if (reader && *reader)
        fprintf(f, "[%s] ", reader);
    if (seq)
        fprintf(f, "#%lu ", seq);
}

void jpki_apdu_print_exchange(FILE *f, jpki_apdu_ctx *ctx, unsigned long seq,
                              const char *reader, const uint8_t *capdu, size_t clen,
                              const uint8_t *rapdu, size_t rlen, double elapsed_ms,
                              const char *err_text)
{
    if (!f || !capdu)
        return;
    if (clen > JPKI_CAPDU_MAX)
        clen = JPKI_CAPDU_MAX;
    uint8_t *red = malloc(clen ? clen : 1);
    if (!red) {
        fprintf(f, "(trace: out of memory)\n");
        return;
    }
    jpki_trace_redact(capdu, clen, red);
    char line[512];
    print_tag(f, reader, seq);
    fprintf(f, "> %s\n", jpki_apdu_describe_command(ctx, red, clen, line, sizeof line));
    jpki_hex_print(f, "    ", red, clen);
    print_tag(f, reader, seq);
    if (!rapdu) {
        fprintf(f, "< error: %s | %.2f ms\n", err_text ? err_text : "no response", elapsed_ms);
    } else {
        fprintf(f, "< %s | %.2f ms\n",
                jpki_apdu_describe_response(ctx, red, clen, rapdu, rlen, line, sizeof line),
                elapsed_ms);
        if (rlen > 2)
            jpki_hex_print(f, "    ", rapdu, rlen - 2);
    }
    jpki_apdu_ctx_update(ctx, red, clen, rapdu, rlen);
    free(red);
}

void jpki_apdu_print_event(FILE *f, jpki_apdu_ctx *ctx, const char *reader, const char *what)
{
    if (!f)
        return;
    print_tag(f, reader, 0);
    fprintf(f, "-- %s\n", what ? what : "");
    jpki_apdu_ctx_event(ctx, what);
}
