"""`doctor --deep`'s plan: what it tries for which jobs, and that its scratch key can never be
a program's (so nothing it removes is ever a program's). The runs themselves, locally and on
the fake Google, are in tests/e2e/test_doctor_deep.py."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.model.doctor import (
    METADATA_KEY,
    SCRATCH_NAME,
    deep_plan,
    describe,
    is_scratch_key,
    scratch_key,
)
from jobs.model.drive import ROOT, CreateFolder, ShareFolder
from jobs.settings import PROGRAM_KEY, parse
from jobs.workspace.local.workspace import LocalWorkspace

NOW = datetime(2026, 11, 23, 16, 15, 2, tzinfo=UTC)
MINIMAL = {
    "program": {"name": "Lincoln", "timezone": "America/Chicago"},
    "sources": {
        "roster": {"spreadsheet": "roster.xlsx", "tab": "Roster"},
        "tutor_logs": [{"spreadsheet": "log.xlsx", "tabs": ["Log"]}],
    },
    "outputs": {"coordinator_spreadsheet": "coordinator.xlsx"},
}
FOLDERS = {
    "root": "folders",
    "term": "2026-27",
    "allowed_domains": ["lincoln.example"],
    "role": "commenter",
    "templates": [
        {"file": "templates/plan.docx", "name": "Learning plan"},
        {"file": "templates/log.xlsx", "name": "Reading log"},
    ],
}
CHECKINS = {
    "calendar": "checkins.ics",
    "start_date": "2026-09-01",
    "term_end": "2027-06-01",
}


def settings(**sections):
    return parse({**MINIMAL, **sections}, config_dir=Path("."))


def test_progress_alone_tags_only_the_coordinator_spreadsheet():
    plan = deep_plan(settings(), now=NOW)
    assert plan.folders is None and plan.event is None and plan.calendar == ""
    assert plan.spreadsheet == "coordinator.xlsx"
    assert plan.tag == (METADATA_KEY, plan.key)
    assert plan.key == "tutorsync-doctor-scratch-20261123T161502Z-lincoln"


def test_folders_try_a_scratch_folder_its_share_and_each_template():
    plan = deep_plan(settings(folders=FOLDERS), now=NOW, share_with=" Teacher@Lincoln.example ")
    folders = plan.folders
    assert folders is not None and folders.root == "folders"
    assert folders.create.parent_key == ROOT
    assert folders.create.name == f"{SCRATCH_NAME} 20261123T161502Z"
    assert folders.share == ShareFolder(
        folders.create.key, "teacher@lincoln.example", "commenter", reason=folders.share.reason
    )
    assert [copy.template for copy in folders.copies] == [
        "templates/plan.docx",
        "templates/log.xlsx",
    ]
    assert [describe(copy, folders) for copy in folders.copies] == [
        "copy the template 'Learning plan' into the scratch folder",
        "copy the template 'Reading log' into the scratch folder",
    ]
    assert all(copy.folder_key == folders.create.key for copy in folders.copies)
    assert isinstance(folders.create, CreateFolder)


def test_an_address_outside_the_allowed_domains_is_never_shared_with():
    plan = deep_plan(settings(folders=FOLDERS), now=NOW, share_with="someone@gmail.com")
    assert plan.folders is not None and plan.folders.share is None
    assert "someone@gmail.com is outside folders.allowed_domains (lincoln.example)" in (
        plan.folders.share_refused
    )


def test_no_address_no_share():
    plan = deep_plan(settings(folders=FOLDERS), now=NOW)
    assert plan.folders is not None
    assert plan.folders.share is None and plan.folders.share_refused == ""


def test_the_scratch_event_is_private_to_nobody_a_year_away_at_midnight():
    plan = deep_plan(settings(checkins=CHECKINS), now=NOW)
    event = plan.event
    assert plan.calendar == "checkins.ics" and event is not None
    assert event.attendees == () and event.summary == SCRATCH_NAME
    assert event.start.isoformat() == "2027-11-23T00:00:00-06:00"
    assert (event.end - event.start).total_seconds() == 15 * 60


@given(st.from_regex(PROGRAM_KEY, fullmatch=True))
def test_no_program_key_is_a_scratch_key(key):
    assert not is_scratch_key(key)
    assert is_scratch_key(scratch_key(key, NOW))


def test_removing_refuses_anything_but_scratch_things(tmp_path):
    (tmp_path / "folders").mkdir()
    probe = LocalWorkspace(tmp_path).probe
    with pytest.raises(ValueError, match="not a scratch key"):
        probe.remove_folders("folders", "lincoln")
    with pytest.raises(ValueError, match="not a scratch key"):
        probe.remove_events("checkins.ics", "tutorsync-doctor-scratch")
    with pytest.raises(ValueError, match="not the scratch tag's key"):
        probe.untag_spreadsheet("coordinator.xlsx", "tutorsync-owned-tab")
