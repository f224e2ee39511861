"""What `tutorsync doctor` reports, and what `doctor --deep` makes to try each change a run
would make: scratch things, each tagged with a scratch key of its own.

A scratch key (`scratch_key`) is never a program's key: a program's key is at most 40
characters of letters, digits, '.', '_' and '-', and a scratch key is longer than that and
starts with `SCRATCH_PREFIX`. So a folder, event or tab tag left behind by a `doctor --deep`
that could not clean up is never taken for one of the program's by a run (runs find their
things by the program's key), and an adapter asked to remove things by a key refuses unless
it is a scratch key (`is_scratch_key`): tutorsync never removes anything of a program.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from jobs.model.calendar import CalendarEvent
from jobs.model.drive import ROOT, CopyTemplate, CreateFolder, FolderKind, ShareFolder
from jobs.settings import Settings

SCRATCH_PREFIX = "tutorsync-doctor-scratch-"
SCRATCH_NAME = "tutorsync doctor scratch"  # a person who sees a leftover knows what it is
SCRATCH_FOLDER_KEY = "doctor-scratch"  # the scratch folder's key, under the scratch key
SCRATCH_EVENT_KEY = "doctor-scratch"
METADATA_KEY = "tutorsync-doctor-scratch"  # the developer metadata key of the scratch tag
_PROGRAM_KEY_MAX = 40  # jobs.settings.Program: a program key is never longer


@dataclass(frozen=True)
class Check:
    """One line of `tutorsync doctor`: what was checked, and what was found or what to fix.
    A skipped check was not tried (say why in `detail`); it is neither passed nor failed."""

    what: str
    ok: bool
    detail: str = ""
    skipped: bool = False


def scratch_key(program_key: str, now: datetime) -> str:
    """The key a `doctor --deep` at `now` tags its scratch things with: the prefix, the time
    to the second (UTC) and the program's key, so a leftover says which program and when."""
    return f"{SCRATCH_PREFIX}{stamp(now)}-{program_key}"


def is_scratch_key(key: str) -> bool:
    """Whether `key` is one `scratch_key` makes: never a program's key."""
    return key.startswith(SCRATCH_PREFIX) and len(key) > _PROGRAM_KEY_MAX


def stamp(now: datetime) -> str:
    """`now` as 20261123T101502Z: sortable, and safe in a file name on every system."""
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class ScratchFolders:
    """The folders job's changes, tried on one scratch folder directly in folders.root."""

    root: str
    create: CreateFolder
    share: ShareFolder | None  # None: no address to try sharing with (see `share_refused`)
    share_with: str  # the address given to share with, "" for none
    share_refused: str  # why the address given cannot be used ("" when it can, or none given)
    copies: tuple[CopyTemplate, ...]  # one per template, in the config's order
    template_names: tuple[str, ...]  # each copy's template, as the config names it


@dataclass(frozen=True)
class DeepPlan:
    """What `doctor --deep` tries for the jobs the config runs."""

    key: str  # the scratch key everything is tagged with
    folders: ScratchFolders | None  # with [folders]
    calendar: str  # with [checkins]: the program calendar; "" without
    event: CalendarEvent | None  # the scratch event, with [checkins]
    spreadsheet: str  # the coordinator spreadsheet, tagged as the progress job tags its tabs
    tag: tuple[str, str]  # (metadata key, value) of the scratch tag


def deep_plan(settings: Settings, *, now: datetime, share_with: str = "") -> DeepPlan:
    """The scratch things for the config's jobs: folders with [folders], check-ins with
    [checkins], progress always. `share_with`: an address to share the scratch folder with."""
    key = scratch_key(settings.program.key, now)
    folders = None
    if settings.folders is not None:
        folders = _scratch_folders(settings, now, share_with.strip().lower())
    event = None
    if settings.checkins is not None:
        event = scratch_event(settings.program.timezone, now)
    return DeepPlan(
        key=key,
        folders=folders,
        calendar=settings.checkins.calendar if settings.checkins is not None else "",
        event=event,
        spreadsheet=settings.outputs.coordinator_spreadsheet,
        tag=(METADATA_KEY, key),
    )


def _scratch_folders(settings: Settings, now: datetime, share_with: str) -> ScratchFolders:
    folders = settings.folders
    assert folders is not None
    reason = "tutorsync doctor --deep"
    name = f"{SCRATCH_NAME} {stamp(now)}"
    create = CreateFolder(SCRATCH_FOLDER_KEY, FolderKind.TERM, name, ROOT, reason=reason)
    refused = ""
    if share_with and not folders.allows(share_with):
        domains = ", ".join(folders.allowed_domains)
        refused = (
            f"{share_with} is outside folders.allowed_domains ({domains}), and tutorsync never "
            "shares a folder outside them; give --deep-share-with an address in one of them, "
            "such as a tutor's or a teacher's"
        )
    share = None
    if share_with and not refused:
        share = ShareFolder(SCRATCH_FOLDER_KEY, share_with, folders.role, reason=reason)
    copies = tuple(
        CopyTemplate(SCRATCH_FOLDER_KEY, template.file, f"{template.name} - {SCRATCH_NAME}", reason)
        for template in folders.templates
    )
    names = tuple(template.name for template in folders.templates)
    return ScratchFolders(folders.root, create, share, share_with, refused, copies, names)


# What doctor --deep says when a run's listing by tags misses what was just made: runs would
# then make it again every time.
NOT_LISTED = (
    "the scratch {what} was made, but listing by tags, as every run does, does not find it, "
    "so runs would make their {them} again and again; check that the credentials are those "
    "of the Google Cloud project that made them (tags are private to a project)"
)
NO_SHARE = (
    "no address to share with; give --deep-share-with ADDRESS (someone in "
    "folders.allowed_domains: Drive sends them no e-mail) to try sharing"
)


def describe(change: CreateFolder | ShareFolder | CopyTemplate, folders: ScratchFolders) -> str:
    """A scratch folder change, as a line of `doctor --deep` names it."""
    if isinstance(change, CreateFolder):
        return "make a scratch folder in folders.root"
    if isinstance(change, ShareFolder):
        return f"share the scratch folder with {change.email} as {change.role}"
    name = folders.template_names[folders.copies.index(change)]
    return f"copy the template '{name}' into the scratch folder"


def describe_share(folders: ScratchFolders) -> str:
    """The sharing step, when no share is tried."""
    with_whom = f" with {folders.share_with}" if folders.share_with else ""
    return f"share the scratch folder{with_whom}"


def scratch_event(timezone: str, now: datetime) -> CalendarEvent:
    """A quarter of an hour at midnight a year from now, in the program's time zone: far from
    any check-in and any working day, private, with no one invited."""
    zone = ZoneInfo(timezone)
    day = now.astimezone(zone).date() + timedelta(days=365)
    start = datetime.combine(day, time(0, 0), tzinfo=zone)
    return CalendarEvent(
        key=SCRATCH_EVENT_KEY,
        summary=SCRATCH_NAME,
        description=(
            "Made by `tutorsync doctor --deep` to check that tutorsync may make events here, "
            "and deleted at once. If you see it, that delete failed: delete it."
        ),
        start=start,
        end=start + timedelta(minutes=15),
        timezone=timezone,
    )
