"""Source values read by calamine are typed exactly as openpyxl types them (the reading the
parsers, data issues and contract tests were written against), or the tab is read by openpyxl.

Each test reads a file both ways: `read_tabs` (calamine where it types alike) and openpyxl's
streaming reader, the reference."""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from jobs.demo import create_demo
from jobs.workspace.local import sheets as local
from jobs.workspace.local.workspace import LocalWorkspace
from jobs.workspace.local.xlsx_values import NotTypedAlike

TAB = "Log"


def by_openpyxl(path: Path, tab: str = TAB) -> list:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # of dates out of range, which read as "#VALUE!"
        workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return local._source_grid(workbook[tab], tab)
    finally:
        workbook.close()


def by_calamine_only(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make falling back to openpyxl fail the test; returns what fell back."""
    fell_back: list[str] = []
    real = local._Xlsx._grid_by_calamine

    def strict(self, tab):
        try:
            return real(self, tab)
        except NotTypedAlike as why:
            fell_back.append(f"{self.spreadsheet} › {tab.title}: {why}")
            raise

    monkeypatch.setattr(local._Xlsx, "_grid_by_calamine", strict)
    return fell_back


def typed(grid: list) -> list:
    """A grid with each value's type beside it: 3 == 3.0 and a date == a midnight would hide
    exactly the differences these tests look for."""
    return [[(type(value).__name__, value) for value in row] for row in grid]


def save(path: Path, rows: list[list], formats: dict[tuple[int, int], str], *, mac: bool) -> None:
    workbook = Workbook()
    if mac:
        workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    sheet.title = TAB
    for row_number, row in enumerate(rows, 1):
        for column, value in enumerate(row, 1):
            cell = sheet.cell(row=row_number, column=column, value=value)
            if (row_number - 1, column - 1) in formats:
                cell.number_format = formats[row_number - 1, column - 1]
    workbook.save(path)


NUMBER_FORMATS = [
    "General", "0", "0.00", "0%", "@", "#,##0", '"Score: "0', "[Red]0", "yyyy-mm-dd",
    "yyyy-mm-dd h:mm:ss", "m/d/yyyy h:mm", "hh:mm", "h:mm AM/PM", "mm:ss", "d-mmm", "ddd",
    "[h]:mm", "[mm]:ss", "[h]:mm:ss", "dd/mm/yyyy;@", "[$-409]mmmm d, yyyy", "0.0E+00",
    '0 "min"', "mmm-yy",
]  # fmt: skip
numbers = st.one_of(
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300),
    st.sampled_from([0, 1, 59, 60, 61, 45000, 45000.5, 0.25, 1.5, -1, 3_000_000, 2**53 + 1]),
)
cells = st.one_of(
    st.none(),
    numbers,
    st.booleans(),
    st.text(alphabet="ab 1.-/:\n", max_size=6),
    st.sampled_from(["#DIV/0!", "#N/A", "=see last week", "00123", "45 min", "1:15"]),
    st.dates(min_value=date(1904, 1, 2), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1904, 1, 2), max_value=datetime(2100, 1, 1)).map(
        lambda moment: moment.replace(microsecond=0)
    ),
    st.times().map(lambda moment: moment.replace(microsecond=0)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)).map(
        lambda span: timedelta(seconds=round(span.total_seconds()))
    ),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(st.lists(cells, max_size=6), max_size=8),
    chosen=st.dictionaries(
        st.tuples(st.integers(0, 7), st.integers(0, 5)), st.sampled_from(NUMBER_FORMATS)
    ),
    mac=st.booleans(),
)
def test_any_typed_cell_reads_as_openpyxl_reads_it(tmp_path, rows, chosen, mac):
    path = tmp_path / "log.xlsx"
    save(path, rows, chosen, mac=mac)

    grid = LocalWorkspace(tmp_path).spreadsheets.read_tabs("log.xlsx", [TAB])[TAB]

    assert typed(grid) == typed(by_openpyxl(path))


def test_the_demo_programs_sources_read_by_calamine_as_openpyxl_reads_them(tmp_path, monkeypatch):
    settings_path = create_demo(tmp_path, today=date(2026, 11, 23), students=60)
    fell_back = by_calamine_only(monkeypatch)
    workspace = LocalWorkspace(settings_path.parent)

    for name in ("roster.xlsx", "tutor_log.xlsx", "gradebooks/okafor.xlsx"):
        tabs = workspace.spreadsheets.list_tabs(name)
        grids = workspace.spreadsheets.read_tabs(name, tabs)
        for tab in tabs:
            assert typed(grids[tab]) == typed(by_openpyxl(tmp_path / name, tab)), (name, tab)
    assert fell_back == []


# Cells as Excel, LibreOffice or Google Sheets save them, which openpyxl does not write.
@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('<c r="B1" t="e"><f>1/0</f><v>#DIV/0!</v></c>', "#DIV/0!"),
        ('<c r="B1" s="0" t="e"><v>#N/A</v></c>', "#N/A"),
        ('<c r="B1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>', "ab"),
        ('<c r="B1" t="b"><f>1=1</f><v>1</v></c>', True),
        ('<c r="B1"><f>2*3</f><v>6</v></c>', 6),
        ('<c r="B1"><v>3.0</v></c>', 3.0),
        ('<c r="B1"><v>1.5E+3</v></c>', 1500.0),
        ('<c r="B1"><v>4.9999999999999996E-2</v></c>', 0.049999999999999996),
        ('<c r="B1"><v>12345678901234567</v></c>', 12345678901234567),
        ('<c r="B1"><v>-0</v></c>', 0),
        ('<c r="B1" t="inlineStr"><is><t xml:space="preserve"> padded </t></is></c>', " padded "),
    ],
)
def test_cells_other_programs_write_read_as_openpyxl_reads_them(
    tmp_path, monkeypatch, cell, expected
):
    path = tmp_path / "log.xlsx"
    with_cells(path, cell)
    fell_back = by_calamine_only(monkeypatch)

    grid = LocalWorkspace(tmp_path).spreadsheets.read_tabs("log.xlsx", [TAB])[TAB]

    assert typed(grid) == typed(by_openpyxl(path)) == typed([["x", expected]])
    assert fell_back == []


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="B1" t="inlineStr"><is><t> trimmed by calamine </t></is></c>',
        '<c r="B1" t="inlineStr"><is><t>line_x000D_break</t></is></c>',
        '<c r="B1" t="d"><v>2026-11-02T00:00:00</v></c>',
        '<c t="n"><v>7</v></c>',  # no reference: its place is where it stands
        '<c r="B1" t="n" s="0"><v>7</v></c>',  # style after type
    ],
)
def test_cells_calamine_reads_otherwise_are_read_by_openpyxl(tmp_path, monkeypatch, cell):
    path = tmp_path / "log.xlsx"
    with_cells(path, cell)
    fell_back = by_calamine_only(monkeypatch)

    grid = LocalWorkspace(tmp_path).spreadsheets.read_tabs("log.xlsx", [TAB])[TAB]

    assert typed(grid) == typed(by_openpyxl(path))
    assert len(fell_back) == 1


def test_a_midnight_shown_with_its_time_stays_a_datetime_and_a_date_a_date(tmp_path, monkeypatch):
    # calamine gives both as a date; openpyxl, by the cell's format, does not.
    rows = [[datetime(2026, 9, 2), datetime(2026, 9, 2), datetime(2026, 9, 2, 0, 0)]]
    save(tmp_path / "log.xlsx", rows, {(0, 1): "yyyy-mm-dd", (0, 2): "hh:mm"}, mac=False)
    fell_back = by_calamine_only(monkeypatch)

    grid = LocalWorkspace(tmp_path).spreadsheets.read_tabs("log.xlsx", [TAB])[TAB]

    assert typed(grid) == typed([[datetime(2026, 9, 2), date(2026, 9, 2), datetime(2026, 9, 2)]])
    assert fell_back == []


def test_a_stray_cell_far_down_and_right_is_streamed_by_openpyxl(tmp_path, monkeypatch):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TAB
    sheet.append(["Student ID", "Minutes"])
    sheet.append(["00123", 45])
    sheet.cell(row=20_000, column=16_000, value="x")
    workbook.save(tmp_path / "log.xlsx")
    fell_back = by_calamine_only(monkeypatch)

    grid = LocalWorkspace(tmp_path).spreadsheets.read_tabs("log.xlsx", [TAB])[TAB]

    assert grid == [["Student ID", "Minutes"], ["00123", 45]]
    assert len(fell_back) == 1  # calamine's dense grid of it would be 10 GB


def with_cells(path: Path, cell: str) -> None:
    """A one-row tab: "x" in A1, then `cell` (its XML as a program saved it)."""
    workbook = Workbook()
    workbook.active.title = TAB
    workbook.active["A1"] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    part = "xl/worksheets/sheet1.xml"
    xml = parts[part].decode()
    a1 = re.search(r'<c r="A1"[^>]*>.*?</c>', xml)
    assert a1 is not None
    parts[part] = (xml[: a1.end()] + cell + xml[a1.end() :]).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
