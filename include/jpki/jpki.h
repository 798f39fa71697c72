/* Umbrella header of libjpki. */
#ifndef JPKI_JPKI_H
#define JPKI_JPKI_H
#include "jpki/error.h"
#include "jpki/apdu.h"
#include "jpki/apdu_describe.h"
#include "jpki/transport.h"
#include "jpki/trace.h"
#include "jpki/profile.h"
#include "jpki/secret.h"
#include "jpki/card.h"
#include "jpki/cert.h"
#include "jpki/pubkey.h"
#include "jpki/issuer.h"
#include "jpki/csr.h"
#include "jpki/journal.h"
#include "jpki/renew.h"
#include "jpki/records.h"
#include "jpki/pcsc_wait.h"
#include "jpki/text.h"
#define JPKI_VERSION "0.1.0"
#endif
