/* sock.h - sockets and contexts: ids, options, dispatch to the protocol
 * (socket.c). */
#ifndef NKI_SOCK_H
#define NKI_SOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "list.h"
#include "msg.h"
#include "nngkit.h"
#include "option.h"
#include "sockready.h"
#include "types.h"

struct nki_sock {
    uint32_t id;
    const nki_proto *proto;
    void *pdata;
    bool raw;
    bool closed;
    nki_list pipes;
    nki_list eps;
    nki_list ctxs;
    int32_t recv_timeout, send_timeout;
    int32_t reconn_min, reconn_max;
    int32_t hs_timeout;
    int64_t recv_max;
    nki_optstore topts; /* values given to transports' options (tranopt.c) */
    char name[64];
    /* recv-buffer/send-buffer where the protocol has no queue of its own:
     * kept for pynng compatibility (NNG 1.5 has them on every socket). */
    int64_t recv_buf, send_buf;
    int pipe_notify;       /* NK_PIPE_NOTIFY_* */
    nki_msgq pipe_events;  /* undelivered pipe events */
    nki_list pipe_waiters; /* aios waiting for one */
    nk_sock_stats st;      /* counters (stats.c); gauges filled on read */
    nki_ready ready;       /* recv-fd, send-fd */
};

/* Queues a pipe event if the socket asked for them. */
void nki_sock_pipe_event(nki_sock *s, int ev, uint32_t pid);

typedef struct {
    uint32_t id;
    nki_sock *sock;
    void *pdata;
    nki_node node;
    int32_t recv_timeout, send_timeout; /* copied from the socket at open */
} nki_ctx;

nki_sock *nki_sock_find(uint32_t id);
nki_ctx *nki_ctx_find(uint32_t id);
void nki_socket_atfork_child(void);
/* Starts a send or receive on a socket or context, nki_lock held. */
void nki_dispatch(uint32_t id, bool ctx, bool send, nk_aio *a);
/* Whether the operation being dispatched is a receive that may not wait
 * (an event loop's first try, op.c): a pipe it resumes then reads ahead on
 * this thread rather than leave it to the reactor (stream.c). */
bool nki_dispatch_eager(void);
/* One option request on a found object (search orders: option.c). */
int nki_sock_opt(nki_sock *s, const char *name, nki_optreq *r);
int nki_ctx_opt(nki_ctx *c, const char *name, nki_optreq *r);

#endif
