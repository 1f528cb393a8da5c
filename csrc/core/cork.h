/*
 * cork.h - sends left queued until their sender flushes (cork.c).
 *
 * A sender sending back to back otherwise pays one system call per
 * message.  Its send lets the pipe that takes the message leave it queued,
 * with the ones that follow, for one write for the lot.  An asyncio
 * sender's first try (nk_send_try) leaves them until its event loop next
 * turns and calls nk_flush; a blocking sender's (nk_send_wait) leave when
 * the queue fills, when a thread next waits in the core, or CORK_SOON_US
 * later on the reactor.  A backstop timer on the reactor writes whatever
 * no flush wrote within CORK_BACKSTOP_MS, so a sender that never flushes
 * delays, never loses.
 */
#ifndef NKI_CORK_H
#define NKI_CORK_H

#include "core.h"

/* Whether the send being dispatched now may leave its pipe corked: it is
 * an nk_send_try that came back to back with the one before it. */
bool nki_cork_allowed(void);
/* p's queue waits for a flush (nki_pipe_corked); once per pipe until written. */
void nki_cork_add(nki_pipe *p);
/* p is being written or closed: it no longer waits. */
void nki_cork_drop(nki_pipe *p);

/* For op.c: around the dispatch of one send; the end says whether that
 * send corked the first pipe, so that a flush is now due.  caller_flushes:
 * the caller flushes at its loop's next turn (nk_send_try); else the
 * reactor does, soon. */
void nki_cork_begin(bool caller_flushes);
bool nki_cork_end(void);
/* Some pipe waits for a flush. */
bool nki_cork_pending(void);
/* Writes every corked pipe's queue. */
void nki_cork_flush(void);
void nki_cork_atfork_child(void);

#endif
