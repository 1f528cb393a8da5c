"""Type stub for the cffi extension built from csrc/ (see csrc/ffi_build.py)."""
from typing import Any

ffi: Any
lib: Any
