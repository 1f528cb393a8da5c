/*
 * Fuzz target: the request / survey id at the front of a reply
 * (nki_wire_id), plus the u32 helpers it rests on.
 *
 * Input: the body of a received message.  Properties: short bodies are
 * NK_EPROTO and leave *id alone; otherwise *id is the big-endian first word
 * and put/get round-trip.
 */
#include <string.h>

#include "fuzz_common.h"
#include "nngkit.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t id = 0x5a5a5a5a;
    uint8_t w[4];
    int rv = nki_wire_id(data, size, &id);
    if (size < 4) {
        FUZZ_CHECK(rv == NK_EPROTO, "short body (%zu) gave %d", size, rv);
        FUZZ_CHECK(id == 0x5a5a5a5a, "id written for a short body");
        return 0;
    }
    FUZZ_CHECK(rv == 0, "body of %zu bytes gave %d", size, rv);
    FUZZ_CHECK(id == fuzz_be32(data), "id %#x", id);
    nki_wire_put_u32(w, id);
    FUZZ_CHECK(memcmp(w, data, 4) == 0, "put_u32 differs");
    FUZZ_CHECK(nki_wire_get_u32(w) == id, "get_u32 differs");
    return 0;
}
