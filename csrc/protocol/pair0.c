/*
 * PAIR0 (0x10): one peer at a time, no header.  A second peer completes the
 * handshake and is then closed.  Send waits while there is no peer or the
 * peer's pipe is busy; receive holds one message on the pipe and pauses it,
 * so back-pressure reaches the sender through the transport.
 */
#include <stdlib.h>

#include "proto.h"

typedef struct pair0_pipe pair0_pipe;

typedef struct {
    nki_sock *s;
    pair0_pipe *peer;
    nki_list sendq; /* parked send aios */
    nki_list recvq; /* parked recv aios */
} pair0_sock;

struct pair0_pipe {
    nki_pipe *p;
    pair0_sock *ps;
    nk_msg *held;
};

static int pair0_sock_init(void *arg, nki_sock *s)
{
    pair0_sock *ps = arg;
    ps->s = s;
    nki_list_init(&ps->sendq);
    nki_list_init(&ps->recvq);
    return 0;
}

static void pair0_sock_close(void *arg)
{
    pair0_sock *ps = arg;
    nki_aio_list_fail(&ps->sendq, NK_ECLOSED);
    nki_aio_list_fail(&ps->recvq, NK_ECLOSED);
}

static void pair0_sock_fini(void *arg)
{
    (void) arg;
}

/* Send parked aios while the peer's pipe takes them. */
static void pair0_pump_send(pair0_sock *ps)
{
    while (ps->peer && !nki_pipe_busy(ps->peer->p)) {
        nk_aio *a = nki_aio_list_pop(&ps->sendq);
        nk_msg *m;
        if (a == NULL) {
            return;
        }
        m = a->msg;
        a->msg = NULL;
        nki_pipe_send(ps->peer->p, m);
        nki_aio_finish(a, 0);
    }
}

static void pair0_sock_send(void *arg, nk_aio *a)
{
    pair0_sock *ps = arg;
    if (nki_list_empty(&ps->sendq) && ps->peer && !nki_pipe_busy(ps->peer->p)) {
        nk_msg *m = a->msg;
        a->msg = NULL;
        nki_pipe_send(ps->peer->p, m);
        nki_aio_finish(a, 0);
        return;
    }
    nki_aio_wait_on(a, &ps->sendq);
}

static void pair0_sock_recv(void *arg, nk_aio *a)
{
    pair0_sock *ps = arg;
    pair0_pipe *pp = ps->peer;
    if (pp && pp->held) {
        a->msg = pp->held;
        pp->held = NULL;
        nki_pipe_resume(pp->p);
        nki_aio_finish(a, 0);
        return;
    }
    nki_aio_wait_on(a, &ps->recvq);
}

static int pair0_pipe_init(void *arg, nki_pipe *p, void *sarg)
{
    pair0_pipe *pp = arg;
    pp->p = p;
    pp->ps = sarg;
    return 0;
}

static int pair0_pipe_start(void *arg)
{
    pair0_pipe *pp = arg;
    if (pp->ps->peer != NULL) {
        return NK_EBUSY; /* monogamous: refuse the newcomer */
    }
    pp->ps->peer = pp;
    pair0_pump_send(pp->ps);
    return 0;
}

static void pair0_pipe_stop(void *arg)
{
    pair0_pipe *pp = arg;
    if (pp->ps->peer == pp) {
        pp->ps->peer = NULL;
    }
    nk_msg_free(pp->held);
    pp->held = NULL;
}

static void pair0_pipe_fini(void *arg)
{
    (void) arg;
}

static int pair0_pipe_recv(void *arg, nk_msg *m)
{
    pair0_pipe *pp = arg;
    nk_aio *a = nki_aio_list_pop(&pp->ps->recvq);
    if (a != NULL) {
        a->msg = m;
        nki_aio_finish(a, 0);
        return 0;
    }
    pp->held = m;
    nki_pipe_pause(pp->p);
    return 0;
}

static void pair0_pipe_writable(void *arg)
{
    pair0_pipe *pp = arg;
    pair0_pump_send(pp->ps);
}

const nki_proto nki_pair0_proto = {
    .self = NK_PROTO_PAIR0,
    .peer = NK_PROTO_PAIR0,
    .self_name = "pair",
    .peer_name = "pair",
    .sock_size = sizeof(pair0_sock),
    .pipe_size = sizeof(pair0_pipe),
    .sock_init = pair0_sock_init,
    .sock_close = pair0_sock_close,
    .sock_fini = pair0_sock_fini,
    .sock_send = pair0_sock_send,
    .sock_recv = pair0_sock_recv,
    .pipe_init = pair0_pipe_init,
    .pipe_start = pair0_pipe_start,
    .pipe_stop = pair0_pipe_stop,
    .pipe_fini = pair0_pipe_fini,
    .pipe_recv = pair0_pipe_recv,
    .pipe_writable = pair0_pipe_writable,
};
