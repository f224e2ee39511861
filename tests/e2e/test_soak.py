"""A short soak in CI: `python -m bench.soak` for a few runs, through its main function."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # bench is a package at the repository's root
    sys.path.insert(0, str(ROOT))

from bench import soak  # noqa: E402


def test_a_short_soak_under_faults_loses_duplicates_and_leaks_nothing(capsys):
    status = soak.main(["--runs", "8", "--seed", "3", "--students", "12", "--fault-rate", "0.2"])

    table = capsys.readouterr().out
    figures = {
        name.strip(): value.strip()
        for name, _, value in (line.partition("  ") for line in table.splitlines()[1:13])
    }
    assert status == 0, table
    assert figures["duplicates found"] == "0"
    assert figures["educator cells lost"] == "0"
    assert figures["wrong grants"] == "0"
    assert figures["ok runs not at the fault-free state"] == "0"
    assert figures["unclean (crash, naming nothing, invalid request)"] == "0"
    assert figures["fault-free runs not at the fault-free state"] == "0"
    injected = int(figures["faults injected"].split()[0])
    assert injected > 0, table
