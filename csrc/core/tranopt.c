/*
 * Options that transports own, as the core serves them: the row search in a
 * transport's table, the values sockets and endpoints keep for them, and
 * the last step of the socket, endpoint and pipe searches.  Nothing here
 * knows any option by name: the transports' tables (tran.h) say it all.
 */
#include <string.h>

#include "pipe.h"
#include "tran.h"

static bool row_serves(const nki_tran_option *o, const char *name)
{
    size_t n = strlen(o->opt.name);
    if (o->where & NKI_TOPT_PREFIX) {
        return strncmp(o->opt.name, name, n) == 0 && name[n] != '\0';
    }
    return strcmp(o->opt.name, name) == 0;
}

const nki_tran_option *nki_tran_opt_find(const nki_tran *t, const char *name)
{
    const nki_tran_option *o;
    for (o = t->opts; o && o->opt.name; o++) {
        if (row_serves(o, name)) {
            return o;
        }
    }
    for (o = t->base_opts; o && o->opt.name; o++) {
        if (row_serves(o, name)) {
            return o;
        }
    }
    return NULL;
}

static const nki_tran_option *row_of(const nki_option *o)
{
    return NKI_CONTAINER(o, nki_tran_option, opt);
}

static int64_t sock_value(const nki_sock *s, const nki_tran_option *t)
{
    int64_t v;
    return nki_optstore_get(&s->topts, t, &v) ? v : t->dflt;
}

int64_t nki_ep_topt(const nki_ep *ep, const nki_tran_option *t)
{
    int64_t v;
    return nki_optstore_get(&ep->topts, t, &v) ? v : sock_value(ep->sock, t);
}

int nki_topt_ep_get(void *ep, const nki_option *o, nki_optval *v)
{
    v->i = nki_ep_topt(ep, row_of(o));
    return 0;
}

int nki_topt_ep_set(void *ep, const nki_option *o, const nki_optval *v)
{
    return nki_optstore_set(&((nki_ep *) ep)->topts, row_of(o), v->i);
}

int nki_topt_sock(nki_sock *s, const char *name, nki_optreq *r)
{
    const nki_tran_option *t = nki_tran_sock_opt(name);
    int rv;
    if (t == NULL) {
        return NK_ENOTSUP;
    }
    if ((rv = nki_opt_check_type(t->opt.type, r)) != 0) {
        return rv;
    }
    if (!r->set) {
        r->v.i = sock_value(s, t);
        return 0;
    }
    if ((rv = nki_opt_check_value(&t->opt, r)) != 0) {
        return rv;
    }
    return nki_optstore_set(&s->topts, t, r->v.i);
}

/* Another transport's socket option, through an endpoint or a pipe: reads
 * the socket's value (as NNG does), and cannot be set there. */
static int sock_value_req(nki_sock *s, const char *name, nki_optreq *r)
{
    const nki_tran_option *t = nki_tran_sock_opt(name);
    int rv;
    if (t == NULL || r->set) {
        return NK_ENOTSUP;
    }
    if ((rv = nki_opt_check_type(t->opt.type, r)) != 0) {
        return rv;
    }
    r->v.i = sock_value(s, t);
    return 0;
}

const nki_tran_option *nki_topt_ep_row(const nki_ep *ep, const char *name)
{
    const nki_tran_option *t = nki_tran_opt_find(ep->tran, name);
    return t != NULL && (t->where & (ep->dialer ? NKI_TOPT_DIALER : NKI_TOPT_LISTENER)) ? t : NULL;
}

int nki_topt_ep(nki_ep *ep, const char *name, nki_optreq *r)
{
    const nki_tran_option *t = nki_topt_ep_row(ep, name);
    if (t != NULL) {
        return nki_opt_apply(&t->opt, ep, r, NK_ENOTSUP);
    }
    return sock_value_req(ep->sock, name, r);
}

int nki_topt_pipe(nki_pipe *p, const char *name, nki_optreq *r)
{
    const nki_tran_option *t = p->ep ? nki_tran_opt_find(p->ep->tran, name) : NULL;
    int rv;
    if (t == NULL || t->pipe_get == NULL) {
        return sock_value_req(p->sock, name, r);
    }
    if (r->set) {
        return NK_ENOTSUP; /* nothing is set on a pipe */
    }
    if ((rv = nki_opt_check_type(t->opt.type, r)) != 0) {
        return rv;
    }
    return t->pipe_get(p, &t->opt, &r->v);
}
