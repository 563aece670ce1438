"""websieve: raw crawled web data to clean, language-tagged text corpora, with a ledger of every removal.

>>> import websieve
>>> websieve.clean("Le chat dort sur la table du salon depuis ce matin.").lang
'fr'

The public API is what ``__all__`` lists (a test pins it). Heavy modules load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from websieve._version import __version__

if TYPE_CHECKING:
    from websieve.clean_page import CleanResult, clean, clean_file
    from websieve.config import (
        OnError,
        OutputFormat,
        ReadConfig,
        RunConfig,
        StepConfig,
        WriteConfig,
        list_presets,
        load_config,
        load_preset,
    )
    from websieve.document import Document, Field, Meta, Origin
    from websieve.errors import (
        ConfigError,
        DecodeError,
        DocumentError,
        DocumentTooLarge,
        InputError,
        PipelineOrderError,
        ResumeError,
        UserError,
        WebsieveError,
    )
    from websieve.executors import Executor
    from websieve.pipeline import Pipeline
    from websieve.runs import RunSummary, run
    from websieve.steps.base import Step, StepContext

__all__ = [
    "CleanResult",
    "ConfigError",
    "DecodeError",
    "Document",
    "DocumentError",
    "DocumentTooLarge",
    "Executor",
    "Field",
    "InputError",
    "Meta",
    "OnError",
    "Origin",
    "OutputFormat",
    "Pipeline",
    "PipelineOrderError",
    "ReadConfig",
    "ResumeError",
    "RunConfig",
    "RunSummary",
    "Step",
    "StepConfig",
    "StepContext",
    "UserError",
    "WebsieveError",
    "WriteConfig",
    "__version__",
    "clean",
    "clean_file",
    "list_presets",
    "load_config",
    "load_preset",
    "run",
]

_WHERE = {
    "CleanResult": "clean_page",
    "clean": "clean_page",
    "clean_file": "clean_page",
    "OnError": "config",
    "OutputFormat": "config",
    "ReadConfig": "config",
    "RunConfig": "config",
    "StepConfig": "config",
    "WriteConfig": "config",
    "list_presets": "config",
    "load_config": "config",
    "load_preset": "config",
    "Document": "document",
    "Field": "document",
    "Meta": "document",
    "Origin": "document",
    "ConfigError": "errors",
    "DecodeError": "errors",
    "DocumentError": "errors",
    "DocumentTooLarge": "errors",
    "InputError": "errors",
    "PipelineOrderError": "errors",
    "ResumeError": "errors",
    "UserError": "errors",
    "WebsieveError": "errors",
    "Executor": "executors",
    "Pipeline": "pipeline",
    "RunSummary": "runs",
    "run": "runs",
    "Step": "steps.base",
    "StepContext": "steps.base",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'websieve' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"websieve.{module}"), name)
