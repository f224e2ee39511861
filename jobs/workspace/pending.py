"""Folder changes under way, for both Drive adapters' `begin_apply`."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Mapping


class PendingChanges:
    """Folder changes under way. `urls` is every folder's URL as it will be once they are
    made, known before they are (Drive IDs are generated first), so the jobs after the
    folders job can link to new folders while Drive, which has its own quota, works on. A
    folder whose creation then fails keeps that link until the next run makes it anew. Made
    at once (not `background`), `urls` is what the changes returned, if they succeeded.

    `wait()` returns the URLs, or raises what the changes raised (WorkspaceError naming what
    failed). In the background the changes run in a thread that carries the caller's
    context (the log records' program and job)."""

    def __init__(
        self, urls: Mapping[str, str], make: Callable[[], dict[str, str]], *, background: bool
    ) -> None:
        self.urls = dict(urls)
        self._make = make
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
        try:
            self._result = self._make()
        except BaseException as error:  # handed to wait(), in the caller's thread
            self._error = error
        else:
            if self._thread is None:
                self.urls = dict(self._result)

    def wait(self) -> dict[str, str]:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result
