"""Folder changes under way, for both Drive adapters' `begin_apply`."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Mapping

from jobs.model.drive import TemplateCopy

# A template copy by its folder's key and its template's token.
CopyKey = tuple[str, str]


class PendingChanges:
    """Folder changes under way. `urls` is every folder's URL as it will be once they are
    made, known before they are (Drive IDs are generated first), so the jobs after the
    folders job can link to new folders while Drive, which has its own quota, works on. A
    folder whose creation then fails keeps that link until the next run makes it anew. Made
    at once (not `background`), `urls` is what the changes returned, if they succeeded.
    `copies` are the template copies made by these changes whose address is known before
    they are made (the port says which), kept alike; made at once, those the changes made.

    `make(made)` makes the changes and returns the URLs, or raises what failed; either way it
    has put in `made` each template copy it made (`copies_made()`). `wait()` returns the URLs,
    or raises what the changes raised (WorkspaceError naming what failed). In the background
    the changes run in a thread that carries the caller's context (the log records' program
    and job)."""

    def __init__(
        self,
        urls: Mapping[str, str],
        copies: Mapping[CopyKey, TemplateCopy],
        make: Callable[[dict[CopyKey, TemplateCopy]], dict[str, str]],
        *,
        background: bool,
    ) -> None:
        self.urls = dict(urls)
        self.copies = dict(copies)
        self._make = make
        self._made: dict[CopyKey, TemplateCopy] = {}
        self._result: dict[str, str] | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if background:
            context = contextvars.copy_context()
            self._thread = threading.Thread(
                target=context.run, args=(self._run,), name="tutorsync-drive", daemon=True
            )
            self._thread.start()
        else:
            self._run()

    def _run(self) -> None:
        made: dict[CopyKey, TemplateCopy] = {}
        try:
            self._result = self._make(made)
        except BaseException as error:  # handed to wait(), in the caller's thread
            self._error = error
        else:
            if self._thread is None:
                self.urls = dict(self._result)
        self._made = made
        if self._thread is None:
            self.copies = dict(made)

    def wait(self) -> dict[str, str]:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def copies_made(self) -> dict[CopyKey, TemplateCopy]:
        """After wait() (returned or raised): each template copy the changes made."""
        return dict(self._made)
