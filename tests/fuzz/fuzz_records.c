/* Fuzz target: card-status record decoding (JSON and CBOR, one record and
 * a stream).  Whatever decodes must re-encode and decode to the same
 * encoding again (the writer is canonical). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpki/records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const jpki_record *rec, jpki_record_format fmt)
{
    uint8_t *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    if (jpki_record_encode(rec, fmt, true, &a, &alen, NULL) != JPKI_OK)
        abort();
    jpki_record again;
    jpki_record_init(&again);
    if (jpki_record_decode(a, alen, fmt, &again, NULL) != JPKI_OK)
        abort(); /* our own output must always decode */
    if (jpki_record_encode(&again, fmt, true, &b, &blen, NULL) != JPKI_OK)
        abort();
    if (alen != blen || memcmp(a, b, alen) != 0)
        abort();
    jpki_record_clear(&again);
    free(a);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jpki_record rec;
    jpki_record_init(&rec);
    for (int f = JPKI_RECORD_JSON; f <= JPKI_RECORD_CBOR; f++) {
        if (jpki_record_decode(data, size, (jpki_record_format)f, &rec, NULL) == JPKI_OK) {
            round_trip(&rec, JPKI_RECORD_JSON);
            round_trip(&rec, JPKI_RECORD_CBOR);
        }
        jpki_record_clear(&rec);
    }
    /* The stream reader frames records itself: feed the input as a pipe. */
    FILE *f = size ? fmemopen((void *)data, size, "rb") : NULL;
    if (f) {
        jpki_record_reader *rd;
        if (jpki_record_reader_new(f, NULL, 0, &rd, NULL) == JPKI_OK) {
            bool got = true;
            for (int i = 0; i < 64 && got; i++)
                if (jpki_record_read_next(rd, &rec, &got, NULL) != JPKI_OK)
                    break;
            jpki_record_clear(&rec);
            jpki_record_reader_free(rd);
        }
        fclose(f);
    }
    return 0;
}
