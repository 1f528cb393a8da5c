/*
 * tlseng.h - the TLS engine interface: what the tls+tcp transport (and any
 * other transport that secures a byte stream) asks of a TLS library.
 *
 * An engine is a separate shared object (the OpenSSL one: tls_openssl.c,
 * built as nngkit/_nk_openssl.so) that exports one function,
 * NKI_TLSENG_ENTRY, returning its table; the core's extension loads it on
 * first use (tlsload.c), so nngkit imports and speaks every other transport
 * on a machine without the TLS library.  An engine calls nothing of the core:
 * it only fills the byte-stream ops of bstream.h.  All calls run with
 * nki_lock held and never block.
 *
 * Results are 0 or an NK_* code (PEM that cannot be used: NK_ECRYPTO, as
 * NNG answers).  A stream's handshake runs inside its first
 * reads and writes; a failed one reads or writes -NK_EPEERAUTH (the peer's
 * certificate was refused) or -NK_ECRYPTO (anything else TLS refused).
 */
#ifndef NKI_TLSENG_H
#define NKI_TLSENG_H

#include <stdbool.h>
#include <stddef.h>

#include "bstream.h"

#define NKI_TLSENG_VERSION 1
#define NKI_TLSENG_ENTRY "nki_tlseng_entry"

/* Authentication modes: NNG's numbers. */
#define NKI_TLS_AUTH_NONE 0
#define NKI_TLS_AUTH_OPTIONAL 1
#define NKI_TLS_AUTH_REQUIRED 2

typedef struct nki_tlseng_cfg nki_tlseng_cfg; /* the engine's */

typedef struct {
    int version; /* NKI_TLSENG_VERSION */
    /* Checks the library the engine runs on; NK_ENOTSUP (with why in buf)
     * if it is unusable. */
    int (*init)(char *buf, size_t len);
    nki_tlseng_cfg *(*cfg_new)(bool server);
    void (*cfg_free)(nki_tlseng_cfg *c);
    int (*cfg_auth_mode)(nki_tlseng_cfg *c, int mode);
    int (*cfg_server_name)(nki_tlseng_cfg *c, const char *name);
    /* PEM text: CA certificates (and an optional CRL); own certificate(s)
     * and key, the key maybe encrypted (pass may be NULL). */
    int (*cfg_ca_chain)(nki_tlseng_cfg *c, const char *pem, const char *crl);
    int (*cfg_own_cert)(nki_tlseng_cfg *c, const char *cert, const char *key, const char *pass);
    /* The same from files; a cert-key file holds certificate(s) then key. */
    int (*cfg_ca_file)(nki_tlseng_cfg *c, const char *path);
    int (*cfg_cert_key_file)(nki_tlseng_cfg *c, const char *path, const char *pass);
    /* A stream over the connected fd, which it owns from here on (closed on
     * failure too).  name: the server name to check and send (SNI) when the
     * configuration has none; NULL on a listener's side. */
    int (*conn_new)(nki_tlseng_cfg *c, int fd, const char *name, nki_bstream **bsp);
    /* Peer information of an established stream. */
    bool (*peer_verified)(nki_bstream *bs);
    int (*peer_cn)(nki_bstream *bs, char *buf, size_t len);
    /* The DNS (and IP) alternative names, each followed by '\n'. */
    int (*peer_alt_names)(nki_bstream *bs, char *buf, size_t len);
} nki_tlseng;

typedef const nki_tlseng *(*nki_tlseng_entry_fn)(void);

#endif
