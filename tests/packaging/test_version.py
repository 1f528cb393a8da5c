"""One version: written in nngkit/_version.py and nowhere else, and the same
in the installed metadata, `nngkit.__version__` and the compiled core
(`nngcat --version` is checked against `__version__` in tests/cli)."""
from __future__ import annotations

import importlib.util
import os
import re
from importlib import metadata

import pytest

import nngkit
from nngkit._ffi import ffi, lib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytestmark = pytest.mark.nngkit_only


def _read(path: str) -> str:
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def _build_script_version() -> str:
    spec = importlib.util.spec_from_file_location("ffi_build_version", os.path.join(ROOT, "csrc", "ffi_build.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.package_version())


def test_the_build_metadata_package_and_core_agree() -> None:
    found = {
        "csrc/ffi_build.py (what the core and pyproject.toml are built with)": _build_script_version(),
        "installed metadata": metadata.version("nngkit"),
        "nngkit.__version__": nngkit.__version__,
        "nk_version()": ffi.string(lib.nk_version()).decode(),
    }
    assert len(set(found.values())) == 1, found
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?", nngkit.__version__)


def test_the_version_is_written_in_one_place() -> None:
    version = nngkit.__version__
    assert re.search(r'^dynamic = \["version"\]', _read("pyproject.toml"), re.M)
    assert re.search(r'^version = \{ attr = "nngkit._version.__version__" \}', _read("pyproject.toml"), re.M)
    for path in ("pyproject.toml", "setup.py", "csrc/include/nngkit.h", "csrc/core/socket.c", "csrc/ffi_build.py"):
        assert '"%s"' % version not in _read(path), path
