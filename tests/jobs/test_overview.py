"""The Program overview's planning (jobs.plan.overview): week by week from the Weekly history,
now beside a week before, per teacher and tutor, and the week's wins."""

from datetime import date

import pandas as pd

from jobs.plan.history import history_tab
from jobs.plan.overview import WEEKLY_HEADER, overview_tab, weekly_rows, wins_rows
from jobs.reconcile.figures import Win
from jobs.reconcile.history import Week
from sheets_schema.cells import OwnedTab
from sheets_schema.outputs import DEFAULT_DOSAGE

WEDNESDAY = date(2026, 12, 9)  # 2026-W50


def week(monday, **students):
    """A week of the history: student ID -> (sessions, minutes, status)."""
    start = date.fromisoformat(monday)
    figures = pd.DataFrame(
        [
            dict(
                grade_percent=80.0,
                status=status,
                student_flags=(),
                sessions=sessions,
                minutes=float(minutes),
                attendance_rate=1.0 if sessions else 0.5,
            )
            for sessions, minutes, status in students.values()
        ],
        index=pd.Index(list(students), name="student_id"),
    )
    return Week(start, min(WEDNESDAY, date.fromordinal(start.toordinal() + 6))), figures


def history(*weeks):
    return history_tab(key="h", title="Weekly history", current=None, counted=dict(weeks)).rows


def progress(**students):
    """Student ID -> (name, sessions a week, status, teachers, tutors, wins)."""
    return pd.DataFrame(
        [
            dict(
                name=name,
                sessions_per_week=per_week,
                minutes_per_week=30.0 * per_week,
                attendance_rate=0.9,
                status=status,
                sessions_in_window=int(4 * per_week),
                teachers=teachers,
                tutors=tutors,
                student_wins=wins,
            )
            for name, per_week, status, teachers, tutors, wins in students.values()
        ],
        index=pd.Index(list(students), name="student_id"),
    )


def test_a_row_per_week_the_week_running_said_to_be_so_far():
    rows = weekly_rows(
        history(
            week("2026-11-30", a=(3, 90, "On track"), b=(1, 30, "Act now")),
            week("2026-12-07", a=(1, 30, "On track"), b=(0, 0, "Act now")),
        ),
        as_of=WEDNESDAY,
        targets=DEFAULT_DOSAGE,
    )

    assert rows == [
        # Sessions attended beside those the target asks for: 2 students x 3 a week.
        ("2026-W49", 2, 50.0, 100.0, 1, 0, 1, 4, 6.0),
        ("2026-W50 (so far)", 2, 0.0, 75.0, 1, 0, 1, 1, 6.0),
    ]


def test_three_ended_weeks_at_the_target_are_a_win_by_name():
    at_target = (3, 90, "On track")
    weeks = history(
        week("2026-11-16", a=at_target, b=at_target),
        week("2026-11-23", a=at_target, b=(2, 60, "Watch")),
        week("2026-11-30", a=at_target, b=at_target),
        week("2026-12-07", a=(0, 0, "On track"), b=at_target),  # running: not counted
    )
    now = progress(
        a=("Lee, Sam", 3.0, "On track", ("t@s",), ("tu@s",), (Win("grade_up", "Grade up 6."),)),
        b=("Kim, Jo", 3.0, "On track", ("t@s",), ("tu@s",), (Win("dosage_met", "Met."),)),
    )

    rows = wins_rows(weeks, now, as_of=WEDNESDAY, targets=DEFAULT_DOSAGE)

    assert rows == [
        ("Lee, Sam", "a", "Met the dosage target 3 weeks running."),
        ("Lee, Sam", "a", "Grade up 6."),
    ]


def test_the_tables_below_the_weeks_are_outside_the_filter_and_per_person():
    now = progress(
        a=("Lee, Sam", 3.0, "On track", ("t1@s",), ("tu@s",), ()),
        b=("Kim, Jo", 1.0, "Act now", ("t1@s", "t2@s"), ("tu@s",), ()),
    )
    weeks = dict(
        [
            week("2026-11-23", a=(1, 30, "Watch")),
            week("2026-11-30", a=(3, 90, "On track"), b=(0, 0, "Act now")),
            week("2026-12-07", a=(1, 30, "Watch"), b=(0, 0, "Act now")),
        ]
    )

    tab = overview_tab(
        key="o",
        title="Program overview",
        history=history_tab(key="h", title="h", current=None, counted=weeks),
        now=now,
        as_of=WEDNESDAY,
        targets=DEFAULT_DOSAGE,
        window_days=28,
    )

    assert tab.header == WEEKLY_HEADER and tab.table_rows == 4  # the header and three weeks
    assert len(tab.charts) == 2
    by_label = {row[0]: row for row in tab.rows if row}
    # The window now, then the last ended week (W49) beside the one before (W48), not the
    # week running.
    assert by_label["Students"] == ("Students", 2, 2, 1, 1)
    assert by_label["Met the dosage target (%)"] == (
        "Met the dosage target (%)",
        50.0,
        50.0,
        0.0,
        50.0,
    )
    assert by_label["Act now"] == ("Act now", 1, 1, 0, 1)
    # 2 students x 3 a week x 4 weeks in the window; 2 and 1 students in the weeks.
    assert by_label["Sessions the target asks for"][1:] == (24.0, 6.0, 3.0, 3.0)
    assert by_label["t1@s"] == ("t1@s", 2, 50.0, 90.0, 1)
    assert by_label["t2@s"] == ("t2@s", 1, 0.0, 90.0, 1)
    assert by_label["tu@s"][1] == 2
    headings = [tab.rows[i][0] for i in sorted(tab.section_rows) if tab.rows[i]]
    assert headings[0].startswith("Now (last 28 days up to 2026-12-09)")


def test_two_weeks_or_more_are_drawn_beside_the_weekly_table():
    weeks = history_tab(
        key="h",
        title="h",
        current=None,
        counted=dict(
            [week("2026-11-30", a=(3, 90, "On track")), week("2026-12-07", a=(1, 30, "Watch"))]
        ),
    )
    now = progress(a=("Lee, Sam", 3.0, "On track", (), (), ()))

    tab = overview_tab(
        key="o",
        title="o",
        history=weeks,
        now=now,
        as_of=WEDNESDAY,
        targets=DEFAULT_DOSAGE,
        window_days=28,
    )

    dosage, action = tab.charts
    assert [tab.header[c] for c in dosage.series_columns] == [
        "Met the dosage target (%)",
        "Attendance (%)",
    ]
    assert [tab.header[c] for c in action.series_columns] == ["Act now"]
    assert dosage.rows == action.rows == 2 and dosage.anchor_column > len(tab.header)


def test_a_total_or_note_typed_into_the_weekly_history_is_no_week_and_breaks_no_streak():
    at_target = (3, 90, "On track")
    counted = dict(
        [
            week("2026-11-16", a=at_target),
            week("2026-11-23", a=at_target),
            week("2026-11-30", a=at_target),
        ]
    )
    written = history_tab(key="h", title="h", current=None, counted=counted)
    total = ["Total", None, None, 9] + [None] * (len(written.header) - 4)
    note = ["2026-W48", None, None, None, None, None, None, "a was ill", None]
    typed_in = OwnedTab(
        key="h",
        title="h",
        grid=[list(written.header), *map(list, written.rows), total, note],
    )
    rows = history_tab(key="h", title="h", current=typed_in, counted=counted).rows
    assert rows[-2:] == (tuple(total), tuple(note))  # kept as typed

    assert [row[:2] for row in weekly_rows(rows, as_of=WEDNESDAY, targets=DEFAULT_DOSAGE)] == [
        ("2026-W47", 1),
        ("2026-W48", 1),
        ("2026-W49", 1),
    ]
    now = progress(a=("Lee, Sam", 3.0, "On track", (), (), ()))
    assert wins_rows(rows, now, as_of=WEDNESDAY, targets=DEFAULT_DOSAGE) == [
        ("Lee, Sam", "a", "Met the dosage target 3 weeks running.")
    ]
