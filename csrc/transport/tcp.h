/*
 * tcp.h - what tcp.c offers the transports that run over TCP (tls+tcp):
 * address parsing, bind and connect, per-connection socket options and the
 * option rows (shared as rows, so a socket's tcp-nodelay reaches both).
 */
#ifndef NKI_TCP_H
#define NKI_TCP_H

#include <sys/socket.h>

#include "tran.h"

/* The start of such a transport's ep->tdata. */
typedef struct {
    struct sockaddr_storage ss;
    socklen_t sl;
} nki_tcp_addr;

/* Parses ep->url's host:port (scheme "<x>4" / "<x>6" picks the family). */
int nki_tcp_addr_parse(nki_ep *ep, nki_tcp_addr *a);
int nki_tcp_ep_bind(nki_ep *ep, int *fdp);
int nki_tcp_ep_connect(nki_ep *ep, int *fdp);
void nki_tcp_fd_setup(nki_ep *ep, int fd);
extern const nki_tran_option nki_tcp_options[];

#endif
