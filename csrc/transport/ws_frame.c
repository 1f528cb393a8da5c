/* RFC 6455 frame headers, masking and CLOSE payloads, with NNG's rules. */
#include "ws_frame.h"

static bool is_control(uint8_t op)
{
    return (op & 0x8) != 0;
}

static bool known_opcode(uint8_t op)
{
    return op <= NKI_WS_BINARY || (op >= NKI_WS_CLOSE && op <= NKI_WS_PONG);
}

/* What the first two bytes already decide. */
static int judge_start(const uint8_t *p, const nki_ws_rxstate *st, nki_ws_fhdr *h)
{
    uint8_t op = p[0] & 0x0f, len7 = p[1] & 0x7f;
    h->fin = (p[0] & 0x80) != 0;
    h->opcode = op;
    h->masked = (p[1] & 0x80) != 0;
    if ((p[0] & 0x70) != 0 || !known_opcode(op) || h->masked != st->server) {
        return NKI_WS_CLOSE_PROTOCOL; /* no extension is ever agreed */
    }
    if (is_control(op)) {
        return (!h->fin || len7 > NKI_WS_CTRL_MAX) ? NKI_WS_CLOSE_PROTOCOL : 0;
    }
    if ((op == NKI_WS_CONT) != st->in_message) {
        return NKI_WS_CLOSE_PROTOCOL;
    }
    return op == NKI_WS_TEXT ? NKI_WS_CLOSE_UNSUPPORTED : 0;
}

int nki_ws_fhdr_parse(const uint8_t *p, size_t n, const nki_ws_rxstate *st, nki_ws_fhdr *h)
{
    size_t ext, i;
    uint64_t len;
    int rv;
    if (n < 2) {
        return NKI_WS_MORE;
    }
    if ((rv = judge_start(p, st, h)) != 0) {
        return rv;
    }
    len = p[1] & 0x7f;
    ext = len == 126 ? 2 : len == 127 ? 8 : 0;
    h->hdr_len = 2 + ext + (h->masked ? 4 : 0);
    if (n < h->hdr_len) {
        return NKI_WS_MORE;
    }
    if (ext) {
        for (len = 0, i = 0; i < ext; i++) {
            len = (len << 8) | p[2 + i];
        }
        /* Minimal encoding only; a 64-bit length has its top bit clear. */
        if ((ext == 2 && len < 126) || (ext == 8 && (len <= 0xffff || (len >> 63)))) {
            return NKI_WS_CLOSE_PROTOCOL;
        }
    }
    for (i = 0; i < 4 && h->masked; i++) {
        h->mask[i] = p[2 + ext + i];
    }
    h->len = len;
    if (!is_control(h->opcode) && st->frame_max != 0 && len > st->frame_max) {
        return NKI_WS_CLOSE_TOO_BIG;
    }
    return 0;
}

size_t nki_ws_fhdr_build(uint8_t out[NKI_WS_FHDR_MAX], bool fin, uint8_t opcode, uint64_t len,
                         const uint8_t *mask)
{
    size_t n = 2, i, ext = len < 126 ? 0 : len <= 0xffff ? 2 : 8;
    out[0] = (uint8_t) ((fin ? 0x80 : 0) | (opcode & 0x0f));
    out[1] = (uint8_t) ((mask ? 0x80 : 0) | (ext == 0 ? len : ext == 2 ? 126 : 127));
    for (i = 0; i < ext; i++) {
        out[n++] = (uint8_t) (len >> (8 * (ext - 1 - i)));
    }
    for (i = 0; mask && i < 4; i++) {
        out[n++] = mask[i];
    }
    return n;
}

void nki_ws_mask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t offset)
{
    size_t i;
    for (i = 0; i < n; i++) {
        p[i] ^= mask[(offset + i) & 3];
    }
}

/* Codes a peer may put in a CLOSE: 1000-1003, 1007-1014, 3000-4999. */
static bool sendable(uint16_t c)
{
    return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);
}

int nki_ws_close_parse(const uint8_t *p, size_t n, uint16_t *code)
{
    if (n == 0) {
        *code = NKI_WS_CLOSE_NO_STATUS;
        return 0;
    }
    if (n == 1) {
        return NKI_WS_CLOSE_PROTOCOL;
    }
    *code = (uint16_t) ((p[0] << 8) | p[1]);
    return sendable(*code) ? 0 : NKI_WS_CLOSE_PROTOCOL;
}

void nki_ws_close_build(uint8_t out[2], uint16_t code)
{
    out[0] = (uint8_t) (code >> 8);
    out[1] = (uint8_t) code;
}
