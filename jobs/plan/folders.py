"""The folders job's pure planner: from the roster and the folders as they stand, the Drive
changes that make every student folder exist, sit in the right place, and be shared with exactly
the right people. Also the sharing audit. No I/O, no clock.

Rules (README, "Student folders"):
- every active student has one folder, `<root>/<term>/<name>`, created once and found by key,
  so an educator may rename or re-sort it;
- it is shared (folders.role) with the student's tutors and teachers and the coordinators, and
  only with addresses inside folders.allowed_domains; any other address is refused and reported;
- tutorsync revokes only grants it recorded as its own; a grant someone added by hand stays;
- a student who leaves keeps the folder, moved to `<term>/<archive>`, and (revoke_on_leave)
  loses tutorsync's grants but the coordinators'; a student who comes back is moved back;
- each template is copied into a folder once, ever;
- one program resources folder (folders.resources), `<root>/<resources>`, is shared with every
  tutor and teacher of an active student and the coordinators, by the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

import pandas as pd

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
    PlanFile,
    RecordTemplate,
    RevokeGrant,
    RewriteRecord,
    ShareFolder,
    TemplateCopy,
    role_covers,
    token,
    with_current_tokens,
)
from jobs.settings import FolderSettings
from sheets_schema.issues import DataIssue, Severity, a1
from sheets_schema.roster import Roster
from sheets_schema.table import ROW


def term_key(term: str) -> str:
    return f"term:{term}"


def archive_key(term: str) -> str:
    return f"archive:{term}"


def student_key(term: str, student_id: str) -> str:
    return f"student:{term}:{student_id}"


RESOURCES_KEY = "resources"  # the program resources folder: one per program, every term


@dataclass
class FolderPlan:
    changes: list[FolderChange] = field(default_factory=list)
    issues: list[DataIssue] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)  # student ID -> URL of their folder


@dataclass(frozen=True)
class _Person:
    email: str
    role: str  # "tutor" | "teacher" | "coordinator": why they get access


def plan_folders(
    *, settings: FolderSettings, roster: Roster, folders: Sequence[Folder]
) -> FolderPlan:
    """The changes that bring this term's folders in line with the roster."""
    folders = _current_tokens(folders, settings)
    plan = FolderPlan()
    term = settings.term
    by_key = {folder.key: folder for folder in folders}
    plan.issues += _duplicates(folders)
    term_folder = by_key.get(term_key(term))
    if term_folder is not None and term_folder.trashed:
        plan.issues.append(_trashed_issue(roster, term_folder, f"the folder for term {term}"))
        return plan
    active = roster.active
    needs_term = False
    educators: list[list[_Person]] = []  # each active student's, for the resources folder
    for student_id, student in _students(active):
        people = _people(settings, student, plan.issues, roster, student_id)
        educators.append(people)
        if _plan_student_folder(plan, settings, roster, by_key, student_id, student, people):
            needs_term = True
    needs_archive = _plan_leavers(plan, settings, active, folders)
    _plan_resources(plan, settings, roster, by_key.get(RESOURCES_KEY), educators)
    structure: list[FolderChange] = []
    if needs_term and term_folder is None:
        structure.append(
            CreateFolder(
                term_key(term), FolderKind.TERM, term, ROOT, reason=f"the folder for term {term}"
            )
        )
    if needs_archive and archive_key(term) not in by_key:
        structure.append(
            CreateFolder(
                archive_key(term),
                FolderKind.ARCHIVE,
                settings.archive,
                term_key(term),
                reason=f"where folders of students who left during {term} are kept",
            )
        )
    plan.changes = structure + plan.changes + _rewrites(folders)
    return plan


def _rewrites(folders: Sequence[Folder]) -> list[FolderChange]:
    """Records an earlier version kept where only the sign-ins of one Cloud project read them
    are moved where every sign-in does, before a new one (another service account, a
    coordinator's OAuth client) would miss them and make every folder again."""
    return [
        RewriteRecord(
            folder.key,
            reason="an earlier tutorsync kept it where only sign-ins of the same Google Cloud "
            "project can read it",
        )
        for folder in folders
        if folder.outdated_record
    ]


def _plan_student_folder(
    plan: FolderPlan,
    settings: FolderSettings,
    roster: Roster,
    by_key: Mapping[str, Folder],
    student_id: str,
    student: Mapping[str, object],
    people: Sequence[_Person],
) -> bool:
    """Add to `plan` what an active student's folder needs: made, moved back from the
    archive, shared with `people`, filled with templates. True when that needs the term's
    folder."""
    term = settings.term
    key = student_key(term, student_id)
    folder = by_key.get(key)
    needs_term = False
    if folder is None:
        needs_term = True
        plan.changes.append(
            CreateFolder(
                key,
                FolderKind.STUDENT,
                folder_name(settings.name, student, student_id),
                term_key(term),
                student_id,
                reason=f"student {student_id} is on the roster and has no folder",
            )
        )
        folder = Folder(key, FolderKind.STUDENT, "", term_key(term), "")
    elif folder.trashed:
        plan.issues.append(_trashed_issue(roster, folder, f"student {student_id}'s folder"))
        return False
    else:
        plan.links[student_id] = folder.url
        if folder.parent_key == archive_key(term):
            needs_term = True
            plan.changes.append(
                MoveFolder(key, term_key(term), reason=f"student {student_id} is back")
            )
    plan.changes += _sharing(settings, folder, people, f"student {student_id}")
    plan.issues += _hand_grants_below(settings, roster, folder, people, student_id)
    plan.changes += _copies(settings, folder, student, student_id)
    return needs_term


def _plan_leavers(
    plan: FolderPlan, settings: FolderSettings, active: pd.DataFrame, folders: Sequence[Folder]
) -> bool:
    """Add to `plan` what the folders of students no longer `active` need: archived and
    (revoke_on_leave) unshared. True when that needs the term's archive folder."""
    term = settings.term
    needs_archive = False
    coordinators = {email for email in settings.coordinators}
    for folder in folders:
        if folder.kind != FolderKind.STUDENT or not folder.key.startswith(f"student:{term}:"):
            continue
        if folder.student_id in active.index or folder.trashed:
            continue
        reason = f"student {folder.student_id} is no longer active on the roster"
        if folder.parent_key == term_key(term):
            needs_archive = True
            plan.changes.append(MoveFolder(folder.key, archive_key(term), reason=reason))
        if settings.revoke_on_leave:
            keep = [_Person(email, "coordinator") for email in sorted(coordinators) if email]
            whose = f"student {folder.student_id}"
            plan.changes += _sharing(settings, folder, keep, whose, leaving=True)
    return needs_archive


def _plan_resources(
    plan: FolderPlan,
    settings: FolderSettings,
    roster: Roster,
    folder: Folder | None,
    educators: Iterable[Sequence[_Person]],
) -> None:
    """Add to `plan` what the program resources folder needs: made once, and shared with
    exactly the `educators` of the roster's active students (each student's `_people`) and the
    coordinators (tutorsync's grants only: access given by hand stays). Nothing when
    folders.resources is "": a folder made before is then left as it is."""
    if not settings.resources:
        return
    if folder is None:
        plan.changes.append(
            CreateFolder(
                RESOURCES_KEY,
                FolderKind.RESOURCES,
                settings.resources,
                ROOT,
                reason="the program's resources folder (folders.resources) does not exist",
            )
        )
        folder = Folder(RESOURCES_KEY, FolderKind.RESOURCES, "", ROOT, "")
    elif folder.trashed:
        plan.issues.append(_trashed_issue(roster, folder, "the program resources folder"))
        return
    people = _educators_and_coordinators(settings, educators)
    plan.changes += _sharing(settings, folder, people, _PROGRAM)


_PROGRAM = "an active student"  # whose educator someone is, for the resources folder


def resources_people(settings: FolderSettings, roster: Roster) -> list[_Person]:
    """Everyone the resources folder is shared with: each tutor and teacher of an active
    student inside the allowed domains (those outside are reported at their students' cells
    already), then the coordinators; in roster order."""
    educators = (
        _people(settings, student, [], roster, student_id)
        for student_id, student in _students(roster.active)
    )
    return _educators_and_coordinators(settings, educators)


def _educators_and_coordinators(
    settings: FolderSettings, people: Iterable[Sequence[_Person]]
) -> list[_Person]:
    """The tutors and teachers among each student's `people`, first come first, then the
    coordinators."""
    wanted: dict[str, _Person] = {}
    for student_people in people:
        for person in student_people:
            if person.role != "coordinator":
                wanted.setdefault(person.email, person)
    for email in settings.coordinators:
        wanted.setdefault(email, _Person(email, "coordinator"))
    return list(wanted.values())


def _students(active: pd.DataFrame) -> list[tuple[str, dict[str, object]]]:
    """Each active student's ID and row, the row a dict of its cells as `iterrows` gives them
    (a Series per row costs more than the planning it serves)."""
    ids = [str(student_id) for student_id in active.index]
    return list(zip(ids, active.to_dict("records"), strict=True))


def links_of(folders: Iterable[Folder], term: str) -> dict[str, str]:
    """Student ID -> URL of their folder this term (not trashed)."""
    return {
        folder.student_id: folder.url
        for folder in folders
        if folder.kind == FolderKind.STUDENT
        and folder.key == student_key(term, folder.student_id)
        and not folder.trashed
    }


def _current_tokens(folders: Sequence[Folder], settings: FolderSettings) -> list[Folder]:
    templates = [template.file for template in settings.templates]
    return [with_current_tokens(folder, templates) for folder in folders]


def links_after(plan: FolderPlan, urls: Mapping[str, str], term: str) -> dict[str, str]:
    """Student ID -> folder URL after the plan's changes: the folders that were there (a local
    move changes a path) and the ones it creates. `urls` are the URLs by key after them."""
    created = [
        change.student_id
        for change in plan.changes
        if isinstance(change, CreateFolder) and change.kind == FolderKind.STUDENT
    ]
    students = [*plan.links, *created]
    return {
        student_id: url
        for student_id in students
        if (url := urls.get(student_key(term, student_id)) or plan.links.get(student_id))
    }


def plans_of(
    folders: Iterable[Folder], settings: FolderSettings, timezone: str
) -> dict[str, PlanFile]:
    """Student ID -> their learning plan this term: the copy in their folder of the template
    marked learning_plan (none marked: none, never guessed), with the day in the program's
    `timezone` anyone last changed it. A student whose copy is gone has none."""
    template = settings.learning_plan
    if template is None:
        return {}
    wanted, zone = token(template.file), ZoneInfo(timezone)
    plans: dict[str, PlanFile] = {}
    for folder in _current_tokens(list(folders), settings):
        if folder.kind != FolderKind.STUDENT or folder.trashed:
            continue
        if folder.key != student_key(settings.term, folder.student_id):
            continue
        copies = [c for c in folder.copy_files if c.template_token == wanted]
        if copies:  # two (a run raced another): the one changed last is the one in use
            latest = max(copies, key=lambda c: (c.modified is not None, c.modified, c.url))
            plans[folder.student_id] = _plan_file(latest, zone)
    return plans


def plans_after_changes(
    folders: Iterable[Folder],
    plan: FolderPlan,
    links: Mapping[str, str],
    copies: Mapping[tuple[str, str], TemplateCopy],
    settings: FolderSettings,
    timezone: str,
) -> tuple[dict[str, PlanFile], tuple[str, ...]]:
    """Student ID -> their learning plan once the plan's changes are made: those listed
    (`folders`, before the changes), where their folders are after them (`links`, student ID
    -> folder URL), and those the changes copy whose address was known before they were made
    (`copies`, PendingApply's), so a plan is linked from the run that copies it. Then the
    students whose plan is copied at an address known only once it is made (`plans_awaited`:
    a Google Doc's copy), to link from the copies made (`plans_copied`) once they are."""
    listed = plans_after(plans_of(folders, settings, timezone), plan.links, links)
    plans = listed | plans_copied(copies, links, settings, timezone)
    return plans, plans_awaited(plan, links, copies, settings)


def plans_awaited(
    plan: FolderPlan,
    links: Mapping[str, str],
    copies: Mapping[tuple[str, str], TemplateCopy],
    settings: FolderSettings,
) -> tuple[str, ...]:
    """The students (of `links`: with a folder after the changes) whose learning plan the
    plan's changes copy at an address not known before the copy is made (not in `copies`,
    PendingApply's: on Google a copy of a Google Doc, Sheet or Slides deck). Their plans are
    `plans_copied` from the copies made (PendingApply.copies_made()), once they are made."""
    template = settings.learning_plan
    if template is None:
        return ()
    wanted = token(template.file)
    copying = {
        change.folder_key
        for change in plan.changes
        if isinstance(change, CopyTemplate) and change.template_token == wanted
    }
    return tuple(
        student_id
        for student_id in links
        if (key := student_key(settings.term, student_id)) in copying
        and (key, wanted) not in copies
    )


def plans_copied(
    copies: Mapping[tuple[str, str], TemplateCopy],
    students: Iterable[str],
    settings: FolderSettings,
    timezone: str,
) -> dict[str, PlanFile]:
    """Student ID -> the learning plan this run copies into their folder, of the `students`
    (those with a folder after the run): `copies` are the copies whose address the apply knew
    (before making them, or once it made them), by (folder key, template token), as the next
    listing will show them, so the plan is linked from the run that copies it, as `plans_of`
    will find it on the next."""
    template = settings.learning_plan
    if template is None:
        return {}
    wanted, zone = token(template.file), ZoneInfo(timezone)
    return {
        student_id: _plan_file(copy, zone)
        for student_id in students
        if (copy := copies.get((student_key(settings.term, student_id), wanted))) is not None
    }


def _plan_file(copy: TemplateCopy, zone: ZoneInfo) -> PlanFile:
    """A learning plan's copy, with the day in `zone` anyone last changed it."""
    return PlanFile(copy.url, copy.modified.astimezone(zone).date() if copy.modified else None)


def plans_after(
    plans: Mapping[str, PlanFile], before: Mapping[str, str], after: Mapping[str, str]
) -> dict[str, PlanFile]:
    """The plans with the URLs they have once the folders that hold them moved: locally a
    file's URL is its path, under its folder's (student ID -> folder URL `before` and
    `after`); on Google a file's URL does not change with its folder's."""
    moved: dict[str, PlanFile] = {}
    for student_id, plan in plans.items():
        old, new = before.get(student_id, ""), after.get(student_id, "")
        if old and new and old != new and plan.url.startswith(f"{old}/"):
            plan = replace(plan, url=new + plan.url[len(old) :])
        moved[student_id] = plan
    return moved


def folder_name(pattern: str, student: Mapping[str, object], student_id: str) -> str:
    """A new folder's name from folders.name, tidied when the roster has only one name part."""
    first = str(student.get("first_name") or "").strip()
    last = str(student.get("last_name") or "").strip()
    name = str(student.get("name") or "").strip()
    text = pattern.format(first=first, last=last, name=name, id=student_id)
    text = re.sub(r"^[\s,]+|[\s,]+$", "", text)  # "{last}, {first}" with no first name
    text = re.sub(r"\s*,\s*(?=\()", " ", text)  # "{last}, {first} ({id})" with no first
    return " ".join(_without_direction_marks(text).split())


def copy_name(template_name: str, student: Mapping[str, object]) -> str:
    name = f"{template_name} - {str(student.get('name') or '').strip()}".strip(" -")
    return _without_direction_marks(name)


# Bidirectional controls (U+202E, right-to-left override, among them) make a name show other
# than it is: "Lee (00123)\u202exlsx.exe" reads as a different file. Never in a name made.
_DIRECTION_MARKS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _without_direction_marks(text: str) -> str:
    return _DIRECTION_MARKS.sub("", text)


# --- Sharing -------------------------------------------------------------------------------------


def _people(
    settings: FolderSettings,
    student: Mapping[str, object],
    issues: list[DataIssue],
    roster: Roster,
    student_id: str,
) -> list[_Person]:
    """Who should open this student's folder; addresses outside the allowed domains are
    refused, each with a data issue at its roster cell."""
    wanted: dict[str, _Person] = {}
    for role, column in (("tutor", "tutors"), ("teacher", "teachers")):
        emails = student.get(column) or ()
        assert isinstance(emails, tuple | list)
        for email in emails:
            email = str(email).lower()
            if not settings.allows(email):
                issues.append(_outside_issue(settings, roster, student, student_id, email, role))
                continue
            wanted.setdefault(email, _Person(email, role))
    for email in settings.coordinators:
        wanted.setdefault(email, _Person(email, "coordinator"))
    return list(wanted.values())


def _sharing(
    settings: FolderSettings,
    folder: Folder,
    people: Sequence[_Person],
    whose: str,
    *,
    leaving: bool = False,
) -> list[FolderChange]:
    """Shares, role changes, revokes and forgets for one folder: tutorsync's grants end up
    exactly `people`, and nobody else's grant is touched. `whose` names what the people
    are educators of ("student 00123"), for the reasons."""
    changes: list[FolderChange] = []
    direct = {g.email: g for g in folder.grants if g.kind in ("user", "group") and not g.inherited}
    inherited = {g.email: g for g in folder.grants if g.inherited}
    wanted = {person.email: person for person in people}
    for person in people:
        grant = direct.get(person.email)
        if grant is None:
            covering = inherited.get(person.email)
            if leaving or (covering and role_covers(covering.role, settings.role)):
                continue
            changes.append(
                ShareFolder(
                    folder.key,
                    person.email,
                    settings.role,
                    reason=f"{person.role} of {whose}",
                )
            )
        elif grant.token in folder.ours and grant.role != settings.role:
            changes.append(
                ChangeRole(
                    folder.key,
                    person.email,
                    settings.role,
                    reason=f"folders.role is {settings.role}",
                )
            )
    for email, grant in sorted(direct.items()):
        if grant.token in folder.ours and email not in wanted:
            why = f"{whose} left" if leaving else f"no longer a tutor or teacher of {whose}"
            changes.append(RevokeGrant(folder.key, email, reason=why))
    present = {grant.token for grant in direct.values()}
    wanted_tokens = {token(email) for email in wanted}
    for recorded in sorted(folder.ours - present - wanted_tokens):
        changes.append(
            ForgetGrant(folder.key, recorded, reason="someone removed this grant by hand")
        )
    return changes


def _hand_grants_below(
    settings: FolderSettings,
    roster: Roster,
    folder: Folder,
    people: Sequence[_Person],
    student_id: str,
) -> list[DataIssue]:
    """A person who should have access holds a weaker grant someone made by hand: tutorsync
    never changes a hand-made grant, so it says so instead."""
    issues = []
    for person in people:
        grant = next(
            (g for g in folder.grants if g.email == person.email and not g.inherited), None
        )
        if grant is None or grant.token in folder.ours or role_covers(grant.role, settings.role):
            continue
        issues.append(
            DataIssue(
                roster.source,
                roster.tab,
                "",
                person.email,
                f"{person.email} ({person.role} of student {student_id}) has {grant.role} access "
                f"to the student's folder, shared by hand, so tutorsync did not give them "
                f"{settings.role} access (it never changes a grant someone made by hand)",
                "remove their access in Drive's Share dialog and tutorsync shares the folder "
                "again on its next run, or give them the access yourself",
                Severity.WARNING,
            )
        )
    return issues


def _copies(
    settings: FolderSettings, folder: Folder, student: Mapping[str, object], student_id: str
) -> list[FolderChange]:
    changes: list[FolderChange] = []
    for template in settings.templates:
        template_token = token(template.file)
        if template_token in folder.templates:
            continue
        if template_token in folder.copies:
            changes.append(
                RecordTemplate(
                    folder.key,
                    template_token,
                    reason=f"'{template.name}' was copied here (by a run that stopped "
                    "before recording it, or its copy is in the trash); recorded, so it is "
                    "never copied again",
                )
            )
            continue
        changes.append(
            CopyTemplate(
                folder.key,
                template.file,
                copy_name(template.name, student),
                reason=f"'{template.name}' has not been copied for student {student_id}",
            )
        )
    return changes


# --- Issues --------------------------------------------------------------------------------------


def _outside_issue(
    settings: FolderSettings,
    roster: Roster,
    student: Mapping[str, object],
    student_id: str,
    email: str,
    role: str,
) -> DataIssue:
    column = roster.columns.get(f"{role}_email")
    row = student.get(ROW)
    cell = a1(int(str(row)), column) if column is not None and row is not None else ""
    domains = ", ".join(settings.allowed_domains)
    return DataIssue(
        roster.source,
        roster.tab,
        cell,
        email,
        f"{email} ({role} of student {student_id}) is outside the allowed domains ({domains}), "
        "so the student's folder was not shared with them",
        "use their school address, or add their domain to folders.allowed_domains if it "
        "belongs to your organisation",
    )


def _trashed_issue(roster: Roster, folder: Folder, what: str) -> DataIssue:
    return DataIssue(
        roster.source,
        roster.tab,
        "",
        folder.url,
        f"{what} is in Drive's trash, so tutorsync left it alone (it never makes a second one)",
        "restore it from the trash in Google Drive; tutorsync picks it up on its next run",
    )


def _duplicates(folders: Iterable[Folder]) -> list[DataIssue]:
    return [
        DataIssue(
            "Drive",
            folder.key,
            "",
            " ".join(folder.duplicate_urls),
            f"{len(folder.duplicate_urls) + 1} folders carry the key {folder.key}; tutorsync "
            f"keeps {folder.url} up to date and leaves the other(s) alone",
            "move anything in the other folder(s) into the first, then delete them",
            Severity.WARNING,
        )
        for folder in folders
        if folder.duplicate_urls
    ]


# --- Audit ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """One person's (or link's) access to a folder, as the audit shows it."""

    who: str  # an e-mail, "anyone with the link" or "everyone at <domain>"
    role: str
    source: str  # "tutorsync" | "by hand" | "inherited" | "owner"
    finding: str = ""  # "" when as intended; else what is wrong


@dataclass(frozen=True)
class FolderAudit:
    key: str
    name: str
    url: str
    student_id: str
    status: str  # "active" | "left" | "other term" | "structure" | "resources"
    access: tuple[Access, ...]
    missing: tuple[str, ...]  # people who should have access and do not

    @property
    def findings(self) -> int:
        return len(self.missing) + sum(1 for a in self.access if a.finding)


def audit_folders(
    *, settings: FolderSettings, roster: Roster, folders: Sequence[Folder]
) -> list[FolderAudit]:
    """Who can open each folder, and how that differs from the roster: extra people, missing
    people, grants outside the allowed domains, link and domain-wide grants. Changes nothing."""
    active = roster.active
    audits = []
    folders = _current_tokens(folders, settings)
    for folder in sorted(folders, key=lambda f: (f.kind != FolderKind.TERM, f.key)):
        intended: set[str] = set()
        status = "structure"
        if folder.kind == FolderKind.STUDENT:
            if not folder.key.startswith(f"student:{settings.term}:"):
                status = "other term"
            elif folder.student_id in active.index:
                status = "active"
                student = active.loc[folder.student_id]
                intended = {
                    p.email for p in _people(settings, student, [], roster, folder.student_id)
                }
            else:
                status = "left"
                intended = set(settings.coordinators) if settings.revoke_on_leave else set()
        elif folder.kind == FolderKind.RESOURCES:
            status = "resources"
            intended = {person.email for person in resources_people(settings, roster)}
        access = tuple(
            _access(settings, folder, grant, intended, status) for grant in folder.grants
        )
        held = {g.email for g in folder.grants if role_covers(g.role, settings.role) and g.email}
        missing = tuple(sorted(intended - held)) if status in ("active", "resources") else ()
        audits.append(
            FolderAudit(
                folder.key, folder.name, folder.url, folder.student_id, status, access, missing
            )
        )
    return audits


def _access(
    settings: FolderSettings, folder: Folder, grant: Grant, intended: set[str], status: str
) -> Access:
    source = (
        "owner"
        if grant.role == "owner"
        else "inherited"
        if grant.inherited
        else "tutorsync"
        if grant.token in folder.ours
        else "by hand"
    )
    if grant.kind == "anyone":
        return Access("anyone with the link", grant.role, source, "link sharing is on")
    if grant.kind == "domain":
        return Access(
            f"everyone at {grant.email}", grant.role, source, "shared with a whole domain"
        )
    finding = ""
    if source != "owner" and not settings.allows(grant.email):
        finding = "outside the allowed domains"
    elif (
        status in ("active", "left", "resources")
        and source in ("tutorsync", "by hand")
        and grant.email not in intended
    ):
        finding = (
            "not a tutor, teacher or coordinator on the roster"
            if status == "resources"
            else "not a tutor, teacher or coordinator of this student"
        )
    return Access(grant.email, grant.role, source, finding)
