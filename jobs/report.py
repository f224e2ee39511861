"""What a run did, for people (text) and for machines (--json)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jobs.plan import WriteTab, issue_order
from jobs.schedule import EventChange
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
    # The sources as this run read them, so a job that follows in the same run (check-ins
    # after progress) does not read them again. Not part of the report's output.
    sources: Any = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def cells_changed(self) -> int:
        return sum(a.cells_changed for a in self.actions if a.counts_as_change)

    @property
    def changes(self) -> int:
        """Owned tabs whose figures change (the run log's new row is not counted), and
        calendar events created, updated or ended."""
        return sum(1 for a in self.actions if a.counts_as_change) + len(self.event_changes)

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
        lines = [
            f"{self.job}: {self.program}, figures as of {self.as_of.isoformat()}",
            f"  read {self.students} active students, {self.sessions} sessions, "
            f"{self.scores} scores",
        ]
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
        for failure in self.failures:
            lines.append(f"  FAILED: {failure}")
        if self.requests:
            by_method = ", ".join(f"{m} {n}" for m, n in sorted(self.requests.items()))
            lines.append(f"  API requests: {sum(self.requests.values())} ({by_method})")
        lines.append(f"  took {self.seconds:.1f} s")
        return "\n".join(lines)
