"""setuptools entry: builds the cffi extension of the C core (see host_tools/earshot/_cffi_build.py)."""

from setuptools import setup

setup(cffi_modules=["host_tools/earshot/_cffi_build.py:ffibuilder"])
