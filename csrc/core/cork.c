/* Sends left queued until their sender flushes: see cork.h. */
#include "cork.h"
#include "pipe.h"

#define CORK_BACKSTOP_MS 2
/* A try that starts within this of the end of the last one is part of a
 * run of sends: a lone send (a request, say) is written at once.  From the
 * end: a slow write must not hide a fast sender. */
#define CORK_GAP_NS 4000
static uint64_t gap_ns = CORK_GAP_NS; /* nk_debug_cork_gap */

static nki_list corked = {{&corked.head, &corked.head}};
static bool allowed; /* inside nki_cork_begin/end, in a run of sends */
static uint64_t last_end; /* nki_clock_ns() at the last nki_cork_end */
static bool due;     /* the send inside them corked the first pipe */
static void cork_backstop(nki_timer *t);
static nki_timer backstop = {.slot = -1, .cb = cork_backstop};
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
    nki_unlock();
}

bool nki_cork_allowed(void)
{
    return allowed;
}

static void cork_backstop(nki_timer *t)
{
    (void) t;
    nki_cork_flush();
}

void nki_cork_add(nki_pipe *p)
{
    if (nki_pipe_corked(p)) {
        return;
    }
    if (nki_list_empty(&corked)) {
        due = true;
        if (backstop.slot < 0) { /* one pending backstop serves every batch */
            nki_timer_schedule(&backstop, nki_clock() + CORK_BACKSTOP_MS);
        }
    }
    corks++;
    nki_list_append(&corked, &p->cork_node);
}

void nki_cork_drop(nki_pipe *p)
{
    nki_node_remove(&p->cork_node); /* a no-op when not linked */
}

void nki_cork_begin(void)
{
    allowed = nki_clock_ns() - last_end < gap_ns;
    due = false;
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
    backstop.slot = -1; /* the child's timer heap starts empty */
}
