"""The local Drive: student folders are directories in the workspace folder.

Each folder tutorsync keeps holds a manifest, `.tutorsync-folder.json`, that plays the part of
the tags Google keeps on a Drive folder: the program, the folder's key, its kind and student,
the folder's sharing (`grants`, which nobody enforces locally: it stands for Drive's access
list), which of those grants tutorsync made (`ours`) and which templates it copied in
(`templates`, and `copies`: template token -> the copy's file name). A folder is found by its
manifest, never by its directory's name or place, so an educator may rename a folder or move it
anywhere under the root and it is still the same folder.

The manifest is pretty-printed JSON with sorted keys, grants and tokens, so writing the same
content gives the same bytes; it is rewritten (atomically) only when its content changes, so a
run with nothing to do touches no file. Fields another version of tutorsync (or a person) added
are kept as they are.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import posixpath
import re
import shutil
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import Any

from jobs.errors import WorkspaceError
from jobs.model.drive import (
    ROOT,
    ChangeRole,
    CopyTemplate,
    CreateFolder,
    Folder,
    FolderChange,
    FolderKind,
    ForgetGrant,
    Grant,
    MoveFolder,
    RecordTemplate,
    RevokeGrant,
    RewriteRecord,
    ShareFolder,
    TemplateCopy,
    recorded_as,
    token,
)
from jobs.workspace.drive_port import PendingApply
from jobs.workspace.local.files import (
    TEMPORARY,
    FileWrite,
    discard,
    link_path,
    read_bytes,
    relative_path,
    replace_file,
    replace_files,
)
from jobs.workspace.pending import PendingChanges

log = logging.getLogger(__name__)

MANIFEST = ".tutorsync-folder.json"
"""The file in a folder's directory that says which folder it is."""

# Characters Windows or macOS refuse in a file name (and "/" everywhere), and control characters.
_UNSAFE = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]')
# Names Windows keeps for devices, with or without an extension.
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"{device}{n}" for device in ("COM", "LPT") for n in range(1, 10)]
)
_MAX_NAME = 150  # characters: leaves room in a 260-character Windows path for the rest
_MAX_NAME_BYTES = 200  # most file systems allow 255 bytes per name; non-ASCII takes several
_MAX_NUMBERED = 1000  # "name (2)" ... : past this something else is wrong


class LocalDrive:
    """The `Drive` port over directories under `root` (the workspace folder); a Drive root is
    a directory named by its path relative to it, like "folders"."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def list_folders(self, root: str, program_key: str, *, grants: bool = True) -> list[Folder]:
        """Every folder of the program under the root directory, however deep and whatever
        its directory is called, parents before children. Two directories with one key give
        one Folder (the first in path order) with the others as `duplicate_urls`. A manifest
        that cannot be read is skipped with a warning. Raises WorkspaceError if the root
        directory is not a directory in the workspace folder. (`grants` costs nothing here:
        the manifests hold them.)"""
        del grants
        top = self._top(root)
        records = _scan(top, program_key, self.root)
        places = _places(records, self._url(top), os.fspath(top))
        return [
            _folder(
                copies[0],
                *places[copies[0]],
                duplicate_urls=tuple(places[other][0] for other in copies[1:]),
            )
            for copies in _by_key(records).values()
        ]

    def apply(
        self, root: str, program_key: str, changes: Sequence[FolderChange], *, notify: bool
    ) -> dict[str, str]:
        """Make the changes in the port's order: folders (parents first, each created with the
        grants shared with it in this apply), then grants (shares, role changes, revokes and
        forgets, one manifest write per folder), then moves, then template copies and
        records. `notify` does not matter here: nobody is e-mailed about a directory.
        Returns each folder's workspace path by key, as `list_folders` would list it then.
        Does everything it can, then raises WorkspaceError naming each change that failed, by
        folder key."""
        return self._apply(root, program_key, changes, notify=notify)[0]

    def _apply(
        self, root: str, program_key: str, changes: Sequence[FolderChange], *, notify: bool
    ) -> tuple[dict[str, str], dict[tuple[str, str], TemplateCopy]]:
        """`apply`, and the template copies it made as `list_folders` would list them then, by
        (folder key, template token)."""
        del notify
        top = self._top(root)
        state = _State(self.root, top, program_key, changes)
        failures: list[str] = []
        for phase, then_save in _phases(changes):
            for change in phase:
                try:
                    state.make(change)
                except (_Failed, WorkspaceError) as problem:
                    failures.append(f"{_folder_key(change)}: {_what(change)}: {problem}")
            if then_save:
                failures += state.save()
        if failures:
            raise WorkspaceError(
                "some folder changes could not be made (the others were): " + "; ".join(failures)
            )
        directories = state.directories()
        copies = {
            (key, template_token): TemplateCopy(template_token, f"{self._url(path)}/{name}", made)
            for (key, template_token), name in state.copied.items()
            if (path := directories.get(key)) is not None
            and (made := _file_modified(path / name)) is not None
        }
        return {key: self._url(path) for key, path in directories.items()}, copies

    def begin_apply(
        self,
        root: str,
        program_key: str,
        changes: Sequence[FolderChange],
        *,
        notify: bool,
        background: bool,
    ) -> PendingApply:
        """`apply`, at once: directories take no quota worth overlapping, and a new one's path
        is known only once it is made (a name already taken gets a number). So are the
        template copies' paths: each copy made is in `copies`."""
        del background

        def make(made: dict[tuple[str, str], TemplateCopy]) -> dict[str, str]:
            urls, copies = self._apply(root, program_key, changes, notify=notify)
            made.update(copies)
            return urls

        return PendingChanges({}, {}, make, background=False)

    def check_templates(self, templates: Sequence[str]) -> list[str]:
        """Each template must be a file inside the workspace folder."""
        problems = []
        for template in templates:
            try:
                source = _inside(self.root, template, _outside_message(template))
            except WorkspaceError as error:
                problems.append(str(error))
                continue
            if not source.is_file():
                problems.append(_not_a_file_message(template))
        return problems

    def link(self, url: str, *, from_spreadsheet: str) -> str:
        """The folder's path relative to `from_spreadsheet`'s directory, as LocalWorkspace
        links spreadsheets: a link cell in an .xlsx file opens the folder (a line in an .ics
        file names it), and the workspace folder can be moved as a whole."""
        here, into_calendar = _linked_from(from_spreadsheet)
        # relpath normalises a path as PurePath does, but for Windows' separators and "".
        posix = PurePath(url).as_posix() if "\\" in url or not url else url
        relative = relative_path(posix, here)
        return relative if into_calendar else link_path(relative)

    # --- Paths ----------------------------------------------------------------------------------

    def _top(self, root: str) -> Path:
        """The root directory of the folders; it must exist inside the workspace folder."""
        path = _inside(
            self.root,
            root,
            f"{root!r} is not a path inside the workspace folder ({self.root}); set folders.root "
            "in the config to the folder that holds the student folders, by its path relative "
            "to the workspace folder, like folders",
        )
        if not path.is_dir():
            problem = "is a file, not a folder" if path.exists() else "does not exist"
            raise WorkspaceError(
                f"the folder {root} {problem} in the workspace folder ({self.root}); create it, "
                "or set folders.root in the config to the folder that holds the student folders"
            )
        return path

    def _url(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


@functools.lru_cache(maxsize=1024)
def _linked_from(file: str) -> tuple[str, bool]:
    """The folder links in `file` start from, and whether it is a calendar (.ics): worked out
    once a file, as a run links every student's folder from a few files."""
    path = PurePath(file)
    return path.parent.as_posix(), path.suffix.lower() == ".ics"


# --- Test and demo helpers ----------------------------------------------------------------------


def add_hand_grant(workspace_root: Path, folder_url: str, email: str, role: str) -> None:
    """Share a folder as an educator would by hand: the grant is in the folder's access list
    but not among tutorsync's own. An existing grant for the address gets the new role."""
    path = Path(workspace_root) / folder_url / MANIFEST
    record = _Manifest.parse(path.read_bytes())
    record.put_grant(email, role)
    replace_file(path, record.encode(), folder_url)


def manifest(workspace_root: Path, folder_url: str) -> dict[str, Any]:
    """The folder's manifest as stored."""
    data: dict[str, Any] = json.loads((Path(workspace_root) / folder_url / MANIFEST).read_bytes())
    return data


# --- The manifest -------------------------------------------------------------------------------


class _Unreadable(ValueError):
    """A manifest that is not one tutorsync wrote (or was damaged)."""


@dataclass
class _Manifest:
    program: str
    key: str
    kind: FolderKind
    student: str = ""
    grants: list[Grant] = field(default_factory=list)
    ours: set[str] = field(default_factory=set)
    templates: set[str] = field(default_factory=set)
    copies: dict[str, str] = field(default_factory=dict)  # template token -> copy's file name
    extra: dict[str, Any] = field(default_factory=dict)  # fields this version does not know

    @classmethod
    def parse(cls, raw: bytes) -> _Manifest:
        """The manifest in `raw`; raises _Unreadable saying what is wrong with it."""
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise _Unreadable(f"it is not JSON ({error})") from None
        if not isinstance(data, dict):
            raise _Unreadable("it is not a JSON object")
        program, key, kind = (_text_field(data, name) for name in ("program", "key", "kind"))
        if not key:
            raise _Unreadable('its "key" is empty')
        try:
            folder_kind = FolderKind(kind)
        except ValueError:
            raise _Unreadable(f'its "kind" {kind!r} is not a kind of folder') from None
        return cls(
            program=program,
            key=key,
            kind=folder_kind,
            student=_text_field(data, "student", default=""),
            grants=[_grant(entry) for entry in _list_field(data, "grants")],
            ours=set(_tokens_field(data, "ours")),
            templates=set(_tokens_field(data, "templates")),
            copies=_copies_field(data),
            extra={
                name: value
                for name, value in data.items()
                if name not in _FIELDS  # kept, so an older tutorsync does not drop them
            },
        )

    def encode(self) -> bytes:
        """The manifest as stored: one content, one byte sequence."""
        data = {
            **self.extra,
            "program": self.program,
            "key": self.key,
            "kind": self.kind.value,
            "student": self.student,
            "grants": [
                {"email": grant.email, "role": grant.role, "kind": grant.kind}
                for grant in sorted(self.grants, key=lambda g: (g.email, g.kind, g.role))
            ],
            "ours": sorted(self.ours),
            "templates": sorted(self.templates),
            "copies": dict(sorted(self.copies.items())),
        }
        return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()

    def grant_of(self, email: str) -> Grant | None:
        return next((grant for grant in self.grants if grant.email == email.lower()), None)

    def put_grant(self, email: str, role: str) -> None:
        """Give `email` the role, replacing the address's grant if it has one."""
        email = email.strip().lower()
        existing = self.grant_of(email)
        kind = existing.kind if existing is not None else "user"
        self.drop_grant(email)
        self.grants.append(Grant(email, role, kind))

    def drop_grant(self, email: str) -> None:
        self.grants = [grant for grant in self.grants if grant.email != email.strip().lower()]


_FIELDS = frozenset(["program", "key", "kind", "student", "grants", "ours", "templates", "copies"])
_GRANT_KINDS = frozenset(["user", "group", "domain", "anyone"])


def _text_field(data: dict[str, Any], name: str, default: str | None = None) -> str:
    value = data.get(name, default)
    if not isinstance(value, str):
        raise _Unreadable(f'its "{name}" is missing or not text')
    return value


def _list_field(data: dict[str, Any], name: str) -> list[Any]:
    value = data.get(name, [])
    if not isinstance(value, list):
        raise _Unreadable(f'its "{name}" is not a list')
    return value


def _tokens_field(data: dict[str, Any], name: str) -> list[str]:
    values = _list_field(data, name)
    if not all(isinstance(value, str) for value in values):
        raise _Unreadable(f'its "{name}" holds something other than text')
    return values


def _copies_field(data: dict[str, Any]) -> dict[str, str]:
    value = data.get("copies", {})
    if not isinstance(value, dict) or not all(
        isinstance(name, str) and isinstance(file, str) for name, file in value.items()
    ):
        raise _Unreadable('its "copies" is not an object of file names')
    return dict(value)


def _grant(entry: Any) -> Grant:
    if not isinstance(entry, dict):
        raise _Unreadable('an entry of its "grants" is not an object')
    email, role = entry.get("email"), entry.get("role")
    kind = entry.get("kind", "user")
    if not isinstance(email, str) or not isinstance(role, str) or kind not in _GRANT_KINDS:
        raise _Unreadable(f'its "grants" has an entry that is not a grant: {entry!r}')
    return Grant(email.strip().lower(), role, kind)


# --- Finding folders ----------------------------------------------------------------------------


@dataclass(eq=False)
class _Record:
    """A directory holding one of the program's manifests, and the manifest as stored.

    Its place is kept relative to the nearest of the program's folders it is in, so a move
    of a folder's directory carries the folders inside it along without a look at any other
    folder (an apply that archives a thousand students moves a thousand directories)."""

    top: Path  # the root directory
    inside: _Record | None  # the nearest of the program's folders it is in; None: none is
    relative: tuple[str, ...]  # the names that lead from its directory (or `top`) here
    manifest: _Manifest
    # The manifest's encoding when last written, or taken just before it is first changed in
    # memory; the manifest is written only when its encoding differs. None: as read, unchanged.
    stored: bytes | None = None

    @property
    def path(self) -> Path:
        return (self.top if self.inside is None else self.inside.path).joinpath(*self.relative)

    @property
    def parent_key(self) -> str | None:
        """ROOT in the root directory, the key of the folder it is in, or None: moved
        elsewhere (into a directory that is not one of the program's folders)."""
        if len(self.relative) > 1:
            return None
        return ROOT if self.inside is None else self.inside.manifest.key


def _scan(
    top: Path, program_key: str, workspace_root: Path, skipped: list[str] | None = None
) -> list[_Record]:
    """The program's folders under `top` (not `top` itself) in path order, parents first;
    unreadable manifests (and directories) are left out with a warning, and added to
    `skipped`."""
    records: list[_Record] = []

    # Folder paths hold students' names: warnings say how many and where to look (the
    # root), and only DEBUG, which says it shows names, gives the paths.
    unreadable: list[str] = []

    def unwalkable(error: OSError) -> None:
        unreadable.append(f"{error.filename} ({error.strerror or error})")

    # Each directory walked (by its path as os.walk gives it): the nearest of the program's
    # folders it is or is in, and the names that lead from that folder's directory to it.
    walked_from = os.fspath(top)
    places: dict[str, tuple[_Record | None, tuple[str, ...]]] = {walked_from: (None, ())}
    for directory, subdirectories, files in os.walk(top, onerror=unwalkable):
        subdirectories.sort()  # the same order on every computer, so the same duplicate wins
        if directory == walked_from:
            continue
        parent, name = os.path.split(directory)
        inside, names = places[parent]
        places[directory] = inside, (*names, name)
        if MANIFEST not in files:
            continue
        path = Path(directory, MANIFEST)
        try:
            found = _Manifest.parse(read_bytes(path, "it"))
        except (WorkspaceError, _Unreadable) as problem:
            unreadable.append(f"{path.relative_to(workspace_root).as_posix()}: {problem}")
            continue
        if found.program == program_key:
            record = _Record(top, inside, (*names, name), found)
            records.append(record)
            places[directory] = record, ()
    if unreadable:
        log.warning(
            "%d folder(s) or %s file(s) under %s cannot be read; tutorsync leaves those "
            "folders alone until they are readable again (a deleted %s makes the folder anew). "
            "Run with -vv to see which",
            len(unreadable),
            MANIFEST,
            top.relative_to(workspace_root).as_posix() or ".",
            MANIFEST,
        )
        for detail in unreadable:
            log.debug("cannot read %s", detail)
    if skipped is not None:
        skipped += unreadable
    return records


def _by_key(records: Sequence[_Record]) -> dict[str, list[_Record]]:
    keyed: dict[str, list[_Record]] = {}
    for record in records:
        keyed.setdefault(record.manifest.key, []).append(record)
    return keyed


def _places(records: Sequence[_Record], top_url: str, top: str) -> dict[_Record, tuple[str, str]]:
    """Each record's URL and directory, as strings: a listing of thousands of folders spent
    most of its time making and taking apart their paths as Path objects. Records come
    parents first (as `_scan` gives them), so a record's parent's place is known before it."""
    places: dict[_Record, tuple[str, str]] = {}
    for record in records:
        url, directory = places[record.inside] if record.inside else (top_url, top)
        names = "/".join(record.relative)
        places[record] = (
            names if url == "." else f"{url}/{names}",
            os.path.join(directory, *record.relative),
        )
    return places


def _folder(
    record: _Record, url: str, directory: str, *, duplicate_urls: tuple[str, ...]
) -> Folder:
    found = record.manifest
    # The copies still in the folder (the manifest records a copy with its template), with
    # the time the file was last changed: one stat a copy.
    copy_files = tuple(
        TemplateCopy(template, f"{url}/{name}", modified)
        for template, name in sorted(found.copies.items())
        if _plain_name(name)
        and (modified := _file_modified(os.path.join(directory, name))) is not None
    )
    return Folder(
        key=found.key,
        kind=found.kind,
        name=os.path.basename(directory),
        parent_key=record.parent_key,
        url=url,
        grants=tuple(_sorted_grants(found.grants)),
        ours=frozenset(found.ours),
        templates=frozenset(found.templates),
        copies=frozenset(copy.template_token for copy in copy_files),
        copy_files=copy_files,
        student_id=found.student,
        duplicate_urls=duplicate_urls,
    )


def _file_modified(path: Path | str) -> datetime | None:
    """When a regular file was last changed (its mtime, as an aware time); None when it is not
    a file (gone, renamed, a directory)."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(found.st_mode):
        return None
    return datetime.fromtimestamp(found.st_mtime, tz=UTC)


def _sorted_grants(grants: Sequence[Grant]) -> list[Grant]:
    return sorted(grants, key=lambda g: (g.email, g.kind, g.role))


# --- Applying changes ---------------------------------------------------------------------------


class _Failed(Exception):
    """One change could not be made; the message says why, without names or paths."""


class _State:
    """The program's folders as one apply sees them, kept in step with what it changes on
    disk. Grant and template changes are made to the manifests in memory and written by
    `save`; directories are made and moved at once. Past reading the manifests, an apply
    costs what its changes cost: only the folders they change are encoded and written."""

    def __init__(
        self, workspace_root: Path, top: Path, program_key: str, changes: Sequence[FolderChange]
    ) -> None:
        self.workspace_root = workspace_root
        self.top = top
        self.program_key = program_key
        # What cannot be read may be any folder: while there is any, none is made, so a
        # folder whose manifest is damaged is never made a second time.
        self.skipped: list[str] = []
        self.records = _by_key(_scan(top, program_key, workspace_root, self.skipped))
        self.not_created: set[str] = set()  # keys whose CreateFolder failed in this apply
        self.edited: dict[str, _Record] = {}  # manifests changed in memory and not yet saved
        self.unsaved: set[str] = set()  # keys whose manifest could not be written (said once)
        # New folders whose manifest is not written yet, each with whether its directory was
        # made now (False: an empty one taken over); then those whose manifest was written.
        self.creating: dict[str, bool] = {}
        self.created: set[str] = set()
        # Template copies made in this apply (or found in place): file name by (folder key,
        # template token).
        self.copied: dict[tuple[str, str], str] = {}
        self.shares: dict[str, list[ShareFolder]] = {}  # a new folder is made shared
        for change in changes:
            if isinstance(change, ShareFolder):
                self.shares.setdefault(change.folder_key, []).append(change)

    def make(self, change: FolderChange) -> None:
        """Make one change; raises _Failed or WorkspaceError saying why it could not be."""
        if isinstance(change, CreateFolder):
            self.create(change)
        elif isinstance(change, ShareFolder | ChangeRole | RevokeGrant | ForgetGrant):
            self.change_grants(change)
        elif isinstance(change, MoveFolder):
            self.move(change)
        elif not isinstance(change, RewriteRecord):  # manifests have kept one form: none listed
            self.copy(change)

    def folder(self, key: str) -> _Record:
        """The folder with the key (the first, if several directories carry it)."""
        if key in self.not_created:
            raise _Failed("the folder could not be created (see that change)")
        found = self.records.get(key)
        if not found:
            raise _Failed(
                f"no folder has this key (no {MANIFEST} in the root folder or below says so; "
                "was the folder or that file deleted?)"
            )
        return found[0]

    def edit(self, key: str) -> _Record:
        """The folder, whose manifest is to be changed in memory: `save` writes it if it
        changed."""
        found = self.folder(key)
        if found.stored is None:
            found.stored = found.manifest.encode()
        self.edited[key] = found
        return found

    def parent(self, key: str) -> _Record | None:
        """The folder a folder with parent `key` goes in: None for the root directory."""
        if key == ROOT:
            return None
        try:
            return self.folder(key)
        except _Failed as problem:
            raise _Failed(f"its parent folder {key}: {problem}") from None

    def create(self, change: CreateFolder) -> None:
        """A directory for the folder, named for people, with its manifest (and the grants
        shared with it in this apply) written in one step. A folder that exists already
        (found by key) is left as it is."""
        if change.key in self.records:
            return
        try:
            if self.skipped:
                raise _Failed(
                    f"{len(self.skipped)} folder(s) or {MANIFEST} file(s) under the root folder "
                    "cannot be read, and one may be this folder's; it is made once they can be "
                    "read (run with -vv to see which)"
                )
            parent = self.parent(change.parent_key)
            path, made = _new_directory(self._directory_of(parent), _safe_name(change.name))
        except _Failed:
            self.not_created.add(change.key)
            raise
        record = _Manifest(self.program_key, change.key, change.kind, change.student_id)
        for share in self.shares.get(change.key, []):
            record.ours.add(token(share.email))
            record.put_grant(share.email, share.role)
        # Written by the `save` after this generation of creates, with the others.
        self.records[change.key] = [_Record(self.top, parent, (path.name,), record)]
        self.edited[change.key] = self.records[change.key][0]
        self.creating[change.key] = made

    def change_grants(self, change: ShareFolder | ChangeRole | RevokeGrant | ForgetGrant) -> None:
        if isinstance(change, ShareFolder) and change.folder_key in self.created:
            return  # shared when it was made
        record = self.edit(_folder_key(change)).manifest
        if isinstance(change, ShareFolder):
            record.ours.add(token(change.email))
            record.put_grant(change.email, change.role)
        elif isinstance(change, ChangeRole):
            if record.grant_of(change.email) is None:
                raise _Failed(
                    "that address has no access to change (someone removed it); the next run "
                    "shares the folder with them again"
                )
            record.put_grant(change.email, change.role)
        elif isinstance(change, RevokeGrant):
            record.drop_grant(change.email)
            record.ours -= recorded_as(change.email)
        elif isinstance(change, ForgetGrant):
            record.ours.discard(change.grant_token)

    def move(self, change: MoveFolder) -> None:
        """Move the folder's directory, keeping its name (numbered if the new place has one
        like it); a folder already there stays."""
        record = self.folder(change.folder_key)
        parent = self.parent(change.parent_key)
        path, destination = record.path, self._directory_of(parent)
        if path.parent == destination:
            return
        if destination == path or path in destination.parents:
            raise _Failed(f"{change.parent_key} is inside this folder")
        target = _free_path(destination, path.name)
        try:
            os.rename(path, target)
        except OSError as error:
            raise _Failed(
                f"the directory could not be moved ({error.strerror or error}); close any file "
                "open in it, and check that you may change the root folder"
            ) from None
        record.inside, record.relative = parent, (target.name,)

    def copy(self, change: CopyTemplate | RecordTemplate) -> None:
        """Copy a template in and record it, once ever: a recorded template is not copied
        again, and a copy already in place (a run stopped before recording it) is recorded
        rather than copied twice."""
        found = self.edit(change.folder_key)
        record = found.manifest
        template_token = change.template_token
        if isinstance(change, RecordTemplate) or template_token in record.templates:
            record.templates.add(template_token)
            return
        source = _inside(
            self.workspace_root, change.template, _outside_message(change.template), error=_Failed
        )
        if not source.is_file():
            raise _Failed(_not_a_file_message(change.template))
        suffix = source.suffix
        name = _safe_name(change.name, limit=_MAX_NAME - len(suffix)) + suffix
        target = found.path / name
        if not target.exists():
            _copy_file(source, target)
        record.templates.add(template_token)
        record.copies[template_token] = name
        self.copied[(change.folder_key, template_token)] = name

    def save(self) -> list[str]:
        """Write every manifest whose content changed, together; the failures, by folder key
        (each folder's once, though a later save tries again). A new folder whose manifest
        could not be written is not made."""
        encoded = {key: record.manifest.encode() for key, record in self.edited.items()}
        paths = {key: record.path / MANIFEST for key, record in self.edited.items()}
        problems = replace_files(
            [
                FileWrite(paths[key], data, f"its {MANIFEST}")
                for key, data in encoded.items()
                if data != self.edited[key].stored
            ]
        )
        failures = []
        for key, record in list(self.edited.items()):
            del self.edited[key]
            problem = problems.get(paths[key])
            made = self.creating.pop(key, None)
            if problem is None:
                record.stored = encoded[key]
                if made is not None:
                    self.created.add(key)
            elif made is not None:
                failures.append(f"{key}: creating the folder: {problem}")
                if made:
                    _remove_empty(record.path)  # a bare directory would only confuse people
                del self.records[key]
                self.not_created.add(key)
            else:
                if key not in self.unsaved:
                    failures.append(f"{key}: {problem}")
                self.unsaved.add(key)
                self.edited[key] = record
        return failures

    def directories(self) -> dict[str, Path]:
        """Each folder's directory by key: of several with one key, the first in path order,
        as a listing finds it."""
        return {
            key: min((record.path for record in records), key=lambda path: path.parts)
            for key, records in self.records.items()
        }

    def _directory_of(self, parent: _Record | None) -> Path:
        """The directory a folder in `parent` (None: the root directory) goes in."""
        return self.top if parent is None else parent.path


def _phases(changes: Sequence[FolderChange]) -> list[tuple[Sequence[FolderChange], bool]]:
    """The changes in the order the port promises, each phase with whether the manifests are
    written after it: folders (a generation at a time, so a folder whose manifest could not
    be written has nothing made inside it), then grants (one write per folder for all its
    grant changes), then moves (directories only), then copies and records."""

    def of(*kinds: type) -> list[FolderChange]:
        return [change for change in changes if isinstance(change, kinds)]

    creates = [change for change in changes if isinstance(change, CreateFolder)]
    return [
        *((generation, True) for generation in _generations(creates)),
        (of(ShareFolder), False),
        (of(ChangeRole), False),
        (of(RevokeGrant, ForgetGrant), True),
        (of(MoveFolder), False),
        (of(CopyTemplate, RecordTemplate), True),
    ]


def _generations(creates: Sequence[CreateFolder]) -> list[list[CreateFolder]]:
    """The creates in their order, in generations: a folder created in the same apply as its
    parent comes in the generation after the parent's. Creates whose parent never comes (or a
    cycle) come last, in their order, and fail on their own."""
    pending = list(creates)
    keys = {change.key for change in pending}
    done: set[str] = set()
    generations: list[list[CreateFolder]] = []
    while pending:
        ready = [c for c in pending if c.parent_key not in keys or c.parent_key in done]
        if not ready:
            generations.append(pending)
            break
        generations.append(ready)
        done.update(change.key for change in ready)
        pending = [c for c in pending if c.key not in done]
    return generations


def _folder_key(change: FolderChange) -> str:
    return change.key if isinstance(change, CreateFolder) else change.folder_key


def _what(change: FolderChange) -> str:
    """The change, for a failure message: no folder or file names, which name students."""
    if isinstance(change, CreateFolder):
        return "creating the folder"
    if isinstance(change, ShareFolder):
        return f"sharing with {change.email}"
    if isinstance(change, ChangeRole):
        return f"changing {change.email}'s access to {change.role}"
    if isinstance(change, RevokeGrant):
        return f"revoking {change.email}'s access"
    if isinstance(change, ForgetGrant):
        return "forgetting a removed grant"
    if isinstance(change, MoveFolder):
        return f"moving it into {change.parent_key or 'the root folder'}"
    if isinstance(change, CopyTemplate):
        return f"copying the template {change.template}"
    return "recording a template copy"


# --- Files and names ----------------------------------------------------------------------------


def _outside_message(template: str) -> str:
    return (
        f"the template {template!r} is not a path inside the workspace folder; name it in "
        "folders.templates by its path relative to it, like templates/log.xlsx"
    )


def _not_a_file_message(template: str) -> str:
    return (
        f"the template {template} is not a file in the workspace folder; check its path in "
        "folders.templates"
    )


def _inside(
    workspace_root: Path,
    reference: str,
    message: str,
    error: type[Exception] = WorkspaceError,
) -> Path:
    """The path a reference names relative to the workspace folder; raises `error` with
    `message` if it is empty, absolute or leads outside the folder."""
    path = PurePath(reference)
    parts = PurePath(posixpath.normpath(path.as_posix())).parts
    if not reference or path.is_absolute() or path.anchor or parts[:1] == ("..",):
        raise error(message)
    return workspace_root.joinpath(*parts)


def _safe_name(name: str, limit: int = _MAX_NAME) -> str:
    """`name` as a file or directory name every file system takes: characters that are not
    allowed become "_", trailing dots and spaces go (Windows drops them), and long names are
    cut short."""
    text = _UNSAFE.sub("_", name).strip()[:limit]
    while len(text.encode("utf-8")) > _MAX_NAME_BYTES:
        text = text[:-1]
    text = text.rstrip(". ")
    if not text:
        return "_"
    if text.split(".")[0].upper() in _RESERVED:
        return f"_{text}"
    return text


def _numbered(name: str) -> Iterator[str]:
    """`name`, then "name (2)", "name (3)" ..."""
    yield name
    for number in range(2, _MAX_NUMBERED):
        yield f"{name} ({number})"


def _new_directory(parent: Path, name: str) -> tuple[Path, bool]:
    """A new directory named `name` (numbered if the name is taken) in `parent`, and whether
    it was made now. An empty directory of that name is taken over: a run stopped between
    making a directory and writing its manifest leaves one (holding at most the manifest's
    temporary file), and must not cause a second."""
    for candidate in _numbered(name):
        path = parent / candidate
        try:
            path.mkdir()
        except FileExistsError:
            if path.is_dir() and not path.is_symlink() and _left_by_a_stopped_run(path):
                return path, False
            continue
        except OSError as error:
            raise _Failed(
                f"the directory could not be made ({error.strerror or error}); check that you "
                "may change the root folder"
            ) from None
        return path, True
    raise _Failed(f"{_MAX_NUMBERED} directories with its name are in the way")


def _left_by_a_stopped_run(directory: Path) -> bool:
    unfinished = f".{MANIFEST}{TEMPORARY}"
    return all(entry.name.startswith(unfinished) for entry in directory.iterdir())


def _free_path(parent: Path, name: str) -> Path:
    """`parent / name`, numbered if something of that name is there already."""
    for candidate in _numbered(name):
        path = parent / candidate
        if not path.exists() and not path.is_symlink():
            return path
    raise _Failed(f"{_MAX_NUMBERED} directories with its name are in the way")


def _remove_empty(path: Path) -> None:
    # Not empty after all, or not ours to remove: left, since an empty one is reused anyway.
    with contextlib.suppress(OSError):
        path.rmdir()


def _copy_file(source: Path, target: Path) -> None:
    """Copy `source` to `target` by way of a temporary file, so a stopped run leaves either
    the whole copy or none."""
    temporary = target.with_name(f".{target.name}{TEMPORARY}{os.getpid()}")
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    except BaseException as error:
        discard(temporary)
        if not isinstance(error, OSError):
            raise
        raise _Failed(
            f"the template could not be copied ({error.strerror or error}); check the disk has "
            "space and that you may write to the folder"
        ) from None


def _plain_name(name: str) -> bool:
    """A file name with no directory in it (a manifest edited by hand could say anything)."""
    return name not in ("", ".", "..") and PurePath(name).name == name and "\\" not in name
