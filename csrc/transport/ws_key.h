/*
 * ws_key.h - the WebSocket handshake keys (RFC 6455 §4): SHA-1 (RFC 3174),
 * base64, and Sec-WebSocket-Accept from Sec-WebSocket-Key.  Pure: no I/O,
 * no allocation; any thread.
 */
#ifndef NKI_WS_KEY_H
#define NKI_WS_KEY_H

#include <stddef.h>
#include <stdint.h>

#define NKI_SHA1_LEN 20
#define NKI_WS_KEY_LEN 24    /* base64 of 16 random bytes */
#define NKI_WS_ACCEPT_LEN 28 /* base64 of a SHA-1 digest */

void nki_sha1(const void *data, size_t n, uint8_t out[NKI_SHA1_LEN]);

/* Writes 4 * ceil(n / 3) characters (padded with '='), no terminator;
 * returns that count. */
size_t nki_base64_encode(const uint8_t *in, size_t n, char *out);

/* Strict decoding (padding required, no whitespace): the byte count, or -1
 * when 'in' is not base64 or would not fit 'cap' bytes. */
long nki_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

/* A key as a listener takes it: base64 of exactly 16 bytes (surrounding
 * blanks ignored). */
int nki_ws_key_valid(const char *key, size_t n);

/* Sec-WebSocket-Accept for 'key' (blanks around it ignored): 28 characters
 * and a NUL. */
void nki_ws_accept(const char *key, size_t n, char out[NKI_WS_ACCEPT_LEN + 1]);

/* A fresh key from 16 bytes the caller drew at random. */
void nki_ws_key_make(const uint8_t nonce[16], char out[NKI_WS_KEY_LEN + 1]);

#endif
