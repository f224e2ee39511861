"""Match log and gradebook rows to roster students: by ID, then e-mail, then name.

A fuzzy match is only ever offered as a "did you mean", never used: merging two students'
records on a guess would put one child's sessions or grades on another's record.

A teacher's gradebook holds the whole class, most of it not in the program: a row whose
student is not on the roster and whose name is like no roster student's is a classmate (read
for the Impact tab's class comparison), not a mistake. A name like a roster student's stays an
error with its "did you mean": that is the typo the coordinator can fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from sheets_schema import values
from sheets_schema.issues import DataIssue, Severity
from sheets_schema.table import as_objects, with_none_last

SUGGESTION_CUTOFF = 80  # rapidfuzz WRatio; below this a suggestion is more noise than help
# Only roster names sharing a word's first letters with a typed name are scored by WRatio: a
# typo keeps most of a name, and WRatio against every roster name, for each of a gradebook's
# thousands of classmates, would take seconds.
PREFIX = 3
CLASSMATE = -2  # student_positions' position of a classmate not in the program
# A gradebook's summary rows, under its students: never a classmate, whose marks Impact would
# count as a student's. Name keys (sheets_schema.values.normalise_name).
SUMMARY_ROWS = re.compile(
    r"(class |section )?(average|avg|mean|median|total|totals|max|maximum|min|minimum|high|"
    r"low|points possible|possible|out of)( score| scores| grade)?"
)


def match_students(
    records: pd.DataFrame, students: pd.DataFrame
) -> tuple[pd.Series, list[DataIssue]]:
    """The roster student ID for each record (None when unmatched), plus issues.

    `records` has student_id_typed, student_name_typed, student_email_typed, source, tab,
    student_cell; `students` is the roster frame indexed by student ID. Issues are reported
    once per cell, not once per row that shares it (a gradebook row has many scores).
    """
    positions, issues = student_positions(records, RosterLookup.of(students))
    ids = with_none_last(students.index.to_numpy(dtype=object))  # position -1: None
    return pd.Series(ids[positions], index=records.index, dtype=object), issues


@dataclass(frozen=True)
class RosterLookup:
    """The roster's students (indexed by student ID) and what else matching finds them by:
    made once for all of a program's records, sessions and gradebook rows alike."""

    students: pd.DataFrame
    unpadded: dict[str, str]  # digit-only IDs without their leading zeros
    email_to_id: dict[str, str]  # e-mails no two students share
    name_to_id: dict[str, str]  # name keys no two students share
    name_counts: pd.Series  # students per name key
    name_keys: list[str]  # each student's name key, in the roster's order
    by_prefix: dict[str, list[int]]  # a name word's first PREFIX letters -> positions

    @classmethod
    def of(cls, students: pd.DataFrame) -> RosterLookup:
        by_email = students.reset_index().dropna(subset=["email"])
        by_email = by_email.drop_duplicates("email", keep=False)
        name_counts = students["name_key"].value_counts()
        # Dicts: one lookup per student, not a Series'; made from lists, not item by item.
        count_of_name = dict(zip(name_counts.index.tolist(), name_counts.tolist(), strict=True))
        keys = zip(students.index.tolist(), students["name_key"].tolist(), strict=True)
        return cls(
            students,
            _unpadded_ids(students.index),
            dict(zip(by_email["email"], by_email["student_id"], strict=True)),
            {key: student_id for student_id, key in keys if count_of_name[key] == 1},
            name_counts,
            students["name_key"].tolist(),
            _by_prefix(students["name_key"].tolist()),
        )


def student_positions(
    records: pd.DataFrame, roster: RosterLookup, *, classmates: bool = False
) -> tuple[np.ndarray, list[DataIssue]]:
    """`match_students`, each record's student as its position in the roster's students (-1
    when unmatched): what reconciling keeps, rather than millions of IDs. With `classmates`
    (gradebook rows), a student not on the roster with a name like no roster student's is
    CLASSMATE, without an issue."""
    if records.empty:
        return np.zeros(0, dtype=np.intp), []
    students = roster.students
    positions = _positions_of_ids(records["student_id_typed"], students.index)
    issues: dict[tuple[str, str, str], DataIssue] = {}
    # A typo is typed again and again (every session of the student): decided once.
    decided: dict[tuple[object, object, object], tuple] = {}
    unmatched = np.flatnonzero(positions < 0)
    rest = as_objects(records.iloc[unmatched])  # a blank is None, as matching reads it
    for position, typed_id, typed_name, typed_email, source, tab, cell in zip(
        unmatched.tolist(),
        rest["student_id_typed"],
        rest["student_name_typed"],
        rest["student_email_typed"],
        rest["source"],
        rest["tab"],
        rest["student_cell"],
        strict=True,
    ):
        key = (source, tab, cell)
        typed = (typed_id, typed_name, typed_email)
        if typed not in decided:
            decided[typed] = _match_one(typed_id, typed_name, typed_email, roster)
        student_id, issue, stranger = decided[typed]
        if student_id is not None:
            positions[position] = students.index.get_loc(student_id)
        elif stranger and classmates:
            positions[position] = CLASSMATE
            continue
        if issue is not None and key not in issues:
            problem, fix, severity = issue
            shown = typed_id or typed_name or typed_email or ""
            issues[key] = DataIssue(source, tab, cell, shown, problem, fix, severity)
    return positions, list(issues.values())


def _positions_of_ids(typed_ids: pd.Series, ids: pd.Index) -> np.ndarray:
    """Each typed ID's position among the roster's `ids` (-1 when not one of them). Typed IDs
    read from a log are categorical: each distinct ID is looked up once."""
    if not isinstance(typed_ids.dtype, pd.CategoricalDtype):
        return ids.get_indexer(typed_ids)
    of_category = ids.get_indexer(typed_ids.cat.categories)
    return np.append(of_category, -1)[typed_ids.cat.codes.to_numpy()]  # code -1: none


def _match_one(typed_id, typed_name, typed_email, roster: RosterLookup):
    """One record that did not match by ID exactly: (student ID or None, issue or None, and
    whether it is a stranger: typed, but not on the roster and like no one on it)."""
    students, unpadded, name_counts = roster.students, roster.unpadded, roster.name_counts
    email_to_id, name_to_id = roster.email_to_id, roster.name_to_id
    # pandas gives NaN, not None, for a missing value in a column that is mostly empty.
    typed_id, typed_name, typed_email = (
        _text_or_none(value) for value in (typed_id, typed_name, typed_email)
    )
    if typed_id is not None and typed_id.isdigit() and typed_id.lstrip("0") in unpadded:
        student_id = unpadded[typed_id.lstrip("0")]
        return (
            student_id,
            (
                f"student ID {typed_id} was typed without its leading zeros; it was matched to "
                f"{student_id}",
                f"type the ID as {student_id} (format the column as plain text so zeros stay)",
                Severity.WARNING,
            ),
            False,
        )
    if typed_email is not None and typed_email in email_to_id:
        return email_to_id[typed_email], None, False
    name_key = values.normalise_name(typed_name) if typed_name else ""
    if name_key and name_key in name_to_id:
        student_id = name_to_id[name_key]
        if typed_id is None:
            return student_id, None, False
        return (
            student_id,
            (
                f"student ID {typed_id} is not on the roster, but the name matches "
                f"{students.at[student_id, 'name']} ({student_id}), so it was counted for them",
                f"correct the ID to {student_id}",
                Severity.WARNING,
            ),
            False,
        )
    if name_key and name_counts.get(name_key, 0) > 1:
        return (
            None,
            (
                f"'{typed_name}' matches {name_counts[name_key]} students on the roster, so this "
                "row was skipped",
                "add the student ID to tell them apart",
                Severity.ERROR,
            ),
            False,
        )
    described = f"student ID {typed_id}" if typed_id else f"'{typed_name or typed_email}'"
    suggestion = _suggestion(name_key, roster)
    return (
        None,
        (
            f"{described} is not on the roster, so this row was skipped",
            suggestion or "check the spelling or add the student to the roster",
            Severity.ERROR,
        ),
        # A named student like no one on the roster (a summary row is no student).
        bool(name_key) and suggestion is None and not SUMMARY_ROWS.fullmatch(name_key),
    )


def like_a_roster_name(typed_name: str, roster: RosterLookup) -> bool:
    """Whether a name not on the roster would get a "did you mean" for a roster student."""
    return _suggestion(values.normalise_name(typed_name), roster) is not None


def _suggestion(name_key: str, roster: RosterLookup) -> str | None:
    """The "did you mean" of the roster student whose name is most like `name_key`, if any
    is."""
    if not name_key:
        return None
    keys = roster.name_keys
    near = {
        position
        for word in name_key.split()
        for position in roster.by_prefix.get(word[:PREFIX], ())
    }
    best = process.extractOne(
        name_key,
        {position: keys[position] for position in sorted(near)},
        scorer=fuzz.WRatio,
        score_cutoff=SUGGESTION_CUTOFF,
    )
    if best is None:
        return None
    students = roster.students
    student_id = students.index[best[2]]
    return (
        f"did you mean {students.at[student_id, 'name']} ({student_id})? If so, fix the "
        "spelling or add the student ID"
    )


def _by_prefix(name_keys: list[str]) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for position, key in enumerate(name_keys):
        for prefix in {word[:PREFIX] for word in key.split()}:
            positions.setdefault(prefix, []).append(position)
    return positions


def _unpadded_ids(student_ids: pd.Index) -> dict[str, str]:
    """Digit-only roster IDs keyed without leading zeros, when that stays unambiguous."""
    unpadded: dict[str, str] = {}
    clashes: set[str] = set()
    for student_id in student_ids.tolist():
        if student_id.isdigit():
            short = student_id.lstrip("0")
            if short in unpadded:
                clashes.add(short)
            unpadded[short] = student_id
    return {short: student_id for short, student_id in unpadded.items() if short not in clashes}


def _text_or_none(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):  # NaN
        return None
    return str(value)
