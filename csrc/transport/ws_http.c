/* HTTP/1.1 upgrade heads for ws://: parsing and NNG's checks. */
#include <string.h>

#include "nngkit.h"
#include "ws_http.h"
#include "ws_key.h"

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}

static bool eq_nocase(const char *a, size_t an, const char *b)
{
    size_t i;
    if (strlen(b) != an) {
        return false;
    }
    for (i = 0; i < an; i++) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

int nki_ws_head_end(const char *p, size_t n, size_t *len)
{
    size_t i, start = 0;
    for (i = 0; i < n && i < NKI_WS_HEAD_MAX; i++) {
        if (p[i] != '\n') {
            continue;
        }
        /* An empty line (after the first) ends the head. */
        if (start > 0 && (i == start || (i == start + 1 && p[start] == '\r'))) {
            *len = i + 1;
            return 0;
        }
        start = i + 1;
    }
    return i >= NKI_WS_HEAD_MAX ? NKI_WS_DROP : NKI_WS_HEAD_MORE;
}

/* The next line of the head from *pos: its span without CR LF. */
static bool next_line(const char *p, size_t len, size_t *pos, nki_ws_span *line)
{
    const char *nl = memchr(p + *pos, '\n', len - *pos);
    size_t end;
    if (nl == NULL) {
        return false;
    }
    end = (size_t) (nl - p);
    line->off = (uint16_t) *pos;
    line->len = (uint16_t) (end - *pos - (end > *pos && p[end - 1] == '\r'));
    *pos = end + 1;
    return true;
}

static nki_ws_span span(size_t off, size_t len)
{
    nki_ws_span s = {(uint16_t) off, (uint16_t) len};
    return s;
}

/* "A SP B SP rest": the first two words end at the first two spaces; a
 * status line may stop after B ("HTTP/1.1 101" has no reason). */
static int split_start(const char *p, nki_ws_span l, nki_ws_span out[3], bool rest_optional)
{
    const char *s = p + l.off, *sp1, *sp2;
    sp1 = memchr(s, ' ', l.len);
    if (sp1 == NULL || sp1 == s) {
        return NKI_WS_DROP;
    }
    sp2 = memchr(sp1 + 1, ' ', l.len - (size_t) (sp1 + 1 - s));
    if (sp2 == NULL && !rest_optional) {
        return NKI_WS_DROP;
    }
    if (sp2 == NULL) {
        sp2 = s + l.len; /* out[2] is empty, just past the line */
    }
    out[0] = span(l.off, (size_t) (sp1 - s));
    out[1] = span((size_t) (sp1 + 1 - p), (size_t) (sp2 - sp1 - 1));
    out[2] = sp2 == s + l.len ? span((size_t) (sp2 - p), 0)
                              : span((size_t) (sp2 + 1 - p), (size_t) (s + l.len - sp2 - 1));
    return 0;
}

/* "Name: value": a name without blanks (400), a colon (else dropped). */
static int parse_header(const char *p, nki_ws_span l, nki_ws_hdr *h)
{
    const char *s = p + l.off, *colon = memchr(s, ':', l.len);
    size_t i, v, ve;
    if (colon == NULL || colon == s || blank(s[0])) {
        return NKI_WS_DROP; /* no name, or a folded line */
    }
    for (i = 0; s + i < colon; i++) {
        if (blank(s[i])) {
            return 400;
        }
    }
    v = (size_t) (colon + 1 - s);
    ve = l.len;
    while (v < ve && blank(s[v])) {
        v++;
    }
    while (ve > v && blank(s[ve - 1])) {
        ve--;
    }
    h->name = span(l.off, (size_t) (colon - s));
    h->value = span(l.off + v, ve - v);
    return 0;
}

static int parse_headers(const char *p, size_t len, size_t pos, nki_ws_head *h)
{
    nki_ws_span l;
    int rv;
    h->nhdr = 0;
    while (next_line(p, len, &pos, &l) && l.len > 0) {
        if (h->nhdr == NKI_WS_HDRS_MAX) {
            return NKI_WS_DROP;
        }
        if ((rv = parse_header(p, l, &h->hdr[h->nhdr])) != 0) {
            return rv;
        }
        h->nhdr++;
    }
    return 0;
}

/* Common start: a whole head with no NUL, and its first line split. */
static int parse_start(const char *p, size_t len, nki_ws_head *h, size_t *pos, bool response)
{
    nki_ws_span l;
    size_t end;
    if (len > NKI_WS_HEAD_MAX || nki_ws_head_end(p, len, &end) != 0 || end != len ||
        memchr(p, '\0', len) != NULL) {
        return NKI_WS_DROP;
    }
    h->buf = p;
    h->len = len;
    *pos = 0;
    if (!next_line(p, len, pos, &l)) {
        return NKI_WS_DROP;
    }
    return split_start(p, l, h->line, response);
}

int nki_ws_req_parse(const char *p, size_t len, nki_ws_head *h)
{
    size_t pos;
    int rv = parse_start(p, len, h, &pos, false);
    if (rv != 0) {
        return rv;
    }
    if ((rv = parse_headers(p, len, pos, h)) != 0) {
        return rv;
    }
    /* NNG's parser itself refuses a version that is not HTTP/something. */
    return (h->line[2].len < 5 || memcmp(p + h->line[2].off, "HTTP/", 5) != 0) ? 505 : 0;
}

int nki_ws_res_parse(const char *p, size_t len, nki_ws_head *h)
{
    const char *s;
    size_t pos, i;
    int rv = parse_start(p, len, h, &pos, true);
    if (rv != 0) {
        return rv;
    }
    s = p + h->line[1].off;
    if (h->line[1].len != 3 || h->line[0].len < 5 || memcmp(p + h->line[0].off, "HTTP/", 5) != 0) {
        return NKI_WS_DROP;
    }
    for (h->status = 0, i = 0; i < 3; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return NKI_WS_DROP;
        }
        h->status = h->status * 10 + (s[i] - '0');
    }
    return parse_headers(p, len, pos, h);
}

const char *nki_ws_hdr_get(const nki_ws_head *h, const char *name, size_t *vlen, int *count)
{
    const char *found = NULL;
    size_t i;
    *count = 0;
    for (i = 0; i < h->nhdr; i++) {
        if (eq_nocase(h->buf + h->hdr[i].name.off, h->hdr[i].name.len, name)) {
            if ((*count)++ == 0) {
                found = h->buf + h->hdr[i].value.off;
                *vlen = h->hdr[i].value.len;
            }
        }
    }
    return found;
}

bool nki_ws_has_word(const char *v, size_t n, const char *word)
{
    size_t wl = strlen(word), i = 0;
    while (i < n) {
        if (n - i >= wl && eq_nocase(v + i, wl, word) &&
            (i + wl == n || v[i + wl] == ' ' || v[i + wl] == ',')) {
            return true;
        }
        /* The next word starts after a space (then spaces and commas). */
        while (i < n && v[i] != ' ') {
            i++;
        }
        while (i < n && (v[i] == ' ' || v[i] == ',')) {
            i++;
        }
    }
    return false;
}

static int hexval(char c)
{
    c = lower(c);
    return (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

long nki_ws_target_path(const char *t, size_t n, char *out, size_t cap)
{
    const char *q = memchr(t, '?', n);
    size_t i, o = 0;
    n = q ? (size_t) (q - t) : n;
    /* An absolute URI: drop "scheme://authority". */
    for (i = 0; n > 0 && t[0] != '/' && i + 3 <= n; i++) {
        if (memcmp(t + i, "://", 3) == 0) {
            const char *path = memchr(t + i + 3, '/', n - i - 3);
            size_t skip = path ? (size_t) (path - t) : n;
            t += skip;
            n -= skip;
            break;
        }
    }
    if (n == 0 || t[0] != '/') {
        return -1;
    }
    for (i = 0; i < n; i++) {
        char c = t[i];
        if (c == '%') {
            int hi = i + 2 < n ? hexval(t[i + 1]) : -1, lo = i + 2 < n ? hexval(t[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                return -1;
            }
            c = (char) (hi * 16 + lo);
            i += 2;
        }
        if (o + 1 >= cap || c == '\0') {
            return -1;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    return (long) o;
}

bool nki_ws_path_match(const char *path, const char *lpath)
{
    size_t ll;
    if (lpath[0] == '\0') {
        lpath = "/";
    }
    ll = strlen(lpath);
    return strncmp(path, lpath, ll) == 0 &&
           (path[ll] == '\0' || (path[ll] == '/' && path[ll + 1] == '\0' && lpath[ll - 1] != '/'));
}

static bool span_is(const nki_ws_head *h, nki_ws_span s, const char *text)
{
    return s.len == strlen(text) && memcmp(h->buf + s.off, text, s.len) == 0;
}

/* 0 (no body), 400 (not a number) or 413 (a body, or chunked). */
static int body_check(const nki_ws_head *h)
{
    size_t n = 0, i;
    int count;
    const char *v = nki_ws_hdr_get(h, "Content-Length", &n, &count);
    bool nonzero = false;
    for (i = 0; v && i < n; i++) {
        if (v[i] < '0' || v[i] > '9') {
            return 400;
        }
        nonzero |= v[i] != '0';
    }
    if ((v && n == 0) || count > 1) {
        return 400;
    }
    v = nki_ws_hdr_get(h, "Transfer-Encoding", &n, &count);
    return (nonzero || (v && nki_ws_has_word(v, n, "chunked"))) ? 413 : 0;
}

/* The WebSocket part: each failure is 400. */
static bool upgrade_ok(const nki_ws_head *h, const char *proto)
{
    size_t n = 0;
    int count;
    const char *v;
    if (span_is(h, h->line[0], "HEAD") || !nki_ws_hdr_get(h, "Host", &n, &count)) {
        return false;
    }
    v = nki_ws_hdr_get(h, "Upgrade", &n, &count);
    if (v == NULL || !nki_ws_has_word(v, n, "websocket")) {
        return false;
    }
    v = nki_ws_hdr_get(h, "Connection", &n, &count);
    if (v == NULL || !nki_ws_has_word(v, n, "upgrade")) {
        return false;
    }
    v = nki_ws_hdr_get(h, "Sec-WebSocket-Version", &n, &count);
    if (v == NULL || n != 2 || memcmp(v, "13", 2) != 0) {
        return false;
    }
    v = nki_ws_hdr_get(h, "Sec-WebSocket-Key", &n, &count);
    if (v == NULL || !nki_ws_key_valid(v, n)) {
        return false;
    }
    v = nki_ws_hdr_get(h, "Sec-WebSocket-Protocol", &n, &count);
    return v != NULL && eq_nocase(v, n, proto);
}

int nki_ws_req_check(const nki_ws_head *h, const char *proto)
{
    int rv;
    if (!span_is(h, h->line[0], "GET") && !span_is(h, h->line[0], "HEAD")) {
        return 405;
    }
    if ((rv = body_check(h)) != 0) {
        return rv;
    }
    if (!span_is(h, h->line[2], "HTTP/1.1")) {
        return 505;
    }
    return upgrade_ok(h, proto) ? 0 : 400;
}

int nki_ws_res_check(const nki_ws_head *h, const char *accept, const char *proto)
{
    size_t n = 0;
    int count;
    const char *v;
    if (h->status != 101) {
        return (h->status == 401 || h->status == 403)   ? NK_EPERM
               : (h->status == 404 || h->status == 405) ? NK_ECONNREFUSED
                                                        : NK_EPROTO;
    }
    v = nki_ws_hdr_get(h, "Sec-WebSocket-Accept", &n, &count);
    if (v == NULL || n != strlen(accept) || memcmp(v, accept, n) != 0) {
        return NK_EPROTO;
    }
    v = nki_ws_hdr_get(h, "Connection", &n, &count);
    if (v == NULL || !nki_ws_has_word(v, n, "upgrade")) {
        return NK_EPROTO;
    }
    v = nki_ws_hdr_get(h, "Upgrade", &n, &count);
    if (v == NULL || n != 9 || memcmp(v, "websocket", 9) != 0) {
        return NK_EPROTO; /* case-sensitive, as NNG */
    }
    v = nki_ws_hdr_get(h, "Sec-WebSocket-Protocol", &n, &count);
    return (v != NULL && eq_nocase(v, n, proto)) ? 0 : NK_EPROTO;
}
