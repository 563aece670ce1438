"""trafilatura, the precise extraction path, in a child process with a time and memory budget per page.

trafilatura is precise but can hang on huge or hostile pages, blow up in memory on deep DOMs, and leaks
memory over long runs. `TrafilaturaSandbox` runs it in one child process per sandbox: the parent kills the
child (SIGKILL) when a page takes longer than ``timeout_s``; the child runs under an address-space cap
(``memory_mb``); it is replaced every ``recycle_after`` pages; a new one starts, lazily, for the next page
after any failure. A failed page gives a `SandboxResult` whose `SandboxOutcome` says why; the run goes on.

>>> html = ("<html><head><title>Cats</title></head><body><nav>Home | About | Contact</nav>"
...         "<article><p>The cat sleeps on the kitchen table every single afternoon, right in the sun.</p>"
...         "<p>Nobody in the house has ever managed to make it move somewhere else.</p></article>"
...         "</body></html>")
>>> with TrafilaturaSandbox(SandboxConfig(timeout_s=30)) as sandbox:
...     result = sandbox.extract(html, url="https://example.org/cats")
>>> result.outcome
<SandboxOutcome.OK: 'ok'>
>>> print(result.text)
The cat sleeps on the kitchen table every single afternoon, right in the sun.
Nobody in the house has ever managed to make it move somewhere else.
>>> result.metadata.title
'Cats'

One sandbox is one child process and serves one caller at a time (calls are serialised). Create it where
it is used (in a step's ``setup()``, inside the worker process); a sandbox that crossed a ``fork`` or a
pickle starts its own child on first use and leaves the original process's child alone.
"""

from __future__ import annotations

import enum
import importlib.util
import os
import select
import signal
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import orjson

from websieve.errors import ConfigError, WorkerError
from websieve.steps.extract import _sandbox_worker as _proto
from websieve.steps.extract.metadata import HtmlMetadata

__all__ = ["Favor", "SandboxConfig", "SandboxOutcome", "SandboxResult", "TrafilaturaSandbox"]

_WORKER = Path(_proto.__file__).resolve()
_INSTALL_HINT = "pip install 'websieve[precise]'"


class Favor(enum.Enum):
    """trafilatura's trade-off between keeping too little and keeping too much."""

    BALANCED = "balanced"
    PRECISION = "precision"
    """``favor_precision``: less text, less noise."""
    RECALL = "recall"
    """``favor_recall``: more text when unsure."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SandboxConfig:
    """Budgets of the sandbox and the trafilatura options it extracts with."""

    timeout_s: float | None = 5.0
    """Wall-clock seconds one page may take, transfer included; then the child is killed
    (``None``: no limit)."""
    memory_mb: int | None = 1024
    """Address-space cap of the child (``RLIMIT_AS``), its imports included: ~170 MB of it
    (``None``: no cap)."""
    max_html_chars: int | None = 5_000_000
    """Longer pages are not sent to the child at all: outcome ``TOO_LARGE`` (``None``: no limit)."""
    recycle_after: int | None = 2000
    """Replace the child after this many pages: trafilatura's caches grow for good (trafilatura issue #216)
    (``None``: never)."""
    start_timeout_s: float = 60.0
    """Seconds a new child may take to import trafilatura before the sandbox gives up (`WorkerError`)."""
    with_metadata: bool = True
    """Also extract title, author, date, site, description, categories and tags (htmldate: slower)."""
    include_tables: bool = True
    include_comments: bool = False
    favor: Favor = Favor.BALANCED
    fast: bool = False
    """Skip trafilatura's fallback extractors (readability, jusText): faster, lower recall."""

    def __post_init__(self) -> None:
        for name in ("timeout_s", "start_timeout_s"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ConfigError(f"sandbox: {name} must be a positive number of seconds, got {value}")
        for name in ("memory_mb", "max_html_chars", "recycle_after"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"sandbox: {name} must be at least 1 (or None for no limit), got {value}")

    def _child_options(self) -> dict[str, Any]:
        return {
            "memory_bytes": None if self.memory_mb is None else self.memory_mb * 1024 * 1024,
            # an orphaned child kills itself after this long on one page (see _sandbox_worker)
            "backstop_s": None if self.timeout_s is None else min(int(2 * self.timeout_s) + 5, 2**31 - 1),
            "extract": {
                "include_comments": self.include_comments,
                "include_tables": self.include_tables,
                "favor_precision": self.favor is Favor.PRECISION,
                "favor_recall": self.favor is Favor.RECALL,
                "fast": self.fast,
                "with_metadata": self.with_metadata,
            },
        }


class SandboxOutcome(enum.Enum):
    """What happened to one page (the values are stable: they go into ledgers)."""

    OK = "ok"
    """trafilatura ran to the end; ``text`` is ``""`` when it found no main text."""
    TOO_LARGE = "too_large"
    """The page is longer than ``max_html_chars``; it was not sent to the child."""
    TIMEOUT = "timeout"
    """The page took longer than ``timeout_s``; the child was killed."""
    MEMORY = "memory"
    """The child ran out of its ``memory_mb`` cap (or was killed by the system, most likely for memory)."""
    CRASHED = "crashed"
    """The child died otherwise (a crash in C code, a signal)."""
    ERROR = "error"
    """trafilatura raised an exception on this page; the child lives on."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SandboxResult:
    """The result for one page."""

    outcome: SandboxOutcome
    text: str | None = None
    """The main text, one paragraph per line; ``None`` unless ``outcome`` is ``OK``."""
    metadata: HtmlMetadata | None = None
    """``None`` without ``with_metadata``, on failures, and when trafilatura found no main text."""
    detail: str | None = None
    """Why, for outcomes other than ``OK`` (a ledger message)."""
    seconds: float = 0.0
    """Wall-clock time of the page, without the start of a new child."""

    @property
    def ok(self) -> bool:
        """``outcome is SandboxOutcome.OK``.

        >>> SandboxResult(outcome=SandboxOutcome.TIMEOUT).ok
        False
        """
        return self.outcome is SandboxOutcome.OK


class _Timeout(Exception):
    pass


class _ChildGone(Exception):
    pass


def _stop(proc: subprocess.Popen[bytes], owner: int) -> None:
    """Kill and reap ``proc``; only in the process that started it (not in a forked copy of the owner)."""
    if os.getpid() != owner:
        return
    for pipe in (proc.stdin, proc.stdout):
        if pipe is not None:
            pipe.close()
    if proc.returncode is None:
        proc.kill()  # nothing to flush in the child: SIGKILL is the fastest clean stop
    proc.wait()


class _Child:
    """One running worker process and its two pipes."""

    def __init__(self, config: SandboxConfig) -> None:
        self.owner = os.getpid()
        self.served = 0
        env = dict(os.environ)
        # trafilatura iterates over sets of strings; a fixed seed keeps its output the same run after run
        env["PYTHONHASHSEED"] = "0"
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-P", str(_WORKER), orjson.dumps(config._child_options()).decode()],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                bufsize=0,
                env=env,
                # its own session: a Ctrl-C for the parent does not kill the child in the middle of a page
                start_new_session=True,
            )
        except OSError as exc:
            raise WorkerError(f"cannot start the trafilatura sandbox with {sys.executable}: {exc}") from exc
        self._finalizer = weakref.finalize(self, _stop, self.proc, self.owner)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.fd_in = self.proc.stdin.fileno()
        self.fd_out = self.proc.stdout.fileno()
        os.set_blocking(self.fd_in, False)
        os.set_blocking(self.fd_out, False)
        self.pid = self.proc.pid

    def handshake(self, timeout_s: float) -> None:
        try:
            ready = orjson.loads(self.receive(time.monotonic() + timeout_s))
        except (_Timeout, _ChildGone) as exc:
            why = "did not answer in time" if isinstance(exc, _Timeout) else f"exited ({self.exit_reason()})"
            self.stop()
            raise WorkerError(
                f"the trafilatura sandbox process {why} while starting; check that "
                f"`{sys.executable} -c 'import trafilatura'` works, or raise start_timeout_s"
            ) from None
        if not ready.get("ready"):
            self.stop()
            raise WorkerError(f"the trafilatura sandbox process could not start: {ready.get('error')}")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        self._finalizer()

    def abandon(self) -> None:
        """Forget a child inherited through ``fork``: close our copies of its pipes, leave it running."""
        self._finalizer.detach()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()

    def exit_reason(self) -> str:
        try:
            code = self.proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            return "still running"
        if code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exit status {code}"

    def send(self, chunks: tuple[bytes, ...], deadline: float | None) -> None:
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                self._wait(self.fd_in, select.POLLOUT, deadline)
                try:
                    view = view[os.write(self.fd_in, view) :]
                except BlockingIOError:
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    raise _ChildGone from None

    def receive(self, deadline: float | None) -> bytes:
        (size,) = _proto.HEADER.unpack(self._read(_proto.HEADER.size, deadline))
        return self._read(size, deadline)

    def _read(self, n: int, deadline: float | None) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            self._wait(self.fd_out, select.POLLIN, deadline)
            try:
                chunk = os.read(self.fd_out, n - len(buf))
            except BlockingIOError:
                continue
            if not chunk:
                raise _ChildGone
            buf += chunk
        return bytes(buf)

    @staticmethod
    def _wait(fd: int, event: int, deadline: float | None) -> None:
        poller = select.poll()
        poller.register(fd, event)
        while True:
            if deadline is None:
                timeout_ms = None
            else:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _Timeout
                timeout_ms = max(1, int(left * 1000))
            # POLLHUP/POLLERR come back too; the read or write that follows sees the end of the pipe
            if poller.poll(timeout_ms):
                return


class TrafilaturaSandbox:
    """trafilatura in a child process: a per-page time limit, a memory cap, restarts, recycling.

    ``extract(html, url=...)`` never raises for a page: every failure is a `SandboxResult` outcome. It
    raises `ConfigError` at construction when trafilatura is not installed, and `WorkerError` when a
    child cannot start at all.

    >>> sandbox = TrafilaturaSandbox()
    >>> sandbox.pid is None          # nothing runs before the first page
    True
    >>> sandbox.close()              # closing is always safe, and idempotent
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        if importlib.util.find_spec("trafilatura") is None:
            raise ConfigError(f"the precise extraction path needs trafilatura: {_INSTALL_HINT}")
        self.config = config if config is not None else SandboxConfig()
        self._child: _Child | None = None
        self._lock = threading.Lock()
        self._owner = os.getpid()
        self._starts = 0

    def __reduce__(self) -> tuple[type[TrafilaturaSandbox], tuple[SandboxConfig]]:
        # only the config travels; the copy starts its own child when first used
        return (type(self), (self.config,))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """Process id of the running child, ``None`` when none runs (before the first page, after a
        failure, a recycling or `close`).

        >>> TrafilaturaSandbox().pid is None
        True
        """
        self._after_fork()
        child = self._child
        return child.pid if child is not None and child.proc.returncode is None else None

    @property
    def starts(self) -> int:
        """How many child processes this sandbox has started in this process.

        >>> TrafilaturaSandbox().starts
        0
        """
        return self._starts

    def start(self) -> None:
        """Start the child now (it otherwise starts with the first page), e.g. in a step's ``setup()``.

        >>> with TrafilaturaSandbox() as sandbox:
        ...     sandbox.start()
        ...     sandbox.pid is not None
        True
        """
        self._after_fork()
        with self._lock:
            self._ensure_child()

    def close(self) -> None:
        """Stop the child and reap it. Idempotent; a later `extract` starts a new child.

        >>> sandbox = TrafilaturaSandbox()
        >>> sandbox.close(); sandbox.close()
        """
        self._after_fork()
        with self._lock:
            self._retire()

    def extract(self, html: str, *, url: str | None = None) -> SandboxResult:
        """Main text and metadata of one page; never raises for a page, whatever it holds.

        >>> with TrafilaturaSandbox(SandboxConfig(max_html_chars=10)) as sandbox:
        ...     sandbox.extract("<p>a page longer than ten characters</p>").outcome
        <SandboxOutcome.TOO_LARGE: 'too_large'>
        """
        cfg = self.config
        if cfg.max_html_chars is not None and len(html) > cfg.max_html_chars:
            return SandboxResult(
                outcome=SandboxOutcome.TOO_LARGE,
                detail=f"{len(html)} characters of HTML, over max_html_chars={cfg.max_html_chars}",
            )
        request = (
            _frame(orjson.dumps({"url": url})),
            _proto.HEADER.pack(len(body := html.encode("utf-8", "surrogatepass"))),
            body,
        )
        self._after_fork()
        with self._lock:
            child = self._ensure_child()
            began = time.monotonic()
            deadline = None if cfg.timeout_s is None else began + cfg.timeout_s
            try:
                child.send(request, deadline)
                reply = orjson.loads(child.receive(deadline))
            except _Timeout:
                self._retire()
                detail = f"took more than timeout_s={cfg.timeout_s}"
                return self._failed(SandboxOutcome.TIMEOUT, detail, began)
            except _ChildGone:
                return self._child_died(child, began)
            seconds = time.monotonic() - began
            status = reply.get("status")
            if status == "memory":
                self._retire()
                return self._failed(SandboxOutcome.MEMORY, self._memory_detail(), began)
            child.served += 1
            if cfg.recycle_after is not None and child.served >= cfg.recycle_after:
                self._retire()
            if status == "error":
                detail = str(reply.get("detail"))
                return SandboxResult(outcome=SandboxOutcome.ERROR, detail=detail, seconds=seconds)
            meta = reply.get("meta")
            return SandboxResult(
                outcome=SandboxOutcome.OK,
                text=reply.get("text") or "",
                metadata=_metadata(meta) if meta else None,
                seconds=seconds,
            )

    # -- internals --

    def _after_fork(self) -> None:
        """In a process forked from the owner: forget the owner's child and lock, start afresh."""
        if os.getpid() != self._owner:
            if self._child is not None:
                self._child.abandon()
            self._child = None
            self._lock = threading.Lock()
            self._owner = os.getpid()
            self._starts = 0

    def _ensure_child(self) -> _Child:
        child = self._child
        if child is not None and child.alive():
            return child
        if child is not None:  # died between pages (killed from outside): not this page's fault
            self._retire()
        child = _Child(self.config)
        self._starts += 1
        child.handshake(self.config.start_timeout_s)
        self._child = child
        return child

    def _retire(self) -> None:
        child, self._child = self._child, None
        if child is not None:
            child.stop()

    def _child_died(self, child: _Child, began: float) -> SandboxResult:
        reason = child.exit_reason()
        code = child.proc.returncode
        self._retire()
        if code == _proto.EXIT_MEMORY:
            return self._failed(SandboxOutcome.MEMORY, self._memory_detail(), began)
        if code == -signal.SIGKILL:
            # not us (we kill only after a timeout): the kernel's or a cgroup's out-of-memory killer
            detail = f"the child was {reason}, most likely out of memory"
            return self._failed(SandboxOutcome.MEMORY, detail, began)
        if code == -signal.SIGALRM:
            return self._failed(SandboxOutcome.TIMEOUT, "the child's own time limit stopped it", began)
        return self._failed(SandboxOutcome.CRASHED, f"the child died on this page ({reason})", began)

    def _memory_detail(self) -> str:
        return f"the page needed more than memory_mb={self.config.memory_mb}"

    @staticmethod
    def _failed(outcome: SandboxOutcome, detail: str, began: float) -> SandboxResult:
        return SandboxResult(outcome=outcome, detail=detail, seconds=time.monotonic() - began)


def _frame(payload: bytes) -> bytes:
    return _proto.HEADER.pack(len(payload)) + payload


def _metadata(meta: dict[str, Any]) -> HtmlMetadata:
    return HtmlMetadata(
        title=meta.get("title"),
        author=meta.get("author"),
        date=meta.get("date"),
        site=meta.get("sitename"),
        description=meta.get("description"),
        categories=tuple(meta.get("categories") or ()),
        tags=tuple(meta.get("tags") or ()),
    )
