/* sockready.h - recv-fd and send-fd: descriptors that poll readable while a
 * receive or a send on the socket would not block (sockready.c). */
#ifndef NKI_SOCKREADY_H
#define NKI_SOCKREADY_H

#include <stdbool.h>

#include "option.h"

#define NKI_READY_RECV 1u
#define NKI_READY_SEND 2u

/* Per socket: an eventfd per kind, made when first asked for (-1 until
 * then), and which of them is raised now. */
typedef struct {
    int fd[2]; /* [0] recv, [1] send */
    unsigned raised;
    bool on;   /* any fd made: re-evaluate after each change */
} nki_ready;

void nki_ready_init(nki_ready *r);
void nki_ready_fini(nki_ready *r); /* closes the fds */
/* Sets the fds to what the protocol says now; call after anything that can
 * change it (cheap while no fd was asked for). */
void nki_ready_eval(nki_sock *s);
/* The "recv-fd" / "send-fd" option rows' getter (arg: NKI_READY_*). */
int nki_ready_opt_get(void *sock, const nki_option *o, nki_optval *v);

#define nki_sock_ready_update(s)       \
    do {                               \
        if ((s)->ready.on) {           \
            nki_ready_eval(s);         \
        }                              \
    } while (0)

#endif
