"""Plan the History tab: a row per student per ISO week, the week running updated in place,
ended weeks frozen. Pure.

Which weeks a run counts (`weeks_to_count`): the week running; every earlier week from the
tab's first whose rows were counted before the week ended, or are missing (a run skipped for
a holiday, a program that started mid-week); with `since` (a rebuild), every week from the
one holding `since`. Rows of other weeks, and of students no longer counted (who left), stay
exactly as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import cache
from itertools import groupby

import pandas as pd

from jobs.plan.tabs import cells_changed, figure_cells
from jobs.reconcile.figures import Flag
from jobs.reconcile.history import Week, week_of, weeks_between
from sheets_schema.cells import CellValue, Highlight, OwnedTab, TabWrite
from sheets_schema.outputs import HISTORY_COLUMNS, STUDENT_ID_HEADER

HEADER = tuple(column.header for column in HISTORY_COLUMNS)
_WEEK, _AS_OF, _STUDENT = (HEADER.index(h) for h in ("Week", "As of", STUDENT_ID_HEADER))

Row = tuple[CellValue, ...]


def weeks_to_count(
    current: OwnedTab | None, as_of: date, *, since: date | None = None
) -> list[Week]:
    """The weeks this run counts, oldest first (see the module's docstring)."""
    rows = _rows_by_week(current)
    first = min([_week_start(label) for label in rows] + [as_of])
    if since is not None:
        first = since
    weeks = weeks_between(first, as_of)
    return [
        week
        for week in weeks
        if week.start == weeks[-1].start
        or (since is not None and week.start >= week_of(since, as_of).start)
        or not _frozen(rows.get(week.label, []), week)
    ]


def history_tab(
    *, key: str, title: str, current: OwnedTab | None, counted: Mapping[Week, pd.DataFrame]
) -> TabWrite:
    """The History tab with each counted week's rows (from jobs.reconcile.history.week_figures)
    in place of that week's rows of the same students. In the week running, a row whose
    figures did not change keeps its As of, so a rerun in the same week with the same sources
    writes nothing; an ended week's rows all take its Sunday, which freezes the week."""
    extra_headers = _extra_headers(current)
    rows_now, loose = _canonical_rows(current)
    kept = {(_text(row[_WEEK]), _text(row[_STUDENT])): row for row in rows_now}
    for week, figures in counted.items():
        label = week.label  # worked out from the date: once a week, not once a student
        for student_id, row in zip(figures.index.tolist(), _week_rows(week, figures), strict=True):
            place = (label, str(student_id))
            old = kept.get(place)
            if old is not None and not week.ended and _same_figures(old, row):
                continue
            kept[place] = row + (old[len(HEADER) :] if old else ())
    # Weeks, then IDs; what someone typed that is not a week's row (a total, a note) after.
    rows = [kept[week_and_student] for week_and_student in sorted(kept)] + loose
    return TabWrite(
        key=key,
        title=title,
        header=HEADER + extra_headers,
        rows=tuple(rows),
        column_formats=tuple(column.format for column in HISTORY_COLUMNS),
        highlights=tuple(
            Highlight(index, rule, tone, value)
            for index, column in enumerate(HISTORY_COLUMNS)
            for rule, value, tone in column.highlights
        ),
    )


def flag_words(flags: Sequence[Flag]) -> str | None:
    """A student's flags in a few words ("no recent session, low grade"), short enough for a
    row a week; the sentences are on the progress tabs."""
    return ", ".join(flag.code.replace("_", " ") for flag in flags) or None


def _week_rows(week: Week, figures: pd.DataFrame) -> list[Row]:
    """A row per student of the week's figures, as the tab's cells."""
    values = figures.assign(
        week=week.label,
        as_of=week.as_of,
        student_id=figures.index.astype(str),
        flags=figures["student_flags"].map(flag_words),
    )
    columns = [figure_cells(column, values[column.field]) for column in HISTORY_COLUMNS]
    return list(zip(*columns, strict=True)) if len(values) else []


def _same_figures(old: Row, new: Row) -> bool:
    """Whether a row's figures are as counted now, As of aside."""

    def figures(row: Row) -> list[CellValue]:
        return [cell for index, cell in enumerate(row[: len(HEADER)]) if index != _AS_OF]

    return cells_changed([figures(old)], [figures(new)]) == 0


def _frozen(rows: list[Row], week: Week) -> bool:
    """Whether a week was counted once it had ended (the rows of students who left before
    then keep the day they were last counted)."""
    return any(_day(row[_AS_OF]) == week.as_of for row in rows)


def _rows_by_week(current: OwnedTab | None) -> dict[str, list[Row]]:
    rows = sorted(_canonical_rows(current)[0], key=lambda row: _text(row[_WEEK]))
    return {
        label: list(of_week)
        for label, of_week in groupby(rows, key=lambda row: _text(row[_WEEK]))
        if _is_week(label)
    }


def _canonical_rows(current: OwnedTab | None) -> tuple[list[Row], list[Row]]:
    """The tab's rows in the order of HEADER, whatever order an educator moved the columns
    into, then the columns they added: the rows of a week and a student, and the others."""
    if current is None or not current.grid:
        return [], []
    header = [_text(cell) for cell in current.grid[0]]
    order = [header.index(h) if h in header else None for h in HEADER]
    order += [i for i, h in enumerate(header) if h not in HEADER]
    rows, loose = [], []
    for raw in current.grid[1:]:
        row = tuple(raw[i] if i is not None and i < len(raw) else None for i in order)
        if is_student_week(row):
            rows.append(row)
        elif any(cell not in (None, "") for cell in row):
            loose.append(row)
    return rows, loose


def is_student_week(row: Row) -> bool:
    """Whether a row of the tab (in the order of HEADER) is a week's row of one student, not
    one someone typed in (a total, a note beside a week)."""
    return _is_week(_text(row[_WEEK])) and bool(_text(row[_STUDENT]))


def _extra_headers(current: OwnedTab | None) -> tuple[str, ...]:
    """Columns an educator added to the tab, kept after tutorsync's."""
    if current is None or not current.grid:
        return ()
    return tuple(str(h) for h in current.grid[0] if h not in (None, "") and h not in HEADER)


def _is_week(label: str) -> bool:
    try:
        _week_start(label)
    except ValueError:
        return False
    return True


@cache  # a season's labels, each on every student's row: a few dozen, parsed once each
def _week_start(label: str) -> date:
    return datetime.strptime(f"{label}-1", "%G-W%V-%u").date()


def _day(cell: CellValue) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    return cell if isinstance(cell, date) else None


def _text(cell: CellValue) -> str:
    return "" if cell is None else str(cell).strip()
