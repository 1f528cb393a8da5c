"""Builds the fuzz targets of csrc/fuzz as plain corpus replayers with the system cc.

Each target's LLVMFuzzerTestOneInput is linked with csrc/fuzz/replay_main.c
(no libFuzzer needed), with ASan+UBSan when the compiler and its runtime
support them, so CI replays every seed with the same property checks the
fuzzer uses.  gcc has no per-function ignore list, so the UBSan checks named
in csrc/fuzz/ubsan_ignore.txt (known, reported findings) are turned off for
the targets that link the core; they come back as soon as the file drops them.
"""
from __future__ import annotations

import functools
import glob
import os
import re
import shutil
import subprocess
import tempfile
from typing import Dict, List

from tests.helpers.peers import PROJECT_ROOT

CSRC = os.path.join(PROJECT_ROOT, "csrc")
FUZZ_DIR = os.path.join(CSRC, "fuzz")
CORPUS_DIR = os.path.join(FUZZ_DIR, "corpus")
DECODERS = ("handshake", "framer", "bt", "id", "pair1", "ws_http", "ws_frame")
TARGETS = DECODERS + ("socket",)
# The pure units each decoder target links (csrc/ relative); the SP ones are in wire.c.
DECODER_UNITS = {"ws_http": ("transport/ws_http.c", "transport/ws_key.c"),
                 "ws_frame": ("transport/ws_frame.c",)}
INCLUDES = [f"-I{os.path.join(CSRC, d)}" for d in ("include", "core", "platform", "protocol", "transport")]
BASE_FLAGS = ["-std=gnu11", "-g", "-O1", "-fno-omit-frame-pointer"]
SAN_FLAGS = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined"]
ENV = {"ASAN_OPTIONS": "abort_on_error=0:detect_leaks=1:exitcode=86",
       "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1:exitcode=87"}


def compiler() -> str:
    for name in (os.environ.get("CC", ""), "cc", "gcc", "clang"):
        if name and shutil.which(name):
            return shutil.which(name)  # type: ignore[return-value]
    raise RuntimeError("no C compiler (cc, gcc or clang) on PATH")


@functools.lru_cache(maxsize=None)
def sanitizers_work(cc: str) -> bool:
    """True when cc can build and run an ASan+UBSan program here."""
    d = tempfile.mkdtemp(prefix="nkfz")
    try:
        src, exe = os.path.join(d, "t.c"), os.path.join(d, "t")
        with open(src, "w") as f:
            f.write("int main(void) { return 0; }\n")
        ok = subprocess.run([cc, *SAN_FLAGS, src, "-o", exe], capture_output=True, timeout=60).returncode == 0
        return ok and subprocess.run([exe], capture_output=True, timeout=30).returncode == 0
    finally:
        shutil.rmtree(d, ignore_errors=True)


def ignored_checks() -> List[str]:
    """UBSan check names with a section in ubsan_ignore.txt."""
    with open(os.path.join(FUZZ_DIR, "ubsan_ignore.txt"), encoding="utf-8") as f:
        return re.findall(r"^\[([a-z-]+)\]\s*$", f.read(), flags=re.M)


def sources(target: str) -> List[str]:
    srcs = [os.path.join(FUZZ_DIR, f"fuzz_{target}.c"), os.path.join(FUZZ_DIR, "replay_main.c")]
    if target == "socket":
        for sub in ("platform", "core", "transport", "protocol"):
            srcs += sorted(glob.glob(os.path.join(CSRC, sub, "*.c")))
        # TLS engines are shared objects of their own (csrc/ffi_build.py): not in the core
        srcs = [s for s in srcs if not os.path.basename(s).startswith("tls_")]
    else:
        srcs += [os.path.join(CSRC, u) for u in DECODER_UNITS.get(target, ("core/wire.c",))]
    return srcs


def build_all(out_dir: str) -> Dict[str, str]:
    """Compile every replayer in parallel; returns target -> executable."""
    cc = compiler()
    flags = BASE_FLAGS + INCLUDES
    if sanitizers_work(cc):
        flags += SAN_FLAGS
    procs = {}
    for t in TARGETS:
        exe = os.path.join(out_dir, f"replay_{t}")
        extra = ["-pthread"]
        if t == "socket" and sanitizers_work(cc) and ignored_checks():
            extra.append("-fno-sanitize=" + ",".join(ignored_checks()))
        procs[t] = (exe, subprocess.Popen([cc, *flags, *sources(t), *extra, "-o", exe],
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    built = {}
    for t, (exe, p) in procs.items():
        out, _ = p.communicate(timeout=300)
        if p.returncode != 0:
            raise RuntimeError(f"building replay_{t} failed:\n{out.decode(errors='replace')}")
        built[t] = exe
    return built


def corpus_files(target: str) -> List[str]:
    d = os.path.join(CORPUS_DIR, target)
    return sorted(os.path.join(d, n) for n in os.listdir(d) if not n.startswith("."))


def replay_env() -> Dict[str, str]:
    env = dict(os.environ)
    env.update(ENV)
    env.pop("LD_PRELOAD", None)  # the sanitizer suite's preload is for python only
    return env
