/* recv-fd and send-fd: NNG's pollable descriptors, level-triggered.
 *
 * An eventfd is readable while its counter is non-zero: raising writes 1,
 * lowering reads the counter back to 0.  The protocol says, through its
 * sock_ready op, whether a receive and a send would complete at once; the
 * core asks again after every operation, arriving message, pipe change and
 * protocol timer of a socket whose fds were asked for.  Python never runs
 * here: an application polls the fd in its own event loop. */
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "platform.h"
#include "proto.h"
#include "sock.h"

void nki_ready_init(nki_ready *r)
{
    r->fd[0] = r->fd[1] = -1;
    r->raised = 0;
    r->on = false;
}

void nki_ready_fini(nki_ready *r)
{
    int i;
    for (i = 0; i < 2; i++) {
        if (r->fd[i] >= 0) {
            close(r->fd[i]);
            nki_count(NK_DEBUG_FDS, -1);
            r->fd[i] = -1;
        }
    }
    r->on = false;
}

static void ready_set(nki_ready *r, int i, bool up)
{
    unsigned bit = 1u << i;
    uint64_t one = 1, drain;
    ssize_t n;
    if (r->fd[i] < 0 || up == ((r->raised & bit) != 0)) {
        return;
    }
    n = up ? write(r->fd[i], &one, sizeof(one)) : read(r->fd[i], &drain, sizeof(drain));
    (void) n; /* cannot fail: the counter is 0 or 1 and the fd non-blocking */
    r->raised ^= bit;
}

void nki_ready_eval(nki_sock *s)
{
    unsigned now = s->closed ? 0 : s->proto->sock_ready(s->pdata);
    ready_set(&s->ready, 0, (now & NKI_READY_RECV) != 0);
    ready_set(&s->ready, 1, (now & NKI_READY_SEND) != 0);
}

void nki_sock_ready_changed(nki_sock *s)
{
    nki_sock_ready_update(s);
}

int nki_ready_opt_get(void *obj, const nki_option *o, nki_optval *v)
{
    nki_sock *s = obj;
    int i = o->arg == NKI_READY_RECV ? 0 : 1;
    if (s->proto->sock_ready == NULL || (s->proto->ready_kinds & (unsigned) o->arg) == 0) {
        return NK_ENOTSUP; /* a send-only protocol has no recv-fd, and so on */
    }
    if (s->ready.fd[i] < 0) {
        if ((s->ready.fd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
            return errno == EMFILE || errno == ENFILE ? NK_ENOFILES : NK_ENOMEM;
        }
        nki_count(NK_DEBUG_FDS, 1);
        s->ready.raised &= ~(1u << i);
        s->ready.on = true;
        nki_ready_eval(s);
    }
    v->i = s->ready.fd[i];
    return 0;
}
