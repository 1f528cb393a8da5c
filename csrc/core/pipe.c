/* Pipes: attach to the protocol, deliver, send, pause, close. */
#include <stdlib.h>
#include <string.h>

#include "cork.h"
#include "pipe.h"
#include "proto.h"
#include "stats.h"
#include "tran.h"

static nki_idmap pipe_ids;
static bool pipe_ids_ready;

void nki_pipe_atfork_child(void)
{
    pipe_ids_ready = false;
}

nki_pipe *nki_pipe_find(uint32_t id)
{
    if (!pipe_ids_ready) {
        return NULL;
    }
    return nki_idmap_get(&pipe_ids, id);
}

int nki_pipe_init(nki_pipe *p, nki_sock *s, nki_ep *ep, const nki_pipe_ops *ops)
{
    int rv;
    if (!pipe_ids_ready) {
        /* NNG's pipe ids are 31-bit and start at a random point. */
        nki_idmap_init(&pipe_ids, 1, 0x7fffffff, true);
        pipe_ids_ready = true;
    }
    p->sock = s;
    p->ep = ep;
    p->ops = ops;
    p->pdata = NULL;
    p->attached = p->closed = p->paused = p->held = false;
    memset(&p->st, 0, sizeof(p->st));
    p->cork_node.next = p->cork_node.prev = NULL;
    nki_msgq_init(&p->sendq);
    if ((rv = nki_idmap_alloc(&pipe_ids, p, &p->id)) != 0) {
        return rv;
    }
    nki_list_append(&s->pipes, &p->sock_node);
    nki_count(NK_DEBUG_PIPES, 1);
    if (ep && !ep->dialer) {
        ep->st.accepts++;
    }
    return 0;
}

static bool pipe_admit(nki_pipe *p);

bool nki_pipe_attach(nki_pipe *p, uint16_t peer_proto)
{
    nki_sock *s = p->sock;
    p->peer_proto = peer_proto;
    if (p->ep) {
        /* The handshake completed: NNG resets the back-off here even when
         * the protocol then refuses the peer. */
        nki_ep_pipe_attached(p->ep, p);
    }
    if (p->closed) {
        return false;
    }
    if ((s->pipe_notify & NK_PIPE_NOTIFY_HOLD) && !s->closed) {
        /* The application decides; nothing is read meanwhile. */
        p->held = true;
        p->paused = true;
        nki_sock_pipe_event(s, NK_PIPE_EV_ADD_PRE, p->id);
        return true;
    }
    return pipe_admit(p);
}

int nk_pipe_accept(uint32_t pid)
{
    nki_pipe *p;
    nki_lock();
    if ((p = nki_pipe_find(pid)) == NULL || p->closed) {
        nki_unlock();
        return NK_ECLOSED;
    }
    if (!p->held) {
        nki_unlock();
        return NK_ESTATE;
    }
    p->held = false;
    if (pipe_admit(p)) {
        nki_pipe_resume(p);
    }
    nki_unlock();
    return 0;
}

static bool pipe_admit(nki_pipe *p)
{
    nki_sock *s = p->sock;
    const nki_proto *pr = s->proto;
    uint16_t peer_proto = p->peer_proto;
    if (s->closed || peer_proto != pr->peer) {
        nki_pipe_close(p, NK_EPROTO);
        return false;
    }
    if ((p->pdata = calloc(1, pr->pipe_size ? pr->pipe_size : 1)) == NULL) {
        nki_pipe_close(p, NK_ENOMEM);
        return false;
    }
    if (pr->pipe_init(p->pdata, p, s->pdata) != 0) {
        free(p->pdata);
        p->pdata = NULL;
        nki_pipe_close(p, NK_ENOMEM);
        return false;
    }
    if (pr->pipe_start && pr->pipe_start(p->pdata) != 0) {
        if (pr->pipe_fini) {
            pr->pipe_fini(p->pdata);
        }
        free(p->pdata);
        p->pdata = NULL;
        nki_pipe_close(p, NK_EPROTO);
        return false;
    }
    p->attached = true;
    nki_sock_ready_update(s);
    nki_stats_pipe_admitted(p);
    nki_sock_pipe_event(s, NK_PIPE_EV_ADD_POST, p->id);
    return true;
}

bool nki_pipe_offer(nki_pipe *p, nk_msg *m)
{
    bool ok;
    if (!p->attached || p->closed) {
        nk_msg_free(m);
        return true;
    }
    m->pipe = p->id;
    nki_stats_rx(p, m);
    ok = p->sock->proto->pipe_recv(p->pdata, m) == 0;
    nki_sock_ready_update(p->sock);
    return ok;
}

void nki_pipe_deliver(nki_pipe *p, nk_msg *m)
{
    if (!nki_pipe_offer(p, m)) {
        nki_pipe_close(p, NK_EPROTO);
    }
}

struct nki_bstream *nki_pipe_stream(const nki_pipe *p)
{
    return p->ops->p_stream != NULL ? p->ops->p_stream(p) : NULL;
}

void nki_pipe_drained(nki_pipe *p)
{
    if (p->attached && !p->closed && p->sock->proto->pipe_writable) {
        p->sock->proto->pipe_writable(p->pdata);
        nki_sock_ready_update(p->sock);
    }
}

void nki_pipe_send(nki_pipe *p, nk_msg *m)
{
    if (p->closed) {
        nk_msg_free(m);
        return;
    }
    nki_stats_tx(p, m);
    nki_msgq_put(&p->sendq, m);
    p->ops->p_kick(p);
}

/* nki_pipe_send, started with one of the transport's optional kicks. */
static void pipe_send_with(nki_pipe *p, nk_msg *m, void (*kick)(nki_pipe *))
{
    if (p->closed || kick == NULL) {
        nki_pipe_send(p, m);
        return;
    }
    nki_stats_tx(p, m);
    nki_msgq_put(&p->sendq, m);
    kick(p);
}

void nki_pipe_send_later(nki_pipe *p, nk_msg *m)
{
    pipe_send_with(p, m, p->ops->p_kick_later);
}

void nki_pipe_send_soon(nki_pipe *p, nk_msg *m)
{
    pipe_send_with(p, m, p->ops->p_kick_soon);
}

void nki_pipe_flush(nki_pipe *p)
{
    if (!p->closed && p->sendq.len > 0) {
        p->ops->p_kick(p);
    }
}

void nki_pipe_pause(nki_pipe *p)
{
    p->paused = true;
}

void nki_pipe_resume(nki_pipe *p)
{
    if (p->paused && !p->closed) {
        p->paused = false;
        p->ops->p_resume(p);
    }
}

static void pipe_free(void *arg)
{
    nki_pipe *p = arg;
    nki_count(NK_DEBUG_PIPES, -1);
    p->ops->p_free(p);
}

void nki_pipe_close(nki_pipe *p, int err)
{
    const nki_proto *pr = p->sock->proto;
    if (p->closed) {
        return;
    }
    p->closed = true;
    nki_stats_pipe_closed(p, err);
    if (p->attached) {
        if (pr->pipe_stop) {
            pr->pipe_stop(p->pdata);
            nki_sock_ready_update(p->sock);
        }
        nki_sock_pipe_event(p->sock, NK_PIPE_EV_REM_POST, p->id);
    }
    p->ops->p_close(p);
    nki_cork_drop(p);
    nki_msgq_flush(&p->sendq);
    nki_node_remove(&p->sock_node);
    nki_idmap_del(&pipe_ids, p->id);
    if (p->pdata) {
        if (p->attached && pr->pipe_fini) {
            pr->pipe_fini(p->pdata);
        }
        free(p->pdata);
        p->pdata = NULL;
    }
    if (p->ep) {
        nki_ep_pipe_closed(p->ep, p, err);
    }
    nki_defer(pipe_free, p);
}

/* ---- pipe options ---- */

/* id, socket, dialer, listener, protocol, peer (arg 0 .. 5). */
static int pipe_get_number(void *obj, const nki_option *o, nki_optval *v)
{
    nki_pipe *p = obj;
    nki_ep *ep = p->ep;
    switch (o->arg) {
    case 0:
        v->i = p->id;
        break;
    case 1:
        v->i = p->sock->id;
        break;
    case 2:
    case 3:
        v->i = (ep && ep->dialer == (o->arg == 2)) ? ep->id : 0;
        break;
    case 4:
        v->i = p->sock->proto->self;
        break;
    default:
        v->i = p->peer_proto;
    }
    return 0;
}

static int pipe_get_url(void *obj, const nki_option *o, nki_optval *v)
{
    nki_pipe *p = obj;
    (void) o;
    return p->ep ? nki_optval_str(v, p->ep->url) : NK_ENOTSUP;
}

static int pipe_get_proto_name(void *obj, const nki_option *o, nki_optval *v)
{
    nki_pipe *p = obj;
    const nki_proto *pr;
    if (o->arg == 0) {
        return nki_optval_str(v, p->sock->proto->self_name);
    }
    /* An admitted pipe's peer is the socket's peer; during the handshake it
     * may be anything, so look the number up. */
    if ((pr = nki_proto_find(p->peer_proto, false)) == NULL && !p->attached) {
        return NK_ESTATE;
    }
    return nki_optval_str(v, pr ? pr->self_name : p->sock->proto->peer_name);
}

static const nki_option pipe_options[] = {
    {"id", NKI_OPT_INT, 0, 0, pipe_get_number, NULL, 0},
    {"socket", NKI_OPT_INT, 0, 0, pipe_get_number, NULL, 1},
    {"dialer", NKI_OPT_INT, 0, 0, pipe_get_number, NULL, 2},
    {"listener", NKI_OPT_INT, 0, 0, pipe_get_number, NULL, 3},
    {"protocol", NKI_OPT_INT, 0, 0, pipe_get_number, NULL, 4},
    {"peer", NKI_OPT_INT, 0, 0, pipe_get_number, NULL, 5},
    {"url", NKI_OPT_STR, 0, 0, pipe_get_url, NULL, 0},
    {"protocol-name", NKI_OPT_STR, 0, 0, pipe_get_proto_name, NULL, 0},
    {"peer-name", NKI_OPT_STR, 0, 0, pipe_get_proto_name, NULL, 1},
    NKI_OPT_END,
};

int nki_pipe_opt(nki_pipe *p, const char *name, nki_optreq *r)
{
    const nki_option *o = nki_opt_find(pipe_options, name);
    if (o != NULL) {
        return nki_opt_apply(o, p, r, NK_ENOTSUP);
    }
    return nki_topt_pipe(p, name, r);
}
