"""The Drive contract: what the folders job relies on, checked on every adapter (a directory
tree locally, Drive v3 on the fake Google server). Each test plans with the real planner, so
"exactly the intended grants" and "a rerun changes nothing" are checked end to end through
the port: plan(state after apply) == []."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jobs.model.drive import (
    LEGACY_TOKEN_DIGITS,
    CopyTemplate,
    Folder,
    FolderKind,
    RevokeGrant,
    ShareFolder,
    token,
    with_current_tokens,
)
from jobs.plan.folders import (
    RESOURCES_KEY,
    FolderPlan,
    audit_folders,
    plan_folders,
    plans_of,
    student_key,
)
from jobs.settings import FolderSettings
from sheets_schema import roster as roster_schema

PROGRAM = "contract"
TERM = "2026-27"
HEADER = ["Student ID", "Student name", "Teacher e-mail", "Tutor e-mail", "Active"]
COORDINATOR = "coord@school.example"


def make_roster(*rows: list[object]) -> roster_schema.Roster:
    parsed, _ = roster_schema.parse([HEADER, *rows], source="roster.xlsx", tab="Roster")
    assert parsed is not None
    return parsed


ROSTER = make_roster(
    ["001", "Doe, Jane", "teach@school.example", "tutor@school.example", "yes"],
    ["002", "Roe, Rick", "teach@school.example", "tutor2@school.example", "yes"],
    ["003", "Poe, Edgar", "teach2@school.example", "outsider@gmail.example", "yes"],
)


def folder_settings(harness, **overrides: object) -> FolderSettings:
    base: dict[str, object] = {
        "root": harness.root,
        "term": TERM,
        "allowed_domains": ["school.example"],
        "resources": "",  # the program resources folder has tests of its own
        "coordinators": [COORDINATOR],
    }
    return FolderSettings.model_validate(base | overrides)


def listed(harness) -> list[Folder]:
    return harness.drive.list_folders(harness.root, PROGRAM)


def plan(harness, settings: FolderSettings, roster=ROSTER) -> FolderPlan:
    return plan_folders(settings=settings, roster=roster, folders=listed(harness))


def sync(harness, settings: FolderSettings, roster=ROSTER) -> dict[str, str]:
    """One folders run: list, plan, apply. Returns the folder URLs by key."""
    changes = plan(harness, settings, roster).changes
    return harness.drive.apply(harness.root, PROGRAM, changes, notify=False)


def url_of(harness, student_id: str) -> str:
    [folder] = [f for f in listed(harness) if f.key == student_key(TERM, student_id)]
    return folder.url


def test_one_folder_per_student_with_exactly_the_intended_grants(drive_harness) -> None:
    settings = folder_settings(drive_harness)
    urls = sync(drive_harness, settings)
    folders = {f.key: f for f in listed(drive_harness)}
    students = {k for k, f in folders.items() if f.kind == FolderKind.STUDENT}
    assert students == {student_key(TERM, s) for s in ("001", "002", "003")}
    assert {key: folder.url for key, folder in folders.items()} == urls
    assert drive_harness.access(url_of(drive_harness, "001")) >= {
        ("tutor@school.example", "writer"),
        ("teach@school.example", "writer"),
        (COORDINATOR, "writer"),
    }
    # The address outside allowed_domains was refused: never shared.
    assert "outsider@gmail.example" not in {
        email for email, _ in drive_harness.access(url_of(drive_harness, "003"))
    }
    for student_id in ("001", "002", "003"):
        shared = {
            email
            for email, role in drive_harness.access(url_of(drive_harness, student_id))
            if role != "owner"
        }
        intended = {
            "001": {"tutor@school.example", "teach@school.example"},
            "002": {"tutor2@school.example", "teach@school.example"},
            "003": {"teach2@school.example"},
        }[student_id] | {COORDINATOR}
        assert shared == intended


def test_after_a_run_the_plan_is_empty_and_a_rerun_changes_nothing(drive_harness) -> None:
    settings = folder_settings(drive_harness)
    sync(drive_harness, settings)
    before = drive_harness.snapshot()
    assert plan(drive_harness, settings).changes == []
    drive_harness.drive.apply(drive_harness.root, PROGRAM, [], notify=False)
    assert drive_harness.snapshot() == before


def test_tutor_reassignment_grants_one_and_revokes_one(drive_harness) -> None:
    settings = folder_settings(drive_harness)
    sync(drive_harness, settings)
    moved = make_roster(
        ["001", "Doe, Jane", "teach@school.example", "new.tutor@school.example", "yes"],
        ["002", "Roe, Rick", "teach@school.example", "tutor2@school.example", "yes"],
        ["003", "Poe, Edgar", "teach2@school.example", "outsider@gmail.example", "yes"],
    )
    changes = plan(drive_harness, settings, moved).changes
    assert [(type(c).__name__, c.email) for c in changes] == [  # type: ignore[union-attr]
        ("ShareFolder", "new.tutor@school.example"),
        ("RevokeGrant", "tutor@school.example"),
    ]
    drive_harness.drive.apply(drive_harness.root, PROGRAM, changes, notify=False)
    emails = {email for email, _ in drive_harness.access(url_of(drive_harness, "001"))}
    assert "new.tutor@school.example" in emails and "tutor@school.example" not in emails
    assert plan(drive_harness, settings, moved).changes == []


def test_a_hand_added_grant_survives_every_run(drive_harness) -> None:
    settings = folder_settings(drive_harness)
    sync(drive_harness, settings)
    url = url_of(drive_harness, "001")
    drive_harness.add_hand_grant(url, "parent@school.example", "reader")
    assert plan(drive_harness, settings).changes == []
    # Even when the student leaves and tutorsync revokes its own grants.
    sync(drive_harness, settings, make_roster(ROSTER_ROW_002))
    assert ("parent@school.example", "reader") in drive_harness.access(url_of(drive_harness, "001"))


ROSTER_ROW_002 = ["002", "Roe, Rick", "teach@school.example", "tutor2@school.example", "yes"]


def test_a_student_who_leaves_is_archived_keeping_only_the_coordinator(drive_harness) -> None:
    settings = folder_settings(drive_harness)
    sync(drive_harness, settings)
    sync(drive_harness, settings, make_roster(ROSTER_ROW_002))
    folders = {f.key: f for f in listed(drive_harness)}
    gone = folders[student_key(TERM, "001")]
    assert gone.parent_key == f"archive:{TERM}"
    assert {e for e, r in drive_harness.access(gone.url) if r != "owner"} == {COORDINATOR}
    assert plan(drive_harness, settings, make_roster(ROSTER_ROW_002)).changes == []
    # And back again.
    sync(drive_harness, settings)
    back = {f.key: f for f in listed(drive_harness)}[student_key(TERM, "001")]
    assert back.parent_key == f"term:{TERM}"
    assert plan(drive_harness, settings).changes == []


def test_a_renamed_folder_is_still_found(drive_harness) -> None:
    settings = folder_settings(drive_harness)
    sync(drive_harness, settings)
    drive_harness.rename(url_of(drive_harness, "001"), "Jane's materials")
    folders = {f.key: f for f in listed(drive_harness)}
    assert folders[student_key(TERM, "001")].name == "Jane's materials"
    assert plan(drive_harness, settings).changes == []


def test_templates_are_copied_once_even_after_the_copy_is_deleted(drive_harness) -> None:
    template = drive_harness.template("Learning plan")
    settings = folder_settings(
        drive_harness, templates=[{"file": template, "name": "Learning plan"}]
    )
    sync(drive_harness, settings)
    url = url_of(drive_harness, "001")
    [copy] = drive_harness.files_in(url)
    assert copy.startswith("Learning plan - Doe, Jane")
    assert plan(drive_harness, settings).changes == []
    drive_harness.delete_file(url, copy)
    assert plan(drive_harness, settings).changes == []
    assert drive_harness.files_in(url) == []


@pytest.mark.parametrize("stop_after", [1, 2, 5, 9, 14])
def test_a_run_stopped_after_k_changes_converges_without_duplicates(
    drive_harness, stop_after: int
) -> None:
    template = drive_harness.template("Learning plan")
    settings = folder_settings(
        drive_harness, templates=[{"file": template, "name": "Learning plan"}]
    )
    changes = plan(drive_harness, settings).changes
    drive_harness.drive.apply(drive_harness.root, PROGRAM, changes[:stop_after], notify=False)
    sync(drive_harness, settings)
    folders = listed(drive_harness)
    assert len(folders) == len({f.key for f in folders}) == 4  # term + three students
    assert all(not f.duplicate_urls for f in folders)
    assert plan(drive_harness, settings).changes == []
    for student_id in ("001", "002", "003"):
        assert len(drive_harness.files_in(url_of(drive_harness, student_id))) == 1


def test_the_audit_flags_a_hand_added_outside_grant(drive_harness) -> None:
    settings = folder_settings(drive_harness)
    sync(drive_harness, settings)
    url = url_of(drive_harness, "002")
    drive_harness.add_hand_grant(url, "someone@gmail.example", "writer")
    audits = {
        a.key: a
        for a in audit_folders(settings=settings, roster=ROSTER, folders=listed(drive_harness))
    }
    flagged = {key for key, audit in audits.items() if audit.findings}
    assert flagged == {student_key(TERM, "002")}
    [finding] = [a for a in audits[student_key(TERM, "002")].access if a.finding]
    assert (finding.who, finding.source, finding.finding) == (
        "someone@gmail.example",
        "by hand",
        "outside the allowed domains",
    )


def test_shares_are_recorded_as_tutorsyncs_and_only_those(drive_harness) -> None:
    settings = folder_settings(drive_harness)
    sync(drive_harness, settings)
    url = url_of(drive_harness, "001")
    drive_harness.add_hand_grant(url, "parent@school.example", "reader")
    [folder] = [f for f in listed(drive_harness) if f.url == url]
    ours = {g.email for g in folder.grants if g.token in folder.ours}
    assert ours == {"tutor@school.example", "teach@school.example", COORDINATOR}


def test_the_root_must_exist(drive_harness) -> None:
    from jobs.errors import WorkspaceError

    missing = "no-such-folder" if drive_harness.root == "folders" else "1" + "x" * 30
    with pytest.raises(WorkspaceError):
        drive_harness.drive.list_folders(missing, PROGRAM)


def test_a_share_names_the_role_asked_for(drive_harness) -> None:
    settings = folder_settings(drive_harness, role="commenter")
    sync(drive_harness, settings)
    roles = {r for _, r in drive_harness.access(url_of(drive_harness, "002")) if r != "owner"}
    assert roles == {"commenter"}
    assert not any(isinstance(c, ShareFolder) for c in plan(drive_harness, settings).changes)


@pytest.mark.parametrize("background", [False, True])
def test_begin_apply_knows_every_folders_url_before_the_changes_are_made(
    drive_harness, background
) -> None:
    settings = folder_settings(drive_harness)
    changes = plan(drive_harness, settings).changes

    pending = drive_harness.drive.begin_apply(
        drive_harness.root, PROGRAM, changes, notify=False, background=background
    )
    made = pending.wait()

    assert made == pending.urls
    assert {folder.key: folder.url for folder in listed(drive_harness)} == made
    assert plan(drive_harness, settings).changes == []


@pytest.mark.parametrize("background", [False, True])
def test_a_copy_whose_address_begin_apply_knows_is_as_the_next_listing_shows_it(
    drive_harness, background
) -> None:
    # Locally every copy is known (made at once); on Google a copy of a template whose type
    # takes a generated ID (tests/workspace/test_google_drive.py), not of a Google Doc.
    template = drive_harness.template("Learning plan")
    settings = folder_settings(
        drive_harness,
        templates=[{"file": template, "name": "Learning plan", "learning_plan": True}],
    )
    changes = plan(drive_harness, settings).changes

    pending = drive_harness.drive.begin_apply(
        drive_harness.root, PROGRAM, changes, notify=False, background=background
    )
    known = dict(pending.copies)
    pending.wait()

    found = {
        (folder.key, copy.template_token): copy
        for folder in listed(drive_harness)
        for copy in folder.copy_files
    }
    assert len(found) == 3
    assert known.keys() <= found.keys()
    for key, copy in known.items():
        assert copy.url == found[key].url
        assert copy.modified is not None and found[key].modified is not None
        assert copy.modified.astimezone(UTC).date() == found[key].modified.astimezone(UTC).date()


def test_a_template_that_is_not_there_is_named_before_anything_is_copied(drive_harness) -> None:
    present = drive_harness.template("Learning plan")
    gone = drive_harness.template("Reading log")
    assert drive_harness.drive.check_templates([present, gone]) == []
    drive_harness.delete_template(gone)
    before = drive_harness.snapshot()
    [problem] = drive_harness.drive.check_templates([present, gone])
    assert gone in problem and "folders.templates" in problem
    assert drive_harness.snapshot() == before  # a check changes nothing


# --- Records an earlier tutorsync wrote with 8-digit tokens ------------------------------------

# Two addresses of one domain whose 8-digit tokens are the same (tests/jobs/test_plan_folders.py).
TUTOR, LOOKALIKE = "staff36139@school.example", "staff39376@school.example"
LEGACY_ROSTER = make_roster(
    ["001", "Doe, Jane", "teach@school.example", TUTOR, "yes"],
    ["002", "Roe, Rick", "teach@school.example", "tutor2@school.example", "yes"],
)


def short(email: str) -> str:
    return token(email)[:LEGACY_TOKEN_DIGITS]


def left_by_an_earlier_version(harness) -> FolderSettings:
    """Folders made, shared and given a template copy, then every token in their records
    (grants, templates, the copies' tags) cut to the 8 digits tutorsync recorded before."""
    template = harness.template("Learning plan")
    settings = folder_settings(harness, templates=[{"file": template, "name": "Learning plan"}])
    sync(harness, settings, LEGACY_ROSTER)
    for folder in listed(harness):
        harness.shorten_tokens(folder.url)
    students = [f for f in listed(harness) if f.kind == FolderKind.STUDENT]
    recorded = [t for f in students for t in (*f.ours, *f.templates, *f.copies)]
    assert recorded and all(len(t) == LEGACY_TOKEN_DIGITS for t in recorded)
    return settings


def test_records_with_short_tokens_stay_tutorsyncs_and_change_nothing(drive_harness) -> None:
    settings = left_by_an_earlier_version(drive_harness)
    [template] = [t.file for t in settings.templates]
    jane, rick = url_of(drive_harness, "001"), url_of(drive_harness, "002")
    # Shared by hand with people not on the roster, one of them sharing the tutor's short token.
    drive_harness.add_hand_grant(jane, "parent@school.example", "reader")
    drive_harness.add_hand_grant(jane, LOOKALIKE, "writer")
    [copy] = drive_harness.files_in(rick)
    drive_harness.delete_file(rick, copy)  # its template is still recorded as copied
    before = drive_harness.snapshot()

    # Nothing revoked, shared again or forgotten, no template copied again, nothing rewritten.
    assert plan(drive_harness, settings, LEGACY_ROSTER).changes == []
    sync(drive_harness, settings, LEGACY_ROSTER)
    sync(drive_harness, settings, LEGACY_ROSTER)

    assert drive_harness.snapshot() == before
    assert drive_harness.files_in(rick) == [] and len(drive_harness.files_in(jane)) == 1
    assert {("parent@school.example", "reader"), (LOOKALIKE, "writer")} <= drive_harness.access(
        jane
    )
    # Read as today's 64-bit tokens; the tutor's short token, which a hand-made grant shares,
    # is taken for neither grant's.
    folders = {f.url: with_current_tokens(f, [template]) for f in listed(drive_harness)}
    assert folders[rick].ours == {
        token(e) for e in ("teach@school.example", "tutor2@school.example", COORDINATOR)
    }
    assert folders[jane].ours == {token("teach@school.example"), token(COORDINATOR)}
    assert folders[rick].templates == folders[jane].templates == {token(template)}
    assert folders[jane].copies == {token(template)}


def test_a_grant_recorded_with_a_short_token_is_revoked_once_record_and_all(
    drive_harness,
) -> None:
    settings = left_by_an_earlier_version(drive_harness)
    drive_harness.add_hand_grant(url_of(drive_harness, "002"), "parent@school.example", "reader")
    # Jane has a new tutor; Rick leaves.
    after = make_roster(
        ["001", "Doe, Jane", "teach@school.example", "new.tutor@school.example", "yes"],
        ["002", "Roe, Rick", "teach@school.example", "tutor2@school.example", "no"],
    )
    changes = plan(drive_harness, settings, after).changes
    jane, rick = student_key(TERM, "001"), student_key(TERM, "002")
    assert {(c.folder_key, c.email) for c in changes if isinstance(c, RevokeGrant)} == {
        (jane, TUTOR),
        (rick, "teach@school.example"),
        (rick, "tutor2@school.example"),
    }
    assert [(c.folder_key, c.email) for c in changes if isinstance(c, ShareFolder)] == [
        (jane, "new.tutor@school.example")
    ]
    assert not [c for c in changes if isinstance(c, CopyTemplate)]

    drive_harness.drive.apply(drive_harness.root, PROGRAM, changes, notify=False)

    assert plan(drive_harness, settings, after).changes == []  # nothing left to forget
    folders = {f.key: f for f in listed(drive_harness)}
    # The new grant is recorded in 64 bits; the others stay as the earlier version wrote them.
    assert folders[jane].ours == {
        token("new.tutor@school.example"),
        short("teach@school.example"),
        short(COORDINATOR),
    }
    assert folders[rick].ours == {short(COORDINATOR)}
    assert {e for e, r in drive_harness.access(folders[rick].url) if r != "owner"} == {
        COORDINATOR,
        "parent@school.example",  # shared by hand: never revoked
    }
    before = drive_harness.snapshot()
    sync(drive_harness, settings, after)
    assert drive_harness.snapshot() == before


# --- The program resources folder --------------------------------------------------------------


def resources_of(harness) -> Folder:
    [folder] = [f for f in listed(harness) if f.kind == FolderKind.RESOURCES]
    return folder


def test_the_resources_folder_is_shared_with_everyone_on_the_roster_and_follows_it(
    drive_harness,
) -> None:
    settings = folder_settings(drive_harness, resources="Program resources")
    sync(drive_harness, settings)
    folder = resources_of(drive_harness)
    assert (folder.key, folder.parent_key) == (RESOURCES_KEY, "")
    everyone = {"teach@school.example", "tutor@school.example", "tutor2@school.example"}
    everyone |= {"teach2@school.example", COORDINATOR}  # outsider@gmail.example: never
    assert drive_harness.access(folder.url) >= {(email, "writer") for email in everyone}
    assert {email for email, _ in drive_harness.access(folder.url)} - everyone <= {
        email for email, role in drive_harness.access(folder.url) if role in ("owner", "organizer")
    }
    drive_harness.add_hand_grant(folder.url, "librarian@school.example", "reader")
    drive_harness.rename(folder.url, "Lesson plans and materials")

    # 002's tutor changes; 003 leaves, and with them their teacher, who teaches nobody else.
    changed = make_roster(
        ["001", "Doe, Jane", "teach@school.example", "tutor@school.example", "yes"],
        ["002", "Roe, Rick", "teach@school.example", "new.tutor@school.example", "yes"],
        ["003", "Poe, Edgar", "teach2@school.example", "outsider@gmail.example", "no"],
    )
    sync(drive_harness, settings, changed)

    now = {email for email, _ in drive_harness.access(resources_of(drive_harness).url)}
    assert "new.tutor@school.example" in now and "librarian@school.example" in now
    assert not now & {"tutor2@school.example", "teach2@school.example"}
    assert [f.key for f in listed(drive_harness) if f.kind == FolderKind.RESOURCES] == [
        RESOURCES_KEY
    ]  # renamed, found by its key: not made again
    assert plan(drive_harness, settings, changed).changes == []


@pytest.mark.parametrize("after_resources", [0, 1, 3])
def test_a_run_stopped_while_making_the_resources_folder_converges(
    drive_harness, after_resources: int
) -> None:
    settings = folder_settings(drive_harness, resources="Program resources")
    changes = plan(drive_harness, settings).changes
    [made] = [i for i, c in enumerate(changes) if getattr(c, "key", "") == RESOURCES_KEY]
    stop = made + 1 + after_resources
    drive_harness.drive.apply(drive_harness.root, PROGRAM, changes[:stop], notify=False)
    sync(drive_harness, settings)
    assert plan(drive_harness, settings).changes == []
    assert len([f for f in listed(drive_harness) if f.kind == FolderKind.RESOURCES]) == 1
    assert not resources_of(drive_harness).duplicate_urls


# --- Learning plans ------------------------------------------------------------------------------


def test_a_learning_plans_date_is_when_a_person_last_changed_it(drive_harness) -> None:
    if drive_harness.edit_file is None:
        pytest.skip("this workspace cannot play a person editing a file")
    template = drive_harness.template("Learning plan")
    settings = folder_settings(
        drive_harness,
        templates=[{"file": template, "name": "Learning plan", "learning_plan": True}],
    )
    sync(drive_harness, settings)
    first, second = url_of(drive_harness, "001"), url_of(drive_harness, "002")
    [plan_name] = drive_harness.files_in(first)
    yesterday = datetime.now(UTC) - timedelta(days=1)
    drive_harness.edit_file(first, plan_name, yesterday)
    [gone] = drive_harness.files_in(second)
    drive_harness.delete_file(second, gone)

    plans = plans_of(listed(drive_harness), settings, "UTC")

    assert plans["001"].modified == yesterday.date()
    assert "002" not in plans  # its copy deleted: no plan (and never copied again)
    assert plans["003"].modified is not None  # copied by this run: today, as Drive says
    assert plans["001"].url != plans["003"].url and plans["001"].url
    assert plans_of(listed(drive_harness), folder_settings(drive_harness), "UTC") == {}
