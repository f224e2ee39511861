"""`pytest tests/live` runs the adapter contracts on a real Google account. No test run here
reaches Google, so these run it as a user would, in a subprocess: without a live config, and
with one that names the fake Google server, where the whole live suite must pass and clear
away all it made. And the example config is one; what a run cannot clear away is named."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from live.live_sandbox import LIVE_CONFIG, NOT_CONFIGURED, Sandbox, read_live_config

ROOT = Path(__file__).resolve().parents[1]
SCRATCH_CALENDAR = "scratch@group.calendar.google.com"


def run_live_suite(live_config: Path | None, *options: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != LIVE_CONFIG}
    if live_config is not None:
        env[LIVE_CONFIG] = str(live_config)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "tests/live", "-p", "no:cacheprovider", *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def outcome(result: subprocess.CompletedProcess[str]) -> dict[str, int]:
    """The counts on pytest's last line: {"passed": 12, "skipped": 1, ...}."""
    last = result.stdout.strip().splitlines()[-1]
    return {word: int(count) for count, word in re.findall(r"(\d+) (\w+)", last)}


def test_without_a_live_config_the_live_suite_is_skipped_saying_how_to_run_it():
    result = run_live_suite(None)

    assert result.returncode == 0, result.stdout + result.stderr
    assert set(outcome(result)) == {"skipped"}
    assert NOT_CONFIGURED in result.stdout


def test_the_example_live_config_is_a_live_config():
    config = read_live_config(ROOT / "docs" / "live.example.toml")

    assert config.folder == "0FictionalScratchFolderIdXyz"
    assert config.calendar and config.calendar.endswith("@group.calendar.google.com")


def write_live_config(path: Path, workspace: dict, folder: str, calendar: str | None) -> Path:
    google = {key: value for key, value in workspace["google"].items() if key != "quotas"}
    lines = ["[workspace]", f"kind = {json.dumps(workspace['kind'])}", "", "[workspace.google]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in google.items()]
    lines += ["", "[workspace.google.quotas]"]
    lines += [f"{key} = {value}" for key, value in workspace["google"]["quotas"].items()]
    lines += ["", "[live]", f"folder = {json.dumps(folder)}"]
    lines += [f"calendar = {json.dumps(calendar)}"] if calendar else []
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def scratch(fake_google) -> str:
    """A scratch folder in a sandbox shared drive, made by a person."""
    drive_id = fake_google.drive.add_shared_drive("Sandbox")
    return fake_google.drive.add_folder("Scratch", parents=[drive_id])


@pytest.mark.slow  # the three contract suites, through the live harnesses, on the fake
def test_on_the_fake_the_live_suite_passes_and_leaves_everything_in_the_trash(
    tmp_path, fake_google, google_workspace_settings, scratch
):
    config = write_live_config(
        tmp_path / "live.toml", google_workspace_settings, scratch, SCRATCH_CALENDAR
    )

    result = run_live_suite(config)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    counts = outcome(result)
    assert set(counts) == {"passed", "skipped"} and counts["passed"] > 50, output
    assert counts["skipped"] == 1 and "another person's calendar" in result.stdout, output
    assert "left nothing behind" in result.stdout, output
    # One folder for the run, in the trash, and everything else the run made inside it.
    files = {f["id"]: f for f in fake_google.drive.files()}
    [run_folder] = [f for f in files.values() if f.get("parents") == [scratch]]
    assert run_folder["name"].startswith("tutorsync live tests ") and run_folder["trashed"]

    def in_run_folder(file: dict) -> bool:
        while file["id"] != run_folder["id"]:
            parents = file.get("parents") or [""]
            if parents[0] not in files:
                return False
            file = files[parents[0]]
        return True

    made = [f for f in files.values() if f["id"] != scratch]
    assert len(made) > 100 and all(in_run_folder(f) for f in made)
    # Every event the run made (check-ins and others' events) is deleted.
    events = fake_google.calendar.events(SCRATCH_CALENDAR)
    assert len(events) > 60 and all(event["status"] == "cancelled" for event in events)


@pytest.mark.slow  # the live suite on the fake, as on an account that cannot share with them
def test_where_google_refuses_the_contracts_people_the_drive_tests_that_share_are_skipped(
    tmp_path, fake_google, google_workspace_settings, scratch
):
    config = write_live_config(tmp_path / "live.toml", google_workspace_settings, scratch, None)
    fake_google.faults.fail(
        400, method="drive.permissions.create", rate=1, reason="invalidSharingRequest"
    )

    result = run_live_suite(config, "-rA")

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    passed = {
        line.removeprefix("PASSED tests/live/test_live_drive.py::")
        for line in result.stdout.splitlines()
        if line.startswith("PASSED tests/live/test_live_drive.py::")
    }
    assert passed == {
        "test_the_root_must_exist",
        "test_a_template_that_is_not_there_is_named_before_anything_is_copied",
    }, output
    assert "400 invalidSharingRequest" in result.stdout and "names no [live] calendar" in output
    assert "left nothing behind" in result.stdout, output


@pytest.mark.slow  # on the fake Google server
def test_what_could_not_be_cleared_away_is_named_with_its_id(
    tmp_path, fake_google, google_workspace_settings, scratch
):
    config = write_live_config(
        tmp_path / "live.toml", google_workspace_settings, scratch, SCRATCH_CALENDAR
    )
    sandbox = Sandbox(read_live_config(config))
    sandbox.open()
    place = sandbox.place("test_something")
    place.new_folder("Student folders")
    time = {"dateTime": "2026-10-13T15:00:00-05:00"}
    place.add_event({"summary": "Staff meeting", "start": time, "end": time})
    [event] = fake_google.calendar.events(SCRATCH_CALENDAR)

    fake_google.faults.fail(403, method="calendar.events.delete", reason="forbidden")
    [event_left] = place.close()
    fake_google.faults.fail(403, method="drive.files.update", reason="insufficientFilePermissions")
    [folder_left] = sandbox.close()

    assert event_left.startswith(f"event 'Staff meeting' ({event['id']}) in calendar ")
    assert folder_left.startswith(f"folder '{sandbox.run_folder_name}' ({sandbox.run_folder}): 403")
    report = "\n".join(sandbox.report())
    assert f"LEFT BEHIND, delete these by hand:\n- {event_left}\n- {folder_left}" in report
