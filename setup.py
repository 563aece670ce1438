"""The C extensions; everything else about the package is in pyproject.toml.

- ``websieve.steps.clean._linescan`` reads a page's characters in one pass for the line features;
- ``websieve.steps.extract._regions`` brackets a page's DOM regions with markers in one pass over its tags,
  measures its nesting (the guard), and reads the markers back from the rendered text.

Both are optional: where they cannot be compiled (no C compiler), the install goes on and websieve runs
their Python/numpy twins, which give the same results, slower (``websieve.steps.clean.features.SCAN_BACKEND``,
``websieve.steps.extract.dom.REGIONS_BACKEND`` and ``websieve.steps.extract.mark.MARK_BACKEND`` say which).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "websieve.steps.clean._linescan",
            sources=["src/websieve/steps/clean/_linescan.c"],
            optional=True,
            extra_compile_args=["-O3"],
        ),
        Extension(
            "websieve.steps.extract._regions",
            sources=["src/websieve/steps/extract/_regions.c"],
            optional=True,
            extra_compile_args=["-O3"],
        ),
    ]
)
