/* Building blocks shared by protocols: see protoq.h. */
#include "protoq.h"
#include "wire.h"

/* ---- load-balanced send ---- */

void nki_lb_init(nki_lb *lb)
{
    nki_list_init(&lb->ready);
    nki_list_init(&lb->waiting);
    nki_msgq_init(&lb->buffer);
    lb->bufcap = 0;
}

void nki_lb_pipe_init(nki_lb_pipe *lp, nki_pipe *p)
{
    lp->p = p;
    lp->node.next = lp->node.prev = NULL;
}

/* Put m on lp's pipe; keep lp in rotation if it is still free. */
static void lb_put(nki_lb *lb, nki_lb_pipe *lp, nk_msg *m)
{
    nki_node_remove(&lp->node);
    nki_pipe_send_soon(lp->p, m);
    if (nki_pipe_takes_more(lp->p)) {
        nki_list_append(&lb->ready, &lp->node);
    }
}

static nki_lb_pipe *lb_first_ready(nki_lb *lb)
{
    nki_node *n = nki_list_first(&lb->ready);
    return n ? NKI_CONTAINER(n, nki_lb_pipe, node) : NULL;
}

void nki_lb_pipe_ready(nki_lb *lb, nki_lb_pipe *lp)
{
    nk_aio *a;
    nki_lb_pipe *rp;
    if (!nki_node_linked(&lp->node)) {
        nki_list_append(&lb->ready, &lp->node);
    }
    /* Buffered messages first (they are older), then waiting senders,
     * whose messages refill the buffer when it has room. */
    while ((rp = lb_first_ready(lb)) != NULL) {
        nk_msg *m = nki_msgq_get(&lb->buffer);
        if (m == NULL) {
            if ((a = nki_aio_list_pop(&lb->waiting)) == NULL) {
                break;
            }
            m = a->msg;
            a->msg = NULL;
            nki_aio_finish(a, 0);
        }
        lb_put(lb, rp, m);
    }
    while (lb->buffer.len < lb->bufcap && (a = nki_aio_list_pop(&lb->waiting)) != NULL) {
        nki_msgq_put(&lb->buffer, a->msg);
        a->msg = NULL;
        nki_aio_finish(a, 0);
    }
}

void nki_lb_pipe_stop(nki_lb *lb, nki_lb_pipe *lp)
{
    (void) lb;
    nki_node_remove(&lp->node);
}

void nki_lb_send(nki_lb *lb, nk_aio *a)
{
    nki_lb_pipe *rp = lb_first_ready(lb);
    if (rp != NULL && lb->buffer.len == 0 && nki_list_empty(&lb->waiting)) {
        nk_msg *m = a->msg;
        a->msg = NULL;
        lb_put(lb, rp, m);
        nki_aio_finish(a, 0);
        return;
    }
    if (lb->buffer.len < lb->bufcap && nki_list_empty(&lb->waiting)) {
        nki_msgq_put(&lb->buffer, a->msg);
        a->msg = NULL;
        nki_aio_finish(a, 0);
        return;
    }
    nki_aio_wait_on(a, &lb->waiting);
}

bool nki_lb_ready(const nki_lb *lb)
{
    return nki_list_empty(&lb->waiting) && (!nki_list_empty(&lb->ready) || lb->buffer.len < lb->bufcap);
}

void nki_lb_close(nki_lb *lb)
{
    nki_aio_list_fail(&lb->waiting, NK_ECLOSED);
    nki_msgq_flush(&lb->buffer);
}

int nki_lb_get_buffer(nki_lb *lb, int64_t *v)
{
    *v = (int64_t) lb->bufcap;
    return 0;
}

int nki_lb_set_buffer(nki_lb *lb, int64_t v)
{
    if (v < 0 || v > NKI_OPT_BUF_MAX) {
        return NK_EINVAL;
    }
    lb->bufcap = (size_t) v;
    return 0;
}

/* ---- fair-queued receive ---- */

void nki_fq_init(nki_fq *fq)
{
    nki_msgq_init(&fq->orphans);
    nki_list_init(&fq->pending);
    nki_list_init(&fq->waiting);
    fq->on_deliver = NULL;
}

void nki_fq_pipe_init(nki_fq_pipe *fp, nki_pipe *p)
{
    fp->p = p;
    nki_msgq_init(&fp->held);
    fp->node.next = fp->node.prev = NULL;
}

static void fq_complete(nki_fq *fq, nk_aio *a, nk_msg *m)
{
    if (fq->on_deliver) {
        fq->on_deliver(a, m);
    }
    a->msg = m;
    nki_aio_finish(a, 0);
}

void nki_fq_put(nki_fq *fq, nki_fq_pipe *fp, nk_msg *m)
{
    nk_aio *a = nki_aio_list_pop(&fq->waiting);
    if (a != NULL) {
        fq_complete(fq, a, m);
        return;
    }
    nki_msgq_put(&fp->held, m);
    if (!nki_node_linked(&fp->node)) {
        nki_list_append(&fq->pending, &fp->node);
    }
    if (fp->held.len >= NKI_FQ_DEPTH) {
        nki_pipe_pause(fp->p);
    }
}

void nki_fq_recv(nki_fq *fq, nk_aio *a)
{
    nki_node *n;
    nk_msg *orphan = nki_msgq_get(&fq->orphans);
    if (orphan != NULL) {
        fq_complete(fq, a, orphan);
        return;
    }
    n = nki_list_pop(&fq->pending);
    if (n != NULL) {
        nki_fq_pipe *fp = NKI_CONTAINER(n, nki_fq_pipe, node);
        nk_msg *m = nki_msgq_get(&fp->held);
        if (fp->held.len > 0) {
            nki_list_append(&fq->pending, &fp->node); /* its next turn */
        }
        /* Resume once half the queue is free: one wake-up per batch. */
        if (fp->held.len <= NKI_FQ_DEPTH / 2) {
            nki_pipe_resume(fp->p);
        }
        fq_complete(fq, a, m);
        return;
    }
    nki_aio_wait_on(a, &fq->waiting);
}

void nki_fq_pipe_stop(nki_fq *fq, nki_fq_pipe *fp)
{
    nk_msg *m;
    nki_node_remove(&fp->node);
    /* What arrived before the peer hung up is still the application's
     * (NNG delivers it too: it reads EOF only after the last message). */
    while ((m = nki_msgq_get(&fp->held)) != NULL) {
        nki_msgq_put(&fq->orphans, m);
    }
}

bool nki_fq_ready(const nki_fq *fq)
{
    return fq->orphans.len > 0 || !nki_list_empty(&fq->pending);
}

void nki_fq_close(nki_fq *fq)
{
    nki_msgq_flush(&fq->orphans);
    nki_aio_list_fail(&fq->waiting, NK_ECLOSED);
}

/* ---- bounded receive queue ---- */

void nki_rq_init(nki_rq *rq, size_t cap)
{
    nki_msgq_init(&rq->q);
    nki_list_init(&rq->waiting);
    rq->cap = cap ? cap : 1;
}

void nki_rq_put(nki_rq *rq, nk_msg *m)
{
    nk_aio *a = nki_aio_list_pop(&rq->waiting);
    if (a != NULL) {
        a->msg = m;
        nki_aio_finish(a, 0);
        return;
    }
    while (rq->q.len >= rq->cap) {
        nki_stat_drop_pipe(m->pipe, NKI_DROP_RECV_FULL);
        nk_msg_free(nki_msgq_get(&rq->q));
    }
    nki_msgq_put(&rq->q, m);
}

void nki_rq_recv(nki_rq *rq, nk_aio *a)
{
    nk_msg *m = nki_msgq_get(&rq->q);
    if (m != NULL) {
        a->msg = m;
        nki_aio_finish(a, 0);
        return;
    }
    nki_aio_wait_on(a, &rq->waiting);
}

bool nki_rq_ready(const nki_rq *rq)
{
    return rq->q.len > 0;
}

void nki_rq_close(nki_rq *rq)
{
    nki_aio_list_fail(&rq->waiting, NK_ECLOSED);
    nki_msgq_flush(&rq->q);
}

int nki_rq_set_cap(nki_rq *rq, int64_t cap)
{
    if (cap < 1 || cap > NKI_OPT_BUF_MAX) {
        return NK_EINVAL;
    }
    rq->cap = (size_t) cap;
    while (rq->q.len > rq->cap) {
        nk_msg_free(nki_msgq_get(&rq->q));
    }
    return 0;
}

/* ---- lossy send ---- */

void nki_pipe_send_lossy(nki_pipe *p, nk_msg *m, size_t limit, bool later)
{
    if (later && p->sendq.len > limit) {
        /* A full queue only waits for a later write: write it now, so that
         * what is dropped is only what the connection cannot take, as when
         * every send is written at once. */
        nki_pipe_flush(p);
    }
    if (p->sendq.len > limit && p->sendq.len >= 2) {
        /* Keep the head (it may be partly on the wire); drop the next. */
        nki_node *second = p->sendq.list.head.next->next;
        nki_node_remove(second);
        p->sendq.len--;
        nki_stat_unsend(p, NKI_CONTAINER(second, nk_msg, node));
        nk_msg_free(NKI_CONTAINER(second, nk_msg, node));
    }
    if (later) {
        nki_pipe_send_later(p, m);
    } else {
        nki_pipe_send(p, m);
    }
}

/* ---- backtraces ---- */

int nki_bt_parse(nk_msg *m, int ttl)
{
    size_t n;
    int rv = nki_wire_bt_scan(m->body, m->len, ttl, &n);
    if (rv != 0) {
        return rv;
    }
    if (m->hlen + n > NKI_MSG_HDR_MAX) {
        return NK_EMSGSIZE;
    }
    return nki_msg_body_to_header(m, n);
}

/* ---- fan-out send ---- */

void nki_fan_init(nki_fan *f, int64_t limit)
{
    nki_list_init(&f->pipes);
    f->limit = limit;
}

void nki_fan_add(nki_fan *f, nki_fan_pipe *fp, nki_pipe *p)
{
    fp->p = p;
    nki_list_append(&f->pipes, &fp->node);
}

void nki_fan_remove(nki_fan_pipe *fp)
{
    nki_node_remove(&fp->node);
}

/*
 * A message for several pipes is written by the reactor (nki_pipe_send_later):
 * the sender's thread then only queues it, and each pipe writes everything
 * queued since its last write in one writev instead of one per message and
 * pipe.  With a single pipe it is written at once, as any other send.
 */
void nki_fan_send(nki_fan *f, nk_msg *m, uint32_t skip)
{
    nki_node *n;
    bool later = f->pipes.head.next->next != &f->pipes.head;
    for (n = f->pipes.head.next; n != &f->pipes.head; n = n->next) {
        nki_fan_pipe *fp = NKI_CONTAINER(n, nki_fan_pipe, node);
        nk_msg *out;
        if (fp->p->id == skip) {
            continue;
        }
        /* The last pipe takes the original: one copy fewer. */
        out = (n->next == &f->pipes.head) ? m : nki_msg_dup(m);
        if (out == m) {
            m = NULL;
        }
        if (out != NULL) {
            nki_pipe_send_lossy(fp->p, out, (size_t) f->limit, later);
        }
    }
    nk_msg_free(m);
}

int nki_fan_get_limit(nki_fan *f, int64_t *v)
{
    *v = f->limit;
    return 0;
}

int nki_fan_set_limit(nki_fan *f, int64_t v)
{
    if (v < 1 || v > NKI_OPT_BUF_MAX) { /* as NNG 1.11 */
        return NK_EINVAL;
    }
    f->limit = v;
    return 0;
}

/* ---- option rows ---- */

#define QUEUE(obj, o, T) ((T *) ((char *) (obj) + (o)->arg))

int nki_lb_opt_get(void *obj, const nki_option *o, nki_optval *v)
{
    return nki_lb_get_buffer(QUEUE(obj, o, nki_lb), &v->i);
}

int nki_lb_opt_set(void *obj, const nki_option *o, const nki_optval *v)
{
    return nki_lb_set_buffer(QUEUE(obj, o, nki_lb), v->i);
}

int nki_rq_opt_get(void *obj, const nki_option *o, nki_optval *v)
{
    v->i = (int64_t) QUEUE(obj, o, nki_rq)->cap;
    return 0;
}

int nki_rq_opt_set(void *obj, const nki_option *o, const nki_optval *v)
{
    return nki_rq_set_cap(QUEUE(obj, o, nki_rq), v->i);
}

int nki_fan_opt_get(void *obj, const nki_option *o, nki_optval *v)
{
    return nki_fan_get_limit(QUEUE(obj, o, nki_fan), &v->i);
}

int nki_fan_opt_set(void *obj, const nki_option *o, const nki_optval *v)
{
    return nki_fan_set_limit(QUEUE(obj, o, nki_fan), v->i);
}
