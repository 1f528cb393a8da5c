"""A PUB/SUB hub: publishers and subscribers meet at a device.

    publishers (Pub0) --dial--> raw Sub0 |device| raw Pub0 <--dial-- subscribers (Sub0)

Every message any publisher sends reaches every subscriber whose topics
match, and neither side needs to know the other's address.  The relaying
runs in the C core; a raw Sub0 takes everything (no subscriptions needed).

When to start publishing?  A subscriber's dial returning only says that the
subscriber has the connection; the hub may not have attached it yet, and
what it relays before that is lost for that subscriber.  Here the hub is
another program's business, so the first publisher sends numbered probes
(topic ``hub/``, which every subscriber also takes) until every subscriber
has heard one: a bounded loop, no sleeps.
Run: python examples/devices/pubsub_hub.py
"""

import threading
import time

import nngkit

SUBSCRIBERS = {"weather": b"weather/", "sport": b"sport/"}
PROBE = b"hub/probe "


def until_all_hear(pub: nngkit.Pub0, subs: list, timeout: float = 5.0) -> int:
    """Publish probes until every subscriber got one; consume them all. Returns probes sent."""
    heard = {}  # subscriber index -> number of the last probe it got
    sent = 0
    deadline = time.monotonic() + timeout
    for sub in subs:
        sub.recv_timeout = 50  # how long to listen for each probe
    while len(heard) < len(subs):
        if time.monotonic() > deadline or sent >= 200:
            raise SystemExit("only %d of %d subscribers heard the hub" % (len(heard), len(subs)))
        sent += 1
        pub.send(PROBE + b"%d" % sent)
        for i, sub in enumerate(subs):
            if i not in heard:
                try:
                    heard[i] = int(sub.recv()[len(PROBE):])
                except nngkit.Timeout:
                    pass
    for i, sub in enumerate(subs):  # later probes reached attached subscribers too: drain them
        sub.recv_timeout = 5000
        while heard[i] != sent:
            heard[i] = int(sub.recv()[len(PROBE):])
    return sent


def main() -> None:
    with nngkit.Sub0(raw=True, listen="tcp://127.0.0.1:0") as hub_in, \
            nngkit.Pub0(raw=True, listen="tcp://127.0.0.1:0") as hub_out:
        in_url, out_url = hub_in.listeners[0].url, hub_out.listeners[0].url
        hub = threading.Thread(target=nngkit.device, args=(hub_in, hub_out))
        hub.start()
        pubs = [nngkit.Pub0(dial=in_url) for _ in range(2)]
        subs = [nngkit.Sub0(dial=out_url, topics=[topic, b"hub/"]) for topic in SUBSCRIBERS.values()]
        try:
            probes = until_all_hear(pubs[0], subs)
            print("every subscriber hears the hub (after %d probe(s))" % probes)
            pubs[0].send(b"weather/paris sunny")
            pubs[1].send(b"sport/tennis 6-4")
            pubs[1].send(b"weather/oslo snow")
            for name, sub in zip(SUBSCRIBERS, subs):
                want = 2 if name == "weather" else 1
                got = [sub.recv().decode() for _ in range(want)]
                print("%-7s subscriber got %s" % (name, got))
                assert all(g.startswith(SUBSCRIBERS[name].decode()) for g in got), got
        finally:
            for s in pubs + subs:
                s.close()
            hub_in.close()  # ends the device
            hub.join(timeout=5)
    assert not hub.is_alive()
    print("devices/pubsub_hub: done")


if __name__ == "__main__":
    main()
