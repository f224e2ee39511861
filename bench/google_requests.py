"""Google API requests of `tutorsync run` on a generated program, on the fake Google server:
a first run and a no-op rerun, per API method, beside the lower bound.

    .venv/bin/python bench/google_requests.py --students 60

Lower bound (Sheets): one values.batchGet per source spreadsheet plus one batchUpdate per
spreadsheet written. tutorsync also reads the state of each spreadsheet it writes (to carry
educators' notes); a spreadsheet that is both a source and written is read once.
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
            report = json.loads(result.stdout)["jobs"][0]
            counts = dict(sorted(fake.counts().items()))
            written = counts.get("sheets.spreadsheets.batchUpdate", 0)
            bound = len(sources) + written
            total = sum(counts.values())
            print(
                f"{students} students, {label}: {total} requests (lower bound {bound}, "
                f"{total / bound:.2f}x), {report['changes']} changes, "
                f"{time.perf_counter() - started:.1f} s"
            )
            for method, count in counts.items():
                print(f"    {method}: {count}")
            fake.reset_log()


if __name__ == "__main__":
    main()
