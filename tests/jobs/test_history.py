"""The Weekly history tab's planning: which weeks a run counts, and rows replaced, kept and
frozen (jobs.plan.history, jobs.reconcile.history)."""

from datetime import date

import pandas as pd
import pytest

from jobs.plan.history import HEADER, flag_words, history_tab, weeks_to_count
from jobs.reconcile.figures import Flag
from jobs.reconcile.history import Week, week_of, weeks_between
from sheets_schema.cells import OwnedTab

MONDAY = date(2026, 11, 30)  # 2026-W49
WEDNESDAY, SUNDAY = date(2026, 12, 2), date(2026, 12, 6)


def figures(**students):
    """Student ID -> (sessions, minutes, status), as jobs.reconcile.history.week_figures."""
    return pd.DataFrame(
        [
            dict(
                grade_percent=80.0,
                status=status,
                student_flags=(Flag("low_dosage", "Below the target."),)
                if status == "Watch"
                else (),
                sessions=sessions,
                minutes=float(minutes),
                attendance_rate=1.0 if sessions else float("nan"),
            )
            for sessions, minutes, status in students.values()
        ],
        index=pd.Index(list(students), name="student_id"),
    )


def tab(counted, current=None):
    return history_tab(key="k", title="Weekly history", current=current, counted=counted)


def owned(write):
    return OwnedTab(write.key, write.title, write.grid())


def column(write, header):
    return [row[write.header.index(header)] for row in write.rows]


def test_weeks_are_iso_weeks_counted_to_sunday_or_to_the_day_of_the_figures():
    assert week_of(WEDNESDAY, WEDNESDAY) == Week(MONDAY, WEDNESDAY)
    assert week_of(WEDNESDAY, date(2026, 12, 9)) == Week(MONDAY, SUNDAY)
    assert Week(MONDAY, SUNDAY).label == "2026-W49" and Week(MONDAY, SUNDAY).ended
    assert Week(date(2026, 12, 28), date(2027, 1, 3)).label == "2026-W53"
    assert [w.label for w in weeks_between(date(2026, 11, 26), WEDNESDAY)] == [
        "2026-W48",
        "2026-W49",
    ]


def test_a_row_per_student_per_week_with_flags_in_a_few_words():
    write = tab({Week(MONDAY, WEDNESDAY): figures(a=(2, 60, "Watch"), b=(0, 0, "Act now"))})

    assert write.header == HEADER
    assert column(write, "Week") == ["2026-W49", "2026-W49"]
    assert column(write, "Student ID") == ["a", "b"]
    assert column(write, "As of") == [WEDNESDAY, WEDNESDAY]
    assert column(write, "Sessions") == [2, 0] and column(write, "Attendance") == [1.0, None]
    assert column(write, "Flags") == ["low dosage", None]
    assert flag_words([Flag("no_recent_session", ""), Flag("low_grade", "")]) == (
        "no recent session, low grade"
    )


def test_the_running_week_keeps_its_as_of_while_its_figures_stay_the_same():
    monday = tab({Week(MONDAY, MONDAY): figures(a=(1, 30, "Watch"))})

    same = tab({Week(MONDAY, WEDNESDAY): figures(a=(1, 30, "Watch"))}, owned(monday))
    more = tab({Week(MONDAY, WEDNESDAY): figures(a=(2, 60, "Watch"))}, owned(monday))

    assert same.grid() == monday.grid()  # nothing to write
    assert column(more, "As of") == [WEDNESDAY] and column(more, "Sessions") == [2]


def test_an_ended_week_takes_its_sunday_and_is_then_frozen():
    wednesday = owned(tab({Week(MONDAY, WEDNESDAY): figures(a=(1, 30, "Watch"))}))
    next_monday = date(2026, 12, 7)

    assert [w.label for w in weeks_to_count(wednesday, next_monday)] == ["2026-W49", "2026-W50"]
    ended = owned(tab({Week(MONDAY, SUNDAY): figures(a=(1, 30, "Watch"))}, wednesday))
    assert [row[HEADER.index("As of")] for row in ended.grid[1:]] == [SUNDAY]
    assert [w.label for w in weeks_to_count(ended, next_monday)] == ["2026-W50"]


def test_weeks_a_run_missed_are_counted_and_a_rebuild_counts_every_week_since():
    first = owned(tab({Week(date(2026, 11, 16), date(2026, 11, 22)): figures(a=(1, 30, "Watch"))}))
    today = date(2026, 12, 9)

    missed = [w.label for w in weeks_to_count(first, today)]
    rebuilt = [w.label for w in weeks_to_count(first, today, since=date(2026, 11, 1))]

    assert missed == ["2026-W48", "2026-W49", "2026-W50"]
    assert rebuilt == [f"2026-W{n}" for n in range(44, 51)]
    # Weeks cut from the top of the tab (README: to stay inside the limits) are not counted
    # again: the history starts at its first week left.
    assert [w.label for w in weeks_to_count(None, today)] == ["2026-W50"]


def test_students_who_left_and_columns_educators_added_stay():
    before = tab({Week(MONDAY, WEDNESDAY): figures(a=(1, 30, "Watch"), b=(1, 30, "Watch"))})
    grid = owned(before).grid
    grid[0].append("Coordinator's note")
    grid[1] += [None] * (len(HEADER) - len(grid[1])) + ["called home"]

    after = tab(
        {Week(MONDAY, date(2026, 12, 4)): figures(b=(3, 90, "On track"))}, OwnedTab("k", "t", grid)
    )

    assert after.header[-1] == "Coordinator's note"
    assert column(after, "Student ID") == ["a", "b"]
    assert after.rows[0][-1] == "called home"  # a left: their row is as it was
    assert column(after, "Sessions") == [1, 3]


@pytest.mark.parametrize(
    "junk", [["Totals", None, None, 12], [None, None, "a"], ["2026-W99", None, "a"]]
)
def test_rows_typed_without_a_week_and_a_student_are_kept_after_the_weeks(junk):
    before = owned(tab({Week(MONDAY, WEDNESDAY): figures(a=(1, 30, "Watch"))}))

    after = tab({}, OwnedTab("k", "t", [*before.grid, junk, *before.grid[1:]]))

    assert column(after, "Student ID") == ["a", junk[2]]
    assert after.grid()[-1] == junk
