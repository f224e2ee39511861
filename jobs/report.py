"""What a run did, for people (text) and for machines (--json)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jobs.folder_plan import FolderAudit
from jobs.plan import WriteTab, issue_order
from jobs.schedule import EventChange
from jobs.workspace.calendar_port import CalendarEvent
from jobs.workspace.drive_port import FolderChange
from sheets_schema.issues import DataIssue, Severity


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
    # Student ID -> folder URL, for the jobs that follow in the same run to link to.
    # (student ID, teacher) -> (start, event) of the next check-in, for the progress tabs;
    # None when the check-ins job did not run.
    next_checkins: dict[tuple[str, str], tuple[datetime, CalendarEvent]] | None = field(
        default=None, repr=False, compare=False
    )
    # None when the folders could not be read (the links are then kept as they were).
    folder_links: dict[str, str] | None = field(default=None, repr=False, compare=False)
    # The sources as this run read them, so a job that follows in the same run (check-ins
    # after progress) does not read them again. Not part of the report's output.
    sources: Any = field(default=None, repr=False, compare=False)

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

    def to_dict(self) -> dict[str, Any]:
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
                    "summary": c.event.summary,
                    "start": c.event.start.isoformat(),
                    "reason": c.reason,
                }
                for c in self.event_changes
            ],
            "folders": [
                {"change": _change_name(c), "folder": _folder_of(c), "reason": c.reason}
                for c in self.folder_changes
            ],
            **({"audit": [_audit_dict(a) for a in self.audit]} if self.audit is not None else {}),
            "issues": [
                {
                    "severity": str(i.severity),
                    "spreadsheet": i.source,
                    "tab": i.tab,
                    "cell": i.cell,
                    "value": i.value,
                    "problem": i.problem,
                    "fix": i.fix,
                }
                for i in sorted(self.issues, key=issue_order)
            ],
        }

    def render_text(self, *, show_issues: int = 20) -> str:
        """A short account for a coordinator at a terminal."""
        verb = "would write" if self.dry_run else "wrote"
        lines = [f"{self.job}: {self.program}, figures as of {self.as_of.isoformat()}"]
        if self.job.startswith("folders"):
            lines.append(f"  read {self.students} active students from the roster")
        else:
            lines.append(
                f"  read {self.students} active students, {self.sessions} sessions, "
                f"{self.scores} scores"
            )
        severities = Counter(i.severity for i in self.issues)
        lines.append(
            f"  data issues: {severities[Severity.ERROR]} error(s), "
            f"{severities[Severity.WARNING]} warning(s)"
        )
        for issue in sorted(self.issues, key=issue_order)[:show_issues]:
            lines.append(f"    - {issue.sentence()}")
        if len(self.issues) > show_issues:
            lines.append(
                f"    ... and {len(self.issues) - show_issues} more (see the Data issues tab)"
            )
        cells = f": {self.cells_changed} cell(s)" if self.actions else ""
        lines.append(f"  {self.changes} change(s){cells}")
        for action in self.actions:
            lines.append(f"    {verb}: {action.describe().removeprefix('write ')}")
        for change in self.event_changes:
            lines.append(f"    {'would ' if self.dry_run else ''}{change.describe()}")
        for folder_change in self.folder_changes:
            lines.append(f"    {'would ' if self.dry_run else ''}{folder_change.describe()}")
        if self.audit is not None:
            lines += render_audit(self.audit)
        for failure in self.failures:
            lines.append(f"  FAILED: {failure}")
        if self.requests:
            by_method = ", ".join(f"{m} {n}" for m, n in sorted(self.requests.items()))
            lines.append(f"  API requests: {sum(self.requests.values())} ({by_method})")
        lines.append(f"  took {self.seconds:.1f} s")
        return "\n".join(lines)


def render_audit(audits: list[FolderAudit]) -> list[str]:
    """The sharing audit: each folder, who can open it, and what differs from the roster."""
    with_findings = sum(1 for a in audits if a.findings)
    lines = [f"  sharing audit: {len(audits)} folder(s), {with_findings} with findings"]
    for audit in audits:
        marker = "!!" if audit.findings else "ok"
        lines.append(f"  {marker} {audit.name} [{audit.status}] {audit.url}")
        for access in audit.access:
            note = f"  <- {access.finding}" if access.finding else ""
            lines.append(f"       {access.who}: {access.role} ({access.source}){note}")
        for email in audit.missing:
            lines.append(f"       {email}: no access  <- should have it")
    return lines


def _audit_dict(audit: FolderAudit) -> dict[str, Any]:
    return {
        "folder": audit.key,
        "name": audit.name,
        "url": audit.url,
        "student_id": audit.student_id,
        "status": audit.status,
        "access": [
            {"who": a.who, "role": a.role, "source": a.source, "finding": a.finding}
            for a in audit.access
        ],
        "missing": list(audit.missing),
        "findings": audit.findings,
    }


def _change_name(change: FolderChange) -> str:
    """CreateFolder -> "create_folder"."""
    name = type(change).__name__
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _folder_of(change: FolderChange) -> str:
    return str(getattr(change, "folder_key", None) or getattr(change, "key", ""))
