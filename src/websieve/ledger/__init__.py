"""The ledger: where every input document went, and why."""

from websieve.ledger.records import Fate, LedgerRow, RemovedLine, ShardLedger

__all__ = ["Fate", "LedgerRow", "RemovedLine", "ShardLedger"]
