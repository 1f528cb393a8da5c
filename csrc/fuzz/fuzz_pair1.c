/*
 * Fuzz target: the PAIR1 hop count (nki_wire_pair1_hops).
 *
 * Input: [ttl byte][message body].  The ttl byte covers the settable range
 * (1..15) and values around it.  Properties: short bodies and counts over
 * 0xff are NK_EPROTO (close the pipe), counts over ttl are NK_EMSGSIZE (drop),
 * everything else is accepted with the right count.
 */
#include "fuzz_common.h"
#include "nngkit.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int ttl, rv, want;
    uint32_t hops = 0xdeadbeef, word;
    if (size < 1) {
        return 0;
    }
    ttl = data[0] % 20; /* 0..19: the valid 1..15 and both edges */
    data++;
    size--;
    rv = nki_wire_pair1_hops(data, size, ttl, &hops);
    if (size < 4) {
        FUZZ_CHECK(rv == NK_EPROTO, "short body gave %d", rv);
        return 0;
    }
    word = fuzz_be32(data);
    want = word > 0xff ? NK_EPROTO : (word > (uint32_t) ttl ? NK_EMSGSIZE : 0);
    FUZZ_CHECK(rv == want, "hops word %#x ttl %d: got %d want %d", word, ttl, rv, want);
    FUZZ_CHECK(hops == word, "hops %#x != word %#x", hops, word);
    return 0;
}
