"""Build-time only: compiles csrc/ into the cffi extension nngkit._ffi.

The cdef is derived from csrc/include/nngkit.h, so the C header stays the one
place where the public API is declared.
"""
import ast
import glob
import os
import re

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = os.path.join(HERE, "include", "nngkit.h")
ENGINE_PREFIX = "tls_"  # csrc/transport/tls_<library>.c


def _cdef_from_header(path: str) -> str:
    out = []
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    for line in lines:
        s = line.strip()
        if s.startswith(("#include", "#ifndef", "#endif", "#define NNGKIT_H")):
            continue
        m = re.match(r"#define\s+(NK_\w+)\s+(.*)$", s)
        if m:
            if m.group(2).startswith('"'):
                continue  # string macros: use nk_version() instead
            out.append("#define %s ..." % m.group(1))
            continue
        out.append(line.rstrip("\n"))
    return "\n".join(out)


def package_version() -> str:
    """The literal ``__version__`` of nngkit/_version.py, the one place the
    version is written (pyproject.toml reads it too), without importing it."""
    path = os.path.join(os.path.dirname(HERE), "nngkit", "_version.py")
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if [getattr(t, "id", None) for t in targets] == ["__version__"] and node.value is not None:
            return ast.literal_eval(node.value)
    raise RuntimeError("no literal __version__ in %s" % path)


def _sources() -> list:
    srcs = []
    for sub in ("platform", "core", "transport", "protocol"):
        srcs += sorted(glob.glob(os.path.join(HERE, sub, "*.c")))
    # The TLS engines are shared objects of their own, loaded on first use
    # (setup.py builds them; docs/install.md says why).
    srcs = [s for s in srcs if not os.path.basename(s).startswith(ENGINE_PREFIX)]
    # setuptools wants paths relative to the project root
    root = os.path.dirname(HERE)
    return [os.path.relpath(s, root) for s in srcs]


ffibuilder = FFI()
ffibuilder.cdef(_cdef_from_header(HEADER))
_cflags = ["-std=gnu11", "-O2", "-Wall", "-fvisibility=hidden"]
if os.environ.get("NNGKIT_SANITIZE"):
    _cflags = ["-std=gnu11", "-O1", "-g", "-fno-omit-frame-pointer",
               "-fsanitize=" + os.environ["NNGKIT_SANITIZE"]]
ffibuilder.set_source(
    "nngkit._ffi",
    '#include "nngkit.h"\n',
    sources=_sources(),
    include_dirs=[os.path.relpath(os.path.join(HERE, d), os.path.dirname(HERE))
                  for d in ("include", "core", "platform", "protocol")],
    define_macros=[("NK_VERSION", '"%s"' % package_version())],
    extra_compile_args=_cflags,
    extra_link_args=["-pthread", "-ldl"] + (["-fsanitize=" + os.environ["NNGKIT_SANITIZE"]]
                                    if os.environ.get("NNGKIT_SANITIZE") else []),
    libraries=[],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
