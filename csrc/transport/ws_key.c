/* The WebSocket handshake keys: SHA-1, base64 and the accept value. */
#include <string.h>

#include "ws_key.h"

static uint32_t rol(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

static void sha1_block(uint32_t h[5], const uint8_t *p)
{
    uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f, k, t;
    int i;
    for (i = 0; i < 16; i++) {
        w[i] = ((uint32_t) p[4 * i] << 24) | ((uint32_t) p[4 * i + 1] << 16) |
               ((uint32_t) p[4 * i + 2] << 8) | p[4 * i + 3];
    }
    for (; i < 80; i++) {
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    }
    for (i = 0; i < 80; i++) {
        if (i < 20) {
            f = (b & c) | (~b & d), k = 0x5A827999;
        } else if (i < 40) {
            f = b ^ c ^ d, k = 0x6ED9EBA1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
        } else {
            f = b ^ c ^ d, k = 0xCA62C1D6;
        }
        t = rol(a, 5) + f + e + k + w[i];
        e = d, d = c, c = rol(b, 30), b = a, a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

void nki_sha1(const void *data, size_t n, uint8_t out[NKI_SHA1_LEN])
{
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    const uint8_t *p = data;
    uint8_t tail[128];
    uint64_t bits = (uint64_t) n * 8;
    size_t rest, tl, i;
    for (; n >= 64; n -= 64, p += 64) {
        sha1_block(h, p);
    }
    /* The last bytes, 0x80, zeros, then the bit count: one or two blocks. */
    rest = n;
    memcpy(tail, p, rest);
    tail[rest] = 0x80;
    tl = rest + 1 + 8 <= 64 ? 64 : 128;
    memset(tail + rest + 1, 0, tl - rest - 1);
    for (i = 0; i < 8; i++) {
        tail[tl - 1 - i] = (uint8_t) (bits >> (8 * i));
    }
    for (i = 0; i < tl; i += 64) {
        sha1_block(h, tail + i);
    }
    for (i = 0; i < 20; i++) {
        out[i] = (uint8_t) (h[i / 4] >> (24 - 8 * (i % 4)));
    }
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t nki_base64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t i, o = 0;
    for (i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t) in[i] << 16;
        if (i + 1 < n) {
            v |= (uint32_t) in[i + 1] << 8;
        }
        if (i + 2 < n) {
            v |= in[i + 2];
        }
        out[o++] = B64[v >> 18];
        out[o++] = B64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? B64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? B64[v & 63] : '=';
    }
    return o;
}

static int b64_value(char c)
{
    const char *p = c ? strchr(B64, c) : NULL;
    return p ? (int) (p - B64) : -1;
}

long nki_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    size_t i, o = 0;
    if (n % 4 != 0) {
        return -1;
    }
    for (i = 0; i < n; i += 4) {
        int v[4], j, pad = 0;
        for (j = 0; j < 4; j++) {
            /* '=' only as the last one or two characters, nothing after. */
            if (in[i + j] == '=' && i + 4 == n && j >= 2) {
                v[j] = 0, pad++;
            } else if (pad || (v[j] = b64_value(in[i + j])) < 0) {
                return -1;
            }
        }
        /* The bits a pad hides must be zero: one encoding per value. */
        if ((pad == 2 && (v[1] & 15)) || (pad == 1 && (v[2] & 3)) || o + 3 - pad > cap) {
            return -1;
        }
        out[o++] = (uint8_t) ((v[0] << 2) | (v[1] >> 4));
        if (pad < 2) {
            out[o++] = (uint8_t) ((v[1] << 4) | (v[2] >> 2));
        }
        if (pad < 1) {
            out[o++] = (uint8_t) ((v[2] << 6) | v[3]);
        }
    }
    return (long) o;
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++, (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) {
        (*n)--;
    }
}

int nki_ws_key_valid(const char *key, size_t n)
{
    uint8_t raw[18];
    trim(&key, &n);
    return n == NKI_WS_KEY_LEN && nki_base64_decode(key, n, raw, sizeof(raw)) == 16;
}

void nki_ws_accept(const char *key, size_t n, char out[NKI_WS_ACCEPT_LEN + 1])
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    char buf[256 + sizeof(guid)];
    uint8_t d[NKI_SHA1_LEN];
    trim(&key, &n);
    if (n > 256) {
        n = 256; /* a listener has checked it is 24; a dialer made it */
    }
    memcpy(buf, key, n);
    memcpy(buf + n, guid, sizeof(guid) - 1);
    nki_sha1(buf, n + sizeof(guid) - 1, d);
    out[nki_base64_encode(d, sizeof(d), out)] = '\0';
}

void nki_ws_key_make(const uint8_t nonce[16], char out[NKI_WS_KEY_LEN + 1])
{
    out[nki_base64_encode(nonce, 16, out)] = '\0';
}
