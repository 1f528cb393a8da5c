/*
 * Devices: relay raw messages between two sockets, in the core.  Each
 * direction is a loop of two aios (receive on one socket, send on the
 * other) driven by completion callbacks; each step is posted as a task so a
 * completion never re-enters the protocol that is finishing it.  A device
 * ends when either socket closes.  With the same socket twice it reflects
 * (BUS, PAIR1 polyamorous).
 */
#include <stdlib.h>

#include "proto.h"

typedef struct nki_device nki_device;

typedef struct {
    nki_device *d;
    uint32_t from, to;
    nk_aio *recv, *send;
    bool sending;
    nki_task task;
} dev_half;

struct nki_device {
    uint32_t id;
    dev_half half[2];
    int nhalves;
    bool done, closing;
    int waiters;
    nki_cv cv;
};

static nki_idmap dev_ids;
static bool dev_ids_ready;

void nki_device_atfork_child(void)
{
    dev_ids_ready = false; /* the parent's devices do not exist here */
}

static void dev_end(nki_device *d)
{
    int i;
    if (d->done) {
        return;
    }
    d->done = true;
    for (i = 0; i < d->nhalves; i++) {
        nki_aio_abort(d->half[i].recv, NK_ECANCELED);
        nki_aio_abort(d->half[i].send, NK_ECANCELED);
    }
    nki_cv_wake(&d->cv);
}

static void dev_step(void *arg)
{
    dev_half *h = arg;
    nki_device *d = h->d;
    if (d->done) {
        return;
    }
    if (h->sending) {
        int rv = h->send->result;
        h->sending = false;
        if (rv != 0) {
            nk_msg_free(h->send->msg);
            h->send->msg = NULL;
            if (rv == NK_ECLOSED) {
                dev_end(d);
                return;
            }
        }
        nki_dispatch(h->from, false, false, h->recv);
        return;
    }
    if (h->recv->result != 0) {
        /* Closed ends the device; anything else (a PUB cannot receive)
         * only stops this direction. */
        if (h->recv->result == NK_ECLOSED) {
            dev_end(d);
        }
        return;
    }
    h->send->msg = h->recv->msg;
    h->recv->msg = NULL;
    h->sending = true;
    nki_dispatch(h->to, false, true, h->send);
}

static void dev_aio_cb(nk_aio *a, void *arg)
{
    dev_half *h = arg;
    (void) a;
    if (!h->d->closing) {
        nki_task_post(&h->task);
    }
}

static void dev_free(nki_device *d)
{
    int i;
    for (i = 0; i < 2; i++) {
        nk_aio_free(d->half[i].recv);
        nk_aio_free(d->half[i].send);
    }
    nki_cv_fini(&d->cv);
    free(d);
}

/* A socket is closing: every device using it ends (NNG's nng_device
 * documents this; tests/protocol/test_device.py notes where NNG 1.x itself
 * differs). */
void nki_device_sock_closed(uint32_t sid)
{
    uint32_t i;
    if (!dev_ids_ready) {
        return;
    }
    for (i = 0; i < dev_ids.cap; i++) {
        nki_device *d = dev_ids.keys[i] ? dev_ids.vals[i] : NULL;
        if (d != NULL && !d->done &&
            (d->half[0].from == sid || d->half[0].to == sid)) {
            dev_end(d);
        }
    }
}

int nk_device_open(uint32_t sid_a, uint32_t sid_b, uint32_t *devid)
{
    nki_sock *a, *b;
    nki_device *d;
    int i, rv = 0;
    if ((d = calloc(1, sizeof(*d))) == NULL) {
        return NK_ENOMEM;
    }
    nki_cv_init(&d->cv);
    for (i = 0; i < 2 && rv == 0; i++) {
        if ((rv = nk_aio_alloc(&d->half[i].recv)) == 0) {
            rv = nk_aio_alloc(&d->half[i].send);
        }
    }
    if (rv != 0) {
        dev_free(d);
        return rv;
    }
    nki_lock();
    a = nki_sock_find(sid_a);
    b = nki_sock_find(sid_b);
    if (a == NULL || b == NULL) {
        rv = NK_ECLOSED;
    } else if (!a->raw || !b->raw || a->proto->self != b->proto->peer) {
        rv = NK_EINVAL; /* two raw sockets of matching protocols */
    } else {
        if (!dev_ids_ready) {
            nki_idmap_init(&dev_ids, 1, 0x7fffffff, false);
            dev_ids_ready = true;
        }
        rv = nki_idmap_alloc(&dev_ids, d, &d->id);
    }
    if (rv != 0) {
        nki_unlock();
        dev_free(d);
        return rv;
    }
    d->nhalves = sid_a == sid_b ? 1 : 2;
    for (i = 0; i < d->nhalves; i++) {
        dev_half *h = &d->half[i];
        h->d = d;
        h->from = i == 0 ? sid_a : sid_b;
        h->to = i == 0 ? sid_b : sid_a;
        nki_task_init(&h->task, dev_step, h);
        h->recv->timeout = h->send->timeout = NK_DURATION_INFINITE;
        h->recv->cb = h->send->cb = dev_aio_cb;
        h->recv->cb_arg = h->send->cb_arg = h;
        nki_dispatch(h->from, false, false, h->recv);
    }
    *devid = d->id;
    nki_unlock();
    return 0;
}

int nk_device_wait(uint32_t devid, int32_t ms)
{
    nki_device *d;
    nki_time deadline = ms < 0 ? NKI_TIME_NEVER : nki_clock() + ms;
    int done;
    nki_lock();
    if (!dev_ids_ready || (d = nki_idmap_get(&dev_ids, devid)) == NULL) {
        nki_unlock();
        return 1;
    }
    d->waiters++;
    while (!d->done) {
        if (deadline == NKI_TIME_NEVER) {
            nki_cv_wait(&d->cv);
        } else if (nki_cv_wait_until(&d->cv, deadline) != 0) {
            break;
        }
    }
    d->waiters--;
    done = d->done;
    if (d->waiters == 0 && d->closing) {
        nki_cv_wake(&d->cv);
    }
    nki_unlock();
    return done;
}

int nk_device_close(uint32_t devid)
{
    nki_device *d;
    int i;
    nki_lock();
    if (!dev_ids_ready || (d = nki_idmap_get(&dev_ids, devid)) == NULL) {
        nki_unlock();
        return NK_ECLOSED;
    }
    nki_idmap_del(&dev_ids, devid);
    d->closing = true;
    dev_end(d);
    for (i = 0; i < d->nhalves; i++) {
        nki_task_cancel(&d->half[i].task);
    }
    while (d->waiters > 0) {
        nki_cv_wait(&d->cv); /* let concurrent waiters leave first */
    }
    nki_unlock();
    dev_free(d);
    return 0;
}
