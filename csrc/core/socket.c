/* Sockets and contexts: ids, generic options, and dispatch to protocols. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "pipe.h"
#include "proto.h"
#include "tran.h"

static nki_idmap sock_ids, ctx_ids;
static bool ids_ready;

void nki_socket_atfork_child(void)
{
    ids_ready = false;
}

static void ids_init(void)
{
    if (!ids_ready) {
        nki_idmap_init(&sock_ids, 1, 0x7fffffff, false);
        nki_idmap_init(&ctx_ids, 1, 0x7fffffff, false);
        ids_ready = true;
    }
}

nki_sock *nki_sock_find(uint32_t id)
{
    nki_sock *s;
    ids_init();
    s = nki_idmap_get(&sock_ids, id);
    return (s && !s->closed) ? s : NULL;
}

int nk_socket_open(int proto, int raw, uint32_t *sid)
{
    const nki_proto *p = nki_proto_find(proto, raw != 0);
    nki_sock *s;
    int rv;
    nki_init();
    if (p == NULL) {
        return NK_ENOTSUP;
    }
    if ((s = calloc(1, sizeof(*s) + p->sock_size)) == NULL) {
        return NK_ENOMEM;
    }
    s->proto = p;
    s->raw = p->raw;
    s->pdata = s + 1;
    s->recv_timeout = s->send_timeout = NK_DURATION_INFINITE;
    s->reconn_min = 1000;
    s->reconn_max = 0;
    s->hs_timeout = 10000;
    s->recv_max = (int64_t) 1 << 30;
    s->recv_buf = 1; /* NNG 1.5's default (a protocol may declare its own) */
    nki_list_init(&s->pipes);
    nki_list_init(&s->eps);
    nki_list_init(&s->ctxs);
    nki_msgq_init(&s->pipe_events);
    nki_list_init(&s->pipe_waiters);
    nki_ready_init(&s->ready);
    nki_lock();
    ids_init();
    if ((rv = nki_idmap_alloc(&sock_ids, s, &s->id)) != 0) {
        nki_unlock();
        free(s);
        return rv;
    }
    snprintf(s->name, sizeof(s->name), "%u", s->id);
    if ((rv = p->sock_init(s->pdata, s)) != 0) {
        nki_idmap_del(&sock_ids, s->id);
        nki_unlock();
        free(s);
        return rv;
    }
    nki_count(NK_DEBUG_SOCKETS, 1);
    *sid = s->id;
    nki_unlock();
    return 0;
}

static void ctx_destroy(nki_ctx *c)
{
    c->sock->proto->ctx_fini(c->pdata);
    nki_node_remove(&c->node);
    nki_idmap_del(&ctx_ids, c->id);
    free(c);
    nki_count(NK_DEBUG_CTXS, -1);
}

static void sock_free(void *arg)
{
    nki_sock *s = arg;
    if (s->proto->sock_fini) {
        s->proto->sock_fini(s->pdata);
    }
    nki_optstore_fini(&s->topts);
    free(s);
    nki_count(NK_DEBUG_SOCKETS, -1);
}

static void sock_release(nki_sock *s)
{
    nki_msgq_flush(&s->pipe_events);
    nki_idmap_del(&sock_ids, s->id);
    /* Pipes are freed by deferred tasks; free the socket after them. */
    nki_defer(sock_free, s);
}

int nk_socket_close(uint32_t sid)
{
    nki_sock *s;
    nki_node *n, *nx;
    nki_lock();
    if ((s = nki_sock_find(sid)) == NULL) {
        nki_unlock();
        return NK_ECLOSED;
    }
    s->closed = true;
    nki_device_sock_closed(sid);
    NKI_LIST_FOREACH_SAFE(&s->eps, n, nx)
    {
        nki_ep_close_locked(NKI_CONTAINER(n, nki_ep, node));
    }
    /* Closing an inproc pipe also closes its peer, which is the next node
     * when the socket is connected to itself: take the head each time
     * (every close unlinks its pipe, so this ends). */
    while ((n = nki_list_first(&s->pipes)) != NULL) {
        nki_pipe_close(NKI_CONTAINER(n, nki_pipe, sock_node), NK_ECLOSED);
    }
    NKI_LIST_FOREACH_SAFE(&s->ctxs, n, nx)
    {
        ctx_destroy(NKI_CONTAINER(n, nki_ctx, node));
    }
    if (s->proto->sock_close) {
        s->proto->sock_close(s->pdata);
    }
    nki_ready_fini(&s->ready); /* as NNG: the fds go with the socket */
    /* A waiting reader would have taken an event: with events queued there
     * is none, so this fails only readers of an empty queue. */
    nki_aio_list_fail(&s->pipe_waiters, NK_ECLOSED);
    if (s->pipe_events.len == 0) {
        sock_release(s);
    }
    /* Otherwise the closed socket keeps its id until the reader has taken
     * the remove events of the pipes just closed (nk_sock_pipe_event) or
     * given them up (nk_sock_pipe_events_drop). */
    nki_unlock();
    return 0;
}

int nk_ctx_open(uint32_t sid, uint32_t *cid)
{
    nki_sock *s;
    nki_ctx *c;
    int rv;
    nki_lock();
    if ((s = nki_sock_find(sid)) == NULL) {
        nki_unlock();
        return NK_ECLOSED;
    }
    if (s->proto->ctx_size == 0) {
        nki_unlock();
        return NK_ENOTSUP;
    }
    if ((c = calloc(1, sizeof(*c) + s->proto->ctx_size)) == NULL) {
        nki_unlock();
        return NK_ENOMEM;
    }
    c->sock = s;
    c->pdata = c + 1;
    c->recv_timeout = s->recv_timeout;
    c->send_timeout = s->send_timeout;
    if ((rv = nki_idmap_alloc(&ctx_ids, c, &c->id)) != 0 ||
        (rv = s->proto->ctx_init(c->pdata, s->pdata)) != 0) {
        if (c->id) {
            nki_idmap_del(&ctx_ids, c->id);
        }
        nki_unlock();
        free(c);
        return rv;
    }
    nki_list_append(&s->ctxs, &c->node);
    nki_count(NK_DEBUG_CTXS, 1);
    *cid = c->id;
    nki_unlock();
    return 0;
}

nki_ctx *nki_ctx_find(uint32_t cid)
{
    ids_init();
    return nki_idmap_get(&ctx_ids, cid);
}

int nk_ctx_close(uint32_t cid)
{
    nki_ctx *c;
    nki_lock();
    if ((c = nki_ctx_find(cid)) == NULL) {
        nki_unlock();
        return NK_ECLOSED;
    }
    ctx_destroy(c);
    nki_unlock();
    return 0;
}

/* ---- pipe events ---- */

void nki_sock_pipe_event(nki_sock *s, int ev, uint32_t pid)
{
    nk_msg *m;
    nk_aio *a;
    /* Also while the socket closes: its own close removes pipes too. */
    if (!(s->pipe_notify & NK_PIPE_NOTIFY_ON) || (m = nki_msg_new(8, 8)) == NULL) {
        return;
    }
    nki_put_u32(m->body, (uint32_t) ev);
    nki_put_u32(m->body + 4, pid);
    m->pipe = pid;
    if ((a = nki_aio_list_pop(&s->pipe_waiters)) != NULL) {
        a->msg = m;
        nki_aio_finish(a, 0);
    } else {
        nki_msgq_put(&s->pipe_events, m);
    }
}

int nk_sock_pipe_notify(uint32_t sid, int flags)
{
    nki_sock *s;
    nki_lock();
    if ((s = nki_sock_find(sid)) == NULL) {
        nki_unlock();
        return NK_ECLOSED;
    }
    s->pipe_notify = flags;
    nki_unlock();
    return 0;
}

/* A socket, open or closed with pipe events still to deliver. */
static nki_sock *sock_find_events(uint32_t sid)
{
    ids_init();
    return nki_idmap_get(&sock_ids, sid);
}

void nk_sock_pipe_event(uint32_t sid, nk_aio *a)
{
    nki_sock *s;
    nk_msg *m;
    nki_lock();
    if (a->busy) {
        nki_unlock();
        return;
    }
    s = sock_find_events(sid);
    nki_aio_begin(a, NK_DURATION_INFINITE);
    if (s == NULL) {
        nki_aio_finish(a, NK_ECLOSED);
    } else if ((m = nki_msgq_get(&s->pipe_events)) != NULL) {
        a->msg = m;
        nki_aio_finish(a, 0);
        if (s->closed && s->pipe_events.len == 0) {
            sock_release(s); /* that was the last one */
        }
    } else if (s->closed) {
        nki_aio_finish(a, NK_ECLOSED);
    } else {
        nki_aio_wait_on(a, &s->pipe_waiters);
    }
    nki_unlock();
}

int nk_sock_pipe_events_drop(uint32_t sid)
{
    nki_sock *s;
    nki_lock();
    if ((s = sock_find_events(sid)) == NULL || !s->closed) {
        nki_unlock();
        return s == NULL ? NK_ECLOSED : NK_ESTATE;
    }
    sock_release(s);
    nki_unlock();
    return 0;
}

int nk_sock_pipes(uint32_t sid, uint32_t *ids, int max)
{
    nki_sock *s;
    nki_node *n;
    int count = 0;
    nki_lock();
    if ((s = nki_sock_find(sid)) == NULL) {
        nki_unlock();
        return -NK_ECLOSED;
    }
    for (n = s->pipes.head.next; n != &s->pipes.head; n = n->next) {
        nki_pipe *p = NKI_CONTAINER(n, nki_pipe, sock_node);
        if (p->attached && !p->closed) {
            if (count < max) {
                ids[count] = p->id;
            }
            count++;
        }
    }
    nki_unlock();
    return count;
}

/* ---- send / recv dispatch ---- */

void nki_dispatch(uint32_t id, bool ctx, bool send, nk_aio *a)
{
    nki_sock *s = NULL;
    nki_ctx *c = NULL;
    if (a->busy) {
        return; /* one operation at a time per aio */
    }
    if (ctx) {
        c = nki_ctx_find(id);
        s = c ? c->sock : NULL;
    } else {
        s = nki_sock_find(id);
    }
    if (c != NULL) {
        nki_aio_begin(a, send ? c->send_timeout : c->recv_timeout);
    } else {
        nki_aio_begin(a, s == NULL ? 0 : (send ? s->send_timeout : s->recv_timeout));
    }
    nki_here_begin(); /* a pipe resumed by this receive reads on this thread */
    if (s == NULL) {
        nki_aio_finish(a, NK_ECLOSED);
    } else if (send && a->msg == NULL) {
        nki_aio_finish(a, NK_EINVAL);
    } else if (ctx) {
        (send ? s->proto->ctx_send : s->proto->ctx_recv)(c->pdata, a);
    } else {
        (send ? s->proto->sock_send : s->proto->sock_recv)(s->pdata, a);
    }
    nki_here_end();
    if (s != NULL) {
        nki_sock_ready_update(s);
    }
}

static void dispatch(uint32_t id, bool ctx, bool send, nk_aio *a)
{
    nki_lock();
    nki_dispatch(id, ctx, send, a);
    nki_unlock();
}

void nk_sock_send(uint32_t sid, nk_aio *a)
{
    dispatch(sid, false, true, a);
}

void nk_sock_recv(uint32_t sid, nk_aio *a)
{
    dispatch(sid, false, false, a);
}

void nk_ctx_send(uint32_t cid, nk_aio *a)
{
    dispatch(cid, true, true, a);
}

void nk_ctx_recv(uint32_t cid, nk_aio *a)
{
    dispatch(cid, true, false, a);
}

/* ---- options ---- */

/* protocol, peer (arg 0, 1): the protocols' numbers. */
static int sock_get_number(void *obj, const nki_option *o, nki_optval *v)
{
    const nki_proto *p = ((nki_sock *) obj)->proto;
    v->i = o->arg ? p->peer : p->self;
    return 0;
}

static int sock_get_raw(void *obj, const nki_option *o, nki_optval *v)
{
    (void) o;
    v->i = ((nki_sock *) obj)->raw;
    return 0;
}

/* protocol-name, peer-name (arg 0, 1). */
static int sock_get_proto_name(void *obj, const nki_option *o, nki_optval *v)
{
    const nki_proto *p = ((nki_sock *) obj)->proto;
    return nki_optval_str(v, o->arg ? p->peer_name : p->self_name);
}

static int sock_get_name(void *obj, const nki_option *o, nki_optval *v)
{
    (void) o;
    return nki_optval_str(v, ((nki_sock *) obj)->name);
}

static int sock_set_name(void *obj, const nki_option *o, const nki_optval *v)
{
    nki_sock *s = obj;
    (void) o;
    if (v->len >= sizeof(s->name)) {
        return NK_EINVAL;
    }
    memcpy(s->name, v->data, v->len + 1);
    return 0;
}

static const nki_option sock_options[] = {
    NKI_OPT_ROW_MS("recv-timeout", nki_sock, recv_timeout),
    NKI_OPT_ROW_MS("send-timeout", nki_sock, send_timeout),
    NKI_OPT_ROW_MS("reconnect-time-min", nki_sock, reconn_min),
    NKI_OPT_ROW_MS("reconnect-time-max", nki_sock, reconn_max),
    NKI_OPT_ROW_MS("handshake-timeout", nki_sock, hs_timeout),
    NKI_OPT_ROW_I64("recv-size-max", NKI_OPT_SIZE, 0, 0, nki_sock, recv_max),
    NKI_OPT_ROW_I64("recv-buffer", NKI_OPT_INT, 0, NKI_OPT_BUF_MAX, nki_sock, recv_buf),
    NKI_OPT_ROW_I64("send-buffer", NKI_OPT_INT, 0, NKI_OPT_BUF_MAX, nki_sock, send_buf),
    {"protocol", NKI_OPT_INT, 0, 0, sock_get_number, NULL, 0},
    {"peer", NKI_OPT_INT, 0, 0, sock_get_number, NULL, 1},
    {"raw", NKI_OPT_BOOL, 0, 1, sock_get_raw, NULL, 0},
    {"socket-name", NKI_OPT_STR, 0, 0, sock_get_name, sock_set_name, 0},
    {"protocol-name", NKI_OPT_STR, 0, 0, sock_get_proto_name, NULL, 0},
    {"peer-name", NKI_OPT_STR, 0, 0, sock_get_proto_name, NULL, 1},
    {"recv-fd", NKI_OPT_INT, 0, 0, nki_ready_opt_get, NULL, NKI_READY_RECV},
    {"send-fd", NKI_OPT_INT, 0, 0, nki_ready_opt_get, NULL, NKI_READY_SEND},
    NKI_OPT_END,
};

/* The protocol's table comes first: where it has a queue of its own, its
 * recv-buffer and send-buffer replace the socket's.  Last, the options
 * transports keep per socket. */
int nki_sock_opt(nki_sock *s, const char *name, nki_optreq *r)
{
    const nki_option *o;
    if ((o = nki_opt_find(s->proto->sock_opts, name)) != NULL) {
        return nki_opt_apply(o, s->pdata, r, NK_EREADONLY);
    }
    if ((o = nki_opt_find(sock_options, name)) != NULL) {
        return nki_opt_apply(o, s, r, NK_EREADONLY);
    }
    return nki_topt_sock(s, name, r);
}

/* A context's timeouts start as its socket's. */
static const nki_option ctx_options[] = {
    NKI_OPT_ROW_MS("recv-timeout", nki_ctx, recv_timeout),
    NKI_OPT_ROW_MS("send-timeout", nki_ctx, send_timeout),
    NKI_OPT_END,
};

int nki_ctx_opt(nki_ctx *c, const char *name, nki_optreq *r)
{
    const nki_option *o;
    if ((o = nki_opt_find(ctx_options, name)) != NULL) {
        return nki_opt_apply(o, c, r, NK_EREADONLY);
    }
    if ((o = nki_opt_find(c->sock->proto->ctx_opts, name)) != NULL) {
        return nki_opt_apply(o, c->pdata, r, NK_EREADONLY);
    }
    return NK_ENOTSUP;
}

/* ---- misc public API ---- */

/* csrc/ffi_build.py defines NK_VERSION from nngkit/_version.py, the one
 * place the version is written; builds outside it (fuzz targets) get this. */
#ifndef NK_VERSION
#define NK_VERSION "0+unversioned"
#endif

const char *nk_version(void)
{
    return NK_VERSION;
}

void nk_debug_counts(int64_t *out)
{
    int i;
    nki_init();
    nki_lock();
    nki_quiesce();
    nki_unlock();
    for (i = 0; i < NK_DEBUG_NCOUNTS; i++) {
        out[i] = nki_count_get(i);
    }
}
