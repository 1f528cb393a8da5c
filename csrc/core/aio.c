/*
 * Aios: the one shape of every asynchronous operation.
 *
 * Contract: once an operation has begun on an aio, the aio completes exactly
 * once, errors, timeouts, cancellation and close included.  A provider either
 * finishes the aio before returning or parks it with a cancel function; the
 * deadline timer and nk_aio_cancel both go through that cancel function, so
 * the provider always removes the aio from its queues before it finishes.
 *
 * Completion wakes sync waiters (condition variable) and, when the aio is
 * bound to a completion queue, queues it there and makes the queue's eventfd
 * readable once per batch.  No user code ever runs on the reactor.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core.h"

struct nk_cq {
    int fd;
    bool signalled;
    nki_list done;
};

static void aio_timeout_cb(nki_timer *t)
{
    nki_aio_abort(t->arg, NK_ETIMEDOUT);
}

void nki_aio_begin(nk_aio *a, int32_t dflt)
{
    int32_t t = a->timeout == NK_DURATION_DEFAULT ? dflt : a->timeout;
    a->busy = true;
    a->result = 0;
    a->cancel_fn = NULL;
    a->cancel_arg = NULL;
    if (a->cq_node.next) {
        /* A completion from an earlier run that was never drained. */
        nki_node_remove(&a->cq_node);
    }
    a->deadline = t < 0 ? NKI_TIME_NEVER : nki_clock() + t;
    a->pdata = NULL;
}

bool nki_aio_park(nk_aio *a, nki_cancel_fn fn, void *arg)
{
    if (a->deadline != NKI_TIME_NEVER) {
        if (a->timeout == 0) {
            nki_aio_finish(a, NK_EAGAIN);
            return false;
        }
        if (a->deadline <= nki_clock()) {
            nki_aio_finish(a, NK_ETIMEDOUT);
            return false;
        }
        nki_timer_schedule(&a->timer, a->deadline);
    }
    a->cancel_fn = fn;
    a->cancel_arg = arg;
    return true;
}

/* The queue whose owner is serving the core's I/O (nk_poll_step) and drains
 * it right after: completions to it need not make its fd readable. */
static nk_cq *quiet_cq;

void nki_aio_finish(nk_aio *a, int result)
{
    nki_timer_cancel(&a->timer);
    a->cancel_fn = NULL;
    a->cancel_arg = NULL;
    a->result = result;
    a->busy = false;
    if (a->waiters) {
        nki_cv_wake(&a->cv);
    }
    if (a->cq) {
        nk_cq *cq = a->cq;
        nki_list_append(&cq->done, &a->cq_node);
        if (!cq->signalled && cq != quiet_cq) {
            uint64_t one = 1;
            cq->signalled = true;
            (void) !write(cq->fd, &one, sizeof(one));
        }
    }
    if (a->cb) {
        a->cb(a, a->cb_arg);
    }
}

void nki_aio_abort(nk_aio *a, int err)
{
    if (a->busy && a->cancel_fn) {
        a->cancel_fn(a, a->cancel_arg, err);
    }
}

/* ---- public API ---- */

static nk_aio *aio_new(void)
{
    nk_aio *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        return NULL;
    }
    a->timeout = NK_DURATION_DEFAULT;
    nki_timer_init(&a->timer, aio_timeout_cb, a);
    nki_cv_init(&a->cv);
    nki_count(NK_DEBUG_AIOS, 1);
    return a;
}

int nk_aio_alloc(nk_aio **ap)
{
    nk_aio *a;
    nki_init();
    nki_lock();
    a = nki_aio_get();
    nki_unlock();
    if (a == NULL) {
        return NK_ENOMEM;
    }
    *ap = a;
    return 0;
}

void nk_aio_free(nk_aio *a)
{
    nk_msg *m;
    if (a == NULL) {
        return;
    }
    nki_lock();
    nki_aio_abort(a, NK_ECANCELED);
    nki_node_remove(&a->cq_node);
    nki_timer_cancel(&a->timer);
    m = a->msg;
    a->msg = NULL;
    nki_aio_put(a);
    nki_unlock();
    nk_msg_free(m);
}

/*
 * Spare aios for the one-call operations (op.c): allocating and
 * freeing one per call costs more than the call itself.  Spares count as
 * freed (NK_DEBUG_AIOS); they are bound to no queue and have no callback.
 */
#define SPARE_MAX 16
static nk_aio *spares[SPARE_MAX];
static int nspares;

nk_aio *nki_aio_get(void)
{
    if (nspares > 0) {
        nki_count(NK_DEBUG_AIOS, 1);
        return spares[--nspares];
    }
    return aio_new();
}

void nki_aio_put(nk_aio *a)
{
    if (nspares < SPARE_MAX && !a->busy && a->waiters == 0) {
        a->timeout = NK_DURATION_DEFAULT;
        a->cq = NULL;
        a->tag = 0;
        a->cb = NULL;
        a->cb_arg = NULL;
        spares[nspares++] = a;
        nki_count(NK_DEBUG_AIOS, -1);
        return;
    }
    nki_cv_fini(&a->cv);
    free(a);
    nki_count(NK_DEBUG_AIOS, -1);
}

void nki_aio_atfork_child(void)
{
    nspares = 0; /* the parent's, abandoned */
}

void nk_aio_set_timeout(nk_aio *a, int32_t ms)
{
    a->timeout = ms;
}

void nk_aio_set_msg(nk_aio *a, nk_msg *m)
{
    a->msg = m;
}

nk_msg *nk_aio_get_msg(nk_aio *a)
{
    nk_msg *m;
    nki_lock();
    m = a->busy ? NULL : a->msg;
    if (m) {
        a->msg = NULL;
    }
    nki_unlock();
    return m;
}

int nk_aio_result(nk_aio *a)
{
    int rv;
    nki_lock();
    rv = a->busy ? NK_EBUSY : a->result;
    nki_unlock();
    return rv;
}

int nk_aio_busy(nk_aio *a)
{
    int b;
    nki_lock();
    b = a->busy;
    nki_unlock();
    return b;
}

void nk_aio_cancel(nk_aio *a)
{
    nki_lock();
    nki_aio_abort(a, NK_ECANCELED);
    nki_unlock();
}

int nk_aio_wait(nk_aio *a, int32_t ms)
{
    int done;
    nki_lock();
    done = nki_aio_wait_locked(a, ms);
    nki_unlock();
    return done;
}

int nki_aio_wait_locked(nk_aio *a, int32_t ms)
{
    nki_time deadline;
    if (!a->busy) {
        return 1;
    }
    deadline = ms < 0 ? NKI_TIME_NEVER : nki_clock() + ms;
    a->waiters++;
    while (a->busy) {
        if (deadline == NKI_TIME_NEVER) {
            nki_cv_wait(&a->cv);
        } else if (nki_cv_wait_until(&a->cv, deadline) != 0) {
            break;
        }
    }
    a->waiters--;
    return !a->busy;
}

void nk_aio_set_cq(nk_aio *a, nk_cq *cq, uint64_t tag)
{
    nki_lock();
    a->cq = cq;
    a->tag = tag;
    nki_unlock();
}

int nk_cq_open(nk_cq **cqp)
{
    nk_cq *cq = calloc(1, sizeof(*cq));
    nki_init();
    if (cq == NULL) {
        return NK_ENOMEM;
    }
    if ((cq->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
        free(cq);
        return NK_ENOFILES;
    }
    nki_list_init(&cq->done);
    nki_count(NK_DEBUG_FDS, 1);
    *cqp = cq;
    return 0;
}

int nk_cq_fd(nk_cq *cq)
{
    return cq->fd;
}

int nk_cq_drain(nk_cq *cq, uint64_t *tags, int max)
{
    int n = 0;
    nki_lock();
    while (n < max) {
        nki_node *nd = nki_list_pop(&cq->done);
        if (nd == NULL) {
            break;
        }
        tags[n++] = NKI_CONTAINER(nd, nk_aio, cq_node)->tag;
    }
    if (nki_list_empty(&cq->done) && cq->signalled) {
        uint64_t v;
        (void) !read(cq->fd, &v, sizeof(v));
        cq->signalled = false;
    }
    nki_unlock();
    return n;
}

int nk_poll_fd(void)
{
    nki_init();
    return nki_poll_fd();
}

void nk_poll_lend(int on)
{
    nki_lock();
    nki_poll_lend(on);
    nki_unlock();
}

int nk_poll_step(nk_cq *cq)
{
    int n;
    nki_lock();
    quiet_cq = cq;
    n = nki_poll_step();
    quiet_cq = NULL;
    nki_unlock();
    return n;
}

void nk_cq_close(nk_cq *cq)
{
    nki_node *n;
    if (cq == NULL) {
        return;
    }
    nki_lock();
    while ((n = nki_list_pop(&cq->done)) != NULL) {
        NKI_CONTAINER(n, nk_aio, cq_node)->cq = NULL;
    }
    nki_unlock();
    close(cq->fd);
    nki_count(NK_DEBUG_FDS, -1);
    free(cq);
}

/* ---- wait lists: the common way for a protocol to park aios ---- */

static void aio_list_cancel(nk_aio *a, void *arg, int err)
{
    (void) arg;
    nki_node_remove(&a->pnode);
    nki_aio_finish(a, err);
}

bool nki_aio_wait_on(nk_aio *a, nki_list *l)
{
    if (!nki_aio_park(a, aio_list_cancel, NULL)) {
        return false;
    }
    nki_list_append(l, &a->pnode);
    return true;
}

nk_aio *nki_aio_list_pop(nki_list *l)
{
    nki_node *n = nki_list_pop(l);
    if (n == NULL) {
        return NULL;
    }
    NKI_CONTAINER(n, nk_aio, pnode)->cancel_fn = NULL;
    return NKI_CONTAINER(n, nk_aio, pnode);
}

void nki_aio_list_fail(nki_list *l, int err)
{
    nk_aio *a;
    while ((a = nki_aio_list_pop(l)) != NULL) {
        nki_aio_finish(a, err);
    }
}

void nki_aio_list_fail_owner(nki_list *l, void *owner, int err)
{
    nki_node *n, *nx;
    NKI_LIST_FOREACH_SAFE(l, n, nx)
    {
        nk_aio *a = NKI_CONTAINER(n, nk_aio, pnode);
        if (a->pdata == owner) {
            nki_node_remove(n);
            a->cancel_fn = NULL;
            nki_aio_finish(a, err);
        }
    }
}
