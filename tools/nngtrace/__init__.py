"""nngtrace: see, and bend, the SP traffic between two peers.

A proxy that relays SP connections byte for byte while decoding copies
(``proxy``), a capture reader (``capture``), a Wireshark dissector
(``dissector``) and the ``Tracer`` Python API.  The decoders are pure and
incremental: ``framing`` (connection header and frames), ``wshttp`` and
``wsframes`` (the ws upgrade and WebSocket frames), ``headers``
(per-protocol headers), ``state`` (across messages).  Built on the standard
library, rich for output, and nngkit's nngcat formatters for body previews;
it does not use nngkit's internals.
"""
from __future__ import annotations

from .conn import ConnDecoder, Options
from .faults import FaultSpec
from .tlsinfo import TlsOptions
from .tracer import Tracer
from .events import (ConnEvent, ErrorEvent, Event, FaultEvent, HandshakeEvent, MessageEvent, StateEvent, TlsEvent,
                     WsEvent)
from .headers import SPHeader

__all__ = ["Tracer", "FaultSpec", "ConnDecoder", "Options", "TlsOptions", "Event", "ConnEvent", "HandshakeEvent",
           "MessageEvent", "StateEvent", "FaultEvent", "ErrorEvent", "WsEvent", "TlsEvent", "SPHeader"]
