/*
 * The WebSocket handshake keys (csrc/transport/ws_key.c): SHA-1 against RFC
 * 3174's vectors and the padding boundaries, base64 against RFC 4648's, and
 * Sec-WebSocket-Accept against RFC 6455's example.  Links ws_key.c alone.
 */
#include "nkt.h"
#include "ws_key.h"

static void hex(const uint8_t *d, size_t n, char *out)
{
    size_t i;
    for (i = 0; i < n; i++) {
        sprintf(out + 2 * i, "%02x", d[i]);
    }
}

static void check_sha1(const void *data, size_t n, const char *want)
{
    uint8_t d[NKI_SHA1_LEN];
    char got[2 * NKI_SHA1_LEN + 1];
    nki_sha1(data, n, d);
    hex(d, sizeof(d), got);
    if (strcmp(got, want) != 0) {
        NKT_FAIL("sha1 of %zu bytes: %s, not %s", n, got, want);
    }
}

static void sha1_rfc3174_vectors(void)
{
    static const char rep[] = "0123456701234567012345670123456701234567012345670123456701234567";
    char *big = malloc(1000000);
    char ten[640];
    int i;
    check_sha1("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
    check_sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
               "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    memset(big, 'a', 1000000);
    check_sha1(big, 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
    free(big);
    for (i = 0; i < 10; i++) {
        memcpy(ten + 64 * i, rep, 64);
    }
    check_sha1(ten, sizeof(ten), "dea356a2cddd90c7a7ecedc5ebb563934f460452");
    check_sha1("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

static void sha1_padding_boundaries(void)
{
    /* 55/56 and 119/120 bytes: where the length spills into another block. */
    static const struct {
        size_t n;
        const char *want;
    } v[] = {
        {55, "8ae2d46729cfe68ff927af5eec9c7d1b66d65ac2"}, {56, "636e2ec698dac903498e648bd2f3af641d3c88cb"},
        {63, "6d942da0c4392b123528f2905c713a3ce28364bd"}, {64, "c6138d514ffa2135bfce0ed0b8fac65669917ec7"},
        {119, "41c89d06001bab4ab78736b44efe7ce18ce6ae08"}, {120, "d3dbd653bd8597b7475321b60a36891278e6a04a"},
    };
    uint8_t data[120];
    size_t i;
    for (i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t) i;
    }
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        check_sha1(data, v[i].n, v[i].want);
    }
}

static const char *const B64_PLAIN[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
static const char *const B64_CODED[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};

static void base64_rfc4648_vectors(void)
{
    size_t i;
    for (i = 0; i < 7; i++) {
        char out[16];
        uint8_t back[16];
        size_t n = nki_base64_encode((const uint8_t *) B64_PLAIN[i], strlen(B64_PLAIN[i]), out);
        NKT_EQ(n, strlen(B64_CODED[i]));
        NKT_EQ_MEM(out, B64_CODED[i], n);
        NKT_EQ(nki_base64_decode(B64_CODED[i], n, back, sizeof(back)), strlen(B64_PLAIN[i]));
        NKT_EQ_MEM(back, B64_PLAIN[i], strlen(B64_PLAIN[i]));
    }
}

static void base64_decode_is_strict(void)
{
    static const char *const bad[] = {"Zg=", "Zg", "Z===", "=Zg=", "Zg=a", "Zm9v!A==", "Zm 9v",
                                      "Zh==", "Zm9=", "Zg==Zg==", "Zm8=Zm9v"};
    uint8_t out[16];
    size_t i;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (nki_base64_decode(bad[i], strlen(bad[i]), out, sizeof(out)) != -1) {
            NKT_FAIL("'%s' was decoded", bad[i]);
        }
    }
    /* Room for exactly what it holds, not a byte less. */
    NKT_EQ(nki_base64_decode("Zm9vYmFy", 8, out, 6), 6);
    NKT_EQ(nki_base64_decode("Zm9vYmFy", 8, out, 5), -1);
}

static void accept_matches_rfc6455_example(void)
{
    char acc[NKI_WS_ACCEPT_LEN + 1];
    nki_ws_accept("dGhlIHNhbXBsZSBub25jZQ==", 24, acc);
    NKT_CHECK(strcmp(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0);
    nki_ws_accept(" dGhlIHNhbXBsZSBub25jZQ==\t", 26, acc); /* blanks around it do not count */
    NKT_CHECK(strcmp(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0);
}

static void key_validity(void)
{
    static const uint8_t nonce[16] = {'t', 'h', 'e', ' ', 's', 'a', 'm', 'p', 'l', 'e', ' ', 'n', 'o', 'n', 'c', 'e'};
    char key[NKI_WS_KEY_LEN + 1];
    nki_ws_key_make(nonce, key);
    NKT_CHECK(strcmp(key, "dGhlIHNhbXBsZSBub25jZQ==") == 0);
    NKT_CHECK(nki_ws_key_valid(key, 24));
    NKT_CHECK(nki_ws_key_valid(" dGhlIHNhbXBsZSBub25jZQ== ", 26));
    NKT_CHECK(!nki_ws_key_valid("dGhlIHNhbXBsZSBub25jZQ", 22));         /* no padding */
    NKT_CHECK(!nki_ws_key_valid("dGhlIHNhbXBsZSBub25jZQ==dGhl", 28));   /* 19 bytes */
    NKT_CHECK(!nki_ws_key_valid("abc", 3));
    NKT_CHECK(!nki_ws_key_valid("Zm9vYmFyZm9vYmFyZm9vYmE=", 24));       /* 17 bytes */
    NKT_CHECK(!nki_ws_key_valid("dGhlIHNhbXBsZSBub25jZR==", 24));       /* stray bits */
}

static const nkt_case cases[] = {
    NKT_CASE(sha1_rfc3174_vectors),
    NKT_CASE(sha1_padding_boundaries),
    NKT_CASE(base64_rfc4648_vectors),
    NKT_CASE(base64_decode_is_strict),
    NKT_CASE(accept_matches_rfc6455_example),
    NKT_CASE(key_validity),
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return nkt_main(argc, argv, cases);
}
