/*
 * Fuzz target: the backtrace scan (nki_wire_bt_scan) used by REP,
 * RESPONDENT and every raw responder and device.
 *
 * Input: [ttl byte][message body].  Properties, against a plain reference:
 * the backtrace is the words up to and including the first one with the top
 * bit set; no such word is NK_EPROTO; more than ttl words is NK_EMSGSIZE; the
 * length is a multiple of 4, within the body, and never more than 4 * ttl.
 */
#include "fuzz_common.h"
#include "nngkit.h"
#include "wire.h"

static int reference(const uint8_t *p, size_t n, int ttl, size_t *len)
{
    size_t words = 0, off;
    for (off = 0; off + 4 <= n; off += 4) {
        words++;
        if (p[off] & 0x80) {
            if (words > (size_t) (ttl < 0 ? 0 : ttl)) {
                return NK_EMSGSIZE;
            }
            *len = off + 4;
            return 0;
        }
    }
    /* No end word in the body: too many hops if the words seen already
     * exceed ttl, else simply malformed. */
    return words > (size_t) (ttl < 0 ? 0 : ttl) ? NK_EMSGSIZE : NK_EPROTO;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int ttl, rv, want;
    size_t len = 12345, want_len = 0;
    if (size < 1) {
        return 0;
    }
    ttl = data[0] % 20;
    data++;
    size--;
    rv = nki_wire_bt_scan(data, size, ttl, &len);
    want = reference(data, size, ttl, &want_len);
    FUZZ_CHECK(rv == want, "ttl %d size %zu: got %d want %d", ttl, size, rv, want);
    if (rv == 0) {
        FUZZ_CHECK(len == want_len, "length %zu want %zu", len, want_len);
        FUZZ_CHECK(len % 4 == 0 && len >= 4 && len <= size, "length %zu of %zu", len, size);
        FUZZ_CHECK(len <= 4 * (size_t) ttl, "length %zu over ttl %d", len, ttl);
        FUZZ_CHECK(data[len - 4] & 0x80, "last word has no end bit");
    } else {
        FUZZ_CHECK(len == 12345, "length written on failure");
    }
    return 0;
}
