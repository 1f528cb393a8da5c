/*
 * A tiny C program linked against Debian's libnng, used as a peer by
 * tests/interop/test_libnng.py.
 *
 *   nng_peer rep URL N        answer N requests with "re:" + request
 *   nng_peer req URL MSG      send MSG, print the reply
 *   nng_peer pull URL N       print N messages
 *   nng_peer sub URL N        subscribe to everything, print N messages
 *
 * Listening modes print "ready URL" once listening (for tcp://...:0 the
 * URL names the port the kernel chose); req dials with blocking,
 * so the SP handshake is done before it sends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

static void die(const char *what, int rv)
{
    fprintf(stderr, "%s: %s\n", what, nng_strerror(rv));
    exit(1);
}

static void print_msg(const char *buf, size_t sz)
{
    fwrite(buf, 1, sz, stdout);
    fputc('\n', stdout);
    fflush(stdout);
}

/* Prints the URL a listener serves: for tcp port 0, the port the kernel chose. */
static void print_ready(const char *url, nng_listener l)
{
    nng_sockaddr sa;
    if (strncmp(url, "tcp://", 6) == 0 &&
        nng_listener_get_addr(l, NNG_OPT_LOCADDR, &sa) == 0 && sa.s_family == NNG_AF_INET) {
        uint16_t port = sa.s_in.sa_port;
        printf("ready tcp://127.0.0.1:%u\n", (unsigned) (((port & 0xff) << 8) | (port >> 8)));
    } else {
        printf("ready %s\n", url);
    }
    fflush(stdout);
}

/* rep, pull, sub: listen on url, then answer or print n messages. */
static void serve(nng_socket *s, const char *mode, const char *url, int n)
{
    nng_listener l;
    int rv, i;
    char *buf;
    size_t sz;
    rv = mode[0] == 'r' ? nng_rep0_open(s) : mode[0] == 'p' ? nng_pull0_open(s) : nng_sub0_open(s);
    if (rv != 0) {
        die("open", rv);
    }
    nng_setopt_ms(*s, NNG_OPT_RECVTIMEO, 10000);
    if (mode[0] == 's' && (rv = nng_setopt(*s, NNG_OPT_SUB_SUBSCRIBE, "", 0)) != 0) {
        die("subscribe", rv);
    }
    if ((rv = nng_listen(*s, url, &l, 0)) != 0) {
        die("listen", rv);
    }
    print_ready(url, l);
    for (i = 0; i < n; i++) {
        if ((rv = nng_recv(*s, &buf, &sz, NNG_FLAG_ALLOC)) != 0) {
            die("recv", rv);
        }
        if (mode[0] == 'r') {
            char *out = malloc(sz + 3);
            memcpy(out, "re:", 3);
            memcpy(out + 3, buf, sz);
            if ((rv = nng_send(*s, out, sz + 3, 0)) != 0) {
                die("send", rv);
            }
            free(out);
        } else {
            print_msg(buf, sz);
        }
        nng_free(buf, sz);
    }
}

/* req: dial url (blocking), send msg, print the reply. */
static void request(nng_socket *s, const char *url, const char *msg)
{
    int rv;
    char *buf;
    size_t sz;
    if ((rv = nng_req0_open(s)) != 0) {
        die("open", rv);
    }
    nng_setopt_ms(*s, NNG_OPT_RECVTIMEO, 10000);
    nng_setopt_ms(*s, NNG_OPT_SENDTIMEO, 10000);
    if ((rv = nng_dial(*s, url, NULL, 0)) != 0) {
        die("dial", rv);
    }
    if ((rv = nng_send(*s, (void *) msg, strlen(msg), 0)) != 0) {
        die("send", rv);
    }
    if ((rv = nng_recv(*s, &buf, &sz, NNG_FLAG_ALLOC)) != 0) {
        die("recv", rv);
    }
    print_msg(buf, sz);
    nng_free(buf, sz);
}

int main(int argc, char **argv)
{
    nng_socket s;
    if (argc < 4) {
        fprintf(stderr, "usage: nng_peer MODE URL ARG [N]\n");
        return 2;
    }
    if (strcmp(argv[1], "rep") == 0 || strcmp(argv[1], "pull") == 0 || strcmp(argv[1], "sub") == 0) {
        serve(&s, argv[1], argv[2], atoi(argv[3]));
    } else if (strcmp(argv[1], "req") == 0) {
        request(&s, argv[2], argv[3]);
    } else {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    nng_close(s);
    return 0;
}
