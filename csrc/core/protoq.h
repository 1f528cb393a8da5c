/*
 * protoq.h - building blocks that protocols share instead of copying.
 *
 *  nki_lb  send side, load-balanced: each message goes to one ready pipe
 *          (pipes rotate); senders wait while no pipe is ready.
 *  nki_fq  receive side, fair-queued with back-pressure: each pipe holds a
 *          few unread messages (NKI_FQ_DEPTH) and is paused when full, so
 *          a slow reader slows the sender through the transport while a
 *          fast one takes queued messages without waiting on the reactor.
 *  nki_rq  receive side, buffered: a bounded queue that never pushes back;
 *          when full the oldest message is dropped.
 *  nki_bt  backtraces (REQ/REP, SURVEYOR/RESPONDENT headers).
 *
 * All of them run under nki_lock like the protocols that use them.
 */
#ifndef NKI_PROTOQ_H
#define NKI_PROTOQ_H

#include "proto.h"

/* ---- load-balanced send ---- */

typedef struct {
    nki_list ready;   /* nki_lb_pipe, able to take a message now */
    nki_list waiting; /* parked send aios */
    nki_msgq buffer;  /* accepted, waiting for a ready pipe */
    size_t bufcap;    /* send-buffer: 0 (default) means none */
} nki_lb;

typedef struct {
    nki_pipe *p;
    nki_node node;
} nki_lb_pipe;

void nki_lb_init(nki_lb *lb);
void nki_lb_pipe_init(nki_lb_pipe *lp, nki_pipe *p);
/* Call when the pipe starts and from pipe_writable. */
void nki_lb_pipe_ready(nki_lb *lb, nki_lb_pipe *lp);
void nki_lb_pipe_stop(nki_lb *lb, nki_lb_pipe *lp);
/* Sends a->msg to the next ready pipe, or parks a. */
void nki_lb_send(nki_lb *lb, nk_aio *a);
void nki_lb_close(nki_lb *lb);
int nki_lb_get_buffer(nki_lb *lb, int64_t *v);
int nki_lb_set_buffer(nki_lb *lb, int64_t v);

/* ---- fair-queued receive ---- */

#define NKI_FQ_DEPTH 16

typedef struct nki_fq nki_fq;
struct nki_fq {
    nki_msgq orphans; /* received on pipes since closed: served first */
    nki_list pending; /* nki_fq_pipe holding messages, in turn */
    nki_list waiting; /* parked recv aios */
    /* Optional: runs just before a receive completes with m. */
    void (*on_deliver)(nk_aio *a, nk_msg *m);
};

typedef struct {
    nki_pipe *p;
    nki_msgq held;
    nki_node node;
} nki_fq_pipe;

void nki_fq_init(nki_fq *fq);
void nki_fq_pipe_init(nki_fq_pipe *fp, nki_pipe *p);
/* A message from fp's pipe: completes a waiting receive or is held (the
 * pipe pauses once NKI_FQ_DEPTH are held). */
void nki_fq_put(nki_fq *fq, nki_fq_pipe *fp, nk_msg *m);
void nki_fq_recv(nki_fq *fq, nk_aio *a);
void nki_fq_pipe_stop(nki_fq *fq, nki_fq_pipe *fp);
void nki_fq_close(nki_fq *fq);

/* ---- bounded receive queue ---- */

typedef struct {
    nki_msgq q;
    size_t cap;        /* at least 1 */
    nki_list waiting;  /* parked recv aios */
} nki_rq;

void nki_rq_init(nki_rq *rq, size_t cap);
/* Completes a waiting receive, else queues m (dropping the oldest if full). */
void nki_rq_put(nki_rq *rq, nk_msg *m);
void nki_rq_recv(nki_rq *rq, nk_aio *a);
void nki_rq_close(nki_rq *rq); /* fails waiters, frees queued messages */
int nki_rq_set_cap(nki_rq *rq, int64_t cap);

/* ---- fan-out send: PUB, BUS and SURVEYOR ---- */

typedef struct {
    nki_list pipes;  /* nki_fan_pipe */
    int64_t limit;   /* per-pipe queue behind the message in flight */
} nki_fan;

typedef struct {
    nki_pipe *p;
    nki_node node;
} nki_fan_pipe;

void nki_fan_init(nki_fan *f, int64_t limit);
void nki_fan_add(nki_fan *f, nki_fan_pipe *fp, nki_pipe *p);
void nki_fan_remove(nki_fan_pipe *fp);
/* Sends m (header + body) to every pipe but the one with id skip, never
 * blocking; takes m. */
void nki_fan_send(nki_fan *f, nk_msg *m, uint32_t skip);
int nki_fan_get_limit(nki_fan *f, int64_t *v);
int nki_fan_set_limit(nki_fan *f, int64_t v);

/* Queues m on p unless more than 'limit' messages wait behind the one in
 * flight; then the oldest waiting one is dropped to make room. */
void nki_pipe_send_lossy(nki_pipe *p, nk_msg *m, size_t limit, bool later);

/* ---- option rows for the limits above ----
 * 'f' names the queue inside the protocol's state T (the table's object). */

int nki_lb_opt_get(void *obj, const nki_option *o, nki_optval *v);
int nki_lb_opt_set(void *obj, const nki_option *o, const nki_optval *v);
int nki_rq_opt_get(void *obj, const nki_option *o, nki_optval *v);
int nki_rq_opt_set(void *obj, const nki_option *o, const nki_optval *v);
int nki_fan_opt_get(void *obj, const nki_option *o, nki_optval *v);
int nki_fan_opt_set(void *obj, const nki_option *o, const nki_optval *v);
#define NKI_LB_OPT(name, T, f) \
    {name, NKI_OPT_INT, 0, NKI_OPT_BUF_MAX, nki_lb_opt_get, nki_lb_opt_set, offsetof(T, f)}
#define NKI_RQ_OPT(name, T, f) \
    {name, NKI_OPT_INT, 1, NKI_OPT_BUF_MAX, nki_rq_opt_get, nki_rq_opt_set, offsetof(T, f)}
#define NKI_FAN_OPT(name, T, f) \
    {name, NKI_OPT_INT, 1, NKI_OPT_BUF_MAX, nki_fan_opt_get, nki_fan_opt_set, offsetof(T, f)}

/* ---- readiness (recv-fd, send-fd) ----
 * Would a receive (fq, rq) or a send (lb) complete at once? */

bool nki_lb_ready(const nki_lb *lb);
bool nki_fq_ready(const nki_fq *fq);
bool nki_rq_ready(const nki_rq *rq);

/* ---- backtraces ---- */

/*
 * Moves the backtrace (words up to and including the first with the top bit
 * set) from the front of the body to the end of the header.  Returns 0,
 * NK_EPROTO when the body ends before the end word (close the pipe), or
 * NK_EMSGSIZE when it has more than ttl words (drop the message).
 */
int nki_bt_parse(nk_msg *m, int ttl);

#endif
