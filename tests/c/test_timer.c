/*
 * The reactor's timer heap (csrc/platform/posix_reactor.c), driven through
 * nki_timer_schedule / nki_timer_cancel and fired by the real reactor
 * thread.  Timers due in the past all fire in one pass of the reactor, in
 * deadline order, so scheduling them while holding nki_lock and then
 * waiting for a last "sentinel" timer shows the heap's order exactly, with
 * no sleeping.  Links the platform layer alone.
 */
#include "nngkit.h"
#include "nkt.h"
#include "platform.h"

#define MAXT 512
#define WAIT_MS 10000

static nki_timer timers[MAXT];
static nki_timer *fired[4 * MAXT];
static nki_time fired_at[4 * MAXT];
static int nfired;
static nki_timer sentinel;
static int done;
static nki_cv done_cv;

static void record_cb(nki_timer *t)
{
    if (nfired < 4 * MAXT) {
        fired_at[nfired] = nki_clock();
        fired[nfired++] = t;
    }
}

static void sentinel_cb(nki_timer *t)
{
    (void) t;
    done = 1;
    nki_cv_wake(&done_cv);
}

/* Starts the reactor; returns a time well in the past to schedule at. */
static nki_time setup(void (*cb)(nki_timer *))
{
    static int cv_ready;
    int i;
    nki_init();
    if (!cv_ready) {
        nki_cv_init(&done_cv); /* after nki_init: it sets the clock of cvs */
        cv_ready = 1;
    }
    nki_lock();
    for (i = 0; i < MAXT; i++) {
        nki_timer_init(&timers[i], cb, (void *) (intptr_t) i);
    }
    nki_timer_init(&sentinel, sentinel_cb, NULL);
    nfired = 0;
    done = 0;
    nki_unlock();
    return nki_clock() - 1000000;
}

/* Called with nki_lock held: lets the reactor run until 'done'. */
static void wait_done(void)
{
    nki_time deadline = nki_clock() + WAIT_MS;
    while (!done) {
        if (nki_cv_wait_until(&done_cv, deadline) != 0 && !done) {
            NKT_FAIL("the reactor did not fire the sentinel timer within %d ms", WAIT_MS);
        }
    }
}

static int index_of(nki_timer *t)
{
    return (int) (t - timers);
}

static void due_timers_fire_in_deadline_order(void)
{
    nki_time base = setup(record_cb);
    uint32_t x = 7;
    int i, n = 300, expect = 0;
    static char cancelled[MAXT];
    nki_lock();
    for (i = 0; i < n; i++) {
        /* distinct deadlines, scheduled in a scrambled order */
        int k = (i * 137) % n;
        nki_timer_schedule(&timers[k], base + 1000 + 3 * k);
        NKT_CHECK(timers[k].slot >= 0);
    }
    for (i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        cancelled[i] = (x >> 16) % 3 == 0;
        if (cancelled[i]) {
            nki_timer_cancel(&timers[i]);
            NKT_EQ(timers[i].slot, -1);
        } else {
            expect++;
        }
    }
    nki_timer_schedule(&sentinel, base + 1000 + 3 * n);
    wait_done();
    NKT_EQ(nfired, expect);
    for (i = 0; i < nfired; i++) {
        NKT_CHECK(!cancelled[index_of(fired[i])]);
        NKT_EQ(fired[i]->slot, -1);
        if (i > 0) {
            NKT_CHECK(fired[i - 1]->when < fired[i]->when);
        }
    }
    nki_unlock();
}

static void random_schedule_and_cancel_keep_the_heap_ordered(void)
{
    /* 3000 random operations on 200 timers (schedule, reschedule earlier
     * or later, cancel) exercise sift-up and sift-down from every slot. */
    nki_time base = setup(record_cb), when[MAXT];
    char on[MAXT];
    uint32_t x = 99;
    int i, n = 200, expect = 0;
    nki_lock();
    memset(on, 0, sizeof(on));
    for (i = 0; i < 3000; i++) {
        int k;
        x = x * 1103515245u + 12345u;
        k = (x >> 8) % n;
        if ((x >> 20) % 4 == 0) {
            nki_timer_cancel(&timers[k]);
            on[k] = 0;
        } else {
            /* low bits carry the index: deadlines never tie */
            when[k] = base + 1000 + ((nki_time) ((x >> 4) % 1000) * MAXT) + k;
            nki_timer_schedule(&timers[k], when[k]);
            on[k] = 1;
        }
    }
    for (i = 0; i < n; i++) {
        expect += on[i];
    }
    nki_timer_schedule(&sentinel, base + 1000 + (nki_time) 1000 * MAXT);
    wait_done();
    NKT_EQ(nfired, expect);
    for (i = 0; i < nfired; i++) {
        NKT_CHECK(on[index_of(fired[i])]);
        NKT_EQ(fired[i]->when, when[index_of(fired[i])]);
        if (i > 0) {
            NKT_CHECK(fired[i - 1]->when < fired[i]->when);
        }
    }
    nki_unlock();
}

static void cancel_cb(nki_timer *t)
{
    record_cb(t);
    nki_timer_cancel(&timers[1]);
}

static void a_callback_can_cancel_a_timer_due_in_the_same_pass(void)
{
    nki_time base = setup(record_cb);
    nki_lock();
    timers[0].cb = cancel_cb;
    nki_timer_schedule(&timers[0], base + 1);
    nki_timer_schedule(&timers[1], base + 2);
    nki_timer_schedule(&timers[2], base + 3);
    nki_timer_schedule(&sentinel, base + 4);
    wait_done();
    NKT_EQ(nfired, 2);
    NKT_EQ_PTR(fired[0], &timers[0]);
    NKT_EQ_PTR(fired[1], &timers[2]);
    NKT_EQ(timers[1].slot, -1);
    nki_unlock();
}

static int again;

static void again_cb(nki_timer *t)
{
    record_cb(t);
    if (again-- > 0) {
        nki_timer_schedule(t, t->when + 2);
    }
}

static void a_timer_rescheduled_by_its_callback_fires_again(void)
{
    nki_time base = setup(record_cb);
    nki_lock();
    again = 2;
    timers[0].cb = again_cb;
    nki_timer_schedule(&timers[0], base + 1);  /* fires at +1, +3, +5 */
    nki_timer_schedule(&timers[1], base + 4);
    nki_timer_schedule(&sentinel, base + 10);
    wait_done();
    NKT_EQ(nfired, 4);
    NKT_EQ_PTR(fired[0], &timers[0]);
    NKT_EQ_PTR(fired[1], &timers[0]);
    NKT_EQ_PTR(fired[2], &timers[1]);
    NKT_EQ_PTR(fired[3], &timers[0]);
    nki_unlock();
}

static void a_future_timer_fires_not_before_its_deadline(void)
{
    nki_time due;
    setup(record_cb);
    nki_lock();
    due = nki_clock() + 150;
    nki_timer_schedule(&timers[0], due);
    nki_timer_schedule(&timers[1], due + 50);
    nki_timer_cancel(&timers[1]); /* a cancelled future timer never fires */
    nki_timer_schedule(&sentinel, due + 100);
    wait_done();
    NKT_EQ(nfired, 1);
    NKT_EQ_PTR(fired[0], &timers[0]);
    NKT_CHECK(fired_at[0] >= due);
    nki_unlock();
}

static void cancel_is_idempotent(void)
{
    nki_time base = setup(record_cb);
    nki_lock();
    nki_timer_cancel(&timers[0]); /* never scheduled */
    nki_timer_schedule(&timers[0], base + 1);
    nki_timer_schedule(&timers[0], base + 2); /* moves it: still one entry */
    nki_timer_cancel(&timers[0]);
    nki_timer_cancel(&timers[0]);
    NKT_EQ(timers[0].slot, -1);
    nki_timer_schedule(&timers[2], base + 3);
    nki_timer_schedule(&sentinel, base + 4);
    wait_done();
    NKT_EQ(nfired, 1);
    NKT_EQ_PTR(fired[0], &timers[2]);
    nki_unlock();
}

/* ---- nki_timer_soon: the one sub-millisecond slot beside the heap ---- */

static uint64_t soon_fired_ns;

static void soon_cb(nki_timer *t)
{
    soon_fired_ns = nki_clock_ns();
    record_cb(t);
    done = 1;
    nki_cv_wake(&done_cv);
}

static void a_soon_timer_fires_and_not_before_its_delay(void)
{
    uint64_t armed;
    int k;
    for (k = 0; k < 3; k++) { /* 50 us: the reactor woken from its sleep */
        uint32_t delay_us = k == 0 ? 50 : (k == 1 ? 700 : 2500);
        setup(soon_cb);
        nki_lock();
        armed = nki_clock_ns();
        nki_timer_soon(&timers[0], delay_us);
        wait_done();
        NKT_EQ(nfired, 1);
        NKT_EQ_PTR(fired[0], &timers[0]);
        NKT_CHECK(soon_fired_ns >= armed + (uint64_t) delay_us * 1000u);
        nki_unlock();
    }
}

static void arming_it_again_keeps_the_first_deadline_and_timer(void)
{
    uint64_t armed;
    setup(soon_cb);
    nki_lock();
    armed = nki_clock_ns();
    nki_timer_soon(&timers[0], 3000);
    nki_timer_soon(&timers[0], 1);  /* armed: no earlier deadline */
    nki_timer_soon(&timers[1], 1);  /* the slot is taken: not armed */
    wait_done();
    NKT_EQ(nfired, 1);
    NKT_EQ_PTR(fired[0], &timers[0]);
    NKT_CHECK(soon_fired_ns >= armed + 3000000u);
    nki_unlock();
}

static void a_cancelled_soon_timer_never_fires_and_the_slot_is_free(void)
{
    nki_time base = setup(record_cb);
    nki_lock();
    nki_timer_soon(&timers[0], 100);
    nki_timer_cancel(&timers[0]);
    nki_timer_cancel(&timers[0]); /* idempotent */
    nki_timer_soon(&timers[1], 100); /* the slot is free again */
    timers[1].cb = soon_cb;
    wait_done();
    NKT_EQ(nfired, 1);
    NKT_EQ_PTR(fired[0], &timers[1]);
    /* and the heap is untouched: a due heap timer still fires */
    done = 0;
    nki_timer_schedule(&sentinel, base + 1);
    wait_done();
    NKT_EQ(nfired, 1);
    nki_unlock();
}

static const nkt_case cases[] = {
    NKT_CASE(due_timers_fire_in_deadline_order),
    NKT_CASE(random_schedule_and_cancel_keep_the_heap_ordered),
    NKT_CASE(a_callback_can_cancel_a_timer_due_in_the_same_pass),
    NKT_CASE(a_timer_rescheduled_by_its_callback_fires_again),
    NKT_CASE(a_future_timer_fires_not_before_its_deadline),
    NKT_CASE(cancel_is_idempotent),
    NKT_CASE(a_soon_timer_fires_and_not_before_its_delay),
    NKT_CASE(arming_it_again_keeps_the_first_deadline_and_timer),
    NKT_CASE(a_cancelled_soon_timer_never_fires_and_the_slot_is_free),
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return nkt_main(argc, argv, cases);
}
