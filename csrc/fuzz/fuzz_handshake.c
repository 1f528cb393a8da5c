/*
 * Fuzz target: the SP connection header (nki_wire_hs_parse / _build).
 *
 * Input: any bytes; every 8-byte window is parsed.  Properties: a header is
 * accepted exactly when magic, version and reserved bytes are right; an
 * accepted header rebuilds to the same 8 bytes; build then parse gives the
 * protocol number back.
 */
#include <string.h>

#include "fuzz_common.h"
#include "nngkit.h"
#include "wire.h"

static int reference_ok(const uint8_t *p)
{
    return p[0] == 0 && p[1] == 'S' && p[2] == 'P' && p[3] == 0 && p[6] == 0 && p[7] == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off;
    for (off = 0; off + NKI_WIRE_HS_LEN <= size; off++) {
        uint8_t in[NKI_WIRE_HS_LEN], again[NKI_WIRE_HS_LEN];
        uint16_t proto = 0xbeef, back = 0;
        int rv;
        memcpy(in, data + off, sizeof(in)); /* exactly 8 bytes: ASan sees an overread */
        rv = nki_wire_hs_parse(in, &proto);
        FUZZ_CHECK(rv == 0 || rv == NK_EPROTO, "result %d", rv);
        FUZZ_CHECK((rv == 0) == reference_ok(in), "accept=%d for %02x%02x%02x%02x%02x%02x%02x%02x",
                   rv == 0, in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7]);
        if (rv == 0) {
            FUZZ_CHECK(proto == (uint16_t) ((in[4] << 8) | in[5]), "proto %#x", proto);
            nki_wire_hs_build(again, proto);
            FUZZ_CHECK(memcmp(again, in, sizeof(in)) == 0, "rebuild differs");
        } else {
            FUZZ_CHECK(proto == 0xbeef, "proto written on a rejected header");
        }
        /* the other way round: any protocol number survives build + parse */
        nki_wire_hs_build(again, (uint16_t) ((in[0] << 8) | in[1]));
        FUZZ_CHECK(nki_wire_hs_parse(again, &back) == 0, "built header rejected");
        FUZZ_CHECK(back == (uint16_t) ((in[0] << 8) | in[1]), "proto %#x lost", back);
    }
    return 0;
}
