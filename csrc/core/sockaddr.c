/* Address helpers for stream transports: resolve host:port, format back. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "nngkit.h"
#include "sockaddr.h"

/* Splits "host:port" or "[v6]:port" into host (copied, NUL-terminated) and
 * port (pointing into hostport).  A listener may leave the port out. */
static int split_hostport(const char *hostport, bool passive, char *host, size_t size,
                          const char **port)
{
    const char *h = hostport;
    size_t hl;
    if (*h == '[') {
        const char *rb = strchr(h, ']');
        if (rb == NULL || rb[1] != ':') {
            return NK_EADDRINVAL;
        }
        hl = (size_t) (rb - h - 1);
        h++;
        *port = rb + 2;
    } else {
        const char *colon = strrchr(h, ':');
        if (colon == NULL) {
            if (!passive) {
                return NK_EADDRINVAL;
            }
            colon = h + strlen(h); /* a listener without a port: any port */
            *port = "0";
        } else {
            *port = colon + 1;
        }
        hl = (size_t) (colon - h);
    }
    if (hl >= size) {
        return NK_EADDRINVAL;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    return 0;
}

/* The port as a number in 0..65535, or -1. */
static long parse_port(const char *port)
{
    char *end;
    long pn = strtol(port, &end, 10);
    return (*port == '\0' || *end != '\0' || pn < 0 || pn > 65535) ? -1 : pn;
}

/* Prefer IPv4 for a wildcard listener, like NNG. */
static const struct addrinfo *pick_address(const struct addrinfo *res, bool wildcard)
{
    const struct addrinfo *ai;
    for (ai = res; wildcard && ai; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            return ai;
        }
    }
    return res;
}

int nki_hostport_resolve(const char *hostport, bool passive, int family,
                         struct sockaddr_storage *ss, socklen_t *slp)
{
    char host[256];
    const char *port;
    long pn;
    struct addrinfo hints, *res = NULL;
    const struct addrinfo *pick;
    if (split_hostport(hostport, passive, host, sizeof(host), &port) != 0 ||
        (pn = parse_port(port)) < 0) {
        return NK_EADDRINVAL;
    }
    if (strcmp(host, "*") == 0) {
        host[0] = '\0';
    }
    if (!passive && (host[0] == '\0' || pn == 0)) {
        return NK_EADDRINVAL; /* a dialer needs a host and a port */
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    if (getaddrinfo(host[0] ? host : NULL, port, &hints, &res) != 0 || res == NULL) {
        return NK_EADDRINVAL;
    }
    pick = pick_address(res, host[0] == '\0' && family == AF_UNSPEC);
    memcpy(ss, pick->ai_addr, pick->ai_addrlen);
    *slp = pick->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

int nki_sockaddr_format(const struct sockaddr_storage *ss, socklen_t sl, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN];
    int n;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *) ss;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
        n = snprintf(buf, len, "%s:%u", ip, (unsigned) ntohs(s4->sin_port));
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *) ss;
        inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
        n = snprintf(buf, len, "[%s]:%u", ip, (unsigned) ntohs(s6->sin6_port));
    } else if (ss->ss_family == AF_UNIX) {
        const struct sockaddr_un *su = (const struct sockaddr_un *) ss;
        (void) sl;
        n = snprintf(buf, len, "%s", su->sun_path);
    } else {
        return NK_ENOTSUP;
    }
    return (n < 0 || (size_t) n >= len) ? NK_EINVAL : 0;
}
