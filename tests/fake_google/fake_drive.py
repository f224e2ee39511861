"""Drive v3: file metadata (folders, spreadsheets, plain files), shared drives, permissions.

Behaviours chosen where Google's docs leave room:
- files.list includes trashed files unless `q` says `trashed = false` (as Drive does).
- Items in a shared drive answer 404 unless the request says supportsAllDrives=true; files.list
  shows them only with includeItemsFromAllDrives=true (and corpora user/drive/allDrives).
- A file has exactly one parent: more answers 403 cannotAddParent. `parents` in a files.update
  body answers 403 fieldNotWritable (use addParents/removeParents).
- files.copy inherits the source's parents, appProperties and properties (body entries win,
  null clears); copying a folder answers 403 cannotCopyFile.
- appProperties are kept per Cloud project, as Drive keeps them per app: a request sees,
  queries (`appProperties has`) and changes only those of its token's project; another
  project's credentials see none. `properties` are public: one map every app sees. A request
  without credentials (the test's own hand, and add_file) acts through TEST_PROJECT, the
  project of the tests' service account.
- permissions.create for a principal that already has a permission updates its role and keeps
  its id (user/group ids are derived from the email address, as Google's are per account).
- files.generateIds hands out ids that files.create and files.copy accept as the body's `id`
  (an id that was not generated answers 400, one already used 409 duplicate), for folders and
  files of no Google type only: a Google Doc, Sheet, Slides deck (any other
  application/vnd.google-apps.* type but a folder or a drive-sdk file) created or copied with
  one answers 400 generatedIdNotSupported, as Drive does ("Generated IDs are not supported for
  Docs Editors formats").
- The caller (`caller`, FAKE_OWNER unless a test changes it) is a member of each shared drive
  with a role (organizer unless add_shared_drive says otherwise). Sharing in a shared drive
  (permissions.create/update/delete) needs: organizer for the drive itself; organizer for a
  folder, or fileOrganizer where the drive's restriction
  sharingFoldersRequiresOrganizerPermission is false (Google's default for new drives;
  drives made before folder sharing came keep true); writer or above for a file. Otherwise
  403 insufficientFilePermissions. Outside shared drives the caller may share anything.
- The caller is a service account acting as itself (`caller_is_service_account`, true unless a
  test says it signs in as a person): it owns nothing, so files.create and files.copy outside
  a shared drive answer 403 usageLimits storageQuotaExceeded. Files seeded with add_file and
  add_folder are made by people and exempt; spreadsheets.create is not checked.
- An item's permissions are its own plus those of every folder above it (a shared drive's
  members are the permissions on the drive itself), one entry per principal with the highest
  role; `permissionDetails` says which are inherited (`inheritedFrom` only in shared drives).
  Deleting or updating a permission the item only inherits answers 403.
- File resources carry `permissions` only outside shared drives (as on Google), for
  files.get/list/create/update/copy replies that ask for the field.
- Spreadsheets created through Sheets appear as Drive files with the same id; copying or
  deleting such a file copies or deletes the spreadsheet.
- drive.file: each file records the apps that may reach it with that scope, as (account,
  Cloud project of the OAuth client) pairs (`made_by`): the one whose token made it (files.create,
  files.copy, spreadsheets.create), and any a person opened it with (`open_with_picker`, as the
  Google Picker does). A token that reaches a method only through drive.file (scopes.py) sees
  no other file: files.get/update/delete/copy and permissions.* answer 404 notFound "File not
  found: <id>.", a parent it cannot reach answers the same for files.create/copy/update, and
  files.list leaves such files out. My Drive's own root stays reachable (an app may create
  there); a shared drive's root does not (a choice: Google's docs do not say). Drive grants it
  per user and app, so another account through the same project does not reach the file
  either. Files seeded by tests (add_file, add_folder) and requests without credentials
  record no app: people made them.

Not modelled: who may reach a file by its permissions (every identity reaches every file, in
every shared drive, but for drive.file and `sheets.forbid`); the caller for ownership, storage
and shared drive roles is `caller`/`caller_is_service_account`, not the token's account; and
the limits on the number of custom properties (30 public per file, 30 private per app). A
property whose key and value together are over 124 bytes (UTF-8) answers 403
propertyLengthLimitExceeded, as Drive does (RichardX366/Obsidian-Google-Drive#34).
"""

from __future__ import annotations

import copy
import hashlib
import random
import string
from collections.abc import Callable
from typing import Any

from .common import Call, Reply, now_rfc3339, paginate, random_id
from .drive_query import compile_query
from .errors import GoogleError, bad_request, storage_quota_exceeded
from .fake_auth import Grant, project_of
from .fake_sheets import FakeSheets

FOLDER = "application/vnd.google-apps.folder"
SPREADSHEET = "application/vnd.google-apps.spreadsheet"
GOOGLE_TYPES = "application/vnd.google-apps."
# The Google types that take a generated id (Drive's create-file guide).
_GOOGLE_TYPES_TAKING_IDS = frozenset({FOLDER, "application/vnd.google-apps.drive-sdk"})
# The caller: the service account of the tests' key files (programs.SERVICE_ACCOUNT), which
# owns what it makes outside shared drives.
FAKE_OWNER = "tutorsync@tutorsync-tests.iam.gserviceaccount.com"
FILE_DEFAULT_FIELDS = "kind,id,name,mimeType"
PERMISSION_DEFAULT_FIELDS = "kind,id,type,role"
_ROLES = ("owner", "organizer", "fileOrganizer", "writer", "commenter", "reader")
_TYPES = ("user", "group", "domain", "anyone")
_WRITABLE = (
    *("name", "mimeType", "description", "starred", "trashed", "folderColorRgb"),
    *("createdTime", "modifiedTime", "copyRequiresWriterPermission", "writersCanShare"),
    *("contentHints", "originalFilename", "viewedByMeTime", "contentRestrictions"),
)


def takes_generated_id(mime_type: str) -> bool:
    """Whether Drive accepts an id from files.generateIds for a file of this type."""
    return not mime_type.startswith(GOOGLE_TYPES) or mime_type in _GOOGLE_TYPES_TAKING_IDS


def _insufficient_permissions() -> GoogleError:
    return GoogleError(
        403,
        "The user does not have sufficient permissions for this file.",
        reason="insufficientFilePermissions",
    )


def _permission_id(principal: str) -> str:
    return str(int(hashlib.sha256(principal.lower().encode()).hexdigest(), 16))[:20]


def _web_view_link(file_id: str, mime_type: str) -> str:
    if mime_type == FOLDER:
        return f"https://drive.google.com/drive/folders/{file_id}"
    if mime_type == SPREADSHEET:
        return f"https://docs.google.com/spreadsheets/d/{file_id}/edit?usp=drivesdk"
    return f"https://drive.google.com/file/d/{file_id}/view?usp=drivesdk"


# The project a request without credentials acts through: that of the tests' service account
# (programs.SERVICE_ACCOUNT), so a folder seeded with appProperties is one tutorsync's tests see.
TEST_PROJECT = project_of("tutorsync@tutorsync-tests.iam.gserviceaccount.com")


def _project(grant: Grant | None) -> str:
    return TEST_PROJECT if grant is None else grant.project


def _merge_map(current: dict[str, str] | None, changes: dict[str, Any] | None) -> dict[str, str]:
    """appProperties / properties update: keys merge, a null value removes the key."""
    merged = dict(current or {})
    for key, value in (changes or {}).items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


class FakeDrive:
    """Drive files (metadata only) and permissions, with seeding and inspection helpers."""

    def __init__(self, rng: random.Random, sheets: FakeSheets) -> None:
        self._rng = rng
        self._sheets = sheets
        self._files: dict[str, dict[str, Any]] = {}
        self._permissions: dict[str, list[dict[str, Any]]] = {}
        self._drives: dict[str, dict[str, Any]] = {}
        self._generated: set[str] = set()  # ids handed out by files.generateIds
        self.notifications: list[dict[str, str]] = []  # sharing e-mails Drive would have sent
        self.caller = FAKE_OWNER  # who the requests come from (and owns what they make)
        # Whether the caller is a service account acting as itself (not delegated to a person):
        # it owns nothing, so it may create or copy files only in shared drives.
        self.caller_is_service_account = True
        self.root_id = "0A" + random_id(rng, 17, string.ascii_letters + string.digits) + "PVA"
        self._files[self.root_id] = self._new_file(
            self.root_id, "My Drive", FOLDER, parents=[], drive_id=None
        )

    # ----------------------------------------------------------------- seeding and inspection

    def add_folder(
        self,
        name: str,
        parents: list[str] | None = None,
        app_properties: dict[str, str] | None = None,
        properties: dict[str, str] | None = None,
    ) -> str:
        return self.add_file(
            name, FOLDER, parents=parents, app_properties=app_properties, properties=properties
        )

    def add_file(
        self,
        name: str,
        mime_type: str,
        parents: list[str] | None = None,
        app_properties: dict[str, str] | None = None,
        properties: dict[str, str] | None = None,
    ) -> str:
        body: dict[str, Any] = {"name": name, "mimeType": mime_type, "parents": parents}
        body |= {"appProperties": app_properties, "properties": properties}
        call = Call("seed", {}, {"supportsAllDrives": ["true"]}, body)
        return str(self._create(call).body["id"])

    def edit(self, file_id: str, at: str | None = None) -> None:
        """A person changes the file's contents in its editor (at the RFC 3339 time `at`, or
        now): Drive moves its modifiedTime and version, as for any update."""
        stored = self._files[self._resolve_id(file_id)]
        stored["modifiedTime"] = at or now_rfc3339()
        stored["version"] = str(int(stored["version"]) + 1)

    def add_shared_drive(
        self,
        name: str,
        *,
        caller_role: str | None = "organizer",
        folder_sharing_needs_organizer: bool = False,
    ) -> str:
        """A shared drive with the caller as a member (`caller_role`: organizer is a Manager,
        fileOrganizer a Content manager; None, not a member). `folder_sharing_needs_organizer`
        is the drive's restriction sharingFoldersRequiresOrganizerPermission: false on drives
        made since Content managers may share folders (Google's default), true on older ones
        or where an admin turned it on."""
        drive_id = "0A" + random_id(self._rng, 17, string.ascii_letters + string.digits) + "PVA"
        self._drives[drive_id] = {
            "kind": "drive#drive",
            "id": drive_id,
            "name": name,
            "restrictions": {
                "adminManagedRestrictions": False,
                "copyRequiresWriterPermission": False,
                "domainUsersOnly": False,
                "driveMembersOnly": False,
                "sharingFoldersRequiresOrganizerPermission": folder_sharing_needs_organizer,
            },
        }
        root = self._new_file(drive_id, name, FOLDER, parents=[], drive_id=drive_id)
        root["_drive_root"] = True
        self._files[drive_id] = root
        if caller_role is not None:
            self.add_permission(drive_id, self.caller, caller_role)
        return drive_id

    def set_drive_restrictions(self, drive_id: str, **restrictions: bool) -> None:
        """Change a shared drive's restrictions by hand (as its Manager would)."""
        known = self._drives[drive_id]["restrictions"]
        unknown = sorted(set(restrictions) - set(known))
        if unknown:
            raise KeyError(f"no shared drive restriction {', '.join(unknown)}")
        known.update(restrictions)

    def files(self, include_trashed: bool = True) -> list[dict[str, Any]]:
        """Every file except drive roots, as full resources."""
        return [
            self._view(f, TEST_PROJECT)
            for f in self._files.values()
            if f["id"] != self.root_id
            and not f.get("_drive_root")
            and (include_trashed or not f["trashed"])
        ]

    def file(self, file_id: str, project: str = TEST_PROJECT) -> dict[str, Any]:
        """The file as a request through `project` sees it (its appProperties are that
        project's)."""
        return self._view(self._files[file_id], project)

    def permissions(self, file_id: str) -> list[dict[str, Any]]:
        """The permissions made on the file itself (not those it inherits)."""
        return copy.deepcopy(self._permissions.get(file_id, []))

    def add_permission(self, file_id: str, email: str, role: str, kind: str = "user") -> str:
        """Share a file (or a shared drive, making `email` a member) by hand: no notification.
        `email` is the domain for kind "domain" and ignored for kind "anyone". Returns the
        permission's id."""
        if file_id not in self._files:
            raise KeyError(f"no file {file_id}")
        principal = {"domain": email, "anyone": "anyone"}.get(kind, email)
        body = {"type": kind, "role": role}
        body |= {"domain": email} if kind == "domain" else {}
        body |= {"emailAddress": email} if kind in ("user", "group") else {}
        return str(self._grant(file_id, body, principal)["id"])

    def made_by(self, file_id: str, grant: Grant) -> None:
        """Record that the app of `grant` made the file: its drive.file token reaches it."""
        stored = self._files.get(file_id)
        if stored is not None:
            stored.setdefault("_apps", set()).add(grant.app)

    def open_with_picker(self, file_id: str, account: str, project: str) -> None:
        """As `account` choosing the file in the Google Picker of the app of Cloud project
        `project`: from then on that app's drive.file token reaches it, for that account."""
        if file_id not in self._files:
            raise KeyError(f"no file {file_id}")
        self._files[file_id].setdefault("_apps", set()).add((account.lower(), project))

    def reaches(self, file_id: str, grant: Grant | None) -> bool:
        """Whether a drive.file token of `grant` reaches the file (a request without
        credentials, the test's own hand, reaches every file)."""
        stored = self._files.get(self._resolve_id(file_id))
        return stored is not None and self._reached(stored, grant)

    def _reached(self, stored: dict[str, Any], grant: Grant | None) -> bool:
        if grant is None or stored["id"] == self.root_id:
            return True
        return grant.app in stored.get("_apps", ())

    def register_spreadsheet(self, spreadsheet_id: str, title: str) -> None:
        """Called when Sheets creates a spreadsheet: it is a Drive file too."""
        if spreadsheet_id not in self._files:
            self._files[spreadsheet_id] = self._new_file(
                spreadsheet_id, title, SPREADSHEET, parents=[self.root_id], drive_id=None
            )
            self._add_owner(spreadsheet_id)

    # ------------------------------------------------------------------------------- internals

    def _new_file(
        self, file_id: str, name: str, mime_type: str, parents: list[str], drive_id: str | None
    ) -> dict[str, Any]:
        now = now_rfc3339()
        stored: dict[str, Any] = {
            "kind": "drive#file",
            "id": file_id,
            "name": name,
            "mimeType": mime_type,
            "parents": parents,
            "starred": False,
            "trashed": False,
            "explicitlyTrashed": False,
            "spaces": ["drive"],
            "version": "1",
            "webViewLink": _web_view_link(file_id, mime_type),
            "createdTime": now,
            "modifiedTime": now,
        }
        if drive_id:
            stored["driveId"] = drive_id
        else:
            stored["ownedByMe"] = True
            stored["owners"] = [{"kind": "drive#user", "emailAddress": self.caller, "me": True}]
        return stored

    def _add_owner(self, file_id: str) -> None:
        self._permissions[file_id] = [
            {
                "kind": "drive#permission",
                "id": _permission_id(self.caller),
                "type": "user",
                "role": "owner",
                "emailAddress": self.caller,
            }
        ]

    @staticmethod
    def _public(stored: dict[str, Any]) -> dict[str, Any]:
        return {k: copy.deepcopy(v) for k, v in stored.items() if not k.startswith("_")}

    @classmethod
    def _view(cls, stored: dict[str, Any], project: str) -> dict[str, Any]:
        """The file's metadata with the appProperties of `project` (none: no field)."""
        view = cls._public(stored)
        mine = stored.get("_app_properties", {}).get(project)
        if mine:
            view["appProperties"] = dict(mine)
        return view

    def _resource(self, stored: dict[str, Any], call: Call) -> dict[str, Any]:
        """A file as the API gives it to the caller: its project's appProperties, and
        `permissions` too outside shared drives."""
        resource = self._view(stored, _project(call.grant))
        if not stored.get("driveId"):
            resource["permissions"] = self._effective_permissions(stored)
        return resource

    def _effective_permissions(self, stored: dict[str, Any]) -> list[dict[str, Any]]:
        """The file's own permissions and those of every folder above it, one per principal
        (the highest role), each with permissionDetails saying where it comes from."""
        in_shared_drive = bool(stored.get("driveId"))
        merged: dict[str, dict[str, Any]] = {}
        holder: dict[str, Any] | None = stored
        seen: set[str] = set()
        while holder is not None and holder["id"] not in seen:
            seen.add(holder["id"])
            inherited = holder is not stored
            for own in self._permissions.get(holder["id"], []):
                detail: dict[str, Any] = {
                    "permissionType": "member" if holder.get("_drive_root") else "file",
                    "role": own["role"],
                    "inherited": inherited,
                }
                if inherited and in_shared_drive:
                    detail["inheritedFrom"] = holder["id"]
                entry = merged.get(own["id"])
                if entry is None:
                    entry = merged[own["id"]] = {**copy.deepcopy(own), "permissionDetails": []}
                elif _ROLES.index(own["role"]) < _ROLES.index(entry["role"]):
                    entry["role"] = own["role"]
                entry["permissionDetails"].append(detail)
            parents = holder.get("parents") or []
            holder = self._files.get(parents[0]) if parents else None
        return list(merged.values())

    def _use_id(self, body: dict[str, Any], mime_type: str) -> str:
        """The id for a new file of `mime_type`: the body's (generated earlier), or a new one."""
        file_id = body.get("id")
        if not file_id:
            return self._new_id()
        if not takes_generated_id(mime_type):
            raise GoogleError(
                400,
                "Generated IDs are not supported for Docs Editors formats.",
                reason="generatedIdNotSupported",
                location="file.id",
            )
        if file_id in self._files:
            raise GoogleError(
                409, "A file already exists with the provided ID.", reason="duplicate"
            )
        if file_id not in self._generated:
            raise bad_request("The provided file ID is not usable.", location="file.id")
        return str(file_id)

    def _check_may_own(self, stored: dict[str, Any], call: Call) -> None:
        """A service account has no Drive storage: outside a shared drive, where it would own
        the new file, Drive answers 403 storageQuotaExceeded. Files seeded by tests (made by
        people) are exempt."""
        if (
            self.caller_is_service_account
            and not stored.get("driveId")
            and call.method_id != "seed"
        ):
            raise storage_quota_exceeded()

    def _resolve_id(self, file_id: str) -> str:
        return self.root_id if file_id == "root" else file_id

    def _file(self, file_id: str, call: Call, location: str = "fileId") -> dict[str, Any]:
        stored = self._files.get(self._resolve_id(file_id))
        all_drives = call.flag("supportsAllDrives") or call.flag("supportsTeamDrives")
        if stored is None or (stored.get("driveId") and not all_drives):
            raise GoogleError(404, f"File not found: {file_id}.", location=location)
        if call.per_file and not self._reached(stored, call.grant):  # drive.file: not its app's
            raise GoogleError(404, f"File not found: {file_id}.", location=location)
        return stored

    def _new_id(self) -> str:
        return "1" + random_id(self._rng, 32)

    def _set_parents(self, stored: dict[str, Any], parents: list[str], call: Call) -> None:
        resolved = [self._resolve_id(p) for p in dict.fromkeys(parents)]
        if len(resolved) > 1:
            raise GoogleError(
                403, "Increasing the number of parents is not allowed.", reason="cannotAddParent"
            )
        drive_id = None
        for parent_id in resolved:
            parent = self._file(parent_id, call, location="parents")
            if parent["mimeType"] != FOLDER:
                raise bad_request(f"The parent {parent_id} is not a folder.", location="parents")
            drive_id = parent.get("driveId")
        stored["parents"] = resolved
        if drive_id:
            stored["driveId"] = drive_id
            stored.pop("owners", None)
            stored.pop("ownedByMe", None)
        elif "driveId" in stored:
            del stored["driveId"]

    def _apply_metadata(self, stored: dict[str, Any], body: dict[str, Any], project: str) -> None:
        _check_property_lengths(body)
        for key in _WRITABLE:
            if key in body and body[key] is not None:
                stored[key] = copy.deepcopy(body[key])
        if body.get("trashed") is not None:
            stored["explicitlyTrashed"] = bool(body["trashed"])
        if "properties" in body:
            merged = _merge_map(stored.get("properties"), body["properties"])
            if merged:
                stored["properties"] = merged
            else:
                stored.pop("properties", None)
        if "appProperties" in body:
            private = stored.setdefault("_app_properties", {})
            merged = _merge_map(private.get(project), body["appProperties"])
            if merged:
                private[project] = merged
            else:
                private.pop(project, None)

    # -------------------------------------------------------------------------------- handlers

    def handlers(self) -> dict[str, Callable[[Call], Reply]]:
        return {
            "drive.files.create": self._create,
            "drive.files.get": self._get,
            "drive.files.list": self._list,
            "drive.files.update": self._update,
            "drive.files.copy": self._copy,
            "drive.files.generateIds": self._generate_ids,
            "drive.files.delete": self._delete,
            "drive.permissions.create": self._permission_create,
            "drive.permissions.get": self._permission_get,
            "drive.permissions.list": self._permission_list,
            "drive.permissions.update": self._permission_update,
            "drive.permissions.delete": self._permission_delete,
            "drive.drives.get": self._drive_get,
            "drive.drives.list": self._drive_list,
        }

    def _create(self, call: Call) -> Reply:
        body = call.body or {}
        mime_type = body.get("mimeType") or "application/octet-stream"
        file_id = self._use_id(body, mime_type)
        stored = self._new_file(file_id, body.get("name") or "Untitled", mime_type, [], None)
        self._set_parents(stored, body.get("parents") or [self.root_id], call)
        self._check_may_own(stored, call)
        self._apply_metadata(stored, body, _project(call.grant))
        self._files[file_id] = stored
        if call.grant is not None:
            self.made_by(file_id, call.grant)
        if "driveId" not in stored:
            self._add_owner(file_id)
        if mime_type == SPREADSHEET:
            self._sheets.create_empty(file_id, stored["name"])
        return Reply(self._resource(stored, call), default_fields=FILE_DEFAULT_FIELDS)

    def _get(self, call: Call) -> Reply:
        stored = self._file(call.path_params["fileId"], call)
        return Reply(self._resource(stored, call), default_fields=FILE_DEFAULT_FIELDS)

    def _generate_ids(self, call: Call) -> Reply:
        count = call.integer("count", 10)
        space = call.param("space") or "drive"
        kind = call.param("type") or "files"
        if not 1 <= count <= 1000:
            raise bad_request(f"Invalid value '{count}' for 'count': 1 to 1000.", location="count")
        if space not in ("drive", "appDataFolder"):
            raise bad_request(f"Invalid space: {space!r}.", location="space")
        if kind not in ("files", "shortcuts") or (kind == "shortcuts" and space != "drive"):
            raise bad_request(f"Invalid type: {kind!r}.", location="type")
        ids = [self._new_id() for _ in range(count)]
        self._generated.update(ids)
        return Reply({"kind": "drive#generatedIds", "space": space, "ids": ids})

    def _update(self, call: Call) -> Reply:
        stored = self._file(call.path_params["fileId"], call)
        body = call.body or {}
        if body.get("parents") is not None:
            raise GoogleError(
                403,
                "The parents field is not directly writable in update requests. Use the "
                "addParents and removeParents parameters instead.",
                reason="fieldNotWritable",
            )
        updated = copy.deepcopy(stored)
        self._apply_metadata(updated, body, _project(call.grant))
        added = [p for p in (call.param("addParents") or "").split(",") if p]
        removed = {self._resolve_id(p) for p in (call.param("removeParents") or "").split(",") if p}
        if added or removed:
            parents = [p for p in updated["parents"] if p not in removed]
            self._set_parents(updated, parents + added, call)
        if body.get("modifiedTime") is None:  # set by the request, it is kept as given
            updated["modifiedTime"] = now_rfc3339()
        updated["version"] = str(int(updated["version"]) + 1)
        stored.clear()
        stored.update(updated)
        if stored["mimeType"] == SPREADSHEET and self._sheets.exists(stored["id"]):
            self._sheets.rename(stored["id"], stored["name"])
        return Reply(self._resource(stored, call), default_fields=FILE_DEFAULT_FIELDS)

    def _copy(self, call: Call) -> Reply:
        source = self._file(call.path_params["fileId"], call)
        if source["mimeType"] == FOLDER:
            raise GoogleError(
                403, "This file cannot be copied by the user.", reason="cannotCopyFile"
            )
        body = call.body or {}
        file_id = self._use_id(body, body.get("mimeType") or source["mimeType"])
        name = body.get("name") or f"Copy of {source['name']}"
        stored = self._new_file(file_id, name, source["mimeType"], [], None)
        self._set_parents(stored, body.get("parents") or source["parents"], call)
        self._check_may_own(stored, call)
        inherited: dict[str, Any] = {
            k: source[k] for k in ("properties", "description") if k in source
        }
        stored["_app_properties"] = copy.deepcopy(source.get("_app_properties", {}))
        self._apply_metadata(stored, inherited, _project(call.grant))
        self._apply_metadata(stored, body, _project(call.grant))
        self._files[file_id] = stored
        if call.grant is not None:
            self.made_by(file_id, call.grant)
        if "driveId" not in stored:
            self._add_owner(file_id)
        if source["mimeType"] == SPREADSHEET and self._sheets.exists(source["id"]):
            self._sheets.copy_spreadsheet(source["id"], file_id, name)
        return Reply(self._resource(stored, call), default_fields=FILE_DEFAULT_FIELDS)

    def _delete(self, call: Call) -> Reply:
        stored = self._file(call.path_params["fileId"], call)
        doomed = [stored["id"]]
        for file_id in doomed:  # a folder takes its descendants with it
            doomed.extend(f["id"] for f in self._files.values() if file_id in f.get("parents", []))
        for file_id in doomed:
            removed = self._files.pop(file_id, None)
            self._permissions.pop(file_id, None)
            if removed and removed["mimeType"] == SPREADSHEET:
                self._sheets.delete_spreadsheet(file_id)
        return Reply(None, status=204)

    def _list(self, call: Call) -> Reply:
        predicate = compile_query(call.param("q") or "", self._resolve_id)
        corpora = call.param("corpora") or call.param("corpus") or "user"
        drive_id = call.param("driveId") or call.param("teamDriveId")
        if (corpora == "drive") != bool(drive_id):
            raise bad_request(
                "The driveId parameter must be specified if and only if corpora is set to drive.",
                location="driveId",
            )
        if drive_id and drive_id not in self._drives:
            raise GoogleError(404, f"Shared drive not found: {drive_id}", location="driveId")
        all_drives = call.flag("includeItemsFromAllDrives") or call.flag("includeTeamDriveItems")
        all_drives = all_drives and (
            call.flag("supportsAllDrives") or call.flag("supportsTeamDrives")
        )
        items = []
        for stored in self._files.values():
            if stored["id"] == self.root_id or stored.get("_drive_root"):
                continue
            in_drive = stored.get("driveId")
            if in_drive and not all_drives:
                continue
            if corpora == "drive" and in_drive != drive_id:
                continue
            if call.per_file and not self._reached(stored, call.grant):
                continue
            if predicate(self._view(stored, _project(call.grant))):
                items.append(stored)
        for key in reversed([k.strip() for k in (call.param("orderBy") or "").split(",") if k]):
            field, _, direction = key.partition(" ")
            sort_key = {"folder": lambda f: f["mimeType"] != FOLDER}.get(
                field, lambda f, field=field: str(f.get(field.replace("_natural", ""), "")).lower()
            )
            items.sort(key=sort_key, reverse=direction.strip().lower() == "desc")
        page_size = call.integer("pageSize", 100)
        fingerprint = repr(sorted((k, v) for k, v in call.query.items() if k != "pageToken"))
        page, next_page = paginate(items, call.param("pageToken"), page_size, fingerprint)
        body: dict[str, Any] = {
            "kind": "drive#fileList",
            "incompleteSearch": False,
            "files": [self._resource(f, call) for f in page],
        }
        if next_page:
            body["nextPageToken"] = next_page
        default = f"kind,nextPageToken,incompleteSearch,files({FILE_DEFAULT_FIELDS})"
        return Reply(body, default_fields=default)

    # ---- permissions

    def _permission_create(self, call: Call) -> Reply:
        stored_file = self._file(call.path_params["fileId"], call)
        body = call.body or {}
        kind, role = body.get("type"), body.get("role")
        if kind not in _TYPES:
            raise bad_request(f"Invalid permission type: {kind!r}.", location="permission.type")
        if role not in _ROLES:
            raise bad_request(f"Invalid permission role: {role!r}.", location="permission.role")
        if kind in ("user", "group") and not body.get("emailAddress"):
            raise bad_request(
                "The permission emailAddress field is required for user and group permissions.",
                location="permission.emailAddress",
            )
        if kind == "domain" and not body.get("domain"):
            raise bad_request("The permission domain field is required.", location="domain")
        if role == "owner" and not call.flag("transferOwnership"):
            raise GoogleError(
                403,
                "The transferOwnership parameter must be enabled when the permission role is "
                "'owner'.",
                reason="forbidden",
            )
        if role in ("organizer", "fileOrganizer") and not stored_file.get("driveId"):
            raise GoogleError(
                403, "This role is only for shared drive items.", reason="invalidSharingRole"
            )
        self._check_may_share(stored_file)
        principal = {
            "user": body.get("emailAddress", ""),
            "group": body.get("emailAddress", ""),
            "domain": body.get("domain", ""),
            "anyone": "anyone",
        }[kind]
        permission = self._grant(stored_file["id"], body, principal)
        if kind in ("user", "group") and call.flag("sendNotificationEmail", default=True):
            self.notifications.append({"fileId": stored_file["id"], "emailAddress": principal})
        return Reply(copy.deepcopy(permission), default_fields=PERMISSION_DEFAULT_FIELDS)

    def _grant(self, file_id: str, body: dict[str, Any], principal: str) -> dict[str, Any]:
        """Add (or change the role of) the principal's own permission on the file."""
        kind = body["type"]
        permission_id = "anyoneWithLink" if kind == "anyone" else _permission_id(principal)
        permission = {
            "kind": "drive#permission",
            "id": permission_id,
            "type": kind,
            "role": body["role"],
        }
        for key in ("emailAddress", "domain", "allowFileDiscovery", "expirationTime", "view"):
            if body.get(key) is not None:
                permission[key] = body[key]
        existing = self._permissions.setdefault(file_id, [])
        existing[:] = [p for p in existing if p["id"] != permission_id]
        existing.append(permission)
        return permission

    def _check_may_share(self, stored_file: dict[str, Any]) -> None:
        """403 unless the caller's role in the shared drive lets it change who may open the
        item (see the module's notes); outside shared drives the caller may share anything."""
        drive_id = stored_file.get("driveId")
        if not drive_id:
            return
        role = self._caller_role(stored_file)
        restrictions = self._drives[drive_id]["restrictions"]
        if stored_file.get("_drive_root"):
            allowed = role == "organizer"
        elif stored_file["mimeType"] == FOLDER:
            needs_organizer = restrictions["sharingFoldersRequiresOrganizerPermission"]
            allowed = role == "organizer" or (role == "fileOrganizer" and not needs_organizer)
        else:
            allowed = role in ("organizer", "fileOrganizer", "writer")
        if not allowed:
            raise _insufficient_permissions()

    def _caller_role(self, stored_file: dict[str, Any]) -> str | None:
        """The caller's highest role on the item, its own or inherited (None: no access)."""
        caller = _permission_id(self.caller)
        for permission in self._effective_permissions(stored_file):
            if permission["id"] == caller:
                return str(permission["role"])
        return None

    def _find_permission(self, call: Call) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The file's own permission the call names; 403 for one it only inherits."""
        stored_file = self._file(call.path_params["fileId"], call)
        permissions = self._permissions.setdefault(stored_file["id"], [])
        wanted = call.path_params["permissionId"]
        for permission in permissions:
            if permission["id"] == wanted:
                return permissions, permission
        if any(p["id"] == wanted for p in self._effective_permissions(stored_file)):
            raise GoogleError(
                403,
                "The permission is inherited from a folder above this item; change it there.",
                reason="cannotModifyInheritedPermission",
            )
        raise GoogleError(404, f"Permission not found: {wanted}.", location="permissionId")

    def _permission_get(self, call: Call) -> Reply:
        stored_file = self._file(call.path_params["fileId"], call)
        wanted = call.path_params["permissionId"]
        for permission in self._effective_permissions(stored_file):
            if permission["id"] == wanted:
                return Reply(permission, default_fields=PERMISSION_DEFAULT_FIELDS)
        raise GoogleError(404, f"Permission not found: {wanted}.", location="permissionId")

    def _permission_update(self, call: Call) -> Reply:
        stored_file = self._file(call.path_params["fileId"], call)
        permission = self._find_permission(call)[1]
        body = call.body or {}
        for key in ("type", "emailAddress", "domain"):
            if body.get(key) is not None and body[key] != permission.get(key):
                raise GoogleError(
                    403,
                    f"The {key} field of a permission cannot be changed.",
                    reason="fieldNotWritable",
                )
        role = body.get("role") or permission["role"]
        if role not in _ROLES:
            raise bad_request(f"Invalid permission role: {role!r}.", location="permission.role")
        if role == "owner" and not call.flag("transferOwnership"):
            raise GoogleError(
                403,
                "The transferOwnership parameter must be enabled when the permission role is "
                "'owner'.",
                reason="forbidden",
            )
        if role in ("organizer", "fileOrganizer") and not stored_file.get("driveId"):
            raise GoogleError(
                403, "This role is only for shared drive items.", reason="invalidSharingRole"
            )
        self._check_may_share(stored_file)
        permission["role"] = role
        if body.get("expirationTime") is not None:
            permission["expirationTime"] = body["expirationTime"]
        if call.flag("removeExpiration"):
            permission.pop("expirationTime", None)
        return Reply(copy.deepcopy(permission), default_fields=PERMISSION_DEFAULT_FIELDS)

    def _permission_list(self, call: Call) -> Reply:
        stored_file = self._file(call.path_params["fileId"], call)
        permissions = self._effective_permissions(stored_file)
        page_size = call.integer("pageSize", 100)
        fingerprint = repr(sorted((k, v) for k, v in call.query.items() if k != "pageToken"))
        page, next_page = paginate(permissions, call.param("pageToken"), page_size, fingerprint)
        body: dict[str, Any] = {"kind": "drive#permissionList", "permissions": copy.deepcopy(page)}
        if next_page:
            body["nextPageToken"] = next_page
        default = f"kind,nextPageToken,permissions({PERMISSION_DEFAULT_FIELDS})"
        return Reply(body, default_fields=default)

    def _permission_delete(self, call: Call) -> Reply:
        permissions, permission = self._find_permission(call)
        if permission["role"] == "owner":
            raise GoogleError(
                403, "The owner of a file cannot be removed.", reason="cannotRemoveOwner"
            )
        self._check_may_share(self._file(call.path_params["fileId"], call))
        permissions.remove(permission)
        return Reply(None, status=204)

    # ---- shared drives

    def _drive_get(self, call: Call) -> Reply:
        drive = self._drives.get(call.path_params["driveId"])
        if drive is None:
            raise GoogleError(404, f"Shared drive not found: {call.path_params['driveId']}")
        return Reply(copy.deepcopy(drive))

    def _drive_list(self, call: Call) -> Reply:
        return Reply(
            {"kind": "drive#driveList", "drives": copy.deepcopy(list(self._drives.values()))}
        )


PROPERTY_BYTES = 124  # Drive's limit on a custom property's key and value together, in UTF-8


def _check_property_lengths(body: dict[str, Any]) -> None:
    for field in ("properties", "appProperties"):
        for key, value in (body.get(field) or {}).items():
            size = len(str(key).encode("utf-8")) + len(str(value or "").encode("utf-8"))
            if size > PROPERTY_BYTES:
                raise GoogleError(
                    403,
                    "Properties and app properties are limited to 124 bytes in UTF-8 encoding, "
                    "counting both the key and the value.",
                    reason="propertyLengthLimitExceeded",
                )
