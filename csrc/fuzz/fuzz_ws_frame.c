/*
 * Fuzz target: the RFC 6455 frame header codec (csrc/transport/ws_frame.c).
 *
 * Input: [config byte: bit 0 server, bit 1 in a message, bits 2-3 the
 * frame limit (none, 125, 64 KiB, 1 MiB)][bytes of a frame].  Properties:
 * the verdict equals a plain reference reading of RFC 6455 with NNG's rules;
 * an accepted header is canonical (building it again gives the same bytes);
 * "more" is only said of fewer bytes than the header needs; masking in two
 * pieces equals masking at once and undoes itself; a CLOSE payload's code
 * is accepted exactly when RFC 6455 lets a peer send it.
 */
#include <string.h>

#include "fuzz_common.h"
#include "ws_frame.h"

static const uint64_t LIMITS[4] = {0, 125, 65536, 1u << 20};

/* The expected verdict, written as directly as the rules read. */
static int reference(const uint8_t *p, size_t n, const nki_ws_rxstate *st)
{
    int op = p[0] & 15, l7 = p[1] & 127, masked = p[1] >> 7, ctrl = op >= 8;
    size_t need = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + (masked ? 4 : 0), i;
    uint64_t len = (uint64_t) l7;
    if ((p[0] & 0x70) || (op > 2 && op < 8) || op > 10 || masked != st->server) {
        return NKI_WS_CLOSE_PROTOCOL;
    }
    if (ctrl && (!(p[0] & 0x80) || l7 > 125)) {
        return NKI_WS_CLOSE_PROTOCOL;
    }
    if (!ctrl && ((op == 0) != st->in_message)) {
        return NKI_WS_CLOSE_PROTOCOL;
    }
    if (op == 1) {
        return NKI_WS_CLOSE_UNSUPPORTED;
    }
    if (n < need) {
        return NKI_WS_MORE;
    }
    if (l7 >= 126) {
        for (len = 0, i = 0; i < (l7 == 126 ? 2u : 8u); i++) {
            len = len * 256 + p[2 + i];
        }
        if ((l7 == 126 && len < 126) || (l7 == 127 && (len < 65536 || len >= ((uint64_t) 1 << 63)))) {
            return NKI_WS_CLOSE_PROTOCOL;
        }
    }
    return (!ctrl && st->frame_max && len > st->frame_max) ? NKI_WS_CLOSE_TOO_BIG : 0;
}

static void check_accepted(const uint8_t *p, size_t n, const nki_ws_fhdr *h)
{
    uint8_t again[NKI_WS_FHDR_MAX];
    size_t m = nki_ws_fhdr_build(again, h->fin, h->opcode, h->len, h->masked ? h->mask : NULL);
    FUZZ_CHECK(h->hdr_len >= 2 && h->hdr_len <= n && h->hdr_len <= NKI_WS_FHDR_MAX, "hdr_len %zu", h->hdr_len);
    FUZZ_CHECK(m == h->hdr_len && memcmp(again, p, m) == 0, "rebuilt header differs (%zu, %zu)", m, h->hdr_len);
}

static void check_mask(const uint8_t *p, size_t n)
{
    static const uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
    uint8_t *a = malloc(n + 1), *b = malloc(n + 1);
    size_t cut = n ? p[0] % (n + 1) : 0;
    memcpy(a, p, n);
    memcpy(b, p, n);
    nki_ws_mask(a, n, key, 0);
    nki_ws_mask(b, cut, key, 0);
    nki_ws_mask(b + cut, n - cut, key, cut);
    FUZZ_CHECK(memcmp(a, b, n) == 0, "masking in pieces differs at cut %zu", cut);
    nki_ws_mask(a, n, key, 0);
    FUZZ_CHECK(memcmp(a, p, n) == 0, "masking twice is not the identity");
    free(a);
    free(b);
}

static void check_close(const uint8_t *p, size_t n)
{
    uint16_t code = 0, c;
    int rv = nki_ws_close_parse(p, n, &code), want;
    if (n < 2) {
        want = n == 0 ? 0 : NKI_WS_CLOSE_PROTOCOL;
    } else {
        c = (uint16_t) (p[0] << 8 | p[1]);
        want = ((c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999)) ? 0 : 1002;
    }
    FUZZ_CHECK(rv == want, "close parse %d, want %d", rv, want);
    FUZZ_CHECK(rv != 0 || code == (n == 0 ? NKI_WS_CLOSE_NO_STATUS : (uint16_t) (p[0] << 8 | p[1])), "code %u", code);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nki_ws_rxstate st;
    nki_ws_fhdr h;
    const uint8_t *p = data + 1;
    size_t n;
    int rv, want;
    if (size < 1) {
        return 0;
    }
    n = size - 1;
    st.server = data[0] & 1;
    st.in_message = (data[0] >> 1) & 1;
    st.frame_max = LIMITS[(data[0] >> 2) & 3];
    rv = nki_ws_fhdr_parse(p, n, &st, &h);
    want = n < 2 ? NKI_WS_MORE : reference(p, n, &st);
    FUZZ_CHECK(rv == want, "verdict %d, reference %d", rv, want);
    FUZZ_CHECK(rv != NKI_WS_MORE || n < NKI_WS_FHDR_MAX, "more wanted after %zu bytes", n);
    if (rv == 0) {
        check_accepted(p, n, &h);
        if (h.opcode == NKI_WS_CLOSE && h.len <= n - h.hdr_len) {
            check_close(p + h.hdr_len, (size_t) h.len);
        }
    }
    check_mask(p, n);
    check_close(p, n < 4 ? n : 2);
    return 0;
}
