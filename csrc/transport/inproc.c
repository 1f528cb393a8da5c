/*
 * inproc://name: sockets in this process, joined by pairs of pipes that hand
 * message objects across without framing.  Messages move from a sender's
 * send queue to the peer only while the peer is not paused, so back-pressure
 * works as it does over a stream.
 */
#include <stdlib.h>
#include <string.h>

#include "pipe.h"
#include "proto.h"
#include "tran.h"

typedef struct ipipe ipipe;
struct ipipe {
    nki_pipe base;
    ipipe *peer;
    nki_task push_task;
    nki_task close_task;
};

static nki_list inproc_listeners = {{&inproc_listeners.head, &inproc_listeners.head}};

/* fork(): the parent's listeners are abandoned with the rest of its core. */
static void inproc_atfork_child(void)
{
    nki_list_init(&inproc_listeners);
}

NKI_CORE_ATFORK(inproc_atfork_child)

typedef struct {
    nki_node node;
    nki_ep *ep;
} inproc_reg;

static const char *inproc_name(const nki_ep *ep)
{
    return ep->url + strlen("inproc://");
}

/* Protocols parse from the body, as if the bytes came off a wire. */
static int flatten(nk_msg *m)
{
    /* Receivers may change a body in place: never hand them a lent one. */
    if (nki_msg_own(m) != 0) {
        return NK_ENOMEM;
    }
    if (m->hlen == 0) {
        return 0;
    }
    if (nki_msg_reserve(m, m->len + m->hlen) != 0) {
        return NK_ENOMEM;
    }
    memmove(m->body + m->hlen, m->body, m->len);
    memcpy(m->body, m->hdr, m->hlen);
    m->len += m->hlen;
    m->hlen = 0;
    return 0;
}

static void ip_push(void *arg)
{
    ipipe *ip = arg;
    bool moved = false;
    while (!ip->base.closed && ip->peer && !ip->peer->base.closed && !ip->peer->base.paused &&
           ip->peer->base.attached) {
        nk_msg *m = nki_msgq_get(&ip->base.sendq);
        if (m == NULL) {
            break;
        }
        moved = true;
        if (flatten(m) != 0) {
            nk_msg_free(m);
            continue;
        }
        nki_pipe_deliver(&ip->peer->base, m);
    }
    if (moved && !ip->base.closed && ip->base.sendq.len == 0) {
        nki_pipe_drained(&ip->base);
    }
}

static void ip_close_task(void *arg)
{
    ipipe *ip = arg;
    nki_pipe_close(&ip->base, NK_EPROTO);
}

static void ip_kick(nki_pipe *p)
{
    ipipe *ip = (ipipe *) p, *peer = ip->peer;
    /*
     * Fast path: nothing older is queued and the peer takes messages now,
     * so hand this one over directly, without a trip through the reactor.
     * Only the peer's protocol runs here; if it rejects the message, its
     * pipe is closed from a task, never under the caller's feet (p_kick
     * must not call back into the sending protocol).
     */
    if (p->sendq.len == 1 && peer && !peer->base.closed && !peer->base.paused &&
        peer->base.attached && !ip->push_task.queued) {
        nk_msg *m = nki_msgq_get(&p->sendq);
        if (flatten(m) != 0) {
            nk_msg_free(m);
            return;
        }
        if (!nki_pipe_offer(&peer->base, m)) {
            nki_task_post(&peer->close_task);
        }
        return;
    }
    nki_task_post(&ip->push_task);
}

static void ip_resume(nki_pipe *p)
{
    /* The peer may push again. */
    ipipe *ip = (ipipe *) p;
    if (ip->peer) {
        nki_task_post(&ip->peer->push_task);
    }
}

static void ip_close(nki_pipe *p)
{
    ipipe *ip = (ipipe *) p, *peer = ip->peer;
    nki_task_cancel(&ip->push_task);
    nki_task_cancel(&ip->close_task);
    ip->peer = NULL;
    if (peer) {
        peer->peer = NULL;
        nki_pipe_close(&peer->base, NK_ECONNSHUT);
    }
}

static void ip_free(nki_pipe *p)
{
    free(p);
}

static const nki_pipe_ops inproc_pipe_ops = {
    .p_kick = ip_kick,
    .p_resume = ip_resume,
    .p_close = ip_close,
    .p_free = ip_free,
};

static int inproc_ep_init(nki_ep *ep)
{
    (void) ep; /* any name, the empty one included (as NNG) */
    return 0;
}

static nki_ep *inproc_find(const char *name)
{
    nki_node *n;
    for (n = inproc_listeners.head.next; n != &inproc_listeners.head; n = n->next) {
        inproc_reg *r = NKI_CONTAINER(n, inproc_reg, node);
        if (strcmp(inproc_name(r->ep), name) == 0) {
            return r->ep;
        }
    }
    return NULL;
}

static int inproc_listen(nki_ep *ep)
{
    inproc_reg *r;
    if (inproc_find(inproc_name(ep)) != NULL) {
        return NK_EADDRINUSE;
    }
    if ((r = calloc(1, sizeof(*r))) == NULL) {
        return NK_ENOMEM;
    }
    r->ep = ep;
    nki_list_append(&inproc_listeners, &r->node);
    ep->tdata = r;
    return 0;
}

static void inproc_close(nki_ep *ep)
{
    inproc_reg *r = ep->tdata;
    if (r && !ep->dialer) {
        nki_node_remove(&r->node);
        free(r);
        ep->tdata = NULL;
    }
}

static ipipe *ip_new(nki_sock *s, nki_ep *ep)
{
    ipipe *ip = calloc(1, sizeof(*ip));
    if (ip == NULL) {
        return NULL;
    }
    nki_task_init(&ip->push_task, ip_push, ip);
    nki_task_init(&ip->close_task, ip_close_task, ip);
    if (nki_pipe_init(&ip->base, s, ep, &inproc_pipe_ops) != 0) {
        free(ip);
        return NULL;
    }
    return ip;
}

static int inproc_dial(nki_ep *ep)
{
    nki_ep *lep = inproc_find(inproc_name(ep));
    ipipe *d, *l;
    if (lep == NULL || lep->sock->closed) {
        return NK_ECONNREFUSED;
    }
    if ((d = ip_new(ep->sock, ep)) == NULL) {
        return NK_ENOMEM;
    }
    if ((l = ip_new(lep->sock, lep)) == NULL) {
        nki_pipe_close(&d->base, NK_ENOMEM);
        return 0; /* the close already scheduled a retry */
    }
    d->peer = l;
    l->peer = d;
    /* The dialer first: like a stream's handshake, this completes the dial
     * even if a protocol then refuses the peer.  Messages start to flow
     * from a task, once both sides are attached. */
    if (nki_pipe_attach(&d->base, lep->sock->proto->self)) {
        nki_pipe_attach(&l->base, ep->sock->proto->self);
    }
    return 0;
}

/* Both ends of an inproc connection have the same address: its URL (as
 * NNG reports it, "inproc://name"). */
static int inproc_pipe_addr(void *obj, const nki_option *o, nki_optval *v)
{
    nki_pipe *p = obj;
    (void) o;
    return p->ep ? nki_optval_str(v, p->ep->url) : NK_ECLOSED;
}

/* The same URL is both addresses of its dialers and listeners too. */
static int inproc_ep_addr(void *obj, const nki_option *o, nki_optval *v)
{
    (void) o;
    return nki_optval_str(v, ((nki_ep *) obj)->url);
}

/* name, type, range, get/set on endpoints | where | socket's default | get on pipes */
static const nki_tran_option inproc_options[] = {
    {{"local-address", NKI_OPT_STR, 0, 0, inproc_ep_addr, NULL, 0}, NKI_TOPT_EP, 0, inproc_pipe_addr},
    {{"remote-address", NKI_OPT_STR, 0, 0, inproc_ep_addr, NULL, 0}, NKI_TOPT_EP, 0, inproc_pipe_addr},
    NKI_TOPT_END,
};

static const nki_tran nki_inproc_tran = {
    .scheme = "inproc",
    .opts = inproc_options,
    .stream = false,
    .ep_init = inproc_ep_init,
    .ep_listen = inproc_listen,
    .ep_dial = inproc_dial,
    .ep_close = inproc_close,
};

NKI_TRAN_REGISTER(nki_inproc_tran)
