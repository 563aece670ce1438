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

from dataclasses import dataclass, field
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

_CLIP = 8.0  # standardised inputs are clipped to ±_CLIP: far outside what training saw


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
        np.minimum(h, _CLIP, out=h)
        np.maximum(h, -_CLIP, out=h)
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


def _fold(net: Mlp, cols: slice) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The input columns ``cols`` of ``net``'s first layer with the standardisation folded in: raw-space
    clip bounds, then weights and bias such that ``clip(x) @ w + b`` equals the standardised product."""
    mean, scale, w = net.mean[cols], net.scale[cols], net.weights[0][cols]
    lo, hi = mean - _CLIP * scale, mean + _CLIP * scale
    return lo, hi, (w / scale[:, None]).astype(np.float32), -((mean / scale) @ w).astype(np.float32)


@dataclass(frozen=True, slots=True)
class _Fused:
    """The members evaluated together: one product for all first layers, the deeper layers as one
    batched product. Exact up to float rounding; built when the members share their standardisation of
    the page features (models from tools/train_line_model.py do)."""

    lo: np.ndarray
    hi: np.ndarray
    first_w: np.ndarray  # (features, members * hidden)
    first_b: np.ndarray
    first_deep: tuple[tuple[np.ndarray, np.ndarray], ...]  # (members, in, out), (members, 1, out)
    second_w: np.ndarray  # the page-feature part of the second passes' first layers
    second_b: np.ndarray
    ctx_lo: np.ndarray  # (members, 1, context features)
    ctx_hi: np.ndarray
    ctx_w: np.ndarray  # (members, context features, hidden)
    second_deep: tuple[tuple[np.ndarray, np.ndarray], ...]

    @classmethod
    def build(cls, members: tuple[Passes, ...]) -> _Fused | None:
        n = len(FEATURE_NAMES)
        nets = [m.first for m in members] + [m.second for m in members]
        ref = members[0].first
        shared = all(
            np.array_equal(net.mean[:n], ref.mean) and np.array_equal(net.scale[:n], ref.scale)
            for net in nets
        )
        shapes = {tuple(w.shape[1:] for w in m.first.weights) for m in members}
        shapes2 = {tuple(w.shape[1:] for w in m.second.weights) for m in members}
        deep_enough = all(len(net.weights) >= 2 for net in nets)  # `_rest` starts with a hidden layer
        if not shared or not deep_enough or len(shapes) != 1 or len(shapes2) != 1:
            return None
        feats = slice(0, n)
        first = [_fold(m.first, feats) for m in members]
        second = [_fold(m.second, feats) for m in members]
        ctx = [_fold(m.second, slice(n, None)) for m in members]

        def deep(which: list[Mlp]) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
            return tuple(
                (
                    np.stack([net.weights[i] for net in which]),
                    np.stack([net.biases[i][None] for net in which]),
                )
                for i in range(1, len(which[0].weights))
            )

        firsts = [m.first for m in members]
        seconds = [m.second for m in members]
        return cls(
            lo=first[0][0],
            hi=first[0][1],
            first_w=np.concatenate([f[2] for f in first], axis=1),
            first_b=np.concatenate([f[3] + net.biases[0] for f, net in zip(first, firsts, strict=True)]),
            first_deep=deep(firsts),
            second_w=np.concatenate([f[2] for f in second], axis=1),
            second_b=np.concatenate(
                [f[3] + c[3] + net.biases[0] for f, c, net in zip(second, ctx, seconds, strict=True)]
            ),
            ctx_lo=np.stack([c[0][None] for c in ctx]),
            ctx_hi=np.stack([c[1][None] for c in ctx]),
            ctx_w=np.stack([c[2] for c in ctx]),
            second_deep=deep(seconds),
        )

    @staticmethod
    def _rest(h: np.ndarray, k: int, deep: tuple[tuple[np.ndarray, np.ndarray], ...]) -> np.ndarray:
        """Hidden units (n, k * hidden) through each member's deeper layers: logistic scores (n, k)."""
        np.maximum(h, 0.0, out=h)
        z = h.reshape(len(h), k, -1).transpose(1, 0, 2)  # (k, n, hidden)
        last = len(deep) - 1
        for i, (w, b) in enumerate(deep):
            z = np.matmul(z, w) + b
            if i < last:
                np.maximum(z, 0.0, out=z)
        out = np.clip(z[:, :, 0].T, -30.0, 30.0)
        return np.asarray(1.0 / (1.0 + np.exp(-out)), dtype=np.float32)

    def score(self, features: np.ndarray) -> np.ndarray:
        k = len(self.ctx_w)
        x = np.clip(features, self.lo, self.hi)
        first = self._rest(x @ self.first_w + self.first_b, k, self.first_deep)
        context = np.clip(context_features(first), self.ctx_lo, self.ctx_hi)  # (k, n, 16)
        h = x @ self.second_w + self.second_b
        h += np.matmul(context, self.ctx_w).transpose(1, 0, 2).reshape(len(x), -1)
        out: np.ndarray = self._rest(h, k, self.second_deep).mean(axis=1, dtype=np.float32)
        return out


@dataclass(frozen=True, slots=True)
class LineModel:
    """A few `Passes` trained from different seeds (their scores are averaged: steadier than one) and the
    decision threshold chosen by cross-validation."""

    members: tuple[Passes, ...]
    threshold: float
    _fused: _Fused | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_fused", _Fused.build(self.members))

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
            if self._fused is not None:
                return self._fused.score(features)
            # all members' first passes, then their context features in one go (the page's Python-side
            # cost is paid once, not once per member)
            first = np.stack([m.first.predict(features) for m in self.members], axis=1)
            context = context_features(first)
            total = self.members[0].second.predict(np.concatenate([features, context[0]], axis=1))
            for j, member in enumerate(self.members[1:], start=1):
                total = total + member.second.predict(np.concatenate([features, context[j]], axis=1))
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
