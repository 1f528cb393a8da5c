/* Sockets and contexts: ids, generic options, and dispatch to protocols. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "pipe.h"
#include "proto.h"

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

int nki_opt_duration(int64_t v, int32_t *out)
{
    if (v < -1 || v > 0x7fffffff) {
        return NK_EINVAL;
    }
    *out = (int32_t) v;
    return 0;
}

int nki_opt_str(const char *src, char *buf, size_t len)
{
    size_t n = strlen(src);
    if (n + 1 > len) {
        return NK_EINVAL;
    }
    memcpy(buf, src, n + 1);
    return 0;
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
    s->nodelay = true;
    /* NNG 1.5's defaults for these generic options: 0 on PAIR, else 1. */
    s->recv_buf = (proto == NK_PROTO_PAIR0 || proto == NK_PROTO_PAIR1) ? 0 : 1;
    nki_list_init(&s->pipes);
    nki_list_init(&s->eps);
    nki_list_init(&s->ctxs);
    nki_msgq_init(&s->pipe_events);
    nki_list_init(&s->pipe_waiters);
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

void nki_ep_close_locked(nki_ep *ep);
void nki_device_sock_closed(uint32_t sid);

static void sock_free(void *arg)
{
    nki_sock *s = arg;
    if (s->proto->sock_fini) {
        s->proto->sock_fini(s->pdata);
    }
    free(s);
    nki_count(NK_DEBUG_SOCKETS, -1);
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
    nki_aio_list_fail(&s->pipe_waiters, NK_ECLOSED);
    nki_msgq_flush(&s->pipe_events);
    nki_idmap_del(&sock_ids, s->id);
    /* Pipes are freed by deferred tasks; free the socket after them. */
    nki_defer(sock_free, s);
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

static nki_ctx *ctx_find(uint32_t cid)
{
    ids_init();
    return nki_idmap_get(&ctx_ids, cid);
}

int nk_ctx_close(uint32_t cid)
{
    nki_ctx *c;
    nki_lock();
    if ((c = ctx_find(cid)) == NULL) {
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
    if (!(s->pipe_notify & NK_PIPE_NOTIFY_ON) || s->closed || (m = nki_msg_new(8, 8)) == NULL) {
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

void nk_sock_pipe_event(uint32_t sid, nk_aio *a)
{
    nki_sock *s;
    nk_msg *m;
    nki_lock();
    if (a->busy) {
        nki_unlock();
        return;
    }
    s = nki_sock_find(sid);
    nki_aio_begin(a, NK_DURATION_INFINITE);
    if (s == NULL) {
        nki_aio_finish(a, NK_ECLOSED);
    } else if ((m = nki_msgq_get(&s->pipe_events)) != NULL) {
        a->msg = m;
        nki_aio_finish(a, 0);
    } else {
        nki_aio_wait_on(a, &s->pipe_waiters);
    }
    nki_unlock();
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
        c = ctx_find(id);
        s = c ? c->sock : NULL;
    } else {
        s = nki_sock_find(id);
    }
    if (c != NULL) {
        nki_aio_begin(a, send ? c->send_timeout : c->recv_timeout);
    } else {
        nki_aio_begin(a, s == NULL ? 0 : (send ? s->send_timeout : s->recv_timeout));
    }
    if (s == NULL) {
        nki_aio_finish(a, NK_ECLOSED);
    } else if (send && a->msg == NULL) {
        nki_aio_finish(a, NK_EINVAL);
    } else if (ctx) {
        (send ? s->proto->ctx_send : s->proto->ctx_recv)(c->pdata, a);
    } else {
        (send ? s->proto->sock_send : s->proto->sock_recv)(s->pdata, a);
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

/*
 * ---- one-call sync operations (perf, issue 5) ----
 * Start, then wait one slice, in a single call (and lock hold) instead of
 * the caller's alloc/set/start/wait/result/free sequence, on an aio from
 * the core's spare list.  When the slice ends first (NK_PENDING) the aio is
 * handed to the caller, who waits for it and frees it as for an operation
 * started by nk_sock_send and friends.
 */
static int op_wait(uint32_t id, int ctx, bool send, nk_aio *a, int32_t timeout, int32_t slice_ms,
                   nk_op *op)
{
    a->timeout = timeout;
    nki_dispatch(id, ctx != 0, send, a);
    if (!nki_aio_wait_locked(a, slice_ms)) {
        op->aio = a;
        return NK_PENDING;
    }
    return a->result;
}

int nk_send_wait(uint32_t id, int ctx, nk_msg *m, const char *data, size_t len, int32_t timeout,
                 int32_t slice_ms, nk_op *op)
{
    nk_aio *a;
    int rv;
    if (m == NULL) {
        if ((m = nki_msg_new(len, len)) == NULL) {
            return NK_ENOMEM;
        }
        if (len) {
            memcpy(m->body, data, len);
        }
    }
    nki_init();
    nki_lock();
    if ((a = nki_aio_get()) == NULL) {
        nki_unlock();
        nk_msg_free(m);
        return NK_ENOMEM;
    }
    a->msg = m;
    if ((rv = op_wait(id, ctx, true, a, timeout, slice_ms, op)) == NK_PENDING) {
        nki_unlock();
        return rv;
    }
    m = a->msg; /* a failed send hands the message back */
    a->msg = NULL;
    nki_aio_put(a);
    nki_unlock();
    if (rv == NK_EAGAIN && m != NULL) {
        op->msg = m; /* for a later try (nk_send_start) */
    } else {
        nk_msg_free(m);
    }
    return rv;
}

int nk_recv_wait(uint32_t id, int ctx, int32_t timeout, int32_t slice_ms, nk_op *op)
{
    nk_aio *a;
    int rv;
    nki_init();
    nki_lock();
    if ((a = nki_aio_get()) == NULL) {
        nki_unlock();
        return NK_ENOMEM;
    }
    if ((rv = op_wait(id, ctx, false, a, timeout, slice_ms, op)) == NK_PENDING) {
        nki_unlock();
        return rv;
    }
    if (rv == 0 && a->msg == NULL) {
        rv = NK_EINTERNAL; /* success without a message: a core bug */
    }
    if (rv == 0) {
        op->msg = a->msg;
        op->body = a->msg->body;
        op->len = a->msg->len;
        a->msg = NULL;
    }
    nki_aio_put(a);
    nki_unlock();
    return rv;
}

/* Starts an operation with the default timeout, completing to cq under tag
 * (the async path, after a zero-timeout nk_*_wait said "not now"). */
static int op_start(uint32_t id, int ctx, bool send, nk_msg *m, nk_cq *cq, uint64_t tag, nk_op *op)
{
    nk_aio *a;
    nki_init();
    nki_lock();
    if ((a = nki_aio_get()) == NULL) {
        nki_unlock();
        nk_msg_free(m);
        return NK_ENOMEM;
    }
    a->msg = m;
    a->cq = cq;
    a->tag = tag;
    nki_dispatch(id, ctx != 0, send, a);
    op->aio = a;
    nki_unlock();
    return 0;
}

int nk_send_start(uint32_t id, int ctx, nk_msg *m, const char *data, size_t len, nk_cq *cq,
                  uint64_t tag, nk_op *op)
{
    if (m == NULL) {
        if ((m = nki_msg_new(len, len)) == NULL) {
            return NK_ENOMEM;
        }
        if (len) {
            memcpy(m->body, data, len);
        }
    }
    return op_start(id, ctx, true, m, cq, tag, op);
}

int nk_recv_start(uint32_t id, int ctx, nk_cq *cq, uint64_t tag, nk_op *op)
{
    return op_start(id, ctx, false, NULL, cq, tag, op);
}

/* ---- options ---- */

static const nki_option *opt_find(const nki_option *t, const char *name)
{
    for (; t && t->name; t++) {
        if (strcmp(t->name, name) == 0) {
            return t;
        }
    }
    return NULL;
}

static int sock_set_int(nki_sock *s, const char *name, int64_t v)
{
    const nki_option *o = opt_find(s->proto->sock_opts, name);
    if (o) {
        return o->set ? o->set(s->pdata, v) : NK_EREADONLY;
    }
    if (strcmp(name, "recv-timeout") == 0) {
        return nki_opt_duration(v, &s->recv_timeout);
    } else if (strcmp(name, "send-timeout") == 0) {
        return nki_opt_duration(v, &s->send_timeout);
    } else if (strcmp(name, "reconnect-time-min") == 0) {
        return nki_opt_duration(v, &s->reconn_min);
    } else if (strcmp(name, "reconnect-time-max") == 0) {
        return nki_opt_duration(v, &s->reconn_max);
    } else if (strcmp(name, "handshake-timeout") == 0) {
        return nki_opt_duration(v, &s->hs_timeout);
    } else if (strcmp(name, "recv-size-max") == 0) {
        if (v < 0) {
            return NK_EINVAL;
        }
        s->recv_max = v;
    } else if (strcmp(name, "tcp-nodelay") == 0) {
        s->nodelay = v != 0;
    } else if (strcmp(name, "tcp-keepalive") == 0) {
        s->keepalive = v != 0;
    } else if (strcmp(name, "recv-buffer") == 0 || strcmp(name, "send-buffer") == 0) {
        if (v < 0 || v > 8192) {
            return NK_EINVAL;
        }
        *(name[0] == 'r' ? &s->recv_buf : &s->send_buf) = v;
    } else if (strcmp(name, "protocol") == 0 || strcmp(name, "peer") == 0 ||
               strcmp(name, "raw") == 0) {
        return NK_EREADONLY;
    } else {
        return NK_ENOTSUP;
    }
    return 0;
}

static int sock_get_int(nki_sock *s, const char *name, int64_t *v)
{
    const nki_option *o = opt_find(s->proto->sock_opts, name);
    if (o) {
        return o->get ? o->get(s->pdata, v) : NK_EWRITEONLY;
    }
    if (strcmp(name, "recv-timeout") == 0) {
        *v = s->recv_timeout;
    } else if (strcmp(name, "send-timeout") == 0) {
        *v = s->send_timeout;
    } else if (strcmp(name, "reconnect-time-min") == 0) {
        *v = s->reconn_min;
    } else if (strcmp(name, "reconnect-time-max") == 0) {
        *v = s->reconn_max;
    } else if (strcmp(name, "handshake-timeout") == 0) {
        *v = s->hs_timeout;
    } else if (strcmp(name, "recv-size-max") == 0) {
        *v = s->recv_max;
    } else if (strcmp(name, "tcp-nodelay") == 0) {
        *v = s->nodelay;
    } else if (strcmp(name, "tcp-keepalive") == 0) {
        *v = s->keepalive;
    } else if (strcmp(name, "protocol") == 0) {
        *v = s->proto->self;
    } else if (strcmp(name, "peer") == 0) {
        *v = s->proto->peer;
    } else if (strcmp(name, "raw") == 0) {
        *v = s->raw;
    } else if (strcmp(name, "recv-buffer") == 0) {
        *v = s->recv_buf;
    } else if (strcmp(name, "send-buffer") == 0) {
        *v = s->send_buf;
    } else {
        return NK_ENOTSUP;
    }
    return 0;
}

int nki_ep_getopt_str(nki_ep *ep, const char *name, char *buf, size_t len);
int nki_ep_opt_int(nki_ep *ep, const char *name, int64_t *get, const int64_t *set);
nki_ep *nki_ep_find(uint32_t id, bool dialer);

int nk_opt_set_int(int kind, uint32_t id, const char *name, int64_t v)
{
    int rv = NK_ECLOSED;
    nki_lock();
    if (kind == NK_OBJ_SOCKET) {
        nki_sock *s = nki_sock_find(id);
        if (s) {
            rv = sock_set_int(s, name, v);
        }
    } else if (kind == NK_OBJ_CTX) {
        nki_ctx *c = ctx_find(id);
        if (c) {
            const nki_option *o = opt_find(c->sock->proto->ctx_opts, name);
            if (strcmp(name, "recv-timeout") == 0) {
                rv = nki_opt_duration(v, &c->recv_timeout);
            } else if (strcmp(name, "send-timeout") == 0) {
                rv = nki_opt_duration(v, &c->send_timeout);
            } else {
                rv = o == NULL ? NK_ENOTSUP : (o->set ? o->set(c->pdata, v) : NK_EREADONLY);
            }
        }
    } else if (kind == NK_OBJ_DIALER || kind == NK_OBJ_LISTENER) {
        nki_ep *ep = nki_ep_find(id, kind == NK_OBJ_DIALER);
        if (ep) {
            rv = nki_ep_opt_int(ep, name, NULL, &v);
        }
    } else {
        rv = NK_ENOTSUP;
    }
    nki_unlock();
    return rv;
}

int nk_opt_get_int(int kind, uint32_t id, const char *name, int64_t *v)
{
    int rv = NK_ECLOSED;
    nki_lock();
    if (kind == NK_OBJ_SOCKET) {
        nki_sock *s = nki_sock_find(id);
        if (s) {
            rv = sock_get_int(s, name, v);
        }
    } else if (kind == NK_OBJ_CTX) {
        nki_ctx *c = ctx_find(id);
        if (c) {
            const nki_option *o = opt_find(c->sock->proto->ctx_opts, name);
            if (strcmp(name, "recv-timeout") == 0) {
                *v = c->recv_timeout, rv = 0;
            } else if (strcmp(name, "send-timeout") == 0) {
                *v = c->send_timeout, rv = 0;
            } else {
                rv = o == NULL ? NK_ENOTSUP : (o->get ? o->get(c->pdata, v) : NK_EWRITEONLY);
            }
        }
    } else if (kind == NK_OBJ_DIALER || kind == NK_OBJ_LISTENER) {
        nki_ep *ep = nki_ep_find(id, kind == NK_OBJ_DIALER);
        if (ep) {
            rv = nki_ep_opt_int(ep, name, v, NULL);
        }
    } else if (kind == NK_OBJ_PIPE) {
        nki_pipe *p = nki_pipe_find(id);
        if (p) {
            rv = nki_pipe_getopt_int(p, name, v);
        }
    }
    nki_unlock();
    return rv;
}

int nk_opt_set_str(int kind, uint32_t id, const char *name, const char *val)
{
    int rv = NK_ECLOSED;
    nki_lock();
    if (kind == NK_OBJ_SOCKET) {
        nki_sock *s = nki_sock_find(id);
        if (s) {
            if (strcmp(name, "socket-name") == 0) {
                rv = strlen(val) < sizeof(s->name) ? 0 : NK_EINVAL;
                if (rv == 0) {
                    strcpy(s->name, val);
                }
            } else if (strcmp(name, "protocol-name") == 0 || strcmp(name, "peer-name") == 0) {
                rv = NK_EREADONLY;
            } else {
                rv = NK_ENOTSUP;
            }
        }
    } else {
        rv = NK_ENOTSUP;
    }
    nki_unlock();
    return rv;
}

int nk_opt_set_bin(int kind, uint32_t id, const char *name, const void *val, size_t len)
{
    int rv = NK_ECLOSED;
    const nki_option *o = NULL;
    void *obj = NULL;
    nki_lock();
    if (kind == NK_OBJ_SOCKET) {
        nki_sock *s = nki_sock_find(id);
        if (s) {
            o = opt_find(s->proto->sock_opts, name);
            obj = s->pdata;
        }
    } else if (kind == NK_OBJ_CTX) {
        nki_ctx *c = ctx_find(id);
        if (c) {
            o = opt_find(c->sock->proto->ctx_opts, name);
            obj = c->pdata;
        }
    }
    if (obj != NULL) {
        rv = (o && o->set_bin) ? o->set_bin(obj, val, len) : NK_ENOTSUP;
    }
    nki_unlock();
    return rv;
}

int nk_opt_get_str(int kind, uint32_t id, const char *name, char *buf, size_t len)
{
    int rv = NK_ECLOSED;
    nki_lock();
    if (kind == NK_OBJ_SOCKET) {
        nki_sock *s = nki_sock_find(id);
        if (s) {
            if (strcmp(name, "socket-name") == 0) {
                rv = nki_opt_str(s->name, buf, len);
            } else if (strcmp(name, "protocol-name") == 0) {
                rv = nki_opt_str(s->proto->self_name, buf, len);
            } else if (strcmp(name, "peer-name") == 0) {
                rv = nki_opt_str(s->proto->peer_name, buf, len);
            } else {
                rv = NK_ENOTSUP;
            }
        }
    } else if (kind == NK_OBJ_DIALER || kind == NK_OBJ_LISTENER) {
        nki_ep *ep = nki_ep_find(id, kind == NK_OBJ_DIALER);
        if (ep) {
            rv = nki_ep_getopt_str(ep, name, buf, len);
        }
    } else if (kind == NK_OBJ_PIPE) {
        nki_pipe *p = nki_pipe_find(id);
        if (p) {
            rv = nki_pipe_getopt_str(p, name, buf, len);
        }
    } else {
        rv = NK_ENOTSUP;
    }
    nki_unlock();
    return rv;
}

/* ---- misc public API ---- */

const char *nk_version(void)
{
    return NK_VERSION;
}

int64_t nki_count_get(int which);

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
