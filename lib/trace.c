/* APDU trace sink: annotated text lines, PIN data redacted before any byte
 * is formatted.  (The CBOR session file is added by the trace/replay work.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/apdu.h"
#include "jpki/profile.h"
#include "jpki/trace.h"

struct jpki_trace {
    FILE *text;
    unsigned long seq;
};

jpki_trace *jpki_trace_new(void)
{
    return calloc(1, sizeof(jpki_trace));
}

void jpki_trace_free(jpki_trace *tr)
{
    if (!tr)
        return;
    if (tr->text)
        fflush(tr->text);
    free(tr);
}

void jpki_trace_set_text(jpki_trace *tr, FILE *f)
{
    if (tr)
        tr->text = f;
}

jpki_rc jpki_trace_set_cbor_file(jpki_trace *tr, const char *path, jpki_error *err)
{
    (void)tr;
    return jpki_error_set(err, JPKI_ERR_UNSUPPORTED, "%s: CBOR traces are not built in yet", path);
}

/* Commands whose data field is a PIN or new reference data. */
static bool carries_pin(uint8_t ins)
{
    return ins == JPKI_INS_VERIFY || ins == JPKI_INS_CHANGE_REF ||
           ins == JPKI_INS_RESET_RETRY || ins == JPKI_INS_ENABLE_VERIF;
}

bool jpki_trace_redact(const uint8_t *capdu, size_t clen, uint8_t *out)
{
    memcpy(out, capdu, clen);
    jpki_apdu a;
    if (jpki_apdu_parse(capdu, clen, &a, NULL) != JPKI_OK) {
        /* Unparseable: if it could be a PIN command, hide everything after
         * the header rather than guess where the data is. */
        if (clen > 4 && carries_pin(capdu[1])) {
            memset(out + 4, 0xFF, clen - 4);
            return true;
        }
        return false;
    }
    if (!carries_pin(a.ins) || a.nc == 0)
        return false;
    memset(out + (size_t)(a.data - capdu), 0xFF, a.nc);
    return true;
}

static void hex(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02X", p[i]);
}

void jpki_trace_exchange(jpki_trace *tr, const char *reader, const uint8_t *capdu,
                         size_t clen, const uint8_t *rapdu, size_t rlen,
                         double elapsed_ms, const char *err_text)
{
    if (!tr || !tr->text || !capdu)
        return;
    uint8_t *red = malloc(clen ? clen : 1);
    if (!red)
        return;
    bool redacted = jpki_trace_redact(capdu, clen, red);
    char ins[48];
    jpki_ins_name(clen > 0 ? red[0] : 0, clen > 1 ? red[1] : 0, ins, sizeof ins);
    tr->seq++;
    fprintf(tr->text, "[%lu] %s > ", tr->seq, reader ? reader : "");
    hex(tr->text, red, clen);
    fprintf(tr->text, "  %s%s\n", ins, redacted ? " (PIN redacted)" : "");
    free(red);
    if (!rapdu || rlen < 2) {
        fprintf(tr->text, "[%lu] %s < error: %s (%.2f ms)\n", tr->seq, reader ? reader : "",
                err_text ? err_text : "no response", elapsed_ms);
        return;
    }
    char sw[96];
    jpki_sw_describe((uint16_t)((rapdu[rlen - 2] << 8) | rapdu[rlen - 1]), sw, sizeof sw);
    fprintf(tr->text, "[%lu] %s < ", tr->seq, reader ? reader : "");
    hex(tr->text, rapdu, rlen - 2);
    fprintf(tr->text, "%s%s (%zu bytes, %.2f ms)\n", rlen > 2 ? " " : "", sw, rlen - 2, elapsed_ms);
}

void jpki_trace_event(jpki_trace *tr, const char *reader, const char *what)
{
    if (tr && tr->text)
        fprintf(tr->text, "[-] %s: %s\n", reader ? reader : "", what);
}
