"""The dependency rule of docs/architecture.md, checked on the source tree.

In the spirit of trio's test_exports: the rule is only real if the suite fails
when it is broken.  Each rule below is one test, and each violation is
reported as ``file:line: in <function>: <what> [rule]``.

C layers, lowest first (a file may use its own layer and the layers below):

    platform   csrc/platform/   threads, lock, clock, poller, timers, tasks
    core       csrc/core/       messages, aios, sockets, pipes, endpoints
    transport  csrc/transport/  one file per transport   } siblings: neither
    protocol   csrc/protocol/   one file per protocol    } uses the other
    registry   csrc/registry/   a place above both that may name every
                                transport and protocol (empty today: each
                                registers its own table with the core)

Rules:
  (a) no file uses (calls, or takes the address of) a function or object
      defined in a layer above it or in a sibling layer, nor includes such a
      layer's header; a protocol uses only the platform services listed in
      PROTOCOL_PLATFORM_SERVICES; nothing in csrc/ uses Python; tools/,
      examples/ and benchmarks/ use only the public nngkit API.
  (b) a .c file declares no non-static prototype (or extern object) that is
      defined in another unit: cross-unit declarations belong in headers.
  (c) the core (csrc/core, csrc/platform) names no transport scheme, in a
      string or in an identifier (nki_ipc_*, "tcp-nodelay", "abstract://").
  (d) only the backend module(s) in PY_BACKEND_MODULES call lib.nk_*.

Run as a script (python tests/test_layering.py) for the full report with
counts per rule; a copy outside the tree checks the current directory.
"""
from __future__ import annotations

import ast
import bisect
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Optional, Set, Tuple

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if not os.path.isdir(os.path.join(ROOT, "csrc")):  # a copy run from outside the tree: check the cwd
    ROOT = os.getcwd()
CSRC = os.path.join(ROOT, "csrc")

# ---- the rule, as data ----

LAYER_DIRS = {"platform": "platform", "core": "core", "transport": "transport",
              "protocol": "protocol", "registry": "registry"}
# What each layer may use besides itself.  "api" is csrc/include/nngkit.h:
# the public vocabulary (error codes, types) any layer may include; its
# functions are defined in the core, so calling them is using the core.
MAY_USE = {
    "platform": {"api"},
    "core": {"api", "platform"},
    "transport": {"api", "platform", "core"},
    "protocol": {"api", "platform", "core"},
    "registry": {"api", "platform", "core", "transport", "protocol"},
}
# csrc/ directories that are not part of the library (test harnesses).
NOT_LIBRARY = {"fuzz"}
# A protocol runs under the lock on the reactor or a caller's thread and
# never blocks or touches an fd: from the platform it may read the clock,
# draw random numbers, arm timers and post tasks.  Nothing else.
PROTOCOL_PLATFORM_SERVICES = frozenset({
    "nki_clock", "nki_random",
    "nki_timer_init", "nki_timer_schedule", "nki_timer_cancel",
    "nki_task_init", "nki_task_post", "nki_task_cancel", "nki_defer",
})
SCHEME_WORD = re.compile(r"^(tcp[46]?|ipc|unix|inproc|abstract|wss?|tls)$", re.I)
SCHEME_IN_STRING = re.compile(r"(?<![A-Za-z0-9])(tcp[46]?|ipc|unix|inproc|abstract|wss?|tls)(?![A-Za-z0-9])", re.I)
# Address families are the operating system's socket vocabulary, not URL
# schemes: the platform's socket helpers may name them.
SYSTEM_NAMES = frozenset({"AF_UNIX", "PF_UNIX"})
CORE_LAYERS = ("core", "platform")
# Rule (d): where the cffi calls may be (the target shape: one thin backend
# layer, as pyzmq's backend/cffi).  Entries are files, or packages ending in
# "/"; narrow it as the backend settles.
PY_BACKEND_MODULES = frozenset({"nngkit/_backend/"})
# Programs that must use the public nngkit API only.
PUBLIC_API_USERS = ("tools", "examples", "benchmarks")


@dataclass(frozen=True)
class Violation:
    rule: str
    path: str  # relative to ROOT
    line: int
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: in {self.where}: {self.what} [rule {self.rule}]"


# ---- a small C reader: comments, strings, top-level definitions, uses ----

_TOKEN = re.compile(r"""
    (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<pp>^[ \t]*\#(?:\\\n|[^\n])*)
  | (?P<string>"(?:\\.|[^"\\\n])*")
  | (?P<char>'(?:\\.|[^'\\\n])*')
  | (?P<ident>[A-Za-z_]\w*)
  | (?P<num>\d[\w.]*)
  | (?P<punct>->|\S)
""", re.S | re.M | re.X)
_INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
_KEYWORDS = frozenset("""auto break case char const continue default do double else enum extern float for goto
if inline int long register restrict return short signed sizeof static struct switch typedef union unsigned void
volatile while _Bool _Atomic _Static_assert _Thread_local __attribute__ __typeof__ typeof bool""".split())


@dataclass
class Tok:
    kind: str
    text: str
    line: int


@dataclass
class Use:
    name: str
    line: int
    where: str
    call: bool


@dataclass
class CFile:
    rel: str  # path relative to ROOT
    layer: Optional[str]
    defs: Dict[str, str] = field(default_factory=dict)  # non-static name -> "function"/"object"
    statics: Set[str] = field(default_factory=set)
    protos: List[Tuple[str, int, str]] = field(default_factory=list)  # non-static declarations: name, line, kind
    uses: List[Use] = field(default_factory=list)
    includes: List[Tuple[str, int]] = field(default_factory=list)
    strings: List[Tuple[str, int, str]] = field(default_factory=list)  # text, line, where
    idents: List[Tuple[str, int, str]] = field(default_factory=list)  # every identifier: text, line, where


def tokenize(src: str) -> Tuple[List[Tok], List[Tuple[str, int]]]:
    """Tokens without comments and preprocessor lines; quoted #includes apart."""
    starts = [0] + [m.end() for m in re.finditer(r"\n", src)]
    toks, includes = [], []
    for m in _TOKEN.finditer(src):
        kind = m.lastgroup or ""
        line = bisect.bisect_right(starts, m.start())
        if kind == "comment":
            continue
        if kind == "pp":
            inc = _INCLUDE.match(m.group())
            if inc:
                includes.append((inc.group(1), line))
            continue
        toks.append(Tok(kind, m.group(), line))
    return toks, includes


def _match_close(toks: List[Tok], i: int, open_: str, close: str) -> int:
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].text == open_:
            depth += 1
        elif toks[j].text == close:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def _strip_attributes(stmt: List[Tok]) -> List[Tok]:
    out, i = [], 0
    while i < len(stmt):
        if stmt[i].text == "__attribute__" and i + 1 < len(stmt) and stmt[i + 1].text == "(":
            i = _match_close(stmt, i + 1, "(", ")") + 1
            continue
        out.append(stmt[i])
        i += 1
    return out


def _function_name(stmt: List[Tok]) -> Optional[str]:
    """The name of a function declared or defined by stmt, else None."""
    if any(t.text in ("typedef", "=") for t in stmt):
        return None
    for k, t in enumerate(stmt):
        if t.text == "(":
            prev = stmt[k - 1] if k > 0 else None
            nxt = stmt[k + 1] if k + 1 < len(stmt) else None
            if prev is None or prev.kind != "ident" or prev.text in _KEYWORDS or (nxt and nxt.text == "*"):
                return None  # a function pointer variable or something stranger
            return prev.text
    return None


def _declared_objects(stmt: List[Tok]) -> List[Tok]:
    """Names declared by a top-level object declaration (no function)."""
    names, depth = [], 0
    for k, t in enumerate(stmt):
        if t.text in "([{":
            depth += 1
        elif t.text in ")]}":
            depth -= 1
        elif depth == 0 and t.kind == "ident" and t.text not in _KEYWORDS:
            nxt = stmt[k + 1].text if k + 1 < len(stmt) else ";"
            if nxt in (",", ";", "=", "["):
                names.append(t)
        if depth == 0 and t.text == "=":
            break  # the rest of the first declarator is its initializer
    return names


def _top_words(stmt: List[Tok]) -> Set[str]:
    """The tokens of stmt outside any braces."""
    words, depth = set(), 0
    for t in stmt:
        depth += (t.text == "{") - (t.text == "}")
        if depth == 0:
            words.add(t.text)
    return words


class _Reader:
    def __init__(self, f: CFile, toks: List[Tok]) -> None:
        self.f, self.toks = f, toks

    def names(self, lo: int, hi: int, where: str) -> None:
        """Every identifier and string in toks[lo:hi], for rule (c)."""
        for t in self.toks[lo:hi]:
            if t.kind == "ident":
                self.f.idents.append((t.text, t.line, where))
            elif t.kind == "string":
                self.f.strings.append((t.text[1:-1], t.line, where))

    def uses(self, lo: int, hi: int, where: str) -> None:
        """Identifier uses in toks[lo:hi] (members after . and -> excluded)."""
        toks = self.toks
        self.names(lo, hi, where)
        for k in range(lo, hi):
            t = toks[k]
            if t.kind != "ident" or t.text in _KEYWORDS or (k > 0 and toks[k - 1].text in (".", "->")):
                continue
            call = k + 1 < hi and toks[k + 1].text == "("
            self.f.uses.append(Use(t.text, t.line, where, call))

    def statement(self, lo: int, hi: int, body: Optional[Tuple[int, int]]) -> None:
        """One top-level statement, toks[lo:hi]; body: the span of its braces."""
        stmt = _strip_attributes(self.toks[lo:hi])
        if not stmt:
            return
        words = _top_words(stmt)
        static = "static" in words
        name = _function_name(stmt)
        if name and body is not None:  # a function definition
            (self.f.statics.add(name) if static else self.f.defs.__setitem__(name, "function"))
            self.names(lo, body[0], name)
            self.uses(body[0], body[1], name)
            return
        if name:  # a prototype
            if not static:
                self.f.protos.append((name, stmt[0].line, "function"))
            self.names(lo, hi, "prototype of " + name)
            return
        if "=" not in words:  # a type, or an object without initializer
            self.names(lo, hi, "declaration of " + stmt[-1].text if "typedef" in words else "file scope")
        if "typedef" in words or (body is not None and "=" not in words):
            return
        objs = _declared_objects(stmt)
        for t in objs:
            if "extern" in words:
                self.f.protos.append((t.text, t.line, "object"))
            elif static:
                self.f.statics.add(t.text)
            else:
                self.f.defs[t.text] = "object"
        if "=" in words:
            eq = next(k for k in range(lo, hi) if self.toks[k].text == "=")
            where = "initializer of " + (objs[0].text if objs else "?")
            self.names(lo, eq, where)
            self.uses(eq, hi, where)

    def run(self) -> None:
        toks, i, lo = self.toks, 0, 0
        body: Optional[Tuple[int, int]] = None
        while i < len(toks):
            t = toks[i]
            if t.text == "{":
                j = _match_close(toks, i, "{", "}")
                words = {s.text for s in toks[lo:i]}
                if "=" in words or "typedef" in words or (
                        {"struct", "union", "enum"} & words and not _function_name(toks[lo:i])):
                    body, i = (i, j), j + 1  # an initializer or a type: the statement goes on to ';'
                    continue
                self.statement(lo, i, (i + 1, j))
                body, i = None, j + 1
                lo = i
                continue
            if t.text == ";":
                self.statement(lo, i, body)
                body, lo = None, i + 1
            i += 1


def layer_of(rel: str) -> Optional[str]:
    parts = rel.split("/")
    if len(parts) >= 3 and parts[0] == "csrc":
        if parts[1] == "include":
            return "api"
        return LAYER_DIRS.get(parts[1])
    return None


def read_c(path: str) -> CFile:
    rel = os.path.relpath(path, ROOT).replace(os.sep, "/")
    with open(path, encoding="utf-8") as fh:
        toks, includes = tokenize(fh.read())
    f = CFile(rel, layer_of(rel), includes=includes)
    _Reader(f, toks).run()
    return f


def c_files(root: str = CSRC) -> List[CFile]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in NOT_LIBRARY)
        for name in sorted(filenames):
            if name.endswith((".c", ".h")):
                out.append(read_c(os.path.join(dirpath, name)))
    return out


# ---- the C rules ----

def _definers(files: List[CFile]) -> Dict[str, List[CFile]]:
    table: Dict[str, List[CFile]] = {}
    for f in files:
        for name in f.defs:
            table.setdefault(name, []).append(f)
        if f.rel.endswith(".h"):  # static inline functions belong to their header's layer
            for name in f.statics:
                table.setdefault(name, []).append(f)
    return table


def _allowed(user: str, owner: str) -> bool:
    return owner == user or owner in MAY_USE.get(user, set())


def upward_uses(files: List[CFile]) -> Iterator[Violation]:
    """Rule (a) for C: uses of upper or sibling layers, includes, Python."""
    table = _definers(files)
    headers = {os.path.basename(f.rel): f for f in files if f.rel.endswith(".h")}
    for f in files:
        if f.layer is None:
            yield Violation("a", f.rel, 1, "file", "is in no layer (expected csrc/<layer>/, layers: "
                            + ", ".join(LAYER_DIRS) + ")")
            continue
        for u in f.uses:
            if u.name in f.defs or u.name in f.statics:
                continue
            for d in table.get(u.name, []):
                verb = "calls" if u.call else "uses"
                if d.layer and not _allowed(f.layer, d.layer):
                    yield Violation("a", f.rel, u.line, u.where,
                                    f"{verb} {u.name} ({d.layer}, {d.rel}) from {f.layer}")
                elif f.layer == "protocol" and d.layer == "platform" and u.name not in PROTOCOL_PLATFORM_SERVICES:
                    yield Violation("a", f.rel, u.line, u.where,
                                    f"{verb} platform service {u.name} ({d.rel}), not one a protocol may use")
        for inc, line in f.includes:
            h = headers.get(os.path.basename(inc))
            if h is not None and h.layer and not _allowed(f.layer, h.layer):
                yield Violation("a", f.rel, line, "#include", f'includes "{inc}" ({h.layer}) from {f.layer}')
            if os.path.basename(inc) == "Python.h":
                yield Violation("a", f.rel, line, "#include", "includes Python.h: nothing in csrc/ knows Python")
        for name, line, where in f.idents:
            if re.match(r"^_?Py[A-Z_]", name):
                yield Violation("a", f.rel, line, where, f"uses the Python C API ({name})")


def prototypes_in_c_files(files: List[CFile]) -> Iterator[Violation]:
    """Rule (b): a non-static declaration in a .c file of another unit's symbol."""
    table = _definers(files)
    for f in files:
        if not f.rel.endswith(".c"):
            continue
        for name, line, kind in f.protos:
            owners = [d.rel for d in table.get(name, []) if d is not f]
            if owners and name not in f.defs:
                what = "prototype of" if kind == "function" else "extern declaration of object"
                yield Violation("b", f.rel, line, "file scope",
                                f"{what} {name}, defined in {', '.join(owners)}: declare it in that unit's header")


def scheme_names(files: List[CFile]) -> Iterator[Violation]:
    """Rule (c): the core and platform name no transport scheme."""
    for f in files:
        if f.layer not in CORE_LAYERS:
            continue
        for name, line, where in f.idents:
            if name in SYSTEM_NAMES:
                continue
            words = [w for w in name.split("_") if w]
            hit = next((w for w in words if SCHEME_WORD.match(w)), None)
            if hit:
                yield Violation("c", f.rel, line, where, f"identifier {name} names the scheme {hit!r}")
        for text, line, where in f.strings:
            m = SCHEME_IN_STRING.search(text)
            if m:
                yield Violation("c", f.rel, line, where, f'string "{text}" names the scheme {m.group(1)!r}')


# ---- the Python rules ----

def py_files(top: str) -> List[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(ROOT, top)):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__pycache__")))
        out += [os.path.join(dirpath, n) for n in sorted(filenames) if n.endswith(".py")]
    return out


def _parse(path: str) -> ast.Module:
    with open(path, encoding="utf-8") as fh:
        return ast.parse(fh.read(), path)


def _enclosing(tree: ast.AST) -> Dict[ast.AST, str]:
    """Maps every node to the qualified name of its function (or <module>)."""
    names: Dict[ast.AST, str] = {}

    def walk(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = where
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = child.name if where == "<module>" else f"{where}.{child.name}"
            names[child] = inner
            walk(child, inner)

    walk(tree, "<module>")
    return names


def _lib_aliases(tree: ast.Module) -> Tuple[Set[str], Set[str]]:
    """Names bound to the cffi lib, and to the _ffi module itself."""
    libs, mods = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == "_ffi":
            libs |= {a.asname or a.name for a in node.names if a.name == "lib"}
        elif isinstance(node, ast.ImportFrom) and node.module in (None, "nngkit"):
            mods |= {a.asname or a.name for a in node.names if a.name == "_ffi"}
        elif isinstance(node, ast.Import):
            mods |= {a.asname for a in node.names if a.name == "nngkit._ffi" and a.asname}
    return libs, mods


def backend_calls(paths: Iterable[str]) -> Iterator[Violation]:
    """Rule (d): lib.nk_* outside PY_BACKEND_MODULES."""
    for path in paths:
        rel = os.path.relpath(path, ROOT).replace(os.sep, "/")
        if any(rel == m or (m.endswith("/") and rel.startswith(m)) for m in PY_BACKEND_MODULES):
            continue
        tree = _parse(path)
        libs, mods = _lib_aliases(tree)
        where = _enclosing(tree)
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Attribute) and node.attr.startswith("nk_"):
                v = node.value
                if (isinstance(v, ast.Name) and v.id in libs) or (
                        isinstance(v, ast.Attribute) and v.attr == "lib"
                        and isinstance(v.value, ast.Name) and v.value.id in mods):
                    name = node.attr
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                  and len(node.args) >= 2 and isinstance(node.args[0], ast.Name) and node.args[0].id in libs
                  and isinstance(node.args[1], ast.Constant) and str(node.args[1].value).startswith("nk_")):
                name = str(node.args[1].value)
            if name:
                yield Violation("d", rel, node.lineno, where.get(node, "<module>"),
                                f"calls lib.{name} outside the backend layer ({', '.join(sorted(PY_BACKEND_MODULES))})")


def public_names() -> Set[str]:
    """nngkit.__all__ (with exceptions.__all__), read from the source."""
    names: Set[str] = set()
    for mod in ("__init__.py", "exceptions.py"):
        for node in ast.walk(_parse(os.path.join(ROOT, "nngkit", mod))):
            if isinstance(node, (ast.Assign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and isinstance(
                        node.value, (ast.List, ast.Tuple)):
                    names |= {e.value for e in node.value.elts if isinstance(e, ast.Constant)}
    return names


def private_api_uses(paths: Iterable[str]) -> Iterator[Violation]:
    """Rule (a) for Python programs: the public nngkit API only."""
    public = public_names() | {"exceptions"}
    for path in paths:
        rel = os.path.relpath(path, ROOT).replace(os.sep, "/")
        tree = _parse(path)
        where = _enclosing(tree)
        pkg_names: Set[str] = set()
        for node in ast.walk(tree):
            bad = None
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == "nngkit":
                        pkg_names.add(a.asname or "nngkit")
                    elif a.name.startswith("nngkit.") and a.name.split(".")[1] not in public:
                        bad = f"imports {a.name}"
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "nngkit":
                    hidden = [a.name for a in node.names if a.name not in public and a.name != "*"]
                    bad = f"imports {', '.join(hidden)} from nngkit" if hidden else None
                elif node.module.startswith("nngkit.") and node.module.split(".")[1] not in public:
                    bad = f"imports from {node.module}"
            if bad:
                yield Violation("a", rel, node.lineno, where.get(node, "<module>"), bad + ": not the public API")
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in pkg_names
                    and node.attr not in public):
                yield Violation("a", rel, node.lineno, where.get(node, "<module>"),
                                f"uses nngkit.{node.attr}: not the public API")


# ---- the tests ----

def _sorted(violations: Iterable[Violation]) -> List[Violation]:
    return sorted(violations, key=lambda v: (v.path, v.line, v.what))


def _report(violations: List[Violation]) -> str:
    lines = [str(v) for v in _sorted(violations)]
    return f"{len(lines)} violation(s):\n" + "\n".join(lines)


def _check(violations: List[Violation]) -> None:
    if violations:
        pytest.fail(_report(violations), pytrace=False)


def all_c() -> List[CFile]:
    return c_files()


def test_the_reader_sees_the_core() -> None:
    """Guards the rules below against passing because nothing was parsed."""
    files = {f.rel: f for f in all_c()}
    assert len(files) >= 30
    assert files["csrc/core/idmap.c"].defs.get("nki_idmap_alloc") == "function"
    assert "nki_random" in {u.name for u in files["csrc/core/idmap.c"].uses if u.call}
    assert "slot_of" in files["csrc/core/idmap.c"].statics
    assert sum(len(f.defs) for f in files.values()) > 150


def test_no_file_uses_a_layer_above_it() -> None:
    found = list(upward_uses(all_c()))
    found += private_api_uses(p for top in PUBLIC_API_USERS for p in py_files(top))
    _check(found)


def test_no_prototypes_of_other_units_in_c_files() -> None:
    found = list(prototypes_in_c_files(all_c()))
    _check(found)


def test_the_core_names_no_transport_scheme() -> None:
    found = list(scheme_names(all_c()))
    _check(found)


def test_only_the_backend_calls_the_core() -> None:
    found = list(backend_calls(py_files("nngkit")))
    _check(found)


# The checkers themselves, on small synthetic sources: each rule must fire.

def _synthetic(rel: str, src: str) -> CFile:
    toks, includes = tokenize(src)
    f = CFile(rel, layer_of(rel), includes=includes)
    _Reader(f, toks).run()
    return f


def test_each_c_rule_fires_on_a_synthetic_tree() -> None:
    plat = _synthetic("csrc/platform/p.c", '#include "core.h"\nvoid nki_core_x(void);\n'
                      "static int n;\nvoid nki_plat(void) { nki_core_x(); n++; }\n")
    core = _synthetic("csrc/core/c.c", '/* "tcp" in a comment is fine */\n'
                      "void nki_core_x(void) { nki_tcp_thing(\"ipc:permissions\"); }\n"
                      "static const struct { void (*f)(void); } t = { .f = nki_plat };\n")
    hdr = _synthetic("csrc/core/core.h", "static inline int nki_inline(int x) { return x + 1; }\n")
    tran = _synthetic("csrc/transport/t.c", "void nki_tcp_thing(const char *s) { (void) s; nki_timer_x(); }\n")
    proto = _synthetic("csrc/protocol/p.c", "int nki_pfd_init(int);\n"
                       "void nki_proto_x(void) { nki_tcp_thing(0); nki_pfd_init(3); nki_inline(1); }\n")
    plat2 = _synthetic("csrc/platform/q.c", "int nki_pfd_init(int fd) { return fd; }\n")
    files = [plat, core, hdr, tran, proto, plat2]
    a = [str(v) for v in upward_uses(files)]
    assert any("p.c:4: in nki_plat: calls nki_core_x (core" in s for s in a), a
    assert any('includes "core.h" (core) from platform' in s for s in a), a
    assert any("calls nki_tcp_thing (transport" in s and "from core" in s for s in a), a
    assert any("csrc/protocol/p.c:2" in s and "nki_tcp_thing (transport" in s for s in a), a
    assert any("platform service nki_pfd_init" in s for s in a), a
    assert not any("nki_inline" in s or "nki_plat (" in s for s in a), a
    b = [str(v) for v in prototypes_in_c_files(files)]
    assert len(b) == 2 and "prototype of nki_core_x, defined in csrc/core/c.c" in b[0], b
    c = [str(v) for v in scheme_names(files)]
    assert any("identifier nki_tcp_thing" in s for s in c) and any('"ipc:permissions"' in s for s in c), c
    assert not any("comment" in s for s in c), c


def test_python_rules_fire_on_synthetic_modules(tmp_path) -> None:
    mod = tmp_path / "m.py"
    mod.write_text("from ._ffi import ffi, lib as L\nfrom . import _ffi\n"
                   "def f():\n    L.nk_send(1)\n    _ffi.lib.nk_recv(2)\n    getattr(L, 'nk_x')()\n"
                   "    L.NK_PROTO_REQ0\n")
    d = [(v.line, v.where) for v in backend_calls([str(mod)])]
    assert sorted(d) == [(4, "f"), (5, "f"), (6, "f")], d
    tool = tmp_path / "t.py"
    tool.write_text("import nngkit\nfrom nngkit import Req0, _socket\nimport nngkit._aio\n"
                    "x = nngkit.Rep0\ny = nngkit._direct\n")
    p = sorted(v.line for v in private_api_uses([str(tool)]))
    assert p == [2, 3, 5], p


def main() -> int:
    files = all_c()
    by_rule = {
        "a": list(upward_uses(files)) + list(private_api_uses(p for t in PUBLIC_API_USERS for p in py_files(t))),
        "b": list(prototypes_in_c_files(files)),
        "c": list(scheme_names(files)),
        "d": list(backend_calls(py_files("nngkit"))),
    }
    for rule, found in by_rule.items():
        found = _sorted(found)
        per_file: Dict[str, int] = {}
        for v in found:
            per_file[v.path] = per_file.get(v.path, 0) + 1
        print(f"== rule ({rule}): {len(found)} violation(s) in {len(per_file)} file(s): "
              + ", ".join(f"{k} {n}" for k, n in sorted(per_file.items())))
        for v in found:
            print(f"  {v}")
    total = sum(len(v) for v in by_rule.values())
    print(f"== total: {total} (" + ", ".join(f"{r}: {len(v)}" for r, v in by_rule.items()) + ")")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
