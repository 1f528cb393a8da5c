/*
 * The "libnng" peer of nngkit.testing: one SP socket of the system's libnng
 * acting out a behaviour (see behaviours.py).  Built once per test session.
 *
 *   cpeer --proto rep0 --listen URL|--dial URL --kind K --data HEX|--data-file F --count N
 *         [--prefix HEX] [--topic HEX]... [--tls-ca-file F [--tls-cert-key-file F]]
 *
 * Same line protocol as pypeer.py.  Out: "ready URL", "pipe add", "pipe rem",
 * "recv HEX", "sent", "done", "error TEXT".  In: "send HEX", "quit".
 * A failed call prints "error ..." and a reason on stderr, and exits 1.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/bus0/bus.h>
#include <nng/protocol/pair0/pair.h>
#include <nng/protocol/pair1/pair.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/protocol/survey0/respond.h>
#include <nng/protocol/survey0/survey.h>
#include <nng/supplemental/tls/tls.h>

#define MAX_TOPICS 16

struct spec {
    const char *proto, *listen, *dial, *kind;
    const char *tls_ca, *tls_cert_key; /* tls+tcp, wss: CA file; own certificate then key in one file */
    unsigned char *data, *prefix;
    size_t data_len, prefix_len;
    int count, has_prefix, ntopics;
    unsigned char *topics[MAX_TOPICS];
    size_t topic_lens[MAX_TOPICS];
};

static const struct {
    const char *name;
    int (*open)(nng_socket *);
} PROTOCOLS[] = {
    {"req0", nng_req0_open}, {"rep0", nng_rep0_open}, {"pub0", nng_pub0_open},
    {"sub0", nng_sub0_open}, {"push0", nng_push0_open}, {"pull0", nng_pull0_open},
    {"surveyor0", nng_surveyor0_open}, {"respondent0", nng_respondent0_open},
    {"bus0", nng_bus0_open}, {"pair0", nng_pair0_open}, {"pair1", nng_pair1_open},
};

static nng_socket sock;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t pipe_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pipe_cond = PTHREAD_COND_INITIALIZER;
static int pipes_seen, closing;

/* One output line: a word, then optional bytes written as hex. */
static void emit(const char *word, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    size_t i;
    pthread_mutex_lock(&out_lock);
    fputs(word, stdout);
    if (buf != NULL) {
        fputc(' ', stdout);
        for (i = 0; i < len; i++) {
            fprintf(stdout, "%02x", p[i]);
        }
    }
    fputc('\n', stdout);
    fflush(stdout);
    pthread_mutex_unlock(&out_lock);
}

static void die(const char *what, int rv)
{
    char line[256];
    snprintf(line, sizeof(line), "error %s: %s", what, nng_strerror(rv));
    emit(line, NULL, 0);
    fprintf(stderr, "cpeer: %s: %s\n", what, nng_strerror(rv));
    exit(1);
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = (char) (c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Bytes from hex, in one pass (sscanf would measure the rest of the string for each byte:
 * a 3 MiB "send" took minutes). */
static unsigned char *from_hex(const char *hex, size_t *len)
{
    size_t n = strlen(hex) / 2, i;
    unsigned char *out = malloc(n + 1);
    int hi, lo;
    if (out == NULL) {
        die("malloc", NNG_ENOMEM);
    }
    for (i = 0; i < n; i++) {
        if ((hi = nibble(hex[2 * i])) < 0 || (lo = nibble(hex[2 * i + 1])) < 0) {
            die("bad hex argument", NNG_EINVAL);
        }
        out[i] = (unsigned char) (hi << 4 | lo);
    }
    *len = n;
    return out;
}

static unsigned char *from_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *out;
    long n;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        die(path, NNG_ENOENT);
    }
    if ((out = malloc((size_t) n + 1)) == NULL || fread(out, 1, (size_t) n, f) != (size_t) n) {
        die(path, NNG_EINVAL);
    }
    fclose(f);
    *len = (size_t) n;
    return out;
}

static void parse(int argc, char **argv, struct spec *s)
{
    int i;
    memset(s, 0, sizeof(*s));
    s->kind = "record";
    for (i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--proto") == 0) {
            s->proto = v;
        } else if (strcmp(k, "--listen") == 0) {
            s->listen = v;
        } else if (strcmp(k, "--dial") == 0) {
            s->dial = v;
        } else if (strcmp(k, "--kind") == 0) {
            s->kind = v;
        } else if (strcmp(k, "--data") == 0) {
            s->data = from_hex(v, &s->data_len);
        } else if (strcmp(k, "--data-file") == 0) {
            s->data = from_file(v, &s->data_len);
        } else if (strcmp(k, "--prefix") == 0) {
            s->prefix = from_hex(v, &s->prefix_len);
            s->has_prefix = 1;
        } else if (strcmp(k, "--count") == 0) {
            s->count = atoi(v);
        } else if (strcmp(k, "--tls-ca-file") == 0) {
            s->tls_ca = v;
        } else if (strcmp(k, "--tls-cert-key-file") == 0) {
            s->tls_cert_key = v;
        } else if (strcmp(k, "--topic") == 0 && s->ntopics < MAX_TOPICS) {
            s->topics[s->ntopics] = from_hex(v, &s->topic_lens[s->ntopics]);
            s->ntopics++;
        } else {
            die(k, NNG_EINVAL);
        }
    }
    if (s->proto == NULL || (s->listen == NULL) == (s->dial == NULL)) {
        die("usage: --proto P (--listen URL | --dial URL) ...", NNG_EINVAL);
    }
}

static void on_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
    (void) p;
    (void) arg;
    if (ev == NNG_PIPE_EV_ADD_POST) {
        emit("pipe add", NULL, 0);
        pthread_mutex_lock(&pipe_lock);
        pipes_seen++;
        pthread_cond_broadcast(&pipe_cond);
        pthread_mutex_unlock(&pipe_lock);
    } else if (ev == NNG_PIPE_EV_REM_POST) {
        emit("pipe rem", NULL, 0);
    }
}

static void open_socket(const struct spec *s)
{
    size_t i;
    int rv = NNG_ENOTSUP, t;
    for (i = 0; i < sizeof(PROTOCOLS) / sizeof(PROTOCOLS[0]); i++) {
        if (strcmp(PROTOCOLS[i].name, s->proto) == 0) {
            rv = PROTOCOLS[i].open(&sock);
            break;
        }
    }
    if (rv != 0) {
        die("open", rv);
    }
    for (t = 0; t < s->ntopics; t++) {
        if ((rv = nng_socket_set(sock, NNG_OPT_SUB_SUBSCRIBE, s->topics[t], s->topic_lens[t])) != 0) {
            die("subscribe", rv);
        }
    }
    if (strcmp(s->proto, "sub0") == 0 && s->ntopics == 0 &&
        (rv = nng_socket_set(sock, NNG_OPT_SUB_SUBSCRIBE, "", 0)) != 0) {
        die("subscribe", rv);
    }
    if (strcmp(s->proto, "surveyor0") == 0) {
        nng_socket_set_ms(sock, NNG_OPT_SURVEYOR_SURVEYTIME, 1000);
    }
    nng_pipe_notify(sock, NNG_PIPE_EV_ADD_POST, on_pipe, NULL);
    nng_pipe_notify(sock, NNG_PIPE_EV_REM_POST, on_pipe, NULL);
}

static void emit_text(const char *word, const char *text)
{
    pthread_mutex_lock(&out_lock);
    printf("%s %s\n", word, text);
    fflush(stdout);
    pthread_mutex_unlock(&out_lock);
}

/* An endpoint's TLS files: the CA that signs the other side, and our own certificate then key (if any). */
static int tls_files(const struct spec *s, int (*set)(void *, const char *, const char *), void *ep)
{
    int rv = set(ep, NNG_OPT_TLS_CA_FILE, s->tls_ca);
    if (rv == 0 && s->tls_cert_key != NULL) {
        rv = set(ep, NNG_OPT_TLS_CERT_KEY_FILE, s->tls_cert_key);
    }
    return rv;
}

static int dialer_set(void *d, const char *opt, const char *v)
{
    return nng_dialer_set_string(*(nng_dialer *) d, opt, v);
}

static int listener_set(void *l, const char *opt, const char *v)
{
    return nng_listener_set_string(*(nng_listener *) l, opt, v);
}

/* Dial synchronously (the SP handshake is done on return); with a CA file, a client that checks the
 * server (its name: the URL's host). */
static void dial(const struct spec *s)
{
    nng_dialer d;
    int rv;
    if ((rv = nng_dialer_create(&d, sock, s->dial)) != 0) {
        die("dial", rv);
    }
    if (s->tls_ca != NULL && (rv = tls_files(s, dialer_set, &d)) != 0) {
        die("dialer tls files", rv);
    }
    if ((rv = nng_dialer_start(d, 0)) != 0) {
        die("dial", rv);
    }
    emit_text("ready", s->dial);
}

/* Listen, reporting the bound URL (a tcp port 0 is resolved); with a CA file, require a client certificate. */
static void listen_on(const struct spec *s)
{
    nng_listener l;
    char *url;
    int rv;
    if ((rv = nng_listener_create(&l, sock, s->listen)) != 0) {
        die("listen", rv);
    }
    if (s->tls_ca != NULL && ((rv = tls_files(s, listener_set, &l)) != 0 ||
                              (rv = nng_listener_set_int(l, NNG_OPT_TLS_AUTH_MODE, NNG_TLS_AUTH_MODE_REQUIRED)) != 0)) {
        die("listener tls files", rv);
    }
    if ((rv = nng_listener_start(l, 0)) != 0) {
        die("listen", rv);
    }
    if ((rv = nng_listener_get_string(l, NNG_OPT_URL, &url)) != 0) {
        die("listener url", rv);
    }
    emit_text("ready", url);
    nng_strfree(url);
}

static void attach(const struct spec *s)
{
    if (s->dial != NULL) {
        dial(s);
    } else {
        listen_on(s);
    }
}

/* 0, or -1 once the socket is closed (the peer is being stopped). */
static int send_bytes(const void *buf, size_t len)
{
    int rv = nng_send(sock, (void *) buf, len, 0);
    if (rv == NNG_ECLOSED) {
        return -1;
    }
    if (rv != 0) {
        die("send", rv);
    }
    return 0;
}

/* The answer to `msg` for echo/reply, sent at once. */
static void answer(const struct spec *s, const char *msg, size_t len)
{
    unsigned char *out;
    if (strcmp(s->kind, "echo") == 0) {
        send_bytes(msg, len);
    } else if (s->has_prefix) {
        if ((out = malloc(s->prefix_len + len + 1)) == NULL) {
            die("malloc", NNG_ENOMEM);
        }
        memcpy(out, s->prefix, s->prefix_len);
        memcpy(out + s->prefix_len, msg, len);
        send_bytes(out, s->prefix_len + len);
        free(out);
    } else {
        send_bytes(s->data, s->data_len);
    }
}

/* Receive until `limit` messages (0: until closed or a survey ends); answer them if asked. */
static int receive(const struct spec *s, int limit, int reply)
{
    int n = 0, rv;
    char *buf;
    size_t len;
    while (limit <= 0 || n < limit) {
        if ((rv = nng_recv(sock, &buf, &len, NNG_FLAG_ALLOC)) != 0) {
            if (rv == NNG_ECLOSED || rv == NNG_ETIMEDOUT || rv == NNG_ESTATE) {
                return -1;
            }
            die("recv", rv);
        }
        emit("recv", buf, len);
        n++;
        if (reply) {
            answer(s, buf, len);
        }
        nng_free(buf, len);
    }
    return n;
}

static void wait_for_pipe(void)
{
    pthread_mutex_lock(&pipe_lock);
    while (pipes_seen == 0 && !closing) {
        pthread_cond_wait(&pipe_cond, &pipe_lock);
    }
    pthread_mutex_unlock(&pipe_lock);
}

static void stop_waiting(void)
{
    pthread_mutex_lock(&pipe_lock);
    closing = 1;
    pthread_cond_broadcast(&pipe_cond);
    pthread_mutex_unlock(&pipe_lock);
}

static void *behave(void *arg)
{
    const struct spec *s = arg;
    int i, times = s->count > 0 ? s->count : 1;
    if (strcmp(s->kind, "echo") == 0 || strcmp(s->kind, "reply") == 0) {
        receive(s, s->count, 1);
        return NULL;
    }
    if (strcmp(s->kind, "record") == 0) {
        if (receive(s, s->count, 0) >= 0) {
            emit("done", NULL, 0);
        }
        return NULL;
    }
    if (strcmp(s->kind, "request") == 0) {
        wait_for_pipe(); /* a survey sent before any pipe would reach no one */
        for (i = 0; i < times; i++) {
            if (send_bytes(s->data, s->data_len) != 0) {
                return NULL;
            }
            receive(s, strcmp(s->proto, "req0") == 0 ? 1 : 0, 0);
        }
        emit("done", NULL, 0);
        return NULL;
    }
    wait_for_pipe(); /* publish, push, send */
    for (i = 0; i < times; i++) {
        if (send_bytes(s->data, s->data_len) != 0) {
            return NULL;
        }
    }
    emit("done", NULL, 0);
    if (strcmp(s->kind, "send") == 0) {
        receive(s, 0, 0);
    }
    return NULL;
}

/* Commands from stdin until "quit" or its end. */
static void obey(void)
{
    char *line = NULL, *nl;
    size_t cap = 0, len;
    unsigned char *msg;
    while (getline(&line, &cap, stdin) > 0) {
        if ((nl = strchr(line, '\n')) != NULL) {
            *nl = '\0';
        }
        if (strcmp(line, "quit") == 0) {
            break;
        }
        if (strncmp(line, "send ", 5) == 0) {
            msg = from_hex(line + 5, &len);
            send_bytes(msg, len);
            free(msg);
            emit("sent", NULL, 0);
        }
    }
    free(line);
}

int main(int argc, char **argv)
{
    static struct spec s;
    pthread_t worker;
    const char *known[] = {"record", "echo", "reply", "publish", "push", "request", "send"};
    size_t i;
    int ok = 0;
    parse(argc, argv, &s);
    for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        ok |= strcmp(known[i], s.kind) == 0;
    }
    if (!ok) {
        die(s.kind, NNG_ENOTSUP);
    }
    open_socket(&s);
    attach(&s);
    if (pthread_create(&worker, NULL, behave, &s) != 0) {
        die("pthread_create", NNG_ENOMEM);
    }
    obey();
    stop_waiting();
    nng_close(sock); /* the worker's recv or send ends with NNG_ECLOSED */
    pthread_join(worker, NULL);
    return 0;
}
