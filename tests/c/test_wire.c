/*
 * The SP wire decoders (csrc/core/wire.c) on hand-built bytes: handshake,
 * frame prefixes, backtraces, request ids and PAIR1 hop counts.  Every input
 * a peer controls is tried truncated, oversized and malformed, and each
 * result is checked exactly.  Links wire.c alone: it is pure.
 */
#include "nkt.h"
#include "nngkit.h"
#include "wire.h"

static void hs_build_writes_the_eight_bytes(void)
{
    uint8_t out[NKI_WIRE_HS_LEN];
    static const uint8_t req0[] = {0x00, 'S', 'P', 0x00, 0x00, 0x30, 0x00, 0x00};
    static const uint8_t high[] = {0x00, 'S', 'P', 0x00, 0xab, 0xcd, 0x00, 0x00};
    memset(out, 0xee, sizeof(out)); /* every byte is written, none left over */
    nki_wire_hs_build(out, 0x30);
    NKT_EQ_MEM(out, req0, sizeof(req0));
    nki_wire_hs_build(out, 0xabcd);
    NKT_EQ_MEM(out, high, sizeof(high));
}

static void hs_parse_round_trips_every_protocol_number(void)
{
    uint8_t hs[NKI_WIRE_HS_LEN];
    uint32_t p;
    for (p = 0; p <= 0xffff; p++) {
        uint16_t got = 0;
        nki_wire_hs_build(hs, (uint16_t) p);
        NKT_EQ(nki_wire_hs_parse(hs, &got), 0);
        NKT_EQ_U(got, p);
    }
}

static void hs_parse_rejects_each_fixed_byte(void)
{
    /* Bytes 0-3 (00 'S' 'P' version 0) and 6-7 (reserved) are fixed; a
     * wrong one closes the connection and leaves *proto alone. */
    static const int fixed[] = {0, 1, 2, 3, 6, 7};
    static const uint8_t bad[] = {0x01, 0x80, 0xff, 's', 'p', 'S', 'P', 0x00};
    size_t i, j;
    for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        for (j = 0; j < sizeof(bad); j++) {
            uint8_t hs[NKI_WIRE_HS_LEN];
            uint16_t got = 0x1234;
            nki_wire_hs_build(hs, 0x31);
            if (hs[fixed[i]] == bad[j]) {
                continue;
            }
            hs[fixed[i]] = bad[j];
            NKT_EQ(nki_wire_hs_parse(hs, &got), NK_EPROTO);
            NKT_EQ_U(got, 0x1234);
        }
    }
}

static void hs_parse_leaves_the_protocol_number_to_the_protocol(void)
{
    /* 0xffff is no protocol nngkit knows; judging it is not the wire's job. */
    static const uint8_t hs[] = {0x00, 'S', 'P', 0x00, 0xff, 0xff, 0x00, 0x00};
    uint16_t got = 0;
    NKT_EQ(nki_wire_hs_parse(hs, &got), 0);
    NKT_EQ_U(got, 0xffff);
}

static void framer_takes_a_tcp_prefix_byte_by_byte(void)
{
    static const uint8_t pfx[] = {0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02};
    nki_framer f;
    size_t i, used;
    nki_framer_init(&f, 0, 0);
    NKT_EQ(nki_framer_prefix_len(&f), 8);
    for (i = 0; i < 7; i++) {
        NKT_EQ(nki_framer_feed(&f, pfx + i, 1, &used), NKI_FRAMER_MORE);
        NKT_EQ(used, 1);
    }
    NKT_EQ(nki_framer_feed(&f, pfx + 7, 1, &used), NKI_FRAMER_DONE);
    NKT_EQ(used, 1);
    NKT_EQ_U(f.len, 0x100000002ull);
}

static void framer_consumes_only_the_prefix(void)
{
    /* A prefix, 5 payload bytes, then the next prefix split 3 + 5. */
    static const uint8_t s[] = {0, 0, 0, 0, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o',
                                0, 0, 0, 0, 0, 0, 1, 0};
    nki_framer f;
    size_t used;
    nki_framer_init(&f, 0, 0);
    NKT_EQ(nki_framer_feed(&f, s, sizeof(s), &used), NKI_FRAMER_DONE);
    NKT_EQ(used, 8);
    NKT_EQ_U(f.len, 5);
    NKT_EQ(nki_framer_feed(&f, s + 13, 3, &used), NKI_FRAMER_MORE);
    NKT_EQ(used, 3);
    NKT_EQ(nki_framer_feed(&f, s + 16, 5, &used), NKI_FRAMER_DONE);
    NKT_EQ(used, 5);
    NKT_EQ_U(f.len, 0x100);
}

static void framer_with_nothing_to_read_asks_for_more(void)
{
    uint8_t none = 0;
    nki_framer f;
    size_t used = 99;
    nki_framer_init(&f, 1, 0);
    NKT_EQ(nki_framer_feed(&f, &none, 0, &used), NKI_FRAMER_MORE);
    NKT_EQ(used, 0);
}

static int feed_len(uint64_t limit, uint64_t len, uint64_t *got)
{
    uint8_t pfx[9];
    nki_framer f;
    size_t used, n = nki_wire_prefix_build(pfx, 0, len);
    int rv;
    nki_framer_init(&f, 0, limit);
    rv = nki_framer_feed(&f, pfx, n, &used);
    NKT_EQ(used, 8); /* a rejected prefix is consumed whole, too */
    *got = f.len;
    return rv;
}

static void framer_limit_is_inclusive(void)
{
    uint64_t got;
    NKT_EQ(feed_len(1000, 1000, &got), NKI_FRAMER_DONE);
    NKT_EQ_U(got, 1000);
    NKT_EQ(feed_len(1000, 1001, &got), NK_EMSGSIZE);
    NKT_EQ(feed_len(1000, 0, &got), NKI_FRAMER_DONE);
    NKT_EQ_U(got, 0);
    NKT_EQ(feed_len(1, 2, &got), NK_EMSGSIZE);
}

static void framer_without_limit_still_refuses_impossible_lengths(void)
{
    /* Limit 0 means none, but a length no buffer could hold is refused
     * before anything is allocated. */
    uint64_t got;
    NKT_EQ(feed_len(0, (uint64_t) (SIZE_MAX >> 1), &got), NKI_FRAMER_DONE);
    NKT_EQ_U(got, (uint64_t) (SIZE_MAX >> 1));
    NKT_EQ(feed_len(0, (uint64_t) (SIZE_MAX >> 1) + 1, &got), NK_EMSGSIZE);
    NKT_EQ(feed_len(0, UINT64_MAX, &got), NK_EMSGSIZE);
    NKT_EQ(feed_len(UINT64_MAX, UINT64_MAX, &got), NK_EMSGSIZE);
}

static void framer_ipc_checks_the_type_byte(void)
{
    static const uint8_t good[] = {0x01, 0, 0, 0, 0, 0, 0, 0, 0x2a};
    static const uint8_t types[] = {0x00, 0x02, 0x81, 0xff};
    uint8_t s[9];
    nki_framer f;
    size_t i, used;
    nki_framer_init(&f, 1, 0);
    NKT_EQ(nki_framer_prefix_len(&f), 9);
    NKT_EQ(nki_framer_feed(&f, good, sizeof(good), &used), NKI_FRAMER_DONE);
    NKT_EQ(used, 9);
    NKT_EQ_U(f.len, 42);
    for (i = 0; i < sizeof(types); i++) {
        memcpy(s, good, sizeof(s));
        s[0] = types[i];
        nki_framer_init(&f, 1, 0);
        NKT_EQ(nki_framer_feed(&f, s, sizeof(s), &used), NK_EPROTO);
        NKT_EQ(used, 9);
    }
}

static void framer_recovers_after_a_rejected_prefix(void)
{
    /* The state is reset after every whole prefix, good or bad. */
    static const uint8_t s[] = {0x07, 0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0, 0, 0, 0, 0, 0, 0, 3};
    nki_framer f;
    size_t used;
    nki_framer_init(&f, 1, 0);
    NKT_EQ(nki_framer_feed(&f, s, sizeof(s), &used), NK_EPROTO);
    NKT_EQ(used, 9);
    NKT_EQ(nki_framer_feed(&f, s + 9, 9, &used), NKI_FRAMER_DONE);
    NKT_EQ_U(f.len, 3);
}

static void prefix_build_is_big_endian(void)
{
    static const uint8_t tcp[] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t ipc[] = {1, 0, 0, 0, 0, 0, 0, 0, 0};
    uint8_t out[9];
    NKT_EQ(nki_wire_prefix_build(out, 0, 0x0102030405060708ull), 8);
    NKT_EQ_MEM(out, tcp, 8);
    NKT_EQ(nki_wire_prefix_build(out, 1, 0), 9);
    NKT_EQ_MEM(out, ipc, 9);
}

static int scan(const uint8_t *p, size_t n, int ttl, size_t *btlen)
{
    *btlen = 12345;
    return nki_wire_bt_scan(p, n, ttl, btlen);
}

static void bt_scan_stops_at_the_first_end_word(void)
{
    /* The end word has the top bit of its first byte set; a top bit in any
     * other byte does not end the trace. */
    static const uint8_t one[] = {0x80, 0, 0, 1, 'x'};
    static const uint8_t three[] = {0, 0, 0, 1, 0, 0x80, 0, 2, 0x80, 0, 0, 3, 0x80, 0, 0, 4};
    size_t bt;
    NKT_EQ(scan(one, sizeof(one), 8, &bt), 0);
    NKT_EQ(bt, 4);
    NKT_EQ(scan(three, sizeof(three), 8, &bt), 0);
    NKT_EQ(bt, 12);
}

static void bt_scan_without_end_word_is_a_protocol_error(void)
{
    static const uint8_t words[] = {0, 0, 0, 1, 0, 0, 0, 2};
    static const uint8_t partial[] = {0, 0, 0, 1, 0x80, 0, 0};
    size_t bt, n;
    /* Every truncation of a valid trace, including the empty body. */
    for (n = 0; n < sizeof(words); n++) {
        NKT_EQ(scan(words, n, 8, &bt), NK_EPROTO);
        NKT_EQ(bt, 12345);
    }
    NKT_EQ(scan(words, sizeof(words), 8, &bt), NK_EPROTO);
    /* The end word's top bit is there, but the word is cut short. */
    NKT_EQ(scan(partial, sizeof(partial), 8, &bt), NK_EPROTO);
}

static void bt_scan_counts_hops_against_the_ttl(void)
{
    uint8_t b[4 * 20];
    size_t bt;
    memset(b, 0, sizeof(b));
    b[4 * 2] = 0x80; /* three words: two hops and the request id */
    NKT_EQ(scan(b, sizeof(b), 3, &bt), 0);
    NKT_EQ(bt, 12);
    NKT_EQ(scan(b, sizeof(b), 2, &bt), NK_EMSGSIZE);
    NKT_EQ(scan(b, sizeof(b), 1, &bt), NK_EMSGSIZE);
    NKT_EQ(scan(b, sizeof(b), 0, &bt), NK_EMSGSIZE);
    NKT_EQ(scan(b, sizeof(b), -1, &bt), NK_EMSGSIZE);
    NKT_EQ(bt, 12345);
}

static void bt_scan_gives_up_after_ttl_words(void)
{
    /* More than ttl words without an end is "too long" (drop the message),
     * decided after ttl + 1 words, however much follows. */
    uint8_t b[4 * 4];
    size_t bt;
    memset(b, 0, sizeof(b));
    NKT_EQ(scan(b, 12, 2, &bt), NK_EMSGSIZE);
    NKT_EQ(scan(b, 16, 2, &bt), NK_EMSGSIZE);
    /* ttl words and then nothing: the end word is missing. */
    NKT_EQ(scan(b, 8, 2, &bt), NK_EPROTO);
}

static void wire_id_needs_four_bytes(void)
{
    static const uint8_t b[] = {0x80, 0x00, 0x01, 0x02, 0xff};
    uint32_t id;
    size_t n;
    for (n = 0; n < 4; n++) {
        id = 7;
        NKT_EQ(nki_wire_id(b, n, &id), NK_EPROTO);
        NKT_EQ_U(id, 7);
    }
    NKT_EQ(nki_wire_id(b, 4, &id), 0);
    NKT_EQ_U(id, 0x80000102u);
    NKT_EQ(nki_wire_id(b, 5, &id), 0);
    NKT_EQ_U(id, 0x80000102u);
}

static int hops(uint32_t v, size_t n, int ttl, uint32_t *h)
{
    uint8_t b[4];
    nki_wire_put_u32(b, v);
    return nki_wire_pair1_hops(b, n, ttl, h);
}

static void pair1_hops_limits(void)
{
    uint32_t h;
    NKT_EQ(hops(0, 3, 8, &h), NK_EPROTO);
    NKT_EQ(hops(0, 0, 8, &h), NK_EPROTO);
    NKT_EQ(hops(0, 4, 8, &h), 0);
    NKT_EQ_U(h, 0);
    NKT_EQ(hops(8, 4, 8, &h), 0);
    NKT_EQ_U(h, 8);
    NKT_EQ(hops(9, 4, 8, &h), NK_EMSGSIZE);
    NKT_EQ(hops(0xff, 4, 255, &h), 0);
    NKT_EQ_U(h, 0xff);
    /* Over one byte is malformed, whatever the ttl. */
    NKT_EQ(hops(0x100, 4, 1000, &h), NK_EPROTO);
    NKT_EQ(hops(0xffffffffu, 4, 1000, &h), NK_EPROTO);
    NKT_EQ(hops(0x01000000u, 4, 1000, &h), NK_EPROTO);
}

static void u32_helpers_are_big_endian(void)
{
    static const uint8_t want[] = {0x01, 0x02, 0x03, 0x04};
    uint8_t b[4];
    nki_wire_put_u32(b, 0x01020304u);
    NKT_EQ_MEM(b, want, 4);
    NKT_EQ_U(nki_wire_get_u32(b), 0x01020304u);
    nki_wire_put_u32(b, 0xffffffffu);
    NKT_EQ_U(nki_wire_get_u32(b), 0xffffffffu);
}

static const nkt_case cases[] = {
    NKT_CASE(hs_build_writes_the_eight_bytes),
    NKT_CASE(hs_parse_round_trips_every_protocol_number),
    NKT_CASE(hs_parse_rejects_each_fixed_byte),
    NKT_CASE(hs_parse_leaves_the_protocol_number_to_the_protocol),
    NKT_CASE(framer_takes_a_tcp_prefix_byte_by_byte),
    NKT_CASE(framer_consumes_only_the_prefix),
    NKT_CASE(framer_with_nothing_to_read_asks_for_more),
    NKT_CASE(framer_limit_is_inclusive),
    NKT_CASE(framer_without_limit_still_refuses_impossible_lengths),
    NKT_CASE(framer_ipc_checks_the_type_byte),
    NKT_CASE(framer_recovers_after_a_rejected_prefix),
    NKT_CASE(prefix_build_is_big_endian),
    NKT_CASE(bt_scan_stops_at_the_first_end_word),
    NKT_CASE(bt_scan_without_end_word_is_a_protocol_error),
    NKT_CASE(bt_scan_counts_hops_against_the_ttl),
    NKT_CASE(bt_scan_gives_up_after_ttl_words),
    NKT_CASE(wire_id_needs_four_bytes),
    NKT_CASE(pair1_hops_limits),
    NKT_CASE(u32_helpers_are_big_endian),
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return nkt_main(argc, argv, cases);
}
