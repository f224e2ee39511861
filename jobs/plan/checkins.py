"""Plan check-ins: the calendar events the roster and the flags call for. Pure.

One series per (tutor, teacher) pair who share an active student; a one-off follow-up when a
student carries a flag listed in `checkins.on_flags` and their pair does not meet within the
next `within_school_days` school days. Times are wall-clock times in the program's timezone,
so a series keeps 15:30 across daylight-saving changes.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from dateutil.rrule import rrulestr

from jobs.model.calendar import Busy, CalendarEvent
from jobs.reconcile.goals import SharedGoals, shared_goal_lines
from jobs.settings import WEEKDAYS, CheckinSettings
from sheets_schema.issues import DataIssue, Severity
from sheets_schema.values import split_name

SLOT_STEP = timedelta(minutes=15)
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_INTERVAL_WEEKS = {"weekly": 1, "every_2_weeks": 2, "monthly": 4}


@dataclass(frozen=True)
class Pair:
    tutor: str
    teacher: str
    students: tuple[tuple[str, str], ...]  # (student ID, name), sorted by name


@dataclass(frozen=True)
class EventChange:
    """One event to create, update or end, with why."""

    kind: str  # "create", "update" or "end"
    event: CalendarEvent
    reason: str

    @property
    def label(self) -> str:
        """The event named from its key: staff e-mails and, for a follow-up, the student's ID.
        (A follow-up's title names the student, and an event ended may carry a title someone
        typed in the calendar.)"""
        return event_label(self.event.key)

    def describe(self, *, sensitive: bool = False) -> str:
        """For a run report: the event by its label, or by its title when `sensitive`."""
        when = self.event.start.strftime("%Y-%m-%d %H:%M %Z")
        title = self.event.summary if sensitive else self.label
        return f"{self.kind} '{title}' ({when}): {self.reason}"


def event_label(key: str) -> str:
    """A name-free label for one of tutorsync's events, from its key (series_key or
    followup_key); a series reads like its title."""
    _, _, rest = key.partition(":")  # "tutorsync:"
    _, _, rest = rest.partition(":")  # the program's key, which holds no ":"
    kind, _, rest = rest.partition(":")
    if kind == "checkin":
        tutor, _, teacher = rest.partition(":")
        return f"Tutor-teacher check-in: {tutor} and {teacher}"
    parts = rest.rsplit(":", 3)  # a student ID could hold a ":"; e-mails and weeks do not
    if kind == "followup" and len(parts) == 4:
        student_id, tutor, teacher, week = parts
        return f"Follow-up check-in about student {student_id}: {tutor} and {teacher}, {week}"
    return key


@dataclass(frozen=True)
class SlotWarning:
    subject: str
    problem: str
    fix: str


FREE_BUSY_DAYS = 21  # how far ahead free/busy is asked, to place new series and follow-ups


def free_busy_window(
    as_of: date, settings: CheckinSettings, timezone: str
) -> tuple[datetime, datetime]:
    """The days free/busy is asked about: from the first day check-ins may be placed."""
    first_day = max(as_of, settings.start_date)
    zone = ZoneInfo(timezone)
    midnight = datetime.combine(first_day, time.min, tzinfo=zone)
    return midnight, datetime.combine(
        first_day + timedelta(days=FREE_BUSY_DAYS), time.min, tzinfo=zone
    )


def slot_issues(calendar: str, warnings: Iterable[SlotWarning]) -> list[DataIssue]:
    """Pairs with no common free slot, as data issues of the calendar."""
    # The pair (staff e-mails) is the place: a report shows it, never an issue's value.
    return [
        DataIssue(
            calendar,
            f"check-ins of {w.subject}",
            "",
            w.subject,
            w.problem,
            w.fix,
            Severity.WARNING,
        )
        for w in warnings
    ]


def people_to_place(
    changes: Iterable[EventChange],
    existing: Iterable[CalendarEvent],
    coordinators: Iterable[str],
) -> list[str]:
    """Who must be asked for free/busy: the attendees (not coordinators) of the events the
    changes create or move."""
    placed = {event.key: event.start for event in existing}
    placing = [
        c.event
        for c in changes
        if c.kind == "create" or (c.kind == "update" and placed.get(c.event.key) != c.event.start)
    ]
    skipped = {c.lower() for c in coordinators}
    return sorted({a for event in placing for a in event.attendees} - skipped)


def pairs_of(students: pd.DataFrame) -> list[Pair]:
    """Every (tutor, teacher) pair sharing at least one of these (active) students."""
    shared: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for student_id, name, tutors, teachers in zip(
        students.index, students["name"], students["tutors"], students["teachers"], strict=True
    ):
        for tutor in tutors:
            for teacher in teachers:
                shared.setdefault((tutor, teacher), []).append((str(student_id), str(name)))
    return [
        Pair(tutor, teacher, tuple(sorted(kids, key=lambda kid: (kid[1], kid[0]))))
        for (tutor, teacher), kids in sorted(shared.items())
    ]


def series_key(program: str, pair: Pair) -> str:
    return f"tutorsync:{program}:checkin:{pair.tutor}:{pair.teacher}"


def followup_key(program: str, student_id: str, pair: Pair, as_of: date) -> str:
    year, week, _ = as_of.isocalendar()
    return f"{_followup_prefix(program, student_id, pair)}{year}-W{week:02d}"


def _followup_prefix(program: str, student_id: str, pair: Pair) -> str:
    """What every week's follow-up about the student, for the pair, has in its key."""
    return f"tutorsync:{program}:followup:{student_id}:{pair.tutor}:{pair.teacher}:"


def fingerprint(settings: CheckinSettings, timezone: str) -> str:
    """What placed a series: a series is moved only when one of these settings changes."""
    placed_by = (
        settings.cadence,
        settings.weekday,
        settings.window_start,
        settings.window_end,
        settings.duration_minutes,
        settings.start_date,
        timezone,
    )
    return hashlib.sha1(repr(placed_by).encode()).hexdigest()[:12]


def plan_checkins(
    *,
    program: str,
    timezone: str,
    settings: CheckinSettings,
    pairs: Sequence[Pair],
    flagged: Mapping[str, Sequence[str]],  # student ID -> flag codes the student carries
    existing: Sequence[CalendarEvent],
    busy: Mapping[str, Sequence[Busy]],
    as_of: date,
    progress_link: Mapping[str, str] | None = None,  # teacher -> link to their progress tab
    folder_links: Mapping[str, str] | None = None,  # student ID -> link to their folder
    names: Mapping[str, str] | None = None,  # e-mail -> name, for titles (the staff list)
    goals: SharedGoals | None = None,  # student ID -> open goals (jobs.reconcile.goals)
) -> tuple[list[EventChange], list[SlotWarning]]:
    """The events to create, update or end so the calendar holds exactly the check-ins due."""
    scheduling = _Scheduling(
        program=program,
        timezone=timezone,
        zone=ZoneInfo(timezone),
        settings=settings,
        closed=settings.closed_days(),
        schedule=fingerprint(settings, timezone),
        busy=busy,
        as_of=as_of,
        folder_links=folder_links or {},
        names=names or {},
        goals=goals or {},
    )
    by_key = {event.key: event for event in existing}
    changes: list[EventChange] = []
    warnings: list[SlotWarning] = []
    desired_series: dict[str, CalendarEvent] = {}

    for pair in pairs:
        key = series_key(program, pair)
        current = by_key.get(key)
        link = (progress_link or {}).get(pair.teacher)
        series = _series(scheduling, pair, current, link, warnings)
        desired_series[key] = series
        changes.extend(_change(current, series, "series for the students they share"))

    for event in existing:
        if ":checkin:" in event.key and event.key not in desired_series:
            ended = _ended(event, as_of, scheduling.zone)
            if ended is not None:
                changes.append(
                    EventChange("end", ended, "the pair no longer shares an active student")
                )

    horizon = _school_days_after(as_of, settings.within_school_days, scheduling.closed)
    for pair in pairs:
        series = desired_series[series_key(program, pair)]
        changes += _followups(scheduling, pair, series, horizon, flagged, by_key, warnings)
    return changes, warnings


@dataclass(frozen=True)
class _Scheduling:
    """What every check-in of one plan is placed and described with."""

    program: str
    timezone: str
    zone: ZoneInfo
    settings: CheckinSettings
    closed: frozenset[date]  # days the school is closed
    schedule: str  # the settings' fingerprint
    busy: Mapping[str, Sequence[Busy]]
    as_of: date
    folder_links: Mapping[str, str]  # student ID -> link to their folder
    names: Mapping[str, str]  # e-mail -> name, from the staff list
    goals: SharedGoals  # student ID -> their open goals' words, and a grade goal's teacher

    def name(self, email: str) -> str:
        return self.names.get(email, email)


def _series(
    scheduling: _Scheduling,
    pair: Pair,
    current: CalendarEvent | None,
    progress_link: str | None,
    warnings: list[SlotWarning],
) -> CalendarEvent:
    """The pair's series as it should be: kept where it is while its settings stand, else
    placed at the first slot both are free (a warning in `warnings` when there is none)."""
    settings, zone = scheduling.settings, scheduling.zone
    if (
        current is not None
        and current.schedule == scheduling.schedule
        and _active(current, scheduling.as_of)
    ):
        start = current.start
    else:
        first_day = _first_weekday_on_or_after(
            max(settings.start_date, scheduling.as_of), WEEKDAYS.index(settings.weekday)
        )
        start, found = _first_free_slot([first_day], pair, settings, zone, scheduling.busy)
        if not found:
            warnings.append(_no_common_slot(pair, first_day, settings))
    return CalendarEvent(
        key=series_key(scheduling.program, pair),
        summary=(
            f"Tutor-teacher check-in: {scheduling.name(pair.tutor)} and "
            f"{scheduling.name(pair.teacher)}"
        ),
        description=_series_description(
            pair, progress_link, scheduling.folder_links, scheduling.goals
        ),
        start=start,
        end=start + timedelta(minutes=settings.duration_minutes),
        timezone=scheduling.timezone,
        recurrence=_recurrence(start, settings, zone, scheduling.closed),
        attendees=_attendees(pair, settings),
        schedule=scheduling.schedule,
    )


def _followups(
    scheduling: _Scheduling,
    pair: Pair,
    series: CalendarEvent,
    horizon: Sequence[date],
    flagged: Mapping[str, Sequence[str]],
    by_key: Mapping[str, CalendarEvent],
    warnings: list[SlotWarning],
) -> list[EventChange]:
    """A follow-up for each of the pair's students with a flag to follow up, when their series
    does not meet within the `horizon` school days and this week has none yet."""
    settings, zone = scheduling.settings, scheduling.zone
    meets_soon = bool(_occurrences(series, horizon[0], horizon[-1] + timedelta(days=1), zone))
    changes = []
    for student_id, name in pair.students:
        wanted = [flag for flag in flagged.get(student_id, ()) if flag in settings.on_flags]
        if not wanted or meets_soon:
            continue
        key = followup_key(scheduling.program, student_id, pair, scheduling.as_of)
        if key in by_key:
            continue  # this week's follow-up exists: never a second one
        start, found = _first_free_slot(horizon, pair, settings, zone, scheduling.busy)
        if not found:
            warnings.append(_no_common_slot(pair, horizon[0], settings))
        followup = _followup(scheduling, key, pair, student_id, name, start)
        why = f"{', '.join(wanted)} for student {student_id}"  # a report's: no name
        changes.append(EventChange("create", followup, why))
    return changes


def _followup(
    scheduling: _Scheduling, key: str, pair: Pair, student_id: str, name: str, start: datetime
) -> CalendarEvent:
    settings, folder_links = scheduling.settings, scheduling.folder_links
    return CalendarEvent(
        key=key,
        summary=f"Follow-up check-in about {name}",
        description=(
            f"A follow-up between tutor and teacher about {name}, set up because the "
            f"regular check-in does not come within {settings.within_school_days} "
            "school days. See the progress tab for why."
            + (
                f"\nFolder: {folder_links[student_id]}"
                if folder_links and student_id in folder_links
                else ""
            )
        ),
        start=start,
        end=start + timedelta(minutes=settings.duration_minutes),
        timezone=scheduling.timezone,
        attendees=_attendees(pair, settings),
        schedule=scheduling.schedule,
    )


NEXT_CHECKIN_DAYS = 70  # how far ahead the progress tabs look for a student's next check-in


def next_checkins(
    program: str, pairs: Sequence[Pair], events: Sequence[CalendarEvent], as_of: date
) -> dict[tuple[str, str], tuple[datetime, CalendarEvent]]:
    """(student ID, teacher) -> the next meeting (on or after `as_of`) of a check-in about the
    student with that teacher: their pair's series or a follow-up about them."""
    horizon = as_of + timedelta(days=NEXT_CHECKIN_DAYS)
    # Each event's next meeting, worked out once (a series is shared by all its students).
    upcoming: dict[str, tuple[datetime, CalendarEvent]] = {}
    followups: dict[str, list[str]] = {}  # key prefix (student and pair) -> follow-ups' keys
    for event in events:
        meetings = occurrences(event, as_of, horizon)
        if meetings:
            upcoming[event.key] = (meetings[0], event)
        head, _, _ = event.key.rpartition(":")
        followups.setdefault(f"{head}:", []).append(event.key)
    found: dict[tuple[str, str], tuple[datetime, CalendarEvent]] = {}
    for pair in pairs:
        series = series_key(program, pair)
        for student_id, _ in pair.students:
            keys = [series, *followups.get(_followup_prefix(program, student_id, pair), ())]
            next_ones = [upcoming[key] for key in keys if key in upcoming]
            if next_ones:
                slot = (student_id, pair.teacher)
                soonest = min(next_ones, key=lambda meeting: meeting[0])
                if slot not in found or soonest[0] < found[slot][0]:
                    found[slot] = soonest
    return found


def occurrences(event: CalendarEvent, start: date, end: date) -> list[datetime]:
    """The event's occurrences starting on days in [start, end), in its timezone."""
    return _occurrences(event, start, end, ZoneInfo(event.timezone))


def _occurrences(event: CalendarEvent, start: date, end: date, zone: ZoneInfo) -> list[datetime]:
    first = event.start.astimezone(zone)
    if not event.recurrence:
        return [first] if start <= first.date() < end else []
    # Expanded on wall-clock times, then placed in the zone: 15:30 stays 15:30 across DST.
    return list(_recurring(tuple(event.recurrence), first.replace(tzinfo=None), start, end, zone))


@functools.lru_cache(maxsize=1024)
def _recurring(
    recurrence: tuple[str, ...], naive_start: datetime, start: date, end: date, zone: ZoneInfo
) -> tuple[datetime, ...]:
    """The meetings of a recurrence from `naive_start` (wall-clock) on days in [start, end).
    Worked out once per rule, start and window: the pairs' series share a few rules and
    starts, a plan asks for each series' meetings three times (closed days, follow-ups, next
    check-in), and dateutil parsing a rule cost more than all the rest of planning."""
    lines = [_naive_line(line, zone) for line in recurrence]
    rule = rrulestr("\n".join(lines), dtstart=naive_start, forceset=True)
    window_start = datetime.combine(start, time.min)
    window_end = datetime.combine(end, time.min)
    return tuple(
        moment.replace(tzinfo=zone)
        for moment in rule.between(window_start, window_end, inc=True)
        if moment < window_end
    )


def _naive_line(line: str, zone: ZoneInfo) -> str:
    """RRULE UNTIL in UTC and EXDATE with TZID, as dateutil wants them against a naive start."""
    if line.startswith("RRULE:") and "UNTIL=" in line:
        head, _, rest = line.partition("UNTIL=")
        until, _, tail = rest.partition(";")
        moment = datetime.strptime(until.rstrip("Z"), "%Y%m%dT%H%M%S").replace(
            tzinfo=ZoneInfo("UTC")
        )
        local = moment.astimezone(zone).replace(tzinfo=None).strftime("%Y%m%dT%H%M%S")
        return f"{head}UNTIL={local}" + (f";{tail}" if tail else "")
    if line.startswith("EXDATE;TZID="):
        return "EXDATE:" + line.split(":", 1)[1]
    return line


def _active(event: CalendarEvent, as_of: date) -> bool:
    """A series not ended before as_of (an ended series is placed afresh if it returns)."""
    return not any("UNTIL=" in line and _until(line) < as_of for line in event.recurrence)


def _until(line: str) -> date:
    until = line.split("UNTIL=")[1].split(";")[0][:8]
    return _day_of(until) or datetime.strptime(until, "%Y%m%d").date()


def _day_of(digits: str) -> date | None:
    """The day "YYYYMMDD" names, as strptime reads it, without strptime's cost (every series,
    every run); None for anything else, left to strptime and its error."""
    if len(digits) != 8 or not (digits.isascii() and digits.isdigit()):
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def _ended(event: CalendarEvent, as_of: date, zone: ZoneInfo) -> CalendarEvent | None:
    """The series ending after as_of (past occurrences stay), or None if it already ends."""
    end_of_day = datetime.combine(as_of, time(23, 59, 59), tzinfo=zone).astimezone(ZoneInfo("UTC"))
    until = end_of_day.strftime("%Y%m%dT%H%M%SZ")
    lines = []
    for line in event.recurrence:
        if line.startswith("RRULE:"):
            current = line.split("UNTIL=")[1].split(";")[0] if "UNTIL=" in line else None
            if current is not None and current <= until:
                return None
            parts = [
                part for part in line[6:].split(";") if not part.startswith(("UNTIL=", "COUNT="))
            ]
            line = "RRULE:" + ";".join([*parts, f"UNTIL={until}"])
        lines.append(line)
    return replace(event, recurrence=tuple(lines))


def _spoken(name: str) -> str:
    """A roster name as said aloud: "Okoro, Ada" -> "Ada Okoro"."""
    first, last = split_name(name)
    return f"{first} {last}".strip() or name


# Where the links of a description begin (_series_description, _followup).
_LINK_LINES = ("Progress: ", "Shared folders:", "Folder: ")


def _description_changes(current: str, desired: str) -> list[str]:
    """What changed in a description: its students, its links (a progress tab's or a
    folder's address), or both."""

    def split(text: str) -> tuple[list[str], list[str]]:
        # The students come first; the links follow from the first line that starts them (a
        # local link is a relative path, so only its place says it is one).
        lines = text.splitlines()
        first = next((i for i, line in enumerate(lines) if line.startswith(_LINK_LINES)), None)
        return lines[:first], lines[first:] if first is not None else []

    (was_text, was_links), (text, links) = split(current), split(desired)
    return [
        label
        for label, changed in (("students", was_text != text), ("links", was_links != links))
        if changed
    ]


def _change(current: CalendarEvent | None, desired: CalendarEvent, why: str) -> list[EventChange]:
    if current is None:
        return [EventChange("create", desired, why)]
    if current == desired:
        return []
    what = [
        label
        for label, changed in (
            ("attendees", current.attendees != desired.attendees),
            *(
                (label, True)
                for label in _description_changes(current.description, desired.description)
            ),
            (
                "schedule",
                (current.start, current.recurrence) != (desired.start, desired.recurrence),
            ),
            ("title", current.summary != desired.summary),
        )
        if changed
    ]
    return [EventChange("update", desired, f"{', '.join(what) or 'details'} changed")]


def _recurrence(
    start: datetime, settings: CheckinSettings, zone: ZoneInfo, closed: frozenset[date]
) -> tuple[str, ...]:
    last = datetime.combine(settings.term_end, time(23, 59, 59), tzinfo=zone)
    until = last.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
    interval = _INTERVAL_WEEKS[settings.cadence]
    rule = f"RRULE:FREQ=WEEKLY;INTERVAL={interval};BYDAY={_BYDAY[start.weekday()]};UNTIL={until}"
    series = CalendarEvent("", "", "", start, start, str(zone), (rule,))
    skipped = [
        moment
        for moment in _occurrences(
            series, start.date(), settings.term_end + timedelta(days=1), zone
        )
        if moment.date() in closed
    ]
    if not skipped:
        return (rule,)
    stamps = ",".join(moment.strftime("%Y%m%dT%H%M%S") for moment in skipped)
    return (rule, f"EXDATE;TZID={zone.key}:{stamps}")


def _first_weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _school_days_after(as_of: date, count: int, closed: frozenset[date]) -> list[date]:
    days: list[date] = []
    day = as_of
    while len(days) < count:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in closed:
            days.append(day)
    return days


def _first_free_slot(
    days: Iterable[date],
    pair: Pair,
    settings: CheckinSettings,
    zone: ZoneInfo,
    busy: Mapping[str, Sequence[Busy]],
) -> tuple[datetime, bool]:
    """The first start in the window, on the first of `days` possible, when both are free;
    else the window's start on the first day (and False)."""
    length = timedelta(minutes=settings.duration_minutes)
    taken = [*busy.get(pair.tutor, ()), *busy.get(pair.teacher, ())]
    days = list(days)
    for day in days:
        start = datetime.combine(day, settings.window_start, tzinfo=zone)
        last = datetime.combine(day, settings.window_end, tzinfo=zone) - length
        while start <= last:
            if not any(b.start < start + length and start < b.end for b in taken):
                return start, True
            start += SLOT_STEP
    return datetime.combine(days[0], settings.window_start, tzinfo=zone), False


def _no_common_slot(pair: Pair, day: date, settings: CheckinSettings) -> SlotWarning:
    return SlotWarning(
        f"{pair.tutor} and {pair.teacher}",
        f"no time between {settings.window_start:%H:%M} and {settings.window_end:%H:%M} on "
        f"{day.isoformat()} when both are free, so the check-in was put at the window's start",
        "move the check-in in the calendar, or widen checkins.window_start/window_end",
    )


def _attendees(pair: Pair, settings: CheckinSettings) -> tuple[str, ...]:
    return tuple(
        sorted(
            {pair.tutor.lower(), pair.teacher.lower(), *(c.lower() for c in settings.coordinators)}
        )
    )


def _series_description(
    pair: Pair, link: str | None, folder_links: Mapping[str, str], goals: SharedGoals
) -> str:
    # One a line, first name first: "Okoro, Ada, Rivera, Sam" read as four people.
    lines = ["Students you share:", *(f"- {_spoken(name)}" for _, name in pair.students)]
    # The goals' words as typed, so the meeting starts from them: never a figure or progress.
    shared = [
        (name, goal)
        for student_id, name in pair.students
        for goal in shared_goal_lines(goals, student_id, pair.teacher)
    ]
    if shared:
        lines.append("Goals you share:")
        lines += [f"- {_spoken(name)}: {goal}" for name, goal in shared]
    if link:
        lines.append(f"Progress: {link}")
    folders = [(name, folder_links[sid]) for sid, name in pair.students if sid in folder_links]
    if folders:
        lines.append("Shared folders:")
        lines += [f"- {name}: {url}" for name, url in folders]
    lines.append("Kept by tutorsync from the roster: edits here are replaced on its next run.")
    return "\n".join(lines)
