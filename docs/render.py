"""Render the demo program's tabs to PNG, as a coordinator and a teacher see them.

    .venv/bin/python docs/render.py

Needs LibreOffice (`soffice`) and poppler's `pdftoppm` (Debian: apt-get install
libreoffice-calc poppler-utils). Generates a season-long demo (`tutorsync demo --weeks 12`)
for a fixed day and runs `tutorsync run`. A progress tab is kept alone in its workbook,
printed to PDF with LibreOffice headless (landscape A3 at 75%) and its first page turned into
docs/<name>.png. The Program overview and Impact are printed from the coordinator's
spreadsheet as it is, a page per tab, since openpyxl would drop the overview's charts.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jobs.cli import cli  # noqa: E402

DAY = date(2026, 11, 23)
WEEKS = 12
TABS = {  # PNG name -> (workbook in the demo, tab)
    "progress-summary": ("coordinator.xlsx", "Progress summary"),
    "teacher-tab": ("gradebooks/okafor.xlsx", "Tutoring progress"),
    "teacher-feedback": ("tutor_log.xlsx", "Teacher feedback"),
}
WHOLE = {"program-overview": "Program overview", "impact": "Impact"}  # in coordinator.xlsx
# The goals and learning plans, right of the first page: only the rows with goals, and only
# these columns of the coordinator's Progress summary.
GOAL_COLUMNS = {"Student": 22, "Status": 10, "Wins": 40, "Goals": 70, "Learning plan": 26}


def main() -> None:
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed: apt-get install libreoffice-calc poppler-utils")
    with tempfile.TemporaryDirectory() as folder:
        demo = Path(folder) / "demo"
        made = CliRunner().invoke(
            cli, ["demo", str(demo), "--today", str(DAY), "--weeks", str(WEEKS)]
        )
        if made.exit_code != 0:
            sys.exit(made.output)
        config = demo / "tutorsync.toml"
        _type_a_note(demo)
        result = CliRunner().invoke(cli, ["run", "--config", str(config), "--as-of", str(DAY)])
        if result.exit_code != 0:
            sys.exit(result.output)
        _render_whole(demo / "coordinator.xlsx", Path(folder))
        _render_goals(demo / "coordinator.xlsx", Path(folder))
        for name, (workbook, tab) in TABS.items():
            only = Path(folder) / f"{name}.xlsx"
            book = load_workbook(demo / workbook)
            for sheet in list(book.worksheets):
                if sheet.title != tab:
                    book.remove(sheet)
            # Printed one page wide, a 20-column tab is too small to read in a picture: print
            # at a readable scale on A3 and keep the first page (who, status, why, figures).
            sheet = book[tab]
            sheet.sheet_properties.pageSetUpPr.fitToPage = False
            sheet.page_setup.scale = 75
            sheet.page_setup.paperSize = sheet.PAPERSIZE_A3
            book.save(only)
            subprocess.run(
                ["soffice", "--headless", "--convert-to", "pdf", "--outdir", folder, str(only)],
                check=True,
                capture_output=True,
            )
            subprocess.run(
                ["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile"]
                + [str(only.with_suffix(".pdf")), str(ROOT / "docs" / name)],
                check=True,
            )
            print(f"docs/{name}.png: {workbook} › {tab}")


def _render_whole(workbook: Path, folder: Path) -> None:
    """Each tab of WHOLE as it is in `workbook`, charts included: a page per tab."""
    single_pages = 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}'
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{folder}/profile"]
        + ["--convert-to", single_pages, "--outdir", str(folder), str(workbook)],
        check=True,
        capture_output=True,
    )
    titles = load_workbook(workbook, read_only=True).sheetnames
    for name, tab in WHOLE.items():
        page = str(titles.index(tab) + 1)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", "-f", page, "-l", page, "-singlefile"]
            + [str(folder / f"{workbook.stem}.pdf"), str(ROOT / "docs" / name)],
            check=True,
        )
        print(f"docs/{name}.png: {workbook.name} › {tab}")


def _render_goals(workbook: Path, folder: Path) -> None:
    """docs/goals.png: the students with open goals or a goal met, their goals, plans and
    wins."""
    book = load_workbook(workbook)
    for sheet in list(book.worksheets):
        if sheet.title != "Progress summary":
            book.remove(sheet)
    sheet = book["Progress summary"]
    sheet.auto_filter.ref = None
    sheet.conditional_formatting = type(sheet.conditional_formatting)()
    header = [cell.value for cell in sheet[1]]
    goals, wins = header.index("Goals") + 1, header.index("Wins") + 1
    for row in range(sheet.max_row, 1, -1):  # bottom up, so the rows above keep their place
        met = "Goal met" in str(sheet.cell(row=row, column=wins).value or "")
        if not sheet.cell(row=row, column=goals).value and not met:
            sheet.delete_rows(row)
    for column in range(len(header), 0, -1):
        if header[column - 1] not in GOAL_COLUMNS:
            sheet.delete_cols(column)
    # Deleting columns leaves the widths where they were: the kept ones' set again.
    sheet.column_dimensions.clear()
    for number, cell in enumerate(sheet[1], start=1):
        sheet.column_dimensions[get_column_letter(number)].width = GOAL_COLUMNS[cell.value]
    for row in sheet.iter_rows():
        lines = 1
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            width = GOAL_COLUMNS[sheet.cell(row=1, column=cell.column).value]
            text = str(cell.value or "")
            wrapped = sum(math.ceil(max(len(line), 1) / (width * 1.1)) for line in text.split("\n"))
            lines = max(lines, wrapped)
        sheet.row_dimensions[row[0].row].height = 13 * lines  # as tall as the wrapped goals
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    only = folder / "goals.xlsx"
    book.save(only)
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{folder}/profile"]
        + ["--convert-to", "pdf", "--outdir", str(folder), str(only)],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile"]
        + [str(only.with_suffix(".pdf")), str(ROOT / "docs" / "goals")],
        check=True,
    )
    print(f"docs/goals.png: {workbook.name} › Progress summary, the students with goals")


def _type_a_note(demo: Path) -> None:
    """A first run, then a teacher's note, so the feedback tab has something to show."""
    CliRunner().invoke(cli, ["run", "--config", str(demo / "tutorsync.toml"), "--as-of", str(DAY)])
    book = load_workbook(demo / "gradebooks/okafor.xlsx")
    sheet = book["Tutoring progress"]
    header = [cell.value for cell in sheet[1]]
    for row in (2, 4):
        cell = sheet.cell(row=row, column=header.index("Note to tutor") + 1)
        cell.value = "Quiz on fractions Friday: please review equivalent fractions"
    book.save(demo / "gradebooks/okafor.xlsx")


if __name__ == "__main__":
    main()
