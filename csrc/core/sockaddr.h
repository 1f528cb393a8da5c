/* sockaddr.h - socket addresses for stream transports (sockaddr.c). */
#ifndef NKI_SOCKADDR_H
#define NKI_SOCKADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* "127.0.0.1:5555", "[::1]:5555" or the ipc path. */
int nki_sockaddr_format(const struct sockaddr_storage *ss, socklen_t sl, char *buf, size_t len);
/* Splits "host:port" (host may be [v6], empty or *); port must be numeric. */
int nki_hostport_resolve(const char *hostport, bool passive, int family,
                         struct sockaddr_storage *ss, socklen_t *slp);

#endif
