"""The trafilatura sandbox, with the real trafilatura: extraction, time and memory limits, restarts,
recycling, and no child process left behind."""

from __future__ import annotations

import gc
import importlib.util
import os
import pickle
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trafilatura

from websieve.errors import ConfigError
from websieve.steps.extract.sandbox import (
    SandboxConfig,
    SandboxOutcome,
    TrafilaturaSandbox,
)

PAGE = Path(__file__).parents[2] / "data" / "pages" / "trafilatura-eval-sauvonsluniversite.com.spip.html"
SENTENCE = "L’AG Éducation IDF organise une conférence de presse mercredi 11 septembre à 13h30"
TITLE = "Décisions de l’AG Éducation IDF du mardi 10 septembre"


def _slow_page(paragraphs: int) -> str:
    """A flat page of many paragraphs: trafilatura needs ~5 s for 60,000 of them (and ~650 MB for 200,000)."""
    return "<html><body><article>" + "<p>word word word word</p>\n" * paragraphs + "</article></body></html>"


def _alive(pid: int) -> bool:
    """True while ``pid`` exists, zombies included (a zombie is a child nobody reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _vm_size_mb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no VmSize")


@pytest.fixture(scope="module")
def page() -> str:
    return PAGE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[TrafilaturaSandbox]:
    with TrafilaturaSandbox() as sb:
        yield sb


def test_real_page(sandbox: TrafilaturaSandbox, page: str) -> None:
    result = sandbox.extract(page, url="http://www.sauvonsluniversite.fr/spip.php")
    assert result.outcome is SandboxOutcome.OK and result.ok
    assert result.text is not None and SENTENCE in result.text
    # the "Rubriques" menu and the "Dans la même rubrique" list are boilerplate
    assert "Mystique du management" not in result.text
    assert "Dans la même rubrique" not in result.text
    assert "\n" in result.text  # one paragraph per line
    assert result.metadata is not None
    assert result.metadata.title == TITLE
    assert result.metadata.date == "2019-09-11"
    assert result.metadata.site == "sauvonsluniversite.fr"
    assert result.detail is None and result.seconds > 0


def test_same_text_as_trafilatura_in_process(sandbox: TrafilaturaSandbox, page: str) -> None:
    expected = trafilatura.extract(page, output_format="txt", include_comments=False, include_tables=True)
    assert sandbox.extract(page).text == expected


def test_no_main_text_is_ok_and_empty(sandbox: TrafilaturaSandbox) -> None:
    result = sandbox.extract("<html><head><title>T</title></head><body><script>x = 1;</script></body></html>")
    assert result.outcome is SandboxOutcome.OK
    assert result.text == "" and result.metadata is None


def test_any_str_goes_through(sandbox: TrafilaturaSandbox, page: str) -> None:
    assert sandbox.extract("<p>lone surrogate \udc80 here</p>").outcome is SandboxOutcome.OK
    assert sandbox.extract(page).ok  # and the child is still fine


def test_an_exception_in_trafilatura_is_an_error_and_the_child_lives_on(
    monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    real = SandboxConfig._child_options

    def bad_options(self: SandboxConfig) -> dict[str, Any]:
        options = real(self)
        options["extract"]["no_such_option"] = True  # bare_extraction raises TypeError on every page
        return options

    monkeypatch.setattr(SandboxConfig, "_child_options", bad_options)
    with TrafilaturaSandbox() as sb:
        result = sb.extract(page)
        assert result.outcome is SandboxOutcome.ERROR
        assert (
            result.detail is not None
            and result.detail.startswith("TypeError")
            and "no_such_option" in result.detail
        )
        pid = sb.pid
        assert pid is not None and sb.extract(page).outcome is SandboxOutcome.ERROR
        assert sb.pid == pid and sb.starts == 1


def test_too_large_is_not_sent() -> None:
    with TrafilaturaSandbox(SandboxConfig(max_html_chars=100)) as sb:
        result = sb.extract("<p>" + "x" * 200 + "</p>")
        assert result.outcome is SandboxOutcome.TOO_LARGE
        assert result.detail is not None and "max_html_chars=100" in result.detail
        assert sb.starts == 0  # no child was needed


def test_timeout_kills_the_child_and_the_next_page_works(page: str) -> None:
    with TrafilaturaSandbox(SandboxConfig(timeout_s=0.5, max_html_chars=None)) as sb:
        sb.start()
        first = sb.pid
        assert first is not None
        result = sb.extract(_slow_page(60_000))
        assert result.outcome is SandboxOutcome.TIMEOUT
        assert result.text is None and result.detail is not None and "timeout_s=0.5" in result.detail
        assert 0.5 <= result.seconds < 2.0
        assert not _alive(first) and sb.pid is None
        after = sb.extract(page)
        assert after.ok and after.text is not None and SENTENCE in after.text
        assert sb.starts == 2


def test_memory_cap_and_the_next_page_works(page: str) -> None:
    with TrafilaturaSandbox(SandboxConfig(memory_mb=None)) as probe:
        probe.start()
        assert probe.pid is not None
        baseline = _vm_size_mb(probe.pid)
    cap = baseline + 120  # room for an ordinary page, not for ~650 MB of tree
    with TrafilaturaSandbox(SandboxConfig(memory_mb=cap, timeout_s=30, max_html_chars=None)) as sb:
        result = sb.extract(_slow_page(200_000))
        assert result.outcome in (SandboxOutcome.MEMORY, SandboxOutcome.CRASHED), result
        assert result.text is None
        after = sb.extract(page)
        assert after.ok and after.text is not None and SENTENCE in after.text
        assert sb.starts == 2


def test_a_child_killed_during_a_page_is_crashed_and_replaced(page: str) -> None:
    with TrafilaturaSandbox(SandboxConfig(timeout_s=30, max_html_chars=None)) as sb:
        sb.start()
        pid = sb.pid
        assert pid is not None
        timer = threading.Timer(0.3, os.kill, (pid, signal.SIGTERM))
        timer.start()
        try:
            result = sb.extract(_slow_page(60_000))
        finally:
            timer.cancel()
        assert result.outcome is SandboxOutcome.CRASHED
        assert result.detail is not None and "SIGTERM" in result.detail
        assert not _alive(pid)
        assert sb.extract(page).ok


def test_a_child_that_died_between_pages_is_replaced_silently(page: str) -> None:
    with TrafilaturaSandbox() as sb:
        sb.start()
        pid = sb.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)  # dead, not yet reaped
        assert sb.extract(page).ok  # not this page's fault: no failure reported
        assert sb.pid != pid and sb.starts == 2
        assert not _alive(pid)


def test_recycling(page: str) -> None:
    with TrafilaturaSandbox(SandboxConfig(recycle_after=2)) as sb:
        assert sb.extract(page).ok
        first = sb.pid
        assert first is not None
        assert sb.extract(page).ok
        assert sb.pid is None and not _alive(first)  # retired after its second page
        assert sb.extract(page).ok
        assert sb.pid not in (None, first) and sb.starts == 2


def test_close_is_clean_and_idempotent(page: str) -> None:
    sb = TrafilaturaSandbox()
    assert sb.extract(page).ok
    pid = sb.pid
    assert pid is not None and _alive(pid)
    sb.close()
    assert not _alive(pid) and sb.pid is None
    sb.close()
    assert sb.extract(page).ok  # usable again: a new child
    sb.close()


def test_garbage_collected_sandbox_leaves_no_process() -> None:
    sb = TrafilaturaSandbox()
    sb.start()
    pid = sb.pid
    assert pid is not None
    del sb
    gc.collect()
    assert not _alive(pid)


def test_pickled_copy_starts_its_own_child(page: str) -> None:
    with TrafilaturaSandbox(SandboxConfig(timeout_s=7.0)) as sb:
        sb.start()
        copy = pickle.loads(pickle.dumps(sb))
        assert copy.config == sb.config and copy.pid is None
        with copy:
            assert copy.extract(page).ok
            assert copy.pid != sb.pid


def test_forked_process_uses_its_own_child_and_leaves_the_parents_alone(page: str) -> None:
    with TrafilaturaSandbox() as sb:
        sb.start()
        parent_child = sb.pid
        assert parent_child is not None
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the forked process
            code = 1
            try:
                result = sb.extract(page)
                mine = sb.pid
                sb.close()
                code = 0 if result.ok and mine not in (None, parent_child) and _alive(parent_child) else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert sb.pid == parent_child and _alive(parent_child)
        assert sb.extract(page).ok


def test_not_installed_is_an_actionable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        return None if name == "trafilatura" else real(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(ConfigError, match=r"pip install 'websieve\[precise\]'"):
        TrafilaturaSandbox()


@pytest.mark.parametrize(
    ("field", "value"),
    [("timeout_s", 0), ("memory_mb", 0), ("max_html_chars", -1), ("recycle_after", 0)],
)
def test_bad_config(field: str, value: float) -> None:
    with pytest.raises(ConfigError, match=field):
        SandboxConfig(**{field: value})  # type: ignore[arg-type]
