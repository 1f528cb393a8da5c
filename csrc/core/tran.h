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

#include "bstream.h"
#include "core.h"
#include "errors.h"   /* helpers for stream transports */
#include "sockaddr.h"

/* Where a transport option applies, besides the pipes (pipe_get). */
#define NKI_TOPT_SOCKET 1 /* sockets hold it too: the value endpoints start from */
#define NKI_TOPT_DIALER 2
#define NKI_TOPT_LISTENER 4
#define NKI_TOPT_EP (NKI_TOPT_DIALER | NKI_TOPT_LISTENER)
/* Not a place: the row's name is a prefix, and the row serves every name
 * that starts with it and goes on ("ws:request-header:" serves
 * "ws:request-header:X-Id"); its functions read the whole name in
 * nki_optval.name.  Never with NKI_TOPT_SOCKET. */
#define NKI_TOPT_PREFIX 8

/*
 * One option of a transport: one row of its table.  'opt' is the name,
 * type and range, with the get and set on the transport's dialers and
 * listeners (the object is the nki_ep); pipe_get reads it on the
 * transport's pipes (the object is the nki_pipe; NULL: not on pipes).
 * With NKI_TOPT_SOCKET, any socket also takes it (default 'dflt'): an
 * endpoint reads its socket's value until given its own (nki_topt_ep_get
 * and nki_topt_ep_set as opt's get and set), and the endpoints and pipes
 * of every other transport read the socket's value, as in NNG.
 */
typedef struct {
    nki_option opt;
    unsigned where; /* NKI_TOPT_* */
    int64_t dflt;
    nki_opt_get_fn pipe_get;
} nki_tran_option;

#define NKI_TOPT_END {NKI_OPT_END, 0, 0, NULL}

struct nki_tran {
    const char *scheme; /* "tcp", "ipc", ... without "://" */
    int type_byte;      /* stream framing: 0 none (tcp), 1 (ipc) */
    bool stream;
    const nki_tran_option *opts; /* ends with NKI_TOPT_END; may be NULL */
    /* The rows of the transport this one runs over, searched after opts
     * (the same rows, so values kept for them apply to both); may be NULL. */
    const nki_tran_option *base_opts;

    /* Parse ep->url; allocate ep->tdata if needed.  NK_EADDRINVAL on a bad
     * URL. */
    int (*ep_init)(nki_ep *ep);
    void (*ep_fini)(nki_ep *ep);

    /* Stream transports. */
    int (*ep_bind)(nki_ep *ep, int *fdp);   /* socket, bind, listen */
    void (*ep_unbind)(nki_ep *ep);          /* after the listening fd closed */
    int (*ep_connect)(nki_ep *ep, int *fdp);/* non-blocking connect started */
    void (*fd_setup)(nki_ep *ep, int fd);   /* per connection options */
    /* The byte stream of a new connection over fd, which it owns from here
     * on (closed on failure too); NULL: the plain fd. */
    int (*stream_open)(nki_ep *ep, int fd, nki_bstream **bsp);

    /* Other transports. */
    int (*ep_listen)(nki_ep *ep);
    int (*ep_dial)(nki_ep *ep); /* one attempt; creates pipes or fails */
    void (*ep_close)(nki_ep *ep);
};

/* The registry (registry.c): a transport file registers each of its tables
 * with NKI_TRAN_REGISTER(table) at file scope; lookups by URL scheme. */
void nki_tran_register(const nki_tran *t);
#define NKI_TRAN_REGISTER(t) \
    __attribute__((constructor)) static void nki_register_##t(void) { nki_tran_register(&(t)); }
const nki_tran *nki_tran_find(const char *url);

/* ---- transport options (tranopt.c) ---- */

/* Row functions for an NKI_TOPT_SOCKET option on endpoints. */
int nki_topt_ep_get(void *ep, const nki_option *o, nki_optval *v);
int nki_topt_ep_set(void *ep, const nki_option *o, const nki_optval *v);
/* The value of such an option for an endpoint's new connections. */
int64_t nki_ep_topt(const nki_ep *ep, const nki_tran_option *t);

/* For the core: the row named 'name' in one transport's table, or in any
 * transport's with NKI_TOPT_SOCKET (registry.c); the last steps of the
 * searches of socket, endpoint and pipe options (option.c). */
const nki_tran_option *nki_tran_opt_find(const nki_tran *t, const char *name);
const nki_tran_option *nki_tran_sock_opt(const char *name);
int nki_topt_sock(nki_sock *s, const char *name, nki_optreq *r);
int nki_topt_ep(nki_ep *ep, const char *name, nki_optreq *r);
/* The transport's row named 'name' if it applies to this kind of endpoint
 * (dialer or listener), else NULL: such a row overrides the core's own. */
const nki_tran_option *nki_topt_ep_row(const nki_ep *ep, const char *name);
int nki_topt_pipe(nki_pipe *p, const char *name, nki_optreq *r);

#endif
