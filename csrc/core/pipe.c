/* Pipes: attach to the protocol, deliver, send, pause, close. */
#include <stdlib.h>
#include <string.h>

#include "pipe.h"
#include "proto.h"
#include "stats.h"

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

void nki_ep_pipe_attached(nki_ep *ep, nki_pipe *p);
void nki_ep_pipe_closed(nki_ep *ep, nki_pipe *p, int err);

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
    nki_stats_pipe_admitted(p);
    nki_sock_pipe_event(s, NK_PIPE_EV_ADD_POST, p->id);
    return true;
}

bool nki_pipe_offer(nki_pipe *p, nk_msg *m)
{
    if (!p->attached || p->closed) {
        nk_msg_free(m);
        return true;
    }
    m->pipe = p->id;
    nki_stats_rx(p, m);
    return p->sock->proto->pipe_recv(p->pdata, m) == 0;
}

void nki_pipe_deliver(nki_pipe *p, nk_msg *m)
{
    if (!nki_pipe_offer(p, m)) {
        nki_pipe_close(p, NK_EPROTO);
    }
}

void nki_pipe_drained(nki_pipe *p)
{
    if (p->attached && !p->closed && p->sock->proto->pipe_writable) {
        p->sock->proto->pipe_writable(p->pdata);
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
        }
        nki_sock_pipe_event(p->sock, NK_PIPE_EV_REM_POST, p->id);
    }
    p->ops->p_close(p);
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

int nki_pipe_getopt_int(nki_pipe *p, const char *name, int64_t *v)
{
    if (strcmp(name, "id") == 0) {
        *v = p->id;
    } else if (strcmp(name, "socket") == 0) {
        *v = p->sock->id;
    } else if (strcmp(name, "dialer") == 0) {
        *v = (p->ep && p->ep->dialer) ? p->ep->id : 0;
    } else if (strcmp(name, "listener") == 0) {
        *v = (p->ep && !p->ep->dialer) ? p->ep->id : 0;
    } else if (strcmp(name, "protocol") == 0) {
        *v = p->sock->proto->self;
    } else if (strcmp(name, "peer") == 0) {
        *v = p->peer_proto;
    } else {
        int rv = p->ops->p_getopt_int ? p->ops->p_getopt_int(p, name, v) : NK_ENOTSUP;
        if (rv == NK_ENOTSUP && strncmp(name, "tcp-", 4) == 0) {
            /* Not a tcp connection: NNG answers with the configured value. */
            if (strcmp(name, "tcp-nodelay") == 0) {
                *v = p->ep ? nki_ep_nodelay(p->ep) : p->sock->nodelay;
                return 0;
            }
            if (strcmp(name, "tcp-keepalive") == 0) {
                *v = p->ep ? nki_ep_keepalive(p->ep) : p->sock->keepalive;
                return 0;
            }
        }
        return rv;
    }
    return 0;
}

int nki_pipe_getopt_str(nki_pipe *p, const char *name, char *buf, size_t len)
{
    if (strcmp(name, "url") == 0) {
        return p->ep ? nki_opt_str(p->ep->url, buf, len) : NK_ENOTSUP;
    }
    if (strcmp(name, "protocol-name") == 0) {
        return nki_opt_str(p->sock->proto->self_name, buf, len);
    }
    if (strcmp(name, "peer-name") == 0) {
        /* An admitted pipe's peer is the socket's peer; during the
         * handshake it may be anything, so look the number up. */
        const nki_proto *pr = nki_proto_find(p->peer_proto, false);
        if (pr == NULL && !p->attached) {
            return NK_ESTATE;
        }
        return nki_opt_str(pr ? pr->self_name : p->sock->proto->peer_name, buf, len);
    }
    return p->ops->p_getopt_str ? p->ops->p_getopt_str(p, name, buf, len) : NK_ENOTSUP;
}
