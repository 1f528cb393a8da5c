/*
 * PAIR0 (0x10): one peer at a time, no header, so raw and cooked are the
 * same.  A second peer completes the handshake and is then closed.  Send
 * waits while there is no peer or its pipe is busy; receive holds one
 * message on the pipe, so back-pressure reaches the sender.
 */
#include "protoq.h"

typedef struct {
    nki_lb lb;
    nki_fq fq;
    bool has_peer;
    int64_t recv_buf; /* recv-buffer: kept for pynng, 0 as in NNG 1.5 */
} pair0_sock;

typedef struct {
    pair0_sock *ps;
    nki_lb_pipe lp;
    nki_fq_pipe fp;
    bool active;
} pair0_pipe;

static int pair0_sock_init(void *arg, nki_sock *s)
{
    pair0_sock *ps = arg;
    (void) s;
    nki_lb_init(&ps->lb);
    nki_fq_init(&ps->fq);
    return 0;
}

static void pair0_sock_close(void *arg)
{
    pair0_sock *ps = arg;
    nki_lb_close(&ps->lb);
    nki_fq_close(&ps->fq);
}

static void pair0_sock_send(void *arg, nk_aio *a)
{
    nki_lb_send(&((pair0_sock *) arg)->lb, a);
}

static void pair0_sock_recv(void *arg, nk_aio *a)
{
    nki_fq_recv(&((pair0_sock *) arg)->fq, a);
}

static int pair0_pipe_init(void *arg, nki_pipe *p, void *sarg)
{
    pair0_pipe *pp = arg;
    pp->ps = sarg;
    nki_lb_pipe_init(&pp->lp, p);
    nki_fq_pipe_init(&pp->fp, p);
    return 0;
}

static int pair0_pipe_start(void *arg)
{
    pair0_pipe *pp = arg;
    if (pp->ps->has_peer) {
        return NK_EBUSY; /* monogamous: refuse the newcomer */
    }
    pp->ps->has_peer = true;
    pp->active = true;
    nki_lb_pipe_ready(&pp->ps->lb, &pp->lp);
    return 0;
}

static void pair0_pipe_stop(void *arg)
{
    pair0_pipe *pp = arg;
    if (pp->active) {
        pp->ps->has_peer = false;
        pp->active = false;
    }
    nki_lb_pipe_stop(&pp->ps->lb, &pp->lp);
    nki_fq_pipe_stop(&pp->ps->fq, &pp->fp);
}

static int pair0_pipe_recv(void *arg, nk_msg *m)
{
    pair0_pipe *pp = arg;
    nki_fq_put(&pp->ps->fq, &pp->fp, m);
    return 0;
}

static void pair0_pipe_writable(void *arg)
{
    pair0_pipe *pp = arg;
    nki_lb_pipe_ready(&pp->ps->lb, &pp->lp);
}

static unsigned pair0_ready(void *arg)
{
    pair0_sock *ps = arg;
    return (nki_fq_ready(&ps->fq) ? NKI_READY_RECV : 0) | (nki_lb_ready(&ps->lb) ? NKI_READY_SEND : 0);
}

static const nki_option pair0_opts[] = {
    NKI_LB_OPT("send-buffer", pair0_sock, lb),
    NKI_OPT_ROW_I64("recv-buffer", NKI_OPT_INT, 0, NKI_OPT_BUF_MAX, pair0_sock, recv_buf),
    NKI_OPT_END,
};

#define PAIR0_TABLE(is_raw)                                                                    \
    {                                                                                          \
        .self = NK_PROTO_PAIR0, .peer = NK_PROTO_PAIR0, .raw = is_raw, .self_name = "pair",    \
        .peer_name = "pair", .sock_size = sizeof(pair0_sock), .pipe_size = sizeof(pair0_pipe), \
        .sock_init = pair0_sock_init, .sock_close = pair0_sock_close,                          \
        .sock_send = pair0_sock_send,                                                          \
        .sock_recv = pair0_sock_recv, .pipe_init = pair0_pipe_init,                            \
        .pipe_start = pair0_pipe_start, .pipe_stop = pair0_pipe_stop,                          \
        .pipe_recv = pair0_pipe_recv,                                                          \
        .pipe_writable = pair0_pipe_writable, .sock_opts = pair0_opts,                         \
        .ready_kinds = NKI_READY_RECV | NKI_READY_SEND, .sock_ready = pair0_ready,                       \
    }

static const nki_proto nki_pair0_proto = PAIR0_TABLE(false);
static const nki_proto nki_pair0_raw_proto = PAIR0_TABLE(true);

NKI_PROTO_REGISTER(nki_pair0_proto)
NKI_PROTO_REGISTER(nki_pair0_raw_proto)
