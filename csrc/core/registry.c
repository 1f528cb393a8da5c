/*
 * The registries of transports and protocols.  Each transport and protocol
 * file registers its own tables (NKI_TRAN_REGISTER, NKI_PROTO_REGISTER) from
 * a load-time constructor, so the core looks them up without naming any of
 * them: adding one is one new file, nothing here changes.  Constructors run
 * on one thread before the library can be called, so no lock is needed.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto.h"
#include "tran.h"

#define NKI_REGISTRY_MAX 64

static const nki_tran *transports[NKI_REGISTRY_MAX + 1];
static const nki_proto *protocols[NKI_REGISTRY_MAX + 1];

/* Appends to a NULL-terminated table; more entries than it can hold is a
 * build mistake, found the first time the library loads. */
static void registry_add(const void **table, const void *entry)
{
    int i;
    for (i = 0; i < NKI_REGISTRY_MAX; i++) {
        if (table[i] == NULL) {
            table[i] = entry;
            return;
        }
    }
    abort();
}

void nki_tran_register(const nki_tran *t)
{
    registry_add((const void **) transports, t);
}

void nki_proto_register(const nki_proto *p)
{
    registry_add((const void **) protocols, p);
}

const nki_tran *nki_tran_find(const char *url)
{
    int i;
    for (i = 0; transports[i]; i++) {
        size_t n = strlen(transports[i]->scheme);
        /* Schemes are case-insensitive, as in NNG. */
        if (strncasecmp(url, transports[i]->scheme, n) == 0 && strncmp(url + n, "://", 3) == 0) {
            return transports[i];
        }
    }
    return NULL;
}

const nki_tran_option *nki_tran_sock_opt(const char *name)
{
    int i;
    for (i = 0; transports[i]; i++) {
        const nki_tran_option *o = nki_tran_opt_find(transports[i], name);
        if (o && (o->where & NKI_TOPT_SOCKET)) {
            return o;
        }
    }
    return NULL;
}

const nki_proto *nki_proto_find(int number, bool raw)
{
    int i;
    for (i = 0; protocols[i]; i++) {
        const nki_proto *p = protocols[i];
        /* A protocol without these ops could never move a message. */
        if (p->self == number && p->raw == raw && p->sock_init && p->pipe_recv && p->sock_send && p->sock_recv) {
            return p;
        }
    }
    return NULL;
}
