/* SP wire decoders and encoders: see wire.h.  Pure functions only. */
#include <string.h>

#include "nngkit.h"
#include "wire.h"

uint32_t nki_wire_get_u32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

void nki_wire_put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24);
    p[1] = (uint8_t) (v >> 16);
    p[2] = (uint8_t) (v >> 8);
    p[3] = (uint8_t) v;
}

void nki_wire_hs_build(uint8_t out[NKI_WIRE_HS_LEN], uint16_t proto)
{
    memset(out, 0, NKI_WIRE_HS_LEN);
    out[1] = 'S';
    out[2] = 'P';
    out[4] = (uint8_t) (proto >> 8);
    out[5] = (uint8_t) proto;
}

int nki_wire_hs_parse(const uint8_t in[NKI_WIRE_HS_LEN], uint16_t *proto)
{
    /* The transport checks magic, version and reserved bytes; the protocol
     * number is the protocol layer's to judge. */
    if (in[0] != 0 || in[1] != 'S' || in[2] != 'P' || in[3] != 0 || in[6] != 0 || in[7] != 0) {
        return NK_EPROTO;
    }
    *proto = (uint16_t) ((in[4] << 8) | in[5]);
    return 0;
}

void nki_framer_init(nki_framer *f, int type_byte, uint64_t limit)
{
    memset(f, 0, sizeof(*f));
    f->type_byte = type_byte;
    f->limit = limit;
}

size_t nki_framer_prefix_len(const nki_framer *f)
{
    return f->type_byte ? 9 : 8;
}

int nki_framer_feed(nki_framer *f, const uint8_t *p, size_t n, size_t *used)
{
    size_t need = nki_framer_prefix_len(f) - f->have, take = need < n ? need : n, i, o;
    uint64_t len = 0;
    memcpy(f->pfx + f->have, p, take);
    f->have += take;
    *used = take;
    if (f->have < nki_framer_prefix_len(f)) {
        return NKI_FRAMER_MORE;
    }
    f->have = 0;
    o = f->type_byte ? 1 : 0;
    if (f->type_byte && f->pfx[0] != f->type_byte) {
        return NK_EPROTO;
    }
    for (i = 0; i < 8; i++) {
        len = (len << 8) | f->pfx[o + i];
    }
    /* Checked before any payload is read, so a claim costs nothing. */
    if ((f->limit > 0 && len > f->limit) || len > (SIZE_MAX >> 1)) {
        return NK_EMSGSIZE;
    }
    f->len = len;
    return NKI_FRAMER_DONE;
}

size_t nki_wire_prefix_build(uint8_t *out, int type_byte, uint64_t len)
{
    size_t o = 0, i;
    if (type_byte) {
        out[o++] = (uint8_t) type_byte;
    }
    for (i = 0; i < 8; i++) {
        out[o + i] = (uint8_t) (len >> (56 - 8 * i));
    }
    return o + 8;
}

int nki_wire_bt_scan(const uint8_t *p, size_t n, int ttl, size_t *btlen)
{
    size_t off = 0;
    int hops = 0;
    for (;;) {
        if (off + 4 > n) {
            return NK_EPROTO;
        }
        hops++;
        off += 4;
        if (p[off - 4] & 0x80) {
            break;
        }
        if (hops > ttl) {
            return NK_EMSGSIZE; /* already over the limit: stop looking */
        }
    }
    if (hops > ttl) {
        return NK_EMSGSIZE;
    }
    *btlen = off;
    return 0;
}

int nki_wire_id(const uint8_t *p, size_t n, uint32_t *id)
{
    if (n < 4) {
        return NK_EPROTO;
    }
    *id = nki_wire_get_u32(p);
    return 0;
}

int nki_wire_pair1_hops(const uint8_t *p, size_t n, int ttl, uint32_t *hops)
{
    if (n < 4 || (*hops = nki_wire_get_u32(p)) > 0xff) {
        return NK_EPROTO;
    }
    return *hops > (uint32_t) ttl ? NK_EMSGSIZE : 0;
}
