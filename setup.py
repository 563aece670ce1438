"""The one C extension; everything else about the package is in pyproject.toml.

``websieve.steps.clean._linescan`` reads a page's characters in one pass for the line features. It is
optional: where it cannot be compiled (no C compiler), the install goes on and websieve runs the numpy
path, which gives the same features, slower (``websieve.steps.clean.features.SCAN_BACKEND`` says which).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "websieve.steps.clean._linescan",
            sources=["src/websieve/steps/clean/_linescan.c"],
            optional=True,
            extra_compile_args=["-O3"],
        )
    ]
)
