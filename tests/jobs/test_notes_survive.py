"""Property: whatever educators do to tutorsync's tabs between runs (type notes, sort rows, add
a column, rename the tab), the next run keeps every note on its student, and the run after
that changes nothing."""

import random

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from test_progress import AS_OF, program

from jobs.progress import run_progress
from jobs.workspace.local.workspace import LocalWorkspace

pytestmark = pytest.mark.slow  # each example runs the progress job three times

NOTE = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20
).filter(lambda text: text.strip() == text and text)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    notes=st.dictionaries(st.sampled_from(["001", "002"]), NOTE, min_size=1),
    extra=st.one_of(st.none(), NOTE),
    shuffle_seed=st.integers(0, 1000),
    rename=st.booleans(),
)
def test_educator_edits_survive_the_next_runs(tmp_path_factory, notes, extra, shuffle_seed, rename):
    folder = tmp_path_factory.mktemp("program")
    settings, workspace = program(folder)
    run_progress(settings, workspace, as_of=AS_OF)

    path = folder / "coordinator.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["Progress summary"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    notes_column = header.index("Coordinator notes")
    for row in body:
        if row[0] in notes:
            row[notes_column] = notes[row[0]]
    if extra is not None:
        header.append("Called home?")
        for row in body:
            row.append(extra)
    random.Random(shuffle_seed).shuffle(body)
    for r, row in enumerate([header, *body], start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    if rename:
        sheet.title = "Our summary"
    book.save(path)

    assert run_progress(settings, workspace, as_of=AS_OF).ok
    after = LocalWorkspace(folder).spreadsheets.read_state("coordinator.xlsx")
    (summary,) = [t for t in after.owned.values() if t.key.endswith(":summary")]
    assert summary.title == ("Our summary" if rename else "Progress summary")
    kept = {row[0]: dict(zip(summary.grid[0], row, strict=False)) for row in summary.grid[1:]}
    for student_id, note in notes.items():
        assert kept[student_id]["Coordinator notes"] == note
    if extra is not None:
        assert all(kept[s]["Called home?"] == extra for s in ("001", "002"))
    assert run_progress(settings, workspace, as_of=AS_OF).changes == 0


def test_a_formula_typed_in_a_notes_cell_is_kept_as_its_text(tmp_path):
    """As on Google: the formula's text, not its last result (gone when the file was never
    recalculated) and never run again as a formula in tutorsync's tab."""
    settings, workspace = program(tmp_path)
    run_progress(settings, workspace, as_of=AS_OF)
    path = tmp_path / "coordinator.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["Progress summary"]
    header = [cell.value for cell in sheet[1]]
    notes = header.index("Coordinator notes") + 1
    sheet.cell(row=2, column=notes, value="=2+2")  # openpyxl saves no result, as many tools
    student = sheet.cell(row=2, column=1).value
    sheet.cell(row=1, column=1, value="Changed")  # so that the run rewrites the tab
    book.save(path)

    assert run_progress(settings, workspace, as_of=AS_OF).ok

    sheet = openpyxl.load_workbook(path)["Progress summary"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == student)
    assert row[notes - 1].value == "=2+2"
    assert row[notes - 1].data_type == "s"  # text: the tab runs no educator's formula


def test_a_comment_on_a_notes_cell_follows_its_student_through_a_sort(tmp_path):
    settings, workspace = program(tmp_path)
    run_progress(settings, workspace, as_of=AS_OF)
    path = tmp_path / "coordinator.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["Progress summary"]
    header = [cell.value for cell in sheet[1]]
    notes = header.index("Coordinator notes") + 1
    student = sheet.cell(row=2, column=1).value
    sheet.cell(row=2, column=notes).comment = Comment("Mum prefers e-mail", "Ms Fictional")
    sheet.cell(row=1, column=1, value="Changed")  # so that the run rewrites the tab
    sheet.move_range(f"A2:{sheet.cell(row=2, column=sheet.max_column).coordinate}", rows=50)
    book.save(path)

    assert run_progress(settings, workspace, as_of=AS_OF).ok

    sheet = openpyxl.load_workbook(path)["Progress summary"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == student)
    assert row[notes - 1].comment is not None
    assert "Mum prefers e-mail" in row[notes - 1].comment.text
    assert run_progress(settings, workspace, as_of=AS_OF).ok  # and the run after
    assert not run_progress(settings, workspace, as_of=AS_OF).changes


def test_formatting_a_teacher_gives_a_notes_cell_follows_its_student(tmp_path):
    settings, workspace = program(tmp_path)
    run_progress(settings, workspace, as_of=AS_OF)
    path = tmp_path / "coordinator.xlsx"
    book = openpyxl.load_workbook(path)
    sheet = book["Progress summary"]
    header = [cell.value for cell in sheet[1]]
    notes = header.index("Coordinator notes") + 1
    student = sheet.cell(row=2, column=1).value
    cell = sheet.cell(row=2, column=notes, value="Follow up")
    cell.font = Font(bold=True, color="FFC00000")
    cell.fill = PatternFill("solid", fgColor="FFC6EFCE")
    sheet.cell(row=1, column=1, value="Changed")  # so that the run rewrites the tab
    sheet.move_range(f"A2:{sheet.cell(row=2, column=sheet.max_column).coordinate}", rows=50)
    book.save(path)

    assert run_progress(settings, workspace, as_of=AS_OF).ok

    sheet = openpyxl.load_workbook(path)["Progress summary"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == student)
    kept = row[notes - 1]
    assert kept.value == "Follow up" and kept.font.b and kept.font.color.rgb.endswith("C00000")
    assert kept.fill.fgColor.rgb.endswith("C6EFCE")
    assert not run_progress(settings, workspace, as_of=AS_OF).changes
