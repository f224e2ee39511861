"""One run at a time per program: the lock is held by the process, across processes, and a
killed holder leaves nothing stale behind."""

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from jobs.errors import LockedError
from jobs.infra import lock
from jobs.infra.lock import Holder, anchor_path, hold, lock_path, program_lock
from jobs.settings import load, parse

# A second process that takes the lock, says so, and keeps it until its stdin closes.
HOLDER = """
import sys
from pathlib import Path
from jobs.infra.lock import hold
with hold(Path(sys.argv[1]), program="lincoln", command="tutorsync run"):
    print("held", flush=True)
    sys.stdin.read()
"""


# A run in progress: takes a program's lock the way `tutorsync run` does, keeps it until stdin
# closes.
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


class OtherProcess:
    def __init__(self, path: Path, script: str = HOLDER):
        self.process = subprocess.Popen(
            [sys.executable, "-c", script, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline() == "held\n"

    @property
    def pid(self) -> int:
        return self.process.pid

    def release(self) -> None:
        """Let it leave the lock normally and end."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=30) == 0

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@pytest.fixture
def other_process(tmp_path) -> Iterator[OtherProcess]:
    holder = OtherProcess(tmp_path / "program.lock")
    yield holder
    if holder.process.poll() is None:
        holder.kill()
    assert holder.process.stdout is not None
    holder.process.stdout.close()


def settings_for(tmp_path: Path, kind: str = "local"):
    workspace: dict = {"kind": kind, "path": "files"}
    if kind == "google":
        workspace["google"] = {"auth": "adc"}
    return parse(
        {
            "program": {"name": "Lincoln Tutoring", "key": "lincoln"},
            "workspace": workspace,
            "sources": {
                "roster": {"spreadsheet": "roster.xlsx", "tab": "Roster"},
                "tutor_logs": [{"spreadsheet": "log.xlsx", "tabs": ["Log"]}],
            },
            "outputs": {"coordinator_spreadsheet": "coordinator.xlsx"},
        },
        config_dir=tmp_path,
    )


CONFIG = """
[program]
name = "Lincoln Tutoring"
key = "lincoln"

[workspace]
kind = "local"
path = "files"

[sources.roster]
spreadsheet = "roster.xlsx"
tab = "Roster"

[[sources.tutor_logs]]
spreadsheet = "log.xlsx"
tabs = ["Log"]

[outputs]
coordinator_spreadsheet = "coordinator.xlsx"
"""


@pytest.fixture
def local_config(tmp_path, monkeypatch) -> Path:
    """A local program's config, its workspace folder `files` beside it, and a runtime folder
    of its own (the processes it starts see it too)."""
    (tmp_path / "run").mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    (tmp_path / "files").mkdir()
    config = tmp_path / "tutorsync.toml"
    config.write_text(CONFIG)
    return config


def test_the_lock_records_its_holder_and_is_free_again_after(tmp_path):
    path = tmp_path / "program.lock"
    with hold(path, program="lincoln", command="tutorsync progress"):
        recorded = json.loads(path.read_text())
        assert recorded["pid"] == os.getpid()
        assert recorded["host"] == socket.gethostname()
        assert recorded["command"] == "tutorsync progress"
    assert path.read_text() == ""  # no stale holder to report
    with hold(path, program="lincoln", command="tutorsync progress"):
        pass


def test_a_run_leaves_the_lock_file_as_it_found_it(tmp_path):
    path = tmp_path / "program.lock"
    with hold(path, program="lincoln", command="tutorsync run"):
        pass
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    with hold(path, program="lincoln", command="tutorsync run"):
        assert path.read_text()  # the holder is recorded while it runs
    assert path.read_text() == ""
    assert path.stat().st_mtime_ns == 1_700_000_000_000_000_000


def test_a_second_run_is_refused_naming_the_run_in_progress(tmp_path, other_process):
    with (
        pytest.raises(LockedError) as refused,
        hold(tmp_path / "program.lock", program="lincoln", command="tutorsync run"),
    ):
        pytest.fail("the lock was taken twice")
    message = str(refused.value)
    assert message.startswith("another run of program lincoln is in progress (")
    assert f"pid {other_process.pid} on {socket.gethostname()} since " in message
    assert "`tutorsync run`); it was left to finish" in message
    assert message.endswith("Run again later, or pass --wait SECONDS")
    assert refused.value.exit_code == 4


def test_a_refused_run_leaves_the_holders_record_alone(tmp_path, other_process):
    path = tmp_path / "program.lock"
    before = path.read_text()
    with pytest.raises(LockedError), hold(path, program="lincoln", command="tutorsync run"):
        pass
    assert path.read_text() == before and json.loads(before)["pid"] == other_process.pid


def test_wait_takes_the_lock_once_the_run_in_progress_ends(tmp_path, other_process):
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        other_process.release()  # the other run finishes while this one waits

    with hold(
        tmp_path / "program.lock",
        program="lincoln",
        command="tutorsync run",
        wait_seconds=600,
        sleep=sleep,
    ):
        pass
    assert naps == [lock.POLL_SECONDS]


def test_wait_gives_up_when_the_time_runs_out(tmp_path, other_process):
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with (
        pytest.raises(LockedError) as refused,
        hold(
            tmp_path / "program.lock",
            program="lincoln",
            command="tutorsync run",
            wait_seconds=2.5,
            sleep=sleep,
            clock=lambda: now[0],
        ),
    ):
        pass
    assert now[0] == 2.5
    assert "after waiting 2.5 s; it was left to finish" in str(refused.value)
    assert str(refused.value).endswith("pass a longer --wait")


def test_a_lock_file_deleted_during_a_run_lets_no_second_run_in(local_config):
    settings = load(local_config)
    path = lock_path(settings, local_config)
    assert path is not None
    run = OtherProcess(local_config, RUN_IN_PROGRESS)
    try:
        path.unlink()  # `rm .tutorsync-lincoln.lock`, or a cleaner, while the run goes on
        with (
            pytest.raises(LockedError) as refused,
            program_lock(settings, local_config, command="tutorsync run"),
        ):
            pytest.fail("a second run got in while the first still runs")
        assert refused.value.exit_code == 4
        assert f"(pid {run.pid} on {socket.gethostname()} since " in str(refused.value)
        run.release()
        with program_lock(settings, local_config, command="tutorsync run"):
            assert json.loads(path.read_text())["pid"] == os.getpid()  # the next run goes
    finally:
        if run.process.poll() is None:
            run.kill()
        assert run.process.stdout is not None
        run.process.stdout.close()


def test_a_lock_file_deleted_while_a_run_waits_for_it_is_not_the_one_it_keeps(
    tmp_path, other_process
):
    # The waiting run opened the file; the run in progress ends and a cleaner deletes the
    # file before the waiting run takes it: the lock it takes must be on the file a third run
    # would open, not on the deleted one.
    path = tmp_path / "program.lock"

    def sleep(seconds: float) -> None:
        other_process.release()
        path.unlink()

    with hold(path, program="lincoln", command="tutorsync run", wait_seconds=600, sleep=sleep):
        assert json.loads(path.read_text())["pid"] == os.getpid()
        with pytest.raises(LockedError), hold(path, program="lincoln", command="tutorsync run"):
            pass


def test_a_killed_run_leaves_no_stale_lock(tmp_path, other_process):
    other_process.kill()
    with hold(tmp_path / "program.lock", program="lincoln", command="tutorsync run"):
        pass


def test_a_local_program_locks_in_its_workspace_folder(tmp_path):
    settings = settings_for(tmp_path)
    path = lock_path(settings, tmp_path / "tutorsync.toml")
    assert path == (tmp_path / "files" / ".tutorsync-lincoln.lock").resolve()


def test_a_google_program_locks_in_the_runtime_folder_per_config(tmp_path):
    settings = settings_for(tmp_path, "google")
    runtime = tmp_path / "run"
    first = lock_path(settings, tmp_path / "a" / "tutorsync.toml", runtime_dir=runtime)
    again = lock_path(settings, tmp_path / "a" / "tutorsync.toml", runtime_dir=runtime)
    other = lock_path(settings, tmp_path / "b" / "tutorsync.toml", runtime_dir=runtime)
    assert first == again != other
    assert first.parent == runtime and first.name.startswith("tutorsync-lincoln-")


def test_a_local_programs_anchor_is_in_the_private_folder_a_google_program_needs_none(tmp_path):
    runtime = tmp_path / "run"
    anchor = anchor_path(settings_for(tmp_path), runtime_dir=runtime)
    again = anchor_path(settings_for(tmp_path), runtime_dir=runtime)
    assert anchor == again and anchor is not None
    assert anchor.parent == runtime and anchor.name.startswith("tutorsync-lincoln-")
    assert anchor_path(settings_for(tmp_path / "other"), runtime_dir=runtime) != anchor
    assert anchor_path(settings_for(tmp_path, "google"), runtime_dir=runtime) is None


def test_a_dry_run_takes_no_lock_and_leaves_no_file(tmp_path):
    settings = settings_for(tmp_path)
    (tmp_path / "files").mkdir()
    config = tmp_path / "tutorsync.toml"
    with (
        program_lock(settings, config, command="tutorsync run", dry_run=True),
        program_lock(settings, config, command="tutorsync run"),
    ):
        pass  # a real run alongside a dry run is not refused
    assert list((tmp_path / "files").iterdir()) == [lock_path(settings, config)]


def test_the_holder_is_described_with_its_day_when_not_today():
    started = datetime(2026, 11, 22, 6, 30).astimezone()
    holder = Holder(123, "cron-host", started, "tutorsync run")
    assert holder.describe(now=started) == "pid 123 on cron-host since 06:30, `tutorsync run`"
    assert holder.describe(now=started + timedelta(days=1)) == (
        "pid 123 on cron-host since 2026-11-22 06:30, `tutorsync run`"
    )
    assert Holder.from_json(holder.to_json()) == holder
    assert Holder.from_json("") is None and Holder.from_json('{"pid": 1') is None


def test_a_lock_file_that_is_a_symbolic_link_is_never_followed(tmp_path):
    precious = tmp_path / "gradebook.xlsx"
    precious.write_text("a teacher's file")
    path = tmp_path / "program.lock"
    path.symlink_to(precious)
    with hold(path, program="lincoln", command="tutorsync run"):
        pass
    assert precious.read_text() == "a teacher's file"  # not truncated, nothing written


@pytest.fixture
def no_runtime_folder(tmp_path, monkeypatch) -> Path:
    """No $XDG_RUNTIME_DIR (a cron job, a container): the temp folder is tmp_path/tmp."""
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(lock.tempfile, "gettempdir", lambda: str(temp))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return temp


def test_without_a_runtime_folder_a_google_lock_is_in_a_folder_only_this_user_can_use(
    tmp_path, no_runtime_folder
):
    path = lock_path(settings_for(tmp_path, "google"), tmp_path / "tutorsync.toml")
    assert path is not None
    folder = path.parent
    assert folder == no_runtime_folder / f"tutorsync-{os.getuid()}"
    assert folder.stat().st_mode & 0o777 == 0o700 and folder.stat().st_uid == os.getuid()


def test_a_lock_folder_another_user_could_have_made_is_not_used(tmp_path, no_runtime_folder):
    # Someone made the predictable folder first (open to all) and planted a lock in it.
    planted = no_runtime_folder / f"tutorsync-{os.getuid()}"
    planted.mkdir()
    planted.chmod(0o777)
    path = lock_path(settings_for(tmp_path, "google"), tmp_path / "tutorsync.toml")
    assert path is not None and planted not in path.parents
    assert path.parent.stat().st_mode & 0o777 == 0o700
