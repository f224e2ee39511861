"""The check-ins job: keep in the program calendar exactly the tutor-teacher check-ins the
roster and the flags call for.

read (jobs.read) → links (jobs.links) → plan (jobs.plan.checkins) → apply → report.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from jobs.links import checkin_links
from jobs.model.calendar import Busy, CalendarEvent, NextCheckins
from jobs.plan.checkins import (
    EventChange,
    Pair,
    SlotWarning,
    free_busy_window,
    next_checkins,
    pairs_of,
    people_to_place,
    plan_checkins,
    slot_issues,
)
from jobs.read import FolderLinks, read_folder_links, read_program
from jobs.reconcile.goals import goals_to_share
from jobs.reconcile.program import Reconciled
from jobs.report import RunReport
from jobs.settings import Settings
from jobs.workspace.port import Workspace

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckinsDone:
    """The check-ins job's report, and each student's next check-in for the progress tabs."""

    report: RunReport
    next_checkins: NextCheckins


def run_checkins(
    settings: Settings, workspace: Workspace, *, as_of: date, dry_run: bool = False
) -> RunReport:
    """`tutorsync checkins` on its own: read the sources and the folders' links, then make the
    calendar match the roster and flags."""
    reconciled = read_program(settings, workspace, as_of=as_of)
    folders = read_folder_links(settings, workspace)
    return schedule_checkins(
        settings, workspace, reconciled, folders, as_of=as_of, dry_run=dry_run
    ).report


def schedule_checkins(
    settings: Settings,
    workspace: Workspace,
    reconciled: Reconciled,
    folders: FolderLinks,
    *,
    as_of: date,
    dry_run: bool = False,
) -> CheckinsDone:
    """Create, update or end check-in events so the calendar matches the roster and flags."""
    started = time.perf_counter()
    checkins = settings.checkins
    assert checkins is not None  # the CLI runs this job only when [checkins] is configured
    blockers = [*(i.sentence() for i in reconciled.unusable_sources), *folders.failures]
    if blockers:  # fail closed: the follow-ups and descriptions would be wrong
        report = RunReport(
            "checkins", settings.program.name, as_of, dry_run, len(reconciled.summary)
        )
        report.failures = [f"the check-ins were left as they are: {b}" for b in blockers]
        return CheckinsDone(report, {})
    pairs = pairs_of(reconciled.summary)
    existing = workspace.calendar.list_events(checkins.calendar, settings.program.key)
    changes, warnings = _plan(settings, workspace, reconciled, pairs, existing, folders, as_of)
    if changes and not dry_run:
        workspace.calendar.upsert(
            checkins.calendar,
            settings.program.key,
            [change.event for change in changes],
            notify_new=checkins.invite_on_create,
            notify_changed=checkins.notify_on_update,
        )
    report = RunReport(
        job="checkins",
        program=settings.program.name,
        as_of=as_of,
        dry_run=dry_run,
        students=len(reconciled.summary),
        issues=slot_issues(checkins.calendar, warnings),
        event_changes=changes,
    )
    after = {event.key: event for event in existing} | {c.event.key: c.event for c in changes}
    upcoming = next_checkins(settings.program.key, pairs, list(after.values()), as_of)
    report.seconds = time.perf_counter() - started
    report.requests = workspace.request_counts()
    log.info("checkins: %d pairs, %d changes, %.1fs", len(pairs), len(changes), report.seconds)
    return CheckinsDone(report, upcoming)


def _plan(
    settings: Settings,
    workspace: Workspace,
    reconciled: Reconciled,
    pairs: list[Pair],
    existing: list[CalendarEvent],
    folders: FolderLinks,
    as_of: date,
) -> tuple[list[EventChange], list[SlotWarning]]:
    """Planned once without free/busy to learn who needs a new slot; only they are asked
    about (a rerun with every series in place asks nobody)."""
    checkins = settings.checkins
    assert checkins is not None
    progress_tabs, folder_links = checkin_links(settings, workspace, folders.urls)
    flagged = {
        str(student_id): [flag.code for flag in flags]
        for student_id, flags in reconciled.summary["student_flags"].items()
    }
    shared = None if reconciled.goals is None else goals_to_share(reconciled.goals)

    def plan(busy: Mapping[str, Sequence[Busy]]) -> tuple[list, list]:
        return plan_checkins(
            program=settings.program.key,
            timezone=settings.program.timezone,
            settings=checkins,
            pairs=pairs,
            flagged=flagged,
            existing=existing,
            busy=busy,
            as_of=as_of,
            progress_link=progress_tabs,
            folder_links=folder_links,
            names=reconciled.staff.names,
            goals=shared,
        )

    changes, warnings = plan({})
    people = people_to_place(changes, existing, checkins.coordinators)
    if not people:
        return changes, warnings
    start, end = free_busy_window(as_of, checkins, settings.program.timezone)
    return plan(workspace.calendar.busy(people, start, end))
