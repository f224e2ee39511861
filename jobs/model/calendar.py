"""The Calendar port: the check-in events tutorsync keeps, and free/busy to place them.

An event is identified for ever by its `key` (stored on the event: extendedProperties.private
on Google, X-TUTORSYNC-KEY in an .ics file); its `event_id` is derived from the key, so an
insert retried after a lost reply, or by a run after a crash, names the same event. Google
keeps the id of an event a person deleted, so a check-in made again takes the key's next id
(`event_id(key, generation)`), derived the same way.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

KEY_PROPERTY = "tutorsync-key"  # the event's key
PROGRAM_PROPERTY = "tutorsync-program"  # the program's key: one filtered listing finds ours
SCHEDULE_PROPERTY = "tutorsync-schedule"  # fingerprint of the schedule settings that placed it


def event_id(key: str, generation: int = 0) -> str:
    """The key's id of this generation, by Google's rule for client-chosen ids: base32hex
    (a-v, 0-9), 5 to 1024 characters. Generation 0 is the key's SHA-1 in base32hex, 32
    characters. Google keeps the id of a deleted event for ever (an insert with it answers 409,
    a patch 403), so a check-in a person deleted is made again under the next generation: the
    same 32 characters, "g", then the generation in decimal ("...g1", "...g2"). Longer than 32
    characters, it is never another key's generation 0."""
    if generation < 0:
        raise ValueError(f"an event id's generation is 0 or more, not {generation}")
    digest = hashlib.sha1(key.encode("utf-8")).digest()
    first = base64.b32hexencode(digest).decode("ascii").lower().rstrip("=")
    return first if generation == 0 else f"{first}g{generation}"


def generation_of(key: str, google_id: str) -> int | None:
    """Which of the key's ids (`event_id`) this is; None if it is none of them."""
    first = event_id(key)
    if google_id == first:
        return 0
    rest = google_id.removeprefix(first + "g")
    if rest != google_id and rest.isascii() and rest.isdigit() and not rest.startswith("0"):
        return int(rest)
    return None


@dataclass(frozen=True)
class CalendarEvent:
    """A check-in as tutorsync wants it (or finds it). Times are timezone-aware; recurrence
    lines are RFC 5545 (RRULE:..., EXDATE;TZID=...:...), written in the event's timezone."""

    key: str
    summary: str
    description: str
    start: datetime
    end: datetime
    timezone: str  # IANA name, e.g. "America/Chicago"
    recurrence: tuple[str, ...] = ()
    attendees: tuple[str, ...] = ()  # e-mails, sorted, lower case
    schedule: str = ""  # SCHEDULE_PROPERTY: which settings placed it

    @property
    def event_id(self) -> str:
        """The key's first id (generation 0); on Google, an event a person deleted is made
        again under a later one (the adapter knows which)."""
        return event_id(self.key)


@dataclass(frozen=True)
class Busy:
    start: datetime
    end: datetime


# (student ID, teacher e-mail) -> the start and event of the pair's next check-in about the
# student: what the check-ins job hands the progress tabs.
NextCheckins = Mapping[tuple[str, str], tuple[datetime, CalendarEvent]]
