"""Google API requests of `tutorsync run` on a generated program, on the fake Google server:
a first run and a no-op rerun, per API method, beside the lower bound.

    .venv/bin/python bench/google_requests.py --students 60

Lower bounds. Sheets: one values.batchGet per source spreadsheet plus one batchUpdate per
spreadsheet written (tutorsync also reads the state of each spreadsheet it writes, to carry
educators' notes; a spreadsheet that is both a source and written is read once). Calendar: one
listing, ceil(changes/50) batches, and one free/busy query per 50 people who need a new slot.
Drive: one listing page per 1,000 folders, ceil(changes/100) batches, and (a shared-drive
root, whose listing carries no sharing) ceil(folders/100) batches of permission reads.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from click.testing import CliRunner  # noqa: E402
from fake_google import FakeGoogle  # noqa: E402
from fake_google.programs import (  # noqa: E402
    new_private_key,
    upload_program,
    workspace_settings,
    write_service_account_key,
)

from jobs.cli import cli  # noqa: E402
from jobs.demo import create_demo  # noqa: E402
from jobs.settings import load  # noqa: E402

TODAY = date(2026, 11, 23)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60)
    students = parser.parse_args().students
    with FakeGoogle() as fake, tempfile.TemporaryDirectory() as folder:
        program = Path(folder) / "program"
        create_demo(program, today=TODAY, students=students)
        key = write_service_account_key(fake, Path(folder) / "key.json", new_private_key())
        config = upload_program(fake, program, workspace_settings(fake, key))
        settings = load(config)
        sources = {settings.sources.roster.spreadsheet}
        sources |= {s.spreadsheet for s in settings.sources.tutor_logs}
        sources |= {b.spreadsheet for b in settings.sources.gradebooks}
        fake.reset_log()
        for label in ("first run", "no-op rerun"):
            started = time.perf_counter()
            result = CliRunner().invoke(
                cli, ["run", "--config", str(config), "--as-of", TODAY.isoformat(), "--json"]
            )
            jobs = {job["job"]: job for job in json.loads(result.stdout)["jobs"]}
            counts = dict(sorted(fake.counts().items()))
            sheets = {m: n for m, n in counts.items() if m.startswith("sheets.")}
            calendar = {m: n for m, n in counts.items() if m.startswith("calendar.")}
            drive = {m: n for m, n in counts.items() if m.startswith("drive.")}
            written = sheets.get("sheets.spreadsheets.batchUpdate", 0)
            event_changes = jobs["checkins"]["changes"] if "checkins" in jobs else 0
            folder_changes = jobs["folders"]["changes"] if "folders" in jobs else 0
            folders = _program_folders(fake)
            bounds = {
                "sheets": len(sources) + written,
                # free/busy: asked only for people who need a new slot, 50 to a query
                "calendar": (
                    1 + -(-event_changes // 50) + calendar.get("calendar.freebusy.query", 0)
                )
                if "checkins" in jobs
                else 0,
                "drive": (
                    -(-max(folders, 1) // 1000)
                    + -(-folder_changes // 100)
                    + (-(-_listed_before(label, folders) // 100))
                )
                if "folders" in jobs
                else 0,
            }
            # Requests inside a batch are counted by their own method too; the batch is one
            # HTTP request, so top-level requests exclude batch parts.
            top_level = {
                "sheets": sum(sheets.values()),
                "calendar": sum(n for m, n in calendar.items() if not _in_batch(m)),
                "drive": sum(n for m, n in drive.items() if not _in_drive_batch(m)),
            }
            print(
                f"{students} students, {label} ({time.perf_counter() - started:.1f} s): "
                f"{jobs['progress']['changes']} tab changes, {event_changes} event changes, "
                f"{folder_changes} folder changes"
            )
            for api in ("sheets", "calendar", "drive"):
                bound = bounds[api]
                ratio = f"{top_level[api] / bound:.2f}x" if bound else "-"
                print(f"  {api}: {top_level[api]} requests, lower bound {bound} ({ratio})")
            for method, count in counts.items():
                print(f"    {method}: {count}")
            fake.reset_log()


def _program_folders(fake: FakeGoogle) -> int:
    """The folders tutorsync keeps (term, archive, students): tagged with a key."""
    return sum(
        1
        for f in fake.drive.files()
        if f["mimeType"] == "application/vnd.google-apps.folder"
        and "tutorsync-key" in (f.get("appProperties") or {})
    )


def _listed_before(label: str, folders: int) -> int:
    """Folders whose sharing the run had to read: none on a first run (nothing existed)."""
    return 0 if label == "first run" else folders


def _in_drive_batch(method: str) -> bool:
    """Drive writes and permission reads travel inside batch requests."""
    return method.startswith(("drive.permissions.", "drive.files.create", "drive.files.copy")) or (
        method == "drive.files.update"
    )


def _in_batch(method: str) -> bool:
    """Calendar writes and reads after a 409 travel inside batch requests."""
    return method.endswith((".insert", ".patch", ".get"))


if __name__ == "__main__":
    main()
