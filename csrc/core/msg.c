/* Messages (header + body) and message queues. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "wire.h"

/*
 * ---- body cache (saves page faults on large messages) ----
 * Large bodies are usually allocated by one thread (the reactor, or Python)
 * and freed by the other; glibc then hands their pages back to the kernel
 * and every new body is faulted in afresh, which costs more than the copy
 * itself.  So freed bodies of CACHE_MIN bytes or more go to a small
 * process-wide cache (at most CACHE_SLOTS bodies and CACHE_BYTES in all),
 * and new ones come from it when one fits without wasting more than half.
 * The cache has its own try-lock, never waited on: when it is busy (or was
 * held across fork()) we simply use malloc/free.
 */
#define CACHE_MIN ((size_t) 65536)
#define CACHE_SLOTS 8
#define CACHE_BYTES ((size_t) 32 << 20)

static atomic_flag cache_busy = ATOMIC_FLAG_INIT;
static uint8_t *cache_body[CACHE_SLOTS];
static size_t cache_cap[CACHE_SLOTS];
static int cache_n;
static size_t cache_total;

/* A cached body with min <= capacity <= 2 * min (smallest such), or NULL. */
static uint8_t *body_take(size_t min, size_t *cap)
{
    uint8_t *b = NULL;
    int i, best = -1;
    if (min < CACHE_MIN || atomic_flag_test_and_set_explicit(&cache_busy, memory_order_acquire)) {
        return NULL;
    }
    for (i = 0; i < cache_n; i++) {
        if (cache_cap[i] >= min && cache_cap[i] / 2 <= min &&
            (best < 0 || cache_cap[i] < cache_cap[best])) {
            best = i;
        }
    }
    if (best >= 0) {
        b = cache_body[best];
        *cap = cache_cap[best];
        cache_total -= cache_cap[best];
        cache_n--;
        cache_body[best] = cache_body[cache_n];
        cache_cap[best] = cache_cap[cache_n];
    }
    atomic_flag_clear_explicit(&cache_busy, memory_order_release);
    return b;
}

static void body_give(uint8_t *b, size_t cap)
{
    if (cap >= CACHE_MIN && !atomic_flag_test_and_set_explicit(&cache_busy, memory_order_acquire)) {
        if (cache_n < CACHE_SLOTS && cache_total + cap <= CACHE_BYTES) {
            cache_body[cache_n] = b;
            cache_cap[cache_n] = cap;
            cache_n++;
            cache_total += cap;
            b = NULL;
        }
        atomic_flag_clear_explicit(&cache_busy, memory_order_release);
    }
    free(b);
}

/*
 * ---- lent bodies (a send without copying the caller's bytes) ----
 * A lent body is never written, resized or freed by the core.  When the
 * core is done with it, its loan record goes to the 'returned' list (no
 * allocation then, so a return cannot fail), which the owner drains with
 * nk_msg_reclaim.  The list has its own mutex because messages are freed
 * both with and without nki_lock held; fork() resets it in the child.
 */
struct nki_loan {
    nki_node node;
    uint64_t token;
};

static pthread_mutex_t returned_mtx = PTHREAD_MUTEX_INITIALIZER;
static nki_list returned = {{&returned.head, &returned.head}};

static void loan_return(struct nki_loan *l)
{
    pthread_mutex_lock(&returned_mtx);
    nki_list_append(&returned, &l->node);
    pthread_mutex_unlock(&returned_mtx);
}

void nki_msg_atfork_child(void)
{
    /* The parent's loans are abandoned with the rest of its core. */
    pthread_mutex_init(&returned_mtx, NULL);
    nki_list_init(&returned);
}

/* Replaces a lent body by an owned copy with room for cap bytes. */
static int msg_unlend(nk_msg *m, size_t cap)
{
    uint8_t *nb;
    size_t got = cap;
    if (cap < m->len) {
        cap = got = m->len;
    }
    if ((nb = body_take(cap, &got)) == NULL && (nb = malloc(cap ? cap : 1)) == NULL) {
        return NK_ENOMEM;
    }
    if (m->len) {
        memcpy(nb, m->body, m->len);
    }
    loan_return(m->loan);
    m->loan = NULL;
    m->body = nb;
    m->cap = got;
    return 0;
}

int nki_msg_own(nk_msg *m)
{
    return m->loan ? msg_unlend(m, m->len) : 0;
}

int nk_msg_lend(nk_msg **mp, const void *data, size_t len, uint64_t token)
{
    nk_msg *m;
    struct nki_loan *l;
    if (token == 0 || data == NULL) {
        return NK_EINVAL;
    }
    if ((m = malloc(sizeof(*m))) == NULL || (l = malloc(sizeof(*l))) == NULL) {
        free(m);
        return NK_ENOMEM;
    }
    m->hlen = 0;
    m->len = m->cap = len;
    m->pipe = 0;
    m->node.next = m->node.prev = NULL;
    m->body = (uint8_t *) data; /* never written: see the block comment */
    l->node.next = l->node.prev = NULL;
    l->token = token;
    m->loan = l;
    nki_count(NK_DEBUG_MSGS, 1);
    *mp = m;
    return 0;
}

int nk_msg_reclaim(uint64_t *tokens, int max)
{
    int n = 0;
    pthread_mutex_lock(&returned_mtx);
    while (n < max) {
        nki_node *nd = nki_list_pop(&returned);
        struct nki_loan *l;
        if (nd == NULL) {
            break;
        }
        l = NKI_CONTAINER(nd, struct nki_loan, node);
        tokens[n++] = l->token;
        free(l);
    }
    pthread_mutex_unlock(&returned_mtx);
    return n;
}

uint32_t nki_get_u32(const uint8_t *p)
{
    return nki_wire_get_u32(p);
}

void nki_put_u32(uint8_t *p, uint32_t v)
{
    nki_wire_put_u32(p, v);
}

nk_msg *nki_msg_new(size_t len, size_t cap)
{
    nk_msg *m = malloc(sizeof(*m));
    if (m == NULL) {
        return NULL;
    }
    if (cap < len) {
        cap = len;
    }
    m->hlen = 0;
    m->len = len;
    m->cap = cap;
    m->pipe = 0;
    m->node.next = m->node.prev = NULL;
    m->loan = NULL;
    /* Never NULL, even when empty: mem* functions may then take it. */
    if ((m->body = body_take(cap, &m->cap)) == NULL && (m->body = malloc(cap ? cap : 1)) == NULL) {
        free(m);
        return NULL;
    }
    nki_count(NK_DEBUG_MSGS, 1);
    return m;
}

int nki_msg_reserve(nk_msg *m, size_t cap)
{
    uint8_t *nb;
    if (m->loan) {
        return msg_unlend(m, cap); /* the caller is about to write */
    }
    if (cap <= m->cap || nki_msg_reserve_cached(m, cap) == 0) {
        return 0;
    }
    /* (m->body is never NULL: see nki_msg_new) */
    if ((nb = realloc(m->body, cap)) == NULL) {
        return NK_ENOMEM;
    }
    m->body = nb;
    m->cap = cap;
    return 0;
}

int nki_msg_reserve_cached(nk_msg *m, size_t cap)
{
    uint8_t *nb;
    size_t got;
    if (cap <= m->cap || m->loan || (nb = body_take(cap, &got)) == NULL) {
        return -1;
    }
    memcpy(nb, m->body, m->len);
    body_give(m->body, m->cap);
    m->body = nb;
    m->cap = got;
    return 0;
}

nk_msg *nki_msg_dup(const nk_msg *src)
{
    nk_msg *m = nki_msg_new(src->len, src->len);
    if (m == NULL) {
        return NULL;
    }
    memcpy(m->hdr, src->hdr, src->hlen);
    m->hlen = src->hlen;
    if (src->len) {
        memcpy(m->body, src->body, src->len);
    }
    m->pipe = src->pipe;
    return m;
}

int nki_msg_body_to_header(nk_msg *m, size_t n)
{
    if (n > m->len || m->hlen + n > NKI_MSG_HDR_MAX) {
        return NK_EINVAL;
    }
    if (nki_msg_own(m) != 0) {
        return NK_ENOMEM;
    }
    memcpy(m->hdr + m->hlen, m->body, n);
    m->hlen += n;
    memmove(m->body, m->body + n, m->len - n);
    m->len -= n;
    return 0;
}

int nki_msg_header_put_u32(nk_msg *m, uint32_t v)
{
    if (m->hlen + 4 > NKI_MSG_HDR_MAX) {
        return NK_EINVAL;
    }
    nki_put_u32(m->hdr + m->hlen, v);
    m->hlen += 4;
    return 0;
}

void nki_msgq_init(nki_msgq *q)
{
    nki_list_init(&q->list);
    q->len = 0;
}

void nki_msgq_put(nki_msgq *q, nk_msg *m)
{
    nki_list_append(&q->list, &m->node);
    q->len++;
}

nk_msg *nki_msgq_get(nki_msgq *q)
{
    nki_node *n = nki_list_pop(&q->list);
    if (n == NULL) {
        return NULL;
    }
    q->len--;
    return NKI_CONTAINER(n, nk_msg, node);
}

void nki_msgq_flush(nki_msgq *q)
{
    nk_msg *m;
    while ((m = nki_msgq_get(q)) != NULL) {
        nk_msg_free(m);
    }
}

/* ---- public message API (no lock needed: a message has one owner) ---- */

int nk_msg_alloc(nk_msg **mp, size_t body_len)
{
    if ((*mp = nki_msg_new(body_len, body_len)) == NULL) {
        return NK_ENOMEM;
    }
    return 0;
}

void nk_msg_free(nk_msg *m)
{
    if (m) {
        if (m->loan) {
            loan_return(m->loan);
        } else {
            body_give(m->body, m->cap);
        }
        free(m);
        nki_count(NK_DEBUG_MSGS, -1);
    }
}

void *nk_msg_body(nk_msg *m)
{
    return m->body;
}

size_t nk_msg_len(const nk_msg *m)
{
    return m->len;
}

void *nk_msg_header(nk_msg *m)
{
    return m->hdr;
}

size_t nk_msg_header_len(const nk_msg *m)
{
    return m->hlen;
}

int nk_msg_header_append(nk_msg *m, const void *data, size_t len)
{
    if (m->hlen + len > NKI_MSG_HDR_MAX) {
        return NK_EINVAL;
    }
    memcpy(m->hdr + m->hlen, data, len);
    m->hlen += len;
    return 0;
}

void nk_msg_header_clear(nk_msg *m)
{
    m->hlen = 0;
}

uint32_t nk_msg_pipe(const nk_msg *m)
{
    return m->pipe;
}

void nk_msg_set_pipe(nk_msg *m, uint32_t pid)
{
    m->pipe = pid;
}
