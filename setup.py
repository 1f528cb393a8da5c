import sysconfig

from setuptools import setup

# Metadata lives in pyproject.toml; this only hooks the cffi build in.
# cffi compiles the core against the stable ABI (the .abi3.so), so one wheel
# tagged cp39-abi3 serves every CPython from 3.9 on.  Free-threaded builds
# have no stable ABI: they get a wheel of their own version.
options = {}
if not sysconfig.get_config_var("Py_GIL_DISABLED"):
    options["bdist_wheel"] = {"py_limited_api": "cp39"}
setup(cffi_modules=["csrc/ffi_build.py:ffibuilder"], options=options)
