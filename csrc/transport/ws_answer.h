/*
 * ws_answer.h - a ws listener's answer to an upgrade it refuses, worded as
 * NNG 1.11's listener words it (observed with pynng 0.9 on loopback): the
 * status line, Content-Type text/html, Content-Length, "Connection: close"
 * when the connection is to end, and a small HTML page naming the status.
 * Pure: no I/O, no allocation; any thread.
 */
#ifndef NKI_WS_ANSWER_H
#define NKI_WS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>

#include "ws_http.h"

/* The reason phrase NNG 1.11 sends with 'status' (413 is not in its table:
 * "Unknown HTTP Status"). */
const char *nki_ws_reason(int status);

/* Whether NNG would add "Connection: close": a 505 (the request is not
 * HTTP/1.1), or a Connection header line with the word close.  h: a parsed
 * head, or NULL when parsing failed. */
bool nki_ws_answer_closes(const nki_ws_head *h, int status);

/* The whole answer into buf (NUL-terminated): its length, or -1 when it
 * does not fit in cap bytes.  404 and 405 give Content-Length before
 * Content-Type, the others after, as NNG orders them. */
int nki_ws_answer(char *buf, size_t cap, int status, bool close);

#endif
