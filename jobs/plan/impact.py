"""Plan the Impact tab: grade change over the term by how much tutoring students had, and, in
each teacher's class, tutored students beside those not tutored. Pure.

A coordinator may pass this tab to a funder or a board, so it says first, in plain words, that
it compares groups and does not show what tutoring caused, and it never shows a figure of a
group small enough to recognise a student in: a group with fewer than `min_cell` students
with a grade change shows no grade figures, and its count of students only when that count
is itself `min_cell` or more. No total row is written either: with one, a hidden group's
figures could be worked out by subtracting the groups shown.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from jobs.reconcile.impact import BANDS, TermImpact, band_figures, class_figures
from sheets_schema.cells import CellValue, ColumnFormat, TabWrite

CLASS_HEADER = "Class"
GROUP_HEADER = "Group"
STUDENTS_HEADER = "Students"
WITH_CHANGE_HEADER = "Students with a grade change"
MEDIAN_HEADER = "Median grade change (points)"
MEAN_HEADER = "Mean grade change (points)"
HEADER = (
    CLASS_HEADER,
    GROUP_HEADER,
    STUDENTS_HEADER,
    WITH_CHANGE_HEADER,
    MEDIAN_HEADER,
    MEAN_HEADER,
)
COLUMN_FORMATS = (
    ColumnFormat.TEXT,
    ColumnFormat.TEXT,
    ColumnFormat.INTEGER,
    ColumnFormat.INTEGER,
    ColumnFormat.DECIMAL,
    ColumnFormat.DECIMAL,
)
ALL_CLASSES = "All classes"

NOT_PROOF = (
    "This compares groups of students; it does not show that tutoring caused any difference "
    "between them: students tutored more, or less, may have differed to begin with."
)
SAME_CLASS = (
    "In the same class: tutored and not tutored students in each teacher's gradebook, graded on "
    "the same assignments."
)

Row = tuple[CellValue, ...]


BENCHMARK_HEADING = (
    "Benchmark tests by dosage band: each student's change between their first and latest "
    "result this term, in the test's scale points and in percentile points."
)
BENCHMARK_HEADER = (
    "Test",
    GROUP_HEADER,
    STUDENTS_HEADER,
    "Students with a score change",
    "Median score change (points)",
    "Median percentile change (points)",
)


def impact_tab(
    *,
    key: str,
    title: str,
    impact: TermImpact,
    min_cell: int = 10,
    benchmark: pd.DataFrame | None = None,
    name: Callable[[str], str] = str,
) -> TabWrite:
    """The Impact tab of `impact` (jobs.reconcile.impact.term_impact): the not-proof heading
    and what is compared, a row per dosage band over all classes, then a row per class and
    group (Tutored, Not tutored), each group of fewer than `min_cell` students with a grade
    change shown without figures (see the module's docstring); then, with `benchmark`
    (jobs.reconcile.assessments.growth_by_band), a row per test and band, likewise."""
    rows: list[Row] = [(NOT_PROOF,), (_what_is_compared(impact),)]
    sections = {0, 1}
    rows += _group_rows(band_figures(impact), min_cell, lambda band: (ALL_CLASSES, band))
    sections.add(len(rows))
    rows.append((SAME_CLASS,))
    rows += _group_rows(class_figures(impact), min_cell, lambda group: (name(group[0]), group[1]))
    if benchmark is not None and len(benchmark):
        sections.update({len(rows), len(rows) + 1})
        rows += [(BENCHMARK_HEADING,), BENCHMARK_HEADER]
        # Bands in their order (least tutoring first), as in the tables above.
        order = sorted(
            benchmark.index, key=lambda test_band: (test_band[0], BANDS.index(test_band[1]))
        )
        ordered = benchmark.loc[order]
        rows += [
            (*test_and_band, *_shown_growth(group, min_cell))
            for test_and_band, group in zip(
                ordered.index, ordered.itertuples(index=False), strict=True
            )
        ]
    return TabWrite(
        key=key,
        title=title,
        header=HEADER,
        rows=tuple(rows),
        column_formats=COLUMN_FORMATS,
        section_rows=frozenset(sections),
    )


def not_shown(min_cell: int, *, of: str) -> str:
    """What a group too small to show says instead of its figures."""
    return f"fewer than {min_cell} {of}: not shown, so no student can be recognised"


def _what_is_compared(impact: TermImpact) -> str:
    term = f"{impact.term_start.isoformat()} to {impact.as_of.isoformat()}"
    weeks = (impact.as_of - impact.term_start).days + 1
    dosage = (
        f"Term {term}. Sessions a week: attended sessions in the term ÷ its {weeks / 7:.1f} "
        "weeks (Not tutored: no tutor on the roster and no attended session in the term; in a "
        "class, also the gradebook's students who are not on the roster)."
    )
    if impact.first_weeks is None:
        return f"{dosage} No grade change yet: the term is not yet longer than 4 weeks."
    (first_start, first_end), (last_start, last_end) = impact.first_weeks, impact.last_weeks
    return (
        f"{dosage} Grade change: grade % over assignments dated {last_start.isoformat()} to "
        f"{last_end.isoformat()} minus grade % over those dated {first_start.isoformat()} to "
        f"{first_end.isoformat()}, in points."
    )


def _group_rows(
    figures: pd.DataFrame, min_cell: int, label: Callable[[Any], tuple[str, str]]
) -> list[Row]:
    """A row per group of `figures` (jobs.reconcile.impact.group_figures), small groups'
    figures left out."""
    return [
        (*label(group), *_shown_figures(of_group, min_cell))
        for group, of_group in zip(figures.index, figures.itertuples(index=False), strict=True)
    ]


def _shown_figures(group: tuple, min_cell: int) -> Row:
    """Students, students with a grade change, median and mean change, or, from the first
    that would come from too few students, the words saying why they are not shown."""
    students, with_change, median, mean = group
    if students < min_cell:
        return (not_shown(min_cell, of="students"), None, None, None)
    if with_change < min_cell:
        return (int(students), not_shown(min_cell, of="students with a grade change"), None, None)
    return (int(students), int(with_change), _points(median), _points(mean))


def _shown_growth(group: tuple, min_cell: int) -> Row:
    """A test and band's students, those with a score change and the medians, held back as
    grade changes are when too few students would be behind them."""
    students, with_score, median_score, with_percentile, median_percentile = group
    if students < min_cell:
        return (not_shown(min_cell, of="students"), None, None, None)
    if with_score < min_cell:
        return (int(students), not_shown(min_cell, of="students with a score change"), None, None)
    percentile = _points(median_percentile) if with_percentile >= min_cell else None
    return (int(students), int(with_score), _points(median_score), percentile)


def _points(change: float) -> float:
    """A change as shown, one decimal (and never -0.0, which a spreadsheet shows as -0.0)."""
    assert math.isfinite(change)  # from min_cell or more finite changes
    return round(change, 1) + 0.0
