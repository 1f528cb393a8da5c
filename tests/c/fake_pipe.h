/*
 * fake_pipe.h - a pipe and statistics double for the protoq tests.
 *
 * The real pipe (csrc/core/pipe.c) cannot be linked without the endpoint,
 * the socket and, through the protocol registry, every protocol and
 * transport; protoq.c needs only its send queue and pause flag.  So these
 * fakes keep the real semantics that protoq relies on (nki_pipe_send,
 * nki_pipe_send_soon and nki_pipe_send_later queue on p->sendq or free on a closed pipe;
 * nki_pipe_flush writes, here frees, the whole queue; pause/resume flip
 * p->paused) and count what the statistics would have recorded.
 */
#ifndef FAKE_PIPE_H
#define FAKE_PIPE_H

#include "pipe.h"

typedef struct {
    int drops[8];         /* nki_stat_drop_pipe, by reason */
    uint32_t last_drop_pid;
    int unsends;          /* nki_stat_unsend */
    int resumes;          /* nki_pipe_resume that unpaused */
    int later;            /* nki_pipe_send_later */
    int flushed;          /* messages written by nki_pipe_flush */
} fake_stats;

extern fake_stats fake;

void fake_pipe_init(nki_pipe *p, uint32_t id);
/* Takes the message at the head of p's send queue (NULL if none). */
nk_msg *fake_pipe_take(nki_pipe *p);
/* Frees whatever is still queued on p. */
void fake_pipe_drain(nki_pipe *p);

#endif
