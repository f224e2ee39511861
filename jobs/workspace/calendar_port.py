"""The Calendar port: the check-in events tutorsync keeps, and free/busy to place them.
Protocols only: events are values in `jobs.model.calendar`, which says how an event is
identified.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from jobs.model.calendar import Busy, CalendarEvent


class Calendar(Protocol):
    """One calendar per program (a Google calendar ID, or an .ics file in the workspace)."""

    def list_events(self, calendar: str, program_key: str) -> list[CalendarEvent]:
        """Every event tutorsync keeps for this program in the calendar, not cancelled, found
        by its tags (one filtered listing, paged). Other events are never returned."""
        ...

    def busy(self, emails: Sequence[str], start: datetime, end: datetime) -> dict[str, list[Busy]]:
        """Busy intervals per person in [start, end); a person whose calendar cannot be seen
        is absent from the result (the caller then treats them as free)."""
        ...

    def upsert(
        self,
        calendar: str,
        program_key: str,
        events: Sequence[CalendarEvent],
        *,
        notify_new: bool,
        notify_changed: bool,
    ) -> None:
        """Make each event exist exactly as given (create it, or change the event with its
        key), in batches. Tags each with the program and key. Never touches other events."""
        ...

    def link(self, calendar: str, event: CalendarEvent, *, from_spreadsheet: str) -> str:
        """A URL that opens the event (or the calendar holding it), for a link cell written
        into `from_spreadsheet`."""
        ...
