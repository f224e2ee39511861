"""Render the demo program's progress tabs to PNG, as a coordinator and a teacher see them.

    .venv/bin/python docs/render.py

Needs LibreOffice (`soffice`) and poppler's `pdftoppm` (Debian: apt-get install
libreoffice-calc poppler-utils). Generates the demo for a fixed day, runs `tutorsync run`,
keeps one tab per workbook, prints it to PDF with LibreOffice headless (landscape A3 at 75%)
and turns the first page into docs/<name>.png.
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
from jobs.demo import create_demo  # noqa: E402

DAY = date(2026, 11, 23)
TABS = {  # PNG name -> (workbook in the demo, tab)
    "progress-summary": ("coordinator.xlsx", "Progress summary"),
    "teacher-tab": ("gradebooks/okafor.xlsx", "Tutoring progress"),
    "teacher-feedback": ("tutor_log.xlsx", "Teacher feedback"),
}


def main() -> None:
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed: apt-get install libreoffice-calc poppler-utils")
    with tempfile.TemporaryDirectory() as folder:
        demo = Path(folder) / "demo"
        config = create_demo(demo, today=DAY, students=60)
        _type_a_note(demo)
        result = CliRunner().invoke(cli, ["run", "--config", str(config), "--as-of", str(DAY)])
        if result.exit_code != 0:
            sys.exit(result.output)
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
