"""Links, made by the workspace for the spreadsheet or calendar each is written into (locally
a path relative to that file; on Google an address). The job shells build them here, so the
planners receive plain values and never a Workspace."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import accumulate

from jobs.model.calendar import NextCheckins
from jobs.plan.progress import SUMMARY, LearningPlans, TabLinks, issue_place, soonest_checkins
from jobs.plan.spreadsheets import teacher_spreadsheets
from jobs.read import PlanFile, Reading
from jobs.reconcile.goals import typed_plans
from jobs.reconcile.program import TeacherRows
from jobs.settings import Settings
from jobs.workspace.port import Workspace
from sheets_schema.cells import Link
from sheets_schema.outputs import FOLDER_LINK_TEXT


def progress_links(
    settings: Settings,
    workspace: Workspace,
    reading: Reading,
    folder_urls: Mapping[str, str] | None,
    next_checkins: NextCheckins | None,
    plans: Mapping[str, PlanFile] | None = None,
) -> TabLinks:
    """The folder, next check-in and data issue links of every progress tab; folder or
    check-in links this run does not know (None) stay None, and are carried as they are."""
    reconciled = reading.reconciled
    coordinator = settings.outputs.coordinator_spreadsheet
    # Each tab's owner, the spreadsheet it is written into, and its students.
    students = _students_by_teacher(reconciled.by_teacher)
    tabs: dict[str | None, tuple[str, Sequence[str]]] = {
        teacher: (spreadsheet, students[teacher])
        for teacher, spreadsheet in reading.teacher_spreadsheets.items()
    }
    tabs[SUMMARY] = (coordinator, list(map(str, reconciled.summary.index)))
    folders = None
    if settings.folders and folder_urls is not None:
        folders = {
            owner: {
                student_id: Link(
                    FOLDER_LINK_TEXT, workspace.drive.link(url, from_spreadsheet=spreadsheet)
                )
                for student_id in students
                if (url := folder_urls.get(student_id))
            }
            for owner, (spreadsheet, students) in tabs.items()
        }
    checkins = None
    if settings.checkins and next_checkins is not None:
        calendar = settings.checkins.calendar
        soonest = soonest_checkins(next_checkins)
        checkins = {
            owner: {
                student_id: Link(
                    start.strftime("%a %Y-%m-%d %H:%M"),
                    workspace.calendar.link(calendar, event, from_spreadsheet=spreadsheet),
                )
                for student_id, (start, event) in soonest.get(owner, {}).items()
            }
            for owner, (spreadsheet, _) in tabs.items()
        }
    issues = {
        place: workspace.link(*place, from_spreadsheet=coordinator)
        for place in {issue_place(issue) for issue in reconciled.issues if issue.cell}
    }
    plans_linked = learning_plans(settings, workspace, reading, tabs, plans)
    return TabLinks(folders, checkins, issues, plans_linked)


def learning_plans(
    settings: Settings,
    workspace: Workspace,
    reading: Reading,
    tabs: Mapping[str | None, tuple[str, Sequence[str]]],
    plans: Mapping[str, PlanFile] | None,
) -> LearningPlans | None:
    """Each student's learning plan, linked from the spreadsheet of each progress tab that
    shows them (`tabs`: owner -> spreadsheet and students): the copy the folders job found in
    their folder, else a link typed on the Goals tab (whose last change tutorsync cannot
    know). None when the tabs have no Learning plan column."""
    if not shows_learning_plans(settings):
        return None
    found = plans or {}
    goals = reading.reconciled.goals
    typed = typed_plans(goals) if goals is not None else {}
    # A tab's own students only: every plan linked from every teacher's spreadsheet would be
    # students x teachers links (1.6 million, 48 s, at 5,000 students).
    links = {
        owner: {
            student_id: workspace.drive.link(plan.url, from_spreadsheet=spreadsheet)
            if (plan := found.get(student_id)) is not None
            else typed[student_id]
            for student_id in students
            if student_id in found or student_id in typed
        }
        for owner, (spreadsheet, students) in tabs.items()
    }
    modified = {student_id: plan.modified for student_id, plan in found.items()}
    return LearningPlans(links, modified)


def _students_by_teacher(by_teacher: TeacherRows) -> dict[str, list[str]]:
    """Each teacher's student IDs, from the one frame of every teacher's rows rather than a
    frame sliced per teacher (thousands of teachers)."""
    ids = list(map(str, by_teacher.rows.index))
    ends = accumulate(by_teacher.sizes.values())
    return {
        teacher: ids[end - size : end]
        for (teacher, size), end in zip(by_teacher.sizes.items(), ends, strict=True)
    }


def shows_learning_plans(settings: Settings) -> bool:
    """Whether the progress tabs have a Learning plan column: with a Goals tab (where a plan
    may be linked) or a learning-plan template copied into the student folders."""
    with_template = settings.folders is not None and settings.folders.learning_plan is not None
    return settings.sources.goals is not None or with_template


def checkin_links(
    settings: Settings, workspace: Workspace, folder_urls: Mapping[str, str] | None
) -> tuple[dict[str, str], dict[str, str]]:
    """Each teacher's progress tab and each student's folder, as linked from a check-in in the
    program calendar (locally, relative to the calendar file)."""
    calendar = settings.checkins.calendar if settings.checkins else ""
    progress_tabs = {
        teacher: workspace.link(
            spreadsheet, settings.outputs.teacher_tab, "", from_spreadsheet=calendar
        )
        for teacher, spreadsheet in teacher_spreadsheets(settings).items()
    }
    folders = {
        student_id: workspace.drive.link(url, from_spreadsheet=calendar)
        for student_id, url in (folder_urls or {}).items()
    }
    return progress_tabs, folders
