"""Short soaks in CI: `python -m bench.soak` for a few runs, on the fake Google server and on a
local workspace, through its main function."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # bench is a package at the repository's root
    sys.path.insert(0, str(ROOT))

from bench import soak, soak_local  # noqa: E402


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


def test_a_short_local_soak_under_local_faults_loses_duplicates_and_leaks_nothing(
    capsys, monkeypatch
):
    """`python -m bench.soak --workspace local`: a read-only folder, a full disk and a bad file
    in one job, each injected (and making something fail) at least once."""
    results: list[soak_local.SoakResult] = []
    run = soak_local.soak_local
    monkeypatch.setattr(
        soak_local, "soak_local", lambda **kw: results.append(run(**kw)) or results[0]
    )

    status = soak.main(["--workspace", "local", "--runs", "15", "--seed", "4", "--students", "12"])

    table = capsys.readouterr().out
    [result] = results
    assert result.duplicates == set(), table
    assert result.lost == set(), table
    assert result.wrong_grants == set(), table
    assert result.false_ok == [] and result.fault_free_off == [], table
    assert result.unclean == [], table
    assert status == 0, table
    assert set(result.injected) == set(soak_local.KINDS), table
    assert set(result.fired) == set(soak_local.KINDS), table  # each made something fail
    assert result.failed_cleanly > 0 and result.runs == 15
