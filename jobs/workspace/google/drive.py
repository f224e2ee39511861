"""The Drive port on Google Drive v3, through google-api-python-client.

Every request goes through the program's `PacedSession` (paced, retried, timed out, counted).
It asks for the `drive` scope (scopes.py says why: `drive.file` would not reach the root or
the templates, which a person made), and touches only the root's subtree, the files it tagged
and the templates it copies.

Reading: one files.get of the root (in one batch with a files.get per template, which
check_templates then reads from), then ONE filtered files.list (paged) finds every folder and
template copy of the program by its tags, wherever it was moved, trashed ones too. Tags are
public `properties`, which every sign-in reads: appProperties, where earlier versions kept
them, are private to the Cloud project that wrote them, so a new service account or OAuth
client would find nothing and make every folder again. A folder still tagged there is listed
as `outdated_record`; the plan rewrites it (step 5), and its template copies with it.
Drive gives an item's permissions in the listing only outside shared drives; for the others
they are read with permissions.list, in batches.

Writing (`apply`) first takes the new IDs, in one batch with a light listing that checks no
other machine made the same folders meanwhile; then it goes in steps, each in batches of at
most 100 calls, parts that were rate limited or met a server error sent again in rounds:
1. folders, parents first, with IDs from files.generateIds: a create sent again after its reply
   was lost answers 409 and is done, so there is never a second folder. A folder is created
   with the record of the copies it is about to hold that take a generated ID ("token=ID"),
   so no files.update records them after (step 5): one write less per new student. The next
   listing reads such a template as copied while its copy is there; a copy still missing
   (the run stopped before it, or it failed) is made again with the recorded ID, so Drive
   answers 409 rather than make a second; one found in the trash is then recorded as copied
   (RecordTemplate), so it is never made again;
2. the grants record of each folder about to be shared, before any grant is made;
3. shares, role changes and revokes;
4. template copies, each tagged with its folder and template. Drive takes a generated ID only
   for a folder or a file of no Google type ("Generated IDs are not supported for Docs Editors
   formats"): a copy of a PDF carries one (sent again, it answers 409, and its address is
   known before it is made: PendingApply.copies, so a learning plan is linked at once); a
   copy of a Google Doc, Sheet or Slides deck carries none, and is sent once (`SendOnce`):
   never again after a server error or a lost reply, since Drive may have made it. Its
   address is in Drive's answer (PendingApply.copies_made(), once the changes are made); a
   copy whose answer was lost the next run finds by its tags, records instead of copying
   again, and links. The template's type comes from check_templates (or one files.get per
   template);
5. one files.update per folder that needs it: records of revoked grants and of templates
   copied into folders made before this apply (or refused their generated ID),
   moves, and records moved out of appProperties (a write to such a folder in step 2 moves
   its whole record too); then the tags of their template copies.
Every change that can be made is made; then one WorkspaceError names each that failed, by
folder key, and what to do about it.
"""

from __future__ import annotations

import random
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import requests
from google.auth.exceptions import GoogleAuthError
from google.auth.transport.requests import AuthorizedSession
from googleapiclient.errors import BatchError, HttpError

from jobs.errors import WorkspaceError
from jobs.infra import progress_line
from jobs.model.doctor import is_scratch_key
from jobs.model.drive import (
    COPY_KIND,
    COPYING_PROPERTY,
    FOLDER_PROPERTY,
    GRANTS_PROPERTY,
    KEY_PROPERTY,
    KIND_PROPERTY,
    PROGRAM_PROPERTY,
    ROOT,
    STUDENT_PROPERTY,
    TAG_PREFIX,
    TEMPLATE_PROPERTY,
    TEMPLATES_PROPERTY,
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
    chunk_tokens,
    made_meanwhile,
    meanwhile_error,
    read_tokens,
    recorded_as,
    token,
)
from jobs.workspace.drive_port import PendingApply
from jobs.workspace.google.auth import carries_scopes_asked, drive_file_only, sign_in_again
from jobs.workspace.google.discovery import (
    Outcome,
    batch_uri,
    build_service,
    error_parts,
    retry_after,
    send_batch,
    send_in_rounds,
)
from jobs.workspace.google.transport import (
    PacedSession,
    RequestsHttp,
    Sleep,
    is_retryable,
    wall_sleep,
)
from jobs.workspace.pending import PendingChanges

API_ROOT = "https://www.googleapis.com/drive/v3/"  # rewritten by the session, if it has one
BATCH_URI = "https://www.googleapis.com/batch/drive/v3"  # likewise
BATCH_LIMIT = 100  # calls per batch request: Drive's documented limit
IDS_LIMIT = 1000  # IDs per files.generateIds
PART_RETRIES = 3  # rounds a rate-limited or failed batch part is sent again
FOLDER_MIME_TYPE = "application/vnd.google-apps.folder"
_PAGE_SIZE = 1000  # files.list pageSize maximum
_PERMISSIONS_PAGE_SIZE = 100  # permissions.list pageSize maximum
_PERMISSION_FIELDS = "id,type,role,emailAddress,domain,permissionDetails(inherited)"
_ROOT_FIELDS = "id,name,mimeType,driveId,trashed"
# modifiedTime: a template copy's (a learning plan's) last change, from Drive's metadata alone.
_LIST_FIELDS = (
    "nextPageToken,files(id,name,mimeType,parents,trashed,createdTime,modifiedTime,"
    f"properties,appProperties,permissions({_PERMISSION_FIELDS}))"
)
_CHECK_FIELDS = "nextPageToken,files(id,mimeType,properties,appProperties)"
_SCRATCH_FIELDS = "nextPageToken,files(id,name,parents)"
_SHOWN_FAILURES = 10  # changes named per reason in an error message; the rest are counted
_KINDS = frozenset(kind.value for kind in FolderKind)

_ID = r"[A-Za-z0-9_-]{10,}"
_ID_IN_URL = re.compile(rf"/(?:folders|d)/({_ID})|[?&]id=({_ID})")
_BARE_ID = re.compile(rf"{_ID}")
# Google's reasons for refusing to share with an address its sharing settings exclude.
_SHARING_REFUSED = frozenset(
    {
        "invalidSharingRequest",
        "shareOutNotPermitted",
        "shareInNotPermitted",
        "cannotShareTeamDriveWithNonGoogleAccounts",
        "teamDriveDomainUsersOnlyRestriction",
    }
)
# Drive's limit on sharing too much too fast: worth waiting for, like a rate limit.
_SHARING_RATE_LIMIT = "sharingRateLimitExceeded"
# files.copy refusing an ID from files.generateIds (for a type thought to take one: then the
# copy is made without).
_GENERATED_ID_NOT_SUPPORTED = "generatedIdNotSupported"
_GOOGLE_TYPES = "application/vnd.google-apps."
# The Google types Drive gives a generated ID to (Drive guide "Create and manage files").
_GOOGLE_TYPES_TAKING_IDS = frozenset({FOLDER_MIME_TYPE, "application/vnd.google-apps.drive-sdk"})
# A shared drive refusing a Content manager (or a Contributor) the sharing of a folder: only
# its Managers may, unless the drive lets Content managers share folders. The second is the
# reason Drive gave before folders in shared drives could be shared at all.
_FOLDER_SHARING_REFUSED = frozenset(
    {"insufficientFilePermissions", "teamDrivesFolderSharingNotSupported"}
)


def folder_id(reference: str) -> str:
    """The folder ID in folders.root: an ID, or the folder's address in the browser
    (https://drive.google.com/drive/folders/<ID>?...)."""
    return _file_id(reference, "a Google Drive folder URL nor a folder ID", "folder's")


def template_id(reference: str) -> str:
    """The file ID of a template: an ID, or its Docs, Sheets, Slides or Drive address."""
    return _file_id(reference, "a Google Docs or Drive URL nor a file ID", "template's")


def _file_id(reference: str, expected: str, whose: str) -> str:
    text = reference.strip()
    found = _ID_IN_URL.search(text)
    if found:
        return found.group(1) or found.group(2)
    if _BARE_ID.fullmatch(text):
        return text
    raise WorkspaceError(
        f"'{reference}' is neither {expected}; copy the {whose} address from the browser"
    )


def folder_url(file_id: str) -> str:
    return f"https://drive.google.com/drive/folders/{file_id}"


# Where a file of each Google type opens; any other file opens in Drive's viewer.
_EDITORS = {
    "application/vnd.google-apps.document": "https://docs.google.com/document/d/{}/edit",
    "application/vnd.google-apps.spreadsheet": "https://docs.google.com/spreadsheets/d/{}/edit",
    "application/vnd.google-apps.presentation": "https://docs.google.com/presentation/d/{}/edit",
}


def file_url(file_id: str, mime_type: str) -> str:
    """A file's address, built from its ID and type (as a folder's is), so it stays the same
    from run to run: a link that changed would be a write."""
    return _EDITORS.get(mime_type, "https://drive.google.com/file/d/{}/view").format(file_id)


def takes_generated_id(mime_type: str) -> bool:
    """Whether Drive creates or copies a file of this type with an ID from files.generateIds:
    a folder, or a file of no Google type; never a Google Doc, Sheet, Slides deck or other
    Google type (nor one whose type is not known: "")."""
    if not mime_type:
        return False
    return not mime_type.startswith(_GOOGLE_TYPES) or mime_type in _GOOGLE_TYPES_TAKING_IDS


class SendOnce(RequestsHttp):
    """googleapiclient's http over the program's session that sends each request once: paced,
    counted and signed in as every request is, but never sent again after a server error or a
    lost connection, as the session's retries would. For creates and copies that carry no ID:
    sent again after Google made them, they would be made twice. (A 401 still renews the
    token and sends again: Google refused the request, so it made nothing.)"""

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        redirections: int = 5,
        connection_type: object = None,
    ) -> Any:
        session = cast(requests.Session, _Once(self.session))
        once = RequestsHttp(session, timeout=self.timeout)
        return once.request(uri, method, body, headers, redirections, connection_type)


class _Once:
    """The session's request without its retry loop: its `send` still paces and counts."""

    def __init__(self, session: requests.Session) -> None:
        assert isinstance(session, PacedSession)
        self._session = session

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        session = self._session
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = session.timeout_seconds
        try:
            response: requests.Response = AuthorizedSession.request(
                session, method, session.rewrite_url(url), **kwargs
            )
        except GoogleAuthError as error:  # as the session says a refused sign-in
            raise session.sign_in_refused(error) from None
        return response


@dataclass
class _Listed:
    """One of the program's folders as Drive has it, with what writing to it needs."""

    folder: Folder
    file_id: str
    parents: tuple[str, ...]
    properties: dict[str, str]  # its tags (_tags)
    legacy: frozenset[str]  # tags still in appProperties, where an earlier version kept them
    permission_ids: dict[str, str]  # Grant.email -> the permission's ID


@dataclass
class _Listing:
    root_file: dict[str, Any]  # the root's metadata (its ID, and driveId in a shared drive)
    folders: dict[str, _Listed]  # by key
    # Template copies still tagged in appProperties, by their folder's key: (ID, tags).
    legacy_copies: dict[str, list[tuple[str, dict[str, str]]]] = field(default_factory=dict)

    @property
    def root_id(self) -> str:
        return str(self.root_file["id"])


@dataclass
class _Call:
    """One call of a batch, rebuilt each time it is sent."""

    request: Callable[[], Any]  # -> the googleapiclient HttpRequest
    # A server error may come after Drive made the change: send it again only if doing it
    # twice is harmless (an ID that answers 409, a delete, a record).
    resend_after_server_error: bool = True
    retries: int = 0
    retry_after: float | None = None


@dataclass(frozen=True)
class _Error:
    status: int
    reason: str
    message: str
    retryable: bool  # a rate limit or server error: it may work later
    retries: int  # times the call was sent again before this answer


@dataclass(frozen=True)
class _Failure:
    changes: tuple[FolderChange, ...]
    error: _Error | None = None
    why: str = ""  # said instead of explaining `error`


Result = tuple[dict[str, Any], None] | tuple[None, _Error]


_T = TypeVar("_T")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class GoogleDrive:
    """Student folders on Google Drive. `account` names who tutorsync acts as, for messages;
    `sleep` waits between rounds that re-send rate-limited batch parts (injectable for
    tests). `templates` (folders.templates) are read in the batch that reads the root for a
    listing, so check_templates after it sends nothing more."""

    def __init__(
        self,
        session: PacedSession,
        *,
        account: str = "the service account",
        sleep: Sleep = wall_sleep,
        rng: random.Random | None = None,
        now: Callable[[], datetime] = _utc_now,
        templates: Sequence[str] = (),
    ) -> None:
        self._session = session
        self._templates = tuple(templates)
        # Template file ID -> what the files.get beside the root's answered: for the next
        # check_templates only.
        self._read_with_root: dict[str, Result] = {}
        self._account = account
        self._sleep = sleep
        self._now = now  # when a copy about to be made is made, as the next listing will say
        self._rng = rng if rng is not None else random.Random()
        self._last_listing: dict[tuple[str, str], _Listing] = {}
        self._template_types: dict[str, str] = {}  # template file ID -> its mimeType
        # Who tutorsync acts as, by address: the account named, or the service account.
        signed_in = getattr(session.credentials, "service_account_email", None) or ""
        self._me = {account.strip().lower(), str(signed_in).strip().lower()} - {""}
        # Google's own URLs: the session rewrites them to its endpoint (a fake, an emulator).
        self._service: Any = build_service(session, "drive", "v3", API_ROOT)
        self._batch_uri = batch_uri(session, BATCH_URI)
        self._send_once = SendOnce(session)

    # --- The port --------------------------------------------------------------------------

    def list_folders(self, root: str, program_key: str, *, grants: bool = True) -> list[Folder]:
        """The program's folders, found by their appProperties wherever they are. Without
        `grants`, a shared drive's permissions are not read (no batch of permissions.list)."""
        listing = self._list(root, program_key, with_grants=grants)
        if grants:
            # A run lists, plans, then applies: apply reuses this listing (its file and
            # permission IDs) rather than listing again.
            self._last_listing[(root, program_key)] = listing
        return [listed.folder for listed in listing.folders.values()]

    def apply(
        self, root: str, program_key: str, changes: Sequence[FolderChange], *, notify: bool
    ) -> dict[str, str]:
        """Make the changes in the steps the module describes; the URL of every folder of
        the program afterwards, by key. Raises WorkspaceError naming what failed."""
        return self.begin_apply(root, program_key, changes, notify=notify, background=False).wait()

    def begin_apply(
        self,
        root: str,
        program_key: str,
        changes: Sequence[FolderChange],
        *,
        notify: bool,
        background: bool,
    ) -> PendingApply:
        """Check the plan is not stale and take the new folders' IDs, so every URL is known;
        then make the changes, in a thread with `background`."""
        listing = self._last_listing.pop((root, program_key), None)
        check = listing is not None and any(
            isinstance(change, CreateFolder | CopyTemplate) for change in changes
        )
        if listing is None:
            listing = self._list(root, program_key)
        run = _Apply(self, listing, program_key, notify)
        wanted = run.ids_wanted(changes)
        checked = listing.root_file if check else None
        new_ids, now = self._stopped_at(root, lambda: self._take_ids(wanted, checked, program_key))
        if check:
            self._check_not_made_meanwhile(changes, now)
        run.reserve(new_ids)

        def make(made: dict[tuple[str, str], TemplateCopy]) -> dict[str, str]:
            try:
                urls = self._stopped_at(root, lambda: run.make(changes))
            finally:  # the copies made before a step stopped are made all the same
                made.update(run.copies_made())
            if run.failures:
                raise WorkspaceError(
                    self._explain_failures(root, run.failures, shared_drive=run.in_shared_drive)
                )
            return urls

        return PendingChanges(run.urls_after(), run.copies_after(), make, background=background)

    @staticmethod
    def _stopped_at(root: str, step: Callable[[], _T]) -> _T:
        """A request that failed whole (new IDs, a batch lost or refused every time) stops
        the steps: say where, and that a rerun goes on from what was made."""
        try:
            return step()
        except WorkspaceError as error:
            raise WorkspaceError(
                f"the folder changes under folders.root {root} were not all made: {error}; the "
                "next run makes the rest"
            ) from None

    def check_templates(self, templates: Sequence[str]) -> list[str]:
        """One files.get per template: found, a file, not in the trash."""
        problems = []
        for template in templates:
            try:
                found = self._template_file(template)
            except WorkspaceError as error:
                problems.append(str(error))
                continue
            self._template_types[template_id(template)] = str(found.get("mimeType") or "")
            if found.get("mimeType") == FOLDER_MIME_TYPE:
                problems.append(
                    f"the template {template} is a folder, not a file; set folders.templates "
                    "to the document to copy"
                )
            elif found.get("trashed"):
                problems.append(
                    f"the template {template} ('{found.get('name', '')}') is in Drive's trash; "
                    "restore it, or change folders.templates"
                )
        return problems

    def _template_file(self, template: str) -> dict[str, Any]:
        """The template's metadata: as read beside the root, or one files.get."""
        file_id = template_id(template)
        not_found = (
            f"the template {template} was not found by {self._account}: share it with "
            f"{self._account} (Viewer is enough) and check folders.templates"
        )
        read = self._read_with_root.pop(file_id, None)
        if read is None:
            found: dict[str, Any] = self._call(
                f"the template {template}",
                self._template_request(file_id).execute,
                not_found=not_found,
            )
            return found
        answer, error = read
        if error is not None:
            raise WorkspaceError(self._refused(f"the template {template}", error, not_found))
        return answer or {}

    def _template_request(self, file_id: str) -> Any:
        return self._service.files().get(
            fileId=file_id, fields="id,name,mimeType,trashed", supportsAllDrives=True
        )

    def link(self, url: str, *, from_spreadsheet: str) -> str:
        """Drive links open the same way from anywhere."""
        del from_spreadsheet
        return url

    # --- For `doctor --deep` ---------------------------------------------------------------

    def try_changes(
        self, root: str, program_key: str, changes: Sequence[FolderChange]
    ) -> list[tuple[FolderChange, str]]:
        """Make the changes as `apply` does (the same requests, at once, e-mailing nobody);
        each change that failed with why, as apply's error would explain it, instead of
        raising. Raises WorkspaceError when none could be tried: the root unreadable, new IDs
        refused, or a refusal that stops every request (a service account's missing storage)."""
        listing = self._list(root, program_key, with_grants=False)
        run = _Apply(self, listing, program_key, notify=False)
        new_ids, _ = self._take_ids(run.ids_wanted(changes), None, program_key)
        run.reserve(new_ids)
        run.make(changes)
        return [
            (change, self._why(failure, change, run.in_shared_drive))
            for failure in run.failures
            for change in failure.changes
        ]

    def remove_scratch(self, root: str, program_key: str) -> str:
        """Delete every folder and file under `root` tagged with `program_key`, which must be
        a scratch key of `doctor --deep` (tutorsync removes nothing of a program), found by
        its tags; a folder goes with what is in it. Deleted for good where the account may
        (the owner; a shared drive's Manager), else moved to Drive's trash. Returns what was
        done; raises WorkspaceError naming each item left, by name and ID."""
        if not is_scratch_key(program_key):
            raise ValueError(f"{program_key!r} is not a scratch key; tutorsync removes no other")
        items = list(self._items(self._root(root), program_key, fields=_SCRATCH_FIELDS))
        ids = {str(item["id"]) for item in items}
        done: list[str] = []
        left: list[str] = []
        for item in items:
            if ids & set(item.get("parents") or ()):
                continue  # inside a scratch folder: goes with it
            label = f"'{item.get('name', '')}' (ID {item['id']})"
            try:
                done.append(self._delete_or_trash(str(item["id"]), label))
            except WorkspaceError as error:
                left.append(f"{label}: {error}")
        if left:
            raise WorkspaceError("left in Google Drive, for a person to delete: " + "; ".join(left))
        return "; ".join(done) or "nothing was left to remove"

    def _delete_or_trash(self, file_id: str, label: str) -> str:
        files = self._service.files()
        try:
            files.delete(fileId=file_id, supportsAllDrives=True).execute()
        except HttpError as error:
            if error_parts(error)[0] != 404:  # 404: gone already (a reply lost, then resent)
                self._call(
                    label,
                    files.update(
                        fileId=file_id, body={"trashed": True}, supportsAllDrives=True, fields="id"
                    ).execute,
                )
                return (
                    f"moved {label} to Drive's trash ({self._account} may not delete it for "
                    "good there; Drive empties the trash after 30 days)"
                )
        except requests.RequestException as error:
            raise WorkspaceError(
                f"could not reach Google Drive to delete it ({type(error).__name__})"
            ) from None
        return f"deleted {label}"

    # --- Reading ---------------------------------------------------------------------------

    def _list(self, root: str, program_key: str, *, with_grants: bool = True) -> _Listing:
        root_file = self._root(root, with_templates=with_grants)
        root_id = str(root_file["id"])
        items = list(self._items(root_file, program_key))
        by_key, copied = _sorted_out(items)
        copy_files = _copy_files(items)
        legacy_copies = _legacy_copies(items)
        key_of_id = {item["id"]: key for key, items in by_key.items() for item in items}
        kept: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
        for key, items in by_key.items():
            first, *others = sorted(items, key=lambda i: (i.get("createdTime", ""), i["id"]))
            kept[key] = (first, others)
        # Folders shared with many (the resources folder: every educator) first, so that their
        # later pages of permissions ride with the students' first pages.
        unread = {
            key: item["id"]
            for key, (item, _) in sorted(
                kept.items(), key=lambda pair: _is_student_folder(pair[1][0])
            )
            if "permissions" not in item
        }
        permissions = self._permissions(unread) if with_grants else {}
        folders: dict[str, _Listed] = {}
        for key in sorted(kept):
            item, others = kept[key]
            properties = tags_of(item)
            given = item.get("permissions")
            held = permissions.get(key, []) if given is None else given
            access = [
                (permission["id"], grant)
                for permission in held
                if not self._is_membership_of_mine(grant := _grant(permission))
            ]
            parents = tuple(item.get("parents") or ())
            parent = parents[0] if parents else None
            parent_key = ROOT if parent == root_id else key_of_id.get(parent or "")
            folder = Folder(
                key=key,
                kind=FolderKind(properties[KIND_PROPERTY]),
                name=str(item.get("name", "")),
                parent_key=parent_key,
                url=_url(item),
                grants=tuple(grant for _, grant in access),
                ours=read_tokens(properties, GRANTS_PROPERTY),
                templates=_templates_recorded(properties, copy_files.get(key, ())),
                copies=frozenset(copied.get(key, ())),
                copy_files=tuple(copy_files.get(key, ())),
                student_id=properties.get(STUDENT_PROPERTY, ""),
                trashed=bool(item.get("trashed")),
                outdated_record=bool(_legacy(item)) or key in legacy_copies,
                duplicate_urls=tuple(_url(other) for other in others),
            )
            permission_ids = {grant.email: permission_id for permission_id, grant in access}
            folders[key] = _Listed(
                folder, str(item["id"]), parents, properties, _legacy(item), permission_ids
            )
        return _Listing(root_file, folders, legacy_copies)

    def _is_membership_of_mine(self, grant: Grant) -> bool:
        """The account tutorsync acts as, a member of the shared drive: every folder in it
        inherits that access. Not a person's access to a student's folder, so not listed."""
        return grant.inherited and grant.kind == "user" and grant.email in self._me

    @staticmethod
    def _check_not_made_meanwhile(
        changes: Sequence[FolderChange], items: Iterable[dict[str, Any]]
    ) -> None:
        """Raise FoldersChanged if a folder or copy the changes would make exists now, as a
        light listing (`items`, tags only) shows, which only runs that create or copy pay for
        (in the batch that takes their new IDs): Drive cannot create a folder only if its
        key is free, so this narrows two machines' race to the moment between this listing
        and the creates."""
        by_key, found = _sorted_out(items)
        copied = {(key, template) for key, templates in found.items() for template in templates}
        for key, items in by_key.items():  # recorded copies count too (their copy deleted)
            for item in items:
                recorded = read_tokens(tags_of(item), TEMPLATES_PROPERTY)
                copied.update((key, template) for template in recorded)
        made = made_meanwhile(changes, frozenset(by_key), frozenset(copied))
        if made:
            raise meanwhile_error(made)

    def _root(self, root: str, *, with_templates: bool = False) -> dict[str, Any]:
        """The root folder's metadata; WorkspaceError saying what to fix if it is not one.
        `with_templates`: the templates are read in the same batch request, for the
        check_templates that follows a listing."""
        root_id = folder_id(root)
        files = self._service.files()

        def request() -> Any:  # a batch part is rebuilt each time it is sent
            return files.get(fileId=root_id, fields=_ROOT_FIELDS, supportsAllDrives=True)

        templates = _template_ids(self._templates) if with_templates else []
        if templates:
            calls = [_Call(request)]
            calls += [self._template_call(file_id) for file_id in templates]
            (answer, error), *read = self._send(calls, f"folders.root {root} and the templates")
            self._read_with_root = dict(zip(templates, read, strict=True))
            if error is not None:
                why = self._refused(f"folders.root {root}", error, self._root_not_found(root))
                raise WorkspaceError(why)
            found: dict[str, Any] = answer or {}
        else:
            found = self._call(
                f"folders.root {root}", request().execute, not_found=self._root_not_found(root)
            )
        if found.get("mimeType") != FOLDER_MIME_TYPE:
            raise WorkspaceError(
                f"folders.root {root} is a file ('{found.get('name', '')}'), not a folder; set "
                "folders.root to the address of the folder that holds the term folders"
            )
        if found.get("trashed"):
            raise WorkspaceError(
                f"folders.root {root} ('{found.get('name', '')}') is in Drive's trash; restore "
                "it, or set folders.root to another folder"
            )
        return found

    def _root_not_found(self, root: str) -> str:
        """Why Google Drive may answer 404 for the root, and what to do."""
        if drive_file_only(self._session.credentials):
            return (
                f"folders.root {root} was not found by {self._account} because the sign-in "
                "allows Google Drive only for files tutorsync made itself (the drive.file "
                "scope), and a person made this folder: sharing it again does not help. "
                f"To fix it, {sign_in_again(self._session.credentials)}, so that tutorsync "
                "signs in with the drive scope"
            )
        share = (
            f"folders.root {root} was not found by {self._account}: share the folder with "
            f"{self._account} as Editor (for a folder in a shared drive, add {self._account} "
            "to the shared drive as Manager, which sharing its folders needs), and check "
            "that folders.root is the folder's address"
        )
        if carries_scopes_asked(self._session.credentials):
            return share
        return (
            f"{share}. If it is shared already, the sign-in may allow Google Drive only for "
            "files tutorsync made itself (the drive.file scope); then "
            f"{sign_in_again(self._session.credentials)}"
        )

    def _items(
        self,
        root_file: Mapping[str, Any],
        program_key: str,
        *,
        fields: str = _LIST_FIELDS,
        first: Mapping[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every file tagged with the program, trashed or not, in one paged listing: tagged in
        its public properties, or in the appProperties an earlier version tagged with.
        `first`: its first page, read already (in a batch)."""
        page, page_token = first, None
        while True:
            if page is None:
                page = self._call(
                    f"the folders of program {program_key}",
                    self._list_request(root_file, program_key, fields, page_token).execute,
                )
            yield from page.get("files") or []
            page_token = page.get("nextPageToken")
            if not page_token:
                return
            page = None

    def _list_request(
        self, root_file: Mapping[str, Any], program_key: str, fields: str, page_token: str | None
    ) -> Any:
        where: dict[str, str] = {"corpora": "user"}
        if root_file.get("driveId"):
            where = {"corpora": "drive", "driveId": str(root_file["driveId"])}
        return self._service.files().list(
            q=program_tagged(program_key),
            supportsAllDrives=True,
            includeItemsFromAllDrives=True,
            pageSize=_PAGE_SIZE,
            fields=fields,
            pageToken=page_token,
            **where,
        )

    def _permissions(self, file_ids: Mapping[str, str]) -> dict[str, list[dict[str, Any]]]:
        """The permissions of each folder (by key), read in batches of permissions.list. A
        folder's next page goes in the next batch, beside first pages still to read, so a
        folder shared with hundreds (the resources folder) rides in batches sent anyway
        rather than in rounds of its own."""
        found: dict[str, list[dict[str, Any]]] = {key: [] for key in file_ids}
        queue: deque[tuple[str, str | None]] = deque((key, None) for key in file_ids)
        if file_ids:
            progress_line.stage("drive", "Drive: who has access", total=len(file_ids))
        while queue:
            pages = [queue.popleft() for _ in range(min(BATCH_LIMIT, len(queue)))]
            calls = [self._permissions_call(file_ids[key], page) for key, page in pages]
            results = self._send(calls, "who has access", shown=False)
            progress_line.advance("drive", sum(page is None for _, page in pages))
            failures: list[tuple[str, _Error]] = []
            following: list[tuple[str, str | None]] = []
            for (key, _), (response, error) in zip(pages, results, strict=True):
                if error is not None:
                    failures.append((key, error))
                    continue
                assert response is not None
                found[key].extend(response.get("permissions") or [])
                if response.get("nextPageToken"):
                    following.append((key, str(response["nextPageToken"])))
            queue.extendleft(reversed(following))  # in the very next batch
            if failures:
                raise WorkspaceError(self._unreadable_access(failures))
        progress_line.done("drive")
        return found

    def _unreadable_access(self, failures: Sequence[tuple[str, _Error]]) -> str:
        named = ", ".join(
            f"{key} ({error.status} {error.message})".strip()
            for key, error in failures[:_SHOWN_FAILURES]
        )
        fix = (
            "run again later"
            if all(error.retryable for _, error in failures)
            else f"give {self._account} Editor access to folders.root (in a shared "
            f"drive, make {self._account} a Manager of the shared drive) and run again"
        )
        return (
            f"{self._account} could not read who has access to {len(failures)} "
            f"folder(s): {named}; {fix}"
        )

    def _permissions_call(self, file_id: str, page_token: str | None) -> _Call:
        return _Call(
            lambda: self._service.permissions().list(
                fileId=file_id,
                supportsAllDrives=True,
                pageSize=_PERMISSIONS_PAGE_SIZE,
                fields=f"nextPageToken,permissions({_PERMISSION_FIELDS})",
                pageToken=page_token,
            )
        )

    def _template_type(self, source: str) -> str:
        """A template's mimeType, as check_templates read it, or else one files.get; "" when
        it cannot be read (its copy then says why)."""
        if source not in self._template_types:
            try:
                found = self._call(
                    f"the template {source}",
                    self._service.files()
                    .get(fileId=source, fields="mimeType", supportsAllDrives=True)
                    .execute,
                )
            except WorkspaceError:
                return ""
            self._template_types[source] = str(found.get("mimeType") or "")
        return self._template_types[source]

    # --- Sending ---------------------------------------------------------------------------

    def _take_ids(
        self, count: int, checked: Mapping[str, Any] | None, program_key: str
    ) -> tuple[list[str], list[dict[str, Any]]]:
        """`count` new file IDs for creates and copies (files.generateIds, 1000 a call) and,
        with `checked` (the root's metadata), the program's items as a light listing shows
        them now: the first page in the same batch request as the IDs."""
        counts = [min(IDS_LIMIT, count - start) for start in range(0, count, IDS_LIMIT)]
        calls = [self._ids_call(wanted) for wanted in counts]
        if checked is not None:
            calls.append(
                _Call(lambda: self._list_request(checked, program_key, _CHECK_FIELDS, None))
            )
        results = self._send(calls, "new file IDs") if calls else []
        ids: list[str] = []
        for wanted, (answer, error) in zip(counts, results, strict=False):
            if error is not None:
                raise WorkspaceError(self._refused("new file IDs", error))
            given = [str(each) for each in (answer or {}).get("ids") or []]
            if len(given) != wanted:
                raise WorkspaceError(
                    f"Google Drive gave {len(given)} new file IDs where {wanted} were asked "
                    "for; run again"
                )
            ids.extend(given)
        if checked is None:
            return ids, []
        page, error = results[-1]
        if error is not None:
            raise WorkspaceError(self._refused(f"the folders of program {program_key}", error))
        return ids, list(self._items(checked, program_key, fields=_CHECK_FIELDS, first=page))

    def _ids_call(self, count: int) -> _Call:
        files = self._service.files()
        return _Call(lambda: files.generateIds(count=count, space="drive", type="files"))

    def _template_call(self, file_id: str) -> _Call:
        return _Call(lambda: self._template_request(file_id))

    def _refused(self, what: str, error: _Error, not_found: str = "") -> str:
        """Why a batch part failed, as _call would explain it were it sent alone."""
        if not_found and (error.status == 404 or (error.status == 403 and not error.retryable)):
            return not_found
        if error.retryable:
            return (
                f"Google Drive is busy or over quota for {what} ({error.status} "
                f"{error.message}); run again later"
            )
        return self._explain(what, error.status, error.message, b"")

    def _send(self, calls: Sequence[_Call], what: str, *, shown: bool = True) -> list[Result]:
        """Send calls in batches of at most 100, re-sending rate-limited (and, where safe,
        failed) parts in up to PART_RETRIES rounds; each call's result, in order. `shown`:
        on the progress line (else the caller shows its own progress)."""
        results: dict[int, Result] = {}
        if calls and shown:
            progress_line.stage("drive", f"Drive: {what}", total=len(calls))

        def step(call: _Call, outcome: Outcome) -> _Call | None:
            response, error = outcome
            if shown:
                progress_line.advance("drive")
            if error is None:
                results[id(call)] = (response or {}, None)
                return None
            status, reason, message, content = error_parts(error)
            slow_down = is_retryable(status, content) or reason == _SHARING_RATE_LIMIT
            unclear = status >= 500 or status == 408
            resend = not unclear or call.resend_after_server_error
            if slow_down and resend and call.retries < PART_RETRIES:
                call.retries += 1
                call.retry_after = retry_after(error)
                return call
            results[id(call)] = (None, _Error(status, reason, message, slow_down, call.retries))
            return None

        send_in_rounds(
            calls,
            lambda group: self._send_batch(group, what),
            step,
            batch_limit=BATCH_LIMIT,
            session=self._session,
            rng=self._rng,
            sleep=self._sleep,
        )
        if shown:
            progress_line.done("drive")
        return [results[id(call)] for call in calls]

    def _send_batch(self, calls: Sequence[_Call], what: str) -> list[Outcome]:
        """One batch request; the (response, error) of each call, in order."""
        outcomes: list[Outcome | None] = self._call(
            f"{what} ({len(calls)} calls)",
            lambda: send_batch([call.request() for call in calls], self._batch_uri),
        )
        replied = [outcome for outcome in outcomes if outcome is not None]
        if len(replied) < len(calls):
            raise WorkspaceError(
                f"Google Drive answered a batch request ({what}) without replies for "
                f"{len(calls) - len(replied)} of its {len(calls)} calls; run again"
            )
        return replied

    # --- Errors ----------------------------------------------------------------------------

    def _call(self, what: str, call: Callable[[], Any], *, not_found: str = "") -> Any:
        """Run one API call; turn what Google says into a message naming what was asked.
        `not_found`: the message for a 404 (or a 403 that is not a rate limit)."""
        try:
            return call()
        except HttpError as error:
            status, _, message, content = error_parts(error)
            if not_found and (status == 404 or (status == 403 and not is_retryable(403, content))):
                raise WorkspaceError(not_found) from None
            raise WorkspaceError(self._explain(what, status, message, content)) from None
        except BatchError as error:
            raise WorkspaceError(
                f"Google Drive sent an unreadable batch reply for {what} ({error}); run again"
            ) from None
        except requests.RequestException as error:
            raise WorkspaceError(
                f"could not reach Google Drive for {what} ({type(error).__name__}); "
                "check the network and run again"
            ) from None

    def _explain(self, what: str, status: int, message: str, content: bytes) -> str:
        detail = f"{status} {message}".strip()
        if is_retryable(status, content):
            return f"Google Drive is busy or over quota for {what} ({detail}); run again later"
        if status in (401, 403):
            return (
                f"{self._account} may not read or change {what} ({detail}); check that "
                f"folders.root is shared with {self._account} as Editor (in a shared drive, "
                f"that {self._account} is a Manager of the shared drive) and that the Google "
                "Drive API is enabled for its project"
            )
        return f"Google Drive refused a request for {what}: {detail}"

    def _explain_failures(
        self, root: str, failures: Sequence[_Failure], *, shared_drive: bool = False
    ) -> str:
        """One message for every change not made, grouped by why (`shared_drive`: the root is
        in a shared drive)."""
        groups: dict[str, list[FolderChange]] = {}
        for failure in failures:
            for change in failure.changes:
                groups.setdefault(self._why(failure, change, shared_drive), []).append(change)
        count = sum(len(changes) for changes in groups.values())
        lines = [f"{count} folder change(s) under folders.root {root} were not made:"]
        for why, changes in groups.items():
            named = [_label(change) for change in changes[:_SHOWN_FAILURES]]
            more = len(changes) - len(named)
            lines.append(f"- {'; '.join(named)}{f' and {more} more' if more else ''}: {why}")
        return "\n".join(lines)

    def _why(self, failure: _Failure, change: FolderChange, shared_drive: bool) -> str:
        if failure.why or failure.error is None:
            return failure.why
        error = failure.error
        detail = f"{error.status} {error.message}".strip()
        if isinstance(change, ShareFolder) and error.reason in _SHARING_REFUSED:
            return (
                f"Google refused to share with {change.email} ({error.reason}: "
                f"{error.message}). Usually the organisation's sharing settings do not allow "
                "sharing with that address: it is outside the organisation (or the shared "
                "drive only admits its members), or it has no Google account. Use the "
                "person's school address, or ask a Workspace admin to allow sharing with "
                "that domain"
            )
        if error.reason == _SHARING_RATE_LIMIT:
            return (
                "Google Drive limits how much one account shares in a short time "
                f"({_SHARING_RATE_LIMIT}); run again later, and tutorsync goes on where it "
                "stopped (with folders.notify off, Drive sends fewer e-mails and allows more)"
            )
        if error.retryable and error.retries:
            return (
                f"Google Drive kept answering {detail} after {error.retries} retries; run "
                "again later"
            )
        if error.retryable:  # not sent again: a second copy without an ID is a second copy
            return (
                f"Google Drive answered {detail}; run again later (the next run finds the copy "
                "if Drive made it)"
            )
        if isinstance(change, CopyTemplate) and error.status == 404:
            return (
                f"the template {change.template} was not found by {self._account}: share it "
                f"with {self._account} (Viewer is enough) and check folders.templates"
            )
        if shared_drive and _folder_sharing_refused(change, error):
            return (
                "in a shared drive only its Managers may share folders (Google Drive answered "
                f"{error.status} {error.reason}: {error.message}); make {self._account} a "
                "Manager of the shared drive (Content manager is enough only on a shared drive "
                "whose settings let Content managers share folders) and run again"
            )
        if error.status in (401, 403):
            return (
                f"{self._account} may not change this folder ({detail}); share folders.root "
                f"with {self._account} as Editor (in a shared drive, make {self._account} a "
                "Manager of the shared drive)"
            )
        if error.status == 404:
            return f"the folder is no longer in Google Drive ({detail}); run again"
        return f"Google Drive refused it: {detail}"


class _Apply:
    """One `apply`: its steps, and what each leaves for the next."""

    def __init__(
        self, drive: GoogleDrive, listing: _Listing, program_key: str, notify: bool
    ) -> None:
        self.drive = drive
        self.files = drive._service.files()
        self.permissions = drive._service.permissions()
        self.root_id = listing.root_id
        self.in_shared_drive = bool(listing.root_file.get("driveId"))
        self.program_key = program_key
        self.notify = notify
        self.listed = listing.folders
        self.ids = {key: listed.file_id for key, listed in listing.folders.items()}
        self.urls = {key: listed.folder.url for key, listed in listing.folders.items()}
        self.parents = {key: list(listed.parents) for key, listed in listing.folders.items()}
        self.properties = {key: dict(listed.properties) for key, listed in listing.folders.items()}
        # Tags still in appProperties, by folder key: any write of its record moves them all.
        self.legacy = {
            key: listed.legacy for key, listed in listing.folders.items() if listed.legacy
        }
        self.legacy_copies = listing.legacy_copies
        self.failures: list[_Failure] = []
        self.failed: set[FolderChange] = set()
        self.missing: dict[str, str] = {}  # folder key -> why it could not be created
        self.unrecorded: set[str] = set()  # folders whose new grants could not be recorded
        self.revoked: list[RevokeGrant] = []  # revokes done (or found done)
        self.copied: list[CopyTemplate] = []  # copies made (or found made)
        self.creates: list[CreateFolder] = []  # the folders to make, IDs taken (reserve)
        self.folder_ids: dict[str, str] = {}  # folder key -> the ID it is created with
        # Copies of templates that take an ID -> theirs: a new one, or the one a folder made
        # by an earlier run recorded for a copy that run did not make (`_recorded_copy_ids`).
        self.copy_ids: dict[CopyTemplate, str] = {}
        self.copies: list[CopyTemplate] = []  # the copies to make (ids_wanted)
        self.with_ids: list[CopyTemplate] = []  # those of templates whose type takes an ID
        self.recorded_ids: dict[CopyTemplate, str] = {}  # those whose folder has their ID
        self.made_at: datetime | None = None  # when reserve() ran: the new copies' modified
        self.refused_id: set[CopyTemplate] = set()  # copies made without their generated ID
        # Copies made without a generated ID, at the address Drive answered, when it answered.
        self.answered: dict[CopyTemplate, TemplateCopy] = {}

    def ids_wanted(self, changes: Sequence[FolderChange]) -> int:
        """How many new IDs reserve() needs: one for every folder to be made, and for every
        copy of a template whose type takes one (but a copy whose folder recorded its ID)."""
        self.creates = [c for c in changes if isinstance(c, CreateFolder) and c.key not in self.ids]
        self.copies = [c for c in changes if isinstance(c, CopyTemplate)]
        self.with_ids = [copy for copy in self.copies if self._takes_id(copy)]
        self.recorded_ids = {
            copy: recorded_id
            for copy in self.with_ids
            if (recorded_id := self._recorded_copy_id(copy)) is not None
        }
        return len(self.creates) + len(self.with_ids) - len(self.recorded_ids)

    def reserve(self, new_ids: Sequence[str]) -> None:
        """Give each folder to be made, and each copy that takes one, its ID (ids_wanted()
        of them): each folder's URL is then known."""
        given = iter(new_ids)
        self.folder_ids = {create.key: next(given) for create in self.creates}
        self.copy_ids = {copy: self.recorded_ids.get(copy) or next(given) for copy in self.with_ids}
        self.made_at = self.drive._now()

    def _recorded_copy_id(self, copy: CopyTemplate) -> str | None:
        """The ID a folder made by an earlier run recorded for this copy, which that run did
        not make (it stopped, or the copy failed): the copy is made with it, so that should
        it exist after all, Drive answers 409 rather than making a second."""
        properties = self.properties.get(copy.folder_key, {})
        return recorded_copies(properties).get(copy.template_token)

    def _takes_id(self, copy: CopyTemplate) -> bool:
        try:
            source = template_id(copy.template)
        except WorkspaceError:
            return False  # the copy fails, saying why
        return takes_generated_id(self.drive._template_type(source))

    def urls_after(self) -> dict[str, str]:
        """Every folder's URL once the changes are made (reserve() first)."""
        new = {key: folder_url(new_id) for key, new_id in self.folder_ids.items()}
        return dict(sorted((self.urls | new).items()))

    def copies_after(self) -> dict[tuple[str, str], TemplateCopy]:
        """Each copy with a generated ID as the next listing will show it, by (folder key,
        template token) (reserve() first): its address (from its ID and its template's type,
        as a listed copy's) and, for when anyone last changed it, now. A copy of a Google
        type takes no generated ID: its address is known only once it is made (copies_made)."""
        found: dict[tuple[str, str], TemplateCopy] = {}
        for copy, new_id in self.copy_ids.items():
            url = file_url(new_id, self.drive._template_type(template_id(copy.template)))
            found[(copy.folder_key, copy.template_token)] = TemplateCopy(
                copy.template_token, url, self.made_at
            )
        return found

    def copies_made(self) -> dict[tuple[str, str], TemplateCopy]:
        """Each copy made, as the next listing will show it, by (folder key, template token):
        those of copies_after() made with their generated ID, and those made without one (a
        Google Doc's, or one refused its ID) at the address Drive answered. A copy that
        failed is not in it."""
        made = {
            (copy.folder_key, copy.template_token)
            for copy in self.copied
            if copy not in self.refused_id
        }
        known = {key: copy for key, copy in self.copies_after().items() if key in made}
        answered = {(c.folder_key, c.template_token): found for c, found in self.answered.items()}
        return known | answered

    def make(self, changes: Sequence[FolderChange]) -> dict[str, str]:
        shares = [c for c in changes if isinstance(c, ShareFolder)]
        copies = [c for c in changes if isinstance(c, CopyTemplate)]
        creates = self.creates
        self._create(creates, shares)
        self._record_shares(shares, {create.key for create in creates})
        self._change_access(
            [c for c in changes if isinstance(c, ShareFolder | ChangeRole | RevokeGrant)]
        )
        self._copy(copies)
        self._update(changes)
        return dict(sorted(self.urls.items()))

    # --- 1. Folders ------------------------------------------------------------------------

    def _create(self, creates: list[CreateFolder], shares: list[ShareFolder]) -> None:
        """Create folders in waves, a folder whose parent is created here after it. Each is
        created with the record of the grants it is about to get, and of the copies with an
        ID it is about to hold (so that no files.update records them after)."""
        grants: dict[str, set[str]] = {}
        for share in shares:
            grants.setdefault(share.folder_key, set()).add(token(share.email))
        copying: dict[str, dict[str, str]] = {}
        for copy, copy_id in self.copy_ids.items():
            copying.setdefault(copy.folder_key, {})[copy.template_token] = copy_id
        waiting = [(create, self.folder_ids[create.key]) for create in creates]
        created_here = {create.key for create in creates}
        while waiting:
            wave: list[tuple[CreateFolder, str]] = []
            later: list[tuple[CreateFolder, str]] = []
            for create, new_id in waiting:
                parent = create.parent_key
                if parent in self.missing:
                    self._not_created(create, f"its parent folder {parent} could not be created")
                elif parent == ROOT or parent in self.ids:
                    wave.append((create, new_id))
                elif parent in created_here:
                    later.append((create, new_id))
                else:
                    self._not_created(create, f"its parent folder {parent} is not in Google Drive")
            if not wave:  # only a cycle of parents is left
                for create, _ in later:
                    self._not_created(create, "its parent folder is never created")
                return
            properties = [
                self._new_properties(c, grants.get(c.key, set()), copying.get(c.key, {}))
                for c, _ in wave
            ]
            calls = [
                self._create_call(create, new_id, props)
                for (create, new_id), props in zip(wave, properties, strict=True)
            ]
            results = self.drive._send(calls, "new folders")
            for (create, new_id), props, (_, error) in zip(wave, properties, results, strict=True):
                if error is not None and error.status != 409:  # 409: made by an earlier send
                    self._fail([create], error)
                    self.missing[create.key] = f"its folder could not be created ({create.key})"
                    continue
                self.ids[create.key] = new_id
                self.urls[create.key] = folder_url(new_id)
                self.parents[create.key] = [self._parent_id(create.parent_key)]
                self.properties[create.key] = props
            waiting = later

    def _new_properties(
        self, create: CreateFolder, grants: set[str], copying: Mapping[str, str]
    ) -> dict[str, str]:
        properties = {
            PROGRAM_PROPERTY: self.program_key,
            KEY_PROPERTY: create.key,
            KIND_PROPERTY: str(create.kind),
        }
        if create.student_id:
            properties[STUDENT_PROPERTY] = create.student_id
        return (
            properties
            | chunk_tokens(sorted(grants), GRANTS_PROPERTY)
            | chunk_tokens(copy_records(copying), COPYING_PROPERTY)
        )

    def _create_call(self, create: CreateFolder, new_id: str, properties: dict[str, str]) -> _Call:
        body = {
            "id": new_id,
            "name": create.name,
            "mimeType": FOLDER_MIME_TYPE,
            "parents": [self._parent_id(create.parent_key)],
            "properties": properties,
        }
        return _Call(lambda: self.files.create(body=body, supportsAllDrives=True, fields="id"))

    def _parent_id(self, parent_key: str) -> str:
        return self.root_id if parent_key == ROOT else self.ids[parent_key]

    # --- 2. Records of the grants about to be made -----------------------------------------

    def _record_shares(self, shares: list[ShareFolder], created: set[str]) -> None:
        """Add the tokens of new grants to each existing folder's record before sharing it."""
        by_key: dict[str, list[ShareFolder]] = {}
        for share in shares:
            by_key.setdefault(share.folder_key, []).append(share)
        updates: list[tuple[str, dict[str, str | None]]] = []
        for key, group in by_key.items():
            if key in created or not self._exists(key, group):
                continue
            recorded = read_tokens(self.properties[key], GRANTS_PROPERTY)
            wanted = recorded | {token(share.email) for share in group}
            if wanted != recorded:
                updates.append((key, _record(self.properties[key], GRANTS_PROPERTY, wanted)))
        calls = [self._update_call(key, record, {}) for key, record in updates]
        results = self.drive._send(calls, "records of new grants")
        for (key, record), (_, error) in zip(updates, results, strict=True):
            if error is None:
                self.properties[key] = _merged(self.properties[key], record)
                self.legacy.pop(key, None)
            else:
                self._fail(by_key[key], error)
                self.unrecorded.add(key)

    # --- 3. Shares, role changes, revokes --------------------------------------------------

    def _change_access(self, changes: list[ShareFolder | ChangeRole | RevokeGrant]) -> None:
        calls: list[_Call] = []
        sent: list[ShareFolder | ChangeRole | RevokeGrant] = []
        for change in changes:
            key = change.folder_key
            if key in self.unrecorded and isinstance(change, ShareFolder):
                continue  # failed in step 2: tutorsync never makes a grant it has not recorded
            if not self._exists(key, [change]):
                continue
            file_id = self.ids[key]
            email = change.email.strip().lower()
            listed = self.listed.get(key)
            permission_id = listed.permission_ids.get(email) if listed else None
            if isinstance(change, ShareFolder):
                calls.append(self._share_call(file_id, email, change.role))
            elif permission_id is None:
                if isinstance(change, ChangeRole):
                    self._fail([change], why=_gone(email))
                else:  # already gone: only the record is left to drop
                    self.revoked.append(change)
                continue
            elif isinstance(change, ChangeRole):
                calls.append(self._role_call(file_id, permission_id, change.role))
            else:
                calls.append(self._revoke_call(file_id, permission_id))
            sent.append(change)
        results = self.drive._send(calls, "sharing")
        for change, (_, error) in zip(sent, results, strict=True):
            if error is None:
                if isinstance(change, RevokeGrant):
                    self.revoked.append(change)
            elif isinstance(change, RevokeGrant) and error.status == 404:
                self.revoked.append(change)
            elif isinstance(change, ShareFolder) and _shared_anyway(error):
                continue
            else:
                self._fail([change], error, _gone(change.email) if error.status == 404 else "")

    def _share_call(self, file_id: str, email: str, role: str) -> _Call:
        body = {"type": "user", "role": role, "emailAddress": email}
        return _Call(
            lambda: self.permissions.create(
                fileId=file_id,
                body=body,
                sendNotificationEmail=self.notify,
                supportsAllDrives=True,
                fields="id",
            )
        )

    def _role_call(self, file_id: str, permission_id: str, role: str) -> _Call:
        return _Call(
            lambda: self.permissions.update(
                fileId=file_id,
                permissionId=permission_id,
                body={"role": role},
                supportsAllDrives=True,
                fields="id",
            )
        )

    def _revoke_call(self, file_id: str, permission_id: str) -> _Call:
        return _Call(
            lambda: self.permissions.delete(
                fileId=file_id, permissionId=permission_id, supportsAllDrives=True
            )
        )

    # --- 4. Template copies ----------------------------------------------------------------

    def _copy(self, copies: list[CopyTemplate]) -> None:
        """Copies with a generated ID, sent again as need be; then those without one (Google
        types, or refused the ID), each sent once."""
        with_id: list[tuple[CopyTemplate, str, dict[str, Any]]] = []
        without_id: list[tuple[CopyTemplate, str, dict[str, Any]]] = []
        for copy in copies:
            new_id = self.copy_ids.get(copy)
            if not self._exists(copy.folder_key, [copy]):
                continue
            try:
                source = template_id(copy.template)
            except WorkspaceError as problem:
                self._fail([copy], why=f"check folders.templates: {problem}")
                continue
            body = self._copy_body(copy)
            if new_id is None:
                without_id.append((copy, source, body))
            else:
                with_id.append((copy, source, {"id": new_id} | body))
        calls = [self._copy_call(source, body) for _, source, body in with_id]
        results = self.drive._send(calls, "template copies")
        for (copy, source, body), (_, error) in zip(with_id, results, strict=True):
            if error is not None and error.reason == _GENERATED_ID_NOT_SUPPORTED:
                self.refused_id.add(copy)
                without_id.append((copy, source, {k: v for k, v in body.items() if k != "id"}))
            else:
                self._copied(copy, error)
        self._copy_once(without_id)

    def _copy_body(self, copy: CopyTemplate) -> dict[str, Any]:
        return {
            "name": copy.name,
            "parents": [self.ids[copy.folder_key]],
            "properties": {
                PROGRAM_PROPERTY: self.program_key,
                KIND_PROPERTY: COPY_KIND,
                FOLDER_PROPERTY: copy.folder_key,
                TEMPLATE_PROPERTY: copy.template_token,
            },
        }

    def _copy_once(self, copies: list[tuple[CopyTemplate, str, dict[str, Any]]]) -> None:
        """Copies without an ID: a copy sent twice is two copies, so each is sent once, in
        batches never sent again after a server error or a lost reply (rate-limited parts,
        which Drive did not make, are). The next run's listing finds any copy Drive made."""
        calls = [self._copy_call(source, body, once=True) for _, source, body in copies]
        try:
            results = self.drive._send(calls, "template copies")
        except WorkspaceError as lost:
            why = f"{lost} (a copy Drive made is found by the next run, never made again)"
            for copy, _, _ in copies:
                self._fail([copy], why=why)
            return
        made_at = self.drive._now()  # as the next listing will date these copies
        for (copy, _, _), (answer, error) in zip(copies, results, strict=True):
            self._copied(copy, error)
            if error is None and answer and answer.get("id"):
                self.answered[copy] = answered_copy(copy.template_token, answer, made_at)

    def _copy_call(self, source: str, body: dict[str, Any], *, once: bool = False) -> _Call:
        def request() -> Any:
            made = self.files.copy(
                fileId=source, body=body, supportsAllDrives=True, fields="id,mimeType"
            )
            if once:
                made.http = self.drive._send_once
            return made

        return _Call(request, resend_after_server_error=not once)

    def _copied(self, copy: CopyTemplate, error: _Error | None) -> None:
        if error is None or error.status == 409:  # 409: made by an earlier send
            self.copied.append(copy)
        else:
            self._fail([copy], error)

    # --- 5. Records and moves --------------------------------------------------------------

    def _update(self, changes: Sequence[FolderChange]) -> None:
        """One files.update per folder whose records or place change."""
        dropped: dict[str, set[str]] = {}
        added: dict[str, set[str]] = {}
        moves: dict[str, str] = {}  # folder key -> its new parent's key
        involved: dict[str, list[FolderChange]] = {}
        for revoke in self.revoked:
            dropped.setdefault(revoke.folder_key, set()).update(recorded_as(revoke.email))
            involved.setdefault(revoke.folder_key, []).append(revoke)
        for copy in self.copied:
            if self._recorded_when_created(copy):
                continue
            added.setdefault(copy.folder_key, set()).add(copy.template_token)
            involved.setdefault(copy.folder_key, []).append(copy)
        rewrites: dict[str, RewriteRecord] = {}
        for change in changes:
            if not isinstance(change, ForgetGrant | RecordTemplate | MoveFolder | RewriteRecord):
                continue
            if not self._exists(change.folder_key, [change]):
                continue
            if isinstance(change, RewriteRecord):
                rewrites[change.folder_key] = change
            elif isinstance(change, ForgetGrant):
                dropped.setdefault(change.folder_key, set()).add(change.grant_token)
            elif isinstance(change, RecordTemplate):
                added.setdefault(change.folder_key, set()).add(change.template_token)
            elif change.parent_key == ROOT or change.parent_key in self.ids:
                moves[change.folder_key] = change.parent_key
            else:
                why = self.missing.get(change.parent_key, "its new parent folder is missing")
                self._fail([change], why=why)
                continue
            involved.setdefault(change.folder_key, []).append(change)
        updates: list[tuple[str, dict[str, str | None], dict[str, str]]] = []
        for key in sorted(involved):
            record = self._records(key, dropped.get(key, set()), added.get(key, set()))
            move = self._move(key, moves[key]) if key in moves else {}
            if record or move or key in self.legacy:
                updates.append((key, record, move))
        calls = [self._update_call(key, record, move) for key, record, move in updates]
        results = self.drive._send(calls, "records and moves")
        for (key, _, _), (_, error) in zip(updates, results, strict=True):
            if error is not None:
                self._fail(involved[key], error)
        self._rewrite_copies(rewrites)

    def _rewrite_copies(self, rewrites: Mapping[str, RewriteRecord]) -> None:
        """Move the tags of the template copies in these folders out of appProperties."""
        copies = [
            (rewrite, file_id, tags)
            for key, rewrite in sorted(rewrites.items())
            for file_id, tags in self.legacy_copies.get(key, [])
        ]
        calls = [self._retag_call(file_id, tags) for _, file_id, tags in copies]
        results = self.drive._send(calls, "records of template copies")
        for (rewrite, _, _), (_, error) in zip(copies, results, strict=True):
            if error is not None:
                self._fail([rewrite], error)

    def _retag_call(self, file_id: str, tags: dict[str, str]) -> _Call:
        body = {"properties": tags, "appProperties": dict.fromkeys(tags)}
        return _Call(
            lambda: self.files.update(
                fileId=file_id, body=body, supportsAllDrives=True, fields="id"
            )
        )

    def _recorded_when_created(self, copy: CopyTemplate) -> bool:
        """Whether the copy's folder, created by this apply, recorded it with the ID it was
        made with: it needs no other record."""
        if copy.folder_key not in self.folder_ids or copy in self.refused_id:
            return False
        recorded = recorded_copies(self.properties.get(copy.folder_key, {}))
        copy_id = self.copy_ids.get(copy)
        return copy_id is not None and recorded.get(copy.template_token) == copy_id

    def _records(self, key: str, dropped: set[str], added: set[str]) -> dict[str, str | None]:
        """The property changes that record the grants and templates after this apply: a
        template recorded as copied no longer needs the ID its folder was made with."""
        properties = self.properties[key]
        ours = read_tokens(properties, GRANTS_PROPERTY)
        templates = read_tokens(properties, TEMPLATES_PROPERTY)
        changes: dict[str, str | None] = {}
        if ours & dropped:
            changes |= _record(properties, GRANTS_PROPERTY, ours - dropped)
        if added - templates:
            changes |= _record(properties, TEMPLATES_PROPERTY, templates | added)
            copying = recorded_copies(properties)
            if copying.keys() & added:
                left = {t: i for t, i in copying.items() if t not in added}
                changes |= _record(properties, COPYING_PROPERTY, set(copy_records(left)))
        return changes

    def _move(self, key: str, parent_key: str) -> dict[str, str]:
        """files.update parameters that move the folder (none if it is there already)."""
        target = self._parent_id(parent_key)
        current = self.parents[key]
        if current == [target]:
            return {}
        move = {"addParents": target}
        removed = [parent for parent in current if parent != target]
        if removed:
            move["removeParents"] = ",".join(removed)
        return move

    def _update_call(self, key: str, record: dict[str, str | None], move: dict[str, str]) -> _Call:
        file_id = self.ids[key]
        body = self._record_body(key, record)
        return _Call(
            lambda: self.files.update(
                fileId=file_id, body=body, supportsAllDrives=True, fields="id,parents", **move
            )
        )

    def _record_body(self, key: str, record: dict[str, str | None]) -> dict[str, Any]:
        """The files.update body that writes `record` into the folder's public properties. A
        folder an earlier version tagged in appProperties has its whole record moved across
        in the same call, so it is never split between the two."""
        legacy = self.legacy.get(key)
        if not legacy:
            return {"properties": record} if record else {}
        whole = _merged(self.properties[key], record)
        removed = {name: None for name, value in record.items() if value is None}
        return {"properties": removed | whole, "appProperties": dict.fromkeys(legacy)}

    # --- Failures --------------------------------------------------------------------------

    def _exists(self, key: str, changes: Sequence[FolderChange]) -> bool:
        """Whether the folder is there to change; if not, the changes fail saying why."""
        if key in self.ids:
            return True
        self._fail(changes, why=self.missing.get(key, f"tutorsync has no folder {key}"))
        return False

    def _not_created(self, create: CreateFolder, why: str) -> None:
        self._fail([create], why=why)
        self.missing[create.key] = why

    def _fail(
        self, changes: Sequence[FolderChange], error: _Error | None = None, why: str = ""
    ) -> None:
        """Each change fails once, with the first reason found."""
        new = tuple(change for change in changes if change not in self.failed)
        if new:
            self.failed.update(new)
            self.failures.append(_Failure(new, error, why))


# --- Pure helpers ---------------------------------------------------------------------------


def _grant(permission: Mapping[str, Any]) -> Grant:
    """A Drive permission as the port's Grant."""
    kind = str(permission.get("type") or "user")
    if kind == "anyone":
        email = ""
    elif kind == "domain":
        email = str(permission.get("domain") or "").lower()
    else:
        email = str(permission.get("emailAddress") or "").lower()
    details = permission.get("permissionDetails") or []
    inherited = bool(details) and all(detail.get("inherited") for detail in details)
    return Grant(email, str(permission.get("role") or ""), kind, inherited)


def _sorted_out(
    items: Iterable[dict[str, Any]],
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, set[str]]]:
    """A program's tagged files: its folders by key (several, if two machines made one), and
    the tokens of the template copies found in each folder, by the folder's key."""
    by_key: dict[str, list[dict[str, Any]]] = {}
    copied: dict[str, set[str]] = {}
    for item in items:
        properties = tags_of(item)
        kind = properties.get(KIND_PROPERTY, "")
        key = properties.get(KEY_PROPERTY, "")
        if kind == COPY_KIND:
            folder_key = properties.get(FOLDER_PROPERTY, "")
            template = properties.get(TEMPLATE_PROPERTY, "")
            if folder_key and template:
                copied.setdefault(folder_key, set()).add(template)
        elif key and kind in _KINDS and item.get("mimeType") == FOLDER_MIME_TYPE:
            by_key.setdefault(key, []).append(item)
    return by_key, copied


def _copy_files(items: Iterable[Mapping[str, Any]]) -> dict[str, list[TemplateCopy]]:
    """The template copies not in the trash, by their folder's key, with their address and
    when anyone last changed them (Drive's modifiedTime: metadata, not the contents)."""
    found: dict[str, list[TemplateCopy]] = {}
    for item in items:
        tags = tags_of(item)
        folder_key, template = tags.get(FOLDER_PROPERTY, ""), tags.get(TEMPLATE_PROPERTY, "")
        if tags.get(KIND_PROPERTY) != COPY_KIND or not folder_key or not template:
            continue
        if item.get("trashed"):
            continue
        copied = TemplateCopy(
            template,
            file_url(str(item["id"]), str(item.get("mimeType") or "")),
            _drive_time(item.get("modifiedTime")),
        )
        found.setdefault(folder_key, []).append(copied)
    return found


def _is_student_folder(item: Mapping[str, Any]) -> bool:
    """As a sort key: the folders shared with the whole program (not a student's) first."""
    return tags_of(item).get(KIND_PROPERTY) == FolderKind.STUDENT


def _template_ids(templates: Sequence[str]) -> list[str]:
    """The file IDs of the templates named by an ID or address (check_templates explains the
    others), each once."""
    found: list[str] = []
    for template in templates:
        try:
            file_id = template_id(template)
        except WorkspaceError:
            continue
        if file_id not in found:
            found.append(file_id)
    return found


def _templates_recorded(
    properties: Mapping[str, str], copies: Iterable[TemplateCopy]
) -> frozenset[str]:
    """The templates a folder records as copied: those recorded after their copy was made,
    and those it was created with (with their copy's ID) whose copy is there, not in the
    trash. One it was created with whose copy is missing is copied again, with that ID (the
    run that made the folder stopped before the copy); one whose copy is in the trash is
    then recorded, so a copy someone put in the trash is never made again."""
    there = {copy.template_token for copy in copies}
    made = recorded_copies(properties).keys() & there
    return read_tokens(properties, TEMPLATES_PROPERTY) | made


def recorded_copies(properties: Mapping[str, str]) -> dict[str, str]:
    """Template token -> copy ID, as a folder records the copies it was created to hold."""
    pairs = (entry.partition("=") for entry in read_tokens(properties, COPYING_PROPERTY))
    return {template: copy_id for template, _, copy_id in pairs if template and copy_id}


def copy_records(copying: Mapping[str, str]) -> list[str]:
    """The entries `recorded_copies` reads: "token=ID"."""
    return [f"{template}={copy_id}" for template, copy_id in sorted(copying.items())]


def answered_copy(
    template_token: str, answer: Mapping[str, Any], made_at: datetime
) -> TemplateCopy:
    """A copy as files.copy answered it (its "id" and "mimeType"), made at `made_at`: as the
    next listing will show it (`_copy_files`), for a copy whose address was not known before
    Drive made it."""
    return TemplateCopy(
        template_token,
        file_url(str(answer["id"]), str(answer.get("mimeType") or "")),
        made_at,
    )


def _drive_time(value: object) -> datetime | None:
    """An RFC 3339 time as Drive gives it ("2026-11-20T10:15:30.123Z"); None if absent."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def program_tagged(program_key: str) -> str:
    """A files.list query for the files tagged with the program: in their public properties,
    or in the appProperties an earlier version tagged with."""
    value = program_key.replace("\\", "\\\\").replace("'", "\\'")
    tagged = f"{{ key='{PROGRAM_PROPERTY}' and value='{value}' }}"
    return f"properties has {tagged} or appProperties has {tagged}"


def tags_of(item: Mapping[str, Any]) -> dict[str, str]:
    """tutorsync's tags on a file: those in its public properties, which every sign-in reads,
    over those an earlier version kept in appProperties, which Drive shows only to sign-ins
    of the Cloud project that wrote them."""
    return _ours(item.get("appProperties")) | _ours(item.get("properties"))


def _legacy(item: Mapping[str, Any]) -> frozenset[str]:
    """The names of tutorsync's tags still in the file's appProperties."""
    return frozenset(_ours(item.get("appProperties")))


def _ours(properties: Mapping[str, str] | None) -> dict[str, str]:
    """tutorsync's own entries of a properties map (other apps may add theirs to it)."""
    return {k: v for k, v in (properties or {}).items() if k.startswith(TAG_PREFIX)}


def _legacy_copies(
    items: Sequence[Mapping[str, Any]],
) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """Template copies still tagged in appProperties, by their folder's key."""
    found: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for item in items:
        tags = tags_of(item)
        if _legacy(item) and tags.get(KIND_PROPERTY) == COPY_KIND and tags.get(FOLDER_PROPERTY):
            found.setdefault(tags[FOLDER_PROPERTY], []).append((str(item["id"]), tags))
    return found


def _url(item: Mapping[str, Any]) -> str:
    """Built from the ID, never Drive's webViewLink, so a new folder's URL is known before it
    exists and is the same as later listings give (a link that changed would be a write)."""
    return folder_url(str(item["id"]))


def _record(
    properties: Mapping[str, str], name: str, tokens: frozenset[str] | set[str]
) -> dict[str, str | None]:
    """appProperties changes that make `name`, `name-2`, ... hold exactly `tokens`, clearing
    the chunks no longer needed."""
    chunked: dict[str, str | None] = dict(chunk_tokens(sorted(tokens), name))
    for existing in properties:
        if _is_chunk(existing, name) and existing not in chunked:
            chunked[existing] = None
    return chunked


def _is_chunk(property_name: str, name: str) -> bool:
    rest = property_name[len(name) + 1 :]
    return property_name == name or (property_name.startswith(f"{name}-") and rest.isdigit())


def _merged(properties: Mapping[str, str], changes: Mapping[str, str | None]) -> dict[str, str]:
    """appProperties after an update: keys merge, None removes one (as Drive does)."""
    merged = dict(properties)
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def _shared_anyway(error: _Error) -> bool:
    """Drive's 400 invalidSharingRequest when the grant was made but its e-mail could not be
    sent ("the items were successfully shared but emails could not be sent")."""
    return error.reason == "invalidSharingRequest" and "successfully shared" in error.message


def _folder_sharing_refused(change: FolderChange, error: _Error) -> bool:
    """A share, role change or revoke refused because the account may not share folders of
    the shared drive (a Content manager where only Managers may)."""
    sharing = isinstance(change, ShareFolder | ChangeRole | RevokeGrant)
    return sharing and error.status == 403 and error.reason in _FOLDER_SHARING_REFUSED


def _gone(email: str) -> str:
    return (
        f"{email} no longer has this access (someone removed it by hand); the next run "
        "shares the folder with them again if they still should have it"
    )


def _label(change: FolderChange) -> str:
    """A change, named by its folder key, for a message."""
    if isinstance(change, CreateFolder):
        return f"create '{change.name}' ({change.key})"
    if isinstance(change, ShareFolder):
        return f"share {change.folder_key} with {change.email}"
    if isinstance(change, ChangeRole):
        return f"make {change.email} {change.role} of {change.folder_key}"
    if isinstance(change, RevokeGrant):
        return f"revoke {change.email}'s access to {change.folder_key}"
    if isinstance(change, ForgetGrant):
        return f"forget a removed grant of {change.folder_key}"
    if isinstance(change, MoveFolder):
        return f"move {change.folder_key} into {change.parent_key or 'the root folder'}"
    if isinstance(change, CopyTemplate):
        return f"copy '{change.name}' into {change.folder_key}"
    return f"record a template copy in {change.folder_key}"
