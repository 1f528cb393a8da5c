/*
 * option.h - the one option mechanism of sockets, contexts, dialers,
 * listeners and pipes.
 *
 * Each layer declares its options in NULL-terminated tables of rows: a name,
 * a type, for integers a range, and a get and a set function acting on the
 * object the table belongs to.  The core finds the object once per call,
 * searches its tables in order (option.c says which), checks the request
 * against the row (type, range) and only then runs the row's function, so
 * getters and setters never validate what the row already says.
 */
#ifndef NKI_OPTION_H
#define NKI_OPTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nngkit.h"

/* Ranges shared by several tables. */
#define NKI_OPT_MS_MAX 0x7fffffff /* durations: -1 (infinite) .. this, in ms */
#define NKI_OPT_BUF_MAX 8192      /* recv-buffer, send-buffer: messages */

typedef enum {
    NKI_OPT_INT,  /* int64_t within the row's [min, max] */
    NKI_OPT_BOOL, /* any integer; the setter sees 0 or 1 */
    NKI_OPT_MS,   /* a duration: -1 .. NKI_OPT_MS_MAX */
    NKI_OPT_SIZE, /* bytes: 0 .. INT64_MAX */
    NKI_OPT_STR,  /* text */
    NKI_OPT_BIN,  /* bytes; never readable */
} nki_opt_type;

/* A value crossing the API: 'i' for the integer types; the caller's bytes
 * (data, len) when setting text or bytes; its buffer (buf, size) when
 * reading text; 'name', the option's name as asked (a row that matches a
 * family of names, such as a transport's prefix rows, reads it). */
typedef struct {
    const char *name;
    int64_t i;
    const void *data;
    size_t len;
    char *buf;
    size_t size;
} nki_optval;

/* One call: get or set, as an integer (NKI_OPT_INT), text or bytes. */
typedef struct {
    bool set;
    nki_opt_type as;
    nki_optval v;
} nki_optreq;

typedef struct nki_option nki_option;
typedef int (*nki_opt_get_fn)(void *obj, const nki_option *o, nki_optval *v);
typedef int (*nki_opt_set_fn)(void *obj, const nki_option *o, const nki_optval *v);

struct nki_option {
    const char *name;
    nki_opt_type type;
    int64_t min, max;   /* NKI_OPT_INT: the values a set accepts */
    nki_opt_get_fn get; /* NULL: write-only */
    nki_opt_set_fn set; /* NULL: read-only */
    size_t arg;         /* for functions shared by rows: a field offset, ... */
};

/* The row named 'name' in a NULL-terminated table (NULL table: none). */
const nki_option *nki_opt_find(const nki_option *table, const char *name);
/* Runs a request on the object a row belongs to.  A read-only row answers a
 * set with ro_err: NK_EREADONLY on sockets and contexts, NK_ENOTSUP on
 * endpoints and pipes (the codes each always gave). */
int nki_opt_apply(const nki_option *o, void *obj, nki_optreq *r, int ro_err);
/* The two checks nki_opt_apply makes, for callers that store the value
 * themselves: the request's type against the row's, and a set's value
 * against the row's range (a boolean becomes 0 or 1). */
int nki_opt_check_type(nki_opt_type type, const nki_optreq *r);
int nki_opt_check_value(const nki_option *o, nki_optreq *r);

/* Text out: copies src into the request's buffer (NK_EINVAL if it does not
 * fit, so that the caller may retry with more room). */
int nki_opt_str(const char *src, char *buf, size_t len);
int nki_optval_str(nki_optval *v, const char *src);

/* Rows whose value is a plain field of the object, at offset 'arg'. */
int nki_opt_get_i64(void *obj, const nki_option *o, nki_optval *v);
int nki_opt_set_i64(void *obj, const nki_option *o, const nki_optval *v);
int nki_opt_get_i32(void *obj, const nki_option *o, nki_optval *v);
int nki_opt_set_i32(void *obj, const nki_option *o, const nki_optval *v);
int nki_opt_get_bool(void *obj, const nki_option *o, nki_optval *v);
int nki_opt_set_bool(void *obj, const nki_option *o, const nki_optval *v);

/* The offset of T.f, refused at compile time unless the field is of size
 * sz (so a row's helper and its field cannot disagree). */
#define NKI_OPT_FIELD(T, f, sz) \
    (offsetof(T, f) + 0 * sizeof(char[sizeof(((T *) 0)->f) == (sz) ? 1 : -1]))
#define NKI_OPT_ROW_I64(name, type, lo, hi, T, f) \
    {name, type, lo, hi, nki_opt_get_i64, nki_opt_set_i64, NKI_OPT_FIELD(T, f, 8)}
#define NKI_OPT_ROW_MS(name, T, f) \
    {name, NKI_OPT_MS, 0, 0, nki_opt_get_i32, nki_opt_set_i32, NKI_OPT_FIELD(T, f, 4)}
#define NKI_OPT_ROW_BOOL(name, T, f)                                 \
    {name, NKI_OPT_BOOL, 0, 1, nki_opt_get_bool, nki_opt_set_bool, \
     NKI_OPT_FIELD(T, f, sizeof(bool))}
#define NKI_OPT_END {NULL, NKI_OPT_INT, 0, 0, NULL, NULL, 0}

/*
 * A small store of integer option values keyed by the row that declares
 * them: what a socket or an endpoint was given for an option some
 * transport owns (tcp-nodelay), without the core knowing what it means.
 */
typedef struct nki_optent nki_optent;
typedef struct {
    nki_optent *head;
} nki_optstore;

bool nki_optstore_get(const nki_optstore *st, const void *key, int64_t *v);
int nki_optstore_set(nki_optstore *st, const void *key, int64_t v); /* 0 or NK_ENOMEM */
void nki_optstore_fini(nki_optstore *st);

#endif
