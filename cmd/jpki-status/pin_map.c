/* jpki-status --pin-map reads jpki-renew's PIN map (jpki-renew(1), PIN
 * SOURCES), so one map serves the whole batch pipeline.  Its reader is
 * compiled here from jpki-renew's source rather than copied, until the PIN
 * sources move into the library. */
#include "../jpki-renew/pins.c"
