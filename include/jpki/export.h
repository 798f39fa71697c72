/* The export marker of libjpki.  The library is compiled with
 * -fvisibility=hidden, so only declarations carrying JPKI_API become part of
 * libjpki.so's ABI; everything else in lib/ stays internal even when it has
 * external linkage (shared between the files of lib/).  tests/integration/
 * t_symbols.sh checks that the exported set and the JPKI_API set agree. */
#ifndef JPKI_EXPORT_H
#define JPKI_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define JPKI_API __attribute__((visibility("default")))
#else
#define JPKI_API
#endif

#endif
