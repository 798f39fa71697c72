/* Files that survive a kill at any instant: readers see the old content or
 * the new one, never a mix (jpki-card-sim state, CA serial counter,
 * jpki-renew --summary-json). */
#ifndef JPKI_ATOMIC_FILE_H
#define JPKI_ATOMIC_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "jpki/error.h"

/* Write a temp file in the same directory, fsync it, rename it over path,
 * fsync the directory.  mode applies to the new file. */
jpki_rc atomic_write_file(const char *path, const void *data, size_t len, mode_t mode,
                          jpki_error *err);

/* Read a whole regular file of at most max bytes (bigger = JPKI_ERR_LIMIT)
 * into a malloc'd buffer (NUL-terminated for convenience, not counted). */
jpki_rc read_file_bounded(const char *path, size_t max, unsigned char **out, size_t *len,
                          jpki_error *err);

#endif
