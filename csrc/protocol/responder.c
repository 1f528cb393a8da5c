/* The REP0 / RESPONDENT0 state machine: see responder.h. */
#include <string.h>

#include "responder.h"

/* A request reaches a context: remember where the answer goes. */
static void resp_on_deliver(nk_aio *a, nk_msg *m)
{
    nki_resp_ctx *c = a->pdata;
    if (c == NULL) {
        return; /* raw: the header stays with the message */
    }
    memcpy(c->bt, m->hdr + 4, m->hlen - 4);
    c->btlen = m->hlen - 4;
    c->pipe_id = m->pipe;
    c->has_req = true;
    m->hlen = 0;
}

int nki_resp_ctx_init(void *arg, void *sarg)
{
    nki_resp_ctx *c = arg;
    memset(c, 0, sizeof(*c));
    c->rs = sarg;
    return 0;
}

void nki_resp_ctx_fini(void *arg)
{
    nki_resp_ctx *c = arg;
    nki_aio_list_fail_owner(&c->rs->fq.waiting, c, NK_ECLOSED);
}

int nki_resp_sock_init(void *arg, nki_sock *s)
{
    nki_resp_sock *rs = arg;
    rs->s = s;
    rs->ttl = NKI_TTL_DEFAULT;
    nki_fq_init(&rs->fq);
    rs->fq.on_deliver = resp_on_deliver;
    return nki_resp_ctx_init(&rs->master, rs);
}

void nki_resp_sock_close(void *arg)
{
    nki_fq_close(&((nki_resp_sock *) arg)->fq);
}

/* Is a receive of this context already waiting? (NNG: a second one is an
 * error of state.)  The list is as long as the waiting contexts. */
static bool resp_ctx_receiving(nki_resp_ctx *c)
{
    nki_node *n;
    for (n = c->rs->fq.waiting.head.next; n != &c->rs->fq.waiting.head; n = n->next) {
        if (NKI_CONTAINER(n, nk_aio, pnode)->pdata == c) {
            return true;
        }
    }
    return false;
}

void nki_resp_ctx_recv(void *arg, nk_aio *a)
{
    nki_resp_ctx *c = arg;
    if (resp_ctx_receiving(c)) {
        nki_aio_finish(a, NK_ESTATE);
        return;
    }
    c->has_req = false; /* a new receive forgets an unanswered request */
    a->pdata = c;
    nki_fq_recv(&c->rs->fq, a);
}

void nki_resp_sock_recv(void *arg, nk_aio *a)
{
    nki_resp_sock *rs = arg;
    if (rs->s->raw) {
        nki_fq_recv(&rs->fq, a);
    } else {
        nki_resp_ctx_recv(&rs->master, a);
    }
}

/* Our own, live pipe with that id, or NULL. */
static nki_resp_pipe *resp_pipe(nki_resp_sock *rs, uint32_t id)
{
    nki_pipe *p = nki_pipe_find(id);
    if (p == NULL || p->sock != rs->s || !p->attached || p->closed) {
        return NULL;
    }
    return p->pdata;
}

void nki_resp_ctx_send(void *arg, nk_aio *a)
{
    nki_resp_ctx *c = arg;
    nki_resp_pipe *rp;
    nk_msg *m = a->msg;
    if (!c->has_req) {
        nki_aio_finish(a, NK_ESTATE);
        return;
    }
    c->has_req = false;
    if ((rp = resp_pipe(c->rs, c->pipe_id)) == NULL) {
        nki_stat_drop(c->rs->s, NKI_DROP_NO_PIPE);
        nk_msg_free(m); /* the asker is gone: discard, report success */
        a->msg = NULL;
        nki_aio_finish(a, 0);
        return;
    }
    m->hlen = 0;
    nk_msg_header_append(m, c->bt, c->btlen);
    if (!nki_pipe_busy(rp->p)) {
        a->msg = NULL;
        nki_pipe_send(rp->p, m);
        nki_aio_finish(a, 0);
        return;
    }
    if (!nki_aio_wait_on(a, &rp->sendwait)) {
        /* Not sent (zero timeout): the caller gets its body back and may
         * try again, so the request is still there to answer. */
        m->hlen = 0;
        c->has_req = true;
    }
}

unsigned nki_resp_sock_ready(void *arg)
{
    nki_resp_sock *rs = arg;
    bool can_send = rs->s->raw || rs->master.has_req;
    return (nki_fq_ready(&rs->fq) ? NKI_READY_RECV : 0) | (can_send ? NKI_READY_SEND : 0);
}

void nki_resp_sock_send(void *arg, nk_aio *a)
{
    nki_resp_ctx_send(&((nki_resp_sock *) arg)->master, a);
}

/* Raw: the first header word names the pipe; never blocks. */
void nki_resp_raw_send(void *arg, nk_aio *a)
{
    nki_resp_sock *rs = arg;
    nk_msg *m = a->msg;
    nki_resp_pipe *rp = NULL;
    a->msg = NULL;
    if (m->hlen < 4 || (rp = resp_pipe(rs, nki_get_u32(m->hdr))) == NULL ||
        rp->p->sendq.len >= 64) {
        nki_stat_drop(rs->s, rp == NULL ? NKI_DROP_NO_PIPE : NKI_DROP_SEND_FULL);
        nk_msg_free(m); /* unknown pipe or full queue: dropped */
        nki_aio_finish(a, 0);
        return;
    }
    memmove(m->hdr, m->hdr + 4, m->hlen - 4);
    m->hlen -= 4;
    nki_pipe_send(rp->p, m);
    nki_aio_finish(a, 0);
}

int nki_resp_pipe_init(void *arg, nki_pipe *p, void *sarg)
{
    nki_resp_pipe *rp = arg;
    rp->rs = sarg;
    rp->p = p;
    nki_fq_pipe_init(&rp->fp, p);
    nki_list_init(&rp->sendwait);
    return 0;
}

void nki_resp_pipe_stop(void *arg)
{
    nki_resp_pipe *rp = arg;
    nk_aio *a;
    nki_fq_pipe_stop(&rp->rs->fq, &rp->fp);
    while ((a = nki_aio_list_pop(&rp->sendwait)) != NULL) {
        nki_stat_drop(rp->p->sock, NKI_DROP_NO_PIPE);
        nk_msg_free(a->msg); /* nobody to answer: discarded */
        a->msg = NULL;
        nki_aio_finish(a, 0);
    }
}

int nki_resp_pipe_recv(void *arg, nk_msg *m)
{
    nki_resp_pipe *rp = arg;
    int rv = nki_bt_parse(m, (int) rp->rs->ttl);
    uint8_t bt[NKI_MSG_HDR_MAX];
    size_t n = m->hlen;
    if (rv == NK_EPROTO) {
        nk_msg_free(m);
        return NK_EPROTO; /* malformed: close the pipe */
    }
    if (rv != 0 || n + 4 > NKI_MSG_HDR_MAX) {
        nki_stat_drop(rp->p->sock, NKI_DROP_TTL);
        nk_msg_free(m); /* too many hops: dropped, pipe kept */
        return 0;
    }
    /* Header = [pipe id][backtrace]: raw apps see it, cooked strips it. */
    memcpy(bt, m->hdr, n);
    m->hlen = 0;
    nki_msg_header_put_u32(m, rp->p->id & 0x7fffffffu);
    nk_msg_header_append(m, bt, n);
    nki_fq_put(&rp->rs->fq, &rp->fp, m);
    return 0;
}

void nki_resp_pipe_writable(void *arg)
{
    nki_resp_pipe *rp = arg;
    nk_aio *a;
    while (!nki_pipe_busy(rp->p) && (a = nki_aio_list_pop(&rp->sendwait)) != NULL) {
        nk_msg *m = a->msg;
        a->msg = NULL;
        nki_pipe_send(rp->p, m);
        nki_aio_finish(a, 0);
    }
}

const nki_option nki_resp_opts[] = {
    NKI_OPT_TTL(nki_resp_sock, ttl),
    NKI_OPT_END,
};
