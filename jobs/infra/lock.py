"""One run at a time per program on a machine.

A run that writes holds an exclusive `flock` on a lock file for as long as it runs. The
operating system releases the lock when the process ends, however it ends, so a killed run
never leaves a stale lock behind; no pid is ever checked. The file records who holds it (pid,
host, start time, command) only so the second run can say so.

Where the file lives:
- local workspace: `.tutorsync-<program key>.lock` in the workspace folder, the files it guards,
  so that two people running the same workspace from one machine exclude each other too;
- Google: `$XDG_RUNTIME_DIR`, else a folder only this user may use (`tutorsync-<uid>` in the
  system temp folder, mode 0700, else `~/.local/state/tutorsync`), named with the program key
  and a short hash of the config's absolute path. A folder of that name that someone else
  could write is never used: they could hold every run with a lock file of their own.

A lock file that is a symbolic link is never followed (it could point at a teacher's file).

A lock belongs to a file, not to its name, and a name can be deleted while a run holds its
file (`rm`, a temp-folder cleaner). Two things follow:
- A cleaner can delete the file after a run opened it and before the run locks it: the run
  would hold a file no later run can find. So once locked, a run checks that the name still
  gives the file it locked, and if not, locks the file the name gives now.
- A run that starts after the deletion creates a new file and locks it: nothing on that file
  says a run is going. A workspace folder is where people delete files, so a local program's
  run also locks an anchor, a file of its own in the private folder above, where nobody
  deletes a file in use: a recent systemd-tmpfiles passes a locked file by, and the holder
  keeps its files' times fresh for cleaners that go by age. (The anchor is per user: the file
  in the workspace is what keeps out another user's run.) A Google program's lock file is in
  the private folder already. A holder re-checking its file now and then was not chosen:
  until it looked again, a second run would be in.

Two machines do not share a lock: their tabs and check-ins still converge, but two folders
runs racing can each create a student's folder (the oldest is kept; README: Scheduling).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jobs.errors import LockedError
from jobs.settings import Settings

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows, which tutorsync does not target
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # how often --wait looks again
ATTEMPTS = 5  # lock files deleted in a row while taking the lock, before a warning


@dataclass(frozen=True)
class Holder:
    """Who holds a program's lock, as its lock file records it."""

    pid: int
    host: str
    started: datetime
    command: str

    def describe(self, now: datetime | None = None) -> str:
        """'pid 123 on HOST since 06:30, `tutorsync run`' (the date too if not today)."""
        started = self.started.astimezone()
        today = (now or datetime.now().astimezone()).date()
        since = f"{started:%H:%M}" if started.date() == today else f"{started:%Y-%m-%d %H:%M}"
        return f"pid {self.pid} on {self.host} since {since}, `{self.command}`"

    def to_json(self) -> str:
        return json.dumps(
            {
                "pid": self.pid,
                "host": self.host,
                "started": self.started.isoformat(timespec="seconds"),
                "command": self.command,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Holder | None:
        """The holder recorded in `text`, or None if it is empty or half written."""
        try:
            data = json.loads(text)
            return cls(
                int(data["pid"]),
                str(data["host"]),
                datetime.fromisoformat(data["started"]),
                str(data["command"]),
            )
        except (ValueError, KeyError, TypeError):
            return None


def lock_path(
    settings: Settings, config_path: Path, *, runtime_dir: Path | None = None
) -> Path | None:
    """The lock file of this program: next to the files it guards for a local workspace; for
    Google, in a per-user folder, keyed by program and config (a short hash of the config's
    absolute path, so two programs' configs never share a lock by accident). None when no
    folder only this user may use can be had."""
    key = settings.program.key
    if settings.workspace.kind == "local":
        return _in_workspace(settings)
    config_hash = hashlib.sha256(str(config_path.resolve()).encode()).hexdigest()[:12]
    folder = runtime_dir or _private_folder()
    return None if folder is None else folder / f"tutorsync-{key}-{config_hash}.lock"


def anchor_path(settings: Settings, *, runtime_dir: Path | None = None) -> Path | None:
    """Where a local program's run also takes its lock, so that deleting the lock file in the
    workspace lets no second run in: in the private folder, keyed by program and by the lock
    file's absolute path (two configs of one workspace share it, as they share the lock file).
    None for a Google program, whose lock file is there already, or with no private folder."""
    if settings.workspace.kind != "local":
        return None
    digest = hashlib.sha256(str(_in_workspace(settings).resolve()).encode()).hexdigest()[:12]
    folder = runtime_dir or _private_folder()
    key = settings.program.key
    return None if folder is None else folder / f"tutorsync-{key}-{digest}.lock"


def _in_workspace(settings: Settings) -> Path:
    return settings.workspace_root / f".tutorsync-{settings.program.key}.lock"


def _private_folder() -> Path | None:
    """$XDG_RUNTIME_DIR (private by definition), else the first folder, made if need be,
    that is this user's own and that nobody else may write."""
    if os.environ.get("XDG_RUNTIME_DIR"):
        return Path(os.environ["XDG_RUNTIME_DIR"])
    candidates = [Path.home() / ".local" / "state" / "tutorsync"]
    # gettempdir() raises when no temporary folder can be written (a full disk).
    with suppress(OSError):
        candidates.insert(0, Path(tempfile.gettempdir()) / f"tutorsync-{os.getuid()}")
    for folder in candidates:
        with suppress(OSError):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if _is_private(folder):
            return folder
        if folder.exists():
            log.warning("the lock folder %s may be written by others; not used", folder)
    return None


def _is_private(folder: Path) -> bool:
    try:
        found = os.lstat(folder)
    except OSError:
        return False
    return (
        stat.S_ISDIR(found.st_mode)  # not a symbolic link to somewhere else
        and found.st_uid == os.getuid()
        and found.st_mode & 0o077 == 0
    )


@contextmanager
def program_lock(
    settings: Settings,
    config_path: Path,
    *,
    command: str,
    wait_seconds: float = 0,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[None]:
    """Hold the program's lock for the duration of the block. A dry run writes nothing, so it
    takes no lock (and leaves no lock file behind). Raises LockedError if another run still
    holds the lock after `wait_seconds`."""
    path = lock_path(settings, config_path)
    if dry_run or path is None:
        if path is None and not dry_run:
            log.warning(
                "no private folder for the run lock; %s runs without it", settings.program.key
            )
        yield
        return
    anchor = anchor_path(settings)
    if anchor is None and settings.workspace.kind == "local":
        log.warning(
            "no private folder for the run lock's anchor; should %s be deleted during the run, "
            "a second run could start",
            path,
        )
    with hold(
        path,
        program=settings.program.key,
        command=command,
        wait_seconds=wait_seconds,
        sleep=sleep,
        clock=clock,
        anchor=anchor,
    ):
        yield


@contextmanager
def hold(
    path: Path,
    *,
    program: str,
    command: str,
    wait_seconds: float = 0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    anchor: Path | None = None,
) -> Iterator[None]:
    """Hold an exclusive lock on `path` (then on `anchor`, if given) for the duration of the
    block, polling for up to `wait_seconds` while another process holds it; then raise
    LockedError naming that process."""
    if fcntl is None:  # pragma: no cover - Windows
        log.debug("no file locking on this system; %s runs without a lock", program)
        yield
        return
    wait = _Wait(program, wait_seconds, clock() + wait_seconds, sleep, clock)
    with ExitStack() as held:
        for each in (path, anchor):
            if each is not None:
                held.enter_context(_held(each, wait, command))
        yield


@dataclass(frozen=True)
class _Wait:
    """How long a run waits for a lock, and how it tells the time and sleeps meanwhile."""

    program: str
    seconds: float
    deadline: float
    sleep: Callable[[float], None]
    clock: Callable[[], float]


@contextmanager
def _held(path: Path, wait: _Wait, command: str) -> Iterator[None]:
    """The lock on the file `path` names, recording this process in it while held."""
    descriptor = _open_locked(path, wait)
    if descriptor is None:
        yield
        return
    try:
        found = os.fstat(descriptor)
        _record(descriptor, Holder(os.getpid(), socket.gethostname(), _now(), command))
        try:
            yield
        finally:
            # Cleared before release, so a stale holder is never reported; and left with the
            # times it had, so a run that changes nothing leaves every file in the workspace
            # as it found it (DESIGN rule 1), this one included.
            _record(descriptor, None)
            _restore_times(descriptor, found)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def _open_locked(path: Path, wait: _Wait) -> int | None:
    """`path` opened and locked, and still the file its name gives once locked (see the
    module's docstring); None if it cannot be opened (see _open)."""
    attempt = 1
    while True:
        descriptor = _open(path)
        if descriptor is None:
            return None
        try:
            _acquire(descriptor, wait)
        except BaseException:
            os.close(descriptor)
            raise
        if _names(path, descriptor):
            return descriptor
        if attempt == ATTEMPTS:
            # Never seen to hold (a file system whose inode numbers change, say): kept as
            # taken, as every lock was before this check.
            log.warning("the run lock %s kept being replaced while it was taken", path)
            return descriptor
        os.close(descriptor)
        attempt += 1


def _names(path: Path, descriptor: int) -> bool:
    """Whether `path` (not followed, if a link) gives the open file `descriptor`."""
    try:
        named = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    opened = os.fstat(descriptor)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _acquire(descriptor: int, wait: _Wait) -> None:
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            remaining = wait.deadline - wait.clock()
            if remaining <= 0:
                holder = _read(descriptor)
                raise LockedError(_locked_message(wait.program, holder, wait.seconds)) from None
            wait.sleep(min(POLL_SECONDS, remaining))


def _locked_message(program: str, holder: Holder | None, wait_seconds: float) -> str:
    who = f" ({holder.describe()})" if holder else ""
    waited = f" after waiting {wait_seconds:g} s" if wait_seconds else ""
    advice = "pass a longer --wait" if wait_seconds else "pass --wait SECONDS"
    return (
        f"another run of program {program} is in progress{who}{waited}; it was left to finish. "
        f"Run again later, or {advice}"
    )


def _open(path: Path) -> int | None:
    """The lock file, opened for writing (created if missing, never truncated here: a second
    run that only looks must not disturb the holder's record). None, with a warning, if it
    cannot be opened at all: the lock guards against overlapping runs, but runs are
    idempotent, so a run without it is still correct."""
    try:
        # Never through a symbolic link: it could point at a file the lock would truncate.
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except PermissionError:
        # e.g. another user's lock file in a shared folder: locking needs only reading.
        try:
            return os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as error:
            log.warning("could not open the run lock %s (%s); running without it", path, error)
    except OSError as error:
        log.warning("could not open the run lock %s (%s); running without it", path, error)
    return None


def _record(descriptor: int, holder: Holder | None) -> None:
    try:
        os.ftruncate(descriptor, 0)
        if holder is not None:
            os.pwrite(descriptor, holder.to_json().encode(), 0)
            os.utime(descriptor)  # fresh, read time too, for a cleaner that goes by age
    except OSError:
        pass  # opened read-only: the lock still holds, the message is only less specific


def _restore_times(descriptor: int, found: os.stat_result) -> None:
    if found.st_size:
        return  # a record left by a run that could not clear it: the file did change
    # Opened read-only, or on a file system that refuses: then only a date differs.
    with suppress(OSError):
        os.utime(descriptor, ns=(found.st_atime_ns, found.st_mtime_ns))


def _read(descriptor: int) -> Holder | None:
    try:
        return Holder.from_json(os.pread(descriptor, 4096, 0).decode("utf-8", "replace"))
    except OSError:
        return None


def _now() -> datetime:
    return datetime.now().astimezone()
