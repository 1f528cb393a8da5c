/*
 * Fuzz target: fuzzed bytes to real nngkit listening sockets over loopback,
 * through the public C API only (csrc/include/nngkit.h).
 *
 * Set-up (once): one socket per protocol below, each listening on tcp and on
 * ipc (the ipc listener with recv-size-max 2000, so the frame limit path is
 * hit), and one well-behaved nngkit peer dialed to each over tcp.
 *
 * Input: [sel][bytes...].
 *   sel bits 0-3: which listener (mod NTARGETS); bit 4: ipc instead of tcp;
 *   bit 5: send the bytes verbatim (the SP header is fuzzed too) instead of
 *   after a valid header for the protocol the listener expects.
 * Per input: connect, write the bytes, shut down our write side, and wait for
 * the listener to close the connection (it must, at the latest on our EOF),
 * draining its receive queue meanwhile.  Then:
 *   - the good peer still gets a message through (a full round trip for
 *     REQ/REP and SURVEYOR/RESPONDENT, either way round);
 *   - live pipes, fds and messages are back to what they were before.
 * Any failure aborts, so libFuzzer keeps the input.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "nngkit.h"

#define WAIT_MS 5000

enum { ONEWAY, ROUNDTRIP, REVERSE, RAW_ECHO };

typedef struct {
    const char *name;
    int proto, raw, peer_proto, kind, poly;
    uint32_t sid, peer_sid;
    char tcp_url[128], ipc_url[128], ipc_path[108];
} target;

static target targets[] = {
    {"rep0", NK_PROTO_REP0, 0, NK_PROTO_REQ0, ROUNDTRIP, 0},
    {"respondent0", NK_PROTO_RESPONDENT0, 0, NK_PROTO_SURVEYOR0, ROUNDTRIP, 0},
    {"pull0", NK_PROTO_PULL0, 0, NK_PROTO_PUSH0, ONEWAY, 0},
    {"pair0", NK_PROTO_PAIR0, 0, NK_PROTO_PAIR0, ONEWAY, 0},
    {"pair1-poly", NK_PROTO_PAIR1, 0, NK_PROTO_PAIR1, ONEWAY, 1},
    {"bus0", NK_PROTO_BUS0, 0, NK_PROTO_BUS0, ONEWAY, 0},
    {"sub0", NK_PROTO_SUB0, 0, NK_PROTO_PUB0, ONEWAY, 0},
    {"req0", NK_PROTO_REQ0, 0, NK_PROTO_REP0, REVERSE, 0},
    {"surveyor0", NK_PROTO_SURVEYOR0, 0, NK_PROTO_RESPONDENT0, REVERSE, 0},
    {"pair1", NK_PROTO_PAIR1, 0, NK_PROTO_PAIR1, ONEWAY, 0},
    {"rep0-raw", NK_PROTO_REP0, 1, NK_PROTO_REQ0, RAW_ECHO, 0},
    {"respondent0-raw", NK_PROTO_RESPONDENT0, 1, NK_PROTO_SURVEYOR0, RAW_ECHO, 0},
};
#define NTARGETS ((int) (sizeof(targets) / sizeof(targets[0])))

static int64_t base[NK_DEBUG_NCOUNTS];
static unsigned long long token_seq;

#define OK(call)                                                                        \
    do {                                                                                \
        int rv_ = (call);                                                               \
        FUZZ_CHECK(rv_ == 0, "%s: %s", #call, nk_strerror(rv_));                        \
    } while (0)

/* ---- aio helpers: every wait is bounded ---- */

static nk_msg *recv_msg(uint32_t sid, int32_t ms, int *err)
{
    nk_aio *a;
    nk_msg *m = NULL;
    OK(nk_aio_alloc(&a));
    nk_aio_set_timeout(a, ms);
    nk_sock_recv(sid, a);
    FUZZ_CHECK(nk_aio_wait(a, ms < 0 ? WAIT_MS : ms + WAIT_MS) == 1, "recv never completed");
    *err = nk_aio_result(a);
    if (*err == 0) {
        m = nk_aio_get_msg(a);
    }
    nk_aio_free(a);
    return m;
}

static int send_msg(uint32_t sid, nk_msg *m)
{
    nk_aio *a;
    int err;
    OK(nk_aio_alloc(&a));
    nk_aio_set_timeout(a, WAIT_MS);
    nk_aio_set_msg(a, m);
    nk_sock_send(sid, a);
    FUZZ_CHECK(nk_aio_wait(a, 2 * WAIT_MS) == 1, "send never completed");
    err = nk_aio_result(a);
    nk_aio_free(a); /* frees the message if the send failed */
    return err;
}

static int send_bytes(uint32_t sid, const char *s)
{
    nk_msg *m;
    OK(nk_msg_alloc(&m, strlen(s)));
    memcpy(nk_msg_body(m), s, strlen(s));
    return send_msg(sid, m);
}

static int body_is(nk_msg *m, const char *s)
{
    return nk_msg_len(m) == strlen(s) && memcmp(nk_msg_body(m), s, strlen(s)) == 0;
}

/* Receive on sid until the message with body s arrives; others (left by
 * fuzzed peers) are discarded.  Returns it, or aborts. */
static nk_msg *recv_until(uint32_t sid, const char *s, const char *who)
{
    int i;
    for (i = 0; i < 100000; i++) {
        int err;
        nk_msg *m = recv_msg(sid, WAIT_MS, &err);
        FUZZ_CHECK(m != NULL, "%s: good message %s not received: %s", who, s, nk_strerror(err));
        if (body_is(m, s)) {
            return m;
        }
        nk_msg_free(m);
    }
    FUZZ_CHECK(0, "%s: too many stray messages", who);
    return NULL;
}

static void drain(uint32_t sid)
{
    int i;
    for (i = 0; i < 100000; i++) {
        int err;
        nk_msg *m = recv_msg(sid, 0, &err);
        if (m == NULL) {
            return;
        }
        nk_msg_free(m);
    }
}

/* ---- the good peer ---- */

static void good_peer_check(target *t)
{
    char tok[64], back[80];
    nk_msg *m;
    snprintf(tok, sizeof(tok), "good-%s-%llu", t->name, ++token_seq);
    snprintf(back, sizeof(back), "reply-%s", tok);
    switch (t->kind) {
    case ONEWAY:
        OK(send_bytes(t->peer_sid, tok));
        nk_msg_free(recv_until(t->sid, tok, t->name));
        break;
    case ROUNDTRIP:
        OK(send_bytes(t->peer_sid, tok));
        nk_msg_free(recv_until(t->sid, tok, t->name));
        OK(send_bytes(t->sid, back));
        nk_msg_free(recv_until(t->peer_sid, back, "good peer"));
        break;
    case RAW_ECHO: /* send the request back with its backtrace header */
        OK(send_bytes(t->peer_sid, tok));
        m = recv_until(t->sid, tok, t->name);
        FUZZ_CHECK(nk_msg_header_len(m) >= 4, "%s: raw request without a backtrace", t->name);
        OK(send_msg(t->sid, m));
        nk_msg_free(recv_until(t->peer_sid, tok, "good peer"));
        break;
    case REVERSE:
        OK(send_bytes(t->sid, tok));
        nk_msg_free(recv_until(t->peer_sid, tok, "good peer"));
        OK(send_bytes(t->peer_sid, back));
        nk_msg_free(recv_until(t->sid, back, t->name));
        break;
    }
}

static void counts_check(const char *when)
{
    int64_t now[NK_DEBUG_NCOUNTS];
    static const int keys[] = {NK_DEBUG_MSGS, NK_DEBUG_AIOS, NK_DEBUG_PIPES, NK_DEBUG_FDS};
    static const char *names[] = {"msgs", "aios", "pipes", "fds"};
    size_t i;
    nk_debug_counts(now);
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        FUZZ_CHECK(now[keys[i]] == base[keys[i]], "%s: live %s %lld, was %lld", when, names[i],
                   (long long) now[keys[i]], (long long) base[keys[i]]);
    }
}

/* ---- set-up ---- */

static void cleanup(void)
{
    int i;
    for (i = 0; i < NTARGETS; i++) {
        if (targets[i].ipc_path[0]) {
            unlink(targets[i].ipc_path);
        }
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    int i;
    (void) argc;
    (void) argv;
    signal(SIGPIPE, SIG_IGN);
    atexit(cleanup);
    for (i = 0; i < NTARGETS; i++) {
        target *t = &targets[i];
        uint32_t lid, did;
        OK(nk_socket_open(t->proto, t->raw, &t->sid));
        OK(nk_socket_open(t->peer_proto, 0, &t->peer_sid));
        if (t->poly) {
            OK(nk_opt_set_int(NK_OBJ_SOCKET, t->sid, "pair1:polyamorous", 1));
        }
        if (t->proto == NK_PROTO_SUB0) {
            OK(nk_opt_set_bin(NK_OBJ_SOCKET, t->sid, "sub:subscribe", "", 0));
        }
        if (t->proto == NK_PROTO_SURVEYOR0) {
            OK(nk_opt_set_int(NK_OBJ_SOCKET, t->sid, "surveyor:survey-time", WAIT_MS));
        }
        if (t->peer_proto == NK_PROTO_SURVEYOR0) {
            OK(nk_opt_set_int(NK_OBJ_SOCKET, t->peer_sid, "surveyor:survey-time", WAIT_MS));
        }
        OK(nk_listen(t->sid, "tcp://127.0.0.1:0", &lid));
        OK(nk_opt_get_str(NK_OBJ_LISTENER, lid, "url", t->tcp_url, sizeof(t->tcp_url)));
        /* libFuzzer ends with _exit at -max_total_time, skipping atexit:
         * scripts/fuzz.sh points NKFUZZ_IPC_DIR at a directory it cleans. */
        snprintf(t->ipc_path, sizeof(t->ipc_path), "%s/nkfuzz-%d-%d.sock",
                 getenv("NKFUZZ_IPC_DIR") ? getenv("NKFUZZ_IPC_DIR") : "/tmp", (int) getpid(), i);
        unlink(t->ipc_path);
        snprintf(t->ipc_url, sizeof(t->ipc_url), "ipc://%s", t->ipc_path);
        OK(nk_listen(t->sid, t->ipc_url, &lid));
        OK(nk_opt_set_int(NK_OBJ_LISTENER, lid, "recv-size-max", 2000));
        OK(nk_dial(t->peer_sid, t->tcp_url, 0, &did));
    }
    for (i = 0; i < NTARGETS; i++) {
        good_peer_check(&targets[i]); /* warm up: first-use allocations */
    }
    nk_debug_counts(base);
    return 0;
}

/* ---- one input ---- */

static int raw_connect(const target *t, int ipc)
{
    int fd;
    if (ipc) {
        struct sockaddr_un sa;
        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        strcpy(sa.sun_path, t->ipc_path);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        FUZZ_CHECK(fd >= 0, "socket: %s", strerror(errno));
        FUZZ_CHECK(connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0, "connect %s: %s",
                   t->ipc_url, strerror(errno));
    } else {
        struct sockaddr_in sa;
        const char *port = strrchr(t->tcp_url, ':');
        int one = 1;
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sa.sin_port = htons((uint16_t) atoi(port + 1));
        fd = socket(AF_INET, SOCK_STREAM, 0);
        FUZZ_CHECK(fd >= 0, "socket: %s", strerror(errno));
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        FUZZ_CHECK(connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0, "connect %s: %s",
                   t->tcp_url, strerror(errno));
    }
    return fd;
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return; /* the listener closed on us already: fine */
        }
        p += w;
        n -= (size_t) w;
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait (bounded) for the listener to close the connection, draining it. */
static void await_close(const target *t, int fd)
{
    int64_t deadline = now_ms() + WAIT_MS;
    for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        uint8_t sink[4096];
        if (poll(&pfd, 1, 5) > 0) {
            ssize_t r = read(fd, sink, sizeof(sink));
            if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
                return;
            }
        }
        drain(t->sid);
        FUZZ_CHECK(now_ms() < deadline, "%s: listener kept the connection open %d ms after our EOF",
                   t->name, WAIT_MS);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    target *t;
    int ipc, verbatim, fd;
    if (size < 1) {
        return 0;
    }
    t = &targets[(data[0] & 0x0f) % NTARGETS];
    ipc = (data[0] & 0x10) != 0;
    verbatim = (data[0] & 0x20) != 0;
    data++;
    size--;
    fd = raw_connect(t, ipc);
    if (!verbatim) { /* speak as the peer protocol the listener expects */
        uint8_t hs[8] = {0, 'S', 'P', 0, (uint8_t) (t->peer_proto >> 8), (uint8_t) t->peer_proto, 0, 0};
        write_all(fd, hs, sizeof(hs));
    }
    write_all(fd, data, size);
    shutdown(fd, SHUT_WR);
    await_close(t, fd);
    close(fd);
    good_peer_check(t);
    counts_check(t->name);
    return 0;
}
