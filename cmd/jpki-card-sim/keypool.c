/* Key pairs made ahead of GENERATE KEY PAIR (sim.h), for a card run at a
 * real card's pace (--slow).
 *
 * WHY: a real card's chip does its RSA work; the simulator does it on the
 * host's CPU.  In a batch over six readers all the cards generate their keys
 * at the same moment and contend for the host's cores, so bench/renew.sh
 * measured the host's CPU rather than jpki-renew (which needs a few
 * hundredths of a second per card).  With the pool started, a background
 * thread generates the keys one renewal needs from the card's start, and
 * GENERATE KEY PAIR answers within the time --slow gives it.  Without it
 * (the default, unit tests, fuzzers) every key is generated at the command,
 * as before: no CPU is spent on keys a test never asks for. */
#include <pthread.h>

#include "sim.h"

#define POOL_KEYS 2 /* one renewal: the authentication and the signature key */

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static sim_blob pool[POOL_KEYS];
static size_t pool_have;

static void *fill_pool(void *arg)
{
    (void)arg;
    for (size_t i = 0; i < POOL_KEYS; i++) {
        sim_blob k = {NULL, 0};
        if (sim_genkey_der(&k, NULL) != JPKI_OK)
            break;
        pthread_mutex_lock(&pool_lock);
        pool[pool_have++] = k;
        pthread_mutex_unlock(&pool_lock);
    }
    return NULL;
}

void sim_keypool_start(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, fill_pool, NULL) == 0)
        pthread_detach(t);
}

jpki_rc sim_keypool_take(sim_blob *out, jpki_error *err)
{
    pthread_mutex_lock(&pool_lock);
    if (pool_have > 0) {
        *out = pool[--pool_have];
        pool[pool_have] = (sim_blob){NULL, 0};
        pthread_mutex_unlock(&pool_lock);
        return JPKI_OK;
    }
    pthread_mutex_unlock(&pool_lock);
    return sim_genkey_der(out, err);
}
