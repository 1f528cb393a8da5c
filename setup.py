from setuptools import setup

# Metadata lives in pyproject.toml; this only hooks the cffi build in.
setup(cffi_modules=["csrc/ffi_build.py:ffibuilder"])
