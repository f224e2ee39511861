"""Plan the progress tabs: each owned tab's desired content, from the reconciled program, the
tabs as they stand and the links the shell made. Pure."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

import pandas as pd

from jobs.model.calendar import CalendarEvent, NextCheckins
from jobs.plan import feedback, history, impact, overview
from jobs.plan import tabs as planning
from jobs.plan.spreadsheets import (
    feedback_spreadsheet,
    tab_keys,
    teacher_key,
    teacher_spreadsheets,
    tutor_logs_written,
)
from jobs.reconcile.assessments import growth_by_band
from jobs.reconcile.figures import Flag, Win, with_flags, with_wins
from jobs.reconcile.history import week_figures
from jobs.reconcile.impact import term_impact, term_start_of
from jobs.reconcile.program import Reconciled, in_reading_order
from jobs.settings import Settings
from jobs.stage import cycle_collection_paused
from sheets_schema import outputs
from sheets_schema.cells import CellValue, FilterView, Link, OwnedTab, SpreadsheetState, TabWrite
from sheets_schema.issues import DataIssue
from sheets_schema.staff import Staff

DesiredTab = tuple[str, TabWrite, str]  # spreadsheet, the tab's content, why it is written
SUMMARY = None  # a tab's owner in TabLinks: a teacher's e-mail, or SUMMARY for the coordinator's


@dataclass(frozen=True)
class LearningPlans:
    """Each student's learning plan: its link from each tab (by tab owner, then student ID, as
    TabLinks), and the day it was last changed (None when the workspace cannot say, or for a
    link typed on the Goals tab)."""

    urls: Mapping[str | None, Mapping[str, str]]
    modified: Mapping[str, date | None]


@dataclass(frozen=True)
class TabLinks:
    """The links the progress tabs carry, each made for the spreadsheet its tab is written
    into, by tab owner (a teacher's e-mail, or SUMMARY) and student ID. `folders` or
    `next_checkins` is None when this run does not know them: that column is then carried
    as it is."""

    folders: Mapping[str | None, Mapping[str, Link]] | None = None
    next_checkins: Mapping[str | None, Mapping[str, Link]] | None = None
    issues: Mapping[tuple[str, str, str], str] | None = None  # (spreadsheet, tab, A1) -> URL
    learning_plans: LearningPlans | None = None  # None: the tabs have no Learning plan column


@cycle_collection_paused
def desired_tabs(
    settings: Settings,
    reconciled: Reconciled,
    placed: Mapping[str, str],
    states: Mapping[str, SpreadsheetState],
    links: TabLinks,
    updated: str,
    *,
    as_of: date,
) -> list[DesiredTab]:
    """Every progress tab's desired content, teacher tabs first so the coordinator spreadsheet,
    which carries the run log, is written last, with the Program overview, the Weekly
    history and Teacher feedback. `placed` is teacher e-mail -> spreadsheet of the teachers
    whose spreadsheet could be read."""
    updated = f"{updated}. {status_note(settings)}"
    over_time = history_tabs(settings, reconciled, states, as_of=as_of)
    # A student at the dosage target week after week is a win on their rows too.
    [history_tab] = [tab for _, tab, _ in over_time if tab.key == tab_keys(settings)["history"]]
    streaks = overview.streak_students(history_tab.rows, as_of=as_of, targets=settings.targets)
    reconciled = _with_streak_wins(reconciled, streaks)
    reconciled = _with_stale_plans(settings, reconciled, links.learning_plans, as_of)
    planned_feedback = _feedback_tab(settings, reconciled, states, as_of)
    said = _conversation(settings, planned_feedback, placed, states, as_of)
    desired = _teacher_tabs(settings, reconciled, placed, states, links, updated, said)
    desired.append(_summary_tab(settings, reconciled, states, links, updated, said))
    desired.append(issues_tab(settings, reconciled.issues, links, states))
    if planned_feedback is not None:
        desired.append((*planned_feedback, "teachers' notes to tutors"))
    return desired + over_time


def _with_streak_wins(reconciled: Reconciled, streaks: frozenset[str]) -> Reconciled:
    """The progress with the streak win added to the Wins of each student in `streaks`."""
    if not streaks:
        return reconciled
    win = (Win("dosage_streak", overview.STREAK_WIN),)
    wins = dict.fromkeys(streaks, win)
    by_teacher = reconciled.by_teacher
    return replace(
        reconciled,
        summary=with_wins(reconciled.summary, wins),
        by_teacher=by_teacher.with_rows(with_wins(by_teacher.rows, wins)),
    )


def _with_stale_plans(
    settings: Settings, reconciled: Reconciled, plans: LearningPlans | None, as_of: date
) -> Reconciled:
    """The progress with a reason in Why for each student who needs a learning plan (the
    config's [goals] plan_required) and whose plan nobody changed for plan_stale_weeks. A plan
    whose last change is unknown is never called stale."""
    required = settings.goals.plan_required
    if plans is None or required == "none":
        return reconciled
    weeks = settings.goals.plan_stale_weeks
    goals = reconciled.goals
    with_goals = set() if goals is None else set(goals["student_id"][~goals["met"]])
    stale = {
        student_id: (
            Flag(
                "plan_stale",
                f"Learning plan not updated since {modified.isoformat()} (over {weeks} weeks); "
                "review it together.",
            ),
        )
        for student_id, modified in plans.modified.items()
        if modified is not None
        and (as_of - modified).days >= 7 * weeks
        and (required == "all" or student_id in with_goals)
    }
    if not stale:
        return reconciled
    by_teacher = reconciled.by_teacher
    return replace(
        reconciled,
        summary=in_reading_order(with_flags(reconciled.summary, stale)),
        by_teacher=by_teacher.with_rows(with_flags(by_teacher.rows, stale)).in_reading_order(),
    )


def _conversation(
    settings: Settings,
    planned: tuple[str, TabWrite] | None,
    placed: Mapping[str, str],
    states: Mapping[str, SpreadsheetState],
    as_of: date,
) -> feedback.Conversation:
    """Teachers' notes and tutors' replies, from the Teacher feedback tab as this run writes
    it (`planned`), so a note typed today is the latest exchange today, not on the run after."""
    if planned is None:
        return feedback.Conversation()
    _, tab = planned
    previous = {
        place: cell
        for teacher, spreadsheet in placed.items()
        for place, cell in feedback.replies_on_tab(
            teacher, states[spreadsheet].owned.get(teacher_key(settings, teacher))
        ).items()
    }
    return feedback.conversation(OwnedTab(tab.key, tab.title, tab.grid()), previous, today=as_of)


def status_note(settings: Settings) -> str:
    """What each status means, under every progress tab (the README says the same)."""
    thresholds = settings.thresholds
    return (
        f"Status: Act now = no session for over {thresholds.no_session_days} days (or none "
        f"yet), a grade down "
        f"{thresholds.grade_drop_points:g} points or more, or a tutor asking for a follow-up; "
        "Watch = any other reason in Why, tutoring below the target among them; "
        "On track = none"
    )


def _teacher_tabs(
    settings: Settings,
    reconciled: Reconciled,
    placed: Mapping[str, str],
    states: Mapping[str, SpreadsheetState],
    links: TabLinks,
    updated: str,
    said: feedback.Conversation,
) -> list[DesiredTab]:
    """Each placed teacher's tab, in teacher order, planned together (planning.progress_tabs)
    from their rows taken together."""
    out = settings.outputs
    tabs_in = Counter(placed.values())  # teacher tabs per spreadsheet
    teachers = sorted(placed.items())
    keys = [teacher_key(settings, teacher) for teacher, _ in teachers]
    by_teacher = reconciled.by_teacher
    rows = by_teacher.rows.take(by_teacher.positions(teacher for teacher, _ in teachers))
    owners = [teacher for teacher, _ in teachers for _ in range(by_teacher.sizes[teacher])]
    tabs = planning.progress_tabs(
        outputs.teacher_columns(
            settings.thresholds.window_days,
            _folder_column(settings, links),
            settings.targets,
            _checkin_column(settings, links),
            outputs.BENCHMARK_COLUMN if settings.sources.assessments else None,
            _goal_columns(settings, links),
        ),
        _named(_with_replies(_with_links(rows, links, owners), said, owners), reconciled.staff),
        [
            planning.TabRows(
                key,
                # Two teachers whose tabs share one spreadsheet need two titles.
                f"{out.teacher_tab} ({teacher})" if tabs_in[spreadsheet] > 1 else out.teacher_tab,
                states[spreadsheet].owned.get(key),
                by_teacher.sizes[teacher],
            )
            for (teacher, spreadsheet), key in zip(teachers, keys, strict=True)
        ],
        updated=updated,
    )
    return [
        (spreadsheet, tab, f"progress of {teacher}'s students")
        for (teacher, spreadsheet), tab in zip(teachers, tabs, strict=True)
    ]


def _summary_tab(
    settings: Settings,
    reconciled: Reconciled,
    states: Mapping[str, SpreadsheetState],
    links: TabLinks,
    updated: str,
    said: feedback.Conversation,
) -> DesiredTab:
    coordinator = settings.outputs.coordinator_spreadsheet
    key = tab_keys(settings)["summary"]
    summary = planning.progress_tab(
        key=key,
        title=settings.outputs.summary_tab,
        columns=outputs.summary_columns(
            settings.thresholds.window_days,
            _folder_column(settings, links),
            settings.targets,
            _checkin_column(settings, links),
            outputs.BENCHMARK_COLUMN if settings.sources.assessments else None,
            _goal_columns(settings, links),
        ),
        progress=_named(
            _with_links(reconciled.summary, links, [SUMMARY] * len(reconciled.summary)).assign(
                latest_exchange=_cells_of(reconciled.summary.index, said.latest)
            ),
            reconciled.staff,
        ),
        current=states[coordinator].owned.get(key),
        updated=updated,
    )
    # Each teacher opens the summary filtered to their students, without changing anyone's view.
    teachers_column = summary.header.index("Teachers")
    name = reconciled.staff.name
    summary = replace(
        summary,
        filter_views=tuple(
            FilterView(f"Students of {name(teacher)}", teachers_column, name(teacher))
            for teacher in sorted(reconciled.by_teacher)
            if reconciled.by_teacher.sizes[teacher]
        ),
    )
    return coordinator, summary, "progress of every active student"


def issues_tab(
    settings: Settings,
    issues: list[DataIssue],
    links: TabLinks,
    states: Mapping[str, SpreadsheetState],
) -> DesiredTab:
    """The Data issues tab: every issue, linking to its cell, and what educators typed in it."""
    urls = links.issues or {}
    key = tab_keys(settings)["issues"]
    tab = planning.issues_tab(
        key=key,
        title=settings.outputs.issues_tab,
        issues=issues,
        link=lambda issue: urls.get(issue_place(issue), ""),
        current=states[settings.outputs.coordinator_spreadsheet].owned.get(key),
    )
    return settings.outputs.coordinator_spreadsheet, tab, f"{len(issues)} data issue(s)"


def issue_place(issue: DataIssue) -> tuple[str, str, str]:
    """Where a data issue's link opens: spreadsheet, tab and A1 cell."""
    return issue.source, issue.tab, planning.issue_a1(issue)


def soonest_checkins(
    next_checkins: NextCheckins,
) -> dict[str | None, dict[str, tuple[datetime, CalendarEvent]]]:
    """Per tab owner (a teacher, or SUMMARY: any teacher), each student's soonest check-in,
    found in one pass rather than one pass over every check-in per tab."""
    soonest: dict[str | None, dict[str, tuple[datetime, CalendarEvent]]] = defaultdict(dict)
    for (student_id, with_teacher), meeting in next_checkins.items():
        for of_owner in (soonest[with_teacher], soonest[SUMMARY]):
            if student_id not in of_owner or meeting[0] < of_owner[student_id][0]:
                of_owner[student_id] = meeting
    return soonest


def _folder_column(settings: Settings, links: TabLinks) -> outputs.OutputColumn | None:
    return outputs.folder_column(links.folders is not None) if settings.folders else None


def _checkin_column(settings: Settings, links: TabLinks) -> outputs.OutputColumn | None:
    if not settings.checkins:
        return None
    return outputs.next_checkin_column(links.next_checkins is not None)


def _goal_columns(settings: Settings, links: TabLinks) -> tuple[outputs.OutputColumn, ...]:
    """Goals with a Goals tab; Learning plan where plans are linked (jobs.links)."""
    goals = (outputs.GOALS_COLUMN,) if settings.sources.goals is not None else ()
    plans = (outputs.LEARNING_PLAN_COLUMN,) if links.learning_plans is not None else ()
    return goals + plans


def _plan_cells(plans: LearningPlans, owner: str | None) -> dict[str, Link]:
    """Each student's plan as a tab's cell: "Plan, updated 2026-11-02", linking to it."""
    return {
        student_id: Link(
            f"Plan, updated {modified.isoformat()}"
            if (modified := plans.modified.get(student_id))
            else "Plan",
            url,
        )
        for student_id, url in plans.urls.get(owner, {}).items()
    }


def _with_links(
    progress: pd.DataFrame, links: TabLinks, owners: Sequence[str | None]
) -> pd.DataFrame:
    """The progress rows with the folder, next check-in and learning plan links of each
    row's tab owner (`owners`, one per row), where known."""
    if links.folders is not None:
        progress = progress.assign(folder=_owned_cells(progress.index, owners, links.folders))
    if links.next_checkins is not None:
        progress = progress.assign(
            next_checkin=_owned_cells(progress.index, owners, links.next_checkins)
        )
    if links.learning_plans is not None:
        plans = links.learning_plans
        cells = {owner: _plan_cells(plans, owner) for owner in dict.fromkeys(owners)}
        progress = progress.assign(learning_plan=_owned_cells(progress.index, owners, cells))
    return progress


def _with_replies(
    progress: pd.DataFrame, said: feedback.Conversation, teachers: Sequence[str]
) -> pd.DataFrame:
    """Teachers' rows (`teachers`, one per row) with what each student's tutor replied to
    the row's teacher's note."""
    if not said.replies:
        return progress  # the column is optional: written empty, as a district's mostly are
    replies = [
        said.replies.get((teacher, str(student_id)))
        for student_id, teacher in zip(progress.index, teachers, strict=True)
    ]
    return progress.assign(tutor_reply=pd.Series(replies, index=progress.index, dtype=object))


def _named(progress: pd.DataFrame, staff: Staff) -> pd.DataFrame:
    """The rows with their teachers and tutors by name where the staff list names them."""
    if not staff.names:
        return progress
    return progress.assign(
        **{
            column: progress[column].map(staff.named)
            for column in ("teachers", "tutors")
            if column in progress  # a teacher's rows have only tutors
        }
    )


def _owned_cells(
    students: pd.Index,
    owners: Sequence[str | None],
    cells: Mapping[str | None, Mapping[str, CellValue]],
) -> pd.Series:
    """A column of cells, one per student of `students`, from the cells of their row's tab
    owner (`owners`, one per row); None where none."""
    return pd.Series(
        [cells.get(owner, {}).get(str(i)) for i, owner in zip(students, owners, strict=True)],
        index=students,
        dtype=object,
    )


def _cells_of(students: pd.Index, cells: Mapping[str, CellValue]) -> pd.Series:
    """A column of cells, one per student of `students`; None where none."""
    return pd.Series([cells.get(str(i)) for i in students], index=students, dtype=object)


@cycle_collection_paused
def tutor_log_tabs(
    settings: Settings, reconciled: Reconciled, states: Mapping[str, SpreadsheetState]
) -> list[DesiredTab]:
    """The Student list in each tutor log tutorsync can write (Teacher feedback, in the first,
    is planned with the progress tabs it feeds: desired_tabs)."""
    keys = tab_keys(settings)
    active = reconciled.roster.active
    desired: list[DesiredTab] = []
    listing = None  # the same in every tutor log: built once, shared (TabWrite is frozen)
    for spreadsheet in tutor_logs_written(settings):
        if spreadsheet not in states:
            continue
        listing = listing or feedback.student_list_tab(
            key=keys["student_list"], title=settings.outputs.student_list_tab, students=active
        )
        desired.append((spreadsheet, listing, "the student IDs the tutor log is checked against"))
    return desired


def _feedback_tab(
    settings: Settings,
    reconciled: Reconciled,
    states: Mapping[str, SpreadsheetState],
    as_of: date,
) -> tuple[str, TabWrite] | None:
    """Teacher feedback as this run writes it, and where: teachers' notes to tutors, from the
    teacher tabs as they stand before this run; None where there is no tutor log to write."""
    feedback_at = feedback_spreadsheet(settings)
    if feedback_at is None or feedback_at not in states:
        return None
    notes = [
        note
        for teacher, spreadsheet in teacher_spreadsheets(settings).items()
        if spreadsheet in states
        for note in feedback.notes_on_tab(
            teacher, states[spreadsheet].owned.get(teacher_key(settings, teacher))
        )
    ]
    key = tab_keys(settings)["feedback"]
    tab = feedback.feedback_tab(
        key=key,
        title=settings.outputs.feedback_tab,
        notes=notes,
        students=reconciled.roster.active,
        current=states[feedback_at].owned.get(key),
        today=as_of,
    )
    return feedback_at, tab


def history_tabs(
    settings: Settings,
    reconciled: Reconciled,
    states: Mapping[str, SpreadsheetState],
    *,
    as_of: date,
    since: date | None = None,
) -> list[DesiredTab]:
    """The Program overview and the Weekly history it is drawn from, its weeks counted as
    jobs.plan.history says; `since` rebuilds every week from the one holding it."""
    coordinator = settings.outputs.coordinator_spreadsheet
    key = tab_keys(settings)["history"]
    current = states[coordinator].owned.get(key)
    counted = {
        # The week running is counted up to the run's day: its figures are the summary's.
        week: week_figures(
            settings, reconciled, week, today=reconciled.summary if week.as_of == as_of else None
        )
        for week in history.weeks_to_count(current, as_of, since=since)
    }
    tab = history.history_tab(
        key=key, title=settings.outputs.history_tab, current=current, counted=counted
    )
    overview_tab = overview.overview_tab(
        key=tab_keys(settings)["overview"],
        title=settings.outputs.overview_tab,
        history=tab,
        now=reconciled.summary,
        as_of=as_of,
        targets=settings.targets,
        window_days=settings.thresholds.window_days,
        staff=reconciled.staff,
    )
    return [
        (coordinator, overview_tab, "the program at a glance, week by week"),
        (coordinator, tab, f"{len(counted)} week(s) counted"),
    ]


def impact_tabs(
    settings: Settings,
    reconciled: Reconciled,
    states: Mapping[str, SpreadsheetState],
    *,
    as_of: date,
) -> list[DesiredTab]:
    """The Impact tab: grade change over the term by dosage band and, per class, tutored
    beside not tutored; none before anyone has had a session (no term to count)."""
    term_start = term_start_of(settings, reconciled, as_of)
    if term_start is None:
        return []
    term = term_impact(settings, reconciled, as_of=as_of, term_start=term_start)
    growth = reconciled.assessment_growth
    tab = impact.impact_tab(
        key=tab_keys(settings)["impact"],
        title=settings.outputs.impact_tab,
        impact=term,
        min_cell=settings.impact.min_cell_size,
        benchmark=None if growth is None else growth_by_band(growth, term.students["band"]),
        name=reconciled.staff.name,
    )
    return [(settings.outputs.coordinator_spreadsheet, tab, "grade change by dosage, this term")]


def run_log_writes(
    settings: Settings,
    states: Mapping[str, SpreadsheetState],
    entries: Sequence[Mapping[str, CellValue]],
) -> list[planning.WriteTab]:
    """The run log with a row for each job of this run."""
    coordinator = settings.outputs.coordinator_spreadsheet
    key = tab_keys(settings)["run_log"]
    tab = planning.run_log_tab(
        key=key,
        title=settings.outputs.run_log_tab,
        current=states[coordinator].owned.get(key),
        entries=entries,
    )
    return planning.plan_writes(
        [(coordinator, tab, "one row for this run")], states, appended=[key]
    )
