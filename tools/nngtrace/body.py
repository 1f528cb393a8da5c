"""Body previews in nngcat's output formats (hex, ascii, quoted, msgpack).

The formatters are nngkit nngcat's own (tools/nngcat/fmt.py, imported, not
copied), so a preview reads exactly as ``nngcat --FORMAT`` would print it.
"""
from __future__ import annotations

from typing import Any, Dict

from nngcat import fmt

FORMATS = ("hex", "ascii", "quoted", "msgpack")


def preview(body: bytes, length: int, style: str) -> Dict[str, Any]:
    """{"fmt", "text", "shown", "len"}: the first bytes of a body of ``length`` bytes, formatted."""
    if style not in FORMATS:
        raise ValueError("unknown body format %r (one of %s)" % (style, ", ".join(FORMATS)))
    out = fmt.FORMATS[style](body)
    if style == "msgpack":
        text = out.hex()  # binary output: shown as hex digits
    else:
        text = out.decode("latin-1").rstrip("\n")
    return {"fmt": style, "text": text, "shown": len(body), "len": length}
