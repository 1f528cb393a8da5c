/*
 * cork.h - sends left queued until their sender flushes (cork.c).
 *
 * An asyncio sender sending back to back otherwise pays one system call
 * per message.  Its first try at a send (nk_send_try) lets the pipe that
 * takes the message leave it queued, with the ones that follow, until the
 * sender's event loop next turns and calls nk_flush: one write for the lot.
 * A backstop timer on the reactor writes whatever no flush wrote within
 * CORK_BACKSTOP_MS, so a sender that never flushes delays, never loses.
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

/* For op.c: around the dispatch of one nk_send_try; the end says whether
 * that send corked the first pipe, so that a flush is now due. */
void nki_cork_begin(void);
bool nki_cork_end(void);
/* Writes every corked pipe's queue. */
void nki_cork_flush(void);
void nki_cork_atfork_child(void);

#endif
