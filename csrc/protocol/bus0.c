/*
 * BUS0 (0x70): a send goes to every connected peer and never blocks (each
 * pipe queues up to send-buffer messages, then the oldest waiting one is
 * dropped); received messages are never forwarded.  The receive queue holds
 * recv-buffer messages and drops the oldest.  Raw mode has no wire header
 * either: a received message's header is the 4-byte id of its pipe, and a
 * header on a sent message names a pipe to skip (so a device can echo to all
 * but the sender).
 */
#include "protoq.h"

typedef struct {
    nki_sock *s;
    nki_fan fan;
    nki_rq rq;
} bus0_sock;

typedef struct {
    bus0_sock *bs;
    nki_pipe *p;
    nki_fan_pipe fp;
} bus0_pipe;

static int bus0_sock_init(void *arg, nki_sock *s)
{
    bus0_sock *bs = arg;
    bs->s = s;
    nki_fan_init(&bs->fan, 16);
    nki_rq_init(&bs->rq, 16);
    return 0;
}

static void bus0_sock_close(void *arg)
{
    nki_rq_close(&((bus0_sock *) arg)->rq);
}

static void bus0_sock_send(void *arg, nk_aio *a)
{
    bus0_sock *bs = arg;
    nk_msg *m = a->msg;
    uint32_t skip = 0;
    if (bs->s->raw && m->hlen >= 4) {
        skip = nki_get_u32(m->hdr);
    }
    m->hlen = 0;
    a->msg = NULL;
    nki_fan_send(&bs->fan, m, skip);
    nki_aio_finish(a, 0);
}

static void bus0_sock_recv(void *arg, nk_aio *a)
{
    nki_rq_recv(&((bus0_sock *) arg)->rq, a);
}

static int bus0_pipe_init(void *arg, nki_pipe *p, void *sarg)
{
    bus0_pipe *bp = arg;
    bp->bs = sarg;
    bp->p = p;
    return 0;
}

static int bus0_pipe_start(void *arg)
{
    bus0_pipe *bp = arg;
    nki_fan_add(&bp->bs->fan, &bp->fp, bp->p);
    return 0;
}

static void bus0_pipe_stop(void *arg)
{
    nki_fan_remove(&((bus0_pipe *) arg)->fp);
}

static int bus0_pipe_recv(void *arg, nk_msg *m)
{
    bus0_pipe *bp = arg;
    if (bp->bs->s->raw) {
        nki_msg_header_put_u32(m, bp->p->id);
    }
    nki_rq_put(&bp->bs->rq, m);
    return 0;
}

static const nki_option bus0_opts[] = {
    NKI_FAN_OPT("send-buffer", bus0_sock, fan),
    NKI_RQ_OPT("recv-buffer", bus0_sock, rq),
    NKI_OPT_END,
};

/* BUS sends never wait (a slow peer loses messages instead). */
static unsigned bus0_ready(void *arg)
{
    return NKI_READY_SEND | (nki_rq_ready(&((bus0_sock *) arg)->rq) ? NKI_READY_RECV : 0);
}

#define BUS0_TABLE(is_raw)                                                                     \
    {                                                                                          \
        .self = NK_PROTO_BUS0, .peer = NK_PROTO_BUS0, .raw = is_raw, .self_name = "bus",       \
        .peer_name = "bus", .sock_size = sizeof(bus0_sock), .pipe_size = sizeof(bus0_pipe),    \
        .sock_init = bus0_sock_init, .sock_close = bus0_sock_close,                            \
        .sock_send = bus0_sock_send, .sock_recv = bus0_sock_recv,                              \
        .pipe_init = bus0_pipe_init, .pipe_start = bus0_pipe_start,                            \
        .pipe_stop = bus0_pipe_stop,                                                           \
        .pipe_recv = bus0_pipe_recv, .sock_opts = bus0_opts,                                   \
        .ready_kinds = NKI_READY_RECV | NKI_READY_SEND, .sock_ready = bus0_ready,                        \
    }

static const nki_proto nki_bus0_proto = BUS0_TABLE(false);
static const nki_proto nki_bus0_raw_proto = BUS0_TABLE(true);

NKI_PROTO_REGISTER(nki_bus0_proto)
NKI_PROTO_REGISTER(nki_bus0_raw_proto)
