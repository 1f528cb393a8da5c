/*
 * REQ0 (0x30): requests carry a 32-bit id with the top bit set, allocated
 * per socket from a random start.  Each context has at most one request
 * outstanding; a new request abandons the old one.  A request goes to the
 * first ready pipe (pipes rotate), is re-sent after resend-time without a
 * reply, and is re-sent at once when the pipe carrying it closes.  Replies
 * with unknown ids are dropped; replies shorter than 4 bytes close the pipe.
 * Raw mode sends the application's header as is to the next ready pipe and
 * hands replies over with their backtrace in the header.
 */
#include <stdlib.h>
#include <string.h>

#include "protoq.h"
#include "wire.h"

typedef struct req0_sock req0_sock;
typedef struct req0_pipe req0_pipe;

typedef struct {
    req0_sock *rs;
    uint32_t reqid;     /* 0: no request outstanding */
    nk_msg *req;        /* the request as sent (id in the header) */
    nk_msg *reply;      /* a reply that arrived before recv */
    bool answered;
    nk_aio *saio, *raio;
    req0_pipe *pipe;    /* the pipe that carries the request */
    nki_node pipe_node; /* in pipe->ctxs */
    nki_node wait_node; /* in rs->sendwait */
    nki_timer resend;
    int32_t resend_time;
} req0_ctx;

struct req0_sock {
    nki_sock *s;
    req0_ctx master;
    nki_idmap ids;
    nki_list ready;    /* pipes able to take a request now */
    nki_list sendwait; /* contexts whose request waits for a pipe */
    int32_t resend_time;
    int64_t ttl;
};

struct req0_pipe {
    nki_pipe *p;
    req0_sock *rs;
    nki_node ready_node;
    nki_list ctxs;
};

static void req0_ctx_resend_cb(nki_timer *t);
static void req0_pump(req0_sock *rs);

static int req0_ctx_init(void *arg, void *sarg)
{
    req0_ctx *c = arg;
    req0_sock *rs = sarg;
    memset(c, 0, sizeof(*c));
    c->rs = rs;
    c->resend_time = rs->resend_time;
    nki_timer_init(&c->resend, req0_ctx_resend_cb, c);
    return 0;
}

/* Forget the outstanding request (and any reply to it). */
static void req0_ctx_drop_request(req0_ctx *c)
{
    if (c->reqid) {
        nki_idmap_del(&c->rs->ids, c->reqid);
        c->reqid = 0;
    }
    nki_timer_cancel(&c->resend);
    nki_node_remove(&c->pipe_node);
    nki_node_remove(&c->wait_node);
    c->pipe = NULL;
    nk_msg_free(c->req);
    c->req = NULL;
    nk_msg_free(c->reply);
    c->reply = NULL;
    c->answered = false;
}

static void req0_ctx_fini(void *arg)
{
    req0_ctx *c = arg;
    if (c->saio) {
        nki_aio_finish(c->saio, NK_ECLOSED);
        c->saio = NULL;
    }
    if (c->raio) {
        nki_aio_finish(c->raio, NK_ECLOSED);
        c->raio = NULL;
    }
    req0_ctx_drop_request(c);
}

static int req0_sock_init(void *arg, nki_sock *s)
{
    req0_sock *rs = arg;
    rs->s = s;
    rs->resend_time = 60000;
    rs->ttl = NKI_TTL_DEFAULT;
    nki_idmap_init(&rs->ids, 0x80000000u, 0xffffffffu, true);
    nki_list_init(&rs->ready);
    nki_list_init(&rs->sendwait);
    return req0_ctx_init(&rs->master, rs);
}

static void req0_sock_close(void *arg)
{
    req0_sock *rs = arg;
    req0_ctx_fini(&rs->master);
}

static void req0_sock_fini(void *arg)
{
    req0_sock *rs = arg;
    free(rs->ids.keys);
    free(rs->ids.vals);
}

/* Hand the context's request to pipe rp (which must be ready). */
static void req0_send_on(req0_ctx *c, req0_pipe *rp)
{
    nk_msg *dup = nki_msg_dup(c->req);
    if (dup == NULL) {
        return; /* stays queued; the resend timer retries */
    }
    nki_node_remove(&c->wait_node);
    c->pipe = rp;
    nki_list_append(&rp->ctxs, &c->pipe_node);
    nki_node_remove(&rp->ready_node);
    nki_pipe_send(rp->p, dup);
    if (!nki_pipe_busy(rp->p)) {
        nki_list_append(&c->rs->ready, &rp->ready_node); /* rotate */
    }
    if (c->resend_time > 0) {
        nki_timer_schedule(&c->resend, nki_clock() + c->resend_time);
    }
    if (c->saio) {
        nki_aio_finish(c->saio, 0);
        c->saio = NULL;
    }
}

static void req0_pump(req0_sock *rs)
{
    nki_node *wn, *pn;
    while ((wn = nki_list_first(&rs->sendwait)) != NULL &&
           (pn = nki_list_first(&rs->ready)) != NULL) {
        req0_send_on(NKI_CONTAINER(wn, req0_ctx, wait_node),
                     NKI_CONTAINER(pn, req0_pipe, ready_node));
    }
}

static void req0_ctx_resend_cb(nki_timer *t)
{
    req0_ctx *c = t->arg;
    if (c->reqid == 0 || c->answered) {
        return;
    }
    nki_node_remove(&c->pipe_node);
    c->pipe = NULL;
    if (!nki_node_linked(&c->wait_node)) {
        nki_list_append(&c->rs->sendwait, &c->wait_node);
    }
    req0_pump(c->rs);
    nki_sock_ready_changed(c->rs->s); /* the resend may have taken a ready pipe */
}

static void req0_send_cancel(nk_aio *a, void *arg, int err)
{
    req0_ctx *c = arg;
    /* The request never left: give the body back to the caller. */
    if (c->saio == a) {
        c->saio = NULL;
        a->msg = c->req;
        c->req = NULL;
        if (a->msg) {
            a->msg->hlen = 0;
        }
        req0_ctx_drop_request(c);
    }
    nki_aio_finish(a, err);
}

static void req0_ctx_send(void *arg, nk_aio *a)
{
    req0_ctx *c = arg;
    req0_sock *rs = c->rs;
    nk_msg *m = a->msg;
    uint32_t id;
    int rv;
    /* A new request abandons the previous one. */
    if (c->saio) {
        nk_aio *old = c->saio;
        c->saio = NULL;
        nki_aio_finish(old, NK_ECANCELED);
    }
    if (c->raio) {
        nk_aio *old = c->raio;
        c->raio = NULL;
        nki_aio_finish(old, NK_ECANCELED);
    }
    req0_ctx_drop_request(c);
    if ((rv = nki_idmap_alloc(&rs->ids, c, &id)) != 0) {
        nki_aio_finish(a, rv);
        return;
    }
    m->hlen = 0;
    nki_msg_header_put_u32(m, id);
    a->msg = NULL;
    c->reqid = id;
    c->req = m;
    c->saio = a;
    nki_list_append(&rs->sendwait, &c->wait_node);
    req0_pump(rs);
    if (c->saio == a && !nki_aio_park(a, req0_send_cancel, c)) {
        /* Finished with EAGAIN/ETIMEDOUT: undo, keeping the message. */
        c->saio = NULL;
        a->msg = c->req;
        c->req = NULL;
        a->msg->hlen = 0;
        req0_ctx_drop_request(c);
    }
}

static void req0_recv_cancel(nk_aio *a, void *arg, int err)
{
    req0_ctx *c = arg;
    if (c->raio == a) {
        c->raio = NULL;
        /* As in NNG, giving up on the reply abandons the request. */
        req0_ctx_drop_request(c);
    }
    nki_aio_finish(a, err);
}

static void req0_ctx_recv(void *arg, nk_aio *a)
{
    req0_ctx *c = arg;
    if (c->reqid == 0 && c->reply == NULL) {
        nki_aio_finish(a, NK_ESTATE);
        return;
    }
    if (c->raio != NULL) {
        nki_aio_finish(a, NK_EBUSY);
        return;
    }
    if (c->reply) {
        a->msg = c->reply;
        c->reply = NULL;
        req0_ctx_drop_request(c);
        nki_aio_finish(a, 0);
        return;
    }
    c->raio = a;
    if (!nki_aio_park(a, req0_recv_cancel, c)) {
        c->raio = NULL;
        if (a->result == NK_ETIMEDOUT) {
            req0_ctx_drop_request(c);
        }
    }
}

static void req0_sock_send(void *arg, nk_aio *a)
{
    req0_ctx_send(&((req0_sock *) arg)->master, a);
}

static void req0_sock_recv(void *arg, nk_aio *a)
{
    req0_ctx_recv(&((req0_sock *) arg)->master, a);
}

static int req0_pipe_init(void *arg, nki_pipe *p, void *sarg)
{
    req0_pipe *rp = arg;
    rp->p = p;
    rp->rs = sarg;
    nki_list_init(&rp->ctxs);
    return 0;
}

static int req0_pipe_start(void *arg)
{
    req0_pipe *rp = arg;
    nki_list_append(&rp->rs->ready, &rp->ready_node);
    req0_pump(rp->rs);
    return 0;
}

static void req0_pipe_stop(void *arg)
{
    req0_pipe *rp = arg;
    nki_node *n;
    nki_node_remove(&rp->ready_node);
    /* Requests it carried go out again on the next ready pipe. */
    while ((n = nki_list_pop(&rp->ctxs)) != NULL) {
        req0_ctx *c = NKI_CONTAINER(n, req0_ctx, pipe_node);
        c->pipe = NULL;
        if (c->reqid && !c->answered && !nki_node_linked(&c->wait_node)) {
            nki_list_append(&rp->rs->sendwait, &c->wait_node);
        }
    }
    req0_pump(rp->rs);
}

static int req0_pipe_recv(void *arg, nk_msg *m)
{
    req0_pipe *rp = arg;
    req0_ctx *c;
    uint32_t id;
    if (nki_wire_id(m->body, m->len, &id) != 0) {
        nk_msg_free(m);
        return NK_EPROTO;
    }
    nki_msg_body_to_header(m, 4);
    c = (id & 0x80000000u) ? nki_idmap_get(&rp->rs->ids, id) : NULL;
    if (c == NULL || c->answered) {
        nki_stat_drop(rp->p->sock, NKI_DROP_STALE);
        nk_msg_free(m); /* stale or unknown: dropped, pipe kept */
        return 0;
    }
    nki_idmap_del(&rp->rs->ids, id);
    c->reqid = 0;
    c->answered = true;
    nki_timer_cancel(&c->resend);
    nki_node_remove(&c->pipe_node);
    nki_node_remove(&c->wait_node);
    c->pipe = NULL;
    if (c->raio) {
        nk_aio *a = c->raio;
        c->raio = NULL;
        a->msg = m;
        req0_ctx_drop_request(c);
        nki_aio_finish(a, 0);
    } else {
        c->reply = m;
    }
    return 0;
}

static void req0_pipe_writable(void *arg)
{
    req0_pipe *rp = arg;
    if (!nki_node_linked(&rp->ready_node)) {
        nki_list_append(&rp->rs->ready, &rp->ready_node);
    }
    req0_pump(rp->rs);
}

/* ---- options ---- */

/* The socket's resend time is also its master context's. */
static int req0_sock_set_resend(void *arg, const nki_option *o, const nki_optval *v)
{
    req0_sock *rs = arg;
    (void) o;
    rs->resend_time = rs->master.resend_time = (int32_t) v->i;
    return 0;
}

static const nki_option req0_sock_opts[] = {
    {"req:resend-time", NKI_OPT_MS, 0, 0, nki_opt_get_i32, req0_sock_set_resend,
     NKI_OPT_FIELD(req0_sock, resend_time, 4)},
    NKI_OPT_TTL(req0_sock, ttl),
    NKI_OPT_END,
};

static const nki_option req0_ctx_opts[] = {
    NKI_OPT_ROW_MS("req:resend-time", req0_ctx, resend_time),
    NKI_OPT_END,
};

/* ---- raw ---- */

typedef struct {
    nki_lb lb;
    nki_fq fq;
} req0_raw_sock;

typedef struct {
    req0_raw_sock *rs;
    nki_lb_pipe lp;
    nki_fq_pipe fp;
} req0_raw_pipe;

static int req0_raw_sock_init(void *arg, nki_sock *s)
{
    req0_raw_sock *rs = arg;
    (void) s;
    nki_lb_init(&rs->lb);
    nki_fq_init(&rs->fq);
    return 0;
}

static void req0_raw_sock_close(void *arg)
{
    req0_raw_sock *rs = arg;
    nki_lb_close(&rs->lb);
    nki_fq_close(&rs->fq);
}

static void req0_raw_send(void *arg, nk_aio *a)
{
    nki_lb_send(&((req0_raw_sock *) arg)->lb, a);
}

static void req0_raw_recv(void *arg, nk_aio *a)
{
    nki_fq_recv(&((req0_raw_sock *) arg)->fq, a);
}

static int req0_raw_pipe_init(void *arg, nki_pipe *p, void *sarg)
{
    req0_raw_pipe *rp = arg;
    rp->rs = sarg;
    nki_lb_pipe_init(&rp->lp, p);
    nki_fq_pipe_init(&rp->fp, p);
    return 0;
}

static int req0_raw_pipe_start(void *arg)
{
    req0_raw_pipe *rp = arg;
    nki_lb_pipe_ready(&rp->rs->lb, &rp->lp);
    return 0;
}

static void req0_raw_pipe_stop(void *arg)
{
    req0_raw_pipe *rp = arg;
    nki_lb_pipe_stop(&rp->rs->lb, &rp->lp);
    nki_fq_pipe_stop(&rp->rs->fq, &rp->fp);
}

static int req0_raw_pipe_recv(void *arg, nk_msg *m)
{
    req0_raw_pipe *rp = arg;
    int rv = nki_bt_parse(m, 15);
    if (rv != 0) {
        nk_msg_free(m);
        return rv == NK_EPROTO ? NK_EPROTO : 0;
    }
    nki_fq_put(&rp->rs->fq, &rp->fp, m);
    return 0;
}

static void req0_raw_pipe_writable(void *arg)
{
    req0_raw_pipe *rp = arg;
    nki_lb_pipe_ready(&rp->rs->lb, &rp->lp);
}

static unsigned req0_raw_ready(void *arg)
{
    req0_raw_sock *rs = arg;
    return (nki_fq_ready(&rs->fq) ? NKI_READY_RECV : 0) | (nki_lb_ready(&rs->lb) ? NKI_READY_SEND : 0);
}

/* A request goes out at once while a pipe is ready; the socket's own
 * request has its reply waiting. */
static unsigned req0_ready(void *arg)
{
    req0_sock *rs = arg;
    return (rs->master.reply != NULL ? NKI_READY_RECV : 0) |
           (!nki_list_empty(&rs->ready) ? NKI_READY_SEND : 0);
}

static const nki_proto nki_req0_raw_proto = {
    .self = NK_PROTO_REQ0,
    .peer = NK_PROTO_REP0,
    .raw = true,
    .self_name = "req",
    .peer_name = "rep",
    .sock_size = sizeof(req0_raw_sock),
    .pipe_size = sizeof(req0_raw_pipe),
    .sock_init = req0_raw_sock_init,
    .sock_close = req0_raw_sock_close,
    .sock_send = req0_raw_send,
    .sock_recv = req0_raw_recv,
    .pipe_init = req0_raw_pipe_init,
    .pipe_start = req0_raw_pipe_start,
    .pipe_stop = req0_raw_pipe_stop,
    .pipe_recv = req0_raw_pipe_recv,
    .pipe_writable = req0_raw_pipe_writable,
    .ready_kinds = NKI_READY_RECV | NKI_READY_SEND,
    .sock_ready = req0_raw_ready,
};

static const nki_proto nki_req0_proto = {
    .self = NK_PROTO_REQ0,
    .peer = NK_PROTO_REP0,
    .self_name = "req",
    .peer_name = "rep",
    .sock_size = sizeof(req0_sock),
    .pipe_size = sizeof(req0_pipe),
    .ctx_size = sizeof(req0_ctx),
    .sock_init = req0_sock_init,
    .sock_close = req0_sock_close,
    .sock_fini = req0_sock_fini,
    .sock_send = req0_sock_send,
    .sock_recv = req0_sock_recv,
    .pipe_init = req0_pipe_init,
    .pipe_start = req0_pipe_start,
    .pipe_stop = req0_pipe_stop,
    .pipe_recv = req0_pipe_recv,
    .pipe_writable = req0_pipe_writable,
    .ctx_init = req0_ctx_init,
    .ctx_fini = req0_ctx_fini,
    .ctx_send = req0_ctx_send,
    .ctx_recv = req0_ctx_recv,
    .sock_opts = req0_sock_opts,
    .ctx_opts = req0_ctx_opts,
    .ready_kinds = NKI_READY_RECV | NKI_READY_SEND,
    .sock_ready = req0_ready,
};

NKI_PROTO_REGISTER(nki_req0_raw_proto)
NKI_PROTO_REGISTER(nki_req0_proto)
