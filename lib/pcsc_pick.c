/* Which reader does "--reader SPEC" mean?  Index first (what `opensc-tool
 * -l` and our list print), then the exact name, then a unique substring --
 * batch scripts spell readers loosely, but must never get the wrong one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcsc_internal.h"

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

jpki_rc jpki_pcsc_pick_reader(const char *const *names, size_t count, const char *spec,
                              size_t *idx, jpki_error *err)
{
    if (!spec || !*spec || !idx)
        return jpki_error_set(err, JPKI_ERR_ARG, "reader: empty reader spec");
    if (all_digits(spec)) {
        if (strlen(spec) > 6 || (size_t)strtoul(spec, NULL, 10) >= count)
            return jpki_error_set(err, JPKI_ERR_NO_READER,
                                  "reader %s: no such reader index (%zu reader%s)", spec,
                                  count, count == 1 ? "" : "s");
        *idx = (size_t)strtoul(spec, NULL, 10);
        return JPKI_OK;
    }
    for (size_t i = 0; i < count; i++)
        if (strcmp(names[i], spec) == 0) {
            *idx = i;
            return JPKI_OK;
        }
    size_t hits = 0, first = 0, second = 0;
    for (size_t i = 0; i < count; i++)
        if (strstr(names[i], spec)) {
            if (hits == 0)
                first = i;
            else if (hits == 1)
                second = i;
            hits++;
        }
    if (hits == 1) {
        *idx = first;
        return JPKI_OK;
    }
    if (hits == 0)
        return jpki_error_set(err, JPKI_ERR_NO_READER, "reader '%s': no such reader", spec);
    return jpki_error_set(err, JPKI_ERR_ARG,
                          "reader '%s' is ambiguous: matches '%s', '%s'%s (use an index or the full name)",
                          spec, names[first], names[second], hits > 2 ? " and more" : "");
}
