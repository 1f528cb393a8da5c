/*
 * One-call operations (nk_send_wait, nk_send_try, nk_recv_wait, nk_send_start,
 * nk_recv_start, nk_op_finish): an operation started, waited for and
 * settled in one call and one lock hold, on an aio from the core's spare
 * list, instead of the caller's alloc/set/start/wait/result/free sequence.
 *
 * Message ownership, the one rule for every send (docs/architecture.md):
 * a send that succeeds takes the message; a send that fails, at whatever
 * point, gives it back to the caller, with the result.  Here "the caller's"
 * is op->msg: the message is put there first (m, or the copy of data made
 * for the send), moves into the aio only while the operation runs, and
 * op_settle moves back whatever the aio still holds once it has completed:
 * a received message, the message of a failed send, or nothing.
 */
#include <string.h>

#include "core.h"
#include "cork.h"

/* The message of a send into op->msg: m, or a new one holding data[0..len). */
static int op_message(nk_op *op, nk_msg *m, const char *data, size_t len)
{
    if (m == NULL) {
        if ((m = nki_msg_new(len, len)) == NULL) {
            return NK_ENOMEM;
        }
        if (len) {
            memcpy(m->body, data, len);
        }
    }
    op->msg = m;
    return 0;
}

/* A spare aio carrying op->msg (a send's message; NULL for a receive).  On
 * NK_ENOMEM the message simply stays in op->msg.  Lock held. */
static nk_aio *op_aio(nk_op *op)
{
    nk_aio *a = nki_aio_get();
    if (a != NULL) {
        a->msg = op->msg;
        op->msg = NULL;
    }
    return a;
}

/* The completed operation's message to op->msg (the rule above), with the
 * body, header and pipe of a received one.  Lock held. */
static void op_settle(nk_op *op, nk_aio *a)
{
    nk_msg *m = a->msg;
    a->msg = NULL;
    op->msg = m;
    if (m != NULL) {
        op->body = (char *) m->body;
        op->len = m->len;
        op->header = (char *) m->hdr;
        op->header_len = m->hlen;
        op->pipe = m->pipe;
    }
}

/* A loop thread that finds its receive queue empty pays a wake-up through
 * its completion queue; a blocking receiver waits cheaply while the reactor
 * reads in parallel (nki_dispatch_eager). */
static bool eager;

bool nki_dispatch_eager(void)
{
    return eager;
}

/* Starts the operation, then waits one slice for it.  When the slice ends
 * first (NK_PENDING) the aio is handed to the caller in op->aio.  A send's
 * dispatch may cork (cork.h): with 'due' (nk_send_try) its caller flushes,
 * and *due says whether it corked the first pipe; only the dispatch: the
 * wait may let go of the lock.  Before waiting, the thread writes what is
 * corked: what it waits for may hang on it. */
static int op_wait(uint32_t id, int ctx, bool send, nk_aio *a, int32_t timeout, int32_t slice_ms,
                   nk_op *op, bool *due)
{
    a->timeout = timeout;
    eager = !send && timeout == 0;
    if (send) {
        nki_cork_begin(due != NULL);
    }
    nki_dispatch(id, ctx != 0, send, a);
    if (send) {
        bool first = nki_cork_end();
        if (due != NULL) {
            *due = first;
        }
    }
    eager = false;
    if (slice_ms != 0 && a->busy && nki_cork_pending()) {
        nki_cork_flush();
    }
    if (!nki_aio_wait_locked(a, slice_ms)) {
        op->aio = a;
        return NK_PENDING;
    }
    return a->result;
}

/* nk_send_wait and nk_recv_wait once op->msg holds what to send (if any). */
static int op_run_locked(uint32_t id, int ctx, bool send, int32_t timeout, int32_t slice_ms, nk_op *op,
                         bool *due)
{
    nk_aio *a;
    int rv;
    if ((a = op_aio(op)) == NULL) {
        return NK_ENOMEM;
    }
    if ((rv = op_wait(id, ctx, send, a, timeout, slice_ms, op, due)) != NK_PENDING) {
        if (rv == 0 && !send && a->msg == NULL) {
            rv = NK_EINTERNAL; /* success without a message: a core bug */
        }
        op_settle(op, a);
        nki_aio_put(a);
    }
    return rv;
}

static int op_run(uint32_t id, int ctx, bool send, int32_t timeout, int32_t slice_ms, nk_op *op)
{
    int rv;
    nki_init();
    nki_lock();
    rv = op_run_locked(id, ctx, send, timeout, slice_ms, op, NULL);
    nki_unlock();
    return rv;
}

int nk_send_wait(uint32_t id, int ctx, nk_msg *m, const char *data, size_t len, int32_t timeout,
                 int32_t slice_ms, nk_op *op)
{
    int rv = op_message(op, m, data, len);
    return rv != 0 ? rv : op_run(id, ctx, true, timeout, slice_ms, op);
}

int nk_send_try(uint32_t id, int ctx, nk_msg *m, const char *data, size_t len, nk_op *op)
{
    int rv = op_message(op, m, data, len);
    bool due = false;
    if (rv != 0) {
        return rv;
    }
    nki_init();
    nki_lock();
    rv = op_run_locked(id, ctx, true, 0, 0, op, &due);
    nki_unlock();
    return rv == 0 && due ? NK_QUEUED : rv;
}

void nk_flush(void)
{
    nki_init();
    nki_lock();
    nki_cork_flush();
    nki_unlock();
}

int nk_recv_wait(uint32_t id, int ctx, int32_t timeout, int32_t slice_ms, nk_op *op)
{
    op->msg = NULL;
    return op_run(id, ctx, false, timeout, slice_ms, op);
}

/* Starts an operation with the default timeout, completing to cq under tag
 * (the async path, after a zero-timeout nk_*_wait said "not now"). */
static int op_start(uint32_t id, int ctx, bool send, nk_cq *cq, uint64_t tag, nk_op *op)
{
    nk_aio *a;
    nki_init();
    nki_lock();
    if ((a = op_aio(op)) == NULL) {
        nki_unlock();
        return NK_ENOMEM;
    }
    a->cq = cq;
    a->tag = tag;
    nki_dispatch(id, ctx != 0, send, a);
    op->aio = a;
    nki_unlock();
    return 0;
}

int nk_send_start(uint32_t id, int ctx, nk_msg *m, const char *data, size_t len, nk_cq *cq,
                  uint64_t tag, nk_op *op)
{
    int rv = op_message(op, m, data, len);
    return rv != 0 ? rv : op_start(id, ctx, true, cq, tag, op);
}

int nk_recv_start(uint32_t id, int ctx, nk_cq *cq, uint64_t tag, nk_op *op)
{
    op->msg = NULL;
    return op_start(id, ctx, false, cq, tag, op);
}

int nk_op_finish(nk_op *op)
{
    nk_aio *a = op->aio;
    int rv;
    nki_lock();
    if ((rv = a->busy ? NK_EBUSY : a->result) != NK_EBUSY) {
        op_settle(op, a);
    }
    nki_unlock();
    return rv;
}
