"""The shipped line model: small multilayer perceptrons in two passes, evaluated with numpy.

Pass 1 scores every line from its own features and its neighbourhood (`features.line_features`);
pass 2 sees the same features plus the pass-1 scores of the lines around it (`features.context_features`),
so a short line inside a run of article lines survives and a long line inside a menu does not. Three such
pairs, trained from different seeds, are averaged (F1 +1 point over one, cross-validated). The weights
were trained by ``tools/train_line_model.py`` on ``noisy-text/noisy-dev`` and ship inside the package
(``data/line_model.npz``, no pickles); nothing is downloaded.

>>> from websieve.steps.clean.features import split_lines
>>> model = LineModel.load()
>>> page = "Home\\nNews\\n\\nThe committee met on Tuesday and agreed on the budget for next year.\\n\\nShare"
>>> p = model.article_probability(split_lines(page), "en")
>>> int(p.argmax())
2
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from websieve.errors import ConfigError
from websieve.steps.clean.features import (
    CONTEXT_NAMES,
    FEATURE_NAMES,
    Line,
    context_features,
    line_features,
)

__all__ = ["LineModel", "Mlp", "Passes"]


@dataclass(frozen=True, slots=True)
class Mlp:
    """Standardise, then dense layers with ReLU, then a logistic output."""

    mean: np.ndarray
    scale: np.ndarray
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]

    def predict(self, x: np.ndarray) -> np.ndarray:
        # clipped: a value far outside what training saw must not swing the whole network
        h = (x - self.mean) / self.scale
        np.minimum(h, 8.0, out=h)
        np.maximum(h, -8.0, out=h)
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            h = h @ w + b
            if i < last:
                np.maximum(h, 0.0, out=h)
        z = np.clip(h[:, 0], -30.0, 30.0)
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float32)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        out = {f"{prefix}mean": self.mean, f"{prefix}scale": self.scale}
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            out[f"{prefix}W{i}"] = w
            out[f"{prefix}b{i}"] = b
        return out

    @classmethod
    def from_arrays(cls, data: dict[str, np.ndarray], prefix: str) -> Mlp:
        n = sum(1 for k in data if k.startswith(f"{prefix}W"))
        return cls(
            mean=data[f"{prefix}mean"].astype(np.float32),
            scale=data[f"{prefix}scale"].astype(np.float32),
            weights=tuple(data[f"{prefix}W{i}"].astype(np.float32) for i in range(n)),
            biases=tuple(data[f"{prefix}b{i}"].astype(np.float32) for i in range(n)),
        )


@dataclass(frozen=True, slots=True)
class Passes:
    """One trained pair: the pass-1 network and the pass-2 network that reads its scores."""

    first: Mlp
    second: Mlp

    def score(self, features: np.ndarray) -> np.ndarray:
        p1 = self.first.predict(features)
        return self.second.predict(np.concatenate([features, context_features(p1)], axis=1))


@dataclass(frozen=True, slots=True)
class LineModel:
    """A few `Passes` trained from different seeds (their scores are averaged: steadier than one) and the
    decision threshold chosen by cross-validation."""

    members: tuple[Passes, ...]
    threshold: float

    @staticmethod
    def bundled_path() -> Path:
        return Path(str(resources.files("websieve.steps.clean").joinpath("data/line_model.npz")))

    @classmethod
    def load(cls, path: str | Path | None = None) -> LineModel:
        p = Path(path) if path is not None else cls.bundled_path()
        try:
            with np.load(p, allow_pickle=False) as npz:
                data = {k: npz[k] for k in npz.files}
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"cannot load the line model {p}: {exc}; retrain it with tools/train_line_model.py"
            ) from exc
        prefixes = sorted({k.split("_", 1)[0] for k in data if k.startswith("m") and "_first_W0" in k})
        missing = {"feature_names", "threshold"} - set(data)
        if missing or not prefixes:
            raise ConfigError(
                f"the line model {p} lacks {sorted(missing) or 'its networks'}; "
                "retrain it with tools/train_line_model.py"
            )
        names = tuple(str(x) for x in data["feature_names"])
        if names != FEATURE_NAMES + CONTEXT_NAMES:
            raise ConfigError(
                f"the line model {p} was trained on other features than this websieve computes; "
                "retrain it with tools/train_line_model.py"
            )
        members = tuple(
            Passes(
                first=Mlp.from_arrays(data, f"{m}_first_"),
                second=Mlp.from_arrays(data, f"{m}_second_"),
            )
            for m in sorted(prefixes, key=lambda x: int(x[1:]))
        )
        return cls(members=members, threshold=float(data["threshold"]))

    def save(self, path: str | Path) -> None:
        arrays: dict[str, np.ndarray] = {
            "threshold": np.array(self.threshold, dtype=np.float32),
            "feature_names": np.array(FEATURE_NAMES + CONTEXT_NAMES),
        }
        for j, member in enumerate(self.members):
            arrays.update(member.first.arrays(f"m{j}_first_"))
            arrays.update(member.second.arrays(f"m{j}_second_"))
        np.savez_compressed(path, **arrays)  # type: ignore[arg-type]

    def score(self, features: np.ndarray) -> np.ndarray:
        """Article probabilities of `line_features` rows: the mean of the members' pass-2 scores.

        The matrix products run on one BLAS thread: a multi-threaded BLAS takes another code path for
        small matrices and rounds differently, and a run's output must not depend on how many threads
        the process had (inline vs worker processes). The limit is lifted again on return.
        """
        if len(features) == 0:
            return np.zeros(0, dtype=np.float32)
        with _one_blas_thread():
            total = self.members[0].score(features)
            for member in self.members[1:]:
                total = total + member.score(features)
        out: np.ndarray = (total / len(self.members)).astype(np.float32)
        return out

    def article_probability(self, lines: list[Line], lang: str | None, url: str | None = None) -> np.ndarray:
        """Probability that each line is article text."""
        return self.score(line_features(lines, lang, url))


_CONTROLLER: Any = None


def _one_blas_thread() -> Any:
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")
