"""Files in the local workspace: refuse files another program holds open, read with plain
errors, and replace a file atomically so a failure never leaves half a file."""

from __future__ import annotations

import contextlib
import functools
import os
import posixpath
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jobs.errors import WorkspaceError


def relative_path(path: str, folder: str) -> str:
    """`posixpath.relpath(path, folder)` for two paths relative to the workspace folder, out
    of remembered answers: relpath asks the system for the working directory on every call,
    and a run links every student's folder (and the plan in it) from a few files."""
    if _plain(path) and (_plain(folder) or folder == "."):  # ".": the coordinator's folder
        return _plain_relative(path, folder)
    return _remembered_relpath(path, folder)


def _plain_relative(path: str, folder: str) -> str:
    """`relative_path` of two plain paths: that of the nearest directory of `path` that is a
    top directory or holds `folder` (a few, remembered), then the names below it. A loop,
    not a call per directory, so no depth of folders reaches Python's recursion limit."""
    names: list[str] = []
    directory, _, name = path.rpartition("/")
    while directory and not _within(folder, path):
        names.append(name)
        path = directory
        directory, _, name = path.rpartition("/")
    start = _remembered_relpath(path, folder)
    if not names:
        return start
    below = "/".join(reversed(names))
    return below if start == "." else f"{start}/{below}"


@functools.lru_cache(maxsize=4096)
def _remembered_relpath(path: str, folder: str) -> str:
    return posixpath.relpath(path, folder)


def _plain(path: str) -> bool:
    """A relative path with no empty, "." or ".." part, which relpath takes as it is."""
    return not (
        path.startswith("/")
        or path.endswith("/")
        or "//" in path
        or path in (".", "..")
        or path.startswith(("./", "../"))
        or "/./" in path
        or "/../" in path
        or path.endswith(("/.", "/.."))
    )


def _within(folder: str, path: str) -> bool:
    """`folder` is `path` or inside it."""
    return folder == path or folder.startswith(path + "/")


def link_path(relative: str) -> str:
    """A relative path as the target of a link cell: "#" would end the path there (what
    follows is a place in the file) and "%" starts an escape, so both are escaped."""
    return relative.replace("%", "%25").replace("#", "%23")


def check_not_open(path: Path, spreadsheet: str) -> None:
    """Refuse a file another program has open: its lock file says so, and a save from that
    program would undo ours (or ours would be lost on Windows)."""
    for lock in (f".~lock.{path.name}#", f"~${path.name}"):  # LibreOffice, Excel
        if (path.parent / lock).exists():
            raise WorkspaceError(
                f"{spreadsheet} is open in another program ({lock} exists); close it and run "
                "tutorsync again (if nothing has it open, delete that lock file)"
            )


def read_bytes(path: Path, spreadsheet: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise WorkspaceError(
            f"{spreadsheet} could not be read ({error.strerror or error}); "
            "check that the file exists and that you may read it"
        ) from None


def replace_file(path: Path, data: bytes, spreadsheet: str) -> None:
    """Write `data` to `path` atomically: a temporary file beside it, flushed to disk, then
    renamed over it. On any failure the temporary file goes and the original stays as it was."""
    failures = replace_files([FileWrite(path, data, spreadsheet)])
    if failures:
        raise failures[path] from None


@dataclass(frozen=True)
class FileWrite:
    path: Path
    data: bytes
    name: str  # the file as a message names it (a path holds a student's name)


def replace_files(writes: Sequence[FileWrite]) -> dict[Path, WorkspaceError]:
    """`replace_file` for many files at once, with the same promise for each: its content is
    on disk before its rename, and the rename is on disk before this returns. The files are
    written first and flushed together, since a flush per file (a journal commit each on most
    Linux file systems) cost more than writing a thousand folder manifests. Returns each file
    that could not be written, with why; the others are written."""
    failures: dict[Path, WorkspaceError] = {}
    written: list[tuple[FileWrite, Path]] = []
    together = len(writes) > 1
    try:
        for write in writes:
            temporary = write.path.with_name(f".{write.path.name}{TEMPORARY}{os.getpid()}")
            written.append((write, temporary))
            _discard_stale(write.path)
            try:
                _write(temporary, write.data, synced=not together)
            except OSError as error:
                written.pop()
                discard(temporary)
                failures[write.path] = _not_written(write.name, error)
        if together:
            written = _flushed_together(written, failures)
        renamed = _renamed(written, failures)
    except BaseException:
        for _, temporary in written:
            discard(temporary)
        raise
    if together and renamed and hasattr(os, "sync"):
        # One flush makes every rename durable: a fsync per folder was a journal commit each,
        # and writing a manifest into every student folder made a thousand.
        os.sync()
    else:
        for folder in dict.fromkeys(renamed):
            _sync_folder(folder)
    return failures


def _flushed_together(
    written: list[tuple[FileWrite, Path]], failures: dict[Path, WorkspaceError]
) -> list[tuple[FileWrite, Path]]:
    """The temporary files flushed by one flush of everything, after which each file's own
    fsync finds nothing left to write; the fsyncs stay, so a disk error still stops that
    file's rename. All of them come before any rename: a fsync after a rename was a journal
    commit again, each (1.5 ms)."""
    if hasattr(os, "sync"):
        os.sync()
    flushed = []
    for write, temporary in written:
        try:
            _sync_file(temporary)
        except OSError as error:
            discard(temporary)
            failures[write.path] = _not_written(write.name, error)
        else:
            flushed.append((write, temporary))
    return flushed


def _renamed(
    written: list[tuple[FileWrite, Path]], failures: dict[Path, WorkspaceError]
) -> list[Path]:
    """Each temporary file renamed over its file; the folders of those renamed."""
    renamed: list[Path] = []
    for write, temporary in written:
        try:
            if write.path.exists():
                shutil.copymode(write.path, temporary)
            os.replace(temporary, write.path)
        except OSError as error:
            discard(temporary)
            failures[write.path] = _not_written(write.name, error)
        else:
            renamed.append(write.path.parent)
    return renamed


def _write(temporary: Path, data: bytes, *, synced: bool) -> None:
    try:
        file = temporary.open("wb")
    except FileNotFoundError:  # made only when missing: a mkdir per file failed thousands a run
        temporary.parent.mkdir(parents=True, exist_ok=True)
        file = temporary.open("wb")
    with file:
        file.write(data)
        if synced:
            file.flush()
            os.fsync(file.fileno())


def _sync_file(path: Path) -> None:
    with path.open("r+b") as file:
        os.fsync(file.fileno())


def _not_written(name: str, error: OSError) -> WorkspaceError:
    if isinstance(error, PermissionError):
        return WorkspaceError(
            f"{name} could not be written (permission denied); close it if it is open in "
            "another program, and check that you may write to its folder"
        )
    return WorkspaceError(
        f"{name} could not be written ({error.strerror or error}); check the disk has space "
        "and that you may write to its folder"
    )


TEMPORARY = ".tutorsync-tmp-"  # .<name>.tutorsync-tmp-<pid>: a file being replaced
STALE_SECONDS = 3600  # a temporary file this old was left by a run that was killed


def _discard_stale(path: Path) -> None:
    """Temporary copies of `path` that a killed run left (whole copies of student data,
    hidden): removed once they are an hour old, so a run on another machine that shares the
    folder is never disturbed."""
    # Listed by name, not by Path.glob, which took a pattern apart for each of a thousand
    # manifests (the file system's own case rules, as glob's).
    prefix = os.path.normcase(f".{path.name}{TEMPORARY}")
    try:
        with os.scandir(path.parent) as entries:
            leftovers = [
                Path(entry.path)
                for entry in entries
                if os.path.normcase(entry.name).startswith(prefix)
            ]
    except OSError:
        return
    now = time.time()
    for leftover in leftovers:
        try:
            if now - leftover.stat().st_mtime > STALE_SECONDS:
                discard(leftover)
        except OSError:
            continue


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); not possible, nor needed, everywhere."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def create_new_file(path: Path, data: bytes, name: str) -> None:
    """Write a file that must not exist yet, whole: a temporary file beside it, linked into
    place (a hard link never replaces a file), then removed. Raises WorkspaceError, having
    changed nothing, if the file appeared meanwhile or cannot be written."""
    temporary = path.with_name(f".{path.name}.tutorsync-new-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_synced(temporary, data, "wb")
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise
        except OSError:  # no hard links on this disk (FAT, some network shares)
            _write_synced(path, data, "xb")
    except FileExistsError:
        raise WorkspaceError(
            f"{name} appeared while tutorsync was making it; it was left as it is"
        ) from None
    except OSError as error:
        raise WorkspaceError(
            f"{name} could not be written ({error.strerror or error}); check that you may "
            "write to its folder and that the disk has space"
        ) from None
    finally:
        discard(temporary)


def discard(temporary: Path) -> None:
    """Remove a temporary file if it is there. A disk that refuses even that (a read-only
    file system) must not hide the error that matters, nor show the file's path (a folder
    path holds a student's name)."""
    with contextlib.suppress(OSError):
        temporary.unlink(missing_ok=True)


def _write_synced(path: Path, data: bytes, mode: str) -> None:
    with path.open(mode) as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
