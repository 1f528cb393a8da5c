/*
 * A ws listener's answer to a refused upgrade (csrc/transport/ws_answer.c):
 * the Content-Length it states is the page's length, the header order NNG
 * 1.11 uses per status, "Connection: close" only when asked, and a buffer
 * too small is refused rather than cut.  The bytes themselves are compared
 * with NNG's listener in tests/interop/test_ws.py.  Links ws_answer.c,
 * ws_http.c and ws_key.c.
 */
#include <stdlib.h>

#include "nkt.h"
#include "nngkit.h"
#include "ws_answer.h"

static char out[2048];

/* The page after the head, and the length the head states. */
static const char *page(const char *a, long *stated)
{
    const char *cl = strstr(a, "Content-Length: "), *end = strstr(a, "\r\n\r\n");
    NKT_CHECK(cl != NULL && end != NULL && cl < end);
    *stated = strtol(cl + 16, NULL, 10);
    return end + 4;
}

static bool starts(const char *lit)
{
    return strncmp(out, lit, strlen(lit)) == 0;
}

static void length_is_the_pages(void)
{
    static const int codes[] = {400, 404, 405, 413, 505};
    size_t i;
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        long stated = 0;
        int n = nki_ws_answer(out, sizeof(out), codes[i], false);
        const char *body = page(out, &stated);
        NKT_EQ((long) strlen(body), stated);
        NKT_EQ(n, (int) strlen(out));
        NKT_CHECK(strstr(body, "<h2>") != NULL && strstr(body, nki_ws_reason(codes[i])) != NULL);
    }
}

static void header_order_by_status(void)
{
    nki_ws_answer(out, sizeof(out), 404, false);
    NKT_CHECK(starts("HTTP/1.1 404 Not Found\r\nContent-Length: 369\r\nContent-Type: "));
    NKT_CHECK(strstr(out, "Connection:") == NULL);
    nki_ws_answer(out, sizeof(out), 405, false);
    NKT_CHECK(starts("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 387\r\n"));
    nki_ws_answer(out, sizeof(out), 413, false);
    NKT_CHECK(starts("HTTP/1.1 413 Unknown HTTP Status\r\nContent-Type: "));
}

static void connection_close_header(void)
{
    nki_ws_answer(out, sizeof(out), 400, true);
    NKT_CHECK(starts("HTTP/1.1 400 Bad Request\r\nContent-Type: text/html; charset=UTF-8\r\n"
                           "Content-Length: 373\r\nConnection: close\r\n\r\n<!DOCTYPE html>"));
    NKT_CHECK(strcmp(nki_ws_reason(413), "Unknown HTTP Status") == 0); /* NNG 1.11's words */
}

static void closes_when_asked(void)
{
    static nki_ws_head h;
    const char *req = "GET /x HTTP/1.1\r\nConnection: Upgrade\r\nconnection: keep-alive, close\r\n\r\n";
    size_t len = 0;
    NKT_EQ(nki_ws_head_end(req, strlen(req), &len), 0);
    NKT_EQ(nki_ws_req_parse(req, len, &h), 0);
    NKT_CHECK(nki_ws_answer_closes(&h, 404));
    NKT_CHECK(nki_ws_answer_closes(NULL, 505));
    NKT_CHECK(!nki_ws_answer_closes(NULL, 400));
    req = "GET /x HTTP/1.1\r\nConnection: Upgrade\r\nX-Connection: close\r\n\r\n";
    NKT_EQ(nki_ws_head_end(req, strlen(req), &len), 0);
    NKT_EQ(nki_ws_req_parse(req, len, &h), 0);
    NKT_CHECK(!nki_ws_answer_closes(&h, 404));
}

static void too_small_is_refused(void)
{
    int n = nki_ws_answer(out, sizeof(out), 505, true);
    NKT_CHECK(n > 0);
    NKT_EQ(nki_ws_answer(out, (size_t) n, 505, true), -1);
    NKT_EQ(nki_ws_answer(out, (size_t) n + 1, 505, true), n);
}

static const nkt_case cases[] = {
    NKT_CASE(length_is_the_pages),
    NKT_CASE(header_order_by_status),
    NKT_CASE(connection_close_header),
    NKT_CASE(closes_when_asked),
    NKT_CASE(too_small_is_refused),
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return nkt_main(argc, argv, cases);
}
