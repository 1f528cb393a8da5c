/*
 * ws_http.h - the HTTP/1.1 upgrade heads of ws://: finding the end of a
 * head, parsing a request or a response head, and the checks NNG 1.11 makes
 * on each (answers observed with pynng 0.9 and nngcat 1.5.2 on loopback).
 * Pure: no I/O, no allocation, offsets into the caller's buffer; any thread.
 */
#ifndef NKI_WS_HTTP_H
#define NKI_WS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NKI_WS_HEAD_MAX 8192 /* larger heads: NNG closes without an answer */
#define NKI_WS_HDRS_MAX 128  /* more header lines: likewise */

#define NKI_WS_HEAD_MORE 1   /* nki_ws_head_end: no end yet */
#define NKI_WS_DROP (-1)     /* close the connection without an answer */

typedef struct {
    uint16_t off, len;
} nki_ws_span;

typedef struct {
    nki_ws_span name, value; /* value without surrounding blanks */
} nki_ws_hdr;

typedef struct {
    const char *buf;   /* the head the spans point into */
    size_t len;        /* its length, through the empty line */
    nki_ws_span line[3]; /* request: method, target, version;
                            response: version, status, reason */
    int status;        /* response: the status code */
    size_t nhdr;
    nki_ws_hdr hdr[NKI_WS_HDRS_MAX];
} nki_ws_head;

/* Looks for the empty line that ends a head in p[0..n): 0 and *len (bytes
 * through it), NKI_WS_HEAD_MORE, or NKI_WS_DROP when NKI_WS_HEAD_MAX bytes
 * hold no end.  Lines end in LF, with or without CR. */
int nki_ws_head_end(const char *p, size_t n, size_t *len);

/* Parses a whole head (as found above): 0, NKI_WS_DROP (malformed), or an
 * HTTP status to answer (400 for a blank in a header name, 505 for a version
 * that is not HTTP/x). */
int nki_ws_req_parse(const char *p, size_t len, nki_ws_head *h);
int nki_ws_res_parse(const char *p, size_t len, nki_ws_head *h);

/* The value of header 'name' (any case); *count says how many lines had
 * it (the first one's value is returned); NULL when none. */
const char *nki_ws_hdr_get(const nki_ws_head *h, const char *name, size_t *vlen, int *count);

/* Whether 'word' (any case) starts v or follows a blank, and ends v or is
 * followed by a blank or a comma: NNG's word match for Upgrade and
 * Connection ("keep-alive, Upgrade" has it, "keep-alive,Upgrade" not). */
bool nki_ws_has_word(const char *v, size_t n, const char *word);

/* The path of a request target, percent-decoded, without an absolute URI's
 * scheme and authority or the ?query: its length, or -1 when it is not a
 * path, has a bad %-escape or does not fit cap - 1 bytes (NUL-terminated). */
long nki_ws_target_path(const char *t, size_t n, char *out, size_t cap);

/* Whether a decoded request path reaches a listener's path: equal, or equal
 * plus one trailing '/' ("" stands for "/"). */
bool nki_ws_path_match(const char *path, const char *lpath);

/* The listener's checks after the route (host and path: 404) was found, in
 * NNG's order: 405 (not GET or HEAD), 400 (bad Content-Length), 413 (a body
 * or chunked), 505 (not HTTP/1.1), 400 (HEAD; no Host; Upgrade without the
 * word websocket; Connection without upgrade; version not 13; a key that is
 * not base64 of 16 bytes; Sec-WebSocket-Protocol not 'proto').  0: upgrade. */
int nki_ws_req_check(const nki_ws_head *h, const char *proto);

/* The dialer's checks of the answer: 0, NK_EPERM (401, 403),
 * NK_ECONNREFUSED (404, 405) or NK_EPROTO (any other status, a wrong
 * Sec-WebSocket-Accept, Connection without upgrade, Upgrade not exactly
 * "websocket", or not the subprotocol asked for). */
int nki_ws_res_check(const nki_ws_head *h, const char *accept, const char *proto);

#endif
