"""The C unit tests of tests/c, built with the system cc and run case by case.

Each unit is a plain C program (tests/c/test_<unit>.c, harness nkt.h) linked
against the smallest set of csrc/ files that it needs, listed in UNITS; the
fakes stand in for what cannot be linked alone (see their headers).  All
programs are built once per session into a temporary directory; each case
then runs in its own process, and a failure shows the program's output.

NNGKIT_SANITIZE (as scripts/sanitize.sh sets it, e.g. address,undefined or
thread) builds them with that -fsanitize; the programs then link their own
sanitizer runtime and report to stderr, which fails the case.
"""
from __future__ import annotations

import glob
import os
import re
import subprocess
from typing import Dict, List, Tuple

import pytest

from tests.fuzz.harness import compiler
from tests.helpers.peers import PROJECT_ROOT

HERE = os.path.dirname(os.path.abspath(__file__))
CSRC = os.path.join(PROJECT_ROOT, "csrc")
PLATFORM = "csrc/platform/*.c"
UNITS: Dict[str, List[str]] = {
    "wire": ["csrc/core/wire.c"],
    "bstream": ["csrc/core/bstream.c", "csrc/core/errors.c"],
    "idmap": ["csrc/core/idmap.c", PLATFORM],
    "timer": [PLATFORM],
    "tasks": [PLATFORM],
    "protoq": ["csrc/core/protoq.c", "csrc/core/aio.c", "csrc/core/msg.c", "csrc/core/wire.c",
               "tests/c/fake_pipe.c", PLATFORM],
    "ws_key": ["csrc/transport/ws_key.c"],
    "ws_frame": ["csrc/transport/ws_frame.c"],
    "ws_http": ["csrc/transport/ws_http.c", "csrc/transport/ws_key.c"],
    "ws_answer": ["csrc/transport/ws_answer.c", "csrc/transport/ws_http.c", "csrc/transport/ws_key.c"],
}
# The TLS engine's unit links OpenSSL; without its headers (as nngkit builds then) it is not built.
if subprocess.run(["pkg-config", "--exists", "openssl"], capture_output=True).returncode == 0:
    UNITS["tlseng"] = ["csrc/transport/tls_openssl.c", "csrc/core/bstream.c", "csrc/core/errors.c"]
LIBS: Dict[str, List[str]] = {"tlseng": ["-lssl", "-lcrypto"]}
INCLUDES = [f"-I{os.path.join(CSRC, d)}" for d in ("include", "core", "platform", "protocol", "transport")] + [f"-I{HERE}"]
CFLAGS = ["-std=gnu11", "-g", "-O1", "-fno-omit-frame-pointer", "-Wall",
          "-Werror=implicit-function-declaration", "-pthread"]
SANITIZE = os.environ.get("NNGKIT_SANITIZE", "")
RUN_ENV = {"ASAN_OPTIONS": "detect_leaks=1:halt_on_error=1:exitcode=86",
           "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1:exitcode=87",
           "TSAN_OPTIONS": "halt_on_error=1:exitcode=88:second_deadlock_stack=1"}


def case_names(unit: str) -> List[str]:
    """The cases of a unit, read from its table of NKT_CASE entries."""
    with open(os.path.join(HERE, f"test_{unit}.c"), encoding="utf-8") as f:
        return re.findall(r"^\s*NKT_CASE\((\w+)\),", f.read(), flags=re.M)


def sources(unit: str) -> List[str]:
    out = [os.path.join(HERE, f"test_{unit}.c")]
    for pattern in UNITS[unit]:
        found = sorted(glob.glob(os.path.join(PROJECT_ROOT, pattern)))
        assert found, f"unit {unit}: nothing matches {pattern}"
        out += found
    return out


def flags() -> List[str]:
    extra = []
    if SANITIZE:
        extra = [f"-fsanitize={SANITIZE}"]
        if "undefined" in SANITIZE:
            extra.append("-fno-sanitize-recover=undefined")
    return CFLAGS + INCLUDES + extra


@pytest.fixture(scope="module")
def programs(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    """Builds every unit in parallel; unit -> executable."""
    cc, out_dir = compiler(), str(tmp_path_factory.mktemp("c-units"))
    procs = {}
    for unit in UNITS:
        exe = os.path.join(out_dir, f"unit_{unit}")
        procs[unit] = (exe, subprocess.Popen([cc, *flags(), *sources(unit), "-o", exe, *LIBS.get(unit, [])],
                                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    built, failed = {}, []
    for unit, (exe, p) in procs.items():
        out, _ = p.communicate(timeout=300)
        if p.returncode != 0:
            failed.append(f"building unit_{unit} failed:\n{out.decode(errors='replace')}")
        built[unit] = exe
    if failed:
        pytest.fail("\n".join(failed), pytrace=False)
    return built


def run_env() -> Dict[str, str]:
    env = dict(os.environ)
    env.update(RUN_ENV)
    env.pop("LD_PRELOAD", None)  # sanitize.sh preloads its runtime for python only
    return env


def run(exe: str, *args: str) -> Tuple[int, str, str]:
    p = subprocess.run([exe, *args], capture_output=True, timeout=60, env=run_env())
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


ALL_CASES = [(unit, case) for unit in UNITS for case in case_names(unit)]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("unit", list(UNITS))
def test_the_program_lists_the_cases_read_here(programs: Dict[str, str], unit: str) -> None:
    rc, out, err = run(programs[unit], "--list")
    assert rc == 0, err
    assert out.split() == case_names(unit)
    assert len(out.split()) >= 5


@pytest.mark.timeout(300)
@pytest.mark.parametrize("unit,case", ALL_CASES, ids=[f"{u}:{c}" for u, c in ALL_CASES])
def test_c_unit(programs: Dict[str, str], unit: str, case: str) -> None:
    rc, out, err = run(programs[unit], case)
    assert rc == 0 and out.strip() == f"ok {case}", f"unit_{unit} {case}: rc={rc}\n{out}{err}"
    assert "runtime error" not in err and "Sanitizer" not in err, err
