"""The Python layering of docs/architecture.md ("Python layers"), checked on
the source: only the backend (nngkit/_backend) touches the compiled core, the
backend depends on nothing above it but `_errors`, no module imports another
module's underscore names, the CLI uses only the public package, and no
function is longer than 50 lines.  Static checks: they read files, run nothing."""
from __future__ import annotations

import ast
import os
from typing import Iterator, List, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "nngkit")
TOOLS = os.path.join(ROOT, "tools")
BACKEND = "_backend"
# Modules allowed to import the cffi extension: the backend's loader, and the
# loader of the package if it has one (it only reports a missing build).
FFI_IMPORTERS = {"_backend/core.py", "_load.py"}
MAX_LINES = 50


def _sources(top: str) -> Iterator[Tuple[str, ast.Module]]:
    for dirpath, _, files in os.walk(top):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    yield os.path.relpath(path, top), ast.parse(f.read(), path)


def _imports(tree: ast.Module, rel: str) -> Iterator[Tuple[str, List[str]]]:
    """(absolute module, imported names) for each import in package file `rel`."""
    package = ["nngkit"] + rel.split("/")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            yield module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def _in_backend(rel: str) -> bool:
    return rel.startswith(BACKEND + "/")


def test_only_the_backend_loads_the_core() -> None:
    bad = []
    for rel, tree in _sources(PACKAGE):
        for module, names in _imports(tree, rel):
            if (module == "nngkit._ffi" or "_ffi" in names) and rel not in FFI_IMPORTERS:
                bad.append("%s imports the cffi extension" % rel)
    assert bad == []


def test_only_the_backend_uses_ffi_and_lib() -> None:
    bad = []
    for rel, tree in _sources(PACKAGE):
        if _in_backend(rel) or rel in FFI_IMPORTERS:
            continue
        for module, names in _imports(tree, rel):
            bad += ["%s imports %s from %s" % (rel, n, module) for n in names if n in ("ffi", "lib")]
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in ("ffi", "lib"):
                bad.append("%s:%d uses %s.%s" % (rel, node.lineno, node.value.id, node.attr))
    assert bad == []


def test_the_backend_depends_on_nothing_above_it() -> None:
    allowed = ("nngkit._errors", "nngkit._ffi", "nngkit._load")
    bad = []
    for rel, tree in _sources(PACKAGE):
        if not _in_backend(rel):
            continue
        for module, _ in _imports(tree, rel):
            if module.startswith("nngkit") and not module.startswith("nngkit._backend") \
                    and module not in allowed:
                bad.append("%s imports %s" % (rel, module))
    assert bad == []


def test_no_underscore_names_imported_across_modules() -> None:
    bad = []
    for top in (PACKAGE, TOOLS):
        for rel, tree in _sources(top):
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                    bad += ["%s:%d imports %s" % (rel, node.lineno, a.name) for a in node.names
                            if a.name.startswith("_") and not a.name.startswith("__")
                            and not (node.module is None and node.level)]  # a private module is fine
    assert bad == []


def test_the_cli_uses_only_the_public_package() -> None:
    bad = []
    for rel, tree in _sources(TOOLS):
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            bad += ["%s imports %s" % (rel, n) for n in names if n.startswith("nngkit.")]
    assert bad == []


def test_no_function_is_longer_than_50_lines() -> None:
    long = []
    for top in (PACKAGE, TOOLS):
        for rel, tree in _sources(top):
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    lines = (node.end_lineno or node.lineno) - node.lineno + 1
                    if lines > MAX_LINES:
                        long.append("%s:%d %s (%d lines)" % (rel, node.lineno, node.name, lines))
    assert long == []
