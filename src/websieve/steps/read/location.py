"""Where an input lives: a local path, or a URL of an object store (``s3://``, ``gs://``…) read with fsspec.

Local paths take the same route as ever (the built-in ``open``; fsspec is not even imported). A string
that starts with a scheme and ``://`` is a URL: it is listed and opened through fsspec, so every node of a
cluster reads ``s3://bucket/crawl/*.warc.gz`` itself. Credentials come from where the store's fsspec
backend looks for them (for s3fs: ``AWS_*`` variables, ``~/.aws``, an instance role); storage options go
in ``FSSPEC_<SCHEME>`` variables, e.g. ``FSSPEC_S3='{"anon": true}'`` for a public bucket.

>>> is_url("s3://bucket/crawl/")
True
>>> is_url("C:\\\\crawl\\\\a.warc.gz"), is_url("crawl/a.warc.gz")
(False, False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO, Any

from websieve.errors import InputError

__all__ = ["Expansion", "StoredFile", "expand_url", "is_url", "open_input"]

# two or more scheme characters, so that a Windows drive ("C://x") is never taken for a URL
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]+://")
_GLOB_CHARS = frozenset("*?[")

# the package behind each scheme, for the message when it is missing
_BACKENDS = {
    "s3": "s3fs (pip install 'websieve[s3]')",
    "s3a": "s3fs (pip install 'websieve[s3]')",
    "gs": "gcsfs (pip install gcsfs)",
    "gcs": "gcsfs (pip install gcsfs)",
    "az": "adlfs (pip install adlfs)",
    "abfs": "adlfs (pip install adlfs)",
    "abfss": "adlfs (pip install adlfs)",
    "http": "aiohttp (pip install aiohttp)",
    "https": "aiohttp (pip install aiohttp)",
    "hf": "huggingface_hub (pip install huggingface_hub)",
    "sftp": "paramiko (pip install paramiko)",
}

# where each store looks for credentials, for the message when they are missing or refused
_CREDENTIAL_HINTS = {
    "s3": "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) or give the machine an IAM "
    "role; a public bucket needs FSSPEC_S3='{\"anon\": true}'",
    "gs": "run 'gcloud auth application-default login' or set GOOGLE_APPLICATION_CREDENTIALS",
    "az": "set AZURE_STORAGE_ACCOUNT_NAME and AZURE_STORAGE_ACCOUNT_KEY (or a connection string)",
}
_CREDENTIAL_HINTS["s3a"] = _CREDENTIAL_HINTS["s3"]
_CREDENTIAL_HINTS["gcs"] = _CREDENTIAL_HINTS["gs"]
_CREDENTIAL_HINTS["abfs"] = _CREDENTIAL_HINTS["abfss"] = _CREDENTIAL_HINTS["az"]

# exceptions (from botocore, google-auth, azure) that mean "no usable credentials"; matched by name so
# that none of those packages is imported here
_CREDENTIAL_ERRORS = frozenset(
    {
        "NoCredentialsError",
        "PartialCredentialsError",
        "CredentialRetrievalError",
        "NoAuthTokenError",
        "DefaultCredentialsError",
        "RefreshError",
        "ClientAuthenticationError",
    }
)


@dataclass(frozen=True, slots=True)
class StoredFile:
    """One file of an object store: its full URL and its size in bytes."""

    url: str
    size: int


@dataclass(frozen=True, slots=True)
class Expansion:
    """The files a URL names, sorted by URL."""

    files: tuple[StoredFile, ...]
    folder: str | None = None
    """The folder URL (ending in ``/``) when the URL named a folder (a prefix), else ``None``."""


def is_url(path: str) -> bool:
    """True if ``path`` is a URL with a scheme (``s3://…``, ``file://…``), not a local path.

    >>> [is_url(p) for p in ("s3://b/k.jsonl", "gs://b/", "file:///data", "https://x.org/a.warc.gz")]
    [True, True, True, True]
    >>> [is_url(p) for p in ("/data/a.warc.gz", "a.jsonl", "C:/data/a.jsonl", "D://x")]
    [False, False, False, False]
    """
    return _URL.match(path) is not None


def expand_url(url: str) -> Expansion:
    """The files a URL names: one file, every file under a folder (prefix), or those a glob matches.

    Raises `InputError` when nothing matches, the scheme's fsspec backend is not installed, or the store
    refuses the credentials.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     for name in ("b.jsonl", "a.jsonl"):
    ...         with open(os.path.join(folder, name), "w") as fh:
    ...             _ = fh.write('{"text": "hello"}\\n')
    ...     found = expand_url("file://" + folder)
    ...     expand_url("file://" + folder + "/*.warc.gz")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    websieve.errors.InputError: input pattern 'file:///...*.warc.gz' matches no file
    >>> [(f.url.rsplit("/", 1)[1], f.size) for f in found.files], found.folder == f"file://{folder}/"
    ([('a.jsonl', 18), ('b.jsonl', 18)], True)
    """
    try:
        fs, root = _filesystem(url)
        if any(ch in root for ch in _GLOB_CHARS):
            matches = fs.glob(root, detail=True)
            files = [_stored(fs, path, info) for path, info in matches.items() if info["type"] == "file"]
            if not files:
                raise InputError(f"input pattern {url!r} matches no file")
            return Expansion(files=tuple(sorted(files, key=lambda f: f.url)))
        try:
            info = fs.info(root)
        except FileNotFoundError:
            raise InputError(
                f"input {url!r} does not exist (give a file, a folder or a quoted glob pattern; "
                "check the bucket and key spelling)"
            ) from None
        if info["type"] != "directory":
            return Expansion(files=(_stored(fs, root, info),))
        found = fs.find(root, detail=True)
        files = sorted((_stored(fs, path, i) for path, i in found.items()), key=lambda f: f.url)
        folder = fs.unstrip_protocol(root).rstrip("/") + "/"
        return Expansion(files=tuple(files), folder=folder)
    except InputError:
        raise
    except Exception as exc:  # any backend's failure, as one line that says what to do
        raise _input_error(exc, url, doing="list") from exc


def open_input(path: str) -> IO[bytes]:
    """Open a local path or a URL for reading bytes (seekable; the caller closes it).

    Local paths go to the built-in ``open``. A URL goes through ``fsspec.open``; a missing backend or
    missing credentials raise `InputError`, while a file that cannot be read raises `OSError`, as a local
    file would.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".txt") as tmp:
    ...     _ = tmp.write(b"hello"); tmp.flush()
    ...     with open_input(tmp.name) as a, open_input("file://" + tmp.name) as b:
    ...         (a.read(), b.read())
    (b'hello', b'hello')
    """
    if not is_url(path):
        return open(path, "rb")
    try:
        fsspec = _fsspec(path)
        handle: IO[bytes] = fsspec.open(path, "rb").open()
    except PermissionError as exc:  # not the file's fault: stop (no ledger row, the shard stays to do)
        raise _input_error(exc, path, doing="open") from exc
    except OSError:
        raise
    except Exception as exc:
        raise _input_error(exc, path, doing="open") from exc
    return handle


def _fsspec(url: str) -> Any:
    try:
        import fsspec  # type: ignore[import-untyped]
    except ImportError:
        raise InputError(
            f"reading {_scheme(url)}:// inputs needs fsspec and its backend for that scheme: "
            + _install_hint(url)
        ) from None
    return fsspec


def _filesystem(url: str) -> tuple[Any, str]:
    fsspec = _fsspec(url)
    return fsspec.core.url_to_fs(url)  # type: ignore[no-any-return]


def _stored(fs: Any, path: str, info: dict[str, Any]) -> StoredFile:
    return StoredFile(url=fs.unstrip_protocol(path), size=int(info.get("size") or 0))


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower()


def _install_hint(url: str) -> str:
    scheme = _scheme(url)
    package = _BACKENDS.get(scheme)
    if package is not None:
        return f"install {package}"
    return f"install fsspec and the fsspec backend for {scheme}://"


def _input_error(exc: BaseException, url: str, *, doing: str) -> InputError:
    scheme = _scheme(url)
    detail = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, ImportError):
        return InputError(f"cannot {doing} {url!r}: the {scheme}:// backend is missing; {_install_hint(url)}")
    if isinstance(exc, ValueError) and "Protocol not known" in detail:
        return InputError(
            f"cannot {doing} {url!r}: no fsspec backend knows the scheme {scheme}:// "
            "(check the spelling, e.g. s3://, gs://, https://)"
        )
    hint = _CREDENTIAL_HINTS.get(scheme, f"check the credentials for {scheme}:// on every machine of the run")
    if any(cls.__name__ in _CREDENTIAL_ERRORS for cls in type(exc).__mro__):
        return InputError(f"cannot {doing} {url!r}: no usable credentials ({detail}); {hint}")
    if isinstance(exc, PermissionError):
        return InputError(
            f"cannot {doing} {url!r}: access denied ({detail}); the credentials in use may not list or "
            f"read it: {hint}"
        )
    if isinstance(exc, FileNotFoundError):
        return InputError(f"input {url!r} does not exist ({detail})")
    return InputError(
        f"cannot {doing} {url!r}: {type(exc).__name__}: {detail} "
        "(check the URL, the network and the store's endpoint)"
    )
