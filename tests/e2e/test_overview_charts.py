"""The Program overview's charts as a coordinator meets them: none while its weekly table has
one week, two once it has two, still two after reruns week by week, on the local files and on
Google (the fake server)."""

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from fake_google.programs import upload_program

from jobs.cli import cli
from jobs.settings import load
from jobs.workspace.google.sheets import spreadsheet_id

OVERVIEW = "Program overview"
TITLES = [
    "Dosage target met and attendance, week by week (%)",
    "Students needing action (Act now), week by week",
]
# A week apart, so the weekly table gains a row each run (the demo's sessions end 2026-11-23).
RUN_DAYS = ["2026-11-06", "2026-11-13", "2026-11-20", "2026-11-23"]


def progress(config: Path, day: str) -> dict:
    result = CliRunner().invoke(
        cli, ["progress", "--config", str(config), "--as-of", day, "--json"]
    )
    assert result.exit_code == 0, result.output
    [job] = json.loads(result.stdout)["jobs"]
    return job


def local_charts(folder: Path) -> list[tuple[str, int]]:
    """(title, number of lines) of each chart on the local overview tab."""
    sheet = openpyxl.load_workbook(folder / "coordinator.xlsx")[OVERVIEW]
    return [
        ("".join(r.t for p in chart.title.tx.rich.p for r in p.r or ()), len(chart.series))
        for chart in sheet._charts
    ]


def test_the_local_overview_gets_its_two_charts_once_two_weeks_exist_and_keeps_two(demo):
    config = demo / "tutorsync.toml"
    progress(config, RUN_DAYS[0])
    assert local_charts(demo) == []  # one week: nothing to draw a line through

    for day in RUN_DAYS[1:]:
        progress(config, day)

    assert local_charts(demo) == [(TITLES[0], 2), (TITLES[1], 1)]
    with zipfile.ZipFile(demo / "coordinator.xlsx") as archive:
        names = archive.namelist()
        types = archive.read("[Content_Types].xml").decode()
    drawn = [n for n in names if n.startswith(("xl/charts/chart", "xl/drawings/drawing"))]
    assert len([n for n in drawn if "/charts/" in n]) == 2  # the old runs' charts are gone
    assert all(f'PartName="/{name}"' in types for name in drawn if name.endswith(".xml"))
    again = progress(config, RUN_DAYS[-1])
    assert again["changes"] == 0


@pytest.fixture
def google_demo(demo, fake_google, google_workspace_settings) -> Path:
    return upload_program(fake_google, demo, google_workspace_settings)


def test_the_google_overview_gets_its_two_charts_and_reruns_replace_them(google_demo, fake_google):
    coordinator = spreadsheet_id(load(google_demo).outputs.coordinator_spreadsheet)

    def charts() -> list[tuple[str, int]]:
        sheets = fake_google.sheets.spreadsheet(coordinator)["sheets"]
        [overview] = [s for s in sheets if s["properties"]["title"] == OVERVIEW]
        return [
            (c["spec"]["title"], len(c["spec"]["basicChart"]["series"]))
            for c in overview.get("charts", [])
        ]

    progress(google_demo, RUN_DAYS[0])
    assert charts() == []
    for day in RUN_DAYS[1:]:
        progress(google_demo, day)

    assert charts() == [(TITLES[0], 2), (TITLES[1], 1)]
    fake_google.reset_log()
    assert progress(google_demo, RUN_DAYS[-1])["changes"] == 0
    assert fake_google.counts().get("sheets.spreadsheets.batchUpdate", 0) == 0
