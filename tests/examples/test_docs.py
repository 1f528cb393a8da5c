"""The documentation stays true to the code.

- docs build with mkdocs in strict mode (warnings are errors), when mkdocs
  and mkdocstrings are installed (scripts/build_docs.sh installs them);
- the "Names pynng has and nngkit does not" table of
  docs/migrating-from-pynng.md lists exactly the names pynng 0.9 has and
  nngkit lacks: module attributes, class attributes, keyword arguments;
- docs/api.md covers every public name, and its exception table gives each
  exception's real errno and builtin base;
- docs/examples.md lists every example, those examples/demo.py runs and the others.
"""
from __future__ import annotations

import importlib.util
import inspect
import os
import re
import subprocess
import sys
from typing import Any, Dict, Set

import pytest

import nngkit
from tests.examples.test_examples import EXAMPLES, NOT_RUN
from tests.helpers import peers

DOCS = os.path.join(peers.PROJECT_ROOT, "docs")
PROTOCOLS = ["Pair0", "Pair1", "Req0", "Rep0", "Pub0", "Sub0", "Push0", "Pull0",
             "Surveyor0", "Respondent0", "Bus0"]
OTHER_CLASSES = ["Socket", "Context", "Pipe", "Message", "Listener", "Dialer"]
NOT_USER_BUILT = {"Pipe", "Listener", "Dialer"}  # made by nngkit; their __init__ differs freely
MISSING_HEADING = "## Names pynng has and nngkit does not"


def read_doc(name: str) -> str:
    with open(os.path.join(DOCS, name), encoding="utf-8") as f:
        return f.read()


def public(obj: Any) -> Set[str]:
    return {n for n in dir(obj) if not n.startswith("_")}


def params(cls: type, method: str) -> Dict[str, inspect.Parameter]:
    fn = inspect.getattr_static(cls, method, None)
    if not inspect.isfunction(fn):
        return {}
    return dict(inspect.signature(fn).parameters)


def refuses_keyword(cls: type, keyword: str) -> bool:
    try:
        cls(**{keyword: None}).close()
    except TypeError:
        return True
    return False


def missing_keywords(pynng: Any, name: str, method: str) -> Set[str]:
    """Keywords of pynng's `name.method` that nngkit's does not take ("Cls.method(kw=)")."""
    theirs, ours = getattr(pynng, name), getattr(nngkit, name)
    mine = params(ours, method)
    if not mine:
        return set()
    takes_any = any(p.kind == p.VAR_KEYWORD for p in mine.values())
    out = set()
    for kw, p in params(theirs, method).items():
        if kw in mine or kw == "self" or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        if method == "__init__":
            # protocol options arrive through **kwargs: ask the class itself
            if name not in PROTOCOLS or not refuses_keyword(ours, kw):
                continue
        elif takes_any:
            continue
        owner = "Socket" if name in PROTOCOLS and kw in params(pynng.Socket, method) else name
        out.add("%s(%s=)" % (owner, kw) if method == "__init__" else "%s.%s(%s=)" % (owner, method, kw))
    return out


def missing_in_nngkit(pynng: Any) -> Set[str]:
    """Every pynng name nngkit lacks, spelled as in the docs table."""
    out = {"pynng." + n for n in public(pynng) if not hasattr(nngkit, n)}
    socket_only = public(pynng.Socket) - public(nngkit.Socket)
    out |= {"Socket." + n for n in socket_only}
    for name in PROTOCOLS + OTHER_CLASSES:
        theirs, ours = getattr(pynng, name), getattr(nngkit, name)
        extra = public(theirs) - public(ours) - (socket_only if name in PROTOCOLS else set())
        out |= {"%s.%s" % (name, n) for n in extra}
        methods = sorted(public(theirs) & public(ours))
        if name not in NOT_USER_BUILT:
            methods.append("__init__")
        for method in methods:
            out |= missing_keywords(pynng, name, method)
    return out


def documented_missing() -> Set[str]:
    text = read_doc("migrating-from-pynng.md")
    start = text.index(MISSING_HEADING) + len(MISSING_HEADING)
    nxt = text.find("\n## ", start)
    section = text[start:nxt if nxt >= 0 else len(text)]
    return set(re.findall(r"^\| `([^`]+)` \|", section, flags=re.M))


def test_migration_page_lists_exactly_what_pynng_has_and_nngkit_lacks() -> None:
    pynng = peers.require_pynng()
    expected, documented = missing_in_nngkit(pynng), documented_missing()
    assert sorted(expected - documented) == [], "missing from the migration page"
    assert sorted(documented - expected) == [], "listed as missing, but nngkit has them (or pynng has not)"


def test_migration_page_agrees_with_the_pynng_names_test() -> None:
    from tests.protocol.test_pynng_names import NOT_PROVIDED

    assert {"pynng." + n for n in NOT_PROVIDED} <= documented_missing()


def test_api_page_covers_every_public_name() -> None:
    text = read_doc("api.md")
    absent = [n for n in nngkit.__all__ if n != "__version__" and "`%s`" % n not in text
              and "::: nngkit.%s\n" % n not in text]
    assert absent == []


def test_api_exception_table_matches_the_classes() -> None:
    table = {}
    for line in read_doc("api.md").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 4:
            table[cells[0]] = (cells[1], cells[2])
    exceptions = [n for n in nngkit.__all__
                  if isinstance(getattr(nngkit, n), type) and issubclass(getattr(nngkit, n), Exception)]
    for name in exceptions:
        cls = getattr(nngkit, name)
        if name == "NNGException":
            continue
        assert name in table, name
        errno, base = table[name]
        builtins = [b.__name__ for b in cls.__bases__ if b.__module__ == "builtins" and b is not Exception]
        assert base == (builtins[0] if builtins else ""), name
        if issubclass(cls, nngkit.NNGException):
            assert int(errno) == cls("x").errno, name


def test_examples_page_lists_every_example() -> None:
    text = read_doc("examples.md")
    assert [e for e in EXAMPLES + list(NOT_RUN) if "`%s`" % e not in text] == []


@pytest.mark.timeout(120)
def test_docs_build_in_strict_mode(tmp_path) -> None:
    for module in ("mkdocs", "mkdocstrings_handlers.python"):
        top = module.split(".")[0]
        if importlib.util.find_spec(top) is None or importlib.util.find_spec(module) is None:
            pytest.skip("%s is not installed (scripts/build_docs.sh installs it)" % module)
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
                          cwd=peers.PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=100, env=peers.child_env())
    assert proc.returncode == 0, proc.stdout.decode(errors="replace")
    assert (tmp_path / "api" / "index.html").is_file()
