/*
 * REP0 (0x31): a request's backtrace is every 32-bit word up to and
 * including the first with the top bit set.  More than ttl-max words: the
 * request is dropped; no end word: the pipe is closed.  The reply carries the
 * saved backtrace verbatim and goes back to the pipe the request came from;
 * if that pipe is gone the reply is discarded and the send still succeeds.
 * Each pipe holds at most one unread request (the pipe pauses meanwhile), so
 * requests are fair-queued across pipes and back-pressure reaches the peers.
 */
#include <stdlib.h>
#include <string.h>

#include "proto.h"

typedef struct rep0_sock rep0_sock;
typedef struct rep0_pipe rep0_pipe;

typedef struct {
    rep0_sock *rs;
    nk_aio *raio;
    bool has_req;
    uint32_t pipe_id;
    uint8_t bt[NKI_MSG_HDR_MAX];
    size_t btlen;
    nki_node recv_node; /* in rs->recvwait while raio is parked */
} rep0_ctx;

struct rep0_sock {
    nki_sock *s;
    rep0_ctx master;
    nki_list recvwait; /* contexts waiting for a request */
    nki_list pending;  /* pipes holding an unread request */
    int64_t ttl;
};

struct rep0_pipe {
    nki_pipe *p;
    rep0_sock *rs;
    nk_msg *held;
    nki_node pending_node;
    nki_list sendwait; /* reply aios waiting for this pipe */
};

static int rep0_ctx_init(void *arg, void *sarg)
{
    rep0_ctx *c = arg;
    memset(c, 0, sizeof(*c));
    c->rs = sarg;
    return 0;
}

static void rep0_ctx_fini(void *arg)
{
    rep0_ctx *c = arg;
    if (c->raio) {
        nki_node_remove(&c->recv_node);
        nki_aio_finish(c->raio, NK_ECLOSED);
        c->raio = NULL;
    }
}

static int rep0_sock_init(void *arg, nki_sock *s)
{
    rep0_sock *rs = arg;
    rs->s = s;
    rs->ttl = 8;
    nki_list_init(&rs->recvwait);
    nki_list_init(&rs->pending);
    return rep0_ctx_init(&rs->master, rs);
}

static void rep0_sock_close(void *arg)
{
    rep0_ctx_fini(&((rep0_sock *) arg)->master);
}

static void rep0_sock_fini(void *arg)
{
    (void) arg;
}

/* Give request m (backtrace already in its header) to context c. */
static void rep0_ctx_deliver(rep0_ctx *c, nk_msg *m)
{
    nk_aio *a = c->raio;
    c->raio = NULL;
    nki_node_remove(&c->recv_node);
    memcpy(c->bt, m->hdr, m->hlen);
    c->btlen = m->hlen;
    c->pipe_id = m->pipe;
    c->has_req = true;
    m->hlen = 0;
    a->msg = m;
    nki_aio_finish(a, 0);
}

static void rep0_recv_cancel(nk_aio *a, void *arg, int err)
{
    rep0_ctx *c = arg;
    if (c->raio == a) {
        c->raio = NULL;
        nki_node_remove(&c->recv_node);
    }
    nki_aio_finish(a, err);
}

static void rep0_ctx_recv(void *arg, nk_aio *a)
{
    rep0_ctx *c = arg;
    rep0_sock *rs = c->rs;
    nki_node *n;
    if (c->raio != NULL) {
        nki_aio_finish(a, NK_EBUSY);
        return;
    }
    c->has_req = false; /* a new receive forgets an unanswered request */
    if ((n = nki_list_pop(&rs->pending)) != NULL) {
        rep0_pipe *rp = NKI_CONTAINER(n, rep0_pipe, pending_node);
        nk_msg *m = rp->held;
        rp->held = NULL;
        nki_pipe_resume(rp->p);
        c->raio = a;
        rep0_ctx_deliver(c, m);
        return;
    }
    if (nki_aio_park(a, rep0_recv_cancel, c)) {
        c->raio = a;
        nki_list_append(&rs->recvwait, &c->recv_node);
    }
}

static void rep0_ctx_send(void *arg, nk_aio *a)
{
    rep0_ctx *c = arg;
    rep0_sock *rs = c->rs;
    nki_pipe *p;
    nk_msg *m = a->msg;
    if (!c->has_req) {
        nki_aio_finish(a, NK_ESTATE);
        return;
    }
    c->has_req = false;
    p = nki_pipe_find(c->pipe_id);
    if (p == NULL || p->sock != rs->s || !p->attached || p->closed) {
        nk_msg_free(m); /* the requester is gone: discard, report success */
        a->msg = NULL;
        nki_aio_finish(a, 0);
        return;
    }
    m->hlen = 0;
    nk_msg_header_append(m, c->bt, c->btlen);
    if (!nki_pipe_busy(p)) {
        a->msg = NULL;
        nki_pipe_send(p, m);
        nki_aio_finish(a, 0);
        return;
    }
    /* The pipe is busy: the reply waits for it (as NNG does). */
    if (!nki_aio_wait_on(a, &((rep0_pipe *) p->pdata)->sendwait)) {
        m->hlen = 0;
    }
}

static void rep0_sock_send(void *arg, nk_aio *a)
{
    rep0_ctx_send(&((rep0_sock *) arg)->master, a);
}

static void rep0_sock_recv(void *arg, nk_aio *a)
{
    rep0_ctx_recv(&((rep0_sock *) arg)->master, a);
}

static int rep0_pipe_init(void *arg, nki_pipe *p, void *sarg)
{
    rep0_pipe *rp = arg;
    rp->p = p;
    rp->rs = sarg;
    nki_list_init(&rp->sendwait);
    return 0;
}

static int rep0_pipe_start(void *arg)
{
    (void) arg;
    return 0;
}

static void rep0_pipe_stop(void *arg)
{
    rep0_pipe *rp = arg;
    nk_aio *a;
    nki_node_remove(&rp->pending_node);
    nk_msg_free(rp->held);
    rp->held = NULL;
    while ((a = nki_aio_list_pop(&rp->sendwait)) != NULL) {
        nk_msg_free(a->msg); /* nobody to reply to: discarded */
        a->msg = NULL;
        nki_aio_finish(a, 0);
    }
}

static void rep0_pipe_fini(void *arg)
{
    (void) arg;
}

static int rep0_pipe_recv(void *arg, nk_msg *m)
{
    rep0_pipe *rp = arg;
    rep0_sock *rs = rp->rs;
    size_t off = 0;
    int hops = 0;
    nki_node *n;
    for (;;) {
        if (off + 4 > m->len) {
            nk_msg_free(m);
            return NK_EPROTO; /* no end word: malformed */
        }
        hops++;
        off += 4;
        if (m->body[off - 4] & 0x80) {
            break;
        }
    }
    if (hops > rs->ttl || off > NKI_MSG_HDR_MAX) {
        nk_msg_free(m); /* too many hops: dropped, pipe kept */
        return 0;
    }
    nki_msg_body_to_header(m, off);
    if ((n = nki_list_first(&rs->recvwait)) != NULL) {
        rep0_ctx_deliver(NKI_CONTAINER(n, rep0_ctx, recv_node), m);
        return 0;
    }
    rp->held = m;
    nki_list_append(&rs->pending, &rp->pending_node);
    nki_pipe_pause(rp->p);
    return 0;
}

static void rep0_pipe_writable(void *arg)
{
    rep0_pipe *rp = arg;
    nk_aio *a;
    while (!nki_pipe_busy(rp->p) && (a = nki_aio_list_pop(&rp->sendwait)) != NULL) {
        nk_msg *m = a->msg;
        a->msg = NULL;
        nki_pipe_send(rp->p, m);
        nki_aio_finish(a, 0);
    }
}

static int rep0_get_ttl(void *arg, int64_t *v)
{
    *v = ((rep0_sock *) arg)->ttl;
    return 0;
}

static int rep0_set_ttl(void *arg, int64_t v)
{
    if (v < 1 || v > 15) {
        return NK_EINVAL;
    }
    ((rep0_sock *) arg)->ttl = v;
    return 0;
}

static const nki_option rep0_sock_opts[] = {
    {"ttl-max", rep0_get_ttl, rep0_set_ttl},
    {NULL, NULL, NULL},
};

const nki_proto nki_rep0_proto = {
    .self = NK_PROTO_REP0,
    .peer = NK_PROTO_REQ0,
    .self_name = "rep",
    .peer_name = "req",
    .sock_size = sizeof(rep0_sock),
    .pipe_size = sizeof(rep0_pipe),
    .ctx_size = sizeof(rep0_ctx),
    .sock_init = rep0_sock_init,
    .sock_close = rep0_sock_close,
    .sock_fini = rep0_sock_fini,
    .sock_send = rep0_sock_send,
    .sock_recv = rep0_sock_recv,
    .pipe_init = rep0_pipe_init,
    .pipe_start = rep0_pipe_start,
    .pipe_stop = rep0_pipe_stop,
    .pipe_fini = rep0_pipe_fini,
    .pipe_recv = rep0_pipe_recv,
    .pipe_writable = rep0_pipe_writable,
    .ctx_init = rep0_ctx_init,
    .ctx_fini = rep0_ctx_fini,
    .ctx_send = rep0_ctx_send,
    .ctx_recv = rep0_ctx_recv,
    .sock_opts = rep0_sock_opts,
};
