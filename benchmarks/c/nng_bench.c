/* C NNG rival: REQ/REP round trips and PUSH/PULL throughput on libnng,
 * the way a C user writes it (blocking calls, nng_msg for every send and
 * receive, no copies beyond filling the message).
 *
 *   nng_bench rep URL              echo until a "!stop" request
 *   nng_bench rtt URL SECONDS      64 B round trips, prints median/p99
 *   nng_bench push URL SIZE SECONDS
 *   nng_bench pull URL WARM LIMIT  prints msg/s and MB/s
 *   nng_bench pub URL SIZE SECONDS  after "go" on stdin, publish, then END x3
 *   nng_bench sub URL N WARM       N subscribers (a thread each); prints
 *                                  "dialled", then each one's rate and count
 */
#include <pthread.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "bench.h"

static void check(int rv, const char *what)
{
    if (rv != 0)
        nkb_die(what, nng_strerror(rv));
}

static void setup(nng_socket s)
{
    check(nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 5000), "recv timeout");
    check(nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, 5000), "send timeout");
    check(nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, 4 << 20), "recv max");
}

/* Listen and tell the driver the address to dial (tcp port 0 resolved). */
static void listen_ready(nng_socket s, const char *url)
{
    nng_listener l;
    int port = 0;
    check(nng_listen(s, url, &l, 0), "listen");
    if (strncmp(url, "tcp://", 6) == 0) {
        check(nng_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port), "port");
        printf("ready tcp://127.0.0.1:%d\n", port);
    } else {
        printf("ready %s\n", url);
    }
    fflush(stdout);
}

static void finish(nng_socket s, const char *json)
{
    printf("%s\n", json);
    fflush(stdout);
    nkb_wait_close();
    nng_close(s);
}

static void serve_rep(const char *url)
{
    nng_socket s;
    nng_msg *m;
    check(nng_rep0_open(&s), "rep");
    setup(s);
    listen_ready(s, url);
    for (long i = 0; i < NKB_MAX_OPS; i++) {
        check(nng_recvmsg(s, &m, 0), "recv");
        int stop = nng_msg_len(m) == 5 && memcmp(nng_msg_body(m), "!stop", 5) == 0;
        check(nng_sendmsg(s, m, 0), "send");
        if (stop)
            break;
    }
    finish(s, "{}");
}

static void trip(nng_socket s, const void *body, size_t n)
{
    nng_msg *m;
    check(nng_msg_alloc(&m, n), "alloc");
    memcpy(nng_msg_body(m), body, n);
    check(nng_sendmsg(s, m, 0), "send");
    check(nng_recvmsg(s, &m, 0), "recv");
    nng_msg_free(m);
}

static void rtt(const char *url, double seconds)
{
    nng_socket s;
    char body[64];
    long cap = 1 << 20, n = 0;
    double *t = malloc(sizeof *t * (size_t)cap);
    memset(body, 'x', sizeof body);
    check(nng_req0_open(&s), "req");
    setup(s);
    check(nng_dial(s, url, NULL, 0), "dial");
    for (int i = 0; i < NKB_WARM_TRIPS; i++)
        trip(s, body, sizeof body);
    double deadline = nkb_now() + seconds;
    while (n < cap) {
        double t0 = nkb_now();
        trip(s, body, sizeof body);
        double t1 = nkb_now();
        t[n++] = t1 - t0;
        if (t1 >= deadline)
            break;
    }
    trip(s, "!stop", 5);
    nkb_rtt_print(t, n);
    free(t);
    nng_close(s);
}

static void send_one(nng_socket s, size_t size)
{
    nng_msg *m;
    check(nng_msg_alloc(&m, size), "alloc");
    memset(nng_msg_body(m), 'x', size);
    check(nng_sendmsg(s, m, 0), "send");
}

static void serve_push(const char *url, size_t size, double seconds)
{
    nng_socket s;
    char json[64];
    long sent = 1;
    check(nng_push0_open(&s), "push");
    setup(s);
    listen_ready(s, url);
    send_one(s, size); /* waits for the puller */
    double deadline = nkb_now() + seconds;
    while (sent < NKB_MAX_OPS) {
        for (int i = 0; i < 8; i++)
            send_one(s, size);
        sent += 8;
        if (nkb_now() >= deadline)
            break;
    }
    send_one(s, 1); /* the end of the stream */
    snprintf(json, sizeof json, "{\"sent\": %ld}", sent);
    finish(s, json);
}

static void pull(const char *url, double warm)
{
    nng_socket s;
    nng_msg *m;
    nkb_meter meter = {.warm = warm};
    check(nng_pull0_open(&s), "pull");
    setup(s);
    check(nng_dial(s, url, NULL, 0), "dial");
    for (long i = 0; i < NKB_MAX_OPS; i++) {
        check(nng_recvmsg(s, &m, 0), "recv");
        size_t n = nng_msg_len(m);
        nng_msg_free(m);
        if (n == 1)
            break;
        nkb_meter_add(&meter, 1, (double)n);
    }
    meter.last = nkb_now();
    nkb_meter_print(&meter);
    nng_close(s);
}

static void serve_pub(const char *url, size_t size, double seconds)
{
    nng_socket s;
    char json[64];
    long sent = 0;
    check(nng_pub0_open(&s), "pub");
    setup(s);
    listen_ready(s, url);
    nkb_wait_word("go"); /* the subscribers have dialled */
    double deadline = nkb_now() + seconds;
    while (sent < NKB_MAX_OPS && nkb_now() < deadline) {
        for (int i = 0; i < 8; i++)
            send_one(s, size);
        sent += 8;
    }
    for (int i = 0; i < 3; i++)
        send_one(s, 1);
    snprintf(json, sizeof json, "{\"sent\": %ld}", sent);
    finish(s, json);
}

#define NKB_SUB_IDLE_MS 1000 /* a subscriber whose END was dropped stops after this */

typedef struct {
    nng_socket s;
    nkb_meter meter;
    long received;
} sub_state;

static void *sub_thread(void *arg)
{
    sub_state *st = arg;
    nng_msg *m;
    for (long i = 0; i < NKB_MAX_OPS; i++) {
        if (nng_recvmsg(st->s, &m, 0) != 0)
            break; /* the idle timeout */
        size_t n = nng_msg_len(m);
        nng_msg_free(m);
        if (n == 1)
            break;
        st->received++;
        nkb_meter_add(&st->meter, 1, (double)n);
        st->meter.last = nkb_now();
    }
    return NULL;
}

static void print_subs(const sub_state *st, int n)
{
    printf("{\"subs\": [");
    for (int i = 0; i < n; i++) {
        const nkb_meter *m = &st[i].meter;
        double span = m->last - m->start;
        double rate = (m->started && span > 0 && m->count > 0) ? m->count / span : 0;
        printf("%s{\"msgs_per_s\": %.1f, \"received\": %ld}", i ? ", " : "", rate,
               st[i].received);
    }
    printf("]}\n");
}

static void subs(const char *url, int n, double warm)
{
    sub_state *st = calloc((size_t)n, sizeof *st);
    pthread_t *th = calloc((size_t)n, sizeof *th);
    if (st == NULL || th == NULL || n <= 0)
        nkb_die("sub", "bad count");
    for (int i = 0; i < n; i++) {
        st[i].meter.warm = warm;
        check(nng_sub0_open(&st[i].s), "sub");
        check(nng_socket_set_ms(st[i].s, NNG_OPT_RECVTIMEO, NKB_SUB_IDLE_MS), "recv timeout");
        check(nng_socket_set(st[i].s, NNG_OPT_SUB_SUBSCRIBE, "", 0), "subscribe");
        check(nng_dial(st[i].s, url, NULL, 0), "dial");
    }
    for (int i = 0; i < n; i++)
        if (pthread_create(&th[i], NULL, sub_thread, &st[i]) != 0)
            nkb_die("sub", "pthread_create");
    printf("dialled\n"); /* the driver lets the publisher go */
    fflush(stdout);
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    print_subs(st, n);
    for (int i = 0; i < n; i++)
        nng_close(st[i].s);
    free(st);
    free(th);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "version") == 0)
        return printf("%s\n", nng_version()) < 0;  /* which NNG the loader picked */
    if (argc == 3 && strcmp(argv[1], "rep") == 0)
        serve_rep(argv[2]);
    else if (argc == 4 && strcmp(argv[1], "rtt") == 0)
        rtt(argv[2], atof(argv[3]));
    else if (argc == 5 && strcmp(argv[1], "push") == 0)
        serve_push(argv[2], (size_t)atol(argv[3]), atof(argv[4]));
    else if (argc == 5 && strcmp(argv[1], "pull") == 0)
        pull(argv[2], atof(argv[3]));
    else if (argc == 5 && strcmp(argv[1], "pub") == 0)
        serve_pub(argv[2], (size_t)atol(argv[3]), atof(argv[4]));
    else if (argc == 5 && strcmp(argv[1], "sub") == 0)
        subs(argv[2], atoi(argv[3]), atof(argv[4]));
    else
        nkb_die("usage", "nng_bench version | rep|rtt|push|pull|pub|sub URL ...");
    return 0;
}
