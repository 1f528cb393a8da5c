import os
import shutil
import subprocess
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# Metadata lives in pyproject.toml; this only hooks the C builds in.
# cffi compiles the core against the stable ABI (the .abi3.so), so one wheel
# tagged cp39-abi3 serves every CPython from 3.9 on.  Free-threaded builds
# have no stable ABI: they get a wheel of their own version.
options = {}
if not sysconfig.get_config_var("Py_GIL_DISABLED"):
    options["bdist_wheel"] = {"py_limited_api": "cp39"}

# The OpenSSL 3 TLS engine: a plain shared object (no Python in it) beside
# the core, which loads it on first TLS use (docs/install.md).  Built only
# where pkg-config finds OpenSSL 3's headers (libssl-dev); without them
# nngkit builds all the same and TLS URLs raise NotSupported.
ENGINE = "nngkit._nk_openssl"
SANITIZE = os.environ.get("NNGKIT_SANITIZE")


def _openssl_flags():
    """(cflags, libs) of OpenSSL 3 from pkg-config, or None."""
    pc = shutil.which("pkg-config")
    if pc is None:
        return None
    try:
        subprocess.run([pc, "--atleast-version=3.0", "openssl"], check=True)
        out = [subprocess.run([pc, flag, "openssl"], check=True, capture_output=True, text=True).stdout.split()
               for flag in ("--cflags", "--libs")]
    except (OSError, subprocess.CalledProcessError):
        return None
    return out[0], out[1]


class BuildExt(build_ext):
    def build_extensions(self):
        flags = _openssl_flags()
        for ext in list(self.extensions):
            if ext.name != ENGINE:
                continue
            if flags is None:
                print("nngkit: OpenSSL 3 headers not found (libssl-dev): building without TLS")
                self.extensions.remove(ext)
                continue
            ext.extra_compile_args += flags[0]
            ext.extra_link_args += flags[1]
        super().build_extensions()

    def get_ext_filename(self, fullname):
        if fullname.split(".")[-1] == ENGINE.split(".")[-1]:  # a fixed name the core looks for
            return os.path.join(*fullname.split(".")) + ".so"
        return super().get_ext_filename(fullname)

    def get_export_symbols(self, ext):
        return [] if ext.name == ENGINE else super().get_export_symbols(ext)


_san = ["-fsanitize=" + SANITIZE] if SANITIZE else []
engine = Extension(
    ENGINE,
    sources=["csrc/transport/tls_openssl.c"],
    include_dirs=["csrc/include", "csrc/core", "csrc/platform"],
    extra_compile_args=["-std=gnu11", "-O2", "-Wall", "-fvisibility=hidden"] + _san,
    extra_link_args=list(_san),
)

setup(cffi_modules=["csrc/ffi_build.py:ffibuilder"], ext_modules=[engine],
      cmdclass={"build_ext": BuildExt}, options=options)
