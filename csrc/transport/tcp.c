/* tcp:// (and tcp4://, tcp6://): URLs to connected stream fds. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tran.h"

typedef struct {
    struct sockaddr_storage ss;
    socklen_t sl;
} tcp_addr;

static int tcp_family(const char *url)
{
    if (strncmp(url, "tcp4://", 7) == 0) {
        return AF_INET;
    }
    if (strncmp(url, "tcp6://", 7) == 0) {
        return AF_INET6;
    }
    return AF_UNSPEC;
}

static int tcp_ep_init(nki_ep *ep)
{
    const char *hp = strstr(ep->url, "://") + 3;
    char buf[NKI_URL_MAX];
    char *slash;
    tcp_addr *a;
    int rv;
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
    if ((a = calloc(1, sizeof(*a))) == NULL) {
        return NK_ENOMEM;
    }
    a->sl = sizeof(a->ss);
    rv = nki_tcp_resolve(buf, !ep->dialer, tcp_family(ep->url), &a->ss, &a->sl);
    if (rv != 0) {
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

static int tcp_ep_bind(nki_ep *ep, int *fdp)
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

static int tcp_ep_connect(nki_ep *ep, int *fdp)
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

static void tcp_fd_setup(nki_ep *ep, int fd)
{
    int nodelay = nki_ep_nodelay(ep), ka = nki_ep_keepalive(ep);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof(nodelay));
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &ka, sizeof(ka));
}

#define TCP_TRAN(name)                                                                          \
    {                                                                                           \
        .scheme = name, .type_byte = 0, .stream = true, .ep_init = tcp_ep_init,                \
        .ep_fini = tcp_ep_fini, .ep_bind = tcp_ep_bind, .ep_connect = tcp_ep_connect,          \
        .fd_setup = tcp_fd_setup,                                                               \
    }

const nki_tran nki_tcp_tran = TCP_TRAN("tcp");
const nki_tran nki_tcp4_tran = TCP_TRAN("tcp4");
const nki_tran nki_tcp6_tran = TCP_TRAN("tcp6");
