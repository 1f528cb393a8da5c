"""The sdist holds every file the build reads, takes csrc/ by glob, and
carries no tests, fuzz targets or build products.

The sdist is built (setuptools' PEP 517 hook, as pip and `python -m build`
call it) from a copy of this checkout, to which two headers the build does
not know of have been added: the glob must pick them up without an edit to
MANIFEST.in.  "Read by the build" is what the compiler says it reads
(`cc -MM` on each source ffi_build.py compiles), plus the build scripts,
the metadata files and the Python packages.
"""
from __future__ import annotations

import glob
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
from typing import Any, List, Set

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# A header in an existing folder and one in a folder the build does not know.
GLOB_PROBES = ["csrc/core/zz_glob_probe.h", "csrc/zz_new_dir/zz_glob_probe.h"]
BUILD_SCRIPTS = ["pyproject.toml", "setup.py", "MANIFEST.in", "csrc/ffi_build.py", "nngkit/_version.py",
                 "README.md", "LICENSE"]
NOT_SHIPPED = ("tests/", "csrc/fuzz/", "build/", "benchmarks/", "examples/")

pytestmark = pytest.mark.nngkit_only


def _copy_checkout(dest: str) -> None:
    ignore = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                                    "*.so", "*.o", "_ffi.c", ".mypy_cache", ".ruff_cache")
    shutil.copytree(ROOT, dest, ignore=ignore)
    for probe in GLOB_PROBES:
        os.makedirs(os.path.dirname(os.path.join(dest, probe)), exist_ok=True)
        with open(os.path.join(dest, probe), "w") as f:
            f.write("/* not part of nngkit: checks that MANIFEST.in takes csrc/ by glob */\n")


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Any:
    base = tmp_path_factory.mktemp("sdist")
    src, out = str(base / "src"), str(base / "out")
    _copy_checkout(src)
    code = "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
    proc = subprocess.run([sys.executable, "-c", code, out], cwd=src, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=120)
    assert proc.returncode == 0, proc.stdout.decode(errors="replace")
    name = proc.stdout.decode().strip().splitlines()[-1]
    with tarfile.open(os.path.join(out, name)) as tar:
        members = [m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile()]
    return src, set(members)


def _ffi_build_kwds(src: str) -> Any:
    spec = importlib.util.spec_from_file_location("ffi_build_under_test", os.path.join(src, "csrc", "ffi_build.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # (module name, C preamble, extension, keywords of set_source): cffi keeps
    # what set_source was given here, and the build compiles exactly that.
    return module, module.ffibuilder._assigned_source[3]


def _compiler_inputs(src: str) -> Set[str]:
    module, kwds = _ffi_build_kwds(src)
    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    flags = ["-std=gnu11"] + ["-I" + d for d in kwds["include_dirs"]]
    flags += ["-D%s=%s" % m for m in kwds.get("define_macros", [])]
    inputs = {os.path.relpath(module.HEADER, src)}
    for source in kwds["sources"]:
        proc = subprocess.run([cc, "-MM", *flags, source], cwd=src, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=60, check=True)
        deps = proc.stdout.decode().replace("\\\n", " ").split(":", 1)[1].split()
        inputs.update(os.path.normpath(d) for d in deps)
    return inputs


def _python_modules() -> List[str]:
    # nngkit and every tool package (tools/nngcat, tools/nngtrace, ...)
    found = [p for top in ("nngkit", "tools") for p in glob.glob(os.path.join(ROOT, top, "**", "*.py"), recursive=True)]
    return [os.path.relpath(p, ROOT) for p in found] + ["nngkit/py.typed"]


def test_the_sdist_holds_every_file_the_compiler_reads(sdist: Any) -> None:
    src, members = sdist
    inputs = _compiler_inputs(src)
    assert any(p.endswith(".h") for p in inputs) and any(p.endswith(".c") for p in inputs)
    assert sorted(inputs - members) == []


def _docs_the_readme_names() -> Set[str]:
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    return set(re.findall(r"\b(?:docs/[\w/.-]+\.md|[A-Z]+\.md)\b", text))


def test_the_sdist_holds_the_build_scripts_metadata_and_packages(sdist: Any) -> None:
    _, members = sdist
    wanted = set(BUILD_SCRIPTS) | set(_python_modules()) | {"CHANGELOG.md"}
    assert sorted(wanted - members) == []


def test_the_sdist_holds_the_docs_the_readme_names(sdist: Any) -> None:
    _, members = sdist
    named = _docs_the_readme_names()
    assert {"docs/install.md", "docs/migrating-from-pynng.md", "CHANGELOG.md"} <= named
    assert sorted(named - members) == []


def test_the_sdist_takes_csrc_by_glob(sdist: Any) -> None:
    _, members = sdist
    assert sorted(set(GLOB_PROBES) - members) == []


def test_the_sdist_carries_no_tests_fuzz_targets_or_build_products(sdist: Any) -> None:
    _, members = sdist
    unwanted = [m for m in members if m.startswith(NOT_SHIPPED) or m.endswith((".so", ".o", ".pyc"))
                or m == "nngkit/_ffi.c"]
    assert unwanted == []
