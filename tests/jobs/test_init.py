"""`tutorsync init` on the local workspace, with real files: a program ready to type into,
made once, never twice, and run as it is once a few rows are typed."""

import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from jobs.cli import cli
from jobs.errors import ConfigError
from jobs.init_choices import new_program
from jobs.model.init import FoundSpreadsheet
from jobs.plan.init import CreateSpreadsheet, FillSpreadsheet, WriteConfig, layouts_for, plan_init
from jobs.settings import load, load_google_base
from jobs.workspace.local.sheets import LocalSpreadsheets
from sheets_schema.goals import parse as parse_goals
from sheets_schema.new_program import SpreadsheetKind, student_list_key

NAME = "Maple Grove Tutoring (fictional)"
KEY = "maple-grove-tutoring-fictional"
TODAY = date(2026, 11, 23)
FILES = ("roster.xlsx", "tutor-log.xlsx", "gradebook.xlsx", "goals.xlsx", "coordinator.xlsx")
DOMAIN = "maplegrove.example"  # reserved for examples (RFC 2606): no one's real address


def init(folder: Path, *args: str, expect: int = 0):
    result = CliRunner().invoke(
        cli,
        [
            *("init", str(folder), "--name", NAME, "--timezone", "America/Chicago"),
            *("--domain", DOMAIN, *args),
        ],
    )
    assert result.exit_code == expect, result.output + repr(result.exception)
    return result


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def validations(path: Path, tab: str) -> dict[str, tuple]:
    """The first cell of each validation's range -> (type, formula1, formula2, error style)."""
    sheet = openpyxl.load_workbook(path)[tab]
    return {
        str(v.sqref).split(":")[0]: (v.type, v.formula1, v.formula2, v.errorStyle)
        for v in sheet.data_validations.dataValidation
    }


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """One initialised program for the tests that only read it."""
    folder = tmp_path_factory.mktemp("made") / "maple"
    init(folder)
    return folder


def test_init_makes_five_spreadsheets_and_a_config_that_loads(made):
    assert sorted(p.name for p in made.iterdir()) == sorted([*FILES, "tutorsync.toml"])
    settings = load(made / "tutorsync.toml")
    assert (settings.program.name, settings.program.key) == (NAME, KEY)
    assert settings.program.timezone == "America/Chicago"
    assert settings.sources.roster.spreadsheet == "roster.xlsx"
    assert settings.sources.tutor_logs[0].tabs == ["Sessions"]
    assert settings.sources.gradebooks[0].teacher == f"teacher@{DOMAIN}"
    assert settings.outputs.coordinator_spreadsheet == "coordinator.xlsx"
    assert settings.sources.goals is not None
    assert (settings.sources.goals.spreadsheet, settings.sources.goals.tab) == (
        "goals.xlsx",
        "Goals",
    )
    tabs = {name: openpyxl.load_workbook(made / name).sheetnames for name in FILES}
    assert tabs == {
        "roster.xlsx": ["Roster", "Instructions"],
        "tutor-log.xlsx": ["Sessions", "Instructions", "Student list"],
        "gradebook.xlsx": ["Grades", "Instructions"],
        "goals.xlsx": ["Goals", "Instructions"],
        "coordinator.xlsx": ["About"],
    }


def test_the_tutor_log_holds_validation_for_each_kind_of_value(made):
    found = validations(made / "tutor-log.xlsx", "Sessions")
    assert found["A2"][:1] == ("date",)  # Date
    assert found["C2"] == ("list", "'Student list'!$A$2:$A$1048576", None, "warning")
    assert found["E2"] == ("decimal", "1", "600", "stop")  # Minutes
    assert found["F2"] == ("list", '"Present,Absent,Excused,No-show,Cancelled"', None, "stop")
    assert found["I2"] == ("list", '"Yes,No"', None, "stop")  # Follow-up needed
    sheet = openpyxl.load_workbook(made / "tutor-log.xlsx")["Sessions"]
    assert str(sheet.data_validations.dataValidation[0].sqref) == "A2:A1000"
    assert sheet.freeze_panes == "A2"


def test_the_roster_and_gradebook_are_validated_and_frozen(made):
    assert validations(made / "roster.xlsx", "Roster") == {"F2": ("list", '"Yes,No"', None, "stop")}
    grades = validations(made / "gradebook.xlsx", "Grades")
    assert grades["C2"][:1] == ("decimal",) and grades["C3"][:1] == ("date",)
    book = openpyxl.load_workbook(made / "gradebook.xlsx")
    assert book["Grades"].freeze_panes == "C5"
    assert openpyxl.load_workbook(made / "roster.xlsx")["Roster"].freeze_panes == "A2"


def test_the_goals_tab_offers_its_measures_and_statuses_and_its_examples_are_not_read(made):
    found = validations(made / "goals.xlsx", "Goals")
    assert found["D2"] == (
        "list",
        '"Grade %,Sessions a week,Assessment score,Judged by the teacher"',
        None,
        "stop",
    )
    assert found["G2"][:1] == ("date",)
    assert found["I2"] == ("list", '"Open,Met,Dropped"', None, "stop")
    grid = LocalSpreadsheets(made).read_tabs("goals.xlsx", ["Goals"])["Goals"]
    goals, issues = parse_goals(grid, source="goals.xlsx", tab="Goals")
    assert goals is not None and len(goals.rows) == 0 and issues == []  # examples skipped


def test_text_is_stored_as_text_and_ids_keep_a_text_column(made):
    sheet = openpyxl.load_workbook(made / "roster.xlsx")["Roster"]
    assert sheet["A2"].value == "(example) 00001" and sheet["A2"].data_type == "s"
    assert sheet.column_dimensions["A"].number_format == "@"  # a typed 00123 stays 00123
    assert sheet["F2"].value == "Yes"  # a checkbox on Google, the Yes/No list's value here


def test_the_student_list_is_an_owned_tab_with_its_key(made):
    state = LocalSpreadsheets(made).read_state("tutor-log.xlsx")
    assert list(state.owned) == [student_list_key(KEY)]
    assert state.owned[student_list_key(KEY)].grid == [["Student ID", "Student"]]
    assert state.other_titles == {"Sessions", "Instructions"}


def test_a_second_init_makes_nothing_and_changes_no_byte(tmp_path):
    folder = tmp_path / "maple"
    init(folder)
    before = snapshot(folder)
    result = init(folder)
    assert snapshot(folder) == before
    assert "Nothing to do" in result.output
    assert result.output.count("left as it is") == 6  # five spreadsheets and the config


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        (
            "--name",
            "Maple Grove Middle",
            f"program.name is '{NAME}' there, not 'Maple Grove Middle'",
        ),
        ("--timezone", "Europe/Berlin", "program.timezone is 'America/Chicago' there, not"),
    ],
)
def test_init_again_with_another_name_or_zone_says_what_differs_and_makes_nothing(
    tmp_path, option, value, said
):
    folder = tmp_path / "maple"
    init(folder)
    before = snapshot(folder)
    args = ["init", str(folder), "--name", NAME, "--timezone", "America/Chicago"]
    args[args.index(option) + 1] = value

    result = CliRunner().invoke(cli, args)

    assert result.exit_code == 2
    assert said in result.stderr and f"edit {folder / 'tutorsync.toml'}" in result.stderr
    assert snapshot(folder) == before


def test_init_into_the_scheduled_folder_is_run_by_config_dir_as_the_readme_says(tmp_path):
    programs = tmp_path / "programs"
    init(programs / "maple")
    teacher, tutor = f"teacher@{DOMAIN}", f"tutor.okafor@{DOMAIN}"
    type_rows(
        programs / "maple" / "roster.xlsx",
        "Roster",
        [("00123", "Lindqvist, Zoë", 6, teacher, tutor, "Yes")],
    )

    result = CliRunner().invoke(cli, ["run", "--config-dir", str(programs), "--json"])

    assert result.exit_code == 0, result.output
    [program] = json.loads(result.stdout)["programs"]
    assert program["config"] == str(programs / "maple" / "tutorsync.toml") and program["ok"]
    # As cron runs it (README: Scheduling): the report to the log, nothing on stderr to mail.
    scheduled = CliRunner().invoke(cli, ["run", "-q", "--config-dir", str(programs)])
    assert scheduled.exit_code == 0 and "1 ok" in scheduled.stdout
    assert scheduled.stderr == ""


def test_dry_run_lists_what_it_would_make_and_writes_nothing(tmp_path):
    folder = tmp_path / "maple"
    result = init(folder, "--dry-run")
    assert not folder.exists()
    for kind in ("roster", "tutor-log", "gradebook", "coordinator"):
        assert f"create   {kind}" in result.output
    assert "write" in result.output and "nothing was written" in result.output


def test_only_what_is_missing_is_made_and_a_config_is_never_overwritten(tmp_path):
    folder = tmp_path / "maple"
    init(folder)
    (folder / "gradebook.xlsx").unlink()
    config = folder / "tutorsync.toml"
    config.write_text(config.read_text() + "# my own note\n")
    roster_before = (folder / "roster.xlsx").read_bytes()
    result = init(folder)
    assert (folder / "gradebook.xlsx").exists()
    assert (folder / "roster.xlsx").read_bytes() == roster_before
    assert config.read_text().endswith("# my own note\n")
    assert "never overwritten" in result.output


def test_typed_rows_run_with_no_data_issue_and_the_examples_are_ignored(tmp_path):
    folder = tmp_path / "maple"
    init(folder)
    teacher, tutor = f"teacher@{DOMAIN}", f"tutor.okafor@{DOMAIN}"
    type_rows(
        folder / "roster.xlsx",
        "Roster",
        [
            ("00123", "Lindqvist, Zoë", 6, teacher, tutor, "Yes"),
            ("00124", "Mensah, Kofi", 6, teacher, tutor, "Yes"),
        ],
    )
    type_rows(
        folder / "tutor-log.xlsx",
        "Sessions",
        [
            (datetime(2026, 11, 17), tutor, "00123", "Zoë Lindqvist", 45, "Present", "Ratios"),
            (datetime(2026, 11, 18), tutor, "00124", "Kofi Mensah", 30, "Absent", None),
        ],
    )
    type_rows(
        folder / "gradebook.xlsx",
        "Grades",
        [("00123", "Zoë Lindqvist", 18, 9, 44), ("00124", "Kofi Mensah", 15, "M", "40/50")],
    )
    result = CliRunner().invoke(
        cli, ["run", "--config", str(folder / "tutorsync.toml"), "--as-of", "2026-11-23", "--json"]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    [progress] = [job for job in json.loads(result.stdout)["jobs"] if job["job"] == "progress"]
    assert progress["ok"] and progress["issues"] == []
    assert (progress["students"], progress["sessions"], progress["scores"]) == (2, 2, 6)
    coordinator = openpyxl.load_workbook(folder / "coordinator.xlsx")
    assert {"About", "Progress summary"} <= set(coordinator.sheetnames)


def type_rows(path: Path, tab: str, rows: list[tuple]) -> None:
    """Type under what is there, as a coordinator would; the example rows stay."""
    book = openpyxl.load_workbook(path)
    sheet = book[tab]
    for row in rows:
        sheet.append(row)
    book.save(path)


# --- The plan, pure ---------------------------------------------------------------------------


def program(tmp_path: Path):
    return new_program(
        tmp_path,
        name=NAME,
        timezone="UTC",
        domain=DOMAIN,
        teacher=None,
        google=None,
    )


def test_the_plan_makes_what_is_missing_and_fills_in_what_was_left_empty(tmp_path):
    templates = layouts_for(program(tmp_path), TODAY)
    found = {
        SpreadsheetKind.ROSTER: FoundSpreadsheet(SpreadsheetKind.ROSTER, "r", filled=True),
        SpreadsheetKind.TUTOR_LOG: FoundSpreadsheet(SpreadsheetKind.TUTOR_LOG, "l", filled=False),
    }
    config = tmp_path / "tutorsync.toml"
    actions = plan_init(templates, found, config_exists=False, config=config)
    assert [type(a) for a in actions] == [
        FillSpreadsheet,
        CreateSpreadsheet,
        CreateSpreadsheet,
        CreateSpreadsheet,
        WriteConfig,
    ]
    assert [getattr(a, "kind", None) for a in actions[:4]] == [
        SpreadsheetKind.TUTOR_LOG,
        SpreadsheetKind.GRADEBOOK,
        SpreadsheetKind.GOALS,
        SpreadsheetKind.COORDINATOR,
    ]
    everything = {kind: FoundSpreadsheet(kind, kind.value, filled=True) for kind in SpreadsheetKind}
    assert plan_init(templates, everything, config_exists=True, config=config) == []


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("timezone", "Mars/Olympus", "--timezone: 'Mars/Olympus' is not an IANA time zone"),
        ("name", "   ", "--name"),
        ("name", "Math\nClub", "--name: the program name must be one line of text"),
        ("domain", "not a domain", "--domain: 'not a domain' is not a domain"),
        ("teacher", "nobody", "--teacher: 'nobody' is not an e-mail address"),
    ],
)
def test_bad_choices_are_refused_naming_the_option(tmp_path, option, value, message):
    chosen = {"name": NAME, "timezone": "UTC", "domain": DOMAIN, "teacher": None}
    chosen[option] = value
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        new_program(tmp_path, google=None, **chosen)
    result = CliRunner().invoke(
        cli, ["init", str(tmp_path / "p"), *(f"--{k}={v}" for k, v in chosen.items() if v)]
    )
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "p").exists()


def test_google_base_needs_a_google_workspace_and_a_drive_folder(tmp_path):
    base = tmp_path / "base.toml"
    base.write_text('[workspace]\nkind = "local"\n')
    with pytest.raises(ConfigError) as error:
        load_google_base(base)
    assert "init: required" in str(error.value)
    assert "workspace: kind must be 'google'" in str(error.value)
    with pytest.raises(ConfigError, match="No file at"):
        load_google_base(tmp_path / "missing.toml")
