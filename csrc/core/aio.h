/* aio.h - asynchronous operations; the contract is in aio.c's header
 * comment. */
#ifndef NKI_AIO_H
#define NKI_AIO_H

#include <stdbool.h>
#include <stdint.h>

#include "list.h"
#include "nngkit.h"
#include "platform.h"

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

#endif
