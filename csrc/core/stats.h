/*
 * stats.h - counting hooks (stats.c), called with nki_lock held.
 *
 * Traffic is counted inline: it happens once per message on the hot path.
 */
#ifndef NKI_STATS_H
#define NKI_STATS_H

#include "pipe.h"

static inline void nki_stats_rx(nki_pipe *p, const nk_msg *m)
{
    uint64_t n = m->hlen + m->len;
    p->st.msgs_in++;
    p->st.bytes_in += n;
    p->sock->st.msgs_in++;
    p->sock->st.bytes_in += n;
}

static inline void nki_stats_tx(nki_pipe *p, const nk_msg *m)
{
    uint64_t n = m->hlen + m->len;
    p->st.msgs_out++;
    p->st.bytes_out += n;
    p->sock->st.msgs_out++;
    p->sock->st.bytes_out += n;
}

void nki_stats_pipe_admitted(nki_pipe *p);
void nki_stats_pipe_closed(nki_pipe *p, int err);
void nki_stats_app_refused(nki_pipe *p); /* a pre-connect callback closed it */
/* A connection that failed before it was a pipe (a ws upgrade, a wss
 * handshake): a refusal counts in rejects, NK_ETIMEDOUT in
 * handshake_timeouts, anything else nowhere. */
void nki_stats_ep_handshake_failed(nki_ep *ep, int err);

/* The errors that end a handshake as a refusal (counted in rejects): a bad
 * SP header or HTTP head, the wrong peer; a TLS handshake that failed on
 * either side (NK_ECRYPTO), a peer certificate refused (NK_EPEERAUTH). */
static inline bool nki_stats_is_refusal(int err)
{
    return err == NK_EPROTO || err == NK_ECRYPTO || err == NK_EPEERAUTH;
}

/* Why a message was dropped. */
enum { NKI_DROP_SEND_FULL, NKI_DROP_RECV_FULL, NKI_DROP_TTL, NKI_DROP_STALE, NKI_DROP_NO_PIPE };
void nki_stat_drop(nki_sock *s, int why);
/* The same, for code that knows only the message's pipe id. */
void nki_stat_drop_pipe(uint32_t pid, int why);
/* A queued message dropped before it was written (lossy send). */
void nki_stat_unsend(nki_pipe *p, const nk_msg *m);

#endif
