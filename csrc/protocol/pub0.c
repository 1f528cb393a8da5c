/*
 * PUB0 (0x20): every message goes to every SUB pipe; subscriptions never
 * travel on the wire.  Send never blocks: each pipe queues up to send-buffer
 * (16) messages behind the one in flight and then drops the oldest waiting
 * one.  Anything a SUB sends is discarded.  No header: raw is the same.
 */
#include "protoq.h"

typedef struct {
    nki_fan fan;
} pub0_sock;

typedef struct {
    pub0_sock *ps;
    nki_pipe *p;
    nki_fan_pipe fp;
} pub0_pipe;

static int pub0_sock_init(void *arg, nki_sock *s)
{
    (void) s;
    nki_fan_init(&((pub0_sock *) arg)->fan, 16);
    return 0;
}

static void pub0_sock_send(void *arg, nk_aio *a)
{
    nk_msg *m = a->msg;
    a->msg = NULL;
    nki_fan_send(&((pub0_sock *) arg)->fan, m, 0);
    nki_aio_finish(a, 0);
}

static void pub0_sock_recv(void *arg, nk_aio *a)
{
    (void) arg;
    nki_aio_finish(a, NK_ENOTSUP);
}

static int pub0_pipe_init(void *arg, nki_pipe *p, void *sarg)
{
    pub0_pipe *pp = arg;
    pp->ps = sarg;
    pp->p = p;
    return 0;
}

static int pub0_pipe_start(void *arg)
{
    pub0_pipe *pp = arg;
    nki_fan_add(&pp->ps->fan, &pp->fp, pp->p);
    return 0;
}

static void pub0_pipe_stop(void *arg)
{
    nki_fan_remove(&((pub0_pipe *) arg)->fp);
}

static int pub0_pipe_recv(void *arg, nk_msg *m)
{
    (void) arg;
    nk_msg_free(m);
    return 0;
}

static const nki_option pub0_opts[] = {
    NKI_FAN_OPT("send-buffer", pub0_sock, fan),
    NKI_OPT_END,
};

/* A publisher never waits: it drops for a slow subscriber instead. */
static unsigned pub0_ready(void *arg)
{
    (void) arg;
    return NKI_READY_SEND;
}

#define PUB0_TABLE(is_raw)                                                                     \
    {                                                                                          \
        .self = NK_PROTO_PUB0, .peer = NK_PROTO_SUB0, .raw = is_raw, .self_name = "pub",       \
        .peer_name = "sub", .sock_size = sizeof(pub0_sock), .pipe_size = sizeof(pub0_pipe),    \
        .sock_init = pub0_sock_init,                                                           \
        .sock_send = pub0_sock_send, .sock_recv = pub0_sock_recv,                              \
        .pipe_init = pub0_pipe_init, .pipe_start = pub0_pipe_start,                            \
        .pipe_stop = pub0_pipe_stop,                                                           \
        .pipe_recv = pub0_pipe_recv, .sock_opts = pub0_opts,                                   \
        .ready_kinds = NKI_READY_SEND, .sock_ready = pub0_ready,                               \
    }

static const nki_proto nki_pub0_proto = PUB0_TABLE(false);
static const nki_proto nki_pub0_raw_proto = PUB0_TABLE(true);

NKI_PROTO_REGISTER(nki_pub0_proto)
NKI_PROTO_REGISTER(nki_pub0_raw_proto)
