/*
 * pipe.h - one established connection of a socket.
 *
 * A transport creates a pipe, runs its own connection set-up and calls
 * nki_pipe_attach once the peer's protocol number is known; from then on the
 * protocol owns the traffic.  Protocols see pipes only through the functions
 * below and never touch a file descriptor.
 */
#ifndef NKI_PIPE_H
#define NKI_PIPE_H

#include "core.h"

typedef struct {
    /* New messages were put on p->sendq: start writing them.  Must not call
     * back into the protocol synchronously. */
    void (*p_kick)(nki_pipe *p);
    /* Optional: like p_kick, but the writing may wait for the reactor, so
     * that messages queued meanwhile go out in the same write (fan-out). */
    void (*p_kick_later)(nki_pipe *p);
    /* Optional: like p_kick, but when sends come back to back and the send
     * allows it (cork.h) the transport may leave the queue for a flush, so
     * that they share one system call (nki_cork_add). */
    void (*p_kick_soon)(nki_pipe *p);
    /* The protocol unpaused the pipe: deliver buffered and new messages. */
    void (*p_resume)(nki_pipe *p);
    /* Release transport resources; called once, from nki_pipe_close. */
    void (*p_close)(nki_pipe *p);
    /* Free the structure; called from a deferred task after close. */
    void (*p_free)(nki_pipe *p);
    /* The pipe's byte stream (bstream.h), for its transport's options; NULL:
     * it has none. */
    struct nki_bstream *(*p_stream)(const nki_pipe *p);
} nki_pipe_ops;

struct nki_pipe {
    uint32_t id;
    nki_sock *sock;
    nki_ep *ep;
    const nki_pipe_ops *ops;
    void *pdata;          /* protocol's per-pipe state */
    bool attached;        /* the protocol has accepted the pipe */
    bool closed;
    bool paused;          /* the protocol wants no messages for now */
    bool held;            /* waiting for the application to admit it */
    nki_node cork_node;   /* linked while sendq waits for a flush (cork.h) */
    uint16_t peer_proto;
    nki_msgq sendq;       /* messages handed over, not yet fully written */
    nki_node sock_node;
    nk_pipe_stats st;
};

/* For transports. */
int nki_pipe_init(nki_pipe *p, nki_sock *s, nki_ep *ep, const nki_pipe_ops *ops);
/* Returns false if the pipe was refused and closed. */
bool nki_pipe_attach(nki_pipe *p, uint16_t peer_proto);
/* A whole message arrived; it now belongs to the protocol.  A message the
 * protocol rejects (malformed header) closes the pipe. */
void nki_pipe_deliver(nki_pipe *p, nk_msg *m);
/* The same, but a rejection is only reported (false), for callers that may
 * not close a pipe where they stand. */
bool nki_pipe_offer(nki_pipe *p, nk_msg *m);
/* The send queue has drained. */
void nki_pipe_drained(nki_pipe *p);
nki_pipe *nki_pipe_find(uint32_t id);
/* One option request on a found pipe (search order: option.c). */
int nki_pipe_opt(nki_pipe *p, const char *name, nki_optreq *r);
void nki_pipe_atfork_child(void);

/* For protocols and the core. */
void nki_pipe_send(nki_pipe *p, nk_msg *m); /* takes the message */
/* The same, but the transport may write it later from the reactor (p_kick_later). */
void nki_pipe_send_later(nki_pipe *p, nk_msg *m);
/* The same, for a load-balancing protocol: back-to-back sends may share a
 * write (p_kick_soon). */
void nki_pipe_send_soon(nki_pipe *p, nk_msg *m);
/* Write what is queued now, without waiting for a later write. */
void nki_pipe_flush(nki_pipe *p);
static inline bool nki_pipe_busy(const nki_pipe *p)
{
    return p->sendq.len > 0;
}
/*
 * Whether a load balancer may give the pipe another message.  A pipe holds
 * one message the kernel has not taken (as NNG's pipes do), or up to
 * NKI_PIPE_SOON_MAX that no write has been tried for yet (corked): those
 * are where the kernel's socket buffer would otherwise have them, and leave
 * at the sender's next flush.
 */
#define NKI_PIPE_SOON_MAX 64
static inline bool nki_pipe_corked(const nki_pipe *p)
{
    return nki_node_linked(&p->cork_node);
}
static inline bool nki_pipe_takes_more(const nki_pipe *p)
{
    return p->sendq.len == 0 || (nki_pipe_corked(p) && p->sendq.len < NKI_PIPE_SOON_MAX);
}
void nki_pipe_pause(nki_pipe *p);
void nki_pipe_resume(nki_pipe *p);
/* Idempotent; the protocol's pipe_stop runs first if it was attached. */
void nki_pipe_close(nki_pipe *p, int err);

/* Stream pipes (tcp, ipc): SP handshake and framing, written once. */
nki_pipe *nki_stream_pipe_new(nki_sock *s, nki_ep *ep, int fd, int type_byte);
/* A stream pipe's connected fd and its byte stream, for its transport's
 * options. */
int nki_stream_pipe_fd(const nki_pipe *p);
struct nki_bstream *nki_stream_pipe_stream(const nki_pipe *p);
/* Any pipe's byte stream (p_stream), or NULL. */
struct nki_bstream *nki_pipe_stream(const nki_pipe *p);

#endif
