/*
 * PUSH0 (0x50): each message goes to one ready PULL pipe, pipes rotate; send
 * waits while none is ready (back-pressure).  Anything a PULL sends back is
 * read and discarded.  send-buffer (default 0) messages may wait in the
 * socket for a puller; a send completes once its message is buffered.  No
 * header: raw is the same.
 */
#include "protoq.h"

typedef struct {
    nki_lb lb;
} push0_sock;

typedef struct {
    push0_sock *ps;
    nki_lb_pipe lp;
} push0_pipe;

static int push0_sock_init(void *arg, nki_sock *s)
{
    (void) s;
    nki_lb_init(&((push0_sock *) arg)->lb);
    return 0;
}

static void push0_sock_close(void *arg)
{
    nki_lb_close(&((push0_sock *) arg)->lb);
}

static void push0_sock_send(void *arg, nk_aio *a)
{
    nki_lb_send(&((push0_sock *) arg)->lb, a);
}

static void push0_sock_recv(void *arg, nk_aio *a)
{
    (void) arg;
    nki_aio_finish(a, NK_ENOTSUP);
}

static int push0_pipe_init(void *arg, nki_pipe *p, void *sarg)
{
    push0_pipe *pp = arg;
    pp->ps = sarg;
    nki_lb_pipe_init(&pp->lp, p);
    return 0;
}

static int push0_pipe_start(void *arg)
{
    push0_pipe *pp = arg;
    nki_lb_pipe_ready(&pp->ps->lb, &pp->lp);
    return 0;
}

static void push0_pipe_stop(void *arg)
{
    push0_pipe *pp = arg;
    nki_lb_pipe_stop(&pp->ps->lb, &pp->lp);
}

static int push0_pipe_recv(void *arg, nk_msg *m)
{
    (void) arg;
    nk_msg_free(m);
    return 0;
}

static void push0_pipe_writable(void *arg)
{
    push0_pipe *pp = arg;
    nki_lb_pipe_ready(&pp->ps->lb, &pp->lp);
}

static const nki_option push0_opts[] = {
    NKI_LB_OPT("send-buffer", push0_sock, lb),
    NKI_OPT_END,
};

static unsigned push0_ready(void *arg)
{
    return nki_lb_ready(&((push0_sock *) arg)->lb) ? NKI_READY_SEND : 0;
}

#define PUSH0_TABLE(is_raw)                                                                    \
    {                                                                                          \
        .self = NK_PROTO_PUSH0, .peer = NK_PROTO_PULL0, .raw = is_raw, .self_name = "push",    \
        .peer_name = "pull", .sock_size = sizeof(push0_sock), .pipe_size = sizeof(push0_pipe), \
        .sock_init = push0_sock_init, .sock_close = push0_sock_close,                          \
        .sock_send = push0_sock_send,                                                          \
        .sock_recv = push0_sock_recv, .pipe_init = push0_pipe_init,                            \
        .pipe_start = push0_pipe_start, .pipe_stop = push0_pipe_stop,                          \
        .pipe_recv = push0_pipe_recv,                                                          \
        .pipe_writable = push0_pipe_writable, .sock_opts = push0_opts,                         \
        .ready_kinds = NKI_READY_SEND, .sock_ready = push0_ready,                              \
    }

static const nki_proto nki_push0_proto = PUSH0_TABLE(false);
static const nki_proto nki_push0_raw_proto = PUSH0_TABLE(true);

NKI_PROTO_REGISTER(nki_push0_proto)
NKI_PROTO_REGISTER(nki_push0_raw_proto)
