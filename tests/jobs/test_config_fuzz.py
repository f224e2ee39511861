"""Property: every invalid config is refused with a message naming each bad key, and
`tutorsync run` with one exits 2 before it reads or writes anything.

Each config starts from a valid one like the demo's (every section filled in) and is then
mutated: a required key dropped, a value of the wrong type, an unknown key, or a value out of
its domain (enums, e-mails, domains, time zones, tab titles, dates, numbers out of range).
"""

from __future__ import annotations

import copy
import json
import math
import shutil
import tempfile
import tomllib
import typing
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fake_google.programs import upload_program
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from jobs.cli import cli
from jobs.demo import create_demo
from jobs.errors import ConfigError
from jobs.settings import Settings, parse

TODAY = date(2026, 11, 23)
BANDA = "mr.banda@riverbend.example"

# The demo's config (`tutorsync demo`), with every optional setting written out.
VALID: dict[str, Any] = {
    "program": {
        "name": "Riverbend Demo Tutoring (fictional)",
        "key": "riverbend-demo",
        "timezone": "America/Chicago",
        "day_first": False,
    },
    "workspace": {
        "kind": "local",
        "path": ".",
        "google": {
            "auth": "service_account",
            "key_file": "service-account.json",
            "timeout_seconds": 60,
            "quotas": {"sheets_read": 60, "sheets_write": 60, "calendar": 600, "drive": 600},
        },
    },
    "sources": {
        "roster": {"spreadsheet": "roster.xlsx", "tab": "Roster"},
        "tutor_logs": [
            {"spreadsheet": "tutor_log.xlsx", "tabs": ["Form Responses 1", "Older sessions"]}
        ],
        "gradebooks": [
            {
                "spreadsheet": "gradebooks/okafor.xlsx",
                "tab": "Grades",
                "teacher": "ms.okafor@riverbend.example",
                "columns": {"student_id": "Learner #"},
            },
            {"spreadsheet": "gradebooks/banda.csv", "tab": "Grades", "teacher": BANDA},
        ],
    },
    "grades": {
        "missing_counts_as_zero": True,
        "category_weights": {"Homework": 0.3, "Quiz": 0.2, "Test": 0.5},
    },
    "thresholds": {
        "window_days": 28,
        "no_session_days": 14,
        "min_attendance": 0.7,
        "grade_floor": 70,
        "grade_drop_points": 10,
        "missing_threshold": 3,
    },
    "targets": {"sessions_per_week": 3, "minutes_per_week": 90, "grade_gain_points": 5},
    "outputs": {
        "coordinator_spreadsheet": "coordinator.xlsx",
        "summary_tab": "Progress summary",
        "issues_tab": "Data issues",
        "run_log_tab": "Run log",
        "teacher_tab": "Tutoring progress",
        "feedback_tab": "Teacher feedback",
        "student_list_tab": "Student list",
        "teacher_spreadsheets": {BANDA: "progress/banda-progress.xlsx"},
    },
    "checkins": {
        "calendar": "calendar.ics",
        "cadence": "every_2_weeks",
        "weekday": "tuesday",
        "window_start": "15:30",
        "window_end": "17:00",
        "duration_minutes": 30,
        "start_date": date(2026, 9, 15),
        "term_end": date(2027, 1, 18),
        "closures": ["2026-12-10..2026-12-11", date(2026, 11, 26)],
        "on_flags": ["grade_drop", "no_recent_session", "follow_up"],
        "within_school_days": 3,
        "coordinators": ["coordinator@riverbend.example"],
        "invite_on_create": True,
        "notify_on_update": False,
    },
    "folders": {
        "root": "folders",
        "term": "2026-27",
        "name": "{last}, {first} ({id})",
        "archive": "Archived",
        "role": "writer",
        "allowed_domains": ["riverbend.example"],
        "coordinators": ["coordinator@riverbend.example"],
        "notify": False,
        "revoke_on_leave": True,
        "templates": [
            {"file": "templates/Individual learning plan.xlsx", "name": "Individual learning plan"}
        ],
    },
}

KeyPath = tuple[str | int, ...]


def dotted(path: KeyPath) -> str:
    """A key path as the error message says it ("sources.tutor_logs.0.tabs"). A validator of
    a whole list names the list, so trailing list positions are left off."""
    while path and isinstance(path[-1], int):
        path = path[:-1]
    return ".".join(str(part) for part in path)


# --- Where the settings models are in the config ---------------------------------------------


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        if found := _model_in(argument):
            return found
    return None


def model_paths(
    model: type[BaseModel], value: dict[str, Any], path: KeyPath = ()
) -> Iterator[tuple[KeyPath, type[BaseModel]]]:
    """Every table of the config that is a settings model, with that model."""
    yield path, model
    for name, info in model.model_fields.items():
        inner = _model_in(info.annotation)
        if inner is None or name not in value:
            continue
        child = value[name]
        if isinstance(child, list):
            for index, item in enumerate(child):
                yield from model_paths(inner, item, (*path, name, index))
        else:
            yield from model_paths(inner, child, (*path, name))


def value_paths(value: Any, path: KeyPath = ()) -> Iterator[KeyPath]:
    """Every key and list item of the config, tables and lists included."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in items:
        yield (*path, key)
        if isinstance(child, dict | list):
            yield from value_paths(child, (*path, key))


def get_at(config: Any, path: KeyPath) -> Any:
    for part in path:
        config = config[part]
    return config


MODELS = dict(model_paths(Settings, VALID))
REQUIRED = sorted(
    ((*path, name) for path, model in MODELS.items() for name, info in model.model_fields.items()
     if info.is_required()),
    key=str,
)  # fmt: skip
ALL_PATHS = sorted(value_paths(VALID), key=str)

# --- Mutations ---------------------------------------------------------------------------------


class Mutation(typing.NamedTuple):
    path: KeyPath  # the key it touches
    value: Any  # the new value; DROP removes the key
    expected: tuple[str, ...]  # what the message must name
    alone: bool = False  # checked by a validator of the whole table: only as the one problem


DROP = object()


def wrong_types(value: Any) -> list[Any]:
    """Values no setting of `value`'s type accepts (pydantic's lax mode turns "28" into 28, so
    text of digits or 1/0 for a yes/no would be no wrong type at all)."""
    if isinstance(value, bool):
        return ["maybe", 2, [True]]
    if isinstance(value, int | float):
        return ["many", [1], {"n": 1}]
    if isinstance(value, date):
        return ["someday", [1]]
    if isinstance(value, str):
        return [["x"], {"x": "y"}, True]
    if isinstance(value, list):
        return ["text", {"a": 1}]
    return ["text", [1, 2], 12]


TAB_TITLES = ["", "Week 3/4", "x" * 32, "[Grades]", "a:b", "a*b", "Why?", "back\\slash"]
BAD_VALUES: dict[KeyPath, list[Any]] = {
    ("program", "name"): [""],
    ("program", "timezone"): [
        "Mars/Olympus", "", "America", "America/", "UTC ", "+05:00", "../etc/passwd", "a" * 300,
        "zone.tab",
    ],
    ("workspace", "kind"): ["sheets", "LOCAL", ""],
    ("workspace", "google", "auth"): ["password", ""],
    ("workspace", "google", "timeout_seconds"): [0, -1, 601, math.nan, math.inf],
    ("workspace", "google", "quotas", "sheets_read"): [0, -5, math.nan, math.inf],
    ("workspace", "google", "quotas", "drive"): [0, math.inf],
    ("sources", "tutor_logs"): [[]],
    ("sources", "tutor_logs", 0, "tabs"): [[]],
    ("sources", "gradebooks", 0, "teacher"): [
        "okafor", "okafor@", "@riverbend.example", "ms okafor@riverbend.example", "",
        "okafor@riverbend",
    ],
    ("grades", "category_weights", "Homework"): [0, -1, math.nan, math.inf],
    ("thresholds", "window_days"): [0, -1, 367],
    ("thresholds", "no_session_days"): [0, -3],
    ("thresholds", "min_attendance"): [-0.1, 1.01, 70, math.nan, math.inf],
    ("thresholds", "grade_floor"): [-1, 101, math.nan],
    ("thresholds", "grade_drop_points"): [0, 101],
    ("thresholds", "missing_threshold"): [0],
    ("targets", "sessions_per_week"): [-1, 22, math.nan],
    ("targets", "minutes_per_week"): [-1, 2001, math.inf],
    ("targets", "grade_gain_points"): [0, 101],
    **{("outputs", tab): TAB_TITLES for tab in (
        "summary_tab", "issues_tab", "run_log_tab", "teacher_tab", "feedback_tab",
        "student_list_tab",
    )},
    ("outputs", "coordinator_spreadsheet"): ["coordinator.csv", "OUT.CSV"],
    ("outputs", "teacher_spreadsheets", BANDA): ["progress/banda.csv"],
    ("checkins", "cadence"): ["daily", "biweekly", "Weekly"],
    ("checkins", "weekday"): ["funday", "Tuesday", "tues"],
    ("checkins", "window_start"): ["25:00", "noon", "3pm"],
    ("checkins", "duration_minutes"): [9, 241, 0],
    ("checkins", "start_date"): ["2026-02-30", "someday", ""],
    ("checkins", "closures"): [
        ["2026-13-01"], ["2026-12-01..2026-12-40"], ["2026-12-01..2026-12-03..2026-12-05"],
        ["tomorrow"],
    ],
    ("checkins", "on_flags"): [["grade_dropped"], ["nope"]],
    ("checkins", "within_school_days"): [0, 16],
    ("checkins", "coordinators"): [["not an email"], ["coordinator@"], ["a@b"]],
    ("folders", "allowed_domains"): [
        [], ["riverbend"], ["river bend.example"], ["*.riverbend.example"], ["a@b.org"],
    ],
    ("folders", "coordinators"): [["not an email"], ["coordinator@"]],
    ("folders", "role"): ["owner", "editor"],
    ("folders", "name"): ["{last}, {first}", "{last} {grade} ({id})", ""],
    ("folders", "term"): ["", "2026/27", "..", "x" * 101],
    ("folders", "archive"): ["", "old/archive", ".."],
    ("folders", "templates", 0, "file"): [""],
}  # fmt: skip

# Checked by a validator of the whole table, which runs only once its keys are each valid.
ALONE: list[Mutation] = [
    Mutation(("program", "key"), "bad key!", ("program.key",), alone=True),
    Mutation(("program", "key"), "x" * 41, ("program.key",), alone=True),
    Mutation(("checkins", "term_end"), date(2026, 1, 1), ("checkins", "term_end"), True),
    Mutation(("checkins", "window_end"), "15:00", ("checkins", "window_end"), True),
    Mutation(("checkins", "duration_minutes"), 120, ("checkins", "duration_minutes"), True),
    Mutation(
        ("folders", "coordinators"),
        ["someone@elsewhere.example"],
        ("folders", "coordinators"),
        True,
    ),
    Mutation(("workspace", "google", "auth"), "delegated", ("workspace.google", "subject"), True),
    Mutation(("workspace", "google"), DROP, ("workspace", "google"), True),  # with kind below
    Mutation(
        ("outputs", "teacher_spreadsheets", BANDA),
        DROP,
        (f'outputs.teacher_spreadsheets."{BANDA}"',),
        True,
    ),
]


def unknown_names(model: type[BaseModel]) -> st.SearchStrategy[str]:
    typos = [name[:-1] for name in model.model_fields] + [name + "s" for name in model.model_fields]
    return st.one_of(
        st.sampled_from(typos), st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,12}", fullmatch=True)
    ).filter(lambda name: name not in model.model_fields)


@st.composite
def one_mutation(draw) -> Mutation:
    how = draw(st.sampled_from(["drop", "wrong type", "unknown", "bad value", "bad value"]))
    if how == "drop":
        path = draw(st.sampled_from(REQUIRED))
        return Mutation(path, DROP, (f"{dotted(path)}: required, but missing",))
    if how == "wrong type":
        path = draw(st.sampled_from(ALL_PATHS))
        return Mutation(
            path, draw(st.sampled_from(wrong_types(get_at(VALID, path)))), (dotted(path),)
        )
    if how == "unknown":
        parent, model = draw(st.sampled_from(sorted(MODELS.items(), key=str)))
        path = (*parent, draw(unknown_names(model)))
        return Mutation(
            path, draw(st.sampled_from([1, "x", True])), (f"{dotted(path)}: not a known setting",)
        )
    path = draw(st.sampled_from(sorted(BAD_VALUES, key=str)))
    return Mutation(path, draw(st.sampled_from(BAD_VALUES[path])), (dotted(path),))


def overlapping(one: KeyPath, other: KeyPath) -> bool:
    shorter = min(len(one), len(other))
    return one[:shorter] == other[:shorter]


@st.composite
def invalid_configs(draw) -> list[Mutation]:
    """One to three mutations of separate keys, or one table-level problem alone."""
    if draw(st.integers(0, 5)) == 0:
        return [draw(st.sampled_from(ALONE))]
    mutations: list[Mutation] = []
    for mutation in draw(st.lists(one_mutation(), min_size=1, max_size=3)):
        if not any(overlapping(mutation.path, taken.path) for taken in mutations):
            mutations.append(mutation)
    return mutations


def mutated(base: dict[str, Any], mutations: list[Mutation]) -> dict[str, Any]:
    config = copy.deepcopy(base)
    for path, value, _, _ in mutations:
        parent = get_at(config, path[:-1])
        if value is DROP:
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
        if path == ("workspace", "google"):
            config["workspace"]["kind"] = "google"  # a google workspace without its section
    return config


def problems(config: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as raised:
        parse(config, config_dir=Path("."))
    return str(raised.value)


# --- TOML, for the CLI ------------------------------------------------------------------------


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, str):
        # A JSON string is a TOML basic string, but for DEL, which TOML wants escaped.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    pairs = ", ".join(f"{toml_value(str(k))} = {toml_value(v)}" for k, v in value.items())
    return "{ " + pairs + " }" if pairs else "{}"


def toml_document(config: dict[str, Any]) -> str:
    return "".join(f"{toml_value(key)} = {toml_value(value)}\n" for key, value in config.items())


# --- The properties -----------------------------------------------------------------------------


def test_the_base_config_is_valid_and_every_mutation_table_exists_in_it():
    parse(VALID, config_dir=Path("."))
    assert tomllib.loads(toml_document(VALID)) == VALID
    for path in [*BAD_VALUES, *(m.path for m in ALONE)]:
        get_at(VALID, path)


@settings(max_examples=300, deadline=None)
@given(mutations=invalid_configs())
def test_every_invalid_config_is_refused_naming_each_bad_key(mutations: list[Mutation]):
    message = problems(mutated(VALID, mutations))

    for mutation in mutations:
        for expected in mutation.expected:
            assert expected in message, (mutation, message)
    assert "Traceback" not in message and "errors.pydantic.dev" not in message


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        # A folder of zones, or a name too long for a file, made ZoneInfo raise OSError.
        (("program", "timezone"), "America", "program.timezone: 'America' is not an IANA"),
        (("program", "timezone"), "a" * 300, "program.timezone"),
        # One inf weight made every grade NaN, so every grade % was blank.
        (("grades", "category_weights", "Homework"), math.inf, "category_weights.Homework"),
        # An inf quota stopped the Google run with a traceback when pacing was set up.
        (("workspace", "google", "quotas", "sheets_read"), math.inf, "quotas.sheets_read"),
        # Calendar refuses a guest that is not an e-mail, after other jobs have written.
        (("checkins", "coordinators"), ["Ms Rivera"], "checkins.coordinators: 'Ms Rivera' is not"),
        # The .csv check named only "outputs", not which spreadsheet.
        (
            ("outputs", "coordinator_spreadsheet"),
            "c.csv",
            "outputs.coordinator_spreadsheet: 'c.csv",
        ),
        (("outputs", "teacher_spreadsheets", BANDA), "b.csv", f"teacher_spreadsheets.{BANDA}: 'b."),
    ],
)
def test_configs_the_fuzzing_found_accepted_or_crashing_are_refused_by_key(path, value, expected):
    assert expected in problems(mutated(VALID, [Mutation(path, value, ())]))


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("config-fuzz-demo")
    create_demo(folder, today=TODAY, students=12)
    return folder


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def run_cli(config: Path) -> Any:
    return CliRunner().invoke(
        cli, ["run", "--config", str(config), "--as-of", TODAY.isoformat(), "--json"]
    )


def test_the_base_config_runs_the_demo_and_writes(demo_folder: Path, tmp_path: Path):
    """So a run refused below would have read and written."""
    program = tmp_path / "demo"
    shutil.copytree(demo_folder, program)
    config = program / "valid.toml"
    config.write_text(toml_document(VALID), encoding="utf-8")
    before = snapshot(program)

    result = run_cli(config)

    assert result.exit_code == 0, result.output
    assert snapshot(program) != before


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mutations=invalid_configs())
def test_run_with_an_invalid_config_exits_2_and_changes_nothing(
    demo_folder: Path, mutations: list[Mutation]
):
    base = copy.deepcopy(VALID)
    base["workspace"]["path"] = str(demo_folder)  # the config lives elsewhere
    before = snapshot(demo_folder)
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "bad.toml"
        config.write_text(toml_document(mutated(base, mutations)), encoding="utf-8")

        result = run_cli(config)

    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: ")
    # --json: stdout is a document saying so, never nothing.
    document = json.loads(result.stdout)
    assert (document["ok"], document["exit_status"]) == (False, 2)
    assert document["error"] == result.stderr.removeprefix("Error: ").strip()
    for mutation in mutations:
        for expected in mutation.expected:
            assert expected in result.output, (mutation, result.output)
    assert snapshot(demo_folder) == before


def test_run_with_an_invalid_config_on_google_sends_no_request(
    demo_folder: Path, tmp_path: Path, fake_google, google_workspace_settings: dict
):
    program = tmp_path / "demo"
    shutil.copytree(demo_folder, program)
    google = tomllib.loads(
        upload_program(fake_google, program, google_workspace_settings).read_text()
    )
    fake_google.reset_log()

    for path, value in [
        (("thresholds", "window_days"), 0),
        (("program", "timezone"), "America"),
        (("checkins", "coordinators"), ["not an email"]),
        (("workspace", "google", "quotas", "sheets_read"), math.inf),
    ]:
        config = mutated(google, [Mutation(path, value, ())])
        (program / "bad.toml").write_text(toml_document(config), encoding="utf-8")

        result = run_cli(program / "bad.toml")

        assert result.exit_code == 2, result.output
        assert dotted(path) in result.output
    assert fake_google.requests == []
