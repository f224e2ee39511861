"""`tutorsync doctor --deep`: each change the demo's jobs make, tried on scratch things in the
real places (folders.root, the program calendar, the coordinator spreadsheet), one line per
operation, and nothing left behind: on the fake Google, where each refusal gets its own fix
and the cleanup still happens, and on the local workspace."""

from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_google import FakeGoogle
from fake_google.errors import GoogleError, storage_quota_exceeded
from fake_google.programs import PROGRAM_CALENDAR, SERVICE_ACCOUNT, upload_program

from jobs.cli import cli
from jobs.model.doctor import METADATA_KEY, SCRATCH_NAME, SCRATCH_PREFIX
from jobs.plan.spreadsheets import teacher_spreadsheets
from jobs.settings import load
from jobs.workspace.google.drive import folder_id
from jobs.workspace.google.sheets import spreadsheet_id

TEACHER = "okafor@riverbend.example"  # in the demo's folders.allowed_domains
TEMPLATE = "Individual learning plan"  # the demo's one template


def doctor(config: Path, *args: str, expect: int) -> list[str]:
    result = CliRunner().invoke(cli, ["doctor", "--config", str(config), "--deep", *args])
    assert result.exit_code == expect, result.output + repr(result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.output.splitlines()


def line(lines: list[str], start: str) -> str:
    [found] = [each for each in lines if each.startswith(start)]
    return found


@pytest.fixture
def google_demo(demo, fake_google, google_workspace_settings) -> Path:
    config = upload_program(fake_google, demo, google_workspace_settings)
    # With drive.file, tutorsync reaches only the files its app made or a person opened with
    # it: where the fake models that, the root and the templates are opened with tutorsync.
    pick = getattr(fake_google.drive, "open_with_picker", None)
    if pick is not None:
        settings = load(config)
        project = SERVICE_ACCOUNT.partition("@")[2].removesuffix(".iam.gserviceaccount.com")
        files = [settings.folders.root, *(t.file for t in settings.folders.templates)]
        for file_id in files:
            pick(file_id, SERVICE_ACCOUNT, project)
    return config


def scratch_left(fake: FakeGoogle, config: Path) -> list[str]:
    """Every scratch thing the fake holds: folders and files (trashed too), live events, and
    developer metadata on the coordinator spreadsheet."""
    left = [
        f"drive: {item['name']}"
        for item in fake.drive.files()
        if SCRATCH_NAME in item["name"]
        or str((item.get("properties") or {}).get("tutorsync-program", "")).startswith(
            SCRATCH_PREFIX
        )
    ]
    left += [
        f"calendar: {event['summary']}"
        for event in fake.calendar.events(PROGRAM_CALENDAR, include_cancelled=False)
        if event.get("summary") == SCRATCH_NAME
    ]
    coordinator = spreadsheet_id(load(config).outputs.coordinator_spreadsheet)
    left += [
        f"sheets: {entry['metadataKey']}"
        for entry in fake.sheets.developer_metadata(coordinator)
        if entry.get("metadataKey") == METADATA_KEY
    ]
    return left


def write_checks(config: Path) -> int:
    """How many batchUpdates doctor's own write checks send before --deep's first."""
    settings = load(config)
    return len({settings.outputs.coordinator_spreadsheet, *teacher_spreadsheets(settings).values()})


# --- Google: all well ------------------------------------------------------------------------


def test_deep_doctor_on_google_tries_every_operation_and_leaves_nothing(google_demo, fake_google):
    lines = doctor(google_demo, "--deep-share-with", TEACHER, expect=0)

    deep = lines[lines.index(line(lines, "ok  make a scratch folder")) :]
    assert deep == [
        "ok  make a scratch folder in folders.root",
        "ok  find the scratch folder by its tags",
        f"ok  share the scratch folder with {TEACHER} as writer",
        f"ok  copy the template '{TEMPLATE}' into the scratch folder",
        line(lines, "ok  remove the scratch folder: deleted 'tutorsync doctor scratch 20"),
        f"ok  make a scratch event in calendar {PROGRAM_CALENDAR}",
        "ok  find the scratch event by its tags",
        "ok  delete the scratch event: deleted 'tutorsync doctor scratch' (event ID "
        + line(lines, "ok  delete the scratch event").split("(event ID ")[1],
        "ok  tag the coordinator spreadsheet, as tutorsync tags its tabs: developer metadata "
        f"{METADATA_KEY} written",
        "ok  remove the scratch tag: deleted 1 developer metadata entry",
        "all checks passed",
    ]
    assert scratch_left(fake_google, google_demo) == []
    # Shared as a run shares, e-mailing nobody; the event invited nobody.
    [share] = [r for r in fake_google.requests if r.method_id == "drive.permissions.create"]
    assert share.query["sendNotificationEmail"] == ["false"]
    assert fake_google.drive.notifications == []
    [insert] = [r for r in fake_google.requests if r.method_id == "calendar.events.insert"]
    assert insert.query["sendUpdates"] == ["none"] and not insert.body["attendees"]
    # Nothing of the program was made: the calendar holds only the deleted scratch event
    # (Google keeps a deleted event's ID), the root no folder, the spreadsheet no new tab.
    [event] = fake_google.calendar.events(PROGRAM_CALENDAR)
    assert event["summary"] == SCRATCH_NAME and event["status"] == "cancelled"
    assert event["visibility"] == "private"
    root = folder_id(load(google_demo).folders.root)
    assert [f for f in fake_google.drive.files() if root in f.get("parents", [])] == []
    coordinator = spreadsheet_id(load(google_demo).outputs.coordinator_spreadsheet)
    assert fake_google.sheets.sheet_titles(coordinator) == ["Sheet1"]


def test_without_an_address_sharing_is_not_tried_and_says_how(google_demo, fake_google):
    lines = doctor(google_demo, expect=0)
    assert line(lines, "skip share the scratch folder: not tried: no address to share with;")
    assert "--deep-share-with ADDRESS" in line(lines, "skip share")
    assert lines[-1] == "all checks passed, 1 not tried"
    assert not any(r.method_id == "drive.permissions.create" for r in fake_google.requests)
    assert scratch_left(fake_google, google_demo) == []


def test_an_address_outside_the_allowed_domains_is_refused_before_google(google_demo, fake_google):
    lines = doctor(google_demo, "--deep-share-with", "someone@gmail.com", expect=1)
    share = line(lines, "FIX share the scratch folder with someone@gmail.com: ")
    assert "someone@gmail.com is outside folders.allowed_domains (riverbend.example)" in share
    assert not any(r.method_id == "drive.permissions.create" for r in fake_google.requests)
    assert scratch_left(fake_google, google_demo) == []


# --- Google: each refusal, its fix, and the cleanup ------------------------------------------


def test_a_content_manager_who_may_not_share_folders_is_told_to_be_made_manager(
    google_demo, fake_google
):
    drive_id = fake_google.drive.file(folder_id(load(google_demo).folders.root))["driveId"]
    fake_google.drive.add_permission(drive_id, SERVICE_ACCOUNT, "fileOrganizer")
    fake_google.drive.set_drive_restrictions(
        drive_id, sharingFoldersRequiresOrganizerPermission=True
    )

    lines = doctor(google_demo, "--deep-share-with", TEACHER, expect=1)

    share = line(lines, f"FIX share the scratch folder with {TEACHER} as writer: ")
    assert "in a shared drive only its Managers may share folders" in share
    assert f"make {SERVICE_ACCOUNT} a Manager of the shared drive" in share
    assert f"ok  copy the template '{TEMPLATE}' into the scratch folder" in lines
    assert line(lines, "ok  remove the scratch folder: ")
    assert lines[-1].endswith(" passed, 1 to fix")
    assert scratch_left(fake_google, google_demo) == []


def test_no_storage_for_a_copy_says_to_use_a_shared_drive_and_the_folder_is_removed(
    google_demo, fake_google
):
    fake_google.faults.refuse(storage_quota_exceeded(), method="drive.files.copy", rate=1)

    lines = doctor(google_demo, expect=1)

    copy = line(lines, f"FIX copy the template '{TEMPLATE}' into the scratch folder: ")
    assert f"Google Drive refused to store a file that {SERVICE_ACCOUNT} would own" in copy
    assert "Use a folder in a shared drive" in copy
    assert line(lines, "ok  remove the scratch folder: deleted ")
    assert scratch_left(fake_google, google_demo) == []


def test_no_storage_for_the_folder_skips_what_needs_it(google_demo, fake_google):
    fake_google.faults.refuse(storage_quota_exceeded(), method="drive.files.create", rate=1)

    lines = doctor(google_demo, "--deep-share-with", TEACHER, expect=1)

    made = line(lines, "FIX make a scratch folder in folders.root: ")
    assert "storageQuotaExceeded" in made and "Use a folder in a shared drive" in made
    not_tried = "not tried: it could not be made"
    assert f"skip find the scratch folder by its tags: {not_tried}" in lines
    assert f"skip share the scratch folder with {TEACHER} as writer: {not_tried}" in lines
    assert f"skip copy the template '{TEMPLATE}' into the scratch folder: {not_tried}" in lines
    assert "ok  remove the scratch folder: nothing was left to remove" in lines
    assert scratch_left(fake_google, google_demo) == []


def test_a_missing_template_says_to_share_it_and_the_folder_is_removed(google_demo, fake_google):
    missing = "1NoSuchTemplateXXXXXXXXXXXXXXXXXXX"
    text = google_demo.read_text(encoding="utf-8")
    template = load(google_demo).folders.templates[0].file
    google_demo.write_text(text.replace(template, missing), encoding="utf-8")

    lines = doctor(google_demo, expect=1)

    copy = line(lines, f"FIX copy the template '{TEMPLATE}' into the scratch folder: ")
    assert f"the template {missing} was not found by {SERVICE_ACCOUNT}" in copy
    assert "share it with" in copy and "check folders.templates" in copy
    assert line(lines, "ok  remove the scratch folder: deleted ")
    assert scratch_left(fake_google, google_demo) == []


def test_a_calendar_the_account_may_not_change_asks_for_make_changes_to_events(
    google_demo, fake_google
):
    refused = GoogleError(
        403, "You need to have writer access to this calendar.", reason="requiredAccessLevel"
    )
    fake_google.faults.refuse(refused, method="calendar.events.insert", rate=1)

    lines = doctor(google_demo, expect=1)

    made = line(lines, f"FIX make a scratch event in calendar {PROGRAM_CALENDAR}: ")
    assert f"{SERVICE_ACCOUNT} may not change events in calendar {PROGRAM_CALENDAR}" in made
    assert "(Make changes to events)" in made
    assert "skip find the scratch event by its tags: not tried: it could not be made" in lines
    assert "ok  delete the scratch event: nothing was left to remove" in lines
    assert scratch_left(fake_google, google_demo) == []


def test_a_refused_tag_says_to_share_the_spreadsheet_as_editor(google_demo, fake_google):
    refused = GoogleError(403, "The caller does not have permission")
    nth = write_checks(google_demo) + 1  # doctor's own write checks come first
    fake_google.faults.refuse(refused, method="sheets.spreadsheets.batchUpdate", nth=nth)

    lines = doctor(google_demo, expect=1)

    tag = line(lines, "FIX tag the coordinator spreadsheet, as tutorsync tags its tabs: ")
    assert f"{SERVICE_ACCOUNT} may not open spreadsheet" in tag and "(Editor" in tag
    assert "ok  remove the scratch tag: deleted 0 developer metadata entries" in lines
    assert scratch_left(fake_google, google_demo) == []


def test_a_tag_left_behind_is_named_and_the_next_deep_doctor_removes_it(google_demo, fake_google):
    refused = GoogleError(403, "The caller does not have permission")
    nth = write_checks(google_demo) + 2  # the tag's removal
    fake_google.faults.refuse(refused, method="sheets.spreadsheets.batchUpdate", nth=nth)

    lines = doctor(google_demo, expect=1)

    left = line(lines, "FIX remove the scratch tag: ")
    assert f"developer metadata {METADATA_KEY} is left on" in left
    assert "removed by the next `tutorsync doctor --deep`" in left
    assert scratch_left(fake_google, google_demo) == [f"sheets: {METADATA_KEY}"]

    lines = doctor(google_demo, expect=0)
    assert "ok  remove the scratch tag: deleted 2 developer metadata entries" in lines
    assert scratch_left(fake_google, google_demo) == []


def test_a_folder_that_may_not_be_deleted_goes_to_the_trash(google_demo, fake_google):
    fake_google.faults.refuse(
        GoogleError(
            403,
            "The user does not have sufficient permissions for this file.",
            reason="insufficientFilePermissions",
        ),
        method="drive.files.delete",
        rate=1,
    )

    lines = doctor(google_demo, expect=0)

    removed = line(lines, "ok  remove the scratch folder: moved 'tutorsync doctor scratch 20")
    assert "to Drive's trash" in removed and "empties the trash after 30 days" in removed
    [folder] = [f for f in fake_google.drive.files() if f["name"].startswith(SCRATCH_NAME)]
    assert folder["trashed"]  # and the copy in it with it, as Drive has it


def test_a_folder_that_cannot_be_removed_is_named_by_name_and_id(google_demo, fake_google):
    refused = GoogleError(
        403,
        "The user does not have sufficient permissions for this file.",
        reason="insufficientFilePermissions",
    )
    fake_google.faults.refuse(refused, method="drive.files.delete", rate=1)
    # The copy's record is the first files.update; the move to the trash the second.
    fake_google.faults.refuse(refused, method="drive.files.update", nth=2)

    lines = doctor(google_demo, expect=1)

    left = line(lines, "FIX remove the scratch folder: left in Google Drive, for a person to ")
    [scratch] = [f for f in fake_google.drive.files() if f["name"].startswith(SCRATCH_NAME)]
    assert f"'{scratch['name']}' (ID {scratch['id']})" in left
    assert f"{SERVICE_ACCOUNT} may not read or change" in left


def test_insufficient_scopes_say_to_sign_in_again(google_demo, fake_google):
    refused = GoogleError(
        403, "Request had insufficient authentication scopes.", reason="insufficientPermissions"
    )
    fake_google.faults.refuse(refused, method="drive.files.create", rate=1)

    lines = doctor(google_demo, expect=1)

    made = line(lines, "FIX make a scratch folder in folders.root: ")
    assert "does not carry the scope https://www.googleapis.com/auth/drive" in made
    assert "`tutorsync auth login` again" in made
    assert scratch_left(fake_google, google_demo) == []


# --- local ----------------------------------------------------------------------------------


def test_deep_doctor_on_the_local_workspace_leaves_nothing(demo):
    before = sorted(path.relative_to(demo) for path in demo.rglob("*"))

    lines = doctor(demo / "tutorsync.toml", "--deep-share-with", TEACHER, expect=0)

    deep = lines[lines.index("ok  make a scratch folder in folders.root") :]
    assert [each.split(":")[0] for each in deep] == [
        "ok  make a scratch folder in folders.root",
        "ok  find the scratch folder by its tags",
        f"ok  share the scratch folder with {TEACHER} as writer",
        f"ok  copy the template '{TEMPLATE}' into the scratch folder",
        "ok  remove the scratch folder",
        "ok  make a scratch event in calendar calendar.ics",
        "ok  find the scratch event by its tags",
        "ok  delete the scratch event",
        "ok  tag the coordinator spreadsheet, as tutorsync tags its tabs",
        "ok  remove the scratch tag",
        "all checks passed",
    ]
    assert sorted(path.relative_to(demo) for path in demo.rglob("*")) == before


def test_deep_doctor_locally_names_a_template_that_is_not_there(demo):
    (demo / "templates" / f"{TEMPLATE}.xlsx").unlink()

    lines = doctor(demo / "tutorsync.toml", expect=1)

    copy = line(lines, f"FIX copy the template '{TEMPLATE}' into the scratch folder: ")
    assert "templates/Individual learning plan.xlsx" in copy
    assert line(lines, "ok  remove the scratch folder: removed folders/tutorsync doctor scratch")
    assert not any(SCRATCH_NAME in path.name for path in demo.rglob("*"))


def test_deep_share_with_goes_with_deep(demo):
    result = CliRunner().invoke(
        cli, ["doctor", "--config", str(demo / "tutorsync.toml"), "--deep-share-with", TEACHER]
    )
    assert result.exit_code == 2 and "--deep-share-with goes with --deep" in result.output
