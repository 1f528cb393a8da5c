/*
 * The protocols' shared queues (csrc/core/protoq.c): load-balanced send
 * (nki_lb), fair-queued receive with back-pressure (nki_fq), the bounded
 * receive queue (nki_rq), fan-out send with its per-pipe limit (nki_fan)
 * and backtrace parsing (nki_bt_parse).  Links protoq.c with the real
 * aio.c, msg.c and wire.c and the platform; pipes and statistics are the
 * doubles of fake_pipe.c.  Aios are parked with no deadline (or a zero
 * one), so no timer ever runs and the reactor is never started.  Every case
 * ends with the live message count where it began: nothing leaks, nothing
 * is freed twice.
 */
#include "fake_pipe.h"
#include "nkt.h"
#include "protoq.h"
#include "wire.h"

int64_t nki_count_get(int which); /* posix_thread.c; no header declares it */

static int64_t base_msgs;
static int finished;

typedef struct {
    nk_aio a;
    int order; /* 1 + how many aios finished before this one, 0: not yet */
} op;

static void begin(void)
{
    memset(&fake, 0, sizeof(fake));
    finished = 0;
    base_msgs = nki_count_get(NK_DEBUG_MSGS);
}

static void no_leaks(void)
{
    NKT_EQ(nki_count_get(NK_DEBUG_MSGS), base_msgs);
}

static nk_msg *msg(uint32_t tag, uint32_t pipe)
{
    nk_msg *m;
    NKT_EQ(nk_msg_alloc(&m, 4), 0);
    nki_wire_put_u32(m->body, tag);
    m->pipe = pipe;
    return m;
}

/* The tag of m, which is then freed. */
static uint32_t tag_free(nk_msg *m)
{
    uint32_t t;
    NKT_CHECK(m != NULL);
    NKT_EQ(m->len, 4);
    t = nki_wire_get_u32(m->body);
    nk_msg_free(m);
    return t;
}

static void done_cb(nk_aio *a, void *arg)
{
    (void) a;
    ((op *) arg)->order = ++finished;
}

static void op_init(op *o, int32_t timeout)
{
    memset(o, 0, sizeof(*o));
    o->a.timeout = timeout;
    nki_timer_init(&o->a.timer, NULL, &o->a);
    o->a.cb = done_cb;
    o->a.cb_arg = o;
}

static void lb_send(nki_lb *lb, op *o, int32_t timeout, nk_msg *m)
{
    op_init(o, timeout);
    o->a.msg = m;
    nki_aio_begin(&o->a, NK_DURATION_INFINITE);
    nki_lb_send(lb, &o->a);
}

/* ---- load-balanced send ---- */

static void lb_send_goes_straight_to_a_ready_pipe(void)
{
    nki_lb lb;
    nki_pipe p;
    nki_lb_pipe lp;
    op a, b;
    begin();
    nki_lb_init(&lb);
    fake_pipe_init(&p, 1);
    nki_lb_pipe_init(&lp, &p);
    nki_lb_pipe_ready(&lb, &lp);
    lb_send(&lb, &a, NK_DURATION_INFINITE, msg(1, 0));
    NKT_EQ(a.order, 1);
    NKT_EQ(a.a.result, 0);
    NKT_EQ_PTR(a.a.msg, NULL); /* the pipe has it now */
    NKT_EQ(p.sendq.len, 1);
    /* The pipe is busy: the next sender waits for it. */
    lb_send(&lb, &b, NK_DURATION_INFINITE, msg(2, 0));
    NKT_CHECK(b.a.busy);
    NKT_EQ(tag_free(fake_pipe_take(&p)), 1);
    nki_lb_pipe_ready(&lb, &lp);
    NKT_EQ(b.order, 2);
    NKT_EQ(b.a.result, 0);
    NKT_EQ(tag_free(fake_pipe_take(&p)), 2);
    nki_lb_close(&lb);
    no_leaks();
}

static void lb_waiting_senders_go_in_order_to_pipes_as_they_free_up(void)
{
    nki_lb lb;
    nki_pipe p[2];
    nki_lb_pipe lp[2];
    op o[4];
    int i;
    begin();
    nki_lb_init(&lb);
    for (i = 0; i < 4; i++) {
        lb_send(&lb, &o[i], NK_DURATION_INFINITE, msg(10 + i, 0));
        NKT_CHECK(o[i].a.busy);
    }
    for (i = 0; i < 2; i++) {
        fake_pipe_init(&p[i], 1 + i);
        nki_lb_pipe_init(&lp[i], &p[i]);
    }
    nki_lb_pipe_ready(&lb, &lp[1]);
    nki_lb_pipe_ready(&lb, &lp[0]);
    NKT_EQ(tag_free(fake_pipe_take(&p[1])), 10);
    NKT_EQ(tag_free(fake_pipe_take(&p[0])), 11);
    nki_lb_pipe_ready(&lb, &lp[0]);
    NKT_EQ(tag_free(fake_pipe_take(&p[0])), 12);
    nki_lb_pipe_ready(&lb, &lp[0]);
    NKT_EQ(tag_free(fake_pipe_take(&p[0])), 13);
    for (i = 0; i < 4; i++) {
        NKT_EQ(o[i].order, i + 1);
        NKT_EQ(o[i].a.result, 0);
    }
    NKT_EQ(p[1].sendq.len, 0);
    nki_lb_close(&lb);
    no_leaks();
}

static void lb_send_buffer_takes_messages_until_full(void)
{
    nki_lb lb;
    nki_pipe p;
    nki_lb_pipe lp;
    op o[3];
    int i;
    begin();
    nki_lb_init(&lb);
    NKT_EQ(nki_lb_set_buffer(&lb, 2), 0);
    for (i = 0; i < 3; i++) {
        lb_send(&lb, &o[i], NK_DURATION_INFINITE, msg(20 + i, 0));
    }
    NKT_EQ(o[0].a.result, 0);
    NKT_EQ(o[1].order, 2);
    NKT_CHECK(o[2].a.busy); /* buffer full */
    fake_pipe_init(&p, 1);
    nki_lb_pipe_init(&lp, &p);
    /* The oldest buffered goes out; the waiting sender's message moves
     * into the freed buffer space and its send completes. */
    nki_lb_pipe_ready(&lb, &lp);
    NKT_EQ(o[2].order, 3);
    NKT_EQ(o[2].a.result, 0);
    for (i = 0; i < 3; i++) {
        NKT_EQ(tag_free(fake_pipe_take(&p)), 20 + i);
        nki_lb_pipe_ready(&lb, &lp);
    }
    NKT_EQ(p.sendq.len, 0);
    nki_lb_close(&lb);
    no_leaks();
}

static void lb_send_buffer_range(void)
{
    nki_lb lb;
    int64_t v;
    nki_lb_init(&lb);
    NKT_EQ(nki_lb_get_buffer(&lb, &v), 0);
    NKT_EQ(v, 0);
    NKT_EQ(nki_lb_set_buffer(&lb, 8192), 0);
    NKT_EQ(nki_lb_set_buffer(&lb, 8193), NK_EINVAL);
    NKT_EQ(nki_lb_set_buffer(&lb, -1), NK_EINVAL);
    NKT_EQ(nki_lb_get_buffer(&lb, &v), 0);
    NKT_EQ(v, 8192);
    NKT_EQ(nki_lb_set_buffer(&lb, 0), 0);
    NKT_EQ(nki_lb_get_buffer(&lb, &v), 0);
    NKT_EQ(v, 0);
}

static void lb_zero_timeout_without_a_pipe_fails_at_once(void)
{
    nki_lb lb;
    op o;
    nk_msg *m;
    begin();
    nki_lb_init(&lb);
    lb_send(&lb, &o, 0, m = msg(1, 0));
    NKT_EQ(o.order, 1);
    NKT_EQ(o.a.result, NK_EAGAIN);
    NKT_EQ_PTR(o.a.msg, m); /* a failed send keeps its message */
    nk_msg_free(m);
    nki_lb_close(&lb);
    no_leaks();
}

static void lb_cancelled_sender_is_skipped(void)
{
    nki_lb lb;
    nki_pipe p;
    nki_lb_pipe lp;
    op a, b;
    begin();
    nki_lb_init(&lb);
    lb_send(&lb, &a, NK_DURATION_INFINITE, msg(1, 0));
    lb_send(&lb, &b, NK_DURATION_INFINITE, msg(2, 0));
    nki_aio_abort(&a.a, NK_ECANCELED);
    NKT_EQ(a.a.result, NK_ECANCELED);
    NKT_CHECK(!a.a.busy);
    fake_pipe_init(&p, 1);
    nki_lb_pipe_init(&lp, &p);
    nki_lb_pipe_ready(&lb, &lp);
    NKT_EQ(b.a.result, 0);
    NKT_EQ(p.sendq.len, 1);
    NKT_EQ(tag_free(fake_pipe_take(&p)), 2);
    NKT_EQ(tag_free(a.a.msg), 1);
    nki_lb_close(&lb);
    no_leaks();
}

static void lb_close_fails_senders_and_frees_the_buffer(void)
{
    nki_lb lb;
    op o[3];
    int i;
    begin();
    nki_lb_init(&lb);
    NKT_EQ(nki_lb_set_buffer(&lb, 2), 0);
    for (i = 0; i < 3; i++) {
        lb_send(&lb, &o[i], NK_DURATION_INFINITE, msg(i, 0));
    }
    nki_lb_close(&lb);
    NKT_EQ(o[2].a.result, NK_ECLOSED);
    NKT_EQ(tag_free(o[2].a.msg), 2); /* handed back to its sender */
    NKT_EQ(lb.buffer.len, 0);
    no_leaks();
}

static void lb_stopped_pipe_leaves_the_rotation(void)
{
    nki_lb lb;
    nki_pipe p;
    nki_lb_pipe lp;
    op o;
    begin();
    nki_lb_init(&lb);
    fake_pipe_init(&p, 1);
    nki_lb_pipe_init(&lp, &p);
    nki_lb_pipe_ready(&lb, &lp);
    nki_lb_pipe_stop(&lb, &lp);
    lb_send(&lb, &o, NK_DURATION_INFINITE, msg(1, 0));
    NKT_CHECK(o.a.busy);
    NKT_EQ(p.sendq.len, 0);
    nki_lb_close(&lb);
    NKT_EQ(tag_free(o.a.msg), 1);
    no_leaks();
}

/* ---- fair-queued receive ---- */

static nk_aio *delivered_to;
static nk_msg *delivered;

static void on_deliver(nk_aio *a, nk_msg *m)
{
    delivered_to = a;
    delivered = m;
}

static void fq_recv(nki_fq *fq, op *o)
{
    op_init(o, NK_DURATION_INFINITE);
    nki_aio_begin(&o->a, NK_DURATION_INFINITE);
    nki_fq_recv(fq, &o->a);
}

/* Receives one message at once and returns its tag. */
static uint32_t fq_take(nki_fq *fq)
{
    op o;
    fq_recv(fq, &o);
    NKT_CHECK(!o.a.busy);
    NKT_EQ(o.a.result, 0);
    return tag_free(o.a.msg);
}

static void fq_put_completes_a_waiting_receive(void)
{
    nki_fq fq;
    nki_pipe p;
    nki_fq_pipe fp;
    op o;
    nk_msg *m;
    begin();
    nki_fq_init(&fq);
    fq.on_deliver = on_deliver;
    fake_pipe_init(&p, 1);
    nki_fq_pipe_init(&fp, &p);
    fq_recv(&fq, &o);
    NKT_CHECK(o.a.busy);
    nki_fq_put(&fq, &fp, m = msg(5, 1));
    NKT_EQ(o.a.result, 0);
    NKT_EQ_PTR(o.a.msg, m);
    NKT_EQ_PTR(delivered_to, &o.a);
    NKT_EQ_PTR(delivered, m);
    NKT_EQ(tag_free(o.a.msg), 5);
    nki_fq_pipe_stop(&fq, &fp);
    nki_fq_close(&fq);
    no_leaks();
}

static void fq_pauses_a_full_pipe_and_resumes_it_at_half(void)
{
    nki_fq fq;
    nki_pipe p;
    nki_fq_pipe fp;
    int i;
    begin();
    nki_fq_init(&fq);
    fake_pipe_init(&p, 1);
    nki_fq_pipe_init(&fp, &p);
    for (i = 0; i < NKI_FQ_DEPTH; i++) {
        NKT_CHECK(!p.paused);
        nki_fq_put(&fq, &fp, msg(i, 1));
    }
    NKT_CHECK(p.paused);
    for (i = 0; i < NKI_FQ_DEPTH / 2 - 1; i++) {
        NKT_EQ(fq_take(&fq), i);
        NKT_CHECK(p.paused);
    }
    NKT_EQ(fq_take(&fq), NKI_FQ_DEPTH / 2 - 1); /* now half are held */
    NKT_CHECK(!p.paused);
    NKT_EQ(fake.resumes, 1);
    for (i = NKI_FQ_DEPTH / 2; i < NKI_FQ_DEPTH; i++) {
        NKT_EQ(fq_take(&fq), i);
    }
    NKT_EQ(fake.resumes, 1);
    nki_fq_pipe_stop(&fq, &fp);
    nki_fq_close(&fq);
    no_leaks();
}

static void fq_serves_pipes_in_turn(void)
{
    nki_fq fq;
    nki_pipe p[2];
    nki_fq_pipe fp[2];
    static const uint32_t want[] = {100, 200, 101, 201, 102};
    size_t i;
    begin();
    nki_fq_init(&fq);
    for (i = 0; i < 2; i++) {
        fake_pipe_init(&p[i], 1 + i);
        nki_fq_pipe_init(&fp[i], &p[i]);
    }
    nki_fq_put(&fq, &fp[0], msg(100, 1));
    nki_fq_put(&fq, &fp[0], msg(101, 1));
    nki_fq_put(&fq, &fp[0], msg(102, 1));
    nki_fq_put(&fq, &fp[1], msg(200, 2));
    nki_fq_put(&fq, &fp[1], msg(201, 2));
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        NKT_EQ(fq_take(&fq), want[i]);
    }
    nki_fq_pipe_stop(&fq, &fp[0]);
    nki_fq_pipe_stop(&fq, &fp[1]);
    nki_fq_close(&fq);
    no_leaks();
}

static void fq_messages_of_a_stopped_pipe_are_served_first(void)
{
    nki_fq fq;
    nki_pipe p[2];
    nki_fq_pipe fp[2];
    op o;
    int i;
    begin();
    nki_fq_init(&fq);
    for (i = 0; i < 2; i++) {
        fake_pipe_init(&p[i], 1 + i);
        nki_fq_pipe_init(&fp[i], &p[i]);
    }
    nki_fq_put(&fq, &fp[1], msg(200, 2));
    nki_fq_put(&fq, &fp[0], msg(100, 1));
    nki_fq_put(&fq, &fp[0], msg(101, 1));
    nki_fq_pipe_stop(&fq, &fp[0]);
    NKT_EQ(fq_take(&fq), 100);
    NKT_EQ(fq_take(&fq), 101);
    NKT_EQ(fq_take(&fq), 200);
    fq_recv(&fq, &o);
    NKT_CHECK(o.a.busy);
    nki_fq_pipe_stop(&fq, &fp[1]);
    nki_fq_close(&fq);
    NKT_EQ(o.a.result, NK_ECLOSED);
    NKT_EQ_PTR(o.a.msg, NULL);
    no_leaks();
}

static void fq_close_frees_the_orphans(void)
{
    nki_fq fq;
    nki_pipe p;
    nki_fq_pipe fp;
    begin();
    nki_fq_init(&fq);
    fake_pipe_init(&p, 1);
    nki_fq_pipe_init(&fp, &p);
    nki_fq_put(&fq, &fp, msg(1, 1));
    nki_fq_put(&fq, &fp, msg(2, 1));
    nki_fq_pipe_stop(&fq, &fp);
    nki_fq_close(&fq);
    no_leaks();
}

/* ---- bounded receive queue ---- */

static void rq_recv(nki_rq *rq, op *o)
{
    op_init(o, NK_DURATION_INFINITE);
    nki_aio_begin(&o->a, NK_DURATION_INFINITE);
    nki_rq_recv(rq, &o->a);
}

static uint32_t rq_take(nki_rq *rq)
{
    op o;
    rq_recv(rq, &o);
    NKT_CHECK(!o.a.busy);
    return tag_free(o.a.msg);
}

static void rq_drops_the_oldest_when_full(void)
{
    nki_rq rq;
    op o;
    uint32_t i;
    begin();
    nki_rq_init(&rq, 3);
    for (i = 1; i <= 5; i++) {
        nki_rq_put(&rq, msg(i, 40 + i));
    }
    NKT_EQ(rq.q.len, 3);
    NKT_EQ(fake.drops[NKI_DROP_RECV_FULL], 2);
    NKT_EQ_U(fake.last_drop_pid, 45); /* charged to the arriving message's pipe */
    NKT_EQ(rq_take(&rq), 3);
    NKT_EQ(rq_take(&rq), 4);
    NKT_EQ(rq_take(&rq), 5);
    rq_recv(&rq, &o);
    NKT_CHECK(o.a.busy);
    nki_rq_put(&rq, msg(6, 1)); /* straight to the waiting receive */
    NKT_EQ(o.a.result, 0);
    NKT_EQ(rq.q.len, 0);
    NKT_EQ(tag_free(o.a.msg), 6);
    nki_rq_close(&rq);
    no_leaks();
}

static void rq_capacity_zero_means_one(void)
{
    nki_rq rq;
    begin();
    nki_rq_init(&rq, 0);
    NKT_EQ(rq.cap, 1);
    nki_rq_put(&rq, msg(1, 1));
    nki_rq_put(&rq, msg(2, 1));
    NKT_EQ(rq.q.len, 1);
    NKT_EQ(rq_take(&rq), 2);
    nki_rq_close(&rq);
    no_leaks();
}

static void rq_shrinking_drops_the_oldest(void)
{
    nki_rq rq;
    uint32_t i;
    begin();
    nki_rq_init(&rq, 4);
    for (i = 1; i <= 4; i++) {
        nki_rq_put(&rq, msg(i, 1));
    }
    NKT_EQ(nki_rq_set_cap(&rq, 0), NK_EINVAL);
    NKT_EQ(nki_rq_set_cap(&rq, 8193), NK_EINVAL);
    NKT_EQ(rq.q.len, 4);
    NKT_EQ(nki_rq_set_cap(&rq, 2), 0);
    NKT_EQ(rq.q.len, 2);
    NKT_EQ(rq_take(&rq), 3);
    NKT_EQ(rq_take(&rq), 4);
    NKT_EQ(nki_rq_set_cap(&rq, 8192), 0);
    nki_rq_close(&rq);
    no_leaks();
}

static void rq_close_fails_receivers_and_frees_the_queue(void)
{
    nki_rq rq;
    op a, b;
    begin();
    nki_rq_init(&rq, 4);
    rq_recv(&rq, &a);
    rq_recv(&rq, &b);
    nki_rq_close(&rq);
    NKT_EQ(a.a.result, NK_ECLOSED);
    NKT_EQ(b.a.result, NK_ECLOSED);
    NKT_EQ(a.order, 1);
    NKT_EQ(b.order, 2);
    nki_rq_init(&rq, 4);
    nki_rq_put(&rq, msg(1, 1));
    nki_rq_put(&rq, msg(2, 1));
    nki_rq_close(&rq);
    no_leaks();
}

/* ---- fan-out send ---- */

static void fan_setup(nki_fan *f, nki_pipe *p, nki_fan_pipe *fp, int n, int64_t limit)
{
    int i;
    nki_fan_init(f, limit);
    for (i = 0; i < n; i++) {
        fake_pipe_init(&p[i], 1 + i);
        nki_fan_add(f, &fp[i], &p[i]);
    }
}

static void fan_send_copies_to_all_but_the_skipped_pipe(void)
{
    nki_fan f;
    nki_pipe p[3];
    nki_fan_pipe fp[3];
    nk_msg *m;
    begin();
    fan_setup(&f, p, fp, 3, 16);
    nki_fan_send(&f, m = msg(7, 0), 2);
    NKT_EQ(p[1].sendq.len, 0);
    NKT_EQ(p[0].sendq.len, 1);
    NKT_EQ(p[2].sendq.len, 1);
    NKT_EQ(nki_count_get(NK_DEBUG_MSGS), base_msgs + 2); /* one copy made */
    NKT_EQ_PTR(fake_pipe_take(&p[2]), m); /* the last pipe takes the original */
    NKT_EQ(tag_free(m), 7);
    NKT_EQ(tag_free(fake_pipe_take(&p[0])), 7);
    no_leaks();
}

static void fan_send_skipping_the_last_pipe_frees_the_original(void)
{
    nki_fan f;
    nki_pipe p[2];
    nki_fan_pipe fp[2];
    begin();
    fan_setup(&f, p, fp, 2, 16);
    nki_fan_send(&f, msg(8, 0), 2);
    NKT_EQ(p[1].sendq.len, 0);
    NKT_EQ(nki_count_get(NK_DEBUG_MSGS), base_msgs + 1);
    NKT_EQ(tag_free(fake_pipe_take(&p[0])), 8);
    nki_fan_remove(&fp[0]);
    nki_fan_send(&f, msg(9, 0), 2); /* only the skipped pipe is left */
    NKT_EQ(p[0].sendq.len, 0);
    NKT_EQ(p[1].sendq.len, 0);
    nki_fan_remove(&fp[1]);
    nki_fan_send(&f, msg(10, 0), 0); /* no pipes at all */
    no_leaks();
}

static void fan_limit_keeps_the_head_and_the_newest(void)
{
    /* With limit 2, a pipe that never drains holds the message in flight
     * (the head, maybe partly written) and the 2 newest behind it. */
    nki_fan f;
    nki_pipe p[1];
    nki_fan_pipe fp[1];
    static const uint32_t want[] = {1, 4, 5};
    uint32_t i;
    begin();
    fan_setup(&f, p, fp, 1, 2);
    for (i = 1; i <= 5; i++) {
        nki_fan_send(&f, msg(i, 0), 0);
    }
    NKT_EQ(fake.unsends, 2);
    NKT_EQ(p[0].sendq.len, 3);
    for (i = 0; i < 3; i++) {
        NKT_EQ(tag_free(fake_pipe_take(&p[0])), want[i]);
    }
    no_leaks();
}

static void fan_limit_range(void)
{
    nki_fan f;
    int64_t v;
    nki_fan_init(&f, 16);
    NKT_EQ(nki_fan_set_limit(&f, 0), NK_EINVAL);
    NKT_EQ(nki_fan_set_limit(&f, 8193), NK_EINVAL);
    NKT_EQ(nki_fan_get_limit(&f, &v), 0);
    NKT_EQ(v, 16);
    NKT_EQ(nki_fan_set_limit(&f, 1), 0);
    NKT_EQ(nki_fan_set_limit(&f, 8192), 0);
    NKT_EQ(nki_fan_get_limit(&f, &v), 0);
    NKT_EQ(v, 8192);
}

/* One pipe: written at once, as any send; several: queued for a later
 * write, and a queue that fills is written now rather than dropped from. */
static void fan_to_several_pipes_writes_later_and_flushes_a_full_queue(void)
{
    nki_fan f;
    nki_pipe p[2];
    nki_fan_pipe fp[2];
    int i;
    begin();
    nki_fan_init(&f, 4);
    fake_pipe_init(&p[0], 1);
    nki_fan_add(&f, &fp[0], &p[0]);
    nki_fan_send(&f, msg(0, 0), 0);
    NKT_EQ(fake.later, 0);
    fake_pipe_init(&p[1], 2);
    nki_fan_add(&f, &fp[1], &p[1]);
    for (i = 1; i <= 12; i++) {
        nki_fan_send(&f, msg((uint32_t) i, 0), 0);
    }
    NKT_EQ(fake.later, 24);
    NKT_EQ(fake.unsends, 0); /* nothing dropped */
    NKT_EQ(fake.flushed + (int) p[0].sendq.len + (int) p[1].sendq.len, 25);
    NKT_CHECK(fake.flushed > 0);
    for (i = 0; i < 2; i++) {
        NKT_CHECK(p[i].sendq.len <= 5);
        fake_pipe_drain(&p[i]);
    }
    no_leaks();
}

static void send_to_a_closed_pipe_is_freed(void)
{
    nki_pipe p;
    begin();
    fake_pipe_init(&p, 1);
    p.closed = true;
    nki_pipe_send_lossy(&p, msg(1, 0), 4, false);
    NKT_EQ(p.sendq.len, 0);
    no_leaks();
}

/* ---- backtraces ---- */

static nk_msg *msg_bytes(const void *b, size_t n)
{
    nk_msg *m;
    NKT_EQ(nk_msg_alloc(&m, n), 0);
    memcpy(m->body, b, n);
    return m;
}

static void bt_parse_moves_the_trace_into_the_header(void)
{
    static const uint8_t b[] = {0, 0, 0, 1, 0x80, 0, 0, 2, 'h', 'i'};
    nk_msg *m;
    begin();
    m = msg_bytes(b, sizeof(b));
    NKT_EQ(nki_bt_parse(m, 8), 0);
    NKT_EQ(m->hlen, 8);
    NKT_EQ_MEM(m->hdr, b, 8);
    NKT_EQ(m->len, 2);
    NKT_EQ_MEM(m->body, "hi", 2);
    nk_msg_free(m);
    no_leaks();
}

static void bt_parse_errors_leave_the_message_alone(void)
{
    static const uint8_t noend[] = {0, 0, 0, 1, 0, 0, 0, 2, 'x'};
    static const uint8_t deep[] = {0, 0, 0, 1, 0, 0, 0, 2, 0x80, 0, 0, 3};
    nk_msg *m;
    begin();
    m = msg_bytes(noend, sizeof(noend));
    NKT_EQ(nki_bt_parse(m, 8), NK_EPROTO);
    NKT_EQ(m->hlen, 0);
    NKT_EQ(m->len, sizeof(noend));
    nk_msg_free(m);
    m = msg_bytes(deep, sizeof(deep));
    NKT_EQ(nki_bt_parse(m, 2), NK_EMSGSIZE);
    NKT_EQ(m->hlen, 0);
    NKT_EQ_MEM(m->body, deep, sizeof(deep));
    nk_msg_free(m);
    no_leaks();
}

static void bt_parse_respects_the_header_room(void)
{
    /* The header holds NKI_MSG_HDR_MAX bytes: a trace that would overflow
     * what is already there is refused as too large. */
    static const uint8_t b[] = {0, 0, 0, 1, 0x80, 0, 0, 2};
    uint8_t fill[NKI_MSG_HDR_MAX];
    nk_msg *m;
    begin();
    memset(fill, 0xab, sizeof(fill));
    m = msg_bytes(b, sizeof(b));
    NKT_EQ(nk_msg_header_append(m, fill, NKI_MSG_HDR_MAX - 8), 0);
    NKT_EQ(nki_bt_parse(m, 8), 0); /* fits exactly */
    NKT_EQ(m->hlen, NKI_MSG_HDR_MAX);
    NKT_EQ(m->len, 0);
    nk_msg_free(m);
    m = msg_bytes(b, sizeof(b));
    NKT_EQ(nk_msg_header_append(m, fill, NKI_MSG_HDR_MAX - 7), 0);
    NKT_EQ(nki_bt_parse(m, 8), NK_EMSGSIZE);
    NKT_EQ(m->hlen, NKI_MSG_HDR_MAX - 7);
    NKT_EQ(m->len, sizeof(b));
    nk_msg_free(m);
    no_leaks();
}

static const nkt_case cases[] = {
    NKT_CASE(lb_send_goes_straight_to_a_ready_pipe),
    NKT_CASE(lb_waiting_senders_go_in_order_to_pipes_as_they_free_up),
    NKT_CASE(lb_send_buffer_takes_messages_until_full),
    NKT_CASE(lb_send_buffer_range),
    NKT_CASE(lb_zero_timeout_without_a_pipe_fails_at_once),
    NKT_CASE(lb_cancelled_sender_is_skipped),
    NKT_CASE(lb_close_fails_senders_and_frees_the_buffer),
    NKT_CASE(lb_stopped_pipe_leaves_the_rotation),
    NKT_CASE(fq_put_completes_a_waiting_receive),
    NKT_CASE(fq_pauses_a_full_pipe_and_resumes_it_at_half),
    NKT_CASE(fq_serves_pipes_in_turn),
    NKT_CASE(fq_messages_of_a_stopped_pipe_are_served_first),
    NKT_CASE(fq_close_frees_the_orphans),
    NKT_CASE(rq_drops_the_oldest_when_full),
    NKT_CASE(rq_capacity_zero_means_one),
    NKT_CASE(rq_shrinking_drops_the_oldest),
    NKT_CASE(rq_close_fails_receivers_and_frees_the_queue),
    NKT_CASE(fan_send_copies_to_all_but_the_skipped_pipe),
    NKT_CASE(fan_send_skipping_the_last_pipe_frees_the_original),
    NKT_CASE(fan_limit_keeps_the_head_and_the_newest),
    NKT_CASE(fan_limit_range),
    NKT_CASE(fan_to_several_pipes_writes_later_and_flushes_a_full_queue),
    NKT_CASE(send_to_a_closed_pipe_is_freed),
    NKT_CASE(bt_parse_moves_the_trace_into_the_header),
    NKT_CASE(bt_parse_errors_leave_the_message_alone),
    NKT_CASE(bt_parse_respects_the_header_room),
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return nkt_main(argc, argv, cases);
}
