"""The Spreadsheets contract: what every adapter promises the jobs. Uses only the port and the
harness fixtures (conftest.py), so the same tests run against each adapter."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from jobs.errors import MissingTab, WorkspaceError
from sheets_schema.cells import CellComment, CellFormat, CellStyle, ColumnFormat, Link, TabWrite

F = ColumnFormat

ROSTER = [
    ["Student ID", "Name", "Minutes", "Rate", "Active", "Joined"],
    ["S1", "Ana Lima", 45, 0.5, True, date(2026, 9, 1)],
    ["S2", "Ben Okafor", 30, 1.25, False, date(2026, 9, 2)],
]


def progress_write(rows: int = 3, *, key: str = "tutorsync:test:progress") -> TabWrite:
    return TabWrite(
        key=key,
        title="Progress",
        header=("Student ID", "Sessions", "Attendance", "Last session", "Notes"),
        rows=tuple((f"S{i}", i, i / 10, date(2026, 11, i + 1), None) for i in range(rows)),
        column_formats=(F.TEXT, F.INTEGER, F.PERCENT, F.DATE, F.TEXT),
        attention_rows=frozenset({0}),
    )


# --- Reading sources ----------------------------------------------------------------------------


def as_read(harness, grid):
    return [[harness.source_value(cell) for cell in row] for row in grid]


def test_read_tabs_returns_typed_values_of_each_named_tab(workspace, seed, harness):
    reference = seed("roster", {"Roster": ROSTER, "Older": [["Student ID"], ["S9"]]})

    grids = workspace.spreadsheets.read_tabs(reference, ["Roster", "Older"])

    assert grids == {"Roster": as_read(harness, ROSTER), "Older": [["Student ID"], ["S9"]]}
    assert type(grids["Roster"][1][2]) is int
    assert type(grids["Roster"][1][5]) is type(harness.source_value(date(2026, 9, 1)))


def test_read_tabs_keeps_blank_rows_in_the_middle_and_trims_trailing_empties(workspace, seed):
    reference = seed(
        "log",
        {"Log": [["A", "B", "C"], ["x", None, None], [], [None, "y"], [None, None, None], []]},
    )

    grid = workspace.spreadsheets.read_tabs(reference, ["Log"])["Log"]

    assert grid == [["A", "B", "C"], ["x"], [], [None, "y"]]


def test_read_tabs_of_a_missing_tab_names_the_tab_and_lists_the_tabs(workspace, seed):
    reference = seed("roster", {"Roster": ROSTER, "Notes": [["n"]]})

    # MissingTab: the other tabs asked for may still be read one by one (jobs.read).
    with pytest.raises(MissingTab, match="no tab 'Rooster'") as raised:
        workspace.spreadsheets.read_tabs(reference, ["Roster", "Rooster"])

    assert "'Roster'" in str(raised.value) and "'Notes'" in str(raised.value)


def test_read_tabs_of_a_missing_spreadsheet_raises(workspace, harness):
    with pytest.raises(WorkspaceError) as raised:
        workspace.spreadsheets.read_tabs(harness.missing_reference("nowhere"), ["Roster"])

    assert not isinstance(raised.value, MissingTab)  # no tab of it can be read


def test_list_tabs_gives_source_tabs_in_order(workspace, seed):
    reference = seed("book", {"Grades": [["a"]], "Roster": [["b"]], "Spare": []})

    assert workspace.spreadsheets.list_tabs(reference) == ["Grades", "Roster", "Spare"]


# --- Writing owned tabs -------------------------------------------------------------------------


def test_owned_tab_reads_back_as_written(workspace, new_reference):
    reference = new_reference("coordinator")
    write = TabWrite(
        key="tutorsync:test:values",
        title="Values",
        header=("Text", "Int", "Float", "Bool", "Date", "Datetime", "Link", "Empty", "Last"),
        rows=(
            (
                "Ana",
                3,
                2.5,
                True,
                date(2026, 1, 2),
                datetime(2026, 1, 2, 14, 5),
                Link("doc", "https://example.org/d?a=1&b=2"),
                None,
                "end",
            ),
            ("  spaced  ", -7, 0.1, False, date(1999, 12, 31), datetime(2026, 3, 1), None, None, 0),
            ("line one\nline two", 10**12, 1e-7, None, None, None, None),
            (),
            ("trailing", None, None),
        ),
        column_formats=(F.TEXT, F.INTEGER, F.DECIMAL, F.TEXT, F.DATE, F.DATETIME, F.TEXT),
    )

    workspace.spreadsheets.write_owned_tabs(reference, [write])
    state = workspace.spreadsheets.read_state(reference)

    assert state.exists
    assert state.owned[write.key].grid == write.grid()
    assert state.owned[write.key].title == "Values"
    row = state.owned[write.key].grid[1]
    assert [type(value) for value in row[:6]] == [str, int, float, bool, date, datetime]
    assert type(state.owned[write.key].grid[2][4]) is date


@pytest.mark.parametrize(
    "text",
    [
        '=IMPORTXML("http://x","//a")',
        "+1",
        "-1",
        "@SUM(A1)",
        "=1+1",
        "00123",
        "1,24",
        "3/4",
        "2026-01-02",
        "TRUE",
        "#N/A",
        "1e5",
        " 45 ",
        "'quoted",
    ],
)
def test_text_is_written_as_text_never_as_a_formula_or_number(workspace, new_reference, text):
    reference = new_reference("texts")
    write = TabWrite(key="k", title="Texts", header=("Value",), rows=((text,),))

    workspace.spreadsheets.write_owned_tabs(reference, [write])

    assert workspace.spreadsheets.read_state(reference).owned["k"].grid == [["Value"], [text]]


def test_an_empty_string_reads_back_as_an_empty_cell(workspace, new_reference):
    # As on Sheets, a cell holds no empty text; TabWrite.grid() still keeps "" in mid-row.
    reference = new_reference("empty-text")
    write = TabWrite(key="k", title="T", header=("a", "b", "c"), rows=(("", "", "x"), ("y", "")))

    workspace.spreadsheets.write_owned_tabs(reference, [write])

    grid = workspace.spreadsheets.read_state(reference).owned["k"].grid
    assert grid == [["a", "b", "c"], [None, None, "x"], ["y"]]


def test_rewriting_with_fewer_rows_leaves_no_stale_rows(workspace, new_reference):
    reference = new_reference("shrink")
    workspace.spreadsheets.write_owned_tabs(reference, [progress_write(rows=6)])

    smaller = progress_write(rows=2)
    workspace.spreadsheets.write_owned_tabs(reference, [smaller])

    assert workspace.spreadsheets.read_state(reference).owned[smaller.key].grid == smaller.grid()


def test_rewriting_with_narrower_rows_leaves_no_stale_cells(workspace, new_reference):
    reference = new_reference("narrow")
    wide = TabWrite(key="k", title="T", header=("a", "b", "c"), rows=(("1", "2", "3"),))
    narrow = TabWrite(key="k", title="T", header=("a",), rows=(("1",),))

    workspace.spreadsheets.write_owned_tabs(reference, [wide])
    workspace.spreadsheets.write_owned_tabs(reference, [narrow])

    assert workspace.spreadsheets.read_state(reference).owned["k"].grid == [["a"], ["1"]]


def test_owned_tab_is_neither_listed_nor_readable_as_a_source(workspace, seed):
    reference = seed("gradebook", {"Grades": [["Student ID"], ["S1"]]})
    write = progress_write()
    workspace.spreadsheets.write_owned_tabs(reference, [write])
    workspace.spreadsheets.read_state(reference)  # as a run does before reading sources

    assert workspace.spreadsheets.list_tabs(reference) == ["Grades"]
    with pytest.raises(WorkspaceError, match="tutorsync writes"):
        workspace.spreadsheets.read_tabs(reference, ["Progress"])


def test_writing_a_title_of_a_tab_not_owned_raises_and_changes_nothing(workspace, seed, harness):
    reference = seed("gradebook", {"Grades": ROSTER, "Progress": [["typed by a teacher"]]})
    before = workspace.spreadsheets.read_state(reference)

    with pytest.raises(WorkspaceError, match="Progress"):
        workspace.spreadsheets.write_owned_tabs(reference, [progress_write()])

    assert workspace.spreadsheets.read_state(reference) == before
    assert workspace.spreadsheets.read_tabs(reference, ["Grades", "Progress"]) == {
        "Grades": as_read(harness, ROSTER),
        "Progress": [["typed by a teacher"]],
    }


def test_a_clash_in_one_tab_writes_none_of_the_batch(workspace, seed):
    reference = seed("gradebook", {"Progress": [["typed by a teacher"]]})
    fine = TabWrite(key="other", title="Summary", header=("a",), rows=())

    with pytest.raises(WorkspaceError):
        workspace.spreadsheets.write_owned_tabs(reference, [fine, progress_write()])

    assert workspace.spreadsheets.read_state(reference).owned == {}
    assert workspace.spreadsheets.list_tabs(reference) == ["Progress"]


def test_two_owned_tabs_are_written_in_one_call(workspace, new_reference, harness):
    reference = new_reference("coordinator")
    summary = progress_write(key="tutorsync:test:summary")
    issues = TabWrite(
        key="tutorsync:test:issues",
        title="Data issues",
        header=("Severity", "Problem"),
        rows=(("error", "Minutes 'abc' is not a number"),),
        attention_rows=frozenset({0}),
    )

    workspace.spreadsheets.write_owned_tabs(reference, [summary, issues])
    state = workspace.spreadsheets.read_state(reference)

    assert {key: tab.grid for key, tab in state.owned.items()} == {
        summary.key: summary.grid(),
        issues.key: issues.grid(),
    }
    assert {tab.title for tab in state.owned.values()} == {"Progress", "Data issues"}
    assert state.other_titles == harness.blank_titles


def test_writing_into_a_spreadsheet_keeps_its_source_tabs_as_they_were(workspace, seed, harness):
    texts = [["Note"], ["=1+1"], ["00123"], ["+44 20 7946 0000"]]
    reference = seed("gradebook", {"Grades": ROSTER, "Texts": texts})
    before = workspace.spreadsheets.read_tabs(reference, ["Grades", "Texts"])

    workspace.spreadsheets.write_owned_tabs(reference, [progress_write()])
    workspace.spreadsheets.write_owned_tabs(reference, [progress_write(rows=1)])

    assert workspace.spreadsheets.read_tabs(reference, ["Grades", "Texts"]) == before
    assert before == {"Grades": as_read(harness, ROSTER), "Texts": texts}
    assert workspace.spreadsheets.list_tabs(reference) == ["Grades", "Texts"]
    assert workspace.spreadsheets.read_state(reference).other_titles == {"Grades", "Texts"}


def test_a_missing_spreadsheet_reads_as_empty_state_or_says_it_was_not_found(workspace, harness):
    reference = harness.missing_reference("not-yet")
    if not harness.creates_spreadsheets:
        with pytest.raises(WorkspaceError, match="not found"):
            workspace.spreadsheets.read_state(reference)
        return
    state = workspace.spreadsheets.read_state(reference)

    assert not state.exists
    assert state.owned == {}
    assert state.other_titles == frozenset()


def test_writing_into_a_new_spreadsheet_adds_only_the_owned_tabs(workspace, harness):
    reference = harness.new_reference("progress/new-teacher")

    workspace.spreadsheets.write_owned_tabs(reference, [progress_write()])
    state = workspace.spreadsheets.read_state(reference)

    assert state.exists
    assert list(state.owned) == [progress_write().key]
    assert state.other_titles == harness.blank_titles
    assert workspace.spreadsheets.list_tabs(reference) == sorted(harness.blank_titles)


def test_the_same_write_twice_gives_the_same_state(workspace, seed):
    reference = seed("gradebook", {"Grades": ROSTER})
    write = progress_write()

    workspace.spreadsheets.write_owned_tabs(reference, [write])
    first = workspace.spreadsheets.read_state(reference)
    workspace.spreadsheets.write_owned_tabs(reference, [write])

    assert workspace.spreadsheets.read_state(reference) == first


def test_an_owned_tab_keeps_its_title_when_rewritten_under_another_title(workspace, new_reference):
    reference = new_reference("titles")
    workspace.spreadsheets.write_owned_tabs(reference, [progress_write()])

    renamed = TabWrite(key=progress_write().key, title="Renamed", header=("a",), rows=())
    workspace.spreadsheets.write_owned_tabs(reference, [renamed])
    state = workspace.spreadsheets.read_state(reference)

    assert state.owned[renamed.key].title == "Progress"
    assert state.owned[renamed.key].grid == [["a"]]


def test_formats_and_highlights_do_not_change_values(workspace, new_reference):
    reference = new_reference("formats")
    write = TabWrite(
        key="k",
        title="Formatted",
        header=("Text", "Integer", "Decimal", "Percent", "Date", "Datetime"),
        rows=(
            ("a", 3, 2.25, 0.875, date(2026, 2, 3), datetime(2026, 2, 3, 9, 30, 15)),
            ("Archived: no longer listed here.",),
            ("b", 4.0, 7, 1, date(2026, 2, 4), datetime(2026, 2, 4)),
            (5, "n/a", "x", None, 45, 46000.5),
        ),
        column_formats=(F.TEXT, F.INTEGER, F.DECIMAL, F.PERCENT, F.DATE, F.DATETIME),
        attention_rows=frozenset({0}),
        section_rows=frozenset({1}),
    )

    workspace.spreadsheets.write_owned_tabs(reference, [write])

    assert workspace.spreadsheets.read_state(reference).owned["k"].grid == write.grid()


@pytest.mark.parametrize("text", ["line one\r\nline two", "carriage\rreturn", "bell\x07", "ok"])
def test_text_reads_back_as_the_port_says_it_is_stored(workspace, new_reference, text):
    """Plans compare desired tabs with what adapters read back; they must agree exactly, or a
    tab would be rewritten on every run."""
    reference = new_reference("stored.xlsx")
    write = TabWrite(key="k", title="T", header=("a",), rows=((text,),))
    workspace.spreadsheets.write_owned_tabs(reference, [write])
    assert workspace.spreadsheets.read_state(reference).owned["k"].grid == write.grid()


def test_comments_on_cells_are_written_and_read_back(workspace, new_reference):
    """A comment someone put on a cell of an owned tab (an Excel comment, a Sheets note) is
    read with the tab, and written where a write puts it: plan_writes carries it."""
    reference = new_reference("comments")
    write = TabWrite(
        key="k",
        title="T",
        header=("Student ID", "Notes"),
        rows=(("S1", "ok"), ("S2",)),
        comments=(CellComment(0, 1, "Header note"), CellComment(2, 1, "Call home\nFriday")),
    )

    workspace.spreadsheets.write_owned_tabs(reference, [write])

    tab = workspace.spreadsheets.read_state(reference).owned["k"]
    assert tab.grid == [["Student ID", "Notes"], ["S1", "ok"], ["S2"]]
    assert tab.comments == write.comments


def test_formatting_on_cells_is_written_and_read_back_and_tutorsyncs_own_is_not_read(
    workspace, new_reference
):
    reference = new_reference("formats")
    marked = CellStyle(bold=True, strikethrough=True, color="C00000", background="C6EFCE")
    write = TabWrite(
        key="k",
        title="T",
        header=("Student ID", "Notes"),
        rows=(("S1", "ok"), ("S2", "call")),
        attention_rows=frozenset({0}),  # tutorsync's amber row: its fill is not someone's
        formats=(CellFormat(2, 1, marked), CellFormat(1, 0, CellStyle(italic=True))),
    )

    workspace.spreadsheets.write_owned_tabs(reference, [write])

    formats = workspace.spreadsheets.read_state(reference).owned["k"].formats
    assert {(f.row, f.column): f.style for f in formats if f.row > 0} == {
        (2, 1): marked,
        (1, 0): CellStyle(italic=True),
    }
