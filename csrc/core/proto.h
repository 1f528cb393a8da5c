/*
 * proto.h - the contract between the core and a protocol.
 *
 * A protocol is one file in csrc/protocol/ exporting one nki_proto table.
 * The core allocates the protocol's socket, pipe and context state from the
 * *_size fields and passes it back as 'void *'.  Every op runs with nki_lock
 * held and must not block; aio operations either finish the aio at once or
 * park it (nki_aio_park) with a cancel function that removes it from the
 * protocol's queues and finishes it with the given error.
 */
#ifndef NKI_PROTO_H
#define NKI_PROTO_H

#include "core.h"
#include "pipe.h"
#include "sockready.h" /* NKI_READY_* */
#include "stats.h" /* protocols count what they drop */

struct nki_proto {
    uint16_t self, peer;
    bool raw; /* the raw twin of a protocol has its own table */
    const char *self_name, *peer_name;
    size_t sock_size, pipe_size, ctx_size; /* ctx_size 0: no contexts */

    /* Socket state.  sock_close fails every parked aio with NK_ECLOSED;
     * sock_fini frees what sock_init allocated (all pipes are gone).
     * Optional (NULL: nothing to do): sock_close, sock_fini, pipe_start,
     * pipe_stop, pipe_fini, pipe_writable and the ctx ops when ctx_size
     * is 0. */
    int (*sock_init)(void *ps, nki_sock *s);
    void (*sock_close)(void *ps);
    void (*sock_fini)(void *ps);
    void (*sock_send)(void *ps, nk_aio *a);
    void (*sock_recv)(void *ps, nk_aio *a);

    /* Pipes.  pipe_start may refuse the peer (non-zero: the pipe is closed).
     * pipe_stop drops every reference to the pipe; after it, the pipe's
     * messages no longer reach the protocol. */
    int (*pipe_init)(void *pp, nki_pipe *p, void *ps);
    int (*pipe_start)(void *pp);
    void (*pipe_stop)(void *pp);
    void (*pipe_fini)(void *pp);
    /* A message arrived; the protocol owns it.  Non-zero closes the pipe
     * (malformed header).  To apply back-pressure, nki_pipe_pause(). */
    int (*pipe_recv)(void *pp, nk_msg *m);
    /* The pipe's send queue is empty again. */
    void (*pipe_writable)(void *pp);

    /* Contexts, if ctx_size > 0.  ctx_fini fails the context's parked aios
     * with NK_ECLOSED before releasing it. */
    int (*ctx_init)(void *pc, void *ps);
    void (*ctx_fini)(void *pc);
    void (*ctx_send)(void *pc, nk_aio *a);
    void (*ctx_recv)(void *pc, nk_aio *a);

    const nki_option *sock_opts; /* NULL-terminated; may be NULL */
    const nki_option *ctx_opts;

    /* recv-fd, send-fd (sockready.h): which of NKI_READY_RECV/SEND the
     * socket has, and which would complete at once now (a socket-level
     * receive or send; NULL: neither fd). */
    unsigned ready_kinds;
    unsigned (*sock_ready)(void *ps);
};

/* A protocol timer that changed what sock_ready answers says so (the core
 * asks again after everything else it runs in the protocol). */
void nki_sock_ready_changed(nki_sock *s);

/* ttl-max, for every protocol that has it: how many hops (backtrace words,
 * PAIR1's hop count) a message may have made before it is dropped. */
#define NKI_TTL_MIN 1
#define NKI_TTL_MAX 15
#define NKI_TTL_DEFAULT 8
#define NKI_OPT_TTL(T, f) NKI_OPT_ROW_I64("ttl-max", NKI_OPT_INT, NKI_TTL_MIN, NKI_TTL_MAX, T, f)

/* The registry (registry.c): a protocol file registers each of its tables
 * with NKI_PROTO_REGISTER(table) at file scope; lookups by number. */
void nki_proto_register(const nki_proto *p);
#define NKI_PROTO_REGISTER(p) \
    __attribute__((constructor)) static void nki_register_##p(void) { nki_proto_register(&(p)); }
const nki_proto *nki_proto_find(int number, bool raw);

#endif
