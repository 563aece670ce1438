"""Typed, frozen configuration: the run, its reader, its writer and each step's options.

A run config is plain YAML (or a preset shipped in ``websieve/presets``)::

    steps:
      - extract.html
      - normalize.unicode: {ftfy: true}
      - langid.fasttext
    write: {format: jsonl}

and ``--set step.option=value`` overrides any option:

>>> cfg = load_preset("default").with_overrides(["langid.fasttext.min_chars=20"])
>>> cfg.step("langid.fasttext").config.min_chars
20
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar, Union

import yaml

from websieve.errors import ConfigError

__all__ = [
    "OnError",
    "OutputFormat",
    "ReadConfig",
    "RunConfig",
    "StepConfig",
    "StepEntry",
    "WriteConfig",
    "build_config",
    "list_presets",
    "load_config",
    "load_preset",
]

C = TypeVar("C")


class OnError(enum.Enum):
    """What happens when one document fails."""

    RAISE = "raise"
    """Stop the run with the error (for debugging)."""
    SKIP = "skip"
    """Count it in the ledger and go on (default)."""
    QUARANTINE = "quarantine"
    """Like skip, and also keep the failing document under ``RUN/quarantine/`` for inspection."""


class OutputFormat(enum.Enum):
    JSONL = "jsonl"
    """``part-NNNNN.jsonl.zst``: one JSON object per line, zstd-compressed."""
    PARQUET = "parquet"
    """``part-NNNNN.parquet``: zstd-compressed Parquet with a fixed schema."""


@dataclass(frozen=True, kw_only=True, slots=True)
class StepConfig:
    """Base of every step's options. Subclasses add typed fields with defaults."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ReadConfig:
    """How inputs are read and cut into shards."""

    max_document_bytes: int | None = 20_000_000
    """Records larger than this become a counted `DocumentTooLarge` error (``None``: no limit)."""
    files_per_shard: int = 500
    """Loose ``.html``/``.txt`` files are grouped into shards of this many files."""


@dataclass(frozen=True, kw_only=True, slots=True)
class WriteConfig:
    """How kept documents are written."""

    format: OutputFormat = OutputFormat.JSONL
    compression_level: int = 3
    """zstd level for JSONL output (Parquet uses zstd at the library default)."""


@dataclass(frozen=True, slots=True)
class StepEntry:
    """One step of a run: its registry name (``langid.fasttext``) and its options."""

    name: str
    config: StepConfig


@dataclass(frozen=True, kw_only=True, slots=True)
class RunConfig:
    """Everything that decides what a run produces (and so goes into its fingerprint)."""

    steps: tuple[StepEntry, ...]
    read: ReadConfig = field(default_factory=ReadConfig)
    write: WriteConfig = field(default_factory=WriteConfig)
    on_error: OnError = OnError.SKIP
    annotate_only: bool = False
    """Run every filter, record its signals, drop nothing."""
    name: str = "custom"
    description: str = ""

    def step(self, name: str) -> StepEntry:
        for entry in self.steps:
            if entry.name == name:
                return entry
        have = ", ".join(e.name for e in self.steps) or "none"
        raise ConfigError(f"this config has no step {name!r} (it has: {have})")

    def to_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready form; `build_run_config` reads it back."""
        return {
            "name": self.name,
            "description": self.description,
            "read": _to_plain(self.read),
            "steps": [{e.name: _to_plain(e.config)} for e in self.steps],
            "write": _to_plain(self.write),
            "on_error": self.on_error.value,
            "annotate_only": self.annotate_only,
        }

    def with_overrides(self, assignments: Iterable[str]) -> RunConfig:
        """Apply ``--set`` assignments: ``langid.fasttext.min_chars=20``, ``write.format=parquet``…"""
        data = self.to_dict()
        for assignment in assignments:
            _apply_assignment(data, assignment)
        return build_run_config(data)


def _to_plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _to_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, tuple | list):
        return [_to_plain(x) for x in obj]
    return obj


def _apply_assignment(data: dict[str, Any], assignment: str) -> None:
    key, sep, raw = assignment.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set expects KEY=VALUE, e.g. langid.fasttext.min_chars=20; got {assignment!r}")
    key = key.strip()
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    if key in ("on_error", "annotate_only", "name", "description"):
        data[key] = value
        return
    section, _, option = key.rpartition(".")
    if section in ("read", "write"):
        data[section][option] = value
        return
    for entry in data["steps"]:
        ((name, options),) = entry.items()
        if name.partition("@")[0] == section:
            options[option] = value
            return
    names = ", ".join(next(iter(e)) for e in data["steps"])
    raise ConfigError(
        f"--set {key}: no step named {section!r} in this config (steps: {names}; "
        "sections: read, write, on_error, annotate_only)"
    )


def build_config(cls: type[C], options: Mapping[str, Any] | None, *, where: str) -> C:
    """Build the frozen dataclass ``cls`` from plain options, checking names and types.

    ``where`` names the config section in error messages (``"step langid.fasttext"``).
    """
    options = dict(options or {})
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(options) - set(fields))
    if unknown:
        raise ConfigError(
            f"{where}: unknown option(s) {', '.join(unknown)}; valid options: {', '.join(sorted(fields))}"
        )
    hints = typing.get_type_hints(cls)
    kwargs = {name: _coerce(value, hints[name], where=f"{where}.{name}") for name, value in options.items()}
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def _coerce(value: Any, hint: Any, *, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, where=where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{where}: invalid value {value!r}")
    if origin in (tuple, list):
        args = typing.get_args(hint)
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        if origin is tuple and args[-1] is not Ellipsis:  # a fixed shape, such as (n, share)
            if len(value) != len(args):
                raise ConfigError(f"{where}: expected {len(args)} values, got {value!r}")
            return tuple(_coerce(v, arg, where=where) for v, arg in zip(value, args, strict=True))
        return tuple(_coerce(v, args[0], where=where) for v in value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(value)
        except ValueError:
            choices = ", ".join(str(m.value) for m in hint)
            raise ConfigError(f"{where}: {value!r} is not one of: {choices}") from None
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is bool and not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if hint is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    if isinstance(hint, type) and not isinstance(value, hint):
        raise ConfigError(f"{where}: expected {hint.__name__}, got {value!r}")
    return value


def build_run_config(data: Mapping[str, Any]) -> RunConfig:
    """Build a `RunConfig` from its plain (YAML/JSON) form, resolving step names in the registry."""
    from websieve.registry import step_class

    if not isinstance(data, Mapping):
        raise ConfigError("a run config must be a mapping with at least a 'steps' list")
    known = {"name", "description", "read", "steps", "write", "on_error", "annotate_only"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"config: unknown key(s) {', '.join(unknown)}; valid keys: {', '.join(sorted(known))}"
        )
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ConfigError("config: 'steps' must be a non-empty list, e.g. [extract.html, langid.fasttext]")
    entries = []
    for raw in raw_steps:
        if isinstance(raw, str):
            name, options = raw, {}  # type: ignore[var-annotated]
        elif isinstance(raw, Mapping) and len(raw) == 1:
            ((name, options),) = raw.items()
            options = options or {}
        else:
            raise ConfigError(f"config: each step is a name or {{name: {{options}}}}; got {raw!r}")
        base, _, version = str(name).partition("@")
        cls = step_class(base)
        if version and f"{base}@{version}" != cls.step_id:
            raise ConfigError(f"config asks for {name} but this websieve provides {cls.step_id}")
        entries.append(StepEntry(base, build_config(cls.config_cls, options, where=f"step {base}")))
    on_error = _coerce(data.get("on_error", "skip"), OnError, where="on_error")
    annotate_only = _coerce(data.get("annotate_only", False), bool, where="annotate_only")
    return RunConfig(
        steps=tuple(entries),
        read=build_config(ReadConfig, data.get("read"), where="read"),
        write=build_config(WriteConfig, data.get("write"), where="write"),
        on_error=on_error,
        annotate_only=annotate_only,
        name=str(data.get("name", "custom")),
        description=str(data.get("description", "")),
    )


def load_config(path: str | Path) -> RunConfig:
    """Read a run config from a YAML file."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {str(p)!r} does not exist")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"{p}: not valid YAML ({exc.__class__.__name__}: {str(exc).splitlines()[0]})"
        ) from exc
    if isinstance(data, dict):
        data.setdefault("name", p.stem)
    return build_run_config(data)


def _preset_dir() -> Any:
    return resources.files("websieve") / "presets"


def list_presets() -> dict[str, str]:
    """Preset names and their one-line descriptions."""
    out = {}
    for item in sorted(_preset_dir().iterdir(), key=lambda p: p.name):
        if item.name.endswith(".yaml"):
            data = yaml.safe_load(item.read_text(encoding="utf-8"))
            out[item.name.removesuffix(".yaml")] = str(data.get("description", ""))
    return out


def load_preset(name: str) -> RunConfig:
    """Load a preset shipped with websieve (``websieve presets`` lists them)."""
    item = _preset_dir() / f"{name}.yaml"
    if not item.is_file():
        raise ConfigError(f"no preset named {name!r}; available: {', '.join(list_presets())}")
    data = yaml.safe_load(item.read_text(encoding="utf-8"))
    data["name"] = name
    return build_run_config(data)
