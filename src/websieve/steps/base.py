"""The contract every step follows, and the context a step reports drops and errors to.

A step is generator in, generator out. Most steps only implement `Step.apply` (one document in, the
document or ``None`` out); the base class turns that into `Step.process` and routes a failing document to
the ledger according to ``on_error``.

>>> from websieve.steps.normalize.unicode import NormalizeUnicode
>>> step = NormalizeUnicode()
>>> step.setup()
>>> ctx = StepContext.standalone()
>>> [d.text for d in step.process(iter([Document(id="1", text="a  b\\r\\n")]), ctx)]
['a b']
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Generic, TypeVar

from websieve.config import OnError, StepConfig
from websieve.document import Document, Field, Signal
from websieve.ledger.records import ShardLedger

__all__ = ["Step", "StepContext"]

C = TypeVar("C", bound=StepConfig)


@dataclass(slots=True)
class StepContext:
    """Per-shard services a step may use: the ledger, the error policy, annotate-only mode.

    ``run_dir`` and ``shard`` say which run folder and shard the documents belong to; global steps
    (`websieve.steps.global_stage`) read their decisions from there. Both are ``None`` outside a run
    (`standalone`, `websieve.clean`).
    """

    ledger: ShardLedger
    on_error: OnError = OnError.SKIP
    annotate_only: bool = False
    quarantine: list[Document] = field(default_factory=list)
    run_dir: Path | None = None
    shard: str | None = None

    @classmethod
    def standalone(cls, *, on_error: OnError = OnError.SKIP) -> StepContext:
        """A context with a fresh ledger, for running steps outside a run (tests, `websieve.clean`)."""
        return cls(ledger=ShardLedger(), on_error=on_error)

    def drop(
        self,
        doc: Document,
        *,
        step: str,
        rule: enum.Enum,
        value: Signal = None,
        threshold: Signal = None,
    ) -> bool:
        """Record that ``step`` rejects ``doc``; returns whether the step must actually drop it.

        In annotate-only mode nothing is dropped: the verdict is kept in the annotations instead.
        """
        if self.annotate_only:
            doc.annotate(step, would_drop=str(rule.value))
            return False
        self.ledger.drop(doc, step=step, rule=str(rule.value), value=value, threshold=threshold)
        return True

    def drop_first(
        self, doc: Document, *, step: str, failed: Iterable[tuple[enum.Enum, Signal, Signal]]
    ) -> bool:
        """`drop` on the first of ``failed``: (rule, value, threshold) of each rule ``doc`` fails, in the
        order the step checks them (only the first is recorded, as a filter stops there); ``False``
        when it fails none."""
        for rule, value, threshold in failed:
            return self.drop(doc, step=step, rule=rule, value=value, threshold=threshold)
        return False

    def fail(self, doc: Document, *, step: str, exc: Exception) -> None:
        """Route a failing document according to ``on_error``."""
        if self.on_error is OnError.RAISE:
            raise exc
        self.ledger.error(doc, step=step, message=f"{type(exc).__name__}: {exc}")
        if self.on_error is OnError.QUARANTINE:
            self.quarantine.append(doc)


class Step(Generic[C]):
    """Base of every pipeline step.

    Subclasses set `step_id` (``area.name@version``: bump the version whenever output changes for the
    same input), `config_cls`, `requires` and `produces`, and implement `apply` or `process`.
    ``__init__`` only stores the config; heavy imports and models load in `setup`, once per worker.
    """

    step_id: ClassVar[str]
    config_cls: ClassVar[type[StepConfig]] = StepConfig
    requires: ClassVar[frozenset[Field]] = frozenset()
    produces: ClassVar[frozenset[Field]] = frozenset()
    extra: ClassVar[str | None] = None
    """The pyproject extra that installs this step's dependencies (``None``: core)."""

    def __init__(self, config: C | None = None) -> None:
        self.config: C = config if config is not None else self.config_cls()  # type: ignore[assignment]

    @property
    def name(self) -> str:
        return self.step_id.partition("@")[0]

    def setup(self) -> None:
        """Load models and tables. Called once per worker before the first shard."""

    def external(self) -> dict[str, str]:
        """What besides its config decides this step's output (a compiled list's checksum, the versions of
        optional libraries it uses): part of the run's fingerprint, so a run does not resume over a
        changed list or library. Cheap: called before the run, without `setup`."""
        return {}

    def apply(self, doc: Document, ctx: StepContext) -> Document | None:
        """Process one document: return it (changed or not) to pass it on, ``None`` once dropped."""
        raise NotImplementedError(f"{type(self).__name__} must implement apply() or process()")

    def process(self, docs: Iterator[Document], ctx: StepContext) -> Iterator[Document]:
        """Generator in, generator out. A failing document goes to the ledger (or raises, per on_error)."""
        for doc in docs:
            try:
                out = self.apply(doc, ctx)
            except Exception as exc:  # one bad page must not stop the run: it goes to the ledger
                ctx.fail(doc, step=self.step_id, exc=exc)
                continue
            if out is not None:
                yield out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r})"
