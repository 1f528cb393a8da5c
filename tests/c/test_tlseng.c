/*
 * The OpenSSL TLS engine (csrc/transport/tls_openssl.c) as a byte stream,
 * step by step: its client on one end of a socketpair, a plain OpenSSL
 * server on the other, each side moved by hand, so that orders of events a
 * reactor meets only by chance happen here every time.
 *
 * What its callers rely on: "pending" means bytes a read returns without the
 * fd (never the start of a record whose rest the fd will bring), and when a
 * read or a write ends the handshake, the other direction no longer waits
 * for the fd.
 */
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include "nkt.h"
#include "tlseng.h"

const nki_tlseng *nki_tlseng_entry(void);

typedef struct {
    const nki_tlseng *eng;
    nki_tlseng_cfg *cfg;
    nki_bstream *cli;
    SSL_CTX *sctx;
    SSL *srv;
    int sfd;
} duo;

/* A server context with a self-signed certificate made here. */
static SSL_CTX *server_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *n = X509_get_subject_name(x);
    NKT_CHECK(ctx != NULL && k != NULL && x != NULL);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, k);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *) "localhost", -1, -1, 0);
    X509_set_issuer_name(x, n);
    NKT_CHECK(X509_sign(x, k, EVP_sha256()) > 0);
    NKT_EQ(SSL_CTX_use_certificate(ctx, x), 1);
    NKT_EQ(SSL_CTX_use_PrivateKey(ctx, k), 1);
    X509_free(x);
    EVP_PKEY_free(k);
    return ctx;
}

/* The engine's client (it checks nothing: the certificate is not the point) and the server. */
static void duo_open(duo *d)
{
    int sv[2];
    char why[128];
    NKT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    d->eng = nki_tlseng_entry();
    NKT_EQ(d->eng->init(why, sizeof(why)), 0);
    NKT_CHECK((d->cfg = d->eng->cfg_new(false)) != NULL);
    NKT_EQ(d->eng->cfg_auth_mode(d->cfg, NKI_TLS_AUTH_NONE), 0);
    NKT_EQ(d->eng->conn_new(d->cfg, sv[0], NULL, &d->cli), 0);
    d->sctx = server_ctx();
    d->srv = SSL_new(d->sctx);
    d->sfd = sv[1];
    SSL_set_fd(d->srv, d->sfd);
    SSL_set_accept_state(d->srv);
}

static void duo_close(duo *d)
{
    nki_bs_close(d->cli);
    d->eng->cfg_free(d->cfg);
    SSL_free(d->srv);
    SSL_CTX_free(d->sctx);
    close(d->sfd);
}

/* One step of the server's handshake: it answers what it has read, then wants more. */
static void server_step(duo *d)
{
    int r = SSL_do_handshake(d->srv);
    NKT_CHECK(r == 1 || SSL_get_error(d->srv, r) == SSL_ERROR_WANT_READ);
}

static void partial_record_is_not_pending(void)
{
    duo d;
    char buf[16];
    duo_open(&d);
    NKT_EQ(write(d.sfd, "\x16\x03\x03", 3), 3); /* a record's start; its length never comes */
    NKT_EQ(nki_bs_read(d.cli, buf, sizeof(buf)), -NK_EAGAIN);
    NKT_CHECK(!nki_bs_pending(d.cli)); /* the fd brings the rest: reading again now would spin */
    NKT_EQ_U(nki_bs_events(d.cli, NKI_POLL_IN), NKI_POLL_IN);
    duo_close(&d);
}

static void writer_is_released_when_a_read_ends_the_handshake(void)
{
    duo d;
    char buf[16];
    duo_open(&d);
    NKT_EQ(nki_bs_writev(d.cli, &(struct iovec){"GET", 3}, 1), -NK_EAGAIN); /* ClientHello out */
    NKT_EQ_U(nki_bs_events(d.cli, NKI_POLL_OUT), NKI_POLL_IN);
    server_step(&d);                                            /* its whole flight */
    NKT_EQ(nki_bs_read(d.cli, buf, sizeof(buf)), -NK_EAGAIN); /* ends the handshake; no data yet */
    NKT_EQ_U(nki_bs_events(d.cli, NKI_POLL_OUT), NKI_POLL_OUT); /* not: wait for bytes that never come */
    NKT_EQ(nki_bs_writev(d.cli, &(struct iovec){"GET", 3}, 1), 3);
    server_step(&d);
    NKT_EQ(SSL_read(d.srv, buf, sizeof(buf)), 3);
    NKT_EQ_MEM(buf, "GET", 3);
    duo_close(&d);
}

static void reader_is_released_when_a_write_ends_the_handshake(void)
{
    duo d;
    char buf[16];
    duo_open(&d);
    NKT_EQ(nki_bs_read(d.cli, buf, sizeof(buf)), -NK_EAGAIN); /* ClientHello out */
    NKT_EQ_U(nki_bs_events(d.cli, NKI_POLL_IN), NKI_POLL_IN);
    server_step(&d);
    NKT_EQ(nki_bs_writev(d.cli, &(struct iovec){"x", 1}, 1), 1); /* ends the handshake, then writes */
    server_step(&d);
    NKT_EQ(SSL_write(d.srv, "hi", 2), 2);
    NKT_EQ(nki_bs_read(d.cli, buf, sizeof(buf)), 2);
    NKT_EQ_MEM(buf, "hi", 2);
    duo_close(&d);
}

static void whole_records_read_ahead_are_pending(void)
{
    duo d;
    char buf[16];
    duo_open(&d);
    NKT_EQ(nki_bs_writev(d.cli, &(struct iovec){"a", 1}, 1), -NK_EAGAIN);
    server_step(&d);
    NKT_EQ(nki_bs_writev(d.cli, &(struct iovec){"a", 1}, 1), 1);
    server_step(&d);
    NKT_EQ(SSL_write(d.srv, "one", 3), 3); /* two records, both in the socket before the read */
    NKT_EQ(SSL_write(d.srv, "two", 3), 3);
    NKT_EQ(nki_bs_read(d.cli, buf, sizeof(buf)), 3);
    NKT_EQ_MEM(buf, "one", 3);
    NKT_CHECK(nki_bs_pending(d.cli)); /* read ahead: the fd will not say so */
    NKT_EQ(nki_bs_read(d.cli, buf, sizeof(buf)), 3);
    NKT_EQ_MEM(buf, "two", 3);
    NKT_CHECK(!nki_bs_pending(d.cli));
    NKT_EQ(nki_bs_read(d.cli, buf, sizeof(buf)), -NK_EAGAIN);
    duo_close(&d);
}

static void server_gone_in_the_handshake_ends_both_directions(void)
{
    duo d;
    char buf[16];
    ssize_t n;
    duo_open(&d);
    NKT_EQ(nki_bs_writev(d.cli, &(struct iovec){"a", 1}, 1), -NK_EAGAIN);
    NKT_EQ(shutdown(d.sfd, SHUT_RDWR), 0);
    n = nki_bs_read(d.cli, buf, sizeof(buf));
    NKT_CHECK(n == 0 || n == -NK_ECONNSHUT || n == -NK_ECONNRESET);
    n = nki_bs_writev(d.cli, &(struct iovec){"a", 1}, 1);
    NKT_CHECK(n < 0 && n != -NK_EAGAIN); /* never a write of 0 bytes, retried for ever */
    duo_close(&d);
}

static const nkt_case cases[] = {
    NKT_CASE(partial_record_is_not_pending),
    NKT_CASE(writer_is_released_when_a_read_ends_the_handshake),
    NKT_CASE(reader_is_released_when_a_write_ends_the_handshake),
    NKT_CASE(whole_records_read_ahead_are_pending),
    NKT_CASE(server_gone_in_the_handshake_ends_both_directions),
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return nkt_main(argc, argv, cases);
}
