"""`tutorsync run --config-dir`: a district's programs from one folder, split into shards the
way a job engine runs them, each program exactly once, one failing without stopping the rest,
and logs a pipeline can read."""

import json
import logging
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from jobs import cli as cli_module
from jobs.cli import cli
from jobs.demo import create_demo
from jobs.errors import WorkspaceError
from jobs.infra.lock import program_lock
from jobs.settings import Settings, load
from jobs.shards import shard_of

TODAY = date(2026, 11, 23)

# With two shards, alpha is in shard 0 and beta and gamma in shard 1.
KEYS = ("alpha", "beta", "gamma")
ENGINE_VARIABLES = (
    "TUTORSYNC_CONFIG",
    "TUTORSYNC_CONFIG_DIR",
    "TUTORSYNC_SHARD",
    "TUTORSYNC_SHARD_COUNT",
    "TUTORSYNC_QUOTA_SHARE",
    "TUTORSYNC_RUN_ID",
    "TUTORSYNC_LOG_FORMAT",
    "JOB_COMPLETION_INDEX",
    "CLOUD_RUN_TASK_INDEX",
    "CLOUD_RUN_TASK_COUNT",
    "CLOUD_RUN_EXECUTION",
    "GITHUB_RUN_ID",
)


@pytest.fixture(autouse=True)
def no_engine(monkeypatch) -> None:
    """Each test sets the job engine's variables it means; none leak in from where it runs."""
    for name in ENGINE_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def programs_template(tmp_path_factory) -> Path:
    """A folder of three small demo programs' configs, each program's files in its own
    subfolder, and a shared settings file that is not a program."""
    folder = tmp_path_factory.mktemp("programs")
    for key in KEYS:
        config = create_demo(folder / key, today=TODAY, students=12)
        text = config.read_text(encoding="utf-8")
        text = text.replace("[program]\n", f'[program]\nkey = "{key}"\n', 1)
        (folder / f"{key}.toml").write_text(text.replace('path = "."', f'path = "{key}"', 1))
        config.unlink()  # only the folder's own configs are programs
    (folder / "base.toml").write_text('[workspace]\nkind = "local"\n')
    return folder


@pytest.fixture
def programs(tmp_path, programs_template) -> Path:
    folder = tmp_path / "programs"
    shutil.copytree(programs_template, folder)
    return folder


def tutorsync(*args: str, expect: int = 0) -> Result:
    result = CliRunner().invoke(cli, ["run", "--as-of", TODAY.isoformat(), *args])
    assert result.exit_code == expect, result.output + repr(result.exception)
    return result


def ran(document: dict) -> dict[str, list[str]]:
    """Program key -> the jobs it ran, from a --config-dir --json report."""
    return {p["program"]: [job["job"] for job in p["jobs"]] for p in document["programs"]}


def test_two_shards_run_every_program_exactly_once(programs):
    shards = [
        json.loads(tutorsync("--config-dir", str(programs), "--shard", f"{i}/2", "--json").stdout)
        for i in range(2)
    ]

    assert [ran(document) for document in shards] == [
        {"alpha": ["folders", "checkins", "progress"]},
        {"beta": ["folders", "checkins", "progress"], "gamma": ["folders", "checkins", "progress"]},
    ]
    assert [document["shard"] for document in shards] == ["0/2", "1/2"]
    for key in KEYS:
        assert (programs / key / "coordinator.xlsx").exists()
    # Run again unsharded: every program, each finding nothing left to do.
    again = json.loads(tutorsync("--config-dir", str(programs), "--json").stdout)
    assert sorted(ran(again)) == list(KEYS)
    assert [job["changes"] for p in again["programs"] for job in p["jobs"]] == [0] * 9


@pytest.mark.parametrize(
    "engine",
    [
        {"TUTORSYNC_SHARD": "1/2"},
        {"JOB_COMPLETION_INDEX": "1", "TUTORSYNC_SHARD_COUNT": "2"},
        {"CLOUD_RUN_TASK_INDEX": "1", "CLOUD_RUN_TASK_COUNT": "2"},
    ],
)
def test_the_engines_variables_pick_the_same_programs_as_shard(programs, monkeypatch, engine):
    dry_run = ("--config-dir", str(programs), "--dry-run", "--json")
    by_option = json.loads(tutorsync(*dry_run, "--shard", "1/2").stdout)
    for name, value in engine.items():
        monkeypatch.setenv(name, value)

    by_engine = json.loads(tutorsync(*dry_run).stdout)

    assert ran(by_engine) == ran(by_option) and sorted(ran(by_engine)) == ["beta", "gamma"]
    assert by_engine["shard"] == by_option["shard"] == "1/2"


def test_a_failing_program_does_not_stop_the_others(programs):
    broken = programs / "beta.toml"
    broken.write_text(broken.read_text().replace("window_days = 28", "window_days = 0"))
    gamma = programs / "gamma.toml"

    with program_lock(load(gamma), gamma, command="tutorsync run"):
        result = tutorsync("--config-dir", str(programs), expect=2)

    assert "== alpha (" in result.stdout and "progress: Riverbend" in result.stdout
    assert "== beta.toml (" in result.stdout
    assert "FAILED (status 2): " in result.stdout and "thresholds.window_days" in result.stdout
    assert "== gamma (" in result.stdout
    assert "FAILED (status 4): another run of program gamma is in progress" in result.stdout
    assert result.stdout.rstrip().endswith(
        "shard 0/1: 3 program(s), 1 ok, 1 with status 2, 1 with status 4"
    )
    assert "ERROR jobs.fleet: program gamma failed (status 4)" in result.stderr
    assert (programs / "alpha" / "coordinator.xlsx").exists()
    assert not (programs / "gamma" / "coordinator.xlsx").exists()


def test_json_logs_carry_the_run_program_shard_and_job(programs, monkeypatch):
    monkeypatch.setenv("CLOUD_RUN_EXECUTION", "tutorsync-nightly-x7k2p")
    args = ("--config-dir", str(programs), "--shard", "1/2", "--dry-run", "--json")

    result = tutorsync(*args, "--log-format", "json")

    records = [json.loads(line) for line in result.stderr.splitlines()]
    assert {record["run_id"] for record in records} == {"tutorsync-nightly-x7k2p"}
    assert {record["shard"] for record in records} == {"1/2"}
    finished = [r for r in records if r["message"] == "job finished"]
    assert [(r["program"], r["job"]) for r in finished] == [
        (key, job) for key in ("beta", "gamma") for job in ("folders", "checkins", "progress")
    ]
    assert all(r["changes"] > 0 and r["duration_seconds"] >= 0 for r in finished)
    [progress] = [r for r in records if r["logger"] == "jobs.progress" and r["program"] == "beta"]
    assert progress["job"] == "progress" and progress["level"] == "INFO"
    assert json.loads(result.stdout)["run_id"] == "tutorsync-nightly-x7k2p"
    # At INFO, like any log: counts and keys, never a student's name or e-mail.
    roster = openpyxl.load_workbook(programs / "beta" / "roster.xlsx")["Roster"]
    names = [row[1] for row in roster.iter_rows(min_row=2, values_only=True) if row[1]]
    last_names = [name.partition(",")[0] for name in names]
    assert names and not [name for name in names + last_names if name in result.stderr]
    # The run id given wins over the engine's.
    given = tutorsync(*args, "--run-id", "manual-1")
    assert json.loads(given.stdout)["run_id"] == "manual-1"


def test_a_config_error_is_a_json_record_too(programs, monkeypatch):
    monkeypatch.setenv("TUTORSYNC_SHARD", "2/2")

    result = tutorsync("--config-dir", str(programs), "--log-format", "json", expect=2)

    [record] = [json.loads(line) for line in result.stderr.splitlines()]
    assert record["level"] == "ERROR"
    assert record["message"].startswith("$TUTORSYNC_SHARD = '2/2': shard 2 does not exist")
    assert len(record["run_id"]) == 32 and result.stdout == ""
    # The command's logging ended with it: the next command in this process starts afresh.
    assert not any(h.get_name() == "tutorsync" for h in logging.getLogger().handlers)


def test_one_config_outside_the_shard_is_skipped_so_one_command_serves_every_task(programs):
    config = str(programs / "alpha.toml")

    result = tutorsync("--config", config, "--shard", "1/2")

    assert result.stdout == "program alpha is in shard 0/2, not 1/2: nothing to do here\n"
    assert not (programs / "alpha" / "coordinator.xlsx").exists()
    document = json.loads(tutorsync("--config", config, "--shard", "0/2", "--json").stdout)
    assert document["shard"] == "0/2" and document["ok"] and len(document["jobs"]) == 3


def test_config_and_config_dir_together_are_refused(programs, monkeypatch):
    monkeypatch.setenv("TUTORSYNC_CONFIG", str(programs / "alpha.toml"))

    result = tutorsync("--config-dir", str(programs), expect=2)

    assert "Error: pass --config or --config-dir, not both (--config is $TUTORSYNC_CONFIG)" in (
        result.stderr
    )


@pytest.fixture
def opened(monkeypatch) -> Iterator[list[Settings]]:
    """The settings each program's workspace is opened with; opening then fails, so nothing
    reaches Google."""
    seen: list[Settings] = []

    def open_workspace(settings: Settings, **_: object) -> None:
        seen.append(settings)
        raise WorkspaceError("stopped by the test")

    monkeypatch.setattr(cli_module, "open_workspace", open_workspace)
    yield seen


def test_each_shard_paces_itself_to_its_share_of_the_google_quotas(programs, opened):
    config = programs / "alpha.toml"
    google = 'path = "alpha"\n\n[workspace.google]\nkey_file = "sa.json"'
    text = config.read_text().replace('kind = "local"', 'kind = "google"')
    config.write_text(text.replace('path = "alpha"', google))
    shard = f"{shard_of('alpha', 4)}/4"

    tutorsync("--config", str(config), "--shard", shard, "--dry-run", expect=1)
    tutorsync("--config", str(config), "--quota-share", "0.5", "--dry-run", expect=1)

    assert [s.workspace.google.quotas.model_dump() for s in opened if s.workspace.google] == [
        {"sheets_read": 15, "sheets_write": 15, "calendar": 150, "drive": 150},
        {"sheets_read": 30, "sheets_write": 30, "calendar": 300, "drive": 300},
    ]


def test_a_bad_quota_share_is_refused_before_anything_runs(programs, opened):
    result = tutorsync("--config-dir", str(programs), "--quota-share", "2", expect=2)

    assert "Error: --quota-share = '2' must be more than 0 and at most 1" in result.stderr
    assert opened == []
