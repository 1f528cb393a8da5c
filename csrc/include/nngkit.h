/*
 * nngkit.h - the public C API of the nngkit core.
 *
 * This is the only header the Python layer sees: csrc/ffi_build.py derives
 * the cffi declarations from it line by line, so it holds only what cffi
 * parses (numeric NK_* macros become "...", string macros are skipped).  Objects that outlive
 * a call (sockets, contexts, dialers, listeners, pipes) are named by 32-bit
 * ids, never by pointers, so a stale id yields NK_ECLOSED instead of a crash.
 * Messages, aios and completion queues are owned by the caller and handed
 * over by pointer.
 *
 * Threading: every function may be called from any thread.  Functions that
 * wait (nk_aio_wait, a blocking nk_dial) are meant to be called with the GIL
 * released; nothing in the core ever calls back into the caller's code.
 */
#ifndef NNGKIT_H
#define NNGKIT_H

#include <stddef.h>
#include <stdint.h>

/* Error numbers reuse NNG's, so that messages and exception mapping agree. */
#define NK_EINTR 1
#define NK_ENOMEM 2
#define NK_EINVAL 3
#define NK_EBUSY 4
#define NK_ETIMEDOUT 5
#define NK_ECONNREFUSED 6
#define NK_ECLOSED 7
#define NK_EAGAIN 8
#define NK_ENOTSUP 9
#define NK_EADDRINUSE 10
#define NK_ESTATE 11
#define NK_ENOENT 12
#define NK_EPROTO 13
#define NK_EUNREACHABLE 14
#define NK_EADDRINVAL 15
#define NK_EPERM 16
#define NK_EMSGSIZE 17
#define NK_ECONNABORTED 18
#define NK_ECONNRESET 19
#define NK_ECANCELED 20
#define NK_ENOFILES 21
#define NK_ENOSPC 22
#define NK_EEXIST 23
#define NK_EREADONLY 24
#define NK_EWRITEONLY 25
#define NK_ECRYPTO 26
#define NK_EPEERAUTH 27
#define NK_ENOARG 28
#define NK_EAMBIGUOUS 29
#define NK_EBADTYPE 30
#define NK_ECONNSHUT 31
#define NK_EINTERNAL 1000

/* Protocol numbers as on the wire: family * 16 + role. */
#define NK_PROTO_PAIR0 0x10
#define NK_PROTO_PAIR1 0x11
#define NK_PROTO_PUB0 0x20
#define NK_PROTO_SUB0 0x21
#define NK_PROTO_REQ0 0x30
#define NK_PROTO_REP0 0x31
#define NK_PROTO_PUSH0 0x50
#define NK_PROTO_PULL0 0x51
#define NK_PROTO_SURVEYOR0 0x62
#define NK_PROTO_RESPONDENT0 0x63
#define NK_PROTO_BUS0 0x70

/* Durations are milliseconds; these two are special. */
#define NK_DURATION_INFINITE (-1)
#define NK_DURATION_DEFAULT (-2) /* use the socket's send/recv timeout */

/* nk_dial flags (same value as NNG_FLAG_NONBLOCK). */
#define NK_FLAG_NONBLOCK 2

/* Kinds of object that carry options. */
#define NK_OBJ_SOCKET 0
#define NK_OBJ_CTX 1
#define NK_OBJ_DIALER 2
#define NK_OBJ_LISTENER 3
#define NK_OBJ_PIPE 4

typedef struct nk_msg nk_msg;
typedef struct nk_aio nk_aio;
typedef struct nk_cq nk_cq;

/* The package version (nngkit/_version.py), given to the compiler by csrc/ffi_build.py. */
const char *nk_version(void);
const char *nk_strerror(int err);

/* Sockets, contexts and endpoints. */
int nk_socket_open(int proto, int raw, uint32_t *sid);
int nk_socket_close(uint32_t sid);
int nk_ctx_open(uint32_t sid, uint32_t *cid);
int nk_ctx_close(uint32_t cid);
int nk_listen(uint32_t sid, const char *url, uint32_t *lid);
/* Blocking unless NK_FLAG_NONBLOCK: the first attempt, SP handshake
 * included, runs before it returns; a failed blocking dial keeps nothing. */
int nk_dial(uint32_t sid, const char *url, int flags, uint32_t *did);
int nk_listener_close(uint32_t lid);
int nk_dialer_close(uint32_t did);
int nk_pipe_close(uint32_t pid);

/* Options, by NNG's names ("recv-timeout", "req:resend-time", ...). */
int nk_opt_set_int(int kind, uint32_t id, const char *name, int64_t val);
int nk_opt_get_int(int kind, uint32_t id, const char *name, int64_t *val);
int nk_opt_set_str(int kind, uint32_t id, const char *name, const char *val);
/* Byte-string options ("sub:subscribe", "sub:unsubscribe"). */
int nk_opt_set_bin(int kind, uint32_t id, const char *name, const void *val, size_t len);
/* Copies at most len-1 bytes plus a NUL; NK_EINVAL if it did not fit. */
int nk_opt_get_str(int kind, uint32_t id, const char *name, char *buf, size_t len);

/* Messages: a header (protocol bytes) and a body. */
int nk_msg_alloc(nk_msg **mp, size_t body_len);
void nk_msg_free(nk_msg *m);
void *nk_msg_body(nk_msg *m);
size_t nk_msg_len(const nk_msg *m);
void *nk_msg_header(nk_msg *m);
size_t nk_msg_header_len(const nk_msg *m);
int nk_msg_header_append(nk_msg *m, const void *data, size_t len);
void nk_msg_header_clear(nk_msg *m);
uint32_t nk_msg_pipe(const nk_msg *m);
void nk_msg_set_pipe(nk_msg *m, uint32_t pid);

/*
 * Aios.  An aio carries one operation at a time.  Once started (by
 * nk_sock_send and friends) it completes exactly once, with a result code,
 * whether it succeeds, fails, times out, is cancelled or its socket closes.
 * Every send follows one rule: a send that succeeds takes the message; a
 * send that fails gives it back to the caller with the result.  Here it is
 * still in the aio (nk_aio_get_msg takes it; nk_aio_free frees it).
 */
int nk_aio_alloc(nk_aio **ap);
/* Cancels a pending operation, waits for its completion, frees any message
 * still held and then the aio itself. */
void nk_aio_free(nk_aio *a);
void nk_aio_set_timeout(nk_aio *a, int32_t ms);
void nk_aio_set_msg(nk_aio *a, nk_msg *m);
nk_msg *nk_aio_get_msg(nk_aio *a); /* hands the message to the caller */
int nk_aio_result(nk_aio *a);
int nk_aio_busy(nk_aio *a);
void nk_aio_cancel(nk_aio *a);
/* Waits up to ms (-1: forever) for the operation to finish; 1 when done. */
int nk_aio_wait(nk_aio *a, int32_t ms);
/* Completion goes to cq as well: tag is returned by nk_cq_drain. */
void nk_aio_set_cq(nk_aio *a, nk_cq *cq, uint64_t tag);

void nk_sock_send(uint32_t sid, nk_aio *a);
void nk_sock_recv(uint32_t sid, nk_aio *a);
void nk_ctx_send(uint32_t cid, nk_aio *a);
void nk_ctx_recv(uint32_t cid, nk_aio *a);

/*
 * Completion queues: the bridge to an event loop.  The fd becomes readable
 * when at least one completion is queued (one wakeup per batch); drain
 * returns the tags of finished aios, oldest first, and re-arms the fd.
 */
int nk_cq_open(nk_cq **cqp);
int nk_cq_fd(nk_cq *cq);
int nk_cq_drain(nk_cq *cq, uint64_t *tags, int max);
void nk_cq_close(nk_cq *cq); /* every aio using it must be freed first */

/*
 * Lending the core's I/O to an idle event loop.  nk_poll_fd is readable
 * while the core has I/O ready; nk_poll_step serves what is ready now on
 * the calling thread (timers and tasks stay with the core's thread) and
 * returns how many descriptors it served, or -1 when all that was ready is
 * the core thread's own wakeup (the fd stays readable until that thread
 * has run: stop watching it for now).  A loop that waits for
 * completions watches this fd beside its queue's, so that a reply can
 * complete on the loop's own thread as soon as it arrives, instead of
 * after the core's thread has woken up, read it and woken the loop.
 */
int nk_poll_fd(void);
/* A caller watching nk_poll_fd now waits for a completion (1), or no
 * longer does (0).  While anyone waits so, the core's thread gives the
 * waiters a moment (1 ms at most) to serve ready I/O before it serves it
 * itself, instead of racing them for it. */
void nk_poll_lend(int on);
int nk_poll_step(nk_cq *cq); /* completions to cq meanwhile: drain it next */

/*
 * Devices: relay messages both ways between two raw sockets, in the core,
 * until either socket closes.  nk_device_wait returns 1 once it has ended.
 */
int nk_device_open(uint32_t sid_a, uint32_t sid_b, uint32_t *devid);
int nk_device_wait(uint32_t devid, int32_t ms);
int nk_device_close(uint32_t devid); /* stops relaying and frees it */

/*
 * Pipe events.  Once enabled on a socket, every pipe that completes its
 * handshake and is admitted yields NK_PIPE_EV_ADD_POST, and its removal
 * NK_PIPE_EV_REM_POST.  With NK_PIPE_NOTIFY_HOLD, a new pipe first yields
 * NK_PIPE_EV_ADD_PRE and waits (reading nothing) until nk_pipe_accept
 * admits it or nk_pipe_close refuses it.  Events are received like messages:
 * nk_sock_pipe_event completes its aio with an 8-byte message
 * [event u32 BE][pipe id u32 BE], in order, each exactly once.  This
 * includes the NK_PIPE_EV_REM_POST events of the pipes that nk_socket_close
 * removes: a closed socket keeps its id until they have all been taken,
 * after which nk_sock_pipe_event fails with NK_ECLOSED.  A reader that
 * will take no more calls nk_sock_pipe_events_drop on the closed socket,
 * which frees it (NK_ECLOSED: already freed).
 */
#define NK_PIPE_EV_ADD_PRE 0
#define NK_PIPE_EV_ADD_POST 1
#define NK_PIPE_EV_REM_POST 2
#define NK_PIPE_NOTIFY_ON 1
#define NK_PIPE_NOTIFY_HOLD 2
int nk_sock_pipe_notify(uint32_t sid, int flags);
void nk_sock_pipe_event(uint32_t sid, nk_aio *a);
int nk_sock_pipe_events_drop(uint32_t sid);
int nk_pipe_accept(uint32_t pid);
/* Fills ids with up to max admitted pipes; returns how many there are. */
int nk_sock_pipes(uint32_t sid, uint32_t *ids, int max);

/*
 * Lent bodies (no copy on send).  nk_msg_lend makes a message whose body is
 * the caller's memory [data, data + len).  The caller keeps that memory alive
 * and unchanged until nk_msg_reclaim has returned 'token' (non-zero), which
 * happens once the core no longer uses it: the message was sent and freed,
 * or its body was copied.  nk_msg_reclaim fills tokens with up to max such
 * tokens and returns how many it gave.
 */
int nk_msg_lend(nk_msg **mp, const void *data, size_t len, uint64_t token);
int nk_msg_reclaim(uint64_t *tokens, int max);

/*
 * One-call operations.  Each starts an operation on socket (ctx 0) or
 * context (ctx 1) 'id' with the given timeout and waits at most slice_ms
 * for it, then returns its result.  If the slice ends first it returns
 * NK_PENDING and sets op->aio: the operation goes on; the caller waits for
 * that aio (nk_aio_wait), settles it with nk_op_finish and frees it.
 * nk_send_wait sends m, or if m is NULL a new message holding data[0..len).
 * The rule of every send holds: a send that succeeds takes the message; one
 * that fails, at any point, gives it back in op->msg (the caller's, to send
 * again or free).  A successful receive sets op->msg (the caller's to free)
 * and its body, header and pipe.  'op' is the caller's, one per operation.
 * A small message nk_send_wait sends well into a run of back-to-back sends
 * may stay queued on its pipe with those that follow (cork.h) until the
 * queue fills, a thread waits in the core, or some 50 us pass: no flush is
 * owed.
 */
#define NK_PENDING (-1)
typedef struct {
    nk_aio *aio;
    nk_msg *msg;
    char *body; /* char: Python copies it out with one ffi.unpack */
    size_t len;
    char *header;
    size_t header_len;
    uint32_t pipe;
} nk_op;
int nk_send_wait(uint32_t id, int ctx, nk_msg *m, const char *data, size_t len, int32_t timeout,
                 int32_t slice_ms, nk_op *op);
int nk_recv_wait(uint32_t id, int ctx, int32_t timeout, int32_t slice_ms, nk_op *op);
/*
 * The async path's first try: nk_send_wait with timeout 0 and slice 0,
 * except that a small message sent back to back with the one before it on
 * its pipe may stay queued there, with those that follow, until nk_flush.
 * NK_QUEUED: sent, and this call corked the first such pipe, so the caller
 * now owes an nk_flush() soon (an event loop: before it next waits).  A
 * flush that never comes only delays: the core writes them after 2 ms.
 */
#define NK_QUEUED (-2)
int nk_send_try(uint32_t id, int ctx, nk_msg *m, const char *data, size_t len, nk_op *op);
/* Writes every queue left corked by a send. */
void nk_flush(void);
/* The async path: start with the default timeout and completion to cq under
 * tag, on a new aio (op->aio, the caller's to free); 0 or NK_ENOMEM.  Once it
 * has completed, nk_op_finish returns its result and sets op->msg (and the
 * body, header and pipe of a received message) as above; NK_EBUSY while the
 * operation still runs. */
int nk_send_start(uint32_t id, int ctx, nk_msg *m, const char *data, size_t len, nk_cq *cq,
                  uint64_t tag, nk_op *op);
int nk_recv_start(uint32_t id, int ctx, nk_cq *cq, uint64_t tag, nk_op *op);
int nk_op_finish(nk_op *op);

/* Debug hooks: live object counts, for leak checks in tests. */
#define NK_DEBUG_MSGS 0
#define NK_DEBUG_AIOS 1
#define NK_DEBUG_PIPES 2
#define NK_DEBUG_SOCKETS 3
#define NK_DEBUG_FDS 4
#define NK_DEBUG_CTXS 5
#define NK_DEBUG_ENDPOINTS 6
#define NK_DEBUG_NCOUNTS 7
/* Waits until deferred frees have run, then fills out[NK_DEBUG_NCOUNTS]. */
void nk_debug_counts(int64_t *out);
/* How many times so far a send left its pipe corked (cork.h): tests read
 * it to know that the corked path ran. */
int64_t nk_debug_corks(void);
/* Sets how close (ns) a send must follow the last to be corked; < 0: the
 * default (4 us).  Tests widen it to take the corked path however slowly
 * they run (a sanitizer build). */
void nk_debug_cork_gap(int64_t ns);
/* The blocking sender's flush delay (us) and the backstop's (ms); < 0: the
 * defaults.  Tests set them long to see which other flush wrote a cork. */
void nk_debug_cork_timers(int64_t soon_us, int64_t backstop_ms);

/* ==== Statistics and endpoint control (stats.c, endpoint.c) ==== */

/*
 * Counters since the object was opened, snapshot by one call.  "bytes" are
 * SP message bytes (protocol header + body) as carried by a connection,
 * without transport framing, so one side's bytes_out is the peer's bytes_in.
 * A message counts as out once handed to a connection, unless a lossy send
 * queue drops it before it is written.  Field order is ABI:
 * append only.
 */
typedef struct {
    uint64_t msgs_in;
    uint64_t bytes_in;
    uint64_t msgs_out;
    uint64_t bytes_out;
    uint64_t pipes;              /* connections now established */
    uint64_t pipes_added;
    uint64_t pipes_removed;
    uint64_t dialers;
    uint64_t listeners;
    uint64_t rejects;            /* bad SP header, wrong peer protocol, refused by the app */
    uint64_t handshake_timeouts;
    uint64_t reconnects;         /* dial attempts made by the back-off timer */
    uint64_t proto_errors;       /* established connections dropped for a malformed message */
    uint64_t drop_oversize;      /* connections dropped: message over recv-size-max */
    uint64_t drop_send_full;     /* messages dropped: a peer's send queue was full */
    uint64_t drop_recv_full;     /* messages dropped: the receive queue was full */
    uint64_t drop_ttl;           /* messages dropped: more hops than ttl-max */
    uint64_t drop_stale;         /* replies or responses nobody waits for any more */
    uint64_t drop_no_pipe;       /* replies whose connection has gone */
} nk_sock_stats;

typedef struct {
    uint64_t msgs_in;
    uint64_t bytes_in;
    uint64_t msgs_out;
    uint64_t bytes_out;
} nk_pipe_stats;

typedef struct {
    uint64_t pipes;              /* connections now established through it */
    uint64_t connects;           /* connections that completed the handshake */
    uint64_t disconnects;        /* established connections that ended */
    uint64_t rejects;            /* refused at handshake time (see nk_sock_stats) */
    uint64_t handshake_timeouts;
    uint64_t connect_errors;     /* dialer: attempts that failed; listener: accept errors */
    uint64_t attempts;           /* dialer: connection attempts */
    uint64_t reconnects;         /* dialer: attempts made by the back-off timer */
    uint64_t accepts;            /* listener: connections accepted */
} nk_ep_stats;

int nk_sock_stats_get(uint32_t sid, nk_sock_stats *out);
int nk_pipe_stats_get(uint32_t pid, nk_pipe_stats *out);
/* kind: NK_OBJ_DIALER or NK_OBJ_LISTENER. */
int nk_ep_stats_get(int kind, uint32_t id, nk_ep_stats *out);

/* Two-step endpoints, so that options ("ipc:permissions", "tcp-nodelay")
 * apply before the first connection: create, set options, start.
 * nk_listen and nk_dial are create + start in one call. */
int nk_listener_create(uint32_t sid, const char *url, uint32_t *lid);
int nk_listener_start(uint32_t lid);
/* flags as nk_dial; a failed blocking start leaves the dialer unstarted. */
int nk_dialer_create(uint32_t sid, const char *url, uint32_t *did);
int nk_dialer_start(uint32_t did, int flags);

/* TLS configurations for tls+tcp:// (docs/tls.md), kept by id; implemented
 * by the TLS transport (csrc/transport/tlsload.c).  A socket, dialer or
 * listener takes one through its "tls-config" option (the id). */
#define NK_TLS_AUTH_MODE 1     /* mode: 0 none, 1 optional, 2 required */
#define NK_TLS_SERVER_NAME 2   /* a: the name */
#define NK_TLS_CA_CHAIN 3      /* a: PEM certificates, b: PEM CRL or NULL */
#define NK_TLS_OWN_CERT 4      /* a: PEM certificate(s), b: PEM key, pass */
#define NK_TLS_CA_FILE 5       /* a: a PEM file */
#define NK_TLS_CERT_KEY_FILE 6 /* a: a PEM file, certificate(s) then key; pass */
/* 0 if TLS can be used; else NK_ENOTSUP and why (what to install) in buf. */
int nk_tls_engine_error(char *buf, size_t len);
int nk_tls_config_new(int server, uint32_t *id);
int nk_tls_config_free(uint32_t id);
int nk_tls_config_set(uint32_t id, int what, const char *a, const char *b, const char *pass, int mode);

#endif /* NNGKIT_H */
