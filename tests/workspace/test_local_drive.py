"""The local Drive: student folders as directories in the workspace folder, each found by the
manifest in it, with the sharing and template copies that manifest records."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from jobs.errors import WorkspaceError
from jobs.model.drive import (
    ROOT,
    ChangeRole,
    CopyTemplate,
    CreateFolder,
    Folder,
    FolderChange,
    FolderKind,
    ForgetGrant,
    Grant,
    MoveFolder,
    RecordTemplate,
    RevokeGrant,
    ShareFolder,
    token,
)
from jobs.workspace.local.drive import MANIFEST, LocalDrive, add_hand_grant, manifest

PROGRAM = "demo"
TERM = "term:2026-27"
ARCHIVE = "archive:2026-27"
JANE = "student:2026-27:00123"
OMAR = "student:2026-27:00456"
TUTOR = "tutor@school.org"
TEACHER = "teacher@school.org"
TEMPLATE = "templates/Reading log.xlsx"


@pytest.fixture
def drive(tmp_path: Path) -> LocalDrive:
    (tmp_path / "folders").mkdir()
    return LocalDrive(tmp_path)


def apply(drive: LocalDrive, changes: list[FolderChange]) -> dict[str, str]:
    return drive.apply("folders", PROGRAM, changes, notify=False)


def listed(drive: LocalDrive, program: str = PROGRAM) -> dict[str, Folder]:
    return {folder.key: folder for folder in drive.list_folders("folders", program)}


def term_and_students() -> list[FolderChange]:
    """A first run's plan, children listed before their term to show the order is fixed."""
    return [
        CreateFolder(JANE, FolderKind.STUDENT, "Doe, Jane (00123)", TERM, "00123"),
        CreateFolder(OMAR, FolderKind.STUDENT, "Ali, Omar (00456)", TERM, "00456"),
        CreateFolder(TERM, FolderKind.TERM, "2026-27", ROOT),
        ShareFolder(JANE, TUTOR, "writer"),
        ShareFolder(JANE, "Teacher@School.org", "writer"),
        ShareFolder(OMAR, TUTOR, "writer"),
    ]


def snapshot(root: Path) -> dict[str, tuple[bytes | None, int]]:
    """Every file's bytes and every file's and directory's mtime under `root`."""
    found: dict[str, tuple[bytes | None, int]] = {}
    for directory, _, files in os.walk(root):
        here = Path(directory)
        found[here.as_posix()] = (None, here.stat().st_mtime_ns)
        for name in files:
            path = here / name
            found[path.as_posix()] = (path.read_bytes(), path.stat().st_mtime_ns)
    return found


def write_template(tmp_path: Path) -> Path:
    path = tmp_path / TEMPLATE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"template bytes")
    return path


# --- Creating and listing ------------------------------------------------------------------------


def test_creates_term_and_student_folders_parents_first_and_lists_them_back(
    drive: LocalDrive, tmp_path: Path
) -> None:
    urls = apply(drive, term_and_students())

    folders = listed(drive)
    assert set(folders) == {TERM, JANE, OMAR}
    assert folders[TERM].parent_key == ROOT
    assert folders[TERM].url == "folders/2026-27"
    assert folders[TERM].kind == FolderKind.TERM
    jane = folders[JANE]
    assert jane.parent_key == TERM
    assert jane.url == "folders/2026-27/Doe, Jane (00123)"
    assert jane.name == "Doe, Jane (00123)"
    assert jane.student_id == "00123"
    assert jane.kind == FolderKind.STUDENT
    assert jane.trashed is False
    assert jane.grants == (Grant(TEACHER, "writer"), Grant(TUTOR, "writer"))
    assert jane.ours == {token(TUTOR), token(TEACHER)}
    assert folders[OMAR].grants == (Grant(TUTOR, "writer"),)
    assert urls == {key: folder.url for key, folder in folders.items()}
    assert (tmp_path / jane.url).is_dir()


def test_the_manifest_is_sorted_pretty_json(drive: LocalDrive, tmp_path: Path) -> None:
    apply(drive, term_and_students())

    stored = manifest(tmp_path, "folders/2026-27/Doe, Jane (00123)")
    assert stored == {
        "program": PROGRAM,
        "key": JANE,
        "kind": "student",
        "student": "00123",
        "grants": [
            {"email": TEACHER, "role": "writer", "kind": "user"},
            {"email": TUTOR, "role": "writer", "kind": "user"},
        ],
        "ours": sorted([token(TUTOR), token(TEACHER)]),
        "templates": [],
        "copies": {},
    }
    text = (tmp_path / "folders/2026-27/Doe, Jane (00123)" / MANIFEST).read_text("utf-8")
    assert text == json.dumps(stored, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_a_rerun_of_the_same_changes_touches_no_file(drive: LocalDrive, tmp_path: Path) -> None:
    write_template(tmp_path)
    changes = [
        *term_and_students(),
        CopyTemplate(JANE, TEMPLATE, "Reading log - Jane Doe"),
        CreateFolder(ARCHIVE, FolderKind.ARCHIVE, "Archived", TERM),
        MoveFolder(OMAR, ARCHIVE),
    ]
    first = apply(drive, changes)
    before = snapshot(tmp_path)

    again = apply(drive, changes)
    nothing = apply(drive, [])

    assert snapshot(tmp_path) == before
    assert again == nothing == first


def test_other_programs_folders_are_not_listed(drive: LocalDrive) -> None:
    apply(drive, term_and_students())

    assert listed(drive, "another program") == {}


def test_a_renamed_directory_is_still_the_same_folder(drive: LocalDrive, tmp_path: Path) -> None:
    apply(drive, term_and_students())
    term = tmp_path / "folders/2026-27"
    (term / "Doe, Jane (00123)").rename(term / "Jane's folder")

    jane = listed(drive)[JANE]

    assert jane.name == "Jane's folder"
    assert jane.url == "folders/2026-27/Jane's folder"
    assert jane.parent_key == TERM
    assert jane.ours == {token(TUTOR), token(TEACHER)}


def test_a_folder_moved_out_of_ours_has_no_parent_key(drive: LocalDrive, tmp_path: Path) -> None:
    apply(drive, term_and_students())
    elsewhere = tmp_path / "folders/Someone's own folder"
    elsewhere.mkdir()
    (tmp_path / "folders/2026-27/Doe, Jane (00123)").rename(elsewhere / "Jane")

    folders = listed(drive)

    assert folders[JANE].parent_key is None
    assert folders[JANE].url == "folders/Someone's own folder/Jane"


def test_moving_into_an_archive_created_in_the_same_apply(
    drive: LocalDrive, tmp_path: Path
) -> None:
    apply(drive, term_and_students())

    urls = apply(
        drive,
        [MoveFolder(OMAR, ARCHIVE), CreateFolder(ARCHIVE, FolderKind.ARCHIVE, "Archived", TERM)],
    )

    omar = listed(drive)[OMAR]
    assert omar.parent_key == ARCHIVE
    assert omar.url == "folders/2026-27/Archived/Ali, Omar (00456)"
    assert urls[OMAR] == omar.url
    assert not (tmp_path / "folders/2026-27/Ali, Omar (00456)").exists()


def test_moving_a_folder_back_to_the_root_and_moving_its_children_with_it(
    drive: LocalDrive,
) -> None:
    apply(drive, term_and_students())
    apply(drive, [CreateFolder(ARCHIVE, FolderKind.ARCHIVE, "Archived", TERM)])

    apply(drive, [MoveFolder(ARCHIVE, ROOT), MoveFolder(JANE, ARCHIVE)])

    folders = listed(drive)
    assert folders[ARCHIVE].parent_key == ROOT
    assert folders[JANE].url == "folders/Archived/Doe, Jane (00123)"
    assert folders[JANE].parent_key == ARCHIVE


def test_a_move_into_a_place_with_the_same_name_numbers_it(
    drive: LocalDrive, tmp_path: Path
) -> None:
    apply(drive, term_and_students())
    apply(drive, [CreateFolder(ARCHIVE, FolderKind.ARCHIVE, "Archived", TERM)])
    (tmp_path / "folders/2026-27/Archived/Ali, Omar (00456)").mkdir()

    apply(drive, [MoveFolder(OMAR, ARCHIVE)])

    assert listed(drive)[OMAR].url == "folders/2026-27/Archived/Ali, Omar (00456) (2)"


def test_a_moved_folder_carries_the_folders_in_it_for_the_changes_after_the_move(
    drive: LocalDrive, tmp_path: Path
) -> None:
    write_template(tmp_path)
    apply(drive, term_and_students())
    apply(drive, [CreateFolder(ARCHIVE, FolderKind.ARCHIVE, "Archived", TERM)])
    apply(drive, [MoveFolder(OMAR, ARCHIVE)])

    urls = apply(
        drive,
        [MoveFolder(ARCHIVE, ROOT), CopyTemplate(OMAR, TEMPLATE, "Reading log - Omar Ali")],
    )

    omar = listed(drive)[OMAR]
    assert omar.url == urls[OMAR] == "folders/Archived/Ali, Omar (00456)"
    assert omar.parent_key == ARCHIVE
    assert (tmp_path / omar.url / "Reading log - Omar Ali.xlsx").is_file()


def test_a_folder_cannot_be_moved_into_itself(drive: LocalDrive) -> None:
    apply(drive, term_and_students())

    with pytest.raises(WorkspaceError, match=f"{TERM}: moving it into {JANE}"):
        apply(drive, [MoveFolder(TERM, JANE)])

    assert listed(drive)[TERM].parent_key == ROOT


# --- Sharing -------------------------------------------------------------------------------------


def test_a_grant_made_by_hand_survives_and_is_not_ours(drive: LocalDrive, tmp_path: Path) -> None:
    apply(drive, term_and_students())
    url = listed(drive)[JANE].url
    add_hand_grant(tmp_path, url, "Parent@Home.org", "reader")

    apply(
        drive,
        [ShareFolder(JANE, "new@school.org", "writer"), RevokeGrant(JANE, TUTOR)],
    )

    jane = listed(drive)[JANE]
    assert Grant("parent@home.org", "reader") in jane.grants
    assert token("parent@home.org") not in jane.ours
    assert {grant.email for grant in jane.grants} == {"parent@home.org", TEACHER, "new@school.org"}


def test_revoke_removes_only_the_named_grant(drive: LocalDrive) -> None:
    apply(drive, term_and_students())

    apply(drive, [RevokeGrant(JANE, TUTOR)])

    folders = listed(drive)
    assert folders[JANE].grants == (Grant(TEACHER, "writer"),)
    assert folders[JANE].ours == {token(TEACHER)}
    assert folders[OMAR].grants == (Grant(TUTOR, "writer"),)  # another folder is not touched


def test_forget_drops_the_record_and_leaves_the_grants(drive: LocalDrive, tmp_path: Path) -> None:
    apply(drive, term_and_students())

    apply(drive, [ForgetGrant(JANE, token(TUTOR))])

    jane = listed(drive)[JANE]
    assert jane.ours == {token(TEACHER)}
    assert len(jane.grants) == 2
    assert manifest(tmp_path, jane.url)["ours"] == [token(TEACHER)]


def test_change_role_sets_the_role_of_that_grant(drive: LocalDrive) -> None:
    apply(drive, term_and_students())

    apply(drive, [ChangeRole(JANE, TUTOR, "commenter")])

    jane = listed(drive)[JANE]
    assert jane.grants == (Grant(TEACHER, "writer"), Grant(TUTOR, "commenter"))
    assert jane.ours == {token(TUTOR), token(TEACHER)}


def test_sharing_again_replaces_the_grant_rather_than_adding_one(drive: LocalDrive) -> None:
    apply(drive, term_and_students())

    apply(drive, [ShareFolder(JANE, "TUTOR@school.org", "reader")])

    assert listed(drive)[JANE].grants == (Grant(TEACHER, "writer"), Grant(TUTOR, "reader"))


def test_a_change_that_leaves_the_manifest_as_it_was_does_not_rewrite_it(
    drive: LocalDrive, tmp_path: Path
) -> None:
    apply(drive, term_and_students())
    url = listed(drive)[JANE].url
    path = tmp_path / url / MANIFEST
    path.write_text(json.dumps(manifest(tmp_path, url)), "utf-8")  # saved by hand, unindented
    before = snapshot(tmp_path)

    apply(drive, [ShareFolder(JANE, TUTOR, "writer")])

    assert snapshot(tmp_path) == before


# --- Templates -----------------------------------------------------------------------------------


def test_a_template_is_copied_once_and_recorded(drive: LocalDrive, tmp_path: Path) -> None:
    write_template(tmp_path)
    apply(drive, term_and_students())
    copy = CopyTemplate(JANE, TEMPLATE, "Reading log - Jane Doe")

    apply(drive, [copy])
    apply(drive, [copy])

    jane = listed(drive)[JANE]
    folder = tmp_path / jane.url
    assert sorted(path.name for path in folder.iterdir()) == [
        MANIFEST,
        "Reading log - Jane Doe.xlsx",
    ]
    assert (folder / "Reading log - Jane Doe.xlsx").read_bytes() == b"template bytes"
    assert jane.templates == {token(TEMPLATE)}
    assert manifest(tmp_path, jane.url)["copies"] == {
        token(TEMPLATE): "Reading log - Jane Doe.xlsx"
    }


def test_a_copy_made_before_a_run_stopped_is_recorded_not_copied_again(
    drive: LocalDrive, tmp_path: Path
) -> None:
    write_template(tmp_path)
    apply(drive, term_and_students())
    folder = tmp_path / listed(drive)[JANE].url
    # What a run stopped between copying and recording leaves: the copy, and no record of it.
    (folder / "Reading log - Jane Doe.xlsx").write_bytes(b"edited by the tutor already")

    apply(drive, [CopyTemplate(JANE, TEMPLATE, "Reading log - Jane Doe")])

    assert sorted(path.name for path in folder.iterdir()) == [
        MANIFEST,
        "Reading log - Jane Doe.xlsx",
    ]
    assert (folder / "Reading log - Jane Doe.xlsx").read_bytes() == b"edited by the tutor already"
    assert listed(drive)[JANE].templates == {token(TEMPLATE)}


def test_a_copy_deleted_by_hand_still_counts_as_copied(drive: LocalDrive, tmp_path: Path) -> None:
    write_template(tmp_path)
    apply(drive, [*term_and_students(), CopyTemplate(JANE, TEMPLATE, "Reading log - Jane Doe")])
    folder = tmp_path / listed(drive)[JANE].url
    (folder / "Reading log - Jane Doe.xlsx").unlink()

    apply(drive, [CopyTemplate(JANE, TEMPLATE, "Reading log - Jane Doe")])

    assert listed(drive)[JANE].templates == {token(TEMPLATE)}
    assert not (folder / "Reading log - Jane Doe.xlsx").exists()


def test_a_copy_whose_record_was_lost_is_listed_while_its_file_is_there(
    drive: LocalDrive, tmp_path: Path
) -> None:
    write_template(tmp_path)
    apply(drive, [*term_and_students(), CopyTemplate(JANE, TEMPLATE, "Reading log - Jane Doe")])
    url = listed(drive)[JANE].url
    stored = manifest(tmp_path, url)
    stored["templates"] = []
    (tmp_path / url / MANIFEST).write_text(json.dumps(stored), "utf-8")

    assert listed(drive)[JANE].copies == {token(TEMPLATE)}
    assert listed(drive)[JANE].templates == frozenset()
    (tmp_path / url / "Reading log - Jane Doe.xlsx").unlink()
    assert listed(drive)[JANE].copies == frozenset()


def test_record_template_records_without_copying(drive: LocalDrive, tmp_path: Path) -> None:
    apply(drive, term_and_students())

    apply(drive, [RecordTemplate(JANE, token(TEMPLATE))])

    jane = listed(drive)[JANE]
    assert jane.templates == {token(TEMPLATE)}
    assert sorted(path.name for path in (tmp_path / jane.url).iterdir()) == [MANIFEST]


def test_a_missing_template_fails_that_change_only(drive: LocalDrive, tmp_path: Path) -> None:
    apply(drive, term_and_students())

    with pytest.raises(WorkspaceError, match="is not a file in the workspace folder") as raised:
        apply(
            drive,
            [
                CopyTemplate(JANE, "templates/missing.xlsx", "Log - Jane Doe"),
                ShareFolder(OMAR, TEACHER, "writer"),
            ],
        )

    assert JANE in str(raised.value)
    assert "Jane Doe" not in str(raised.value)
    assert listed(drive)[OMAR].grants == (Grant(TEACHER, "writer"), Grant(TUTOR, "writer"))


def test_a_template_outside_the_workspace_is_refused(drive: LocalDrive, tmp_path: Path) -> None:
    apply(drive, term_and_students())
    (tmp_path.parent / "outside.xlsx").write_bytes(b"not ours")

    with pytest.raises(WorkspaceError, match="not a path inside the workspace folder"):
        apply(drive, [CopyTemplate(JANE, "../outside.xlsx", "Log")])

    assert listed(drive)[JANE].templates == frozenset()


# --- Damaged, doubled and odd folders ------------------------------------------------------------


def test_two_directories_with_one_key_are_one_folder_with_duplicate_urls(
    drive: LocalDrive, tmp_path: Path
) -> None:
    apply(drive, term_and_students())
    term = tmp_path / "folders/2026-27"
    # Copied by hand, manifest and all (a folder dragged with Ctrl held, say).
    copy = term / "Doe, Jane (00123) copy"
    copy.mkdir()
    (copy / MANIFEST).write_bytes((term / "Doe, Jane (00123)" / MANIFEST).read_bytes())

    jane = listed(drive)[JANE]

    assert jane.url == "folders/2026-27/Doe, Jane (00123)"
    assert jane.duplicate_urls == ("folders/2026-27/Doe, Jane (00123) copy",)


def test_changes_go_to_the_first_of_duplicate_folders(drive: LocalDrive, tmp_path: Path) -> None:
    apply(drive, term_and_students())
    term = tmp_path / "folders/2026-27"
    copy = term / "Doe, Jane (00123) copy"
    copy.mkdir()
    (copy / MANIFEST).write_bytes((term / "Doe, Jane (00123)" / MANIFEST).read_bytes())

    apply(drive, [RevokeGrant(JANE, TUTOR)])

    assert len(manifest(tmp_path, "folders/2026-27/Doe, Jane (00123)")["grants"]) == 1
    assert len(manifest(tmp_path, "folders/2026-27/Doe, Jane (00123) copy")["grants"]) == 2


def test_apply_returns_the_first_of_duplicate_folders_as_a_listing_finds_it(
    drive: LocalDrive, tmp_path: Path
) -> None:
    apply(drive, term_and_students())
    term = tmp_path / "folders/2026-27"
    copy = term / "Doe, Jane (00123) copy"
    copy.mkdir()
    (copy / MANIFEST).write_bytes((term / "Doe, Jane (00123)" / MANIFEST).read_bytes())

    # The first moves into a folder whose name comes after the copy's: the copy is first now.
    urls = apply(
        drive, [CreateFolder(ARCHIVE, FolderKind.ARCHIVE, "Left", TERM), MoveFolder(JANE, ARCHIVE)]
    )

    assert urls[JANE] == listed(drive)[JANE].url == "folders/2026-27/Doe, Jane (00123) copy"


def test_a_corrupt_manifest_is_skipped_with_a_warning(
    drive: LocalDrive, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    apply(drive, term_and_students())
    (tmp_path / "folders/2026-27/Doe, Jane (00123)" / MANIFEST).write_text("{not json", "utf-8")

    with caplog.at_level(logging.DEBUG, logger="jobs.workspace.local.drive"):
        folders = listed(drive)

    assert set(folders) == {TERM, OMAR}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    # The warning says how many and where; the path, which names the student, is DEBUG only.
    assert len(warnings) == 1 and "1 folder(s)" in warnings[0] and "Doe" not in warnings[0]
    assert "Doe, Jane (00123)/.tutorsync-folder.json" in caplog.text


def test_a_manifest_with_a_wrong_field_is_skipped_too(
    drive: LocalDrive, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    apply(drive, term_and_students())
    path = tmp_path / "folders/2026-27/Ali, Omar (00456)" / MANIFEST
    stored = json.loads(path.read_bytes())
    path.write_text(json.dumps({**stored, "kind": "classroom"}), "utf-8")

    with caplog.at_level(logging.DEBUG, logger="jobs.workspace.local.drive"):
        folders = listed(drive)

    assert set(folders) == {TERM, JANE}
    assert "'classroom' is not a kind of folder" in caplog.text


def test_fields_added_by_someone_else_are_kept(drive: LocalDrive, tmp_path: Path) -> None:
    apply(drive, term_and_students())
    path = tmp_path / "folders/2026-27/Doe, Jane (00123)" / MANIFEST
    path.write_text(json.dumps({**json.loads(path.read_bytes()), "note": "keep me"}), "utf-8")

    apply(drive, [RevokeGrant(JANE, TUTOR)])

    stored = json.loads(path.read_bytes())
    assert stored["note"] == "keep me"
    assert stored["ours"] == [token(TEACHER)]


def test_an_empty_directory_left_by_a_stopped_run_is_reused(
    drive: LocalDrive, tmp_path: Path
) -> None:
    apply(drive, [CreateFolder(TERM, FolderKind.TERM, "2026-27", ROOT)])
    (tmp_path / "folders/2026-27/Doe, Jane (00123)").mkdir()  # made, manifest never written

    apply(drive, [CreateFolder(JANE, FolderKind.STUDENT, "Doe, Jane (00123)", TERM, "00123")])

    assert listed(drive)[JANE].url == "folders/2026-27/Doe, Jane (00123)"
    assert sorted(path.name for path in (tmp_path / "folders/2026-27").iterdir()) == [
        MANIFEST,
        "Doe, Jane (00123)",
    ]


def test_a_directory_holding_only_a_manifest_being_written_when_a_run_stopped_is_reused(
    drive: LocalDrive, tmp_path: Path
) -> None:
    apply(drive, [CreateFolder(TERM, FolderKind.TERM, "2026-27", ROOT)])
    stopped = tmp_path / "folders/2026-27/Doe, Jane (00123)"
    stopped.mkdir()
    (stopped / f".{MANIFEST}.tutorsync-tmp-999999").write_text('{"key": "student:2026', "utf-8")

    apply(drive, [CreateFolder(JANE, FolderKind.STUDENT, "Doe, Jane (00123)", TERM, "00123")])

    assert listed(drive)[JANE].url == "folders/2026-27/Doe, Jane (00123)"
    assert not (tmp_path / "folders/2026-27/Doe, Jane (00123) (2)").exists()


def test_a_folder_whose_manifest_cannot_be_written_is_not_made_nor_anything_in_it(
    drive: LocalDrive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace

    def full_for_the_term(source: object, target: object) -> None:
        if Path(str(target)).parent.name == "2026-27":
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", full_for_the_term)
    with pytest.raises(WorkspaceError) as raised:
        apply(drive, term_and_students())

    message = str(raised.value)
    assert f"{TERM}: creating the folder: its {MANIFEST} could not be written" in message
    assert f"{JANE}: creating the folder: its parent folder {TERM}" in message
    assert f"{JANE}: sharing with {TUTOR}: the folder could not be created" in message
    assert listed(drive) == {}
    assert list((tmp_path / "folders").iterdir()) == []


def test_a_name_taken_by_someone_elses_directory_gets_a_number(
    drive: LocalDrive, tmp_path: Path
) -> None:
    apply(drive, [CreateFolder(TERM, FolderKind.TERM, "2026-27", ROOT)])
    theirs = tmp_path / "folders/2026-27/Doe, Jane (00123)"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("a teacher's own notes", "utf-8")

    apply(drive, [CreateFolder(JANE, FolderKind.STUDENT, "Doe, Jane (00123)", TERM, "00123")])

    assert listed(drive)[JANE].url == "folders/2026-27/Doe, Jane (00123) (2)"
    assert sorted(path.name for path in theirs.iterdir()) == ["notes.txt"]


def test_creating_a_folder_that_exists_leaves_it_alone(drive: LocalDrive, tmp_path: Path) -> None:
    apply(drive, term_and_students())
    before = snapshot(tmp_path)

    apply(drive, [CreateFolder(JANE, FolderKind.STUDENT, "Doe, Jane (00123)", TERM, "00123")])

    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("name", "directory"),
    [
        ("Doe/Jane: 7/8 (00123)", "Doe_Jane_ 7_8 (00123)"),
        ('What? <a|b> "c" *d\\e', "What_ _a_b_ _c_ _d_e"),
        ("Trailing dots... ", "Trailing dots"),
        ("..", "_"),
        ("CON", "_CON"),
        ("x" * 300, "x" * 150),
    ],
)
def test_directory_names_are_made_safe(
    drive: LocalDrive, tmp_path: Path, name: str, directory: str
) -> None:
    apply(drive, [CreateFolder(TERM, FolderKind.TERM, name, ROOT)])

    assert listed(drive)[TERM].url == f"folders/{directory}"
    assert (tmp_path / "folders" / directory / MANIFEST).is_file()


# --- Failures ------------------------------------------------------------------------------------


def test_a_missing_root_is_a_workspace_error_saying_what_to_do(tmp_path: Path) -> None:
    drive = LocalDrive(tmp_path)

    with pytest.raises(WorkspaceError, match=r"does not exist.*create it, or set folders\.root"):
        drive.list_folders("folders", PROGRAM)
    with pytest.raises(WorkspaceError, match="does not exist"):
        drive.apply("folders", PROGRAM, term_and_students(), notify=False)
    assert list(tmp_path.iterdir()) == []


def test_a_root_that_is_a_file_is_a_workspace_error(tmp_path: Path) -> None:
    (tmp_path / "folders").write_text("not a folder", "utf-8")

    with pytest.raises(WorkspaceError, match="is a file, not a folder"):
        LocalDrive(tmp_path).list_folders("folders", PROGRAM)


@pytest.mark.parametrize("root", ["../elsewhere", "/tmp", "folders/../../elsewhere", ""])
def test_a_root_outside_the_workspace_is_refused(drive: LocalDrive, root: str) -> None:
    with pytest.raises(WorkspaceError, match="not a path inside the workspace folder"):
        drive.list_folders(root, PROGRAM)


def test_a_failed_change_is_reported_after_the_others_were_made(drive: LocalDrive) -> None:
    apply(drive, term_and_students())

    with pytest.raises(WorkspaceError) as raised:
        apply(
            drive,
            [
                ShareFolder("student:2026-27:99999", TUTOR, "writer"),
                RevokeGrant(JANE, TUTOR),
                MoveFolder(OMAR, "archive:never-made"),
            ],
        )

    message = str(raised.value)
    assert "student:2026-27:99999: sharing with tutor@school.org: no folder has this key" in message
    assert f"{OMAR}: moving it into archive:never-made: its parent folder" in message
    assert listed(drive)[JANE].grants == (Grant(TEACHER, "writer"),)


def test_a_folder_whose_parent_was_not_created_fails_with_it(drive: LocalDrive) -> None:
    with pytest.raises(WorkspaceError) as raised:
        apply(
            drive,
            [
                CreateFolder(JANE, FolderKind.STUDENT, "Doe, Jane (00123)", TERM, "00123"),
                ShareFolder(JANE, TUTOR, "writer"),
                CreateFolder(OMAR, FolderKind.STUDENT, "Ali, Omar (00456)", ROOT, "00456"),
            ],
        )

    assert f"{JANE}: creating the folder: its parent folder {TERM}" in str(raised.value)
    assert f"{JANE}: sharing with {TUTOR}: the folder could not be created" in str(raised.value)
    assert set(listed(drive)) == {OMAR}


# --- Links ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spreadsheet", "link"),
    [
        ("coordinator.xlsx", "folders/2026-27/Doe, Jane (00123)"),
        ("reports/coordinator.xlsx", "../folders/2026-27/Doe, Jane (00123)"),
        ("folders/2026-27/summary.xlsx", "Doe, Jane (00123)"),
        ("calendars/check-ins.ics", "../folders/2026-27/Doe, Jane (00123)"),
    ],
)
def test_a_link_is_the_folder_path_relative_to_the_spreadsheet(
    drive: LocalDrive, spreadsheet: str, link: str
) -> None:
    url = apply(drive, term_and_students())[JANE]

    assert drive.link(url, from_spreadsheet=spreadsheet) == link


def test_begin_apply_returns_every_copy_it_made_as_the_listing_shows_it(
    drive: LocalDrive, tmp_path: Path
) -> None:
    write_template(tmp_path)
    changes = [
        *term_and_students(),
        CopyTemplate(JANE, TEMPLATE, "Reading log - Jane Doe"),
        CopyTemplate(OMAR, TEMPLATE, "Reading log - Omar Ali"),
    ]

    pending = drive.begin_apply("folders", PROGRAM, changes, notify=False, background=True)

    found = {
        (folder.key, copy.template_token): copy
        for folder in listed(drive).values()
        for copy in folder.copy_files
    }
    assert pending.copies == found
    assert set(found) == {(JANE, token(TEMPLATE)), (OMAR, token(TEMPLATE))}
    assert pending.copies[(JANE, token(TEMPLATE))].url == (
        "folders/2026-27/Doe, Jane (00123)/Reading log - Jane Doe.xlsx"
    )
    # Already copied: nothing made, nothing returned (the listing links it).
    again = drive.begin_apply("folders", PROGRAM, changes, notify=False, background=False)
    assert again.copies == {}


def test_an_apply_that_fails_returns_no_copy(drive: LocalDrive, tmp_path: Path) -> None:
    write_template(tmp_path)
    changes = [
        *term_and_students(),
        CopyTemplate(JANE, TEMPLATE, "Reading log - Jane Doe"),
        CopyTemplate(OMAR, "templates/missing.xlsx", "Missing - Omar Ali"),
    ]

    pending = drive.begin_apply("folders", PROGRAM, changes, notify=False, background=False)

    with pytest.raises(WorkspaceError):
        pending.wait()
    assert pending.copies == {}
