"""A run with many changes is counted by kind; -v and --dry-run list each one (issue 17)."""

from datetime import date
from typing import get_args

import pytest

from jobs.model.drive import CreateFolder, FolderChange, FolderKind, ShareFolder
from jobs.report import LISTED_CHANGES, RunReport


def folders_report(students: int, *, dry_run: bool = False) -> RunReport:
    changes: list[FolderChange] = []
    for n in range(students):
        key = f"student:2026-27:{n:05}"
        changes.append(CreateFolder(key, FolderKind.STUDENT, f"Student {n}", "term:2026-27"))
        for person in ("tutor", "teacher", "coordinator"):
            changes.append(ShareFolder(key, f"{person}{n}@school.example", "writer"))
    report = RunReport("folders", "Demo", date(2026, 12, 7), dry_run=dry_run)
    report.folder_changes = changes
    return report


def change_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("    ")]


def test_many_changes_are_counted_by_kind_biggest_first():
    text = folders_report(582).render_text()

    assert "  2,328 change(s)" in text
    assert change_lines(text) == ["    1,746 shares added, 582 folders created (-v lists each)"]


@pytest.mark.parametrize("ask", ["itemized", "dry_run"])
def test_verbose_and_dry_run_list_each_change(ask):
    report = folders_report(30, dry_run=ask == "dry_run")

    lines = change_lines(report.render_text(itemized=ask == "itemized"))

    assert len(lines) == 120
    assert lines[0].strip().startswith(("create folder", "would create folder"))


def test_a_few_changes_are_listed_each_as_before():
    report = folders_report(LISTED_CHANGES // 4)

    assert len(change_lines(report.render_text())) == report.changes <= LISTED_CHANGES


def test_every_kind_of_folder_change_has_a_name_in_the_summary():
    for kind in get_args(FolderChange):
        report = RunReport("folders", "Demo", date(2026, 12, 7))
        report.folder_changes = [kind(**dict.fromkeys(kind.__dataclass_fields__, "x"))]
        assert report.changes_by_kind().startswith("1 "), kind
