/*
 * Fuzz target: the incremental frame-prefix decoder (nki_framer_*), fed a
 * byte stream in arbitrary pieces, the way stream.c feeds it whatever read()
 * returned.
 *
 * Input: [cfg][limit sel][split seed][stream...].
 *   cfg bits 0-1: required type byte 0 (tcp), 1 (ipc), 2 or 0xff.
 *   limit sel: 0 no limit, 1..5 fixed limits (0, 1, 1 KiB, 1 GiB, 2^63), else
 *   taken from the first 8 stream bytes (big-endian) when at least 8 remain.
 *   split seed: drives the piece sizes (0..17 bytes, empty pieces included).
 * The caller simulation takes 'len' payload bytes after each prefix, as
 * stream.c does.  Properties:
 *   - the frames (lengths, in order) and the final verdict equal those of a
 *     one-shot reference decoder, however the stream is split;
 *   - 'used' never exceeds the piece; NKI_FRAMER_MORE consumed all of it;
 *   - an accepted length is within the limit and within SIZE_MAX / 2, so a
 *     claim over the limit is refused before any payload is taken;
 *   - prefix_build of an accepted length gives the prefix bytes back.
 */
#include <string.h>

#include "fuzz_common.h"
#include "nngkit.h"
#include "wire.h"

#define MAX_FRAMES 4096

typedef struct {
    uint64_t lens[MAX_FRAMES];
    size_t nframes;
    int verdict; /* 0: stream ended cleanly or mid-frame; else the error */
} outcome;

static const int TYPE_BYTES[4] = {0, 1, 2, 0xff};
static const uint64_t LIMITS[6] = {0, 0, 1, 1024, (uint64_t) 1 << 30, (uint64_t) 1 << 63};

/* One-shot reference: walk the whole stream at once. */
static void reference(const uint8_t *s, size_t n, int type_byte, uint64_t limit, outcome *o)
{
    size_t off = 0, plen = type_byte ? 9 : 8;
    o->nframes = 0;
    o->verdict = 0;
    while (n - off >= plen && o->nframes < MAX_FRAMES) {
        uint64_t len;
        if (type_byte && s[off] != (uint8_t) type_byte) {
            o->verdict = NK_EPROTO;
            return;
        }
        len = fuzz_be64(s + off + (type_byte ? 1 : 0));
        if ((limit > 0 && len > limit) || len > (SIZE_MAX >> 1)) {
            o->verdict = NK_EMSGSIZE;
            return;
        }
        o->lens[o->nframes++] = len;
        off += plen;
        if (len >= n - off) {
            return; /* the payload runs to (or past) the end of the stream */
        }
        off += (size_t) len;
    }
}

static uint32_t next_rand(uint32_t *st)
{
    *st = *st * 1103515245u + 12345u;
    return *st >> 16;
}

static outcome got, want;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int type_byte;
    uint64_t limit;
    uint32_t rng;
    nki_framer f;
    size_t off = 0, plen;
    uint64_t payload_left = 0;
    if (size < 3) {
        return 0;
    }
    type_byte = TYPE_BYTES[data[0] & 3];
    if (data[1] < 6) {
        limit = LIMITS[data[1]];
    } else if (size >= 3 + 8) {
        limit = fuzz_be64(data + 3);
    } else {
        limit = 0;
    }
    rng = data[2] * 2654435761u + 1;
    data += 3;
    size -= 3;

    nki_framer_init(&f, type_byte, limit);
    plen = nki_framer_prefix_len(&f);
    FUZZ_CHECK(plen == (type_byte ? 9u : 8u), "prefix length %zu", plen);
    got.nframes = 0;
    got.verdict = 0;
    while (off < size && got.nframes < MAX_FRAMES) {
        size_t piece = next_rand(&rng) % 18, used = 99999;
        int rv;
        if (piece > size - off) {
            piece = size - off;
        }
        if (payload_left > 0) { /* the caller takes the payload, as stream.c does */
            size_t take = payload_left < piece ? (size_t) payload_left : piece;
            payload_left -= take;
            off += take;
            continue;
        }
        rv = nki_framer_feed(&f, data + off, piece, &used);
        FUZZ_CHECK(used <= piece, "used %zu of %zu", used, piece);
        off += used;
        if (rv == NKI_FRAMER_MORE) {
            FUZZ_CHECK(used == piece, "MORE but used %zu of %zu", used, piece);
            continue;
        }
        if (rv != NKI_FRAMER_DONE) {
            FUZZ_CHECK(rv == NK_EPROTO || rv == NK_EMSGSIZE, "result %d", rv);
            got.verdict = rv;
            break;
        }
        FUZZ_CHECK(limit == 0 || f.len <= limit, "length %llu over limit %llu",
                   (unsigned long long) f.len, (unsigned long long) limit);
        FUZZ_CHECK(f.len <= (SIZE_MAX >> 1), "length %llu not addressable", (unsigned long long) f.len);
        {
            uint8_t pfx[9];
            size_t bl = nki_wire_prefix_build(pfx, type_byte, f.len);
            FUZZ_CHECK(bl == plen, "built prefix length %zu", bl);
            FUZZ_CHECK(memcmp(pfx, data + off - plen, plen) == 0, "prefix does not rebuild");
        }
        got.lens[got.nframes++] = f.len;
        payload_left = f.len;
    }
    reference(data, size, type_byte, limit, &want);
    FUZZ_CHECK(got.verdict == want.verdict, "verdict %d want %d", got.verdict, want.verdict);
    FUZZ_CHECK(got.nframes == want.nframes, "%zu frames want %zu", got.nframes, want.nframes);
    FUZZ_CHECK(memcmp(got.lens, want.lens, got.nframes * sizeof(got.lens[0])) == 0, "frame lengths differ");
    return 0;
}
