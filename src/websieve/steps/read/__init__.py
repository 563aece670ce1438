"""Readers: input files to documents. The input kind is detected from the path (see `detect`)."""

from __future__ import annotations

from websieve.config import ReadConfig
from websieve.document import Field
from websieve.steps.read.base import Reader
from websieve.steps.read.detect import InputKind

__all__ = ["fields_of", "reader_for"]


def reader_for(kind: InputKind, config: ReadConfig) -> Reader:
    """The reader for one input kind (imported lazily: FastWARC is not loaded for JSONL runs)."""
    if kind is InputKind.WARC:
        from websieve.steps.read.warc import WarcReader

        return WarcReader(config)
    if kind is InputKind.ARC:
        from websieve.steps.read.arc import ArcReader

        return ArcReader(config)
    if kind is InputKind.JSONL:
        from websieve.steps.read.jsonl import JsonlReader

        return JsonlReader(config)
    if kind is InputKind.PARQUET:
        from websieve.steps.read.parquet import ParquetReader

        return ParquetReader(config)
    from websieve.steps.read.files import FilesReader

    return FilesReader(config)


def fields_of(kind: InputKind) -> frozenset[Field]:
    """Fields documents of this kind may arrive with, in the worst case for the order check.

    Containers may hold HTML (WARC responses, JSONL ``html``), so steps that need text must come after
    an extract step; only ``.txt`` folders are known to hold text alone.
    """
    if kind is InputKind.TEXT:
        return frozenset({Field.TEXT})
    return frozenset({Field.HTML})
