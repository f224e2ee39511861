"""tutorsync's own tabs read from their XML are read exactly as openpyxl's full reader reads
them (the reading the planner, the notes carried across runs and the contract tests were
written against), or are read by openpyxl itself.

Each test reads a file both ways: `read_state` (from the XML where it reads alike) and
openpyxl's full reader, the reference."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xlsx_packages import MAIN, Flavour, excel_package

from jobs.workspace.local import sheets as local
from jobs.workspace.local.package import read_package
from jobs.workspace.local.xlsx_owned import NotReadAlike
from sheets_schema.cells import (
    CellComment,
    CellFormat,
    CellStyle,
    ColumnFormat,
    Highlight,
    Link,
    Sparkline,
    SpreadsheetState,
    TabWrite,
    Tone,
)

F = ColumnFormat
KEY = "tutorsync:test:progress"
LIBREOFFICE = Path(__file__).parent / "fixtures" / "libreoffice_gradebook.xlsx"


def progress() -> TabWrite:
    """A tab with every kind of value, link, comment and format tutorsync writes."""
    return TabWrite(
        key=KEY,
        title="Progress",
        header=("Student ID", "Sessions", "Attendance", "Grade", "Last", "Run at", "At", "Notes"),
        rows=(
            ("00123", 3, 0.5, 81.25, date(2026, 11, 2), datetime(2026, 11, 2, 8, 15), time(9)),
            ("S2", 0, 1.0, 0.1 + 0.2, date(2026, 1, 1), datetime(2026, 1, 1), None, "x" * 80),
            ("Section", None, None, None, None, None, None, "=not a formula"),
            ("S3", True, False, Sparkline((10, 60, 95)), Link("Folder", "../folders/S3#'Tab'!A1")),
            ("S4", 12345678901234567, -2.5e-7, None, None, None, None, "line one\nline two"),
        ),
        column_formats=(F.TEXT, F.INTEGER, F.PERCENT, F.DECIMAL, F.DATE, F.DATETIME, F.TEXT),
        attention_rows=frozenset({1}),
        section_rows=frozenset({2}),
        highlights=(
            Highlight(3, "below", Tone.ATTENTION, 70),
            Highlight(7, "not_blank", Tone.GOOD),
        ),
        comments=(CellComment(0, 7, "Header note"), CellComment(2, 1, "Call home\nFriday")),
        formats=(
            CellFormat(1, 0, CellStyle(bold=True, strikethrough=True, color="C00000")),
            CellFormat(4, 7, CellStyle(italic=True, background="C6EFCE")),
        ),
    )


@pytest.fixture
def written(tmp_path: Path) -> Path:
    spreadsheets = local.LocalSpreadsheets(tmp_path)
    spreadsheets.write_owned_tabs("progress.xlsx", [progress()])
    return tmp_path / "progress.xlsx"


def by_openpyxl(path: Path, monkeypatch: pytest.MonkeyPatch) -> SpreadsheetState:
    def refuse(*args: object) -> None:
        raise NotReadAlike("the reference reading")

    with monkeypatch.context() as patched:
        patched.setattr(local, "read_owned_cells", refuse)
        return local.LocalSpreadsheets(path.parent).read_state(path.name)


def from_xml(path: Path, monkeypatch: pytest.MonkeyPatch) -> SpreadsheetState:
    """`read_state`, failing the test if it would read by openpyxl."""

    def fail(self: object, titles: object) -> None:
        raise AssertionError(f"{path.name} was read by openpyxl")

    with monkeypatch.context() as patched:
        patched.setattr(local._Xlsx, "_owned_sheets", fail)
        return local.LocalSpreadsheets(path.parent).read_state(path.name)


def typed(state: SpreadsheetState) -> list:
    """Each owned cell with its type beside it: 3 == 3.0 and a date == a midnight would hide
    exactly the differences these tests look for."""
    return [
        (key, [[(type(value).__name__, value) for value in row] for row in tab.grid])
        for key, tab in sorted(state.owned.items())
    ]


def assert_alike(path: Path, monkeypatch: pytest.MonkeyPatch, *, xml: bool = True) -> None:
    """The file reads the same both ways; from its XML unless `xml` is False."""
    reference = by_openpyxl(path, monkeypatch)
    if xml:
        read = from_xml(path, monkeypatch)
    else:
        read = local.LocalSpreadsheets(path.parent).read_state(path.name)
    assert read == reference
    assert typed(read) == typed(reference)


def edit_parts(path: Path, edits: dict[str, Callable[[str], str]]) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    for name, edit in edits.items():
        parts[name] = edit(parts.get(name, b"").decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def owned_part(path: Path, title: str = "Progress") -> str:
    return next(tab.part for tab in read_package(path.read_bytes()).tabs if tab.title == title)


def with_cells(path: Path, cells: str, links: str = "") -> None:
    """Add a row of cells (and hyperlinks) to the owned tab, as another program would."""

    def edit(xml: str) -> str:
        xml = xml.replace("</sheetData>", f'<row r="40">{cells}</row></sheetData>')
        if links:
            if "<hyperlinks>" in xml:
                return xml.replace("</hyperlinks>", f"{links}</hyperlinks>")
            return xml.replace("</sheetData>", f"</sheetData><hyperlinks>{links}</hyperlinks>")
        return xml

    edit_parts(path, {owned_part(path): edit})


_INLINE = re.compile(r'<c ([^>]*?)t="inlineStr"><is><t(?: xml:space="preserve")?>([^<]*)</t></is>')


def with_shared_strings(path: Path) -> int:
    """The owned tab's text moved into a shared string table, as Excel saves it; the number of
    strings in it."""
    strings: list[str] = []

    def shared(found: re.Match[str]) -> str:
        strings.append(found[2])
        return f'<c {found[1]}t="s"><v>{len(strings) - 1}</v>'

    def content_types(xml: str) -> str:
        override = (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
        return xml.replace("</Types>", f"{override}</Types>")

    def relationships(xml: str) -> str:
        kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
        return xml.replace(
            "</Relationships>",
            f'<Relationship Id="rIdStrings" Type="{kind}" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )

    part = owned_part(path)
    edit_parts(path, {part: lambda xml: _INLINE.sub(shared, xml)})
    table = "".join(f'<si><t xml:space="preserve">{text}</t></si>' for text in strings)
    edit_parts(
        path,
        {
            "xl/sharedStrings.xml": lambda _: f'<sst xmlns="{MAIN}">{table}</sst>',
            "[Content_Types].xml": content_types,
            "xl/_rels/workbook.xml.rels": relationships,
        },
    )
    return len(strings)


def style_of(path: Path, reference: str) -> str:
    """The style index of a cell of the owned tab."""
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(owned_part(path)).decode()
    return re.search(rf'<c r="{reference}" s="(\d+)"', xml)[1]  # type: ignore[index]


# --- Tabs as tutorsync writes them -------------------------------------------------------------


def test_a_tab_tutorsync_wrote_reads_alike_from_its_xml(written, monkeypatch):
    assert_alike(written, monkeypatch)
    tab = from_xml(written, monkeypatch).owned[KEY]
    assert tab.grid[4][4] == Link("Folder", "../folders/S3#'Tab'!A1")
    assert tab.comments == progress().comments


def test_a_tab_saved_with_a_shared_string_table_reads_alike(written, monkeypatch):
    """As Excel saves it: text in the shared string table, not in the cells."""
    assert with_shared_strings(written) > 10

    assert_alike(written, monkeypatch)


@given(
    st.lists(
        st.one_of(
            st.text(max_size=12),
            st.integers(min_value=-(2**62), max_value=2**62),
            st.floats(allow_nan=False, allow_infinity=False),
            st.booleans(),
            st.dates(min_value=date(1901, 1, 1)),
            st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(9999, 1, 1)),
            st.none(),
        ),
        min_size=1,
        max_size=8,
    )
)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_values_tutorsync_writes_read_alike(tmp_path, monkeypatch, values):
    path = tmp_path / "values.xlsx"
    path.unlink(missing_ok=True)
    write = TabWrite(key=KEY, title="T", header=("A",), rows=(tuple(values),))
    local.LocalSpreadsheets(tmp_path).write_owned_tabs(path.name, [write])

    assert_alike(path, monkeypatch)


# --- Cells as other programs write them --------------------------------------------------------

DATE = "{date}"  # the style of a date cell tutorsync wrote, filled in by the test
RICH = "<is><r><t>rich </t></r><r><rPr><b/></rPr><t>text</t></r></is>"
SPACED = '<is><t xml:space="preserve"> spaced _x000D_ </t></is>'
CELLS = {
    "rich-text": f'<c r="B40" t="inlineStr">{RICH}</c>',
    "empty-strings": '<c r="A40" t="inlineStr"><is><t/></is></c><c r="C40" t="inlineStr"><is/></c>'
    '<c r="D40" t="n"><v>1</v></c>',
    "bool-error-str": '<c r="A40" t="b"><v>1</v></c><c r="B40" t="e"><v>#DIV/0!</v></c>'
    '<c r="C40" t="str"><v>x</v></c>',
    "iso-date-float-text": '<c r="A40" t="d"><v>2026-11-02T08:15:00</v></c>'
    '<c r="B40" t="n"><v>3.0</v></c><c r="C40"><v>1E3</v></c>',
    "big-int-and-empty": '<c r="A40"><v>12345678901234567890</v></c><c r="B40"><v>-0.5</v></c>'
    '<c r="C40" t="n"><v/></c>',
    "dates": f'<c r="A40" s="{DATE}"><v>46328</v></c><c r="B40" s="{DATE}"><v>46328.75</v></c>'
    f'<c r="C40" s="{DATE}"><v>0.5</v></c>',
    "date-out-of-range": f'<c r="A40" s="{DATE}"><v>1e300</v></c>',
    "spaces-and-order": f'<c r="B40" t="inlineStr">{SPACED}</c><c r="A40"><v>2</v></c>',
}


@pytest.mark.parametrize("cells", CELLS.values(), ids=CELLS.keys())
def test_cells_as_other_programs_write_them_read_alike(written, monkeypatch, cells):
    with_cells(written, cells.replace(DATE, style_of(written, "E2")))

    assert_alike(written, monkeypatch)


def test_a_link_on_an_empty_cell_shows_its_target_as_openpyxl_reads_it(written, monkeypatch):
    links = '<hyperlink ref="A40" location="Sheet!A1"/><hyperlink ref="C40" location="Other!B2"/>'
    with_cells(written, '<c r="A40" t="inlineStr"><is><t>x</t></is></c>', links)

    assert_alike(written, monkeypatch)
    assert from_xml(written, monkeypatch).owned[KEY].grid[39] == [
        Link("x", "#Sheet!A1"),
        None,
        Link("Other!B2", "#Other!B2"),
    ]


def test_shared_strings_read_alike_rich_phonetic_and_escaped(written, monkeypatch):
    first = with_shared_strings(written)
    added = (
        "<si><t/></si><si><r><t>a</t></r><r><t>b</t></r></si>"
        '<si><t>x</t><rPh sb="0" eb="1"><t>guide</t></rPh></si><si><t>_x005F_x000D_</t></si>'
    )
    edit_parts(
        written, {"xl/sharedStrings.xml": lambda xml: xml.replace("</sst>", f"{added}</sst>")}
    )
    with_cells(
        written, "".join(f'<c r="{"ABCD"[i]}40" t="s"><v>{first + i}</v></c>' for i in range(4))
    )

    assert_alike(written, monkeypatch)


@pytest.mark.parametrize(
    "cells",
    [
        '<c r="A40"><f>1+1</f><v>2</v></c>',
        '<c r="a40"><v>2</v></c>',
        "<c><v>2</v></c>",
        '<c r="A40" s="9999"><v>2</v></c>',
        '<c r="A40" t="s"><v>0</v></c>',  # no shared string table
    ],
    ids=["formula", "lower-case-reference", "no-reference", "no-such-style", "no-such-string"],
)
def test_cells_openpyxl_reads_another_way_are_read_by_openpyxl(written, monkeypatch, cells):
    with_cells(written, cells)

    reference = None
    try:
        reference = by_openpyxl(written, monkeypatch)
    except Exception as error:  # the same failure either way
        with pytest.raises(type(error)):
            local.LocalSpreadsheets(written.parent).read_state(written.name)
        return
    assert local.LocalSpreadsheets(written.parent).read_state(written.name) == reference
    with pytest.raises(AssertionError, match="read by openpyxl"):
        from_xml(written, monkeypatch)


def test_merged_cells_are_read_by_openpyxl(written, monkeypatch):
    edit_parts(
        written,
        {
            owned_part(written): lambda xml: xml.replace(
                "</sheetData>",
                '</sheetData><mergeCells count="1"><mergeCell ref="A2:B2"/></mergeCells>',
            )
        },
    )

    assert_alike(written, monkeypatch, xml=False)
    with pytest.raises(AssertionError, match="read by openpyxl"):
        from_xml(written, monkeypatch)


# --- Teachers' files, a tab marked as tutorsync's ---------------------------------------------


def marked_owned(data: bytes, title: str) -> bytes:
    """The file with its tab `title` marked as an owned tab, as if tutorsync had written it."""
    tabs = read_package(data).tabs
    index = next(tab.index for tab in tabs if tab.title == title)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    workbook = parts["xl/workbook.xml"].decode()
    prefix = re.search(r"<(\w+:)?workbook\b", workbook)[1] or ""  # type: ignore[index]
    name = (
        f'<{prefix}definedName name="tutorsync_owned_tab" localSheetId="{index}">'
        f'"{KEY}"</{prefix}definedName>'
    )
    if re.search(rf"<{prefix}definedNames\s*/>", workbook):
        workbook = re.sub(
            rf"<{prefix}definedNames\s*/>",
            f"<{prefix}definedNames>{name}</{prefix}definedNames>",
            workbook,
        )
    elif f"</{prefix}definedNames>" in workbook:
        workbook = workbook.replace(f"</{prefix}definedNames>", f"{name}</{prefix}definedNames>")
    else:
        workbook = workbook.replace(
            f"</{prefix}sheets>",
            f"</{prefix}sheets><{prefix}definedNames>{name}</{prefix}definedNames>",
        )
    parts["xl/workbook.xml"] = workbook.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, content in parts.items():
            archive.writestr(part, content)
    return out.getvalue()


TEACHERS = {
    "excel": lambda: excel_package(),
    "excel-1904": lambda: excel_package(Flavour(date1904=True)),
    "google": lambda: excel_package(Flavour(google=True)),
    "sdk-prefixed": lambda: excel_package(Flavour(prefixed=True)),
    "libreoffice": LIBREOFFICE.read_bytes,
}


@pytest.mark.parametrize("tab", ["Grades", "Lists"])
@pytest.mark.parametrize("teacher", sorted(TEACHERS))
def test_a_teachers_tab_marked_as_owned_reads_alike(tmp_path, monkeypatch, teacher, tab):
    path = tmp_path / "gradebook.xlsx"
    path.write_bytes(marked_owned(TEACHERS[teacher](), tab))

    assert_alike(path, monkeypatch, xml=tab == "Lists")  # the grades hold formulas
    assert local.LocalSpreadsheets(tmp_path).read_state(path.name).owned[KEY].title == tab
