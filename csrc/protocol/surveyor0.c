/*
 * SURVEYOR0 (0x62): a survey is [survey id, top bit set][body], sent to every
 * respondent with one id; ids start at a random point and go up by one.
 * Sending never blocks (per pipe 8 surveys may wait, then the oldest is
 * dropped).  Responses for the current survey are queued per context (128);
 * others are dropped; one shorter than 4 bytes closes its pipe.  When
 * survey-time (1 s) passes, a pending receive fails with NK_ETIMEDOUT and
 * later receives with NK_ESTATE; a new survey cancels the old one.
 * Raw mode sends the application's header as is and hands responses over
 * with their backtrace in the header.
 */
#include <stdlib.h>
#include <string.h>

#include "protoq.h"
#include "wire.h"

typedef struct surv0_sock surv0_sock;

typedef struct {
    surv0_sock *ss;
    uint32_t id; /* 0: no survey running */
    nki_rq rq;
    nki_timer timer;
    int32_t survey_time;
} surv0_ctx;

struct surv0_sock {
    nki_sock *s;
    surv0_ctx master;
    nki_fan fan;
    nki_idmap ids;
    nki_rq rawq;
    int32_t survey_time;
    int64_t ttl;
};

typedef struct {
    surv0_sock *ss;
    nki_pipe *p;
    nki_fan_pipe fp;
} surv0_pipe;

static void surv0_timeout_cb(nki_timer *t);

static int surv0_ctx_init(void *arg, void *sarg)
{
    surv0_ctx *c = arg;
    surv0_sock *ss = sarg;
    memset(c, 0, sizeof(*c));
    c->ss = ss;
    c->survey_time = ss->survey_time;
    nki_rq_init(&c->rq, 128);
    nki_timer_init(&c->timer, surv0_timeout_cb, c);
    return 0;
}

/* End the running survey: waiting receives fail with err. */
static void surv0_ctx_end(surv0_ctx *c, int err)
{
    nki_timer_cancel(&c->timer);
    if (c->id) {
        nki_idmap_del(&c->ss->ids, c->id);
        c->id = 0;
    }
    nki_aio_list_fail(&c->rq.waiting, err);
    nki_msgq_flush(&c->rq.q);
}

static void surv0_timeout_cb(nki_timer *t)
{
    surv0_ctx *c = t->arg;
    surv0_ctx_end(c, NK_ETIMEDOUT);
    nki_sock_ready_changed(c->ss->s); /* the survey's responses are gone */
}

static void surv0_ctx_fini(void *arg)
{
    surv0_ctx_end(arg, NK_ECLOSED);
}

static int surv0_sock_init(void *arg, nki_sock *s)
{
    surv0_sock *ss = arg;
    ss->s = s;
    ss->survey_time = 1000;
    ss->ttl = NKI_TTL_DEFAULT;
    nki_fan_init(&ss->fan, 8);
    nki_idmap_init(&ss->ids, 0x80000000u, 0xffffffffu, true);
    nki_rq_init(&ss->rawq, 128);
    return surv0_ctx_init(&ss->master, ss);
}

static void surv0_sock_close(void *arg)
{
    surv0_sock *ss = arg;
    surv0_ctx_fini(&ss->master);
    nki_rq_close(&ss->rawq);
}

static void surv0_sock_fini(void *arg)
{
    surv0_sock *ss = arg;
    free(ss->ids.keys);
    free(ss->ids.vals);
}

static void surv0_ctx_send(void *arg, nk_aio *a)
{
    surv0_ctx *c = arg;
    surv0_sock *ss = c->ss;
    nk_msg *m = a->msg;
    uint32_t id;
    int rv;
    surv0_ctx_end(c, NK_ECANCELED);
    if ((rv = nki_idmap_alloc(&ss->ids, c, &id)) != 0) {
        nki_aio_finish(a, rv);
        return;
    }
    c->id = id;
    m->hlen = 0;
    nki_msg_header_put_u32(m, id);
    a->msg = NULL;
    nki_fan_send(&ss->fan, m, 0);
    if (c->survey_time >= 0) {
        nki_timer_schedule(&c->timer, nki_clock() + c->survey_time);
    }
    nki_aio_finish(a, 0);
}

/* As in NNG, a receive that times out or is cancelled ends the survey. */
static void surv0_recv_cancel(nk_aio *a, void *arg, int err)
{
    nki_node_remove(&a->pnode);
    nki_aio_finish(a, err);
    surv0_ctx_end(arg, err);
}

static void surv0_ctx_recv(void *arg, nk_aio *a)
{
    surv0_ctx *c = arg;
    nk_msg *m;
    if (c->id == 0) {
        nki_aio_finish(a, NK_ESTATE);
        return;
    }
    if ((m = nki_msgq_get(&c->rq.q)) != NULL) {
        a->msg = m;
        nki_aio_finish(a, 0);
        return;
    }
    if (nki_aio_park(a, surv0_recv_cancel, c)) {
        nki_list_append(&c->rq.waiting, &a->pnode);
    }
}

static void surv0_sock_send(void *arg, nk_aio *a)
{
    surv0_sock *ss = arg;
    if (ss->s->raw) {
        nk_msg *m = a->msg;
        a->msg = NULL;
        nki_fan_send(&ss->fan, m, 0);
        nki_aio_finish(a, 0);
        return;
    }
    surv0_ctx_send(&ss->master, a);
}

static void surv0_sock_recv(void *arg, nk_aio *a)
{
    surv0_sock *ss = arg;
    if (ss->s->raw) {
        nki_rq_recv(&ss->rawq, a);
        return;
    }
    surv0_ctx_recv(&ss->master, a);
}

static int surv0_pipe_init(void *arg, nki_pipe *p, void *sarg)
{
    surv0_pipe *sp = arg;
    sp->ss = sarg;
    sp->p = p;
    return 0;
}

static int surv0_pipe_start(void *arg)
{
    surv0_pipe *sp = arg;
    nki_fan_add(&sp->ss->fan, &sp->fp, sp->p);
    return 0;
}

static void surv0_pipe_stop(void *arg)
{
    nki_fan_remove(&((surv0_pipe *) arg)->fp);
}

static int surv0_pipe_recv(void *arg, nk_msg *m)
{
    surv0_pipe *sp = arg;
    surv0_sock *ss = sp->ss;
    surv0_ctx *c;
    uint32_t id;
    if (ss->s->raw) {
        int rv = nki_bt_parse(m, 15);
        if (rv != 0) {
            if (rv != NK_EPROTO) {
                nki_stat_drop(ss->s, NKI_DROP_TTL);
            }
            nk_msg_free(m);
            return rv == NK_EPROTO ? NK_EPROTO : 0;
        }
        nki_rq_put(&ss->rawq, m);
        return 0;
    }
    if (nki_wire_id(m->body, m->len, &id) != 0) {
        nk_msg_free(m);
        return NK_EPROTO;
    }
    c = nki_idmap_get(&ss->ids, id);
    if (c == NULL) {
        nki_stat_drop(ss->s, NKI_DROP_STALE);
        nk_msg_free(m); /* stale or unknown survey: dropped */
        return 0;
    }
    memmove(m->body, m->body + 4, m->len - 4);
    m->len -= 4;
    nki_rq_put(&c->rq, m);
    return 0;
}

/* ---- options ---- */

/* The socket's survey time is also its master context's. */
static int surv0_sock_set_time(void *arg, const nki_option *o, const nki_optval *v)
{
    surv0_sock *ss = arg;
    (void) o;
    ss->survey_time = ss->master.survey_time = (int32_t) v->i;
    return 0;
}

static const nki_option surv0_sock_opts[] = {
    {"surveyor:survey-time", NKI_OPT_MS, 0, 0, nki_opt_get_i32, surv0_sock_set_time,
     NKI_OPT_FIELD(surv0_sock, survey_time, 4)},
    NKI_OPT_TTL(surv0_sock, ttl),
    NKI_OPT_END,
};

static const nki_option surv0_ctx_opts[] = {
    NKI_OPT_ROW_MS("surveyor:survey-time", surv0_ctx, survey_time),
    NKI_OPT_END,
};

/* Surveys never wait; responses wait in the current survey's queue. */
static unsigned surv0_ready(void *arg)
{
    surv0_sock *ss = arg;
    return NKI_READY_SEND | (nki_rq_ready(ss->s->raw ? &ss->rawq : &ss->master.rq) ? NKI_READY_RECV : 0);
}

#define SURV0_TABLE(is_raw)                                                                    \
    {                                                                                          \
        .self = NK_PROTO_SURVEYOR0, .peer = NK_PROTO_RESPONDENT0, .raw = is_raw,               \
        .self_name = "surveyor", .peer_name = "respondent", .sock_size = sizeof(surv0_sock),   \
        .pipe_size = sizeof(surv0_pipe), .ctx_size = is_raw ? 0 : sizeof(surv0_ctx),           \
        .sock_init = surv0_sock_init, .sock_close = surv0_sock_close,                          \
        .sock_fini = surv0_sock_fini, .sock_send = surv0_sock_send,                            \
        .sock_recv = surv0_sock_recv, .pipe_init = surv0_pipe_init,                            \
        .pipe_start = surv0_pipe_start, .pipe_stop = surv0_pipe_stop,                          \
        .pipe_recv = surv0_pipe_recv, .ctx_init = surv0_ctx_init,                              \
        .ctx_fini = surv0_ctx_fini, .ctx_send = surv0_ctx_send, .ctx_recv = surv0_ctx_recv,    \
        .sock_opts = surv0_sock_opts, .ctx_opts = surv0_ctx_opts,                              \
        .ready_kinds = NKI_READY_RECV | NKI_READY_SEND, .sock_ready = surv0_ready,                       \
    }

static const nki_proto nki_surveyor0_proto = SURV0_TABLE(false);
static const nki_proto nki_surveyor0_raw_proto = SURV0_TABLE(true);

NKI_PROTO_REGISTER(nki_surveyor0_proto)
NKI_PROTO_REGISTER(nki_surveyor0_raw_proto)
