"""`tutorsync run`'s hand-over from the folders job to the progress tabs, with Drive still
working in the background: when it waits for Drive, and what it links then."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from jobs.errors import WorkspaceError
from jobs.folders import FoldersUnderWay
from jobs.model.drive import PlanFile, TemplateCopy, token
from jobs.plan.folders import student_key
from jobs.read import FolderLinks
from jobs.run import _with_plans_made
from jobs.settings import Settings, parse

TERM = "2026-27"
PLAN = "1PlanTemplateDocId"
DOC = "https://docs.google.com/document/d/{}/edit"


def settings(tmp_path: Path) -> Settings:
    config = {
        "program": {"name": "Test program", "timezone": "America/Chicago"},
        "sources": {
            "roster": {"spreadsheet": "roster.xlsx", "tab": "Roster"},
            "tutor_logs": [{"spreadsheet": "log.xlsx", "tabs": ["Log"]}],
        },
        "outputs": {"coordinator_spreadsheet": "coordinator.xlsx"},
        "folders": {
            "root": "folders",
            "term": TERM,
            "allowed_domains": ["school.example"],
            "templates": [{"file": PLAN, "name": "Learning plan", "learning_plan": True}],
        },
    }
    return parse(config, config_dir=tmp_path)


class Pending:
    """Drive's changes under way: counts the waits; `failure` is what wait() raises."""

    def __init__(self, made: dict, failure: Exception | None = None) -> None:
        self.urls: dict[str, str] = {}
        self.copies: dict = {}
        self.made, self.failure, self.waits = made, failure, 0

    def wait(self) -> dict[str, str]:
        self.waits += 1
        if self.failure:
            raise self.failure
        return {}

    def copies_made(self) -> dict:
        assert self.waits, "copies_made() before wait()"
        return self.made


def under_way(pending: Pending, awaited: tuple[str, ...]) -> FoldersUnderWay:
    links = FolderLinks(
        {sid: f"https://drive.google.com/drive/folders/F{sid}" for sid in ("001", "002")},
        (),
        {"001": PlanFile(DOC.format("listed"), date(2026, 11, 2))},
    )
    return FoldersUnderWay(None, pending, None, 0.0, links, awaited)  # type: ignore[arg-type]


MADE_AT = datetime(2026, 11, 24, 4, 10, tzinfo=UTC)  # 23 Nov, 22:10 in Chicago
MADE = {
    (student_key(TERM, "002"), token(PLAN)): TemplateCopy(token(PLAN), DOC.format("D2"), MADE_AT)
}


def test_with_no_plan_whose_address_drive_gives_as_it_copies_it_drive_is_not_waited_for(
    tmp_path,
):
    pending = Pending(MADE)
    folders = under_way(pending, ())

    assert _with_plans_made(settings(tmp_path), folders) is folders.links
    assert pending.waits == 0  # Drive goes on in the background


@pytest.mark.parametrize("failure", [None, WorkspaceError("a share failed")])
def test_a_google_docs_plan_is_linked_once_drive_made_it_and_a_failed_copy_is_not(
    tmp_path, failure
):
    # 002's copy is made (even when another change failed: the folders job reports that);
    # 001's listed plan stays; a copy that failed (003's) is linked by none.
    pending = Pending(MADE, failure)
    folders = under_way(pending, ("002", "003"))

    links = _with_plans_made(settings(tmp_path), folders)

    assert pending.waits == 1
    assert links.urls == folders.links.urls
    assert links.plans == {
        "001": PlanFile(DOC.format("listed"), date(2026, 11, 2)),
        "002": PlanFile(DOC.format("D2"), date(2026, 11, 23)),
    }
