"""Benchmark assessment growth: per student and test, the first and the latest administration
up to `as_of`, and how far the scale score and the percentile moved between them. Pure.

Growth is latest minus first, in the test's own scale points and in percentile points. A scale
score says how much a student learned; a percentile, how they stand against students of their
grade nationally, so a student can grow in score and keep their percentile. Both are shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from jobs.reconcile.matching import RosterLookup, student_positions
from sheets_schema.assessments import Assessments, key_of_test
from sheets_schema.issues import DataIssue
from sheets_schema.table import show

GROWTH_COLUMNS = [
    "student_id",
    "test",  # as first typed for this student
    "administrations",  # counted up to as_of, one a day
    "first_date",
    "latest_date",
    "first_score",
    "latest_score",
    "score_growth",  # latest - first, scale points; NaN with one administration or a score missing
    "first_percentile",
    "latest_percentile",
    "percentile_growth",  # likewise, percentile points
]
BAND_GROWTH_FIGURES = (
    "students",
    "students_with_score_growth",
    "median_score_growth",
    "students_with_percentile_growth",
    "median_percentile_growth",
)


def growth(
    assessments: Assessments, lookup: RosterLookup, *, as_of: date
) -> tuple[pd.DataFrame, list[DataIssue]]:
    """GROWTH_COLUMNS, a row per roster student and test (sorted by student ID, then test),
    from the results matched to a roster student and dated up to `as_of`. A result whose
    student is not on the roster, or dated after `as_of`, is left out with an issue; a second
    result of a student's test on one day (an ID typed with and without its leading zeros) is
    left out, the first kept."""
    results, issues = _matched(assessments.results, lookup)
    future = np.array([day > as_of for day in results["date"]], dtype=bool)
    issues += [_future_issue(result, as_of) for result in results[future].to_dict("records")]
    results = results[~future].assign(test_key=[key_of_test(t) for t in results["test"][~future]])
    results = results.sort_values(["student_id", "test_key", "date", "row"], kind="stable")
    results = results.drop_duplicates(["student_id", "test_key", "date"])
    by_test = results.groupby(["student_id", "test_key"], sort=True)
    first, latest = by_test.head(1), by_test.tail(1)
    count = by_test.size().to_numpy()
    several = count > 1
    frame = pd.DataFrame(
        {
            "student_id": pd.Series(first["student_id"].tolist(), dtype=object),
            "test": pd.Series(first["test"].tolist(), dtype=object),
            "administrations": count.astype("int64"),
            "first_date": first["date"].to_numpy(dtype=object),
            "latest_date": latest["date"].to_numpy(dtype=object),
        }
    )
    for measure in ("score", "percentile"):
        first_values = first[measure].to_numpy(dtype=float)
        latest_values = latest[measure].to_numpy(dtype=float)
        frame[f"first_{measure}"] = first_values
        frame[f"latest_{measure}"] = latest_values
        frame[f"{measure}_growth"] = np.where(several, latest_values - first_values, np.nan)
    return frame[GROWTH_COLUMNS], issues


def _matched(results: pd.DataFrame, lookup: RosterLookup) -> tuple[pd.DataFrame, list[DataIssue]]:
    """The results matched to a roster student, each with its student's ID (as the sessions'
    and gradebook rows' matching does: by ID, then e-mail, then an unambiguous name)."""
    positions, issues = student_positions(results, lookup)
    found = positions >= 0
    ids = lookup.students.index.to_numpy(dtype=object)[positions[found]]
    matched = results[found].reset_index(drop=True)
    return matched.assign(student_id=pd.Series(ids, dtype=object)), issues


def _future_issue(result: Mapping[str, Any], as_of: date) -> DataIssue:
    return DataIssue(
        result["source"],
        result["tab"],
        result["date_cell"],
        result["date"].isoformat(),
        f"this result is dated after {as_of.isoformat()}, the day the figures are for, so it "
        "was not counted",
        "check the test date",
    )


def growth_sentence(row: Mapping[str, Any]) -> str:
    """One test's growth, for a progress-tab cell: "MAP Math: 212 → 219 (+7) since 2026-09-10;
    percentile 41 → 48". With one administration, where the student stands: "MAP Math: 212 on
    2026-09-10; percentile 41". A measure the results do not give is left out."""
    first_date, latest_date = row["first_date"], row["latest_date"]
    several = row["administrations"] > 1
    parts = []
    score = _movement(row["first_score"], row["latest_score"], row["score_growth"], several)
    if score:
        parts.append(score)
    percentile = _movement(row["first_percentile"], row["latest_percentile"], None, several)
    if percentile:
        parts.append(f"percentile {percentile}")
    when = f"since {first_date.isoformat()}" if several else f"on {latest_date.isoformat()}"
    if parts:
        parts[0] = f"{parts[0]} {when}"
    return f"{show(row['test'])}: {'; '.join(parts)}"


def _movement(first: float, latest: float, change: float | None, several: bool) -> str:
    """ "212 → 219 (+7)", "212" (one administration), "→ 219" or "212 →" (missing at one
    end), "" (never given)."""
    if not several:
        return "" if _missing(latest) else _points(latest)
    if _missing(first) and _missing(latest):
        return ""
    moved = f"{'?' if _missing(first) else _points(first)} → "
    moved += "?" if _missing(latest) else _points(latest)
    if change is not None and not _missing(change):
        moved += f" ({'+' if change >= 0 else '-'}{_points(abs(change))})"
    return moved


def growth_by_student(growth_rows: pd.DataFrame) -> pd.Series:
    """Per student ID with results, their tests' `growth_sentence`s, a line each (tests in
    the order of `growth`): the text of a progress-tab column."""
    sentences = pd.Series(
        [growth_sentence(row) for row in growth_rows.to_dict("records")],
        index=growth_rows.index,
        dtype=object,
    )
    by_student = sentences.groupby(growth_rows["student_id"], sort=True).agg("\n".join)
    return by_student.rename("assessment_growth").rename_axis("student_id")


def growth_by_band(growth_rows: pd.DataFrame, bands: pd.Series) -> pd.DataFrame:
    """Per test and band, indexed (test, band), BAND_GROWTH_FIGURES: the students with the
    test, those with a growth in each measure, and its median (NaN without any). Each
    student's band comes from `bands`, indexed by student ID; a student without one is left
    out. A test is named as it is first spelt in `growth_rows`. Small groups are the
    caller's to suppress."""
    keys = [key_of_test(test) for test in growth_rows["test"]]
    spelling = dict(zip(reversed(keys), reversed(growth_rows["test"].tolist()), strict=True))
    banded = growth_rows.assign(
        test=[spelling[key] for key in keys], band=growth_rows["student_id"].map(bands)
    )
    banded = banded[banded["band"].notna()]
    grouped = banded.groupby(["test", "band"], sort=True)
    figures = pd.DataFrame(
        {
            "students": grouped.size(),
            "students_with_score_growth": grouped["score_growth"].count(),
            "median_score_growth": grouped["score_growth"].median(),
            "students_with_percentile_growth": grouped["percentile_growth"].count(),
            "median_percentile_growth": grouped["percentile_growth"].median(),
        }
    )
    return figures[list(BAND_GROWTH_FIGURES)]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _points(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
