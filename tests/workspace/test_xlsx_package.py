"""tutorsync's tab goes into a teacher's `.xlsx` file and everything else stays as it was.

The teacher's files are as Excel, Excel with macros or the 1904 date system, Google Sheets'
export, the Open XML SDK and LibreOffice write them, with charts, a text box, cross-sheet
dropdowns and sparklines (x14), a table, comments, a pivot table, a chartsheet, a hidden tab,
the shared string table and the calculation chain (see `xlsx_packages.py`). After each write
every part but the four a new tab needs an entry in is byte for byte what it was, and the
package holds together (`check_package`): the checks a spreadsheet program makes on opening.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from xlsx_packages import MAIN, PKG, REL, Flavour, draw_as_excel, excel_package

from jobs.workspace.local.sheets import OWNED_TAB_MARKER
from jobs.workspace.local.workspace import LocalWorkspace
from sheets_schema.cells import Chart, ColumnFormat, Link, TabWrite

FIXTURES = Path(__file__).parent / "fixtures"
FLAVOURS = {
    "excel": Flavour(),
    "excel-macros": Flavour(macros=True),
    "excel-1904": Flavour(date1904=True),
    "google-export": Flavour(google=True),
    "openxml-sdk": Flavour(prefixed=True),
    "libreoffice": None,
}
# The parts a new tab needs an entry in; an owned tab rewritten in place needs none of them.
ENTRIES = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
# LibreOffice's CSV filter options: commas, quotes, UTF-8, ..., -1 = each sheet to its own file.
EVERY_SHEET_AS_UTF8_CSV = "44,34,UTF8,1,,0,false,true,false,false,false,-1"
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"


def progress(rows: int = 2, *, note: str = "ok") -> TabWrite:
    return TabWrite(
        key="tutorsync:test:progress",
        title="Tutoring progress",
        header=("Student ID", "Sessions", "Attendance", "Last session", "Folder", "Notes"),
        rows=tuple(
            (f"S{i:03d}", i, 0.5, date(2026, 11, 2), Link("Folder", "https://example.org/f"), note)
            for i in range(rows)
        ),
        column_formats=(
            ColumnFormat.TEXT,
            ColumnFormat.INTEGER,
            ColumnFormat.PERCENT,
            ColumnFormat.DATE,
            ColumnFormat.TEXT,
            ColumnFormat.TEXT,
        ),
        attention_rows=frozenset({0}),
    )


@pytest.fixture(params=list(FLAVOURS), ids=list(FLAVOURS))
def teacher_file(request, tmp_path) -> tuple[LocalWorkspace, str, Path]:
    flavour = FLAVOURS[request.param]
    name = "gradebook.xlsm" if flavour and flavour.macros else "gradebook.xlsx"
    path = tmp_path / name
    if flavour is None:
        shutil.copy(FIXTURES / "libreoffice_gradebook.xlsx", path)
    else:
        path.write_bytes(excel_package(flavour))
    return LocalWorkspace(tmp_path), name, path


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_adding_tutorsyncs_tab_leaves_every_other_part_byte_for_byte(teacher_file):
    workspace, name, path = teacher_file
    before = parts_of(path)
    teacher_values = workspace.spreadsheets.read_tabs(name, ["Grades"])

    workspace.spreadsheets.write_owned_tabs(name, [progress()])

    after = parts_of(path)
    check_package(after)
    assert set(before) <= set(after)
    assert {part for part in before if before[part] != after[part]} <= ENTRIES
    state = workspace.spreadsheets.read_state(name)
    grid = state.owned["tutorsync:test:progress"].grid
    assert grid[1][:4] == ["S000", 0, 0.5, date(2026, 11, 2)]
    assert grid[1][4] == Link("Folder", "https://example.org/f")
    assert "Grades" in state.other_titles
    assert workspace.spreadsheets.read_tabs(name, ["Grades"]) == teacher_values


def test_rewriting_the_tab_changes_its_part_only_and_a_rerun_adds_no_styles(teacher_file):
    workspace, name, path = teacher_file
    original = parts_of(path)
    workspace.spreadsheets.write_owned_tabs(name, [progress(2)])
    first = parts_of(path)

    workspace.spreadsheets.write_owned_tabs(name, [progress(5, note="longer now")])
    second = parts_of(path)
    workspace.spreadsheets.write_owned_tabs(name, [progress(5, note="longer now")])
    third = parts_of(path)

    check_package(second)
    changed = {part for part in first if first[part] != second.get(part)}
    owned = owned_part(second)
    # The tab, its links, and its filter's range in workbook.xml: no style, no content type.
    assert changed <= {
        owned,
        owned.replace("worksheets/", "worksheets/_rels/") + ".rels",
        "xl/workbook.xml",
    }
    assert third == second
    assert all(second[part] == original[part] for part in original if part not in ENTRIES)
    grid = workspace.spreadsheets.read_state(name).owned["tutorsync:test:progress"].grid
    assert [row[0] for row in grid[1:]] == ["S000", "S001", "S002", "S003", "S004"]


def test_dates_in_a_1904_workbook_read_back_as_written(tmp_path):
    path = tmp_path / "gradebook.xlsx"
    path.write_bytes(excel_package(Flavour(date1904=True)))
    workspace = LocalWorkspace(tmp_path)
    teacher_values = workspace.spreadsheets.read_tabs("gradebook.xlsx", ["Grades"])

    workspace.spreadsheets.write_owned_tabs("gradebook.xlsx", [progress()])

    grid = workspace.spreadsheets.read_state("gradebook.xlsx").owned[progress().key].grid
    assert grid[1][3] == date(2026, 11, 2)
    assert workspace.spreadsheets.read_tabs("gradebook.xlsx", ["Grades"]) == teacher_values


def test_what_someone_added_to_tutorsyncs_tab_goes_and_nothing_points_at_it(tmp_path):
    path = tmp_path / "gradebook.xlsx"
    path.write_bytes(excel_package())
    workspace = LocalWorkspace(tmp_path)
    workspace.spreadsheets.write_owned_tabs("gradebook.xlsx", [progress()])
    parts = parts_of(path)
    owned = owned_part(parts)
    # A comment box and a formula added to tutorsync's tab in Excel.
    rels = re.sub(r"([^/]+)$", r"_rels/\1.rels", owned)
    parts[rels] = (
        f'<Relationships xmlns="{PKG}"><Relationship Id="rId9" Type="{REL}/comments" '
        'Target="../comments9.xml"/></Relationships>'
    ).encode()
    parts["xl/comments9.xml"] = f'<comments xmlns="{MAIN}"/>'.encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/comments9.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.comments+xml"/></Types>',
    )
    parts[owned] = parts[owned].replace(
        b"</sheetData>", b'<row r="90"><c r="A90"><f>1+1</f></c></row></sheetData>'
    )
    write_parts(path, parts)

    workspace.spreadsheets.write_owned_tabs("gradebook.xlsx", [progress()])

    after = parts_of(path)
    check_package(after)
    assert "xl/comments9.xml" not in after
    assert b"comments9" not in after["[Content_Types].xml"]
    # Its formula was in the calculation chain's care: the chain goes (Excel rebuilds it).
    assert "xl/calcChain.xml" not in after
    assert after["xl/comments1.xml"] == parts["xl/comments1.xml"]


SESSIONS = Chart("Sessions", 0, (1,), 2, anchor_row=0, anchor_column=8)


def someone_draws_on_tutorsyncs_tab(tmp_path: Path) -> tuple[Path, LocalWorkspace, dict]:
    """An Excel gradebook whose tutorsync tab has its chart and, beside it, one a teacher
    drew in Excel ("Mine"); returns the file, the workspace and its parts then."""
    path = tmp_path / "gradebook.xlsx"
    path.write_bytes(excel_package())
    workspace = LocalWorkspace(tmp_path)
    with_chart = dataclasses.replace(progress(), charts=(SESSIONS,))
    workspace.spreadsheets.write_owned_tabs("gradebook.xlsx", [with_chart])
    parts = parts_of(path)
    tab = "'Tutoring progress'"
    draw_as_excel(parts, owned_part(parts), "Mine", f"{tab}!$A$2:$A$3", f"{tab}!$B$2:$B$3", (5, 0))
    write_parts(path, parts)
    return path, workspace, parts


@pytest.mark.filterwarnings("ignore:.*extension is not supported")  # openpyxl, reading x14
@pytest.mark.parametrize("charts_after", [(SESSIONS,), ()], ids=["with-charts", "without"])
def test_a_chart_someone_drew_on_tutorsyncs_tab_stays_and_tutorsyncs_are_replaced(
    tmp_path, charts_after
):
    path, workspace, parts = someone_draws_on_tutorsyncs_tab(tmp_path)
    owned = owned_part(parts)

    for rows in (3, 4):
        write = dataclasses.replace(progress(rows), charts=charts_after)
        workspace.spreadsheets.write_owned_tabs("gradebook.xlsx", [write])

    after = parts_of(path)
    check_package(after)
    [drawing] = [t for t in targets(after, owned).values() if "/drawings/" in t]
    text = after[drawing].decode()
    assert text.count('name="Chart 1"') == 1  # theirs, under Excel's prefix
    assert text.count('name="tutorsync chart ') == len(charts_after)
    assert after["xl/charts/chart90.xml"] == parts["xl/charts/chart90.xml"]
    assert "xl/charts/chart90.xml" in targets(after, drawing).values()
    # The teacher's own charts, on their Grades tab and chartsheet, as they were.
    assert after["xl/charts/chart1.xml"] == parts["xl/charts/chart1.xml"]
    assert after["xl/drawings/drawing1.xml"] == parts["xl/drawings/drawing1.xml"]
    sheet = openpyxl.load_workbook(path)["Tutoring progress"]
    assert len(sheet._charts) == 1 + len(charts_after)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_shows_tutorsyncs_charts_beside_the_one_someone_drew(tmp_path):
    path, workspace, _ = someone_draws_on_tutorsyncs_tab(tmp_path)
    with_chart = dataclasses.replace(progress(), charts=(SESSIONS,))
    workspace.spreadsheets.write_owned_tabs("gradebook.xlsx", [with_chart])

    subprocess.run(
        [
            "soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to", "ods", "--outdir", str(tmp_path / "ods"), str(path),
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    with zipfile.ZipFile(tmp_path / "ods" / "gradebook.ods") as ods:
        content = ElementTree.fromstring(ods.read("content.xml"))
    table = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    draw = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
    [ours] = [
        t for t in content.iter(f"{table}table") if t.get(f"{table}name") == "Tutoring progress"
    ]
    names = sorted(frame.get(f"{draw}name") for frame in ours.iter(f"{draw}frame"))
    assert names == ["Chart 1", "tutorsync chart 1"]


def test_tutorsyncs_tab_keeps_its_place_visibility_and_colour(tmp_path):
    path = tmp_path / "gradebook.xlsx"
    path.write_bytes(excel_package())
    workspace = LocalWorkspace(tmp_path)
    workspace.spreadsheets.write_owned_tabs("gradebook.xlsx", [progress()])
    parts = parts_of(path)
    owned = owned_part(parts)
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b'<sheet name="Tutoring progress"', b'<sheet state="hidden" name="Tutoring progress"'
    )
    parts[owned] = re.sub(
        rb"<sheetPr>", b'<sheetPr><tabColor rgb="FFFF0000"/>', parts[owned], count=1
    )
    write_parts(path, parts)

    workspace.spreadsheets.write_owned_tabs("gradebook.xlsx", [progress(3)])

    after = parts_of(path)
    assert b'<sheet state="hidden" name="Tutoring progress"' in after["xl/workbook.xml"]
    assert b'<tabColor rgb="FFFF0000"/>' in after[owned]
    assert after[owned].count(b"<tabColor") == 1


def test_a_new_xlsm_file_is_not_made(tmp_path):
    from jobs.errors import WorkspaceError

    with pytest.raises(WorkspaceError, match=r"only as \.xlsx"):
        LocalWorkspace(tmp_path).spreadsheets.write_owned_tabs("new.xlsm", [progress()])
    assert not (tmp_path / "new.xlsm").exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_file_and_shows_both_tabs(teacher_file, tmp_path):
    workspace, name, path = teacher_file
    workspace.spreadsheets.write_owned_tabs(name, [progress()])
    out = tmp_path / "csv"
    subprocess.run(
        [
            "soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to", f"csv:Text - txt - csv (StarCalc):{EVERY_SHEET_AS_UTF8_CSV}",
            "--outdir", str(out), str(path),
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    sheets = {file.stem.rpartition("-")[2]: file for file in out.glob("*.csv")}
    ours = list(csv.reader(io.StringIO(sheets["Tutoring progress"].read_text())))
    assert ours[0][0] == "Student ID" and ours[1][0] == "S000"
    grades = list(csv.reader(io.StringIO(sheets["Grades"].read_text())))
    assert grades[1][0] == "S001"


# --- A package that holds together -----------------------------------------------------------


def owned_part(parts: dict[str, bytes]) -> str:
    """The worksheet part of tutorsync's tab."""
    workbook = ElementTree.fromstring(parts["xl/workbook.xml"])
    names = [
        n for n in workbook.iter(f"{{{MAIN}}}definedName") if n.get("name") == OWNED_TAB_MARKER
    ]
    assert len(names) == 1
    sheet = list(workbook.iter(f"{{{MAIN}}}sheet"))[int(names[0].get("localSheetId"))]
    return targets(parts, "xl/workbook.xml")[sheet.get(f"{{{REL}}}id")]


def targets(parts: dict[str, bytes], part: str) -> dict[str, str]:
    folder, file = part.rsplit("/", 1) if "/" in part else ("", part)
    rels = f"{folder}/_rels/{file}.rels" if folder else f"_rels/{file}.rels"
    found = {}
    for rel in ElementTree.fromstring(parts[rels]).iter(f"{{{PKG}}}Relationship"):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target")
        path = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
        found[rel.get("Id")] = _normal(path)
    return found


def _normal(path: str) -> str:
    out: list[str] = []
    for piece in path.split("/"):
        if piece == "..":
            out.pop()
        elif piece not in ("", "."):
            out.append(piece)
    return "/".join(out)


def check_package(parts: dict[str, bytes]) -> None:
    """What a spreadsheet program checks on opening: every part parses, every relationship
    leads to a part, every part has a content type, sheets and names are consistent, style
    collections count their elements and cells use styles that exist."""
    folded = {name.casefold(): name for name in parts}
    types = ElementTree.fromstring(parts["[Content_Types].xml"])
    overrides = {o.get("PartName").lstrip("/").casefold() for o in types.iter(f"{CT_NS}Override")}
    defaults = {d.get("Extension").casefold() for d in types.iter(f"{CT_NS}Default")}
    assert overrides <= set(folded), "a content type names a part that is not there"
    for name, data in parts.items():
        if name.endswith((".xml", ".rels", ".vml")):
            ElementTree.fromstring(data)
        if name.endswith(".rels"):
            owner = name.replace("_rels/", "").removesuffix(".rels")
            assert owner == "" or owner.casefold() in folded or owner == ".", name
            for target in targets(parts, owner if owner != "." else "").values():
                assert target.casefold() in folded, f"{name} points at missing {target}"
        elif name != "[Content_Types].xml" and not name.endswith("/"):
            assert name.casefold() in overrides or name.rsplit(".", 1)[-1].casefold() in defaults
    workbook = ElementTree.fromstring(parts["xl/workbook.xml"])
    sheets = list(workbook.iter(f"{{{MAIN}}}sheet"))
    assert len({s.get("sheetId") for s in sheets}) == len(sheets)
    assert len({s.get(f"{{{REL}}}id") for s in sheets}) == len(sheets)
    assert len({s.get("name").casefold() for s in sheets}) == len(sheets)
    for name in workbook.iter(f"{{{MAIN}}}definedName"):
        if name.get("localSheetId") is not None:
            assert int(name.get("localSheetId")) < len(sheets)
    styles = ElementTree.fromstring(parts["xl/styles.xml"])
    for collection in styles:
        if collection.get("count") is not None and collection.tag != f"{{{MAIN}}}extLst":
            assert int(collection.get("count")) == len(collection), collection.tag
    cell_formats = len(styles.find(f"{{{MAIN}}}cellXfs"))
    dxfs = styles.find(f"{{{MAIN}}}dxfs")
    owned = parts[owned_part(parts)]
    assert all(int(s) < cell_formats for s in re.findall(rb'\ss="(\d+)"', owned))
    assert all(int(d) < len(dxfs) for d in re.findall(rb'dxfId="(\d+)"', owned))
    assert b'tabSelected="1"' not in owned


def write_parts(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
