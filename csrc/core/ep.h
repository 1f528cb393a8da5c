/* ep.h - endpoints: listeners accept, dialers connect and reconnect
 * (endpoint.c). */
#ifndef NKI_EP_H
#define NKI_EP_H

#include <stdbool.h>
#include <stdint.h>

#include "list.h"
#include "nngkit.h"
#include "option.h"
#include "platform.h"
#include "types.h"

#define NKI_URL_MAX 512

struct nki_ep {
    uint32_t id;
    nki_sock *sock;
    const nki_tran *tran;
    bool dialer;
    bool closed;
    bool started;
    char url[NKI_URL_MAX];
    nki_node node;        /* socket's endpoint list */
    int64_t recv_max;     /* -1: inherit the socket's */
    int32_t reconn_min, reconn_max; /* -1: inherit */
    /* transport data */
    void *tdata;
    int fd;
    nki_pfd pfd;
    /* dialer state */
    nki_timer retry;
    int32_t backoff;
    nki_pipe *pipe;       /* the dialer's current pipe */
    int dial_rv;          /* outcome of a blocking first attempt */
    bool dial_waiting, dial_done, free_pending;
    nki_cv cv;
    /* listener: accepted pipes still handshaking are in sock->pipes too */
    nki_optstore topts;   /* values given to its transport's options */
    nk_ep_stats st;
};

nki_ep *nki_ep_find(uint32_t id, bool dialer);
int nki_ep_opt(nki_ep *ep, const char *name, nki_optreq *r);
void nki_ep_atfork_child(void);
/* Closes the endpoint (its socket is closing). */
void nki_ep_close_locked(nki_ep *ep);
/* From pipe.c: a pipe of the endpoint joined the protocol, or closed. */
void nki_ep_pipe_attached(nki_ep *ep, nki_pipe *p);
void nki_ep_pipe_closed(nki_ep *ep, nki_pipe *p, int err);
int64_t nki_ep_recv_max(const nki_ep *ep);
/* Called by transports when a connection attempt fails or a pipe is gone. */
void nki_dialer_failed(nki_ep *ep, int err);
void nki_dialer_schedule(nki_ep *ep);

#endif
