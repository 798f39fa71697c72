/* Messages whose arguments are words in the user's language.
 *
 * jpki_error_set translates its format but not its arguments, and must
 * not: message_c goes to records and journals, which stay English.  When
 * an argument is itself text for people (a PIN's name, "2 tries left"),
 * the message is set twice: jpki_error_set with the English words (fills
 * message_c), then error_reword with the translated ones (message only). */
#ifndef JPKI_ERROR_INTERNAL_H
#define JPKI_ERROR_INTERNAL_H

#include "jpki/error.h"

/* Replace err->message (not message_c) with fmt translated and formatted. */
void error_reword(jpki_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A PIN message: fmt takes the PIN's name ("sign PIN", in Japanese
 * 署名用パスワード), then the tries text (" (2 tries left)", or "" when
 * left < 0).  Sets err (code, both messages) and returns code. */
jpki_rc error_set_pin(jpki_error *err, jpki_rc code, int pin_id, int left, const char *fmt);
/* The PIN's name in the people's language (署名用パスワード, ...). */
const char *error_pin_words(int pin_id);
/* Only the people's message, in those words (message_c is left as set). */
void error_reword_pin(jpki_error *err, int pin_id, int left, const char *fmt);

#endif
