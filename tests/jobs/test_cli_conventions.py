"""What a coordinator meets at the command line (issue 19): errors that say what is wrong with
the value typed, options that cannot go together, one --json shape, help in the order
commands are used, each with an example and its exit statuses."""

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from jobs.cli import COMMAND_ORDER, as_of_warning, cli
from jobs.cli_params import Day, Seconds
from jobs.settings import load

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli") / "demo"
    result = CliRunner().invoke(
        cli, ["demo", str(folder), "--students", "12", "--today", TODAY.isoformat()]
    )
    assert result.exit_code == 0, result.output
    return folder / "tutorsync.toml"


def run(config: Path, *args: str):
    return CliRunner().invoke(cli, ["run", "--config", str(config), *args])


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("2026-02-30", "2026-02-30 is not a day: February 2026 has 28 days"),
        ("2028-02-30", "2028-02-30 is not a day: February 2028 has 29 days"),
        ("2026-13-01", "2026-13-01 is not a day: there is no month 13"),
        ("23/11/2026", "'23/11/2026' is not a day written YYYY-MM-DD, such as 2026-11-23"),
    ],
)
def test_a_day_that_does_not_exist_is_named_as_such(demo, typed, said):
    result = run(demo, "--as-of", typed)

    assert result.exit_code == 2
    assert f"Invalid value for '--as-of': {said}" in result.stderr


@given(st.dates())
def test_every_day_of_the_calendar_reads_back_as_itself(day):
    assert Day().convert(day.isoformat(), None, None) == day


def test_help_shows_the_days_format_not_strptimes():
    result = CliRunner().invoke(cli, ["run", "--help"])

    assert "--as-of YYYY-MM-DD" in result.stdout and "%Y" not in result.stdout


@pytest.mark.parametrize("typed", ["abc", "-5", "nan", "inf"])
def test_a_wait_that_is_not_a_number_of_seconds_says_so(demo, typed):
    result = run(demo, "--wait", typed)

    assert result.exit_code == 2
    assert "is not a number of seconds" in result.stderr
    assert "float range" not in result.stderr


def test_seconds_read_numbers_and_numbers_typed():
    assert [Seconds().convert(v, None, None) for v in (0, "600", " 1.5 ")] == [0.0, 600.0, 1.5]


def test_verbose_and_quiet_together_are_refused(demo):
    result = run(demo, "-v", "-q")

    assert result.exit_code == 2
    assert "-v and -q ask for opposite things" in result.stderr


def test_an_as_of_outside_the_term_or_after_today_is_run_and_said(demo):
    old = run(demo, "--as-of", "1999-01-01", "--dry-run")
    later = run(demo, "--as-of", "2099-01-01", "--dry-run")

    assert old.exit_code == 0, old.output
    assert old.stderr.count("--as-of 1999-01-01 is outside the term (") == 1
    assert "--as-of 2099-01-01 is after today" in later.stderr


@pytest.mark.parametrize(("as_of", "said"), [("1999-01-01", True), ("2026-09-01", False)])
def test_without_a_term_an_as_of_a_year_ago_is_said(demo, as_of, said):
    settings = load(demo).model_copy(update={"checkins": None})

    warning = as_of_warning(date.fromisoformat(as_of), date(2026, 12, 7), settings)

    assert ("before this school year" in warning) is said


def test_auth_login_with_a_local_config_is_a_config_error(demo):
    result = CliRunner().invoke(cli, ["auth", "login", "--config", str(demo)])

    assert result.exit_code == 2
    assert "does not use Google" in result.stderr


def test_a_config_error_under_json_still_prints_one_json_document(tmp_path):
    config = tmp_path / "tutorsync.toml"
    config.write_text('[program]\nname = "x"\nkey = "bad key!"\n', encoding="utf-8")

    result = run(config, "--json")

    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert document["schema"] == 1 and document["ok"] is False
    assert document["exit_status"] == 2 and document["error"]


@pytest.mark.parametrize("command", ["run", "progress", "validate"])
def test_run_and_single_job_commands_print_the_same_json_shape(demo, command):
    args = [command, "--config", str(demo), "--as-of", TODAY.isoformat(), "--json"]
    args += ["--dry-run"] if command != "validate" else []

    document = json.loads(CliRunner().invoke(cli, args).stdout)

    assert set(document) - {"notice", "shard"} == {"schema", "ok", "run_id", "jobs"}
    assert document["schema"] == 1
    assert all({"job", "ok", "changes", "issues"} <= set(job) for job in document["jobs"])


def test_doctor_prints_json_too(demo):
    result = CliRunner().invoke(cli, ["doctor", "--config", str(demo), "--json"])

    document = json.loads(result.stdout)
    assert result.exit_code == 0 and document["ok"] is True and document["schema"] == 1
    assert {check["result"] for check in document["checks"]} <= {"ok", "skipped"}


def test_help_lists_commands_in_the_order_they_are_used_each_in_one_line():
    text = CliRunner().invoke(cli, ["--help"]).stdout
    listed = [line.split()[0] for line in text.split("Commands:")[1].splitlines() if line.strip()]

    assert listed == [*COMMAND_ORDER, "auth"]
    assert "..." not in text.split("Commands:")[1]


@pytest.mark.parametrize("command", [*COMMAND_ORDER])
def test_each_commands_help_has_an_example_and_its_exit_statuses(command):
    text = " ".join(CliRunner().invoke(cli, [command, "--help"]).stdout.split())

    assert f"Example: tutorsync {command}" in text
    assert "Exit status: 0 done; 1" in text and "2 bad usage or config" in text
