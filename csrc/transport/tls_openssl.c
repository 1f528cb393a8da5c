/*
 * The OpenSSL 3 TLS engine (tlseng.h), built as its own shared object
 * (nngkit/_nk_openssl.so, linked to the system's libssl.so.3) and loaded by
 * the core on first TLS use: see docs/install.md for why.  It calls nothing
 * of the core.
 *
 * NNG's semantics: TLS 1.2 at least (1.3 where both offer it); a client
 * verifies the server by default (name checked, and sent as SNI); a server
 * asks for a client certificate only when told (optional or required).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "tlseng.h"

#define STAGE 16384          /* one TLS record: small frames are coalesced */
#define FILE_MAX (1 << 20)   /* a PEM file larger than this is refused */

struct nki_tlseng_cfg {
    SSL_CTX *ctx;
    bool server;
    int auth;
    char *server_name;
};

typedef struct {
    nki_bstream base; /* first: the stream is the engine's state */
    SSL *ssl;
    unsigned rd_blk, wr_blk; /* fd event the last read / write waits for */
    bool hs_done;            /* the handshake has ended */
    int err;                 /* sticky failure (NK_*), 0 while healthy */
    uint8_t stage[STAGE];
} tconn;

/* ---- configuration ---- */

static int accept_any(int ok, X509_STORE_CTX *x)
{
    (void) ok;
    (void) x;
    return 1; /* optional: the result is only recorded (tls-verified) */
}

static void apply_auth(nki_tlseng_cfg *c)
{
    switch (c->auth) {
    case NKI_TLS_AUTH_NONE:
        SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
        break;
    case NKI_TLS_AUTH_OPTIONAL:
        SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, accept_any);
        break;
    default:
        SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER | (c->server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
        break;
    }
}

static int eng_init(char *buf, size_t len)
{
    if (OpenSSL_version_num() < 0x30000000L) {
        snprintf(buf, len, "TLS needs OpenSSL 3 (libssl3); this process has %s",
                 OpenSSL_version(OPENSSL_VERSION));
        return NK_ENOTSUP;
    }
    return 0;
}

static nki_tlseng_cfg *cfg_new(bool server)
{
    nki_tlseng_cfg *c = calloc(1, sizeof(*c));
    if (c == NULL || (c->ctx = SSL_CTX_new(TLS_method())) == NULL) {
        free(c);
        return NULL;
    }
    c->server = server;
    c->auth = server ? NKI_TLS_AUTH_NONE : NKI_TLS_AUTH_REQUIRED;
    SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(c->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* A peer that closes without close_notify ends the stream (a read of
     * 0), as a tcp peer's close does; SP frames say where messages end. */
    SSL_CTX_set_options(c->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
    /* Fewer reads per record; what is read ahead shows as pending. */
    SSL_CTX_set_read_ahead(c->ctx, 1);
    apply_auth(c);
    return c;
}

static void cfg_free(nki_tlseng_cfg *c)
{
    SSL_CTX_free(c->ctx); /* live connections keep their own reference */
    free(c->server_name);
    free(c);
}

static int cfg_auth_mode(nki_tlseng_cfg *c, int mode)
{
    if (mode < NKI_TLS_AUTH_NONE || mode > NKI_TLS_AUTH_REQUIRED) {
        return NK_EINVAL;
    }
    c->auth = mode;
    apply_auth(c);
    return 0;
}

static int cfg_server_name(nki_tlseng_cfg *c, const char *name)
{
    char *dup = strdup(name);
    if (dup == NULL) {
        return NK_ENOMEM;
    }
    free(c->server_name);
    c->server_name = dup;
    return 0;
}

/* Every certificate and CRL of PEM text into the trust store. */
static int add_trust(nki_tlseng_cfg *c, const char *pem)
{
    X509_STORE *st = SSL_CTX_get_cert_store(c->ctx);
    BIO *b = BIO_new_mem_buf(pem, -1);
    STACK_OF(X509_INFO) *infos;
    int i, certs = 0, crls = 0, rv = 0;
    if (b == NULL) {
        return NK_ENOMEM;
    }
    infos = PEM_X509_INFO_read_bio(b, NULL, NULL, NULL);
    BIO_free(b);
    if (infos == NULL) {
        ERR_clear_error();
        return NK_ECRYPTO;
    }
    for (i = 0; i < sk_X509_INFO_num(infos) && rv == 0; i++) {
        X509_INFO *in = sk_X509_INFO_value(infos, i);
        if (in->x509 && X509_STORE_add_cert(st, in->x509) == 1) {
            certs++;
        }
        if (in->crl && X509_STORE_add_crl(st, in->crl) == 1) {
            crls++;
        }
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    ERR_clear_error(); /* a certificate already in the store is not an error */
    if (crls > 0) {
        X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK);
    }
    return certs + crls > 0 ? 0 : NK_ECRYPTO;
}

static int cfg_ca_chain(nki_tlseng_cfg *c, const char *pem, const char *crl)
{
    int rv = add_trust(c, pem);
    if (rv == 0 && crl != NULL && crl[0] != '\0') {
        rv = add_trust(c, crl);
    }
    return rv;
}

/* The key of PEM text (encrypted keys need pass). */
static EVP_PKEY *read_key(const char *pem, const char *pass)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k;
    if (b == NULL) {
        return NULL;
    }
    k = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *) (pass ? pass : ""));
    BIO_free(b);
    return k;
}

/* The first certificate of cert is ours, the others its chain. */
static int use_certs(SSL_CTX *ctx, const char *cert)
{
    BIO *b = BIO_new_mem_buf(cert, -1);
    X509 *x;
    int n = 0, rv = 0;
    if (b == NULL) {
        return NK_ENOMEM;
    }
    SSL_CTX_clear_chain_certs(ctx);
    while (rv == 0 && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (n++ == 0) {
            rv = SSL_CTX_use_certificate(ctx, x) == 1 ? 0 : NK_ECRYPTO;
            X509_free(x);
        } else if (SSL_CTX_add0_chain_cert(ctx, x) != 1) {
            X509_free(x);
            rv = NK_ECRYPTO;
        }
    }
    BIO_free(b);
    return n == 0 ? NK_ECRYPTO : rv;
}

static int cfg_own_cert(nki_tlseng_cfg *c, const char *cert, const char *key, const char *pass)
{
    EVP_PKEY *k;
    int rv = use_certs(c->ctx, cert);
    if (rv == 0) {
        k = read_key(key, pass);
        if (k == NULL || SSL_CTX_use_PrivateKey(c->ctx, k) != 1 || SSL_CTX_check_private_key(c->ctx) != 1) {
            rv = NK_ECRYPTO;
        }
        EVP_PKEY_free(k);
    }
    ERR_clear_error();
    return rv;
}

/* A whole (small) file as text. */
static int read_file(const char *path, char **out)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;
    if (f == NULL) {
        return errno == ENOENT ? NK_ENOENT : errno == EACCES ? NK_EPERM : NK_EINVAL;
    }
    if ((buf = malloc(FILE_MAX + 1)) == NULL) {
        fclose(f);
        return NK_ENOMEM;
    }
    n = fread(buf, 1, FILE_MAX + 1, f);
    fclose(f);
    if (n > FILE_MAX) {
        free(buf);
        return NK_EINVAL;
    }
    buf[n] = '\0';
    *out = buf;
    return 0;
}

static int cfg_ca_file(nki_tlseng_cfg *c, const char *path)
{
    char *text;
    int rv = read_file(path, &text);
    if (rv == 0) {
        rv = add_trust(c, text);
        free(text);
    }
    return rv;
}

static int cfg_cert_key_file(nki_tlseng_cfg *c, const char *path, const char *pass)
{
    char *text;
    int rv = read_file(path, &text);
    if (rv == 0) {
        rv = cfg_own_cert(c, text, text, pass); /* PEM readers skip the other blocks */
        OPENSSL_cleanse(text, strlen(text));
        free(text);
    }
    return rv;
}

/* ---- the stream ---- */

static bool peer_cert_refused(unsigned long e)
{
    switch (ERR_GET_REASON(e)) {
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
        return true;
    default:
        return false;
    }
}

static int sys_error(int e)
{
    switch (e) {
    case 0:
        return NK_ECONNSHUT;
    case ECONNRESET:
    case EPIPE:
        return NK_ECONNRESET;
    case ENOMEM:
    case ENOBUFS:
        return NK_ENOMEM;
    default:
        return NK_ECONNSHUT;
    }
}

/* An SSL call returned r <= 0: "not now" (and which fd event to wait for),
 * the end of the stream, or a failure that sticks. */
static ssize_t conn_fail(tconn *t, int r, unsigned *blk)
{
    int e = SSL_get_error(t->ssl, r);
    unsigned long q;
    switch (e) {
    case SSL_ERROR_WANT_READ:
        *blk = NKI_POLL_IN;
        return -NK_EAGAIN;
    case SSL_ERROR_WANT_WRITE:
        *blk = NKI_POLL_OUT;
        return -NK_EAGAIN;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    case SSL_ERROR_SYSCALL:
        t->err = sys_error(errno);
        break;
    default:
        q = ERR_peek_last_error();
        t->err = peer_cert_refused(q) ? NK_EPEERAUTH : NK_ECRYPTO;
        break;
    }
    ERR_clear_error();
    return -t->err;
}

/* The handshake ended inside this call: the other direction, which waited
 * for the handshake's next bytes, must try again now instead of waiting for
 * the fd.  (A wss dialer's upgrade request once waited for a readable fd
 * after a read had ended the handshake, while the server waited for it.) */
static void hs_ended(tconn *t, unsigned *other)
{
    if (!t->hs_done && SSL_is_init_finished(t->ssl)) {
        t->hs_done = true;
        *other = 0;
    }
}

static ssize_t conn_read(nki_bstream *bs, void *buf, size_t len)
{
    tconn *t = (tconn *) bs;
    int r;
    if (t->err) {
        return -t->err;
    }
    r = SSL_read(t->ssl, buf, len > INT_MAX ? INT_MAX : (int) len);
    hs_ended(t, &t->wr_blk);
    if (r > 0) {
        t->rd_blk = t->wr_blk = 0;
        return r;
    }
    return conn_fail(t, r, &t->rd_blk);
}

/* Coalesces small iovecs into one record; a large first one goes as is.
 * A retry after "not now" passes at least the bytes of the attempt before
 * (the caller's queue only grows), as SSL_write requires. */
static ssize_t conn_writev(nki_bstream *bs, const struct iovec *iov, int niov)
{
    tconn *t = (tconn *) bs;
    const void *p = iov[0].iov_base;
    size_t n = iov[0].iov_len;
    int r, i;
    if (t->err) {
        return -t->err;
    }
    if (n < STAGE && niov > 1) {
        for (n = 0, i = 0; i < niov && n < STAGE; i++) {
            size_t k = iov[i].iov_len < STAGE - n ? iov[i].iov_len : STAGE - n;
            memcpy(t->stage + n, iov[i].iov_base, k);
            n += k;
        }
        p = t->stage;
    }
    r = SSL_write(t->ssl, p, n > INT_MAX ? INT_MAX : (int) n);
    hs_ended(t, &t->rd_blk);
    if (r > 0) {
        t->rd_blk = t->wr_blk = 0;
        return r;
    }
    r = (int) conn_fail(t, r, &t->wr_blk);
    if (r == 0) { /* the peer's end: a write of 0 bytes would be retried forever */
        t->err = NK_ECONNSHUT;
        return -NK_ECONNSHUT;
    }
    return r;
}

static unsigned conn_events(nki_bstream *bs, unsigned want)
{
    tconn *t = (tconn *) bs;
    unsigned ev = 0;
    if (want & NKI_POLL_IN) {
        ev |= t->rd_blk ? t->rd_blk : NKI_POLL_IN;
    }
    if (want & NKI_POLL_OUT) {
        ev |= t->wr_blk ? t->wr_blk : NKI_POLL_OUT;
    }
    return ev;
}

/* The fd's readiness as the stream's: a write waiting to read first is
 * ready when the fd is readable, and the other way round. */
static unsigned conn_ready(nki_bstream *bs, unsigned fd_ev)
{
    tconn *t = (tconn *) bs;
    unsigned ev = fd_ev & NKI_POLL_ERR;
    if (fd_ev & NKI_POLL_ERR) {
        return fd_ev | NKI_POLL_IN | NKI_POLL_OUT;
    }
    if (fd_ev & NKI_POLL_IN) {
        ev |= (t->rd_blk != NKI_POLL_OUT ? NKI_POLL_IN : 0) | (t->wr_blk == NKI_POLL_IN ? NKI_POLL_OUT : 0);
    }
    if (fd_ev & NKI_POLL_OUT) {
        ev |= (t->wr_blk != NKI_POLL_IN ? NKI_POLL_OUT : 0) | (t->rd_blk == NKI_POLL_OUT ? NKI_POLL_IN : 0);
    }
    return ev;
}

/* Read-ahead bytes count only until a read has said "not now": what is left
 * then is part of a record, and the fd says when the rest comes.  (Counted,
 * they made the caller read again at once, for ever: a peer that stopped
 * inside a record froze the reactor, and every close with it.) */
static bool conn_pending(nki_bstream *bs)
{
    tconn *t = (tconn *) bs;
    return t->err == 0 && t->rd_blk == 0 && SSL_has_pending(t->ssl);
}

static void conn_close(nki_bstream *bs)
{
    tconn *t = (tconn *) bs;
    if (t->err == 0 && SSL_is_init_finished(t->ssl)) {
        (void) SSL_shutdown(t->ssl); /* close_notify, if the socket takes it now */
    }
    SSL_free(t->ssl);
    ERR_clear_error();
    close(t->base.fd);
    free(t);
}

static const nki_bstream_ops conn_ops = {
    .read = conn_read,
    .writev = conn_writev,
    .events = conn_events,
    .ready = conn_ready,
    .pending = conn_pending,
    .close = conn_close,
};

/* The name to check: an address is matched against IP names, a host
 * name against DNS names and sent as SNI. */
static int conn_name(tconn *t, const char *name)
{
    unsigned char addr[16];
    if (inet_pton(AF_INET, name, addr) == 1 || inet_pton(AF_INET6, name, addr) == 1) {
        return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), name) == 1 ? 0 : NK_EINVAL;
    }
    if (SSL_set_tlsext_host_name(t->ssl, name) != 1 || SSL_set1_host(t->ssl, name) != 1) {
        return NK_EINVAL;
    }
    return 0;
}

static int conn_new(nki_tlseng_cfg *c, int fd, const char *name, nki_bstream **bsp)
{
    tconn *t = malloc(sizeof(*t));
    int rv = NK_ENOMEM;
    if (t == NULL || (t->ssl = SSL_new(c->ctx)) == NULL) {
        free(t);
        close(fd);
        return NK_ENOMEM;
    }
    t->base.fd = fd;
    t->base.ops = &conn_ops;
    t->rd_blk = t->wr_blk = 0;
    t->hs_done = false;
    t->err = 0;
    if (SSL_set_fd(t->ssl, fd) == 1) {
        rv = 0;
        if (c->server) {
            SSL_set_accept_state(t->ssl);
        } else {
            SSL_set_connect_state(t->ssl);
            name = c->server_name ? c->server_name : name;
            rv = name && name[0] ? conn_name(t, name) : 0;
        }
    }
    if (rv != 0) {
        t->err = rv;
        conn_close(&t->base);
        return rv;
    }
    *bsp = &t->base;
    return 0;
}

/* ---- peer information ---- */

static bool peer_verified(nki_bstream *bs)
{
    tconn *t = (tconn *) bs;
    return SSL_get0_peer_certificate(t->ssl) != NULL && SSL_get_verify_result(t->ssl) == X509_V_OK;
}

static int peer_cn(nki_bstream *bs, char *buf, size_t len)
{
    tconn *t = (tconn *) bs;
    X509 *x = SSL_get0_peer_certificate(t->ssl);
    int n;
    if (x == NULL || len == 0) {
        return NK_ENOENT;
    }
    n = X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, buf, len > INT_MAX ? INT_MAX : (int) len);
    if (n < 0) {
        ERR_clear_error();
        return NK_ENOENT;
    }
    return (size_t) n + 1 >= len ? NK_EINVAL : 0;
}

/* One name, as text, appended with a newline; false if it does not fit. */
static bool append_name(const GENERAL_NAME *g, char *buf, size_t len, size_t *off)
{
    char text[64];
    const char *s = NULL;
    int n = 0;
    if (g->type == GEN_DNS) {
        s = (const char *) ASN1_STRING_get0_data(g->d.dNSName);
        n = ASN1_STRING_length(g->d.dNSName);
    } else if (g->type == GEN_IPADD && (g->d.iPAddress->length == 4 || g->d.iPAddress->length == 16)) {
        int af = g->d.iPAddress->length == 4 ? AF_INET : AF_INET6;
        if (inet_ntop(af, g->d.iPAddress->data, text, sizeof(text)) != NULL) {
            s = text;
            n = (int) strlen(text);
        }
    }
    if (s == NULL) {
        return true;
    }
    if (*off + (size_t) n + 2 > len) {
        return false;
    }
    memcpy(buf + *off, s, (size_t) n);
    *off += (size_t) n;
    buf[(*off)++] = '\n';
    buf[*off] = '\0';
    return true;
}

static int peer_alt_names(nki_bstream *bs, char *buf, size_t len)
{
    tconn *t = (tconn *) bs;
    X509 *x = SSL_get0_peer_certificate(t->ssl);
    GENERAL_NAMES *names;
    size_t off = 0;
    int i, rv = 0;
    if (x == NULL || len == 0) {
        return NK_ENOENT;
    }
    buf[0] = '\0';
    if ((names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL)) == NULL) {
        return 0;
    }
    for (i = 0; i < sk_GENERAL_NAME_num(names) && rv == 0; i++) {
        rv = append_name(sk_GENERAL_NAME_value(names, i), buf, len, &off) ? 0 : NK_EINVAL;
    }
    GENERAL_NAMES_free(names);
    return rv;
}

static const nki_tlseng openssl_engine = {
    .version = NKI_TLSENG_VERSION,
    .init = eng_init,
    .cfg_new = cfg_new,
    .cfg_free = cfg_free,
    .cfg_auth_mode = cfg_auth_mode,
    .cfg_server_name = cfg_server_name,
    .cfg_ca_chain = cfg_ca_chain,
    .cfg_own_cert = cfg_own_cert,
    .cfg_ca_file = cfg_ca_file,
    .cfg_cert_key_file = cfg_cert_key_file,
    .conn_new = conn_new,
    .peer_verified = peer_verified,
    .peer_cn = peer_cn,
    .peer_alt_names = peer_alt_names,
};

__attribute__((visibility("default"))) const nki_tlseng *nki_tlseng_entry(void)
{
    return &openssl_engine;
}
