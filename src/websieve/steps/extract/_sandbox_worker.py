"""The child side of `websieve.steps.extract.sandbox`: trafilatura behind two pipes, one page at a time.

Run as a script (``python -P _sandbox_worker.py OPTIONS_JSON``), never imported by the child: it needs
nothing of websieve, so a page cannot reach websieve's state and websieve need not be importable there.
The parent imports this module only for the protocol constants below.

Protocol (all lengths are 4-byte big-endian unsigned integers):

- child → parent, once: a frame holding the JSON ``{"ready": true, "pid": …, "version": …}``, or
  ``{"ready": false, "error": …}`` when trafilatura cannot be imported;
- parent → child, per page: a frame holding the JSON ``{"url": …}``, then a frame holding the HTML as
  UTF-8 (``surrogatepass``, so any Python ``str`` goes through unchanged);
- child → parent, per page: a frame holding the JSON ``{"status": "ok", "text": …, "meta": {…} | null}``,
  ``{"status": "error", "detail": …}`` or ``{"status": "memory"}`` (then it exits with `EXIT_MEMORY`).

End of input on the request pipe means "stop": the child exits 0.

>>> _frame(b"abc")
b'\\x00\\x00\\x00\\x03abc'
"""

from __future__ import annotations

import os
import struct
import sys
from typing import Any

__all__: list[str] = []

HEADER = struct.Struct("!I")
EXIT_MEMORY = 86
"""Exit status of a child that ran out of its address-space cap (``MemoryError``)."""
EXIT_BAD_START = 87
"""Exit status of a child that could not import trafilatura (it says why in its first frame)."""
META_FIELDS = ("title", "author", "date", "sitename", "description", "categories", "tags")
_READ_CHUNK = 1 << 20


def _frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


def _read_exact(fd: int, n: int) -> bytes | None:
    """``n`` bytes from ``fd``; ``None`` on end of input before the first byte."""
    chunks: list[bytes] = []
    left = n
    while left:
        chunk = os.read(fd, min(left, _READ_CHUNK))
        if not chunk:
            if left == n:
                return None
            raise EOFError(f"request cut short: {n - left} of {n} bytes")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int) -> bytes | None:
    head = _read_exact(fd, HEADER.size)
    if head is None:
        return None
    (size,) = HEADER.unpack(head)
    return _read_exact(fd, size) if size else b""


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _meta(doc: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in META_FIELDS:
        value = getattr(doc, name, None)
        if isinstance(value, list):
            value = [str(v) for v in value if v]
        elif value is not None:
            value = str(value)
        out[name] = value or None
    return out


def _serve(proto_in: int, proto_out: int, options: dict[str, Any]) -> int:
    import signal
    import unicodedata

    import orjson
    from trafilatura import bare_extraction

    kwargs: dict[str, Any] = options["extract"]
    with_metadata = bool(kwargs.get("with_metadata"))
    backstop: int = options.get("backstop_s") or 0
    while True:
        try:
            head = _read_frame(proto_in)
            if head is None:
                return 0
            body = _read_frame(proto_in)
            if body is None:
                return 0
            url = orjson.loads(head).get("url")
            html = body.decode("utf-8", "surrogatepass")
            del body
            # The parent kills us at its deadline; this alarm (default action: terminate, even inside C code)
            # only matters when the parent is gone, so that an orphan never spins on a hostile page for good.
            signal.alarm(backstop)
            try:
                doc = bare_extraction(html, url=url, output_format="python", **kwargs)
            finally:
                signal.alarm(0)
            del html
            if doc is None:
                reply: dict[str, Any] = {"status": "ok", "text": "", "meta": None}
            else:
                # extract(output_format="txt") applies the same NFC normalisation to the same text
                text = unicodedata.normalize("NFC", getattr(doc, "text", None) or "")
                reply = {"status": "ok", "text": text, "meta": _meta(doc) if with_metadata else None}
            del doc
            try:
                payload = orjson.dumps(reply)
            except TypeError as exc:  # lone surrogates in the output
                payload = orjson.dumps({"status": "error", "detail": f"result not serialisable: {exc}"})
            del reply
        except MemoryError:
            try:
                _write_all(proto_out, _frame(b'{"status":"memory"}'))
            finally:
                os._exit(EXIT_MEMORY)
        except EOFError:
            return 0
        except Exception as exc:
            detail = f"{type(exc).__name__}: {exc}"[:500]
            payload = orjson.dumps({"status": "error", "detail": detail})
        _write_all(proto_out, _frame(payload))


def main(argv: list[str]) -> int:
    """Serve pages until the parent closes the request pipe."""
    import logging
    import warnings

    # Private copies of the pipes carry the protocol; fds 0 and 1 are pointed at /dev/null so that nothing
    # a library prints can corrupt a frame (stderr is /dev/null already).
    proto_in, proto_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    # This process is ours: no log record is wanted, and formatting trafilatura's warnings costs time.
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")

    import orjson

    options: dict[str, Any] = orjson.loads(argv[1])
    try:
        import trafilatura
    except Exception as exc:
        error = f"cannot import trafilatura: {type(exc).__name__}: {exc}"
        _write_all(proto_out, _frame(orjson.dumps({"ready": False, "error": error})))
        return EXIT_BAD_START
    memory_bytes: int | None = options.get("memory_bytes")
    if memory_bytes is not None:
        import resource

        # The cap is set after the imports, so it bounds the pages and not the start; a cap below what the
        # imports already take makes every page fail with MEMORY, which the parent reports.
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = memory_bytes if hard == resource.RLIM_INFINITY else min(memory_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    ready = {"ready": True, "pid": os.getpid(), "version": getattr(trafilatura, "__version__", None)}
    _write_all(proto_out, _frame(orjson.dumps(ready)))
    try:
        return _serve(proto_in, proto_out, options)
    except BrokenPipeError:  # the parent went away while we answered
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
