/*
 * responder.h - the state machine REP0 and RESPONDENT0 share.
 *
 * Both receive a request (or survey) whose backtrace is every 32-bit word up
 * to and including the first with the top bit set, and answer with that
 * backtrace verbatim on the pipe it came from.  More than ttl-max words: the
 * message is dropped; no end word: the pipe is closed.  If the pipe is gone
 * the answer is discarded and the send still succeeds; if it is busy the
 * answer waits for it.  Each pipe holds one unread request (fair queue with
 * back-pressure).  Raw mode hands the application [pipe id][backtrace] as
 * the header and routes a sent message by its first header word.
 */
#ifndef NKI_RESPONDER_H
#define NKI_RESPONDER_H

#include "protoq.h"

typedef struct nki_resp_sock nki_resp_sock;

typedef struct {
    nki_resp_sock *rs;
    bool has_req;
    uint32_t pipe_id;
    uint8_t bt[NKI_MSG_HDR_MAX];
    size_t btlen;
} nki_resp_ctx;

struct nki_resp_sock {
    nki_sock *s;
    nki_resp_ctx master;
    nki_fq fq;
    int64_t ttl;
};

typedef struct {
    nki_resp_sock *rs;
    nki_pipe *p;
    nki_fq_pipe fp;
    nki_list sendwait; /* answers waiting for this busy pipe */
} nki_resp_pipe;

extern const nki_option nki_resp_opts[];

/* The ops of a nki_proto table, cooked and raw, for both protocols. */
#define NKI_RESPONDER_OPS(is_raw)                                                              \
    .raw = is_raw, .sock_size = sizeof(nki_resp_sock), .pipe_size = sizeof(nki_resp_pipe),     \
    .ctx_size = is_raw ? 0 : sizeof(nki_resp_ctx), .sock_init = nki_resp_sock_init,            \
    .sock_close = nki_resp_sock_close,                                                         \
    .sock_send = is_raw ? nki_resp_raw_send : nki_resp_sock_send,                              \
    .sock_recv = nki_resp_sock_recv, .pipe_init = nki_resp_pipe_init,                          \
    .pipe_stop = nki_resp_pipe_stop, .pipe_recv = nki_resp_pipe_recv,                          \
    .pipe_writable = nki_resp_pipe_writable, .ctx_init = nki_resp_ctx_init,                    \
    .ctx_fini = nki_resp_ctx_fini, .ctx_send = nki_resp_ctx_send,                              \
    .ctx_recv = nki_resp_ctx_recv, .sock_opts = nki_resp_opts,                                 \
    .ready_kinds = NKI_READY_RECV | NKI_READY_SEND, .sock_ready = nki_resp_sock_ready

int nki_resp_sock_init(void *arg, nki_sock *s);
void nki_resp_sock_close(void *arg);
void nki_resp_sock_send(void *arg, nk_aio *a);
void nki_resp_raw_send(void *arg, nk_aio *a);
void nki_resp_sock_recv(void *arg, nk_aio *a);
/* A request waits to be received; a cooked socket holds one to answer
 * (raw answers are routed by their header and never wait). */
unsigned nki_resp_sock_ready(void *arg);
int nki_resp_pipe_init(void *arg, nki_pipe *p, void *sarg);
void nki_resp_pipe_stop(void *arg);
int nki_resp_pipe_recv(void *arg, nk_msg *m);
void nki_resp_pipe_writable(void *arg);
int nki_resp_ctx_init(void *arg, void *sarg);
void nki_resp_ctx_fini(void *arg);
void nki_resp_ctx_send(void *arg, nk_aio *a);
void nki_resp_ctx_recv(void *arg, nk_aio *a);

#endif
