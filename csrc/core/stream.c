/*
 * Stream pipes: the SP connection header and message framing over a
 * connected byte stream (bstream.h), shared by every stream transport.
 *
 * Wire: each side sends 00 'S' 'P' 00 <proto u16 BE> 00 00 at once and reads
 * the peer's 8 bytes concurrently.  Then every message is
 * [type byte, ipc only][u64 BE length][header + body].  The length is checked
 * against the receive limit before any payload is read, and the receive
 * buffer grows only as bytes arrive, so a claimed length costs nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bstream.h"
#include "cork.h"
#include "pipe.h"
#include "proto.h"
#include "tran.h"
#include "wire.h"

#define RBUF_SIZE 65536
#define IOV_MSGS 64
#define GROW_STEP 65536

typedef struct {
    nki_pipe base;
    nki_bstream *bs;     /* &plain, or a transport's stream over the fd */
    nki_bstream plain;
    nki_pfd pfd;
    int type_byte;       /* 0: tcp framing; 1: ipc framing */
    size_t pfx_len;      /* 8 or 9 */
    bool ready;          /* handshake done */
    nki_timer hs_timer;
    nki_task resume_task;
    nki_task close_task;
    nki_task write_task; /* p_kick_later's write, from the reactor */
    bool write_later;    /* write_task is posted */
    int werr;
    uint8_t hs_out[8];
    size_t hs_out_off;
    uint8_t hs_in[8];
    size_t hs_in_len;
    /* receive */
    uint8_t *rbuf;       /* bytes being parsed: the shared scratch or pend */
    size_t rpos, rlen;
    uint8_t *pend;       /* bytes read but not yet taken (while paused) */
    nki_framer framer;   /* decodes frame prefixes (wire.c) */
    nk_msg *rmsg;        /* message being filled */
    uint64_t rwant;      /* its total length */
    int64_t recv_max;
    int lowat;           /* SO_RCVLOWAT now set (0: never set) */
    bool big_last;       /* the last frame was large: read the next prefix alone */
    bool backlog;        /* ipc: the last read filled scratch, so more waits */
    /* send */
    size_t woff;         /* bytes of the first queued frame already written */
    uint8_t wpfx[IOV_MSGS][9];
} spipe;

static void sp_update_events(spipe *sp)
{
    unsigned ev = 0;
    if (!sp->base.closed) {
        if ((!sp->ready || !sp->base.paused) && sp->pend == NULL) {
            ev |= NKI_POLL_IN;
            if (nki_bs_pending(sp->bs)) {
                nki_task_post(&sp->resume_task); /* the fd will not say so */
            }
        }
        if (sp->hs_out_off < 8 || (sp->ready && sp->base.sendq.len > 0)) {
            ev |= NKI_POLL_OUT;
        }
        ev = nki_bs_events(sp->bs, ev);
    }
    nki_pfd_arm(&sp->pfd, ev);
}

static void sp_fail(spipe *sp, int err)
{
    nki_pipe_close(&sp->base, err);
}

/* Frame prefix for a message. */
static size_t sp_prefix(spipe *sp, uint8_t *b, const nk_msg *m)
{
    return nki_wire_prefix_build(b, sp->type_byte, m->hlen + m->len);
}

static void sp_close_task(void *arg)
{
    spipe *sp = arg;
    sp_fail(sp, sp->werr);
}

/* Fills iov with the unwritten part of up to IOV_MSGS queued frames (the
 * first may be partly written already: woff bytes). */
static int sp_gather(spipe *sp, struct iovec *iov)
{
    int niov = 0, nm = 0;
    size_t skip = sp->woff;
    nki_node *nd;
    for (nd = sp->base.sendq.list.head.next; nd != &sp->base.sendq.list.head && nm < IOV_MSGS;
         nd = nd->next, nm++) {
        nk_msg *m = NKI_CONTAINER(nd, nk_msg, node);
        size_t pl = sp_prefix(sp, sp->wpfx[nm], m);
        struct {
            void *p;
            size_t l;
        } parts[3] = {{sp->wpfx[nm], pl}, {m->hdr, m->hlen}, {m->body, m->len}};
        int k;
        for (k = 0; k < 3; k++) {
            if (skip >= parts[k].l) {
                skip -= parts[k].l;
                continue;
            }
            iov[niov].iov_base = (uint8_t *) parts[k].p + skip;
            iov[niov].iov_len = parts[k].l - skip;
            skip = 0;
            niov++;
        }
    }
    return niov;
}

/* n more bytes went out: free every frame that is now fully written. */
static void sp_retire(spipe *sp, size_t n)
{
    sp->woff += n;
    for (;;) {
        nki_node *nd = nki_list_first(&sp->base.sendq.list);
        nk_msg *m;
        size_t flen;
        if (nd == NULL) {
            return;
        }
        m = NKI_CONTAINER(nd, nk_msg, node);
        flen = sp->pfx_len + m->hlen + m->len;
        if (sp->woff < flen) {
            return;
        }
        sp->woff -= flen;
        nk_msg_free(nki_msgq_get(&sp->base.sendq));
    }
}

/*
 * One system call for the gathered frames.  Small ones (a prefix and a
 * short body, or a few of them) are copied into one buffer and sent with
 * send(): the copy costs less than writev's longer kernel path (sender
 * alone, ipc 64 B: 1.56 -> 1.25 us of system time per message).  Over ipc
 * only: over loopback tcp the sender was cheaper too but PUSH/PULL 64 B
 * pairs were 2-4% slower (14 interleaved rounds).  Engines take the iovecs
 * as they are.
 */
#define SMALL_WRITE 2048
static ssize_t sp_writev(spipe *sp, const struct iovec *iov, int niov)
{
    uint8_t buf[SMALL_WRITE];
    size_t len = 0;
    int i;
    if (sp->bs->ops != NULL || !sp->type_byte) {
        return nki_bs_writev(sp->bs, iov, niov);
    }
    for (i = 0; i < niov; i++) {
        if (iov[i].iov_len > SMALL_WRITE - len) {
            return nki_bs_writev(sp->bs, iov, niov);
        }
        memcpy(buf + len, iov[i].iov_base, iov[i].iov_len);
        len += iov[i].iov_len;
    }
    return nki_bs_write(sp->bs, buf, len);
}

/*
 * Write as much as the socket takes; one writev for many queued frames.
 * 'notify' is false when called from the protocol (through p_kick): then
 * neither the drained callback nor a close may run synchronously, because
 * the protocol is in the middle of an operation and checks
 * nki_pipe_busy() itself (a write error closes the pipe from a task).
 */
static void sp_write(spipe *sp, bool notify)
{
    struct iovec iov[IOV_MSGS * 3];
    nki_cork_drop(&sp->base); /* written now, whoever asked */
    while (sp->ready && sp->base.sendq.len > 0 && !sp->base.closed) {
        int niov = sp_gather(sp, iov);
        ssize_t n = sp_writev(sp, iov, niov);
        if (n < 0) {
            if (n == -NK_EAGAIN) {
                break;
            }
            if (n == -NK_EINTR) {
                continue;
            }
            if (notify) {
                sp_fail(sp, (int) -n);
            } else {
                sp->werr = (int) -n;
                nki_task_post(&sp->close_task);
            }
            return;
        }
        sp_retire(sp, (size_t) n);
        if (sp->base.sendq.len == 0) {
            sp_update_events(sp);
            if (notify) {
                nki_pipe_drained(&sp->base);
            }
            return;
        }
    }
    sp_update_events(sp);
}

static void sp_kick(nki_pipe *p)
{
    spipe *sp = (spipe *) p;
    if (sp->ready && sp->base.sendq.len > 0) {
        sp_write(sp, false);
    }
}

static void sp_write_task(void *arg)
{
    spipe *sp = arg;
    sp->write_later = false;
    if (sp->ready && sp->base.sendq.len > 0 && !sp->base.closed) {
        sp_write(sp, true);
    }
}

static void sp_kick_later(nki_pipe *p)
{
    spipe *sp = (spipe *) p;
    if (sp->ready) { /* else the handshake's end writes the queue */
        sp->write_later = true;
        nki_task_post(&sp->write_task);
    }
}

/*
 * A load balancer's send.  When the sender is sending back to back and
 * allows it (nki_cork_allowed), a small frame is left queued for its flush
 * (cork.h), and so are the ones after it, up to NKI_PIPE_SOON_MAX: one
 * system call for the lot instead of one each.  A large frame, a full
 * queue or a pipe with unwritten bytes of its own is written at once.
 * Over ipc only: over loopback tcp the receiver then falls behind unless it
 * parses on its own thread too (sp_resume), and that cost a tcp sender
 * that did not cork (a blocking one, then) more than corking saved
 * (PUSH/PULL 64 B: asyncio pair 324k -> 722k msg/s, blocking sender into
 * an asyncio receiver 330k-385k -> 187k-238k).
 */
static void sp_kick_soon(nki_pipe *p)
{
    spipe *sp = (spipe *) p;
    nk_msg *m = NKI_CONTAINER(p->sendq.list.head.prev, nk_msg, node);
    if (!sp->ready) {
        return; /* the handshake's end writes the queue */
    }
    if (sp->type_byte && m->hlen + m->len <= SMALL_WRITE && p->sendq.len < NKI_PIPE_SOON_MAX &&
        nki_cork_allowed() && (nki_pipe_corked(p) || p->sendq.len == 1)) {
        nki_cork_add(p);
        return;
    }
    sp_write(sp, false);
}

/* Closing with a later write still pending: make it now, once and without
 * waiting, so that what was sent just before a close leaves as it would
 * have left had it been written at once. */
static void sp_write_pending(spipe *sp)
{
    struct iovec iov[IOV_MSGS * 3];
    if (!sp->write_later && !nki_pipe_corked(&sp->base)) {
        return;
    }
    sp->write_later = false; /* nki_pipe_close then takes it off the cork list */
    nki_task_cancel(&sp->write_task);
    if (sp->ready && sp->base.sendq.len > 0) {
        (void) sp_writev(sp, iov, sp_gather(sp, iov));
    }
}

/*
 * Reads go into one scratch buffer shared by all pipes (only one thread
 * parses at a time: nki_lock); what a pipe cannot take yet (it paused, or
 * its own header is still going out) is copied to a per-pipe 'pend' buffer.
 * So an idle connection costs no receive buffer at all.
 */
static uint8_t scratch[RBUF_SIZE];

/* Parse complete frames out of rbuf; deliver while the protocol wants them. */
static void sp_parse(spipe *sp)
{
    while (!sp->base.closed && !sp->base.paused) {
        size_t avail = sp->rlen - sp->rpos;
        if (sp->rmsg == NULL) {
            size_t used;
            int rv;
            if (avail == 0) {
                return;
            }
            rv = nki_framer_feed(&sp->framer, sp->rbuf + sp->rpos, avail, &used);
            sp->rpos += used;
            if (rv == NKI_FRAMER_MORE) {
                return;
            }
            if (rv != NKI_FRAMER_DONE) {
                sp_fail(sp, rv);
                return;
            }
            /* Start small: the buffer grows only as payload arrives. */
            sp->rmsg = nki_msg_new(0, sp->framer.len < GROW_STEP ? (size_t) sp->framer.len : GROW_STEP);
            if (sp->rmsg == NULL) {
                sp_fail(sp, NK_ENOMEM);
                return;
            }
            sp->rwant = sp->framer.len;
            avail = sp->rlen - sp->rpos;
        }
        {
            nk_msg *m = sp->rmsg;
            size_t need = (size_t) (sp->rwant - m->len);
            size_t take = need < avail ? need : avail;
            if (m->len + take > m->cap) {
                size_t ncap = m->cap * 2;
                if (ncap < m->len + take) {
                    ncap = m->len + take;
                }
                if (ncap > sp->rwant) {
                    ncap = (size_t) sp->rwant;
                }
                if (nki_msg_reserve(m, ncap) != 0) {
                    sp_fail(sp, NK_ENOMEM);
                    return;
                }
            }
            if (take > 0) {
                memcpy(m->body + m->len, sp->rbuf + sp->rpos, take);
            }
            m->len += take;
            sp->rpos += take;
            if (m->len < sp->rwant) {
                return;
            }
            sp->rmsg = NULL;
            sp->big_last = m->len >= GROW_STEP;
            nki_pipe_deliver(&sp->base, m);
        }
    }
}

/* Large payloads are read straight into the message, skipping rbuf. */
static ssize_t sp_read_direct(spipe *sp)
{
    nk_msg *m = sp->rmsg;
    size_t need = (size_t) (sp->rwant - m->len), want;
    ssize_t n;
    /* The whole frame in one read when a body that large is already cached
     * (nothing is allocated on the strength of the length prefix). */
    if (m->cap < sp->rwant) {
        (void) nki_msg_reserve_cached(m, (size_t) sp->rwant);
    }
    if (m->cap - m->len < need && m->cap - m->len < GROW_STEP) {
        size_t ncap = m->cap * 2 > m->len + GROW_STEP ? m->cap * 2 : m->len + GROW_STEP;
        if (ncap > sp->rwant) {
            ncap = (size_t) sp->rwant;
        }
        if (nki_msg_reserve(m, ncap) != 0) {
            return -NK_ENOMEM;
        }
    }
    want = m->cap - m->len < need ? m->cap - m->len : need;
    n = nki_bs_read(sp->bs, m->body + m->len, want);
    if (n > 0) {
        m->len += (size_t) n;
        if (m->len == sp->rwant) {
            sp->rmsg = NULL;
            sp->big_last = true;
            nki_pipe_deliver(&sp->base, m);
        }
    }
    return n;
}

static void sp_handshake_in(spipe *sp)
{
    size_t take = 8 - sp->hs_in_len, avail = sp->rlen - sp->rpos;
    uint16_t peer;
    if (take > avail) {
        take = avail;
    }
    if (take > 0) {
        memcpy(sp->hs_in + sp->hs_in_len, sp->rbuf + sp->rpos, take);
    }
    sp->hs_in_len += take;
    sp->rpos += take;
    if (sp->hs_in_len < 8 || sp->hs_out_off < 8) {
        return;
    }
    if (nki_wire_hs_parse(sp->hs_in, &peer) != 0) {
        sp_fail(sp, NK_EPROTO);
        return;
    }
    nki_timer_cancel(&sp->hs_timer);
    sp->ready = true;
    if (nki_pipe_attach(&sp->base, peer)) {
        sp_parse(sp); /* frames may have come with the header */
        if (!sp->base.closed) {
            sp_update_events(sp);
        }
    }
}

/* Take what rbuf holds; keep what cannot be taken yet in 'pend'. */
static void sp_consume(spipe *sp)
{
    if (!sp->ready) {
        sp_handshake_in(sp);
    } else {
        sp_parse(sp);
    }
    if (sp->base.closed) {
        return;
    }
    if (sp->rpos == sp->rlen) {
        free(sp->pend);
        sp->pend = NULL;
        sp->rbuf = NULL;
        sp->rpos = sp->rlen = 0;
    } else if (sp->rbuf == scratch) {
        size_t left = sp->rlen - sp->rpos;
        uint8_t *keep = malloc(left);
        if (keep == NULL) {
            sp_fail(sp, NK_ENOMEM);
            return;
        }
        memcpy(keep, scratch + sp->rpos, left);
        sp->pend = sp->rbuf = keep;
        sp->rpos = 0;
        sp->rlen = left;
    }
}

/*
 * While a large frame trickles in, be woken only once a good part of its
 * rest has arrived (SO_RCVLOWAT), instead of for every segment: fewer
 * wakeups and reads per frame.  The kernel still reports readability when
 * the receive window is nearly closed, so this cannot stall a transfer.
 */
#define LOWAT_MAX (256 * 1024)
static void sp_set_lowat(spipe *sp)
{
    int want = 1;
    if (sp->type_byte || sp->bs->ops != NULL) {
        return; /* ipc: AF_UNIX readiness ignores SO_RCVLOWAT; an engine's
                 * records do not map to the payload's bytes */
    }
    if (sp->ready && sp->rmsg && !sp->base.paused) {
        uint64_t rest = sp->rwant - sp->rmsg->len;
        want = rest > LOWAT_MAX ? LOWAT_MAX : (int) rest;
        if (want < GROW_STEP) {
            want = 1;
        }
    }
    if (want != (sp->lowat ? sp->lowat : 1)) {
        (void) setsockopt(sp->bs->fd, SOL_SOCKET, SO_RCVLOWAT, &want, sizeof(want));
        sp->lowat = want;
    }
}

/*
 * Large frames (GROW_STEP and up) bypass scratch: the rest of one is read
 * straight into its message and only up to its end, and after one the next
 * prefix is read alone, so that when the next frame is large too its whole
 * body goes into its message.  Through scratch, most of every 64 KiB body
 * was copied once more (callgrind: 148k instructions per 64 KiB message on
 * the receiver, 81k this way); it costs one more read per large frame.
 */
static bool sp_direct(const spipe *sp)
{
    return sp->ready && sp->rmsg != NULL && sp->rwant >= GROW_STEP;
}

static size_t sp_scratch_want(const spipe *sp)
{
    if (sp->ready && sp->big_last && sp->rmsg == NULL) {
        return sp->pfx_len - sp->framer.have;
    }
    return RBUF_SIZE;
}

static void sp_readable(spipe *sp)
{
    int rounds;
    bool drained = false; /* a read came back short: the socket is empty */
    for (rounds = 0; rounds < 16 && !sp->base.closed && !drained; rounds++) {
        ssize_t n;
        if ((sp->ready && sp->base.paused) || sp->pend != NULL) {
            break; /* bytes already read come first */
        }
        if (sp_direct(sp)) {
            sp->backlog = false; /* large frames: the reactor reads them */
            n = sp_read_direct(sp);
        } else {
            size_t want = sp_scratch_want(sp);
            n = nki_bs_read(sp->bs, scratch, want);
            if (n > 0) {
                /* No read to learn EAGAIN: the poll says when more comes. */
                drained = (size_t) n < want;
                sp->backlog = sp->type_byte && want == RBUF_SIZE && !drained;
                sp->rbuf = scratch;
                sp->rpos = 0;
                sp->rlen = (size_t) n;
                sp_consume(sp);
            }
        }
        if (n == 0) {
            sp_fail(sp, NK_ECONNSHUT);
            return;
        }
        if (n < 0) {
            if (n == -NK_EAGAIN) {
                break;
            }
            if (n == -NK_EINTR) {
                continue;
            }
            sp_fail(sp, (int) -n);
            return;
        }
    }
    if (!sp->base.closed) {
        sp_set_lowat(sp);
        sp_update_events(sp);
    }
}

static void sp_writable(spipe *sp)
{
    while (sp->hs_out_off < 8) {
        struct iovec one = {sp->hs_out + sp->hs_out_off, 8 - sp->hs_out_off};
        ssize_t n = nki_bs_writev(sp->bs, &one, 1);
        if (n < 0) {
            if (n == -NK_EAGAIN) {
                sp_update_events(sp);
                return;
            }
            if (n == -NK_EINTR) {
                continue;
            }
            sp_fail(sp, (int) -n);
            return;
        }
        sp->hs_out_off += (size_t) n;
        if (sp->hs_out_off == 8 && !sp->ready && sp->hs_in_len == 8) {
            if (sp->pend != NULL) {
                sp_consume(sp); /* frames may wait behind the header */
            } else {
                sp_handshake_in(sp);
            }
        }
    }
    sp_write(sp, true);
}

static void sp_poll_cb(nki_pfd *pfd, unsigned ev)
{
    spipe *sp = pfd->arg;
    ev = nki_bs_ready(sp->bs, ev);
    if ((ev & NKI_POLL_ERR) && sp->ready && sp->base.paused && sp->base.sendq.len == 0) {
        /* A hang-up (or error) reported while the receiver is behind: what
         * the peer sent before it is still to be read and delivered, as NNG
         * does (an ipc peer that wrote 100 messages and exited left 16 here
         * before).  Stop polling until the pipe resumes; reading then meets
         * the data and, after it, the end. */
        nki_pfd_quiet(&sp->pfd);
        return;
    }
    if (ev & (NKI_POLL_OUT | NKI_POLL_ERR)) {
        sp_writable(sp);
    }
    if (!sp->base.closed && (ev & (NKI_POLL_IN | NKI_POLL_ERR))) {
        sp_readable(sp);
    }
}

static void sp_hs_timeout(nki_timer *t)
{
    sp_fail(t->arg, NK_ETIMEDOUT);
}

static void sp_resume_task(void *arg)
{
    spipe *sp = arg;
    if (sp->base.closed) {
        return;
    }
    if (sp->pend != NULL) {
        sp_consume(sp);
    }
    if (sp->base.closed) {
        return;
    }
    /* Read on now if the stream holds bytes the fd no longer shows, or if
     * an event loop's receive parsed the last of pend here while the socket
     * still holds more (the last read filled scratch): it would otherwise
     * find its queue empty and wait for the reactor to read (asyncio 1 KiB
     * PUSH/PULL over ipc: 461k -> 580k msg/s).  A blocking receiver waits
     * cheaply and keeps the reactor reading in parallel (blocking 1 KiB:
     * 460k -> 300k msg/s when it read here too). */
    if (sp->pend == NULL && !(sp->ready && sp->base.paused) &&
        ((sp->backlog && nki_dispatch_eager()) || nki_bs_pending(sp->bs))) {
        sp_readable(sp);
    } else {
        sp_update_events(sp);
    }
}

/*
 * Resumed with plenty already read (pend), an ipc pipe's frames are parsed
 * on the receiver's thread as its receive ends: in a stream faster than its
 * reader, each half queue then costs no reactor wake-up (an asyncio receiver
 * of 64 B frames: 290k msg/s that way, about 700k without).  Not over tcp:
 * a receiver that keeps up with loopback tcp reads often and little, which
 * its sender pays for (64 B PUSH/PULL asyncio fell from 310k to 180k msg/s),
 * nor with little read, where the reactor's pass also reads ahead.
 */
#define HERE_MIN 4096

static void sp_resume(nki_pipe *p)
{
    spipe *sp = (spipe *) p;
    /* Deliver buffered frames once the caller's operation is done, not from
     * its stack (the caller is usually inside the protocol). */
    if (sp->type_byte && sp->pend != NULL && sp->rlen - sp->rpos >= HERE_MIN) {
        nki_task_post_here(&sp->resume_task);
    } else {
        nki_task_post(&sp->resume_task);
    }
}

static void sp_close(nki_pipe *p)
{
    spipe *sp = (spipe *) p;
    nki_timer_cancel(&sp->hs_timer);
    nki_task_cancel(&sp->resume_task);
    nki_task_cancel(&sp->close_task);
    sp_write_pending(sp);
    nki_pfd_fini(&sp->pfd);
    nki_bs_close(sp->bs);
    nki_count(NK_DEBUG_FDS, -1);
    if (sp->rmsg) {
        nk_msg_free(sp->rmsg);
        sp->rmsg = NULL;
    }
}

static void sp_free(nki_pipe *p)
{
    spipe *sp = (spipe *) p;
    free(sp->pend);
    free(sp);
}

static const nki_pipe_ops stream_pipe_ops = {
    .p_stream = nki_stream_pipe_stream,
    .p_kick = sp_kick,
    .p_kick_later = sp_kick_later,
    .p_kick_soon = sp_kick_soon,
    .p_resume = sp_resume,
    .p_close = sp_close,
    .p_free = sp_free,
};

int nki_stream_pipe_fd(const nki_pipe *p)
{
    return ((const spipe *) p)->bs->fd;
}

struct nki_bstream *nki_stream_pipe_stream(const nki_pipe *p)
{
    return ((const spipe *) p)->bs;
}

/* The pipe's byte stream: the plain fd, or what its transport makes of it. */
static int sp_stream_open(spipe *sp, nki_ep *ep, int fd)
{
    nki_bs_plain(&sp->plain, fd);
    sp->bs = &sp->plain;
    if (nki_set_nonblock(fd) != 0) {
        close(fd);
        return NK_ENOMEM;
    }
    if (ep != NULL && ep->tran->stream_open != NULL) {
        return ep->tran->stream_open(ep, fd, &sp->bs);
    }
    return 0;
}

/*
 * An ipc connection may hold LOCAL_SNDBUF bytes on their way instead of
 * Linux's default 208 KiB: with three 64 KiB frames in flight a sender
 * kept stopping for its reader (PUSH/PULL over ipc, 6 interleaved rounds:
 * asyncio 64 KiB 3.39 -> 4.08 GB/s, 1 MiB 5.9 -> 8.1 GB/s, blocking 1 MiB
 * 5.4 -> 7.5 GB/s; 64 B and 1 KiB unchanged).  The kernel charges only
 * what is queued, and caps it at net.core.wmem_max.  tcp tunes its own.
 */
#define LOCAL_SNDBUF (1 << 20)

nki_pipe *nki_stream_pipe_new(nki_sock *s, nki_ep *ep, int fd, int type_byte)
{
    spipe *sp = calloc(1, sizeof(*sp));
    nki_count(NK_DEBUG_FDS, 1); /* the fd is ours from here on */
    if (sp == NULL) {
        close(fd);
        nki_count(NK_DEBUG_FDS, -1);
        return NULL;
    }
    if (sp_stream_open(sp, ep, fd) != 0) {
        free(sp);
        nki_count(NK_DEBUG_FDS, -1);
        return NULL;
    }
    if (nki_pfd_init(&sp->pfd, fd, sp_poll_cb, sp) != 0) {
        nki_bs_close(sp->bs);
        free(sp);
        nki_count(NK_DEBUG_FDS, -1);
        return NULL;
    }
    sp->type_byte = type_byte;
    sp->pfx_len = type_byte ? 9 : 8;
    if (type_byte) {
        int size = LOCAL_SNDBUF;
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    }
    sp->recv_max = ep ? nki_ep_recv_max(ep) : s->recv_max;
    nki_framer_init(&sp->framer, type_byte, (uint64_t) sp->recv_max);
    nki_timer_init(&sp->hs_timer, sp_hs_timeout, sp);
    nki_task_init(&sp->resume_task, sp_resume_task, sp);
    nki_task_init(&sp->close_task, sp_close_task, sp);
    nki_task_init(&sp->write_task, sp_write_task, sp);
    if (nki_pipe_init(&sp->base, s, ep, &stream_pipe_ops) != 0) {
        nki_pfd_fini(&sp->pfd);
        nki_bs_close(sp->bs);
        nki_count(NK_DEBUG_FDS, -1);
        free(sp);
        return NULL;
    }
    nki_wire_hs_build(sp->hs_out, s->proto->self);
    if (s->hs_timeout >= 0) {
        nki_timer_schedule(&sp->hs_timer, nki_clock() + s->hs_timeout);
    }
    /* Our header goes out at once, without waiting for the peer's. */
    sp_writable(sp);
    if (!sp->base.closed) {
        sp_update_events(sp);
    }
    return &sp->base;
}
