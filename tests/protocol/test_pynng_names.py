"""Every public name pynng 0.9 exports exists in nngkit, or is listed here
with the reason it does not."""

from __future__ import annotations

import nngkit

from ..helpers.peers import require_pynng

# pynng internals and features nngkit does not have (yet).
NOT_PROVIDED = {
    "ffi": "pynng's cffi handle; nngkit's is private (nngkit._ffi)",
    "lib": "pynng's cffi library; nngkit's is private (nngkit._ffi)",
    "nng": "pynng's implementation module; nngkit's classes are top-level",
}


def test_every_pynng_name_is_provided_or_explained() -> None:
    pynng = require_pynng()
    public = {n for n in dir(pynng) if not n.startswith("_")}
    missing = sorted(n for n in public if not hasattr(nngkit, n) and n not in NOT_PROVIDED)
    assert missing == [], "pynng names missing from nngkit: %s" % missing


def test_exceptions_module_matches_pynng() -> None:
    pynng = require_pynng()
    for name in dir(pynng.exceptions):
        obj = getattr(pynng.exceptions, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(getattr(nngkit.exceptions, name), Exception), name
