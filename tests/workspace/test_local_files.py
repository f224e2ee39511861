"""Writing files in the local workspace when the disk refuses: a read-only file system (or a
folder the run may not write) fails each step, the cleanup of the temporary file included.
What reaches the caller is a WorkspaceError naming the file and the fix, never the cleanup's
own OSError with its path (a folder path holds a student's name)."""

from __future__ import annotations

import errno
import os
import posixpath
import sys
import time
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from jobs.errors import WorkspaceError
from jobs.workspace.local import drive as local_drive
from jobs.workspace.local.files import create_new_file, relative_path, replace_file
from jobs.workspace.local.workspace import LocalWorkspace


@pytest.fixture
def read_only_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every write, create, rename and unlink answers EROFS, as on a read-only mount."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    real_open = Path.open

    def open_read_only(self: Path, mode: str = "r", *args: object, **kwargs: object):
        if any(flag in mode for flag in "wxa+"):
            refuse()
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_read_only)
    monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: refuse())
    monkeypatch.setattr(Path, "mkdir", lambda self, *a, **k: refuse())
    monkeypatch.setattr(os, "replace", refuse)
    monkeypatch.setattr(local_drive.shutil, "copyfile", refuse)


def test_replacing_a_file_on_a_read_only_disk_says_so_plainly(tmp_path, read_only_disk):
    target = tmp_path / "Lee, Sam (00123)" / "coordinator.xlsx"
    with pytest.raises(WorkspaceError) as raised:
        replace_file(target, b"data", "coordinator.xlsx")
    assert "coordinator.xlsx could not be written" in str(raised.value)
    assert "Lee, Sam" not in str(raised.value)


def test_creating_a_file_on_a_read_only_disk_says_so_plainly(tmp_path, read_only_disk):
    with pytest.raises(WorkspaceError) as raised:
        create_new_file(tmp_path / "Lee, Sam (00123)" / "roster.xlsx", b"data", "roster.xlsx")
    assert "roster.xlsx could not be written" in str(raised.value)


def test_copying_a_template_on_a_read_only_disk_says_so_plainly(tmp_path, read_only_disk):
    with pytest.raises(local_drive._Failed) as raised:
        local_drive._copy_file(tmp_path / "plan.xlsx", tmp_path / "Lee, Sam" / "plan.xlsx")
    assert "the template could not be copied" in str(raised.value)


def test_a_temporary_copy_a_killed_run_left_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "coordinator.xlsx"
    stale = tmp_path / ".coordinator.xlsx.tutorsync-tmp-999999"
    fresh = tmp_path / ".coordinator.xlsx.tutorsync-tmp-999998"  # another machine, writing now
    for leftover in (stale, fresh):
        leftover.write_bytes(b"a whole copy of student data")
    hours_ago = time.time() - 2 * 3600
    os.utime(stale, (hours_ago, hours_ago))

    replace_file(target, b"data", "coordinator.xlsx")

    assert target.read_bytes() == b"data"
    assert not stale.exists() and fresh.exists()


def test_a_hash_in_a_folder_or_file_name_does_not_cut_its_link(tmp_path):
    workspace = LocalWorkspace(tmp_path)
    folder = workspace.drive.link("folders/2026-27/Lee #2, Sam (00123)", from_spreadsheet="c.xlsx")
    assert folder == "folders/2026-27/Lee %232, Sam (00123)"
    tab = workspace.link("gradebooks/Room #4 100%.xlsx", "Grades", "B2", from_spreadsheet="c.xlsx")
    assert tab == "gradebooks/Room %234 100%25.xlsx#'Grades'!B2"  # one "#": before the cell


_PATH_NAMES = st.sampled_from(["a", "b", "ab", ".", "..", "", "c d", "#e"])
_PATHS = st.lists(_PATH_NAMES, min_size=1, max_size=6).map("/".join)


@settings(max_examples=500, deadline=None)
@given(path=_PATHS, folder=st.one_of(st.just("."), _PATHS))
def test_a_relative_path_is_the_one_relpath_gives(path, folder):
    assume(path and folder)  # relpath refuses "", and so does relative_path
    assert relative_path(path, folder) == posixpath.relpath(path, folder)


def test_a_relative_path_of_folders_deeper_than_the_recursion_limit_is_worked_out():
    deep = "/".join(["a"] * (sys.getrecursionlimit() + 10))
    assert relative_path(f"{deep}/plan.docx", "b") == posixpath.relpath(f"{deep}/plan.docx", "b")
