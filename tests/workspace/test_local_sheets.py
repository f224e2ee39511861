"""What only the local workspace does: .csv files, .xlsx details, the files themselves."""

from __future__ import annotations

import copy
import csv
import io
import os
import re
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.worksheet._writer import WorksheetWriter

from jobs.errors import WorkspaceError
from jobs.workspace.local import sheets as local
from jobs.workspace.local.sheets import OWNED_TAB_MARKER, owned_key
from jobs.workspace.local.workspace import LocalWorkspace
from jobs.workspace.local.xlsx_rows import RowsWriter, TabCells
from sheets_schema.cells import CellStyle, CellValue, ColumnFormat, Link, TabWrite, trim_grid

F = ColumnFormat


@pytest.fixture
def workspace(tmp_path: Path) -> LocalWorkspace:
    return LocalWorkspace(tmp_path)


def progress(rows: int = 2, *, key: str = "tutorsync:test:progress") -> TabWrite:
    return TabWrite(
        key=key,
        title="Progress",
        header=("Student ID", "Sessions", "Attendance", "Grade", "Last session", "Run at", "Notes"),
        rows=tuple(
            (f"S{i}", i, 0.5, 81.25, date(2026, 11, 2), datetime(2026, 11, 2, 8, 15), "ok")
            for i in range(rows)
        ),
        column_formats=(F.TEXT, F.INTEGER, F.PERCENT, F.DECIMAL, F.DATE, F.DATETIME, F.TEXT),
    )


def sheet_part(path: Path, title: str) -> str:
    """Where openpyxl saved a worksheet: sheetN.xml, N its place among the worksheets."""
    return f"xl/worksheets/sheet{load_workbook(path).sheetnames.index(title) + 1}.xml"


def sheet_xml(path: Path, title: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(sheet_part(path, title)).decode()


def with_formula_results(path: Path, results: dict[str, float | str]) -> None:
    """Give formula cells the last results Excel would have saved (openpyxl saves none)."""
    part = sheet_part(path, "Grades")
    with zipfile.ZipFile(path) as archive:
        parts = {item: archive.read(item) for item in archive.namelist()}
    xml = parts[part].decode()
    for reference, value in results.items():
        kind = ' t="str"' if isinstance(value, str) else ""
        xml, found = re.subn(
            rf'<c r="{reference}"([^>]*)>(<f>[^<]*</f>)<v\s*/?>(</v>)?',
            rf'<c r="{reference}"\1{kind}>\2<v>{value}</v>',
            xml,
        )
        assert found == 1
    parts[part] = xml.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for item, data in parts.items():
            archive.writestr(item, data)


# --- .csv files ------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_is_one_tab_named_after_the_file_whatever_the_delimiter(workspace, tmp_path, delimiter):
    rows = [["Student ID", "Score", "Note"], ["00123", "1,5", ""], ["S2", "", "a, b; c\td"]]
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    (tmp_path / "grades.csv").write_text(text.getvalue(), encoding="utf-8")

    assert workspace.spreadsheets.list_tabs("grades.csv") == ["grades"]
    grid = workspace.spreadsheets.read_tabs("grades.csv", ["grades"])["grades"]

    # Quoted cells holding the other delimiters stay one cell; empty cells are None.
    assert grid == [["Student ID", "Score", "Note"], ["00123", "1,5"], ["S2", None, "a, b; c\td"]]


def test_csv_with_a_byte_order_mark_reads_without_it(workspace, tmp_path):
    (tmp_path / "roster.csv").write_bytes("\ufeffStudent ID,Name\r\nS1,Zoë\r\n".encode())

    grid = workspace.spreadsheets.read_tabs("roster.csv", ["roster"])["roster"]

    assert grid == [["Student ID", "Name"], ["S1", "Zoë"]]


def test_csv_saved_in_the_windows_code_page_reads_as_cp1252(workspace, tmp_path):
    (tmp_path / "roster.csv").write_bytes("Name;Note\r\nZoë;“late” – 5€\r\n".encode("cp1252"))

    grid = workspace.spreadsheets.read_tabs("roster.csv", ["roster"])["roster"]

    assert grid == [["Name", "Note"], ["Zoë", "“late” – 5€"]]


def test_csv_keeps_line_breaks_inside_quoted_cells(workspace, tmp_path):
    (tmp_path / "log.csv").write_text('Note,Minutes\n"two\nlines",45\n', encoding="utf-8")

    grid = workspace.spreadsheets.read_tabs("log.csv", ["log"])["log"]

    assert grid == [["Note", "Minutes"], ["two\nlines", "45"]]


def test_csv_is_one_tab_whatever_the_config_calls_it(workspace, tmp_path):
    (tmp_path / "log.csv").write_text("a\n1\n", encoding="utf-8")

    assert workspace.spreadsheets.read_tabs("log.csv", ["Sessions"]) == {"Sessions": [["a"], ["1"]]}


def test_csv_state_is_its_one_tab_and_writing_to_it_is_refused(workspace, tmp_path):
    path = tmp_path / "banda.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")

    state = workspace.spreadsheets.read_state("banda.csv")
    with pytest.raises(WorkspaceError, match=re.escape("a .csv file holds one tab; name an .xlsx")):
        workspace.spreadsheets.write_owned_tabs("banda.csv", [progress()])

    assert state.exists and state.owned == {} and state.other_titles == {"banda"}
    assert path.read_text(encoding="utf-8") == "a,b\n1,2\n"


# --- Reading .xlsx ---------------------------------------------------------------------------


def test_dates_read_as_dates_and_times_of_day_are_kept(workspace, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Log"
    sheet.append([date(2026, 9, 1), datetime(2026, 9, 1, 15, 30), datetime(2026, 9, 2), time(9, 5)])
    sheet.append([timedelta(hours=1, minutes=15), timedelta(hours=26)])
    sheet["B2"].number_format = "[h]:mm"
    sheet["A2"].number_format = "[h]:mm"
    workbook.save(tmp_path / "log.xlsx")

    grid = workspace.spreadsheets.read_tabs("log.xlsx", ["Log"])["Log"]

    # A midnight shown with a time of day stays a datetime; durations within a day are times.
    assert grid == [
        [date(2026, 9, 1), datetime(2026, 9, 1, 15, 30), datetime(2026, 9, 2), time(9, 5)],
        [time(1, 15), "26:00"],
    ]


def test_reading_reports_a_tab_tutorsync_does_not_have(workspace, tmp_path, write_xlsx):
    write_xlsx(tmp_path / "roster.xlsx", {"Students": [["a"]]})

    with pytest.raises(
        WorkspaceError, match=re.escape("roster.xlsx has no tab 'Roster'; its tabs are: 'Students'")
    ):
        workspace.spreadsheets.read_tabs("roster.xlsx", ["Roster"])


def test_reading_never_changes_the_file(workspace, tmp_path, write_xlsx):
    path = tmp_path / "book.xlsx"
    write_xlsx(path, {"Grades": [["a", 1]]})
    workspace.spreadsheets.write_owned_tabs("book.xlsx", [progress()])
    before, modified = path.read_bytes(), path.stat().st_mtime_ns

    workspace.spreadsheets.read_tabs("book.xlsx", ["Grades"])
    workspace.spreadsheets.list_tabs("book.xlsx")
    workspace.spreadsheets.read_state("book.xlsx")

    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == modified
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


# --- The owned-tab marker --------------------------------------------------------------------


def test_owned_tab_is_still_found_after_a_rename_and_move_in_another_program(
    workspace, tmp_path, write_xlsx
):
    path = tmp_path / "book.xlsx"
    write_xlsx(path, {"Grades": [["a"]]})
    workspace.spreadsheets.write_owned_tabs("book.xlsx", [progress()])
    workbook = load_workbook(path)
    workbook["Progress"].title = "Mr B's tutoring"
    workbook.move_sheet("Mr B's tutoring", offset=-1)
    workbook.save(path)

    state = workspace.spreadsheets.read_state("book.xlsx")
    workspace.spreadsheets.write_owned_tabs("book.xlsx", [progress(rows=1)])
    after = load_workbook(path)

    assert state.owned[progress().key].title == "Mr B's tutoring"
    assert state.owned[progress().key].grid == progress().grid()
    # Rewritten in place: same title, same position, no second tab.
    assert after.sheetnames == ["Mr B's tutoring", "Grades"]
    assert owned_key(after["Mr B's tutoring"]) == progress().key
    assert workspace.spreadsheets.list_tabs("book.xlsx") == ["Grades"]


def test_marker_is_a_sheet_scoped_name_holding_the_key_as_text(workspace, tmp_path):
    key = 'tutorsync:demo:teacher:o"neil@school.org'
    workspace.spreadsheets.write_owned_tabs("book.xlsx", [progress(key=key)])

    sheet = load_workbook(tmp_path / "book.xlsx")["Progress"]

    assert (
        sheet.defined_names[OWNED_TAB_MARKER].attr_text
        == '"tutorsync:demo:teacher:o""neil@school.org"'
    )
    assert owned_key(sheet) == key


def test_a_copy_of_an_owned_tab_is_not_owned_and_not_a_source(workspace, tmp_path):
    path = tmp_path / "book.xlsx"
    workspace.spreadsheets.write_owned_tabs("book.xlsx", [progress()])
    workbook = load_workbook(path)
    # Excel's "Move or Copy… › Create a copy" copies the sheet's own names too.
    duplicate = workbook.copy_worksheet(workbook["Progress"])
    duplicate.title = "Progress (2)"
    marker = workbook["Progress"].defined_names[OWNED_TAB_MARKER]
    duplicate.defined_names[OWNED_TAB_MARKER] = copy.copy(marker)
    workbook.save(path)

    state = workspace.spreadsheets.read_state("book.xlsx")

    assert state.owned[progress().key].title == "Progress"
    assert state.other_titles == {"Progress (2)"}
    assert workspace.spreadsheets.list_tabs("book.xlsx") == []


# --- What writing keeps ----------------------------------------------------------------------


def test_a_teachers_formulas_stay_formulas_with_their_last_results(workspace, tmp_path):
    path = tmp_path / "gradebook.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Grades"
    sheet.append(["Student ID", "Quiz 1", "Quiz 2", "Average", "Flag"])
    sheet.append(["S1", 80, 90, "=AVERAGE(B2:C2)", '=IF(D2<85,"low","")'])
    sheet.append(["S2", 70, None, "=AVERAGE(B3:C3)", '=IF(D3<85,"low","")'])
    workbook.save(path)
    with_formula_results(path, {"D2": 85, "E2": "", "D3": 70, "E3": "low"})
    before = workspace.spreadsheets.read_tabs("gradebook.xlsx", ["Grades"])

    workspace.spreadsheets.write_owned_tabs("gradebook.xlsx", [progress()])

    saved = load_workbook(path)["Grades"]
    assert saved["D2"].value == "=AVERAGE(B2:C2)"
    assert saved["E3"].value == '=IF(D3<85,"low","")'
    assert before["Grades"][1:] == [["S1", 80, 90, 85], ["S2", 70, None, 70, "low"]]
    assert workspace.spreadsheets.read_tabs("gradebook.xlsx", ["Grades"]) == before


def test_teachers_rich_text_and_comments_are_kept(workspace, tmp_path):
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.comments import Comment

    path = tmp_path / "gradebook.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Grades"
    sheet["A1"] = CellRichText(["plain ", TextBlock(InlineFont(b=True), "bold")])
    sheet["A1"].comment = Comment("check this", "Ms O")
    workbook.save(path)

    workspace.spreadsheets.write_owned_tabs("gradebook.xlsx", [progress()])
    saved = load_workbook(path, rich_text=True)["Grades"]

    assert isinstance(saved["A1"].value, CellRichText)
    assert str(saved["A1"].value) == "plain bold"
    assert saved["A1"].comment.text == "check this"


def test_a_teachers_layout_validation_and_conditional_formats_are_kept(workspace, tmp_path):
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    path = tmp_path / "gradebook.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Grades"
    sheet.append(["Student ID", "Grade", "Term"])
    sheet.append(["S1", 72, "Fall"])
    sheet.merge_cells("D1:E1")
    sheet.freeze_panes = "B2"
    sheet.column_dimensions["A"].width = 21
    validation = DataValidation(type="list", formula1='"Fall,Spring"')
    validation.add("C2:C50")
    sheet.add_data_validation(validation)
    red = PatternFill("solid", fgColor="FFC7CE")
    sheet.conditional_formatting.add(
        "B2:B50", CellIsRule(operator="lessThan", formula=["60"], fill=red)
    )
    workbook.save(path)

    workspace.spreadsheets.write_owned_tabs("gradebook.xlsx", [progress()])
    saved = load_workbook(path)["Grades"]

    assert [str(merged) for merged in saved.merged_cells.ranges] == ["D1:E1"]
    assert saved.freeze_panes == "B2"
    assert saved.column_dimensions["A"].width == 21
    assert saved.data_validations.dataValidation[0].formula1 == '"Fall,Spring"'
    assert [str(rng.sqref) for rng in saved.conditional_formatting] == ["B2:B50"]


def test_drawings_openpyxl_does_not_model_are_kept_byte_for_byte(workspace, tmp_path, write_xlsx):
    path = tmp_path / "gradebook.xlsx"
    write_xlsx(path, {"Grades": [["a"]]})
    shape = (
        b'<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/'
        b'spreadsheetDrawing"><xdr:oneCellAnchor><xdr:sp macro=""/></xdr:oneCellAnchor>'
        b"</xdr:wsDr>"
    )
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/drawings/drawing1.xml", shape)

    workspace.spreadsheets.write_owned_tabs("gradebook.xlsx", [progress()])

    with zipfile.ZipFile(path) as archive:
        assert archive.read("xl/drawings/drawing1.xml") == shape


# --- Formatting ------------------------------------------------------------------------------


def test_header_is_bold_grey_and_frozen(workspace, tmp_path):
    workspace.spreadsheets.write_owned_tabs("book.xlsx", [progress()])

    sheet = load_workbook(tmp_path / "book.xlsx")["Progress"]

    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    assert {cell.fill.fgColor.rgb for cell in sheet[1]} == {"00EEEEEE"}


def test_attention_rows_are_amber_and_section_rows_bold_italic_grey(workspace, tmp_path):
    write = TabWrite(
        key="k",
        title="T",
        header=("a", "b", "c"),
        rows=(("x", 1), ("y",), ("Archived",), ("z", 2, 3)),
        attention_rows=frozenset({1}),
        section_rows=frozenset({2}),
    )
    workspace.spreadsheets.write_owned_tabs("book.xlsx", [write])

    sheet = load_workbook(tmp_path / "book.xlsx")["T"]

    assert [sheet.cell(3, c).fill.fgColor.rgb for c in (1, 2, 3)] == ["00FFF4CE"] * 3
    assert [sheet.cell(4, c).fill.fgColor.rgb for c in (1, 2, 3)] == ["00D9D9D9"] * 3
    assert sheet["A4"].font.b and sheet["A4"].font.i
    assert sheet["A2"].fill.fill_type is None and not sheet["A2"].font.b


def test_link_cell_shows_its_text_and_opens_its_url(workspace, tmp_path):
    write = TabWrite(
        key="k", title="T", header=("Folder",), rows=((Link("Ana's folder", "https://drive/x"),),)
    )
    workspace.spreadsheets.write_owned_tabs("book.xlsx", [write])

    cell = load_workbook(tmp_path / "book.xlsx")["T"]["A2"]

    assert cell.value == "Ana's folder"
    assert cell.hyperlink.target == "https://drive/x"
    assert cell.font.u == "single" and cell.font.color.rgb == "000563C1"


def test_column_formats_become_number_formats(workspace, tmp_path):
    workspace.spreadsheets.write_owned_tabs("book.xlsx", [progress()])

    sheet = load_workbook(tmp_path / "book.xlsx")["Progress"]

    assert [cell.number_format for cell in sheet[2]] == [
        "@",
        "0",
        "0%",
        "0.0",
        "yyyy-mm-dd",
        "yyyy-mm-dd hh:mm",
        "@",
    ]
    # Cells typed later under the rows get the column's format too.
    assert sheet.column_dimensions["A"].number_format == "@"


def test_column_widths_follow_the_longest_text_within_limits(workspace, tmp_path):
    write = TabWrite(
        key="k", title="T", header=("ID", "Flags", "Student"), rows=(("S1", "x" * 200, "Ana Lima"),)
    )
    workspace.spreadsheets.write_owned_tabs("book.xlsx", [write])

    dimensions = load_workbook(tmp_path / "book.xlsx")["T"].column_dimensions

    assert [dimensions[c].width for c in "ABC"] == [8, 60, 10]


def test_formula_like_text_is_stored_as_text_in_the_file(workspace, tmp_path):
    texts = ['=IMPORTXML("http://x","//a")', "+1", "-1", "@SUM(A1)", "#N/A", "00123"]
    write = TabWrite(key="k", title="T", header=("v",), rows=tuple((t,) for t in texts))
    workspace.spreadsheets.write_owned_tabs("book.xlsx", [write])

    sheet = load_workbook(tmp_path / "book.xlsx")["T"]

    assert [sheet.cell(row, 1).value for row in range(2, 8)] == texts
    assert {sheet.cell(row, 1).data_type for row in range(2, 8)} == {"s"}
    assert "<f>" not in sheet_xml(tmp_path / "book.xlsx", "T")
    # Marked as typed with an apostrophe, so editing the cell in Excel keeps it text.
    assert sheet["A2"].quotePrefix and sheet["A3"].quotePrefix


def test_characters_xml_cannot_hold_are_replaced_not_fatal(workspace, tmp_path):
    write = TabWrite(
        key="k", title="T", header=("v\x00",), rows=(("bell\x07 tab\t ok", Link("a\x1b", "u\x01")),)
    )
    workspace.spreadsheets.write_owned_tabs("book.xlsx", [write])

    grid = workspace.spreadsheets.read_state("book.xlsx").owned["k"].grid

    assert grid == [["v\ufffd"], ["bell\ufffd tab\t ok", Link("a\ufffd", "u\ufffd")]]


def test_not_a_number_is_written_as_an_empty_cell(workspace, tmp_path):
    write = TabWrite(key="k", title="T", header=("a", "b"), rows=((float("nan"), 1),))
    workspace.spreadsheets.write_owned_tabs("book.xlsx", [write])

    assert workspace.spreadsheets.read_state("book.xlsx").owned["k"].grid == [["a", "b"], [None, 1]]


text_cells = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff").filter(
        lambda ch: ch in "\t\n\r" or ord(ch) >= 0x20
    ),
    min_size=1,
)
cells: st.SearchStrategy[CellValue] = st.one_of(
    st.none(),
    text_cells,
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1)).map(lambda moment: moment.replace(microsecond=0)),
    st.times().map(lambda moment: moment.replace(microsecond=0)),
    st.builds(Link, text_cells, st.text(min_size=1, alphabet="abc:/.?=&%")),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(cells, max_size=5), max_size=4))
def test_any_values_read_back_as_written(workspace, rows):
    write = TabWrite(key="k", title="T", header=("a", "b", "c"), rows=tuple(map(tuple, rows)))

    workspace.spreadsheets.write_owned_tabs("property.xlsx", [write])

    # Like Sheets, the file keeps no trailing empty rows, which TabWrite.grid() still lists.
    expected = trim_grid(write.grid())
    assert workspace.spreadsheets.read_state("property.xlsx").owned["k"].grid == expected


# --- Refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("lock", [".~lock.book.xlsx#", "~$book.xlsx"])
def test_a_file_open_in_another_program_is_read_as_a_source_but_not_written(
    workspace, tmp_path, lock, write_xlsx
):
    path = tmp_path / "book.xlsx"
    write_xlsx(path, {"Grades": [["a"]]})
    before = path.read_bytes()
    (tmp_path / lock).write_text("someone,host", encoding="utf-8")

    expected = f"book.xlsx is open in another program \\({re.escape(lock)} exists\\); close it"
    assert workspace.spreadsheets.read_tabs("book.xlsx", ["Grades"]) == {"Grades": [["a"]]}
    with pytest.raises(WorkspaceError, match=expected):
        workspace.spreadsheets.read_state("book.xlsx")
    with pytest.raises(WorkspaceError, match=expected):
        workspace.spreadsheets.write_owned_tabs("book.xlsx", [progress()])
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "reference", ["../outside.xlsx", "sub/../../outside.xlsx", "/tmp/abs.xlsx", ""]
)
def test_references_outside_the_workspace_folder_are_refused(workspace, reference):
    with pytest.raises(WorkspaceError, match="not a path inside the workspace folder"):
        workspace.spreadsheets.write_owned_tabs(reference, [progress()])
    with pytest.raises(WorkspaceError, match=re.escape(repr(reference))):
        workspace.spreadsheets.read_state(reference)


def test_a_reference_that_comes_back_inside_the_folder_is_allowed(workspace, tmp_path, write_xlsx):
    write_xlsx(tmp_path / "roster.xlsx", {"Roster": [["a"]]})

    assert workspace.spreadsheets.list_tabs("gradebooks/../roster.xlsx") == ["Roster"]


@pytest.mark.parametrize("reference", ["old.xls", "book.ods", "notes.txt"])
def test_files_other_than_xlsx_and_csv_are_refused(workspace, reference):
    with pytest.raises(WorkspaceError, match=re.escape("not an .xlsx, .xlsm or .csv file")):
        workspace.spreadsheets.read_tabs(reference, ["Sheet1"])


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04broken"])
def test_a_damaged_file_is_reported_as_unreadable(workspace, tmp_path, content):
    path = tmp_path / "book.xlsx"
    path.write_bytes(content)

    for attempt in (
        lambda: workspace.spreadsheets.read_tabs("book.xlsx", ["Grades"]),
        lambda: workspace.spreadsheets.list_tabs("book.xlsx"),
        lambda: workspace.spreadsheets.read_state("book.xlsx"),
        lambda: workspace.spreadsheets.write_owned_tabs("book.xlsx", [progress()]),
    ):
        with pytest.raises(
            WorkspaceError, match=re.escape("book.xlsx is not a readable .xlsx file")
        ):
            attempt()
    assert path.read_bytes() == content


@pytest.mark.parametrize(
    "title", ["", "x" * 32, "a/b", "what?", "[x]", "'quoted'", "History", "tab\x01"]
)
def test_titles_an_xlsx_file_cannot_hold_are_refused(workspace, tmp_path, title):
    write = TabWrite(key="k", title=title, header=("a",), rows=())

    with pytest.raises(WorkspaceError, match="cannot be a tab title"):
        workspace.spreadsheets.write_owned_tabs("book.xlsx", [write])

    assert not (tmp_path / "book.xlsx").exists()


def test_a_title_differing_only_in_case_from_a_source_tab_is_refused(
    workspace, tmp_path, write_xlsx
):
    write_xlsx(tmp_path / "book.xlsx", {"progress": [["typed"]]})

    with pytest.raises(WorkspaceError, match="already has a tab 'progress'"):
        workspace.spreadsheets.write_owned_tabs("book.xlsx", [progress()])


def test_the_same_key_twice_in_one_write_is_refused(workspace):
    with pytest.raises(WorkspaceError, match="written twice"):
        workspace.spreadsheets.write_owned_tabs("book.xlsx", [progress(), progress()])


# --- Atomic replacement ----------------------------------------------------------------------


def test_a_failed_save_leaves_the_original_file_and_no_temporary_file(
    workspace, tmp_path, monkeypatch, write_xlsx
):
    path = tmp_path / "book.xlsx"
    write_xlsx(path, {"Grades": [["a", 1]]})
    workspace.spreadsheets.write_owned_tabs("book.xlsx", [progress()])
    before = path.read_bytes()

    def disk_full(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(local.os, "fsync", disk_full)
    with pytest.raises(
        WorkspaceError, match=re.escape("book.xlsx could not be written (No space left")
    ):
        workspace.spreadsheets.write_owned_tabs("book.xlsx", [progress(rows=9)])

    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_a_file_that_cannot_be_replaced_is_reported_with_what_to_do(
    workspace, tmp_path, monkeypatch, write_xlsx
):
    path = tmp_path / "book.xlsx"
    write_xlsx(path, {"Grades": [["a", 1]]})
    before = path.read_bytes()

    def locked(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(local.os, "replace", locked)
    with pytest.raises(WorkspaceError, match=r"permission denied.*close it if it is open"):
        workspace.spreadsheets.write_owned_tabs("book.xlsx", [progress()])

    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_a_new_spreadsheet_is_created_with_its_folders_and_no_empty_sheet(workspace, tmp_path):
    workspace.spreadsheets.write_owned_tabs("progress/okafor-progress.xlsx", [progress()])

    workbook = load_workbook(tmp_path / "progress" / "okafor-progress.xlsx")

    assert workbook.sheetnames == ["Progress"]


def test_describe_gives_the_reference_as_written(workspace):
    assert workspace.describe("gradebooks/okafor.xlsx") == "gradebooks/okafor.xlsx"


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_rewriting_keeps_the_files_permissions(workspace, tmp_path, write_xlsx):
    path = tmp_path / "book.xlsx"
    write_xlsx(path, {"Grades": [["a"]]})
    path.chmod(0o640)

    workspace.spreadsheets.write_owned_tabs("book.xlsx", [progress()])

    assert path.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    ("target", "source", "expected"),
    [
        ("gradebooks/okafor.xlsx", "coordinator.xlsx", "gradebooks/okafor.xlsx#'Grades'!L18"),
        ("roster.xlsx", "progress/banda.xlsx", "../roster.xlsx#'Grades'!L18"),
        ("coordinator.xlsx", "coordinator.xlsx", "#'Grades'!L18"),
        # a calendar app follows no relative link: the event names the file and tab
        ("gradebooks/Room #4.xlsx", "check-ins.ics", "gradebooks/Room #4.xlsx › Grades"),
    ],
)
def test_links_to_cells_are_relative_to_the_spreadsheet_holding_them(target, source, expected):
    workspace = LocalWorkspace(Path("/nowhere"))
    assert workspace.link(target, "Grades", "L18", from_spreadsheet=source) == expected


def test_a_link_to_a_place_in_another_file_round_trips(workspace):
    url = "gradebooks/okafor.xlsx#'Grades'!L18"
    write = TabWrite(key="k", title="Issues", header=("Cell",), rows=((Link("L18", url),),))
    workspace.spreadsheets.write_owned_tabs("c.xlsx", [write])
    assert workspace.spreadsheets.read_state("c.xlsx").owned["k"].grid == write.grid()


@pytest.mark.parametrize("rows", [50, 400])
def test_writing_a_tab_of_long_sentences_asks_openpyxl_its_width_once(workspace, monkeypatch, rows):
    # openpyxl works max_column out over every cell each time: asked per row, a Data issues
    # tab of 5,000 wrapped sentences took minutes (time in the square of its rows).
    from openpyxl.worksheet.worksheet import Worksheet

    asked = []
    max_column = Worksheet.max_column

    def counted(sheet):
        asked.append(1)
        return max_column.fget(sheet)

    monkeypatch.setattr(Worksheet, "max_column", property(counted))
    sentence = "this session has no usable date, so it was skipped; " * 3
    tab = TabWrite(
        key="k",
        title="Data issues",
        header=("Where", "Problem"),
        rows=tuple((f"A{i}", sentence) for i in range(rows)),
    )
    workspace.spreadsheets.write_owned_tabs("coordinator.xlsx", [tab])
    assert len(asked) <= 3  # not one per row


def test_a_utf8_csv_with_one_stray_byte_keeps_its_accents(workspace, tmp_path):
    text = "Name,Note\r\nZoë Ávila,José's note\r\nAda,bad \xff byte\r\n"
    raw = text.encode("utf-8").replace("\xff".encode(), b"\xff")
    (tmp_path / "roster.csv").write_bytes(raw)

    grid = workspace.spreadsheets.read_tabs("roster.csv", ["roster"])["roster"]

    assert grid[1] == ["Zoë Ávila", "José's note"]  # not mojibake
    assert grid[2] == ["Ada", "bad \ufffd byte"]  # the one byte that is not UTF-8


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_csv_reads_whole(workspace, tmp_path, encoding):
    # Excel's "Unicode text" is UTF-16 with a byte order mark, separated by tabs.
    rows = "Student ID\tStudent\tScore\r\n00123\tZoë\t17\r\n00124\tKim\t18\r\n"
    (tmp_path / "grades.csv").write_bytes(rows.encode(encoding))

    grid = workspace.spreadsheets.read_tabs("grades.csv", ["grades"])["grades"]

    assert grid == [
        ["Student ID", "Student", "Score"],
        ["00123", "Zoë", "17"],
        ["00124", "Kim", "18"],
    ]


def test_a_stray_cell_far_right_of_every_row_is_not_read_as_16384_columns(workspace, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Roster"
    sheet.append(["Student ID", "Name"])
    for number in range(2000):
        sheet.append([f"{number:05d}", "Ada"])
        sheet.cell(row=number + 2, column=16384, value="x")  # column XFD
    book.save(tmp_path / "roster.xlsx")

    grid = workspace.spreadsheets.read_tabs("roster.xlsx", ["Roster"])["Roster"]

    assert len(grid) == 2001 and max(len(row) for row in grid) == 2


def test_a_source_past_the_cell_limit_is_refused_naming_it(workspace, tmp_path, monkeypatch):
    monkeypatch.setattr(local, "MAX_SOURCE_CELLS", 1000)
    book = Workbook()
    sheet = book.active
    sheet.title = "Log"
    for number in range(600):
        sheet.append([f"{number:05d}", "Ada", 45])
    book.save(tmp_path / "log.xlsx")

    with pytest.raises(WorkspaceError) as raised:
        workspace.spreadsheets.read_tabs("log.xlsx", ["Log"])
    assert "log.xlsx › Log holds more than 1,000 cells" in str(raised.value)


def test_rows_of_spaces_above_the_header_do_not_narrow_what_is_read(workspace, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Log"
    for title in range(9):
        sheet.append([f"Title line {title}"])
    sheet.append([" "])  # blank to the parsers, who look past it for the header
    sheet.append(["Date", "Tutor", "Student ID", "Minutes", "Attendance"])
    sheet.append(["2026-11-02", "t@school.example", "00123", 45, "Present"])
    book.save(tmp_path / "log.xlsx")

    grid = workspace.spreadsheets.read_tabs("log.xlsx", ["Log"])["Log"]

    assert grid[-2] == ["Date", "Tutor", "Student ID", "Minutes", "Attendance"]


def test_a_full_temporary_folder_does_not_stop_a_write(workspace, tmp_path, monkeypatch):
    """openpyxl passes each tab through a file in the temporary folder; tutorsync keeps its
    tabs in memory, so a full /tmp (a full disk, a small tmpfs) is no traceback."""
    import tempfile

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", full)
    import openpyxl.worksheet._writer as openpyxl_writer

    monkeypatch.setattr(openpyxl_writer, "NamedTemporaryFile", full)

    workspace.spreadsheets.write_owned_tabs("book.xlsx", [progress()])

    assert load_workbook(tmp_path / "book.xlsx")["Progress"]["A2"].value == "S0"


# --- Cells written as text ---------------------------------------------------------------------


_KINDS_OF_CELL: list[CellValue] = [
    "plain",
    " padded ",
    "   ",
    "a & b < c > d \"quoted\" 'single'",
    "=SUM(A1:A2)",
    "line\nbreak",
    "é€😀",
    1,
    -3,
    10**17,
    0.1 + 0.2,
    1e-9,
    float("nan"),
    True,
    False,
    date(2026, 1, 2),
    datetime(2026, 3, 4, 5, 6, 7),
    time(8, 9),
    Link("the folder", "folders/Doe, Jane (00123)#'Tab'!B2"),
    None,
]


@pytest.mark.parametrize("epoch_1904", [False, True])
def test_planned_cells_are_written_as_openpyxl_writes_its_own_cells(epoch_1904: bool) -> None:
    """A tab's cells are planned as text (xlsx_rows.py), not made as openpyxl cells: the
    worksheet written is the one openpyxl writes for the same values and formatting, and
    each cell's style is the same font, fill, alignment, number format and quote prefix."""
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="EEEEEE")
    carried = CellStyle(bold=True, italic=True, color="FF0000", background="00FF00")

    def workbook() -> Any:
        book = Workbook()
        if epoch_1904:
            book.epoch = CALENDAR_MAC_1904
        book.active.row_dimensions[3].height = 30
        return book

    # openpyxl's own cells, as tutorsync made them before it planned them.
    by_openpyxl = workbook()
    tab = by_openpyxl.active
    for row, value in enumerate(_KINDS_OF_CELL, 1):
        local.put_value(tab.cell(row=row, column=1), value, None)
        styled = tab.cell(row=row, column=2)
        local.put_value(styled, value, ColumnFormat.DECIMAL)
        styled.font, styled.fill = bold, fill
    tab.cell(row=2, column=4).comment = Comment("a note", "")
    tab.cell(row=3, column=2).alignment = Alignment(vertical="top")
    _carry_by_openpyxl(tab.cell(row=1, column=2), carried)
    _carry_by_openpyxl(tab.cell(row=1, column=5), carried)

    planned_book = workbook()
    cells = TabCells(planned_book.active)
    for row, value in enumerate(_KINDS_OF_CELL, 1):
        plain = cells.cell(row, 1)
        cells.give(plain, number_format=local._planned(cells, plain, (row, 1), value, None))
        styled = cells.cell(row, 2)
        number_format = local._planned(cells, styled, (row, 2), value, ColumnFormat.DECIMAL)
        cells.give(styled, number_format=number_format)
        cells.give(styled, font=bold, fill=fill)
    cells.cell(2, 4).comment = Comment("a note", "")
    cells.give(cells.cell(3, 2), alignment=Alignment(vertical="top"))
    cells.carry_format(cells.cell(1, 2), carried)
    cells.carry_format(cells.cell(1, 5), carried)

    written = []
    for book, writer in (
        (by_openpyxl, WorksheetWriter(tab, out=io.BytesIO())),
        (planned_book, RowsWriter(planned_book.active, cells, out=io.BytesIO())),
    ):
        writer.write()
        sheet = book.active
        written.append((writer.read(), len(sheet._hyperlinks), len(sheet._comments)))
    assert written[1] == written[0]
    assert _cell_styles(planned_book) == _cell_styles(by_openpyxl)


def _carry_by_openpyxl(cell: Any, style: CellStyle) -> None:
    """Carried formatting as tutorsync gave it to openpyxl's cells."""
    font = copy.copy(cell.font)
    font.b, font.i, font.strike = style.bold, style.italic, style.strikethrough
    font.color = "FF" + str(style.color)
    cell.font = font
    cell.fill = PatternFill("solid", fgColor="FF" + str(style.background))


def _cell_styles(book: Any) -> list[tuple[Any, ...]]:
    """Each style number's formatting, whatever number its number format has."""

    def number_format(number: int) -> str:
        if number < BUILTIN_FORMATS_MAX_SIZE:
            return BUILTIN_FORMATS[number]
        return book._number_formats[number - BUILTIN_FORMATS_MAX_SIZE]

    return [
        (
            book._fonts[style.fontId],
            book._fills[style.fillId],
            book._alignments[style.alignmentId],
            number_format(style.numFmtId),
            style.quotePrefix,
        )
        for style in book._cell_styles
    ]
