/*
 * SUB0 (0x21): filters locally by byte prefix; nothing about subscriptions
 * goes on the wire.  An empty topic matches everything; no subscription
 * matches nothing.  Each context has its own subscriptions and its own
 * receive queue (recv-buffer, 128); when it is full the oldest message is
 * dropped (sub:prefnew, default true) or else the new one.  SUB always reads
 * its pipes, so it never pushes back on a PUB.  Raw SUB delivers everything.
 */
#include <stdlib.h>
#include <string.h>

#include "protoq.h"

typedef struct sub0_sock sub0_sock;

typedef struct {
    uint8_t *data;
    size_t len;
} sub0_topic;

typedef struct {
    sub0_sock *ss;
    sub0_topic *topics;
    size_t ntopics;
    nki_rq rq;
    bool prefnew;
    nki_node node;
} sub0_ctx;

struct sub0_sock {
    sub0_ctx master; /* first: socket options act on it */
    nki_sock *s;
    nki_list ctxs;
};

static int sub0_ctx_init(void *arg, void *sarg)
{
    sub0_ctx *c = arg;
    sub0_sock *ss = sarg;
    bool master = c == &ss->master;
    /* New contexts inherit the socket's queue settings, not its topics. */
    bool prefnew = master ? true : ss->master.prefnew;
    size_t cap = master ? 128 : ss->master.rq.cap;
    memset(c, 0, sizeof(*c));
    c->ss = ss;
    c->prefnew = prefnew;
    nki_rq_init(&c->rq, cap);
    nki_list_append(&ss->ctxs, &c->node);
    return 0;
}

static void sub0_ctx_fini(void *arg)
{
    sub0_ctx *c = arg;
    size_t i;
    nki_rq_close(&c->rq);
    nki_node_remove(&c->node);
    for (i = 0; i < c->ntopics; i++) {
        free(c->topics[i].data);
    }
    free(c->topics);
    c->topics = NULL;
    c->ntopics = 0;
}

static int sub0_sock_init(void *arg, nki_sock *s)
{
    sub0_sock *ss = arg;
    ss->s = s;
    nki_list_init(&ss->ctxs);
    return sub0_ctx_init(&ss->master, ss);
}

static void sub0_sock_close(void *arg)
{
    nki_rq_close(&((sub0_sock *) arg)->master.rq);
}

static void sub0_sock_fini(void *arg)
{
    sub0_ctx_fini(&((sub0_sock *) arg)->master);
}

static bool sub0_matches(const sub0_ctx *c, const nk_msg *m)
{
    size_t i;
    for (i = 0; i < c->ntopics; i++) {
        const sub0_topic *t = &c->topics[i];
        if (t->len <= m->len && memcmp(t->data, m->body, t->len) == 0) {
            return true;
        }
    }
    return false;
}

static void sub0_ctx_put(sub0_ctx *c, nk_msg *m)
{
    if (!c->prefnew && c->rq.q.len >= c->rq.cap && nki_list_empty(&c->rq.waiting)) {
        nki_stat_drop_pipe(m->pipe, NKI_DROP_RECV_FULL);
        nk_msg_free(m); /* keep what is queued, drop the newcomer */
        return;
    }
    nki_rq_put(&c->rq, m);
}

static void sub0_ctx_send(void *arg, nk_aio *a)
{
    (void) arg;
    nki_aio_finish(a, NK_ENOTSUP);
}

static void sub0_ctx_recv(void *arg, nk_aio *a)
{
    nki_rq_recv(&((sub0_ctx *) arg)->rq, a);
}

static void sub0_sock_send(void *arg, nk_aio *a)
{
    sub0_ctx_send(&((sub0_sock *) arg)->master, a);
}

static void sub0_sock_recv(void *arg, nk_aio *a)
{
    sub0_ctx_recv(&((sub0_sock *) arg)->master, a);
}

static int sub0_pipe_init(void *arg, nki_pipe *p, void *sarg)
{
    *(sub0_sock **) arg = sarg;
    (void) p;
    return 0;
}

static int sub0_pipe_recv(void *arg, nk_msg *m)
{
    sub0_sock *ss = *(sub0_sock **) arg;
    sub0_ctx *last = NULL;
    nki_node *n;
    if (ss->s->raw) {
        sub0_ctx_put(&ss->master, m);
        return 0;
    }
    /* Each matching context gets a copy; the last one the original. */
    for (n = ss->ctxs.head.next; n != &ss->ctxs.head; n = n->next) {
        sub0_ctx *c = NKI_CONTAINER(n, sub0_ctx, node);
        if (!sub0_matches(c, m)) {
            continue;
        }
        if (last != NULL) {
            nk_msg *dup = nki_msg_dup(m);
            if (dup != NULL) {
                sub0_ctx_put(last, dup);
            }
        }
        last = c;
    }
    if (last != NULL) {
        sub0_ctx_put(last, m);
    } else {
        nk_msg_free(m);
    }
    return 0;
}

/* ---- options ---- */

static int sub0_subscribe(void *arg, const nki_option *o, const nki_optval *ov)
{
    sub0_ctx *c = arg;
    const void *v = ov->data;
    size_t len = ov->len, i;
    sub0_topic *nt;
    (void) o;
    for (i = 0; i < c->ntopics; i++) {
        if (c->topics[i].len == len && memcmp(c->topics[i].data, v, len) == 0) {
            return 0;
        }
    }
    if ((nt = realloc(c->topics, (c->ntopics + 1) * sizeof(*nt))) == NULL) {
        return NK_ENOMEM;
    }
    c->topics = nt;
    nt[c->ntopics].len = len;
    if ((nt[c->ntopics].data = malloc(len ? len : 1)) == NULL) {
        return NK_ENOMEM;
    }
    memcpy(nt[c->ntopics].data, v, len);
    c->ntopics++;
    return 0;
}

static int sub0_unsubscribe(void *arg, const nki_option *o, const nki_optval *ov)
{
    sub0_ctx *c = arg;
    const void *v = ov->data;
    size_t len = ov->len, i;
    (void) o;
    for (i = 0; i < c->ntopics; i++) {
        if (c->topics[i].len == len && memcmp(c->topics[i].data, v, len) == 0) {
            nki_node *n, *nx;
            free(c->topics[i].data);
            c->topics[i] = c->topics[--c->ntopics];
            /* As NNG: queued messages that no longer match are dropped. */
            NKI_LIST_FOREACH_SAFE(&c->rq.q.list, n, nx)
            {
                nk_msg *m = NKI_CONTAINER(n, nk_msg, node);
                if (!sub0_matches(c, m)) {
                    nki_node_remove(n);
                    c->rq.q.len--;
                    nk_msg_free(m);
                }
            }
            return 0;
        }
    }
    return NK_ENOENT;
}

/* The socket's options are its master context's (it comes first). */
static const nki_option sub0_opts[] = {
    {"sub:subscribe", NKI_OPT_BIN, 0, 0, NULL, sub0_subscribe, 0},
    {"sub:unsubscribe", NKI_OPT_BIN, 0, 0, NULL, sub0_unsubscribe, 0},
    NKI_OPT_ROW_BOOL("sub:prefnew", sub0_ctx, prefnew),
    NKI_RQ_OPT("recv-buffer", sub0_ctx, rq),
    NKI_OPT_END,
};

static unsigned sub0_ready(void *arg)
{
    return nki_rq_ready(&((sub0_sock *) arg)->master.rq) ? NKI_READY_RECV : 0;
}

#define SUB0_TABLE(is_raw)                                                                     \
    {                                                                                          \
        .self = NK_PROTO_SUB0, .peer = NK_PROTO_PUB0, .raw = is_raw, .self_name = "sub",       \
        .peer_name = "pub", .sock_size = sizeof(sub0_sock), .pipe_size = sizeof(sub0_sock *),  \
        .ctx_size = is_raw ? 0 : sizeof(sub0_ctx), .sock_init = sub0_sock_init,                \
        .sock_close = sub0_sock_close, .sock_fini = sub0_sock_fini,                            \
        .sock_send = sub0_sock_send, .sock_recv = sub0_sock_recv, .pipe_init = sub0_pipe_init, \
                                                                                               \
        .pipe_recv = sub0_pipe_recv, .ctx_init = sub0_ctx_init,                                \
        .ctx_fini = sub0_ctx_fini, .ctx_send = sub0_ctx_send, .ctx_recv = sub0_ctx_recv,       \
        .sock_opts = sub0_opts, .ctx_opts = sub0_opts,                                         \
        .ready_kinds = NKI_READY_RECV, .sock_ready = sub0_ready,                               \
    }

static const nki_proto nki_sub0_proto = SUB0_TABLE(false);
static const nki_proto nki_sub0_raw_proto = SUB0_TABLE(true);

NKI_PROTO_REGISTER(nki_sub0_proto)
NKI_PROTO_REGISTER(nki_sub0_raw_proto)
