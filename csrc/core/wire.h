/*
 * wire.h - the SP wire decoders and encoders, as pure functions over byte
 * spans: no I/O, no allocation, no core state.  Everything a peer sends goes
 * through one of these before the core acts on it, which is what makes them
 * the fuzz targets (csrc/fuzz/).
 *
 * Return values: 0 for good input; NK_EPROTO for input that must close the
 * connection; NK_EMSGSIZE for a message to drop (or, for a frame length, a
 * connection to close because the frame exceeds the receive limit).
 */
#ifndef NKI_WIRE_H
#define NKI_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NKI_WIRE_HS_LEN 8

/* Connection header: 00 'S' 'P' 00 <proto u16 BE> 00 00. */
void nki_wire_hs_build(uint8_t out[NKI_WIRE_HS_LEN], uint16_t proto);
int nki_wire_hs_parse(const uint8_t in[NKI_WIRE_HS_LEN], uint16_t *proto);

/*
 * Frame prefixes: [type byte (ipc: 1)][u64 BE length].  The framer is an
 * incremental decoder for a byte stream: feed it what arrived; it reports a
 * complete prefix (then 'len' payload bytes follow, which the caller takes),
 * asks for more, or rejects the stream.
 */
typedef struct {
    int type_byte;  /* 0: tcp framing, else the required type byte */
    uint64_t limit; /* largest accepted length; 0 means no limit */
    uint8_t pfx[9];
    size_t have;
    uint64_t len;   /* valid after NKI_FRAMER_DONE */
} nki_framer;

#define NKI_FRAMER_MORE 1 /* everything given was consumed; need more */
#define NKI_FRAMER_DONE 2 /* a prefix is complete; *used bytes consumed */

void nki_framer_init(nki_framer *f, int type_byte, uint64_t limit);
size_t nki_framer_prefix_len(const nki_framer *f);
int nki_framer_feed(nki_framer *f, const uint8_t *p, size_t n, size_t *used);
size_t nki_wire_prefix_build(uint8_t *out, int type_byte, uint64_t len);

/* Protocol headers. */

/* A backtrace: 32-bit words up to and including the first with the top bit
 * set.  *btlen gets its length in bytes.  NK_EPROTO: no end word;
 * NK_EMSGSIZE: more than ttl words. */
int nki_wire_bt_scan(const uint8_t *p, size_t n, int ttl, size_t *btlen);
/* A request or survey id at the front of a reply: NK_EPROTO if short. */
int nki_wire_id(const uint8_t *p, size_t n, uint32_t *id);
/* PAIR1 hop count: NK_EPROTO if short or over 0xff; NK_EMSGSIZE over ttl. */
int nki_wire_pair1_hops(const uint8_t *p, size_t n, int ttl, uint32_t *hops);

uint32_t nki_wire_get_u32(const uint8_t *p);
void nki_wire_put_u32(uint8_t *p, uint32_t v);

#endif
