/*
 * The RFC 6455 frame header codec (csrc/transport/ws_frame.c) with NNG's
 * rules: every length encoding and its minimal form, masking by role, the
 * opcode, RSV, control-frame and fragmentation rules, frame_max, claimed
 * lengths up to 2^63, and CLOSE payloads.  Links ws_frame.c alone.
 */
#include "nkt.h"
#include "ws_frame.h"

static const nki_ws_rxstate SERVER = {true, false, 1u << 20};
static const nki_ws_rxstate CLIENT = {false, false, 1u << 20};

static int parse(const uint8_t *p, size_t n, const nki_ws_rxstate *st, nki_ws_fhdr *h)
{
    size_t i;
    /* Every proper prefix of a header that parses asks for more. */
    int rv = nki_ws_fhdr_parse(p, n, st, h);
    for (i = 0; rv == 0 && i < h->hdr_len; i++) {
        nki_ws_fhdr again;
        NKT_EQ(nki_ws_fhdr_parse(p, i, st, &again), NKI_WS_MORE);
    }
    return rv;
}

static void parses_nngs_masked_request(void)
{
    /* A REQ request as NNG sent it (sp-wire-protocol.md §5). */
    static const uint8_t f[] = {0x82, 0x8c, 1, 2, 3, 4};
    nki_ws_fhdr h;
    NKT_EQ(parse(f, sizeof(f), &SERVER, &h), 0);
    NKT_CHECK(h.fin && h.masked);
    NKT_EQ(h.opcode, NKI_WS_BINARY);
    NKT_EQ_U(h.len, 12);
    NKT_EQ(h.hdr_len, 6);
    NKT_EQ_MEM(h.mask, "\x01\x02\x03\x04", 4);
}

static void every_length_round_trips_minimally(void)
{
    static const uint64_t lens[] = {0, 1, 125, 126, 127, 65535, 65536, 1u << 20, (uint64_t) 1 << 40,
                                    ((uint64_t) 1 << 63) - 1};
    static const size_t want_hdr[] = {2, 2, 2, 4, 4, 4, 10, 10, 10, 10};
    static const uint8_t key[4] = {0xde, 0xad, 0xbe, 0xef};
    nki_ws_rxstate any = {true, false, 0};
    size_t i;
    for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        uint8_t b[NKI_WS_FHDR_MAX];
        nki_ws_fhdr h;
        size_t n = nki_ws_fhdr_build(b, true, NKI_WS_BINARY, lens[i], key);
        NKT_EQ(n, want_hdr[i] + 4);
        NKT_EQ(parse(b, n, &any, &h), 0);
        NKT_EQ_U(h.len, lens[i]);
        NKT_EQ(h.hdr_len, n);
        NKT_EQ_MEM(h.mask, key, 4);
        any.server = false;
        n = nki_ws_fhdr_build(b, false, NKI_WS_BINARY, lens[i], NULL);
        NKT_EQ(n, want_hdr[i]);
        NKT_EQ(parse(b, n, &any, &h), 0);
        NKT_CHECK(!h.fin && !h.masked);
        NKT_EQ_U(h.len, lens[i]);
        any.server = true;
    }
}

static void longer_encodings_than_needed_are_1002(void)
{
    static const uint8_t l16_125[] = {0x82, 0x7e, 0x00, 0x7d};
    static const uint8_t l64_9[] = {0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0, 9};
    static const uint8_t l64_65535[] = {0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t l64_top[] = {0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t l16_126[] = {0x82, 0x7e, 0x00, 0x7e};
    static const uint8_t l64_65536[] = {0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0};
    nki_ws_rxstate st = {false, false, 0};
    nki_ws_fhdr h;
    NKT_EQ(parse(l16_125, 4, &st, &h), NKI_WS_CLOSE_PROTOCOL);
    NKT_EQ(parse(l64_9, 10, &st, &h), NKI_WS_CLOSE_PROTOCOL);
    NKT_EQ(parse(l64_65535, 10, &st, &h), NKI_WS_CLOSE_PROTOCOL);
    NKT_EQ(parse(l64_top, 10, &st, &h), NKI_WS_CLOSE_PROTOCOL);
    NKT_EQ(parse(l16_126, 4, &st, &h), 0);
    NKT_EQ(parse(l64_65536, 10, &st, &h), 0);
}

static void masking_follows_the_role(void)
{
    static const uint8_t masked[] = {0x82, 0x80, 1, 2, 3, 4};
    static const uint8_t plain[] = {0x82, 0x00};
    nki_ws_fhdr h;
    NKT_EQ(parse(plain, 2, &SERVER, &h), NKI_WS_CLOSE_PROTOCOL);
    NKT_EQ(parse(masked, 6, &CLIENT, &h), NKI_WS_CLOSE_PROTOCOL);
    NKT_EQ(parse(masked, 6, &SERVER, &h), 0);
    NKT_EQ(parse(plain, 2, &CLIENT, &h), 0);
}

static void opcodes_and_rsv_bits(void)
{
    nki_ws_rxstate mid = {false, true, 0};
    nki_ws_fhdr h;
    int op, rsv;
    for (op = 0; op < 16; op++) {
        uint8_t f[2] = {(uint8_t) (0x80 | op), 0x00};
        int want = (op == 1) ? NKI_WS_CLOSE_UNSUPPORTED
                   : (op == 0) ? NKI_WS_CLOSE_PROTOCOL /* CONT, no message */
                   : (op == 2 || (op >= 8 && op <= 10)) ? 0 : NKI_WS_CLOSE_PROTOCOL;
        NKT_EQ(parse(f, 2, &CLIENT, &h), want);
        /* Inside a message only CONT and control frames may come. */
        want = (op == 0 || (op >= 8 && op <= 10)) ? 0 : NKI_WS_CLOSE_PROTOCOL;
        NKT_EQ(parse(f, 2, &mid, &h), want);
    }
    for (rsv = 1; rsv < 8; rsv++) {
        uint8_t f[2] = {(uint8_t) (0x82 | (rsv << 4)), 0x00};
        NKT_EQ(parse(f, 2, &CLIENT, &h), NKI_WS_CLOSE_PROTOCOL);
    }
}

static void control_frame_rules(void)
{
    static const uint8_t ping125[] = {0x89, 0x7d};
    static const uint8_t ping126[] = {0x89, 0x7e, 0x00, 0x7e};
    static const uint8_t frag_ping[] = {0x09, 0x00};
    static const uint8_t close_big[] = {0x88, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0};
    nki_ws_rxstate tiny = {false, false, 4}; /* frame_max is for data frames */
    nki_ws_fhdr h;
    NKT_EQ(parse(ping125, 2, &tiny, &h), 0);
    NKT_EQ_U(h.len, 125);
    NKT_EQ(nki_ws_fhdr_parse(ping126, 4, &CLIENT, &h), NKI_WS_CLOSE_PROTOCOL);
    NKT_EQ(nki_ws_fhdr_parse(ping126, 1, &CLIENT, &h), NKI_WS_MORE);
    NKT_EQ(nki_ws_fhdr_parse(frag_ping, 2, &CLIENT, &h), NKI_WS_CLOSE_PROTOCOL);
    NKT_EQ(nki_ws_fhdr_parse(close_big, 2, &CLIENT, &h), NKI_WS_CLOSE_PROTOCOL);
}

static void frame_max_and_huge_claims(void)
{
    /* 1 MiB is accepted, 1 MiB + 4 is 1009 (as libnng 1.11); 2^62 too,
     * decided from the header alone. */
    uint8_t b[NKI_WS_FHDR_MAX];
    nki_ws_rxstate none = {false, false, 0};
    nki_ws_fhdr h;
    size_t n = nki_ws_fhdr_build(b, true, NKI_WS_BINARY, 1u << 20, NULL);
    NKT_EQ(parse(b, n, &CLIENT, &h), 0);
    n = nki_ws_fhdr_build(b, true, NKI_WS_BINARY, (1u << 20) + 4, NULL);
    NKT_EQ(nki_ws_fhdr_parse(b, n, &CLIENT, &h), NKI_WS_CLOSE_TOO_BIG);
    n = nki_ws_fhdr_build(b, true, NKI_WS_BINARY, (uint64_t) 1 << 62, NULL);
    NKT_EQ(nki_ws_fhdr_parse(b, n, &CLIENT, &h), NKI_WS_CLOSE_TOO_BIG);
    NKT_EQ(parse(b, n, &none, &h), 0);
    NKT_EQ_U(h.len, (uint64_t) 1 << 62);
}

static void mask_in_pieces_equals_mask_at_once(void)
{
    static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    uint8_t whole[5] = {'H', 'e', 'l', 'l', 'o'}, parts[5] = {'H', 'e', 'l', 'l', 'o'};
    static const uint8_t rfc[5] = {0x7f, 0x9f, 0x4d, 0x51, 0x58}; /* RFC 6455 §5.7 */
    nki_ws_mask(whole, 5, key, 0);
    NKT_EQ_MEM(whole, rfc, 5);
    nki_ws_mask(parts, 3, key, 0);
    nki_ws_mask(parts + 3, 2, key, 3);
    NKT_EQ_MEM(parts, rfc, 5);
    nki_ws_mask(whole, 5, key, 0);
    NKT_EQ_MEM(whole, "Hello", 5);
}

static void close_payloads(void)
{
    static const uint16_t ok[] = {1000, 1001, 1002, 1003, 1007, 1009, 1011, 1014, 3000, 4999};
    static const uint16_t bad[] = {0, 999, 1004, 1005, 1006, 1015, 2999, 5000, 65535};
    uint8_t b[2] = {0, 0};
    uint16_t code = 0;
    size_t i;
    NKT_EQ(nki_ws_close_parse(b, 0, &code), 0);
    NKT_EQ(code, NKI_WS_CLOSE_NO_STATUS);
    NKT_EQ(nki_ws_close_parse((const uint8_t *) "\x03", 1, &code), NKI_WS_CLOSE_PROTOCOL);
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        nki_ws_close_build(b, ok[i]);
        NKT_EQ(nki_ws_close_parse(b, 2, &code), 0);
        NKT_EQ(code, ok[i]);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        nki_ws_close_build(b, bad[i]);
        NKT_EQ(nki_ws_close_parse(b, 2, &code), NKI_WS_CLOSE_PROTOCOL);
    }
    nki_ws_close_build(b, 1009);
    NKT_EQ_MEM(b, "\x03\xf1", 2); /* as NNG sends it: 88 02 03 f1 */
}

static const nkt_case cases[] = {
    NKT_CASE(parses_nngs_masked_request),
    NKT_CASE(every_length_round_trips_minimally),
    NKT_CASE(longer_encodings_than_needed_are_1002),
    NKT_CASE(masking_follows_the_role),
    NKT_CASE(opcodes_and_rsv_bits),
    NKT_CASE(control_frame_rules),
    NKT_CASE(frame_max_and_huge_claims),
    NKT_CASE(mask_in_pieces_equals_mask_at_once),
    NKT_CASE(close_payloads),
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return nkt_main(argc, argv, cases);
}
