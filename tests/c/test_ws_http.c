/*
 * The HTTP/1.1 upgrade heads of ws:// (csrc/transport/ws_http.c): finding a
 * head's end, parsing requests and responses, and the answers NNG 1.11 gives
 * (observed with pynng 0.9 and nngcat 1.5.2 on loopback: 404 before 405
 * before 413 before 505 before 400; a malformed or oversized head closes
 * without an answer).  Links ws_http.c and ws_key.c.
 */
#include "nkt.h"
#include "nngkit.h"
#include "ws_http.h"

#define KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define GOOD_HEADERS                                                                   \
    "Host: 127.0.0.1:4000\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"           \
    "Sec-WebSocket-Key: " KEY "\r\nSec-WebSocket-Version: 13\r\n"                      \
    "Sec-WebSocket-Protocol: rep.sp.nanomsg.org\r\n"
#define GOOD "GET /sp HTTP/1.1\r\n" GOOD_HEADERS "\r\n"

static char buf[NKI_WS_HEAD_MAX + 4096];

/* GOOD with 'from' replaced by 'to' (the first time). */
static const char *edit(const char *from, const char *to)
{
    const char *at = strstr(GOOD, from);
    NKT_CHECK(at != NULL);
    snprintf(buf, sizeof(buf), "%.*s%s%s", (int) (at - GOOD), GOOD, to, at + strlen(from));
    return buf;
}

static int req(const char *text, nki_ws_head *h)
{
    size_t len = 0;
    NKT_EQ(nki_ws_head_end(text, strlen(text), &len), 0);
    NKT_EQ(len, strlen(text));
    return nki_ws_req_parse(text, len, h);
}

static int check(const char *text)
{
    static nki_ws_head h;
    int rv = req(text, &h);
    return rv != 0 ? rv : nki_ws_req_check(&h, "rep.sp.nanomsg.org");
}

static void head_end_cases(void)
{
    size_t len = 0, i;
    static char big[NKI_WS_HEAD_MAX + 1];
    NKT_EQ(nki_ws_head_end(GOOD, strlen(GOOD), &len), 0);
    NKT_EQ(len, strlen(GOOD));
    for (i = 0; i < strlen(GOOD); i++) { /* every prefix wants more */
        NKT_EQ(nki_ws_head_end(GOOD, i, &len), NKI_WS_HEAD_MORE);
    }
    NKT_EQ(nki_ws_head_end("GET / HTTP/1.1\nA: b\n\nrest", 25, &len), 0);
    NKT_EQ(len, 21);
    NKT_EQ(nki_ws_head_end("\r\n\r\n", 4, &len), 0); /* an empty line first */
    NKT_EQ(len, 4);
    memset(big, 'a', sizeof(big));
    NKT_EQ(nki_ws_head_end(big, NKI_WS_HEAD_MAX - 1, &len), NKI_WS_HEAD_MORE);
    NKT_EQ(nki_ws_head_end(big, NKI_WS_HEAD_MAX, &len), NKI_WS_DROP);
    NKT_EQ(nki_ws_head_end(big, sizeof(big), &len), NKI_WS_DROP);
    memcpy(big + NKI_WS_HEAD_MAX - 4, "\r\n\r\n", 4); /* ends exactly at the limit */
    NKT_EQ(nki_ws_head_end(big, sizeof(big), &len), 0);
    NKT_EQ(len, NKI_WS_HEAD_MAX);
}

static void parses_a_good_request(void)
{
    static nki_ws_head h;
    size_t n = 0;
    int count = 0;
    const char *v;
    NKT_EQ(req(GOOD, &h), 0);
    NKT_EQ(h.line[0].len, 3);
    NKT_EQ_MEM(GOOD + h.line[1].off, "/sp", 3);
    NKT_EQ(h.line[1].len, 3);
    NKT_EQ(h.nhdr, 6);
    v = nki_ws_hdr_get(&h, "sec-websocket-KEY", &n, &count);
    NKT_CHECK(v != NULL);
    NKT_EQ(count, 1);
    NKT_EQ(n, 24);
    NKT_EQ_MEM(v, KEY, 24);
    NKT_CHECK(nki_ws_hdr_get(&h, "Origin", &n, &count) == NULL);
    NKT_EQ(count, 0);
    NKT_EQ(nki_ws_req_check(&h, "rep.sp.nanomsg.org"), 0);
    NKT_EQ(nki_ws_req_check(&h, "req.sp.nanomsg.org"), 400);
}

static void malformed_heads_are_dropped(void)
{
    static nki_ws_head h;
    static const char *const drop[] = {
        "GARBAGE\r\n\r\n", "GET /sp\r\n\r\n", " GET /sp HTTP/1.1\r\n\r\n",
        "GET /sp HTTP/1.1\r\nbadheader\r\n\r\n", "GET /sp HTTP/1.1\r\n: empty name\r\n\r\n",
        "GET /sp HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
    };
    size_t i;
    for (i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
        if (req(drop[i], &h) != NKI_WS_DROP) {
            NKT_FAIL("not dropped: %s", drop[i]);
        }
    }
    NKT_EQ(nki_ws_req_parse("GET / HTTP/1.1\r\nA\0: b\r\n\r\n", 26, &h), NKI_WS_DROP);
    /* Not a whole head, or more than one. */
    NKT_EQ(nki_ws_req_parse(GOOD, strlen(GOOD) - 1, &h), NKI_WS_DROP);
    NKT_EQ(nki_ws_req_parse("GET / HTTP/1.1\r\n\r\nX", 19, &h), NKI_WS_DROP);
}

static void header_count_limit(void)
{
    static nki_ws_head h;
    size_t n = (size_t) snprintf(buf, sizeof(buf), "GET /sp HTTP/1.1\r\n"), i;
    for (i = 0; i < NKI_WS_HDRS_MAX; i++) {
        n += (size_t) snprintf(buf + n, sizeof(buf) - n, "X%zu: v\r\n", i);
    }
    snprintf(buf + n, sizeof(buf) - n, "\r\n");
    NKT_EQ(req(buf, &h), 0);
    NKT_EQ(h.nhdr, NKI_WS_HDRS_MAX);
    snprintf(buf + n, sizeof(buf) - n, "Y: v\r\n\r\n");
    NKT_EQ(req(buf, &h), NKI_WS_DROP);
}

static void status_answers_in_nngs_order(void)
{
    NKT_EQ(check(edit("GET", "POST")), 405);
    NKT_EQ(check(edit("GET", "get")), 405);
    NKT_EQ(check(edit("GET", "HEAD")), 400);
    NKT_EQ(check(edit("HTTP/1.1", "HTTP/1.0")), 505);
    NKT_EQ(check(edit("HTTP/1.1", "HTTP/1.10")), 505);
    NKT_EQ(check(edit("HTTP/1.1", "http/1.1")), 505);
    NKT_EQ(check(edit("GET /sp", "GET  /sp")), 505);
    NKT_EQ(check(edit("Host:", "Content-Length: 5\r\nHost:")), 413);
    NKT_EQ(check(edit("Host:", "Content-Length: 0\r\nHost:")), 0);
    NKT_EQ(check(edit("Host:", "Content-Length: abc\r\nHost:")), 400);
    NKT_EQ(check(edit("Host:", "Transfer-Encoding: chunked\r\nHost:")), 413);
    NKT_EQ(check(edit("Host:", "Transfer-Encoding: identity\r\nHost:")), 0);
    /* Each step's order: a POST with a body is 405, HTTP/1.0 with a body 413. */
    NKT_EQ(check(edit("GET /sp HTTP/1.1\r\n", "POST /sp HTTP/1.1\r\nContent-Length: 5\r\n")), 405);
    NKT_EQ(check(edit("GET /sp HTTP/1.1\r\n", "GET /sp HTTP/1.0\r\nContent-Length: 5\r\n")), 413);
    NKT_EQ(check(edit("Sec-WebSocket-Version:", "Sec-WebSocket-Version :")), 400);
}

static void upgrade_checks_are_400(void)
{
    NKT_EQ(check(edit("Host: 127.0.0.1:4000\r\n", "")), 400);
    NKT_EQ(check(edit("Upgrade: websocket", "Upgrade: websocket2")), 400);
    NKT_EQ(check(edit("Upgrade: websocket", "Upgrade: WebSocket")), 0);
    NKT_EQ(check(edit("Upgrade: websocket", "Upgrade: foo, websocket")), 0);
    NKT_EQ(check(edit("Connection: Upgrade", "Connection: upgrader")), 400);
    NKT_EQ(check(edit("Connection: Upgrade", "Connection: keep-alive,Upgrade")), 400);
    NKT_EQ(check(edit("Connection: Upgrade", "Connection: keep-alive, Upgrade")), 0);
    NKT_EQ(check(edit("Connection: Upgrade", "Connection:   UPGRADE  ")), 0);
    NKT_EQ(check(edit("Version: 13", "Version: 8")), 400);
    NKT_EQ(check(edit("Version: 13", "Version:13 ")), 0);
    NKT_EQ(check(edit(KEY, "abc")), 400);
    NKT_EQ(check(edit(KEY, "dGhlIHNhbXBsZSBub25jZQ")), 400);
    NKT_EQ(check(edit("Sec-WebSocket-Key", "sec-websocket-key")), 0);
    NKT_EQ(check(edit("rep.sp", "req.sp")), 400);
    NKT_EQ(check(edit("rep.sp.nanomsg.org", "foo, rep.sp.nanomsg.org")), 400);
    NKT_EQ(check(edit("rep.sp.nanomsg.org", "rep.sp.nanomsg.org, foo")), 400);
    NKT_EQ(check(edit("rep.sp.nanomsg.org", " REP.sp.nanomsg.org ")), 0);
    NKT_EQ(check(edit("Sec-WebSocket-Protocol: rep.sp.nanomsg.org\r\n", "")), 400);
    NKT_EQ(check(edit("\r\n", "\n")), 0); /* bare LF line ends */
}

static void word_match(void)
{
    NKT_CHECK(nki_ws_has_word("Upgrade", 7, "upgrade"));
    NKT_CHECK(nki_ws_has_word("Upgrade,keep-alive", 18, "upgrade"));
    NKT_CHECK(nki_ws_has_word("keep-alive Upgrade", 18, "upgrade"));
    NKT_CHECK(nki_ws_has_word("a ,, Upgrade", 12, "upgrade"));
    NKT_CHECK(!nki_ws_has_word("keep-alive,Upgrade", 18, "upgrade"));
    NKT_CHECK(!nki_ws_has_word("Upgrades", 8, "upgrade"));
    NKT_CHECK(!nki_ws_has_word("Upgrad", 6, "upgrade"));
    NKT_CHECK(!nki_ws_has_word("", 0, "upgrade"));
    NKT_CHECK(nki_ws_has_word("Upgrade;x", 7, "upgrade")); /* only n bytes are read */
}

static void target_paths(void)
{
    char out[64];
    NKT_EQ(nki_ws_target_path("/sp?x=1", 7, out, sizeof(out)), 3);
    NKT_CHECK(strcmp(out, "/sp") == 0);
    NKT_EQ(nki_ws_target_path("/%73p%2F", 8, out, sizeof(out)), 4);
    NKT_CHECK(strcmp(out, "/sp/") == 0);
    NKT_EQ(nki_ws_target_path("http://127.0.0.1/sp", 19, out, sizeof(out)), 3);
    NKT_CHECK(strcmp(out, "/sp") == 0);
    NKT_EQ(nki_ws_target_path("/sp%2", 5, out, sizeof(out)), -1);
    NKT_EQ(nki_ws_target_path("/sp%zz", 6, out, sizeof(out)), -1);
    NKT_EQ(nki_ws_target_path("/a%00b", 6, out, sizeof(out)), -1);
    NKT_EQ(nki_ws_target_path("sp", 2, out, sizeof(out)), -1);
    NKT_EQ(nki_ws_target_path("", 0, out, sizeof(out)), -1);
    NKT_EQ(nki_ws_target_path("/abcd", 5, out, 5), -1); /* needs 6 with the NUL */
    NKT_EQ(nki_ws_target_path("/abcd", 5, out, 6), 5);
}

static void path_match(void)
{
    NKT_CHECK(nki_ws_path_match("/sp", "/sp"));
    NKT_CHECK(nki_ws_path_match("/sp/", "/sp"));
    NKT_CHECK(!nki_ws_path_match("/sp//", "/sp"));
    NKT_CHECK(!nki_ws_path_match("/sp/x", "/sp"));
    NKT_CHECK(!nki_ws_path_match("/spx", "/sp"));
    NKT_CHECK(!nki_ws_path_match("/SP", "/sp"));
    NKT_CHECK(!nki_ws_path_match("/s", "/sp"));
    NKT_CHECK(!nki_ws_path_match("/sp#frag", "/sp"));
    NKT_CHECK(nki_ws_path_match("/", ""));
    NKT_CHECK(nki_ws_path_match("/", "/"));
    NKT_CHECK(!nki_ws_path_match("/x", "/"));
}

static int res(const char *text, const char *accept)
{
    static nki_ws_head h;
    int rv = nki_ws_res_parse(text, strlen(text), &h);
    return rv != 0 ? rv : nki_ws_res_check(&h, accept, "rep.sp.nanomsg.org");
}

#define ACC "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
#define RES_GOOD                                                                               \
    "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"        \
    "Sec-WebSocket-Accept: " ACC "\r\nSec-WebSocket-Protocol: rep.sp.nanomsg.org\r\n\r\n"

static void responses(void)
{
    static nki_ws_head h;
    NKT_EQ(res(RES_GOOD, ACC), 0);
    NKT_EQ(res(RES_GOOD, "x" ACC), NK_EPROTO);
    NKT_EQ(nki_ws_res_parse(RES_GOOD, strlen(RES_GOOD), &h), 0);
    NKT_EQ(h.status, 101);
    NKT_EQ(res("HTTP/1.1 404 Not Found\r\n\r\n", ACC), NK_ECONNREFUSED);
    NKT_EQ(res("HTTP/1.1 405 Method Not Allowed\r\n\r\n", ACC), NK_ECONNREFUSED);
    NKT_EQ(res("HTTP/1.1 403 Forbidden\r\n\r\n", ACC), NK_EPERM);
    NKT_EQ(res("HTTP/1.1 401 x\r\n\r\n", ACC), NK_EPERM);
    NKT_EQ(res("HTTP/1.1 400 Bad Request\r\n\r\n", ACC), NK_EPROTO);
    NKT_EQ(res("HTTP/1.1 200\r\n\r\n", ACC), NK_EPROTO);
    NKT_EQ(res("HTTP/1.1 1O1 x\r\n\r\n", ACC), NKI_WS_DROP);
    NKT_EQ(res("HTTP/1.1 1010 x\r\n\r\n", ACC), NKI_WS_DROP);
    NKT_EQ(res("SIP/2.0 101 x\r\n\r\n", ACC), NKI_WS_DROP);
    strcpy(buf, RES_GOOD);
    memcpy(strstr(buf, "websocket"), "WebSocket", 9); /* exactly "websocket" */
    NKT_EQ(res(buf, ACC), NK_EPROTO);
    strcpy(buf, RES_GOOD);
    memcpy(strstr(buf, "Connection: Upgrade"), "Connection: Xpgrade", 19);
    NKT_EQ(res(buf, ACC), NK_EPROTO);
    strcpy(buf, RES_GOOD);
    memcpy(strstr(buf, "rep.sp"), "req.sp", 6);
    NKT_EQ(res(buf, ACC), NK_EPROTO);
}

static const nkt_case cases[] = {
    NKT_CASE(head_end_cases),
    NKT_CASE(parses_a_good_request),
    NKT_CASE(malformed_heads_are_dropped),
    NKT_CASE(header_count_limit),
    NKT_CASE(status_answers_in_nngs_order),
    NKT_CASE(upgrade_checks_are_400),
    NKT_CASE(word_match),
    NKT_CASE(target_paths),
    NKT_CASE(path_match),
    NKT_CASE(responses),
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return nkt_main(argc, argv, cases);
}
