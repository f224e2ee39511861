"""Writes over Google Sheets' limits are refused before anything is written, naming the place
and what to do; with the limits shrunk so the tables stay small."""

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from jobs.errors import LimitError
from jobs.plan import limits
from jobs.plan.tabs import WriteTab
from jobs.progress import run_progress
from jobs.settings import parse
from jobs.workspace.local.workspace import LocalWorkspace
from sheets_schema.cells import Link, OwnedTab, SpreadsheetState, TabWrite
from sheets_schema.issues import column_letter


def write(spreadsheet: str, title: str, rows, header=("ID", "Note")) -> WriteTab:
    tab = TabWrite(key=f"key:{title}", title=title, header=header, rows=tuple(rows))
    return WriteTab(spreadsheet, tab, "test", cells_changed=1)


def state(**owned_grids) -> SpreadsheetState:
    owned = {f"key:{t}": OwnedTab(f"key:{t}", t, grid) for t, grid in owned_grids.items()}
    return SpreadsheetState(exists=True, owned=owned, other_titles=frozenset({"Grades"}))


EMPTY = SpreadsheetState(exists=True, owned={}, other_titles=frozenset())


def small(max_cell_chars: int = 10, max_cells: int = 1000) -> limits.Limits:
    return limits.Limits("Google Sheets", max_cell_chars=max_cell_chars, max_cells=max_cells)


def test_writes_within_the_limits_all_go_ahead():
    actions = [write("a.xlsx", "Progress", [("S1", "x" * 10)]), write("b.xlsx", "Log", [("S2",)])]
    fitting, refused = limits.within_limits(
        actions, {"a.xlsx": EMPTY, "b.xlsx": EMPTY}, small(max_cell_chars=10, max_cells=4)
    )
    assert fitting == actions and refused == []


def test_an_over_long_note_refuses_its_tab_only_naming_the_cell():
    long_note = write("coordinator.xlsx", "Progress summary", [("S1", "ok"), ("S2", "x" * 11)])
    other_tab = write("coordinator.xlsx", "Data issues", [("S1", "fine")])
    fitting, refused = limits.within_limits(
        [long_note, other_tab], {"coordinator.xlsx": EMPTY}, small(max_cell_chars=10)
    )
    assert fitting == [other_tab]
    [sentence] = refused
    assert sentence.startswith(
        "coordinator.xlsx › Progress summary was not written: cell B3 (column Note) "
        "would hold 11 characters; a cell in Google Sheets holds at most 10."
    )
    assert "nothing was lost" in sentence and "Shorten that text" in sentence


@pytest.mark.parametrize(
    ("cell", "length"),
    [
        pytest.param(Link("y" * 11, "https://example.com"), 11, id="a link's text"),
        pytest.param("😀" * 6, 12, id="emoji count twice, as in Sheets"),
        pytest.param("line\r\n" * 2, 10, id="text as stored: CRLF is one character"),
    ],
)
def test_cell_length_is_counted_as_sheets_stores_it(cell, length):
    action = write("a.xlsx", "Tab", [("S1", cell)])
    if length > 10:
        with pytest.raises(LimitError, match=f"would hold {length} characters"):
            limits.check_cells(action, small(max_cell_chars=10))
    else:
        limits.check_cells(action, small(max_cell_chars=10))


def test_numbers_dates_and_the_header_row_are_checked_sensibly():
    numbers = write("a.xlsx", "Tab", [(123456789012345, 1.5, None)], header=("ID",))
    limits.check_cells(numbers, small(max_cell_chars=3))
    with pytest.raises(LimitError, match="cell A1 would hold 10 characters"):
        limits.check_cells(write("a.xlsx", "Tab", [], header=("Student ID",)), small(3))


def test_a_spreadsheet_over_the_cell_limit_gets_none_of_its_tabs_written():
    # 3 rows + header, 2 columns: 8 cells; the other owned tab left as it is: 2 x 3 = 6.
    big = write("teacher.xlsx", "Progress", [("S1", "a"), ("S2", "b"), ("S3", "c")])
    elsewhere = write("coordinator.xlsx", "Summary", [("S1",)])
    states = {
        "teacher.xlsx": state(Feedback=[["Student ID", "Note", "Date"], ["S1", "hi"]]),
        "coordinator.xlsx": EMPTY,
    }
    fitting, refused = limits.within_limits([big, elsewhere], states, small(max_cells=13))
    assert fitting == [elsewhere]
    assert refused == [
        "teacher.xlsx was not written: its tabs would hold 14 cells; Google Sheets allows at "
        "most 13 in one spreadsheet. Its tabs keep what they held. Split the program (one "
        "config per school or cohort), or give teachers their own spreadsheets under "
        "[outputs.teacher_spreadsheets]"
    ]
    fits = limits.within_limits([big, elsewhere], states, small(max_cells=14))
    assert fits == ([big, elsewhere], [])


def test_a_tab_being_rewritten_is_counted_at_its_new_size_not_its_old_one():
    rewrite = write("a.xlsx", "Progress", [("S1", "a")])  # 2 x 2 = 4 cells
    old = [["Student ID", "Teacher notes"]] + [["S", "n"]] * 50
    fitting, refused = limits.within_limits(
        [rewrite], {"a.xlsx": state(Progress=old)}, small(max_cells=4)
    )
    assert fitting == [rewrite] and refused == []


def test_a_tab_is_sized_as_the_google_adapter_sizes_it():
    assert limits.tab_cells(write("a", "T", []).tab) == 2 * 2  # a header alone keeps 2 rows
    ragged = write("a", "T", [("S1",), ("S2", "n", "extra")]).tab
    assert limits.tab_cells(ragged) == 3 * 3


def test_each_workspace_is_held_to_its_spreadsheets_limits():
    google, excel = limits.for_workspace("google"), limits.for_workspace("local")
    assert (google.max_cell_chars, google.max_cells) == (50_000, 10_000_000)
    assert (excel.max_cell_chars, excel.max_cells) == (32_767, 10_000_000)
    fitting, refused = limits.within_limits(
        [write("a", "Tab", [("S1", "x" * 50_001)])], {"a": EMPTY}, google
    )
    assert fitting == []
    assert "50,001 characters; a cell in Google Sheets holds at most 50,000" in refused[0]
    long_in_excel = write("a.xlsx", "Tab", [("S1", "x" * 32_768)])
    assert limits.within_limits([long_in_excel], {"a.xlsx": EMPTY}) == ([long_in_excel], [])
    assert limits.within_limits([long_in_excel], {"a.xlsx": EMPTY}, excel)[0] == []


def test_the_progress_job_refuses_a_tab_whose_notes_outgrow_a_cell_and_loses_nothing(tmp_path):
    settings, workspace = small_program(tmp_path)
    assert run_progress(settings, workspace, as_of=date(2026, 3, 2)).ok
    # A student's row pasted twice, each with a long note: the two notes are kept together in
    # one cell, which would hold more than an .xlsx cell can (openpyxl would cut it short).
    book = openpyxl.load_workbook(tmp_path / "coordinator.xlsx")
    summary = book["Progress summary"]
    header = [cell.value for cell in summary[1]]
    notes_column = header.index("Coordinator notes") + 1
    row = [cell.value for cell in summary[2]]
    summary.insert_rows(3)
    for column, value in enumerate(row, start=1):
        summary.cell(row=3, column=column, value=value)
    summary.cell(row=2, column=notes_column, value="a" * 20_000)
    summary.cell(row=3, column=notes_column, value="b" * 20_000)
    book.save(tmp_path / "coordinator.xlsx")
    before = tab_rows(tmp_path / "coordinator.xlsx", "Progress summary")
    cell = f"{column_letter(notes_column - 1)}2"

    dry = run_progress(settings, workspace, as_of=date(2026, 3, 3), dry_run=True)
    assert not dry.ok
    assert dry.failures == [
        f"coordinator.xlsx › Progress summary was not written: cell {cell} (column Coordinator "
        "notes) would hold 40,001 characters; a cell in Excel holds at most 32,767. The tab "
        "keeps what it held, so nothing was lost. Shorten that text (a long note can live in a "
        "document, linked from the cell), or the source value it quotes, and run again"
    ]
    assert "Progress summary" not in [action.tab.title for action in dry.actions]

    report = run_progress(settings, workspace, as_of=date(2026, 3, 3))
    assert report.failures == dry.failures
    assert tab_rows(tmp_path / "coordinator.xlsx", "Progress summary") == before
    run_log = tab_rows(tmp_path / "coordinator.xlsx", "Run log")
    assert run_log[-1][2] == "failed: 1 spreadsheet(s) not written"


def tab_rows(path: Path, title: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[title].iter_rows(values_only=True))


def small_program(tmp_path: Path):
    def save(name: str, tab: str, rows: list[list]) -> None:
        book = openpyxl.Workbook()
        book.active.title = tab
        for row in rows:
            book.active.append(row)
        book.save(tmp_path / name)

    save(
        "roster.xlsx",
        "Roster",
        [
            ["Student ID", "Student", "Teacher Email", "Tutor Email"],
            ["001", "Lee, Sam", "t1@s.example", "tu@s.example"],
        ],
    )
    save(
        "log.xlsx",
        "Log",
        [
            ["Date", "Tutor", "Student ID", "Minutes", "Attendance"],
            ["2026-03-01", "tu@s.example", "001", 30, "P"],
        ],
    )
    config = {
        "program": {"name": "Test program"},
        "sources": {
            "roster": {"spreadsheet": "roster.xlsx", "tab": "Roster"},
            "tutor_logs": [{"spreadsheet": "log.xlsx", "tabs": ["Log"]}],
        },
        "outputs": {"coordinator_spreadsheet": "coordinator.xlsx"},
    }
    return parse(config, config_dir=tmp_path), LocalWorkspace(tmp_path)
