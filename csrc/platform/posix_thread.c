/* Clock, randomness, the global lock and condition variables (POSIX). */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "nngkit.h"
#include "platform.h"
#include "posix.h"

static pthread_mutex_t big_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_condattr_t cv_attr;
static _Atomic int64_t live_counts[NK_DEBUG_NCOUNTS];

uint64_t nki_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

nki_time nki_clock(void)
{
    return (nki_time) (nki_clock_ns() / 1000000u);
}

uint32_t nki_random(void)
{
    uint32_t v;
    if (getrandom(&v, sizeof(v), 0) != (ssize_t) sizeof(v)) {
        /* Only hit on very old kernels; ids need not be secret. */
        v = (uint32_t) nki_clock() * 2654435761u ^ (uint32_t) getpid();
    }
    return v;
}

/* fork() child (posix_fork.c): the lock was held across fork(); start afresh. */
void nki_plat_lock_reset(void)
{
    pthread_mutex_init(&big_lock, NULL);
    for (int i = 0; i < NK_DEBUG_NCOUNTS; i++) {
        atomic_store(&live_counts[i], 0);
    }
}

void nki_lock(void)
{
    pthread_mutex_lock(&big_lock);
}

void nki_unlock(void)
{
    pthread_mutex_unlock(&big_lock);
}

void nki_plat_cv_attr_init(void)
{
    pthread_condattr_init(&cv_attr);
    pthread_condattr_setclock(&cv_attr, CLOCK_MONOTONIC);
}

void nki_cv_init(nki_cv *cv)
{
    pthread_cond_init(&cv->cv, &cv_attr);
}

void nki_cv_fini(nki_cv *cv)
{
    pthread_cond_destroy(&cv->cv);
}

void nki_cv_wait(nki_cv *cv)
{
    pthread_cond_wait(&cv->cv, &big_lock);
}

int nki_cv_wait_until(nki_cv *cv, nki_time deadline)
{
    struct timespec ts;
    ts.tv_sec = deadline / 1000;
    ts.tv_nsec = (deadline % 1000) * 1000000;
    if (pthread_cond_timedwait(&cv->cv, &big_lock, &ts) == ETIMEDOUT) {
        return NK_ETIMEDOUT;
    }
    return 0;
}

void nki_cv_wake(nki_cv *cv)
{
    pthread_cond_broadcast(&cv->cv);
}

void nki_count(int which, int delta)
{
    atomic_fetch_add(&live_counts[which], delta);
}

int64_t nki_count_get(int which)
{
    return atomic_load(&live_counts[which]);
}
