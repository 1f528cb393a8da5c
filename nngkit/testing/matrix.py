"""``@pytest.mark.sp_interop(peers=[...], transports=[...])``: the cells of the matrix, and narrowing them.

A cell is (peer implementation, transport).  Cells no peer can be are left
out (inproc is for the in-process nngkit peer only).  A transport that this
nngkit does not have yet (tls+tcp, wss) stays in when it is named, and
the test says so when it asks for an address.
"""
from __future__ import annotations

from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple

from .impls import IMPLS
from .urls import DEFAULT_TRANSPORTS, TRANSPORTS

Cell = Tuple[str, str]


def _names(value: object, what: str) -> Optional[List[str]]:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if not isinstance(value, (list, tuple)):
        raise TypeError("sp_interop: %s must be a list of names, not %r" % (what, value))
    return [str(v) for v in value]


def cells(peers: Optional[Sequence[str]], transports: Optional[Sequence[str]]) -> List[Cell]:
    impls = list(peers) if peers else list(IMPLS)
    schemes = list(transports) if transports else list(DEFAULT_TRANSPORTS)
    for impl in impls:
        if impl not in IMPLS:
            raise ValueError("sp_interop: unknown peer %r (known: %s)" % (impl, ", ".join(IMPLS)))
    for t in schemes:
        if t not in TRANSPORTS:
            raise ValueError("sp_interop: unknown transport %r (known: %s)" % (t, ", ".join(TRANSPORTS)))
    return [(i, t) for i in impls for t in schemes if i in TRANSPORTS[t].impls]


def from_marker(args: Sequence[object], kwargs: Mapping[str, Any]) -> List[Cell]:
    peers = kwargs.get("peers", args[0] if len(args) > 0 else None)
    transports = kwargs.get("transports", args[1] if len(args) > 1 else None)
    return cells(_names(peers, "peers"), _names(transports, "transports"))


def split_option(values: Iterable[str]) -> List[str]:
    """``--sp-peers nngcat,pynng`` (repeatable) or an ini line list: the names."""
    out: List[str] = []
    for v in values:
        out += [x.strip() for x in v.replace(",", " ").split() if x.strip()]
    return out


def cell_id(names: Sequence[str], values: Sequence[str]) -> str:
    return "-".join(values)
