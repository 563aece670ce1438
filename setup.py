"""The C extensions; everything else about the package is in pyproject.toml.

- ``websieve.steps.clean._linescan`` reads a page's characters in one pass for the line features;
- ``websieve.steps.extract._regions`` brackets a page's DOM regions with markers in one pass over its tags,
  measures its nesting (the guard), and reads the markers back from the rendered text;
- ``websieve.steps.quality._ngrams`` counts the n-grams of Gopher's repetition rules with a hash table;
- ``websieve.steps.lists._urlscan`` checks a URL against compiled domain/URL lists and URL word lists in one
  pass over the URL;
- ``websieve.steps.dedup._minhash`` computes the MinHash signatures and LSH band keys of texts in one pass
  over their code points.

All are optional: where they cannot be compiled (no C compiler), the install goes on and websieve runs
their Python/numpy twins, which give the same results, slower (``websieve.steps.clean.features.SCAN_BACKEND``,
``websieve.steps.extract.dom.REGIONS_BACKEND``, ``websieve.steps.extract.mark.MARK_BACKEND``,
``websieve.steps.quality.gopher_repetition.NGRAMS_BACKEND``, ``websieve.steps.lists.matcher.MATCH_BACKEND``
and ``websieve.steps.dedup.signature.SIGNATURE_BACKEND`` say which).
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
            "websieve.steps.quality._ngrams",
            sources=["src/websieve/steps/quality/_ngrams.c"],
            optional=True,
            extra_compile_args=["-O3"],
        ),
        Extension(
            "websieve.steps.extract._regions",
            sources=["src/websieve/steps/extract/_regions.c"],
            optional=True,
            extra_compile_args=["-O3"],
        ),
        Extension(
            "websieve.steps.lists._urlscan",
            sources=["src/websieve/steps/lists/_urlscan.c"],
            optional=True,
            extra_compile_args=["-O3"],
        ),
        Extension(
            "websieve.steps.dedup._minhash",
            sources=["src/websieve/steps/dedup/_minhash.c"],
            optional=True,
            extra_compile_args=["-O3"],
        ),
    ]
)
