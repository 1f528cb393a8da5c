"""PUB/SUB, blocking API: topics, and what happens to a slow subscriber.

1. Three subscribers with different topics.  A subscriber keeps the messages
   whose body starts with one of its topics (b"" matches everything); the
   filtering happens in the subscriber, the publisher sends everything to all.
2. A publisher never waits.  A subscriber that does not keep up loses the
   oldest queued messages; the newest ones survive.

A message published before the publisher has attached a subscriber's
connection is lost for that subscriber, and a subscriber's dial returning
says nothing about the publisher's side.  So the publisher counts attached
connections with a pipe callback before it publishes.
Run: python examples/pubsub/sync.py
"""

import threading

import nngkit

SUBSCRIBERS = {"weather": [b"weather/"], "sport": [b"sport/"], "all": [b""]}
NEWS = [b"weather/paris sunny", b"sport/tennis 6-4", b"markets/cac +1%",
        b"weather/oslo snow", b"sport/golf par"]
BURST = 300


def listening_publisher(url: str):
    """A Pub0 listening at url, and a semaphore released once per attached subscriber."""
    attached = threading.Semaphore(0)
    pub = nngkit.Pub0()
    pub.add_post_pipe_connect_cb(lambda pipe: attached.release())
    pub.listen(url)
    return pub, attached


def wait_attached(attached: threading.Semaphore, count: int) -> None:
    for _ in range(count):
        if not attached.acquire(timeout=5):
            raise SystemExit("a subscriber did not connect within 5 s")


def topics() -> None:
    pub, attached = listening_publisher("tcp://127.0.0.1:0")
    with pub:
        url = pub.listeners[0].url
        subs = {name: nngkit.Sub0(dial=url, topics=t, recv_timeout=5000)
                for name, t in SUBSCRIBERS.items()}
        try:
            wait_attached(attached, len(subs))
            for news in NEWS:
                pub.send(news)
            for name, sub in subs.items():
                wanted = [n for n in NEWS if any(n.startswith(t) for t in SUBSCRIBERS[name])]
                got = [sub.recv() for _ in wanted]
                print("%-8s got %s" % (name, [g.decode() for g in got]))
                assert got == wanted, got
        finally:
            for sub in subs.values():
                sub.close()


def slow_subscriber() -> None:
    pub, attached = listening_publisher("inproc://pubsub-slow")
    with pub, nngkit.Sub0(dial="inproc://pubsub-slow", topics=b"", recv_timeout=5000) as sub:
        wait_attached(attached, 1)
        for i in range(BURST):  # never blocks, however slow the subscriber is
            pub.send(b"%04d" % i + bytes(1000))
        received = []
        while not received or received[-1] != BURST - 1:  # the newest always survives
            received.append(int(sub.recv()[:4]))
        print("slow subscriber: %d of %d messages arrived, the last %s"
              % (len(received), BURST, received[-3:]))
        assert len(received) < BURST


def main() -> None:
    topics()
    slow_subscriber()
    print("pubsub/sync: done")


if __name__ == "__main__":
    main()
