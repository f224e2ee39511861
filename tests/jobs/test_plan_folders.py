"""The folders planner and the sharing audit, on small rosters and folder states (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from jobs.model.drive import (
    ROOT,
    ChangeRole,
    CopyTemplate,
    CreateFolder,
    Folder,
    FolderKind,
    ForgetGrant,
    Grant,
    MoveFolder,
    PlanFile,
    RecordTemplate,
    RevokeGrant,
    RewriteRecord,
    ShareFolder,
    TemplateCopy,
    made_meanwhile,
    token,
)
from jobs.plan.folders import (
    RESOURCES_KEY,
    FolderPlan,
    archive_key,
    audit_folders,
    copy_name,
    folder_name,
    links_of,
    plan_folders,
    plans_after,
    plans_after_changes,
    plans_awaited,
    plans_copied,
    plans_of,
    student_key,
    term_key,
)
from jobs.settings import FolderSettings, TemplateSettings
from sheets_schema import roster as roster_schema
from sheets_schema.issues import Severity

TERM = "2026-27"
HEADER = ["Student ID", "Student name", "Teacher e-mail", "Tutor e-mail", "Active"]


def make_roster(*rows: list[object]) -> roster_schema.Roster:
    parsed, _ = roster_schema.parse([HEADER, *rows], source="roster.xlsx", tab="Roster")
    assert parsed is not None
    return parsed


def make_settings(**overrides: object) -> FolderSettings:
    base: dict[str, object] = {
        "root": "folders",
        "term": TERM,
        "allowed_domains": ["school.example"],
        "resources": "",  # the program resources folder has tests of its own
        "coordinators": ["coord@school.example"],
    }
    return FolderSettings.model_validate(base | overrides)


ROSTER = make_roster(
    ["001", "Doe, Jane", "teach@school.example", "tutor@school.example", "yes"],
    ["002", "Roe, Rick", "teach@school.example", "tutor2@school.example", "yes"],
)


def term_folder() -> Folder:
    return Folder(term_key(TERM), FolderKind.TERM, TERM, ROOT, "folders/2026-27")


def student_folder(student_id: str, *grants: Grant, ours: set[str] = frozenset(), **kw) -> Folder:
    return Folder(
        student_key(TERM, student_id),
        FolderKind.STUDENT,
        f"Student {student_id}",
        kw.pop("parent_key", term_key(TERM)),
        f"folders/2026-27/{student_id}",
        grants=tuple(grants),
        ours=frozenset(token(email) for email in ours),
        student_id=student_id,
        **kw,
    )


def writer(email: str) -> Grant:
    return Grant(email, "writer")


def settled(student_id: str, tutor: str) -> Folder:
    """A folder shared exactly as planned, all grants tutorsync's."""
    people = [tutor, "teach@school.example", "coord@school.example"]
    return student_folder(student_id, *map(writer, people), ours=set(people))


def test_first_run_creates_term_then_one_folder_per_student_with_its_people() -> None:
    plan = plan_folders(settings=make_settings(), roster=ROSTER, folders=[])
    creates = [c for c in plan.changes if isinstance(c, CreateFolder)]
    assert [c.key for c in creates] == [
        term_key(TERM),
        student_key(TERM, "001"),
        student_key(TERM, "002"),
    ]
    assert creates[1].name == "Doe, Jane (001)" and creates[1].parent_key == term_key(TERM)
    shares = {(c.folder_key, c.email, c.role) for c in plan.changes if isinstance(c, ShareFolder)}
    assert shares == {
        (student_key(TERM, "001"), "tutor@school.example", "writer"),
        (student_key(TERM, "001"), "teach@school.example", "writer"),
        (student_key(TERM, "001"), "coord@school.example", "writer"),
        (student_key(TERM, "002"), "tutor2@school.example", "writer"),
        (student_key(TERM, "002"), "teach@school.example", "writer"),
        (student_key(TERM, "002"), "coord@school.example", "writer"),
    }
    assert all(change.reason for change in plan.changes)


def test_settled_folders_plan_nothing() -> None:
    folders = [
        term_folder(),
        settled("001", "tutor@school.example"),
        settled("002", "tutor2@school.example"),
    ]
    plan = plan_folders(settings=make_settings(), roster=ROSTER, folders=folders)
    assert plan.changes == [] and plan.issues == []
    assert plan.links == {"001": "folders/2026-27/001", "002": "folders/2026-27/002"}


def test_reassigned_tutor_is_granted_and_the_old_one_revoked_exactly_once() -> None:
    folders = [
        term_folder(),
        settled("001", "old@school.example"),
        settled("002", "tutor2@school.example"),
    ]
    plan = plan_folders(settings=make_settings(), roster=ROSTER, folders=folders)
    assert plan.changes == [
        ShareFolder(
            student_key(TERM, "001"), "tutor@school.example", "writer", plan.changes[0].reason
        ),
        RevokeGrant(student_key(TERM, "001"), "old@school.example", plan.changes[1].reason),
    ]


def test_a_hand_added_grant_is_never_revoked_and_not_reported_as_ours() -> None:
    folder = settled("001", "tutor@school.example")
    folder = replace(folder, grants=(*folder.grants, Grant("parent@school.example", "reader")))
    plan = plan_folders(
        settings=make_settings(),
        roster=ROSTER,
        folders=[term_folder(), folder, settled("002", "tutor2@school.example")],
    )
    assert plan.changes == []


def test_an_address_outside_the_allowed_domains_is_refused_and_reported_at_its_cell() -> None:
    roster = make_roster(["001", "Doe, Jane", "teach@school.example", "tutor@gmail.com", "yes"])
    plan = plan_folders(settings=make_settings(), roster=roster, folders=[])
    assert not any(
        isinstance(c, ShareFolder) and c.email == "tutor@gmail.com" for c in plan.changes
    )
    [issue] = plan.issues
    assert (issue.source, issue.tab, issue.cell, issue.value) == (
        "roster.xlsx",
        "Roster",
        "D2",
        "tutor@gmail.com",
    )
    assert "outside the allowed domains" in issue.problem and issue.severity == Severity.ERROR


def test_a_student_who_left_is_archived_and_loses_tutorsyncs_grants_but_the_coordinators() -> None:
    folders = [
        term_folder(),
        settled("001", "tutor@school.example"),
        settled("002", "tutor2@school.example"),
        settled("003", "tutor3@school.example"),
    ]
    plan = plan_folders(settings=make_settings(), roster=ROSTER, folders=folders)
    gone = student_key(TERM, "003")
    assert plan.changes[0] == CreateFolder(
        archive_key(TERM),
        FolderKind.ARCHIVE,
        "Archived",
        term_key(TERM),
        reason=plan.changes[0].reason,
    )
    assert MoveFolder(gone, archive_key(TERM), plan.changes[1].reason) == plan.changes[1]
    revoked = {c.email for c in plan.changes if isinstance(c, RevokeGrant)}
    assert revoked == {"tutor3@school.example", "teach@school.example"}


def test_leaving_without_revoke_on_leave_keeps_every_grant() -> None:
    folders = [term_folder(), settled("003", "tutor3@school.example")]
    plan = plan_folders(
        settings=make_settings(revoke_on_leave=False), roster=ROSTER, folders=folders
    )
    assert not any(isinstance(c, RevokeGrant) for c in plan.changes)


def test_a_returning_student_moves_back_from_the_archive() -> None:
    folder = replace(settled("001", "tutor@school.example"), parent_key=archive_key(TERM))
    plan = plan_folders(
        settings=make_settings(),
        roster=ROSTER,
        folders=[term_folder(), folder, settled("002", "tutor2@school.example")],
    )
    assert plan.changes == [MoveFolder(folder.key, term_key(TERM), plan.changes[0].reason)]


def test_a_folder_an_educator_moved_elsewhere_is_left_where_it_is() -> None:
    folder = replace(settled("001", "tutor@school.example"), parent_key=None)
    plan = plan_folders(
        settings=make_settings(),
        roster=ROSTER,
        folders=[term_folder(), folder, settled("002", "tutor2@school.example")],
    )
    assert plan.changes == []


def test_a_removed_grant_of_ours_that_is_no_longer_wanted_is_forgotten() -> None:
    folder = settled("001", "tutor@school.example")
    folder = replace(folder, ours=folder.ours | {token("old@school.example")})
    plan = plan_folders(
        settings=make_settings(),
        roster=ROSTER,
        folders=[term_folder(), folder, settled("002", "tutor2@school.example")],
    )
    assert plan.changes == [
        ForgetGrant(folder.key, token("old@school.example"), plan.changes[0].reason)
    ]


def test_a_removed_grant_that_is_still_wanted_is_shared_again() -> None:
    folder = settled("001", "tutor@school.example")
    folder = replace(folder, grants=folder.grants[1:])  # the tutor's grant removed by hand
    plan = plan_folders(
        settings=make_settings(),
        roster=ROSTER,
        folders=[term_folder(), folder, settled("002", "tutor2@school.example")],
    )
    assert [type(c) for c in plan.changes] == [ShareFolder]


def test_a_changed_role_changes_only_tutorsyncs_grants() -> None:
    folder = settled("001", "tutor@school.example")
    hand = Grant("teach@school.example", "writer")  # teacher's grant made by hand
    folder = replace(
        folder,
        grants=(*folder.grants[:1], hand, folder.grants[2]),
        ours=folder.ours - {token("teach@school.example")},
    )
    plan = plan_folders(
        settings=make_settings(role="commenter"),
        roster=make_roster(
            ["001", "Doe, Jane", "teach@school.example", "tutor@school.example", "yes"]
        ),
        folders=[term_folder(), folder],
    )
    assert {(type(c), c.email) for c in plan.changes} == {
        (ChangeRole, "tutor@school.example"),
        (ChangeRole, "coord@school.example"),
    }


def test_a_weaker_hand_grant_is_reported_not_changed() -> None:
    folder = settled("001", "tutor@school.example")
    folder = replace(
        folder,
        grants=(Grant("tutor@school.example", "reader"), *folder.grants[1:]),
        ours=folder.ours - {token("tutor@school.example")},
    )
    plan = plan_folders(
        settings=make_settings(),
        roster=make_roster(
            ["001", "Doe, Jane", "teach@school.example", "tutor@school.example", "yes"]
        ),
        folders=[term_folder(), folder],
    )
    assert plan.changes == []
    [issue] = plan.issues
    assert "reader access" in issue.problem and issue.severity == Severity.WARNING


def test_templates_are_copied_once_and_never_again_once_recorded() -> None:
    settings = make_settings(templates=[TemplateSettings(file="plan.docx", name="Learning plan")])
    plan = plan_folders(settings=settings, roster=ROSTER, folders=[])
    copies = [c for c in plan.changes if isinstance(c, CopyTemplate)]
    assert [c.name for c in copies] == ["Learning plan - Doe, Jane", "Learning plan - Roe, Rick"]
    done = [
        term_folder(),
        replace(settled("001", "tutor@school.example"), templates=frozenset({token("plan.docx")})),
        replace(settled("002", "tutor2@school.example"), templates=frozenset({token("plan.docx")})),
    ]
    assert plan_folders(settings=settings, roster=ROSTER, folders=done).changes == []


def test_a_trashed_folder_is_reported_and_not_recreated() -> None:
    folders = [
        term_folder(),
        replace(settled("001", "tutor@school.example"), trashed=True),
        settled("002", "tutor2@school.example"),
    ]
    plan = plan_folders(settings=make_settings(), roster=ROSTER, folders=folders)
    assert plan.changes == []
    assert ["trash" in issue.problem for issue in plan.issues] == [True]
    assert "001" not in plan.links


def test_duplicate_folders_are_reported() -> None:
    folder = replace(settled("001", "tutor@school.example"), duplicate_urls=("other",))
    plan = plan_folders(
        settings=make_settings(),
        roster=ROSTER,
        folders=[term_folder(), folder, settled("002", "tutor2@school.example")],
    )
    assert plan.changes == [] and "2 folders carry" in plan.issues[0].problem


def test_other_terms_folders_are_left_alone() -> None:
    old = replace(settled("009", "tutor@school.example"), key=student_key("2025-26", "009"))
    folders = [term_folder(), old, settled("001", "tutor@school.example")]
    roster = make_roster(
        ["001", "Doe, Jane", "teach@school.example", "tutor@school.example", "yes"]
    )
    assert plan_folders(settings=make_settings(), roster=roster, folders=folders).changes == []


def test_records_kept_as_an_earlier_version_kept_them_are_rewritten_once_with_other_changes():
    old_term = replace(
        settled("009", "tutor@school.example"),
        key=student_key("2025-26", "009"),
        outdated_record=True,
    )
    outdated = replace(settled("001", "tutor@school.example"), outdated_record=True)
    roster = make_roster(
        ["001", "Doe, Jane", "teach@school.example", "tutor2@school.example", "yes"]
    )

    plan = plan_folders(
        settings=make_settings(), roster=roster, folders=[term_folder(), old_term, outdated]
    )

    rewrites = [c for c in plan.changes if isinstance(c, RewriteRecord)]
    assert [c.folder_key for c in rewrites] == [old_term.key, outdated.key]
    assert "Cloud project" in rewrites[0].reason
    assert ShareFolder(outdated.key, "tutor2@school.example", "writer") in [
        replace(c, reason="") for c in plan.changes if isinstance(c, ShareFolder)
    ]


@pytest.mark.parametrize(
    ("pattern", "student", "expected"),
    [
        ("{last}, {first} ({id})", {"first_name": "Jane", "last_name": "Doe"}, "Doe, Jane (7)"),
        ("{last}, {first} ({id})", {"first_name": "Cher", "last_name": ""}, "Cher (7)"),
        ("{last}, {first} ({id})", {"first_name": "", "last_name": "Doe"}, "Doe (7)"),
        ("{id} {name}", {"name": "Doe, Jane"}, "7 Doe, Jane"),
    ],
)
def test_folder_names_follow_the_pattern_and_stay_tidy(
    pattern: str, student: dict[str, str], expected: str
) -> None:
    assert folder_name(pattern, student, "7") == expected


def test_links_are_this_terms_folders_only() -> None:
    old = replace(settled("009", "t@school.example"), key=student_key("2025-26", "009"))
    trashed = replace(settled("002", "t@school.example"), trashed=True)
    assert links_of([term_folder(), old, trashed, settled("001", "t@school.example")], TERM) == {
        "001": "folders/2026-27/001"
    }


def test_audit_flags_extra_missing_outside_and_link_grants() -> None:
    folder = student_folder(
        "001",
        writer("tutor@school.example"),
        Grant("stranger@gmail.com", "writer"),
        Grant("", "reader", kind="anyone"),
        Grant("neighbour@school.example", "reader"),
        Grant("sa@project.iam.example", "owner"),
        ours={"tutor@school.example"},
    )
    [audit] = [
        a
        for a in audit_folders(settings=make_settings(), roster=ROSTER, folders=[folder])
        if a.key == folder.key
    ]
    findings = {access.who: access.finding for access in audit.access}
    assert findings["tutor@school.example"] == ""
    assert findings["stranger@gmail.com"] == "outside the allowed domains"
    assert findings["anyone with the link"] == "link sharing is on"
    assert findings["neighbour@school.example"].startswith("not a tutor")
    assert findings["sa@project.iam.example"] == ""
    assert audit.missing == ("coord@school.example", "teach@school.example")
    assert audit.findings == 5


def test_a_copy_found_but_not_recorded_is_recorded_not_copied_again() -> None:
    settings = make_settings(templates=[TemplateSettings(file="plan.docx", name="Learning plan")])
    folder = replace(settled("001", "tutor@school.example"), copies=frozenset({token("plan.docx")}))
    plan = plan_folders(
        settings=settings,
        roster=make_roster(
            ["001", "Doe, Jane", "teach@school.example", "tutor@school.example", "yes"]
        ),
        folders=[term_folder(), folder],
    )
    assert plan.changes == [RecordTemplate(folder.key, token("plan.docx"), plan.changes[0].reason)]


# --- A plan gone stale (another machine's run) -------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "copied", "stale"),
    [
        (set(), set(), []),
        ({"term:T"}, set(), [0]),
        ({"student:T:1"}, set(), [1]),
        (set(), {("student:T:1", token("tmpl"))}, [3]),
        (set(), {("student:T:2", token("tmpl"))}, []),  # another folder's copy
        ({"term:T", "student:T:1"}, {("student:T:1", token("tmpl"))}, [0, 1, 3]),
    ],
)
def test_made_meanwhile_names_only_creates_and_copies_already_done(keys, copied, stale):
    changes = [
        CreateFolder("term:T", FolderKind.TERM, "T", ROOT),
        CreateFolder("student:T:1", FolderKind.STUDENT, "A", "term:T", "1"),
        ShareFolder("student:T:1", "a@school.org", "writer"),  # never stale: shares repeat
        CopyTemplate("student:T:1", "tmpl", "Log - A"),
    ]
    made = made_meanwhile(changes, frozenset(keys), frozenset(copied))
    assert made == [changes[i] for i in stale]


def test_folder_and_copy_names_carry_no_direction_controls():
    student = {"first_name": "Sam\u202e", "last_name": "Lee\u2066", "name": "Lee\u200f, Sam"}
    assert folder_name("{last}, {first} ({id})", student, "00123") == "Lee, Sam (00123)"
    assert copy_name("Learning plan\u202a", student) == "Learning plan - Lee, Sam"


# Two addresses of one domain whose old 8-hex-digit tokens were the same (found by search).
OURS, HAND_MADE = "staff36139@school.example", "staff39376@school.example"


def test_a_hand_made_grant_is_never_taken_for_ours_by_a_token_it_shares():
    roster = make_roster(["001", "Doe, Jane", "teach@school.example", OURS, "no"])  # left
    folder = student_folder(
        "001", writer(OURS), writer(HAND_MADE), writer("teach@school.example"), ours={OURS}
    )
    plan = plan_folders(settings=make_settings(), roster=roster, folders=[term_folder(), folder])
    revoked = {c.email for c in plan.changes if isinstance(c, RevokeGrant)}
    assert OURS in revoked and HAND_MADE not in revoked


def legacy(email: str) -> str:
    """A grant's token as runs before 64-bit tokens recorded it: 8 hex digits."""
    return token(email)[:8]


def test_grants_recorded_with_old_short_tokens_are_still_ours():
    folder = settled("001", "tutor@school.example")
    folder = replace(folder, ours=frozenset(legacy(g.email) for g in folder.grants))
    plan = plan_folders(
        settings=make_settings(),
        roster=ROSTER,
        folders=[term_folder(), folder, settled("002", "tutor2@school.example")],
    )
    assert plan.changes == []  # all still ours: nothing to share, revoke or forget


def test_an_old_short_token_two_grants_share_is_ours_for_neither():
    roster = make_roster(["001", "Doe, Jane", "teach@school.example", "tutor@school.example", "no"])
    folder = student_folder("001", writer(OURS), writer(HAND_MADE), writer("teach@school.example"))
    folder = replace(folder, ours=frozenset({legacy(OURS), legacy("teach@school.example")}))
    plan = plan_folders(settings=make_settings(), roster=roster, folders=[term_folder(), folder])
    revoked = {c.email for c in plan.changes if isinstance(c, RevokeGrant)}
    assert "teach@school.example" in revoked and not revoked & {OURS, HAND_MADE}


# --- The program resources folder --------------------------------------------------------------

EDUCATORS = ["tutor@school.example", "teach@school.example", "tutor2@school.example"]
EVERYONE = [*EDUCATORS, "coord@school.example"]


def with_resources(**overrides: object) -> FolderSettings:
    return make_settings(resources="Program resources", **overrides)


def resources_folder(*grants: Grant, ours: set[str] = frozenset(), **kw) -> Folder:
    return Folder(
        RESOURCES_KEY,
        FolderKind.RESOURCES,
        "Program resources",
        kw.pop("parent_key", ROOT),
        "folders/Program resources",
        grants=tuple(grants),
        ours=frozenset(token(email) for email in ours),
        **kw,
    )


def settled_program(resources: Folder) -> list[Folder]:
    return [
        term_folder(),
        settled("001", "tutor@school.example"),
        settled("002", "tutor2@school.example"),
        resources,
    ]


def resources_changes(plan) -> list[tuple[str, str]]:
    """(what, whom) of each change to the resources folder, in order."""
    found = []
    for change in plan.changes:
        key = change.key if isinstance(change, CreateFolder) else change.folder_key
        if key == RESOURCES_KEY:
            whom = getattr(change, "email", getattr(change, "name", ""))
            found.append((type(change).__name__, whom))
    return found


def test_resources_folder_is_made_in_the_root_and_shared_with_every_educator_once() -> None:
    plan = plan_folders(settings=with_resources(), roster=ROSTER, folders=[])
    assert resources_changes(plan) == [
        ("CreateFolder", "Program resources"),
        *(("ShareFolder", email) for email in EVERYONE),
    ]
    [create] = [c for c in plan.changes if isinstance(c, CreateFolder) and c.key == RESOURCES_KEY]
    assert (create.kind, create.parent_key) == (FolderKind.RESOURCES, ROOT)
    assert all(c.reason for c in plan.changes)
    # Not a student's: no link for it, and no student folder planned twice.
    assert RESOURCES_KEY not in plan.links


def test_settled_resources_folder_plans_nothing_wherever_and_however_named() -> None:
    folder = resources_folder(*map(writer, EVERYONE), ours=set(EVERYONE))
    moved = replace(folder, name="Shared lesson plans", parent_key=None)
    for resources in (folder, moved):
        plan = plan_folders(
            settings=with_resources(), roster=ROSTER, folders=settled_program(resources)
        )
        assert plan.changes == [] and plan.issues == []


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param(  # a new tutor on the roster gets access
            [
                ["001", "Doe, Jane", "teach@school.example", "tutor@school.example", "yes"],
                ["002", "Roe, Rick", "teach@school.example", "tutor2@school.example", "yes"],
                ["004", "Poe, Ann", "teach@school.example", "new@school.example", "yes"],
            ],
            [("ShareFolder", "new@school.example")],
            id="new educator",
        ),
        pytest.param(  # the only student of tutor2 left: tutor2 loses tutorsync's grant
            [
                ["001", "Doe, Jane", "teach@school.example", "tutor@school.example", "yes"],
                ["002", "Roe, Rick", "teach@school.example", "tutor2@school.example", "no"],
            ],
            [("RevokeGrant", "tutor2@school.example")],
            id="educator left",
        ),
        pytest.param(  # reassigned: one granted, one revoked
            [
                ["001", "Doe, Jane", "teach@school.example", "tutor@school.example", "yes"],
                ["002", "Roe, Rick", "teach@school.example", "tutor9@school.example", "yes"],
            ],
            [("ShareFolder", "tutor9@school.example"), ("RevokeGrant", "tutor2@school.example")],
            id="reassigned",
        ),
        pytest.param(  # outside the allowed domains: never (reported at the student's cell)
            [
                ["001", "Doe, Jane", "teach@school.example", "tutor@school.example", "yes"],
                ["002", "Roe, Rick", "teach@school.example", "tutor2@school.example", "yes"],
                ["005", "Moe, Al", "teach@school.example", "someone@gmail.com", "yes"],
            ],
            [],
            id="outside the allowed domains",
        ),
    ],
)
def test_resources_sharing_follows_the_roster(rows, expected) -> None:
    folder = resources_folder(*map(writer, EVERYONE), ours=set(EVERYONE))
    roster = make_roster(*rows)
    folders = settled_program(folder)
    plan = plan_folders(settings=with_resources(), roster=roster, folders=folders)
    assert resources_changes(plan) == expected
    outside = [i for i in plan.issues if i.value == "someone@gmail.com"]
    assert len(outside) == (1 if "005" in roster.active.index else 0)  # once, at its cell


def test_resources_keeps_hand_grants_and_forgets_a_removed_grant_of_ours() -> None:
    # librarian: shared by hand, not on the roster; tutor2: ours, removed by hand.
    grants = [writer(e) for e in EVERYONE if e != "tutor2@school.example"]
    folder = resources_folder(
        *grants,
        Grant("librarian@school.example", "reader"),
        ours={*EVERYONE, "gone@school.example"},
    )
    plan = plan_folders(settings=with_resources(), roster=ROSTER, folders=settled_program(folder))
    assert resources_changes(plan) == [
        ("ShareFolder", "tutor2@school.example"),
        ("ForgetGrant", ""),
    ]


def test_a_trashed_resources_folder_is_reported_and_not_made_again() -> None:
    folder = resources_folder(trashed=True)
    plan = plan_folders(settings=with_resources(), roster=ROSTER, folders=settled_program(folder))
    assert resources_changes(plan) == []
    [issue] = plan.issues
    assert "program resources folder is in Drive's trash" in issue.problem


def test_no_resources_folder_when_resources_is_empty_and_one_made_before_is_left_alone() -> None:
    folder = resources_folder(writer("old@school.example"), ours={"old@school.example"})
    for folders in ([], settled_program(folder)):
        plan = plan_folders(settings=make_settings(resources=""), roster=ROSTER, folders=folders)
        assert resources_changes(plan) == []


def test_audit_checks_the_resources_folder_against_everyone_on_the_roster() -> None:
    folder = resources_folder(
        writer("tutor@school.example"),
        writer("old@school.example"),
        ours={"tutor@school.example", "old@school.example"},
    )
    [audit] = [
        a
        for a in audit_folders(settings=with_resources(), roster=ROSTER, folders=[folder])
        if a.key == RESOURCES_KEY
    ]
    assert audit.status == "resources"
    assert audit.missing == (
        "coord@school.example",
        "teach@school.example",
        "tutor2@school.example",
    )
    findings = {access.who: access.finding for access in audit.access}
    assert findings == {
        "tutor@school.example": "",
        "old@school.example": "not a tutor, teacher or coordinator on the roster",
    }


# --- Learning plans -------------------------------------------------------------------------


PLAN_TEMPLATE = "templates/plan.docx"


def with_plan(*, marked: bool = True) -> FolderSettings:
    return make_settings(
        templates=[
            {"file": PLAN_TEMPLATE, "name": "Learning plan", "learning_plan": marked},
            {"file": "templates/log.xlsx", "name": "Log"},
        ]
    )


def with_copies(folder: Folder, *copies: TemplateCopy) -> Folder:
    return replace(
        folder,
        copies=frozenset(c.template_token for c in copies),
        copy_files=copies,
    )


def copy_of(template: str, url: str, modified: datetime | None) -> TemplateCopy:
    return TemplateCopy(token(template), url, modified)


def test_a_learning_plan_is_the_marked_templates_copy_dated_in_the_programs_zone() -> None:
    late_evening = datetime(2026, 11, 20, 3, 30, tzinfo=UTC)  # 19 Nov, 22:30 in Chicago
    folders = [
        with_copies(
            settled("001", "tutor@school.example"),
            copy_of("templates/log.xlsx", "folders/2026-27/001/Log.xlsx", late_evening),
            copy_of(PLAN_TEMPLATE, "folders/2026-27/001/Plan.docx", late_evening),
        ),
        settled("002", "tutor2@school.example"),  # no copy: no plan
        with_copies(  # a student who left: not this term's student folder any more
            replace(settled("003", "x@school.example"), trashed=True),
            copy_of(PLAN_TEMPLATE, "folders/2026-27/003/Plan.docx", late_evening),
        ),
    ]
    assert plans_of(folders, with_plan(), "America/Chicago") == {
        "001": PlanFile("folders/2026-27/001/Plan.docx", date(2026, 11, 19))
    }
    assert plans_of(folders, with_plan(), "UTC")["001"].modified == date(2026, 11, 20)


def test_no_learning_plan_is_guessed_when_no_template_is_marked() -> None:
    folder = with_copies(
        settled("001", "tutor@school.example"),
        copy_of(PLAN_TEMPLATE, "folders/2026-27/001/Plan.docx", None),
    )
    assert plans_of([folder], with_plan(marked=False), "UTC") == {}
    single = make_settings(templates=[{"file": PLAN_TEMPLATE, "name": "Learning plan"}])
    assert plans_of([folder], single, "UTC") == {}


def test_a_plan_whose_time_is_unknown_has_no_date_and_of_two_copies_the_latest_wins() -> None:
    older = copy_of(
        PLAN_TEMPLATE, "https://docs.google.com/document/d/A/edit", datetime(2026, 1, 2, tzinfo=UTC)
    )
    newer = copy_of(
        PLAN_TEMPLATE, "https://docs.google.com/document/d/B/edit", datetime(2026, 3, 4, tzinfo=UTC)
    )
    unknown = copy_of(PLAN_TEMPLATE, "https://docs.google.com/document/d/C/edit", None)
    folder = settled("001", "tutor@school.example")
    assert plans_of([with_copies(folder, older, newer)], with_plan(), "UTC") == {
        "001": PlanFile("https://docs.google.com/document/d/B/edit", date(2026, 3, 4))
    }
    assert plans_of([with_copies(folder, unknown)], with_plan(), "UTC") == {
        "001": PlanFile("https://docs.google.com/document/d/C/edit", None)
    }


def test_a_plan_copy_recorded_under_an_earlier_runs_short_token_is_the_plan() -> None:
    # The 8 digits earlier runs wrote are read as today's token, as for the folder's records
    # (with_current_tokens): the copy of the marked template is the plan, the log's is not.
    at = datetime(2026, 3, 4, tzinfo=UTC)
    plan_copy = TemplateCopy(token(PLAN_TEMPLATE)[:8], "folders/2026-27/001/Plan.docx", at)
    log_copy = TemplateCopy(token("templates/log.xlsx")[:8], "folders/2026-27/001/Log.xlsx", at)
    folder = with_copies(settled("001", "tutor@school.example"), log_copy, plan_copy)
    assert plans_of([folder], with_plan(), "UTC") == {
        "001": PlanFile("folders/2026-27/001/Plan.docx", date(2026, 3, 4))
    }
    only_log = with_copies(settled("001", "tutor@school.example"), log_copy)
    assert plans_of([only_log], with_plan(), "UTC") == {}


def test_only_two_learning_plan_templates_are_refused() -> None:
    with pytest.raises(ValueError, match="mark only the one"):
        make_settings(
            templates=[
                {"file": "a", "name": "A", "learning_plan": True},
                {"file": "b", "name": "B", "learning_plan": True},
            ]
        )


def test_a_plan_moves_with_its_folder_where_its_address_is_a_path() -> None:
    plans = {
        "001": PlanFile("folders/2026-27/Archived/001/Plan.docx", None),
        "002": PlanFile("https://docs.google.com/document/d/B/edit", None),
    }
    before = {
        "001": "folders/2026-27/Archived/001",
        "002": "https://drive.google.com/drive/folders/F",
    }
    after = {"001": "folders/2026-27/001", "002": "https://drive.google.com/drive/folders/F"}
    assert plans_after(plans, before, after) == {
        "001": PlanFile("folders/2026-27/001/Plan.docx", None),
        "002": plans["002"],
    }


def test_a_plan_copied_this_run_is_linked_at_the_address_the_apply_knew_before_making_it() -> None:
    made_at = datetime(2026, 11, 24, 4, 10, tzinfo=UTC)  # 23 Nov, 22:10 in Chicago
    new_plan = copy_of(PLAN_TEMPLATE, "https://drive.google.com/file/d/N/view", made_at)
    copies = {
        (student_key(TERM, "002"), token(PLAN_TEMPLATE)): new_plan,
        # Not the learning plan: a template copy, never a plan.
        (student_key(TERM, "003"), token("templates/log.xlsx")): copy_of(
            "templates/log.xlsx", "https://drive.google.com/file/d/L/view", made_at
        ),
        # A student with no folder after the run (its creation failed): no link.
        (student_key(TERM, "004"), token(PLAN_TEMPLATE)): new_plan,
    }
    students = ["001", "002", "003"]

    assert plans_copied(copies, students, with_plan(), "America/Chicago") == {
        "002": PlanFile("https://drive.google.com/file/d/N/view", date(2026, 11, 23))
    }
    assert plans_copied(copies, students, with_plan(marked=False), "UTC") == {}


def test_after_the_changes_listed_plans_and_those_copied_now_are_linked_together() -> None:
    listed_plan = copy_of(PLAN_TEMPLATE, "folders/2026-27/001/Plan.docx", None)
    folders = [
        with_copies(settled("001", "tutor@school.example"), listed_plan),
        settled("002", "tutor2@school.example"),  # its plan is copied by this run
    ]
    plan = FolderPlan(links={"001": "folders/2026-27/001", "002": "folders/2026-27/002"})
    links = {**plan.links, "003": "folders/2026-27/003"}  # 003's folder is made by this run
    copied = datetime(2026, 11, 23, 12, tzinfo=UTC)
    copies = {
        (student_key(TERM, sid), token(PLAN_TEMPLATE)): copy_of(
            PLAN_TEMPLATE, f"folders/2026-27/{sid}/Plan.docx", copied
        )
        for sid in ("002", "003")
    }
    plan.changes = [CopyTemplate(key, PLAN_TEMPLATE, "Plan") for key, _ in copies]

    plans, awaited = plans_after_changes(folders, plan, links, copies, with_plan(), "UTC")

    assert plans == {
        "001": PlanFile("folders/2026-27/001/Plan.docx", None),
        "002": PlanFile("folders/2026-27/002/Plan.docx", date(2026, 11, 23)),
        "003": PlanFile("folders/2026-27/003/Plan.docx", date(2026, 11, 23)),
    }
    assert awaited == ()
    # Copies the apply knew no address of before making them (Google Docs'): the listed plan,
    # and the students whose plans are linked once the copies are made.
    assert plans_after_changes(folders, plan, links, {}, with_plan(), "UTC") == (
        {"001": plans["001"]},
        ("002", "003"),
    )


def test_a_plan_whose_address_drive_gives_as_it_copies_it_is_awaited_then_linked_if_made() -> None:
    made_at = datetime(2026, 11, 24, 4, 10, tzinfo=UTC)  # 23 Nov, 22:10 in Chicago
    doc = "https://docs.google.com/document/d/{}/edit"
    links = {sid: f"https://drive.google.com/drive/folders/F{sid}" for sid in ("001", "002", "003")}
    plan = FolderPlan(
        changes=[
            CopyTemplate(student_key(TERM, "001"), "templates/log.xlsx", "Log"),  # not a plan
            CopyTemplate(student_key(TERM, "002"), PLAN_TEMPLATE, "Plan"),
            CopyTemplate(student_key(TERM, "003"), PLAN_TEMPLATE, "Plan"),
            CopyTemplate(student_key(TERM, "004"), PLAN_TEMPLATE, "Plan"),  # no folder after
        ],
        links=links,
    )
    known = {  # 002's address was known before the copy was made: linked already
        (student_key(TERM, "002"), token(PLAN_TEMPLATE)): copy_of(PLAN_TEMPLATE, "N", made_at)
    }

    assert plans_awaited(plan, links, known, with_plan()) == ("003",)
    assert plans_awaited(plan, links, {}, with_plan()) == ("002", "003")
    assert plans_awaited(plan, links, {}, with_plan(marked=False)) == ()
    assert plans_awaited(FolderPlan(links=links), links, {}, with_plan()) == ()  # none copied

    # Once Drive made them (PendingApply.copies_made()): the one made is linked at the
    # address Drive answered, dated the day it was made; one that failed is not there.
    made = {
        (student_key(TERM, "003"), token(PLAN_TEMPLATE)): copy_of(
            PLAN_TEMPLATE, doc.format("D3"), made_at
        ),
        (student_key(TERM, "001"), token("templates/log.xlsx")): copy_of(
            "templates/log.xlsx", doc.format("L1"), made_at
        ),
    }
    assert plans_copied(made, ("002", "003"), with_plan(), "America/Chicago") == {
        "003": PlanFile(doc.format("D3"), date(2026, 11, 23))
    }
