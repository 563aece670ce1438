"""A run's steps, checked for order before anything runs, and the fingerprint that identifies a run.

>>> from websieve.config import load_preset
>>> pipe = Pipeline(load_preset("default"))
>>> [s.step_id for s in pipe.steps][:4]
['extract.html@1', 'normalize.unicode@1', 'langid.fasttext@1', 'clean.lines@2']
>>> pipe.check({Field.HTML})
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

import orjson

from websieve._version import __version__
from websieve.config import RunConfig
from websieve.document import Document, Field
from websieve.errors import PipelineOrderError
from websieve.registry import step_class
from websieve.steps.base import Step, StepContext

__all__ = ["Pipeline", "fingerprint"]

#: the writer needs text: the check adds it at the end of every pipeline
_WRITER_REQUIRES = frozenset({Field.TEXT})


class Pipeline:
    """The configured steps of a run, in order."""

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self.steps: list[Step[object]] = [  # type: ignore[type-var]
            step_class(entry.name)(entry.config) for entry in config.steps
        ]
        self._ready = False

    def check(self, initial: Iterable[Field]) -> None:
        """Refuse a step that needs a field no earlier step (or the input) provides."""
        have = set(initial)
        start = ", ".join(sorted(f.value for f in have)) or "nothing"
        for step in self.steps:
            missing = step.requires - have
            if missing:
                need = ", ".join(sorted(f.value for f in missing))
                raise PipelineOrderError(
                    f"step {step.step_id} needs {need}, but the input provides {start} and no step before it "
                    f"produces {need}; add an extract step (e.g. extract.html) before it"
                )
            have |= step.produces
        if not have >= _WRITER_REQUIRES:
            raise PipelineOrderError(
                f"the output needs text, but the input provides {start} and no step produces text; "
                "add extract.html to the steps"
            )

    def external(self) -> dict[str, str]:
        """What besides their configs decides the steps' output (`Step.external`), by step."""
        return {
            f"{step.step_id} {key}": value for step in self.steps for key, value in step.external().items()
        }

    def setup(self) -> None:
        """Load every step's models and tables (once per process)."""
        if not self._ready:
            for step in self.steps:
                step.setup()
            self._ready = True

    def process(self, docs: Iterator[Document], ctx: StepContext) -> Iterator[Document]:
        """Chain every step over ``docs``."""
        self.setup()
        stream = docs
        for step in self.steps:
            stream = step.process(stream, ctx)
        return stream


def fingerprint(
    config: RunConfig, listing: Iterable[tuple[str, int]], external: dict[str, str] | None = None
) -> dict[str, str]:
    """Hashes of what decides a run's output: its config, its input listing, the websieve version, and
    what else its steps read (`Pipeline.external`)."""

    def digest(obj: object) -> str:
        return hashlib.sha256(orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]

    cfg = config.to_dict()
    cfg.pop("description", None)
    cfg.pop("name", None)
    parts = {"config": digest(cfg), "inputs": digest(sorted(listing)), "version": __version__}
    if external:
        parts["external"] = digest(external)
    parts["run"] = digest(parts)
    return parts
