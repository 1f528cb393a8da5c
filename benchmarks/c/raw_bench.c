/* The C floor: blocking stream sockets with no framing and no protocol.
 * A round trip is 64 bytes out and 64 back; a stream is SIZE-byte writes
 * (one write call per message) read back in large chunks.  This is what
 * the kernel allows, the bound every messaging library sits under.
 *
 *   raw_bench rep URL               echo 64-byte requests until EOF
 *   raw_bench rtt URL SECONDS
 *   raw_bench push URL SIZE SECONDS write for SECONDS, then close
 *   raw_bench pull URL WARM SIZE    read until EOF, prints msg/s and MB/s
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench.h"

#define RTT_SIZE 64
#define CHUNK (4 << 20)

typedef struct {
    int family;
    struct sockaddr_storage ss;
    socklen_t len;
} addr;

static addr parse(const char *url)
{
    addr a = {0};
    if (strncmp(url, "ipc://", 6) == 0) {
        struct sockaddr_un *un = (struct sockaddr_un *)&a.ss;
        un->sun_family = a.family = AF_UNIX;
        snprintf(un->sun_path, sizeof un->sun_path, "%s", url + 6);
        a.len = sizeof *un;
    } else if (strncmp(url, "tcp://", 6) == 0) {
        struct sockaddr_in *in = (struct sockaddr_in *)&a.ss;
        char host[64];
        const char *colon = strrchr(url + 6, ':');
        if (colon == NULL || colon - (url + 6) >= (long)sizeof host)
            nkb_die("url", url);
        snprintf(host, (size_t)(colon - (url + 6)) + 1, "%s", url + 6);
        in->sin_family = a.family = AF_INET;
        in->sin_port = htons((uint16_t)atoi(colon + 1));
        if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
            nkb_die("host", host);
        a.len = sizeof *in;
    } else {
        nkb_die("url", url);
    }
    return a;
}

static void nodelay(int fd, int family)
{
    int one = 1;
    if (family == AF_INET)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Listen, tell the driver where, and accept the one peer. */
static int listen_accept(const char *url)
{
    addr a = parse(url);
    int one = 1, fd = socket(a.family, SOCK_STREAM, 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a.ss, a.len) != 0 || listen(fd, 16) != 0)
        nkb_die("listen", strerror(errno));
    if (a.family == AF_INET) {
        struct sockaddr_in in;
        socklen_t len = sizeof in;
        getsockname(fd, (struct sockaddr *)&in, &len);
        printf("ready tcp://127.0.0.1:%d\n", ntohs(in.sin_port));
    } else {
        printf("ready %s\n", url);
    }
    fflush(stdout);
    int c = accept(fd, NULL, NULL);
    if (c < 0)
        nkb_die("accept", strerror(errno));
    close(fd);
    nodelay(c, a.family);
    return c;
}

static int dial(const char *url)
{
    addr a = parse(url);
    int fd = socket(a.family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a.ss, a.len) != 0)
        nkb_die("connect", strerror(errno));
    nodelay(fd, a.family);
    return fd;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            nkb_die("write", strerror(errno));
        p += k;
        n -= (size_t)k;
    }
}

/* 1 when n bytes were read, 0 on EOF before any. */
static int read_all(int fd, char *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, p + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            nkb_die("read", strerror(errno));
        if (k == 0) {
            if (got == 0)
                return 0;
            nkb_die("read", "short");
        }
        got += (size_t)k;
    }
    return 1;
}

static void serve_rep(const char *url)
{
    char buf[RTT_SIZE];
    int fd = listen_accept(url);
    while (read_all(fd, buf, sizeof buf))
        write_all(fd, buf, sizeof buf);
    printf("{}\n");
    fflush(stdout);
    nkb_wait_close();
    close(fd);
}

static void rtt(const char *url, double seconds)
{
    char buf[RTT_SIZE];
    long cap = 1 << 20, n = 0;
    double *t = malloc(sizeof *t * (size_t)cap);
    int fd = dial(url);
    memset(buf, 'x', sizeof buf);
    for (int i = 0; i < NKB_WARM_TRIPS; i++) {
        write_all(fd, buf, sizeof buf);
        read_all(fd, buf, sizeof buf);
    }
    double deadline = nkb_now() + seconds;
    while (n < cap) {
        double t0 = nkb_now();
        write_all(fd, buf, sizeof buf);
        if (!read_all(fd, buf, sizeof buf))
            nkb_die("read", "eof");
        double t1 = nkb_now();
        t[n++] = t1 - t0;
        if (t1 >= deadline)
            break;
    }
    close(fd);
    nkb_rtt_print(t, n);
    free(t);
}

static void serve_push(const char *url, size_t size, double seconds)
{
    char *body = malloc(size);
    long sent = 0;
    int fd = listen_accept(url);
    memset(body, 'x', size);
    double deadline = nkb_now() + seconds;
    while (sent < NKB_MAX_OPS) {
        for (int i = 0; i < 8; i++)
            write_all(fd, body, size);
        sent += 8;
        if (nkb_now() >= deadline)
            break;
    }
    close(fd); /* EOF ends the stream */
    printf("{\"sent\": %ld}\n", sent);
    fflush(stdout);
    free(body);
    nkb_wait_close();
}

static void pull(const char *url, double warm, size_t size)
{
    char *buf = malloc(CHUNK);
    nkb_meter meter = {.warm = warm};
    int fd = dial(url);
    for (long i = 0; i < NKB_MAX_OPS; i++) {
        ssize_t k = read(fd, buf, CHUNK);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            nkb_die("read", strerror(errno));
        if (k == 0)
            break;
        meter.last = nkb_now();
        nkb_meter_add(&meter, (double)k / (double)size, (double)k);
    }
    close(fd);
    nkb_meter_print(&meter);
    free(buf);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "rep") == 0)
        serve_rep(argv[2]);
    else if (argc == 4 && strcmp(argv[1], "rtt") == 0)
        rtt(argv[2], atof(argv[3]));
    else if (argc == 5 && strcmp(argv[1], "push") == 0)
        serve_push(argv[2], (size_t)atol(argv[3]), atof(argv[4]));
    else if (argc == 5 && strcmp(argv[1], "pull") == 0)
        pull(argv[2], atof(argv[3]), (size_t)atol(argv[4]));
    else
        nkb_die("usage", "raw_bench rep|rtt|push|pull URL ...");
    return 0;
}
