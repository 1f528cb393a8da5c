/*
 * PAIR1 (0x11): every message carries a 4-byte big-endian hop count, in
 * cooked mode too.  A cooked sender puts 1 on the wire; a raw sender's
 * header is forwarded with the count incremented (refused at 0xff).  On
 * receive: under 4 bytes or a count over 0xff closes the pipe; a count over
 * ttl-max drops the message; otherwise cooked strips the count and raw keeps
 * it in the header.
 *
 * Monogamous by default: a second peer is closed after the handshake, send
 * waits for the peer, receive holds one message per pipe.  Polyamorous
 * (pair1:polyamorous, set before connecting): any number of peers, a
 * received message names its pipe, and a sent message goes to the pipe it
 * names (dropped if that pipe is gone or already has 2 waiting) or, naming
 * none, to the next ready peer.
 */
#include "protoq.h"
#include "wire.h"

typedef struct {
    nki_sock *s;
    nki_lb lb;
    nki_fq fq;
    int npipes;
    bool poly;
    int64_t ttl;
    int64_t recv_buf; /* recv-buffer: kept for pynng, 0 as in NNG 1.5 */
} pair1_sock;

typedef struct {
    pair1_sock *ps;
    nki_lb_pipe lp;
    nki_fq_pipe fp;
} pair1_pipe;

static int pair1_sock_init(void *arg, nki_sock *s)
{
    pair1_sock *ps = arg;
    ps->s = s;
    ps->ttl = NKI_TTL_DEFAULT;
    nki_lb_init(&ps->lb);
    nki_fq_init(&ps->fq);
    return 0;
}

static void pair1_sock_close(void *arg)
{
    pair1_sock *ps = arg;
    nki_lb_close(&ps->lb);
    nki_fq_close(&ps->fq);
}

static void pair1_sock_send(void *arg, nk_aio *a)
{
    pair1_sock *ps = arg;
    nk_msg *m = a->msg;
    uint32_t hops = 0;
    if (ps->s->raw) {
        if (m->hlen != 4 || (hops = nki_get_u32(m->hdr)) >= 0xff) {
            nki_aio_finish(a, NK_EPROTO);
            return;
        }
    }
    m->hlen = 0;
    nki_msg_header_put_u32(m, hops + 1);
    if (ps->poly && m->pipe != 0) {
        nki_pipe *p = nki_pipe_find(m->pipe);
        a->msg = NULL;
        if (p == NULL || p->sock != ps->s || !p->attached || p->closed || p->sendq.len >= 2) {
            nki_stat_drop(ps->s, p == NULL || p->sock != ps->s ? NKI_DROP_NO_PIPE : NKI_DROP_SEND_FULL);
            nk_msg_free(m); /* gone or full: dropped, as NNG does */
        } else {
            nki_pipe_send(p, m);
        }
        nki_aio_finish(a, 0);
        return;
    }
    if (ps->poly && nki_list_empty(&ps->lb.ready)) {
        nki_stat_drop(ps->s, NKI_DROP_SEND_FULL);
        nk_msg_free(m); /* polyamorous never blocks: no free peer, dropped */
        a->msg = NULL;
        nki_aio_finish(a, 0);
        return;
    }
    nki_lb_send(&ps->lb, a);
    if (a->busy == false && a->msg != NULL) {
        a->msg->hlen = 0; /* not sent: give the caller its message back */
    }
}

static void pair1_sock_recv(void *arg, nk_aio *a)
{
    nki_fq_recv(&((pair1_sock *) arg)->fq, a);
}

static int pair1_pipe_init(void *arg, nki_pipe *p, void *sarg)
{
    pair1_pipe *pp = arg;
    pp->ps = sarg;
    nki_lb_pipe_init(&pp->lp, p);
    nki_fq_pipe_init(&pp->fp, p);
    return 0;
}

static int pair1_pipe_start(void *arg)
{
    pair1_pipe *pp = arg;
    if (!pp->ps->poly && pp->ps->npipes > 0) {
        return NK_EBUSY;
    }
    pp->ps->npipes++;
    nki_lb_pipe_ready(&pp->ps->lb, &pp->lp);
    return 0;
}

static void pair1_pipe_stop(void *arg)
{
    pair1_pipe *pp = arg;
    if (nki_node_linked(&pp->lp.node) || pp->lp.p->attached) {
        pp->ps->npipes--;
    }
    nki_lb_pipe_stop(&pp->ps->lb, &pp->lp);
    nki_fq_pipe_stop(&pp->ps->fq, &pp->fp);
}

static int pair1_pipe_recv(void *arg, nk_msg *m)
{
    pair1_pipe *pp = arg;
    uint32_t hops;
    int rv = nki_wire_pair1_hops(m->body, m->len, (int) pp->ps->ttl, &hops);
    if (rv != 0) {
        if (rv != NK_EPROTO) {
            nki_stat_drop(pp->ps->s, NKI_DROP_TTL);
        }
        nk_msg_free(m);
        return rv == NK_EPROTO ? NK_EPROTO : 0; /* close, or drop */
    }
    nki_msg_body_to_header(m, 4);
    if (!pp->ps->s->raw) {
        m->hlen = 0;
    }
    nki_fq_put(&pp->ps->fq, &pp->fp, m);
    return 0;
}

static void pair1_pipe_writable(void *arg)
{
    pair1_pipe *pp = arg;
    nki_lb_pipe_ready(&pp->ps->lb, &pp->lp);
}

static int pair1_set_poly(void *arg, const nki_option *o, const nki_optval *v)
{
    pair1_sock *ps = arg;
    if (ps->npipes > 0) {
        return NK_ESTATE; /* only before the first peer */
    }
    return nki_opt_set_bool(ps, o, v);
}

static const nki_option pair1_opts[] = {
    NKI_LB_OPT("send-buffer", pair1_sock, lb),
    NKI_OPT_ROW_I64("recv-buffer", NKI_OPT_INT, 0, NKI_OPT_BUF_MAX, pair1_sock, recv_buf),
    {"pair1:polyamorous", NKI_OPT_BOOL, 0, 1, nki_opt_get_bool, pair1_set_poly,
     NKI_OPT_FIELD(pair1_sock, poly, sizeof(bool))},
    NKI_OPT_TTL(pair1_sock, ttl),
    NKI_OPT_END,
};

static unsigned pair1_ready(void *arg)
{
    pair1_sock *ps = arg;
    return (nki_fq_ready(&ps->fq) ? NKI_READY_RECV : 0) | (nki_lb_ready(&ps->lb) ? NKI_READY_SEND : 0);
}

#define PAIR1_TABLE(is_raw)                                                                    \
    {                                                                                          \
        .self = NK_PROTO_PAIR1, .peer = NK_PROTO_PAIR1, .raw = is_raw, .self_name = "pair1",   \
        .peer_name = "pair1", .sock_size = sizeof(pair1_sock),                                 \
        .pipe_size = sizeof(pair1_pipe), .sock_init = pair1_sock_init,                         \
        .sock_close = pair1_sock_close,                                                        \
        .sock_send = pair1_sock_send, .sock_recv = pair1_sock_recv,                            \
        .pipe_init = pair1_pipe_init, .pipe_start = pair1_pipe_start,                          \
        .pipe_stop = pair1_pipe_stop,                                                          \
        .pipe_recv = pair1_pipe_recv, .pipe_writable = pair1_pipe_writable,                    \
        .sock_opts = pair1_opts, .ready_kinds = NKI_READY_RECV | NKI_READY_SEND, .sock_ready = pair1_ready, \
    }

static const nki_proto nki_pair1_proto = PAIR1_TABLE(false);
static const nki_proto nki_pair1_raw_proto = PAIR1_TABLE(true);

NKI_PROTO_REGISTER(nki_pair1_proto)
NKI_PROTO_REGISTER(nki_pair1_raw_proto)
