"""Property, on every adapter: educator text is written as inert text and read back as typed.

Text that a spreadsheet would run as a formula (it begins with =, +, -, @, a tab or a carriage
return) or read as a number, date or yes/no ("00123", "3/4", "1,24", "1.10", "TRUE",
"2026-01-02") goes into an owned tab through write_owned_tabs and comes back from read_state as
the same text, and again after being carried over into the next write, as educator columns
are. "As typed" means as the port stores text (`stored_text`): line breaks as \\n, so a
carriage return comes back as a line break; nothing else changes. The same text typed into a
source reads back from read_tabs exactly as typed.
"""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from jobs.workspace.local.workspace import LocalWorkspace
from sheets_schema.cells import ColumnFormat, TabWrite, stored_text

pytestmark = pytest.mark.slow  # property tests, locally and on the fake Google server

ROUND_TRIP = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
_references = itertools.count()

PRINTABLE = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=20)
FORMULA_LIKE = st.one_of(
    st.builds(str.__add__, st.sampled_from(["=", "+", "-", "@", "\t", "\r"]), PRINTABLE),
    st.sampled_from(
        [
            "=1+1",
            '=IMPORTXML("http://x","//a")',
            '=HYPERLINK("http://x.example","click me")',
            "=cmd|' /C calc'!A0",
            "@SUM(A1:A9)",
            "+44 20 7946 0000",
            "-2+3",
            "\t=1+1",
            "\r=1+1",
            "=",
            "@",
        ]
    ),
)
NUMBER_LIKE = st.one_of(
    st.sampled_from(
        ["00123", "3/4", "1,24", "1.10", "TRUE", "false", "2026-01-02", "1e5", "85%", "$5",
         "1:15", "-0", "0x1F", " 45 ", "1/5/2026", "Jan 5, 2026", "12:00 PM", "(123)", "1 234",
         "١٢٣", "#N/A", "'00123", "NaN", "inf"]
    ),
    st.from_regex(r"0[0-9]{1,6}", fullmatch=True),  # IDs with leading zeros
    st.from_regex(r"[0-9]{1,2}/[0-9]{1,2}", fullmatch=True),  # fractions, or dates
    st.from_regex(r"[0-9]{1,3},[0-9]{1,3}", fullmatch=True),  # decimal commas
    st.from_regex(r"[0-9]\.[0-9]{0,3}0", fullmatch=True),  # trailing zeros
    st.from_regex(r"(?i:true|false|yes|no)", fullmatch=True),
    st.dates().map(date.isoformat),
)  # fmt: skip
EDUCATOR_TEXT = st.one_of(FORMULA_LIKE, NUMBER_LIKE)


def owned_tab(texts: list[str]) -> TabWrite:
    """Texts as an owned tab holds educator columns: one text column, one without a format."""
    return TabWrite(
        key="tutorsync:round-trip:notes",
        title="Notes",
        header=("Student ID", "Teacher notes", "Coordinator notes"),
        rows=tuple((f"S{i}", text, text) for i, text in enumerate(texts)),
        column_formats=(ColumnFormat.TEXT, ColumnFormat.TEXT),
    )


def expected_cell(text: str) -> str | None:
    return stored_text(text) or None


@ROUND_TRIP
@given(texts=st.lists(EDUCATOR_TEXT, min_size=1, max_size=8))
def test_educator_text_is_stored_as_inert_text_and_read_back_as_typed(
    harness, request: pytest.FixtureRequest, tmp_path: Path, texts: list[str]
):
    reference = harness.new_reference(f"round-trip-{next(_references)}")
    write = owned_tab(texts)

    harness.workspace.spreadsheets.write_owned_tabs(reference, [write])
    grid = harness.workspace.spreadsheets.read_state(reference).owned[write.key].grid

    for row, text in zip(grid[1:], texts, strict=True):
        assert row[1:] == [expected_cell(text)] * 2
        if "\r" not in text:
            assert row[1] == text  # identical, not merely equivalent
    assert grid == write.grid()
    assert_stored_as_text(harness, request, tmp_path, reference, texts)

    # Carried over, as educator columns are: written again as read, it reads the same.
    carried = TabWrite(write.key, write.title, write.header, tuple(map(tuple, grid[1:])))
    harness.workspace.spreadsheets.write_owned_tabs(reference, [carried])
    assert harness.workspace.spreadsheets.read_state(reference).owned[write.key].grid == grid


def assert_stored_as_text(harness, request, tmp_path: Path, reference: str, texts: list[str]):
    """What the spreadsheet holds: text cells, not formulas or numbers."""
    stored = [expected_cell(text) for text in texts]
    if isinstance(harness.workspace, LocalWorkspace):
        sheet = load_workbook(tmp_path / reference)["Notes"]
        for row, text in enumerate(stored, start=2):
            for column in (2, 3):
                cell = sheet.cell(row, column)
                assert cell.value == text
                assert cell.data_type == ("s" if text else "n"), (text, cell.data_type)
        return
    from jobs.workspace.google.sheets import spreadsheet_id

    cells = request.getfixturevalue("fake_google").sheets.cells(spreadsheet_id(reference), "Notes")
    for row, text in enumerate(stored, start=1):
        for column in (1, 2):
            cell = cells[row][column] if column < len(cells[row]) else None
            entered = (cell or {}).get("userEnteredValue", {})
            assert entered == ({"stringValue": text} if text else {}), (text, entered)


@ROUND_TRIP
@given(texts=st.lists(EDUCATOR_TEXT, min_size=1, max_size=8))
def test_educator_text_in_a_source_is_read_as_typed(harness, texts: list[str]):
    grid = [["Student ID", "Note"], *([f"S{i}", text] for i, text in enumerate(texts))]
    reference = harness.seed(f"source-{next(_references)}", {"Notes": grid})

    read = harness.workspace.spreadsheets.read_tabs(reference, ["Notes"])["Notes"]

    got = [row[1] if len(row) > 1 else None for row in read[1:]]
    # An .xlsx file is XML, and whether a CR survives depends on how the writing program
    # escaped it (a bare CR is turned into LF by XML parsers; _x000D_ is kept): compare line
    # breaks as line breaks there. Google keeps the CR as typed.
    if isinstance(harness.workspace, LocalWorkspace):
        got, texts = ([_lf(t) for t in values] for values in (got, texts))
    assert got == texts


def _lf(text: object) -> object:
    return text.replace("\r\n", "\n").replace("\r", "\n") if isinstance(text, str) else text


def unstorable(c: str) -> bool:
    """A character no spreadsheet file can hold: a control other than a line break or tab, a
    lone surrogate, or a non-character."""
    control = ord(c) < 0x20 and c not in "\t\n\r"
    return control or 0xD800 <= ord(c) <= 0xDFFF or c in "\ufffe\uffff"


@given(st.text())
def test_stored_text_keeps_printable_text_as_it_is_and_normalises_the_rest(text):
    """The fast path (printable text is stored as typed) never changes what is stored."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    expected = "".join("\ufffd" if unstorable(c) else c for c in normalised)
    assert stored_text(text) == expected
    if text.isprintable():
        assert stored_text(text) is text
