"""The collector settings of websieve's own processes (`websieve.executors.collector`).

Each check runs in a fresh interpreter: the settings are process-wide, and the test process is not ours.
"""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_a_library_process_keeps_the_default_collector() -> None:
    out = _run(
        "import gc; from websieve.executors import collector as c; before = gc.get_threshold(); "
        "c.freeze_setup(); print(gc.get_threshold() == before, gc.get_freeze_count())"
    )
    assert out == "True 0"


def test_an_owned_process_collects_less_often_and_freezes_its_setup() -> None:
    out = _run(
        "import gc; from websieve.executors import collector as c; c.own_process(); "
        "keep = [[i] for i in range(1000)]; c.freeze_setup(); "
        "print(gc.get_threshold()[0], gc.get_freeze_count() >= 1000)"
    )
    assert out == "20000 True"


def test_the_websieve_program_owns_its_process_but_a_caller_of_main_does_not() -> None:
    probe = (
        "import gc, sys; from websieve.cli.main import main; sys.argv = ['websieve', '--version']; "
        "{call}; print(gc.get_threshold()[0])"
    )
    assert _run(probe.format(call='main(["--version"])')).splitlines()[-1] == "700"
    assert _run(probe.format(call="main()")).splitlines()[-1] == "20000"
