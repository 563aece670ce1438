"""Versioned step ids and where their code lives.

>>> step_class("langid.fasttext").step_id
'langid.fasttext@1'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from websieve.errors import ConfigError
from websieve.steps import STEP_TABLE

if TYPE_CHECKING:
    from typing import Any

    from websieve.steps.base import Step

__all__ = ["step_class", "step_names"]


def step_names() -> list[str]:
    """Names of every registered step, in canonical order."""
    return list(STEP_TABLE)


def step_class(name: str) -> type[Step[Any]]:
    """The class registered under ``name`` (``"langid.fasttext"``), imported on first use."""
    target = STEP_TABLE.get(name)
    if target is None:
        raise ConfigError(f"unknown step {name!r}; `websieve steps` lists them: {', '.join(STEP_TABLE)}")
    module_name, _, attr = target.partition(":")
    cls: type[Step[Any]] = getattr(importlib.import_module(module_name), attr)
    return cls
