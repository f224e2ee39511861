"""The Drive port: the student folders tutorsync keeps, who may open them, and what it copied
into them.

A folder is identified for ever by its `key` (stored on the folder: public Drive properties on
Google, a manifest file in the folder's directory locally), never by its name: Drive allows many
folders with one name, and educators rename folders. Each folder also records which of its grants
tutorsync made (`ours`) and which templates it has copied into it (`templates`), so a rerun
revokes only its own grants and never copies a template twice, even after an educator renamed or
deleted the copy. (A copy also carries its folder's key and its template's token, so a copy
made by a run that stopped before recording it is found and recorded, not made again.)

Grants and templates are recorded as short tokens (`token`) rather than addresses or file IDs:
Google keeps at most 124 bytes per property, and a token is all a comparison needs.

Changes are small frozen dataclasses that also serve as the folders job's planned actions; each
carries the reason it exists (adapters ignore it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache

from jobs.errors import FoldersChanged

TAG_PREFIX = "tutorsync-"  # every tag tutorsync puts on a file; other apps' are left alone
PROGRAM_PROPERTY = "tutorsync-program"  # the program's key: one filtered listing finds ours
KEY_PROPERTY = "tutorsync-key"  # the folder's key
KIND_PROPERTY = "tutorsync-kind"  # FolderKind, or COPY_KIND on a template copy
STUDENT_PROPERTY = "tutorsync-student"  # a student folder's student ID
GRANTS_PROPERTY = "tutorsync-grants"  # tokens of tutorsync's own grants (chunked, see below)
TEMPLATES_PROPERTY = "tutorsync-templates"  # tokens of the templates copied in
# On a folder created with its template copies to come: "token=ID" of each copy (Google only)
COPYING_PROPERTY = "tutorsync-copying"
FOLDER_PROPERTY = "tutorsync-folder"  # on a template copy: the key of its folder
TEMPLATE_PROPERTY = "tutorsync-template"  # on a template copy: the template's token
COPY_KIND = "template-copy"

ROOT = ""  # `parent_key` of a folder directly in the configured root
ROLES = ("reader", "commenter", "writer", "fileOrganizer", "organizer", "owner")  # weakest first


class FolderKind(StrEnum):
    TERM = "term"  # <root>/<term>
    ARCHIVE = "archive"  # <root>/<term>/Archived
    STUDENT = "student"  # <root>/<term>/<Last, First (ID)>
    RESOURCES = "resources"  # <root>/Program resources: shared with every educator on the roster


@lru_cache(maxsize=1 << 14)
def token(text: str) -> str:
    """A short stable token for an e-mail address (case-insensitive) or a template reference:
    16 hex digits (64 bits), so no two addresses of a school share one, and six fit in one
    appProperty. (Runs before recorded 8 digits: `with_current_tokens` reads those.)
    Remembered: every folder's grants are of the same few educators, and a digest for each
    grant of each folder on every run was most of planning folders that need no change."""
    return hashlib.sha256(text.strip().lower().encode("utf-8")).hexdigest()[:16]


LEGACY_TOKEN_DIGITS = 8  # what earlier runs recorded: 32 bits, and addresses did collide


def with_current_tokens(folder: Folder, templates: Sequence[str]) -> Folder:
    """`folder` with the 8-digit tokens earlier runs recorded read as today's: a grant's as the
    token of the one grant on the folder that starts with it (if two grants do, it is ours
    for neither: a grant someone made by hand is never taken for ours), a template's as the
    configured template's (a template copy's too). A short token nothing matches stays, and is
    forgotten as before."""
    copy_tokens = [copy.template_token for copy in folder.copy_files]
    recorded = (*folder.ours, *folder.templates, *folder.copies, *copy_tokens)
    if not any(len(t) == LEGACY_TOKEN_DIGITS for t in recorded):
        return folder
    grants = [grant.token for grant in folder.grants]
    configured = [token(template) for template in templates]
    copy_files = tuple(
        replace(copy, template_token=_current_one(copy.template_token, configured))
        for copy in folder.copy_files
    )
    return replace(
        folder,
        ours=_current(folder.ours, grants),
        templates=_current(folder.templates, configured),
        copies=_current(folder.copies, configured),
        copy_files=copy_files,
    )


def recorded_as(email: str) -> frozenset[str]:
    """The tokens a grant to `email` may be recorded under: today's and the 8-digit one of runs
    before. A revoke drops both: a short token left behind would be forgotten only by the next
    run, and until then a grant someone makes by hand that shares it would be taken for ours."""
    current = token(email)
    return frozenset({current, current[:LEGACY_TOKEN_DIGITS]})


def _current(recorded: frozenset[str], tokens: Sequence[str]) -> frozenset[str]:
    found: set[str] = set()
    for old in recorded:
        matches = _matches(old, tokens)
        if len(matches) == 1 or not matches:
            found |= matches or {old}
    return frozenset(found)


def _current_one(old: str, tokens: Sequence[str]) -> str:
    """One recorded token as today's: the one token that starts with it, else as it is (never
    taken for one of two)."""
    matches = _matches(old, tokens)
    return matches.pop() if len(matches) == 1 else old


def _matches(old: str, tokens: Sequence[str]) -> set[str]:
    return {t for t in tokens if t.startswith(old)} if len(old) == LEGACY_TOKEN_DIGITS else {old}


def role_covers(held: str, wanted: str) -> bool:
    """Whether a grant of role `held` gives at least what `wanted` gives."""
    order = {role: rank for rank, role in enumerate(ROLES)}
    return order.get(held, -1) >= order.get(wanted, len(ROLES))


@dataclass(frozen=True)
class Grant:
    """Someone's access to a folder, as Drive (or the manifest) has it."""

    email: str  # lower case; the domain for kind "domain"; "" for kind "anyone"
    role: str  # one of ROLES
    kind: str = "user"  # "user" | "group" | "domain" | "anyone"
    inherited: bool = False  # from a parent folder or the shared drive: not changeable here

    @property
    def token(self) -> str:
        return token(self.email)


@dataclass(frozen=True)
class TemplateCopy:
    """A template's copy found in (or moved out of) a folder, as Drive's metadata or the file
    system describes it; its contents are never read."""

    template_token: str  # the token of the template it was copied from
    url: str  # opens the file (Google: its Docs or Drive address; local: its workspace path)
    modified: datetime | None  # when anyone last changed it (aware); None when not known


@dataclass(frozen=True)
class PlanFile:
    """A student's learning plan as Drive (or the file system) describes it: where it is and
    when anyone last changed it. tutorsync never reads the plan's contents."""

    url: str
    modified: date | None  # None when the workspace cannot say


@dataclass(frozen=True)
class Folder:
    """A folder tutorsync keeps, as it stands now."""

    key: str  # e.g. "student:2026-27:00123"
    kind: FolderKind
    name: str
    parent_key: str | None  # ROOT, the key of another of our folders, or None: moved elsewhere
    url: str  # opens the folder (Google: https://drive.google.com/...; local: workspace path)
    grants: tuple[Grant, ...] = ()
    ours: frozenset[str] = frozenset()  # tokens of the grants tutorsync made and recorded
    templates: frozenset[str] = frozenset()  # tokens of the templates recorded as copied
    copies: frozenset[str] = frozenset()  # tokens of the templates whose copy is found in it
    # Those copies (not in the trash), where they are and when they were last changed.
    copy_files: tuple[TemplateCopy, ...] = ()
    student_id: str = ""
    trashed: bool = False  # in Drive's trash (an educator put it there)
    # Its record (or a template copy's in it) is kept as an earlier version kept it, where
    # another sign-in may not read it (Google: appProperties, private to one Cloud project).
    outdated_record: bool = False
    # Other folders carrying the same key (a race between two machines), left alone; the
    # folder kept is the oldest on Google, the first in path order locally.
    duplicate_urls: tuple[str, ...] = ()


# --- Changes (the folders job's actions) ----------------------------------------------------


@dataclass(frozen=True)
class CreateFolder:
    key: str
    kind: FolderKind
    name: str
    parent_key: str  # ROOT or the key of a folder that exists or is created in the same apply
    student_id: str = ""
    reason: str = ""

    def describe(self, *, sensitive: bool = False) -> str:
        """By key; the name (a student's, for a student folder) only when `sensitive`. Every
        change's describe() takes `sensitive`, so a report can ask any of them alike."""
        if sensitive:
            return f"create folder '{self.name}' ({self.key}): {self.reason}"
        return f"create folder {self.key}: {self.reason}"


@dataclass(frozen=True)
class ShareFolder:
    """Grant `email` the `role`, recording the grant as tutorsync's (before making it, so a run
    killed in between still knows the grant is its own)."""

    folder_key: str
    email: str
    role: str
    reason: str = ""

    def describe(self, *, sensitive: bool = False) -> str:
        return f"share {self.folder_key} with {self.email} as {self.role}: {self.reason}"


@dataclass(frozen=True)
class ChangeRole:
    """Change the role of a grant tutorsync made."""

    folder_key: str
    email: str
    role: str
    reason: str = ""

    def describe(self, *, sensitive: bool = False) -> str:
        return f"change {self.email}'s access to {self.folder_key} to {self.role}: {self.reason}"


@dataclass(frozen=True)
class RevokeGrant:
    """Remove a grant tutorsync made, then drop it from the record."""

    folder_key: str
    email: str
    reason: str = ""

    def describe(self, *, sensitive: bool = False) -> str:
        return f"revoke {self.email}'s access to {self.folder_key}: {self.reason}"


@dataclass(frozen=True)
class ForgetGrant:
    """Drop a recorded grant that no longer exists (someone removed it) and is not wanted."""

    folder_key: str
    grant_token: str
    reason: str = ""

    def describe(self, *, sensitive: bool = False) -> str:
        return f"forget a removed grant on {self.folder_key}: {self.reason}"


@dataclass(frozen=True)
class MoveFolder:
    folder_key: str
    parent_key: str  # ROOT or one of our folders (existing or created in the same apply)
    reason: str = ""

    def describe(self, *, sensitive: bool = False) -> str:
        where = "the root folder" if self.parent_key == ROOT else self.parent_key
        return f"move {self.folder_key} into {where}: {self.reason}"


@dataclass(frozen=True)
class CopyTemplate:
    """Copy a template into a folder and record that it was copied (never again after that)."""

    folder_key: str
    template: str  # Google: the template's file ID; local: its path in the workspace
    name: str  # the copy's name
    reason: str = ""

    @property
    def template_token(self) -> str:
        return token(self.template)

    def describe(self, *, sensitive: bool = False) -> str:
        """The copy's name ("<template> - Last, First") only when `sensitive`."""
        if sensitive:
            return f"copy template into {self.folder_key} as '{self.name}': {self.reason}"
        return f"copy template into {self.folder_key}: {self.reason}"


@dataclass(frozen=True)
class RecordTemplate:
    """Record a template whose copy exists but was not recorded (a run stopped in between)."""

    folder_key: str
    template_token: str
    reason: str = ""

    def describe(self, *, sensitive: bool = False) -> str:
        return f"record the template copy in {self.folder_key}: {self.reason}"


@dataclass(frozen=True)
class RewriteRecord:
    """Keep the folder's record (and its template copies') the way this version keeps it."""

    folder_key: str
    reason: str = ""

    def describe(self, *, sensitive: bool = False) -> str:
        return f"rewrite tutorsync's record on {self.folder_key}: {self.reason}"


FolderChange = (
    CreateFolder
    | ShareFolder
    | ChangeRole
    | RevokeGrant
    | ForgetGrant
    | MoveFolder
    | CopyTemplate
    | RecordTemplate
    | RewriteRecord
)


def made_meanwhile(
    changes: Sequence[FolderChange],
    folder_keys: frozenset[str],
    copied: frozenset[tuple[str, str]],
) -> list[FolderChange]:
    """The creates and copies among `changes` that a fresh look at Drive shows done already:
    `folder_keys` are the keys of the program's folders now, `copied` the (folder key,
    template token) pairs now copied or recorded."""
    return [
        change
        for change in changes
        if (isinstance(change, CreateFolder) and change.key in folder_keys)
        or (
            isinstance(change, CopyTemplate)
            and (change.folder_key, change.template_token) in copied
        )
    ]


def meanwhile_error(made: Sequence[FolderChange]) -> FoldersChanged:
    keys = sorted(
        {change.key if isinstance(change, CreateFolder) else change.folder_key for change in made}
    )
    shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
    return FoldersChanged(
        f"{len(made)} of the planned folders or template copies were made by another run "
        f"since the folders were listed ({shown}); nothing was written, so as not to make "
        "them twice"
    )


def chunk_tokens(
    tokens: Sequence[str] | frozenset[str], key: str, limit_bytes: int = 124
) -> dict[str, str]:
    """Tokens spread over properties `key`, `key-2`, `key-3`, ... so that each property's key
    and value together stay within Google's 124 bytes."""
    ordered = sorted(tokens)
    properties: dict[str, str] = {}
    index = 1
    current: list[str] = []
    for item in ordered:
        name = key if index == 1 else f"{key}-{index}"
        if current and len(name) + len(" ".join([*current, item])) > limit_bytes:
            properties[name] = " ".join(current)
            index += 1
            current = []
        current.append(item)
    if current:
        properties[key if index == 1 else f"{key}-{index}"] = " ".join(current)
    return properties


def read_tokens(properties: Mapping[str, str], key: str) -> frozenset[str]:
    """The tokens `chunk_tokens` spread over `key`, `key-2`, ..."""
    found: set[str] = set()
    for name, value in properties.items():
        if name == key or (name.startswith(f"{key}-") and name[len(key) + 1 :].isdigit()):
            found.update(value.split())
    return frozenset(found)
