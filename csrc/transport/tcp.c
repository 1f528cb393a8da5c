/* tcp:// (and tcp4://, tcp6://): URLs to connected stream fds. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pipe.h"
#include "tcp.h"

typedef nki_tcp_addr tcp_addr;

/* tcp4:// and tls+tcp4:// are IPv4 only, the *6 schemes IPv6 only. */
static int tcp_family(const char *url)
{
    const char *sep = strstr(url, "://");
    if (sep != NULL && sep > url && sep[-1] == '4') {
        return AF_INET;
    }
    if (sep != NULL && sep > url && sep[-1] == '6') {
        return AF_INET6;
    }
    return AF_UNSPEC;
}

int nki_tcp_addr_parse(nki_ep *ep, nki_tcp_addr *a)
{
    const char *hp = strstr(ep->url, "://") + 3;
    char buf[NKI_URL_MAX];
    char *slash;
    strcpy(buf, hp);
    /* The path must be empty or "/"; no query, fragment or user-info. */
    if ((slash = strchr(buf, '/')) != NULL) {
        if (strcmp(slash, "/") != 0) {
            return NK_EADDRINVAL;
        }
        *slash = '\0';
    }
    if (strpbrk(buf, "?#@") != NULL) {
        return NK_EADDRINVAL;
    }
    a->sl = sizeof(a->ss);
    return nki_hostport_resolve(buf, !ep->dialer, tcp_family(ep->url), &a->ss, &a->sl);
}

static int tcp_ep_init(nki_ep *ep)
{
    tcp_addr *a = calloc(1, sizeof(*a));
    int rv;
    if (a == NULL) {
        return NK_ENOMEM;
    }
    if ((rv = nki_tcp_addr_parse(ep, a)) != 0) {
        free(a);
        return rv;
    }
    ep->tdata = a;
    return 0;
}

static void tcp_ep_fini(nki_ep *ep)
{
    free(ep->tdata);
    ep->tdata = NULL;
}

int nki_tcp_ep_bind(nki_ep *ep, int *fdp)
{
    tcp_addr *a = ep->tdata;
    struct sockaddr_storage bound;
    socklen_t bl = sizeof(bound);
    int one = 1, fd, rv;
    char hostport[128];
    fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return nki_errno_to_nk(errno);
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *) &a->ss, a->sl) != 0 || listen(fd, SOMAXCONN) != 0) {
        rv = nki_errno_to_nk(errno);
        close(fd);
        return rv;
    }
    /* Port 0: report the port the kernel chose, as NNG does in the URL. */
    if (getsockname(fd, (struct sockaddr *) &bound, &bl) == 0) {
        in_port_t port = bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &bound)->sin6_port
                                                     : ((struct sockaddr_in *) &bound)->sin_port;
        /* Rewrite only the port: "tcp://h:0/" becomes "tcp://h:PORT/", and
         * "tcp://h" (no port) "tcp://h:PORT". */
        char *hp = strstr(ep->url, "://") + 3;
        char *end = hp + strcspn(hp, "/");
        char *colon = NULL, *p;
        char tail[NKI_URL_MAX];
        for (p = end; p > hp; p--) {
            if (p[-1] == ']') {
                break;
            }
            if (p[-1] == ':') {
                colon = p - 1;
                break;
            }
        }
        if (ntohs(port) != 0) {
            snprintf(hostport, sizeof(hostport), ":%u", (unsigned) ntohs(port));
            strcpy(tail, end);
            if (colon == NULL) {
                colon = end;
            }
            if ((size_t) (colon - ep->url) + strlen(hostport) + strlen(tail) < NKI_URL_MAX) {
                strcpy(colon, hostport);
                strcat(colon, tail);
            }
        }
    }
    *fdp = fd;
    return 0;
}

int nki_tcp_ep_connect(nki_ep *ep, int *fdp)
{
    tcp_addr *a = ep->tdata;
    int fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), rv;
    if (fd < 0) {
        return nki_errno_to_nk(errno);
    }
    if (connect(fd, (struct sockaddr *) &a->ss, a->sl) != 0 && errno != EINPROGRESS) {
        rv = nki_errno_to_nk(errno);
        close(fd);
        return rv;
    }
    *fdp = fd;
    return 0;
}

/* ---- options ---- */

/* A socket option of every connection: arg is the level and the name. */
#define TCP_SO(level, name) (((size_t) (level) << 16) | (size_t) (name))
#define TCP_SO_LEVEL(arg) ((int) ((arg) >> 16))
#define TCP_SO_NAME(arg) ((int) ((arg) & 0xffff))

/* On a pipe, what the kernel says, not what was asked for. */
static int tcp_pipe_sockopt(void *obj, const nki_option *o, nki_optval *v)
{
    int on = 0;
    socklen_t ol = sizeof(on);
    int fd = nki_stream_pipe_fd(obj);
    if (getsockopt(fd, TCP_SO_LEVEL(o->arg), TCP_SO_NAME(o->arg), &on, &ol) != 0) {
        return NK_ECLOSED;
    }
    v->i = o->type == NKI_OPT_BOOL ? on != 0 : on;
    return 0;
}

/* local-address, remote-address (arg 0, 1) of a pipe. */
static int tcp_pipe_addr(void *obj, const nki_option *o, nki_optval *v)
{
    int fd = nki_stream_pipe_fd(obj), rv;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    rv = o->arg ? getpeername(fd, (struct sockaddr *) &ss, &sl)
                : getsockname(fd, (struct sockaddr *) &ss, &sl);
    if (rv != 0) {
        return NK_ECLOSED;
    }
    return nki_sockaddr_format(&ss, sl, v->buf, v->size);
}

/* A dialer's local address: none chosen, it connects from whatever the
 * kernel picks (NNG reports an unspecified address); "" says so. */
static int tcp_dialer_local(void *obj, const nki_option *o, nki_optval *v)
{
    (void) obj;
    (void) o;
    return nki_optval_str(v, "");
}

/* The port a listener is bound to (the real one after port 0). */
static int tcp_get_bound_port(void *obj, const nki_option *o, nki_optval *v)
{
    nki_ep *ep = obj;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    (void) o;
    if (ep->fd < 0 || getsockname(ep->fd, (struct sockaddr *) &ss, &sl) != 0) {
        return NK_ESTATE; /* not bound (yet) */
    }
    v->i = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &ss)->sin6_port
                                          : ((struct sockaddr_in *) &ss)->sin_port);
    return 0;
}

/* Set on sockets and endpoints, applied to each new connection. */
#define TCP_SOCKOPT(name, level, so, dflt)                                                      \
    {                                                                                           \
        {name, NKI_OPT_BOOL, 0, 1, nki_topt_ep_get, nki_topt_ep_set, TCP_SO(level, so)},       \
            NKI_TOPT_SOCKET | NKI_TOPT_EP, dflt, tcp_pipe_sockopt                               \
    }

/* name, type, range, get/set on endpoints | where | socket's default | get on pipes */
const nki_tran_option nki_tcp_options[] = {
    TCP_SOCKOPT("tcp-nodelay", IPPROTO_TCP, TCP_NODELAY, 1),
    TCP_SOCKOPT("tcp-keepalive", SOL_SOCKET, SO_KEEPALIVE, 0),
    {{"tcp-bound-port", NKI_OPT_INT, 0, 65535, tcp_get_bound_port, NULL, 0},
     NKI_TOPT_LISTENER, 0, NULL},
    {{"local-address", NKI_OPT_STR, 0, 0, tcp_dialer_local, NULL, 0}, NKI_TOPT_DIALER, 0, tcp_pipe_addr},
    {{"remote-address", NKI_OPT_STR, 0, 0, NULL, NULL, 1}, 0, 0, tcp_pipe_addr},
    NKI_TOPT_END,
};

/* A new connection gets every TCP_SOCKOPT row's value for its endpoint. */
void nki_tcp_fd_setup(nki_ep *ep, int fd)
{
    const nki_tran_option *t;
    for (t = nki_tcp_options; t->opt.name; t++) {
        if (t->pipe_get == tcp_pipe_sockopt) {
            int v = (int) nki_ep_topt(ep, t);
            setsockopt(fd, TCP_SO_LEVEL(t->opt.arg), TCP_SO_NAME(t->opt.arg), &v, sizeof(v));
        }
    }
}

#define TCP_TRAN(name)                                                                          \
    {                                                                                           \
        .scheme = name, .type_byte = 0, .stream = true, .opts = nki_tcp_options,               \
        .ep_init = tcp_ep_init, .ep_fini = tcp_ep_fini, .ep_bind = nki_tcp_ep_bind,            \
        .ep_connect = nki_tcp_ep_connect, .fd_setup = nki_tcp_fd_setup,                         \
    }

static const nki_tran nki_tcp_tran = TCP_TRAN("tcp");
static const nki_tran nki_tcp4_tran = TCP_TRAN("tcp4");
static const nki_tran nki_tcp6_tran = TCP_TRAN("tcp6");

NKI_TRAN_REGISTER(nki_tcp_tran)
NKI_TRAN_REGISTER(nki_tcp4_tran)
NKI_TRAN_REGISTER(nki_tcp6_tran)
