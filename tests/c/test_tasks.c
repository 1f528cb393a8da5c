/*
 * The reactor's task queue (csrc/platform/posix_reactor.c), run by the real
 * reactor thread.  A pass runs the tasks queued when it began; a task posted
 * during the pass runs in the next one, after I/O and timers.  So a task
 * that keeps posting itself costs CPU but cannot hold the lock for ever: the
 * timers, other tasks and threads waiting for the lock still get their turn.
 * Links the platform layer alone.
 */
#include "nngkit.h"
#include "nkt.h"
#include "platform.h"

#define WAIT_MS 5000
#define ORDER_MAX 64

static nki_cv cv;
static int stop, spins, timer_fired;
static nki_task spinner, tasks[3];
static nki_timer timer;
static int order[ORDER_MAX], norder;

static void setup(void)
{
    static int ready;
    nki_init();
    if (!ready) {
        nki_cv_init(&cv);
        ready = 1;
    }
}

/* Called with nki_lock held. */
static void wait_for(const int *flag, const char *what)
{
    nki_time deadline = nki_clock() + WAIT_MS;
    while (!*flag) {
        if (nki_cv_wait_until(&cv, deadline) != 0 && !*flag) {
            NKT_FAIL("%s did not happen within %d ms (the reactor is stuck in a pass)", what, WAIT_MS);
        }
    }
}

static void spin(void *arg)
{
    (void) arg;
    spins++;
    if (!stop) {
        nki_task_post(&spinner); /* again, at once: a pipe that re-reads for ever */
    }
}

static void on_timer(nki_timer *t)
{
    (void) t;
    timer_fired = 1;
    stop = 1;
    nki_cv_wake(&cv);
}

static void a_task_that_reposts_itself_does_not_starve_timers(void)
{
    setup();
    nki_lock();
    stop = spins = timer_fired = 0;
    nki_task_init(&spinner, spin, NULL);
    nki_timer_init(&timer, on_timer, NULL);
    nki_task_post(&spinner);
    nki_timer_schedule(&timer, nki_clock() + 20);
    wait_for(&timer_fired, "the timer");
    NKT_CHECK(spins > 1);
    nki_unlock();
}

static void record(void *arg)
{
    int k = (int) (intptr_t) arg;
    if (norder < ORDER_MAX) {
        order[norder++] = k;
    }
    if (k == 0) {
        nki_task_post(&tasks[2]); /* posted during the pass: runs after tasks[1] */
    }
    if (k == 2) {
        stop = 1;
        nki_cv_wake(&cv);
    }
}

static void tasks_posted_during_a_pass_run_next_in_order(void)
{
    int i;
    setup();
    nki_lock();
    stop = norder = 0;
    for (i = 0; i < 3; i++) {
        nki_task_init(&tasks[i], record, (void *) (intptr_t) i);
    }
    nki_task_post(&tasks[0]);
    nki_task_post(&tasks[1]);
    wait_for(&stop, "the task posted during the pass");
    NKT_EQ(norder, 3);
    for (i = 0; i < 3; i++) {
        NKT_EQ(order[i], i);
    }
    nki_unlock();
}


static int runs[3];

static void count(void *arg)
{
    runs[(int) (intptr_t) arg]++;
    if ((int) (intptr_t) arg == 2) {
        stop = 1;
        nki_cv_wake(&cv);
    }
}

static void post_three(int cancel_first)
{
    int i;
    stop = 0;
    memset(runs, 0, sizeof(runs));
    for (i = 0; i < 3; i++) {
        nki_task_init(&tasks[i], count, (void *) (intptr_t) i);
    }
    nki_task_post(&tasks[0]);
    nki_task_post(&tasks[0]); /* already queued: a no-op */
    nki_task_post(&tasks[1]);
    if (cancel_first) {
        nki_task_cancel(&tasks[0]);
        nki_task_cancel(&tasks[0]); /* no longer queued: a no-op */
    }
    nki_task_post(&tasks[2]);
}

static void a_queued_task_posted_again_runs_once(void)
{
    setup();
    nki_lock();
    post_three(0);
    wait_for(&stop, "the last task");
    NKT_EQ(runs[0], 1);
    NKT_EQ(runs[1], 1);
    nki_unlock();
}

static void a_cancelled_task_does_not_run(void)
{
    setup();
    nki_lock();
    post_three(1);
    wait_for(&stop, "the last task");
    NKT_EQ(runs[0], 0);
    NKT_EQ(runs[1], 1);
    NKT_EQ(tasks[0].queued, 0);
    nki_unlock();
}

static void quiesce_returns_after_the_tasks_posted_before_it(void)
{
    setup();
    nki_lock();
    stop = spins = 0;
    nki_task_init(&spinner, spin, NULL);
    post_three(0);
    nki_task_post(&spinner); /* reposts itself until stop: quiesce must not wait for those */
    nki_quiesce();
    NKT_EQ(runs[0] + runs[1] + runs[2], 3);
    NKT_CHECK(spins >= 1);
    stop = 1;
    nki_unlock();
}

/* ---- tasks run here (nki_task_post_here), by the thread in a scope ---- */

static pthread_t ran_on[3];
static int here_runs[3];

static void note_thread(void *arg)
{
    int k = (int) (intptr_t) arg;
    here_runs[k]++;
    ran_on[k] = pthread_self();
    if (k == 2) {
        stop = 1;
        nki_cv_wake(&cv);
    }
}

static void init_noting(void)
{
    int i;
    stop = 0;
    memset(here_runs, 0, sizeof(here_runs));
    for (i = 0; i < 3; i++) {
        nki_task_init(&tasks[i], note_thread, (void *) (intptr_t) i);
    }
}

static void a_task_posted_here_runs_on_this_thread_as_the_scope_ends(void)
{
    setup();
    nki_lock();
    init_noting();
    nki_here_begin();
    nki_here_begin(); /* nested: only the outermost end runs them */
    nki_task_post_here(&tasks[0]);
    nki_task_post_here(&tasks[1]);
    nki_task_post_here(&tasks[0]); /* already queued: a no-op */
    nki_here_end();
    NKT_EQ(here_runs[0], 0);
    nki_here_end();
    NKT_EQ(here_runs[0], 1);
    NKT_EQ(here_runs[1], 1);
    NKT_CHECK(pthread_equal(ran_on[0], pthread_self()));
    NKT_CHECK(pthread_equal(ran_on[1], pthread_self()));
    NKT_EQ(tasks[0].queued, 0);
    nki_unlock();
}

static void a_task_posted_here_and_cancelled_does_not_run(void)
{
    setup();
    nki_lock();
    init_noting();
    nki_here_begin();
    nki_task_post_here(&tasks[0]);
    nki_task_post_here(&tasks[1]);
    nki_task_cancel(&tasks[0]); /* a pipe closed before the scope ends */
    NKT_EQ(tasks[0].queued, 0);
    nki_task_post(&tasks[1]); /* queued here already: stays here, runs once */
    nki_here_end();
    NKT_EQ(here_runs[0], 0);
    NKT_EQ(here_runs[1], 1);
    NKT_CHECK(pthread_equal(ran_on[1], pthread_self()));
    nki_unlock();
}

static void a_task_posted_here_outside_a_scope_goes_to_the_reactor(void)
{
    setup();
    nki_lock();
    init_noting();
    nki_task_post_here(&tasks[2]);
    NKT_EQ(here_runs[2], 0);
    wait_for(&stop, "the task posted outside a scope");
    NKT_EQ(here_runs[2], 1);
    NKT_CHECK(!pthread_equal(ran_on[2], pthread_self()));
    nki_unlock();
}

static void post_next_here(void *arg)
{
    (void) arg;
    here_runs[0]++;
    nki_task_post_here(&tasks[2]); /* the scope has ended: the reactor's */
}

static void posting_here_from_a_task_run_here_goes_to_the_reactor(void)
{
    setup();
    nki_lock();
    init_noting();
    nki_task_init(&tasks[0], post_next_here, NULL);
    nki_here_begin();
    nki_task_post_here(&tasks[0]);
    nki_here_end();
    NKT_EQ(here_runs[0], 1);
    wait_for(&stop, "the task posted by a task run here");
    NKT_EQ(here_runs[2], 1);
    NKT_CHECK(!pthread_equal(ran_on[2], pthread_self()));
    nki_unlock();
}

static const nkt_case cases[] = {
    NKT_CASE(a_task_posted_here_runs_on_this_thread_as_the_scope_ends),
    NKT_CASE(a_task_posted_here_and_cancelled_does_not_run),
    NKT_CASE(a_task_posted_here_outside_a_scope_goes_to_the_reactor),
    NKT_CASE(posting_here_from_a_task_run_here_goes_to_the_reactor),
    NKT_CASE(a_task_that_reposts_itself_does_not_starve_timers),
    NKT_CASE(tasks_posted_during_a_pass_run_next_in_order),
    NKT_CASE(a_queued_task_posted_again_runs_once),
    NKT_CASE(a_cancelled_task_does_not_run),
    NKT_CASE(quiesce_returns_after_the_tasks_posted_before_it),
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return nkt_main(argc, argv, cases);
}
