from pathlib import Path

import pytest

from jobs.errors import ConfigError
from jobs.settings import load, parse

MINIMAL = {
    "program": {"name": "Lincoln Middle: Math Tutoring"},
    "sources": {
        "roster": {"spreadsheet": "roster.xlsx", "tab": "Roster"},
        "tutor_logs": [{"spreadsheet": "log.xlsx", "tabs": ["Form Responses 1"]}],
    },
    "outputs": {"coordinator_spreadsheet": "coordinator.xlsx"},
}


def with_(section: str, **values) -> dict:
    config = {key: dict(value) for key, value in MINIMAL.items()}
    config[section] = {**config.get(section, {}), **values}
    return config


def problems(config: dict) -> str:
    with pytest.raises(ConfigError) as raised:
        parse(config, config_dir=Path("."))
    return str(raised.value)


def test_defaults_are_the_documented_ones():
    settings = parse(MINIMAL, config_dir=Path("."))
    assert settings.program.key == "lincoln-middle-math-tutoring"
    thresholds = settings.thresholds
    assert (thresholds.window_days, thresholds.no_session_days, thresholds.min_attendance) == (
        28,
        14,
        0.7,
    )
    assert (thresholds.grade_floor, thresholds.grade_drop_points, thresholds.missing_threshold) == (
        70,
        10,
        3,
    )
    assert settings.grades.missing_counts_as_zero is True


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            with_("program", timezone="Mars/Olympus"),
            "program.timezone: 'Mars/Olympus' is not an IANA",
        ),
        (with_("thresholds", window_days=0), "thresholds.window_days"),
        (with_("thresholds", min_attendance=70), "thresholds.min_attendance"),
        (
            with_("outputs", summary_tab="Week 3/4"),
            "outputs.summary_tab: 'Week 3/4' contains one of",
        ),
        (with_("outputs", coordinator_spreadsheet="out.csv"), "'out.csv' is a .csv file"),
        (with_("grades", category_weights={"Tests": -1}), "grades.category_weights.Tests"),
        ({**MINIMAL, "thresholdz": {}}, "thresholdz: not a known setting"),
        ({k: v for k, v in MINIMAL.items() if k != "outputs"}, "outputs: required, but missing"),
    ],
)
def test_config_errors_name_the_key_and_what_was_expected(config, expected):
    assert expected in problems(config)


def test_csv_gradebook_needs_a_spreadsheet_for_the_teachers_tab():
    config = with_(
        "sources", gradebooks=[{"spreadsheet": "g.csv", "tab": "g", "teacher": "T@S.example"}]
    )
    assert 'outputs.teacher_spreadsheets."t@s.example"' in problems(config)


def test_a_config_that_is_a_folder_or_not_text_is_a_config_error(tmp_path):
    binary = tmp_path / "tutorsync.toml"
    binary.write_bytes(b"\xff\xfe")
    for path in (tmp_path, binary):
        with pytest.raises(ConfigError, match="could not be read"):
            load(path)
