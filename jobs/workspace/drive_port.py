"""The Drive port: the student folders tutorsync keeps, who may open them, and what it copied
into them. Protocols only: folders, grants and the changes the folders job plans are values in
`jobs.model.drive`, which also says how a folder is identified and what it records.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from jobs.model.drive import Folder, FolderChange, TemplateCopy


class PendingApply(Protocol):
    """Folder changes under way (`Drive.begin_apply`). `urls` is every folder's URL as it will
    be once they are made, known before they are; `wait()` returns the URLs once the changes
    are made, or raises what they raised (WorkspaceError naming what failed).

    `copies` holds each template copy these changes make whose address is known before it is
    made, by (folder key, template token), as a listing will show it then (its `url`, and its
    `modified`: when it is made): so a learning plan copied this run is linked on this run.
    Google knows it for a copy of a template whose type takes a generated ID; locally every
    copy is made at once. A copy not in it (a Google Doc, Sheet or Slides deck, which Drive
    gives no generated ID) is in `copies_made()` once Drive has made it. Made at once, it
    holds the copies that were made (as `copies_made()`); in the background, a copy that then
    fails keeps its entry, as a folder does its URL."""

    urls: dict[str, str]
    copies: dict[tuple[str, str], TemplateCopy]

    def wait(self) -> dict[str, str]: ...

    def copies_made(self) -> dict[tuple[str, str], TemplateCopy]:
        """After wait() (whether it returned or raised): each template copy the changes made,
        by (folder key, template token), as a listing will show it then, dated when it was
        made; one whose address Drive gave only as it made it at that address. A copy that
        failed is not in it (locally none is when any change failed); one whose reply was lost
        the next run's listing finds."""
        ...


class Drive(Protocol):
    """Folders under one root (a Google Drive folder ID, or a directory in the workspace)."""

    def list_folders(self, root: str, program_key: str, *, grants: bool = True) -> list[Folder]:
        """Every folder tutorsync keeps for this program (in the root or moved anywhere, trashed
        ones included), found by its tags, never by name, with its grants (unless `grants` is
        false: a caller that wants only links may skip reading them, and its folders may then
        show no grants). Raises WorkspaceError, saying what to change, if the root does not
        exist or is not a folder."""
        ...

    def apply(
        self, root: str, program_key: str, changes: Sequence[FolderChange], *, notify: bool
    ) -> dict[str, str]:
        """Make the changes, in an order that keeps the records true if the run stops anywhere:
        folders (parents first), records then shares, role changes, revokes then records,
        moves, copies then records. `notify`: let Drive e-mail people about new grants.
        Returns the URL of every folder of the program after the changes, by key. Does all it
        can, then raises WorkspaceError naming every change that failed (by folder key).

        The plan may be stale (another machine's run made folders since the listing). An
        adapter that applies from its earlier listing (Google) looks again first when the
        changes create folders or copy templates, and raises FoldersChanged, writing nothing,
        if any of them exists already; one that reads the folders afresh in apply (local)
        treats those as done, as below.

        Every change is safe to repeat: a CreateFolder whose key exists, or a CopyTemplate
        already recorded, does nothing; a RevokeGrant of a grant that is gone is done. A
        ChangeRole of a grant that is gone fails (the next run's plan shares again)."""
        ...

    def begin_apply(
        self,
        root: str,
        program_key: str,
        changes: Sequence[FolderChange],
        *,
        notify: bool,
        background: bool,
    ) -> PendingApply:
        """`apply`, returned as a PendingApply whose URLs are known at once; with `background`
        an adapter may make the changes in a thread (Google does; local directories are made
        at once). Raises FoldersChanged, as `apply` does, before anything is made."""
        ...

    def check_templates(self, templates: Sequence[str]) -> list[str]:
        """What is wrong with each template (as configured) that could not be copied: not
        found, not a file, or in the trash; [] when all can be. Changes nothing."""
        ...

    def link(self, url: str, *, from_spreadsheet: str) -> str:
        """A folder's URL as a link written into `from_spreadsheet` (or a calendar)."""
        ...
