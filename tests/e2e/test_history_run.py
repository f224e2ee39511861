"""The Weekly history tab as a coordinator meets it: built run by run over weeks, the same as
rebuilt from the sources in one go, and a rerun in the same week writes nothing."""

import json
import shutil
from datetime import date, datetime

import openpyxl
import pytest
from click.testing import CliRunner

from jobs.cli import cli
from jobs.plan.overview import STREAK_WIN

# The demo's sessions run up to its today, 2026-11-23 (tests/e2e/conftest.py).
RUN_DAYS = ["2026-10-28", "2026-10-30", "2026-11-06", "2026-11-10", "2026-11-20", "2026-11-23"]


def invoke(config, *args, expect=0):
    result = CliRunner().invoke(cli, [*args, "--config", str(config), "--json"])
    assert result.exit_code == expect, result.output
    return result


def history(folder):
    book = openpyxl.load_workbook(folder / "coordinator.xlsx")
    return list(book["Weekly history"].iter_rows(values_only=True))


@pytest.fixture
def built_run_by_run(demo):
    for day in RUN_DAYS:
        invoke(demo / "tutorsync.toml", "progress", "--as-of", day)
    return demo


def test_history_rebuilt_from_the_sources_equals_history_built_run_by_run(
    built_run_by_run, tmp_path, demo_template
):
    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(demo_template, rebuilt)

    invoke(
        rebuilt / "tutorsync.toml",
        "history",
        "--as-of",
        RUN_DAYS[-1],
        "--rebuild",
        "--since",
        RUN_DAYS[0],
    )

    rows = history(built_run_by_run)
    assert history(rebuilt) == rows
    weeks = sorted({row[0] for row in rows[1:]})
    assert weeks == ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    # Ended weeks are counted to their Sunday; the week running to the day of the figures.
    as_of = {row[0]: row[1].date() for row in rows[1:]}
    assert as_of["2026-W47"] == date(2026, 11, 22) and as_of["2026-W48"] == date(2026, 11, 23)


def test_a_rerun_later_in_the_same_week_with_the_same_sources_writes_nothing(demo):
    config = demo / "tutorsync.toml"
    invoke(config, "progress", "--as-of", "2026-11-23")  # a Monday
    before = (demo / "coordinator.xlsx").read_bytes()

    later = invoke(config, "history", "--as-of", "2026-11-23")

    assert '"changes": 0' in later.stdout
    assert (demo / "coordinator.xlsx").read_bytes() == before


def test_ended_weeks_stay_frozen_until_a_rebuild_and_students_who_left_keep_their_rows(
    built_run_by_run,
):
    config = built_run_by_run / "tutorsync.toml"
    # Sessions typed late, dated in an ended week (2026-W45), for two students; one leaves.
    stays, leaves = [r for r in history(built_run_by_run)[1:] if r[0] == "2026-W45"][:2]
    log = openpyxl.load_workbook(built_run_by_run / "tutor_log.xlsx")
    late = datetime(2026, 11, 4)
    for student in (stays, leaves):
        log["Form Responses 1"].append(
            [late, "tutor.shah@riverbend.example", student[2], None, late, 45, "Present"]
        )
    log.save(built_run_by_run / "tutor_log.xlsx")
    roster = openpyxl.load_workbook(built_run_by_run / "roster.xlsx")
    for row in roster["Roster"].iter_rows(min_row=2):
        if row[0].value == leaves[2]:
            row[5].value = "No"
    roster.save(built_run_by_run / "roster.xlsx")

    invoke(config, "progress", "--as-of", RUN_DAYS[-1])
    frozen = {(r[0], r[2]): r for r in history(built_run_by_run)[1:]}
    invoke(config, "history", "--as-of", RUN_DAYS[-1], "--rebuild", "--since", "2026-11-02")
    rebuilt = {(r[0], r[2]): r for r in history(built_run_by_run)[1:]}

    assert frozen[("2026-W45", stays[2])] == stays  # an ended week is as it was...
    assert rebuilt[("2026-W45", stays[2])][3] == stays[3] + 1  # ...until rebuilt
    assert rebuilt[("2026-W45", leaves[2])] == leaves  # left: kept as it was
    assert rebuilt.keys() == frozen.keys()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--rebuild"], "--rebuild and --since go together"),
        (["--since", "2026-11-01"], "--rebuild and --since go together"),
        (["--rebuild", "--since", "2026-12-01"], "is after the day of the figures"),
    ],
)
def test_rebuild_needs_a_since_day_up_to_the_day_of_the_figures(demo, args, said):
    result = invoke(demo / "tutorsync.toml", "history", "--as-of", "2026-11-23", *args, expect=2)
    assert said in result.output


def test_three_weeks_at_the_target_is_a_win_on_the_overview_and_the_students_rows(demo):
    config = demo / "tutorsync.toml"
    invoke(config, "history", "--as-of", RUN_DAYS[-1], "--rebuild", "--since", "2026-09-14")
    invoke(config, "run", "--as-of", RUN_DAYS[-1])

    book = openpyxl.load_workbook(demo / "coordinator.xlsx")
    overview = list(book["Program overview"].iter_rows(values_only=True))
    streaks = {row[1] for row in overview if row[2] == STREAK_WIN}
    summary = list(book["Progress summary"].iter_rows(values_only=True))
    wins = {row[0]: row[summary[0].index("Wins")] or "" for row in summary[1:] if row[0]}
    assert streaks and all(STREAK_WIN in wins[student] for student in streaks)
    assert not any(STREAK_WIN in won for student, won in wins.items() if student not in streaks)
    again = json.loads(invoke(config, "run", "--as-of", RUN_DAYS[-1]).stdout)
    assert [job["changes"] for job in again["jobs"]] == [0, 0, 0]
