/*
 * tls+tcp:// (and tls+tcp4://, tls+tcp6://): a TCP connection, TLS over it
 * (tlseng.h), and inside TLS exactly tcp's bytes: the SP connection header
 * and frames (stream.c).  The handshake runs in the pipe's first reads and
 * writes, so the pipe's handshake timeout covers TLS and the SP header.
 *
 * Each endpoint has a configuration of its own (a dialer: client, verifying
 * the server; a listener: server, asking nothing of clients); a "tls-config"
 * on the socket or the endpoint replaces it, and the tls-* settings below
 * change whichever is in use, as in NNG.  A dialer checks the server's
 * certificate against the configuration's server name, else the URL's host.
 * wss shares the endpoint state and the rows (tls.h).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipe.h"
#include "tls.h"

#define NAME_MAX_LEN 256

struct nki_tls_ep {
    nki_tlseng_cfg *own; /* the endpoint's own configuration */
    bool changed;        /* a tls-* setting changed it */
    bool started;        /* listening or dialling: its configuration is busy */
    char host[NAME_MAX_LEN];        /* the URL's host: the default server name */
    char server_name[NAME_MAX_LEN]; /* tls-server-name as given ("": none) */
};

typedef nki_tls_head tls_head;

static nki_tls_ep *tls_of(void *ep)
{
    return ((tls_head *) ((nki_ep *) ep)->tdata)->tls;
}

static int tls_set_change(void *obj, const nki_option *o, const nki_optval *v);
static int tls_set_server_name(void *obj, const nki_option *o, const nki_optval *v);
static int tls_get_server_name(void *obj, const nki_option *o, nki_optval *v);
static int tls_pipe_verified(void *obj, const nki_option *o, nki_optval *v);
static int tls_pipe_peer(void *obj, const nki_option *o, nki_optval *v);

#define TLS_SET_ROW(name, type, hi, what) \
    {{name, type, 0, hi, NULL, tls_set_change, what}, NKI_TOPT_EP, 0, NULL}

/* name, type, range, get/set on endpoints | where | socket's default | get on pipes */
const nki_tran_option nki_tls_options[] = {
    /* first: TLS_CONFIG_ROW */
    {{"tls-config", NKI_OPT_INT, 0, 0x7fffffff, nki_topt_ep_get, nki_topt_ep_set, 0},
     NKI_TOPT_SOCKET | NKI_TOPT_EP, 0, NULL},
    TLS_SET_ROW("tls-ca-file", NKI_OPT_STR, 0, NK_TLS_CA_FILE),
    TLS_SET_ROW("tls-cert-key-file", NKI_OPT_STR, 0, NK_TLS_CERT_KEY_FILE),
    TLS_SET_ROW("tls-authmode", NKI_OPT_INT, NKI_TLS_AUTH_REQUIRED, NK_TLS_AUTH_MODE),
    {{"tls-server-name", NKI_OPT_STR, 0, 0, tls_get_server_name, tls_set_server_name, NK_TLS_SERVER_NAME},
     NKI_TOPT_EP, 0, NULL},
    {{"tls-verified", NKI_OPT_BOOL, 0, 1, NULL, NULL, 0}, 0, 0, tls_pipe_verified},
    {{"tls-peer-cn", NKI_OPT_STR, 0, 0, NULL, NULL, 0}, 0, 0, tls_pipe_peer},
    {{"tls-peer-alt-names", NKI_OPT_STR, 0, 0, NULL, NULL, 1}, 0, 0, tls_pipe_peer},
    NKI_TOPT_END,
};
#define TLS_CONFIG_ROW (&nki_tls_options[0])

/* The URL's host, without brackets or port. */
static void url_host(const char *url, char *out, size_t len)
{
    const char *h = strstr(url, "://") + 3, *end;
    size_t n;
    if (*h == '[') {
        h++;
        end = strchr(h, ']');
    } else {
        end = h + strcspn(h, "/?#");
        const char *colon = memchr(h, ':', (size_t) (end - h));
        end = colon ? colon : end;
    }
    n = end ? (size_t) (end - h) : strlen(h);
    n = n < len - 1 ? n : len - 1;
    memcpy(out, h, n);
    out[n] = '\0';
}

int nki_tls_ep_new(nki_ep *ep, nki_tls_ep **tp)
{
    const nki_tlseng *e;
    nki_tls_ep *t;
    int rv;
    if ((e = nki_tlseng_get(&rv)) == NULL) {
        return rv; /* NK_ENOTSUP: nk_tls_engine_error says what is missing */
    }
    if ((t = calloc(1, sizeof(*t))) == NULL || (t->own = e->cfg_new(!ep->dialer)) == NULL) {
        free(t);
        return NK_ENOMEM;
    }
    url_host(ep->url, t->host, sizeof(t->host));
    *tp = t;
    return 0;
}

void nki_tls_ep_free(nki_tls_ep *t)
{
    int rv;
    if (t != NULL) {
        nki_tlseng_get(&rv)->cfg_free(t->own);
        free(t);
    }
}

static int tls_ep_init(nki_ep *ep)
{
    tls_head *h = calloc(1, sizeof(*h));
    int rv;
    if (h == NULL) {
        return NK_ENOMEM;
    }
    if ((rv = nki_tcp_addr_parse(ep, &h->addr)) != 0 || (rv = nki_tls_ep_new(ep, &h->tls)) != 0) {
        free(h);
        return rv;
    }
    ep->tdata = h;
    return 0;
}

static void tls_ep_fini(nki_ep *ep)
{
    tls_head *h = ep->tdata;
    if (h != NULL) {
        nki_tls_ep_free(h->tls);
        free(h);
        ep->tdata = NULL;
    }
}

nki_tlseng_cfg *nki_tls_ep_cfg(nki_ep *ep)
{
    int64_t id = nki_ep_topt(ep, TLS_CONFIG_ROW);
    return id > 0 ? nki_tls_config_find((uint32_t) id) : tls_of(ep)->own;
}

int nki_tls_ep_start(nki_ep *ep)
{
    int64_t id = nki_ep_topt(ep, TLS_CONFIG_ROW);
    int rv = id > 0 ? nki_tls_config_hold((uint32_t) id) : 0;
    if (rv == 0) {
        tls_of(ep)->started = true;
    }
    return rv;
}

/* Whether the configuration ep uses may still change (NNG: not once an
 * endpoint started with it). */
static bool tls_ep_busy(nki_ep *ep)
{
    int64_t id = nki_ep_topt(ep, TLS_CONFIG_ROW);
    return id > 0 ? nki_tls_config_busy((uint32_t) id) : tls_of(ep)->started;
}

bool nki_tls_ep_pristine(nki_ep *ep)
{
    return nki_ep_topt(ep, TLS_CONFIG_ROW) <= 0 && !tls_of(ep)->changed;
}

int nki_tls_ep_stream(nki_ep *ep, int fd, nki_bstream **bsp)
{
    nki_tlseng_cfg *c = nki_tls_ep_cfg(ep);
    int rv;
    const nki_tlseng *e = nki_tlseng_get(&rv);
    if (c == NULL) {
        close(fd); /* its tls-config was freed */
        return NK_ECLOSED;
    }
    return e->conn_new(c, fd, ep->dialer ? tls_of(ep)->host : NULL, bsp);
}

/* ---- options ---- */

/* tls-ca-file, tls-cert-key-file, tls-auth-mode: arg is the NK_TLS_* change. */
static int tls_set_change(void *obj, const nki_option *o, const nki_optval *v)
{
    nki_tlseng_cfg *c = nki_tls_ep_cfg(obj);
    int rv;
    if (c == NULL) {
        return NK_ECLOSED; /* its tls-config was freed */
    }
    if (tls_ep_busy(obj)) {
        return NK_EBUSY;
    }
    rv = nki_tls_config_change(c, (int) o->arg, v->data, NULL, NULL, (int) v->i);
    if (rv == 0 && c == tls_of(obj)->own) {
        tls_of(obj)->changed = true;
    }
    return rv;
}

static int tls_set_server_name(void *obj, const nki_option *o, const nki_optval *v)
{
    nki_tls_ep *t = tls_of(obj);
    int rv;
    (void) o;
    if (v->len >= sizeof(t->server_name)) {
        return NK_EINVAL;
    }
    if ((rv = tls_set_change(obj, o, v)) == 0) {
        memcpy(t->server_name, v->data, v->len);
        t->server_name[v->len] = '\0';
    }
    return rv;
}

static int tls_get_server_name(void *obj, const nki_option *o, nki_optval *v)
{
    nki_tls_ep *t = tls_of(obj);
    (void) o;
    return nki_optval_str(v, t->server_name[0] ? t->server_name : t->host);
}

static int tls_pipe_verified(void *obj, const nki_option *o, nki_optval *v)
{
    int rv;
    nki_bstream *bs = nki_pipe_stream(obj);
    (void) o;
    if (bs == NULL || bs->ops == NULL) { /* not a TLS stream */
        return NK_ENOTSUP;
    }
    v->i = nki_tlseng_get(&rv)->peer_verified(bs);
    return 0;
}

static int tls_pipe_peer(void *obj, const nki_option *o, nki_optval *v)
{
    int rv;
    const nki_tlseng *e = nki_tlseng_get(&rv);
    nki_bstream *bs = nki_pipe_stream(obj);
    if (bs == NULL || bs->ops == NULL) { /* not a TLS stream */
        return NK_ENOTSUP;
    }
    return o->arg ? e->peer_alt_names(bs, v->buf, v->size) : e->peer_cn(bs, v->buf, v->size);
}

/* tcp's bind and connect, once the endpoint holds its configuration. */
static int tls_ep_bind(nki_ep *ep, int *fdp)
{
    int rv = nki_tls_ep_start(ep);
    return rv != 0 ? rv : nki_tcp_ep_bind(ep, fdp);
}

static int tls_ep_connect(nki_ep *ep, int *fdp)
{
    int rv = nki_tls_ep_start(ep);
    return rv != 0 ? rv : nki_tcp_ep_connect(ep, fdp);
}

#define TLS_TRAN(name)                                                                          \
    {                                                                                           \
        .scheme = name, .type_byte = 0, .stream = true, .opts = nki_tls_options,                   \
        .base_opts = nki_tcp_options, .ep_init = tls_ep_init, .ep_fini = tls_ep_fini,          \
        .ep_bind = tls_ep_bind, .ep_connect = tls_ep_connect,                                   \
        .fd_setup = nki_tcp_fd_setup, .stream_open = nki_tls_ep_stream,                           \
    }

static const nki_tran nki_tls_tran = TLS_TRAN("tls+tcp");
static const nki_tran nki_tls4_tran = TLS_TRAN("tls+tcp4");
static const nki_tran nki_tls6_tran = TLS_TRAN("tls+tcp6");

NKI_TRAN_REGISTER(nki_tls_tran)
NKI_TRAN_REGISTER(nki_tls4_tran)
NKI_TRAN_REGISTER(nki_tls6_tran)
