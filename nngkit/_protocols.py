"""The protocols: each class is data (a protocol number, extra options).

All behaviour lives in the core; a protocol class only says which protocol
`nk_socket_open` should make and which options beyond the common ones it
has.  Names follow pynng (and NNG's protocol names, with their version).
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterable, Optional, Tuple, Union

from ._backend.core import const
from ._backend.options import set_bin
from ._context import Context
from ._options import BoolOption, MsOption, as_topic
from ._socket import Socket

Topic = Union[str, bytes]


class Pair0(Socket):
    """One-to-one, bidirectional: each side sends to and receives from the other.

    A pair0 socket talks to a single peer at a time; further connections
    are refused while one is established.
    """

    _proto = const("PROTO_PAIR0")


class Req0Context(Context):
    """A `Context` of a `Req0` socket: one outstanding request at a time."""

    __slots__ = ()
    _keeps_held = False  # giving up on a reply abandons the request

    resend_time = MsOption("req:resend-time", "Resend an unanswered request after this many ms.")


class Req0(Socket):
    """The requester of request/reply: ``send`` a request, then ``recv`` its reply.

    Requests are sent to one of the connected `Rep0` peers, and resent after
    ``resend_time`` ms if no reply arrives (the peer may have gone).  Use
    `new_context` for several concurrent requests on one socket.
    """

    _proto = const("PROTO_REQ0")
    _keeps_held = False  # giving up on a reply abandons the request
    _extra_options: ClassVar[Tuple[str, ...]] = ("resend_time",)

    resend_time = MsOption("req:resend-time", "Resend an unanswered request after this many ms.")

    def new_context(self) -> Req0Context:
        """A new `Req0Context` on this socket."""
        return Req0Context(self)


class Rep0(Socket):
    """The replier of request/reply: ``recv`` a request, then ``send`` its reply.

    The reply goes back to the requester of the last received request.  Use
    `new_context` to serve several requests concurrently.
    """

    _proto = const("PROTO_REP0")


class Pair1(Socket):
    """Bidirectional pairs with a hop count on the wire (NNG's pair v1).

    Monogamous by default; ``Pair1(polyamorous=True)`` talks to many peers:
    a received `Message` names its ``pipe``, and ``pipe.send()`` (or a
    `Message` with ``pipe`` set) answers that peer.
    """

    _proto = const("PROTO_PAIR1")
    _extra_options: ClassVar[Tuple[str, ...]] = ("polyamorous",)

    polyamorous = BoolOption("pair1:polyamorous", "Many peers instead of one (set before connecting).")


class Pub0(Socket):
    """Publisher: every message goes to every subscriber; never blocks.

    A slow subscriber loses messages (the oldest queued first) instead of
    slowing the publisher down.
    """

    _proto = const("PROTO_PUB0")


class _Subscribing:
    """``subscribe``/``unsubscribe`` for a Sub0 socket or context."""

    __slots__ = ()
    _streams = True  # a subscriber only receives

    def subscribe(self, topic: Topic) -> None:
        """Receive messages whose body starts with ``topic`` (b"" for all)."""
        set_bin(self._opt_kind, self._opt_id, b"sub:subscribe", as_topic(topic))  # type: ignore[attr-defined]

    def unsubscribe(self, topic: Topic) -> None:
        """Stop receiving ``topic``; `NoEntry` if it was not subscribed."""
        set_bin(self._opt_kind, self._opt_id, b"sub:unsubscribe", as_topic(topic))  # type: ignore[attr-defined]


class Sub0Context(_Subscribing, Context):
    """A `Context` of a `Sub0`: its own subscriptions and receive queue."""

    __slots__ = ()


class Sub0(_Subscribing, Socket):
    """Subscriber: receives what publishers send, filtered by topic prefix.

    Subscriptions are local (nothing goes on the wire); with none, nothing
    is received.  ``topics=`` subscribes at construction (a topic or a list).
    """

    _proto = const("PROTO_SUB0")

    def __init__(self, *, topics: Optional[Union[Topic, Iterable[Topic]]] = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        try:
            if isinstance(topics, (str, bytes)):
                topics = [topics]
            for topic in topics or ():
                self.subscribe(topic)
        except BaseException:
            self.close()
            raise

    def new_context(self) -> Sub0Context:
        """A new `Sub0Context` on this socket."""
        return Sub0Context(self)


class Push0(Socket):
    """Pipeline sender: each message goes to one ready `Pull0` (round robin).

    Sending waits while no puller can take a message (back-pressure).
    """

    _proto = const("PROTO_PUSH0")


class Pull0(Socket):
    """Pipeline receiver: fair-queues messages from all its `Push0` peers."""

    _proto = const("PROTO_PULL0")
    _streams = True


class Surveyor0Context(Context):
    """A `Context` of a `Surveyor0`: one survey at a time, its own deadline."""

    __slots__ = ()

    survey_time = MsOption("surveyor:survey-time", "How long a survey collects responses (ms).")


class Surveyor0(Socket):
    """Surveyor: ``send`` a survey to every respondent, then ``recv`` answers.

    Answers are collected for ``survey_time`` ms (default 1000); after that
    a pending ``recv`` raises `Timeout` and later ones `BadState`.
    """

    _proto = const("PROTO_SURVEYOR0")
    _extra_options: ClassVar[Tuple[str, ...]] = ("survey_time",)

    survey_time = MsOption("surveyor:survey-time", "How long a survey collects responses (ms).")

    def new_context(self) -> Surveyor0Context:
        """A new `Surveyor0Context` on this socket."""
        return Surveyor0Context(self)


class Respondent0(Socket):
    """Respondent: ``recv`` a survey, then ``send`` the answer to its surveyor."""

    _proto = const("PROTO_RESPONDENT0")


class Bus0(Socket):
    """Bus: a message goes to every directly connected peer, never forwarded.

    Sending never blocks; build a full mesh for everyone to hear everyone.
    """

    _proto = const("PROTO_BUS0")
