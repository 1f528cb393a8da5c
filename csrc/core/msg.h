/* msg.h - messages (header + body) and message queues (msg.c). */
#ifndef NKI_MSG_H
#define NKI_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "list.h"
#include "nngkit.h"

#define NKI_MSG_HDR_MAX 64 /* 15 backtrace words + slack, as NNG allows */

struct nk_msg {
    uint8_t hdr[NKI_MSG_HDR_MAX];
    size_t hlen;
    uint8_t *body;
    size_t len, cap;
    uint32_t pipe;
    nki_node node; /* for message queues */
    struct nki_loan *loan; /* body lent by the caller (nk_msg_lend), else NULL */
};

nk_msg *nki_msg_new(size_t len, size_t cap);
int nki_msg_reserve(nk_msg *m, size_t cap); /* grows the body buffer */
/* Grows the body only if a cached body fits (0), else -1: never allocates. */
int nki_msg_reserve_cached(nk_msg *m, size_t cap);
/* Gives a lent body back, after copying it into one of the core's own (a
 * receiver may then change it in place); 0 or NK_ENOMEM.  Every function
 * here that writes into a body does this itself. */
int nki_msg_own(nk_msg *m);
void nki_msg_atfork_child(void);
nk_msg *nki_msg_dup(const nk_msg *m);
/* Moves the first n body bytes to the end of the header. */
int nki_msg_body_to_header(nk_msg *m, size_t n);
int nki_msg_header_put_u32(nk_msg *m, uint32_t v);
uint32_t nki_get_u32(const uint8_t *p);
void nki_put_u32(uint8_t *p, uint32_t v);

/* Simple FIFO of messages. */
typedef struct {
    nki_list list;
    size_t len;
} nki_msgq;
void nki_msgq_init(nki_msgq *q);
void nki_msgq_put(nki_msgq *q, nk_msg *m);
nk_msg *nki_msgq_get(nki_msgq *q);
void nki_msgq_flush(nki_msgq *q); /* frees every message */

#endif
