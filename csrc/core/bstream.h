/*
 * bstream.h - a connected byte stream on one fd, beneath the SP stream pipes
 * (stream.c) and any transport that frames its own messages.
 *
 * The plain stream is the fd itself (ops == NULL): the inline functions
 * below then make the system call directly, so tcp and ipc pay one
 * predictable branch for the indirection.  An engine (a secured stream, for
 * instance) embeds nki_bstream first in its own state and fills 'ops'.
 *
 * Results: >= 0 is a byte count (a read of 0 is the peer's orderly end);
 * < 0 is a negated NK_* code: -NK_EAGAIN means "not now, wait for
 * nki_bs_events()", -NK_EINTR means "try again at once".
 *
 * An engine may need the fd to be writable to read (or readable to write),
 * and may hold decoded bytes that the fd no longer shows: the caller asks
 * nki_bs_events() which fd events to wait for, passes what the poller
 * reported through nki_bs_ready(), and checks nki_bs_pending() before it
 * waits for readability.  All calls run with nki_lock held, on the reactor
 * or from a kick; none blocks.
 */
#ifndef NKI_BSTREAM_H
#define NKI_BSTREAM_H

#include <errno.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "nngkit.h"
#include "platform.h"

typedef struct nki_bstream nki_bstream;

typedef struct {
    ssize_t (*read)(nki_bstream *bs, void *buf, size_t len);
    ssize_t (*writev)(nki_bstream *bs, const struct iovec *iov, int niov);
    /* The NKI_POLL_* events to wait for on the fd when the caller wants
     * 'want' (NKI_POLL_IN and/or NKI_POLL_OUT) of the stream. */
    unsigned (*events)(nki_bstream *bs, unsigned want);
    /* What the poller reported on the fd, as stream events. */
    unsigned (*ready)(nki_bstream *bs, unsigned fd_events);
    /* Decoded bytes a read returns without the fd being readable. */
    bool (*pending)(nki_bstream *bs);
    /* Closes the fd and frees the stream. */
    void (*close)(nki_bstream *bs);
} nki_bstream_ops;

struct nki_bstream {
    int fd;
    const nki_bstream_ops *ops; /* NULL: the plain fd */
};

/* A failed system call's errno as a result (the slow path, bstream.c). */
ssize_t nki_bs_errno(int err);

static inline void nki_bs_plain(nki_bstream *bs, int fd)
{
    bs->fd = fd;
    bs->ops = NULL;
}

static inline ssize_t nki_bs_read(nki_bstream *bs, void *buf, size_t len)
{
    ssize_t n;
    if (bs->ops != NULL) {
        return bs->ops->read(bs, buf, len);
    }
    n = read(bs->fd, buf, len);
    return n >= 0 ? n : nki_bs_errno(errno);
}

static inline ssize_t nki_bs_writev(nki_bstream *bs, const struct iovec *iov, int niov)
{
    ssize_t n;
    if (bs->ops != NULL) {
        return bs->ops->writev(bs, iov, niov);
    }
    n = writev(bs->fd, iov, niov);
    return n >= 0 ? n : nki_bs_errno(errno);
}

/* One contiguous buffer.  On the plain fd this is send(), which the kernel
 * takes on a shorter path than writev (no iovec import, no file-layer
 * checks): about 0.1 us less per call over AF_UNIX and tcp loopback. */
static inline ssize_t nki_bs_write(nki_bstream *bs, const void *buf, size_t len)
{
    ssize_t n;
    if (bs->ops != NULL) {
        struct iovec one = {(void *) buf, len};
        return bs->ops->writev(bs, &one, 1);
    }
    n = send(bs->fd, buf, len, 0);
    return n >= 0 ? n : nki_bs_errno(errno);
}

static inline unsigned nki_bs_events(nki_bstream *bs, unsigned want)
{
    return bs->ops != NULL ? bs->ops->events(bs, want) : want;
}

static inline unsigned nki_bs_ready(nki_bstream *bs, unsigned fd_events)
{
    return bs->ops != NULL ? bs->ops->ready(bs, fd_events) : fd_events;
}

static inline bool nki_bs_pending(nki_bstream *bs)
{
    return bs->ops != NULL && bs->ops->pending(bs);
}

/* Closes the fd; an engine also frees its state (the struct is its own). */
static inline void nki_bs_close(nki_bstream *bs)
{
    if (bs->ops != NULL) {
        bs->ops->close(bs);
    } else {
        close(bs->fd);
    }
}

#endif
