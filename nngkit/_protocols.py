"""The protocols: each class is data (a protocol number, extra options).

All behaviour lives in the core; a protocol class only says which protocol
`nk_socket_open` should make and which options beyond the common ones it
has.  Names follow pynng (and NNG's protocol names, with their version).
"""

from __future__ import annotations

from typing import ClassVar, Tuple

from ._context import Context
from ._ffi import lib
from ._options import MsOption
from ._socket import Socket


class Pair0(Socket):
    """One-to-one, bidirectional: each side sends to and receives from the other.

    A pair0 socket talks to a single peer at a time; further connections
    are refused while one is established.
    """

    _proto = lib.NK_PROTO_PAIR0


class Req0Context(Context):
    """A `Context` of a `Req0` socket: one outstanding request at a time."""

    __slots__ = ()
    _keeps_rescued = False  # giving up on a reply abandons the request

    resend_time = MsOption("req:resend-time", "Resend an unanswered request after this many ms.")


class Req0(Socket):
    """The requester of request/reply: ``send`` a request, then ``recv`` its reply.

    Requests are sent to one of the connected `Rep0` peers, and resent after
    ``resend_time`` ms if no reply arrives (the peer may have gone).  Use
    `new_context` for several concurrent requests on one socket.
    """

    _proto = lib.NK_PROTO_REQ0
    _keeps_rescued = False  # giving up on a reply abandons the request
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

    _proto = lib.NK_PROTO_REP0
