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

import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

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
