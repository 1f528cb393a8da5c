#define _GNU_SOURCE /* accept4 */
/*
 * Endpoints: listeners accept, dialers connect and reconnect.
 *
 * Reconnection follows NNG: before each attempt wait a uniformly random time
 * in [0, current); current starts at reconnect-time-min and doubles up to
 * reconnect-time-max when that is set; it resets to the minimum whenever a
 * connection completes the SP handshake.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pipe.h"
#include "proto.h"
#include "stats.h"
#include "tran.h"

static void dialer_retry_cb(nki_timer *t);

static nki_idmap ep_ids;
static bool ep_ids_ready;

void nki_ep_atfork_child(void)
{
    ep_ids_ready = false;
}

nki_ep *nki_ep_find(uint32_t id, bool dialer)
{
    nki_ep *ep;
    if (!ep_ids_ready) {
        return NULL;
    }
    ep = nki_idmap_get(&ep_ids, id);
    return (ep && !ep->closed && ep->dialer == dialer) ? ep : NULL;
}

int64_t nki_ep_recv_max(const nki_ep *ep)
{
    return ep->recv_max >= 0 ? ep->recv_max : ep->sock->recv_max;
}

static int32_t ep_reconn_min(const nki_ep *ep)
{
    return ep->reconn_min >= 0 ? ep->reconn_min : ep->sock->reconn_min;
}

static int32_t ep_reconn_max(const nki_ep *ep)
{
    return ep->reconn_max >= 0 ? ep->reconn_max : ep->sock->reconn_max;
}

static void ep_free(void *arg)
{
    nki_ep *ep = arg;
    if (ep->dial_waiting) {
        ep->free_pending = true; /* the blocking dial frees it on wake-up */
        return;
    }
    if (ep->tran->ep_fini) {
        ep->tran->ep_fini(ep);
    }
    nki_optstore_fini(&ep->topts);
    nki_cv_fini(&ep->cv);
    free(ep);
    nki_count(NK_DEBUG_ENDPOINTS, -1);
}

static void ep_fd_close(nki_ep *ep)
{
    if (ep->fd >= 0) {
        nki_pfd_fini(&ep->pfd);
        close(ep->fd);
        ep->fd = -1;
        nki_count(NK_DEBUG_FDS, -1);
    }
}

void nki_ep_close_locked(nki_ep *ep)
{
    nki_node *n, *nx;
    if (ep->closed) {
        return;
    }
    ep->closed = true;
    nki_timer_cancel(&ep->retry);
    nki_node_remove(&ep->node);
    nki_idmap_del(&ep_ids, ep->id);
    ep_fd_close(ep);
    if (!ep->dialer && ep->started && ep->tran->ep_unbind) {
        ep->tran->ep_unbind(ep);
    }
    if (ep->tran->ep_close) {
        ep->tran->ep_close(ep);
    }
    /* Pipes die with the endpoint that made them, as in NNG. */
    NKI_LIST_FOREACH_SAFE(&ep->sock->pipes, n, nx)
    {
        nki_pipe *p = NKI_CONTAINER(n, nki_pipe, sock_node);
        if (p->ep == ep) {
            nki_pipe_close(p, NK_ECLOSED);
            /* An inproc pipe takes its peer along; when the socket dialed
             * itself, that peer may be the next node: start over (each
             * restart follows a close, so this ends). */
            if (!nki_node_linked(nx)) {
                nx = ep->sock->pipes.head.next;
            }
        }
    }
    if (ep->dial_waiting && !ep->dial_done) {
        ep->dial_rv = NK_ECLOSED;
        ep->dial_done = true;
        nki_cv_wake(&ep->cv);
    }
    nki_defer(ep_free, ep);
}

/* ---- listeners ---- */

#define ACCEPT_PAUSE_MS 100

static void listener_rearm_cb(nki_timer *t)
{
    nki_ep *ep = t->arg;
    if (!ep->closed && ep->fd >= 0) {
        nki_pfd_arm(&ep->pfd, NKI_POLL_IN);
    }
}

static void listener_accept_cb(nki_pfd *pfd, unsigned ev)
{
    nki_ep *ep = pfd->arg;
    int i;
    (void) ev;
    for (i = 0; i < 64 && !ep->closed; i++) {
        int fd = accept4(ep->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* The connection stays queued, so a level-triggered poller
                 * would report it again at once: pause accepting instead of
                 * spinning, and try again shortly. */
                ep->st.connect_errors++;
                nki_pfd_arm(&ep->pfd, 0);
                ep->retry.cb = listener_rearm_cb;
                nki_timer_schedule(&ep->retry, nki_clock() + ACCEPT_PAUSE_MS);
                break;
            }
            if (errno == ECONNABORTED || errno == EPROTO || errno == EINTR) {
                continue; /* that one connection failed; others may wait */
            }
            break; /* EAGAIN: drained */
        }
        if (ep->tran->fd_setup) {
            ep->tran->fd_setup(ep, fd);
        }
        nki_stream_pipe_new(ep->sock, ep, fd, ep->tran->type_byte);
    }
}

static nki_ep *ep_new(nki_sock *s, const char *url, bool dialer, int *rvp)
{
    const nki_tran *t = nki_tran_find(url);
    nki_ep *ep;
    int rv;
    if (t == NULL) {
        *rvp = strstr(url, "://") ? NK_ENOTSUP : NK_EINVAL; /* NNG's codes */
        return NULL;
    }
    if (strlen(url) >= NKI_URL_MAX) {
        *rvp = NK_EADDRINVAL;
        return NULL;
    }
    if ((ep = calloc(1, sizeof(*ep))) == NULL) {
        *rvp = NK_ENOMEM;
        return NULL;
    }
    if (!ep_ids_ready) {
        nki_idmap_init(&ep_ids, 1, 0x7fffffff, false);
        ep_ids_ready = true;
    }
    ep->sock = s;
    ep->tran = t;
    ep->dialer = dialer;
    ep->fd = -1;
    nki_timer_init(&ep->retry, dialer_retry_cb, ep);
    ep->recv_max = -1;
    ep->reconn_min = ep->reconn_max = -1;
    strcpy(ep->url, url);
    nki_cv_init(&ep->cv);
    if ((rv = t->ep_init(ep)) != 0 || (rv = nki_idmap_alloc(&ep_ids, ep, &ep->id)) != 0) {
        if (rv != 0 && ep->tdata && t->ep_fini) {
            t->ep_fini(ep);
        }
        nki_cv_fini(&ep->cv);
        free(ep);
        *rvp = rv;
        return NULL;
    }
    nki_list_append(&s->eps, &ep->node);
    nki_count(NK_DEBUG_ENDPOINTS, 1);
    return ep;
}

/* Creates an endpoint that does nothing until started. */
static int ep_create(uint32_t sid, const char *url, bool dialer, uint32_t *idp)
{
    nki_sock *s;
    nki_ep *ep;
    int rv = 0;
    nki_init();
    nki_lock();
    if ((s = nki_sock_find(sid)) == NULL) {
        nki_unlock();
        return NK_ECLOSED;
    }
    if ((ep = ep_new(s, url, dialer, &rv)) != NULL) {
        *idp = ep->id;
    }
    nki_unlock();
    return rv;
}

int nk_listener_create(uint32_t sid, const char *url, uint32_t *lid)
{
    return ep_create(sid, url, false, lid);
}

int nk_dialer_create(uint32_t sid, const char *url, uint32_t *did)
{
    return ep_create(sid, url, true, did);
}

int nk_listen(uint32_t sid, const char *url, uint32_t *lid)
{
    int rv = nk_listener_create(sid, url, lid);
    if (rv == 0 && (rv = nk_listener_start(*lid)) != 0) {
        nk_listener_close(*lid);
        *lid = 0;
    }
    return rv;
}

/* A listener that fails to start closes, as nk_listen always did. */
int nk_listener_start(uint32_t lid)
{
    nki_ep *ep;
    int rv = 0;
    nki_lock();
    if ((ep = nki_ep_find(lid, false)) == NULL) {
        nki_unlock();
        return NK_ECLOSED;
    }
    if (ep->started) {
        nki_unlock();
        return NK_ESTATE;
    }
    if (ep->tran->stream) {
        int fd;
        if ((rv = ep->tran->ep_bind(ep, &fd)) == 0) {
            ep->fd = fd;
            nki_count(NK_DEBUG_FDS, 1);
            if (nki_pfd_init(&ep->pfd, fd, listener_accept_cb, ep) != 0) {
                rv = NK_ENOMEM;
            } else {
                nki_pfd_arm(&ep->pfd, NKI_POLL_IN);
            }
        }
    } else {
        rv = ep->tran->ep_listen(ep);
    }
    if (rv == 0) {
        ep->started = true;
    } else {
        nki_ep_close_locked(ep);
    }
    nki_unlock();
    return rv;
}

int nk_listener_close(uint32_t lid)
{
    nki_ep *ep;
    nki_lock();
    if ((ep = nki_ep_find(lid, false)) == NULL) {
        nki_unlock();
        return NK_ECLOSED;
    }
    nki_ep_close_locked(ep);
    nki_unlock();
    return 0;
}

int nk_dialer_close(uint32_t did)
{
    nki_ep *ep;
    nki_lock();
    if ((ep = nki_ep_find(did, true)) == NULL) {
        nki_unlock();
        return NK_ECLOSED;
    }
    nki_ep_close_locked(ep);
    nki_unlock();
    return 0;
}

int nk_pipe_close(uint32_t pid)
{
    nki_pipe *p;
    nki_lock();
    if ((p = nki_pipe_find(pid)) == NULL) {
        nki_unlock();
        return NK_ECLOSED;
    }
    if (p->held && !p->closed) {
        nki_stats_app_refused(p);
    }
    nki_pipe_close(p, NK_ECLOSED);
    nki_unlock();
    return 0;
}

/* ---- dialers ---- */

static void dialer_connect_cb(nki_pfd *pfd, unsigned ev)
{
    nki_ep *ep = pfd->arg;
    int err = 0, fd = ep->fd;
    socklen_t sl = sizeof(err);
    (void) ev;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0) {
        err = errno;
    }
    if (err == EINPROGRESS) {
        return;
    }
    /* The fd leaves the endpoint: either to a pipe or closed. */
    nki_pfd_fini(&ep->pfd);
    ep->fd = -1;
    nki_count(NK_DEBUG_FDS, -1);
    if (err != 0) {
        close(fd);
        ep->st.connect_errors++;
        nki_dialer_failed(ep, nki_errno_to_nk(err));
        return;
    }
    if (ep->tran->fd_setup) {
        ep->tran->fd_setup(ep, fd);
    }
    if (nki_stream_pipe_new(ep->sock, ep, fd, ep->tran->type_byte) == NULL) {
        nki_dialer_failed(ep, NK_ENOMEM);
    }
}

static void dialer_attempt(nki_ep *ep)
{
    int rv, fd = -1;
    if (ep->closed || ep->sock->closed || ep->pipe != NULL || !ep->started) {
        return;
    }
    if (!ep->tran->stream) {
        ep->st.attempts++;
        if ((rv = ep->tran->ep_dial(ep)) != 0) {
            ep->st.connect_errors++;
            nki_dialer_failed(ep, rv);
        }
        return;
    }
    ep->st.attempts++;
    if ((rv = ep->tran->ep_connect(ep, &fd)) != 0) {
        ep->st.connect_errors++;
        nki_dialer_failed(ep, rv);
        return;
    }
    ep->fd = fd;
    nki_count(NK_DEBUG_FDS, 1);
    if (nki_pfd_init(&ep->pfd, fd, dialer_connect_cb, ep) != 0) {
        ep_fd_close(ep);
        nki_dialer_failed(ep, NK_ENOMEM);
        return;
    }
    nki_pfd_arm(&ep->pfd, NKI_POLL_OUT);
}

static void dialer_retry_cb(nki_timer *t)
{
    nki_ep *ep = t->arg;
    if (!ep->closed && !ep->sock->closed && ep->pipe == NULL) {
        ep->st.reconnects++;
        ep->sock->st.reconnects++;
    }
    dialer_attempt(ep);
}

void nki_dialer_schedule(nki_ep *ep)
{
    int32_t cur, mx = ep_reconn_max(ep);
    nki_time delay;
    if (ep->closed || ep->sock->closed || !ep->started) {
        return;
    }
    if (ep->backoff <= 0) {
        ep->backoff = ep_reconn_min(ep);
    }
    cur = ep->backoff;
    delay = cur > 0 ? (nki_time) (nki_random() % (uint32_t) cur) : 0;
    if (mx > 0) {
        ep->backoff = cur * 2 > mx ? mx : cur * 2;
    }
    nki_timer_schedule(&ep->retry, nki_clock() + delay);
}

void nki_dialer_failed(nki_ep *ep, int err)
{
    if (ep->dial_waiting && !ep->dial_done) {
        /* A failed blocking dial keeps nothing and does not retry. */
        ep->dial_rv = err;
        ep->dial_done = true;
        nki_cv_wake(&ep->cv);
        return;
    }
    nki_dialer_schedule(ep);
}

void nki_ep_pipe_attached(nki_ep *ep, nki_pipe *p)
{
    if (!ep->dialer || ep->closed) {
        return;
    }
    ep->pipe = p;
    ep->backoff = ep_reconn_min(ep);
    if (ep->dial_waiting && !ep->dial_done) {
        ep->dial_rv = 0;
        ep->dial_done = true;
        nki_cv_wake(&ep->cv);
    }
}

void nki_ep_pipe_closed(nki_ep *ep, nki_pipe *p, int err)
{
    if (!ep->dialer || ep->closed) {
        return;
    }
    if (ep->pipe == p) {
        ep->pipe = NULL;
        nki_dialer_schedule(ep);
    } else {
        nki_dialer_failed(ep, err); /* failed during the handshake */
    }
}

int nk_dial(uint32_t sid, const char *url, int flags, uint32_t *did)
{
    int rv = nk_dialer_create(sid, url, did);
    if (rv == 0 && (rv = nk_dialer_start(*did, flags)) != 0) {
        nk_dialer_close(*did);
        *did = 0;
    }
    return rv;
}

int nk_dialer_start(uint32_t did, int flags)
{
    nki_ep *ep;
    int rv;
    nki_lock();
    if ((ep = nki_ep_find(did, true)) == NULL) {
        nki_unlock();
        return NK_ECLOSED;
    }
    if (ep->started) {
        nki_unlock();
        return NK_ESTATE;
    }
    ep->started = true;
    ep->backoff = ep_reconn_min(ep);
    if (flags & NK_FLAG_NONBLOCK) {
        dialer_attempt(ep);
        nki_unlock();
        return 0;
    }
    ep->dial_waiting = true;
    dialer_attempt(ep);
    while (!ep->dial_done) {
        nki_cv_wait(&ep->cv);
    }
    rv = ep->dial_rv;
    ep->dial_waiting = false;
    ep->dial_done = false;
    if (rv != 0 && !ep->closed) {
        /* Nothing kept: the caller may start it again or close it. */
        ep->started = false;
    }
    if (ep->free_pending) {
        nki_defer(ep_free, ep);
    }
    nki_unlock();
    return rv;
}

/* ---- endpoint options ---- */

/* reconnect-time-min, -max: -1 reads the socket's. */
static int ep_get_reconn(void *obj, const nki_option *o, nki_optval *v)
{
    nki_ep *ep = obj;
    v->i = o->arg == offsetof(nki_ep, reconn_min) ? ep_reconn_min(ep) : ep_reconn_max(ep);
    return 0;
}

/* A listener reads its socket's reconnect times but cannot set its own:
 * it never reconnects (NNG answers NNG_ENOTSUP the same way). */
static int ep_set_reconn(void *obj, const nki_option *o, const nki_optval *v)
{
    return ((nki_ep *) obj)->dialer ? nki_opt_set_i32(obj, o, v) : NK_ENOTSUP;
}

static int ep_get_recv_max(void *obj, const nki_option *o, nki_optval *v)
{
    (void) o;
    v->i = nki_ep_recv_max(obj);
    return 0;
}

/* peer, id, socket (arg 0, 1, 2). */
static int ep_get_number(void *obj, const nki_option *o, nki_optval *v)
{
    nki_ep *ep = obj;
    v->i = o->arg == 0 ? ep->sock->proto->peer : o->arg == 1 ? ep->id : ep->sock->id;
    return 0;
}

/* url, peer-name (arg 0, 1). */
static int ep_get_text(void *obj, const nki_option *o, nki_optval *v)
{
    nki_ep *ep = obj;
    return nki_optval_str(v, o->arg == 0 ? ep->url : ep->sock->proto->peer_name);
}

/* A listener's bound address, once it has a listening fd (a transport's
 * own row answers instead where it knows better: inproc, abstract, ws). */
static int ep_get_local_address(void *obj, const nki_option *o, nki_optval *v)
{
    nki_ep *ep = obj;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    (void) o;
    if (ep->fd < 0 || ep->dialer) {
        return NK_ENOTSUP;
    }
    if (getsockname(ep->fd, (struct sockaddr *) &ss, &sl) != 0) {
        return NK_ECLOSED;
    }
    return nki_sockaddr_format(&ss, sl, v->buf, v->size);
}

static const nki_option ep_options[] = {
    {"recv-size-max", NKI_OPT_SIZE, 0, 0, ep_get_recv_max, nki_opt_set_i64,
     NKI_OPT_FIELD(nki_ep, recv_max, 8)},
    {"reconnect-time-min", NKI_OPT_MS, 0, 0, ep_get_reconn, ep_set_reconn,
     NKI_OPT_FIELD(nki_ep, reconn_min, 4)},
    {"reconnect-time-max", NKI_OPT_MS, 0, 0, ep_get_reconn, ep_set_reconn,
     NKI_OPT_FIELD(nki_ep, reconn_max, 4)},
    {"peer", NKI_OPT_INT, 0, 0, ep_get_number, NULL, 0},
    {"id", NKI_OPT_INT, 0, 0, ep_get_number, NULL, 1},
    {"socket", NKI_OPT_INT, 0, 0, ep_get_number, NULL, 2},
    {"url", NKI_OPT_STR, 0, 0, ep_get_text, NULL, 0},
    {"peer-name", NKI_OPT_STR, 0, 0, ep_get_text, NULL, 1},
    {"local-address", NKI_OPT_STR, 0, 0, ep_get_local_address, NULL, 0},
    NKI_OPT_END,
};

int nki_ep_opt(nki_ep *ep, const char *name, nki_optreq *r)
{
    const nki_option *o = nki_opt_find(ep_options, name);
    /* The transport's row for this kind of endpoint comes first. */
    if (o != NULL && nki_topt_ep_row(ep, name) == NULL) {
        return nki_opt_apply(o, ep, r, NK_ENOTSUP);
    }
    return nki_topt_ep(ep, name, r);
}
