"""A folder of program configs split into shards: every program in exactly one, wherever and
however the shard is given; each shard's share of the Google quotas; one program's failure
never stops the others."""

import tomllib
from pathlib import Path

import pytest

from jobs import fleet
from jobs.errors import ConfigError, LockedError, WorkspaceError
from jobs.fleet import find_programs, run_shard
from jobs.report import RunReport
from jobs.settings import Settings, parse
from jobs.shards import UNSHARDED, Shard, shard_of

PROGRAMS = 25


def program_toml(key: str, *, workspace: str = 'kind = "local"') -> str:
    return f"""
[program]
name = "Program {key}"
key = "{key}"

[workspace]
{workspace}

[sources.roster]
spreadsheet = "roster.xlsx"
tab = "Roster"

[[sources.tutor_logs]]
spreadsheet = "log.xlsx"
tabs = ["Sessions"]

[outputs]
coordinator_spreadsheet = "coordinator.xlsx"
"""


GOOGLE_WORKSPACE = """kind = "google"

[workspace.google]
key_file = "sa.json"

[workspace.google.quotas]
sheets_read = 60
sheets_write = 40
calendar = 600
drive = 300
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """25 program configs, and the files beside them that are not programs."""
    for number in range(PROGRAMS):
        key = f"school-{number:02d}"
        (tmp_path / f"{key}.toml").write_text(program_toml(key))
    # `init --google-config`'s file: shared settings, no [program].
    (tmp_path / "base.toml").write_text(
        '[workspace]\nkind = "google"\n\n[workspace.google]\nkey_file = "sa.json"\n\n'
        '[init]\ndrive_folder = "1AbC"\n'
    )
    (tmp_path / "_shared.toml").write_text(program_toml("underscore-is-skipped"))
    (tmp_path / "notes.txt").write_text("not a config")
    (tmp_path / "archive").mkdir()
    (tmp_path / "archive" / "old.toml").write_text(program_toml("not-directly-in-the-folder"))
    return tmp_path


def keys_run(config_dir: Path, shard: Shard) -> list[str]:
    ran: list[str] = []

    def record(settings: Settings, path: Path) -> list[RunReport]:
        ran.append(settings.program.key)
        return []

    run_shard(find_programs(config_dir), shard, record)
    return ran


# --- Every program in exactly one shard -------------------------------------------------------


@pytest.mark.parametrize("count", range(1, 9))
def test_every_program_runs_in_exactly_one_shard(config_dir, count):
    ran = [key for index in range(count) for key in keys_run(config_dir, Shard(index, count))]

    assert sorted(ran) == [f"school-{number:02d}" for number in range(PROGRAMS)]


def test_only_program_configs_directly_in_the_folder_are_programs(config_dir, caplog):
    caplog.set_level("INFO")

    programs = find_programs(config_dir)

    assert len(programs) == PROGRAMS and all(p.error is None for p in programs)
    assert f"skipped {config_dir / 'base.toml'}: it has no [program] table" in caplog.text
    assert f"skipped {config_dir / '_shared.toml'}: its name starts with '_'" in caplog.text


def test_the_split_is_pinned_so_every_process_and_release_agrees():
    # sha256 of the key: Python's hash() of a string changes with every process. A change of
    # these numbers moves programs between shards, which must never happen by accident.
    assert [shard_of("lincoln", 4), shard_of("riverbend", 4), shard_of("school-00", 8)] == [1, 2, 2]
    assert all(UNSHARDED.owns(key) for key in ("lincoln", "riverbend", ""))


def test_a_broken_config_is_reported_by_exactly_one_shard(config_dir):
    (config_dir / "broken.toml").write_text("[program\nname = 'x'")
    (config_dir / "invalid.toml").write_text(
        program_toml("invalid") + '\n[thresholds]\nwindow_days = "four weeks"\n'
    )
    programs = find_programs(config_dir)
    reported = [
        run.name
        for index in range(3)
        for run in run_shard(programs, Shard(index, 3), lambda settings, path: [])
        if run.error
    ]

    assert sorted(reported) == ["broken.toml", "invalid.toml"]
    [invalid] = [p for p in programs if p.path.name == "invalid.toml"]
    assert invalid.error and "thresholds.window_days" in str(invalid.error)


def test_two_configs_with_one_key_both_fail_and_say_why(config_dir):
    (config_dir / "copy.toml").write_text(program_toml("school-03"))

    programs = {p.path.name: p for p in find_programs(config_dir)}

    for name, other in (("copy.toml", "school-03.toml"), ("school-03.toml", "copy.toml")):
        error = programs[name].error
        assert error and f"program.key 'school-03' is also the key of {config_dir / other}" in str(
            error
        )
    assert programs["school-04.toml"].error is None


def test_a_folder_without_programs_is_a_config_error(tmp_path):
    (tmp_path / "base.toml").write_text('[workspace]\nkind = "local"\n')
    with pytest.raises(ConfigError, match="holds no program config"):
        find_programs(tmp_path)
    with pytest.raises(ConfigError, match="is not a folder"):
        find_programs(tmp_path / "missing")


# --- Where the shard comes from -------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "shard"),
    [
        ({}, UNSHARDED),
        ({"JOB_COMPLETION_INDEX": "2", "TUTORSYNC_SHARD_COUNT": "5"}, Shard(2, 5)),
        ({"CLOUD_RUN_TASK_INDEX": "0", "CLOUD_RUN_TASK_COUNT": "3"}, Shard(0, 3)),
        # A Kubernetes Indexed Job comes first, whatever else the container inherited.
        (
            {
                "JOB_COMPLETION_INDEX": "1",
                "TUTORSYNC_SHARD_COUNT": "2",
                "CLOUD_RUN_TASK_INDEX": "0",
                "CLOUD_RUN_TASK_COUNT": "1",
            },
            Shard(1, 2),
        ),
        ({"TUTORSYNC_SHARD_COUNT": "4"}, UNSHARDED),  # no index: not an Indexed Job
    ],
)
def test_the_job_engines_index_gives_the_shard(environ, shard):
    assert fleet.shard_from_engine(environ) == shard


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"JOB_COMPLETION_INDEX": "1"},
            "TUTORSYNC_SHARD_COUNT is not set; set it to the Job's .spec.completions",
        ),
        (
            {"JOB_COMPLETION_INDEX": "one", "TUTORSYNC_SHARD_COUNT": "2"},
            "JOB_COMPLETION_INDEX = 'one' is not a whole number",
        ),
        (
            {"JOB_COMPLETION_INDEX": "4", "TUTORSYNC_SHARD_COUNT": "4"},
            "JOB_COMPLETION_INDEX = 4 with TUTORSYNC_SHARD_COUNT = 4: shard 4 does not exist; "
            "4 shard(s) are numbered 0 to 3",
        ),
        (
            {"JOB_COMPLETION_INDEX": "0", "TUTORSYNC_SHARD_COUNT": "0"},
            "the number of shards must be at least 1",
        ),
        (
            {"CLOUD_RUN_TASK_INDEX": "1"},
            "CLOUD_RUN_TASK_INDEX is set but CLOUD_RUN_TASK_COUNT is not",
        ),
        (
            {"CLOUD_RUN_TASK_INDEX": "1", "CLOUD_RUN_TASK_COUNT": "-2"},
            "CLOUD_RUN_TASK_COUNT = '-2' is not a whole number",
        ),
        (
            {"CLOUD_RUN_TASK_INDEX": "\u00b2", "CLOUD_RUN_TASK_COUNT": "4"},
            "CLOUD_RUN_TASK_INDEX = '\u00b2' is not a whole number",
        ),
    ],
)
def test_a_bad_engine_variable_is_named(environ, message):
    with pytest.raises(ConfigError) as raised:
        fleet.shard_from_engine(environ)
    assert message in str(raised.value)


@pytest.mark.parametrize(("text", "shard"), [("0/1", UNSHARDED), (" 3 / 8 ", Shard(3, 8))])
def test_a_shard_is_written_i_of_n(text, shard):
    assert fleet.parse_shard(text, source="--shard") == shard
    assert str(shard) == text.replace(" ", "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2/2", "--shard = '2/2': shard 2 does not exist; 2 shard(s) are numbered 0 to 1"),
        ("0/0", "--shard = '0/0': the number of shards must be at least 1"),
        ("-1/4", "--shard = '-1/4' is not a shard; write i/N"),
        ("1", "--shard = '1' is not a shard; write i/N"),
        ("a/b", "--shard = 'a/b' is not a shard; write i/N"),
    ],
)
def test_a_bad_shard_is_named_with_where_it_came_from(text, message):
    with pytest.raises(ConfigError) as raised:
        fleet.parse_shard(text, source="--shard")
    assert str(raised.value).startswith(message)


# --- Quota share --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shard", "share"),
    [
        ("auto", UNSHARDED, 1.0),
        ("auto", Shard(1, 4), 0.25),
        ("AUTO", Shard(0, 8), 0.125),
        ("0.5", Shard(0, 4), 0.5),  # explicit: as given, whatever the shards
        ("1/3", UNSHARDED, 1 / 3),
        ("1", Shard(0, 2), 1.0),
    ],
)
def test_quota_share_is_the_shards_part_or_as_given(text, shard, share):
    assert fleet.quota_share(text, shard, source="--quota-share") == pytest.approx(share)


@pytest.mark.parametrize("text", ["0", "1.5", "-0.25", "half", "nan", "1/0", ""])
def test_a_quota_share_outside_0_to_1_is_refused(text):
    with pytest.raises(ConfigError, match=r"^\$TUTORSYNC_QUOTA_SHARE = "):
        fleet.quota_share(text, UNSHARDED, source="$TUTORSYNC_QUOTA_SHARE")


def test_quota_share_scales_every_per_minute_google_quota(tmp_path):
    settings = parse(
        tomllib.loads(program_toml("g", workspace=GOOGLE_WORKSPACE)), config_dir=tmp_path
    )

    shared = fleet.share_quotas(settings, 0.25)

    assert shared.workspace.google and settings.workspace.google
    assert shared.workspace.google.quotas.model_dump() == {
        "sheets_read": 15,
        "sheets_write": 10,
        "calendar": 150,
        "drive": 75,
    }
    assert settings.workspace.google.quotas.sheets_read == 60  # the loaded settings unchanged
    assert shared.workspace.google.key_file == "sa.json" and shared.program == settings.program


def test_a_local_workspace_has_no_quota_to_share(tmp_path):
    settings = parse(tomllib.loads(program_toml("local")), config_dir=tmp_path)
    assert fleet.share_quotas(settings, 0.5) is settings


# --- One program failing ------------------------------------------------------------------


def test_a_failing_program_is_reported_and_the_others_still_run(config_dir, caplog):
    programs = find_programs(config_dir)[:5]
    failures = {
        "school-01": LockedError("another run of program school-01 is in progress"),
        "school-02": WorkspaceError("could not write coordinator.xlsx"),
        "school-03": KeyError("a bug"),
    }
    ran = []

    def run(settings: Settings, path: Path) -> list[RunReport]:
        ran.append(settings.program.key)
        if error := failures.get(settings.program.key):
            raise error
        return []

    runs = run_shard(programs, UNSHARDED, run)

    assert ran == [f"school-{number:02d}" for number in range(5)]
    assert [run.status(strict=False) for run in runs] == [0, 4, 1, 1, 0]
    assert runs[3].error == "unexpected KeyError (see the log)"
    assert "program school-03 failed unexpectedly" in caplog.text
    assert fleet.worst_status(run.status(strict=False) for run in runs) == 1


@pytest.mark.parametrize(
    ("statuses", "worst"),
    [([], 0), ([0, 0], 0), ([4, 0], 4), ([4, 3], 3), ([3, 2, 4], 2), ([4, 1, 2, 3], 1)],
)
def test_a_shards_status_is_the_most_serious_of_its_programs(statuses, worst):
    assert fleet.worst_status(statuses) == worst


def test_a_program_folder_init_made_is_found_with_its_paths(config_dir):
    lincoln = config_dir / "lincoln"
    lincoln.mkdir()
    (lincoln / "tutorsync.toml").write_text(program_toml("lincoln", workspace='path = "."'))
    (config_dir / "_retired").mkdir()
    (config_dir / "_retired" / "tutorsync.toml").write_text(program_toml("retired"))

    programs = {p.program: p for p in find_programs(config_dir)}

    assert "retired" not in programs and "not-directly-in-the-folder" not in programs
    found = programs["lincoln"]
    assert found.path == lincoln / "tutorsync.toml" and found.error is None
    assert found.settings is not None
    assert found.settings.workspace_root == lincoln.resolve()
