/*
 * One ws:// connection (see ws_conn.h).  Input bytes collect in 'in': first
 * the HTTP head, then frame headers and payloads, which are copied into the
 * message being assembled (grown only as bytes arrive: a claimed length
 * costs nothing).  Output goes through 'out', one HTTP head or one frame at
 * a time: control frames first, then the next fragment of the first queued
 * message (at most tx_frame_max bytes), masked on the client side.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pipe.h"
#include "proto.h"
#include "stats.h"
#include "tran.h"
#include "ws_answer.h"
#include "ws_conn.h"
#include "ws_frame.h"
#include "ws_key.h"

#define IN_CAP (65536 + NKI_WS_FHDR_MAX)
#define HTTP_TIMEOUT_MS 2000 /* NNG's server: the whole head within 2 s */
#define GROW_STEP 65536

struct nki_ws_conn {
    nki_pipe base; /* first: the core's pipe, once upgraded */
    nki_bstream *bs; /* &plain (ws), or a TLS stream over the fd (wss) */
    nki_bstream plain;
    nki_pfd pfd;
    bool server, connected, upgraded;
    nki_ep *ep;
    nki_ws_cfg cfg;
    nki_ws_route_fn route;
    void *route_arg;
    nki_node node;       /* server: on the pending list until routed */
    nki_ws_conn **slot;  /* client: the dialer's pointer to it until upgraded */
    nki_timer timer;     /* the upgrade's deadline */
    nki_task resume_task, close_task;
    int close_err;
    char key[NKI_WS_KEY_LEN + 1];
    char *uri, *req_headers, *res_headers, *extra;
    /* input */
    uint8_t *in;
    size_t in_len;
    bool in_frame, in_message;
    nki_ws_fhdr fh;
    uint64_t frame_got;
    nk_msg *rmsg;
    uint8_t ctl[NKI_WS_CTRL_MAX];
    int64_t recv_max;
    /* output */
    uint8_t *out;
    size_t out_len, out_off, out_cap, msg_off;
    uint8_t pong[NKI_WS_CTRL_MAX];
    size_t pong_len;
    bool pong_due, close_due, close_sent, shut_after_write;
    uint16_t close_code;
    bool dead;    /* released: nothing more may touch the fd */
    bool rx_stop; /* an answer or a CLOSE went out: input is read and dropped
                     until the peer closes or the close-wait ends */
};

/* ---- the byte stream (bstream.h): results >= 0 or a negated NK_* ---- */

static ssize_t conn_read(nki_ws_conn *c, void *buf, size_t n)
{
    return nki_bs_read(c->bs, buf, n);
}

static ssize_t conn_write(nki_ws_conn *c, const void *buf, size_t n)
{
    struct iovec one = {(void *) buf, n};
    return nki_bs_writev(c->bs, &one, 1);
}

nki_ws_conn *nki_ws_conn_of(nki_node *n)
{
    return NKI_CONTAINER(n, nki_ws_conn, node);
}

const char *nki_ws_pipe_uri(const nki_pipe *p)
{
    return ((const nki_ws_conn *) p)->uri;
}

const char *nki_ws_pipe_req_headers(const nki_pipe *p)
{
    return ((const nki_ws_conn *) p)->req_headers;
}

const char *nki_ws_pipe_res_headers(const nki_pipe *p)
{
    return ((const nki_ws_conn *) p)->res_headers;
}

const char *nki_ws_pipe_proto(const nki_pipe *p)
{
    return ((const nki_ws_conn *) p)->cfg.proto;
}

int nki_ws_pipe_fd(const nki_pipe *p)
{
    return ((const nki_ws_conn *) p)->bs->fd;
}

struct nki_bstream *nki_ws_pipe_stream(const nki_pipe *p)
{
    return ((const nki_ws_conn *) p)->bs;
}

static void conn_arm(nki_ws_conn *c)
{
    unsigned ev = 0;
    if (c->upgraded && c->base.closed) {
        return;
    }
    if (!c->connected || c->out_off < c->out_len || c->close_due || c->pong_due ||
        (c->upgraded && c->base.sendq.len > 0)) {
        ev |= NKI_POLL_OUT;
    }
    if (c->connected && (c->rx_stop || (!(c->upgraded && c->base.paused) && c->in_len < IN_CAP))) {
        ev |= NKI_POLL_IN;
        if (nki_bs_pending(c->bs)) {
            nki_task_post(&c->resume_task); /* decoded bytes the fd will not show */
        }
    }
    nki_pfd_arm(&c->pfd, c->connected ? nki_bs_events(c->bs, ev) : ev);
}

static void conn_free_task(void *arg)
{
    nki_ws_conn *c = arg;
    free(c->in);
    free(c->out);
    free(c->uri);
    free(c->req_headers);
    free(c->res_headers);
    free(c->extra);
    free(c);
}

/* Releases what a connection holds on the reactor (not the memory). */
static void conn_release(nki_ws_conn *c)
{
    c->dead = true;
    nki_timer_cancel(&c->timer);
    nki_task_cancel(&c->resume_task);
    nki_task_cancel(&c->close_task);
    nki_pfd_fini(&c->pfd);
    nki_bs_close(c->bs);
    nki_count(NK_DEBUG_FDS, -1);
    if (c->rmsg) {
        nk_msg_free(c->rmsg);
        c->rmsg = NULL;
    }
}

void nki_ws_conn_abort(nki_ws_conn *c)
{
    nki_node_remove(&c->node);
    if (c->slot) {
        *c->slot = NULL;
    }
    conn_release(c);
    nki_defer(conn_free_task, c);
}

/* A refused upgrade or TLS handshake (or a head that did not come in time)
 * counts on the endpoint that refused or was refused: the dialer;
 * on a server the listener the request was routed to, else the one that
 * answers for the port (its first). */
static void conn_count(nki_ws_conn *c, nki_ep *ep, int err)
{
    if (ep == NULL && c->server) {
        ep = c->route(c->route_arg, NULL, NULL, NULL);
    }
    if (ep != NULL) {
        nki_stats_ep_handshake_failed(ep, err);
    }
}

/* Failure before the upgrade: a dialer tries again later.  A TLS handshake
 * that failed is a refusal, a late head a timeout (unless the connection
 * was refused already: counted then; a dialer's HTTP failures are connect
 * errors). */
static void conn_fail_early(nki_ws_conn *c, int err)
{
    nki_ep *ep = c->server ? NULL : c->ep;
    if (!c->rx_stop && err != NK_EPROTO) {
        conn_count(c, ep, err);
    }
    nki_ws_conn_abort(c);
    if (ep) {
        ep->st.connect_errors++;
        nki_dialer_failed(ep, err);
    }
}

static void conn_fail(nki_ws_conn *c, int err)
{
    if (c->upgraded) {
        nki_pipe_close(&c->base, err);
    } else {
        conn_fail_early(c, err);
    }
}

/* ---- output ---- */

static int out_room(nki_ws_conn *c, size_t n)
{
    uint8_t *b;
    if (n <= c->out_cap) {
        return 0;
    }
    if ((b = realloc(c->out, n)) == NULL) {
        return NK_ENOMEM;
    }
    c->out = b;
    c->out_cap = n;
    return 0;
}

/* A frame header for n payload bytes at the start of 'out' (whose room
 * was made when the connection began); returns its length.  The caller
 * puts the payload after it and calls out_seal. */
static size_t out_head(nki_ws_conn *c, bool fin, uint8_t op, size_t n, uint8_t key[4])
{
    uint32_t r = nki_random(); /* a fresh masking key per frame */
    size_t hl;
    memcpy(key, &r, 4);
    hl = nki_ws_fhdr_build(c->out, fin, op, n, c->server ? NULL : key);
    c->out_off = 0;
    c->out_len = hl + n;
    return hl;
}

static void out_seal(nki_ws_conn *c, size_t hl, size_t n, const uint8_t key[4])
{
    if (!c->server) {
        nki_ws_mask(c->out + hl, n, key, 0);
    }
}

static void out_control(nki_ws_conn *c, uint8_t op, const uint8_t *data, size_t n)
{
    uint8_t key[4];
    size_t hl = out_head(c, true, op, n, key);
    if (n > 0) {
        memcpy(c->out + hl, data, n);
    }
    out_seal(c, hl, n, key);
}

/* Bytes [off, off + n) of a message's header and body. */
static void msg_copy(const nk_msg *m, size_t off, uint8_t *dst, size_t n)
{
    if (off < m->hlen) {
        size_t k = n < m->hlen - off ? n : m->hlen - off;
        memcpy(dst, m->hdr + off, k);
        dst += k;
        n -= k;
        off = m->hlen;
    }
    if (n > 0) {
        memcpy(dst, m->body + (off - m->hlen), n);
    }
}

/* The next fragment of the first queued message; true when that finished
 * the message (it then leaves the queue). */
static bool out_fragment(nki_ws_conn *c)
{
    nk_msg *m = NKI_CONTAINER(nki_list_first(&c->base.sendq.list), nk_msg, node);
    size_t left = m->hlen + m->len - c->msg_off;
    size_t n = left < c->cfg.tx_frame_max ? left : c->cfg.tx_frame_max, hl;
    bool fin = n == left;
    uint8_t key[4];
    hl = out_head(c, fin, c->msg_off == 0 ? NKI_WS_BINARY : NKI_WS_CONT, n, key);
    msg_copy(m, c->msg_off, c->out + hl, n);
    out_seal(c, hl, n, key);
    c->msg_off += n;
    if (!fin) {
        return false;
    }
    c->msg_off = 0;
    nk_msg_free(nki_msgq_get(&c->base.sendq));
    return true;
}

/* Puts the next thing to send in 'out': CLOSE, PONG, then data.  *drained
 * is set when the last queued message left the queue. */
static bool out_fill(nki_ws_conn *c, bool *drained)
{
    if (c->close_due) {
        uint8_t code[2];
        nki_ws_close_build(code, c->close_code);
        out_control(c, NKI_WS_CLOSE, code, 2);
        c->close_due = false;
        c->close_sent = true;
        return true;
    }
    if (c->pong_due) {
        out_control(c, NKI_WS_PONG, c->pong, c->pong_len);
        c->pong_due = false;
        return true;
    }
    if (!c->upgraded || c->close_sent || c->base.sendq.len == 0) {
        return false;
    }
    if (out_fragment(c) && c->base.sendq.len == 0) {
        *drained = true;
    }
    return true;
}

static void conn_close_task(void *arg)
{
    nki_ws_conn *c = arg;
    conn_fail(c, c->close_err);
}

/* An error where the connection may not end at once (inside p_kick). */
static void conn_fail_later(nki_ws_conn *c, int err)
{
    c->close_err = err;
    nki_task_post(&c->close_task);
}

/*
 * Writes what is due.  'notify' is false when called from the protocol
 * (p_kick): then neither the drained callback nor a close runs here.
 */
static void conn_flush(nki_ws_conn *c, bool notify)
{
    bool drained = false;
    while (!c->dead) {
        ssize_t n;
        if (c->out_off == c->out_len) {
            c->out_off = c->out_len = 0;
            if (!out_fill(c, &drained)) {
                if (c->shut_after_write) { /* the answer or CLOSE is out */
                    notify ? conn_fail(c, c->close_err) : conn_fail_later(c, c->close_err);
                    return;
                }
                break;
            }
        }
        n = conn_write(c, c->out + c->out_off, c->out_len - c->out_off);
        if (n == -NK_EINTR) {
            continue;
        }
        n = n == 0 ? -NK_ECONNSHUT : n; /* a TLS stream's end (a plain fd never writes 0) */
        if (n < 0) {
            if (n != -NK_EAGAIN) {
                notify ? conn_fail(c, (int) -n) : conn_fail_later(c, (int) -n);
                return;
            }
            break;
        }
        c->out_off += (size_t) n;
    }
    if (!c->dead) {
        conn_arm(c);
    }
    if (drained && notify && !c->dead) {
        nki_pipe_drained(&c->base);
    }
}

/* After an error answer or CLOSE, how long the peer has to close first.
 * Closing at once would reset a peer still sending (unread input makes the
 * kernel send RST): it would lose the answer. */
#define CLOSE_WAIT_MS 500

static void conn_linger(nki_ws_conn *c, int err)
{
    c->rx_stop = true;
    c->close_err = err;
    nki_timer_schedule(&c->timer, nki_clock() + CLOSE_WAIT_MS);
}

/* Sends CLOSE with 'code', then ends the connection. */
static void conn_close_with(nki_ws_conn *c, uint16_t code, int err)
{
    if (!c->close_sent) {
        c->close_due = true;
        c->close_code = code;
    }
    conn_linger(c, err);
    conn_flush(c, true);
}

/* An HTTP error answer (NNG's words, ws_answer.h), then the end: NNG would
 * keep the connection for another request unless close, nngkit ends it. */
static void conn_answer(nki_ws_conn *c, int status, nki_ep *ep, bool close)
{
    int n;
    conn_count(c, ep, NK_EPROTO);
    if (out_room(c, 1024) != 0 || (n = nki_ws_answer((char *) c->out, c->out_cap, status, close)) < 0) {
        conn_fail_early(c, NK_ENOMEM);
        return;
    }
    c->out_off = 0;
    c->out_len = (size_t) n;
    conn_linger(c, NK_EPROTO);
    conn_flush(c, true);
}

/* ---- input: frames ---- */

/* A data frame begins: the message limit is checked on what is claimed so
 * far, nothing is allocated for it. */
static int frame_start(nki_ws_conn *c)
{
    uint64_t have = c->rmsg ? c->rmsg->len : 0;
    if (c->fh.opcode & 0x8) {
        return 0;
    }
    if (c->recv_max > 0 && c->fh.len > (uint64_t) c->recv_max - have) {
        conn_close_with(c, NKI_WS_CLOSE_TOO_BIG, NK_EMSGSIZE);
        return -1;
    }
    if (c->rmsg == NULL) {
        c->rmsg = nki_msg_new(0, c->fh.len < GROW_STEP ? (size_t) c->fh.len : GROW_STEP);
        if (c->rmsg == NULL) {
            conn_close_with(c, NKI_WS_CLOSE_INTERNAL, NK_ENOMEM);
            return -1;
        }
    }
    return 0;
}

/* n payload bytes of the current frame. */
static int frame_take(nki_ws_conn *c, const uint8_t *p, size_t n)
{
    uint8_t *dst;
    if (c->fh.opcode & 0x8) {
        dst = c->ctl + c->frame_got;
    } else {
        nk_msg *m = c->rmsg;
        if (m->len + n > m->cap) {
            size_t want = m->cap * 2 > m->len + n ? m->cap * 2 : m->len + n;
            size_t frame_end = m->len + (size_t) (c->fh.len - c->frame_got);
            if (nki_msg_reserve(m, want < frame_end ? want : frame_end) != 0) {
                conn_close_with(c, NKI_WS_CLOSE_INTERNAL, NK_ENOMEM);
                return -1;
            }
        }
        dst = m->body + m->len;
        m->len += n;
    }
    memcpy(dst, p, n);
    if (c->fh.masked) {
        nki_ws_mask(dst, n, c->fh.mask, c->frame_got);
    }
    return 0;
}

static void control_end(nki_ws_conn *c)
{
    uint16_t code;
    size_t n = (size_t) c->fh.len;
    if (c->fh.opcode == NKI_WS_PING) {
        memcpy(c->pong, c->ctl, n);
        c->pong_len = n;
        c->pong_due = true;
        conn_flush(c, true);
    } else if (c->fh.opcode == NKI_WS_CLOSE) {
        if (nki_ws_close_parse(c->ctl, n, &code) != 0) {
            conn_close_with(c, NKI_WS_CLOSE_PROTOCOL, NK_EPROTO);
        } else {
            /* the peer said goodbye: answer and end once that is out */
            c->shut_after_write = true;
            conn_close_with(c, NKI_WS_CLOSE_NORMAL, NK_ECONNSHUT);
        }
    }
}

static void frame_end(nki_ws_conn *c)
{
    nk_msg *m;
    if (c->fh.opcode & 0x8) {
        control_end(c);
        return;
    }
    c->in_message = !c->fh.fin;
    if (c->fh.fin) {
        m = c->rmsg;
        c->rmsg = NULL;
        nki_pipe_deliver(&c->base, m);
    }
}

/* Frames out of p[0..n) while the protocol takes them; bytes used. */
static size_t frames_in(nki_ws_conn *c, const uint8_t *p, size_t n)
{
    size_t pos = 0, take;
    while (!c->dead && !c->rx_stop && !c->base.closed && !c->base.paused) {
        if (!c->in_frame) {
            nki_ws_rxstate st = {c->server, c->in_message, c->cfg.rx_frame_max};
            int rv = nki_ws_fhdr_parse(p + pos, n - pos, &st, &c->fh);
            if (rv == NKI_WS_MORE) {
                break;
            }
            if (rv != 0) {
                conn_close_with(c, (uint16_t) rv, rv == NKI_WS_CLOSE_TOO_BIG ? NK_EMSGSIZE : NK_EPROTO);
                break;
            }
            pos += c->fh.hdr_len;
            if (frame_start(c) != 0) {
                break;
            }
            c->in_frame = true;
            c->frame_got = 0;
        }
        take = c->fh.len - c->frame_got < n - pos ? (size_t) (c->fh.len - c->frame_got) : n - pos;
        if (take > 0 && frame_take(c, p + pos, take) != 0) {
            break;
        }
        pos += take;
        c->frame_got += take;
        if (c->frame_got < c->fh.len) {
            break;
        }
        c->in_frame = false;
        frame_end(c);
    }
    return pos;
}

/* ---- the upgrade ---- */

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* The header lines of a head (after its first line, without the empty
 * line), as ws:request-headers and ws:response-headers give them. */
static char *head_lines(const nki_ws_head *h)
{
    const char *p = h->buf, *first = memchr(p, '\n', h->len) + 1;
    size_t n = h->len - (size_t) (first - p);
    while (n > 0 && (first[n - 1] == '\r' || first[n - 1] == '\n')) {
        n--;
    }
    return dup_n(first, n);
}

static const nki_pipe_ops ws_pipe_ops;

/* Joins the core: a pipe of ep's socket, attached to the protocol. */
static void conn_become_pipe(nki_ws_conn *c, nki_ep *ep)
{
    nki_node_remove(&c->node);
    if (c->slot) {
        *c->slot = NULL;
        c->slot = NULL;
    }
    nki_timer_cancel(&c->timer);
    c->ep = ep;
    c->recv_max = nki_ep_recv_max(ep);
    if (nki_pipe_init(&c->base, ep->sock, ep, &ws_pipe_ops) != 0) {
        conn_fail_early(c, NK_ENOMEM);
        return;
    }
    c->upgraded = true;
    if (nki_pipe_attach(&c->base, ep->sock->proto->peer)) {
        conn_flush(c, true);
    }
}

static int server_accept(nki_ws_conn *c, const nki_ws_head *h, nki_ep *ep)
{
    size_t n = 0;
    int count, len;
    const char *key = nki_ws_hdr_get(h, "Sec-WebSocket-Key", &n, &count);
    char acc[NKI_WS_ACCEPT_LEN + 1];
    const char *extra = c->cfg.headers ? c->cfg.headers : "";
    size_t pn = 0;
    /* The subprotocol is echoed as the client spelled it (it matched ours in
     * any case), as NNG does: a browser refuses any other spelling. */
    const char *proto = nki_ws_hdr_get(h, "Sec-WebSocket-Protocol", &pn, &count);
    nki_ws_accept(key, n, acc);
    c->uri = dup_n(h->buf + h->line[1].off, h->line[1].len);
    c->req_headers = head_lines(h);
    len = snprintf(NULL, 0, "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: %s\r\n"
                   "Sec-WebSocket-Protocol: %.*s\r\n%s", acc, (int) pn, proto, extra);
    c->res_headers = malloc((size_t) len + 1);
    if (c->uri == NULL || c->req_headers == NULL || c->res_headers == NULL ||
        out_room(c, (size_t) len + 40) != 0) {
        return NK_ENOMEM;
    }
    snprintf(c->res_headers, (size_t) len + 1, "Connection: Upgrade\r\nUpgrade: websocket\r\n"
             "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: %.*s\r\n%s", acc, (int) pn, proto, extra);
    c->out_off = 0;
    c->out_len = (size_t) snprintf((char *) c->out, c->out_cap, "HTTP/1.1 101 Switching Protocols\r\n%s\r\n",
                                   c->res_headers);
    /* as NNG gives it: without the last CRLF */
    if (len >= 2) {
        c->res_headers[len - 2] = '\0';
    }
    (void) ep;
    return 0;
}

/* The request head is in: answer it.  Returns its length once upgraded. */
static size_t server_head(nki_ws_conn *c, size_t len)
{
    static nki_ws_head h; /* nki_lock is held: one at a time */
    int status = nki_ws_req_parse((const char *) c->in, len, &h);
    bool parsed = status == 0;
    nki_ep *ep = NULL;
    if (status == NKI_WS_DROP) { /* NNG closes without an answer */
        conn_count(c, NULL, NK_EPROTO);
        nki_ws_conn_abort(c);
        return 0;
    }
    if (status == 0 && (ep = c->route(c->route_arg, &h, &status, &c->cfg)) != NULL) {
        status = nki_ws_req_check(&h, c->cfg.proto);
        if (status == 0 && out_room(c, c->cfg.tx_frame_max + NKI_WS_FHDR_MAX) != 0) {
            conn_fail_early(c, NK_ENOMEM);
            return 0;
        }
    }
    if (status != 0) {
        conn_answer(c, status, ep, nki_ws_answer_closes(parsed ? &h : NULL, status));
        return 0;
    }
    if (server_accept(c, &h, ep) != 0) {
        conn_fail_early(c, NK_ENOMEM);
        return 0;
    }
    conn_become_pipe(c, ep);
    return len;
}

static size_t client_head(nki_ws_conn *c, size_t len)
{
    static nki_ws_head h;
    char acc[NKI_WS_ACCEPT_LEN + 1];
    int rv = nki_ws_res_parse((const char *) c->in, len, &h);
    nki_ws_accept(c->key, strlen(c->key), acc);
    if (rv == 0) {
        rv = nki_ws_res_check(&h, acc, c->cfg.proto);
    }
    if (rv != 0) {
        conn_fail_early(c, rv == NKI_WS_DROP ? NK_EPROTO : rv);
        return 0;
    }
    if ((c->res_headers = head_lines(&h)) == NULL) {
        conn_fail_early(c, NK_ENOMEM);
        return 0;
    }
    conn_become_pipe(c, c->ep);
    return len;
}

/* Takes what 'in' holds: the head while there is no upgrade, then frames;
 * keeps the rest for later. */
static void conn_consume(nki_ws_conn *c)
{
    size_t used = 0, len = 0;
    if (!c->upgraded) {
        int rv = nki_ws_head_end((const char *) c->in, c->in_len, &len);
        if (rv == NKI_WS_DROP) { /* a head too large, or not HTTP */
            if (c->server) {
                conn_count(c, NULL, NK_EPROTO);
            }
            conn_fail_early(c, NK_EPROTO);
            return;
        }
        if (rv == NKI_WS_HEAD_MORE) {
            return;
        }
        used = c->server ? server_head(c, len) : client_head(c, len);
        if (used == 0 || c->dead) {
            return;
        }
    }
    used += frames_in(c, c->in + used, c->in_len - used);
    if (!c->dead && used > 0) {
        memmove(c->in, c->in + used, c->in_len - used);
        c->in_len -= used;
    }
}

/* ---- events ---- */

static void conn_readable(nki_ws_conn *c)
{
    int rounds;
    for (rounds = 0; rounds < 16 && !c->dead; rounds++) {
        ssize_t n;
        if (c->rx_stop) {
            c->in_len = 0; /* dropped */
        } else if (c->in_len == IN_CAP || (c->upgraded && c->base.paused)) {
            break;
        }
        n = conn_read(c, c->in + c->in_len, IN_CAP - c->in_len);
        if (n == 0) {
            conn_fail(c, c->rx_stop ? c->close_err : NK_ECONNSHUT);
            return;
        }
        if (n < 0) {
            if (n == -NK_EINTR) {
                continue;
            }
            if (n != -NK_EAGAIN) {
                conn_fail(c, (int) -n);
                return;
            }
            break;
        }
        c->in_len += (size_t) n;
        if (!c->rx_stop) {
            conn_consume(c);
        }
    }
    if (!c->dead) {
        conn_arm(c);
    }
}

static int client_request(nki_ws_conn *c, const char *target, const char *host)
{
    uint8_t nonce[16];
    uint32_t r;
    int i, len;
    const char *extra = c->cfg.headers ? c->cfg.headers : "";
    for (i = 0; i < 16; i += 4) {
        r = nki_random();
        memcpy(nonce + i, &r, 4);
    }
    nki_ws_key_make(nonce, c->key);
    len = snprintf(NULL, 0, "Host: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n%s",
                   host, c->key, c->cfg.proto, extra);
    if ((c->req_headers = malloc((size_t) len + 1)) == NULL || (c->uri = dup_n(target, strlen(target))) == NULL ||
        out_room(c, (size_t) len + strlen(target) + 32) != 0) {
        return NK_ENOMEM;
    }
    snprintf(c->req_headers, (size_t) len + 1, "Host: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n%s",
             host, c->key, c->cfg.proto, extra);
    c->out_off = 0;
    c->out_len = (size_t) snprintf((char *) c->out, c->out_cap, "GET %s HTTP/1.1\r\n%s\r\n", target,
                                   c->req_headers);
    if (len >= 2) {
        c->req_headers[len - 2] = '\0';
    }
    return 0;
}

static void conn_connected(nki_ws_conn *c)
{
    int err = 0;
    socklen_t sl = sizeof(err);
    if (getsockopt(c->bs->fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0) {
        err = errno;
    }
    if (err == EINPROGRESS) {
        return;
    }
    if (err != 0) {
        conn_fail_early(c, nki_errno_to_nk(err));
        return;
    }
    c->connected = true;
}

static void conn_poll_cb(nki_pfd *pfd, unsigned ev)
{
    nki_ws_conn *c = pfd->arg;
    if (!c->connected) {
        conn_connected(c);
        if (c->dead || !c->connected) {
            return;
        }
    } else {
        ev = nki_bs_ready(c->bs, ev);
    }
    if (ev & (NKI_POLL_OUT | NKI_POLL_ERR)) {
        conn_flush(c, true);
    }
    if (!c->dead && (ev & (NKI_POLL_IN | NKI_POLL_ERR))) {
        conn_readable(c);
    }
}

static void conn_timeout(nki_timer *t)
{
    nki_ws_conn *c = t->arg;
    conn_fail(c, c->rx_stop ? c->close_err : NK_ETIMEDOUT);
}

static void conn_resume_task(void *arg)
{
    nki_ws_conn *c = arg;
    if (c->dead) {
        return;
    }
    conn_consume(c);
    if (c->dead) {
        return;
    }
    if (nki_bs_pending(c->bs) && (c->rx_stop || (!c->base.paused && c->in_len < IN_CAP))) {
        conn_readable(c); /* the stream holds bytes the fd no longer shows */
    } else {
        conn_arm(c);
    }
}

/* ---- pipe ops ---- */

static void ws_kick(nki_pipe *p)
{
    conn_flush((nki_ws_conn *) p, false);
}

static void ws_resume(nki_pipe *p)
{
    nki_task_post(&((nki_ws_conn *) p)->resume_task);
}

static void ws_close(nki_pipe *p)
{
    nki_ws_conn *c = (nki_ws_conn *) p;
    /* A closing side says so, if nothing is half written (best effort). */
    if (!c->close_sent && c->out_off == c->out_len) {
        uint8_t code[2];
        nki_ws_close_build(code, c->ep && !c->ep->dialer && c->ep->closed ? NKI_WS_CLOSE_GOING_AWAY
                                                                        : NKI_WS_CLOSE_NORMAL);
        out_control(c, NKI_WS_CLOSE, code, 2);
        (void) conn_write(c, c->out, c->out_len);
        c->close_sent = true;
    }
    conn_release(c);
}

static void ws_free(nki_pipe *p)
{
    conn_free_task(p);
}

static const nki_pipe_ops ws_pipe_ops = {
    .p_stream = nki_ws_pipe_stream,
    .p_kick = ws_kick,
    .p_resume = ws_resume,
    .p_close = ws_close,
    .p_free = ws_free,
};

/* A connection over bs (NULL: the plain fd), which it owns from here on. */
static nki_ws_conn *conn_new(int fd, nki_bstream *bs, bool server, size_t tx_frame_max)
{
    nki_ws_conn *c = calloc(1, sizeof(*c));
    nki_count(NK_DEBUG_FDS, 1); /* the fd is ours from here on */
    if (c != NULL) {
        c->out_cap = (tx_frame_max > 512 ? tx_frame_max : 512) + NKI_WS_FHDR_MAX;
        c->in = malloc(IN_CAP);
        c->out = malloc(c->out_cap);
    }
    if (c == NULL || c->in == NULL || c->out == NULL || nki_set_nonblock(fd) != 0 ||
        nki_pfd_init(&c->pfd, fd, conn_poll_cb, c) != 0) {
        if (c != NULL) {
            free(c->in);
            free(c->out);
            free(c);
        }
        bs != NULL ? nki_bs_close(bs) : (void) close(fd);
        nki_count(NK_DEBUG_FDS, -1);
        return NULL;
    }
    nki_bs_plain(&c->plain, fd);
    c->bs = bs != NULL ? bs : &c->plain;
    c->server = server;
    c->cfg.tx_frame_max = tx_frame_max;
    nki_timer_init(&c->timer, conn_timeout, c);
    nki_task_init(&c->resume_task, conn_resume_task, c);
    nki_task_init(&c->close_task, conn_close_task, c);
    return c;
}

nki_ws_conn *nki_ws_conn_server(int fd, nki_bstream *bs, nki_ws_route_fn route, void *arg, nki_list *pending)
{
    nki_ws_conn *c = conn_new(fd, bs, true, 65536);
    if (c == NULL) {
        return NULL;
    }
    c->connected = true;
    c->route = route;
    c->route_arg = arg;
    nki_list_append(pending, &c->node);
    nki_timer_schedule(&c->timer, nki_clock() + HTTP_TIMEOUT_MS);
    conn_arm(c);
    return c;
}

nki_ws_conn *nki_ws_conn_client(int fd, nki_bstream *bs, nki_ep *ep, const nki_ws_cfg *cfg,
                                 const char *target, const char *host, nki_ws_conn **slot)
{
    nki_ws_conn *c = conn_new(fd, bs, false, cfg->tx_frame_max);
    if (c == NULL) {
        return NULL;
    }
    c->ep = ep;
    c->cfg = *cfg;
    c->cfg.headers = NULL;
    if (cfg->headers && (c->extra = dup_n(cfg->headers, strlen(cfg->headers))) == NULL) {
        nki_ws_conn_abort(c);
        return NULL;
    }
    c->cfg.headers = c->extra;
    if (client_request(c, target, host) != 0) {
        nki_ws_conn_abort(c);
        return NULL;
    }
    c->slot = slot;
    *slot = c;
    if (ep->sock->hs_timeout >= 0) {
        nki_timer_schedule(&c->timer, nki_clock() + ep->sock->hs_timeout);
    }
    conn_arm(c);
    return c;
}
