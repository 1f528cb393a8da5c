/*
 * ws_conn.h - one ws:// connection: the HTTP/1.1 upgrade (either side) and
 * then SP messages as WebSocket messages, run on the reactor with nki_lock
 * held.  Once upgraded it is a pipe of the core (nki_pipe first).
 *
 * Its bytes go through a byte stream (bstream.h): the plain fd for ws://,
 * a TLS stream over it for wss:// (then the TLS handshake runs in the first
 * reads and writes, within the same deadline as the HTTP upgrade).
 */
#ifndef NKI_WS_CONN_H
#define NKI_WS_CONN_H

#include "bstream.h"
#include "core.h"
#include "list.h"
#include "ws_http.h"

typedef struct nki_ws_conn nki_ws_conn;

/* What an endpoint gives its connections. */
typedef struct {
    uint64_t rx_frame_max; /* ws:rxframe-max; 0: none */
    size_t tx_frame_max;   /* ws:txframe-max */
    char proto[64];        /* server: own name; client: the peer's, ".sp.nanomsg.org" added */
    const char *headers;   /* extra header lines (each ending CRLF) or NULL; copied */
} nki_ws_cfg;

/* A listener's router: the endpoint for a request head, or NULL with the
 * status to answer (404); fills *cfg for a found one.  With h NULL (and
 * the rest NULL too): the listener that answers for the server when no
 * request routes, where refusals are counted (NULL if none is left). */
typedef nki_ep *(*nki_ws_route_fn)(void *arg, const nki_ws_head *h, int *status, nki_ws_cfg *cfg);

/* A connection just accepted: it reads the request head (2 s at most), asks
 * route, answers and becomes a pipe.  Until then it sits on 'pending' and is
 * the server's to abort.  Takes the fd and bs, the stream over it (NULL:
 * the plain fd); NULL when out of memory. */
nki_ws_conn *nki_ws_conn_server(int fd, nki_bstream *bs, nki_ws_route_fn route, void *arg, nki_list *pending);

/* A dialer's connection, its connect() started: it sends the request and
 * checks the answer, then becomes a pipe; on failure it calls
 * nki_dialer_failed.  *slot points to it until then.  Takes the fd. */
nki_ws_conn *nki_ws_conn_client(int fd, nki_bstream *bs, nki_ep *ep, const nki_ws_cfg *cfg,
                                 const char *target, const char *host, nki_ws_conn **slot);

/* Ends a connection that is not a pipe yet (its endpoint is closing). */
void nki_ws_conn_abort(nki_ws_conn *c);
/* The node a server keeps its pending connections by. */
nki_ws_conn *nki_ws_conn_of(nki_node *n);

/* For pipe options: the request target, the request's and the response's
 * header lines, the subprotocol (NULL when unknown). */
const char *nki_ws_pipe_uri(const nki_pipe *p);
const char *nki_ws_pipe_req_headers(const nki_pipe *p);
const char *nki_ws_pipe_res_headers(const nki_pipe *p);
const char *nki_ws_pipe_proto(const nki_pipe *p);
int nki_ws_pipe_fd(const nki_pipe *p);
struct nki_bstream *nki_ws_pipe_stream(const nki_pipe *p);

#endif
