"""One exception tree for everything websieve raises on purpose.

::

    WebsieveError                 root: catch this to catch every websieve error
    ├── UserError                 the caller asked for something impossible (the CLI exits 2, one line)
    │   ├── ConfigError           a bad config file, preset, option or ``--set`` value
    │   ├── InputError            an input path that does not exist or cannot be read as any known kind
    │   ├── ListFileError         a compiled URL/domain list that is missing, corrupt or of another format
    │   ├── PipelineOrderError    a step needs a field that no earlier step produces
    │   └── ResumeError           a run folder that belongs to a different run
    ├── WorkerError               a worker process died (killed, out of memory); finished shards are kept
    └── DocumentError             one document could not be processed (counted in the ledger, run goes on)
        ├── DecodeError           bytes that do not decode, or a corrupt/truncated record
        └── DocumentTooLarge      a document over the configured size budget

Every message says what went wrong and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DecodeError",
    "DocumentError",
    "DocumentTooLarge",
    "InputError",
    "ListFileError",
    "PipelineOrderError",
    "ResumeError",
    "UserError",
    "WebsieveError",
    "WorkerError",
]


class WebsieveError(Exception):
    """Root of every error websieve raises on purpose."""


class UserError(WebsieveError):
    """The request cannot be carried out as given; the message says how to fix it."""


class ConfigError(UserError):
    """A configuration value, preset or override is invalid."""


class InputError(UserError):
    """An input path is missing, empty or of a kind websieve cannot read."""


class ListFileError(UserError):
    """A compiled list (``websieve lists build``) is missing, corrupt or of another format version; or the
    files a list is built from are missing or unreadable."""


class PipelineOrderError(UserError):
    """A step requires a field that no earlier step (or the input) produces."""


class ResumeError(UserError):
    """The output folder holds a run with a different fingerprint."""


class WorkerError(WebsieveError):
    """A worker process of the local executor died; the shards it had finished are kept (resume)."""


class DocumentError(WebsieveError):
    """One document failed; with ``on_error: skip`` it is counted in the ledger and the run goes on."""


class DecodeError(DocumentError):
    """A record is corrupt or truncated, or its bytes cannot be decoded."""


class DocumentTooLarge(DocumentError):
    """A document exceeds the per-document size budget (``read.max_document_bytes``)."""
