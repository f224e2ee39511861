from datetime import date

import pandas as pd
import pytest

from jobs.plan.tabs import (
    TabRows,
    carried_comments,
    carried_formats,
    cells_changed,
    issues_tab,
    plan_writes,
    progress_tab,
    progress_tabs,
    run_log_tab,
)
from jobs.reconcile.figures import Flag
from sheets_schema.cells import (
    CellComment,
    CellFormat,
    CellStyle,
    ColumnFormat,
    Link,
    OwnedTab,
    Sparkline,
    SpreadsheetState,
    TabWrite,
)
from sheets_schema.issues import DataIssue, Severity
from sheets_schema.outputs import ARCHIVE_HEADING, teacher_columns

COLUMNS = teacher_columns(28)
HEADER = [c.header for c in COLUMNS]


def progress_of(*students):
    """students: (id, name, status)"""
    frame = pd.DataFrame(
        [
            dict(
                name=name,
                grade_level="6",
                tutors=("tu@s.example",),
                status=status,
                student_flags=(Flag("low_grade", "Grade is 60%."),) if status == "Act now" else (),
                student_wins=(),
                latest_tutor_notes="2026-02-27: fractions",
                next_steps=None,
                sessions_per_week=0.5,
                minutes_per_week=15.0,
                sessions_in_window=2,
                minutes_in_window=60.0,
                attendance_rate=float("nan"),
                last_session_date=date(2026, 2, 27),
                days_since_last_session=2,
                grade_percent=60.0,
                grade_change_points=float("nan"),
                grade_trend=(60.0, 70.0),
                missing_count=0,
                tutor_reply=None,
            )
            for _, name, status in students
        ],
        index=pd.Index([s[0] for s in students], name="student_id"),
    )
    return frame


def tab(progress, current=None):
    return progress_tab(
        key="k", title="Tutoring progress", columns=COLUMNS, progress=progress, current=current
    )


def owned(write):
    return OwnedTab(write.key, write.title, write.grid())


def with_note(grid, student_id, header, text):
    column = grid[0].index(header)
    for row in grid[1:]:
        if row and row[0] == student_id:
            row.extend([None] * (column + 1 - len(row)))
            row[column] = text
    return grid


def test_rows_hold_figures_as_cells_with_flags_as_sentences():
    write = tab(progress_of(("1", "Lee, Sam", "Act now"), ("2", "Kim, Jo", "On track")))
    first = dict(zip(write.header, write.rows[0], strict=False))
    assert first["Student ID"] == "1" and first["Why"] == "Grade is 60%."
    assert first["Attendance (last 28 days)"] is None
    assert first["Last session"] == date(2026, 2, 27)
    assert write.attention_rows == frozenset({0})


def test_a_grade_level_is_a_number_where_it_is_one_and_text_where_it_is_not():
    progress = progress_of(("1", "Lee, Sam", "On track"), ("2", "Kim, Jo", "On track"))
    progress["grade_level"] = ["6", "K"]
    write = tab(progress)
    column = write.header.index("Grade level")
    assert [row[column] for row in write.rows] == [6, "K"]
    assert write.column_formats[column] == ColumnFormat.INTEGER


def test_educator_notes_are_carried_by_student_id_even_after_a_resort():
    first = tab(progress_of(("1", "Lee, Sam", "On track"), ("2", "Kim, Jo", "On track")))
    grid = with_note(first.grid(), "2", "Note to tutor", "Work on fractions")
    grid = [grid[0], grid[2], grid[1]]  # an educator sorted the tab
    second = tab(
        progress_of(("1", "Lee, Sam", "On track"), ("2", "Kim, Jo", "On track")),
        OwnedTab("k", "T", grid),
    )
    notes = {row[0]: row[HEADER.index("Note to tutor")] for row in second.rows}
    assert notes == {"1": None, "2": "Work on fractions"}


def test_student_who_left_moves_to_the_archive_with_notes():
    first = tab(progress_of(("1", "Lee, Sam", "On track"), ("2", "Kim, Jo", "On track")))
    grid = with_note(first.grid(), "2", "Note to tutor", "Keep going")
    second = tab(progress_of(("1", "Lee, Sam", "On track")), OwnedTab("k", "T", grid))
    assert second.rows[1] == (ARCHIVE_HEADING,)
    archived = dict(zip(second.header, second.rows[2], strict=False))
    assert archived["Student ID"] == "2" and archived["Student"] == "Kim, Jo"
    assert archived["Status"] == "Archived" and archived["Note to tutor"] == "Keep going"
    assert second.section_rows == frozenset({1})
    # ...and comes back with the note if they return
    third = tab(
        progress_of(("1", "Lee, Sam", "On track"), ("2", "Kim, Jo", "On track")), owned(second)
    )
    assert third.rows[1][HEADER.index("Note to tutor")] == "Keep going"
    assert len(third.rows) == 2


def test_a_column_an_educator_added_is_kept():
    first = tab(progress_of(("1", "Lee, Sam", "On track")))
    grid = first.grid()
    grid[0] = [*grid[0], *[None] * (len(HEADER) - len(grid[0])), "Parent contacted"]
    grid[1] = [*grid[1], *[None] * (len(HEADER) - len(grid[1])), "yes, 2/3"]
    second = tab(progress_of(("1", "Lee, Sam", "On track")), OwnedTab("k", "T", grid))
    assert second.header[-1] == "Parent contacted"
    assert second.rows[0][-1] == "yes, 2/3"


def test_text_typed_under_no_header_and_rows_without_id_are_kept():
    first = tab(progress_of(("1", "Lee, Sam", "On track")))
    grid = first.grid()
    grid[1] = [*grid[1], *[None] * (len(HEADER) + 1 - len(grid[1])), "stray note"]
    grid.append([None, "Remember the field trip"])
    second = tab(progress_of(("1", "Lee, Sam", "On track")), OwnedTab("k", "T", grid))
    assert second.header[-1].startswith("Notes (column")
    assert second.rows[0][-1] == "stray note"
    assert (None, "Remember the field trip") in second.rows


def test_window_change_does_not_turn_figure_columns_into_educator_columns():
    first = progress_tab(
        key="k",
        title="T",
        columns=teacher_columns(14),
        progress=progress_of(("1", "Lee, Sam", "On track")),
        current=None,
    )
    second = tab(progress_of(("1", "Lee, Sam", "On track")), owned(first))
    assert list(second.header) == HEADER


def test_unchanged_tab_plans_no_write():
    write = tab(progress_of(("1", "Lee, Sam", "On track")))
    state = SpreadsheetState(True, {"k": owned(write)}, frozenset({"Grades"}))
    assert plan_writes([("g.xlsx", write, "progress")], {"g.xlsx": state}) == []


def test_renamed_owned_tab_keeps_its_new_title():
    write = tab(progress_of(("1", "Lee, Sam", "On track")))
    state = SpreadsheetState(True, {"k": OwnedTab("k", "My tutoring tab", [["old"]])}, frozenset())
    (action,) = plan_writes([("g.xlsx", write, "progress")], {"g.xlsx": state})
    assert action.tab.title == "My tutoring tab"


def test_new_tab_never_takes_the_title_of_an_educators_tab():
    write = tab(progress_of(("1", "Lee, Sam", "On track")))
    state = SpreadsheetState(True, {}, frozenset({"Tutoring progress"}))
    (action,) = plan_writes([("g.xlsx", write, "progress")], {"g.xlsx": state})
    assert action.tab.title == "Tutoring progress (tutorsync)"
    assert "new tab" in action.reason


def test_cells_changed_counts_differences_including_ragged_rows():
    assert cells_changed([["a", "b"], ["c"]], [["a", "x"], ["c", None], ["d"]]) == 2
    assert cells_changed([[1]], [[1.0]]) == 0
    assert cells_changed([[True]], [[1]]) == 1
    assert cells_changed([[Link("a", "u")]], [[Link("a", "v")]]) == 1


def test_a_sparkline_is_the_same_cell_as_its_text_or_as_itself():
    trend = Sparkline((80.0, 90.0))
    assert cells_changed([["01", trend.text, 3]], [["01", trend, 3]]) == 0
    assert cells_changed([["01", trend, 3]], [["01", Sparkline((80.0, 90.0)), 3]]) == 0
    assert cells_changed([["01", "▁▁", 3.0]], [["01", trend, 3]]) == 1
    assert cells_changed([["01", trend.text, True]], [["01", trend, 1]]) == 1
    assert cells_changed([[Sparkline(()), 1]], [[None, 1]]) == 0


def test_issues_tab_lists_errors_first_in_reading_order():
    issues = [
        DataIssue("log.xlsx", "Log", "F14", "x", "p", "f", Severity.ERROR),
        DataIssue("log.xlsx", "Log", "F2", "y", "p", "f", Severity.ERROR),
        DataIssue("a.xlsx", "A", "A1", "z", "p", "f", Severity.WARNING),
    ]
    write = issues_tab(key="i", title="Data issues", issues=issues, link=lambda i: f"#{i.cell}")
    assert [row[3] for row in write.rows] == [
        Link("F2", "#F2"),
        Link("F14", "#F14"),
        Link("A1", "#A1"),
    ]
    assert write.attention_rows == frozenset({0, 1})


def test_run_log_appends_and_keeps_earlier_rows():
    first = run_log_tab(
        key="r", title="Run log", current=None, entries=[{"job": "progress", "status": "ok"}]
    )
    second = run_log_tab(
        key="r",
        title="Run log",
        current=owned(first),
        entries=[{"job": "folders", "status": "ok"}, {"job": "progress", "status": "failed"}],
    )
    assert [row[1:3] for row in second.rows] == [
        ("progress", "ok"),
        ("folders", "ok"),
        ("progress", "failed"),
    ]
    assert second.attention_rows == frozenset({2})


def test_new_titles_fit_31_characters_and_never_collide():
    long = "Tutoring progress for this whole class"
    first = progress_tab(key="a", title=long, columns=COLUMNS, progress=progress_of(), current=None)
    second = progress_tab(
        key="b", title=long, columns=COLUMNS, progress=progress_of(), current=None
    )
    state = SpreadsheetState(True, {}, frozenset({long[:31]}))
    actions = plan_writes([("g.xlsx", first, "x"), ("g.xlsx", second, "y")], {"g.xlsx": state})
    titles = [a.tab.title for a in actions]
    assert all(len(t) <= 31 for t in titles)
    assert len({t.casefold() for t in titles} | {long[:31].casefold()}) == 3


def test_a_copied_educator_column_keeps_both_texts():
    first = tab(progress_of(("1", "Lee, Sam", "On track")))
    grid = with_note(first.grid(), "1", "Note to tutor", "first text")
    grid[0] = [*grid[0], "Note to tutor"]
    grid[1] = [*grid[1], *[None] * (len(grid[0]) - 1 - len(grid[1])), "second text"]
    second = tab(progress_of(("1", "Lee, Sam", "On track")), OwnedTab("k", "T", grid))
    row = dict(zip(second.header, second.rows[0], strict=False))
    assert row["Note to tutor"] == "first text"
    assert [v for h, v in row.items() if h.startswith("Note to tutor (column")] == ["second text"]


def test_the_last_updated_line_alone_never_causes_a_write_and_is_not_carried():
    progress = progress_of(("1", "Lee, Sam", "On track"))
    monday = progress_tab(
        key="k", title="T", columns=COLUMNS, progress=progress, current=None, updated="Monday"
    )
    assert monday.rows[-1] == ("Last updated Monday",)
    state = SpreadsheetState(True, {"k": owned(monday)}, frozenset())
    tuesday = progress_tab(
        key="k", title="T", columns=COLUMNS, progress=progress, current=owned(monday),
        updated="Tuesday",
    )  # fmt: skip
    assert tuesday.rows[-1] == ("Last updated Tuesday",) and len(tuesday.rows) == 2
    assert plan_writes([("g.xlsx", tuesday, "progress")], {"g.xlsx": state}) == []
    changed = progress_of(("1", "Lee, Sam", "Act now"))
    write = progress_tab(
        key="k", title="T", columns=COLUMNS, progress=changed, current=owned(monday),
        updated="Tuesday",
    )  # fmt: skip
    [action] = plan_writes([("g.xlsx", write, "progress")], {"g.xlsx": state})
    assert action.tab.rows[-1] == ("Last updated Tuesday",)


def test_a_note_typed_beside_the_last_updated_line_is_kept():
    first = progress_tab(
        key="k",
        title="T",
        columns=COLUMNS,
        progress=progress_of(("1", "Lee, Sam", "On track")),
        current=None,
        updated="2026-11-23 06:30",
    )
    grid = first.grid()
    assert str(grid[-1][0]).startswith("Last updated")
    grid[-1] = [grid[-1][0], None, "ask about the field trip"]
    second = progress_tab(
        key="k",
        title="T",
        columns=COLUMNS,
        progress=progress_of(("1", "Lee, Sam", "On track")),
        current=OwnedTab("k", "T", grid),
        updated="2026-11-24 06:30",
    )
    assert (None, None, "ask about the field trip") in second.rows
    again = progress_tab(
        key="k",
        title="T",
        columns=COLUMNS,
        progress=progress_of(("1", "Lee, Sam", "On track")),
        current=owned(second),
        updated="2026-11-25 06:30",
    )
    assert again.rows == (*second.rows[:-1], again.rows[-1])  # kept once, not again and again


def test_a_column_and_rows_added_to_data_issues_are_kept():
    issues = [
        DataIssue("log.xlsx", "Log", "F2", "y", "not a date", "f", Severity.ERROR),
        DataIssue("log.xlsx", "Log", "F14", "x", "not a date", "f", Severity.ERROR),
    ]

    def write(listed, current=None):
        return issues_tab(
            key="i", title="Data issues", issues=listed, link=lambda i: "#", current=current
        )

    grid = write(issues).grid()
    grid[0].append("Who fixes it")
    grid[1].append("Ms Okafor")  # F2
    grid[2].append("done")  # F14
    grid.append([None, "Call the tutor about the log"])
    again = write(issues, OwnedTab("i", "Data issues", grid))
    assert again.header[-1] == "Who fixes it"
    assert [row[-1] for row in again.rows[:2]] == ["Ms Okafor", "done"]
    assert (None, "Call the tutor about the log") in again.rows
    fixed = write(issues[:1], owned(again))  # F14 was fixed: its row and its "done" stay
    assert [row[-1] for row in fixed.rows if row[1] == "log.xlsx"] == ["Ms Okafor", "done"]
    assert [row[0] for row in fixed.rows if row[1] == "log.xlsx"] == ["error", None]
    assert write(issues[:1], owned(fixed)).grid() == fixed.grid()  # and only once


def test_what_was_typed_in_data_issues_stays_with_its_issue_when_columns_are_moved():
    issue = DataIssue("log.xlsx", "Log", "F2", "y", "not a date", "f", Severity.ERROR)
    first = issues_tab(key="i", title="Data issues", issues=[issue], link=lambda i: "#")
    grid = first.grid()
    grid[0].append("Who fixes it")
    grid[1].append("Ms Okafor")
    moved = OwnedTab("i", "Data issues", [list(reversed(row)) for row in grid])
    again = issues_tab(
        key="i", title="Data issues", issues=[issue], link=lambda i: "#", current=moved
    )
    assert again.header[-1] == "Who fixes it" and again.rows == (first.rows[0] + ("Ms Okafor",),)


def test_a_comment_follows_its_student_and_column_when_rows_move():
    current = OwnedTab(
        "k",
        "T",
        [["Student ID", "Sessions", "Notes"], ["S2", 1, "typed"], ["S1", 3]],
        (CellComment(1, 2, "Call home"), CellComment(0, 1, "Since Sept")),
    )
    write = TabWrite(
        "k", "T", ("Student ID", "Notes", "Sessions"), (("S1", None, 3), ("S2", "typed", 2))
    )
    state = SpreadsheetState(exists=True, owned={"k": current}, other_titles=frozenset())

    [action] = plan_writes([("book", write, "why")], {"book": state})

    assert action.tab.comments == (CellComment(0, 2, "Since Sept"), CellComment(2, 1, "Call home"))


def test_a_comment_whose_row_is_gone_goes_on_its_column_header_saying_where_it_was():
    current = OwnedTab(
        "k", "T", [["Student ID", "Notes"], ["S9", "x"], ["S1"]], (CellComment(1, 1, "Moved?"),)
    )
    write = TabWrite("k", "T", ("Student ID", "Notes"), (("S1",),))

    assert carried_comments(current, write) == (CellComment(0, 1, "(on S9, Notes) Moved?"),)
    again = OwnedTab("k", "T", write.grid(), carried_comments(current, write))
    assert carried_comments(again, write) == again.comments  # and stays there


def test_formatting_follows_its_student_and_never_lands_on_the_header_or_a_heading():
    red = CellStyle(background="FFC7CE")
    current = OwnedTab(
        "k",
        "T",
        [["Student ID", "Notes"], ["S2", "x"], ["Archived"], ["S9", "y"]],
        formats=(
            CellFormat(1, 1, red),
            CellFormat(2, 0, CellStyle(bold=True)),
            CellFormat(3, 1, red),
        ),
    )
    write = TabWrite(
        "k", "T", ("Student ID", "Notes"), (("S1",), ("S2", "x"), ("Archived",)),
        section_rows=frozenset({2}),
    )  # fmt: skip

    assert carried_formats(current, write) == (CellFormat(2, 1, red),)  # S9 is gone


def test_tabs_planned_together_split_the_rows_by_their_counts_and_refuse_a_miscount():
    progress = progress_of(("1", "Lee, Sam", "On track"), ("2", "Kim, Jo", "Act now"))
    first, second = progress_tabs(
        COLUMNS, progress, [TabRows("a", "A", None, 1), TabRows("b", "B", None, 1)]
    )
    assert [row[0] for row in first.rows] == ["1"] and [row[0] for row in second.rows] == ["2"]
    assert first.attention_rows == frozenset() and second.attention_rows == {0}
    for counts in ((1, 0), (2, 1)):
        tabs = [TabRows(key, key, None, count) for key, count in zip("ab", counts, strict=True)]
        with pytest.raises(ValueError):
            progress_tabs(COLUMNS, progress, tabs)
