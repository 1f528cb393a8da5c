/*
 * platform.h - threads, locks, clock, randomness and the reactor.
 *
 * The core runs on one I/O thread (the reactor) that waits in epoll, fires
 * timers and runs posted tasks.  All core state is guarded by one process-wide
 * lock, nki_lock: user threads take it for the duration of an API call, the
 * reactor takes it while it dispatches a batch of events.  One lock keeps the
 * protocol state machines free of lock-ordering rules; contention is bounded
 * because nothing waits or sleeps while holding it.
 */
#ifndef NKI_PLATFORM_H
#define NKI_PLATFORM_H

#include <pthread.h>
#include <stdint.h>
#include <stddef.h>

typedef int64_t nki_time; /* milliseconds on a monotonic clock */
#define NKI_TIME_NEVER INT64_MAX

nki_time nki_clock(void);
/* Nanoseconds on the same clock, for telling back-to-back calls apart. */
uint64_t nki_clock_ns(void);
uint32_t nki_random(void);

/* The one lock.  nki_init() starts the reactor on first use. */
void nki_init(void);
void nki_lock(void);
void nki_unlock(void);

/* Condition variables, always waited on with nki_lock held. */
typedef struct {
    pthread_cond_t cv;
} nki_cv;
void nki_cv_init(nki_cv *cv);
void nki_cv_fini(nki_cv *cv);
void nki_cv_wait(nki_cv *cv);
/* Returns 0 when woken, NK_ETIMEDOUT at the deadline. */
int nki_cv_wait_until(nki_cv *cv, nki_time deadline);
void nki_cv_wake(nki_cv *cv);

/*
 * Polled file descriptors.  The callback runs on the reactor with nki_lock
 * held.  nki_pfd_fini removes the fd from the poller; an event already
 * collected for it in the current batch is skipped, and the struct must not be
 * freed before the next task phase (free it from a posted task: nki_defer).
 */
typedef struct nki_pfd nki_pfd;
typedef void (*nki_pfd_cb)(nki_pfd *pfd, unsigned events);
struct nki_pfd {
    int fd;
    unsigned events; /* currently armed NKI_POLL_* */
    int active;
    int quiet;       /* out of the poller for now (nki_pfd_quiet) */
    nki_pfd_cb cb;
    void *arg;
};
#define NKI_POLL_IN 1u
#define NKI_POLL_OUT 2u
#define NKI_POLL_ERR 4u
/* The reactor's epoll fd (readable while I/O is ready), and one pass over
 * the I/O ready now on the calling thread, lock held (nk_poll_step): how
 * many fds it served, or -1 if only the reactor's own wakeup was ready. */
int nki_poll_fd(void);
int nki_poll_step(void);
/* A thread that serves the core's I/O while it waits (nk_poll_step) now
 * waits (on) or no longer does. */
void nki_poll_lend(int on);
int nki_pfd_init(nki_pfd *pfd, int fd, nki_pfd_cb cb, void *arg);
void nki_pfd_arm(nki_pfd *pfd, unsigned events);
/* Takes the fd out of the poller until the next nki_pfd_arm with events:
 * a hang-up or error is reported even with no events armed, so a pipe that
 * is not reading yet would otherwise be woken for it again and again. */
void nki_pfd_quiet(nki_pfd *pfd);
void nki_pfd_fini(nki_pfd *pfd);

/* Timers: fire once, on the reactor, with nki_lock held. */
typedef struct nki_timer nki_timer;
struct nki_timer {
    nki_time when;
    int slot; /* index in the heap, -1 when not scheduled */
    void (*cb)(nki_timer *t);
    void *arg;
};
void nki_timer_init(nki_timer *t, void (*cb)(nki_timer *), void *arg);
void nki_timer_schedule(nki_timer *t, nki_time when);
void nki_timer_cancel(nki_timer *t);
/* The heap's times are in ms; this one slot beside it fires delay_us from
 * now, to within tens of microseconds, for a flush that must follow a
 * blocking send closely (cork.c, its only user).  While armed, arming
 * again does nothing; nki_timer_cancel disarms it. */
void nki_timer_soon(nki_timer *t, uint32_t delay_us);

/*
 * Tasks: run once on the reactor, after the current batch of events, with
 * nki_lock held.  Posting a task that is already queued does nothing.
 */
typedef struct nki_task nki_task;
struct nki_task {
    void (*fn)(void *arg);
    void *arg;
    nki_task *next;
    int queued;
};
void nki_task_init(nki_task *t, void (*fn)(void *), void *arg);
void nki_task_post(nki_task *t);
void nki_task_cancel(nki_task *t);
/* Posts t to run on the calling thread at the end of the enclosing
 * nki_here_begin/nki_here_end scope (nki_dispatch opens one), or, outside
 * any scope, on the reactor as nki_task_post does. */
void nki_task_post_here(nki_task *t);
void nki_here_begin(void);
void nki_here_end(void);
/* Runs fn(arg) from a task allocated on the fly: used for deferred frees. */
int nki_defer(void (*fn)(void *), void *arg);
/* Blocks (nki_lock held) until the reactor has run every task posted so far. */
void nki_quiesce(void);

/* Live-object accounting for the debug hook (NK_DEBUG_* counters). */
void nki_count(int which, int delta);
int64_t nki_count_get(int which);

/*
 * fork(): in the child, after the platform has reset itself (a fresh lock, no
 * reactor), the hooks registered here run in order; each layer above
 * registers one that forgets its own objects.  Register at load time, before
 * any thread of the library exists: NKI_PLATFORM_ATFORK(fn) at file scope.
 */
void nki_platform_atfork_register(void (*child)(void));
#define NKI_PLATFORM_ATFORK(fn) \
    __attribute__((constructor)) static void nki_atfork_##fn(void) { nki_platform_atfork_register(fn); }

#endif
