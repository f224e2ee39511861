"""The staff list: an optional tab (on the roster spreadsheet, usually) naming the program's
teachers, tutors and coordinators by e-mail, so check-ins, progress tabs and the sharing audit
say "Ada Okoro" where they would otherwise say ada.okoro@school.example.

A person is their e-mail address everywhere else in tutorsync; the name is only shown. So a
row this tab cannot use costs nothing but the name: the address is shown instead, and the row
is a warning on Data issues, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sheets_schema import values
from sheets_schema.headers import Field, SheetKind, find_header
from sheets_schema.issues import DataIssue, Severity, a1
from sheets_schema.table import HeadedTab, TabCells

KIND = SheetKind(
    "staff",
    (
        Field(
            "email",
            "E-mail",
            ("E-mail", "Email", "Email Address", "Staff e-mail", "Staff email", "School e-mail"),
        ),
        Field("name", "Name", ("Name", "Full name", "Staff name", "Display name")),
        Field("role", "Role", ("Role", "Job", "Position")),
    ),
    required=(("email",), ("name",)),
)


@dataclass(frozen=True)
class Staff:
    """Who is who: lowercase e-mail address -> name (and role, as typed)."""

    names: Mapping[str, str] = field(default_factory=dict)
    roles: Mapping[str, str] = field(default_factory=dict)

    def name(self, email: str) -> str:
        """The person's name, or their address when the staff list does not name them."""
        return self.names.get(email.strip().lower(), email)

    def named(self, emails: Sequence[str]) -> tuple[str, ...]:
        return tuple(self.name(email) for email in emails)


NO_STAFF = Staff()


def parse(
    grid: Sequence[Sequence[object]],
    *,
    source: str,
    tab: str,
    columns: Mapping[str, str] | None = None,
) -> tuple[Staff, list[DataIssue]]:
    """The staff tab's names; no names (and one issue saying which column is missing) when
    its header cannot be found, since everything still works by address."""
    header, issues = find_header(grid, KIND, columns or {}, source=source, tab=tab)
    if header is None:
        return NO_STAFF, [
            issue.only_costing("people are shown by e-mail address") for issue in issues
        ]
    cells = TabCells([HeadedTab(grid, header, source, tab)], KIND)
    emails = cells.parse("email", values.parse_email, Severity.WARNING).objects().tolist()
    names = cells.parse("name", _text, Severity.WARNING).objects().tolist()
    roles = cells.parse("role", _text, Severity.WARNING).objects().tolist()
    issues += cells.issues[0]
    found: dict[str, str] = {}
    found_roles: dict[str, str] = {}
    for row, email, name, role in zip(cells.row.tolist(), emails, names, roles, strict=True):
        if email is None:
            continue  # a blank or bad address is reported by the parse above, or is blank
        if name is None:
            issues.append(_issue(source, tab, row, header.columns["name"], email, "has no name"))
            continue
        if email in found and found[email] != name:
            issues.append(
                _issue(
                    source,
                    tab,
                    row,
                    header.columns["name"],
                    name,
                    f"names {email} again, differently (first as {found[email]!r}); the first "
                    "name is used",
                )
            )
            continue
        found[email] = name
        if role is not None:
            found_roles[email] = role
    return Staff(found, found_roles), issues


def _text(value: object) -> str | None:
    if values.is_blank(value):
        return None
    return " ".join(str(value).split())


def _issue(source: str, tab: str, row: int, column: int, value: str, problem: str) -> DataIssue:
    return DataIssue(
        source,
        tab,
        a1(row, column),
        value,
        f"this staff row {problem}, so the e-mail address is shown for this person",
        "type the person's name once beside their school e-mail",
        Severity.WARNING,
    )
