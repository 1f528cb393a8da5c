/* C NNG rival: REQ/REP round trips and PUSH/PULL throughput on libnng,
 * the way a C user writes it (blocking calls, nng_msg for every send and
 * receive, no copies beyond filling the message).
 *
 *   nng_bench rep URL              echo until a "!stop" request
 *   nng_bench rtt URL SECONDS      64 B round trips, prints median/p99
 *   nng_bench push URL SIZE SECONDS
 *   nng_bench pull URL WARM LIMIT  prints msg/s and MB/s
 */
#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
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
    else
        nkb_die("usage", "nng_bench version | rep|rtt|push|pull URL ...");
    return 0;
}
