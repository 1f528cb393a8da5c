"""Output formats: how a received message body is written to stdout.

The NNG formats are byte-exact copies of NNG nngcat's output in the C locale
(printable means 0x20-0x7e); ``json`` is nngkit's addition.

==========  =================================================================
no          nothing (also what happens when no format option is given)
raw         the body unchanged, no delimiter
ascii       printable bytes as is, every other byte as ``.``, no newline
quoted      ``"`` + C-style escapes (\\n \\r \\t \\" \\\\, else \\xHH) + ``"\\n``
hex         ``"`` + ``\\xHH`` for every byte + ``"\\n``
msgpack     a MessagePack bin header (bin8/16/32) + the body
json        one JSON object per line: size, encoding ("utf-8" or "base64"), body
==========  =================================================================
"""

from __future__ import annotations

import base64
import json
import struct
from typing import Callable, Dict

Formatter = Callable[[bytes], bytes]

_PRINTABLE = range(0x20, 0x7F)

# bytes.translate table for ascii: non-printable -> "."
_ASCII_TABLE = bytes(b if b in _PRINTABLE else 0x2E for b in range(256))

_HEX_PIECES = tuple(b"\\x%02x" % b for b in range(256))

_QUOTED_SPECIAL = {0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t", 0x22: b'\\"', 0x5C: b"\\\\"}
_QUOTED_PIECES = tuple(
    _QUOTED_SPECIAL.get(b, bytes([b]) if b in _PRINTABLE else _HEX_PIECES[b]) for b in range(256)
)
# the bytes quoted shows as themselves: a body of only these needs no per-byte work
_QUOTED_PLAIN = bytes(b for b in _PRINTABLE if b not in _QUOTED_SPECIAL)


def fmt_no(body: bytes) -> bytes:
    return b""


def fmt_raw(body: bytes) -> bytes:
    return bytes(body)


def fmt_ascii(body: bytes) -> bytes:
    return bytes(body).translate(_ASCII_TABLE)


def fmt_quoted(body: bytes) -> bytes:
    raw = bytes(body)
    if not raw.translate(None, _QUOTED_PLAIN):  # nothing left once the plain bytes are deleted
        return b'"' + raw + b'"\n'
    pieces = _QUOTED_PIECES
    return b'"' + b"".join([pieces[b] for b in body]) + b'"\n'


def fmt_hex(body: bytes) -> bytes:
    pieces = _HEX_PIECES
    return b'"' + b"".join([pieces[b] for b in body]) + b'"\n'


def fmt_msgpack(body: bytes) -> bytes:
    n = len(body)
    if n < 0x100:
        head = b"\xc4" + struct.pack(">B", n)
    elif n < 0x10000:
        head = b"\xc5" + struct.pack(">H", n)
    else:
        head = b"\xc6" + struct.pack(">I", n & 0xFFFFFFFF)
    return head + bytes(body)


def fmt_json(body: bytes) -> bytes:
    raw = bytes(body)
    try:
        text, encoding = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(raw).decode("ascii"), "base64"
    obj = {"size": len(raw), "encoding": encoding, "body": text}
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


FORMATS: Dict[str, Formatter] = {
    "no": fmt_no,
    "raw": fmt_raw,
    "ascii": fmt_ascii,
    "quoted": fmt_quoted,
    "hex": fmt_hex,
    "msgpack": fmt_msgpack,
    "json": fmt_json,
}


def formatter(name: "str | None") -> Formatter:
    """The formatter for a format name; None (no format option) prints nothing."""
    return FORMATS[name] if name is not None else fmt_no
