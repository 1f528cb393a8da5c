/*
 * tls.h - what tls.c offers the transports that run SP over TLS besides
 * tls+tcp (wss): an endpoint's TLS state, the TLS option rows (shared as
 * rows through base_opts, so tls-config and the tls-* settings mean the same
 * on both), and the TLS stream of a new connection.
 */
#ifndef NKI_TLS_H
#define NKI_TLS_H

#include <stdbool.h>

#include "tcp.h"
#include "tlsload.h"

typedef struct nki_tls_ep nki_tls_ep;

/* The start of the ep->tdata of a transport that shares the rows: the rows
 * find the endpoint's TLS state here. */
typedef struct {
    nki_tcp_addr addr; /* first: tcp.c's bind and connect read it */
    nki_tls_ep *tls;
} nki_tls_head;

/* An endpoint's TLS state (a configuration of its own, a client's or a
 * server's as ep->dialer says); NK_ENOTSUP without a TLS engine. */
int nki_tls_ep_new(nki_ep *ep, nki_tls_ep **tp);
void nki_tls_ep_free(nki_tls_ep *t);
/* The configuration in use: a tls-config (endpoint's, else socket's), or
 * the endpoint's own; NULL when its tls-config was freed. */
nki_tlseng_cfg *nki_tls_ep_cfg(nki_ep *ep);
/* ep starts listening or dialling (each attempt): the configuration it
 * uses is busy from now on (tls-* settings and changes to a tls-config
 * fail with NK_EBUSY, as in NNG); NK_ECLOSED if its tls-config was freed. */
int nki_tls_ep_start(nki_ep *ep);
/* True when ep uses its own configuration and nothing changed it. */
bool nki_tls_ep_pristine(nki_ep *ep);
/* The TLS stream over a new connection's fd (taken, closed on failure):
 * a dialer's checks the URL's host unless tls-server-name says otherwise. */
int nki_tls_ep_stream(nki_ep *ep, int fd, nki_bstream **bsp);

extern const nki_tran_option nki_tls_options[];

#endif
