"""The Drive adapter on the fake, through the real googleapiclient: folders found by their tags,
reruns that write nothing, grants tutorsync did not make left alone, recovery from lost
replies, batching, and errors a coordinator can act on. Most tests run with the root folder
in My Drive and in a shared drive (where listings carry no permissions)."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from fake_google.fake_drive import FAKE_OWNER
from google.oauth2 import credentials as user_credentials

from jobs.errors import FoldersChanged, WorkspaceError
from jobs.model.drive import (
    COPY_KIND,
    COPYING_PROPERTY,
    FOLDER_PROPERTY,
    GRANTS_PROPERTY,
    KIND_PROPERTY,
    PROGRAM_PROPERTY,
    ROOT,
    TEMPLATE_PROPERTY,
    TEMPLATES_PROPERTY,
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
    TemplateCopy,
    chunk_tokens,
    read_tokens,
    token,
)
from jobs.settings import parse
from jobs.workspace.google import drive as drive_module
from jobs.workspace.google.drive import GoogleDrive, answered_copy, folder_id, template_id
from jobs.workspace.google.scopes import DRIVE, DRIVE_FILE, SPREADSHEETS
from jobs.workspace.google.transport import PacedSession, RetryPolicy
from jobs.workspace.google.workspace import GoogleWorkspace

pytestmark = pytest.mark.slow  # every test drives the fake Google server

PROGRAM = "spring-2027"
TERM = "term:2026-27"
ARCHIVE = "archive:2026-27"
DOC = "application/vnd.google-apps.document"
SLIDES = "application/vnd.google-apps.presentation"
PDF = "application/pdf"
WRITES = (
    "drive.files.create",
    "drive.files.update",
    "drive.files.copy",
    "drive.files.generateIds",
    "drive.permissions.create",
    "drive.permissions.update",
    "drive.permissions.delete",
)


def student_key(number: int) -> str:
    return f"student:2026-27:{number:05d}"


def tutor(number: int) -> str:
    return f"tutor{number:03d}@school.org"


def teacher(number: int) -> str:
    return f"teacher{number % 7}@school.org"


def wanted_changes(folders: Sequence[Folder], students: Iterable[int]) -> list[FolderChange]:
    """What the folders job would plan for these students (each shared with their tutor and
    teacher as writers), given the folders as listed: only what is missing."""
    by_key = {folder.key: folder for folder in folders}
    changes: list[FolderChange] = []
    if TERM not in by_key:
        changes.append(CreateFolder(TERM, FolderKind.TERM, "2026-27", ROOT))
    for number in students:
        key = student_key(number)
        folder = by_key.get(key)
        if folder is None:
            name = f"Student {number:05d}"
            changes.append(CreateFolder(key, FolderKind.STUDENT, name, TERM, f"{number:05d}"))
        have = {g.email for g in folder.grants if not g.inherited} if folder else set()
        for email in (tutor(number), teacher(number)):
            if email not in have:
                changes.append(ShareFolder(key, email, "writer"))
    return changes


def write_counts(fake) -> dict[str, int]:
    counts = fake.counts()
    return {method: counts[method] for method in WRITES if counts[method]}


def batch_sizes(fake) -> list[int]:
    """Calls per Drive batch request, in order (the fake records a batch after its parts)."""
    sizes, parts = [], 0
    for recorded in fake.requests:
        if recorded.in_batch:
            parts += 1
        elif recorded.method_id == "drive.batch":
            sizes.append(parts)
            parts = 0
    return sizes


@pytest.fixture
def session(tmp_path: Path, google_workspace_settings: dict) -> PacedSession:
    """The session the folders job gets (the drive scope), its backoff made instant."""
    config = {
        "program": {"name": "Folders"},
        "workspace": copy.deepcopy(google_workspace_settings),
        "sources": {
            "roster": {"spreadsheet": "unused-spreadsheet-id", "tab": "Roster"},
            "tutor_logs": [{"spreadsheet": "unused-spreadsheet-id", "tabs": ["Log"]}],
        },
        "outputs": {"coordinator_spreadsheet": "unused-spreadsheet-id"},
    }
    # Unpaced: these tests send hundreds of Drive calls (pacing has its own tests).
    config["workspace"]["google"]["quotas"]["drive"] = 600_000
    workspace = GoogleWorkspace(parse(config, config_dir=tmp_path), jobs=("folders",))
    workspace.session.retry = RetryPolicy(base_seconds=0.0, cap_seconds=0.0)
    return workspace.session


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def drive(session: PacedSession, sleeps: list[float]) -> GoogleDrive:
    return GoogleDrive(session, sleep=sleeps.append)


@pytest.fixture(params=["my-drive", "shared-drive"])
def root(request: pytest.FixtureRequest, fake_google) -> str:
    """The configured root folder: in My Drive, or in a shared drive. In My Drive tutorsync
    acts as a person (signed in with OAuth, or a service account delegated to them): a
    service account acting as itself owns nothing, and may create only in shared drives."""
    if request.param == "my-drive":
        as_a_person(fake_google)
        return fake_google.drive.add_folder("Tutoring")
    drive_id = fake_google.drive.add_shared_drive("Tutoring")
    return fake_google.drive.add_folder("Student folders", parents=[drive_id])


def as_a_person(fake) -> None:
    fake.drive.caller = "signed.in@school.org"
    fake.drive.caller_is_service_account = False


def create(drive: GoogleDrive, root: str, students: Iterable[int], **kwargs) -> dict[str, str]:
    folders = drive.list_folders(root, PROGRAM)
    changes = wanted_changes(folders, students)
    return drive.apply(root, PROGRAM, changes, notify=kwargs.get("notify", False))


def listed(drive: GoogleDrive, root: str) -> dict[str, Folder]:
    return {folder.key: folder for folder in drive.list_folders(root, PROGRAM)}


def file_of(fake, url: str) -> dict:
    return fake.drive.file(url.rsplit("/", 1)[1])


def direct(folder: Folder) -> dict[str, str]:
    """The folder's own grants to people, email -> role (no inherited, no owner)."""
    return {
        g.email: g.role
        for g in folder.grants
        if not g.inherited and g.kind == "user" and g.role != "owner"
    }


# --- Creating, listing, rerunning ---------------------------------------------------------------


def test_sixty_students_are_created_and_shared_in_one_apply_and_listed_back(
    drive, root, fake_google
):
    fake_google.reset_log()

    urls = create(drive, root, range(60))

    counts = fake_google.counts()
    assert counts["drive.files.generateIds"] == 1
    assert counts["drive.files.create"] == 61
    assert counts["drive.permissions.create"] == 120
    # apply reuses the listing, and looks again, by tags alone, only because it creates: in
    # the batch that takes the new IDs
    assert counts["drive.files.list"] == 2
    assert counts["drive.batch"] == 5  # IDs and that look, the term folder, 60 students,
    # 2 x 60 shares
    top_level = [r.method_id for r in fake_google.requests if not r.in_batch]
    assert top_level == ["drive.files.get", "drive.files.list", *["drive.batch"] * 5]
    assert sorted(urls) == sorted([TERM, *(student_key(n) for n in range(60))])
    folders = listed(drive, root)
    assert set(folders) == set(urls)
    term = folders[TERM]
    assert (term.kind, term.name, term.parent_key, term.url) == (
        FolderKind.TERM,
        "2026-27",
        ROOT,
        urls[TERM],
    )
    ana = folders[student_key(7)]
    assert (ana.kind, ana.name, ana.parent_key, ana.student_id) == (
        FolderKind.STUDENT,
        "Student 00007",
        TERM,
        "00007",
    )
    assert direct(ana) == {tutor(7): "writer", teacher(7): "writer"}
    assert ana.ours == {token(tutor(7)), token(teacher(7))}
    assert (
        ana.url == f"https://drive.google.com/drive/folders/{file_of(fake_google, ana.url)['id']}"
    )
    assert not ana.trashed and ana.duplicate_urls == () and ana.templates == frozenset()
    assert fake_google.rejections == []


def test_a_rerun_lists_once_and_writes_nothing(drive, root, fake_google):
    create(drive, root, range(60))
    fake_google.reset_log()

    create(drive, root, range(60))

    assert write_counts(fake_google) == {}
    if "driveId" in fake_google.drive.file(root):
        # Listings carry no permissions in a shared drive: 61 reads in one batch request.
        assert fake_google.counts() == {
            "drive.files.get": 1,
            "drive.files.list": 1,
            "drive.batch": 1,
            "drive.permissions.list": 61,
        }
    else:
        assert fake_google.counts() == {"drive.files.get": 1, "drive.files.list": 1}


def test_a_listing_for_links_alone_reads_no_permissions_and_is_not_reused(drive, root, fake_google):
    urls = create(drive, root, [1, 2])
    fake_google.reset_log()

    folders = {f.key: f for f in drive.list_folders(root, PROGRAM, grants=False)}

    assert {key: f.url for key, f in folders.items()} == urls
    assert fake_google.counts()["drive.permissions.list"] == 0
    fake_google.reset_log()
    share = ShareFolder(student_key(1), "coach@school.org", "reader")
    drive.apply(root, PROGRAM, [share], notify=False)
    assert fake_google.counts()["drive.files.list"] == 1  # apply listed again, grants and all
    assert direct(listed(drive, root)[student_key(1)])["coach@school.org"] == "reader"


def test_apply_without_a_listing_lists_first(drive, root, fake_google):
    changes = wanted_changes([], [1])
    fake_google.reset_log()

    urls = drive.apply(root, PROGRAM, changes, notify=False)

    assert fake_google.counts()["drive.files.list"] == 1
    assert set(urls) == {TERM, student_key(1)}


def test_a_renamed_folder_is_still_found_by_its_key(drive, root, fake_google):
    urls = create(drive, root, [1])
    files = fake_google.build("drive").files()
    file_id = file_of(fake_google, urls[student_key(1)])["id"]
    files.update(fileId=file_id, body={"name": "Ana (renamed)"}, supportsAllDrives=True).execute()
    fake_google.reset_log()

    folders = listed(drive, root)
    again = wanted_changes(list(folders.values()), [1])

    assert folders[student_key(1)].name == "Ana (renamed)"
    assert again == []
    assert len([f for f in fake_google.drive.files() if f["name"].startswith("Ana")]) == 1


def test_trashed_folders_are_listed_as_trashed(drive, root, fake_google):
    urls = create(drive, root, [1])
    file_id = file_of(fake_google, urls[student_key(1)])["id"]
    fake_google.build("drive").files().update(
        fileId=file_id, body={"trashed": True}, supportsAllDrives=True
    ).execute()

    folders = listed(drive, root)

    assert folders[student_key(1)].trashed
    assert not folders[TERM].trashed


def test_the_root_may_be_given_by_its_url(drive, root, fake_google):
    url = f"https://drive.google.com/drive/folders/{root}?usp=sharing"

    urls = create(drive, url, [1])

    assert set(listed(drive, root)) == set(urls)
    term = fake_google.drive.file(file_of(fake_google, urls[TERM])["id"])
    assert term["parents"] == [root]


def test_other_programs_and_untagged_folders_are_not_listed(drive, root, fake_google):
    fake_google.drive.add_folder("Untagged", parents=[root])
    drive.apply(root, "other-program", wanted_changes([], [1]), notify=False)

    assert listed(drive, root) == {}


# --- Grants ---------------------------------------------------------------------------------------


def test_a_grant_made_by_hand_is_listed_but_not_as_ours_and_survives_a_revoke(
    drive, root, fake_google
):
    urls = create(drive, root, [1])
    file_id = file_of(fake_google, urls[student_key(1)])["id"]
    fake_google.drive.add_permission(file_id, "Parent@Home.org", "reader")

    folder = listed(drive, root)[student_key(1)]
    drive.apply(root, PROGRAM, [RevokeGrant(folder.key, tutor(1))], notify=False)

    assert Grant("parent@home.org", "reader") in folder.grants
    assert token("parent@home.org") not in folder.ours
    after = listed(drive, root)[student_key(1)]
    assert direct(after) == {"parent@home.org": "reader", teacher(1): "writer"}
    assert after.ours == {token(teacher(1))}


def test_revoke_change_role_and_forget_end_with_one_update_per_folder(drive, root, fake_google):
    urls = create(drive, root, [1, 2])
    permissions = fake_google.build("drive").permissions()
    second = file_of(fake_google, urls[student_key(2)])["id"]
    removed = next(
        p["id"] for p in fake_google.drive.permissions(second) if p.get("emailAddress") == tutor(2)
    )
    permissions.delete(fileId=second, permissionId=removed, supportsAllDrives=True).execute()
    folders = listed(drive, root)
    fake_google.reset_log()

    drive.apply(
        root,
        PROGRAM,
        [
            RevokeGrant(student_key(1), tutor(1)),
            ChangeRole(student_key(1), teacher(1), "commenter"),
            ForgetGrant(student_key(2), token(tutor(2))),
        ],
        notify=False,
    )

    assert write_counts(fake_google) == {
        "drive.permissions.delete": 1,
        "drive.permissions.update": 1,
        "drive.files.update": 2,
    }
    after = listed(drive, root)
    assert folders[student_key(2)].ours == {token(tutor(2)), token(teacher(2))}
    assert direct(after[student_key(1)]) == {teacher(1): "commenter"}
    assert after[student_key(1)].ours == {token(teacher(1))}
    assert after[student_key(2)].ours == {token(teacher(2))}


def test_revoking_a_grant_already_removed_only_drops_it_from_the_record(drive, root, fake_google):
    urls = create(drive, root, [1])
    file_id = file_of(fake_google, urls[student_key(1)])["id"]
    folders = listed(drive, root)
    permission = next(
        p for p in fake_google.drive.permissions(file_id) if p.get("emailAddress") == tutor(1)
    )
    fake_google.build("drive").permissions().delete(
        fileId=file_id, permissionId=permission["id"], supportsAllDrives=True
    ).execute()
    fake_google.reset_log()

    drive.apply(root, PROGRAM, [RevokeGrant(student_key(1), tutor(1))], notify=False)

    assert folders[student_key(1)].ours == {token(tutor(1)), token(teacher(1))}
    statuses = [(r.method_id, r.status) for r in fake_google.requests if r.in_batch]
    assert statuses == [("drive.permissions.delete", 404), ("drive.files.update", 200)]
    assert listed(drive, root)[student_key(1)].ours == {token(teacher(1))}


def test_new_grants_are_recorded_before_they_are_made(drive, root, fake_google):
    create(drive, root, [1])
    listed(drive, root)
    fake_google.reset_log()

    drive.apply(
        root, PROGRAM, [ShareFolder(student_key(1), "Coach@School.org", "reader")], notify=False
    )

    in_batch = [(r.method_id, r.body) for r in fake_google.requests if r.in_batch]
    (update, update_body), (share, share_body) = in_batch
    assert (update, share) == ("drive.files.update", "drive.permissions.create")
    assert token("coach@school.org") in read_tokens(update_body["properties"], GRANTS_PROPERTY)
    assert share_body == {"type": "user", "role": "reader", "emailAddress": "coach@school.org"}
    assert direct(listed(drive, root)[student_key(1)])["coach@school.org"] == "reader"


def test_a_failed_record_means_no_grant(drive, root, fake_google):
    create(drive, root, [1])
    listed(drive, root)
    fake_google.faults.fail(403, method="drive.files.update")

    with pytest.raises(WorkspaceError) as raised:
        drive.apply(
            root, PROGRAM, [ShareFolder(student_key(1), "coach@school.org", "reader")], notify=False
        )

    assert f"share {student_key(1)} with coach@school.org" in str(raised.value)
    assert fake_google.counts()["drive.permissions.create"] == 2  # only the first run's
    assert "coach@school.org" not in direct(listed(drive, root)[student_key(1)])


def test_many_grants_spread_over_several_properties_and_shrink_back(drive, root, fake_google):
    create(drive, root, [1])
    coaches = [f"coach{n:02d}@school.org" for n in range(30)]
    listed(drive, root)
    drive.apply(
        root, PROGRAM, [ShareFolder(student_key(1), c, "reader") for c in coaches], notify=False
    )
    folder = listed(drive, root)[student_key(1)]
    stored = file_of(fake_google, folder.url)["properties"]
    assert len([k for k in stored if k.startswith(GRANTS_PROPERTY)]) >= 3
    assert all(len(k) + len(v) <= 124 for k, v in stored.items())

    drive.apply(root, PROGRAM, [RevokeGrant(student_key(1), c) for c in coaches], notify=False)

    after = listed(drive, root)[student_key(1)]
    assert after.ours == {token(tutor(1)), token(teacher(1))}
    stored = file_of(fake_google, after.url)["properties"]
    assert [k for k in stored if k.startswith(GRANTS_PROPERTY)] == [GRANTS_PROPERTY]


def test_notify_false_sends_no_email_and_notify_true_does(drive, root, fake_google):
    create(drive, root, [1], notify=False)
    assert fake_google.drive.notifications == []

    create(drive, root, [1, 2], notify=True)

    assert sorted(n["emailAddress"] for n in fake_google.drive.notifications) == [
        teacher(2),
        tutor(2),
    ]


def test_grants_inherited_from_above_are_listed_as_inherited(drive, root, fake_google):
    urls = create(drive, root, [1])
    term_id = file_of(fake_google, urls[TERM])["id"]
    fake_google.drive.add_permission(term_id, "coordinator@school.org", "writer")

    folder = listed(drive, root)[student_key(1)]

    assert Grant("coordinator@school.org", "writer", "user", inherited=True) in folder.grants
    assert direct(folder) == {tutor(1): "writer", teacher(1): "writer"}


def test_a_shared_drives_members_are_inherited_grants_of_its_folders(drive, fake_google):
    drive_id = fake_google.drive.add_shared_drive("Tutoring")
    fake_google.drive.add_permission(drive_id, "principal@school.org", "organizer")

    create(drive, drive_id, [1])  # the shared drive itself is the root

    folder = listed(drive, drive_id)[student_key(1)]
    assert folder.parent_key == TERM
    assert Grant("principal@school.org", "organizer", "user", inherited=True) in folder.grants
    # tutorsync's own account is a member too (as Drive lists it), but not a person's access.
    assert FAKE_OWNER in {p["emailAddress"] for p in fake_google.drive.permissions(drive_id)}
    assert FAKE_OWNER not in {grant.email for grant in folder.grants}


def test_permissions_of_shared_drive_folders_are_read_in_pages(drive, fake_google):
    drive_id = fake_google.drive.add_shared_drive("Tutoring")
    urls = create(drive, drive_id, [1])
    file_id = file_of(fake_google, urls[student_key(1)])["id"]
    for n in range(150):
        fake_google.drive.add_permission(file_id, f"reader{n:03d}@school.org", "reader")
    fake_google.reset_log()

    folder = listed(drive, drive_id)[student_key(1)]

    assert len(direct(folder)) == 152
    lists = [r for r in fake_google.requests if r.method_id == "drive.permissions.list"]
    assert len(lists) == 3  # the term folder, then two pages of the student's
    assert all(r.in_batch for r in lists)


def test_a_folder_shared_with_hundreds_reads_its_next_pages_in_batches_sent_anyway(
    drive, fake_google
):
    drive_id = fake_google.drive.add_shared_drive("Tutoring")
    urls = create(drive, drive_id, range(150))
    file_id = file_of(fake_google, urls[student_key(0)])["id"]
    for n in range(250):
        fake_google.drive.add_permission(file_id, f"reader{n:03d}@school.org", "reader")
    fake_google.reset_log()

    folder = listed(drive, drive_id)[student_key(0)]

    assert len(direct(folder)) == 252
    assert fake_google.counts()["drive.permissions.list"] == 151 + 2  # two more pages
    # Page 2 rides with the first pages left after the first batch; only page 3 is alone.
    # (Read in rounds, every folder's first page, then each next page, it took 4.)
    assert batch_sizes(fake_google) == [100, 52, 1]


def test_permissions_that_cannot_be_read_fail_the_listing_naming_the_folder(drive, fake_google):
    drive_id = fake_google.drive.add_shared_drive("Tutoring")
    create(drive, drive_id, [1])
    fake_google.faults.fail(403, method="drive.permissions.list", times=2)

    with pytest.raises(WorkspaceError) as raised:
        drive.list_folders(drive_id, PROGRAM)

    message = str(raised.value)
    assert "could not read who has access to 2 folder(s)" in message
    assert student_key(1) in message and "a Manager of the shared drive" in message


# --- Moving and copying ---------------------------------------------------------------------


def test_a_folder_is_moved_into_an_archive_created_in_the_same_apply(drive, root, fake_google):
    urls = create(drive, root, [1, 2])
    listed(drive, root)
    fake_google.reset_log()

    after = drive.apply(
        root,
        PROGRAM,
        [
            CreateFolder(ARCHIVE, FolderKind.ARCHIVE, "Archived", TERM),
            MoveFolder(student_key(2), ARCHIVE),
        ],
        notify=False,
    )

    folders = listed(drive, root)
    assert folders[ARCHIVE].parent_key == TERM
    assert folders[student_key(2)].parent_key == ARCHIVE
    assert folders[student_key(1)].parent_key == TERM
    assert after[student_key(2)] == urls[student_key(2)]
    (update,) = [r for r in fake_google.requests if r.method_id == "drive.files.update"]
    archive_id = file_of(fake_google, after[ARCHIVE])["id"]
    term_id = file_of(fake_google, urls[TERM])["id"]
    assert update.query["addParents"] == [archive_id]
    assert update.query["removeParents"] == [term_id]


def test_a_template_is_copied_once_and_a_deleted_copy_stays_recorded(drive, root, fake_google):
    template = fake_google.drive.add_file("Reading log", DOC)
    reference = f"https://docs.google.com/document/d/{template}/edit"
    urls = create(drive, root, [1, 2])
    listed(drive, root)
    copies = [CopyTemplate(student_key(n), reference, f"Reading log - {n}") for n in (1, 2)]

    drive.apply(root, PROGRAM, copies, notify=False)

    made = [
        f
        for f in fake_google.drive.files()
        if f.get("properties", {}).get(KIND_PROPERTY) == COPY_KIND
    ]
    assert sorted(f["name"] for f in made) == ["Reading log - 1", "Reading log - 2"]
    first = next(f for f in made if f["name"] == "Reading log - 1")
    assert first["parents"] == [file_of(fake_google, urls[student_key(1)])["id"]]
    assert first["properties"] == {
        PROGRAM_PROPERTY: PROGRAM,
        KIND_PROPERTY: COPY_KIND,
        FOLDER_PROPERTY: student_key(1),
        TEMPLATE_PROPERTY: token(reference),
    }
    folder = listed(drive, root)[student_key(1)]
    assert folder.templates == {token(reference)}
    recorded = file_of(fake_google, folder.url)["properties"]
    assert read_tokens(recorded, TEMPLATES_PROPERTY) == {token(reference)}

    fake_google.build("drive").files().delete(fileId=first["id"], supportsAllDrives=True).execute()

    assert listed(drive, root)[student_key(1)].templates == {token(reference)}


def new_folders_with_copies(folders: Sequence[Folder], template: str) -> list[FolderChange]:
    """Student 1's folder (and the term's) made, with a copy of `template` in it."""
    return [
        *wanted_changes(folders, [1]),
        CopyTemplate(student_key(1), template, "Plan - 1"),
    ]


def test_a_folder_made_with_its_copy_records_it_as_it_is_made(drive, root, fake_google):
    template = fake_google.drive.add_file("Plan", PDF)
    changes = new_folders_with_copies(list(listed(drive, root).values()), template)

    drive.apply(root, PROGRAM, changes, notify=False)

    # The folder records the copy (with its ID) when it is created: no files.update after.
    assert "drive.files.update" not in write_counts(fake_google)
    folder = listed(drive, root)[student_key(1)]
    assert folder.templates == {token(template)}
    [made] = folder.copy_files
    stored = file_of(fake_google, folder.url)["properties"]
    assert read_tokens(stored, COPYING_PROPERTY) == {f"{token(template)}={made.url.split('/')[-2]}"}
    fake_google.reset_log()
    assert listed(drive, root)[student_key(1)].templates == {token(template)}
    assert write_counts(fake_google) == {}


def test_a_folder_made_with_many_copies_keeps_each_record_within_drives_124_bytes(
    drive, root, fake_google
):
    templates = [fake_google.drive.add_file(f"Plan {n}", PDF) for n in range(5)]
    changes = [
        *wanted_changes(list(listed(drive, root).values()), [1]),
        *(CopyTemplate(student_key(1), t, f"Plan {n} - 1") for n, t in enumerate(templates)),
    ]

    drive.apply(root, PROGRAM, changes, notify=False)  # the fake refuses a property too long

    folder = listed(drive, root)[student_key(1)]
    assert folder.templates == {token(t) for t in templates}
    stored = file_of(fake_google, folder.url)["properties"]
    assert len(read_tokens(stored, COPYING_PROPERTY)) == 5
    assert sum(name.startswith(COPYING_PROPERTY) for name in stored) == 3  # two a property


def test_a_copy_its_folder_recorded_but_a_stopped_run_never_made_is_made_with_that_id(
    drive, root, fake_google
):
    template = fake_google.drive.add_file("Plan", PDF)
    changes = new_folders_with_copies(list(listed(drive, root).values()), template)
    # The folders are made and the copy is not (as if the run had stopped before it).
    fake_google.faults.fail(404, method="drive.files.copy", reason="notFound")
    with pytest.raises(WorkspaceError):
        drive.apply(root, PROGRAM, changes, notify=False)
    fake_google.faults.clear()
    folder = listed(drive, root)[student_key(1)]
    [recorded_id] = [
        entry.split("=")[1]
        for entry in read_tokens(file_of(fake_google, folder.url)["properties"], COPYING_PROPERTY)
    ]
    assert folder.templates == frozenset() and folder.copies == frozenset()
    fake_google.reset_log()

    drive.apply(root, PROGRAM, [CopyTemplate(folder.key, template, "Plan - 1")], notify=False)

    [copied] = [r for r in fake_google.requests if r.method_id == "drive.files.copy"]
    assert copied.body["id"] == recorded_id and "drive.files.generateIds" not in write_counts(
        fake_google
    )
    folder = listed(drive, root)[student_key(1)]
    stored = file_of(fake_google, folder.url)["properties"]
    assert read_tokens(stored, TEMPLATES_PROPERTY) == {token(template)}
    assert read_tokens(stored, COPYING_PROPERTY) == frozenset()


def test_a_copy_put_in_the_trash_is_recorded_and_never_made_again(drive, root, fake_google):
    template = fake_google.drive.add_file("Plan", PDF)
    changes = new_folders_with_copies(list(listed(drive, root).values()), template)
    drive.apply(root, PROGRAM, changes, notify=False)
    folder = listed(drive, root)[student_key(1)]
    [made] = folder.copy_files
    files = fake_google.build("drive").files()
    made_id = made.url.split("/")[-2]
    files.update(fileId=made_id, body={"trashed": True}, supportsAllDrives=True).execute()

    trashed = listed(drive, root)[student_key(1)]
    # In the trash, the copy is recorded as copied (RecordTemplate, as the planner plans it).
    assert trashed.templates == frozenset() and trashed.copies == {token(template)}
    drive.apply(root, PROGRAM, [RecordTemplate(folder.key, token(template))], notify=False)
    files.delete(fileId=made_id, supportsAllDrives=True).execute()  # the trash emptied

    assert listed(drive, root)[student_key(1)].templates == {token(template)}


def test_a_copy_found_but_not_recorded_is_listed_and_record_template_records_it(
    drive, root, fake_google
):
    template = fake_google.drive.add_file("Reading log", DOC)
    create(drive, root, [1])
    folder = listed(drive, root)[student_key(1)]
    folder_file = file_of(fake_google, folder.url)["id"]
    # A copy made by a run that stopped before recording it.
    fake_google.drive.add_file(
        "Reading log - 1",
        DOC,
        parents=[folder_file],
        properties={
            PROGRAM_PROPERTY: PROGRAM,
            KIND_PROPERTY: COPY_KIND,
            FOLDER_PROPERTY: student_key(1),
            TEMPLATE_PROPERTY: token(template),
        },
    )

    found = listed(drive, root)[student_key(1)]
    drive.apply(root, PROGRAM, [RecordTemplate(found.key, token(template))], notify=False)

    assert found.copies == {token(template)} and found.templates == frozenset()
    stored = fake_google.drive.file(folder_file)["properties"]
    assert read_tokens(stored, TEMPLATES_PROPERTY) == {token(template)}


def test_a_copy_refused_a_generated_id_is_made_without_one(drive, root, fake_google):
    # A type thought to take an ID (no Google type) that Drive refuses one all the same.
    template = fake_google.drive.add_file("Reading log", PDF)
    create(drive, root, [1])
    listed(drive, root)
    fake_google.faults.fail(400, method="drive.files.copy", reason="generatedIdNotSupported")

    drive.apply(
        root, PROGRAM, [CopyTemplate(student_key(1), template, "Reading log - 1")], notify=False
    )

    copies = [r for r in fake_google.requests if r.method_id == "drive.files.copy"]
    assert [(r.status, "id" in r.body) for r in copies] == [(400, True), (200, False)]
    assert listed(drive, root)[student_key(1)].templates == {token(template)}


def test_a_copy_without_an_id_is_not_sent_again_after_a_server_error(drive, root, fake_google):
    template = fake_google.drive.add_file("Reading log", DOC)
    create(drive, root, [1])
    listed(drive, root)
    fake_google.faults.fail(503, method="drive.files.copy")

    with pytest.raises(WorkspaceError) as raised:
        drive.apply(
            root,
            PROGRAM,
            [CopyTemplate(student_key(1), template, "Reading log - 1")],
            notify=False,
        )

    copies = [r.status for r in fake_google.requests if r.method_id == "drive.files.copy"]
    assert copies == [503]
    message = str(raised.value)
    assert f"copy 'Reading log - 1' into {student_key(1)}" in message
    assert "the next run finds the copy if Drive made it" in message


def copies_in(fake) -> list[tuple[str, str]]:
    """(folder key, template token) of every template copy in the fake, one entry a copy."""
    return sorted(
        (f["properties"][FOLDER_PROPERTY], f["properties"][TEMPLATE_PROPERTY])
        for f in fake.drive.files()
        if f.get("properties", {}).get(KIND_PROPERTY) == COPY_KIND
    )


def test_copies_of_google_types_carry_no_id_and_cost_one_call_each(drive, root, fake_google):
    # Drive refuses a generated ID for a Google Doc, Sheet or Slides deck (400
    # generatedIdNotSupported): only the PDF's copies carry one.
    templates = {
        mime: fake_google.drive.add_file(name, mime)
        for name, mime in (("Log", DOC), ("Deck", SLIDES), ("Rubric", PDF))
    }
    create(drive, root, [1, 2])
    listed(drive, root)
    assert drive.check_templates(list(templates.values())) == []  # as the folders job does
    fake_google.reset_log()
    copies = [
        CopyTemplate(student_key(n), template, f"{mime} - {n}")
        for n in (1, 2)
        for mime, template in templates.items()
    ]

    drive.apply(root, PROGRAM, copies, notify=False)

    sent = [r for r in fake_google.requests if r.method_id == "drive.files.copy"]
    assert sorted((r.path.split("/")[-2], "id" in r.body, r.status) for r in sent) == sorted(
        (template, mime == PDF, 200) for _ in (1, 2) for mime, template in templates.items()
    )
    asked = [r.query["count"] for r in fake_google.requests if "generateIds" in r.method_id]
    assert asked == [["2"]]  # the PDF's two copies
    assert fake_google.rejections == []
    assert len(copies_in(fake_google)) == 6
    folders = listed(drive, root)
    assert all(len(folders[student_key(n)].templates) == 3 for n in (1, 2))


def test_a_template_not_checked_first_has_its_type_read_once(drive, root, fake_google):
    template = fake_google.drive.add_file("Log", DOC)
    create(drive, root, [1, 2, 3])
    listed(drive, root)
    fake_google.reset_log()

    drive.apply(
        root,
        PROGRAM,
        [CopyTemplate(student_key(n), template, f"Log - {n}") for n in (1, 2, 3)],
        notify=False,
    )

    gets = [r for r in fake_google.requests if r.method_id == "drive.files.get"]
    assert [r.query["fields"] for r in gets] == [["mimeType"]]
    assert fake_google.counts()["drive.files.generateIds"] == 0
    assert [r.status for r in fake_google.requests if r.method_id == "drive.files.copy"] == [
        200
    ] * 3


@pytest.mark.parametrize("how", ["dropped", "timeout"])
def test_doc_copies_whose_batch_reply_is_lost_are_never_made_twice(
    drive, session, root, fake_google, how
):
    # The batch request is not sent again (by the session's retries, as it is for calls that
    # carry an ID): Drive made the copies, and without an ID a second send makes them again.
    template = fake_google.drive.add_file("Reading log", DOC)
    session.timeout_seconds = 0.5
    fake_google.faults.hold_seconds = 1.0
    create(drive, root, [1, 2])
    listed(drive, root)
    copies = [CopyTemplate(student_key(n), template, f"Reading log - {n}") for n in (1, 2)]
    fake_google.faults.fail_after_apply("drive.files.copy", how=how)

    with pytest.raises(WorkspaceError) as raised:
        drive.apply(root, PROGRAM, copies, notify=False)

    assert session.retries["drive.batch"] == 0
    assert copies_in(fake_google) == [(student_key(n), token(template)) for n in (1, 2)]
    message = str(raised.value)
    assert f"copy 'Reading log - 1' into {student_key(1)}" in message
    assert "found by the next run, never made again" in message
    # The next run finds the copies by their tags: it records them and copies nothing.
    fake_google.faults.clear()
    found = listed(drive, root)
    assert all(found[student_key(n)].copies == {token(template)} for n in (1, 2))
    assert all(found[student_key(n)].templates == frozenset() for n in (1, 2))
    fake_google.reset_log()
    drive.apply(
        root,
        PROGRAM,
        [RecordTemplate(student_key(n), token(template)) for n in (1, 2)],
        notify=False,
    )
    assert fake_google.counts()["drive.files.copy"] == 0
    assert all(listed(drive, root)[student_key(n)].templates == {token(template)} for n in (1, 2))


def test_a_pdf_copy_applied_then_answered_503_is_sent_again_and_made_once(drive, root, fake_google):
    template = fake_google.drive.add_file("Rubric", PDF)
    create(drive, root, [1])
    listed(drive, root)
    fake_google.faults.fail_after_apply("drive.files.copy")

    drive.apply(root, PROGRAM, [CopyTemplate(student_key(1), template, "Rubric - 1")], notify=False)

    statuses = [r.status for r in fake_google.requests if r.method_id == "drive.files.copy"]
    assert statuses == [503, 409]  # sent again with its ID: Drive had made it
    assert copies_in(fake_google) == [(student_key(1), token(template))]
    assert listed(drive, root)[student_key(1)].templates == {token(template)}


# --- Lost replies, retries, batches ---------------------------------------------------------


def test_creates_applied_then_answered_503_leave_exactly_one_folder_each(
    drive, root, fake_google, sleeps
):
    fake_google.faults.fail_after_apply("drive.files.create", times=30)

    create(drive, root, range(40))

    creates = [r.status for r in fake_google.requests if r.method_id == "drive.files.create"]
    assert creates.count(503) == 30
    assert creates.count(409) == 30  # the re-sent creates find their folders
    keys = [
        f["properties"]["tutorsync-key"] for f in fake_google.drive.files() if f.get("properties")
    ]
    assert sorted(keys) == sorted([TERM, *(student_key(n) for n in range(40))])
    assert len(set(listed(drive, root))) == 41
    assert len(sleeps) == 2  # a round for the term folder's wave, one for the students'


def test_a_batch_applied_whose_reply_is_lost_is_resent_and_leaves_one_folder_each(
    drive, root, fake_google, session, monkeypatch
):
    send = session.send
    lost: list[str] = []

    def send_then_lose_the_first_student_batch(request, **kwargs):
        response = send(request, **kwargs)
        if "/batch/drive/v3" in request.url and b"Student" in request.body and not lost:
            lost.append(request.url)
            unavailable = requests.Response()
            unavailable.status_code = 503
            unavailable._content = b'{"error": {"code": 503, "message": "unavailable"}}'
            unavailable._content_consumed = True
            response.close()
            unavailable.request = request
            return unavailable
        return response

    monkeypatch.setattr(session, "send", send_then_lose_the_first_student_batch)

    create(drive, root, range(20))

    assert lost
    assert session.retries["drive.batch"] == 1
    creates = [r.status for r in fake_google.requests if r.method_id == "drive.files.create"]
    assert creates.count(409) == 20 and creates.count(200) == 21
    assert len([f for f in fake_google.drive.files() if f.get("properties")]) == 21
    assert all(len(direct(f)) == 2 for k, f in listed(drive, root).items() if k != TERM)


def test_rate_limited_and_unavailable_parts_are_sent_again_after_a_backoff(
    drive, root, fake_google, sleeps
):
    fake_google.faults.fail(429, method="drive.permissions.create", times=3)
    fake_google.faults.fail(503, method="drive.permissions.create", times=2)
    fake_google.faults.fail(
        403, method="drive.files.create", reason="userRateLimitExceeded", times=2
    )

    create(drive, root, range(5))

    statuses = [
        r.status for r in fake_google.requests if r.method_id.startswith("drive.") and r.in_batch
    ]
    assert statuses.count(429) == 3 and statuses.count(503) == 2 and statuses.count(403) == 2
    # A round each: the term folder's create, the first student's, then the shares.
    assert len(sleeps) == 3
    folders = listed(drive, root)
    assert all(len(direct(folders[student_key(n)])) == 2 for n in range(5))


def test_parts_still_failing_after_three_retries_are_named_and_the_rest_is_done(
    drive, root, fake_google, sleeps
):
    create(drive, root, [1, 2])
    listed(drive, root)
    # Shares in order: a, b, then a again three times. A rule sees only the requests an
    # earlier rule let through.
    fake_google.faults.fail(429, method="drive.permissions.create", nth=1, times=1)
    fake_google.faults.fail(429, method="drive.permissions.create", nth=2, times=3)

    with pytest.raises(WorkspaceError) as raised:
        drive.apply(
            root,
            PROGRAM,
            [
                ShareFolder(student_key(1), "a@school.org", "reader"),
                ShareFolder(student_key(2), "b@school.org", "reader"),
            ],
            notify=False,
        )

    message = str(raised.value)
    assert f"share {student_key(1)} with a@school.org" in message
    assert "after 3 retries; run again later" in message
    assert "b@school.org" not in message
    assert "b@school.org" in direct(listed(drive, root)[student_key(2)])
    assert len(sleeps) == 3


def test_batches_hold_at_most_one_hundred_calls(drive, root, fake_google):
    fake_google.reset_log()

    create(drive, root, range(150))

    sizes = batch_sizes(fake_google)
    assert max(sizes) == 100
    assert sizes == [2, 1, 100, 50, 100, 100, 100]  # IDs and a look; term; students; shares
    assert fake_google.counts()["drive.files.create"] == 151


def test_new_ids_are_asked_for_at_most_a_thousand_at_a_time(drive, root, fake_google, monkeypatch):
    monkeypatch.setattr(drive_module, "IDS_LIMIT", 10)

    create(drive, root, range(24))

    asked = [
        r.query["count"] for r in fake_google.requests if r.method_id == "drive.files.generateIds"
    ]
    assert asked == [["10"], ["10"], ["5"]]
    assert len(listed(drive, root)) == 25


# --- Duplicates and errors ------------------------------------------------------------------


def test_two_folders_with_one_key_keep_the_earliest_and_report_the_other(drive, root, fake_google):
    urls = create(drive, root, [1])
    term_id = file_of(fake_google, urls[TERM])["id"]
    copy_id = fake_google.drive.add_folder(
        "Student 00001 (2)",
        parents=[term_id],
        properties={
            PROGRAM_PROPERTY: PROGRAM,
            "tutorsync-key": student_key(1),
            KIND_PROPERTY: "student",
            "tutorsync-student": "00001",
        },
    )
    fake_google.build("drive").files().update(
        fileId=copy_id, body={"createdTime": "2099-01-01T00:00:00.000Z"}, supportsAllDrives=True
    ).execute()

    folder = listed(drive, root)[student_key(1)]

    assert folder.url == urls[student_key(1)]
    assert folder.duplicate_urls == (f"https://drive.google.com/drive/folders/{copy_id}",)


def test_a_plan_made_stale_by_another_machine_writes_nothing_and_says_so(
    drive, session, root, fake_google
):
    """Machine A lists and plans; machine B (another adapter) creates the same folders;
    A's apply looks again, finds them, and writes nothing rather than make them twice."""
    stale = wanted_changes(drive.list_folders(root, PROGRAM), [1, 2])
    create(GoogleDrive(session), root, [1, 2])  # machine B
    fake_google.reset_log()

    with pytest.raises(FoldersChanged) as raised:
        drive.apply(root, PROGRAM, stale, notify=False)

    # The IDs taken in the batch that looked again are never used.
    assert write_counts(fake_google).keys() <= {"drive.files.generateIds"}
    assert fake_google.counts()["drive.files.list"] == 1  # one light look, tags only
    assert "3 of the planned folders" in str(raised.value)
    assert student_key(1) in str(raised.value) and "nothing was written" in str(raised.value)
    assert len(listed(drive, root)) == 3  # term + 2 students, once each
    assert wanted_changes(drive.list_folders(root, PROGRAM), [1, 2]) == []


def test_a_copy_made_meanwhile_stops_a_stale_copy(drive, session, root, fake_google):
    template = fake_google.drive.add_file("Reading log", DOC)
    create(drive, root, [1])
    copy = CopyTemplate(student_key(1), template, "Reading log - 1")
    drive.list_folders(root, PROGRAM)
    other = GoogleDrive(session)  # machine B copies first
    other.list_folders(root, PROGRAM)
    other.apply(root, PROGRAM, [copy], notify=False)

    with pytest.raises(FoldersChanged):
        drive.apply(root, PROGRAM, [copy], notify=False)

    made = [f for f in fake_google.drive.files() if f["name"] == "Reading log - 1"]
    assert len(made) == 1


def test_changes_that_create_nothing_are_not_checked_again(drive, root, fake_google):
    create(drive, root, [1])
    folders = drive.list_folders(root, PROGRAM)
    fake_google.reset_log()

    drive.apply(
        root, PROGRAM, [ShareFolder(folders[-1].key, "coach@school.org", "reader")], notify=False
    )

    assert fake_google.counts()["drive.files.list"] == 0


def test_a_missing_root_says_who_to_share_it_with(drive, fake_google):
    with pytest.raises(WorkspaceError) as raised:
        drive.list_folders("1" + "x" * 32, PROGRAM)

    message = str(raised.value)
    assert "was not found by the service account" in message
    assert "share the folder with the service account" in message
    assert "to the shared drive as Manager" in message and "folders.root" in message


def test_a_missing_root_says_who_to_share_it_with_and_for_a_key_nothing_about_scopes(
    drive, fake_google
):
    # A service account's token carries every scope asked for: only sharing can be missing.
    with pytest.raises(WorkspaceError) as raised:
        drive.list_folders("1" + "x" * 32, PROGRAM)

    assert "drive.file" not in str(raised.value)


def test_a_sign_in_that_allows_only_drive_file_is_told_the_root_is_beyond_it(fake_google):
    """A person's sign-in that Google said grants drive.file, not drive (google-auth keeps the
    scopes a renewal granted): the root a person made answers 404, and the message says why,
    and that sharing it again does not help."""
    drive_id = fake_google.drive.add_shared_drive("Tutoring")
    root = fake_google.drive.add_folder("Student folders", parents=[drive_id])
    granted = [SPREADSHEETS, DRIVE_FILE]
    client = "123456789012-tutorsync.apps.googleusercontent.com"
    tokens = fake_google.auth.sign_in_user("coordinator@school.org", granted, client_id=client)
    credentials = user_credentials.Credentials(
        tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        client_id=client,
        client_secret="not-a-secret",
        token_uri="https://oauth2.googleapis.com/token",
        scopes=granted,
        granted_scopes=granted,
    )
    session = PacedSession(credentials, endpoint=fake_google.base_url)
    drive = GoogleDrive(session, account="coordinator@school.org")

    with pytest.raises(WorkspaceError) as raised:
        drive.list_folders(root, PROGRAM)

    message = str(raised.value)
    assert message.startswith(
        f"folders.root {root} was not found by coordinator@school.org because the sign-in "
        "allows Google Drive only for files tutorsync made itself (the drive.file scope), and "
        "a person made this folder: sharing it again does not help. To fix it, run "
        "`tutorsync auth login` again"
    )
    assert [(r.method_id, r.status) for r in fake_google.requests] == [("drive.files.get", 404)]


def test_a_root_that_is_a_file_or_not_a_reference_is_refused(drive, fake_google):
    document = fake_google.drive.add_file("Notes", DOC)

    with pytest.raises(WorkspaceError, match=r"is a file \('Notes'\), not a folder"):
        drive.list_folders(document, PROGRAM)
    with pytest.raises(WorkspaceError, match="neither a Google Drive folder URL"):
        drive.list_folders("My tutoring folder", PROGRAM)
    assert fake_google.counts()["drive.files.list"] == 0


def test_sharing_refused_by_the_organisation_is_explained_and_the_rest_is_done(
    drive, root, fake_google
):
    create(drive, root, [1, 2])
    listed(drive, root)
    fake_google.faults.fail(
        403, method="drive.permissions.create", reason="shareOutNotPermitted", times=1
    )

    with pytest.raises(WorkspaceError) as raised:
        drive.apply(
            root,
            PROGRAM,
            [
                ShareFolder(student_key(1), "someone@gmail.com", "reader"),
                ShareFolder(student_key(2), "b@school.org", "reader"),
            ],
            notify=False,
        )

    message = str(raised.value)
    assert f"share {student_key(1)} with someone@gmail.com" in message
    assert "outside the organisation" in message
    assert "b@school.org" in direct(listed(drive, root)[student_key(2)])


def test_a_content_manager_refused_sharing_folders_is_told_to_make_the_account_a_manager(
    drive, fake_google
):
    # A shared drive made before Content managers could share folders (or where an admin
    # turned that off): only its Managers may share its folders.
    drive_id = fake_google.drive.add_shared_drive(
        "Tutoring", caller_role="fileOrganizer", folder_sharing_needs_organizer=True
    )
    root = fake_google.drive.add_folder("Student folders", parents=[drive_id])

    with pytest.raises(WorkspaceError) as raised:
        create(drive, root, [1, 2])

    message = str(raised.value)
    assert "4 folder change(s)" in message
    assert f"share {student_key(1)} with {tutor(1)}" in message
    assert "insufficientFilePermissions" in message
    assert "make the service account a Manager of the shared drive" in message
    assert len(listed(drive, root)) == 3  # the folders were made, and recorded the grants
    # Made a Manager, the next run shares them.
    fake_google.drive.add_permission(drive_id, FAKE_OWNER, "organizer")
    create(drive, root, [1, 2])
    assert all(len(direct(f)) == 2 for k, f in listed(drive, root).items() if k != TERM)


def test_a_content_manager_shares_folders_where_the_drive_lets_them(drive, fake_google):
    drive_id = fake_google.drive.add_shared_drive("Tutoring", caller_role="fileOrganizer")
    root = fake_google.drive.add_folder("Student folders", parents=[drive_id])

    create(drive, root, [1])

    assert direct(listed(drive, root)[student_key(1)]) == {tutor(1): "writer", teacher(1): "writer"}


def test_the_older_refusal_of_folder_sharing_in_a_shared_drive_is_explained_alike(
    drive, fake_google
):
    drive_id = fake_google.drive.add_shared_drive("Tutoring")
    root = fake_google.drive.add_folder("Student folders", parents=[drive_id])
    create(drive, root, [1])
    listed(drive, root)
    fake_google.faults.fail(
        403, method="drive.permissions.create", reason="teamDrivesFolderSharingNotSupported"
    )

    with pytest.raises(WorkspaceError) as raised:
        drive.apply(
            root, PROGRAM, [ShareFolder(student_key(1), "coach@school.org", "reader")], notify=False
        )

    assert "make the service account a Manager of the shared drive" in str(raised.value)


def test_a_refused_share_in_my_drive_says_to_share_the_root_as_editor(drive, fake_google):
    as_a_person(fake_google)
    root = fake_google.drive.add_folder("Tutoring")
    create(drive, root, [1])
    listed(drive, root)
    fake_google.faults.fail(
        403, method="drive.permissions.create", reason="insufficientFilePermissions"
    )

    with pytest.raises(WorkspaceError) as raised:
        drive.apply(
            root, PROGRAM, [ShareFolder(student_key(1), "coach@school.org", "reader")], notify=False
        )

    message = str(raised.value)
    assert "share folders.root with the service account as Editor" in message
    assert "only its Managers may share folders" not in message


def test_a_service_account_with_a_root_in_my_drive_is_told_to_use_a_shared_drive(
    drive, fake_google
):
    root = fake_google.drive.add_folder("Tutoring")  # a person's folder, shared with it

    with pytest.raises(WorkspaceError) as raised:
        create(drive, root, [1])

    message = str(raised.value)
    assert f"folders.root {root}" in message
    assert "storageQuotaExceeded" in message and "shared drive" in message
    assert [f["id"] for f in fake_google.drive.files()] == [root]
    assert fake_google.counts()["drive.files.create"] == 1  # a refusal that lasts: not resent


def test_the_templates_are_read_beside_the_root_and_explained_as_alone(
    session, sleeps, root, fake_google
):
    there = fake_google.drive.add_file("Plan", PDF)
    missing = "1" + "y" * 32
    drive = GoogleDrive(session, sleep=sleeps.append, templates=[there, missing])
    alone = GoogleDrive(session, sleep=sleeps.append)
    alone.list_folders(root, PROGRAM)
    explained_alone = alone.check_templates([there, missing])
    fake_google.reset_log()

    drive.list_folders(root, PROGRAM)
    problems = drive.check_templates([there, missing])

    assert problems == explained_alone
    assert "share it with the service account (Viewer is enough)" in problems[0]
    top_level = [r.method_id for r in fake_google.requests if not r.in_batch]
    assert top_level[0] == "drive.batch"  # the root and both templates
    assert "drive.files.get" not in top_level
    # A second check reads them again: what was read beside the root serves once.
    fake_google.reset_log()
    assert drive.check_templates([there, missing]) == explained_alone
    assert fake_google.counts()["drive.files.get"] == 2


def test_a_missing_template_is_explained(drive, root, fake_google):
    create(drive, root, [1])
    listed(drive, root)

    with pytest.raises(WorkspaceError) as raised:
        drive.apply(
            root,
            PROGRAM,
            [CopyTemplate(student_key(1), "1" + "y" * 32, "Reading log - 1")],
            notify=False,
        )

    message = str(raised.value)
    assert f"copy 'Reading log - 1' into {student_key(1)}" in message
    assert "share it with the service account (Viewer is enough)" in message


def test_changes_to_a_folder_whose_creation_failed_fail_with_it(drive, root, fake_google):
    fake_google.faults.fail(403, method="drive.files.create", nth=2, times=1)

    with pytest.raises(WorkspaceError) as raised:
        create(drive, root, [1, 2])

    message = str(raised.value)
    assert f"create 'Student 00001' ({student_key(1)})" in message
    assert f"share {student_key(1)} with {tutor(1)}" in message
    assert student_key(2) not in message
    assert set(listed(drive, root)) == {TERM, student_key(2)}


def test_the_folders_job_asks_only_for_the_drive_scope(session):
    # drive.file would not reach the root or the templates: a person made them (scopes.py).
    assert tuple(session.credentials.scopes) == (DRIVE,)


def test_link_is_the_folders_address(drive):
    url = "https://drive.google.com/drive/folders/1abcdefghijk"

    assert drive.link(url, from_spreadsheet="1" + "s" * 30) == url


@pytest.mark.parametrize(
    "reference, expected",
    [
        ("1AbCdEfGhIjKlMnOpQrStUvWxYz012345", "1AbCdEfGhIjKlMnOpQrStUvWxYz012345"),
        ("https://drive.google.com/drive/folders/1AbCdEfGhIjK?usp=sharing", "1AbCdEfGhIjK"),
        ("https://drive.google.com/drive/u/0/folders/0ABcdEfGhIjKlUk9PVA", "0ABcdEfGhIjKlUk9PVA"),
        ("https://drive.google.com/open?id=1AbCdEfGhIjK", "1AbCdEfGhIjK"),
    ],
)
def test_folder_ids_come_from_ids_and_addresses(reference, expected):
    assert folder_id(reference) == expected


@pytest.mark.parametrize(
    "reference",
    [
        "https://docs.google.com/document/d/1AbCdEfGhIjK/edit",
        "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjK/edit#gid=0",
        "https://drive.google.com/file/d/1AbCdEfGhIjK/view?usp=drive_link",
        " 1AbCdEfGhIjK ",
    ],
)
def test_template_ids_come_from_docs_sheets_and_drive_addresses(reference):
    assert template_id(reference) == "1AbCdEfGhIjK"


def test_a_grant_recorded_on_a_folder_tagged_by_an_earlier_version_moves_its_whole_record(
    drive, root, fake_google
):
    create(drive, root, [1])
    folder_file = file_of(fake_google, listed(drive, root)[student_key(1)].url)["id"]
    # As an earlier tutorsync left it: its tags in the appProperties of its Cloud project.
    tags = fake_google.drive.file(folder_file)["properties"]
    body = {"properties": dict.fromkeys(tags), "appProperties": tags}
    fake_google.build("drive").files().update(
        fileId=folder_file, body=body, supportsAllDrives=True
    ).execute()
    found = listed(drive, root)[student_key(1)]

    drive.apply(root, PROGRAM, [ShareFolder(found.key, "coach@school.org", "writer")], notify=False)

    stored = fake_google.drive.file(folder_file)
    assert found.outdated_record and not listed(drive, root)[student_key(1)].outdated_record
    assert "appProperties" not in stored
    assert stored["properties"] == tags | chunk_tokens(
        sorted(read_tokens(tags, GRANTS_PROPERTY) | {token("coach@school.org")}), GRANTS_PROPERTY
    )


@pytest.mark.parametrize("background", [False, True])
def test_a_copy_with_a_generated_id_is_known_before_it_is_made_and_a_google_docs_once_made(
    drive, root, fake_google, background
):
    pdf = fake_google.drive.add_file("Plan", PDF)
    doc = fake_google.drive.add_file("Log", DOC)
    create(drive, root, [1])
    folders = listed(drive, root)
    new_folder = wanted_changes(list(folders.values()), [2])  # made by the same apply
    copies = [
        CopyTemplate(student_key(n), template, f"{name} - {n}")
        for n in (1, 2)
        for name, template in (("Plan", pdf), ("Log", doc))
    ]
    fake_google.reset_log()

    pending = drive.begin_apply(
        root, PROGRAM, [*new_folder, *copies], notify=False, background=background
    )
    known = dict(pending.copies)
    pending.wait()

    found = {
        (folder.key, made.template_token): made
        for folder in listed(drive, root).values()
        for made in folder.copy_files
    }
    assert len(found) == 4
    pdfs = {(student_key(n), token(pdf)) for n in (1, 2)}
    if background:  # not the Doc's: Drive gives its copy an address only as it makes it
        assert set(known) == pdfs
    else:  # made at once: every copy made
        assert known == pending.copies_made()
    for key, made in known.items():
        assert made.url == found[key].url
        assert made.modified is not None and found[key].modified is not None
        assert made.modified.date() == found[key].modified.astimezone(UTC).date()
    assert all(known[key].url.startswith("https://drive.google.com/file/d/") for key in pdfs)
    # Once made, every copy is known, a Doc's at the address Drive answered: as listed.
    made = pending.copies_made()
    assert made.keys() == found.keys()
    for key, answered in made.items():
        assert answered.url == found[key].url
        assert answered.modified is not None and found[key].modified is not None
        assert answered.modified.date() == found[key].modified.astimezone(UTC).date()
    docs = [made[(student_key(n), token(doc))].url for n in (1, 2)]
    assert all(url.startswith("https://docs.google.com/document/d/") for url in docs)
    # The IDs were taken for the copies anyway: one generateIds, and no request more.
    assert fake_google.counts()["drive.files.generateIds"] == 1


@pytest.mark.parametrize("background", [False, True])
def test_a_copy_refused_its_generated_id_is_known_as_drive_answered_and_a_failed_one_is_not(
    drive, root, fake_google, background
):
    template = fake_google.drive.add_file("Plan", PDF)
    create(drive, root, [1, 2])
    listed(drive, root)
    fake_google.faults.fail(400, method="drive.files.copy", reason="generatedIdNotSupported")
    refused = CopyTemplate(student_key(1), template, "Plan - 1")

    pending = drive.begin_apply(root, PROGRAM, [refused], notify=False, background=background)

    pending.wait()
    # Made without the ID taken for it: at the address Drive answered, not the one foreseen.
    [made] = pending.copies_made().values()
    [listed_copy] = listed(drive, root)[student_key(1)].copy_files
    assert made.url == listed_copy.url
    fake_google.faults.fail(403, method="drive.files.copy", reason="insufficientFilePermissions")
    failed = CopyTemplate(student_key(2), template, "Plan - 2")
    pending = drive.begin_apply(root, PROGRAM, [failed], notify=False, background=background)
    with pytest.raises(WorkspaceError):
        pending.wait()
    assert pending.copies_made() == {}
    if not background:
        assert pending.copies == {}


def test_a_google_docs_copy_is_known_from_drives_answer_even_when_another_change_failed(
    drive, root, fake_google
):
    doc = fake_google.drive.add_file("Plan", DOC)
    create(drive, root, [1, 2])
    listed(drive, root)
    copies = [CopyTemplate(student_key(n), doc, f"Plan - {n}") for n in (1, 2)]
    # The second copy is refused; the first is made, and Drive's answer gives its address.
    fake_google.faults.fail(
        403, method="drive.files.copy", reason="insufficientFilePermissions", nth=2
    )

    pending = drive.begin_apply(root, PROGRAM, copies, notify=False, background=True)

    assert pending.copies == {}  # no address known before the copies are made
    with pytest.raises(WorkspaceError):
        pending.wait()
    [made] = pending.copies_made().items()
    [listed_copy] = listed(drive, root)[student_key(1)].copy_files
    assert made[0] == (student_key(1), token(doc))
    assert made[1].url == listed_copy.url
    assert listed(drive, root)[student_key(2)].copy_files == ()


def test_a_copy_drive_answered_is_as_the_listing_will_show_it() -> None:
    made_at = datetime(2026, 11, 23, 22, 10, tzinfo=UTC)
    answer = {"id": "1AbC", "mimeType": DOC}

    found = answered_copy("tok", answer, made_at)

    assert found == TemplateCopy("tok", "https://docs.google.com/document/d/1AbC/edit", made_at)
    assert answered_copy("tok", {"id": "F", "mimeType": PDF}, made_at).url == (
        "https://drive.google.com/file/d/F/view"
    )
