/*
 * Fuzz target: the HTTP/1.1 upgrade heads of ws:// (csrc/transport/ws_http.c).
 *
 * Input: the bytes a peer sends.  The head's end is looked for, and the head
 * parsed as a request and as a response.  Properties: the end is the first
 * empty line and within NKI_WS_HEAD_MAX; results are only the documented
 * ones; every span lies inside the head; names hold no blank or colon and
 * values no surrounding blank; a request the listener would upgrade is a GET
 * with HTTP/1.1, a valid key, the word websocket and the subprotocol; the
 * decoded path starts with '/' and fits; the word match agrees with a
 * reference.
 */
#include <string.h>

#include "fuzz_common.h"
#include "nngkit.h"
#include "ws_http.h"
#include "ws_key.h"

static void check_spans(const nki_ws_head *h)
{
    size_t i;
    for (i = 0; i < 3; i++) {
        FUZZ_CHECK((size_t) h->line[i].off + h->line[i].len <= h->len, "line span %zu", i);
    }
    FUZZ_CHECK(h->nhdr <= NKI_WS_HDRS_MAX, "nhdr %zu", h->nhdr);
    for (i = 0; i < h->nhdr; i++) {
        const char *name = h->buf + h->hdr[i].name.off, *v = h->buf + h->hdr[i].value.off;
        size_t nl = h->hdr[i].name.len, vl = h->hdr[i].value.len;
        FUZZ_CHECK(h->hdr[i].name.off + nl <= h->len && h->hdr[i].value.off + vl <= h->len, "span %zu", i);
        FUZZ_CHECK(nl > 0 && !memchr(name, ' ', nl) && !memchr(name, '\t', nl) && !memchr(name, ':', nl),
                   "bad name in header %zu", i);
        FUZZ_CHECK(vl == 0 || (v[0] != ' ' && v[0] != '\t' && v[vl - 1] != ' ' && v[vl - 1] != '\t'),
                   "value %zu not trimmed", i);
    }
}

/* The word match as its comment in ws_http.h reads: a word starts the
 * value, or follows a run of spaces and commas that holds a space. */
static int word_start(const char *v, size_t i)
{
    int space = 0;
    if (i == 0) {
        return 1;
    }
    if (v[i] == ' ' || v[i] == ',') {
        return 0;
    }
    while (i > 0 && (v[i - 1] == ' ' || v[i - 1] == ',')) {
        space |= v[--i] == ' ';
    }
    return space;
}

static int ref_word(const char *v, size_t n, const char *w)
{
    size_t wl = strlen(w), i, j;
    for (i = 0; i + wl <= n; i++) {
        int ok = word_start(v, i);
        for (j = 0; ok && j < wl; j++) {
            ok = (v[i + j] | 0x20) == w[j];
        }
        if (ok && (i + wl == n || v[i + wl] == ' ' || v[i + wl] == ',')) {
            return 1;
        }
    }
    return 0;
}

static void check_request(const nki_ws_head *h)
{
    char path[256];
    size_t vl = 0, i;
    int count, rv = nki_ws_req_check(h, "rep.sp.nanomsg.org");
    const char *v;
    long pl = nki_ws_target_path(h->buf + h->line[1].off, h->line[1].len, path, sizeof(path));
    FUZZ_CHECK(rv == 0 || rv == 400 || rv == 405 || rv == 413 || rv == 505, "check %d", rv);
    FUZZ_CHECK(pl == -1 || (pl > 0 && pl < (long) sizeof(path) && path[0] == '/' && strlen(path) == (size_t) pl),
               "path length %ld", pl);
    for (i = 0; i < h->nhdr; i++) {
        const char *val = h->buf + h->hdr[i].value.off;
        size_t n = h->hdr[i].value.len;
        FUZZ_CHECK(nki_ws_has_word(val, n, "upgrade") == ref_word(val, n, "upgrade"), "word match, header %zu", i);
    }
    if (rv == 0) {
        FUZZ_CHECK(h->line[0].len == 3 && memcmp(h->buf + h->line[0].off, "GET", 3) == 0, "upgrade without GET");
        FUZZ_CHECK(h->line[2].len == 8 && memcmp(h->buf + h->line[2].off, "HTTP/1.1", 8) == 0, "not 1.1");
        v = nki_ws_hdr_get(h, "Sec-WebSocket-Key", &vl, &count);
        FUZZ_CHECK(v && nki_ws_key_valid(v, vl), "upgrade without a valid key");
        v = nki_ws_hdr_get(h, "Upgrade", &vl, &count);
        FUZZ_CHECK(v && ref_word(v, vl, "websocket"), "upgrade without websocket");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static nki_ws_head h;
    const char *p = (const char *) data;
    size_t len = 0, again = 0;
    int rv = nki_ws_head_end(p, size, &len);
    FUZZ_CHECK(rv == 0 || rv == NKI_WS_HEAD_MORE || rv == NKI_WS_DROP, "head_end %d", rv);
    FUZZ_CHECK(rv != NKI_WS_DROP || size >= NKI_WS_HEAD_MAX, "dropped after %zu bytes", size);
    if (rv != 0) {
        return 0;
    }
    FUZZ_CHECK(len <= size && len <= NKI_WS_HEAD_MAX && p[len - 1] == '\n', "end %zu", len);
    FUZZ_CHECK(nki_ws_head_end(p, len - 1, &again) == NKI_WS_HEAD_MORE, "an earlier end than %zu", len);
    rv = nki_ws_req_parse(p, len, &h);
    FUZZ_CHECK(rv == 0 || rv == NKI_WS_DROP || rv == 400 || rv == 505, "req_parse %d", rv);
    if (rv == 0 || rv == 505) {
        check_spans(&h);
    }
    if (rv == 0) {
        check_request(&h);
    }
    rv = nki_ws_res_parse(p, len, &h);
    FUZZ_CHECK(rv == 0 || rv == NKI_WS_DROP || rv == 400, "res_parse %d", rv);
    if (rv == 0) {
        check_spans(&h);
        FUZZ_CHECK(h.status >= 0 && h.status <= 999, "status %d", h.status);
        rv = nki_ws_res_check(&h, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "rep.sp.nanomsg.org");
        FUZZ_CHECK(rv == 0 || rv == NK_EPERM || rv == NK_ECONNREFUSED || rv == NK_EPROTO, "res_check %d", rv);
        FUZZ_CHECK(rv != 0 || h.status == 101, "accepted status %d", h.status);
    }
    return 0;
}
