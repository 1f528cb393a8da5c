"""The HTTP/1.1 upgrade that opens an SP-over-WebSocket connection, judged as NNG judges it.

Pure functions on at most ``HEAD_MAX`` bytes: ``parse`` reads a request or
response head, ``listener_objections`` lists what NNG's listener would
refuse in a request (with the status it answers), ``explain`` says why a
listener answered what it did, and ``dialer_objections`` what NNG's dialer
would refuse in a 101 answer (sp-wire-protocol.md section 5,
tls-and-ws.md sections 4 and 5).  Nothing here raises on any input.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import List, Optional, Tuple
from urllib.parse import unquote

from . import protocols

HEAD_MAX = 8192  # NNG's listener closes, unanswered, a head longer than this
SUFFIX = ".sp.nanomsg.org"
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


@dataclass(frozen=True)
class Head:
    """A request (``method``, ``target``) or a response (``status``, ``reason``), and its header lines."""

    kind: str                       # request, response
    version: str
    method: str = ""
    target: str = ""
    status: int = 0
    reason: str = ""
    headers: Tuple[Tuple[str, str], ...] = ()
    problems: Tuple[str, ...] = ()  # what is not HTTP at all in it

    def get(self, name: str) -> Optional[str]:
        """The first header of that name (any case), or None."""
        low = name.lower()
        for k, v in self.headers:
            if k.lower() == low:
                return v
        return None

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]


def parse(raw: bytes, kind: str) -> Head:
    """One head (the bytes before the blank line); ``kind`` is "request" or "response"."""
    text = raw[:HEAD_MAX].decode("latin-1")
    lines = text.split("\r\n")
    first = lines[0]
    problems: List[str] = []
    if any(ord(c) < 32 and c != "\t" for c in text.replace("\r\n", "")):
        problems.append("control bytes in the head (not HTTP)")
    headers, bad = _header_lines(lines[1:])
    if bad:
        problems.append("%d header line(s) without a colon" % bad)
    parts = first.split(" ", 2)
    if kind == "request":
        if len(parts) != 3 or not parts[0].isalpha():
            problems.insert(0, "request line %r is not METHOD TARGET VERSION" % first[:60])
            return Head(kind, "", headers=headers, problems=tuple(problems))
        return Head(kind, parts[2], method=parts[0], target=parts[1], headers=headers, problems=tuple(problems))
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit() or len(parts[1]) != 3:
        problems.insert(0, "status line %r is not VERSION STATUS REASON" % first[:60])
        return Head(kind, "", headers=headers, problems=tuple(problems))
    return Head(kind, parts[0], status=int(parts[1]), reason=parts[2] if len(parts) > 2 else "",
                headers=headers, problems=tuple(problems))


def _header_lines(lines: List[str]) -> Tuple[Tuple[Tuple[str, str], ...], int]:
    out, bad = [], 0
    for line in lines:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            bad += 1
            continue
        out.append((name.strip(), value.strip()))
    return tuple(out), bad


def subprotocol_proto(value: Optional[str]) -> Optional[int]:
    """The SP protocol a ``Sec-WebSocket-Protocol`` value names (the first *.sp.nanomsg.org in it), or None."""
    for item in (value or "").split(","):
        item = item.strip().lower()
        if item.endswith(SUFFIX):
            return protocols.BY_NAME.get(item[:-len(SUFFIX)])
    return None


def _words(value: Optional[str]) -> List[str]:
    return [w.strip().lower() for w in (value or "").split(",")]


def _key_ok(key: Optional[str]) -> bool:
    try:
        return key is not None and len(base64.b64decode(key.strip(), validate=True)) == 16
    except (binascii.Error, ValueError):
        return False


def accept_for(key: str) -> str:
    """The Sec-WebSocket-Accept a listener must answer for this key."""
    return base64.b64encode(hashlib.sha1(key.strip().encode("latin-1") + GUID).digest()).decode()


def _host_of(value: str) -> str:
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    return value.rpartition(":")[0] if value.count(":") == 1 else value


def listener_objections(req: Head, host: str = "", path: str = "") -> List[Tuple[int, str]]:
    """(status, why) for each thing NNG's listener refuses in ``req``, in the order it checks them.

    ``host`` and ``path``: the listener's, when known ("" skips the Host or path check; a wildcard
    listener host is "").
    """
    out: List[Tuple[int, str]] = []
    if req.version != "HTTP/1.1":
        out.append((505, "version %s, NNG wants exactly HTTP/1.1" % (req.version or "(none)")))
    if req.method != "GET":
        out.append((405 if req.method not in ("HEAD", "") else 400, "method %s, not GET" % (req.method or "(none)")))
    if (req.get("Content-Length") or "0").strip() not in ("", "0") or "chunked" in _words(req.get("Transfer-Encoding")):
        out.append((413, "the request has a body"))
    if "websocket" not in _words(req.get("Upgrade")) or "upgrade" not in _words(req.get("Connection")):
        out.append((400, "Upgrade: websocket and Connection: upgrade are not both there"))
    if (req.get("Sec-WebSocket-Version") or "").strip() != "13":
        out.append((400, "Sec-WebSocket-Version %r, not 13" % req.get("Sec-WebSocket-Version")))
    if not _key_ok(req.get("Sec-WebSocket-Key")):
        out.append((400, "Sec-WebSocket-Key missing or not 16 bytes of base64"))
    sub = req.get("Sec-WebSocket-Protocol")
    if sub is None:
        out.append((400, "no Sec-WebSocket-Protocol (an SP dialer names its peer's protocol, e.g. rep.sp.nanomsg.org)"))
    elif subprotocol_proto(sub) is None:
        out.append((400, "Sec-WebSocket-Protocol %r names no SP protocol (<name>.sp.nanomsg.org)" % sub))
    got_host = req.get("Host")
    if host and (got_host is None or _host_of(got_host) != host.lower().strip("[]")):
        out.append((404, "Host %r is not the listener's host %s" % (got_host, host)))
    if path and unquote(req.path) not in (path, path.rstrip("/") + "/"):
        out.append((404, "path %s is not the listener's path %s" % (req.path or "(none)", path)))
    return out


def explain(req: Optional[Head], resp: Head, host: str = "", path: str = "") -> str:
    """Why the listener answered ``resp`` (a refusal) to ``req``, in words."""
    said = "the listener answered %d %s" % (resp.status, resp.reason)
    if req is None:
        return said + " before any request"
    why = [w for status, w in listener_objections(req, host, path) if status == resp.status]
    if why:
        return "%s: %s" % (said, "; ".join(why))
    if resp.status == 400 and subprotocol_proto(req.get("Sec-WebSocket-Protocol")) is not None:
        asked = subprotocol_proto(req.get("Sec-WebSocket-Protocol"))
        return "%s: the listener is not %s (protocol mismatch: the dialer asked for %s)" % (
            said, protocols.display(asked), req.get("Sec-WebSocket-Protocol"))
    if resp.status == 404 and not path:
        return said + ": no listener at path %s on that port (or the Host is not the listener's)" % req.path
    return said + " (nothing in the request explains it to nngtrace)"


def dialer_objections(req: Optional[Head], resp: Head) -> List[str]:
    """What NNG's dialer refuses in a 101 answer (it then closes the connection)."""
    out: List[str] = []
    key = req.get("Sec-WebSocket-Key") if req is not None else None
    if key is not None and resp.get("Sec-WebSocket-Accept") != accept_for(key):
        out.append("Sec-WebSocket-Accept does not match the key")
    if "upgrade" not in _words(resp.get("Connection")):
        out.append("Connection has no upgrade")
    if resp.get("Upgrade") != "websocket":
        out.append("Upgrade is %r, NNG wants exactly 'websocket'" % resp.get("Upgrade"))
    asked = req.get("Sec-WebSocket-Protocol") if req is not None else None
    if asked is not None and (resp.get("Sec-WebSocket-Protocol") or "").strip() != asked.strip():
        out.append("Sec-WebSocket-Protocol %r is not the %r asked for" % (resp.get("Sec-WebSocket-Protocol"), asked))
    return out
