"""`tutorsync doctor --deep`: each change the configured jobs make, tried once on scratch
things that are then removed, one line per operation. Folders: a scratch folder made in
folders.root, found by its tags, shared (--deep-share-with), each template copied into it.
Check-ins: a scratch event made, found by its tags. Progress: the coordinator spreadsheet
tagged as tabs are (its write access is doctor's own check). All carry a scratch key
(`jobs.model.doctor`), never the program's; what was made is removed whatever failed, and
what could not be is named for a person to remove.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from jobs.errors import SignInError, TutorsyncError
from jobs.model import doctor as model
from jobs.model.doctor import Check, DeepPlan
from jobs.model.drive import CopyTemplate, CreateFolder, ShareFolder
from jobs.settings import Settings
from jobs.workspace.port import Workspace

Step = tuple[str, Callable[[], object]]  # what is tried, and trying it (its detail, if text)


def run_deep(
    settings: Settings, workspace: Workspace, *, now: datetime, share_with: str = ""
) -> list[Check]:
    """Every operation the config's jobs need, in a run's order: folders, check-ins, progress."""
    plan = model.deep_plan(settings, now=now, share_with=share_with)
    checks = []
    if plan.folders is not None:
        checks += _folders(workspace, plan)
    if plan.event is not None:
        checks += _calendar(workspace, plan)
    return [*checks, *_spreadsheet(workspace, plan)]


def _folders(workspace: Workspace, plan: DeepPlan) -> list[Check]:
    folders, key = plan.folders, plan.key
    assert folders is not None
    share: Step = (model.describe_share(folders), lambda: _no_share(folders.share_refused))
    if folders.share is not None:
        share = _change(workspace, key, folders, folders.share)

    def find() -> None:
        found = workspace.drive.list_folders(folders.root, key)
        if not any(folder.key == model.SCRATCH_FOLDER_KEY for folder in found):
            raise TutorsyncError(model.NOT_LISTED.format(what="folder", them="folders"))

    return _tried(
        _change(workspace, key, folders, folders.create),
        [
            ("find the scratch folder by its tags", find),
            share,
            *(_change(workspace, key, folders, copy) for copy in folders.copies),
        ],
        ("remove the scratch folder", lambda: workspace.probe.remove_folders(folders.root, key)),
    )


def _change(
    workspace: Workspace,
    key: str,
    folders: model.ScratchFolders,
    change: CreateFolder | ShareFolder | CopyTemplate,
) -> Step:
    """A folder change, made as the folders job makes it."""

    def make() -> None:
        failures = workspace.probe.folder_changes(folders.root, key, [change])
        if failures:
            raise TutorsyncError("; ".join(why for _, why in failures))

    return model.describe(change, folders), make


def _no_share(refused: str) -> None:
    if refused:
        raise TutorsyncError(refused)
    raise _Skipped(model.NO_SHARE)


def _calendar(workspace: Workspace, plan: DeepPlan) -> list[Check]:
    event = plan.event
    assert event is not None
    probe = workspace.probe

    def find() -> None:
        if not probe.find_event(plan.calendar, plan.key, model.SCRATCH_EVENT_KEY):
            raise TutorsyncError(model.NOT_LISTED.format(what="event", them="check-ins"))

    return _tried(
        (
            f"make a scratch event in calendar {plan.calendar}",
            lambda: probe.add_event(plan.calendar, plan.key, event),
        ),
        [("find the scratch event by its tags", find)],
        ("delete the scratch event", lambda: probe.remove_events(plan.calendar, plan.key)),
    )


def _spreadsheet(workspace: Workspace, plan: DeepPlan) -> list[Check]:
    key, value = plan.tag
    probe = workspace.probe
    return _tried(
        (
            "tag the coordinator spreadsheet, as tutorsync tags its tabs",
            lambda: probe.tag_spreadsheet(plan.spreadsheet, key, value),
        ),
        [],
        ("remove the scratch tag", lambda: probe.untag_spreadsheet(plan.spreadsheet, key)),
    )


def _tried(make: Step, then: list[Step], remove: Step) -> list[Check]:
    """Make the scratch thing, then each step on it (skipped if it could not be made), then
    remove it: always, even when a step raised, since making may have half worked."""
    checks: list[Check] = []
    try:
        made = _attempt(*make)
        checks.append(made)
        for what, step in then:
            checks.append(_attempt(what, step) if made.ok else _skip(what, "it could not be made"))
    finally:
        checks.append(_attempt(*remove))
    return checks


class _Skipped(Exception):
    """A step not tried, and why."""


def _attempt(what: str, step: Callable[[], object]) -> Check:
    """Run one step: passed (with what it says), failed (with the fix its error names), or
    not tried."""
    try:
        said = step()
    except SignInError:
        raise  # nothing can be tried: doctor says so under credentials
    except TutorsyncError as error:
        return Check(what, False, str(error))
    except _Skipped as why:
        return _skip(what, str(why))
    return Check(what, True, said if isinstance(said, str) else "")


def _skip(what: str, why: str) -> Check:
    return Check(what, True, f"not tried: {why}", skipped=True)
