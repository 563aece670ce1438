"""The public API is pinned: adding or removing a name must be a deliberate change to this list."""

from __future__ import annotations

import subprocess
import sys

import pytest

import websieve

PUBLIC = [
    "CleanResult", "ConfigError", "DecodeError", "Document", "DocumentError", "DocumentTooLarge", "Executor",
    "Field", "InputError", "Meta", "OnError", "Origin", "OutputFormat", "Pipeline", "PipelineOrderError",
    "ReadConfig", "ResumeError", "RunConfig", "RunSummary", "Step", "StepConfig", "StepContext", "UserError",
    "WebsieveError", "WriteConfig", "__version__", "clean", "clean_file", "list_presets", "load_config",
    "load_preset", "run",
]  # fmt: skip


def test_all_is_pinned() -> None:
    assert sorted(websieve.__all__) == sorted(PUBLIC)


def test_every_public_name_resolves() -> None:
    for name in websieve.__all__:
        assert getattr(websieve, name) is not None, name


def test_unknown_attribute_raises() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        websieve.no_such_thing  # type: ignore[attr-defined]  # noqa: B018


def test_import_is_cheap() -> None:
    """No work at import time: importing websieve loads none of the heavy libraries."""
    code = (
        "import sys, websieve; heavy = {'fastwarc', 'resiliparse', 'pyarrow', 'fasttext', 'ftfy'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_errors_share_one_root() -> None:
    for name in (
        "ConfigError",
        "InputError",
        "PipelineOrderError",
        "ResumeError",
        "DecodeError",
        "DocumentTooLarge",
    ):
        assert issubclass(getattr(websieve, name), websieve.WebsieveError)
