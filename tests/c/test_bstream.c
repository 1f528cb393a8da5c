/*
 * The plain byte stream (csrc/core/bstream.h): on a socketpair, reads and
 * writes are the system calls', "would block" and the peer's end come back
 * as the results the SP stream and other framers rely on, and the events
 * asked of the poller are exactly the ones wanted.
 */
#include <signal.h>
#include <sys/socket.h>

#include "bstream.h"
#include "errors.h"
#include "nkt.h"

static void pair(nki_bstream *a, int *peer)
{
    int sv[2];
    NKT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    nki_bs_plain(a, sv[0]);
    *peer = sv[1];
}

static void plain_reads_and_writes_bytes(void)
{
    nki_bstream bs;
    int peer;
    char buf[16];
    struct iovec iov[2] = {{"ab", 2}, {"cde", 3}};
    pair(&bs, &peer);
    NKT_EQ(nki_bs_writev(&bs, iov, 2), 5);
    NKT_EQ(read(peer, buf, sizeof(buf)), 5);
    NKT_EQ_MEM(buf, "abcde", 5);
    NKT_EQ(write(peer, "xyz", 3), 3);
    NKT_EQ(nki_bs_read(&bs, buf, 2), 2);
    NKT_EQ(nki_bs_read(&bs, buf + 2, sizeof(buf)), 1);
    NKT_EQ_MEM(buf, "xyz", 3);
    nki_bs_close(&bs);
    close(peer);
}

static void plain_empty_read_is_would_block(void)
{
    nki_bstream bs;
    int peer;
    char buf[4];
    pair(&bs, &peer);
    NKT_EQ(nki_bs_read(&bs, buf, sizeof(buf)), -NK_EAGAIN);
    NKT_CHECK(!nki_bs_pending(&bs));
    nki_bs_close(&bs);
    close(peer);
}

static void plain_peer_end_reads_zero_then_write_fails(void)
{
    nki_bstream bs;
    int peer;
    char buf[4];
    struct iovec iov = {"a", 1};
    pair(&bs, &peer);
    close(peer);
    NKT_EQ(nki_bs_read(&bs, buf, sizeof(buf)), 0);
    /* The core writes with plain writev: its host (Python) ignores SIGPIPE,
     * and so does this program. */
    signal(SIGPIPE, SIG_IGN);
    NKT_EQ(nki_bs_writev(&bs, &iov, 1), -NK_ECONNRESET);
    nki_bs_close(&bs);
}

static void plain_events_are_the_wanted_ones(void)
{
    nki_bstream bs;
    nki_bs_plain(&bs, -1);
    NKT_EQ_U(nki_bs_events(&bs, 0), 0);
    NKT_EQ_U(nki_bs_events(&bs, NKI_POLL_IN | NKI_POLL_OUT), NKI_POLL_IN | NKI_POLL_OUT);
    NKT_EQ_U(nki_bs_ready(&bs, NKI_POLL_OUT | NKI_POLL_ERR), NKI_POLL_OUT | NKI_POLL_ERR);
}

static void errno_results(void)
{
    NKT_EQ(nki_bs_errno(EAGAIN), -NK_EAGAIN);
    NKT_EQ(nki_bs_errno(EWOULDBLOCK), -NK_EAGAIN);
    NKT_EQ(nki_bs_errno(EINTR), -NK_EINTR);
    NKT_EQ(nki_bs_errno(ECONNRESET), -NK_ECONNRESET);
    NKT_EQ(nki_bs_errno(ENOMEM), -NK_ENOMEM);
}

static const nkt_case cases[] = {
    NKT_CASE(plain_reads_and_writes_bytes),
    NKT_CASE(plain_empty_read_is_would_block),
    NKT_CASE(plain_peer_end_reads_zero_then_write_fails),
    NKT_CASE(plain_events_are_the_wanted_ones),
    NKT_CASE(errno_results),
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return nkt_main(argc, argv, cases);
}
