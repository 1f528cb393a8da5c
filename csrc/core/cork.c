/* Sends left queued until their sender flushes: see cork.h. */
#include "cork.h"
#include "pipe.h"

#define CORK_BACKSTOP_MS 2
/* A blocking sender has no loop turn to flush at: what it corked leaves
 * when its queue fills, when it (or any thread) next waits in the core, or
 * this long after, whichever comes first. */
#define CORK_SOON_US 50
/* A blocking sender corks only this far into a run: a short burst's last
 * frames would otherwise wait CORK_SOON_US, longer than the burst took. */
#define CORK_RUN_BLOCKING 16
#define CORK_RUN_PAUSE_NS 100000
/* A try that starts within this of the end of the last one is part of a
 * run of sends: a lone send (a request, say) is written at once.  From the
 * end: a slow write must not hide a fast sender. */
#define CORK_GAP_NS 4000
static uint64_t gap_ns = CORK_GAP_NS; /* nk_debug_cork_gap */
static uint32_t soon_us = CORK_SOON_US; /* nk_debug_cork_timers */
static nki_time backstop_ms = CORK_BACKSTOP_MS;

static nki_list corked = {{&corked.head, &corked.head}};
static bool allowed; /* inside nki_cork_begin/end, in a run of sends */
static uint64_t last_end; /* nki_clock_ns() at the last nki_cork_end */
static uint32_t run;      /* sends so far that followed the last within the gap */
static bool due;     /* the send inside them corked the first pipe */
static bool flushes; /* ... and its caller flushes at its loop's next turn */
static void cork_timer_flush(nki_timer *t);
static nki_timer backstop = {.slot = -1, .cb = cork_timer_flush};
static nki_timer soon_flush = {.slot = -1, .cb = cork_timer_flush};
static int64_t corks; /* nk_debug_corks */

int64_t nk_debug_corks(void)
{
    int64_t n;
    nki_init();
    nki_lock();
    n = corks;
    nki_unlock();
    return n;
}

void nk_debug_cork_gap(int64_t ns)
{
    nki_init();
    nki_lock();
    gap_ns = ns < 0 ? CORK_GAP_NS : (uint64_t) ns;
    run = 0;
    nki_unlock();
}

void nk_debug_cork_timers(int64_t soon_after, int64_t backstop_after)
{
    nki_init();
    nki_lock();
    soon_us = soon_after < 0 ? CORK_SOON_US : (uint32_t) soon_after;
    backstop_ms = backstop_after < 0 ? CORK_BACKSTOP_MS : backstop_after;
    nki_cork_flush(); /* and the timers armed at the old delays go */
    nki_timer_cancel(&backstop);
    nki_timer_cancel(&soon_flush);
    nki_unlock();
}

bool nki_cork_allowed(void)
{
    return allowed;
}

static void cork_timer_flush(nki_timer *t)
{
    (void) t;
    nki_cork_flush();
}

void nki_cork_add(nki_pipe *p)
{
    if (!flushes) {
        nki_timer_soon(&soon_flush, soon_us);
    }
    if (nki_pipe_corked(p)) {
        return;
    }
    if (nki_list_empty(&corked)) {
        due = true;
        if (backstop.slot < 0) { /* one pending backstop serves every batch */
            nki_timer_schedule(&backstop, nki_clock() + backstop_ms);
        }
    }
    corks++;
    nki_list_append(&corked, &p->cork_node);
}

void nki_cork_drop(nki_pipe *p)
{
    nki_node_remove(&p->cork_node); /* a no-op when not linked */
    if (nki_list_empty(&corked)) {
        nki_timer_cancel(&soon_flush); /* the next batch is timed afresh */
    }
}

void nki_cork_begin(bool caller_flushes)
{
    uint64_t gap = nki_clock_ns() - last_end;
    bool next = gap < gap_ns;
    /* A pause the sender's thread was preempted for does not end a run. */
    run = next ? run + 1 : (gap < CORK_RUN_PAUSE_NS ? run : 0);
    allowed = next && (caller_flushes || run >= CORK_RUN_BLOCKING);
    flushes = caller_flushes;
    due = false;
}

bool nki_cork_pending(void)
{
    return !nki_list_empty(&corked);
}

bool nki_cork_end(void)
{
    allowed = false;
    last_end = nki_clock_ns();
    return due;
}

void nki_cork_flush(void)
{
    nki_node *n;
    while ((n = nki_list_first(&corked)) != NULL) {
        nki_pipe *p = NKI_CONTAINER(n, nki_pipe, cork_node);
        nki_cork_drop(p);
        nki_pipe_flush(p);
    }
}

void nki_cork_atfork_child(void)
{
    nki_list_init(&corked);
    allowed = due = false;
    run = 0;
    backstop.slot = soon_flush.slot = -1; /* the child's timers start empty */
}
