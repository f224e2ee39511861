"""`tutorsync init --google-config` on the fake Google server, through the real clients (Drive
through googleapiclient, Sheets through gspread), the production auth path and the paced
transport: spreadsheets made in a shared drive folder, found again by their tags, filled in
with one batchUpdate each, and run as they are once a few rows are typed."""

import json
from datetime import date
from pathlib import Path

import gspread
import pytest
from click.testing import CliRunner
from google.auth.credentials import AnonymousCredentials

from jobs.cli import cli
from jobs.init import run_init
from jobs.init_choices import new_program
from jobs.settings import load, load_google_base
from jobs.workspace.google.init import FILLED_KEY, GoogleInit
from jobs.workspace.google.sheets import OWNED_TAB_KEY, spreadsheet_id
from sheets_schema.new_program import student_list_key

NAME = "Cedar Hill Tutoring (fictional)"
KEY = "cedar-hill-tutoring-fictional"
DOMAIN = "cedarhill.example"
KINDS = {"roster", "tutor-log", "gradebook", "goals", "coordinator"}


@pytest.fixture
def drive_folder(fake_google) -> str:
    """A folder in a shared drive, as the README asks for."""
    drive = fake_google.drive.add_shared_drive("Cedar Hill tutoring")
    return fake_google.drive.add_folder("Programs", parents=[drive])


@pytest.fixture
def base_toml(tmp_path, google_workspace_settings, drive_folder) -> Path:
    google = google_workspace_settings["google"]
    lines = ["[workspace]", 'kind = "google"', "", "[workspace.google]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in google.items() if k != "quotas"]
    lines += ["", "[workspace.google.quotas]"]
    lines += [f"{k} = {v}" for k, v in google["quotas"].items()]
    lines += [
        "",
        "[init]",
        f'drive_folder = "https://drive.google.com/drive/folders/{drive_folder}"',
    ]
    path = tmp_path / "base.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def init(folder: Path, base: Path, *args: str):
    result = CliRunner().invoke(
        cli,
        [
            *("init", str(folder), "--name", NAME, "--timezone", "America/Chicago"),
            *("--domain", DOMAIN, "--google-config", str(base), *args),
        ],
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def made_in(fake, folder_id: str) -> dict[str, dict]:
    """The spreadsheets in the folder, by their init tag (in appProperties, if an earlier
    version made them)."""
    made = {}
    for f in fake.drive.files():
        tags = f.get("appProperties", {}) | f.get("properties", {})
        if f["parents"] == [folder_id] and "tutorsync-init" in tags:
            made[tags["tutorsync-init"]] = f
    return made


def test_init_makes_five_tagged_spreadsheets_with_one_batch_update_each(
    fake_google, base_toml, drive_folder, tmp_path
):
    init(tmp_path / "cedar", base_toml)

    made = made_in(fake_google, drive_folder)
    assert set(made) == KINDS
    for kind, file in made.items():
        assert file["properties"] == {"tutorsync-program": KEY, "tutorsync-init": kind}
        assert file["mimeType"] == "application/vnd.google-apps.spreadsheet"
    counts = fake_google.counts()
    # No generated IDs: Drive gives none to a spreadsheet (generatedIdNotSupported).
    assert counts == {
        "drive.files.list": 1,
        "drive.files.create": 5,
        "sheets.spreadsheets.batchUpdate": 5,
    }
    assert fake_google.rejections == []
    written = [r.path for r in fake_google.requests if r.method_id.endswith("batchUpdate")]
    assert len(set(written)) == 5  # one per spreadsheet
    settings = load(tmp_path / "cedar" / "tutorsync.toml")
    assert settings.workspace.kind == "google"
    assert spreadsheet_id(settings.sources.roster.spreadsheet) == made["roster"]["id"]
    assert spreadsheet_id(settings.outputs.coordinator_spreadsheet) == made["coordinator"]["id"]


def test_validation_frozen_rows_and_a_warning_only_header_are_in_the_spreadsheets(
    fake_google, base_toml, drive_folder, tmp_path
):
    init(tmp_path / "cedar", base_toml)
    made = made_in(fake_google, drive_folder)
    log = fake_google.sheets.spreadsheet(made["tutor-log"]["id"], include_grid_data=True)
    assert [s["properties"]["title"] for s in log["sheets"]] == [
        "Sessions",
        "Instructions",
        "Student list",
    ]
    sessions = log["sheets"][0]
    assert sessions["properties"]["gridProperties"]["frozenRowCount"] == 1
    [protected] = sessions["protectedRanges"]
    assert protected["warningOnly"] is True
    assert protected["range"]["endRowIndex"] == 1  # the header row only
    cells = fake_google.sheets.cells(made["tutor-log"]["id"], "Sessions")
    header = [c["userEnteredValue"]["stringValue"] for c in cells[0]]
    rules = {
        header[i]: cell["dataValidation"]
        for i, cell in enumerate(cells[1])
        if "dataValidation" in cell
    }
    assert rules["Date"]["condition"] == {"type": "DATE_IS_VALID"}
    assert rules["Student ID"]["condition"] == {
        "type": "ONE_OF_RANGE",
        "values": [{"userEnteredValue": "='Student list'!$A$2:$A"}],
    }
    assert rules["Student ID"]["strict"] is False
    assert rules["Minutes"]["condition"]["type"] == "NUMBER_BETWEEN"
    assert [v["userEnteredValue"] for v in rules["Minutes"]["condition"]["values"]] == ["1", "600"]
    assert rules["Attendance"]["condition"]["type"] == "ONE_OF_LIST"
    assert rules["Attendance"]["showCustomUi"] is True
    assert rules["Follow-up needed"]["condition"] == {"type": "BOOLEAN"}  # a checkbox
    assert cells[1][2]["userEnteredValue"] == {"stringValue": "(example) 00001"}
    assert cells[1][2]["userEnteredFormat"]["numberFormat"] == {"type": "TEXT"}
    # The Student list is tutorsync's own tab, marked as write_owned_tabs marks them.
    student_list = log["sheets"][2]
    assert student_list["developerMetadata"][0]["metadataKey"] == OWNED_TAB_KEY
    assert student_list["developerMetadata"][0]["metadataValue"] == student_list_key(KEY)
    assert log["developerMetadata"][0]["metadataKey"] == FILLED_KEY
    assert log["properties"]["timeZone"] == "America/Chicago"

    roster = fake_google.sheets.cells(made["roster"]["id"], "Roster")
    assert roster[1][5]["dataValidation"]["condition"] == {"type": "BOOLEAN"}
    assert roster[1][5]["userEnteredValue"] == {"boolValue": True}
    grades = fake_google.sheets.sheet_properties(made["gradebook"]["id"], "Grades")
    assert grades["gridProperties"]["frozenRowCount"] == 4
    assert grades["gridProperties"]["frozenColumnCount"] == 2
    about = fake_google.sheets.sheet_titles(made["coordinator"]["id"])
    assert about == ["About"]


def test_a_second_init_finds_everything_and_makes_no_create_or_write(
    fake_google, base_toml, drive_folder, tmp_path
):
    init(tmp_path / "cedar", base_toml)
    config = (tmp_path / "cedar" / "tutorsync.toml").read_bytes()
    fake_google.reset_log()

    result = init(tmp_path / "cedar", base_toml)

    assert "Nothing to do" in result.output
    assert fake_google.counts() == {"drive.files.list": 1, "sheets.spreadsheets.get": 5}
    assert len(made_in(fake_google, drive_folder)) == 5
    assert (tmp_path / "cedar" / "tutorsync.toml").read_bytes() == config


def test_dry_run_reads_and_makes_nothing(fake_google, base_toml, drive_folder, tmp_path):
    result = init(tmp_path / "cedar", base_toml, "--dry-run")
    assert "nothing was written" in result.output
    assert set(fake_google.counts()) == {"drive.files.list"}
    assert made_in(fake_google, drive_folder) == {}
    assert not (tmp_path / "cedar").exists()


def test_a_spreadsheet_left_empty_by_an_interrupted_init_is_filled_in_not_made_again(
    fake_google, base_toml, drive_folder, tmp_path
):
    # Drive made the roster, then init (an earlier version's, tagging in appProperties)
    # stopped before its batchUpdate.
    empty = fake_google.drive.add_file(
        f"{NAME} - Roster",
        "application/vnd.google-apps.spreadsheet",
        parents=[drive_folder],
        app_properties={"tutorsync-program": KEY, "tutorsync-init": "roster"},
    )

    result = init(tmp_path / "cedar", base_toml)

    assert "filled" in result.output
    made = made_in(fake_google, drive_folder)
    assert made["roster"]["id"] == empty and len(made) == 5
    assert fake_google.sheets.sheet_titles(empty) == ["Roster", "Instructions"]
    assert fake_google.counts()["drive.files.create"] == 4


def test_typed_rows_run_on_google_with_no_data_issue(
    fake_google, base_toml, drive_folder, tmp_path
):
    init(tmp_path / "cedar", base_toml)
    config = tmp_path / "cedar" / "tutorsync.toml"
    settings = load(config)
    teacher, tutor = f"teacher@{DOMAIN}", f"tutor.banda@{DOMAIN}"
    client = gspread.Client(auth=AnonymousCredentials(), session=fake_google.requests_session())

    def type_rows(spreadsheet: str, where: str, rows: list[list]) -> None:
        client.http_client.values_update(
            spreadsheet_id(spreadsheet),
            where,
            params={"valueInputOption": "RAW"},
            body={"values": rows},
        )

    type_rows(
        settings.sources.roster.spreadsheet,
        "Roster!A4",
        [
            ["00123", "Lindqvist, Zoë", 6, teacher, tutor, True],
            ["00124", "Mensah, Kofi", 6, teacher, tutor, True],
        ],
    )
    type_rows(
        settings.sources.tutor_logs[0].spreadsheet,
        "Sessions!A4",
        [
            ["2026-11-17", tutor, "00123", "Zoë Lindqvist", 45, "Present", "Ratios", "", False],
            ["2026-11-18", tutor, "00124", "Kofi Mensah", 30, "No-show", "", "", True],
        ],
    )
    type_rows(
        settings.sources.gradebooks[0].spreadsheet,
        "Grades!A7",
        [["00123", "Zoë Lindqvist", 18, 9, 44], ["00124", "Kofi Mensah", 15, "M", "40/50"]],
    )

    result = CliRunner().invoke(
        cli, ["run", "--config", str(config), "--as-of", "2026-11-23", "--json"]
    )

    assert result.exit_code == 0, result.output + repr(result.exception)
    [progress] = [job for job in json.loads(result.stdout)["jobs"] if job["job"] == "progress"]
    assert progress["ok"] and progress["issues"] == []
    assert (progress["students"], progress["sessions"], progress["scores"]) == (2, 2, 6)
    coordinator = spreadsheet_id(settings.outputs.coordinator_spreadsheet)
    assert "Progress summary" in fake_google.sheets.sheet_titles(coordinator)


def test_creates_and_writes_answered_503_after_landing_make_no_duplicate(
    fake_google, base_toml, drive_folder, tmp_path
):
    fake_google.faults.fail_after_apply("drive.files.create", times=2)
    fake_google.faults.fail_after_apply("sheets.spreadsheets.batchUpdate", times=2)
    folder = tmp_path / "cedar"
    new = new_program(
        folder,
        name=NAME,
        timezone="UTC",
        domain=DOMAIN,
        teacher=None,
        google=load_google_base(base_toml),
    )
    setup = GoogleInit(load_google_base(base_toml), sleep=lambda seconds: None)

    report = run_init(new, setup, today=date(2026, 11, 23))

    made = made_in(fake_google, drive_folder)
    assert set(made) == KINDS and len(fake_google.drive.files()) == 6  # and the folder
    for file in made.values():
        metadata = fake_google.sheets.developer_metadata(file["id"])
        assert [m["metadataValue"] for m in metadata if m["metadataKey"] == FILLED_KEY] == [
            file["properties"]["tutorsync-init"]
        ]
    # Without an ID a create is never sent again blind: after each lost answer the folder is
    # listed again by the tags, and the spreadsheet is found there.
    assert report.requests["drive.files.create"] == 5
    assert report.requests["drive.files.list"] == 1 + 2
    assert load(folder / "tutorsync.toml").program.key == KEY


@pytest.mark.parametrize("how", ["dropped", "timeout"])
def test_a_create_whose_answer_is_lost_is_found_by_its_tags_not_made_again(
    fake_google, base_toml, drive_folder, tmp_path, how
):
    fake_google.faults.hold_seconds = 1.0
    fake_google.faults.fail_after_apply("drive.files.create", how=how)
    base = load_google_base(base_toml)
    new = new_program(
        tmp_path / "cedar", name=NAME, timezone="UTC", domain=DOMAIN, teacher=None, google=base
    )
    setup = GoogleInit(base, sleep=lambda seconds: None)
    setup.session.timeout_seconds = 0.5

    run_init(new, setup, today=date(2026, 11, 23))

    assert set(made_in(fake_google, drive_folder)) == KINDS
    assert len(fake_google.drive.files()) == 6  # the five, and the folder
    assert fake_google.faults.injected[f"applied+{how}"] == 1
    assert setup.session.retries["drive.files.create"] == 0


def test_a_create_that_is_rate_limited_is_sent_again_after_a_wait(
    fake_google, base_toml, drive_folder, tmp_path
):
    fake_google.faults.fail(429, method="drive.files.create", reason="rateLimitExceeded")
    waits: list[float] = []
    base = load_google_base(base_toml)
    new = new_program(
        tmp_path / "cedar", name=NAME, timezone="UTC", domain=DOMAIN, teacher=None, google=base
    )

    report = run_init(new, GoogleInit(base, sleep=waits.append), today=date(2026, 11, 23))

    assert set(made_in(fake_google, drive_folder)) == KINDS
    assert report.requests["drive.files.create"] == 5 + 1
    assert report.requests["drive.files.list"] == 1  # Drive made nothing: no need to look
    assert len(waits) == 1


def test_a_service_account_asked_to_make_spreadsheets_in_my_drive_is_told_to_use_a_shared_drive(
    fake_google, tmp_path, google_workspace_settings
):
    mine = fake_google.drive.add_folder("Programs")  # a person's folder, shared with it
    google = google_workspace_settings["google"]
    lines = ["[workspace]", 'kind = "google"', "", "[workspace.google]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in google.items() if k != "quotas"]
    lines += ["", "[init]", f'drive_folder = "{mine}"']
    base = tmp_path / "base.toml"
    base.write_text("\n".join(lines) + "\n")

    result = CliRunner().invoke(
        cli,
        [
            *("init", str(tmp_path / "cedar"), "--name", NAME, "--timezone", "UTC"),
            *("--domain", DOMAIN, "--google-config", str(base)),
        ],
    )

    assert result.exit_code != 0
    assert "storageQuotaExceeded" in result.output or "no Drive storage" in result.output
    assert "shared drive" in result.output
    assert [f["id"] for f in fake_google.drive.files()] == [mine]
    assert fake_google.counts()["drive.files.create"] == 1
