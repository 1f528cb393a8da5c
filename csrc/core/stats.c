/*
 * Statistics: the bookkeeping behind nk_*_stats_get.
 *
 * Counters are plain uint64 fields of the socket, pipe and endpoint
 * structures, bumped under nki_lock where the event happens (pipe.c counts
 * traffic; the hooks below count the rest), so they cost one add each.
 * Gauges (current pipes, dialers, listeners) are computed when read.
 */
#include <string.h>

#include "pipe.h"
#include "stats.h"

void nki_stat_drop(nki_sock *s, int why)
{
    switch (why) {
    case NKI_DROP_SEND_FULL:
        s->st.drop_send_full++;
        break;
    case NKI_DROP_RECV_FULL:
        s->st.drop_recv_full++;
        break;
    case NKI_DROP_TTL:
        s->st.drop_ttl++;
        break;
    case NKI_DROP_STALE:
        s->st.drop_stale++;
        break;
    default:
        s->st.drop_no_pipe++;
        break;
    }
}

void nki_stat_unsend(nki_pipe *p, const nk_msg *m)
{
    /* It never reaches the wire: take it back out of the traffic. */
    uint64_t n = m->hlen + m->len;
    p->st.msgs_out--;
    p->st.bytes_out -= n;
    p->sock->st.msgs_out--;
    p->sock->st.bytes_out -= n;
    p->sock->st.drop_send_full++;
}

void nki_stat_drop_pipe(uint32_t pid, int why)
{
    nki_pipe *p = nki_pipe_find(pid);
    if (p != NULL) {
        nki_stat_drop(p->sock, why);
    }
}

void nki_stats_pipe_admitted(nki_pipe *p)
{
    p->sock->st.pipes_added++;
    if (p->ep) {
        p->ep->st.connects++;
    }
}

/* Why a connection ended decides which counters move. */
void nki_stats_pipe_closed(nki_pipe *p, int err)
{
    nk_sock_stats *s = &p->sock->st;
    nk_ep_stats *e = p->ep ? &p->ep->st : NULL;
    if (p->attached) {
        s->pipes_removed++;
        if (e) {
            e->disconnects++;
        }
        if (err == NK_EPROTO) {
            s->proto_errors++;
        }
    } else if (!p->sock->closed && (nki_stats_is_refusal(err) || err == NK_ETIMEDOUT)) {
        /* Still handshaking (or held): a bad header, the wrong peer, a TLS
         * handshake either side refused, or no header in time.  Closing
         * socket or endpoint is none of these. */
        bool refused = nki_stats_is_refusal(err);
        *(refused ? &s->rejects : &s->handshake_timeouts) += 1;
        if (e) {
            *(refused ? &e->rejects : &e->handshake_timeouts) += 1;
        }
    }
    if (err == NK_EMSGSIZE) {
        s->drop_oversize++;
    }
}

void nki_stats_app_refused(nki_pipe *p)
{
    p->sock->st.rejects++;
    if (p->ep) {
        p->ep->st.rejects++;
    }
}

void nki_stats_ep_handshake_failed(nki_ep *ep, int err)
{
    if (nki_stats_is_refusal(err)) {
        ep->st.rejects++;
        ep->sock->st.rejects++;
    } else if (err == NK_ETIMEDOUT) {
        ep->st.handshake_timeouts++;
        ep->sock->st.handshake_timeouts++;
    }
}

int nk_sock_stats_get(uint32_t sid, nk_sock_stats *out)
{
    nki_sock *s;
    nki_node *n;
    nki_lock();
    if ((s = nki_sock_find(sid)) == NULL) {
        nki_unlock();
        return NK_ECLOSED;
    }
    *out = s->st;
    out->pipes = out->dialers = out->listeners = 0;
    for (n = s->pipes.head.next; n != &s->pipes.head; n = n->next) {
        nki_pipe *p = NKI_CONTAINER(n, nki_pipe, sock_node);
        out->pipes += p->attached && !p->closed;
    }
    for (n = s->eps.head.next; n != &s->eps.head; n = n->next) {
        nki_ep *ep = NKI_CONTAINER(n, nki_ep, node);
        *(ep->dialer ? &out->dialers : &out->listeners) += 1;
    }
    nki_unlock();
    return 0;
}

int nk_pipe_stats_get(uint32_t pid, nk_pipe_stats *out)
{
    nki_pipe *p;
    nki_lock();
    if ((p = nki_pipe_find(pid)) == NULL) {
        nki_unlock();
        return NK_ECLOSED;
    }
    *out = p->st;
    nki_unlock();
    return 0;
}

int nk_ep_stats_get(int kind, uint32_t id, nk_ep_stats *out)
{
    nki_ep *ep;
    nki_node *n;
    if (kind != NK_OBJ_DIALER && kind != NK_OBJ_LISTENER) {
        return NK_EINVAL;
    }
    nki_lock();
    if ((ep = nki_ep_find(id, kind == NK_OBJ_DIALER)) == NULL) {
        nki_unlock();
        return NK_ECLOSED;
    }
    *out = ep->st;
    out->pipes = 0;
    for (n = ep->sock->pipes.head.next; n != &ep->sock->pipes.head; n = n->next) {
        nki_pipe *p = NKI_CONTAINER(n, nki_pipe, sock_node);
        out->pipes += p->ep == ep && p->attached && !p->closed;
    }
    nki_unlock();
    return 0;
}
