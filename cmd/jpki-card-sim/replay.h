/* jpki-card-sim --replay FILE: a recorded session (jpki-trace(5), e.g. from
 * jpki-apdu spy --trace-file) served through vpcd as the card, so that the
 * program that made the recording can run again without the card. */
#ifndef JPKI_CARD_SIM_REPLAY_H
#define JPKI_CARD_SIM_REPLAY_H

#include "jpki/error.h"
#include "vpcd.h"

/* The status word a command gets when it is not the next one recorded. */
#define SIM_REPLAY_DEVIATION_SW 0x6F00

typedef struct sim_replay sim_replay;

/* Load the trace (bounded, untrusted) and keep the APDUs of its first
 * card's reader, in order.  JPKI_ERR_FORMAT when it holds no ATR or no
 * APDU. */
sim_replay *sim_replay_load(const char *path, jpki_error *err);
/* The card ops for sim_vpcd_serve_link. */
sim_link_card sim_replay_link(sim_replay *r);
/* "replay: N of M recorded APDUs answered, D deviating commands" on stderr. */
void sim_replay_summary(const sim_replay *r);
void sim_replay_free(sim_replay *r);

#endif
