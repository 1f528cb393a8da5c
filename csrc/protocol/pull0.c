/*
 * PULL0 (0x51): fair-queues across PUSH pipes, holding at most one message
 * per pipe until the application takes it, so TCP carries the back-pressure.
 * No header: raw is the same.
 */
#include "protoq.h"

typedef struct {
    nki_fq fq;
} pull0_sock;

typedef struct {
    pull0_sock *ps;
    nki_fq_pipe fp;
} pull0_pipe;

static int pull0_sock_init(void *arg, nki_sock *s)
{
    (void) s;
    nki_fq_init(&((pull0_sock *) arg)->fq);
    return 0;
}

static void pull0_sock_close(void *arg)
{
    nki_fq_close(&((pull0_sock *) arg)->fq);
}

static void pull0_sock_send(void *arg, nk_aio *a)
{
    (void) arg;
    nki_aio_finish(a, NK_ENOTSUP);
}

static void pull0_sock_recv(void *arg, nk_aio *a)
{
    nki_fq_recv(&((pull0_sock *) arg)->fq, a);
}

static int pull0_pipe_init(void *arg, nki_pipe *p, void *sarg)
{
    pull0_pipe *pp = arg;
    pp->ps = sarg;
    nki_fq_pipe_init(&pp->fp, p);
    return 0;
}

static void pull0_pipe_stop(void *arg)
{
    pull0_pipe *pp = arg;
    nki_fq_pipe_stop(&pp->ps->fq, &pp->fp);
}

static int pull0_pipe_recv(void *arg, nk_msg *m)
{
    pull0_pipe *pp = arg;
    nki_fq_put(&pp->ps->fq, &pp->fp, m);
    return 0;
}

static unsigned pull0_ready(void *arg)
{
    return nki_fq_ready(&((pull0_sock *) arg)->fq) ? NKI_READY_RECV : 0;
}

#define PULL0_TABLE(is_raw)                                                                    \
    {                                                                                          \
        .self = NK_PROTO_PULL0, .peer = NK_PROTO_PUSH0, .raw = is_raw, .self_name = "pull",    \
        .peer_name = "push", .sock_size = sizeof(pull0_sock), .pipe_size = sizeof(pull0_pipe), \
        .sock_init = pull0_sock_init, .sock_close = pull0_sock_close,                          \
        .sock_send = pull0_sock_send,                                                          \
        .sock_recv = pull0_sock_recv, .pipe_init = pull0_pipe_init,                            \
        .pipe_stop = pull0_pipe_stop,                                                          \
        .pipe_recv = pull0_pipe_recv, .ready_kinds = NKI_READY_RECV, .sock_ready = pull0_ready, \
    }

static const nki_proto nki_pull0_proto = PULL0_TABLE(false);
static const nki_proto nki_pull0_raw_proto = PULL0_TABLE(true);

NKI_PROTO_REGISTER(nki_pull0_proto)
NKI_PROTO_REGISTER(nki_pull0_raw_proto)
