/* A ws listener's answer to a refused upgrade, as NNG 1.11 words it. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ws_answer.h"

/* The page: the status twice (title, heading), as observed. */
#define PAGE                                                                                     \
    "<!DOCTYPE html>\n<html><head><title>%d %s</title>\n<style>"                                \
    "body { font-family: Arial, sans serif; text-align: center }\n"                             \
    "h1 { font-size: 36px; }"                                                                     \
    "span { background-color: gray; color: white; padding: 7px; border-radius: 5px }"            \
    "h2 { font-size: 24px; }p { font-size: 20px; }</style></head><body><p>&nbsp;</p>"          \
    "<h1><span>%d</span></h1><h2>%s</h2><p></p></body></html>"

#define TYPE "Content-Type: text/html; charset=UTF-8\r\n"

const char *nki_ws_reason(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown HTTP Status";
    }
}

/* Any Connection line with the word close (a request may have several). */
bool nki_ws_answer_closes(const nki_ws_head *h, int status)
{
    size_t i;
    if (status == 505) {
        return true;
    }
    for (i = 0; h != NULL && i < h->nhdr; i++) {
        const nki_ws_hdr *x = &h->hdr[i];
        if (x->name.len == 10 && strncasecmp(h->buf + x->name.off, "Connection", 10) == 0 &&
            nki_ws_has_word(h->buf + x->value.off, x->value.len, "close")) {
            return true;
        }
    }
    return false;
}

int nki_ws_answer(char *buf, size_t cap, int status, bool close)
{
    const char *why = nki_ws_reason(status);
    char len[48];
    int body = snprintf(NULL, 0, PAGE, status, why, status, why), n;
    bool length_first = status == 404 || status == 405;
    snprintf(len, sizeof(len), "Content-Length: %d\r\n", body);
    n = snprintf(buf, cap, "HTTP/1.1 %d %s\r\n%s%s%s\r\n" PAGE, status, why, length_first ? len : TYPE,
                 length_first ? TYPE : len, close ? "Connection: close\r\n" : "", status, why, status, why);
    return n >= 0 && (size_t) n < cap ? n : -1;
}
