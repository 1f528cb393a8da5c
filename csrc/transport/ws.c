/*
 * ws:// (and ws4://, ws6://): SP over WebSocket (sp-wire-protocol.md §5);
 * wss:// (wss4://, wss6://): the same over TLS (tls.h: the tls rows and
 * endpoint state are tls+tcp's).
 * This file owns the URLs, the listeners (several in one process share a
 * host:port by path, as in NNG: one server per bound address), the dialers
 * and the ws options; ws_conn.c runs each connection.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fork.h"
#include "pipe.h"
#include "proto.h"
#include "tls.h"
#include "tran.h"
#include "ws_conn.h"

#define WS_SUFFIX ".sp.nanomsg.org"
#define WS_TX_CAP (16u << 20) /* largest ws:txframe-max used */

typedef struct ws_server ws_server;

typedef struct {
    nki_tls_head th;        /* first (tls.h); th.tls is NULL for ws:// */
    nki_ep *ep;
    bool any_host;          /* listener on "*" or "" */
    char host[256];         /* as in the URL, brackets kept */
    char port[8];
    char hosthdr[272];      /* dialer: the Host header */
    char path[NKI_URL_MAX]; /* listener: the path it serves */
    char target[NKI_URL_MAX]; /* dialer: path and query */
    char *req_headers, *res_headers; /* options: extra header lines */
    ws_server *srv;         /* listener: its server */
    nki_node node;          /* on srv->eps */
    nki_ws_conn *pending;   /* dialer: the connection being set up */
} ws_ep;

struct ws_server {
    nki_node node; /* on ws_servers */
    struct sockaddr_storage ss;
    socklen_t sl;
    int fd;
    bool secure;      /* wss: TLS with its first listener's configuration */
    nki_pfd pfd;
    nki_list eps;     /* listeners served (ws_ep.node) */
    nki_list pending; /* connections not routed yet */
};

static nki_list ws_servers = {{&ws_servers.head, &ws_servers.head}};

/* fork(): the parent's servers are abandoned with the rest of its core. */
static void ws_atfork_child(void)
{
    nki_list_init(&ws_servers);
}

NKI_CORE_ATFORK(ws_atfork_child)

static int ws_family(const char *url)
{
    const char *sep = strstr(url, "://");
    return sep[-1] == '4' ? AF_INET : sep[-1] == '6' ? AF_INET6 : AF_UNSPEC;
}

static bool ws_secure(const char *url)
{
    return strncmp(url, "wss", 3) == 0;
}

/* "host[:port]" into w->host and w->port (default 80, wss 443). */
static int split_authority(ws_ep *w, const char *a, size_t n, const char *dport)
{
    const char *colon = NULL, *p;
    size_t hl;
    if (n > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', n);
        if (close == NULL) {
            return NK_EADDRINVAL;
        }
        colon = (size_t) (close + 1 - a) < n ? close + 1 : NULL;
        if (colon && *colon != ':') {
            return NK_EADDRINVAL;
        }
    } else {
        for (p = a; p < a + n; p++) {
            colon = *p == ':' ? p : colon;
        }
    }
    hl = colon ? (size_t) (colon - a) : n;
    if (hl >= sizeof(w->host) || (colon && (n - hl - 1 == 0 || n - hl - 1 >= sizeof(w->port)))) {
        return NK_EADDRINVAL;
    }
    memcpy(w->host, a, hl);
    w->host[hl] = '\0';
    if (colon) {
        memcpy(w->port, colon + 1, n - hl - 1);
        w->port[n - hl - 1] = '\0';
    } else {
        strcpy(w->port, dport);
    }
    return 0;
}

static int parse_url(ws_ep *w, const char *url)
{
    const char *a = strstr(url, "://") + 3;
    size_t an = strcspn(a, "/?#"), pn;
    const char *rest = a + an;
    const char *dport = ws_secure(url) ? "443" : "80";
    int rv = split_authority(w, a, an, dport);
    if (rv != 0 || strchr(rest, '#') != NULL) {
        return rv ? rv : NK_EADDRINVAL;
    }
    pn = strcspn(rest, "?");
    snprintf(w->path, sizeof(w->path), "%.*s", (int) pn, pn ? rest : "/");
    snprintf(w->target, sizeof(w->target), "%s%s", rest[0] == '/' ? "" : "/", rest);
    w->any_host = w->host[0] == '\0' || strcmp(w->host, "*") == 0;
    snprintf(w->hosthdr, sizeof(w->hosthdr), "%s%s%s", w->host, strcmp(w->port, dport) ? ":" : "",
             strcmp(w->port, dport) ? w->port : "");
    return 0;
}

static int ws_ep_init(nki_ep *ep)
{
    ws_ep *w = calloc(1, sizeof(*w));
    char hp[sizeof(w->host) + sizeof(w->port) + 2];
    int rv;
    if (w == NULL) {
        return NK_ENOMEM;
    }
    w->ep = ep;
    w->th.addr.sl = sizeof(w->th.addr.ss);
    if ((rv = parse_url(w, ep->url)) == 0) {
        snprintf(hp, sizeof(hp), "%s:%s", w->any_host ? "" : w->host, w->port);
        rv = nki_hostport_resolve(hp, !ep->dialer, ws_family(ep->url), &w->th.addr.ss, &w->th.addr.sl);
    }
    if (rv == 0 && ws_secure(ep->url)) {
        rv = nki_tls_ep_new(ep, &w->th.tls);
    }
    if (rv != 0) {
        free(w);
        return rv;
    }
    ep->tdata = w;
    return 0;
}

static void ws_ep_fini(nki_ep *ep)
{
    ws_ep *w = ep->tdata;
    if (w != NULL) {
        free(w->req_headers);
        free(w->res_headers);
        nki_tls_ep_free(w->th.tls);
        free(w);
        ep->tdata = NULL;
    }
}

/* ---- listeners: servers shared by path ---- */

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

/* An address literal (brackets allowed) into buf; 0 when it is none. */
static int host_addr(const char *h, size_t n, uint8_t buf[16])
{
    char s[64];
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++, n -= 2;
    }
    if (n == 0 || n >= sizeof(s)) {
        return 0;
    }
    memcpy(s, h, n);
    s[n] = '\0';
    if (inet_pton(AF_INET6, s, buf) == 1) {
        return AF_INET6;
    }
    return inet_aton(s, (struct in_addr *) buf) ? AF_INET : 0;
}

/* NNG's Host rule: any for a wildcard listener; address literals compared
 * as addresses; names case-insensitively, then the end or one '.'.  The
 * port is not compared. */
static bool host_match(const ws_ep *w, const char *v, size_t n)
{
    size_t hl = n, i, wl = strlen(w->host);
    uint8_t a[16], b[16];
    int fa, fb;
    if (w->any_host) {
        return true;
    }
    if (n > 0 && v[0] == '[') {
        const char *close = memchr(v, ']', n);
        hl = close ? (size_t) (close - v) + 1 : n;
    } else if (memchr(v, ':', n)) {
        hl = (size_t) ((const char *) memchr(v, ':', n) - v);
    }
    fa = host_addr(w->host, wl, a);
    if (fa != 0) {
        fb = host_addr(v, hl, b);
        return fa == fb && memcmp(a, b, fa == AF_INET ? 4 : 16) == 0;
    }
    if (hl == wl + 1 && v[wl] == '.') {
        hl--;
    }
    for (i = 0; hl == wl && i < wl; i++) {
        if (lower(v[i]) != lower(w->host[i])) {
            return false;
        }
    }
    return hl == wl;
}

static const nki_tran_option ws_options[];
#define WS_OPT_TX (&ws_options[0])
#define WS_OPT_RX (&ws_options[1])

static void ep_cfg(nki_ep *ep, nki_ws_cfg *cfg, bool server)
{
    const nki_proto *pr = ep->sock->proto;
    ws_ep *w = ep->tdata;
    cfg->rx_frame_max = (uint64_t) nki_ep_topt(ep, WS_OPT_RX);
    cfg->tx_frame_max = (size_t) nki_ep_topt(ep, WS_OPT_TX);
    /* 0 would mean frames of nothing: take the default; and keep the one
     * frame buffer of a connection reasonable. */
    if (cfg->tx_frame_max == 0 || cfg->tx_frame_max > WS_TX_CAP) {
        cfg->tx_frame_max = cfg->tx_frame_max == 0 ? 65536 : WS_TX_CAP;
    }
    snprintf(cfg->proto, sizeof(cfg->proto), "%s%s", server ? pr->self_name : pr->peer_name, WS_SUFFIX);
    cfg->headers = server ? w->res_headers : w->req_headers;
}

static nki_ep *ws_route(void *arg, const nki_ws_head *h, int *status, nki_ws_cfg *cfg)
{
    ws_server *srv = arg;
    char path[NKI_URL_MAX];
    size_t hn = 0;
    int count;
    const char *host;
    long pl;
    nki_node *n;
    if (h == NULL) {
        return srv->eps.head.next != &srv->eps.head ? NKI_CONTAINER(srv->eps.head.next, ws_ep, node)->ep : NULL;
    }
    host = nki_ws_hdr_get(h, "Host", &hn, &count);
    pl = nki_ws_target_path(h->buf + h->line[1].off, h->line[1].len, path, sizeof(path));
    for (n = srv->eps.head.next; pl >= 0 && n != &srv->eps.head; n = n->next) {
        ws_ep *w = NKI_CONTAINER(n, ws_ep, node);
        /* No Host at all is the listener's 400, not a routing miss. */
        if (nki_ws_path_match(path, w->path) && (count == 0 || (count == 1 && host_match(w, host, hn)))) {
            ep_cfg(w->ep, cfg, true);
            return w->ep;
        }
    }
    *status = 404;
    return NULL;
}

/* The listener whose TLS configuration a wss server uses: the first one
 * given a configuration (tls-config or tls-* settings), else the first.
 * One per server, as in NNG: the path that picks the listener is inside. */
static nki_ep *server_tls_ep(ws_server *srv)
{
    nki_node *n;
    for (n = srv->eps.head.next; n != &srv->eps.head; n = n->next) {
        nki_ep *ep = NKI_CONTAINER(n, ws_ep, node)->ep;
        if (!nki_tls_ep_pristine(ep)) {
            return ep;
        }
    }
    return NKI_CONTAINER(srv->eps.head.next, ws_ep, node)->ep;
}

/* A connection accepted: for wss, over TLS. */
static void server_take(ws_server *srv, int fd)
{
    nki_bstream *bs = NULL;
    if (srv->secure && nki_tls_ep_stream(server_tls_ep(srv), fd, &bs) != 0) {
        return; /* the fd is closed */
    }
    nki_ws_conn_server(fd, bs, ws_route, srv, &srv->pending);
}

static void ws_accept_cb(nki_pfd *pfd, unsigned ev)
{
    ws_server *srv = pfd->arg;
    int i, one = 1;
    (void) ev;
    for (i = 0; i < 64; i++) {
        int fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == ECONNABORTED || errno == EINTR) {
                continue;
            }
            break; /* EAGAIN; or out of fds: the next connection retries */
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        server_take(srv, fd);
    }
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family) {
        return false;
    }
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *) a, *y = (const void *) b;
        return x->sin_port != 0 && x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    {
        const struct sockaddr_in6 *x = (const void *) a, *y = (const void *) b;
        return x->sin6_port != 0 && x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
    }
}

static ws_server *server_open(ws_ep *w, int *rvp)
{
    ws_server *srv = calloc(1, sizeof(*srv));
    int one = 1, fd = socket(w->th.addr.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (srv == NULL || fd < 0) {
        *rvp = srv == NULL ? NK_ENOMEM : nki_errno_to_nk(errno);
        goto fail;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    srv->sl = sizeof(srv->ss);
    if (bind(fd, (struct sockaddr *) &w->th.addr.ss, w->th.addr.sl) != 0 || listen(fd, SOMAXCONN) != 0 ||
        getsockname(fd, (struct sockaddr *) &srv->ss, &srv->sl) != 0) {
        *rvp = nki_errno_to_nk(errno);
        goto fail;
    }
    if ((*rvp = nki_pfd_init(&srv->pfd, fd, ws_accept_cb, srv)) != 0) {
        goto fail;
    }
    srv->fd = fd;
    srv->secure = w->th.tls != NULL;
    nki_list_init(&srv->eps);
    nki_list_init(&srv->pending);
    nki_list_append(&ws_servers, &srv->node);
    nki_count(NK_DEBUG_FDS, 1);
    nki_pfd_arm(&srv->pfd, NKI_POLL_IN);
    return srv;
fail:
    if (fd >= 0) {
        close(fd);
    }
    free(srv);
    return NULL;
}

static void server_close(ws_server *srv)
{
    nki_node *n, *nx;
    NKI_LIST_FOREACH_SAFE(&srv->pending, n, nx)
    {
        nki_ws_conn_abort(nki_ws_conn_of(n));
    }
    nki_node_remove(&srv->node);
    nki_pfd_fini(&srv->pfd);
    close(srv->fd);
    nki_count(NK_DEBUG_FDS, -1);
    nki_defer(free, srv); /* the poller may still hold this batch's event */
}

/* "ws://h:0/p" becomes "ws://h:PORT/p" once the kernel chose the port. */
static void url_set_port(nki_ep *ep, const ws_server *srv)
{
    const ws_ep *w = ep->tdata;
    in_port_t port = srv->ss.ss_family == AF_INET6 ? ((const struct sockaddr_in6 *) &srv->ss)->sin6_port
                                                   : ((const struct sockaddr_in *) &srv->ss)->sin_port;
    const char *a = strstr(ep->url, "://") + 3;
    char buf[NKI_URL_MAX];
    if (strcmp(w->port, "0") == 0 &&
        snprintf(buf, sizeof(buf), "%.*s%s:%u%s", (int) (a - ep->url), ep->url, w->host,
                 (unsigned) ntohs(port), a + strcspn(a, "/?#")) < NKI_URL_MAX) {
        strcpy(ep->url, buf);
    }
}

/* May w join srv?  A ws and a wss listener cannot share a port; two wss
 * listeners can when at most one of them brings a TLS configuration, or
 * both bring the same (else NK_EBUSY: a server has one configuration). */
static int server_fits(ws_server *srv, const ws_ep *w)
{
    nki_node *n;
    if (srv->secure != (w->th.tls != NULL)) {
        return NK_EADDRINUSE;
    }
    if (!srv->secure || nki_tls_ep_pristine(w->ep)) {
        return 0;
    }
    for (n = srv->eps.head.next; n != &srv->eps.head; n = n->next) {
        nki_ep *o = NKI_CONTAINER(n, ws_ep, node)->ep;
        if (!nki_tls_ep_pristine(o) && nki_tls_ep_cfg(o) != nki_tls_ep_cfg(w->ep)) {
            return NK_EBUSY;
        }
    }
    return 0;
}

static int ws_listen(nki_ep *ep)
{
    ws_ep *w = ep->tdata;
    ws_server *srv = NULL;
    nki_node *n;
    int rv = 0;
    if (w->th.tls != NULL && (rv = nki_tls_ep_start(ep)) != 0) {
        return rv;
    }
    for (n = ws_servers.head.next; n != &ws_servers.head && srv == NULL; n = n->next) {
        ws_server *s = NKI_CONTAINER(n, ws_server, node);
        srv = same_addr(&s->ss, &w->th.addr.ss) ? s : NULL;
    }
    if (srv != NULL) {
        for (n = srv->eps.head.next; n != &srv->eps.head; n = n->next) {
            if (strcmp(NKI_CONTAINER(n, ws_ep, node)->path, w->path) == 0) {
                return NK_EADDRINUSE;
            }
        }
        if ((rv = server_fits(srv, w)) != 0) {
            return rv;
        }
    } else if ((srv = server_open(w, &rv)) == NULL) {
        return rv;
    }
    nki_list_append(&srv->eps, &w->node);
    w->srv = srv;
    url_set_port(ep, srv);
    return 0;
}

static void ws_ep_close(nki_ep *ep)
{
    ws_ep *w = ep->tdata;
    if (w == NULL) {
        return;
    }
    if (w->pending != NULL) {
        nki_ws_conn_abort(w->pending); /* clears w->pending */
    }
    if (w->srv != NULL) {
        nki_node_remove(&w->node);
        if (nki_list_empty(&w->srv->eps)) {
            server_close(w->srv);
        }
        w->srv = NULL;
    }
}

/* ---- dialers ---- */

static int ws_dial(nki_ep *ep)
{
    ws_ep *w = ep->tdata;
    nki_ws_cfg cfg;
    nki_bstream *bs = NULL;
    int one = 1, rv, fd;
    if (w->th.tls != NULL && (rv = nki_tls_ep_start(ep)) != 0) {
        return rv;
    }
    if ((fd = socket(w->th.addr.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
        return nki_errno_to_nk(errno);
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *) &w->th.addr.ss, w->th.addr.sl) != 0 && errno != EINPROGRESS) {
        rv = nki_errno_to_nk(errno);
        close(fd);
        return rv;
    }
    if (w->th.tls != NULL && (rv = nki_tls_ep_stream(ep, fd, &bs)) != 0) {
        return rv; /* the fd is closed */
    }
    ep_cfg(ep, &cfg, false);
    if (nki_ws_conn_client(fd, bs, ep, &cfg, w->target, w->hosthdr, &w->pending) == NULL) {
        return NK_ENOMEM;
    }
    return 0;
}

/* ---- options ---- */

static int opt_text(nki_optval *v, const char *s)
{
    return nki_optval_str(v, s ? s : "");
}

/* ws:request-headers (dialers), ws:response-headers (listeners): header
 * lines to add, "Name: value" joined and ended by CRLF. */
static int ep_get_headers(void *obj, const nki_option *o, nki_optval *v)
{
    ws_ep *w = ((nki_ep *) obj)->tdata;
    return opt_text(v, o->arg ? w->res_headers : w->req_headers);
}

static int ep_set_headers(void *obj, const nki_option *o, const nki_optval *v)
{
    ws_ep *w = ((nki_ep *) obj)->tdata;
    char **slot = o->arg ? &w->res_headers : &w->req_headers, *s;
    size_t n = v->len;
    while (n > 0 && ((const char *) v->data)[n - 1] == '\0') {
        n--;
    }
    if (memchr(v->data, '\0', n) != NULL || (s = malloc(n + 3)) == NULL) {
        return memchr(v->data, '\0', n) ? NK_EINVAL : NK_ENOMEM;
    }
    memcpy(s, v->data, n);
    s[n] = '\0';
    if (n > 0 && (n < 2 || memcmp(s + n - 2, "\r\n", 2) != 0)) {
        strcpy(s + n, "\r\n");
    }
    free(*slot);
    *slot = n > 0 ? s : NULL;
    if (n == 0) {
        free(s);
    }
    return 0;
}

/* ---- one header by name: ws:request-header:<Name>, ws:response-header:<Name> ---- */

/* The name asked for after the row's prefix: a token (RFC 7230), or NULL. */
static const char *hdr_name(const nki_option *o, const nki_optval *v)
{
    const char *n = v->name + strlen(o->name);
    size_t len = strspn(n, "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"
                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    return n[len] == '\0' && len > 0 ? n : NULL;
}

/* In "Name: value\r\n..." lines: the line of 'name' (any case), its value
 * and the line's end; NULL if absent. */
static const char *hdr_line(const char *lines, const char *name, const char **val, const char **end)
{
    size_t nl = strlen(name);
    const char *l = lines;
    while (l != NULL && *l != '\0') {
        const char *e = strstr(l, "\r\n");
        e = e ? e : l + strlen(l);
        if (strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
            for (*val = l + nl + 1; **val == ' ' || **val == '\t'; (*val)++) {
            }
            *end = e;
            return l;
        }
        l = *e ? e + 2 : e;
    }
    return NULL;
}

static int hdr_get(const char *lines, const char *name, nki_optval *v)
{
    const char *val, *end;
    if (name == NULL || hdr_line(lines, name, &val, &end) == NULL) {
        return NK_ENOENT;
    }
    if ((size_t) (end - val) + 1 > v->size) {
        return NK_EINVAL; /* the caller retries with more room */
    }
    memcpy(v->buf, val, (size_t) (end - val));
    v->buf[end - val] = '\0';
    return 0;
}

/* Replaces (or adds) one line of *slot. */
static int hdr_put(char **slot, const char *name, const char *val, size_t vl)
{
    const char *old = *slot ? *slot : "", *ov, *l, *e = NULL;
    size_t size = strlen(old) + strlen(name) + vl + 5, at;
    char *s = malloc(size);
    if (s == NULL) {
        return NK_ENOMEM;
    }
    l = hdr_line(old, name, &ov, &e);
    at = l ? (size_t) (l - old) : strlen(old);
    memcpy(s, old, at);
    at += (size_t) snprintf(s + at, size - at, "%s: %.*s\r\n", name, (int) vl, val);
    snprintf(s + at, size - at, "%s", l ? (*e ? e + 2 : e) : "");
    free(*slot);
    *slot = s;
    return 0;
}

static int ep_get_header(void *obj, const nki_option *o, nki_optval *v)
{
    ws_ep *w = ((nki_ep *) obj)->tdata;
    return hdr_get(o->arg ? w->res_headers : w->req_headers, hdr_name(o, v), v);
}

static int ep_set_header(void *obj, const nki_option *o, const nki_optval *v)
{
    ws_ep *w = ((nki_ep *) obj)->tdata;
    const char *name = hdr_name(o, v);
    size_t n = v->len;
    /* A value is one line: CR, LF or NUL would forge more of the head. */
    if (name == NULL || strcspn(v->data, "\r\n") < n || memchr(v->data, '\0', n) != NULL) {
        return NK_EINVAL;
    }
    return hdr_put(o->arg ? &w->res_headers : &w->req_headers, name, v->data, n);
}

static int pipe_get_header(void *obj, const nki_option *o, nki_optval *v)
{
    const nki_pipe *p = obj;
    return hdr_get(o->arg ? nki_ws_pipe_res_headers(p) : nki_ws_pipe_req_headers(p), hdr_name(o, v), v);
}

static int ep_get_proto(void *obj, const nki_option *o, nki_optval *v)
{
    nki_ws_cfg cfg;
    nki_ep *ep = obj;
    (void) o;
    ep_cfg(ep, &cfg, !ep->dialer);
    return opt_text(v, cfg.proto);
}

/* On pipes: arg 0 request-headers, 1 response-headers, 2 request-uri,
 * 3 protocol. */
static int pipe_get_text(void *obj, const nki_option *o, nki_optval *v)
{
    const nki_pipe *p = obj;
    const char *s = o->arg == 0 ? nki_ws_pipe_req_headers(p) : o->arg == 1 ? nki_ws_pipe_res_headers(p)
                  : o->arg == 2 ? nki_ws_pipe_uri(p) : nki_ws_pipe_proto(p);
    return opt_text(v, s);
}

static int pipe_get_addr(void *obj, const nki_option *o, nki_optval *v)
{
    int fd = nki_ws_pipe_fd(obj), rv;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    rv = o->arg ? getpeername(fd, (struct sockaddr *) &ss, &sl) : getsockname(fd, (struct sockaddr *) &ss, &sl);
    return rv != 0 ? NK_ECLOSED : nki_sockaddr_format(&ss, sl, v->buf, v->size);
}

/* A listener's address is its server's (shared by the listeners on one
 * port); a dialer chose none ("", as tcp's). */
static int ep_get_addr(void *obj, const nki_option *o, nki_optval *v)
{
    const nki_ep *ep = obj;
    const ws_server *srv = ((const ws_ep *) ep->tdata)->srv;
    (void) o;
    if (ep->dialer) {
        return nki_optval_str(v, "");
    }
    return srv ? nki_sockaddr_format(&srv->ss, srv->sl, v->buf, v->size) : NK_ENOTSUP;
}

/* The port of the listener's server (the real one after port 0): NNG
 * answers tcp-bound-port on ws listeners too. */
static int ep_get_port(void *obj, const nki_option *o, nki_optval *v)
{
    const ws_server *srv = ((const ws_ep *) ((const nki_ep *) obj)->tdata)->srv;
    (void) o;
    if (srv == NULL) {
        return NK_ESTATE; /* not bound (yet) */
    }
    v->i = ntohs(srv->ss.ss_family == AF_INET6 ? ((const struct sockaddr_in6 *) &srv->ss)->sin6_port
                                               : ((const struct sockaddr_in *) &srv->ss)->sin_port);
    return 0;
}

#define WS_SIZE(name, dflt)                                                                          \
    {                                                                                                \
        {name, NKI_OPT_SIZE, 0, 0, nki_topt_ep_get, nki_topt_ep_set, 0}, NKI_TOPT_EP, dflt, NULL    \
    }

/* name, type, range, get/set on endpoints | where | default | get on pipes.
 * The two sizes come first (WS_OPT_TX, WS_OPT_RX). */
static const nki_tran_option ws_options[] = {
    WS_SIZE("ws:txframe-max", 65536),
    WS_SIZE("ws:rxframe-max", 1 << 20),
    {{"ws:request-headers", NKI_OPT_STR, 0, 0, ep_get_headers, ep_set_headers, 0}, NKI_TOPT_DIALER, 0,
     pipe_get_text},
    {{"ws:response-headers", NKI_OPT_STR, 0, 0, ep_get_headers, ep_set_headers, 1}, NKI_TOPT_LISTENER, 0,
     pipe_get_text},
    {{"ws:request-header:", NKI_OPT_STR, 0, 0, ep_get_header, ep_set_header, 0},
     NKI_TOPT_DIALER | NKI_TOPT_PREFIX, 0, pipe_get_header},
    {{"ws:response-header:", NKI_OPT_STR, 0, 0, ep_get_header, ep_set_header, 1},
     NKI_TOPT_LISTENER | NKI_TOPT_PREFIX, 0, pipe_get_header},
    {{"ws:request-uri", NKI_OPT_STR, 0, 0, NULL, NULL, 2}, 0, 0, pipe_get_text},
    {{"ws:protocol", NKI_OPT_STR, 0, 0, ep_get_proto, NULL, 3}, NKI_TOPT_EP, 0, pipe_get_text},
    {{"local-address", NKI_OPT_STR, 0, 0, ep_get_addr, NULL, 0}, NKI_TOPT_EP, 0, pipe_get_addr},
    {{"tcp-bound-port", NKI_OPT_INT, 0, 65535, ep_get_port, NULL, 0}, NKI_TOPT_LISTENER, 0, NULL},
    {{"remote-address", NKI_OPT_STR, 0, 0, NULL, NULL, 1}, 0, 0, pipe_get_addr},
    NKI_TOPT_END,
};

#define WS_TRAN(name)                                                                                \
    {                                                                                                \
        .scheme = name, .type_byte = 0, .stream = false, .opts = ws_options, .ep_init = ws_ep_init,  \
        .ep_fini = ws_ep_fini, .ep_listen = ws_listen, .ep_dial = ws_dial, .ep_close = ws_ep_close,   \
    }

static const nki_tran nki_ws_tran = WS_TRAN("ws");
static const nki_tran nki_ws4_tran = WS_TRAN("ws4");
static const nki_tran nki_ws6_tran = WS_TRAN("ws6");

/* wss: the ws rows, then tls+tcp's (tls-config, tls-ca-file, ...,
 * tls-verified and the peer's names on pipes). */
#define WSS_TRAN(name)                                                                               \
    {                                                                                                \
        .scheme = name, .type_byte = 0, .stream = false, .opts = ws_options,                         \
        .base_opts = nki_tls_options, .ep_init = ws_ep_init, .ep_fini = ws_ep_fini,                 \
        .ep_listen = ws_listen, .ep_dial = ws_dial, .ep_close = ws_ep_close,                         \
    }

static const nki_tran nki_wss_tran = WSS_TRAN("wss");
static const nki_tran nki_wss4_tran = WSS_TRAN("wss4");
static const nki_tran nki_wss6_tran = WSS_TRAN("wss6");

NKI_TRAN_REGISTER(nki_ws_tran)
NKI_TRAN_REGISTER(nki_ws4_tran)
NKI_TRAN_REGISTER(nki_ws6_tran)
NKI_TRAN_REGISTER(nki_wss_tran)
NKI_TRAN_REGISTER(nki_wss4_tran)
NKI_TRAN_REGISTER(nki_wss6_tran)
