/*
 * tran.h - the contract between the core and a transport.
 *
 * Stream transports (tcp, ipc) only turn URLs into connected file
 * descriptors; the SP handshake and framing are the core's (stream.c).
 * Other transports (inproc) implement listen/dial/close themselves and
 * create their own pipes.  All ops run with nki_lock held.
 */
#ifndef NKI_TRAN_H
#define NKI_TRAN_H

#include <sys/socket.h>

#include "core.h"

struct nki_tran {
    const char *scheme; /* "tcp", "ipc", ... without "://" */
    int type_byte;      /* stream framing: 0 none (tcp), 1 (ipc) */
    bool stream;

    /* Parse ep->url; allocate ep->tdata if needed.  NK_EADDRINVAL on a bad
     * URL. */
    int (*ep_init)(nki_ep *ep);
    void (*ep_fini)(nki_ep *ep);

    /* Stream transports. */
    int (*ep_bind)(nki_ep *ep, int *fdp);   /* socket, bind, listen */
    void (*ep_unbind)(nki_ep *ep);          /* after the listening fd closed */
    int (*ep_connect)(nki_ep *ep, int *fdp);/* non-blocking connect started */
    void (*fd_setup)(nki_ep *ep, int fd);   /* per connection options */

    /* Other transports. */
    int (*ep_listen)(nki_ep *ep);
    int (*ep_dial)(nki_ep *ep); /* one attempt; creates pipes or fails */
    void (*ep_close)(nki_ep *ep);
};

const nki_tran *nki_tran_find(const char *url);

/* Helpers for stream transports. */
int nki_errno_to_nk(int err);
/* "127.0.0.1:5555", "[::1]:5555" or the ipc path. */
int nki_sockaddr_format(const struct sockaddr_storage *ss, socklen_t sl, char *buf, size_t len);
/* Splits "host:port" (host may be [v6], empty or *); port must be numeric. */
int nki_tcp_resolve(const char *hostport, bool passive, int family,
                    struct sockaddr_storage *ss, socklen_t *slp);
int nki_set_nonblock(int fd);
/* Integer pipe options of a connected fd (fdopts.c): "tcp-nodelay",
 * "tcp-keepalive", "ipc:peer-pid", "ipc:peer-uid", "ipc:peer-gid". */
int nki_fd_getopt_int(int fd, const char *name, int64_t *v);

#endif
