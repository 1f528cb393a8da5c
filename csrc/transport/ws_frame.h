/*
 * ws_frame.h - RFC 6455 frame headers as NNG reads and writes them: the
 * header codec, masking, and CLOSE payloads.  Pure: no I/O and no
 * allocation (a claimed length is only a number here); any thread.
 */
#ifndef NKI_WS_FRAME_H
#define NKI_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NKI_WS_CONT 0x0
#define NKI_WS_TEXT 0x1
#define NKI_WS_BINARY 0x2
#define NKI_WS_CLOSE 0x8
#define NKI_WS_PING 0x9
#define NKI_WS_PONG 0xA

#define NKI_WS_FHDR_MAX 14   /* 2 + 8 (64-bit length) + 4 (mask) */
#define NKI_WS_CTRL_MAX 125  /* largest control payload */

/* Close codes NNG sends. */
#define NKI_WS_CLOSE_NORMAL 1000
#define NKI_WS_CLOSE_GOING_AWAY 1001
#define NKI_WS_CLOSE_PROTOCOL 1002
#define NKI_WS_CLOSE_UNSUPPORTED 1003
#define NKI_WS_CLOSE_NO_STATUS 1005 /* never on the wire: an empty CLOSE */
#define NKI_WS_CLOSE_TOO_BIG 1009
#define NKI_WS_CLOSE_INTERNAL 1011

typedef struct {
    bool fin;
    uint8_t opcode;
    bool masked;
    uint8_t mask[4];
    uint64_t len;     /* payload length as claimed */
    size_t hdr_len;   /* bytes of header, 2 to 14 */
} nki_ws_fhdr;

/* What the receiver knows when a header arrives. */
typedef struct {
    bool server;       /* frames must be masked (else must not be) */
    bool in_message;   /* a fragmented data message is in progress */
    uint64_t frame_max;/* ws:rxframe-max; 0: no limit */
} nki_ws_rxstate;

#define NKI_WS_MORE 1 /* nki_ws_fhdr_parse: the header is not complete yet */

/* Decodes the frame header at p[0..n).  Returns 0 with *h filled, NKI_WS_MORE
 * when more bytes are needed (nothing is judged before the header is whole,
 * except what its first bytes already show), or the close code to send:
 * 1002 (RSV bits, unknown opcode, wrong masking, non-minimal length, control
 * frame fragmented or over 125 bytes, CONT without a message, data inside
 * one), 1003 (TEXT) or 1009 (a data frame over frame_max). */
int nki_ws_fhdr_parse(const uint8_t *p, size_t n, const nki_ws_rxstate *st, nki_ws_fhdr *h);

/* Writes a header with the minimal length encoding; mask NULL: unmasked.
 * Returns its length (2 to 14). */
size_t nki_ws_fhdr_build(uint8_t out[NKI_WS_FHDR_MAX], bool fin, uint8_t opcode, uint64_t len,
                         const uint8_t *mask);

/* XORs p[0..n) with the key, starting 'offset' bytes into the payload (so
 * a payload may be unmasked piece by piece).  Its own inverse. */
void nki_ws_mask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t offset);

/* A CLOSE payload: *code is its status (1005 when empty).  Returns 0, or
 * 1002 when it is one byte or its code may not be sent (RFC 6455 §7.4). */
int nki_ws_close_parse(const uint8_t *p, size_t n, uint16_t *code);

/* A CLOSE payload with 'code' (2 bytes). */
void nki_ws_close_build(uint8_t out[2], uint16_t code);

#endif
