/*
 * Options: the public entry points, the checks every row gets, the helpers
 * for rows backed by a plain field, and the value store for options that
 * transports own.
 *
 * Search order (each object's function, in its own file):
 *   socket:           the protocol's table, the socket's (socket.c), then
 *                     the options transports keep per socket (tranopt.c)
 *   context:          the context's table, then the protocol's
 *   dialer, listener: the endpoint's table (endpoint.c), then its
 *                     transport's; last, another transport's socket option
 *                     reads as the socket's value (tranopt.c)
 *   pipe:             the pipe's table (pipe.c), then as for endpoints
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "pipe.h"

/* ---- rows ---- */

const nki_option *nki_opt_find(const nki_option *t, const char *name)
{
    for (; t && t->name; t++) {
        if (strcmp(t->name, name) == 0) {
            return t;
        }
    }
    return NULL;
}

int nki_opt_check_type(nki_opt_type type, const nki_optreq *r)
{
    nki_opt_type want = (type == NKI_OPT_STR || type == NKI_OPT_BIN) ? type : NKI_OPT_INT;
    if (want == r->as) {
        return 0;
    }
    /* A byte option asked for as a number: cannot be read, cannot be set
     * that way (the codes callers always saw). */
    if (type == NKI_OPT_BIN && r->as == NKI_OPT_INT) {
        return r->set ? NK_EREADONLY : NK_EWRITEONLY;
    }
    return NK_ENOTSUP;
}

int nki_opt_check_value(const nki_option *o, nki_optreq *r)
{
    int64_t v = r->v.i;
    switch (o->type) {
    case NKI_OPT_INT:
        return (v < o->min || v > o->max) ? NK_EINVAL : 0;
    case NKI_OPT_BOOL:
        r->v.i = v != 0;
        return 0;
    case NKI_OPT_MS:
        return (v < -1 || v > NKI_OPT_MS_MAX) ? NK_EINVAL : 0;
    case NKI_OPT_SIZE:
        return v < 0 ? NK_EINVAL : 0;
    default:
        return 0;
    }
}

int nki_opt_apply(const nki_option *o, void *obj, nki_optreq *r, int ro_err)
{
    int rv = nki_opt_check_type(o->type, r);
    if (rv != 0) {
        return rv;
    }
    if (!r->set) {
        return o->get ? o->get(obj, o, &r->v) : NK_EWRITEONLY;
    }
    if (o->set == NULL) {
        return ro_err;
    }
    if ((rv = nki_opt_check_value(o, r)) != 0) {
        return rv;
    }
    return o->set(obj, o, &r->v);
}

int nki_opt_str(const char *src, char *buf, size_t len)
{
    size_t n = strlen(src);
    if (n + 1 > len) {
        return NK_EINVAL;
    }
    memcpy(buf, src, n + 1);
    return 0;
}

int nki_optval_str(nki_optval *v, const char *src)
{
    return nki_opt_str(src, v->buf, v->size);
}

/* ---- rows backed by a field at offset o->arg ---- */

#define OPT_FIELD(obj, o, T) ((T *) ((char *) (obj) + (o)->arg))

int nki_opt_get_i64(void *obj, const nki_option *o, nki_optval *v)
{
    v->i = *OPT_FIELD(obj, o, int64_t);
    return 0;
}

int nki_opt_set_i64(void *obj, const nki_option *o, const nki_optval *v)
{
    *OPT_FIELD(obj, o, int64_t) = v->i;
    return 0;
}

int nki_opt_get_i32(void *obj, const nki_option *o, nki_optval *v)
{
    v->i = *OPT_FIELD(obj, o, int32_t);
    return 0;
}

int nki_opt_set_i32(void *obj, const nki_option *o, const nki_optval *v)
{
    *OPT_FIELD(obj, o, int32_t) = (int32_t) v->i; /* the row's range fits */
    return 0;
}

int nki_opt_get_bool(void *obj, const nki_option *o, nki_optval *v)
{
    v->i = *OPT_FIELD(obj, o, bool);
    return 0;
}

int nki_opt_set_bool(void *obj, const nki_option *o, const nki_optval *v)
{
    *OPT_FIELD(obj, o, bool) = v->i != 0;
    return 0;
}

/* ---- the value store ---- */

struct nki_optent {
    nki_optent *next;
    const void *key;
    int64_t v;
};

bool nki_optstore_get(const nki_optstore *st, const void *key, int64_t *v)
{
    const nki_optent *e;
    for (e = st->head; e; e = e->next) {
        if (e->key == key) {
            *v = e->v;
            return true;
        }
    }
    return false;
}

int nki_optstore_set(nki_optstore *st, const void *key, int64_t v)
{
    nki_optent *e;
    for (e = st->head; e; e = e->next) {
        if (e->key == key) {
            e->v = v;
            return 0;
        }
    }
    if ((e = malloc(sizeof(*e))) == NULL) {
        return NK_ENOMEM;
    }
    e->key = key;
    e->v = v;
    e->next = st->head;
    st->head = e;
    return 0;
}

void nki_optstore_fini(nki_optstore *st)
{
    while (st->head) {
        nki_optent *e = st->head;
        st->head = e->next;
        free(e);
    }
}

/* ---- public entry points: one object lookup per call ---- */

static int opt_call(int kind, uint32_t id, const char *name, nki_optreq *r)
{
    int rv = NK_ECLOSED;
    nki_sock *s;
    nki_ctx *c;
    nki_ep *ep;
    nki_pipe *p;
    r->v.name = name;
    nki_lock();
    switch (kind) {
    case NK_OBJ_SOCKET:
        if ((s = nki_sock_find(id)) != NULL) {
            rv = nki_sock_opt(s, name, r);
        }
        break;
    case NK_OBJ_CTX:
        if ((c = nki_ctx_find(id)) != NULL) {
            rv = nki_ctx_opt(c, name, r);
        }
        break;
    case NK_OBJ_DIALER:
    case NK_OBJ_LISTENER:
        if ((ep = nki_ep_find(id, kind == NK_OBJ_DIALER)) != NULL) {
            rv = nki_ep_opt(ep, name, r);
        }
        break;
    case NK_OBJ_PIPE:
        if ((p = nki_pipe_find(id)) != NULL) {
            rv = nki_pipe_opt(p, name, r);
        }
        break;
    default:
        rv = NK_ENOTSUP;
    }
    nki_unlock();
    return rv;
}

int nk_opt_get_int(int kind, uint32_t id, const char *name, int64_t *val)
{
    nki_optreq r = {.set = false, .as = NKI_OPT_INT};
    int rv = opt_call(kind, id, name, &r);
    if (rv == 0) {
        *val = r.v.i;
    }
    return rv;
}

int nk_opt_set_int(int kind, uint32_t id, const char *name, int64_t val)
{
    nki_optreq r = {.set = true, .as = NKI_OPT_INT, .v.i = val};
    return opt_call(kind, id, name, &r);
}

int nk_opt_get_str(int kind, uint32_t id, const char *name, char *buf, size_t len)
{
    nki_optreq r = {.set = false, .as = NKI_OPT_STR, .v.buf = buf, .v.size = len};
    return opt_call(kind, id, name, &r);
}

int nk_opt_set_str(int kind, uint32_t id, const char *name, const char *val)
{
    nki_optreq r = {.set = true, .as = NKI_OPT_STR, .v.data = val, .v.len = strlen(val)};
    return opt_call(kind, id, name, &r);
}

int nk_opt_set_bin(int kind, uint32_t id, const char *name, const void *val, size_t len)
{
    nki_optreq r = {.set = true, .as = NKI_OPT_BIN, .v.data = val, .v.len = len};
    return opt_call(kind, id, name, &r);
}
