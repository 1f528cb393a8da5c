/*
 * The reactor: one I/O thread running epoll, a timer heap and a task list.
 * Everything it dispatches runs with nki_lock held.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "nngkit.h"
#include "platform.h"
#include "posix.h"

static int epfd = -1;
static int wakefd = -1;
static int woken; /* a wakeup is pending in wakefd (avoid redundant writes) */
static int in_dispatch; /* the reactor holds the lock and will run tasks */
/* When the reactor's current epoll_wait ends at the latest.  A timer due
 * later needs no wakeup (which would cost a system call per arm), since the
 * reactor recomputes its timeout then.  Sleeps are capped at SLEEP_MAX so
 * that the far-off timers every REQ send and every finite timeout arm
 * (60 s, 5 s, ...) need none. */
#define SLEEP_MAX 1000
static nki_time sleep_until = NKI_TIME_NEVER;
static nki_time last_active; /* when epoll_wait last returned events */
/* Threads serving the core's I/O themselves while they wait (nk_poll_lend).
 * While there are any, the reactor woken by I/O first gives them up to
 * LEND_GRACE_MS to serve it, so that the two do not race for the lock and
 * the reads; what is still unserved then (a lender busy elsewhere), it
 * serves itself. */
#define LEND_GRACE_MS 1
static int lenders;
static bool in_grace; /* the reactor waits out a grace (lock released) */
/* A lender has polled since the last grace that ended with I/O unserved.
 * A lender that stopped polling (its loop busy or stopped) costs one grace,
 * not one per event. */
static bool lender_alive;
static pthread_t reactor_thr;
static pthread_mutex_t init_mtx = PTHREAD_MUTEX_INITIALIZER;
static int started; /* the reactor of this process is running */

static nki_timer **heap;
static int heap_len, heap_cap;
static nki_timer *soon; /* nki_timer_soon's slot, due at soon_ns */
static uint64_t soon_ns;

static nki_task *task_head, *task_tail;
static uint64_t tasks_posted, tasks_run;
static nki_cv quiesce_cv;

static void wake(void)
{
    if (!woken && !in_dispatch) {
        uint64_t one = 1;
        woken = 1;
        (void) !write(wakefd, &one, sizeof(one));
    }
}

/* ---- timers (binary min-heap on 'when') ---- */

static void heap_set(int i, nki_timer *t)
{
    heap[i] = t;
    t->slot = i;
}

static void heap_up(int i)
{
    nki_timer *t = heap[i];
    while (i > 0) {
        int p = (i - 1) / 2;
        if (heap[p]->when <= t->when) {
            break;
        }
        heap_set(i, heap[p]);
        i = p;
    }
    heap_set(i, t);
}

static void heap_down(int i)
{
    nki_timer *t = heap[i];
    for (;;) {
        int c = 2 * i + 1;
        if (c >= heap_len) {
            break;
        }
        if (c + 1 < heap_len && heap[c + 1]->when < heap[c]->when) {
            c++;
        }
        if (heap[c]->when >= t->when) {
            break;
        }
        heap_set(i, heap[c]);
        i = c;
    }
    heap_set(i, t);
}

void nki_timer_init(nki_timer *t, void (*cb)(nki_timer *), void *arg)
{
    t->when = NKI_TIME_NEVER;
    t->slot = -1;
    t->cb = cb;
    t->arg = arg;
}

void nki_timer_cancel(nki_timer *t)
{
    int i = t->slot;
    if (t == soon) {
        soon = NULL;
    }
    if (i < 0) {
        return;
    }
    t->slot = -1;
    heap_len--;
    if (i != heap_len) {
        nki_timer *moved = heap[heap_len];
        heap_set(i, moved);
        heap_up(i);
        heap_down(moved->slot);
    }
}

void nki_timer_schedule(nki_timer *t, nki_time when)
{
    nki_timer_cancel(t);
    if (heap_len == heap_cap) {
        int ncap = heap_cap ? heap_cap * 2 : 64;
        nki_timer **nh = realloc(heap, sizeof(*nh) * ncap);
        if (nh == NULL) {
            abort(); /* a timer that cannot be armed would hang a caller */
        }
        heap = nh;
        heap_cap = ncap;
    }
    t->when = when;
    heap_set(heap_len, t);
    heap_len++;
    heap_up(heap_len - 1);
    if (heap[0] == t && when < sleep_until) {
        wake();
    }
}

void nki_timer_soon(nki_timer *t, uint32_t delay_us)
{
    if (soon != NULL) {
        return;
    }
    soon = t;
    soon_ns = nki_clock_ns() + (uint64_t) delay_us * 1000u;
    if (sleep_until == NKI_TIME_NEVER || soon_ns / 1000000u < (uint64_t) sleep_until) {
        wake();
    }
}

/* ---- tasks ---- */

void nki_task_init(nki_task *t, void (*fn)(void *), void *arg)
{
    t->fn = fn;
    t->arg = arg;
    t->next = NULL;
    t->queued = 0;
}

/* Queues t at the tail of a list, unless it is queued (on any list). */
static bool list_append(nki_task **head, nki_task **tail, nki_task *t)
{
    if (t->queued) {
        return false;
    }
    t->queued = 1;
    t->next = NULL;
    if (*tail) {
        (*tail)->next = t;
    } else {
        *head = t;
    }
    *tail = t;
    return true;
}

void nki_task_post(nki_task *t)
{
    if (list_append(&task_head, &task_tail, t)) {
        tasks_posted++;
        wake();
    }
}

/*
 * Tasks run "here": while a caller's thread is inside nki_dispatch (lock
 * held), a task posted with nki_task_post_here waits in its own list and
 * that thread runs it as the dispatch ends, instead of waking the reactor
 * for it (an eventfd write, two context switches and a fight for the
 * lock: 18.5k writes and 30k switches a second in a 290k msg/s asyncio
 * receiver, whose every half queue woke the reactor to parse the frames
 * already read).  Guarded by the lock; the list is empty whenever the lock
 * is free, since the dispatching thread drains it first.
 */
static nki_task *here_head, *here_tail;
static int here_depth;

static bool list_remove(nki_task **head, nki_task **tail, nki_task *t)
{
    nki_task **pp;
    nki_task *prev = NULL;
    for (pp = head; *pp; prev = *pp, pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            if (*tail == t) {
                *tail = prev;
            }
            return true;
        }
    }
    return false;
}

void nki_task_cancel(nki_task *t)
{
    if (!t->queued) {
        return;
    }
    if (list_remove(&task_head, &task_tail, t)) {
        tasks_run++;
    } else {
        (void) list_remove(&here_head, &here_tail, t);
    }
    t->queued = 0;
}

void nki_task_post_here(nki_task *t)
{
    if (here_depth == 0) {
        nki_task_post(t);
    } else {
        (void) list_append(&here_head, &here_tail, t);
    }
}

void nki_here_begin(void)
{
    here_depth++;
}

/* Runs what the outermost scope collected; tasks they post go to the reactor. */
void nki_here_end(void)
{
    if (--here_depth > 0) {
        return;
    }
    while (here_head) {
        nki_task *t = here_head;
        here_head = t->next;
        if (here_head == NULL) {
            here_tail = NULL;
        }
        t->queued = 0;
        t->fn(t->arg);
    }
}

typedef struct {
    nki_task task;
    void (*fn)(void *);
    void *arg;
} deferred;

static void deferred_run(void *arg)
{
    deferred *d = arg;
    d->fn(d->arg);
    free(d);
}

int nki_defer(void (*fn)(void *), void *arg)
{
    deferred *d = malloc(sizeof(*d));
    if (d == NULL) {
        return NK_ENOMEM;
    }
    d->fn = fn;
    d->arg = arg;
    nki_task_init(&d->task, deferred_run, d);
    nki_task_post(&d->task);
    return 0;
}

/* Runs the tasks queued when the pass began; those posted meanwhile wait
 * for the next pass, after the I/O and timers.  (Run in the same pass, a
 * task that kept posting itself held the lock for ever: a TLS pipe that
 * re-read a partial record once froze every socket, timer and close.) */
static void run_tasks(void)
{
    uint64_t budget = tasks_posted - tasks_run;
    while (task_head && budget-- > 0) {
        nki_task *t = task_head;
        task_head = t->next;
        if (task_head == NULL) {
            task_tail = NULL;
        }
        t->queued = 0;
        tasks_run++;
        t->fn(t->arg);
    }
    nki_cv_wake(&quiesce_cv);
}

void nki_quiesce(void)
{
    uint64_t target = tasks_posted;
    if (pthread_equal(pthread_self(), reactor_thr)) {
        return;
    }
    while (tasks_run < target) {
        nki_cv_wait(&quiesce_cv);
    }
}

/* ---- polled fds ---- */

int nki_pfd_init(nki_pfd *pfd, int fd, nki_pfd_cb cb, void *arg)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    pfd->fd = fd;
    pfd->events = 0;
    pfd->quiet = 0;
    pfd->cb = cb;
    pfd->arg = arg;
    ev.events = 0;
    ev.data.ptr = pfd;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        pfd->active = 0;
        return NK_ENOMEM;
    }
    pfd->active = 1;
    return 0;
}

void nki_pfd_arm(nki_pfd *pfd, unsigned events)
{
    struct epoll_event ev;
    if (!pfd->active || pfd->events == events || (pfd->quiet && events == 0)) {
        return;
    }
    memset(&ev, 0, sizeof(ev));
    pfd->events = events;
    ev.events = ((events & NKI_POLL_IN) ? EPOLLIN : 0) | ((events & NKI_POLL_OUT) ? EPOLLOUT : 0);
    ev.data.ptr = pfd;
    epoll_ctl(epfd, pfd->quiet ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, pfd->fd, &ev);
    pfd->quiet = 0;
}

void nki_pfd_quiet(nki_pfd *pfd)
{
    if (pfd->active && !pfd->quiet) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, pfd->fd, NULL);
        pfd->quiet = 1;
        pfd->events = 0;
    }
}

void nki_pfd_fini(nki_pfd *pfd)
{
    if (pfd->active) {
        if (!pfd->quiet) {
            epoll_ctl(epfd, EPOLL_CTL_DEL, pfd->fd, NULL);
        }
        pfd->quiet = 0;
        pfd->active = 0;
        pfd->events = 0;
    }
}

/* ---- the loop: plan the sleep, wait for I/O, run I/O callbacks, timers, tasks ---- */

#define EVENTS_MAX 64

/* How long the next wait may last (ns; -1: until woken).  Also records the
 * wake-up time in sleep_until, which tells nki_timer_schedule and
 * nki_timer_soon whether a new timer needs a wakeup. */
static int64_t plan_sleep(void)
{
    uint64_t now_ns;
    nki_time now;
    int64_t tmo;
    if (task_head) {
        sleep_until = 0;
        return 0;
    }
    now_ns = nki_clock_ns();
    now = (nki_time) (now_ns / 1000000u);
    if (heap_len > 0) {
        nki_time d = heap[0]->when - now;
        tmo = d < 0 ? 0 : (d > SLEEP_MAX ? SLEEP_MAX : d);
    } else {
        /* Busy a moment ago: the next operation will likely arm a
         * timer, which then needs no wakeup.  Idle: sleep for good. */
        tmo = now - last_active < SLEEP_MAX ? SLEEP_MAX : -1;
    }
    tmo = tmo < 0 ? -1 : tmo * 1000000;
    if (soon != NULL) {
        int64_t left = soon_ns > now_ns ? (int64_t) (soon_ns - now_ns) : 0;
        tmo = tmo < 0 || left < tmo ? left : tmo;
    }
    sleep_until = tmo < 0 ? NKI_TIME_NEVER : (nki_time) ((now_ns + (uint64_t) tmo) / 1000000u);
    return tmo;
}

/* A wait in ns as whole ms, rounded up (-1 stays "until woken"). */
static int ms_up(int64_t ns)
{
    return ns < 0 ? -1 : (int) ((ns + 999999) / 1000000);
}

/* Waits without the lock; what it saw is noted once the lock is taken again
 * (last_active is also written by a lender's nki_poll_step: TSan).  A wait
 * that is not whole milliseconds needs epoll_pwait2 (Linux 5.11); without
 * it, it is rounded up.  Called by number: glibc's wrapper (2.35) would
 * raise the glibc the wheel needs (docs/install.md: 2.34). */
#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441 /* the same on every architecture but alpha */
#endif
static int wait_io(struct epoll_event *evs, int64_t tmo_ns)
{
    static bool no_pwait2;
    if (tmo_ns > 0 && tmo_ns % 1000000 != 0 && !no_pwait2) {
        struct timespec ts = {.tv_sec = tmo_ns / 1000000000, .tv_nsec = tmo_ns % 1000000000};
        int n = (int) syscall(SYS_epoll_pwait2, epfd, evs, EVENTS_MAX, &ts, NULL, (size_t) 8);
        if (n >= 0 || errno != ENOSYS) {
            return n;
        }
        no_pwait2 = true;
    }
    return epoll_wait(epfd, evs, EVENTS_MAX, ms_up(tmo_ns));
}

static unsigned poll_events(uint32_t ev)
{
    unsigned e = 0;
    if (ev & EPOLLIN) {
        e |= NKI_POLL_IN;
    }
    if (ev & EPOLLOUT) {
        e |= NKI_POLL_OUT;
    }
    if (ev & (EPOLLERR | EPOLLHUP)) {
        e |= NKI_POLL_ERR;
    }
    return e;
}

static void run_io(const struct epoll_event *evs, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        nki_pfd *pfd = evs[i].data.ptr;
        if (pfd == NULL) { /* the wakeup eventfd */
            uint64_t v;
            (void) !read(wakefd, &v, sizeof(v));
            woken = 0;
            continue;
        }
        if (!pfd->active) {
            continue; /* removed earlier in this batch or just before it */
        }
        pfd->cb(pfd, poll_events(evs[i].events));
    }
}

/* Whether any of the events is I/O (not the reactor's wakeup). */
static bool has_io(const struct epoll_event *evs, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        if (evs[i].data.ptr != NULL) {
            return true;
        }
    }
    return false;
}

int nki_poll_fd(void)
{
    return epfd;
}

void nki_poll_lend(int on)
{
    struct epoll_event evs[8];
    lenders += on ? 1 : -1;
    lender_alive = true;
    /* The reactor waiting out a grace serves what is still ready now (a
     * look first: waking it for nothing would cost more than the look). */
    if (!on && in_grace && has_io(evs, epoll_wait(epfd, evs, 8, 0))) {
        wake();
    }
}

/* Only the I/O callbacks: the wakeup eventfd, timers and tasks are the
 * reactor thread's (it alone frees what tasks free, after its own batch). */
int nki_poll_step(void)
{
    struct epoll_event evs[EVENTS_MAX];
    int i, served = 0, wakeup = 0, n = epoll_wait(epfd, evs, EVENTS_MAX, 0);
    lender_alive = true;
    for (i = 0; i < n; i++) {
        nki_pfd *pfd = evs[i].data.ptr;
        if (pfd == NULL) {
            wakeup = 1;
        } else if (pfd->active) {
            pfd->cb(pfd, poll_events(evs[i].events));
            served++;
        }
    }
    if (served > 0) {
        last_active = nki_clock();
    }
    return served == 0 && wakeup ? -1 : served;
}

static void run_timers(void)
{
    nki_time now = nki_clock();
    while (heap_len > 0 && heap[0]->when <= now) {
        nki_timer *t = heap[0];
        nki_timer_cancel(t);
        t->cb(t);
    }
    if (soon != NULL && nki_clock_ns() >= soon_ns) {
        nki_timer *t = soon;
        soon = NULL;
        t->cb(t);
    }
}

/* I/O is ready and a lender may serve it: wait (lock released) until the
 * grace ends or the reactor is woken, then take what is ready by then. */
static int after_grace(struct epoll_event *evs, int tmo)
{
    struct pollfd pw = {.fd = wakefd, .events = POLLIN};
    in_grace = true;
    nki_unlock();
    (void) poll(&pw, 1, tmo >= 0 && tmo < LEND_GRACE_MS ? tmo : LEND_GRACE_MS);
    nki_lock();
    in_grace = false;
    return epoll_wait(epfd, evs, EVENTS_MAX, 0);
}

static void *reactor_main(void *unused)
{
    struct epoll_event evs[EVENTS_MAX];
    (void) unused;
    /* The default slack (50 us) would double nki_timer_soon's delays. */
    (void) prctl(PR_SET_TIMERSLACK, 5000UL, 0, 0, 0);
    for (;;) {
        int n;
        int64_t tmo;
        nki_lock();
        in_dispatch = 0;
        tmo = plan_sleep();
        nki_unlock();
        n = wait_io(evs, tmo);
        nki_lock();
        if (n > 0) {
            last_active = nki_clock();
        }
        if (lenders > 0 && lender_alive && has_io(evs, n)) {
            n = after_grace(evs, ms_up(tmo));
            lender_alive = !has_io(evs, n);
        }
        in_dispatch = 1; /* posts need no wakeup: the next plan_sleep sees them */
        run_io(evs, n);
        run_timers();
        run_tasks();
        nki_unlock();
    }
    return NULL;
}

void nki_plat_reactor_reset(void)
{
    /* Only the forking thread exists now: forget the parent's reactor. */
    pthread_mutex_init(&init_mtx, NULL);
    started = 0;
    epfd = wakefd = -1; /* inherited copies are left alone */
    heap_len = 0;
    soon = NULL;
    task_head = task_tail = NULL;
    tasks_posted = tasks_run = 0;
    woken = in_dispatch = 0;
    lenders = 0;
    lender_alive = in_grace = false;
    sleep_until = NKI_TIME_NEVER;
}

static void start_reactor(void)
{
    struct epoll_event ev;
    sigset_t all, old;
    nki_plat_atfork_install();
    nki_plat_cv_attr_init();
    nki_cv_init(&quiesce_cv);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (epfd < 0 || wakefd < 0) {
        abort();
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.ptr = NULL;
    epoll_ctl(epfd, EPOLL_CTL_ADD, wakefd, &ev);
    /* The reactor must never take signals meant for the application. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    if (pthread_create(&reactor_thr, NULL, reactor_main, NULL) != 0) {
        abort();
    }
    pthread_detach(reactor_thr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void nki_init(void)
{
    if (__atomic_load_n(&started, __ATOMIC_ACQUIRE)) {
        return;
    }
    pthread_mutex_lock(&init_mtx);
    if (!started) {
        start_reactor();
        __atomic_store_n(&started, 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&init_mtx);
}
