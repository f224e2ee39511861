"""What a run did, for people (text) and for machines (--json).

Scheduled runs send stdout to the job engine's logs, so a report is a log too: by default it
names students by ID only and says what kind of data issue sits in which cell, never the value
typed there (a name, a grade, a note). The full sentences are in the Data issues tab, where
educators read them; `sensitive=True` (validate, -vv) puts them in the report as well.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jobs.model.drive import FolderChange
from jobs.parse import SourceColumns
from jobs.plan.checkins import EventChange
from jobs.plan.folders import FolderAudit
from jobs.plan.tabs import WriteTab, issue_order
from jobs.reconcile.program import Reconciled
from jobs.settings import Settings
from sheets_schema import gradebook, roster, tutor_log
from sheets_schema.cells import CellValue
from sheets_schema.headers import toml_string
from sheets_schema.issues import DataIssue, Severity
from sheets_schema.roster import Roster
from sheets_schema.staff import NO_STAFF, Staff

# The first line of any output that may name students, so nobody keeps it by mistake.
DEBUG_NOTICE = "DEBUG output includes student names and notes; do not keep it in shared logs"
SENSITIVE_NOTICE = (
    "Data issues in full, with the values as typed (they may include student names, grades "
    "and notes); do not keep this output in shared logs"
)
UNCATEGORISED = "see the Data issues tab"
NO_FIGURES = "no figures were written, since a source could not be used"
ISSUE_CELLS_SHOWN = 8  # cells listed per group of data issues before "+N more"


LISTED_CHANGES = 20  # a report lists up to this many changes one a line; more, it counts

_EVENT_KINDS = {"create": "check-ins made", "update": "check-ins updated", "end": "check-ins ended"}
_FOLDER_KINDS = {
    "CreateFolder": "folders created",
    "ShareFolder": "shares added",
    "ChangeRole": "roles changed",
    "RevokeGrant": "shares revoked",
    "ForgetGrant": "removed shares forgotten",
    "MoveFolder": "folders moved",
    "CopyTemplate": "templates copied",
    "RecordTemplate": "template copies recorded",
    "RewriteRecord": "folder records rewritten",
}


@dataclass
class RunReport:
    job: str
    program: str
    as_of: date
    dry_run: bool = False
    students: int = 0
    sessions: int = 0
    scores: int = 0
    issues: list[DataIssue] = field(default_factory=list)
    actions: list[WriteTab] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # what could not be written, and why
    seconds: float = 0.0
    requests: dict[str, int] = field(default_factory=dict)  # API requests by method
    event_changes: list[EventChange] = field(default_factory=list)  # check-ins job
    folder_changes: list[FolderChange] = field(default_factory=list)  # folders job
    audit: list[FolderAudit] | None = None  # `folders --audit`
    people: Staff = NO_STAFF  # the audit's names for e-mail addresses
    columns: list[SourceColumns] | None = None  # `validate`: how each source's headers read

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def needs_attention(self) -> bool:
        """Data issues, or sharing audit findings: what `--strict` exits 3 for."""
        return bool(self.issues) or any(audit.findings for audit in self.audit or ())

    @property
    def cells_changed(self) -> int:
        return sum(a.cells_changed for a in self.actions if a.counts_as_change)

    @property
    def changes(self) -> int:
        """Owned tabs whose figures change (the run log's new row is not counted), calendar
        events created, updated or ended, and folder changes."""
        return (
            sum(1 for a in self.actions if a.counts_as_change)
            + len(self.event_changes)
            + len(self.folder_changes)
        )

    def changes_by_kind(self) -> str:
        """The changes counted by kind, biggest first: "582 folders created, 1,746 shares
        added"."""
        kinds: Counter[str] = Counter()
        kinds.update("tabs written" for _ in self.actions)
        kinds.update(_EVENT_KINDS.get(change.kind, change.kind) for change in self.event_changes)
        kinds.update(_FOLDER_KINDS[type(change).__name__] for change in self.folder_changes)
        return ", ".join(f"{n:,} {kind}" for kind, n in kinds.most_common())

    def to_dict(self, *, sensitive: bool = False) -> dict[str, Any]:
        """The report as data. Without `sensitive`, no student names, values typed, grades or
        notes: events and folders by key, data issues by place and category."""
        return {
            "job": self.job,
            "program": self.program,
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "ok": self.ok,
            "students": self.students,
            "sessions": self.sessions,
            "scores": self.scores,
            "changes": self.changes,
            "cells_changed": self.cells_changed,
            "seconds": round(self.seconds, 3),
            "failures": self.failures,
            "requests": dict(sorted(self.requests.items())),
            "actions": [
                {
                    "spreadsheet": a.spreadsheet,
                    "tab": a.tab.title,
                    "reason": a.reason,
                    "rows": len(a.tab.rows),
                    "cells_changed": a.cells_changed,
                    "counts_as_change": a.counts_as_change,
                }
                for a in self.actions
            ],
            "events": [
                {
                    "change": c.kind,
                    "event": c.event.key,
                    "summary": c.event.summary if sensitive else c.label,
                    "start": c.event.start.isoformat(),
                    "reason": c.reason,
                }
                for c in self.event_changes
            ],
            "folders": [
                {
                    "change": _change_name(c),
                    "folder": _folder_of(c),
                    "reason": c.reason,
                    # A created folder's or a template copy's name carries the student's.
                    **({"name": name} if sensitive and (name := getattr(c, "name", "")) else {}),
                }
                for c in self.folder_changes
            ],
            **(
                {"audit": [_audit_dict(a, self.people, sensitive=sensitive) for a in self.audit]}
                if self.audit is not None
                else {}
            ),
            **(
                {"columns": [_columns_dict(c) for c in self.columns]}
                if self.columns is not None
                else {}
            ),
            "issues": [
                {
                    "severity": str(i.severity),
                    "spreadsheet": i.source,
                    "tab": i.tab,
                    "cell": i.cell,
                    "category": issue_category(i),
                    **({"value": i.value, "problem": i.problem, "fix": i.fix} if sensitive else {}),
                }
                for i in sorted(self.issues, key=issue_order)
            ],
        }

    def render_text(
        self, *, show_issues: int = 20, sensitive: bool = False, itemized: bool = False
    ) -> str:
        """A short account for a coordinator at a terminal, or a scheduler's log. Without
        `sensitive`, no student names, values typed, grades or notes (see to_dict). More
        than LISTED_CHANGES changes are counted by kind, unless `itemized` or a dry run
        (which is run to see them) asks for each one."""
        verb = "would write" if self.dry_run else "wrote"
        would = "would " if self.dry_run else ""
        lines = [f"{self.job}: {self.program}, figures as of {self.as_of.isoformat()}"]
        if self.job.startswith("folders"):
            lines.append(f"  read {self.students} active students from the roster")
        else:
            lines.append(
                f"  read {self.students} active students, {self.sessions} sessions, "
                f"{self.scores} scores"
            )
        severities = Counter(i.severity for i in self.issues)
        counts = (
            f"  data issues: {severities[Severity.ERROR]} error(s), "
            f"{severities[Severity.WARNING]} warning(s)"
        )
        if sensitive:
            lines.append(counts)
            lines += _issue_sentences(self.issues, show_issues)
        else:
            where = "; values and names are in the Data issues tab" if self.issues else ""
            lines.append(counts + where)
            lines += _issue_summary(self.issues, show_issues)
        cells = f": {self.cells_changed} cell(s)" if self.actions else ""
        lines.append(f"  {self.changes:,} change(s){cells}")
        if itemized or self.dry_run or self.changes <= LISTED_CHANGES:
            for action in self.actions:
                lines.append(f"    {verb}: {action.describe().removeprefix('write ')}")
            for change in self.event_changes:
                lines.append(f"    {would}{change.describe(sensitive=sensitive)}")
            for folder_change in self.folder_changes:
                lines.append(f"    {would}{folder_change.describe(sensitive=sensitive)}")
        else:
            lines.append(f"    {self.changes_by_kind()} (-v lists each)")
        if self.audit is not None:
            lines += render_audit(self.audit, self.people, sensitive=sensitive)
        if self.columns is not None:
            lines += render_columns(self.columns)
        for failure in self.failures:
            lines.append(f"  FAILED: {failure}")
        if self.requests:
            by_method = ", ".join(f"{m} {n}" for m, n in sorted(self.requests.items()))
            lines.append(f"  API requests: {sum(self.requests.values())} ({by_method})")
        lines.append(f"  took {self.seconds:.1f} s")
        return "\n".join(lines)


def figures_report(
    job: str,
    settings: Settings,
    reconciled: Reconciled,
    as_of: date,
    dry_run: bool,
    actions: list[WriteTab],
) -> RunReport:
    """The report of a job that read and reconciled the sources (progress, validate)."""
    return RunReport(
        job=job,
        program=settings.program.name,
        as_of=as_of,
        dry_run=dry_run,
        students=len(reconciled.summary),
        sessions=len(reconciled.sessions),
        scores=len(reconciled.scores),
        issues=list(reconciled.issues),
        actions=list(actions),
    )


def log_row(
    report: RunReport, run_at: datetime, timezone: str, seconds: float
) -> dict[str, CellValue]:
    """One job of a run as a Run log row; `run_at` is wall-clock time in `timezone`."""
    return {
        "run_at": run_at.replace(microsecond=0, tzinfo=None),
        "timezone": timezone,
        "job": report.job,
        "status": _log_status(report),
        "as_of": report.as_of,
        "students": report.students,
        "sessions": report.sessions if report.job == "progress" else None,
        "scores": report.scores if report.job == "progress" else None,
        "issues": len(report.issues),
        "cells_changed": report.cells_changed if report.job == "progress" else None,
        "changes": report.changes,
        "seconds": round(seconds, 1),
    }


def _log_status(report: RunReport) -> str:
    if report.ok:
        return "ok"
    if any(failure.startswith(NO_FIGURES) for failure in report.failures):
        return f"failed: {NO_FIGURES} (see Data issues)"
    if report.job == "progress":
        return f"failed: {len(report.failures)} spreadsheet(s) not written"
    more = f" (+{len(report.failures) - 1} more)" if len(report.failures) > 1 else ""
    return f"failed: {report.failures[0]}{more}"


def folders_report(
    settings: Settings,
    as_of: date,
    dry_run: bool,
    roster: Roster,
    changes: Sequence[FolderChange],
    issues: list[DataIssue],
) -> RunReport:
    """The report of the folders job (and of its audit)."""
    report = RunReport("folders", settings.program.name, as_of, dry_run, len(roster.active))
    report.issues, report.folder_changes = list(issues), list(changes)
    return report


def _issue_sentences(issues: list[DataIssue], shown: int) -> list[str]:
    """Each issue's full sentence: where, the value, what is wrong and how to fix it."""
    lines = [f"    - {issue.sentence()}" for issue in sorted(issues, key=issue_order)[:shown]]
    if len(issues) > shown:
        lines.append(f"    ... and {len(issues) - shown} more (see the Data issues tab)")
    return lines


def _issue_summary(issues: list[DataIssue], shown: int) -> list[str]:
    """Issues grouped by spreadsheet, tab and category, with their cells: where and what kind,
    never the value or the sentence (which may name a student)."""
    groups: dict[tuple[Severity, str, str, str], list[str]] = {}
    for issue in sorted(issues, key=issue_order):
        key = (issue.severity, issue.source, issue.tab, issue_category(issue))
        groups.setdefault(key, []).append(issue.cell)
    lines = []
    for (severity, source, tab, category), cells in list(groups.items())[:shown]:
        count = f"{len(cells)} {severity}{'s' if len(cells) > 1 else ''}"
        places = [cell for cell in cells if cell]
        listed = ", ".join(places[:ISSUE_CELLS_SHOWN])
        if len(places) > ISSUE_CELLS_SHOWN:
            listed += f", +{len(places) - ISSUE_CELLS_SHOWN} more"
        lines.append(
            f"    - {count} in {source} › {tab}{f' ({listed})' if listed else ''}: {category}"
        )
    if len(groups) > shown:
        lines.append(f"    ... and {len(groups) - shown} more kinds (see the Data issues tab)")
    return lines


# --- Data issue categories ------------------------------------------------------------------
# A data issue's sentence may carry a student's name or what was typed, so a report says only
# what kind of issue it is: a label chosen here from what the sentence says, never a piece of
# it. A sentence no rule knows gets UNCATEGORISED (still private, just less telling).

_CATEGORY_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), category)
    for pattern, category in (
        (r"is not on the roster, but the name matches", "unknown student ID, matched by name"),
        (r"is not on the roster, so this row was skipped", "student not on the roster"),
        (r"was typed without its leading zeros", "student ID typed without its leading zeros"),
        (r"matches \d+ students on the roster", "name matches several students"),
        (r"^this session is dated after", "session dated after the day of the figures"),
        (r"^this session \(same student, date, tutor and minutes\)", "session logged twice"),
        (r"^this session has no usable date", "session without a date"),
        (r"^this session does not say which student", "session without a student"),
        (r"^this session has no attendance and no minutes", "session without attendance"),
        (r"^this gradebook has no Points row", "gradebook without a Points row"),
        (r"^this row has scores but no student ID or name", "scores without a student"),
        (r"has no points in the Points row", "assignment without points"),
        (r"has no student ID, so it was skipped", "roster row without a student ID"),
        (r"is also on row \d+ with the name", "one student ID, two names"),
        (r"^the config maps a column for", "config maps a column the sheet cannot have"),
        (r"has no column for .*the whole tab was skipped", "required column missing, tab skipped"),
        (r"^more than one column is headed like", "two columns with one header"),
        (r"has no weight in grades\.category_weights", "category without a weight"),
        (r"^this source could not be read", "source could not be read"),
        (r"roster does not list that teacher", "graded by a teacher the roster does not list"),
        (r"has no gradebook in the config", "teacher without a gradebook"),
        (r"is outside the allowed domains", "address outside folders.allowed_domains"),
        (r"shared by hand, so tutorsync did not give them", "hand-made grant below folders.role"),
        (r"is in Drive's trash", "folder in Drive's trash"),
        (r"folders carry the key", "several folders with one key"),
        (r"when both are free", "no time when both are free"),
        (r"^the staff list could not be read", "staff list could not be read"),
        (r"^this staff row", "staff row without a usable name"),
        (r"^this result is dated after", "test result dated after the day of the figures"),
        (r"^this result does not say", "test result without a student, test or date"),
        (r"^this result has no score and no percentile", "test result without a score"),
        (r"^this row repeats row \d+ \(", "test result typed twice"),
    )
)  # fmt: skip
# "<Field> '<value>' is not ...": the field's label, then what the parser said after the value.
_FIELD_LABELS = frozenset(
    {f.label for kind in (roster.KIND, tutor_log.KIND, gradebook.KIND) for f in kind.fields}
    | {"Score", "Points", "Date"}  # a gradebook's scores and its Points and Date rows
)
_PARSER_WORDS = re.compile(r"[A-Za-z0-9 ,/-]+")


def issue_category(issue: DataIssue) -> str:
    """What kind of data issue this is, in a few words that never quote the issue: "Minutes:
    not a number of minutes", "student not on the roster"."""
    for pattern, category in _CATEGORY_RULES:
        if pattern.search(issue.problem):
            return category
    label, quoted, _ = issue.problem.partition(" '")
    if quoted and label in _FIELD_LABELS:
        # Everything after the last quote is the parser's own words ("is not a score").
        said = issue.problem.rsplit("'", 1)[1].strip()
        what = said.removeprefix("is ").split(", so ")[0]
        if said.startswith("is ") and _PARSER_WORDS.fullmatch(what):
            return f"{label}: {what}"
    return UNCATEGORISED


# --- Sharing audit --------------------------------------------------------------------------


def render_columns(columns: list[SourceColumns]) -> list[str]:
    """How each source tab's headers were read, and the headers that look like a field that
    was not found, with the config line that would read them."""
    lines = ["  columns read:"]
    for source in columns:
        mapping = source.mapping
        row = f"row {mapping.header_row + 1}" if mapping.header_row is not None else "no header"
        lines.append(f"    {source.spreadsheet} › {source.tab} ({source.kind}, headers in {row}):")
        for known, header in mapping.fields:
            lines.append(f"      {known.label}: {repr(header) if header else 'not found'}")
        if mapping.unused and source.kind == "gradebook":
            lines.append(f"      {len(mapping.unused)} other column(s), read as assignments")
        elif mapping.unused:
            lines.append(f"      not used: {', '.join(repr(h) for h in mapping.unused)}")
        for header, known in mapping.near_misses:
            lines.append(
                f"      warning: {header!r} looks like {known.label}, which was not found; if it "
                "is, add to this source in the config: "
                f"columns = {{ {known.name} = {toml_string(header)} }}"
            )
    return lines


def _columns_dict(source: SourceColumns) -> dict[str, Any]:
    mapping = source.mapping
    return {
        "spreadsheet": source.spreadsheet,
        "tab": source.tab,
        "kind": source.kind,
        "header_row": None if mapping.header_row is None else mapping.header_row + 1,
        "fields": {known.name: header for known, header in mapping.fields},
        "unused": list(mapping.unused),
        "near_misses": [{"header": h, "field": known.name} for h, known in mapping.near_misses],
    }


def render_audit(
    audits: list[FolderAudit], people: Staff = NO_STAFF, *, sensitive: bool = False
) -> list[str]:
    """The sharing audit: each folder, who can open it (by name where the staff list has
    one), and what differs from the roster. Folders by key (and Drive URL); their names, and
    local paths, only when `sensitive`. Staff names are shown as their addresses are: they
    are the people the folders are shared with, not students."""
    with_findings = sum(1 for a in audits if a.findings)
    lines = [f"  sharing audit: {len(audits)} folder(s), {with_findings} with findings"]
    for audit in audits:
        marker = "!!" if audit.findings else "ok"
        if sensitive:
            lines.append(f"  {marker} {audit.name} [{audit.status}] {audit.url}")
        else:
            url = f" {audit.url}" if _is_web_address(audit.url) else ""
            lines.append(f"  {marker} {audit.key} [{audit.status}]{url}")
        for access in audit.access:
            note = f"  <- {access.finding}" if access.finding else ""
            lines.append(
                f"       {_who(access.who, people)}: {access.role} ({access.source}){note}"
            )
        for email in audit.missing:
            lines.append(f"       {_who(email, people)}: no access  <- should have it")
    return lines


def _who(who: str, people: Staff) -> str:
    """ "Ms. Okafor <ms.okafor@...>" where the staff list names the address; else as it is."""
    name = people.name(who)
    return f"{name} <{who}>" if name != who else who


def _is_web_address(url: str) -> bool:
    """A Drive URL names a folder by an opaque ID; a local folder's path holds its name."""
    return url.startswith(("https://", "http://"))


def _audit_dict(audit: FolderAudit, people: Staff, *, sensitive: bool) -> dict[str, Any]:
    return {
        "folder": audit.key,
        **({"name": audit.name} if sensitive else {}),
        **({"url": audit.url} if sensitive or _is_web_address(audit.url) else {}),
        "student_id": audit.student_id,
        "status": audit.status,
        "access": [
            {
                "who": a.who,
                **_name_of(a.who, people),
                "role": a.role,
                "source": a.source,
                "finding": a.finding,
            }
            for a in audit.access
        ],
        "missing": list(audit.missing),
        "missing_names": [people.name(email) for email in audit.missing],
        "findings": audit.findings,
    }


def _name_of(who: str, people: Staff) -> dict[str, str]:
    name = people.name(who)
    return {"name": name} if name != who else {}


def _change_name(change: FolderChange) -> str:
    """CreateFolder -> "create_folder"."""
    name = type(change).__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _folder_of(change: FolderChange) -> str:
    return str(getattr(change, "folder_key", None) or getattr(change, "key", ""))
