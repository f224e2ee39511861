"""Two runs of one program on one machine: the second exits with status 4 and touches nothing,
or waits its turn with --wait. The run in progress is a second process holding the lock."""

import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobs.settings import load

# Takes the demo program's lock the way `tutorsync run` does, and keeps it until stdin closes.
RUN_IN_PROGRESS = """
import sys
from pathlib import Path
from jobs.infra.lock import program_lock
from jobs.settings import load
config = Path(sys.argv[1])
with program_lock(load(config), config, command="tutorsync run"):
    print("held", flush=True)
    sys.stdin.read()
"""


class RunInProgress:
    def __init__(self, config: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-c", RUN_IN_PROGRESS, str(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline() == "held\n"

    def finish(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=30) == 0


@pytest.fixture
def run_in_progress(demo) -> Iterator[RunInProgress]:
    run = RunInProgress(demo / "tutorsync.toml")
    yield run
    if run.process.poll() is None:
        os.kill(run.process.pid, signal.SIGKILL)
        run.process.wait(timeout=30)
    assert run.process.stdout is not None
    run.process.stdout.close()


def digests(folder: Path) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("command", ["run", "progress", "checkins", "folders"])
def test_a_second_run_exits_4_and_changes_nothing(demo, tutorsync, run_in_progress, command):
    before = digests(demo)

    result = tutorsync(command, expect=4)

    key = load(demo / "tutorsync.toml").program.key
    assert f"Error: another run of program {key} is in progress" in result.stderr
    assert f"(pid {run_in_progress.process.pid} on {socket.gethostname()} since " in result.stderr
    assert "`tutorsync run`); it was left to finish" in result.stderr
    assert "Run again later, or pass --wait SECONDS" in result.stderr
    assert result.stdout == ""
    assert digests(demo) == before


def test_a_run_that_waits_runs_once_the_other_finishes(tutorsync, run_in_progress):
    threading.Timer(0.3, run_in_progress.finish).start()

    report = tutorsync.json("run", "--wait", "60")

    assert report["ok"] and report["changes"] > 0


def test_the_wait_can_come_from_the_environment(tutorsync, run_in_progress, monkeypatch):
    monkeypatch.setenv("TUTORSYNC_WAIT", "0.2")
    result = tutorsync("run", expect=4)
    assert "after waiting 0.2 s" in result.stderr


def test_read_only_commands_run_alongside(demo, tutorsync, run_in_progress):
    before = digests(demo)
    tutorsync("validate")
    tutorsync("run", "--dry-run")
    tutorsync("folders", "--audit")
    assert digests(demo) == before
