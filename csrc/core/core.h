/*
 * core.h - internal structures shared by the core, transports and protocols.
 *
 * Rule for everything declared here: the caller holds nki_lock (see
 * platform.h) unless a comment says otherwise.
 */
#ifndef NKI_CORE_H
#define NKI_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nngkit.h"
#include "option.h"
#include "platform.h"

#define NKI_CONTAINER(ptr, type, member) ((type *) ((char *) (ptr) - offsetof(type, member)))

/* ---- fork (fork.c) ---- */

/* For transports: a hook run in a fork() child once the core has reset its
 * own units.  Register at load time (a constructor). */
void nki_core_atfork_register(void (*child)(void));

/* ---- intrusive doubly linked lists ---- */

typedef struct nki_node {
    struct nki_node *next, *prev;
} nki_node;

typedef struct {
    nki_node head;
} nki_list;

static inline void nki_list_init(nki_list *l)
{
    l->head.next = l->head.prev = &l->head;
}
static inline bool nki_list_empty(const nki_list *l)
{
    return l->head.next == &l->head;
}
static inline bool nki_node_linked(const nki_node *n)
{
    return n->next != NULL;
}
static inline void nki_list_append(nki_list *l, nki_node *n)
{
    n->prev = l->head.prev;
    n->next = &l->head;
    l->head.prev->next = n;
    l->head.prev = n;
}
static inline void nki_node_remove(nki_node *n)
{
    if (n->next) {
        n->prev->next = n->next;
        n->next->prev = n->prev;
        n->next = n->prev = NULL;
    }
}
static inline nki_node *nki_list_first(nki_list *l)
{
    return nki_list_empty(l) ? NULL : l->head.next;
}
static inline nki_node *nki_list_pop(nki_list *l)
{
    nki_node *n = nki_list_first(l);
    if (n) {
        nki_node_remove(n);
    }
    return n;
}
#define NKI_LIST_FOREACH_SAFE(l, n, nx) \
    for ((n) = (l)->head.next, (nx) = (n)->next; (n) != &(l)->head; (n) = (nx), (nx) = (n)->next)

/* ---- id maps: 32-bit id -> object, open addressing ---- */

typedef struct {
    uint32_t *keys;
    void **vals;
    uint32_t cap, count, next;
    uint32_t min, max; /* ids are allocated in [min, max] */
} nki_idmap;

void nki_idmap_init(nki_idmap *m, uint32_t min, uint32_t max, bool random_start);
int nki_idmap_alloc(nki_idmap *m, void *val, uint32_t *idp);
int nki_idmap_set(nki_idmap *m, uint32_t id, void *val);
void *nki_idmap_get(nki_idmap *m, uint32_t id);
void nki_idmap_del(nki_idmap *m, uint32_t id);

/* ---- messages ---- */

#define NKI_MSG_HDR_MAX 64 /* 15 backtrace words + slack, as NNG allows */

struct nk_msg {
    uint8_t hdr[NKI_MSG_HDR_MAX];
    size_t hlen;
    uint8_t *body;
    size_t len, cap;
    uint32_t pipe;
    nki_node node; /* for message queues */
    struct nki_loan *loan; /* body lent by the caller (nk_msg_lend), else NULL */
};

nk_msg *nki_msg_new(size_t len, size_t cap);
int nki_msg_reserve(nk_msg *m, size_t cap); /* grows the body buffer */
/* Grows the body only if a cached body fits (0), else -1: never allocates. */
int nki_msg_reserve_cached(nk_msg *m, size_t cap);
/* Gives a lent body back, after copying it into one of the core's own (a
 * receiver may then change it in place); 0 or NK_ENOMEM.  Every function
 * here that writes into a body does this itself. */
int nki_msg_own(nk_msg *m);
void nki_msg_atfork_child(void);
nk_msg *nki_msg_dup(const nk_msg *m);
/* Moves the first n body bytes to the end of the header. */
int nki_msg_body_to_header(nk_msg *m, size_t n);
int nki_msg_header_put_u32(nk_msg *m, uint32_t v);
uint32_t nki_get_u32(const uint8_t *p);
void nki_put_u32(uint8_t *p, uint32_t v);

/* Simple FIFO of messages. */
typedef struct {
    nki_list list;
    size_t len;
} nki_msgq;
void nki_msgq_init(nki_msgq *q);
void nki_msgq_put(nki_msgq *q, nk_msg *m);
nk_msg *nki_msgq_get(nki_msgq *q);
void nki_msgq_flush(nki_msgq *q); /* frees every message */

/* ---- aios (contract in aio.c's header comment) ---- */

typedef void (*nki_cancel_fn)(nk_aio *a, void *arg, int err);

struct nk_aio {
    int result;
    bool busy;
    nk_msg *msg;
    int32_t timeout;   /* as set by the user, NK_DURATION_* allowed */
    nki_time deadline; /* resolved when the operation starts */
    nki_cancel_fn cancel_fn;
    void *cancel_arg;
    nki_timer timer;
    nki_node pnode;    /* provider's wait queue */
    void *pdata;       /* provider's scratch */
    nk_cq *cq;
    uint64_t tag;
    nki_node cq_node;
    nki_cv cv;
    int waiters;
    /* Core-internal completion callback (devices); runs with nki_lock
     * held and must not start operations synchronously. */
    void (*cb)(nk_aio *a, void *arg);
    void *cb_arg;
};

/* Starts an operation; 'dflt' resolves NK_DURATION_DEFAULT. */
void nki_aio_begin(nk_aio *a, int32_t dflt);
/*
 * The provider cannot finish now and will wait.  Returns false when the aio
 * was finished instead (zero timeout -> NK_EAGAIN, or deadline passed ->
 * NK_ETIMEDOUT); the provider must then not touch it.
 */
bool nki_aio_park(nk_aio *a, nki_cancel_fn fn, void *arg);
/* An idle aio from the spare list (or a new one), NULL if out of memory;
 * nki_aio_put gives back one that is idle and holds no message. */
nk_aio *nki_aio_get(void);
void nki_aio_put(nk_aio *a);
void nki_aio_atfork_child(void);
/* nk_aio_wait with nki_lock already held (1: done). */
int nki_aio_wait_locked(nk_aio *a, int32_t ms);
/* Finishes the operation: exactly once per begin. */
void nki_aio_finish(nk_aio *a, int result);
/* Aborts a parked operation through its provider's cancel function. */
void nki_aio_abort(nk_aio *a, int err);
/* Parks on a FIFO list whose cancel just unlinks and finishes (false: the
 * aio was finished instead, see nki_aio_park). */
bool nki_aio_wait_on(nk_aio *a, nki_list *l);
nk_aio *nki_aio_list_pop(nki_list *l);
void nki_aio_list_fail(nki_list *l, int err);
/* Fails only the aios whose pdata is owner (a context closing). */
void nki_aio_list_fail_owner(nki_list *l, void *owner, int err);

/* ---- sockets, contexts, options ---- */

typedef struct nki_sock nki_sock;
typedef struct nki_pipe nki_pipe;
typedef struct nki_ep nki_ep;
typedef struct nki_proto nki_proto;
typedef struct nki_tran nki_tran;

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
/* One option request on a found object (search orders: option.c). */
int nki_sock_opt(nki_sock *s, const char *name, nki_optreq *r);
int nki_ctx_opt(nki_ctx *c, const char *name, nki_optreq *r);

/* ---- endpoints (dialers and listeners) ---- */

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

/* ---- devices (device.c) ---- */

void nki_device_atfork_child(void);
/* A socket is closing: every device using it ends. */
void nki_device_sock_closed(uint32_t sid);

/* ---- statistics (stats.c): why a message was dropped ---- */

enum { NKI_DROP_SEND_FULL, NKI_DROP_RECV_FULL, NKI_DROP_TTL, NKI_DROP_STALE, NKI_DROP_NO_PIPE };
void nki_stat_drop(nki_sock *s, int why);
/* The same, for code that knows only the message's pipe id. */
void nki_stat_drop_pipe(uint32_t pid, int why);
/* A queued message dropped before it was written (lossy send). */
void nki_stat_unsend(nki_pipe *p, const nk_msg *m);

#endif
