/* The decode floor for bench/expiry-check.sh: the least work any checker of
 * a PEM stream must do -- read the bytes and turn the base64 lines back
 * into DER -- and nothing else (no DER walk, no dates, no output).  Lines
 * starting with '-' (the armour) are skipped; each other line is decoded a
 * quantum (4 characters) at a time with a table, the way a fast checker
 * would.  It prints the number of DER bytes so the work cannot be optimised
 * away.  Not part of the build; the bench script compiles it with -O2. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static uint8_t val[256];

int main(void)
{
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    memset(val, 0, sizeof val);
    for (int i = 0; i < 64; i++)
        val[(uint8_t)alpha[i]] = (uint8_t)i;
    static char buf[CHUNK + 4096];
    static uint8_t out[CHUNK];
    size_t have = 0, total = 0;
    uint32_t sum = 0;
    for (;;) {
        ssize_t got = read(0, buf + have, CHUNK - have);
        if (got < 0)
            return 1;
        have += (size_t)got;
        char *p = buf, *end = buf + have;
        for (;;) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl)
                break;
            size_t n = (size_t)(nl - p);
            if (n && p[0] != '-') {
                uint8_t *o = out;
                for (size_t i = 0; i + 4 <= n; i += 4, o += 3) {
                    uint32_t acc = (uint32_t)val[(uint8_t)p[i]] << 18 |
                                   (uint32_t)val[(uint8_t)p[i + 1]] << 12 |
                                   (uint32_t)val[(uint8_t)p[i + 2]] << 6 | val[(uint8_t)p[i + 3]];
                    o[0] = (uint8_t)(acc >> 16);
                    o[1] = (uint8_t)(acc >> 8);
                    o[2] = (uint8_t)acc;
                }
                total += (size_t)(o - out);
                sum += out[0];
            }
            p = nl + 1;
        }
        have = (size_t)(end - p);
        memmove(buf, p, have);
        if (got == 0)
            break;
    }
    printf("%zu %u\n", total, sum);
    return 0;
}
