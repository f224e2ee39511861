"""The demo program on the fake Google, offline: `make demo-google AUTH=oauth`.

    PYTHONPATH=tests python -m fake_google.demo [--auth MODE] [--students N] FOLDER

Makes the demo program in FOLDER, starts the fake, puts the program's spreadsheets on it,
writes FOLDER/google.toml signed in the way MODE says (sign_in.MODES, as the README's Google
set-up does it), then runs `tutorsync run` twice as a scheduler would, each in its own
process: the first makes the folders, check-ins and progress tabs, the second changes
nothing. Exits with the first run's status if it failed, else the second's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from jobs.demo import create_demo
from jobs.run import jobs_of
from jobs.settings import load
from jobs.workspace.google.scopes import scopes_for

from .programs import new_private_key, upload_program
from .server import FakeGoogle
from .sign_in import MODES, sign_in


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fake_google.demo", description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--auth", choices=MODES, default="service_account")
    parser.add_argument("--students", type=int, default=60)
    args = parser.parse_args(argv)
    folder: Path = args.folder
    if (folder / "tutorsync.toml").exists():
        parser.error(f"{folder} already holds a program: give a new folder")
    create_demo(folder, today=date.today(), students=args.students)
    with FakeGoogle() as fake:
        allowed = scopes_for([*jobs_of(load(folder / "tutorsync.toml")), "doctor"])
        signed_in = sign_in(fake, args.auth, folder, new_private_key(), allowed)
        config = upload_program(fake, folder, signed_in.workspace)
        print(
            f"The demo program is on the fake Google at {fake.base_url}, signed in by {args.auth}."
        )
        print(f"Its config: {config}")
        environment = os.environ | signed_in.environment
        for attempt in ("first run", "second run (changes nothing)"):
            print(f"\n$ tutorsync run --config {config}    # {attempt}", flush=True)
            command = [sys.executable, "-m", "jobs.cli", "run", "--config", str(config)]
            status = subprocess.run(command, env=environment, check=False).returncode
            if status != 0:
                return status
        print(
            f"\nOn the fake: {len(fake.drive.files())} Drive files, {len(fake.requests)} requests."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
