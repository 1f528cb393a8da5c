/* The registries: one line per transport and per protocol. */
#include <string.h>
#include <strings.h>

#include "proto.h"
#include "tran.h"

extern const nki_tran nki_tcp_tran, nki_tcp4_tran, nki_tcp6_tran;
extern const nki_tran nki_ipc_tran, nki_unix_tran, nki_abstract_tran;
extern const nki_tran nki_inproc_tran;

static const nki_tran *const transports[] = {
    &nki_tcp_tran,  &nki_tcp4_tran, &nki_tcp6_tran,     &nki_ipc_tran,
    &nki_unix_tran, &nki_abstract_tran, &nki_inproc_tran, NULL,
};

extern const nki_proto nki_pair0_proto, nki_pair0_raw_proto;
extern const nki_proto nki_pair1_proto, nki_pair1_raw_proto;
extern const nki_proto nki_pub0_proto, nki_pub0_raw_proto;
extern const nki_proto nki_sub0_proto, nki_sub0_raw_proto;
extern const nki_proto nki_req0_proto, nki_req0_raw_proto;
extern const nki_proto nki_rep0_proto, nki_rep0_raw_proto;
extern const nki_proto nki_push0_proto, nki_push0_raw_proto;
extern const nki_proto nki_pull0_proto, nki_pull0_raw_proto;
extern const nki_proto nki_surveyor0_proto, nki_surveyor0_raw_proto;
extern const nki_proto nki_respondent0_proto, nki_respondent0_raw_proto;
extern const nki_proto nki_bus0_proto, nki_bus0_raw_proto;

static const nki_proto *const protocols[] = {
    &nki_pair0_proto,      &nki_pair0_raw_proto,      &nki_pair1_proto,
    &nki_pair1_raw_proto,  &nki_pub0_proto,           &nki_pub0_raw_proto,
    &nki_sub0_proto,       &nki_sub0_raw_proto,       &nki_req0_proto,
    &nki_req0_raw_proto,   &nki_rep0_proto,           &nki_rep0_raw_proto,
    &nki_push0_proto,      &nki_push0_raw_proto,      &nki_pull0_proto,
    &nki_pull0_raw_proto,  &nki_surveyor0_proto,      &nki_surveyor0_raw_proto,
    &nki_respondent0_proto, &nki_respondent0_raw_proto, &nki_bus0_proto,
    &nki_bus0_raw_proto,   NULL,
};

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
