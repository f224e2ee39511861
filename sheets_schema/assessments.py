"""Benchmark assessment results: an optional source, a long table an educator exports from MAP,
i-Ready, STAR or a district test and pastes into a sheet. One row per student per
administration: who, which test, when, and the scale score, the percentile or both.

The table is the testing platform's, not tutorsync's, so headers follow the platforms' exports
("TestRITScore", "Scaled Score", "Percentile Rank") as well as plain words.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import pandas as pd

from sheets_schema import values
from sheets_schema.fields import FIRST_NAME, LAST_NAME, STUDENT_EMAIL, STUDENT_ID, STUDENT_NAME
from sheets_schema.headers import Field, HeaderMatch, SheetKind, find_header
from sheets_schema.issues import DataIssue, Severity, a1
from sheets_schema.table import IDENTITY, ROW, HeadedTab, TabCells, field_cells, show, whole_text

KIND = SheetKind(
    "assessment results",
    (
        STUDENT_ID,
        STUDENT_NAME,
        FIRST_NAME,
        LAST_NAME,
        STUDENT_EMAIL,
        Field("test", "Test", ("Test", "Assessment", "Test name", "Subject")),
        Field(
            "date",
            "Date",
            ("Date", "Test date", "Administered", "Test start date", "Completion date"),
        ),
        Field(
            "score",
            "Score",
            (
                "Score",
                "Scale score",
                "Scaled score",
                "RIT",
                "RIT Score",
                "Test RIT Score",
                "Overall scale score",
            ),
        ),
        Field(
            "percentile",
            "Percentile",
            (
                "Percentile",
                "National percentile",
                "Percentile rank",
                "%ile",
                "NPR",
                "Test percentile",
            ),
        ),
    ),
    required=(("student_id",), ("test",), ("date",), ("score", "percentile")),
)

ASSESSMENT_COLUMNS = [
    "student_id_typed",  # as typed; matching finds the roster student
    "student_name_typed",  # None without a name column: only a mistyped ID's fallback
    "student_email_typed",
    "test",  # as typed, spaces tidied; `key_of_test` groups spellings of one test
    "date",  # datetime.date
    "score",  # float, NaN when not given
    "percentile",  # float 0..100, NaN when not given
    "source",
    "tab",
    ROW,  # 0-based grid row
    "student_cell",  # A1 references, for issues found later (an unknown student)
    "date_cell",
    "score_cell",  # None when the tab has no score column
    "percentile_cell",  # likewise
]


@dataclass(frozen=True)
class Assessments:
    """The usable results of one or more assessment tabs (ASSESSMENT_COLUMNS), in sheet order."""

    results: pd.DataFrame

    @staticmethod
    def combined(parts: Iterable[Assessments]) -> Assessments:
        """Several tabs' results as one, tab after tab (e.g. a tab per test platform)."""
        frames = [part.results for part in parts]
        if not frames:
            return Assessments(_frame({name: [] for name in ASSESSMENT_COLUMNS}))
        return Assessments(pd.concat(frames, ignore_index=True))


def key_of_test(test: str) -> str:
    """One test however its name is capitalised or spaced: "MAP  math" is "MAP Math"."""
    return " ".join(test.split()).casefold()


def parse(
    grid: Sequence[Sequence[object]],
    *,
    source: str,
    tab: str,
    columns: Mapping[str, str] | None = None,
    day_first: bool = False,
) -> tuple[Assessments | None, list[DataIssue]]:
    """Parse an assessment results tab. None when its required columns are missing (one issue
    says which). A row without a student, a test, a date, or any score or percentile is
    skipped with an issue; a bad score or percentile is dropped with an issue (the row still
    counts when the other is there); a repeat of a student's test on one day is a warning, the
    first row kept."""
    header, issues = find_header(grid, KIND, columns or {}, source=source, tab=tab)
    if header is None:
        return None, issues
    cells = TabCells([HeadedTab(grid, header, source, tab)], KIND)
    rows = _typed_rows(cells, header, day_first)
    issues += cells.issues[0]
    reported = _Reporter(source, tab, header, issues)
    kept: list[dict[str, Any]] = []
    first_of: dict[tuple[object, ...], dict[str, Any]] = {}
    for record, blank in rows:
        if not _usable(record, blank, reported):
            continue
        # The ID says who, when typed: a row with the name and one without are one student.
        identity = record["student_id_typed"] or (
            record["student_name_typed"],
            record["student_email_typed"],
        )
        key = (identity, key_of_test(record["test"]), record["date"])
        if key in first_of:
            reported.repeat(record, first_of[key])
            continue
        first_of[key] = record
        kept.append(record)
    return Assessments(_results(kept, header, source, tab)), issues


def _typed_rows(
    cells: TabCells, header: HeaderMatch, day_first: bool
) -> list[tuple[dict[str, Any], dict[str, bool]]]:
    """Each row's parsed fields (an unreadable cell is None, and reported by `cells`), and which
    of its cells were blank as typed."""

    def column(name: str, parser: Any, severity: Severity = Severity.ERROR) -> list[Any]:
        return cells.parse(name, parser, severity).objects().tolist()

    fields = {
        "student_id_typed": column("student_id", values.parse_student_id),
        "student_name_typed": _names(cells, header),
        "student_email_typed": column("student_email", values.parse_email, Severity.WARNING),
        "test": column("test", _text),
        "date": column("date", partial(values.parse_date, day_first=day_first)),
        "score": column("score", parse_scale_score),
        "percentile": column("percentile", parse_percentile),
    }
    blanks = {
        name: cells.blank(name).tolist()
        for name in ("student_id", "test", "date", "score", "percentile")
    }
    rows = []
    for position, row in enumerate(cells.row.tolist()):
        record = {name: parsed[position] for name, parsed in fields.items()}
        record[ROW] = row
        rows.append((record, {name: blank[position] for name, blank in blanks.items()}))
    return rows


def _names(cells: TabCells, header: HeaderMatch) -> list[str | None]:
    """The typed name of each row, as "Last, First" from separate columns, or None."""
    if "last_name" in header.columns:
        firsts = cells.parse("first_name", _text).objects().tolist()
        lasts = cells.parse("last_name", _text).objects().tolist()
        return [
            values.display_name(first or "", last or "") or None
            for first, last in zip(firsts, lasts, strict=True)
        ]
    return cells.parse("student_name", _text).objects().tolist()


class _Reporter:
    """The issues of rows that cannot be used, each at the cell to fix."""

    def __init__(self, source: str, tab: str, header: HeaderMatch, issues: list[DataIssue]):
        self.source, self.tab, self.header, self.issues = source, tab, header, issues

    def cell(self, row: int, field_name: str) -> str:
        return a1(row, self.header.columns.get(field_name, 0))

    def skipped(self, row: int, field_name: str, problem: str, fix: str) -> None:
        self.issues.append(
            DataIssue(self.source, self.tab, self.cell(row, field_name), "", problem, fix)
        )

    def repeat(self, record: Mapping[str, Any], first: Mapping[str, Any]) -> None:
        measure = "score" if "score" in self.header.columns else "percentile"
        # None == None: neither row gives that measure.
        same = all(record[name] == first[name] for name in ("score", "percentile"))
        who = record["student_id_typed"] or record["student_name_typed"] or "this student"
        if same:
            problem = (
                f"this row repeats row {first[ROW] + 1} ({who}, {record['test']}, "
                f"{record['date'].isoformat()}), so it was counted once"
            )
            fix = "delete one of the two rows"
        else:
            problem = (
                f"row {first[ROW] + 1} already has {who}'s {record['test']} on "
                f"{record['date'].isoformat()} with {_measures(first)}, and this row says "
                f"{_measures(record)}; the first row was used"
            )
            fix = "keep one row per student, test and date: delete the wrong one or fix its date"
        self.issues.append(
            DataIssue(
                self.source,
                self.tab,
                self.cell(record[ROW], measure),
                _measures(record),
                problem,
                fix,
                Severity.WARNING,
            )
        )


def _usable(record: Mapping[str, Any], blank: Mapping[str, bool], reported: _Reporter) -> bool:
    """Whether the row can count as a result; if not, it is reported once, for its first
    reason, unless the cell to blame was already reported as unreadable."""
    row = record[ROW]
    if all(record[name] is None for name in IDENTITY):
        if blank["student_id"]:
            reported.skipped(
                row,
                "student_id",
                "this result does not say which student took the test, so it was skipped",
                "type the student's ID from your student information system",
            )
        return False
    for name, what, fix in (
        ("test", "which test", "type the test's name, e.g. MAP Math or i-Ready Reading"),
        ("date", "when the test was taken", "type the test date, e.g. 2026-09-10 or 9/10/2026"),
    ):
        if record[name] is None:
            if blank[name]:
                reported.skipped(
                    row, name, f"this result does not say {what}, so it was skipped", fix
                )
            return False
    if record["score"] is None and record["percentile"] is None:
        if blank["score"] and blank["percentile"]:
            field_name = "score" if "score" in reported.header.columns else "percentile"
            reported.skipped(
                row,
                field_name,
                "this result has no score and no percentile, so it was skipped",
                "type the scale score, the percentile or both, as the test reported them",
            )
        return False
    return True


def _results(
    kept: Sequence[Mapping[str, Any]], header: HeaderMatch, source: str, tab: str
) -> pd.DataFrame:
    columns: dict[str, list[Any]] = {
        name: [record[name] for record in kept] for name in (*IDENTITY, "test")
    }
    columns["date"] = [record["date"] for record in kept]
    for measure in ("score", "percentile"):
        columns[measure] = [math.nan if r[measure] is None else r[measure] for r in kept]
    columns["source"] = [source] * len(kept)
    columns["tab"] = [tab] * len(kept)
    columns[ROW] = [record[ROW] for record in kept]
    columns["student_cell"] = field_cells(kept, header, "student_id")
    columns["date_cell"] = field_cells(kept, header, "date")
    columns["score_cell"] = field_cells(kept, header, "score")
    columns["percentile_cell"] = field_cells(kept, header, "percentile")
    return _frame(columns)


def _frame(columns: Mapping[str, list[Any]]) -> pd.DataFrame:
    """ASSESSMENT_COLUMNS from lists, text as objects: a blank stays None, where a frame made
    from lists makes it NaN."""
    return pd.DataFrame(
        {
            name: pd.Series(columns[name], dtype=_DTYPES.get(name, object))
            for name in ASSESSMENT_COLUMNS
        }
    )


_DTYPES = {"score": "float64", "percentile": "float64", ROW: "int64"}


_SCORE_FIX = "type the scale score the test reported, e.g. 212"


def parse_scale_score(value: object) -> float | values.Invalid | None:
    """A scale score: any number of 0 or more, as the test reports it ("1,250" is 1250)."""
    if isinstance(value, str) and "%" in value:
        return values.Invalid(
            "is a percentage, not a scale score, so it was not used",
            "type the scale score as a number, and a percentile in the Percentile column",
        )
    number = values.parse_number(value)
    if isinstance(number, values.Invalid):
        return values.Invalid(f"{number.what}, so it was not used", _SCORE_FIX)
    if number is not None and number < 0:
        return values.Invalid("is negative, not a scale score, so it was not used", _SCORE_FIX)
    return number


_PERCENTILE_FIX = "type the percentile the test reported, a number from 0 to 100, e.g. 48"
_ORDINAL_SUFFIXES = ("st", "nd", "rd", "th", "%")


def parse_percentile(value: object) -> float | values.Invalid | None:
    """A percentile from 0 to 100: 48, "48", "48th" or "48%". A number cell between 0 and 1
    is a cell formatted as a percentage (48% is stored as 0.48), so it is read as 48; nobody's
    percentile rank is a fraction of one."""
    if isinstance(value, str):
        text = value.strip().casefold()
        for suffix in _ORDINAL_SUFFIXES:
            if text.endswith(suffix) and text[: -len(suffix)].strip():
                text = text[: -len(suffix)].strip()
                break
        number = values.parse_number(text)
    else:
        number = values.parse_number(value)
        if isinstance(number, float) and 0 < number < 1:
            number = round(number * 100, 6)
    if isinstance(number, values.Invalid):
        return values.Invalid(f"{number.what}, so it was not used", _PERCENTILE_FIX)
    if number is not None and not 0 <= number <= 100:
        return values.Invalid(
            "is not between 0 and 100, so it was not used",
            f"{_PERCENTILE_FIX}; a scale score goes in the Score column",
        )
    return number


def _text(value: object) -> str | None:
    return None if values.is_blank(value) else " ".join(whole_text(value).split())


def _measures(record: Mapping[str, Any]) -> str:
    given = []
    if record["score"] is not None:
        given.append(f"score {show(_plain(record['score']))}")
    if record["percentile"] is not None:
        given.append(f"percentile {show(_plain(record['percentile']))}")
    return " and ".join(given)


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"
